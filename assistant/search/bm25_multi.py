"""Okapi BM25 over several parts (a base and small segments) with corpus-wide statistics.

An incremental generation keeps the base's BM25 arrays and adds a small BM25 per segment; replaced
and removed rows stay in the arrays but are not live. Scores must not depend on how the corpus is
split, so nothing baked into a part's weights is used: each part's raw term frequencies and row
lengths (bm25.py keeps them) are weighted at query time with the statistics of the live rows of all
parts — N, average length, document frequency, and the epsilon floor's mean idf over the live
vocabulary — which is what bm25.BM25Index.build computes for those rows in one piece.

Cost: at open two passes over each part's postings (live document frequencies, then the weights);
per query the same as BM25Index.scores: one column slice per query term and part.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse

from assistant.search.bm25 import BM25Index, okapi_idf, select_top


class MultiBM25:
    """Read-only; `parts` are (first row, BM25Index with counts) in row order, `live` masks all rows.

    At open each part's weights are computed again from its raw counts with the corpus-wide statistics
    (rows that are not live get weight 0), so a query costs what BM25Index.scores costs: one column
    slice per query term and part."""

    def __init__(self, parts: Sequence[tuple[int, BM25Index]], live: np.ndarray, k1: float, b: float,
                 epsilon: float = 0.25):
        self.live = np.asarray(live, dtype=bool)
        self.n_docs = len(self.live)  # rows, as BM25Index.n_docs (so both serve level_index.top_groups)
        lengths = np.zeros(self.n_docs, dtype=np.float64)
        union: dict[str, int] = {}
        maps: list[np.ndarray] = []
        df = np.zeros(0, dtype=np.int64)
        for offset, part in parts:
            if not part.has_counts:
                raise ValueError("BM25 part without term frequencies (built before segments existed)")
            lengths[offset:offset + part.n_docs] = part.lengths
            if not union:  # the base: its own ids (a C-level copy of its vocabulary map)
                union = dict(part._ids)  # noqa: SLF001
                ids = np.arange(part.vocab_size, dtype=np.int64)
            else:
                ids = np.fromiter((union.setdefault(t, len(union)) for t in part.vocab), dtype=np.int64,
                                  count=part.vocab_size)
            df = np.concatenate([df, np.zeros(len(union) - len(df), dtype=np.int64)])
            np.add.at(df, ids, part.live_doc_freqs(self.live[offset:offset + part.n_docs]))
            maps.append(ids)
        n_live = int(self.live.sum())
        avgdl = float(lengths[self.live].sum()) / n_live if n_live else 0.0
        present = df > 0  # a fresh build's vocabulary holds only terms of its (live) rows
        idf = np.zeros(len(union))
        idf[present], self.average_idf = okapi_idf(df[present], n_live, epsilon)
        norm = k1 * (1 - b + b * lengths / avgdl) if avgdl else np.full(self.n_docs, k1 * (1 - b))
        self.parts = [(offset, part._ids, _reweighted(part, offset, ids, idf, norm, self.live, k1))  # noqa: SLF001
                      for (offset, part), ids in zip(parts, maps)]
        self._union, self.df = union, df
        self.n_live, self.avgdl = n_live, avgdl

    def doc_freq(self, term: str) -> int:
        j = self._union.get(term)
        return 0 if j is None else int(self.df[j])

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every row (0 for rows that are not live), float32 like BM25Index.scores."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        rows, weights = [], []
        for token in query_tokens:  # each occurrence counts again, as in rank_bm25
            for offset, ids, w in self.parts:
                j = ids.get(token)
                if j is None:
                    continue
                lo, hi = w.indptr[j], w.indptr[j + 1]
                rows.append(w.indices[lo:hi] + offset if offset else w.indices[lo:hi])
                weights.append(w.data[lo:hi])
        if rows:
            np.add.at(out, np.concatenate(rows), np.concatenate(weights))
        return out

    def top_k(self, query_tokens: Sequence[str], k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        allowed = self.live if allowed is None else (allowed & self.live)
        return select_top(self.scores(query_tokens), k, allowed)


def _reweighted(part: BM25Index, offset: int, union_ids: np.ndarray, idf: np.ndarray, norm: np.ndarray,
                live: np.ndarray, k1: float) -> sparse.csc_matrix:
    """The part's CSC matrix with weights idf × tf-saturation from the given statistics (the same
    operations, in the same order, as bm25._term_weights), 0 for rows that are not live."""
    w = part._weights  # noqa: SLF001 — same package, read-only
    rows = w.indices if not offset else w.indices.astype(np.int64) + offset
    data = part.tf.astype(np.float64)
    denom = norm[rows]
    denom += data
    data *= k1 + 1
    data /= denom
    del denom
    data *= np.repeat(idf[union_ids], np.diff(w.indptr))
    dead = ~live[offset:offset + part.n_docs]
    if dead.any():
        data[dead[w.indices]] = 0.0
    return sparse.csc_matrix((data.astype(np.float32), w.indices, w.indptr), shape=w.shape)
