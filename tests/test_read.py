"""Tests for assistant.ingest.read: encodings, .txt/.md/.docx/.pdf/.html/.jsonl, refusals."""

from __future__ import annotations

import copy
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.ingest.docx_numbering import chinese_counting, format_number
from assistant.ingest.read import SUPPORTED_SUFFIXES, decode_bytes, read_file
from assistant.models import ReadError

SEEDS = sorted(Path(__file__).resolve().parents[2].joinpath("shared", "seeds").glob("*.txt"))

SIMPLIFIED = "关于加强医德医风建设的通知\n各科室：为进一步加强我院医德医风建设，现就有关事项通知如下。\n一、指导思想\n"
TRADITIONAL = "關於加強醫德醫風建設的通知\n各科室：為進一步加強我院醫德醫風建設，現就有關事項通知如下。\n"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SIMPLIFIED, "utf-8"),
        (SIMPLIFIED, "utf-8-sig"),
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (TRADITIONAL, "big5"),
        (SIMPLIFIED, "utf-16"),
        (SIMPLIFIED, "utf-16-le"),
        (SIMPLIFIED, "utf-16-be"),
        (TRADITIONAL, "utf-16-le"),
        ("通知", "gbk"),
        ("衛生局發展報告", "big5"),
        ("2023年工作总结 (Draft v2)\n一、基本情况", "gb18030"),
    ],
)
def test_decode_round_trip(text: str, encoding: str) -> None:
    decoded, name, warnings = decode_bytes(text.encode(encoding))
    assert decoded == text
    assert warnings == []
    assert name


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le"])
def test_txt_file_round_trip(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"notice_{encoding}.txt"
    path.write_bytes(SIMPLIFIED.encode(encoding))
    [doc] = read_file(path)
    assert doc.text == SIMPLIFIED
    assert doc.doc_id == path.stem
    assert doc.source == str(path)
    assert doc.fmt == "txt"


def test_big5_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "trad.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    [doc] = read_file(path)
    assert doc.text == TRADITIONAL
    assert doc.metadata["encoding"] in ("big5", "cp950")


def test_crlf_becomes_lf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r\n".encode("gbk"))
    assert read_file(path)[0].text == "第一行\n第二行\n"


def test_undecodable_bytes_replaced_with_warning() -> None:
    data = SIMPLIFIED.encode("utf-8") * 5 + b"\xff\xfe\xfd" + SIMPLIFIED.encode("utf-8")
    text, name, warnings = decode_bytes(data)
    assert name == "utf-8"
    assert "\ufffd" in text and "医德医风" in text
    assert len(warnings) == 1 and "3" in warnings[0] and "替换" in warnings[0]


def test_binary_garbage_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(256)) * 40 + os.urandom(4096))
    with pytest.raises(ReadError, match="二进制"):
        read_file(path)


def test_empty_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ReadError, match="文件为空") as info:
        read_file(path)
    assert info.value.path == str(path)


def test_whitespace_only_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\u3000\n", encoding="utf-8")
    with pytest.raises(ReadError):
        read_file(path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "x.xyz"
    path.write_text("中文", encoding="utf-8")
    with pytest.raises(ReadError, match=r"不支持的文件类型 \.xyz"):
        read_file(path)
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"x")  # .doc is read now (tests/test_formats.py), but this is no Word file
    with pytest.raises(ReadError, match=r"不是 Word/WPS 文件"):
        read_file(doc)
    odt = tmp_path / "new.odt"
    odt.write_bytes(b"x")
    with pytest.raises(ReadError, match=r"\.docx"):
        read_file(odt)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="不存在"):
        read_file(tmp_path / "nope.txt")


def test_too_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.ingest.read as read_module

    monkeypatch.setattr(read_module, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("中文内容超过十个字节", encoding="utf-8")
    with pytest.raises(ReadError, match="文件过大"):
        read_file(path)


def test_supported_suffixes() -> None:
    for suffix in (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".jsonl"):
        assert suffix in SUPPORTED_SUFFIXES


@pytest.mark.skipif(not SEEDS, reason="shared/seeds not present")
def test_seed_files_decode_cleanly() -> None:
    assert len(SEEDS) == 5
    for seed in SEEDS:
        [doc] = read_file(seed)
        assert "\ufffd" not in doc.text
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in doc.text) > 200
        assert doc.warnings == ()


# ---------------------------------------------------------------- markdown


def test_markdown_headings_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "# 关于开展安全生产检查的实施方案\n\n<!-- INFO END -->\n为切实做好安全生产工作。\n\n"
        "## 一、指导思想\n坚持安全第一。\n### （一）工作目标\n全面排查。\n",
        encoding="utf-8",
    )
    [doc] = read_file(path)
    assert doc.title == "关于开展安全生产检查的实施方案"
    assert doc.heading_hints == (("一、指导思想", 2), ("（一）工作目标", 3))
    assert "#" not in doc.text and "INFO END" not in doc.text
    assert "一、指导思想\n坚持安全第一。" in doc.text
    assert doc.fmt == "md"


# ---------------------------------------------------------------- docx


def _docx_with_structure(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于加强医德医风建设的实施方案", style="Title")
    document.add_paragraph("一、指导思想", style="Heading 1")
    document.add_paragraph("（一）总体要求", style="Heading 2")
    document.add_paragraph("坚持以人民为中心，全面加强医德医风建设。")
    table = document.add_table(rows=2, cols=2)
    cells = [["科室", "负责人"], ["内科", "张三"]]
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("表后正文段落。")
    document.save(path)


def test_docx_structure(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    _docx_with_structure(path)
    [doc] = read_file(path)
    assert doc.title == "关于加强医德医风建设的实施方案"
    assert doc.heading_hints == (("一、指导思想", 1), ("（一）总体要求", 2))
    lines = doc.text.split("\n")
    assert lines[0] == "关于加强医德医风建设的实施方案"
    assert "坚持以人民为中心，全面加强医德医风建设。" in lines
    row_index = lines.index("科室　负责人")
    assert lines[row_index + 1] == "内科　张三"
    assert lines[row_index + 2] == "表后正文段落。"
    assert doc.fmt == "docx"


def _add_chinese_numbering(document) -> tuple[str, str]:
    """Append an abstractNum (一、 / （一）) and a num to the numbering part; return (numId, abstractId)."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    abstract_id, num_id = "90", "91"
    numbering.append(parse_xml(
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>'
        '</w:abstractNum>'
    ))
    numbering.append(parse_xml(
        f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
    ))
    return num_id, abstract_id


def _numbered(document, text: str, num_id: str, ilvl: int) -> None:
    from docx.oxml import parse_xml

    paragraph = document.add_paragraph(text)
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(
        f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
    ))


def test_docx_automatic_numbering(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    num_id, _ = _add_chinese_numbering(document)
    _numbered(document, "指导思想", num_id, 0)
    _numbered(document, "总体目标", num_id, 1)
    _numbered(document, "具体目标", num_id, 1)
    _numbered(document, "主要任务", num_id, 0)
    _numbered(document, "强化监督", num_id, 1)
    document.add_paragraph("第一项", style="List Number")
    document.add_paragraph("第二项", style="List Number")
    path = tmp_path / "numbered.docx"
    document.save(path)
    [doc] = read_file(path)
    assert doc.text.split("\n") == [
        "一、指导思想", "（一）总体目标", "（二）具体目标", "二、主要任务", "（一）强化监督",
        "1.第一项", "2.第二项",
    ]


def test_number_formats() -> None:
    assert [chinese_counting(n) for n in (1, 10, 11, 20, 21, 100, 105, 110, 1001)] == [
        "一", "十", "十一", "二十", "二十一", "一百", "一百零五", "一百一十", "一千零一"]
    assert format_number(3, "decimalEnclosedCircle") == "③"
    assert format_number(2, "ideographTraditional") == "乙"
    assert format_number(28, "lowerLetter") == "bb"
    assert format_number(4, "upperRoman") == "IV"
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰"
    assert format_number(7, "unknownFormat") == "7"


def test_truncated_docx_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    _docx_with_structure(good)
    bad = tmp_path / "bad.docx"
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError, match="zip 损坏"):
        read_file(bad)


def test_docx_without_document_part_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty_zip.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "x")
    with pytest.raises(ReadError, match="document.xml"):
        read_file(path)


def test_docx_zip_bomb_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (20 * 1024 * 1024))
    with pytest.raises(ReadError, match="压缩炸弹"):
        read_file(path)


def test_docx_empty_body_refused(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(path)
    with pytest.raises(ReadError, match="没有文字"):
        read_file(path)


# ---------------------------------------------------------------- pdf


def _pdf(path: Path, pages: list[list[str]], footer: bool = True) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            pdf.drawString(72, 760 - 24 * i, line)
        if footer:
            pdf.drawCentredString(300, 40, f"— {number} —")
        pdf.showPage()
    pdf.save()


def test_pdf_chinese_text(tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    _pdf(path, [["关于加强医德医风建设的通知", "一、指导思想"], ["二、工作要求", "各单位要高度重视。"]])
    [doc] = read_file(path)
    assert doc.text.split("\n") == ["关于加强医德医风建设的通知", "一、指导思想", "二、工作要求", "各单位要高度重视。"]
    assert doc.metadata["pages"] == 2
    assert doc.fmt == "pdf"


def test_pdf_without_text_layer_refused(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    with pytest.raises(ReadError, match="扫描"):
        read_file(path)


def test_encrypted_pdf_refused(tmp_path: Path) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    path = tmp_path / "secret.pdf"
    pdf = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret"))
    pdf.drawString(72, 760, "confidential text of the document")
    pdf.save()
    with pytest.raises(ReadError, match="加密"):
        read_file(path)


def test_corrupt_pdf_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    with pytest.raises(ReadError, match="PDF"):
        read_file(path)


# ---------------------------------------------------------------- html

ARTICLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>关于做好防汛工作的通知_某县人民政府</title>
<style>.x {{ color: red }}</style><script>var nav = "首页";</script></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/news">新闻中心</a></div>
<ul id="nav"><li><a href="/a">政务公开</a></li><li><a href="/b">办事服务</a></li></ul>
<div class="breadcrumb">当前位置：首页 &gt; 通知公告</div>
<div class="main-wrap">
  <div class="article">
    <h1>关于做好防汛工作的通知</h1>
    <div class="TRS_Editor">
      <p>各乡镇人民政府，县直各单位：</p>
      <p>　　为切实做好今年防汛工作，确保人民群众生命财产安全，现将有关事项通知如下。</p>
      <h2>一、提高思想认识</h2>
      <p>各单位要充分认识防汛工作的重要性。</p>
      <table><tr><td>单位</td><td>电话</td></tr></table>
    </div>
  </div>
  <div class="sidebar"><a href="/c">热点新闻</a></div>
</div>
<div class="footer">版权所有：某县人民政府 <a href="/map">网站地图</a></div>
</body></html>
"""


def test_html_main_content(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_text(ARTICLE_PAGE.format(charset="utf-8"), encoding="utf-8")
    [doc] = read_file(path)
    assert doc.title == "关于做好防汛工作的通知"
    assert "为切实做好今年防汛工作" in doc.text
    assert "一、提高思想认识\n各单位要充分认识防汛工作的重要性。" in doc.text
    assert "单位　电话" in doc.text
    for noise in ("新闻中心", "政务公开", "当前位置", "热点新闻", "版权所有", "var nav", "color"):
        assert noise not in doc.text
    assert doc.heading_hints == (("一、提高思想认识", 1),)
    assert doc.fmt == "html"


def test_html_gbk_meta_charset(tmp_path: Path) -> None:
    path = tmp_path / "gbk.htm"
    path.write_bytes(ARTICLE_PAGE.format(charset="gb2312").encode("gbk"))
    [doc] = read_file(path)
    assert "为切实做好今年防汛工作" in doc.text
    assert doc.metadata["encoding"] == "gb18030"


def test_html_without_content_markers(tmp_path: Path) -> None:
    path = tmp_path / "plain.html"
    body = "".join(f"<p>第{i}段正文内容，围绕卫生健康工作展开具体论述。</p>" for i in range(5))
    links = "".join(f'<a href="/{i}">链接{i}</a>' for i in range(30))
    path.write_text(f"<html><body><div>{links}</div><div>{body}</div></body></html>", encoding="utf-8")
    [doc] = read_file(path)
    assert "第0段正文内容" in doc.text and "第4段正文内容" in doc.text
    assert "链接1" not in doc.text


def test_html_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    depth = 5000
    path.write_text(
        "<html><body>" + "<div>" * depth + "深层正文内容" + "</div>" * depth + "<p>尾部段落</p></body></html>",
        encoding="utf-8",
    )
    [doc] = read_file(path)
    assert "深层正文内容" in doc.text and "尾部段落" in doc.text


def test_html_without_text_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<html><body><script>var a=1;</script></body></html>", encoding="utf-8")
    with pytest.raises(ReadError):
        read_file(path)


# ---------------------------------------------------------------- jsonl


def test_jsonl_records_and_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    rows = [
        json.dumps({"id": 7, "title": "工作总结", "text": "今年以来，我局认真贯彻落实。", "year": 2023, "org": "卫生局"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"id": "b2", "content": "为进一步加强管理，制定本方案。"}, ensure_ascii=False),
        "",
        json.dumps({"text": "没有编号的记录。"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    docs = read_file(path)
    assert [d.doc_id for d in docs] == ["7", "b2", "corpus:5"]
    assert docs[0].title == "工作总结"
    assert docs[0].metadata["year"] == 2023 and docs[0].metadata["org"] == "卫生局"
    assert "text" not in docs[0].metadata and "id" not in docs[0].metadata
    assert docs[1].text == "为进一步加强管理，制定本方案。"
    assert any("第 2 行" in w for w in docs[0].warnings)
    assert docs[1].warnings == () and all(d.fmt == "jsonl" for d in docs)


def test_jsonl_all_bad_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{oops\n[1, 2]\n{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ReadError, match="第 1 行不是有效的 JSON"):
        read_file(path)


def test_jsonl_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": 1, "text": "甲"}\n{"id": 1, "text": "乙"}\n', encoding="utf-8")
    docs = read_file(path)
    assert [d.doc_id for d in docs] == ["1", "1#2"]


def test_results_are_independent_copies(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("正文内容", encoding="utf-8")
    first = read_file(path)
    second = copy.deepcopy(read_file(path))
    assert first == second


def test_docx_paragraph_text_tracked_changes_and_text_boxes() -> None:
    from lxml import etree

    from assistant.ingest.docx_numbering import parse_numbering
    from assistant.ingest.read_docx import paragraph_text

    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    p = etree.fromstring(
        f'<w:p xmlns:w="{W}" xmlns:mc="{mc}">'
        "<w:r><w:t>保留</w:t></w:r>"
        "<w:ins><w:r><w:t>插入</w:t></w:r></w:ins>"
        "<w:del><w:r><w:delText>删除</w:delText></w:r></w:del>"
        "<w:r><w:tab/><w:t>制表</w:t><w:br/><w:t>换行</w:t></w:r>"
        "<w:r><mc:AlternateContent>"
        "<mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
        "</w:p>"
    )
    text, boxes = paragraph_text(p, {}, parse_numbering(None))
    assert text == "保留插入\t制表\n换行"
    assert len(boxes) == 1
    assert paragraph_text(boxes[0], {}, parse_numbering(None))[0] == "文本框"


def test_docx_heading_with_manual_line_break_is_one_line(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    title = document.add_paragraph(style="Title")
    title.add_run("关于进一步加强")
    title.add_run().add_break()
    title.add_run("医德医风建设的通知")
    body = document.add_paragraph("第一行")
    body.add_run().add_break()
    body.add_run("第二行")
    path = tmp_path / "breaks.docx"
    document.save(path)
    [doc] = read_file(path)
    assert doc.title == "关于进一步加强医德医风建设的通知"
    assert doc.text.split("\n") == ["关于进一步加强医德医风建设的通知", "第一行", "第二行"]


def test_docx_outline_level_counts_as_heading(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("一、总体要求")
    paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl xmlns:w="{W}" w:val="0"/>'))
    document.add_paragraph("正文。")
    path = tmp_path / "outline.docx"
    document.save(path)
    assert read_file(path)[0].heading_hints == (("一、总体要求", 1),)


_COMMON_SAMPLE = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经"


@given(st.text(alphabet=_COMMON_SAMPLE + "，。、\n 0123456789", min_size=4, max_size=200),
       st.sampled_from(["utf-8", "gb18030", "utf-16-le", "utf-16-be", "utf-16"]))
@settings(max_examples=150, deadline=None)
def test_decode_round_trip_property(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    # BOM-less UTF-16 whose bytes are all printable ASCII (上 is 0A 4E: "\nN") is the same byte
    # string as an ASCII file; no detector can tell them apart, and ASCII is the likelier reading.
    assume(not (data.isascii() and not re.search(rb"[\x00-\x08\x0e-\x1f\x7f]", data)) or encoding == "utf-8")
    if sum(ch in _COMMON_SAMPLE for ch in text) < 2:
        return
    assert decode_bytes(data)[0] == text


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_decode_bytes_never_crashes(data: bytes) -> None:
    try:
        text, name, warnings = decode_bytes(data)
    except ReadError as exc:
        assert "二进制" in exc.reason
    else:
        assert isinstance(text, str) and name and isinstance(warnings, list)


def test_pdf_page_number_lines_removed() -> None:
    from assistant.ingest.read_pdf import clean_page_text

    raw = "- 2 -\r\n二、工作要求\r\n各单位要在 3 日内报送。\r\n— 12 —\r\n第 3 页 共 10 页\r\n3/10"
    assert clean_page_text(raw) == "二、工作要求\n各单位要在 3 日内报送。"
    assert clean_page_text("2023\n正文") == "正文"
    assert clean_page_text("1. 加强领导\n正文") == "1. 加强领导\n正文"
