"""`gongwen eval`'s machinery on a small real slice (four government work reports, the real model),
and the construction of the four evaluation sets (no model needed).

The full sets take many minutes to index (README 检索融合 has their numbers); this checks what those
numbers come from: query construction and labels, the report scope, every mode, the margins with their
bootstrap intervals, and worst-case tuning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest.pipeline import parse_file
from assistant.ingest.structure import parse_raw
from assistant.models import RawDocument
from assistant.search import evalsets
from assistant.search import evaluate as ev
from assistant.search.levels import Blend

SHARED = Path(__file__).resolve().parents[2] / "shared"
METRICS = ("MRR@10", "R@1", "R@10", "nDCG@10")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    eval_set = evalsets.heading_set(SHARED, out / "headings", reports=4)
    return eval_set, ev.prepare(eval_set, out / "headings" / "index", Settings(index_dir=out / "headings" / "index"))


def test_heading_queries_are_level2_headings_with_their_section_bodies(prepared):
    eval_set, _ = prepared
    assert len(eval_set.queries) >= 12 and eval_set.scopes == ("report", "corpus")
    records = {r["id"]: r for r in evalsets.report_records(SHARED)}
    for qid, query, relevant in eval_set.queries:
        doc_id, index = qid.split(":")
        doc = parse_raw(RawDocument(doc_id, "x", records[doc_id]["text"], title=records[doc_id]["title"]))
        heading = doc.paragraphs[int(index)]
        assert heading.is_heading and heading.level == 2 and heading.text == query
        body = {f"{doc_id}#{p.index}" for p in doc.paragraphs
                if not p.is_heading and p.heading_path[:len(heading.heading_path) + 1] == heading.heading_path + (query,)}
        assert relevant == body and relevant  # every body paragraph under the heading, and nothing else


def test_every_mode_and_margin_is_reported_consistently(prepared):
    _, scopes = prepared
    assert [p.scope for p in scopes] == ["report", "corpus"]
    for p in scopes:
        assert len(p.tune) + len(p.test) >= 12 and abs(len(p.tune) - len(p.test)) <= 1
        result = ev.report(p, Blend())
        assert set(result["modes"]) == set(ev.SIGNALS + ev.BASELINES + (ev.DEFAULT,))
        for m in result["modes"].values():
            assert set(m) == set(METRICS) and all(0.0 <= v <= 1.0 for v in m.values())
            assert m["R@1"] <= m["R@10"] + 1e-9 and m["R@1"] <= m["MRR@10"] + 1e-9
        for name in METRICS:
            margin = result["margins"][name]
            best = max(result["modes"][s][name] for s in ev.SIGNALS)
            assert margin["vs_best_single"] == pytest.approx(result["modes"][ev.DEFAULT][name] - best, abs=2e-4)
            low, high = margin["ci95"]
            assert low - 1e-4 <= margin["vs_best_single"] <= high + 1e-4
            low, high = margin["rrf_ci95"]
            assert low - 1e-4 <= margin["vs_rrf"] <= high + 1e-4


def test_report_scope_is_easier_than_the_whole_corpus_and_signals_really_rank(prepared):
    """Within its own report a heading competes with a quarter of the paragraphs here; real retrieval must show it."""
    _, (report_scope, corpus_scope) = prepared
    within, across = ev.report(report_scope, Blend())["modes"], ev.report(corpus_scope, Blend())["modes"]
    assert within["dense"]["MRR@10"] > 0.3  # 0.56 on the full set; random order would give ~0.1
    assert within["dense"]["MRR@10"] >= across["dense"]["MRR@10"]
    assert within[ev.DEFAULT]["R@10"] >= across[ev.DEFAULT]["R@10"]


def test_tuning_maximises_the_worst_margin_over_sets(prepared, monkeypatch):
    _, scopes = prepared
    monkeypatch.setattr(ev, "GRID", {"dense": (0.2, 0.8), "section": (0.0, 1.0), "document": (0.0,),
                                     "document_unit": (1.0,), "mnz": (True,)})
    blend, info = ev.tune(scopes)
    assert blend.dense in (0.2, 0.8) and blend.section in (0.0, 1.0)
    worst = info["worst_tuning_margin"]
    assert worst == pytest.approx(min(info["tuning_margins"].values()), abs=1e-4)
    for dense in (0.2, 0.8):  # no other choice of the grid has a better worst case
        for section in (0.0, 1.0):
            other = Blend(dense=dense, section=section, document=0.0)
            margins = []
            for p in scopes:
                single = max(ev.mean(ev.per_query(p, p.tune, m, other))["MRR@10"] for m in ev.single_modes(p))
                margins.append(ev.mean(ev.per_query(p, p.tune, ev.DEFAULT, other))["MRR@10"] - single)
            assert min(margins) <= worst + 1e-4


def test_stard_labels_map_to_articles_of_the_included_laws(tmp_path):
    eval_set = evalsets.stard_set(SHARED, tmp_path, limit=200, budget=1500)
    assert eval_set.unit == "article" and len(eval_set.queries) > 20
    files = sorted(eval_set.corpus.glob("*.md"))
    paths, texts = [], []
    for path in files:
        for doc in parse_file(path):
            for p in doc.paragraphs:
                if not p.is_heading:
                    paths.append(str(path))
                    texts.append(p.text)
    keys = set(evalsets.article_keys(paths, texts))
    labels = {key for _qid, _q, relevant in eval_set.queries for key in relevant}
    assert labels <= keys  # every judged article exists in the indexed text
    assert all(":" in key and key.split(":")[1] for key in labels)
    assert evalsets.article_keys(["a/民法典-总则.md"] * 3, ["第一条 为了…", "前款规定…", "第二条 民法调整…"]) == \
        ["民法典:一", "民法典:一", "民法典:二"]


def test_policy_queries_are_title_cores_absent_from_the_indexed_text(tmp_path):
    import json

    assert evalsets.title_core("国务院关于加强节能工作的决定") == "加强节能工作"
    assert evalsets.title_core("国务院办公厅关于进一步加强煤矿安全生产工作的紧急通知") == "进一步加强煤矿安全生产工作"
    assert evalsets.title_core("国务院批转全国煤矸石综合利用经验交流会议纪要") == "全国煤矸石综合利用经验交流会议纪要"
    eval_set = evalsets.policy_set(SHARED, tmp_path, docs=60)
    records = {r["id"]: r for r in map(json.loads, eval_set.corpus.read_text(encoding="utf-8").splitlines())}
    assert len(records) == 60 and eval_set.unit == "doc" and len(eval_set.queries) >= 20
    for qid, query, relevant in eval_set.queries:
        (doc_id,) = relevant
        assert qid.startswith(doc_id) and query not in records[doc_id]["text"] and records[doc_id]["title"] == doc_id
