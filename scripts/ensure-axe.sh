#!/usr/bin/env bash
# Makes sure axe-core (the accessibility checker) is installed in tools/axe/ for the test
# that injects axe.min.js into Debian's Chromium on every kind of page (tests/test_axe.py).
# The version is pinned by tools/axe/package-lock.json and installed with `npm ci` from
# the npm registry; install scripts are not run. Idempotent: does nothing when the
# installed tree matches the lock file. Needs Node.js and npm (Debian: nodejs, npm;
# installed here as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/tools/axe"
SCRIPT="$TOOL/node_modules/axe-core/axe.min.js"
STAMP="$TOOL/node_modules/.mag-graph-installed"

if [ -f "$SCRIPT" ] && [ -f "$STAMP" ] && [ "$STAMP" -nt "$TOOL/package-lock.json" ]; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "The accessibility test of mag-graph needs Node.js and npm for axe-core." >&2
        echo "Install them (sudo apt-get install -y nodejs npm) and run the tests again." >&2
        exit 1
    fi
    echo "Installing Debian packages: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm
fi

echo "Installing axe-core into tools/axe (npm ci)"
npm ci --prefix "$TOOL" --ignore-scripts --no-audit --no-fund --loglevel=error
test -s "$SCRIPT"
touch "$STAMP"
