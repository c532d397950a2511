"""Retrieval evaluation over the four sets of assistant.search.evalsets.

For each set the corpus is indexed (incrementally, under the work folder), every query's evidence is
collected once (`prepare`), and every mode is ranked from it: each single signal, RRF, equal-weight
fusion and the default three-level blend. Queries at even positions tune, odd positions test. `tune`
chooses the Blend on the tuning halves by the WORST margin over the best single signal across the sets
(never the mean); `report` scores the test halves, with 95 % paired-bootstrap intervals for every
margin. Metrics: MRR@10, R@1, R@10, nDCG@10, judged at the set's unit (document, paragraph or article).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.search import fusion, levels
from assistant.search.evalsets import BUILDERS, EvalSet, article_keys  # noqa: F401  (re-exported)

SIGNALS = levels.PARA_SIGNALS
DOC_SIGNALS = ("文件级词", "文件级二元组")  # document-level BM25 as single signals (document-unit sets)
_DOC_SIGNAL_OF = {"文件级词": "bm25_words", "文件级二元组": "bm25_bigrams"}
BASELINES = ("RRF", "RRF(词+向量)", "等权融合", "旧默认")
DEFAULT = "默认"
OLD_DEFAULT = {"bm25_words": 0.0, "bm25_bigrams": 0.2, "dense": 0.8}  # last round's zmnz weights


@dataclass
class Query:
    qid: str
    relevant: frozenset
    signals: dict            # raw paragraph signal scores {signal: {row: score}}
    doc_raw: dict            # raw document-level scores {signal: {doc group: score}}
    cands: levels.Candidates


@dataclass
class Prepared:
    eval_set: EvalSet
    scope: str
    keys: list[str]          # judged key of each row
    doc_keys: list[str]      # judged key of each document group
    tune: list[Query]
    test: list[Query]

    @property
    def name(self) -> str:
        return self.eval_set.name + ("" if self.scope == self.eval_set.scopes[0] else " 全库")


def metrics(ranked: list[str], relevant: frozenset[str], k: int = 10) -> dict[str, float]:
    """MRR@k, Recall@1, Recall@k, nDCG@k (binary gains) for one query."""
    top = ranked[:k]
    first = next((i for i, r in enumerate(top) if r in relevant), None)
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(top) if r in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return {
        "MRR@10": 0.0 if first is None else 1 / (first + 1),
        "R@1": len(set(top[:1]) & relevant) / min(len(relevant), 1),
        "R@10": len(set(top) & relevant) / len(relevant),
        "nDCG@10": dcg / ideal if ideal else 0.0,
    }


def mean(rows: list[dict]) -> dict[str, float]:
    return {name: round(sum(r[name] for r in rows) / max(len(rows), 1), 4) for name in (rows[0] if rows else {})}


def margin_ci(fused: list[float], best: list[float], rounds: int = 2000, seed: int = 13) -> list[float]:
    """95 % paired-bootstrap interval of mean(fused − best) over queries."""
    diff = np.asarray(fused) - np.asarray(best)
    if len(diff) == 0:
        return [0.0, 0.0]
    picks = np.random.default_rng(seed).integers(0, len(diff), (rounds, len(diff)))
    means = diff[picks].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


# ---- collecting evidence ---------------------------------------------------------------------------
def prepare(eval_set: EvalSet, index_dir: Path, settings: Settings, progress=None) -> list[Prepared]:
    """Index the set's corpus and collect every query's evidence, once per scope."""
    from assistant.search.engine import open_index
    from assistant.search.ingest import ingest

    local = settings.with_(index_dir=index_dir)
    ingest([eval_set.corpus], local, progress=progress)
    index = open_index(index_dir, local)
    ids = index.row_ids()
    if eval_set.unit == "article":
        keys = article_keys([str(p) for p in index.path_of], index.row_texts())
    else:
        keys = [doc if eval_set.unit == "doc" else para for doc, para in ids]
    doc_keys = [keys[int(s)] for s in index.groups.doc_start[:-1]]
    out = []
    for scope in eval_set.scopes:
        tune, test = (collect(index, eval_set.queries[part::2], scope) for part in (0, 1))
        out.append(Prepared(eval_set, scope, keys, doc_keys, tune, test))
    return out


def collect(index, queries, scope: str = "corpus") -> list[Query]:
    """Evidence of each query; scope "report" restricts it to the document named before ':' in the qid."""
    from assistant.search.query import parse_query

    everything = levels.Blend(section=1.0, document=1.0)
    parsed = [parse_query(query) for _qid, query, _rel in queries]
    # one batched encode instead of one model call per query (same vectors up to float rounding)
    vectors = index.embedder.encode([q.text for q in parsed]) if parsed else []
    doc_rows: dict[str, np.ndarray] = {}
    if scope == "report":
        for doc_id in {qid.split(":")[0] for qid, _query, _rel in queries}:
            found = index.document(doc_id)
            doc_rows[doc_id] = index.doc_of == found[0]["id"] if found else np.zeros(index.n, dtype=bool)
    out = []
    for (qid, query, relevant), q, vector in zip(queries, parsed, vectors):
        if not q.text:
            continue
        scoped = index.scope(None, q, doc_rows[qid.split(":")[0]] if scope == "report" else None)
        signals, bigram_scores = index._signals(q, scoped, SIGNALS, vector)
        cands = index.candidates(q, scoped, signals, bigram_scores, everything, "document")
        doc_raw = index.document_levels(q, scoped)
        out.append(Query(qid, relevant, signals, doc_raw, cands))
    return out


# ---- ranking each mode -----------------------------------------------------------------------------
def _keys(rows, keys: list[str], k: int = 10) -> list[str]:
    out: list[str] = []
    for r in rows:
        key = keys[int(r)]
        if key and key not in out:
            out.append(key)
            if len(out) == k:
                break
    return out


def _sorted(scores: dict) -> list[int]:
    return sorted(scores, key=lambda r: (-scores[r], r))


def ranked(p: Prepared, q: Query, mode: str, blend: levels.Blend) -> list[str]:
    """Judged keys, best first, of one mode for one query."""
    if mode in SIGNALS:
        return _keys(_sorted(q.signals[mode]), p.keys)
    if mode in DOC_SIGNALS:
        return _keys(_sorted(q.doc_raw[_DOC_SIGNAL_OF[mode]]), p.doc_keys)
    if mode == "RRF":
        return _keys(_sorted(fusion.rrf(q.signals, {s: 1.0 for s in SIGNALS})), p.keys)
    if mode == "RRF(词+向量)":
        return _keys(_sorted(fusion.rrf(q.signals, {"bm25_words": 1.0, "dense": 1.0, "bm25_bigrams": 0.0})), p.keys)
    if mode == "等权融合":
        return _keys(_sorted(fusion.fuse(q.signals, {s: 1.0 for s in SIGNALS}, "zsum")), p.keys)
    if mode == "旧默认":
        return _keys(_sorted(fusion.fuse(q.signals, OLD_DEFAULT, "zmnz")), p.keys)
    if p.eval_set.unit == "doc":
        _docs, _scores, best = levels.rank_docs(q.cands, blend)
        return _keys(best, p.keys)
    rows, _scores = levels.rank_rows(q.cands, blend)
    return _keys(rows, p.keys)


def single_modes(p: Prepared) -> tuple[str, ...]:
    return SIGNALS + (DOC_SIGNALS if p.eval_set.unit == "doc" else ())


def per_query(p: Prepared, queries: list[Query], mode: str, blend: levels.Blend) -> list[dict]:
    return [metrics(ranked(p, q, mode, blend), q.relevant) for q in queries]


# ---- tuning and reporting --------------------------------------------------------------------------
# A first run over dense (0.2…0.8), section and document (0…1), document_unit (0.5…2) and mnz (on/off), without
# the context term, chose dense 0.8, section 0.25, document 0, document_unit 2, mnz on (README 检索融合); this grid
# adds the context term around that point.
GRID = {"dense": (0.5, 0.65, 0.8), "section": (0.0, 0.25, 0.5), "document": (0.0, 0.25, 0.5),
        "document_unit": (1.0, 2.0), "mnz": (True,), "context": (0.0, 0.25, 0.5, 1.0)}


def tune(prepared: list[Prepared], metric: str = "MRR@10", progress=None) -> tuple[levels.Blend, dict]:
    """The Blend whose worst margin (tuning halves, `metric`) over each set's best single signal is largest."""
    best_single = {p.name: max(mean(per_query(p, p.tune, m, levels.Blend()))[metric] for m in single_modes(p))
                   for p in prepared}
    choices = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    best, best_worst, margins_of_best = None, -math.inf, {}
    for n, values in enumerate(choices, 1):
        blend = levels.Blend(**values)
        margins = {p.name: mean(per_query(p, p.tune, DEFAULT, blend))[metric] - best_single[p.name] for p in prepared}
        worst = min(margins.values())
        if worst > best_worst + 1e-9:
            best, best_worst, margins_of_best = blend, worst, margins
        if progress:
            progress("调参", n, len(choices))
    return best, {"worst_tuning_margin": round(best_worst, 4),
                  "tuning_margins": {k: round(v, 4) for k, v in margins_of_best.items()}}


def report(p: Prepared, blend: levels.Blend, extra: dict[str, levels.Blend] | None = None) -> dict:
    """Test-half metrics of every mode, and the default's margins over the best single signal and RRF."""
    modes = single_modes(p) + BASELINES + (DEFAULT,) + tuple(extra or {})
    rows = {m: per_query(p, p.test, m, (extra or {}).get(m, blend)) for m in modes}
    result = {"set": p.name, "unit": p.eval_set.unit, "queries_test": len(p.test), "queries_tune": len(p.tune),
              "modes": {m: mean(r) for m, r in rows.items()}, "margins": {}}
    singles = single_modes(p)
    for metric in ("MRR@10", "R@1", "R@10", "nDCG@10"):
        top = max(singles, key=lambda m: result["modes"][m][metric])
        rrf = max(("RRF", "RRF(词+向量)"), key=lambda m: result["modes"][m][metric])
        d = [r[metric] for r in rows[DEFAULT]]
        result["margins"][metric] = {
            "best_single": top, "vs_best_single": round(result["modes"][DEFAULT][metric] - result["modes"][top][metric], 4),
            "ci95": margin_ci(d, [r[metric] for r in rows[top]]),
            "best_rrf": rrf, "vs_rrf": round(result["modes"][DEFAULT][metric] - result["modes"][rrf][metric], 4),
            "rrf_ci95": margin_ci(d, [r[metric] for r in rows[rrf]]),
        }
    return result
