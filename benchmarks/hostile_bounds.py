"""Time and peak memory of parsing each hostile input file (tests/hostile.py), one fresh process per file.

    .venv/bin/python benchmarks/hostile_bounds.py [--big-mb 30] [--out benchmarks/out/hostile_bounds.json]

For every case: outcome (ok / the ReadError reason), wall seconds and peak RSS of the child process
above its baseline after imports (MB). Non-regular files are timed through `ingest.list_files`
(they must be skipped, never opened).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from assistant.ingest.pipeline import parse_file
from assistant.ingest import read, read_docx, read_html, read_pdf, read_text, clean, structure  # noqa: F401
from assistant.models import ReadError
import docx, pypdfium2  # noqa: F401  (imports are part of the baseline)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path = Path(sys.argv[1])
start = time.perf_counter()
try:
    docs = parse_file(path)
    outcome = f"ok ({len(docs)} 篇, {sum(len(d.paragraphs) for d in docs)} 段, 警告 {sum(len(d.warnings) for d in docs)})"
except ReadError as err:
    outcome = "失败：" + err.reason
except Exception as err:
    outcome = f"异常：{type(err).__name__}: {err}"
secs = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "seconds": round(secs, 3), "rss_mb": round(base / 1024, 1),
                  "extra_mb": round((peak - base) / 1024, 1)}, ensure_ascii=False))
"""


def main() -> None:
    from hostile import EXPECT, make_hostile_corpus

    ap = argparse.ArgumentParser()
    ap.add_argument("--big-mb", type=int, default=30)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "hostile_bounds.json")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        made = make_hostile_corpus(Path(tmp) / "hostile", big_mb=args.big_mb)
        for name, path in made.items():
            if EXPECT[name] == "skip":
                continue
            size = path.stat().st_size if path.is_file() else 0
            proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                                  timeout=600, cwd=ROOT)
            row = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {
                "outcome": f"进程退出码 {proc.returncode}: {proc.stderr[-300:]}"}
            row["size_mb"] = round(size / 1024 / 1024, 2)
            results[name] = row
            print(f"{name:<18} {row['size_mb']:>7.2f} MB  {row.get('seconds', '-'):>7}s  "
                  f"+{row.get('extra_mb', '-')} MB  {row['outcome']}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
