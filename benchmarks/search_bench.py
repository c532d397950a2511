"""Hybrid retrieval engine on the laws corpus: ingest, BM25 build, query latency, a Chatchat-style peer,
memory per paragraph, re-ingest (unchanged / one file touched) and embedding throughput.

    python benchmarks/search_bench.py [--limit-docs N] [--queries 200] [--peer-queries 30] [--json [PATH]]
        [--rebuild] [--incr-files 200] [--no-touch-full] [--embed-n 0] [--profile]

Paragraph vectors come from a random-vector `embed` hook (FAISS speed does not depend on values);
queries are embedded with the real m3e-small model. Query latency is measured with the threads the
engine sets (torch/FAISS = all cores) and, in alternating blocks of other distinct queries, with one
thread: on a busy 2-core machine OpenMP barriers make the 2-thread query embedding erratic.
Timings on a shared machine are noisy: compare the ratios measured side by side here, and medians.
The index in --work is reused unless --rebuild (its first-ingest timings are kept in bench_ingest.json).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench_util import (LAWS, Peer, StageClock, dir_size, ingest_stage_targets, law_files, make_queries,  # noqa: E402
                         median, memory_per_paragraph, pct, random_embed, run_embed_throughput)
from assistant.config import Settings  # noqa: E402
from assistant.search import store  # noqa: E402
from assistant.search.bm25 import BM25Index  # noqa: E402
from assistant.search.engine import open_index  # noqa: E402
from assistant.search.ingest import ingest, print_progress  # noqa: E402
from assistant.search.tokenize import char_bigrams  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def timed_ingest(paths, index_dir: Path, embed=random_embed, profile: bool = False, incremental: bool = True,
                 **kw) -> dict:
    """One ingest through the real path, with wall time and time per stage (patched wrappers)."""
    clock = StageClock()
    hook = clock.wrap("embed (hook)", embed) if embed else None
    targets = ingest_stage_targets()
    if hook is None:
        from assistant.search.dense import Embedder
        targets.append((Embedder, "encode", "embed (model)"))
    prof = cProfile.Profile() if profile else None
    with clock.patched(targets):
        start = time.perf_counter()
        if prof:
            prof.enable()
        report = ingest(paths, Settings(index_dir=index_dir, incremental=incremental), progress=print_progress,
                        embed=hook, **kw)
        wall = time.perf_counter() - start
        if prof:
            prof.disable()
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return {"wall_s": round(wall, 2), "embedded": report.embedded, "paragraphs": report.paragraphs,
            "documents": report.documents, "added": len(report.added), "updated": len(report.updated),
            "unchanged": report.unchanged, "failed": len(report.failed),
            "stages_s": {k: round(v, 2) for k, v in sorted(clock.seconds.items(), key=lambda kv: -kv[1])}}


def rows_of(index_dir: Path) -> tuple[list[str], list[list[str]]]:
    """Paragraph texts and stored jieba word tokens in row order (exactly what BM25 was built from)."""
    conn = sqlite3.connect(store.current_generation(index_dir) / "docs.sqlite")
    rows = conn.execute("SELECT text, words FROM paragraphs WHERE row IS NOT NULL ORDER BY row").fetchall()
    conn.close()
    return [r[0] for r in rows], [r[1].split() for r in rows]


def bm25_build(texts, words, runs: int) -> dict:
    """BM25Index.build for words and bigrams on the same token lists, alternated, medians."""
    start = time.perf_counter()
    bigrams = [char_bigrams(t) for t in texts]
    out = {"bigram_tokenize_s": round(time.perf_counter() - start, 2), "words": [], "bigrams": []}
    for _ in range(runs):
        for name, tokens in (("words", words), ("bigrams", bigrams)):
            start = time.perf_counter()
            BM25Index.build(tokens)
            out[name].append(time.perf_counter() - start)
    out["words_s"], out["bigrams_s"] = median(out.pop("words")), median(out.pop("bigrams"))
    return out


def instrument(idx) -> dict[str, list[float]]:
    """Time the parts of SearchIndex.search by wrapping the instance's collaborators."""
    clock = StageClock()
    idx.embedder.model  # load now, not inside the first timed query
    store = idx.backend  # the embedded backend's collaborators (assistant/search/backends/embedded.py)
    for obj, name, label in ((idx.embedder, "encode_query", "embed"), (store.bm25_words, "top_k", "bm25"),
                             (store.bm25_bigrams, "scores", "bm25"), (store.vectors, "search", "faiss"),
                             (idx.tokenizer, "words", "jieba"), (store.levels, "search", "levels")):
        setattr(obj, name, clock.wrap(label, getattr(obj, name)))
    return clock


def set_threads(n: int) -> None:
    """torch and FAISS (OpenMP) threads, both process-wide."""
    import faiss
    import torch

    torch.set_num_threads(n)
    faiss.omp_set_num_threads(n)


PARTS = ("total", "embed", "bm25", "jieba", "faiss", "levels", "rest")


def latency(idx, clock: StageClock, queries: list[str], threads: int, raw: dict | None = None,
            unit: str = "paragraph") -> dict:
    """Time idx.search per query (one at a time) with its parts; appends to and summarises `raw`."""
    raw = raw if raw is not None else {k: [] for k in PARTS}
    set_threads(threads)
    for q in queries:
        clock.seconds.clear()
        start = time.perf_counter()
        idx.search(q, k=10, unit=unit)
        total = time.perf_counter() - start
        raw["total"].append(total * 1e3)
        for name in ("embed", "bm25", "jieba", "faiss", "levels"):
            raw[name].append(clock.seconds.get(name, 0.0) * 1e3)
        raw["rest"].append((total - sum(clock.seconds.values())) * 1e3)
    parts = {k: v for k, v in raw.items() if k != "total"}
    return {"n": len(raw["total"]), "threads": threads, **pct(raw["total"]),
            "mean": round(float(np.mean(raw["total"])), 2),
            "parts_p50_ms": {k: median(v) for k, v in parts.items()},
            "parts_mean_ms": {k: round(float(np.mean(v)), 3) for k, v in parts.items()}}


def latency_ab(idx, clock, runs: dict[str, tuple], block: int = 10) -> dict:
    """Several (queries, threads[, unit]) runs in alternating blocks of `block` queries, so they share the load."""
    raw = {name: {k: [] for k in PARTS} for name in runs}
    out = {}
    for start in range(0, max(len(run[0]) for run in runs.values()), block):
        for name, (queries, threads, *unit) in runs.items():
            out[name] = latency(idx, clock, queries[start:start + block], threads, raw[name], *unit)
    return out


def peer_compare(idx, texts: list[str], queries: list[str], single: list[str], shipped: int) -> dict:
    """Peer vs ours (shipped threads) on the same queries, alternating; plus ours with 1 thread (other strings)."""
    from assistant.search.dense import default_model_path

    print(f"peer: jieba.lcut + BM25Okapi over {len(texts):,} paragraphs …", file=sys.stderr)
    vectors, _ = random_embed(texts)  # the very vectors the index was built from (same seed)
    peer = Peer(texts, vectors, default_model_path())
    peer.search("预热查询一")
    times: dict[str, list[float]] = {"ours": [], "peer": [], "ours_1thread": []}
    for q, q1 in zip(queries, single):  # alternate: all see the same machine load
        for name, fn, arg, threads in (("ours", idx.search, q, shipped), ("peer", peer.search, q, shipped),
                                       ("ours_1thread", idx.search, q1, 1)):
            set_threads(threads)
            start = time.perf_counter()
            fn(arg, k=10)
            times[name].append((time.perf_counter() - start) * 1e3)
    set_threads(shipped)
    meds = {f"{k}_p50_ms": median(v) for k, v in times.items()}
    return {"n": len(queries), "peer_build_s": round(peer.build_seconds, 1), **meds,
            "ratio_of_medians": round(meds["peer_p50_ms"] / meds["ours_p50_ms"], 1),
            "ratio_vs_ours_1thread": round(meds["peer_p50_ms"] / meds["ours_1thread_p50_ms"], 1),
            "peer_parts_p50_ms": {k: median(v[1:]) for k, v in peer.parts.items()}}


def copy_live_index(src: Path, dst: Path) -> None:
    gen = store.current_generation(src)
    dst.mkdir(parents=True)
    shutil.copytree(gen, dst / gen.name)
    shutil.copy2(src / "CURRENT", dst / "CURRENT")


def touched_full(work: Path, files: list[Path]) -> dict:
    """Full corpus + one new one-paragraph file, into a copy of the index, as a full rebuild (incremental
    off; random hook: all vectors redone) — the comparison for updated_in_place."""
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy_live_index(work, Path(tmp) / "index")
        extra = Path(tmp) / "新增通知.md"
        extra.write_text("# 关于测试增量入库的通知\n\n各单位要高度重视增量入库的时效，确保只重算新增段落。\n", encoding="utf-8")
        return timed_ingest(files + [extra], Path(tmp) / "index", incremental=False)


def updated_in_place(work: Path, files: list[Path], queries: list[str]) -> dict:
    """The incremental path (segments.py) on the full corpus: one new file, then that file changed,
    each ingested into a hard-linked copy of the index (generations are immutable, so links are safe);
    then query latency on the segmented generation next to the base, alternating query by query."""
    from assistant.search.build import _link_or_copy

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        index = Path(tmp) / "index"
        gen = store.current_generation(work)
        index.mkdir()
        shutil.copytree(gen, index / gen.name, copy_function=_link_or_copy)
        shutil.copy2(work / "CURRENT", index / "CURRENT")
        extra = Path(tmp) / "新增通知.md"
        extra.write_text("# 关于测试增量入库的通知\n\n各单位要高度重视增量入库的时效，确保只重算新增段落。\n", encoding="utf-8")
        added = timed_ingest(files + [extra], index)
        extra.write_text("# 关于测试增量入库的通知\n\n各单位要高度重视增量入库的时效，确保只重算新增段落。\n\n"
                         "修改后的文件再次入库，旧版本的段落不再出现在检索结果中。\n", encoding="utf-8")
        changed = timed_ingest(files + [extra], index)
        real = Path(tmp) / "真实模型.md"  # as a user runs it: the CLI in a new process, the real model loaded
        real.write_text("# 关于做好值班工作的通知\n\n节假日期间严格执行领导带班和值班制度，确保信息畅通。\n", encoding="utf-8")
        start = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(real), "--index", str(index)],
                             capture_output=True, text=True, cwd=ROOT, timeout=900)
        cli_s = round(time.perf_counter() - start, 2)
        manifest = store.read_manifest(store.current_generation(index))
        base, seg = open_index(work, Settings(index_dir=work)), open_index(index, Settings(index_dir=index))
        times: dict[str, list[float]] = {"base": [], "segmented": []}
        for q in queries:
            for name, idx in (("base", base), ("segmented", seg)):
                start = time.perf_counter()
                idx.search(q, k=10)
                times[name].append((time.perf_counter() - start) * 1e3)
        found = [h.text for h in seg.search("修改后的文件再次入库", k=3)]
    return {"one_new_file": added, "same_file_changed": changed,
            "cli_real_model_one_new_file_s": cli_s, "cli_summary": cli.stdout.strip()[-200:] or cli.stderr[-300:],
            "segments": manifest.get("segments"),
            "latency_ms": {name: pct(v) for name, v in times.items()},
            "changed_text_found": any("修改后的文件再次入库" in t for t in found)}


def incremental_real(root: Path, files: list[Path], n_files: int) -> dict:
    """Copy n law files, ingest with the real embedder, append a paragraph to one, ingest again."""
    step = max(1, len(files) // n_files)
    picked = files[::step][:n_files]
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        corpus, index = Path(tmp) / "laws", Path(tmp) / "index"
        for path in picked:
            target = corpus / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        first = timed_ingest([corpus], index, embed=None)
        again = timed_ingest([corpus], index, embed=None)
        victim = corpus / picked[len(picked) // 2].relative_to(root)
        with open(victim, "a", encoding="utf-8") as handle:
            handle.write("\n\n各地区各部门要结合实际抓好贯彻落实，确保本规定的各项要求落到实处（基准测试追加段落）。\n")
        touched = timed_ingest([corpus], index, embed=None)
    return {"files": len(picked), "first": first, "unchanged": again, "one_file_touched": touched}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="混合检索引擎基准（法规库）")
    ap.add_argument("--laws", type=Path, default=LAWS)
    ap.add_argument("--work", type=Path, help="index dir (default benchmarks/out/laws_index[_N])")
    ap.add_argument("--limit-docs", type=int, default=0)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--peer-queries", type=int, default=30)
    ap.add_argument("--bm25-runs", type=int, default=3)
    ap.add_argument("--incr-files", type=int, default=200, help="files in the real-embedder re-ingest test (0 = skip)")
    ap.add_argument("--no-touch-full", action="store_true", help="skip the full-corpus one-new-file re-ingest")
    ap.add_argument("--embed-n", type=int, default=0, help="run embed_throughput.py --n N (0 = skip)")
    ap.add_argument("--profile", action="store_true", help="cProfile the first ingest (use with --limit-docs)")
    ap.add_argument("--only-update", action="store_true",
                    help="only the update measurements: incremental (segments) and, unless --no-touch-full, the full rebuild")
    ap.add_argument("--json", nargs="?", const=OUT / "search_bench.jsonl", type=Path)
    args = ap.parse_args(argv)

    files = law_files(args.laws, args.limit_docs or None)
    work = args.work or OUT / ("laws_index" + (f"_{args.limit_docs}" if args.limit_docs else ""))
    res: dict = {"issue": "hybrid retrieval engine", "command": " ".join(sys.argv), "files": len(files),
                 "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "loadavg_start": os.getloadavg()}
    stats_file = work / "bench_ingest.json"
    if args.rebuild or store.current_generation(work) is None:
        shutil.rmtree(work, ignore_errors=True)
        res["ingest"] = timed_ingest(files, work, profile=args.profile)
        stats_file.write_text(json.dumps(res["ingest"], ensure_ascii=False), encoding="utf-8")
    else:
        res["ingest"] = {**json.loads(stats_file.read_text(encoding="utf-8")), "reused": str(work)}
    manifest = store.read_manifest(store.current_generation(work))
    res["vector_index"], res["counts"] = manifest["vector_index"], manifest["counts"]
    res["index_disk_mb"] = round(dir_size(store.current_generation(work)) / 2**20, 1)
    res["levels_disk_mb"] = round(dir_size(store.current_generation(work) / "levels") / 2**20, 1)  # format 2's addition
    print(f"[1] ingest {res['ingest']}\n    manifest: vector index {res['vector_index']}, counts {res['counts']}")

    texts, words = rows_of(work)
    if args.only_update:
        return update_only(res, work, files, texts, args)
    res["bm25_build"] = bm25_build(texts, words, args.bm25_runs)
    print(f"[1] BM25Index.build medians: {res['bm25_build']}")

    res["memory"] = memory_per_paragraph(work, len(texts))
    print(f"[4] memory: {res['memory']}")

    idx = open_index(work, Settings(index_dir=work))
    clock = instrument(idx)
    import torch

    used: set[str] = set()
    for q in make_queries(texts, 20, seed=1, used=used, topics=False):  # warm-up, distinct strings
        idx.search(q, k=10)
    shipped = torch.get_num_threads()  # what Embedder._load set (all cores); FAISS uses as many
    queries = make_queries(texts, args.queries, seed=2, used=used)
    single = make_queries(texts, args.queries, seed=4, used=used)  # distinct strings for the 1-thread run
    docq = make_queries(texts, args.queries, seed=6, used=used)  # distinct strings for the document unit
    res["latency"] = latency_ab(idx, clock, {"distinct": (queries, shipped), "distinct_1thread": (single, 1),
                                             "repeated": (queries, shipped),  # repeated: embedding cache hits
                                             "document_unit": (docq, shipped, "document")})
    set_threads(shipped)
    for name, value in res["latency"].items():
        print(f"[2] {name}: {value}")

    if args.peer_queries:
        res["peer"] = peer_compare(idx, texts, make_queries(texts, args.peer_queries, seed=3, used=used, topics=False),
                                   make_queries(texts, args.peer_queries, seed=5, used=used, topics=False), shipped)
        print(f"[3] peer (Chatchat-style) vs ours: {res['peer']}")

    res["reingest_unchanged"] = timed_ingest(files, work)
    print(f"[5] re-ingest unchanged: {res['reingest_unchanged']}")
    res["update_incremental"] = updated_in_place(work, files, make_queries(texts, 100, seed=8, used=used))
    print(f"[5] incremental update (segments): {res['update_incremental']}")
    if not args.no_touch_full:
        res["reingest_one_new_file_full"] = touched_full(work, files)
        print(f"[5] full corpus + 1 new file (random hook): {res['reingest_one_new_file_full']}")
    if args.incr_files:
        res["incremental_real"] = incremental_real(args.laws, law_files(args.laws), args.incr_files)
        print(f"[5] real embedder, {args.incr_files} files: {res['incremental_real']}")
    if args.embed_n:
        res["embed_throughput"] = run_embed_throughput(args.embed_n, 3)
        print(f"[6] embed_throughput.py: {res['embed_throughput']}")

    res["loadavg_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(res, ensure_ascii=False) + "\n")
        print(f"summary appended to {args.json}")
    return 0


def update_only(res: dict, work: Path, files: list[Path], texts: list[str], args) -> int:
    """--only-update: the incremental update beside a full rebuild of the same change, in one run."""
    res["update_incremental"] = updated_in_place(work, files, make_queries(texts, 100, seed=8, used=set()))
    print(f"[5] incremental update (segments): {res['update_incremental']}")
    if not args.no_touch_full:
        res["reingest_one_new_file_full"] = touched_full(work, files)
        print(f"[5] full corpus + 1 new file, full rebuild (random hook): {res['reingest_one_new_file_full']}")
    res["loadavg_end"] = os.getloadavg()
    if args.json:
        with open(args.json, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(res, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
