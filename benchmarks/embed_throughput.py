"""Embedding throughput: plain sentence-transformers vs our Embedder, same paragraphs, same run.

    python benchmarks/embed_throughput.py [--n 2000] [--runs 3] [--precision auto] [--int8]

(a) `SentenceTransformer(path).encode(texts, batch_size=32)` fp32, input order, as a peer would;
(b) `Embedder.encode` (length-sorted batches, bf16 weights + autocast where the CPU has it).
Runs alternate (a, b, a, b, …); medians are reported with their ratio and the minimum cosine
between the two outputs. Then single-query latency (plain vs `encode_query`) and a cache pass:
the second `embed_with_cache` over the same paragraphs computes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.search.dense import Embedder, default_model_path  # noqa: E402
from assistant.search.embed_cache import EmbedCache, embed_with_cache  # noqa: E402

CORPORA = ROOT.parent / "shared" / "data" / "corpora"
REPORTS = CORPORA / "gov_work_reports_wikisource" / "government_work_reports.jsonl"
POLICIES = CORPORA / "gccmpd_prc_policies" / "prc_policies_zh.jsonl"


def report_paragraphs(path: Path = REPORTS) -> list[str]:
    """Government work reports: `content` split on blank lines (headings and scraps dropped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        blocks = re.split(r"\n\s*\n", json.loads(line)["content"])
        out.extend(b.strip() for b in blocks if len(b.strip()) >= 30)
    return out


def policy_chunks(path: Path = POLICIES, size: int = 300) -> list[str]:
    """Policy texts chunked at 。 into pieces of about `size` characters."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        chunk = ""
        for sentence in re.findall(r"[^。]+。?", json.loads(line)["text"]):
            chunk += sentence
            if len(chunk) >= size:
                out.append(chunk.strip())
                chunk = ""
        if len(chunk.strip()) >= 30:
            out.append(chunk.strip())
    return out


def real_paragraphs(n: int) -> list[str]:
    """Half report paragraphs, half policy chunks (deterministic)."""
    reports, policies = report_paragraphs(), policy_chunks()
    half = min(n // 2, len(reports))
    return reports[:half] + policies[: n - half]


def timed(fn, texts) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn(texts)
    return time.perf_counter() - start, np.asarray(out, dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="向量化吞吐量：sentence-transformers 原样调用 vs Embedder")
    parser.add_argument("--n", type=int, default=2000, help="段落数（快速试跑可用 200）")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=("auto", "bf16", "fp32"))
    parser.add_argument("--int8", action="store_true",
                        help="另测 int8 动态量化（按张量 / 按通道）的速度与余弦——不用于产品，供无 bf16 的 CPU 参考")
    args = parser.parse_args(argv)

    texts = real_paragraphs(args.n)
    chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} paragraphs, mean {chars:.0f} chars")
    embedder = Embedder(precision=args.precision)
    embedder.encode(texts[:8])  # load + warm up (also sets torch threads)
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(default_model_path(), device="cpu")
    plain.encode(texts[:8], batch_size=32)

    def plain_encode(batch):
        return plain.encode(batch, batch_size=32, normalize_embeddings=True, show_progress_bar=False)

    times = {"plain": [], "ours": []}
    for run in range(args.runs):
        t_plain, v_plain = timed(plain_encode, texts)
        t_ours, v_ours = timed(embedder.encode, texts)
        times["plain"].append(t_plain)
        times["ours"].append(t_ours)
        print(f"run {run + 1}: plain {len(texts) / t_plain:.1f}/s  ours {len(texts) / t_ours:.1f}/s")
    med = {k: statistics.median(v) for k, v in times.items()}
    cos = np.sum(v_plain * v_ours, axis=1)
    print(f"plain sentence-transformers fp32: {len(texts) / med['plain']:.1f} paragraphs/s (median of {args.runs})")
    print(f"Embedder ({'bf16' if embedder.use_bf16 else 'fp32'}): {len(texts) / med['ours']:.1f} paragraphs/s")
    print(f"speed ratio ours/plain: {med['plain'] / med['ours']:.2f}x   "
          f"cosine to plain: min {cos.min():.6f}  mean {cos.mean():.6f}")
    if args.int8:
        int8_alternatives(texts, plain_encode, v_plain, med["plain"], args.runs)
    query_latency(embedder, plain)
    cache_pass(embedder, texts)
    return 0


def int8_alternatives(texts, plain_encode, reference: np.ndarray, plain_seconds: float, runs: int) -> None:
    """int8 dynamic quantisation of every Linear layer (VNNI kernels where the CPU has them):
    speed against the plain fp32 median of this run, cosine to the plain vectors."""
    import torch
    from sentence_transformers import SentenceTransformer
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    for name, spec in (("per-tensor", {torch.nn.Linear}),
                       ("per-channel", {torch.nn.Linear: per_channel_dynamic_qconfig})):
        model = quantize_dynamic(SentenceTransformer(default_model_path(), device="cpu"), spec, dtype=torch.qint8)
        encode = lambda batch, m=model: m.encode(batch, batch_size=32, normalize_embeddings=True,  # noqa: E731
                                                 show_progress_bar=False)
        encode(texts[:8])
        seconds, vectors = [], None
        for _ in range(runs):
            t, vectors = timed(encode, texts)
            seconds.append(t)
        cos = np.sum(reference * vectors, axis=1)
        print(f"int8 {name}: {plain_seconds / statistics.median(seconds):.2f}x plain fp32, "
              f"cosine to plain min {cos.min():.4f} mean {cos.mean():.4f} (not used by the product)")


def query_latency(embedder: Embedder, plain) -> None:
    """One short query per call (distinct, so the query cache never answers)."""
    queries = [f"{t[:18]}怎么写" for t in policy_chunks()[:100]]
    for name, fn in (("plain", lambda q: plain.encode([q], show_progress_bar=False)),
                     ("ours", embedder.encode_query)):
        times = []
        for q in queries:
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
        print(f"query latency {name}: p50 {np.percentile(times, 50):.1f} ms  p99 {np.percentile(times, 99):.1f} ms")


def cache_pass(embedder: Embedder, texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbedCache(Path(tmp) / "cache.sqlite", embedder.model_id, embedder.dim)
        start = time.perf_counter()
        first, computed1 = embed_with_cache(embedder, cache, texts)
        t1 = time.perf_counter() - start
        start = time.perf_counter()
        second, computed2 = embed_with_cache(embedder, cache, texts)
        t2 = time.perf_counter() - start
        cache.close()
    same = bool(np.array_equal(first, second))
    print(f"cache: first pass computed={computed1} in {t1:.1f}s; "
          f"second pass computed={computed2} in {t2 * 1000:.0f} ms; identical={same}")


if __name__ == "__main__":
    raise SystemExit(main())
