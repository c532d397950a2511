"""Retrieval evaluation: build the two evaluation sets, index them, score every signal.

Sets:
1. CMRC 2018 dev — question → the passage it was asked about (judged per document:
   a passage longer than one paragraph is split, any of its paragraphs counts).
2. Heading → section — from national and provincial government work reports: the query is
   a level-2 heading, relevant are the body paragraphs under it (headings are never indexed).
   Scored twice: searching only the heading's own report (`report`, the headline number) and
   searching all 83 reports (`corpus`). Corpus-wide the judgements are incomplete: 52 national
   reports over 70 years and 31 provincial reports of the same year treat the same topics under
   near-identical headings, so most top hits are on-topic paragraphs of *another* report, judged
   not relevant (word BM25 puts the right report first at report-level MRR@10 0.19 on the dev half;
   every signal scores MRR@10 < 0.1).
   Within the report the question is well posed — which of this report's sections does the
   heading head — though still hard: a report's review of last year and its plan for this year
   treat the same topics in different sections.

Metrics: MRR@10, Recall@1, Recall@10, nDCG@10. Fusion weights are tuned on the even-numbered
queries and reported on the odd-numbered ones, so the reported numbers are held out.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.ingest.structure import parse_raw
from assistant.models import RawDocument

MODES = ("bm25_words", "bm25_bigrams", "dense", "hybrid")


@dataclass(frozen=True)
class EvalSet:
    name: str
    corpus: Path  # a .jsonl corpus file
    queries: list[tuple[str, str, frozenset[str]]]  # (qid, query, relevant ids)
    unit: str  # "doc" (relevant ids are doc ids) or "para" (para ids)
    # "corpus": search the whole index; "report": only the document named before ":" in the qid.
    scopes: tuple[str, ...] = ("corpus",)


def cmrc_set(shared: Path, out: Path, limit: int | None = None) -> EvalSet:
    data = json.loads((shared / "data/retrieval/cmrc2018/cmrc2018_dev.squad.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "cmrc_dev.jsonl"
    lines, queries = [], []
    for article in data["data"]:
        for para in article["paragraphs"]:
            lines.append(json.dumps({"id": para["id"], "title": para["id"], "text": para["context"]}, ensure_ascii=False))
            queries += [(qa["id"], qa["question"], frozenset([para["id"]])) for qa in para["qas"]]
    corpus.write_text("\n".join(lines), encoding="utf-8")
    return EvalSet("CMRC2018-dev", corpus, _sample(queries, limit), "doc")


def heading_set(shared: Path, out: Path, limit: int | None = None, reports: int | None = None) -> EvalSet:
    """Level-2 heading → its section's body paragraphs, over national + provincial reports
    (the first `reports` of them if given)."""
    out.mkdir(parents=True, exist_ok=True)
    records = list(_report_records(shared))[:reports]
    corpus = out / "reports.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    queries = []
    for record in records:
        doc = parse_raw(RawDocument(record["id"], str(corpus), record["text"], title=record["title"]))
        sections: dict[tuple[str, ...], list[str]] = {}
        for p in doc.paragraphs:
            if not p.is_heading:
                for depth in range(1, len(p.heading_path) + 1):
                    sections.setdefault(p.heading_path[:depth], []).append(f"{doc.doc_id}#{p.index}")
        for p in doc.paragraphs:
            path = p.heading_path + (p.text,)
            if p.is_heading and p.level == 2 and len(p.text) >= 4 and sections.get(path):
                queries.append((f"{doc.doc_id}:{p.index}", p.text, frozenset(sections[path])))
    return EvalSet("heading→section（本报告内检索；“全库”行：在全部报告中检索）", corpus, _sample(queries, limit),
                   "para", ("report", "corpus"))


def _report_records(shared: Path):
    root = shared / "data/corpora"
    for line in (root / "gov_work_reports_wikisource/government_work_reports.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("year"):
            yield {"id": f"gov-{item['year']}", "title": item["title"], "text": item["content"]}
    csv.field_size_limit(1 << 30)
    for path in sorted((root / "provincial_gov_reports_2026/output/2026_raw_text").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if (row.get("full_text") or "").strip():
                    province = row.get("province") or path.stem
                    yield {"id": f"prov-{province}", "title": row.get("title") or f"{province}政府工作报告",
                           "text": row["full_text"]}


def _sample(queries, limit):
    if not limit or len(queries) <= limit:
        return queries
    return sorted(random.Random(13).sample(queries, limit))


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


def collect_signals(index, queries, scope: str = "corpus") -> list[dict]:
    """Per-signal candidates for every query, computed once (fusion variants reuse them).

    scope "report" restricts every signal to the query's own document (qid "doc_id:…"), through
    the engine's filtered search path (BM25 with an allowed mask, FAISS with an id selector).
    """
    if scope == "corpus":
        return [index.signal_scores(query) for _qid, query, _rel in queries]
    from assistant.search.engine import SIGNALS
    from assistant.search.query import parse_query

    internal = {doc_id: n for n, doc_id in index.sql("SELECT id, doc_id FROM documents")}
    out = []
    for qid, query, _rel in queries:
        q = parse_query(query)
        mask = index.doc_of == internal[qid.split(":")[0]]
        phrases = index._mask(None, q)  # quoted phrases in a heading still have to match
        out.append(index._signals(q, mask if phrases is None else mask & phrases, SIGNALS))
    return out


def ranked_keys(eval_set: EvalSet, ids: list[tuple[str, str]], fused: dict[int, float]) -> list[str]:
    rows = sorted(fused, key=lambda r: (-fused[r], r))[:50]
    return list(dict.fromkeys(ids[r][0] if eval_set.unit == "doc" else ids[r][1] for r in rows))


def per_query(eval_set: EvalSet, ids, queries, candidates, signals, weights=None, method=None,
              sections=None) -> list[dict]:
    """Metrics of each query for one retrieval mode, from precomputed candidates.

    `sections` = (section_of, section_size, weight) adds the engine's section context.
    """
    from assistant.search import fusion

    out = []
    for (_qid, _query, relevant), per_signal in zip(queries, candidates):
        chosen = {name: per_signal[name] for name in signals}
        if len(signals) > 1:
            fused = fusion.fuse(chosen, weights, method)
        elif sections is not None:  # one signal with section context: scaled as fusion scales it
            fused = fusion.fuse(chosen, {signals[0]: 1.0}, "zsum")
        else:
            fused = dict(chosen[signals[0]])
        if sections is not None:
            fused = fusion.section_context(fused, *sections)[0]
        out.append(metrics(ranked_keys(eval_set, ids, fused), relevant))
    return out


def mean(rows: list[dict]) -> dict[str, float]:
    return {name: round(sum(r[name] for r in rows) / max(len(rows), 1), 4) for name in (rows[0] if rows else {})}


def score_mode(eval_set: EvalSet, ids: list[tuple[str, str]], queries, candidates, signals,
               weights=None, method=None, sections=None) -> dict[str, float]:
    """Mean metrics of one retrieval mode over the queries, from precomputed candidates."""
    return mean(per_query(eval_set, ids, queries, candidates, signals, weights, method, sections))


def margin_ci(fused: list[float], best: list[float], rounds: int = 2000, seed: int = 13) -> list[float]:
    """95 % paired-bootstrap interval of mean(fused − best) over queries."""
    import numpy as np

    diff = np.asarray(fused) - np.asarray(best)
    if len(diff) == 0:
        return [0.0, 0.0]
    picks = np.random.default_rng(seed).integers(0, len(diff), (rounds, len(diff)))
    means = diff[picks].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


WEIGHT_GRID = [dict(zip(("bm25_words", "bm25_bigrams", "dense"), (a / 10, b / 10, (10 - a - b) / 10)))
               for a in range(0, 11) for b in range(0, 11 - a)]


def tune_weights(eval_set, ids, dev, candidates, method=None, sections=None) -> tuple[dict, float]:
    """Grid search (step 0.1 on the simplex) of fusion weights by MRR@10 on the dev queries."""
    best, best_score = None, -1.0
    for weights in WEIGHT_GRID:
        score = score_mode(eval_set, ids, dev, candidates, SIGNALS, weights, method, sections)["MRR@10"]
        if score > best_score:
            best, best_score = weights, score
    return best, best_score


SIGNALS = ("bm25_words", "bm25_bigrams", "dense")
OLD_DEFAULT = {"bm25_words": 0.2, "bm25_bigrams": 0.4, "dense": 0.4}  # min–max weights before the z-score default


def evaluate(eval_set: EvalSet, index_dir: Path, settings: Settings, tune: bool = False, progress=None) -> dict:
    """Index the set's corpus (incremental) and score every mode on the held-out queries.

    The first scope gives `modes`; further scopes add their modes with a suffix (" 全库").
    `margins` are fused-default minus the best single signal per metric, each with a 95 % paired
    bootstrap interval.
    """
    from assistant.search.engine import open_index
    from assistant.search.ingest import ingest

    local = settings.with_(index_dir=index_dir)
    ingest([eval_set.corpus], local, progress=progress)
    index = open_index(index_dir, local)
    ids = index.row_ids()
    dev, test = eval_set.queries[0::2], eval_set.queries[1::2]
    result = {"set": eval_set.name, "queries_test": len(test), "queries_dev": len(dev), "modes": {},
              "margins": {}, "scopes": list(eval_set.scopes)}
    weights = index.settings.fusion or None
    for n, scope in enumerate(eval_set.scopes):
        suffix = "" if n == 0 else (" 全库" if scope == "corpus" else f" {scope}")
        test_c = collect_signals(index, test, scope)
        sections = (index.section_of, index.section_size, index.section_weight(weights))
        rows = {mode: per_query(eval_set, ids, test, test_c, SIGNALS if mode == "hybrid" else (mode,), weights,
                                sections=sections if mode == "hybrid" else None)
                for mode in MODES}
        for mode in MODES:
            result["modes"][mode + suffix] = mean(rows[mode])
        # the two parts of the default apart: fusion without section context, dense with it
        result["modes"]["hybrid-无章节" + suffix] = score_mode(eval_set, ids, test, test_c, SIGNALS, weights)
        result["modes"]["dense+章节" + suffix] = score_mode(eval_set, ids, test, test_c, ("dense",),
                                                           sections=sections)
        result["modes"]["hybrid-minmax" + suffix] = score_mode(eval_set, ids, test, test_c, SIGNALS, OLD_DEFAULT, "minmax")
        result["modes"]["hybrid-rrf" + suffix] = score_mode(eval_set, ids, test, test_c, SIGNALS,
                                                            {"bm25_words": 1, "bm25_bigrams": 1, "dense": 1}, "rrf")
        singles = {mode: result["modes"][mode + suffix] for mode in SIGNALS}
        best = max(SIGNALS, key=lambda m: singles[m]["MRR@10"])
        margins = {name: round(result["modes"]["hybrid" + suffix][name] - max(s[name] for s in singles.values()), 4)
                   for name in singles[best]}
        margins["best_single_by_MRR"] = best
        for name in singles[best]:  # interval against the best single signal of that metric
            top = max(SIGNALS, key=lambda m: singles[m][name])
            margins[f"{name}_ci95"] = margin_ci([r[name] for r in rows["hybrid"]], [r[name] for r in rows[top]])
        result["margins"][scope] = margins
        if tune:
            dev_c = collect_signals(index, dev, scope)
            tuned, dev_score = tune_weights(eval_set, ids, dev, dev_c, sections=sections)
            result.setdefault("tuned", {})[scope] = {"weights": tuned, "dev_MRR@10": round(dev_score, 4)}
            result["modes"]["hybrid-tuned" + suffix] = score_mode(eval_set, ids, test, test_c, SIGNALS, tuned,
                                                                  sections=sections)
    if tune:  # what the CLI prints
        first = result["tuned"][eval_set.scopes[0]]
        result["tuned_weights"], result["tuned_dev_MRR@10"] = first["weights"], first["dev_MRR@10"]
    return result
