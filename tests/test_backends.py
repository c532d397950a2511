"""One conformance suite for both search backends: the embedded generation folder and Milvus (Lite,
the real Milvus core, in this process). The same corpus, the same questions, the same expectations.

Both backends index into one folder (the embedded generations beside `milvus/`), so they share the
embedding cache and the seed paragraphs are embedded once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.config import settings_from_env
from assistant.search import store
from assistant.search.backends.base import Filters
from assistant.search.engine import open_index
from assistant.search.ingest import ingest, remove

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("embedded", "milvus")

NOTICE = """关于做好2026年安全生产大检查工作的通知
某县安委〔2026〕7号
各乡镇人民政府，县直各有关单位：
为深入贯彻落实安全生产责任制，切实防范化解重大安全风险，现就做好安全生产大检查工作通知如下。
一、检查范围
全县各类生产经营单位，重点是危险化学品、道路交通、建筑施工和消防安全领域。
二、工作要求
各单位要压实属地管理责任和企业主体责任，对排查出的隐患建立台账，限期整改到位。
某县安全生产委员会
2026年3月5日
"""

FLOOD = """某县2025年防汛抗旱工作总结
2025年，我县坚持人民至上、生命至上，扎实做好防汛抗旱各项工作。
一、主要工作
（一）完善预案体系。修订县级防汛抗旱应急预案，组织开展应急演练三次。
（二）加强隐患排查。对全县水库、河道堤防开展拉网式排查，整改隐患四十处。
二、下一步打算
持续加强监测预警，提升基层防汛抗旱能力，确保安全度汛。
某县防汛抗旱指挥部
2025年12月20日
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_dir) -> Path:
    folder = tmp_path_factory.mktemp("backend-corpus")
    for path in sorted(seed_dir.glob("*.txt"))[:3]:
        shutil.copy(path, folder / path.name)
    (folder / "notice.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "flood.txt").write_text(FLOOD, encoding="utf-8")
    (folder / "flood_copy.txt").write_text(FLOOD, encoding="utf-8")  # an exact duplicate document
    return folder


@pytest.fixture(scope="module")
def shared_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("backend-index")


def settings_for(kind: str, index_dir: Path, prefix: str = "conf_"):
    return settings_from_env(index_dir=index_dir, backend=kind, milvus_prefix=prefix)


@pytest.fixture(scope="module")
def indexes(corpus, shared_dir):
    out = {}
    for kind in BACKENDS:
        settings = settings_for(kind, shared_dir)
        report = ingest([corpus], settings)
        assert not report.failed and len(report.added) == 6
        out[kind] = open_index(shared_dir, settings)
    return out


QUERIES = ["安全生产责任", "下一步工作打算", "防汛抗旱应急预案", "医疗卫生体制改革", "隐患排查整改", "优化发展环境"]


def test_both_backends_hold_the_same_rows(indexes):
    a, b = indexes["embedded"], indexes["milvus"]
    assert a.n == b.n > 50
    assert sorted(a.row_ids()) == sorted(b.row_ids())
    assert len(a.documents()) == len(b.documents()) == 6
    assert a.facets() == b.facets()


@pytest.mark.parametrize("unit", ["paragraph", "document"])
def test_both_backends_rank_alike(indexes, unit):
    """Milvus's BM25 idf (Lucene's log(1 + …)) differs from Okapi's, so scores differ a little;
    the rankings must still agree: same first hit on most queries, large top-5 overlap."""
    same_first, overlaps = 0, []
    for query in QUERIES:
        a = [h.para_id for h in indexes["embedded"].search(query, k=5, unit=unit)]
        b = [h.para_id for h in indexes["milvus"].search(query, k=5, unit=unit)]
        assert a and b
        same_first += a[0] == b[0]
        overlaps.append(len(set(a) & set(b)) / len(set(a) | set(b)))
    assert same_first >= len(QUERIES) - 1
    assert np.mean(overlaps) >= 0.6


@pytest.mark.parametrize("kind", BACKENDS)
def test_filters_phrases_and_pinning(indexes, kind):
    index = indexes[kind]
    hits = index.search("安全", k=10, filters=Filters(year_from=2026, year_to=2026))
    assert hits and all(h.date.startswith("2026") for h in hits)
    hits = index.search("工作", k=10, filters=Filters(source="flood"))
    assert hits and all("flood" in h.source for h in hits)
    hits = index.search("工作", k=10, filters=Filters(role=("下一步打算",)))
    assert hits and all(h.role == "下一步打算" for h in hits)
    assert index.search("工作", k=10, filters=Filters(org="不存在的机关")) == []
    hits = index.search("“隐患”", k=10)
    assert hits and all("隐患" in h.text for h in hits)
    assert index.search("“没有这句话的文本”", k=10) == []
    hits = index.search("某县安委〔2026〕7号 检查", k=3)
    assert hits[0].source.endswith("notice.txt") and hits[0].explain.get("pinned")
    docs = index.search("防汛抗旱", k=3, unit="document")
    assert docs[0].source.endswith(("flood.txt", "flood_copy.txt")) and len({h.doc_id for h in docs}) == len(docs)


@pytest.mark.parametrize("kind", BACKENDS)
def test_duplicates_are_grouped_and_collapsed(indexes, kind):
    index = indexes[kind]
    groups = {d["path"].rsplit("/", 1)[1]: d["dup_group"] for d in index.documents()}
    assert groups["flood.txt"] and groups["flood.txt"] == groups["flood_copy.txt"]
    hits = index.search("修订县级防汛抗旱应急预案 应急演练", k=5)
    first = hits[0]
    assert first.similar and "flood" in first.similar[0]["source"]
    assert sum("修订县级防汛抗旱应急预案" in h.text for h in hits) == 1  # the copy folds into the first hit


@pytest.mark.parametrize("kind", BACKENDS)
def test_document_and_lookups(indexes, kind):
    index = indexes[kind]
    hit = index.search("压实属地管理责任", k=1)[0]
    fields, paragraphs = index.document(hit.doc_id)
    assert fields["doc_number"] == "某县安委〔2026〕7号" and fields["path"].endswith("notice.txt")
    assert any(p["is_heading"] for p in paragraphs) and [p["idx"] for p in paragraphs] == sorted(p["idx"] for p in paragraphs)
    assert index.document("没有这个文档") is None
    vectors = index.row_vectors([hit.row])
    assert vectors.shape == (1, 512) and abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-3
    assert index.search("", k=3) == []


def with_cache(shared_dir: Path, index_dir: Path) -> Path:
    """A new index folder that starts with the shared embedding cache (nothing embedded twice)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared_dir / "embed_cache.sqlite", index_dir / "embed_cache.sqlite")
    return index_dir


def test_updates_and_deletes_on_both(corpus, shared_dir, indexes, tmp_path):
    """Change one file, remove another: the new text is found, the old and the removed are gone —
    and Milvus rewrites only what changed."""
    folder = tmp_path / "c"
    shutil.copytree(corpus, folder)
    index_dir = with_cache(shared_dir, tmp_path / "idx")
    for kind in BACKENDS:
        settings = settings_for(kind, index_dir, prefix="upd_")
        ingest([folder], settings)
    (folder / "notice.txt").write_text(NOTICE.replace("危险化学品", "燃气管道"), encoding="utf-8")
    for kind in BACKENDS:
        settings = settings_for(kind, index_dir, prefix="upd_")
        report = ingest([folder], settings)
        assert report.updated == [str((folder / "notice.txt").resolve())]
        gone, _ = remove([str(folder / "flood_copy.txt")], settings)
        assert len(gone) == 1
        index = open_index(index_dir, settings)
        assert any("燃气管道" in h.text for h in index.search("燃气管道", k=3))
        assert not any("危险化学品" in h.text for h in index.search("危险化学品", k=10))
        assert not any(h.source.endswith("flood_copy.txt") for h in index.search("防汛抗旱", k=20))
        assert len(index.documents()) == 5
    manifest = json.loads((index_dir / "milvus" / "manifest.json").read_text(encoding="utf-8"))
    # the removal deleted flood_copy and rewrote flood.txt, whose duplicate group is gone; nothing else
    assert manifest["written"] == {"documents": 1, "deleted": 2, "rows": 6}


def test_milvus_searches_never_fail_during_an_ingest(corpus, shared_dir, indexes, tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(corpus, folder)
    settings = settings_for("milvus", with_cache(shared_dir, tmp_path / "idx"), prefix="conc_")
    ingest([folder], settings)
    index = open_index(tmp_path / "idx", settings)
    errors, done = [], threading.Event()

    def searcher():
        while not done.is_set():
            try:
                assert index.search("安全生产", k=5)
            except Exception as err:  # the finding
                errors.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        (folder / "extra.txt").write_text(FLOOD.replace("防汛抗旱", "森林防火"), encoding="utf-8")
        ingest([folder], settings)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert any("森林防火" in h.text for h in open_index(tmp_path / "idx", settings).search("森林防火", k=3))


def test_bad_backend_settings_say_what_to_do(tmp_path):
    with pytest.raises(store.IndexError_, match="未知的检索后端"):
        open_index(tmp_path, settings_from_env(index_dir=tmp_path, backend="elastic"))
    with pytest.raises(store.IndexError_, match="还没有 Milvus 索引"):
        open_index(tmp_path, settings_for("milvus", tmp_path))
    with pytest.raises(store.IndexError_, match="不支持 HNSW"):
        ingest([tmp_path], settings_from_env(index_dir=tmp_path, backend="milvus", milvus_index="HNSW"))


def test_cli_contract_with_milvus(corpus, shared_dir, indexes, tmp_path):
    """`gongwen ingest|search|remove … --backend milvus --milvus-uri FILE` in a fresh process."""
    with_cache(shared_dir, tmp_path / "idx")
    uri = str(tmp_path / "lite.db")
    common = ["--index", str(tmp_path / "idx"), "--backend", "milvus", "--milvus-uri", uri]
    run = lambda *args: subprocess.run([sys.executable, "-m", "assistant.cli", *args, *common],  # noqa: E731
                                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    done = run("ingest", str(corpus / "notice.txt"), str(corpus / "flood.txt"))
    assert done.returncode == 0, done.stderr
    found = run("search", "隐患台账", "--json", "--k", "3")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits and "notice" in hits[0]["source"]
    gone = run("remove", str(corpus / "flood.txt"))
    assert gone.returncode == 0, gone.stderr
    assert (tmp_path / "lite.db").exists() and not (tmp_path / "idx" / "CURRENT").exists()


def test_ui_service_works_on_milvus(indexes, shared_dir):
    """The web UI's service layer (search, facets, corpus table, document view, statistics) on Milvus."""
    from assistant.ui.service import Service

    service = Service(settings_for("milvus", shared_dir))
    hits = service.search("安全生产", k=3)
    assert hits and hits[0].source
    assert service.facets() == indexes["embedded"].facets()
    table = service.documents()
    assert len(table) == 6 and all(row[5] > 0 for row in table)
    doc, paragraphs = service.document(hits[0].doc_id)
    assert doc["doc_id"] == hits[0].doc_id and paragraphs
    stats = service.stats()
    assert stats["documents"] == 6 and stats["generation"].startswith("milvus-")
    assert service.index() is service.index()  # reopened only when an ingest changed the state


def test_milvus_ignores_and_then_removes_paragraphs_of_an_unfinished_document(corpus, shared_dir, indexes, tmp_path):
    """A killed ingest writes paragraphs before their document row: readers must not see them, and the
    next ingest removes them (the previous state stays usable throughout)."""
    from assistant.search.backends import milvus_conn as mc

    folder = tmp_path / "c"
    shutil.copytree(corpus, folder)
    settings = settings_for("milvus", with_cache(shared_dir, tmp_path / "idx"), prefix="kill_")
    ingest([folder], settings)
    before = open_index(tmp_path / "idx", settings)
    client = mc.connect(settings)
    paragraphs, _documents = mc.names(settings)
    orphan = {"pid": (999 << mc.ROW_SHIFT) | 1, "doc_serial": 999, "idx": 1, "is_heading": False,
              "text": "半途而废的段落：孤立文本", "original": "", "words": "半途而废 段落 孤立 文本", "role": "",
              "near_dup": "", "number": "", "text_hash": "x", "heading_path": "[]", "doctype": "", "org": "",
              "path": "/gone.txt", "level": -1, "year": -1, "bsparse": {1: 1.0},
              "dense": list(before.row_vectors([0])[0].tolist())}
    client.insert(paragraphs, [orphan])
    after = open_index(tmp_path / "idx", settings)
    assert after.n == before.n
    assert not any("孤立文本" in h.text for h in after.search("半途而废 孤立文本", k=10))
    (folder / "extra.txt").write_text(FLOOD.replace("防汛抗旱", "森林防火"), encoding="utf-8")
    ingest([folder], settings)
    assert client.query(paragraphs, filter="doc_serial == 999", output_fields=["pid"]) == []


def test_doctor_checks_the_milvus_index(indexes, shared_dir, tmp_path):
    from assistant.doctor.index import check_index

    ok = [c for c in check_index(settings_for("milvus", shared_dir)) if c.key == "index"][0]
    assert ok.ok is True and "Milvus" in ok.detail and "milvus-" in ok.detail
    empty = [c for c in check_index(settings_for("milvus", tmp_path)) if c.key == "index"][0]
    assert empty.ok is None and "--backend milvus" in empty.fix
