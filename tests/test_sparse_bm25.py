"""BM25 as sparse vectors equals the CSC BM25 (and so rank_bm25) score for score."""

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.search.bm25 import BM25Index
from assistant.search.sparse_bm25 import Stats, Vocab

CORPUS = [["安全", "生产", "责任", "安全"], ["防汛", "抗旱", "预案"], ["安全", "检查", "隐患", "整改", "台账"],
          ["生产", "经营", "单位"], ["防汛", "安全", "度汛"], ["责任"] * 3]


def sparse_scores(stats: Stats, vocab: Vocab, query) -> np.ndarray:
    q = stats.query_vector(query, vocab)
    return np.array([sum(w * q.get(i, 0.0) for i, w in stats.doc_vector(doc, vocab).items()) for doc in CORPUS])


@pytest.mark.parametrize("query", [["安全"], ["安全", "责任"], ["防汛", "防汛", "预案"], ["没有的词"], ["生产", "台账"]])
def test_inner_product_is_okapi_bm25(query):
    vocab = Vocab(["先有的词"])  # ids need not start at the corpus's terms
    stats = Stats.build(CORPUS, vocab, k1=1.5, b=0.75)
    expected = BM25Index.build(CORPUS, k1=1.5, b=0.75).scores(query)
    assert sparse_scores(stats, vocab, query) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert expected == pytest.approx(BM25Okapi(CORPUS, k1=1.5, b=0.75).get_scores(query), rel=1e-5)


def test_vocab_and_stats_round_trip(tmp_path):
    vocab = Vocab()
    stats = Stats.build(CORPUS, vocab, k1=1.2, b=0.7)
    vocab.save(tmp_path / "vocab.txt")
    stats.save(tmp_path / "stats.npz")
    vocab2, stats2 = Vocab.load(tmp_path / "vocab.txt"), Stats.load(tmp_path / "stats.npz")
    assert vocab2.terms == vocab.terms and vocab2.get("防汛") == vocab.get("防汛")
    assert stats2.query_vector(["安全", "防汛"], vocab2) == stats.query_vector(["安全", "防汛"], vocab)
    assert stats2.doc_vector(CORPUS[2], vocab2) == stats.doc_vector(CORPUS[2], vocab)
    assert Vocab.load(tmp_path / "missing.txt").terms == []
