"""Evidence at three levels — paragraph, section, document — combined into one ranking (pure numpy).

A query is scored by each signal at its level: paragraphs by word BM25, bigram BM25 and dense cosine;
sections (the body of one document under the same first SECTION_DEPTH headings) and whole documents
(title + body) by word and bigram BM25. Each signal's candidate list is rescaled as fusion.zscale does —
(s − lowest) / standard deviation over that list, 0 for rows it did not retrieve — so the levels speak in
the same units. Then, for a candidate paragraph p in section S of document D:

    paragraph(p) = Σ w_signal × z_signal(p)   (× number of paragraph signals that retrieved p, if mnz)
    score(p)     = paragraph(p) + context × Σ_{q∈S} paragraph(q) / |S|
                   + section × mean_z(S) + document × mean_z(D)

— priors from the larger units: the section's own paragraph evidence (every signal, dense included;
paragraphs that no signal retrieved count 0, so a section where many paragraphs match rises) and
BM25F-like level scores (the paragraph's words count, and so do the words of the text around it),
with the mean over a level's signals, so each level is on the z scale. The document
unit ranks D by max_p∈D [paragraph(p) + section × mean_z(S)] + document_unit × mean_z(D): a document is
as good as its best passage plus what the whole text says. A document or section that a level retrieves
but whose paragraphs no paragraph signal did enters through its best paragraph by bigram BM25.

The knobs (Blend) were chosen on the tuning halves of four evaluation sets by the worst margin over the
best single signal (README 检索融合, `gongwen eval --tune`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from assistant.search.fusion import STD_FLOOR, zscale

PARA_SIGNALS = ("bm25_words", "bm25_bigrams", "dense")
LEVEL_SIGNALS = ("bm25_words", "bm25_bigrams")  # section and document levels
SECTION_DEPTH = 2


@dataclass(frozen=True)
class Blend:
    """How the levels combine; `dense` is the dense share of the paragraph weights (the rest is split
    equally between word and bigram BM25)."""

    # Defaults chosen on the tuning halves of the four evaluation sets (worst margin over the best single
    # signal, `gongwen eval --tune`); section-level BM25 got weight 0 there, so it is not built (level_index).
    dense: float = 0.8
    section: float = 0.0
    document: float = 0.0
    document_unit: float = 2.0
    mnz: bool = True
    context: float = 0.25  # weight of the section's paragraph evidence (Σ paragraph part in the section / its size)
    role: float = 0.5  # relative boost of paragraphs whose role the query names (下一步打算 …)

    def para_weights(self) -> dict[str, float]:
        lexical = (1.0 - self.dense) / 2
        return {"bm25_words": lexical, "bm25_bigrams": lexical, "dense": self.dense}

    def with_(self, **changes) -> "Blend":
        return replace(self, **{k: v for k, v in changes.items() if k in self.__dataclass_fields__})


@dataclass(frozen=True)
class Groups:
    """Row → section and row → document group; rows of a group are contiguous (start offsets)."""

    sec_of: np.ndarray
    doc_of: np.ndarray
    sec_start: np.ndarray  # len = sections + 1
    doc_start: np.ndarray  # len = documents + 1


def run_ids(keys: list) -> np.ndarray:
    """A new id each time the key differs from the previous row's (contiguous runs)."""
    out = np.zeros(len(keys), dtype=np.int32)
    current = -1
    last = object()
    for i, key in enumerate(keys):
        if key != last:
            current += 1
            last = key
        out[i] = current
    return out


def groups_from_ids(sec_of: np.ndarray, doc_of: np.ndarray) -> Groups:
    def starts(ids: np.ndarray) -> np.ndarray:
        count = int(ids[-1]) + 1 if len(ids) else 0
        return np.searchsorted(ids, np.arange(count + 1)).astype(np.int64)
    return Groups(sec_of, doc_of, starts(sec_of), starts(doc_of))


@dataclass(frozen=True)
class Candidates:
    """One query's candidate rows with their evidence at every level (what ranking needs)."""

    rows: np.ndarray                 # candidate rows, ascending
    para: Mapping[str, np.ndarray]   # z-scaled paragraph signal per row (0 where not retrieved)
    hits: np.ndarray                 # paragraph signals that retrieved the row
    section: np.ndarray              # mean z of the row's section over LEVEL_SIGNALS
    document: np.ndarray             # mean z of the row's document over LEVEL_SIGNALS
    doc: np.ndarray                  # document group of each row
    role: np.ndarray                 # 1.0 where the row's role is the one the query names
    sec: np.ndarray                  # section of each row
    sec_size: np.ndarray             # indexed rows in that section


def level_z(raw: Mapping[str, Mapping[int, float]], groups: np.ndarray, signals=LEVEL_SIGNALS) -> np.ndarray:
    """Mean over `signals` of the z-scaled group score, for each row's group."""
    total = np.zeros(len(groups), dtype=np.float64)
    for name in signals:
        z = zscale(raw.get(name, {}))
        if z:
            ids = np.fromiter(z.keys(), dtype=np.int64, count=len(z))
            lookup = dict(zip(ids.tolist(), z.values()))
            total += np.array([lookup.get(int(g), 0.0) for g in groups])
    return total / len(signals)


def gather(para_raw: Mapping[str, Mapping[int, float]], sec_raw: Mapping[str, Mapping[int, float]],
           doc_raw: Mapping[str, Mapping[int, float]], groups: Groups, extra_rows=(),
           role_mask: np.ndarray | None = None) -> Candidates:
    """Candidates of one query from each signal's {id: raw score} at each level.

    `extra_rows` are paragraphs that enter through their section or document (see representatives).
    """
    rows = set(extra_rows)
    for scores in para_raw.values():
        rows.update(scores)
    rows_arr = np.array(sorted(rows), dtype=np.int64)
    para, hits = {}, np.zeros(len(rows_arr), dtype=np.float64)
    for name, scores in para_raw.items():
        z = zscale(scores, STD_FLOOR.get(name, 0.0))
        para[name] = np.array([z.get(int(r), 0.0) for r in rows_arr], dtype=np.float64)
        hits += np.array([int(r) in scores for r in rows_arr], dtype=np.float64)
    sec = groups.sec_of[rows_arr] if len(rows_arr) else np.zeros(0, dtype=np.int64)
    doc = groups.doc_of[rows_arr] if len(rows_arr) else np.zeros(0, dtype=np.int64)
    role = role_mask[rows_arr].astype(np.float64) if role_mask is not None else np.zeros(len(rows_arr))
    size = (groups.sec_start[sec + 1] - groups.sec_start[sec]).astype(np.float64)
    return Candidates(rows_arr, para, hits, level_z(sec_raw, sec), level_z(doc_raw, doc), doc, role, sec, size)


def representatives(raw: Mapping[str, Mapping[int, float]], starts: np.ndarray, row_scores,
                    allowed: np.ndarray | None, limit: int = 20) -> list[int]:
    """Best row (by `row_scores`, among allowed rows) of the top `limit` groups of each signal.

    `row_scores`: an array over all rows, or a function rows → their scores (called once, so a
    backend that scores remotely answers in one request)."""
    spans = []
    for scores in raw.values():
        for group in sorted(scores, key=lambda g: -scores[g])[:limit]:
            lo, hi = int(starts[group]), int(starts[group + 1])
            if hi > lo:
                spans.append((lo, hi))
    if not spans:
        return []
    rows = np.concatenate([np.arange(lo, hi) for lo, hi in spans])
    if allowed is not None:
        rows = rows[allowed[rows]]
    if len(rows) == 0:
        return []
    unique = np.unique(rows)
    values = row_scores(unique) if callable(row_scores) else np.asarray(row_scores)[unique]
    lookup = dict(zip(unique.tolist(), np.asarray(values, dtype=np.float64).tolist()))
    out = []
    for lo, hi in spans:
        span = [(lookup[r], -r) for r in range(lo, hi) if r in lookup]
        if span:
            out.append(-max(span)[1])
    return out


def paragraph_part(c: Candidates, blend: Blend, weights: Mapping[str, float] | None = None) -> np.ndarray:
    weights = weights or blend.para_weights()
    total = sum(weights.get(name, 0.0) for name in c.para) or 1.0
    out = np.zeros(len(c.rows), dtype=np.float64)
    for name, z in c.para.items():
        out += weights.get(name, 0.0) / total * z
    if blend.mnz:
        out *= c.hits
    return out


def section_context(c: Candidates, part: np.ndarray) -> np.ndarray:
    """Σ paragraph part of the candidate rows in each row's section ÷ the section's indexed rows."""
    if len(part) == 0:
        return part
    ids, inverse = np.unique(c.sec, return_inverse=True)
    sums = np.bincount(inverse, weights=part, minlength=len(ids))
    return sums[inverse] / np.maximum(c.sec_size, 1.0)


def row_scores(c: Candidates, blend: Blend, weights=None, document: float | None = None) -> np.ndarray:
    """Final score of every candidate row (paragraph unit)."""
    document = blend.document if document is None else document
    part = paragraph_part(c, blend, weights)
    out = part + blend.section * c.section + document * c.document
    if blend.context:
        out = out + blend.context * section_context(c, part)
    return out * (1.0 + blend.role * c.role)


def rank_rows(c: Candidates, blend: Blend, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """(rows best first, their scores); ties by row."""
    scores = row_scores(c, blend, weights)
    order = np.lexsort((c.rows, -scores))
    return c.rows[order], scores[order]


def rank_docs(c: Candidates, blend: Blend, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document groups best first, their scores, best row of each)."""
    if len(c.rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    base = row_scores(c, blend, weights, document=0.0)  # paragraph + section evidence
    order = np.lexsort((c.rows, -base, c.doc))  # by document, best row first
    first = np.ones(len(order), dtype=bool)
    first[1:] = c.doc[order][1:] != c.doc[order][:-1]
    best = order[first]
    scores = base[best] + blend.document_unit * c.document[best]
    ranked = np.lexsort((c.rows[best], -scores))
    return c.doc[best][ranked], scores[ranked], c.rows[best][ranked]
