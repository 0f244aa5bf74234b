#!/bin/sh
# Updates the referrer spam list embedded in openfast from Matomo's
# referrer-spam-list (public domain).
#
#   enrich/referrerspam/update.sh              clones the repository (git)
#   enrich/referrerspam/update.sh CHECKOUT     uses a local clone
#
# Run from anywhere; commit spammers.txt and SOURCE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=https://github.com/matomo-org/referrer-spam-list
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=${1:-}
if [ -z "$src" ]; then
	git clone --quiet --depth 1 "$repo" "$work/list"
	src=$work/list
fi
git -C "$src" show HEAD:spammers.txt >"$here/spammers.txt"
commit=$(git -C "$src" log -1 --format='%H (%cs, "%s")')
sed -i "s|^Commit: .*|Commit: $commit|; s|^Fetched: .*|Fetched: $(date -u +%Y-%m-%d)|" "$here/SOURCE"
echo "updated $here/spammers.txt ($(wc -l <"$here/spammers.txt") domains); run go test ./enrich -run Spam"
