"""Fusion: pure functions checked against hand-computed values, and the fused default on real data.

Hand example used throughout (population std of two values 2 apart is 1):
    a = {1: 3.0, 2: 1.0}          min–max {1: 1, 2: 0}     zscale (s − min)/std {1: 2, 2: 0}
    b = {2: 4.0, 3: 2.0}          min–max {2: 1, 3: 0}     zscale               {2: 2, 3: 0}
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.search import fusion

A = {1: 3.0, 2: 1.0}
B = {2: 4.0, 3: 2.0}
W = {"a": 0.25, "b": 0.75}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def approx(d: dict) -> dict:
    return {k: pytest.approx(v) for k, v in d.items()}


def test_normalisers():
    assert fusion.minmax(A) == approx({1: 1.0, 2: 0.0})
    assert fusion.zscale(B) == approx({2: 2.0, 3: 0.0})
    assert fusion.zscale({5: 2.0, 6: 2.0}) == {5: 0.0, 6: 0.0}  # no spread: no information
    assert fusion.minmax({5: 2.0}) == {5: 1.0}
    assert fusion.zscale({}) == {} and fusion.minmax({}) == {}


def test_zscale_floor_keeps_a_flat_dense_list_flat():
    """Two cosines 0.005 apart: std 0.0025, divided by the 0.02 floor instead -> 0.25, not 2."""
    flat = {1: 0.8075, 2: 0.8025}
    assert fusion.zscale(flat) == approx({1: 2.0, 2: 0.0})
    assert fusion.zscale(flat, fusion.STD_FLOOR["dense"]) == approx({1: 0.25, 2: 0.0})
    fused = fusion.fuse({"dense": flat, "bm25_bigrams": {3: 10.0, 4: 8.0}}, None, "zsum")
    assert fused == approx({1: 0.8 * 0.25, 2: 0.0, 3: 0.2 * 2.0, 4: 0.0})


def test_minmax_sum_missing_is_zero():
    # row 1: .25·1 + .75·0 ; row 2: .25·0 + .75·1 ; row 3: 0 + .75·0
    fused = fusion.fuse({"a": A, "b": B}, W, "minmax")
    assert fused == approx({1: 0.25, 2: 0.75, 3: 0.0})


def test_zsum_hand_values():
    # row 1: .25·2 ; row 2: .25·0 + .75·2 ; row 3: .75·0
    assert fusion.fuse({"a": A, "b": B}, W, "zsum") == approx({1: 0.5, 2: 1.5, 3: 0.0})


def test_zmnz_multiplies_by_number_of_signals_that_retrieved_the_row():
    # zsum × count: row 1 0.5·1, row 2 1.5·2, row 3 0·1
    assert fusion.fuse({"a": A, "b": B}, W, "zmnz") == approx({1: 0.5, 2: 3.0, 3: 0.0})
    # a zero-weight signal adds nothing to the sum but still counts as agreement: row 1 0.5·2
    fused = fusion.fuse({"a": A, "b": B, "c": {1: 9.0}}, {**W, "c": 0.0}, "zmnz")
    assert fused == approx({1: 1.0, 2: 3.0, 3: 0.0})


def test_rrf_hand_values():
    fused = fusion.fuse({"a": A, "b": B}, {"a": 1.0, "b": 1.0}, "rrf")
    assert fused == approx({1: 1 / 61, 2: 1 / 62 + 1 / 61, 3: 1 / 62})


def test_fusion_ignores_each_signals_scale_and_offset():
    """BM25 scores (0–30) and cosines (0.6–0.9) live on different scales; the normalisation removes that."""
    scaled = {row: 10 * s + 3 for row, s in B.items()}
    for method in ("zsum", "zmnz", "minmax"):
        assert fusion.fuse({"a": A, "b": scaled}, W, method) == approx(fusion.fuse({"a": A, "b": B}, W, method))


def test_default_is_zmnz_with_default_weights():
    signals = {"bm25_words": {1: 5.0, 2: 4.0}, "bm25_bigrams": {2: 9.0, 3: 1.0}, "dense": {1: 0.8, 3: 0.7, 4: 0.5}}
    assert fusion.DEFAULT_METHOD == "zmnz"
    fused = fusion.fuse(signals)
    assert fused == fusion.weighted(signals, fusion.DEFAULT_WEIGHTS, "zscale", mnz=True)
    assert min(fused.values()) >= 0.0
    # overriding one weight keeps the others at their defaults
    assert fusion.fuse(signals, {"bm25_words": 0.5}) == fusion.weighted(
        signals, {**fusion.DEFAULT_WEIGHTS, "bm25_words": 0.5}, "zscale", mnz=True)
    assert fusion.fuse({}) == {}


def test_unknown_method_is_refused_in_chinese():
    with pytest.raises(ValueError, match="未知的融合方法"):
        fusion.fuse({"a": A}, None, "combmax")


EVAL_INDEX = Path(__file__).resolve().parents[1] / "benchmarks/out/eval/cmrc/index"


@pytest.mark.skipif(not (EVAL_INDEX / "CURRENT").exists(),
                    reason="no CMRC evaluation index (build it with: gongwen eval --set cmrc)")
def test_default_beats_each_signal_on_a_real_cmrc_slice(tmp_path):
    """400 held-out CMRC questions against the full CMRC evaluation index (real BM25, m3e-small, FAISS).

    A slice small enough to index inside a test (≈50 passages) is too easy: every signal scores
    MRR ≈ 0.99 there and the comparison says nothing, so this uses the index `gongwen eval` builds.
    """
    from assistant.config import Settings
    from assistant.search import evaluate as ev
    from assistant.search import evalsets
    from assistant.search.engine import open_index
    from assistant.search.levels import Blend

    eval_set = evalsets.cmrc_set(SHARED, tmp_path)
    index = open_index(EVAL_INDEX, Settings(index_dir=EVAL_INDEX))
    keys = [doc for doc, _ in index.row_ids()]
    doc_keys = [keys[int(s)] for s in index.groups.doc_start[:-1]]
    queries = ev.collect(index, eval_set.queries[1::2][:400])  # the held-out (odd) half, as in gongwen eval
    prepared = ev.Prepared(eval_set, "corpus", keys, doc_keys, [], queries)
    mrr = {mode: ev.mean(ev.per_query(prepared, queries, mode, Blend()))["MRR@10"] for mode in ev.single_modes(prepared)}
    fused = ev.mean(ev.per_query(prepared, queries, ev.DEFAULT, index.blend))["MRR@10"]
    assert all(fused > single for single in mrr.values()), (fused, mrr)
