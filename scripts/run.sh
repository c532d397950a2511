#!/usr/bin/env bash
# Run the product on the bundled corpus; sets everything up on a fresh machine.
#
#   bash scripts/run.sh [extra args for gongwen]
#
# For now this parses every file in corpus/ and prints a summary per file.
# Later it will be `gongwen serve` (building the index in index/ if needed,
# then starting the Gradio UI).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
exec .venv/bin/gongwen parse corpus/ "$@"
