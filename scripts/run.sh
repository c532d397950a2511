#!/usr/bin/env bash
# Run the product on the bundled corpus; sets everything up on a fresh machine.
#
#   bash scripts/run.sh [gongwen serve options, e.g. --port 8080]
#
# Brings the default index (index/) up to date with corpus/ (incremental: a first run builds
# it with a progress line, later runs skip unchanged files in seconds), then serves the web UI
# at http://127.0.0.1:7860 until Ctrl+C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
.venv/bin/gongwen ingest corpus/ --index index
exec .venv/bin/gongwen serve --index index "$@"
