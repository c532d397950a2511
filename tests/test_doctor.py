"""`gongwen doctor` on this machine's real parts (model, LibreOffice, OCR, fonts) and on real small indexes:
healthy, interrupted (leftover .tmp), broken, of a newer format; Milvus reachable or not; the 设置/关于 HTML."""

import json
import shutil
import socket
from pathlib import Path

import pytest

from assistant import __version__, cli
from assistant.config import Settings
from assistant.doctor import Check, exit_code, report_json, report_text, run_checks, system
from assistant.doctor.index import check_index
from assistant.search import store
from assistant.search.ingest import ingest
from assistant.ui.about_page import doctor_html

SEED = Path(__file__).parent / "data" / "seeds" / "001_5703d087b4b928a2.txt"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """A one-document real index and the full report on it (real model, real LibreOffice conversion)."""
    index_dir = tmp_path_factory.mktemp("doctor") / "index"
    ingest([SEED], Settings(index_dir=index_dir))
    settings = Settings(index_dir=index_dir)
    return settings, {c.key: c for c in run_checks(settings)}


@pytest.fixture
def copy(healthy, tmp_path):
    settings, _ = healthy
    shutil.copytree(settings.index_dir, tmp_path / "index")
    return Settings(index_dir=tmp_path / "index")


def by_key(settings: Settings) -> dict[str, Check]:
    return {c.key: c for c in check_index(settings)}


def test_healthy_machine_and_index(healthy):
    settings, checks = healthy
    assert exit_code(list(checks.values())) == 0
    for key in ("python", "torch", "model", "index", "index_tmp", "embed_cache", "disk"):
        assert checks[key].ok is True, checks[key]
    assert "CPU 版" in checks["torch"].detail and "512 维" in checks["model"].detail
    assert "非商用" in checks["model_licence"].detail and "仅供研究使用" in checks["model_licence"].detail
    manifest = store.read_manifest(store.current_generation(settings.index_dir))
    assert f"当前版本 {manifest['generation']}" in checks["index"].detail
    assert f"段落 {manifest['counts']['paragraphs']}" in checks["index"].detail
    assert "个向量" in checks["embed_cache"].detail and "MB" in checks["embed_cache"].detail
    assert checks["milvus"].ok is None and "未配置" in checks["milvus"].detail


def test_libreoffice_really_converts_one_page(healthy):
    _, checks = healthy
    assert checks["libreoffice"].ok is True and "1 页 .docx → PDF 转换成功" in checks["libreoffice"].detail


def test_ocr_models_load_offline_when_installed(healthy):
    _, checks = healthy
    ocr = checks["ocr"]
    assert ocr.ok is not False, ocr  # installed: must load with the network refused; absent: ○
    assert ("断网加载模型并认出测试图中的“安全生产”" in ocr.detail) if ocr.ok else ("未安装" in ocr.detail)


def test_fonts_found(healthy):
    _, checks = healthy
    assert checks["fonts"].ok is True and "中文字体" in checks["fonts"].detail


def test_text_report_marks_and_fixes(healthy):
    _, checks = healthy
    text = report_text(list(checks.values()))
    assert text.startswith(f"公文检索与起草助手 {__version__}")
    assert "✓ Python" in text and "○ Milvus" in text and "提示：商业使用前" in text


def test_leftover_tmp_folder_is_reported_with_the_command_to_remove_it(copy):
    leftover = Path(copy.index_dir) / "gen-000009.tmp"
    leftover.mkdir()
    (leftover / "docs.sqlite").write_bytes(b"x" * 4096)
    tmp = by_key(copy)["index_tmp"]
    assert tmp.ok is False and not tmp.essential and "gen-000009.tmp" in tmp.detail
    assert f"rm -r {leftover}" in tmp.fix
    with store.writer_lock(Path(copy.index_dir)):  # an ingest running: its .tmp is not a leftover
        assert by_key(copy)["index_tmp"].ok is None


def test_broken_index_fails_essentially_and_the_cli_exits_1(copy, capsys):
    index_dir = Path(copy.index_dir)
    (index_dir / "CURRENT").write_text("gen-000077", encoding="utf-8")
    index = by_key(copy)["index"]
    assert index.ok is False and index.essential and "--rebuild" in index.fix
    assert cli.main(["doctor", "--quick", "--json", "--index", str(index_dir)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["version"] == __version__
    line = next(c for c in report["checks"] if c["key"] == "index")
    assert line["mark"] == "✗" and line["essential"] is True and "不完整" in line["detail"]
    assert {"python", "torch", "model", "libreoffice", "ocr", "fonts", "milvus", "disk"} <= {c["key"] for c in report["checks"]}


def test_mismatched_documents_count_is_damage(copy):
    gen = store.current_generation(Path(copy.index_dir))
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    manifest["counts"]["documents"] += 3
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index = by_key(copy)["index"]
    assert index.ok is False and "manifest 记为" in index.detail


def test_missing_vectors_file_is_damage(copy):
    gen = store.current_generation(Path(copy.index_dir))
    (gen / "vectors.faiss").unlink()
    index = by_key(copy)["index"]
    assert index.ok is False and index.essential and "无法打开" in index.detail and "--rebuild" in index.fix


def test_index_of_a_newer_format(copy):
    gen = store.current_generation(Path(copy.index_dir))
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = store.FORMAT_VERSION + 1
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index = by_key(copy)["index"]
    assert index.ok is False and index.essential and "只支持到格式" in index.detail


def test_empty_index_is_not_a_failure(tmp_path):
    checks = by_key(Settings(index_dir=tmp_path / "none"))
    assert checks["index"].ok is None and "gongwen ingest" in checks["index"].fix
    assert checks["disk"].ok is True and exit_code(list(checks.values())) == 0


def test_milvus_uri_reachable_or_not(monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    monkeypatch.setenv("GONGWEN_MILVUS_URI", f"http://127.0.0.1:{port}")
    assert system.check_milvus(Settings()).ok is True
    server.close()
    closed = system.check_milvus(Settings())
    assert closed.ok is False and "无法连接" in closed.detail and closed.fix


def test_about_page_shows_the_same_report_escaped():
    checks = [Check("x", "索引", False, "<b>坏</b>", "gongwen ingest a --rebuild", essential=True),
              Check("y", "Milvus", None, "未配置")]
    html = doctor_html(checks)
    assert "&lt;b&gt;坏&lt;/b&gt;" in html and "<b>坏" not in html
    assert "✗" in html and "○" in html and "修复：gongwen ingest a --rebuild" in html
    assert "有 1 项必需检查未通过（索引）" in html
    assert report_json(checks)["ok"] is False
