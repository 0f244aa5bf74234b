#!/bin/sh
# Updates the datacenter ranges embedded in openfast from X4BNet's lists_vpn
# (MIT): output/datacenter/ipv4.txt and ipv6.txt, concatenated and
# compressed with zstd.
#
#   enrich/datacenters/update.sh              clones the repository (git)
#   enrich/datacenters/update.sh CHECKOUT     uses a local clone
#
# Needs git and zstd. Run from anywhere; commit datacenters.txt.zst and SOURCE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=https://github.com/X4BNet/lists_vpn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=${1:-}
if [ -z "$src" ]; then
	git clone --quiet --depth 1 "$repo" "$work/list"
	src=$work/list
fi
git -C "$src" show HEAD:output/datacenter/ipv4.txt >"$work/ranges.txt"
v4=$(wc -l <"$work/ranges.txt")
git -C "$src" show HEAD:output/datacenter/ipv6.txt >>"$work/ranges.txt"
v6=$(($(wc -l <"$work/ranges.txt") - v4))
zstd -q -19 -f -o "$here/datacenters.txt.zst" "$work/ranges.txt"
commit=$(git -C "$src" log -1 --format='%H (%cs, "%s")')
sed -i "s|^Commit: .*|Commit: $commit|; s|^Fetched: .*|Fetched: $(date -u +%Y-%m-%d)|; s|^Ranges: [0-9,]* IPv4 and [0-9,]* IPv6|Ranges: $v4 IPv4 and $v6 IPv6|" "$here/SOURCE"
echo "updated $here/datacenters.txt.zst ($v4 IPv4, $v6 IPv6 prefixes); run go test ./enrich -run Datacenter"
