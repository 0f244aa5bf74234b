#!/bin/sh
# Updates the country database embedded in openfast: the geo-whois-asn-country
# MMDB of the ip-location-db project, compressed with zstd.
#
#   enrich/geodata/update.sh                 latest npm release (npm pack)
#   enrich/geodata/update.sh VERSION         that npm version
#   enrich/geodata/update.sh FILE.mmdb       a file downloaded by hand, e.g. from
#                                            https://github.com/sapics/ip-location-db/releases
#
# Needs npm, tar and zstd. Run from anywhere; commit the changed files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkg=@ip-location-db/geo-whois-asn-country-mmdb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "${1:-}" in
*.mmdb)
	cp "$1" "$work/geo-whois-asn-country.mmdb"
	version="file $(basename "$1")"
	;;
*)
	spec=$pkg
	[ -n "${1:-}" ] && spec="$pkg@$1"
	(cd "$work" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
	cp "$work/package/geo-whois-asn-country.mmdb" "$work/"
	cp "$work/package/NRO_LICENSE" "$here/NRO_LICENSE"
	version="npm $pkg@$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$work/package/package.json")"
	;;
esac

zstd -q -19 -f -o "$here/geo-whois-asn-country.mmdb.zst" "$work/geo-whois-asn-country.mmdb"
sed -i "s|^Version: .*|Version: $version|; s|^Fetched: .*|Fetched: $(date -u +%Y-%m-%d)|" "$here/SOURCE"
echo "updated $here/geo-whois-asn-country.mmdb.zst ($version); run go test ./enrich ./cmd/openfast -run Geo"
