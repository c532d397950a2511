#!/usr/bin/env bash
# Run the product on the bundled corpus; sets everything up on a fresh machine.
#
#   bash scripts/run.sh ["检索词"]
#
# Builds (or incrementally updates) the default index in index/ from corpus/, then runs
# a search in it (default query below). When the Gradio UI lands this ends in
# `gongwen serve` instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
.venv/bin/gongwen ingest corpus/ --index index
exec .venv/bin/gongwen search "${1:-加强医德医风建设 下一步打算}" --index index --k 5
