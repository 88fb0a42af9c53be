#!/usr/bin/env bash
# Makes sure Spectral (the OpenAPI linter) is installed in tools/spectral/ for the test
# that lints the served OpenAPI document with the Logius API Design Rules ruleset
# (tests/conformance/logius-adr-spectral.yaml) and spectral:oas. The version is pinned
# by tools/spectral/package-lock.json and installed with `npm ci` from the npm registry;
# install scripts are not run. Idempotent: does nothing when the installed tree matches
# the lock file. Needs Node.js and npm (Debian: nodejs, npm; installed here as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/tools/spectral"
BIN="$TOOL/node_modules/.bin/spectral"
STAMP="$TOOL/node_modules/.mag-graph-installed"

if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$STAMP" -nt "$TOOL/package-lock.json" ]; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "The OpenAPI lint test of mag-graph needs Node.js and npm for Spectral." >&2
        echo "Install them (sudo apt-get install -y nodejs npm) and run the tests again." >&2
        exit 1
    fi
    echo "Installing Debian packages: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm
fi

echo "Installing Spectral into tools/spectral (npm ci)"
npm ci --prefix "$TOOL" --ignore-scripts --no-audit --no-fund --loglevel=error
"$BIN" --version >/dev/null
touch "$STAMP"
