"""Dense vector index over L2-normalised rows (inner product = cosine), stored with FAISS.

Exact `IndexFlatIP` up to `approx_threshold` vectors; above it HNSW (M=32, efSearch=256).
Measured with benchmarks/vector_index.py on this 2-core KVM machine (shared, so ±30 %),
one query per call, recall@10 against exact search:

  real m3e-small vectors, 36k paragraphs (work reports, policies, laws), 300 policy-title queries
    exact flat     p50 4–5 ms (one thread)       recall 1.000
    HNSW32 ef=64   build 6.4 s   p50 0.15 ms     recall 0.989   (ef=128 0.997, ef=256 0.999)
    IVF-SQ8 758    build 3.5 s   nprobe 16: 0.10 ms 0.926 · nprobe 64: 0.29 ms 0.979
    IVF-Flat 758   build 3.2 s   nprobe 16: 0.14 ms 0.934 · nprobe 64: 0.40 ms 0.988
  200k × 512 drawn from a Gaussian with the mean/covariance of those real vectors (m3e's
  anisotropy without topic clusters — a harder case than a real corpus), same queries
    exact flat     p50 47 ms (one thread; 2 OpenMP threads: 84 ms)
    HNSW32         build 99–141 s (0.5–0.7 ms/vector)   ef=128 1.4 ms 0.74 ·
                   ef=256 2.5 ms 0.86 · ef=512 4.7 ms 0.94
    IVF-SQ8 1788   build 28 s   nprobe 128 1.8 ms 0.73 · 256 7.5 ms 0.89 · 512 14.6 ms 0.96
    IVF-Flat       same recall as IVF-SQ8 at 1.4–1.7× its latency (run on a Gaussian fitted
                   to 6k vectors, where HNSW ef=256 gave 2.1 ms 0.89, IVF-SQ8 nprobe 64 0.7 ms 0.73)
  200k uniformly random unit vectors (pathological: every point nearly equidistant):
    exact 37 ms; HNSW ef=256 3.2 ms recall 0.20; IVF-SQ8 nprobe 64 0.9 ms 0.14 — no index helps.

Why HNSW: best recall per millisecond on real vectors and on the hard 200k set (recall@100,
what fusion asks for, at equal latency: HNSW ef=512 0.88 in 8.5 ms vs IVF-SQ8 nprobe=256 0.82
in 7.5 ms; the default ef=256 gives 0.76 in 2.6 ms there, 0.976 in 0.3 ms on the real 36k),
and no training. Its costs: 5× longer build than IVF (≈100 s at 200k, paid at every index rebuild)
and full float storage (464 MB file at 200k vs 109 MB for IVF-SQ8) — `kind="ivf_sq8"` is the
choice when memory is tight. Exact flat at 50k (the default threshold): p50 12 ms, p99 25 ms (busy machine).

Filters: subsets of ≤ 10k rows are scored exactly (gather + `faiss.knn`, ≈ 3.6 ms at 10k);
larger ones go through an IDSelectorBitmap with efSearch/nprobe widened by 1/share, efSearch
capped at 512 to stay inside the latency budget. 200k hard set, k=100: 50 % share ef=512 8.9 ms
recall 0.85; 10 % share ef=512 9.2 ms 0.76 (ef=1024 would give 0.88 in 18 ms). Over-fetching
unfiltered results and dropping disallowed ids measured no better (10 %: 23 ms, 0.91).
Dense signal end to end at 200k (encode_query + search, k=100, 200 distinct queries):
p50 13.2 ms / p99 20 ms unfiltered (search alone 2.2 ms); 30 % filter p50 17.7 ms / p99 25 ms.

Threads: FAISS's OpenMP with 2 threads made a single-query flat search 4× slower here
(36 ms vs 8.4 ms at 36k; thread wake-ups on a busy 2-vCPU VM), so fewer than 20 queries run
on one thread (`omp_set_num_threads` is per calling thread, so a concurrent build keeps its 2).
numpy's own BLAS showed the same ≥ 12 ms wake-up stalls on tiny matmuls, hence `faiss.knn`.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import faiss
import numpy as np

KINDS = ("flat", "hnsw", "ivf_sq8", "ivf_flat")
DEFAULT_APPROX = "hnsw"
HNSW_M = 32
HNSW_EF_SEARCH = 256
HNSW_EF_CONSTRUCTION = 40
IVF_NPROBE = 32  # at least; nlist / 8 on large indexes
EF_CAP = 512
SUBSET_EXACT = 10_000  # filters keeping at most this many rows are scored exactly on the subset
SMALL_BATCH = 20  # fewer queries than this run on one OpenMP thread (see module notes)


class VectorIndex:
    """A FAISS index whose ids are the row numbers of the vectors it was built from."""

    def __init__(self, index: faiss.Index, kind: str):
        self._index, self._kind = index, kind
        if kind.startswith("ivf"):
            faiss.extract_index_ivf(index).make_direct_map()  # for exact scoring of filtered subsets

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def build(cls, vectors: np.ndarray, approx_threshold: int = 50_000, kind: str = "auto") -> "VectorIndex":
        """Index `vectors` (n, dim), float32 and L2-normalised; `kind` auto|flat|hnsw|ivf_sq8|ivf_flat."""
        xb = np.ascontiguousarray(vectors, dtype=np.float32)
        if xb.ndim != 2:
            raise ValueError(f"向量数组应为二维 (n, dim)，收到形状 {xb.shape}")
        if kind == "auto":
            kind = "flat" if len(xb) <= approx_threshold else DEFAULT_APPROX
        if kind not in KINDS:
            raise ValueError(f"未知的向量索引类型 {kind!r}，可选：{', '.join(KINDS)}")
        if kind.startswith("ivf") and len(xb) == 0:
            kind = "flat"  # IVF needs training data
        index = _new_index(kind, xb)
        index.add(xb)
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        index = faiss.read_index(str(path))
        return cls(index, _kind_of(index))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    # ---- properties --------------------------------------------------------------------------
    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def dim(self) -> int:
        return int(self._index.d)

    # ---- search ------------------------------------------------------------------------------
    def search(self, query_vecs: np.ndarray, k: int,
               allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (nq, k), best first; missing results have id -1 and score -inf.

        `allowed_ids` restricts results to those rows. Small subsets are scored exactly;
        larger ones are filtered inside FAISS with an IDSelectorBitmap, widening the search
        (efSearch / nprobe) in proportion to how much the filter removes.
        """
        xq = np.ascontiguousarray(np.atleast_2d(query_vecs), dtype=np.float32)
        k = max(1, int(k))
        with _omp_threads(1 if len(xq) < SMALL_BATCH else None):
            if allowed_ids is None:
                return _mark_missing(*self._index.search(xq, k, params=self._params(None, 1.0, k)))
            ids = np.asarray(allowed_ids, dtype=np.int64).reshape(-1)
            mask = np.zeros(self.ntotal, dtype=bool)
            mask[ids[(ids >= 0) & (ids < self.ntotal)]] = True
            count = int(np.count_nonzero(mask))
            if count == 0:
                return _empty(len(xq), k)
            if self._kind != "flat" and count <= SUBSET_EXACT:
                return self._search_subset(xq, k, np.flatnonzero(mask))
            return self._search_selected(xq, k, mask, count)

    def _search_selected(self, xq: np.ndarray, k: int, mask: np.ndarray, count: int):
        bits = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
        scores, ids = self._index.search(xq, k, params=self._params(selector, count / self.ntotal, k))
        del bits  # the selector points into it: keep it alive until here
        return _mark_missing(scores, ids)

    def _params(self, selector, share: float, k: int):
        """Search breadth widened in proportion to the share of rows a filter removes."""
        widen = 1.0 / max(share, 1e-6)
        if self._kind == "hnsw":
            base = max(self._index.hnsw.efSearch, k)  # efSearch is saved with the index
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(base, min(EF_CAP, int(base * widen))))
        if self._kind.startswith("ivf"):
            ivf = faiss.extract_index_ivf(self._index)
            return faiss.SearchParametersIVF(sel=selector, nprobe=min(ivf.nlist, int(math.ceil(ivf.nprobe * widen))))
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def _search_subset(self, xq: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores over a small allowed subset (FAISS kernels, not numpy BLAS: see module notes)."""
        scores, pos = faiss.knn(xq, self._stored(allowed), min(k, len(allowed)), metric=faiss.METRIC_INNER_PRODUCT)
        out_s, out_i = _empty(len(xq), k)
        out_s[:, :pos.shape[1]] = scores
        out_i[:, :pos.shape[1]] = np.where(pos >= 0, allowed[np.maximum(pos, 0)], -1)
        return _mark_missing(out_s, out_i)

    def _stored(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of `ids`: gathered straight from flat storage, else reconstructed (IVF)."""
        flat = self._index if self._kind == "flat" else getattr(self._index, "storage", None)
        if flat is None:
            return self._index.reconstruct_batch(ids)
        flat = faiss.downcast_index(flat)
        xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        return xb[ids]  # fancy indexing copies: nothing keeps a view into FAISS memory


def recall_at_k(approx: VectorIndex, exact: VectorIndex, queries: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k that the approximate index also returns (for reporting)."""
    _, found = approx.search(queries, k)
    _, truth = exact.search(queries, k)
    hits = [len(set(f[f >= 0]) & set(t[t >= 0])) / max(1, int((t >= 0).sum())) for f, t in zip(found, truth)]
    return float(np.mean(hits)) if hits else 1.0


def _new_index(kind: str, xb: np.ndarray) -> faiss.Index:
    n, dim = xb.shape
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    nlist = max(1, min(n // 39, int(4 * math.sqrt(n))))  # FAISS wants ≥ 39 training points per list
    codec = "SQ8" if kind == "ivf_sq8" else "Flat"
    index = faiss.index_factory(dim, f"IVF{nlist},{codec}", faiss.METRIC_INNER_PRODUCT)
    sample = xb[np.random.default_rng(0).permutation(n)[: 64 * nlist]]
    index.train(sample)
    faiss.extract_index_ivf(index).nprobe = min(nlist, max(IVF_NPROBE, nlist // 8))
    return index


def _kind_of(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf_sq8"
    if isinstance(index, faiss.IndexIVF):
        return "ivf_flat"
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    raise ValueError(f"不支持的向量索引文件类型：{type(index).__name__}")


@contextlib.contextmanager
def _omp_threads(n: int | None):
    """FAISS's OpenMP thread count for the calling thread only (it is a per-thread setting)."""
    before = faiss.omp_get_max_threads()
    if n is not None:
        faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _mark_missing(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores[ids < 0] = -np.inf  # FAISS pads with -FLT_MAX for inner product
    return scores, ids


def _empty(nq: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((nq, k), -np.inf, dtype=np.float32), np.full((nq, k), -1, dtype=np.int64)
