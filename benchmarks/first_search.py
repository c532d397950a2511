"""Time to first search and to fully hybrid for a first ingest (issue 14 item 3).

    .venv/bin/python benchmarks/first_search.py                 # laws corpus, 342k paragraphs
    .venv/bin/python benchmarks/first_search.py --limit 200     # the first 200 law files
    .venv/bin/python benchmarks/first_search.py --full          # also compute every vector (hours on 2 cores)

Runs `ingest` into a fresh folder with the BM25-first rule (assistant.search.build.complete_vectors) and
records when the BM25-only generation was published (a search on it is timed too). Without `--full` the
vector phase is not run to the end: the model's throughput is measured on `--sample` paragraphs of the
corpus and the remaining time is extrapolated (printed as an estimate, not a measurement), plus the
vector-index build measured with random unit vectors of the same count. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_util import law_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N law files")
    parser.add_argument("--sample", type=int, default=300, help="paragraphs embedded to measure throughput")
    parser.add_argument("--full", action="store_true", help="compute every vector (no extrapolation)")
    args = parser.parse_args()

    from assistant.config import settings_from_env
    from assistant.search import store
    from assistant.search.build import vectors_pending
    from assistant.search.dense import Embedder
    from assistant.search.engine import open_index
    from assistant.search.ingest import _EmbeddedTarget, ingest
    from assistant.search.vectors import VectorIndex

    files = law_files(limit=args.limit)
    work = Path(tempfile.mkdtemp(prefix="first-search-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for path in files:
        os.symlink(path, corpus / f"{len(os.listdir(corpus)):05d}_{path.name}")
    settings = settings_from_env(index_dir=work / "idx", bm25_first=0)
    if not args.full:
        _EmbeddedTarget.finish = lambda self, report, progress: None  # stop after the BM25-only generation
    started = time.perf_counter()
    report = ingest([corpus], settings)
    first = time.perf_counter() - started if not args.full else report.first_search_seconds
    index = open_index(work / "idx", settings)
    t = time.perf_counter()
    hits = index.search("安全生产责任", k=10)
    search_ms = (time.perf_counter() - t) * 1000
    from benchmarks._bench_util import TOPICS

    times = []
    for query in TOPICS[:30]:
        t = time.perf_counter()
        index.search(query, k=10)
        times.append((time.perf_counter() - t) * 1000)
    out = {"files": len(files), "paragraphs": index.n, "load": os.getloadavg()[0],
           "time_to_first_search_s": round(first, 1), "first_search_ms": round(search_ms, 1),
           "bm25_only_search_p50_ms": round(float(np.median(times)), 1),
           "first_search_hits": len(hits), "pending": vectors_pending(store.current_generation(work / "idx"))}
    if args.full:
        out["time_to_fully_hybrid_s"] = round(report.seconds, 1)
    else:
        texts = index.row_texts()
        sample = random.Random(0).sample(texts, min(args.sample, len(texts)))
        embedder = Embedder(settings.model)
        embedder.encode(sample[:8])  # load the model first
        t = time.perf_counter()
        embedder.encode(sample)
        rate = len(sample) / (time.perf_counter() - t)
        vectors = np.random.default_rng(0).standard_normal((index.n, embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        t = time.perf_counter()
        VectorIndex.build(vectors, approx_threshold=settings.approx_threshold)
        build_s = time.perf_counter() - t
        out.update(embed_rate_per_s=round(rate, 1), vector_index_build_s=round(build_s, 1),
                   estimated_time_to_fully_hybrid_s=round(first + index.n / rate + build_s, 0))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
