#!/usr/bin/env bash
# Makes sure axe-core (the accessibility checker) is installed in tools/axe/ for the test
# that injects axe.min.js into Debian's Chromium on every kind of page (tests/test_axe.py;
# see ensure-npm-tool.sh).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/ensure-npm-tool.sh" axe node_modules/axe-core/axe.min.js "The accessibility test"
