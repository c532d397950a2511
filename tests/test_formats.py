"""Archive formats: detection by content, .doc/.wps (LibreOffice), .rtf, .ofd — on samples the tests make
(tests/format_samples.py) and the 17 real OFD files in shared/data/formats/ofd. OCR: tests/test_ocr.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import shutil
import time
import zipfile
from pathlib import Path

import pytest

import format_samples as fs
from assistant.ingest import options, soffice
from assistant.ingest.detect import detect_kind
from assistant.ingest.pipeline import parse_file
from assistant.ingest.read import read_file
from assistant.models import ReadError

SHARED_OFD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "formats" / "ofd"
needs_soffice = pytest.mark.skipif(soffice.soffice_binary() is None, reason="LibreOffice not installed")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The sample 公文 as .docx, and LibreOffice's .doc and .rtf of it (one conversion call each)."""
    if soffice.soffice_binary() is None:
        pytest.skip("LibreOffice not installed")
    root = tmp_path_factory.mktemp("office")
    docx_path = fs.make_docx(root / "通知.docx")
    doc_path, = fs.soffice_convert([docx_path], "doc", root / "doc")
    rtf_path, = fs.soffice_convert([docx_path], "rtf", root / "rtf")
    return {"root": root, "docx": docx_path, "doc": doc_path, "rtf": rtf_path}


def test_detect_kind_by_content(office):
    assert detect_kind(office["doc"].read_bytes()) == "ole"
    assert detect_kind(office["docx"].read_bytes()) == "docx"
    assert detect_kind(office["rtf"].read_bytes()) == "rtf"
    assert detect_kind(fs.make_ofd(office["root"] / "x.ofd").read_bytes()) == "ofd"
    assert detect_kind(b"%PDF-1.7\n...") == "pdf"
    assert detect_kind(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "image"
    assert detect_kind(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image"
    assert detect_kind("<html><body>通知</body></html>".encode()) == "html"
    assert detect_kind("关于做好防汛工作的通知".encode()) == "text"
    assert detect_kind(b"PK\x03\x04broken") == "zip"


@needs_soffice
@pytest.mark.parametrize("kind", ["doc", "rtf"])
def test_doc_and_rtf_text_is_exact(office, kind):
    raw, = read_file(office[kind])
    assert raw.fmt == kind
    accuracy = fs.char_accuracy(fs.source_text(with_header=True), raw.text)
    assert accuracy >= 0.99, (accuracy, raw.text)
    doc, = parse_file(office[kind])
    assert doc.doc_number == fs.DOC_NUMBER and doc.date == "2024-03-15"
    assert doc.title == fs.LINES[0]
    assert [p.text for p in doc.paragraphs if p.is_heading][:3] == ["提高思想认识", "加强监测预警", "做好宣传教育"]


@needs_soffice
def test_doc_keeps_automatic_numbering_and_text_box_text(tmp_path):
    import docx
    from docx.oxml import parse_xml

    from test_read import W, _add_chinese_numbering, _numbered

    document = docx.Document()
    num_id, _ = _add_chinese_numbering(document)
    _numbered(document, "指导思想", num_id, 0)
    _numbered(document, "总体目标", num_id, 1)
    _numbered(document, "主要任务", num_id, 0)
    box = document.add_paragraph()._p
    box.append(parse_xml(
        f'<w:r xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>'
        '<v:shape style="width:300pt;height:60pt"><v:textbox><w:txbxContent>'
        "<w:p><w:r><w:t>文本框中的联系人：张三</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"))
    source = tmp_path / "编号.docx"
    document.save(source)
    doc_path, = fs.soffice_convert([source], "doc", tmp_path / "doc")
    raw, = read_file(doc_path)
    lines = raw.text.splitlines()
    assert lines[:3] == ["一、指导思想", "（一）总体目标", "二、主要任务"], lines
    assert "文本框中的联系人：张三" in lines


@needs_soffice
def test_wps_and_misnamed_files_are_read_by_content(office, tmp_path):
    cases = {
        "ole.wps": office["doc"].read_bytes(),     # most .wps files are OLE Word-97 files
        "zip.wps": office["docx"].read_bytes(),    # some are renamed .docx
        "rtf.doc": office["rtf"].read_bytes(),     # a .doc that is really RTF
        "ole.docx": office["doc"].read_bytes(),    # a .doc renamed .docx
        "html.doc": ("<html><head><meta charset='utf-8'></head><body><h1>" + fs.LINES[0] + "</h1><p>"
                     + fs.LINES[2] + "</p></body></html>").encode(),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    for name in cases:
        raw, = read_file(tmp_path / name)
        assert fs.LINES[2] in raw.text.replace("\n", ""), (name, raw.text)
    assert read_file(tmp_path / "ole.wps")[0].fmt == "wps"
    assert read_file(tmp_path / "rtf.doc")[0].fmt == "rtf"


@needs_soffice
def test_a_folder_of_doc_files_is_converted_in_one_soffice_call(office, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    sources = []
    for n in range(6):
        path = tmp_path / f"src{n}.docx"
        import docx

        document = docx.Document()
        document.add_paragraph(f"关于第{n}批防汛物资调拨的通知")
        document.add_paragraph(f"各乡镇：现调拨第{n}批防汛物资，请做好接收工作。")
        document.save(path)
        sources.append(path)
    for made in fs.soffice_convert(sources, "doc", folder):
        made.rename(made.with_suffix(".wps") if made.stem.endswith("5") else made)
    files = sorted(folder.iterdir())
    started = time.perf_counter()
    first, = read_file(files[0])
    assert all(soffice.cached(p.read_bytes()) is not None for p in files)  # siblings came with the first call
    rest = [read_file(p)[0] for p in files[1:]]
    elapsed = time.perf_counter() - started
    assert "第0批" in first.text and "第5批" in rest[-1].text and rest[-1].fmt == "wps"
    assert elapsed < 60


def test_soffice_hang_is_killed_and_reported(tmp_path, monkeypatch):
    """A stand-in soffice that hangs (a hung LibreOffice cannot be produced on demand)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "child.pid"
    fake = bin_dir / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(soffice, "PER_FILE_SECONDS", 0.5)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 hang " + os.urandom(16)
    started = time.perf_counter()
    with pytest.raises(soffice.ConversionError, match="超时"):
        soffice.docx_for(data, timeout=1.0)
    assert time.perf_counter() - started < 20
    child = int(pid_file.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()


@needs_soffice
def test_without_libreoffice_the_text_is_read_with_a_warning(office, tmp_path, monkeypatch):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # soffice not found, as on a machine without LibreOffice
    assert soffice.soffice_binary() is None
    raw, = read_file(office["doc"])
    assert fs.char_accuracy(fs.source_text(with_header=True), raw.text) >= 0.99
    assert "LibreOffice" in raw.warnings[0] and "编号" in raw.warnings[0]


@needs_soffice
def test_truncated_ole_file_is_refused_with_a_reason(office, tmp_path):
    data = office["doc"].read_bytes()
    path = tmp_path / "cut.doc"
    path.write_bytes(data[:3000])
    with pytest.raises(ReadError) as err:
        read_file(path)
    assert "cut.doc" in str(err.value) and err.value.reason


def test_rtf_with_gbk_escapes(tmp_path):
    def gbk(text: str) -> str:
        return "".join(f"\\'{b:02x}" for b in text.encode("gbk"))

    body = gbk("关于做好防汛工作的通知")
    path = tmp_path / "gbk.rtf"
    path.write_bytes(("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}"
                      f"\\f0 {body}\\par {gbk('各单位')}\\u65306?\\par}}").encode("ascii"))
    raw, = read_file(path)
    assert raw.text == "关于做好防汛工作的通知\n各单位："


def test_ofd_text_objects_stored_out_of_order_come_in_reading_order(tmp_path):
    path = fs.make_ofd(tmp_path / "通知.ofd")
    raw, = read_file(path)
    assert raw.fmt == "ofd"
    accuracy = fs.char_accuracy(fs.source_text(with_header=True), raw.text)
    assert accuracy >= 0.99, (accuracy, raw.text)
    assert raw.text.splitlines()[:3] == [fs.ISSUER, fs.DOC_NUMBER, fs.LINES[0]]
    doc, = parse_file(path)
    assert doc.doc_number == fs.DOC_NUMBER and doc.date == "2024-03-15"


def test_ofd_zip_bomb_and_broken_zip_are_refused(tmp_path):
    from hostile import zip_bomb_ofd

    bomb = tmp_path / "bomb.ofd"
    bomb.write_bytes(zip_bomb_ofd())
    with pytest.raises(ReadError, match="压缩炸弹"):
        read_file(bomb)
    broken = tmp_path / "broken.ofd"
    broken.write_bytes(fs.make_ofd(tmp_path / "ok.ofd").read_bytes()[:200])
    with pytest.raises(ReadError, match="OFD"):
        read_file(broken)
    no_ofd = tmp_path / "plain.ofd"
    with zipfile.ZipFile(no_ofd, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(ReadError, match="OFD"):
        read_file(no_ofd)


@pytest.mark.skipif(not SHARED_OFD.is_dir(), reason="shared/data/formats/ofd not present")
def test_all_real_ofd_files_parse_or_give_a_clear_reason():
    files = sorted(SHARED_OFD.glob("*.ofd"))
    assert len(files) == 17
    outcome = {}
    with options.using(options.ReadOptions(ocr=False, cache_dir=None)):
        for path in files:
            try:
                docs = parse_file(path)
            except ReadError as err:
                outcome[path.name] = "reason: " + err.reason
            else:
                outcome[path.name] = docs[0].paragraphs[0].original if docs[0].paragraphs else ""
    reasons = {name: v for name, v in outcome.items() if v.startswith("reason: ")}
    # vector-graphics-only pages (no text objects) and an image-only file with OCR off: reasons, not errors
    assert set(reasons) == {"V4RideRight.ofd", "h.ofd", "containsJPEG.ofd"}, outcome
    assert "只有图形" in reasons["h.ofd"] and "OCR" in reasons["containsJPEG.ofd"]
    assert outcome["helloworld.ofd"] == "你好呀，OFD Reader&Writer！"
    n_text = parse_file(SHARED_OFD / "n.ofd")[0]
    assert n_text.doc_number == "路卫发〔2011〕76号" and n_text.title.startswith("关于同意张阿三同志辞职的批复")


def test_old_format_hints_are_gone_but_unknown_suffixes_still_refused(tmp_path):
    path = tmp_path / "表格.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ReadError, match="不支持的文件类型 .xls"):
        read_file(path)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1], env={**os.environ, **(env or {})})


def test_parse_json_on_new_formats_and_no_ocr_flag(tmp_path):
    import json

    ofd = fs.make_ofd(tmp_path / "通知.ofd")
    result = run_cli("parse", str(ofd), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["doc_number"] == fs.DOC_NUMBER and data["title"] == fs.LINES[0] and "warnings" in data
    from hostile import image_pdf_bytes

    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(image_pdf_bytes(1))
    for args, env in ((["--no-ocr"], None), ([], {"GONGWEN_NO_OCR": "1"})):
        off = run_cli("parse", str(scan), *args, env=env)
        assert off.returncode != 0 and "扫描件.pdf" in off.stderr and "OCR 已关闭" in off.stderr, off.stderr


@needs_soffice
def test_ingest_a_folder_of_archive_formats_and_search_it(office, tmp_path):
    from assistant.config import Settings
    from assistant.search.engine import open_index
    from assistant.search.ingest import ingest

    folder = tmp_path / "档案"
    folder.mkdir()
    shutil.copy(office["doc"], folder / "通知.doc")
    shutil.copy(office["rtf"], folder / "通知副本.rtf")
    fs.make_ofd(folder / "通知.ofd", lines=[fs.ISSUER, "某卫发〔2024〕13号", "关于开展爱国卫生运动的通知",
                                           "各单位要深入开展爱国卫生运动，整治环境卫生死角。"])
    index_dir = tmp_path / "index"
    with options.using(options.from_settings(Settings(index_dir=index_dir))):
        report = ingest([folder], Settings(index_dir=index_dir))
    assert not report.failed and len(report.added) == 3, report.failed
    index = open_index(index_dir, Settings(index_dir=index_dir))
    hits = index.search("爱国卫生运动 环境卫生死角", k=3)
    assert hits and hits[0].source.endswith("通知.ofd")
    formats = {row[0] for row in index.backend.sql("SELECT path FROM files")}
    assert {Path(p).suffix for p in formats} == {".doc", ".rtf", ".ofd"}
