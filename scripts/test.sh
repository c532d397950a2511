#!/usr/bin/env bash
# Run all tests; sets everything up on a fresh machine.
#
#   bash scripts/test.sh [pytest args]
#
# The browser tests drive Debian's chromium (Playwright's own browser download does not work
# offline); scripts/setup.sh (install_apt_packages) installs it with apt when missing, with a
# CJK font so that screenshots (test-artifacts/screenshots/) show Chinese text.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh  # also installs chromium and the CJK fonts with apt when missing (install_apt_packages)

# pytest's exit code 5 (no tests collected) is deliberately an error too.
exec .venv/bin/python -m pytest -q "$@"
