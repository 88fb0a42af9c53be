#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing.
# A JRE runs HermiT (through owlready2) for the OWL consistency checks.
# Pango (with FreeType) is what WeasyPrint needs to write the PDF reports.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
# Pango lays out the PDF downloads of validation reports (WeasyPrint, from PyPI).
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || missing+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpangoft2-1.0-0)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "mag-graph tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them (sudo apt-get install -y ${missing[*]}) and run 'make test' again." >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
