#!/usr/bin/env bash
# Installs missing Debian packages for the ensure-*.sh scripts: with apt-get when run as
# root, otherwise it says what to install and exits 1 (nothing is changed).
#
#   bash scripts/apt-install.sh "WHAT needs them" "HINT or empty" PACKAGE...
#
# With no PACKAGE it does nothing.
set -euo pipefail

what="$1"
hint="$2"
shift 2
[ "$#" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "$what: Debian packages missing: $*." >&2
    echo "Install them (sudo apt-get install -y --no-install-recommends $*) and run again." >&2
    if [ -n "$hint" ]; then
        echo "$hint" >&2
    fi
    exit 1
fi

echo "Installing Debian packages: $*"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@"
