#!/bin/sh
# Replaces the dashboard's third-party assets with the given npm versions:
#   web/static/update.sh [HTMX_VERSION] [UPLOT_VERSION]
# Needs npm and tar. Commit the changed files and update the versions in LICENSES.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@${1:-4.0.1}" "uplot@${2:-1.6.32}" >/dev/null
mkdir h u && tar xzf htmx.org-*.tgz -C h && tar xzf uplot-*.tgz -C u
cp h/package/dist/htmx.min.js "$here/htmx.min.js"
cp u/package/dist/uPlot.iife.min.js "$here/uplot.iife.min.js"
cp u/package/dist/uPlot.min.css "$here/uplot.min.css"
echo "updated; run go test ./web"
