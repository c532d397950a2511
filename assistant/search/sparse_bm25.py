"""BM25 as sparse vectors (pure numpy): document side tf-saturation, query side idf — their inner
product is the Okapi BM25 score of assistant.search.bm25 (rank_bm25's formula, epsilon floor included).

Used where an engine stores sparse vectors and ranks by inner product (Milvus SPARSE_FLOAT_VECTOR):

    doc_vector(tokens)[t]   = tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))
    query_vector(tokens)[t] = r_t · idf(t)        (r_t: times t occurs in the query)
    score = Σ_t doc[t] · query[t]                 = BM25Okapi.get_scores

The corpus statistics (document frequencies, N, avgdl) are recomputed at every ingest and saved
beside the index; a stored document vector keeps the avgdl of the ingest that wrote it, so after
the corpus grows its length normalisation is slightly stale until the document is rewritten
(`gongwen ingest --rebuild`). idf is always current: it lives on the query side.
Term ids come from an append-only vocabulary (Vocab), so ids never change.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from assistant.search.bm25 import okapi_idf


class Vocab:
    """term → stable uint32 id (append-only; saved one term per line, line number = id)."""

    def __init__(self, terms: Iterable[str] = ()):
        self.terms: list[str] = []
        self.ids: dict[str, int] = {}
        for term in terms:
            self.add(term)

    def add(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def get(self, term: str) -> int | None:
        return self.ids.get(term)

    def __len__(self) -> int:
        return len(self.terms)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(t.replace("\n", " ") for t in self.terms), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Vocab":
        if not path.exists():
            return cls()
        text = path.read_text(encoding="utf-8")
        return cls(text.split("\n") if text else [])


class Stats:
    """Corpus statistics of one field: df per vocabulary id, number of documents, average length."""

    def __init__(self, df: np.ndarray, n_docs: int, avgdl: float, k1: float, b: float, epsilon: float = 0.25):
        self.df, self.n_docs, self.avgdl, self.k1, self.b, self.epsilon = df, n_docs, avgdl, k1, b, epsilon
        idf, self.average_idf = okapi_idf(df[df > 0], n_docs, epsilon)  # mean over the vocabulary present
        self.idf = np.zeros(len(df), dtype=np.float64)
        self.idf[df > 0] = idf

    @classmethod
    def build(cls, corpus: Sequence[Sequence[str]], vocab: Vocab, k1: float, b: float) -> "Stats":
        """Statistics of tokenized documents (every term is added to `vocab`)."""
        counts: Counter = Counter()
        total = 0
        for tokens in corpus:
            counts.update({vocab.add(t) for t in tokens})
            total += len(tokens)
        df = np.zeros(len(vocab), dtype=np.int64)
        if counts:
            ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            df[ids] = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        n = len(corpus)
        return cls(df, n, total / n if n else 0.0, k1, b)

    def doc_vector(self, tokens: Sequence[str], vocab: Vocab) -> dict[int, float]:
        """tf-saturated weights of one document (terms must be in the vocabulary)."""
        if not tokens:
            return {}
        norm = self.k1 * (1 - self.b + self.b * len(tokens) / (self.avgdl or 1.0))
        return {vocab.ids[t]: float(tf * (self.k1 + 1) / (tf + norm)) for t, tf in Counter(tokens).items()}

    def query_vector(self, tokens: Sequence[str], vocab: Vocab) -> dict[int, float]:
        """idf weights of the query's known terms (repeats count)."""
        out: dict[int, float] = {}
        for term, times in Counter(tokens).items():
            i = vocab.get(term)
            if i is not None and i < len(self.df) and self.df[i] > 0:
                out[i] = float(times * self.idf[i])
        return {i: w for i, w in out.items() if w != 0.0}

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, df=self.df, params=np.array([self.n_docs, self.avgdl, self.k1, self.b, self.epsilon]))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Stats":
        with np.load(path, allow_pickle=False) as npz:
            n, avgdl, k1, b, eps = npz["params"].tolist()
            return cls(npz["df"].astype(np.int64), int(n), float(avgdl), float(k1), float(b), float(eps))
