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

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "The tests of mag-graph" "" ${missing[@]+"${missing[@]}"}
