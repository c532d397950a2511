"""Index + search end to end on small real data with the real model."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.search import store
from assistant.search.engine import Filters, open_index
from assistant.search.ingest import ingest, remove

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
NOTICE = """国务院办公厅关于加强安全生产工作的通知
国办发〔2024〕12号
各省、自治区、直辖市人民政府：
为切实加强安全生产工作，有效防范遏制重特大事故，现就有关事项通知如下。
一、压实安全生产责任
各地区要严格落实党政领导干部安全生产责任制，坚持“管行业必须管安全”。
二、深化隐患排查治理
要建立健全隐患排查治理双重预防机制，对重大隐患实行挂牌督办。
国务院办公厅
2024年3月5日
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(DATA / "seeds", root / "seeds")
    (root / "notice.txt").write_text(NOTICE, encoding="utf-8")
    lines = []
    for n, line in enumerate((SHARED / "data/corpora/gov_work_reports_wikisource/government_work_reports.jsonl")
                             .read_text(encoding="utf-8").splitlines()):
        item = json.loads(line)
        if item.get("year") in ("2023", "2024", 2023, 2024):
            lines.append(json.dumps({"id": f"gwr-{item['year']}", "text": item["content"], "title": item["title"],
                                     "year": item["year"]}, ensure_ascii=False))
    (root / "reports.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    settings = Settings(index_dir=tmp_path_factory.mktemp("idx") / "index")
    report = ingest([corpus], settings)
    return settings, report


def test_ingest_reports_and_manifest(built):
    settings, report = built
    assert len(report.added) == 7 and not report.failed
    assert report.documents == 8 and report.paragraphs > 100
    assert 0.8 * report.paragraphs < report.embedded <= report.paragraphs  # identical texts are embedded once
    gen = store.current_generation(settings.index_dir)
    manifest = store.read_manifest(gen)
    assert manifest["embedding"]["dim"] == 512 and manifest["counts"]["documents"] == 8
    assert manifest["tokenizers"]["words"].startswith("jieba")
    assert not list(gen.glob("*.pkl")) and not list(gen.rglob("*.pickle"))


def test_search_finds_topic_with_explanation(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    hits = index.search("加强医德医风建设 下一步打算", k=5)
    assert hits and all(h.text and h.title and h.para_id for h in hits)
    top = hits[0]
    assert {"fused"} <= set(top.explain) and any(k in top.explain for k in ("bm25_words", "bm25_bigrams", "dense"))
    assert any("卫生" in h.title for h in hits)
    assert all(top.text[s:e] for s, e in top.highlights)


def test_three_level_evidence_is_wired_and_explained(built):
    """Default search = levels.row_scores over the engine's candidates; explain shows the section and
    document evidence; section=0 is plain paragraph fusion; a single signal keeps its own ranking."""
    from assistant.search import fusion, levels
    from assistant.search.query import parse_query

    settings, _ = built
    index = open_index(settings.index_dir, settings)
    query = "安全生产责任"
    hits = index.search(query, k=8, collapse=False)
    assert hits and all({"context", "fused"} <= set(h.explain) for h in hits)
    assert any(h.explain["context"] > 0 for h in hits)
    q = parse_query(query)
    per_signal, bigram_scores = index._signals(q, index.scope(None, q), levels.PARA_SIGNALS)
    cands = index.candidates(q, index.scope(None, q), per_signal, bigram_scores, index.blend)
    expected = dict(zip(cands.rows.tolist(), levels.row_scores(cands, index.blend).tolist()))
    for h in hits:
        assert h.score == pytest.approx(expected[h.row], abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    groups = index.groups
    assert len(groups.sec_start) - 1 > len(groups.doc_start) - 1 >= 8  # headings split documents into sections
    documents = index.search(query, k=3, unit="document")
    assert all("document" in h.explain for h in documents)
    base = fusion.fuse(index.signal_scores(query))
    plain = index.search(query, k=8, collapse=False, section=0)
    assert all("context" not in h.explain for h in plain)
    assert [h.score for h in plain] == sorted((round(base[h.row], 4) for h in plain), reverse=True)
    single = index.search(query, k=3, signals=("dense",))
    assert all("context" not in h.explain for h in single)


def test_document_unit_ranks_documents_with_their_best_paragraphs(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    docs = index.search("隐患排查治理 安全生产", k=5, unit="document")
    assert docs and len({h.doc_id for h in docs}) == len(docs)  # one hit per document
    assert docs[0].title == "国务院办公厅关于加强安全生产工作的通知"
    for h in docs:
        assert all(p["para_id"].startswith(h.doc_id + "#") and p["para_id"] != h.para_id for p in h.passages)
        assert all(p["score"] <= h.score + 1e-6 for p in h.passages)
    with pytest.raises(ValueError, match="结果单位"):
        index.search("安全", unit="sentence")
    # filters hold for the document unit too
    filtered = index.search("安全生产", k=5, unit="document", filters=Filters(source="reports.jsonl"))
    assert {h.doc_id for h in filtered} == {"gwr-2023", "gwr-2024"}


def test_highlights_mark_words_not_lone_characters(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    for hit in index.search("安全生产 下一步", k=10):
        marked = [hit.text[s:e] for s, e in hit.highlights]
        assert all(len(m) > 1 for m in marked), marked


def test_role_named_in_the_query_is_detected():
    from assistant.search.query import role_of_query

    assert role_of_query("医德医风建设 下一步打算") == "下一步打算"
    assert role_of_query("安全生产 存在的问题") == "存在问题"
    assert role_of_query("优化营商环境 保障措施") == "保障措施"
    assert role_of_query("优化营商环境") is None


def test_filters_doctype_role_year(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    hits = index.search("工作", k=10, filters=Filters(doctype=("方案",)))
    assert hits and all(h.doctype == "方案" for h in hits)
    hits = index.search("安全", k=10, filters=Filters(role=("下一步打算",)))
    assert all(h.role == "下一步打算" for h in hits)
    hits = index.search("经济增长", k=10, filters=Filters(year_from=2024, year_to=2024))
    assert hits and all(h.doc_id == "gwr-2024" for h in hits)


def test_quoted_phrase_must_match_exactly(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    hits = index.search('"三好一满意" 活动', k=10)
    assert hits and all("三好一满意" in h.text for h in hits)


def test_doc_number_and_title_pinned_first(built):
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    assert index.search("国办发[2024]12号", k=3)[0].title.startswith("国务院办公厅关于加强安全生产")
    assert index.search("《卫生系统环保发展工作方案》 就医环境", k=3)[0].title == "卫生系统环保发展工作方案"


def test_reingest_unchanged_embeds_nothing(built, corpus):
    settings, _ = built
    report = ingest([corpus], settings)
    assert report.embedded == 0 and report.unchanged == 7 and not report.added


def test_incremental_add_change_sync_and_remove(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus / "seeds", work)
    settings = Settings(index_dir=tmp_path / "index")
    ingest([work], settings)
    (work / "new.txt").write_text(NOTICE, encoding="utf-8")
    first = sorted(work.glob("0*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n补充一段新的内容，说明下一步工作。", encoding="utf-8")
    report = ingest([work], settings)
    assert report.added == [str((work / "new.txt").resolve())] and len(report.updated) == 1
    assert 0 < report.embedded < 10
    (work / "new.txt").unlink()
    report = ingest([work], settings, sync=True)
    assert report.removed == [str((work / "new.txt").resolve())] and report.documents == 5
    gone, report = remove(["004_30dc58966b07a688"], settings)
    assert len(gone) == 1 and report.documents == 4


def test_failed_file_reported_and_others_indexed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bad.docx").write_bytes(b"PK\x03\x04 not really a zip")
    report = ingest([folder], Settings(index_dir=tmp_path / "index"))
    assert {Path(p).name for p, _ in report.failed} == {"empty.txt", "bad.docx"}
    assert report.documents == 1


def test_reader_keeps_its_generation_while_a_new_one_is_published(corpus, tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    ingest([corpus / "seeds"], settings)
    reader = open_index(settings.index_dir, settings)
    before = [h.para_id for h in reader.search("软环境建设", k=3)]
    ingest([corpus / "notice.txt"], settings)
    assert [h.para_id for h in reader.search("软环境建设", k=3)] == before
    assert open_index(settings.index_dir, settings).gen != reader.gen


def test_other_model_refused_with_clear_message(built, tmp_path):
    settings, _ = built
    manifest_path = store.current_generation(settings.index_dir) / "manifest.json"
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    gen = store.current_generation(copy)
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    manifest["embedding"]["model_id"] = "some-other-model"
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (copy / "extra.txt").parent.mkdir(exist_ok=True)
    doc = tmp_path / "extra.txt"
    doc.write_text(NOTICE, encoding="utf-8")
    with pytest.raises(store.IndexError_, match="rebuild"):
        ingest([doc], Settings(index_dir=copy))
    assert manifest_path.exists()


@pytest.mark.parametrize("unit", ["paragraph", "document"])
def test_cli_batch_contract(built, tmp_path, unit):
    settings, _ = built
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "a", "query": "安全生产责任"}\n{"qid": 2, "query": "医德医风"}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "--index", str(settings.index_dir),
                             "--batch", str(queries), "--k", "3", "--json", "--unit", unit],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["qid"] for line in lines] == ["a", 2]
    for line in lines:
        assert 0 < len(line["hits"]) <= 3
        for hit in line["hits"]:
            assert set(hit) == {"doc_id", "para_id", "score", "title", "heading_path", "role", "text"}
    assert any(h["doc_id"] == "gwr-2024" or h["doc_id"] == "gwr-2023" or h["title"] for h in lines[0]["hits"])
    if unit == "document":
        assert all(len({h["doc_id"] for h in line["hits"]}) == len(line["hits"]) for line in lines)


def test_cli_explains_an_empty_result_of_a_quoted_phrase(built):
    """A phrase in quotes must occur verbatim; when none does, the message says so and how to loosen it."""
    settings, _ = built
    index = open_index(settings.index_dir, settings)
    assert index.search("“隐患排查治理双重预防”", k=3)  # verbatim in the notice: found
    assert index.search("“安全生产隐患双重治理”", k=3) == []  # same words, other order: not verbatim
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "--index", str(settings.index_dir),
                             "“安全生产隐患双重治理”"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "没有找到匹配的段落" in result.stdout and "“安全生产隐患双重治理”要求原文逐字出现" in result.stdout
    assert "去掉引号" in result.stdout
