"""Okapi BM25 over several parts (a base and small segments) with corpus-wide statistics.

An incremental generation keeps the base's BM25 arrays and adds a small BM25 per segment; replaced
and removed rows stay in the arrays but are not live. Scores must not depend on how the corpus is
split, so nothing baked into a part's weights is used: each part's raw term frequencies and row
lengths (bm25.py keeps them) are weighted at query time with the statistics of the live rows of all
parts — N, average length, document frequency, and the epsilon floor's mean idf over the live
vocabulary — which is what bm25.BM25Index.build computes for those rows in one piece.

Cost: at open one pass over each part's postings (live document frequencies); per query, as
BM25Index.scores, one column slice per query term and part, plus the tf-saturation arithmetic on it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from assistant.search.bm25 import BM25Index, okapi_idf, select_top


class MultiBM25:
    """Read-only; `parts` are (first row, BM25Index with counts) in row order, `live` masks all rows."""

    def __init__(self, parts: Sequence[tuple[int, BM25Index]], live: np.ndarray, k1: float, b: float,
                 epsilon: float = 0.25):
        self.parts = list(parts)
        self.live = np.asarray(live, dtype=bool)
        self.n_rows = len(self.live)
        lengths = np.zeros(self.n_rows, dtype=np.float64)
        union: dict[str, int] = {}
        dfs: list[np.ndarray] = []
        for offset, part in self.parts:
            if not part.has_counts:
                raise ValueError("BM25 part without term frequencies (built before segments existed)")
            lengths[offset:offset + part.n_docs] = part.lengths
            ids = np.fromiter((union.setdefault(t, len(union)) for t in part.vocab), dtype=np.int64,
                              count=part.vocab_size)
            df = np.zeros(len(union), dtype=np.int64)
            np.add.at(df, ids, part.live_doc_freqs(self.live[offset:offset + part.n_docs]))
            dfs.append(df)
        df = np.zeros(len(union), dtype=np.int64)
        for part_df in dfs:
            df[:len(part_df)] += part_df
        self._union = union
        n_live = int(self.live.sum())
        total = float(lengths[self.live].sum())
        avgdl = total / n_live if n_live else 0.0
        present = df > 0  # a fresh build's vocabulary holds only terms of its (live) rows
        idf = np.zeros(len(union))
        idf[present], self.average_idf = okapi_idf(df[present], n_live, epsilon)
        self._idf = idf
        self.df = df
        with np.errstate(divide="ignore", invalid="ignore"):
            self._norm = k1 * (1 - b + b * lengths / avgdl) if avgdl else np.full(self.n_rows, k1 * (1 - b))
        self.k1 = k1
        self.n_live, self.avgdl = n_live, avgdl

    def doc_freq(self, term: str) -> int:
        j = self._union.get(term)
        return 0 if j is None else int(self.df[j])

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every row (0 for rows that are not live), float32 like BM25Index.scores."""
        out = np.zeros(self.n_rows, dtype=np.float32)
        rows_all, weights_all = [], []
        for token in query_tokens:  # each occurrence counts again, as in rank_bm25
            j = self._union.get(token)
            if j is None or self.df[j] == 0:
                continue
            for offset, part in self.parts:
                column = part.column(token)
                if column is None:
                    continue
                rows, tf = column
                rows = rows.astype(np.int64) + offset
                keep = self.live[rows]
                rows, freq = rows[keep], tf[keep].astype(np.float64)
                w = freq * (self.k1 + 1)
                w /= self._norm[rows] + freq
                w *= self._idf[j]
                rows_all.append(rows)
                weights_all.append(w.astype(np.float32))
        if rows_all:
            np.add.at(out, np.concatenate(rows_all), np.concatenate(weights_all))
        return out

    def top_k(self, query_tokens: Sequence[str], k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        allowed = self.live if allowed is None else (allowed & self.live)
        return select_top(self.scores(query_tokens), k, allowed)
