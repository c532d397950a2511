"""Sparse BM25 against the rank_bm25 oracle on real report paragraphs; save/load; filters."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from rank_bm25 import BM25Okapi

from assistant.search.bm25 import BM25Index, BM25IndexError
from assistant.search.tokenize import Tokenizer, char_bigrams

REPORTS = (Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora" / "gov_work_reports_wikisource"
           / "government_work_reports.jsonl")
EXTRA_QUERIES = [
    "发展",                     # in more than half of the paragraphs: negative idf → epsilon floor
    "发展发展改革",             # repeated term
    "加强医德医风建设",
    "量子引力与弦论",           # terms absent from the vocabulary
    "坚持稳中求进工作总基调，推动高质量发展，发展新质生产力",
    "2019年 GDP",
    "",
]


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    """200 real paragraphs, 140 containing 发展 and 60 without, interleaved."""
    lines = REPORTS.read_text(encoding="utf-8").splitlines()
    paras = [p.strip() for line in lines for p in json.loads(line)["content"].split("\n\n") if len(p.strip()) >= 20]
    with_term = [p for p in paras if "发展" in p][:140]
    without = [p for p in paras if "发展" not in p][:60]
    mixed = with_term[:60] + without + with_term[60:]
    return [mixed[i] for i in np.random.default_rng(0).permutation(len(mixed))]


@pytest.fixture(scope="module", params=["words", "bigrams"])
def case(request, paragraphs):
    """(tokenize, corpus tokens, our index, rank_bm25 oracle, queries as token lists)."""
    tokenize = Tokenizer().words if request.param == "words" else char_bigrams
    corpus = [tokenize(p) for p in paragraphs]
    queries = [tokenize(p[:12]) for p in paragraphs[::15]] + [tokenize(q) for q in EXTRA_QUERIES]
    return tokenize, corpus, BM25Index.build(corpus), BM25Okapi(corpus), queries


def test_scores_equal_rank_bm25(case):
    _, _, index, oracle, queries = case
    assert len(queries) >= 20
    for query in queries:
        np.testing.assert_allclose(index.scores(query), oracle.get_scores(query), rtol=1e-5, atol=1e-6)


def test_negative_idf_and_repeats_are_really_exercised(case, paragraphs):
    tokenize, corpus, index, oracle, _ = case
    term = "发展"
    assert index.doc_freq(term) > len(paragraphs) / 2
    assert oracle.idf[term] == pytest.approx(oracle.epsilon * oracle.average_idf)
    once, twice = index.scores([term]), index.scores([term, term])
    np.testing.assert_allclose(twice, 2 * once, rtol=1e-6)
    assert index.params["average_idf"] == pytest.approx(oracle.average_idf)
    assert index.doc_freq("不在词表里") == 0


def test_postings_are_the_score_columns(case):
    """postings(term) lists exactly the rows with that term and the weights scores() adds for it."""
    tokenize, corpus, index, oracle, _ = case
    for term in ["发展", *tokenize("加强医德医风建设")]:
        rows, weights = index.postings(term)
        expected = np.flatnonzero([term in doc for doc in corpus])
        np.testing.assert_array_equal(np.sort(rows), expected)
        np.testing.assert_allclose(weights, oracle.get_scores([term])[rows], rtol=1e-5, atol=1e-6)
    rows, weights = index.postings("不在词表里")
    assert len(rows) == 0 and len(weights) == 0


def test_custom_parameters_match(paragraphs):
    corpus = [char_bigrams(p) for p in paragraphs]
    index, oracle = BM25Index.build(corpus, k1=1.2, b=0.5, epsilon=0.1), BM25Okapi(corpus, k1=1.2, b=0.5, epsilon=0.1)
    for query in (char_bigrams("推动高质量发展"), char_bigrams("发展")):
        np.testing.assert_allclose(index.scores(query), oracle.get_scores(query), rtol=1e-5, atol=1e-6)


def _assert_ranking_matches(ids, scores, reference, k, allowed=None):
    """Same scores in the same order as argsort of the reference; ties may come in any order."""
    ref = np.where(allowed, reference, 0) if allowed is not None else reference
    order = np.argsort(-ref, kind="stable")
    expected = [i for i in order[:k] if ref[i] > 0]
    assert len(ids) == len(expected)
    np.testing.assert_allclose(scores, ref[expected], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ref[ids], ref[expected], rtol=1e-5, atol=1e-6)
    assert np.all(np.diff(scores) <= 0)


def test_top_k_order_matches_rank_bm25(case):
    _, _, index, oracle, queries = case
    for query in queries:
        for k in (1, 10, 500):
            ids, scores = index.top_k(query, k)
            assert ids.dtype.kind == "i" and scores.dtype == np.float32
            _assert_ranking_matches(ids, scores, oracle.get_scores(query), k)


def test_top_k_respects_allowed_mask(case):
    _, _, index, oracle, queries = case
    allowed = np.random.default_rng(1).random(index.n_docs) < 0.3
    for query in queries:
        ids, scores = index.top_k(query, 20, allowed)
        assert allowed[ids].all()
        _assert_ranking_matches(ids, scores, oracle.get_scores(query), 20, allowed)
    assert len(index.top_k(queries[0], 20, np.zeros(index.n_docs, dtype=bool))[0]) == 0


def test_top_k_edge_cases(case):
    _, _, index, _, queries = case
    assert len(index.top_k(queries[0], 0)[0]) == 0
    assert len(index.top_k([], 10)[0]) == 0
    with pytest.raises(ValueError, match="boolean mask"):
        index.top_k(queries[0], 5, np.ones(index.n_docs + 1, dtype=bool))
    with pytest.raises(ValueError, match="boolean mask"):
        index.top_k(queries[0], 5, np.ones(index.n_docs, dtype=np.int8))


def test_save_load_round_trip(case, tmp_path):
    _, _, index, _, queries = case
    index.save(tmp_path / "bm25")
    assert sorted(p.name for p in (tmp_path / "bm25").iterdir()) == ["params.json", "vocab.json", "weights.npz"]
    vocab_text = (tmp_path / "bm25" / "vocab.json").read_text(encoding="utf-8")
    assert "发展" in vocab_text  # ensure_ascii=False
    with np.load(tmp_path / "bm25" / "weights.npz", allow_pickle=False) as npz:
        assert set(npz.files) == {"data", "indices", "indptr", "shape", "tf", "lengths"}  # raw counts: segments
    loaded = BM25Index.load(tmp_path / "bm25")
    assert (loaded.n_docs, loaded.vocab_size, loaded.params) == (index.n_docs, index.vocab_size, index.params)
    assert loaded.doc_freq("发展") == index.doc_freq("发展")
    for query in queries:
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
    np.testing.assert_array_equal(loaded.tf, index.tf)
    np.testing.assert_array_equal(loaded.lengths, index.lengths)


def test_load_refuses_missing_or_mismatched_files(paragraphs, tmp_path):
    a = BM25Index.build([char_bigrams(p) for p in paragraphs])
    b = BM25Index.build([char_bigrams(p) for p in paragraphs[:50]])
    a.save(tmp_path / "a")
    b.save(tmp_path / "b")
    with pytest.raises(BM25IndexError, match="缺失"):
        BM25Index.load(tmp_path / "nowhere")
    for name, damage in [("vocab.json", "copy"), ("weights.npz", "copy"), ("params.json", "format"),
                         ("vocab.json", "garbage"), ("weights.npz", "garbage"), ("params.json", "delete")]:
        bad = tmp_path / f"bad-{name}-{damage}"
        shutil.copytree(tmp_path / "a", bad)
        if damage == "copy":
            shutil.copy(tmp_path / "b" / name, bad / name)
        elif damage == "format":
            params = json.loads((bad / name).read_text(encoding="utf-8"))
            (bad / name).write_text(json.dumps({**params, "format": "bm25-other"}), encoding="utf-8")
        elif damage == "garbage":
            (bad / name).write_bytes(b"\x00not an index")
        else:
            (bad / name).unlink()
        with pytest.raises(BM25IndexError, match="请.*重建索引"):
            BM25Index.load(bad)


def test_empty_corpora():
    empty = BM25Index.build([])
    assert (empty.n_docs, empty.vocab_size) == (0, 0)
    assert empty.scores(["发展"]).shape == (0,) and len(empty.top_k(["发展"], 5)[0]) == 0
    blank = BM25Index.build([[], []])
    assert blank.scores(["发展"]).tolist() == [0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("甲乙丙丁戊己"), max_size=8), min_size=1, max_size=12),
       st.lists(st.sampled_from("甲乙丙丁戊己庚"), max_size=6))
def test_random_corpora_match_rank_bm25(corpus, query):
    if not any(corpus):
        return  # rank_bm25 divides by zero on a corpus without tokens
    np.testing.assert_allclose(BM25Index.build(corpus).scores(query), BM25Okapi(corpus).get_scores(query),
                               rtol=1e-5, atol=1e-6)
