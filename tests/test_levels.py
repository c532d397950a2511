"""Evidence at three levels: the pure combination against hand values, level BM25 against rank_bm25."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.search import levels
from assistant.search.bm25 import BM25Index
from assistant.search.level_index import LevelIndex, build_levels

# Six rows: document 0 = rows 0-3 (section 0 = rows 0-1, section 1 = rows 2-3), document 1 = rows 4-5 (section 2).
SEC = np.array([0, 0, 1, 1, 2, 2])
DOC = np.array([0, 0, 0, 0, 1, 1])


def test_run_ids_and_group_starts():
    assert levels.run_ids([(0, ("a",)), (0, ("a",)), (0, ("b",)), (1, ())]).tolist() == [0, 0, 1, 2]
    assert levels.run_ids([]).tolist() == []
    groups = levels.groups_from_ids(SEC, DOC)
    assert groups.sec_start.tolist() == [0, 2, 4, 6] and groups.doc_start.tolist() == [0, 4, 6]


def test_gather_and_scores_hand_values():
    """zscale of {1: 3, 2: 1} is {1: 2, 2: 0} (population std 1); of {0: 4, 1: 2} → {0: 2, 1: 0}."""
    groups = levels.groups_from_ids(SEC, DOC)
    para = {"bm25_words": {1: 3.0, 2: 1.0}, "bm25_bigrams": {1: 3.0, 4: 1.0}, "dense": {}}
    sec = {"bm25_words": {1: 4.0, 2: 2.0}, "bm25_bigrams": {1: 4.0, 2: 2.0}}   # section 1 on top
    doc = {"bm25_words": {1: 4.0, 0: 2.0}, "bm25_bigrams": {}}                  # document 1 on top
    c = levels.gather(para, sec, doc, groups)
    assert c.rows.tolist() == [1, 2, 4]
    assert c.hits.tolist() == [2, 1, 1]
    assert c.section.tolist() == pytest.approx([0.0, 2.0, 0.0])  # mean over the two section signals
    assert c.document.tolist() == pytest.approx([0.0, 0.0, 1.0])  # one of two signals: 2 / 2
    blend = levels.Blend(dense=0.5, section=0.5, document=0.25, mnz=True, context=0.0)
    # paragraph part: weights .25/.25/.5 renormalised over all three signals present in `para`
    expected = [(0.25 * 2 + 0.25 * 2) * 2, 0.0 + 0.5 * 2.0, 0.0 + 0.25 * 1.0]
    assert levels.row_scores(c, blend).tolist() == pytest.approx(expected)
    rows, scores = levels.rank_rows(c, blend)
    assert rows.tolist() == [1, 2, 4] and scores.tolist() == pytest.approx(expected)
    # document unit: doc 0's best row (1: 2.0) vs doc 1 (0 + 1.0 × document evidence 1.0)
    docs, doc_scores, best = levels.rank_docs(c, blend.with_(document_unit=1.0))
    assert docs.tolist() == [0, 1] and best.tolist() == [1, 4] and doc_scores.tolist() == pytest.approx([2.0, 1.0])
    docs, doc_scores, _ = levels.rank_docs(c, blend.with_(document_unit=3.0))
    assert docs.tolist() == [1, 0] and doc_scores.tolist() == pytest.approx([3.0, 2.0])  # 3 × 1.0 > 2.0


def test_role_boost_and_no_mnz():
    groups = levels.groups_from_ids(SEC, DOC)
    c = levels.gather({"bm25_words": {0: 2.0, 3: 1.0}}, {}, {}, groups)
    plain = levels.Blend(mnz=False, section=0, document=0, context=0)
    assert levels.row_scores(c, plain).tolist() == pytest.approx([2.0, 0.0])
    from dataclasses import replace

    boosted = replace(c, role=np.array([0.0, 1.0]))
    assert levels.row_scores(boosted, plain.with_(role=0.5)).tolist() == pytest.approx([2.0, 0.0])
    c2 = levels.gather({"bm25_words": {0: 1.0, 3: 3.0, 5: 3.0}}, {}, {}, groups)
    c2 = replace(c2, role=np.array([0.0, 1.0, 0.0]))
    s = levels.row_scores(c2, plain.with_(role=0.5))
    assert s[1] == pytest.approx(1.5 * s[2]) and s[2] > 0  # same paragraph score, the named role wins


def test_representatives_pick_the_best_allowed_row_of_top_groups():
    starts = np.array([0, 4, 6])
    row_scores = np.array([0.1, 0.9, 0.5, 0.2, 0.0, 0.3], dtype=np.float32)
    assert levels.representatives({"x": {0: 1.0, 1: 2.0}}, starts, row_scores, None) == [5, 1]
    allowed = np.array([True, False, True, True, True, True])
    assert levels.representatives({"x": {0: 1.0}}, starts, row_scores, allowed) == [2]
    nothing = np.zeros(6, dtype=bool)
    assert levels.representatives({"x": {0: 1.0}}, starts, row_scores, nothing) == []


def test_level_bm25_equals_rank_bm25_on_concatenated_texts(tmp_path, monkeypatch):
    from assistant.search import level_index

    monkeypatch.setattr(level_index, "BUILD_SECTION_BM25", True)
    words = [["安全", "生产"], ["责任", "落实"], ["隐患", "排查"], ["安全", "隐患"], ["经济", "增长"], ["安全"]]
    bigrams = [["安全", "全生"], ["责任"], ["隐患"], ["安全"], ["经济"], ["安全"]]
    paths = [("一、总体",), ("一、总体",), ("二、任务", "（一）排查"), ("二、任务", "（一）排查"), (), ()]
    docs = [0, 0, 0, 0, 1, 1]
    build_levels(tmp_path, docs, paths, words, bigrams, {1: ["经济", "报告"]}, {}, 1.5, 0.75)
    index = LevelIndex(tmp_path, len(words))
    assert index.groups.sec_of.tolist() == [0, 0, 1, 1, 2, 2]
    sections = [words[0] + words[1], words[2] + words[3], words[4] + words[5]]
    documents = [words[0] + words[1] + words[2] + words[3], ["经济", "报告"] + words[4] + words[5]]
    for name, corpus in (("section_words", sections), ("document_words", documents)):
        oracle = BM25Okapi(corpus, k1=1.5, b=0.75)
        for query in (["安全"], ["隐患", "排查"], ["经济", "安全"]):
            assert index.bm25[name].scores(query) == pytest.approx(oracle.get_scores(query), rel=1e-5)
    found = index.search("section", ["经济"], ["经济"], 5, None)
    assert list(found["bm25_words"]) == [2] and list(found["bm25_bigrams"]) == [2]
    allowed_rows = np.array([0, 1])  # only section 0's rows allowed: section 2 cannot be a candidate
    assert index.search("section", ["经济"], [], 5, allowed_rows)["bm25_words"] == {}


def test_section_bm25_is_not_built_by_default_and_searches_empty(tmp_path):
    build_levels(tmp_path, [0, 0, 1], [("一、",), ("二、",), ()], [["a"], ["b"], ["c"]], [["a"], ["b"], ["c"]],
                 {}, {}, 1.5, 0.75)
    assert not (tmp_path / "levels" / "section_words").exists() and (tmp_path / "levels" / "document_words").is_dir()
    index = LevelIndex(tmp_path, 3)
    assert index.search("section", ["a"], ["a"], 5, None) == {}
    assert index.groups.sec_of.tolist() == [0, 1, 2]  # the groups are still there for the context term


def test_missing_or_inconsistent_levels_are_refused_in_chinese(tmp_path):
    from assistant.search.bm25 import BM25IndexError

    with pytest.raises(BM25IndexError, match="章节/文件级"):
        LevelIndex(tmp_path, 3)
    build_levels(tmp_path, [0, 0], [(), ()], [["a"], ["b"]], [["a"], ["b"]], {}, {}, 1.5, 0.75)
    with pytest.raises(BM25IndexError, match="不一致"):
        LevelIndex(tmp_path, 5)
    assert isinstance(LevelIndex(tmp_path, 2).bm25["document_bigrams"], BM25Index)


def test_section_context_is_the_sections_paragraph_evidence_over_its_size():
    """Rows 0, 1 (section 0, 2 rows) and 4 (section 2, 2 rows) retrieved; row 5 not: it counts 0."""
    groups = levels.groups_from_ids(SEC, DOC)
    c = levels.gather({"bm25_words": {0: 3.0, 1: 1.0, 4: 1.0}}, {}, {}, groups)
    # zscale {0: 3, 1: 1, 4: 1}: std = 0.943, z = {0: 2.121, 1: 0, 4: 0}
    part = levels.paragraph_part(c, levels.Blend(mnz=False))
    assert levels.section_context(c, part).tolist() == pytest.approx([part[0] / 2, part[0] / 2, 0.0])
    plain = levels.Blend(mnz=False, section=0, document=0, context=0)
    with_context = levels.row_scores(c, plain.with_(context=1.0))
    assert with_context[1] > levels.row_scores(c, plain)[1]  # row 1 rises with its section-mate
    assert with_context[2] == pytest.approx(0.0)
