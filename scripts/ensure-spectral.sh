#!/usr/bin/env bash
# Makes sure Spectral (the OpenAPI linter) is installed in tools/spectral/ for the test
# that lints the served OpenAPI document with the Logius API Design Rules ruleset
# (tests/conformance/logius-adr-spectral.yaml) and spectral:oas (see ensure-npm-tool.sh).
set -euo pipefail
HERE="$(dirname "${BASH_SOURCE[0]}")"
bash "$HERE/ensure-npm-tool.sh" spectral node_modules/.bin/spectral "The OpenAPI lint test"
"$HERE/../tools/spectral/node_modules/.bin/spectral" --version >/dev/null
