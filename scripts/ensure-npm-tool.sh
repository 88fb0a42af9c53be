#!/usr/bin/env bash
# Makes sure an npm tool of the tests is installed in tools/<name>/: the version pinned by
# tools/<name>/package-lock.json, installed with `npm ci` from the npm registry, install
# scripts not run. Idempotent: does nothing when the installed tree matches the lock file
# (a stamp newer than the lock file and the expected file present). Needs Node.js and npm
# (Debian: nodejs, npm; installed here when run as root).
#
#   ensure-npm-tool.sh NAME FILE PURPOSE
#     NAME     the folder under tools/ (its package.json and package-lock.json)
#     FILE     a file under tools/NAME that exists once the tool is installed
#     PURPOSE  the test that needs it, for the message when npm is missing
set -euo pipefail

NAME="$1"
FILE="$2"
PURPOSE="$3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/tools/$NAME"
STAMP="$TOOL/node_modules/.mag-graph-installed"

if [ -f "$TOOL/$FILE" ] && [ -f "$STAMP" ] && [ "$STAMP" -nt "$TOOL/package-lock.json" ]; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "$PURPOSE of mag-graph needs Node.js and npm for $NAME." >&2
        echo "Install them (sudo apt-get install -y nodejs npm) and run the tests again." >&2
        exit 1
    fi
    echo "Installing Debian packages: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm
fi

echo "Installing $NAME into tools/$NAME (npm ci)"
npm ci --prefix "$TOOL" --ignore-scripts --no-audit --no-fund --loglevel=error
test -s "$TOOL/$FILE"
touch "$STAMP"
