#!/usr/bin/env bash
# Run all tests; sets everything up on a fresh machine.
#
#   bash scripts/test.sh [pytest args]
#
# Later: browser tests will need Debian's chromium (`apt-get install -y chromium`),
# installed here when missing. Not yet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# pytest's exit code 5 (no tests collected) is deliberately an error too.
exec .venv/bin/python -m pytest -q "$@"
