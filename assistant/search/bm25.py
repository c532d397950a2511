"""Sparse-matrix BM25 (the bm25s idea): per-(doc, term) weights precomputed into a CSC matrix.

Scores equal rank_bm25.BM25Okapi exactly: idf = log((N - n + 0.5) / (n + 0.5)); idf < 0 is replaced
by epsilon * (mean idf over the vocabulary, taken before the replacement); a query term repeated r
times counts r times. A query then costs one column slice per distinct term.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import chain
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import sparse

FORMAT = "bm25-csc-v1"
FILES = ("params.json", "vocab.json", "weights.npz")
ARRAYS = {"data": np.float32, "indices": np.int32, "indptr": np.int64, "shape": np.int64}
# Raw counts beside the weights (same CSC positions), so a segmented index can score with corpus-wide
# statistics (bm25_multi.py). Optional: folders written before they existed load without them.
RAW = {"tf": np.uint16, "lengths": np.int32}
TF_MAX = np.iinfo(np.uint16).max


class BM25IndexError(ValueError):
    """A saved BM25 index is missing, damaged or of another format (message in Chinese, names the file)."""


class BM25Index:
    """Okapi BM25 over a fixed corpus; read-only after build/load, so safe to share between threads."""

    def __init__(self, weights: sparse.csc_matrix, vocab: list[str], params: dict,
                 tf: np.ndarray | None = None, lengths: np.ndarray | None = None):
        self._weights = weights
        self._vocab = vocab
        self._ids = {term: i for i, term in enumerate(vocab)}
        self.params = params
        self.tf, self.lengths = tf, lengths  # raw counts aligned with weights.data, row lengths (or None)

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75,
              epsilon: float = 0.25) -> "BM25Index":
        """Index tokenized documents (row i of every result is corpus_tokens[i])."""
        ids: defaultdict[str, int] = defaultdict()
        ids.default_factory = ids.__len__  # first sight of a term assigns the next id, all in C
        n_docs = len(corpus_tokens)
        lengths = np.fromiter(map(len, corpus_tokens), dtype=np.int64, count=n_docs)
        term_ids = np.fromiter(map(ids.__getitem__, chain.from_iterable(corpus_tokens)),
                               dtype=np.int32, count=int(lengths.sum()))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        tf = sparse.csr_matrix((np.ones(len(term_ids), dtype=np.float32), term_ids, indptr), shape=(n_docs, len(ids)))
        tf.sum_duplicates()  # one entry per (doc, term) holding the term frequency
        avgdl = float(lengths.sum()) / n_docs if n_docs else 0.0
        idf, average_idf = okapi_idf(np.bincount(tf.indices, minlength=len(ids)), n_docs, epsilon)
        weights = tf.copy()
        weights.data = _term_weights(tf, lengths, idf, avgdl, k1, b).astype(np.float32)
        params = {"format": FORMAT, "k1": k1, "b": b, "epsilon": epsilon, "n_docs": n_docs,
                  "vocab_size": len(ids), "avgdl": avgdl, "average_idf": average_idf, "nnz": int(tf.nnz)}
        weights = weights.tocsc()
        counts = tf.tocsc()  # same sparsity pattern, same order as the weights
        return cls(weights, list(ids), params, np.minimum(counts.data, TF_MAX).astype(np.uint16),
                   lengths.astype(np.int32))

    @property
    def vocab(self) -> list[str]:
        return self._vocab

    @property
    def has_counts(self) -> bool:
        return self.tf is not None and self.lengths is not None

    def live_doc_freqs(self, live: np.ndarray) -> np.ndarray:
        """Per vocabulary term, how many rows with live[row] contain it (few rows are not live: count those)."""
        w = self._weights
        df = np.diff(w.indptr)
        dead = ~np.asarray(live, dtype=bool)
        if dead.any():
            positions = np.flatnonzero(dead[w.indices])
            columns = np.searchsorted(w.indptr, positions, side="right") - 1
            df = df - np.bincount(columns, minlength=len(df))
        return df

    @property
    def n_docs(self) -> int:
        return self._weights.shape[0]

    @property
    def vocab_size(self) -> int:
        return self._weights.shape[1]

    def doc_freq(self, term: str) -> int:
        """Number of documents containing `term` (0 if unknown)."""
        j = self._ids.get(term)
        return 0 if j is None else int(self._weights.indptr[j + 1] - self._weights.indptr[j])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows containing `term` and their stored BM25 weights (idf × tf part); empty if unknown."""
        j = self._ids.get(term)
        if j is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        lo, hi = self._weights.indptr[j], self._weights.indptr[j + 1]
        return self._weights.indices[lo:hi], self._weights.data[lo:hi]

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (float32, length n_docs)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        w = self._weights
        # Like rank_bm25, every occurrence of a query term adds its column again.
        spans = [(w.indptr[j], w.indptr[j + 1]) for j in map(self._ids.get, query_tokens) if j is not None]
        if spans:
            rows = np.concatenate([w.indices[lo:hi] for lo, hi in spans])
            np.add.at(out, rows, np.concatenate([w.data[lo:hi] for lo, hi in spans]))
        return out

    def top_k(self, query_tokens: Sequence[str], k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the k best documents with score > 0 (and allowed[id] if given), best first."""
        return select_top(self.scores(query_tokens), k, allowed)

    def save(self, path: Path) -> None:
        """Write params.json, vocab.json and weights.npz into the folder `path` (no pickle)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        w = self._weights
        raw = {"tf": self.tf, "lengths": self.lengths} if self.has_counts else {}
        np.savez(path / "weights.npz", data=w.data.astype(np.float32), indices=w.indices.astype(np.int32),
                 indptr=w.indptr.astype(np.int64), shape=np.array(w.shape, dtype=np.int64), **raw)
        (path / "vocab.json").write_text(json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8")
        (path / "params.json").write_text(json.dumps(self.params, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        """Read a folder written by save(); raises BM25IndexError if anything is missing or inconsistent."""
        path = Path(path)
        for name in FILES:
            if not (path / name).is_file():
                raise BM25IndexError(f"BM25 索引文件缺失：{path / name}。请用 gongwen ingest --rebuild 重建索引。")
        params, vocab = _read_json(path / "params.json"), _read_json(path / "vocab.json")
        if not isinstance(params, dict) or params.get("format") != FORMAT:
            raise BM25IndexError(f"BM25 索引格式不符：{path / 'params.json'}（需要 {FORMAT}）。请重建索引。")
        arrays = _read_arrays(path / "weights.npz")
        n_docs, n_terms = (int(x) for x in arrays["shape"])
        _check_consistent(path, params, vocab, arrays, n_docs, n_terms)
        weights = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=(n_docs, n_terms))
        tf, lengths = arrays.get("tf"), arrays.get("lengths")
        if tf is not None and (len(tf) != len(arrays["data"]) or lengths is None or len(lengths) != n_docs):
            raise BM25IndexError(f"BM25 索引文件彼此不一致：{path / 'weights.npz'}（词频与权重不符）。请重建索引。")
        return cls(weights, vocab, params, tf, lengths)


def select_top(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ids and values of the k largest scores > 0 (and allowed[id] if given), best first, ties by id."""
    keep = scores > 0
    if allowed is not None:
        keep &= _check_mask(allowed, len(scores))
    ids = np.flatnonzero(keep)
    if k <= 0:
        ids = ids[:0]
    elif len(ids) > k:
        ids = ids[np.argpartition(-scores[ids], k - 1)[:k]]
    order = np.lexsort((ids, -scores[ids]))  # score descending, then id ascending for stable ties
    return ids[order], scores[ids[order]]


def okapi_idf(doc_freqs: np.ndarray, n_docs: int, epsilon: float) -> tuple[np.ndarray, float]:
    """rank_bm25's BM25Okapi idf: negative values become epsilon * the mean idf (taken before flooring)."""
    df = doc_freqs.astype(np.float64)
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    average = float(idf.mean()) if len(idf) else 0.0
    idf[idf < 0] = epsilon * average
    return idf, average


def _term_weights(tf: sparse.csr_matrix, lengths: np.ndarray, idf: np.ndarray, avgdl: float,
                  k1: float, b: float) -> np.ndarray:
    """idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))) for every stored (doc, term)."""
    if not tf.nnz:
        return np.zeros(0)
    norm = k1 * (1 - b + b * lengths / avgdl)  # per document, same operation order as rank_bm25
    freq = tf.data.astype(np.float64)
    out = freq * (k1 + 1)
    denom = np.repeat(norm, np.diff(tf.indptr))
    denom += freq
    out /= denom
    out *= idf[tf.indices]
    return out


def _check_mask(allowed: np.ndarray, n_docs: int) -> np.ndarray:
    allowed = np.asarray(allowed)
    if allowed.dtype != np.bool_ or allowed.shape != (n_docs,):
        raise ValueError(f"allowed must be a boolean mask of shape ({n_docs},), got {allowed.dtype} {allowed.shape}")
    return allowed


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BM25IndexError(f"BM25 索引文件损坏：{path}（{e}）。请重建索引。") from e


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in ARRAYS}
            arrays.update({name: npz[name] for name in RAW if name in npz.files})
    except (OSError, KeyError, ValueError) as e:
        raise BM25IndexError(f"BM25 索引文件损坏：{path}（{e}）。请重建索引。") from e
    for name, dtype in {**ARRAYS, **RAW}.items():
        if name in arrays and (arrays[name].dtype != dtype or arrays[name].ndim != 1):
            raise BM25IndexError(f"BM25 索引文件损坏：{path} 中 {name} 的类型不对。请重建索引。")
    if len(arrays["shape"]) != 2:
        raise BM25IndexError(f"BM25 索引文件损坏：{path} 中 shape 不是二维。请重建索引。")
    return arrays


def _check_consistent(path: Path, params: dict, vocab, arrays: dict, n_docs: int, n_terms: int) -> None:
    indptr, indices = arrays["indptr"], arrays["indices"]
    problems = [
        not isinstance(vocab, list) or len(vocab) != n_terms,
        params.get("n_docs") != n_docs or params.get("vocab_size") != n_terms,
        len(indptr) != n_terms + 1 or (len(indptr) and (indptr[0] != 0 or indptr[-1] != len(indices))),
        len(arrays["data"]) != len(indices),
        bool(len(indices)) and (indices.min() < 0 or indices.max() >= n_docs),
        bool(len(indptr)) and bool(np.any(np.diff(indptr) < 0)),
    ]
    if any(problems):
        raise BM25IndexError(f"BM25 索引文件彼此不一致：{path}（params.json、vocab.json、weights.npz 不是同一次构建）。"
                             "请重建索引。")
