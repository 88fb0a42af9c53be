#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests of the web pages
# (tests/test_pages.py drives /usr/bin/chromium through Playwright; Playwright's own
# browser download is never used). Idempotent: does nothing when Chromium is there.
set -euo pipefail

CHROMIUM="${MAG_GRAPH_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "The browser tests of mag-graph need Debian's Chromium at $CHROMIUM." >&2
    echo "Install it (sudo apt-get install -y chromium) and run the tests again," >&2
    echo "or point MAG_GRAPH_CHROMIUM at another Chromium binary." >&2
    exit 1
fi

echo "Installing Debian package: chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "chromium was installed but $CHROMIUM is missing; set MAG_GRAPH_CHROMIUM." >&2
    exit 1
fi
