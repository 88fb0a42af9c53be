#!/usr/bin/env bash
# Makes sure Debian's Virtuoso Open Source is installed for the remote-store tests
# (tests/conftest.py starts its own virtuoso-t with a virtuoso.ini in a temporary
# directory on a free port; the system service is never used). Idempotent: does nothing
# when virtuoso-t and isql-vt are there.
set -euo pipefail

VIRTUOSO="${MAG_GRAPH_VIRTUOSO:-/usr/bin/virtuoso-t}"
ISQL="${MAG_GRAPH_VIRTUOSO_ISQL:-/usr/bin/isql-vt}"

if [ -x "$VIRTUOSO" ] && [ -x "$ISQL" ]; then
    exit 0
fi

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "The remote-store tests of mag-graph" \
    "Or point MAG_GRAPH_VIRTUOSO / MAG_GRAPH_VIRTUOSO_ISQL at them." virtuoso-opensource

if [ ! -x "$VIRTUOSO" ] || [ ! -x "$ISQL" ]; then
    echo "virtuoso-opensource was installed but $VIRTUOSO or $ISQL is missing." >&2
    exit 1
fi
