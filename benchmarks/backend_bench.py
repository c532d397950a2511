"""Search backends side by side (issue 14 item 6): the embedded backend and Milvus (Milvus Lite) in one run.

    python benchmarks/backend_bench.py [--sizes 100000[,1000000]] [--queries 200] [--milvus-index FLAT|IVF_FLAT]
        [--doctype 法律] [--source 司法解释] [--work DIR] [--keep] [--json PATH]

For each size N: law files from the laws corpus (real text, so BM25 sees real Chinese) are picked in a
seeded random order until they hold ≥ N body paragraphs; when the corpus runs out, files are copied
again under another name (distinct doc ids and paths; duplicate detection then groups the copies).
Both backends ingest the same folder through `assistant.search.ingest.ingest` with a random-unit-vector
`embed` hook (the model is not the bottleneck; vector search speed does not depend on values); the
engine's query embedder is replaced by one returning a random unit vector seeded by the query text, so
both backends get the same query vectors. Milvus runs as Milvus Lite in a fresh folder.

Reported: ingest rate (paragraphs/s, wall time of the whole ingest, with its stages), open time, disk,
and query latency p50/p99 over ≥ 200 distinct real-text queries per configuration — paragraph and
document unit × no filter / doctype filter / source (path) filter — run in alternating blocks so both
backends see the same machine load; the ratio milvus/embedded of each. Also the top-10 overlap between
the backends (a sanity check: they should rank alike). Timings on a shared machine are noisy: compare
the ratios measured side by side, and medians; the load average is printed with the numbers.

Dense index: above 50k vectors the embedded backend uses HNSW (the product default) while Milvus Lite
uses FLAT (exact) or IVF_FLAT — on uniformly random unit vectors HNSW recall is pathological (≈ 0.2, see
assistant/search/vectors.py), so the top-10 overlap between the backends is low without a selective
filter; `--embedded-approx-threshold` above N makes the embedded side exact too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench_util import DIM, LAWS, StageClock, dir_size, law_files, make_queries, pct, random_embed  # noqa: E402
from assistant.config import settings_from_env  # noqa: E402
from assistant.search.backends.base import Filters  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
BACKENDS = ("embedded", "milvus")
BACKEND_PARTS = ("words_top", "bigrams_top", "bigram_scores", "dense_top", "documents_top", "sections_top",
                 "phrase_rows", "fetch")


class RandomQueryEmbedder:
    """Stands in for the engine's Embedder: a unit vector of dim 512 seeded by the query text."""

    dim = DIM

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(DIM, dtype=np.float32)
        return v / np.linalg.norm(v)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def encode(self, texts, *args, **kwargs) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---- corpus ------------------------------------------------------------------------------------
class Corpus:
    """Law files in a seeded random order with their body-paragraph counts (parsed once, on demand)."""

    def __init__(self, root: Path, seed: int):
        self.root = root
        self.files = law_files(root)
        random.Random(seed).shuffle(self.files)
        self.counts: list[int] = []

    def _count(self, i: int) -> int:
        from assistant.ingest.pipeline import parse_file

        while len(self.counts) <= i:
            path = self.files[len(self.counts)]
            try:
                docs = parse_file(path)
                self.counts.append(sum(1 for d in docs for p in d.paragraphs if not p.is_heading))
            except Exception:  # an unreadable file counts 0 (ingest reports it)
                self.counts.append(0)
        return self.counts[i]

    def build(self, n: int, target: Path) -> dict:
        """Copy files into `target` until ≥ n body paragraphs; replicas get a distinct stem."""
        target.mkdir(parents=True)
        total, copies, rnd, started = 0, 0, 0, time.perf_counter()
        while total < n:
            for i, path in enumerate(self.files):
                count = self._count(i)
                if count == 0:
                    continue
                rel = path.relative_to(self.root)
                if rnd:
                    rel = rel.with_name(f"{rel.stem}·副本{rnd}{rel.suffix}")
                dst = target / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dst)
                total += count
                copies += 1
                if total >= n:
                    break
            rnd += 1
        return {"files": copies, "replica_rounds": rnd - 1, "parsed_paragraphs": total,
                "distinct_files_available": len(self.files), "prepare_s": round(time.perf_counter() - started, 1)}


# ---- ingest ------------------------------------------------------------------------------------
def settings_for(kind: str, index_dir: Path, args, size: int):
    extra = {"approx_threshold": args.embedded_approx_threshold} if kind == "embedded" else {}
    if kind == "milvus":
        extra = {"milvus_uri": str(index_dir.parent / "milvus_lite" / "milvus.db"),
                 "milvus_prefix": f"bench{size}_", "milvus_index": args.milvus_index}
    return settings_from_env(index_dir=index_dir, backend=kind, **extra)


def timed_ingest(corpus: Path, settings) -> dict:
    from assistant.ingest import pipeline
    from assistant.search import build, ingest
    from assistant.search.backends.milvus_write import MilvusStore

    clock = StageClock()
    targets = [(pipeline, "parse_file", "parse"), (build, "prepare", "prepare (tokens, terms, dedup)"),
               (ingest, "build_generation", "write (embedded generation)"),
               (MilvusStore, "write", "write (milvus)")]
    embed = clock.wrap("embed hook (random)", random_embed)
    load_before = load()
    with clock.patched(targets):
        start = time.perf_counter()
        report = ingest.ingest([corpus], settings, embed=embed)
        wall = time.perf_counter() - start
    stages = {k: round(v, 1) for k, v in sorted(clock.seconds.items(), key=lambda kv: -kv[1])}
    write = next((v for k, v in clock.seconds.items() if k.startswith("write")), 0.0)
    inner = clock.seconds.get("prepare (tokens, terms, dedup)", 0.0) + clock.seconds.get("embed hook (random)", 0.0)
    stages["write minus prepare/embed (index + store)"] = round(write - inner, 1)
    return {"wall_s": round(wall, 1), "paragraphs": report.paragraphs, "documents": report.documents,
            "failed": len(report.failed), "rate_paragraphs_per_s": round(report.paragraphs / wall, 1),
            "stages_s": stages, "load_before": load_before, "load_after": load()}


# ---- queries -----------------------------------------------------------------------------------
def open_instrumented(index_dir: Path, settings):
    from assistant.search.engine import open_index

    start = time.perf_counter()
    idx = open_index(index_dir, settings)
    opened = time.perf_counter() - start
    idx._embedder = RandomQueryEmbedder()  # noqa: SLF001 — the engine's lazy embedder slot
    clock = StageClock()
    backend = idx.backend
    for name in BACKEND_PARTS:
        if hasattr(backend, name):
            setattr(backend, name, clock.wrap(name, getattr(backend, name)))
    return idx, clock, round(opened, 2)


def run_config(indexes: dict, queries: list[str], filters: Filters | None, unit: str, block: int) -> dict:
    """Both backends on the same queries, alternating blocks of `block` (first backend alternates too)."""
    raw = {k: {"total": [], "parts": {p: [] for p in BACKEND_PARTS}, "hits": [], "empty": 0} for k in indexes}
    order = list(indexes)
    for b, start in enumerate(range(0, len(queries), block)):
        for kind in (order if b % 2 == 0 else order[::-1]):
            idx, clock = indexes[kind]
            r = raw[kind]
            for q in queries[start:start + block]:
                clock.seconds.clear()
                t0 = time.perf_counter()
                hits = idx.search(q, k=10, filters=filters, unit=unit)
                r["total"].append((time.perf_counter() - t0) * 1e3)
                for p in BACKEND_PARTS:
                    r["parts"][p].append(clock.seconds.get(p, 0.0) * 1e3)
                r["hits"].append([h.para_id for h in hits] if unit == "paragraph" else [h.doc_id for h in hits])
                r["empty"] += not hits
    out = {}
    for kind, r in raw.items():
        parts = {p: round(float(np.median(v)), 2) for p, v in r["parts"].items() if any(v)}
        out[kind] = {"n": len(r["total"]), **pct(r["total"], (50, 90, 99)),
                     "mean": round(float(np.mean(r["total"])), 2), "empty": r["empty"], "parts_p50_ms": parts}
    a, b = (raw[k]["hits"] for k in BACKENDS)
    overlap = [len(set(x) & set(y)) / max(1, len(set(x) | set(y))) for x, y in zip(a, b) if x or y]
    top1 = [bool(x and y and x[0] == y[0]) for x, y in zip(a, b) if x or y]
    out["ratio_p50"] = round(out["milvus"]["p50"] / out["embedded"]["p50"], 2)
    out["ratio_p99"] = round(out["milvus"]["p99"] / out["embedded"]["p99"], 2)
    out["top10_jaccard_mean"] = round(float(np.mean(overlap)), 3) if overlap else None
    out["top1_same"] = round(float(np.mean(top1)), 3) if top1 else None
    return out


def selectivity(idx, filters: Filters | None) -> float:
    from assistant.search.query import parse_query

    scope = idx.scope(filters, parse_query("选择性"))
    return 1.0 if scope.mask is None else round(float(scope.mask.mean()), 4)


# ---- one size ----------------------------------------------------------------------------------
def bench_size(size: int, corpus: Corpus, work: Path, args) -> dict:
    res: dict = {"size_requested": size, "load_start": load()}
    folder = work / f"n{size}"
    print(f"\n== N = {size:,}: building corpus …", file=sys.stderr, flush=True)
    res["corpus"] = corpus.build(size, folder / "corpus")
    print(f"   corpus {res['corpus']}", file=sys.stderr, flush=True)
    res["ingest"], res["open_s"], res["disk_mb"] = {}, {}, {}
    settings = {k: settings_for(k, folder / k, args, size) for k in BACKENDS}
    for kind in BACKENDS:
        print(f"   ingest {kind} …", file=sys.stderr, flush=True)
        res["ingest"][kind] = timed_ingest(folder / "corpus", settings[kind])
        print(f"   ingest {kind}: {res['ingest'][kind]}", file=sys.stderr, flush=True)
    res["disk_mb"] = {"embedded": round(dir_size(folder / "embedded") / 2**20, 1),
                      "milvus": round((dir_size(folder / "milvus") + dir_size(folder / "milvus_lite")) / 2**20, 1)}
    indexes = {}
    for kind in BACKENDS:
        idx, clock, opened = open_instrumented(folder / kind, settings[kind])
        indexes[kind] = (idx, clock)
        res["open_s"][kind] = opened
    emb = indexes["embedded"][0]
    res["rows"] = {k: int(indexes[k][0].n) for k in BACKENDS}
    res["vector_index"] = {"embedded": emb.manifest.get("vector_index"),
                           "milvus": indexes["milvus"][0].manifest.get("vector_index")}
    print(f"   rows {res['rows']}, open {res['open_s']} s, vector index {res['vector_index']}", file=sys.stderr)

    texts = emb.row_texts()
    filters = {"none": None, f"doctype={args.doctype}": Filters(doctype=(args.doctype,)),
               f"source~{args.source}": Filters(source=args.source)}
    res["filter_selectivity"] = {name: {k: selectivity(indexes[k][0], f) for k in BACKENDS}
                                 for name, f in filters.items()}
    used: set[str] = set()
    warm = make_queries(texts, args.warmup, seed=size + 1, used=used, topics=False)
    for kind in BACKENDS:
        for q in warm:
            indexes[kind][0].search(q, k=10)
            indexes[kind][0].search(q, k=10, unit="document", filters=filters[f"doctype={args.doctype}"])
    res["latency"] = {}
    for u, unit in enumerate(("paragraph", "document")):
        for f, (name, flt) in enumerate(filters.items()):
            queries = make_queries(texts, args.queries, seed=size * 10 + u * 3 + f, used=used, topics=(f == 0))
            key = f"{unit}/{name}"
            res["latency"][key] = {"load_start": load(), **run_config(indexes, queries, flt, unit, args.block)}
            res["latency"][key]["load_end"] = load()
            print(f"   {key}: {json.dumps(res['latency'][key], ensure_ascii=False)}", file=sys.stderr, flush=True)
    for kind in BACKENDS:
        indexes[kind][0].backend.close()
    res["load_end"] = load()
    return res


# ---- report ------------------------------------------------------------------------------------
def table(res: dict) -> str:
    lines = []
    for size, r in res["sizes"].items():
        i = r["ingest"]
        lines.append(f"\nN = {r['rows']['embedded']:,} paragraphs (requested {int(size):,}; {r['corpus']['files']} files,"
                     f" {r['corpus']['replica_rounds']} replica rounds); load avg start {r['load_start']} end {r['load_end']}")
        lines.append(f"  vector index: embedded {r['vector_index']['embedded']}, milvus {r['vector_index']['milvus']}")
        lines.append(f"  {'':44}{'embedded':>12}{'milvus':>12}{'milvus/emb':>12}")

        def row(label, e, m, ratio=True):
            rr = f"{m / e:.2f}" if ratio and e else ""
            lines.append(f"  {label:44}{e:>12}{m:>12}{rr:>12}")

        row("ingest wall s", i["embedded"]["wall_s"], i["milvus"]["wall_s"])
        row("ingest paragraphs/s", i["embedded"]["rate_paragraphs_per_s"], i["milvus"]["rate_paragraphs_per_s"])
        row("open s", r["open_s"]["embedded"], r["open_s"]["milvus"])
        row("disk MB", r["disk_mb"]["embedded"], r["disk_mb"]["milvus"])
        for key, lat in r["latency"].items():
            sel = r["filter_selectivity"][key.split("/", 1)[1]]["embedded"]
            tag = f"{key} ({sel:.0%} rows, n={lat['embedded']['n']})"
            lines.append(f"  {tag}   load {lat['load_start'][0]}→{lat['load_end'][0]}")
            row("    p50 ms", lat["embedded"]["p50"], lat["milvus"]["p50"])
            row("    p99 ms", lat["embedded"]["p99"], lat["milvus"]["p99"])
            lines.append(f"  {'    top-10 jaccard / top-1 same':44}{lat['top10_jaccard_mean']!s:>12}{lat['top1_same']!s:>12}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="检索后端基准：embedded 与 Milvus Lite 并排")
    ap.add_argument("--sizes", default="100000", help="comma-separated paragraph counts, e.g. 100000,1000000")
    ap.add_argument("--queries", type=int, default=200, help="distinct queries per configuration (≥ 200)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--block", type=int, default=10, help="queries per alternating block")
    ap.add_argument("--milvus-index", default="FLAT", choices=("FLAT", "IVF_FLAT"))
    ap.add_argument("--embedded-approx-threshold", type=int, default=None,
                    help="embedded: vectors above which FAISS uses HNSW (default: the product's 50,000); "
                         "set above N for exact flat search, like Milvus FLAT")
    ap.add_argument("--doctype", default="法律", help="doctype filter value")
    ap.add_argument("--source", default="司法解释", help="source (path substring) filter value")
    ap.add_argument("--laws", type=Path, default=LAWS)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--work", type=Path, help="work folder (default: a fresh temporary folder under benchmarks/out)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--json", type=Path, default=OUT / "backend_bench.json")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    import milvus_lite
    import pymilvus

    OUT.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="backend_bench_", dir=OUT))
    if args.work and work.exists() and any(work.iterdir()):
        raise SystemExit(f"{work} is not empty: pass a fresh folder")
    res: dict = {"issue": "14 item 6: search backends side by side", "command": " ".join(sys.argv),
                 "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(), "load_start": load(),
                 "versions": {"pymilvus": pymilvus.__version__,
                              "milvus_lite": getattr(milvus_lite, "__version__", "?"), "numpy": np.__version__},
                 "milvus_index": args.milvus_index,
                 "embedded_approx_threshold": args.embedded_approx_threshold, "queries_per_config": args.queries,
                 "filters": {"doctype": args.doctype, "source": args.source}, "work": str(work), "sizes": {}}
    started = time.perf_counter()
    corpus = Corpus(args.laws, args.seed)
    try:
        for size in sizes:
            res["sizes"][str(size)] = bench_size(size, corpus, work, args)
            res["elapsed_s"] = round(time.perf_counter() - started, 1)
            res["load_end"] = load()
            args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    finally:
        from assistant.search.backends import milvus_conn

        for client in milvus_conn._CLIENTS.values():  # noqa: SLF001 — stop Milvus Lite before removing its files
            try:
                client.close()
            except Exception:
                pass
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(res))
    print(f"\ntotal {res['elapsed_s']} s; load average start {res['load_start']} end {res['load_end']}; "
          f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
