#!/usr/bin/env bash
# Rebuild the compiled GOV.UK Frontend assets in lms/static/ from the pinned
# npm release, so that installing the Python package never needs npm.
#
# Usage (from the repository root):   scripts/build-govuk-frontend.sh
#
# Needs node + npm and access to the npm registry. Pinned versions live in
# scripts/govuk-frontend/package.json + package-lock.json (installed with
# `npm ci` into scripts/govuk-frontend/node_modules/, which is git-ignored).
#
# This service is NOT on GOV.UK, so:
#   * the CSS is compiled with Arial instead of GDS Transport, and no
#     GDS Transport @font-face rules or font files are produced or shipped;
#   * no crown / GOV.UK-logotype images (favicons, crest, Open Graph image) are
#     copied, and neither is manifest.json (it only lists those crown icons).
#
# Outputs (only these paths are written; everything else in lms/static/ is left alone):
#   lms/static/govuk-frontend.min.css
#   lms/static/govuk-frontend.min.js (+ .map, which the .js refers to)
#   lms/static/images/                (only non-crown images; none in 6.3.0)
#   lms/static/GOVUK-FRONTEND-LICENCE.txt
#   lms/static/GOVUK-FRONTEND-VERSION.txt
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

BUILD_DIR="scripts/govuk-frontend"
STATIC_DIR="lms/static"
# URL path at which Flask serves $STATIC_DIR (must match the Sass entry file).
ASSETS_URL="/assets/"

GOVUK_FRONTEND_VERSION="6.3.0"
SASS_VERSION="1.108.2"

# Images in dist/govuk/assets/images/ that must not be shipped: every one of
# them in 6.3.0 is the crown, the Royal Arms crest or the GOV.UK logotype.
EXCLUDED_IMAGES=(
  favicon.ico                # crown on blue
  favicon.svg                # crown on blue
  govuk-icon-180.png         # crown on blue
  govuk-icon-192.png         # crown on blue
  govuk-icon-512.png         # crown on blue
  govuk-icon-mask.svg        # crown
  govuk-crest.svg            # Royal Arms (footer "Crown copyright" logo)
  govuk-opengraph-image.png  # crown + GOV.UK logotype
)

log() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
[[ -f "$BUILD_DIR/package-lock.json" ]] || die "missing $BUILD_DIR/package-lock.json"

# --------------------------------------------------------------------------
# 1. Install the pinned packages (exactly as locked).
# --------------------------------------------------------------------------
log "npm ci in $BUILD_DIR"
# --ignore-scripts: sass is pure JS; the only install script is sass's optional
# @parcel/watcher (used by `sass --watch`), which is not needed here.
(cd "$BUILD_DIR" && npm ci --ignore-scripts --no-audit --no-fund)

NODE_MODULES="$BUILD_DIR/node_modules"
GF_PKG="$NODE_MODULES/govuk-frontend"
GF_DIST="$GF_PKG/dist/govuk"
SASS_BIN="$NODE_MODULES/.bin/sass"

pkg_field() { node -p "require('./$1/package.json').$2"; }

installed_gf="$(pkg_field "$GF_PKG" version)"
installed_sass="$(pkg_field "$NODE_MODULES/sass" version)"
[[ "$installed_gf" == "$GOVUK_FRONTEND_VERSION" ]] \
  || die "govuk-frontend $installed_gf installed, expected $GOVUK_FRONTEND_VERSION"
[[ "$installed_sass" == "$SASS_VERSION" ]] \
  || die "sass $installed_sass installed, expected $SASS_VERSION"
log "govuk-frontend $installed_gf, sass $installed_sass"

mkdir -p "$STATIC_DIR"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --------------------------------------------------------------------------
# 2. Compile the Sass (Arial, no GDS Transport @font-face, assets at /assets/).
# --------------------------------------------------------------------------
log "compiling $BUILD_DIR/govuk-frontend.scss"
"$SASS_BIN" --no-source-map --style=compressed \
  --load-path="$NODE_MODULES" \
  "$BUILD_DIR/govuk-frontend.scss" "$tmp/govuk-frontend.min.css"

css="$tmp/govuk-frontend.min.css"
if grep -qi "GDS Transport" "$css"; then die "compiled CSS still mentions GDS Transport"; fi
if grep -qi "@font-face" "$css"; then die "compiled CSS contains @font-face rules"; fi
if grep -qiE '\.(woff2?|ttf|otf|eot)\b' "$css"; then die "compiled CSS references font files"; fi
grep -qE '\.govuk-body[,{][^}]*font-family:arial,sans-serif' "$css" \
  || die "compiled CSS does not set .govuk-body font-family to arial"
mv "$css" "$STATIC_DIR/govuk-frontend.min.css"

# --------------------------------------------------------------------------
# 3. JavaScript (ES module) and images. Fonts and manifest.json are NOT copied.
# --------------------------------------------------------------------------
log "copying JavaScript"
cp "$GF_DIST/govuk-frontend.min.js" "$STATIC_DIR/govuk-frontend.min.js"
# The .js ends with `//# sourceMappingURL=govuk-frontend.min.js.map`.
cp "$GF_DIST/govuk-frontend.min.js.map" "$STATIC_DIR/govuk-frontend.min.js.map"

log "copying images (excluding crown / GOV.UK branded ones)"
rm -rf "$STATIC_DIR/images"
for img in "$GF_DIST"/assets/images/*; do
  name="$(basename "$img")"
  skip=false
  for excluded in "${EXCLUDED_IMAGES[@]}"; do
    [[ "$name" == "$excluded" ]] && skip=true
  done
  if $skip; then
    echo "    skipped  $name"
  else
    mkdir -p "$STATIC_DIR/images"
    cp "$img" "$STATIC_DIR/images/$name"
    echo "    copied   $name"
  fi
done

# --------------------------------------------------------------------------
# 4. Licence and version stamp.
# --------------------------------------------------------------------------
log "writing licence and version files"
licence_src="$(find "$GF_PKG" -maxdepth 1 -iname 'licen[cs]e*' | head -n 1)"
if [[ -n "$licence_src" ]]; then
  cp "$licence_src" "$STATIC_DIR/GOVUK-FRONTEND-LICENCE.txt"
else
  # The govuk-frontend npm tarball does not include its LICENSE.txt (its
  # package.json "files" omits it). Its package.json declares MIT; the text
  # below is LICENSE.txt from github.com/alphagov/govuk-frontend at tag v6.3.0.
  [[ "$(pkg_field "$GF_PKG" license)" == "MIT" ]] \
    || die "govuk-frontend no longer declares the MIT licence; update this script"
  cat > "$STATIC_DIR/GOVUK-FRONTEND-LICENCE.txt" <<'LICENCE'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENCE
fi

cat > "$STATIC_DIR/GOVUK-FRONTEND-VERSION.txt" <<EOF
govuk-frontend $installed_gf
sass $installed_sass (Dart Sass, npm package "sass")
built $(date -u +%Y-%m-%d) by scripts/build-govuk-frontend.sh
Compiled with Arial (\$govuk-font-family: arial, sans-serif) instead of GDS Transport, which is licensed for GOV.UK only; no GDS Transport fonts or @font-face rules are included.
EOF

# --------------------------------------------------------------------------
# 5. Check every url() in the CSS resolves to a file under lms/static/.
# --------------------------------------------------------------------------
log "checking url() references in the CSS"
missing_unexpected=0
while IFS= read -r url; do
  case "$url" in
    data:*) echo "    ok       (data: URI)"; continue ;;
    "$ASSETS_URL"*) rel="${url#"$ASSETS_URL"}" ;;
    *) echo "    UNEXPECTED $url (not under $ASSETS_URL)"; missing_unexpected=1; continue ;;
  esac
  if [[ -f "$STATIC_DIR/$rel" ]]; then
    echo "    ok       $url"
  elif [[ "$rel" == "images/govuk-crest.svg" ]]; then
    # Only used by .govuk-footer__copyright-logo (the "© Crown copyright"
    # footer link), which this service must not use.
    echo "    missing  $url (deliberately not shipped: Royal Arms crest)"
  else
    echo "    MISSING  $url"
    missing_unexpected=1
  fi
done < <(grep -oE 'url\([^)]*\)' "$STATIC_DIR/govuk-frontend.min.css" \
           | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u)
[[ $missing_unexpected -eq 0 ]] || die "the CSS references files that are not in $STATIC_DIR"

log "done: $(wc -c < "$STATIC_DIR/govuk-frontend.min.css") bytes of CSS in $STATIC_DIR/govuk-frontend.min.css"
