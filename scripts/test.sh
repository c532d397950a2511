#!/usr/bin/env bash
# Run all tests; sets everything up on a fresh machine.
#
#   bash scripts/test.sh [pytest args]
#
# The browser tests drive Debian's chromium (Playwright's own browser download does not work
# offline); it is installed here with apt when missing, with a CJK font so that screenshots
# (test-artifacts/screenshots/) show Chinese text.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

if [[ ! -x /usr/bin/chromium ]] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && SUDO="sudo"
    echo "test.sh: installing chromium and a CJK font (apt-get)" >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi

# pytest's exit code 5 (no tests collected) is deliberately an error too.
exec .venv/bin/python -m pytest -q "$@"
