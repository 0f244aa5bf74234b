#!/bin/sh
# Updates the exchange rates embedded in openfast: the European Central Bank's
# eurofxref-hist.csv (every business day since 1999), compressed with zstd.
#
#   rates/ecb/update.sh                  download the ECB's eurofxref-hist.zip
#   rates/ecb/update.sh FILE             a eurofxref-hist.zip or .csv fetched by hand
#
# Needs curl (to download), unzip and zstd. Run from anywhere; commit the
# changed files, then run: go test ./rates
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=${1:-}
if [ -z "$src" ]; then
	curl -fsSL -o "$work/eurofxref-hist.zip" https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip
	src=$work/eurofxref-hist.zip
fi
case "$src" in
*.zip) unzip -q -o -d "$work" "$src" eurofxref-hist.csv ;;
*) cp "$src" "$work/eurofxref-hist.csv" ;;
esac
csv=$work/eurofxref-hist.csv
head -1 "$csv" | grep -q '^Date,' || { echo "$src: not the ECB's eurofxref-hist.csv" >&2; exit 1; }

zstd -q -19 -f -o "$here/eurofxref-hist.csv.zst" "$csv"
first=$(tail -n 1 "$csv" | cut -d, -f1)
last=$(sed -n 2p "$csv" | cut -d, -f1)
size=$(wc -c <"$csv" | tr -d ' ' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
sed -i "s|^First day: .*|First day: $first|; s|^Last day: .*|Last day: $last|; s|^Stored as: .*|Stored as: eurofxref-hist.csv.zst (zstd -19; $size bytes uncompressed)|" "$here/SOURCE"
echo "updated $here/eurofxref-hist.csv.zst ($first to $last); run go test ./rates"
