"""`gongwen eval`'s engine on a small real slice: four government work reports, the real model.

The full sets take minutes to index (README 检索融合 has their numbers); this checks the
machinery those numbers come from: query construction, the report scope, every mode, and
margins with their bootstrap intervals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest.structure import parse_raw
from assistant.models import RawDocument
from assistant.search import evaluate as ev

SHARED = Path(__file__).resolve().parents[2] / "shared"
METRICS = ("MRR@10", "R@1", "R@10", "nDCG@10")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    eval_set = ev.heading_set(SHARED, out / "headings", reports=4)
    result = ev.evaluate(eval_set, out / "headings" / "index", Settings(index_dir=out / "headings" / "index"))
    return eval_set, result


def test_heading_queries_are_level2_headings_with_their_section_bodies(evaluated):
    eval_set, _ = evaluated
    assert len(eval_set.queries) >= 12 and eval_set.scopes == ("report", "corpus")
    records = {r["id"]: r for r in ev._report_records(SHARED)}
    for qid, query, relevant in eval_set.queries:
        doc_id, index = qid.split(":")
        doc = parse_raw(RawDocument(doc_id, "x", records[doc_id]["text"], title=records[doc_id]["title"]))
        heading = doc.paragraphs[int(index)]
        assert heading.is_heading and heading.level == 2 and heading.text == query
        body = {f"{doc_id}#{p.index}" for p in doc.paragraphs
                if not p.is_heading and p.heading_path[:len(heading.heading_path) + 1] == heading.heading_path + (query,)}
        assert relevant == body and relevant  # every body paragraph under the heading, and nothing else


def test_every_mode_and_margin_is_reported_consistently(evaluated):
    _, result = evaluated
    for suffix in ("", " 全库"):
        for mode in ("bm25_words", "bm25_bigrams", "dense", "hybrid", "hybrid-无章节", "dense+章节", "hybrid-rrf"):
            m = result["modes"][mode + suffix]
            assert set(m) == set(METRICS) and all(0.0 <= v <= 1.0 for v in m.values())
            assert m["R@1"] <= m["R@10"] + 1e-9 and m["R@1"] <= m["MRR@10"] + 1e-9
    for scope, suffix in (("report", ""), ("corpus", " 全库")):
        margins = result["margins"][scope]
        for name in METRICS:
            best = max(result["modes"][s + suffix][name] for s in ("bm25_words", "bm25_bigrams", "dense"))
            assert margins[name] == pytest.approx(result["modes"]["hybrid" + suffix][name] - best, abs=2e-4)
            low, high = margins[f"{name}_ci95"]
            assert low - 1e-4 <= margins[name] <= high + 1e-4


def test_report_scope_is_easier_than_the_whole_corpus_and_signals_really_rank(evaluated):
    """Within its own report a heading competes with a quarter of the paragraphs here; real retrieval must show it."""
    _, result = evaluated
    modes = result["modes"]
    assert modes["dense"]["MRR@10"] > 0.3  # 0.56 on the full set; random order would give ~0.1
    assert modes["dense"]["MRR@10"] >= modes["dense 全库"]["MRR@10"]
    assert modes["hybrid"]["R@10"] >= modes["hybrid 全库"]["R@10"]
