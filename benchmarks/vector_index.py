"""Approximate FAISS indexes vs exact search: build time, single-query latency, recall@10.

    python benchmarks/vector_index.py random [--n 200000] [--queries 200]
    python benchmarks/vector_index.py real --vectors real.npy --query-vectors queries.npy
    python benchmarks/vector_index.py gaussian --vectors real.npy --query-vectors queries.npy [--n 200000]
    python benchmarks/vector_index.py chosen [--n 200000] [--vectors real.npy --query-vectors q.npy]

`random`: unit vectors — the pathological case: in 512 dimensions every point is almost
equidistant from a query, so no approximate index finds "the" neighbours. `real`: m3e vectors
saved with np.save (paragraphs of benchmarks/embed_throughput.py, queries = policy titles).
`gaussian`: n vectors drawn from a Gaussian with the mean and covariance of the real vectors
(m3e's anisotropy, no topic clusters: harder than a real corpus), queries = the real queries.
`chosen` runs the engine's VectorIndex (default kind), also with filters, on `gaussian` data
when vectors are given, else on random data.
One query per call, as the search engine issues them; latency p50/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.search.vectors import VectorIndex  # noqa: E402


def unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def latencies(search, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    ids, times = [], []
    for q in queries:
        start = time.perf_counter()
        _, found = search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - start) * 1000)
        ids.append(found[0])
    return np.array(ids), np.array(times)


def gaussian_like(real: np.ndarray, rows: int, seed: int) -> np.ndarray:
    """Rows drawn from N(mean, cov) of `real`, L2-normalised."""
    mean = real.mean(axis=0)
    cov = np.cov(real, rowvar=False) + 1e-6 * np.eye(real.shape[1])
    chol = np.linalg.cholesky(cov).astype(np.float32)
    z = np.random.default_rng(seed).standard_normal((rows, real.shape[1]), dtype=np.float32)
    x = mean.astype(np.float32) + z @ chol.T
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def report(name: str, build_s: float, found, times, truth) -> None:
    print(f"{name:<30} build {build_s:7.1f}s  p50 {np.percentile(times, 50):6.2f} ms  "
          f"p99 {np.percentile(times, 99):6.2f} ms  recall@k {recall(found, truth):.3f}", flush=True)


def compare(xb: np.ndarray, xq: np.ndarray, hnsw_ef, nprobes) -> None:
    n, dim = xb.shape
    flat = faiss.IndexFlatIP(dim)
    start = time.perf_counter()
    flat.add(xb)
    truth, times = latencies(flat.search, xq)
    report("exact IndexFlatIP", time.perf_counter() - start - times.sum() / 1000, truth, times, truth)

    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(xb)
    built = time.perf_counter() - start
    for ef in hnsw_ef:
        hnsw.hnsw.efSearch = ef
        found, times = latencies(hnsw.search, xq)
        report(f"HNSW32 efSearch={ef}", built, found, times, truth)
    del hnsw

    nlist = max(1, int(4 * math.sqrt(n)))
    for name, factory in (("IVF-SQ8", "SQ8"), ("IVF-Flat", "Flat")):
        start = time.perf_counter()
        index = faiss.index_factory(dim, f"IVF{nlist},{factory}", faiss.METRIC_INNER_PRODUCT)
        sample = xb[np.random.default_rng(0).permutation(n)[: min(n, 40 * nlist)]]
        index.train(sample)
        index.add(xb)
        built = time.perf_counter() - start
        for nprobe in nprobes:
            index.nprobe = nprobe
            found, times = latencies(index.search, xq)
            report(f"{name} nlist={nlist} nprobe={nprobe}", built, found, times, truth)
        del index


def chosen(xb: np.ndarray, xq: np.ndarray) -> None:
    """The engine's own VectorIndex: default approximate kind, k=10 and k=100, with filters."""
    exact = VectorIndex.build(xb, kind="flat")
    start = time.perf_counter()
    approx = VectorIndex.build(xb, approx_threshold=0)
    built = time.perf_counter() - start
    for k in (10, 100):
        truth, times = latencies(exact.search, xq, k)
        report(f"VectorIndex flat k={k}", 0.0, truth, times, truth)
        found, times = latencies(approx.search, xq, k)
        report(f"VectorIndex {approx.kind} k={k}", built, found, times, truth)
    for share in (0.5, 0.1, 0.02, 0.005):
        allowed = np.flatnonzero(np.random.default_rng(1).random(len(xb)) < share)
        truth, _ = latencies(lambda q, k: exact.search(q, k, allowed), xq, 100)
        found, times = latencies(lambda q, k: approx.search(q, k, allowed), xq, 100)
        report(f"  k=100 filtered to {share:.1%}", built, found, times, truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="FAISS 近似索引对比：构建时间、单查询延迟、recall@10")
    parser.add_argument("mode", choices=("random", "real", "gaussian", "chosen"))
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vectors", type=Path, help="real mode: .npy of paragraph vectors")
    parser.add_argument("--query-vectors", type=Path, help="real mode: .npy of query vectors")
    parser.add_argument("--ef", type=int, nargs="+", help="HNSW efSearch values to sweep")
    parser.add_argument("--nprobe", type=int, nargs="+", help="IVF nprobe values to sweep")
    args = parser.parse_args(argv)
    print(f"faiss {faiss.__version__}, omp threads {faiss.omp_get_max_threads()}")
    if args.mode == "real":
        xb, xq = np.load(args.vectors), np.load(args.query_vectors)[: args.queries]
        print(f"real vectors: {xb.shape}, queries {xq.shape}")
        compare(xb, xq, args.ef or (16, 32, 64, 128, 256), args.nprobe or (1, 2, 4, 8, 16, 32))
        chosen(xb, xq)
        return 0
    if args.vectors and args.mode != "random":
        xb = gaussian_like(np.load(args.vectors), args.n, 0)
        xq = np.load(args.query_vectors)[: args.queries]
        print(f"gaussian vectors fitted to {args.vectors.name}: {xb.shape}, real queries {xq.shape}")
    else:
        xb, xq = unit(args.n, args.dim, 0), unit(args.queries, args.dim, 1)
        print(f"random unit vectors: {xb.shape}, queries {xq.shape}")
    if args.mode == "chosen":
        chosen(xb, xq)
    else:
        compare(xb, xq, args.ef or (16, 64, 128, 256, 512), args.nprobe or (8, 32, 64, 128, 256))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
