#!/usr/bin/env bash
# Refreshes vendor/ (the charting library inlined into `sipstorm report` pages) from the npm registry,
# at the exact version pinned in package.json / package-lock.json. Run by hand after changing the
# pin, then commit vendor/. The build and the tests never run this: they use the committed files.
# check_commands: manual npm node (run by hand with the npm registry; tools/setup.sh does not install them)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$scratch/"
(cd "$scratch" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
pkg=$scratch/node_modules/uplot
cp "$pkg/dist/uPlot.iife.min.js" "$pkg/dist/uPlot.min.css" "$here/vendor/"
cp "$pkg/LICENSE" "$here/vendor/LICENSE.uPlot"
version=$(node -p "require('$pkg/package.json').version")
printf 'uPlot %s (https://github.com/leeoniya/uPlot), MIT licence, from npm: dist/uPlot.iife.min.js,\ndist/uPlot.min.css and LICENSE (as LICENSE.uPlot), unmodified. Refresh with ../update-vendor.sh.\n' \
  "$version" >"$here/vendor/README"
# The files are inlined into <script>/<style> elements: they must not close them early.
if grep -qi '</script\|</style' "$here/vendor/uPlot.iife.min.js" "$here/vendor/uPlot.min.css"; then
  echo "update-vendor: a vendored file contains </script or </style; sipstorm report cannot inline it" >&2
  exit 1
fi
echo "update-vendor: uPlot $version in $here/vendor"
