#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests of the web pages
# (tests/test_pages.py drives /usr/bin/chromium through Playwright; Playwright's own
# browser download is never used). Idempotent: does nothing when Chromium is there.
set -euo pipefail

CHROMIUM="${MAG_GRAPH_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "The browser tests of mag-graph" \
    "Or point MAG_GRAPH_CHROMIUM at another Chromium binary." chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "chromium was installed but $CHROMIUM is missing; set MAG_GRAPH_CHROMIUM." >&2
    exit 1
fi
