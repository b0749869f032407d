#!/usr/bin/env bash
# Renders the PNG icons from icon.svg and maskable.svg with headless Chromium (run by hand
# after editing the artwork; the PNGs are committed).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
for spec in "icon.svg icon-192.png 192" "icon.svg icon-512.png 512" "maskable.svg maskable-512.png 512" \
            "maskable.svg apple-touch-icon.png 180" "icon.svg favicon-48.png 48"; do
  set -- $spec
  cp "$1" "$tmp/"
  printf '<!doctype html><style>html,body{margin:0;background:transparent}img{display:block;width:%spx;height:%spx}</style><img src="%s">' "$3" "$3" "$1" > "$tmp/page.html"
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --hide-scrollbars --default-background-color=00000000 \
    --window-size="$3,$3" --screenshot="$PWD/$2" "file://$tmp/page.html" >/dev/null 2>&1
done
rm -rf "$tmp"
