"""VectorIndex: exactness, approximate recall, filters, save/load."""

import numpy as np
import pytest

from assistant.search import vectors
from assistant.search.vectors import KINDS, VectorIndex, recall_at_k


def unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force(xb: np.ndarray, xq: np.ndarray, k: int, allowed=None):
    scores = xq @ xb.T
    if allowed is not None:
        keep = np.zeros(len(xb), dtype=bool)
        keep[allowed] = True
        scores[:, ~keep] = -np.inf
    ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


@pytest.fixture(scope="module")
def data():
    return unit(3000, 64, 0), unit(20, 64, 1)


def clustered(rows: int, dim: int, seed: int, centres: int = 200) -> np.ndarray:
    """Unit vectors around random topic centres: the structure IVF relies on (text embeddings have it)."""
    rng = np.random.default_rng(seed)
    middle = unit(centres, dim, 99)[rng.integers(0, centres, rows)]
    x = middle + 0.15 * rng.standard_normal((rows, dim), dtype=np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def big():
    """20k uniformly random vectors: enough for the approximate kinds to be approximate."""
    return unit(20_000, 64, 2), unit(100, 64, 3)


@pytest.fixture(scope="module")
def topical():
    return clustered(20_000, 64, 2), clustered(100, 64, 3)


@pytest.fixture(scope="module")
def topical_index(topical):
    """One index per kind over the topical vectors, built on first use."""
    cache: dict[str, VectorIndex] = {}

    def get(kind: str) -> VectorIndex:
        if kind not in cache:
            cache[kind] = VectorIndex.build(topical[0], kind=kind)
        return cache[kind]
    return get


def test_flat_equals_numpy(data):
    xb, xq = data
    index = VectorIndex.build(xb)
    assert index.kind == "flat" and index.ntotal == 3000 and index.dim == 64
    scores, ids = index.search(xq, 10)
    ref_scores, ref_ids = brute_force(xb, xq, 10)
    assert np.array_equal(ids, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-5)


def test_auto_switches_to_approximate_above_threshold(data):
    assert VectorIndex.build(data[0], approx_threshold=1000).kind == vectors.DEFAULT_APPROX
    assert VectorIndex.build(data[0], approx_threshold=3000).kind == "flat"


def test_default_approximate_recall_on_random_vectors(big):
    xb, xq = big
    approx, exact = VectorIndex.build(xb, approx_threshold=10_000), VectorIndex.build(xb)
    assert approx.kind == vectors.DEFAULT_APPROX and exact.kind == "flat"
    assert recall_at_k(approx, exact, xq, k=10) >= 0.9


@pytest.mark.parametrize("kind", ["hnsw", "ivf_sq8", "ivf_flat"])
def test_approximate_recall_on_topical_vectors(topical, topical_index, kind):
    xb, xq = topical
    approx, exact = topical_index(kind), topical_index("flat")
    assert approx.kind == kind
    assert recall_at_k(approx, exact, xq, k=10) >= 0.9


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("share", [0.002, 0.3])  # exact-subset path and in-FAISS selector path
def test_filter_respected(topical, topical_index, kind, share, monkeypatch):
    monkeypatch.setattr(vectors, "SUBSET_EXACT", 1000)
    xb, xq = topical
    allowed = np.flatnonzero(np.random.default_rng(4).random(len(xb)) < share)
    index = topical_index(kind)
    scores, ids = index.search(xq[:20], 10, allowed)
    assert np.isin(ids, allowed).all()
    ref_scores, ref_ids = brute_force(xb, xq[:20], 10, allowed)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, ref_ids)])
    assert overlap >= (1.0 if kind in ("flat", "ivf_flat") and share < 0.01 else 0.85)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first


def test_filter_smaller_than_k_pads(data):
    xb, xq = data
    for kind in KINDS:
        index = VectorIndex.build(xb, kind=kind)
        scores, ids = index.search(xq[:2], 5, np.array([7, 3]))
        assert set(ids[0][:2]) == {3, 7} and (ids[:, 2:] == -1).all()
        assert np.isneginf(scores[:, 2:]).all()
        _, none = index.search(xq[:2], 5, np.array([], dtype=np.int64))
        assert (none == -1).all()


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_round_trip(tmp_path, data, kind):
    xb, xq = data
    index = VectorIndex.build(xb, kind=kind)
    index.save(tmp_path / "vectors.faiss")
    loaded = VectorIndex.load(tmp_path / "vectors.faiss")
    assert loaded.kind == kind and loaded.ntotal == index.ntotal
    for allowed in (None, np.arange(0, 3000, 7)):
        a, b = index.search(xq, 10, allowed), loaded.search(xq, 10, allowed)
        assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0])


def test_empty_index_and_small_k(data):
    empty = VectorIndex.build(np.zeros((0, 64), dtype=np.float32))
    scores, ids = empty.search(data[1][:3], 4)
    assert empty.ntotal == 0 and (ids == -1).all() and np.isneginf(scores).all()
    _, ids = VectorIndex.build(data[0][:3]).search(data[1][:1], 5)
    assert sorted(ids[0][:3]) == [0, 1, 2] and (ids[0][3:] == -1).all()


def test_single_vector_query_and_bad_kind(data):
    index = VectorIndex.build(data[0])
    _, ids = index.search(data[0][42], 1)  # 1-D query accepted
    assert ids.shape == (1, 1) and ids[0, 0] == 42
    with pytest.raises(ValueError):
        VectorIndex.build(data[0], kind="annoy")
