"""Export: GB/T 9704-2012 layout of the .docx read back with python-docx, Markdown/text
structure and source lists, JSON round trip, safe file names."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

from assistant.export import (OutlineFormatError, cn_numeral, export, format_date, outline_from_dict,
                              outline_from_json, outline_to_dict, outline_to_json, safe_filename,
                              to_markdown, to_text, write_docx)
from assistant.export.layout import strip_number
from assistant.models import DraftParagraph, Outline, Section, SourceRef

REVIEW = "【待核实：2025年投入资金500万元】"
EMU_TOLERANCE = Mm(0.05)


def ref(n: int, title: str, path: tuple[str, ...] = ()) -> SourceRef:
    return SourceRef(doc_id=f"d{n}", para_id=f"d{n}-p{n * 3}", title=title,
                     source=f"corpus/{title}.txt", heading_path=path)


SOURCES = {
    "opening": ref(1, "关于2024年乡村振兴工作的总结", ("一、工作情况",)),
    "invest": ref(2, "某县农业农村局2024年工作总结", ("一、主要做法", "（一）资金保障")),
    "sub": ref(3, "关于推进高标准农田建设的实施意见", ()),
    "closing": ref(4, "某市2023年工作报告", ("三、下一步打算",)),
}


def make_outline() -> Outline:
    """2 sections, the first with two sub-sections; a 待核实 mark; 4 of 6 paragraphs sourced."""
    def para(text: str, key: str | None = None) -> DraftParagraph:
        return DraftParagraph(text=text, source=SOURCES.get(key) if key else None)

    work = Section(
        heading="一、主要工作情况",  # numbering already written: must not be doubled
        roles=("主要做法/工作情况",),
        paragraphs=(para(f"全年统筹各类资金支持乡村产业发展，{REVIEW}，重点支持特色种养业和农产品加工。",
                         "invest"),),
        subsections=(Section(heading="高标准农田建设", roles=("主要做法/工作情况",), level=2,
                             paragraphs=(para("新建高标准农田2.5万亩，完成年度任务的112%。", "sub"),)),
                     Section(heading="人居环境整治", roles=("成效",), level=2,
                             paragraphs=(para("农村卫生厕所普及率稳步提高，生活垃圾得到有效处理。"),))),
    )
    plan = Section(heading="下一步打算", roles=("下一步打算",),
                   paragraphs=(para("持续巩固拓展脱贫攻坚成果，守住不发生规模性返贫底线。"),))
    return Outline(
        doctype="总结", title="某县2025年乡村振兴工作总结", org="某县农业农村局", year=2025,
        topic="乡村振兴", sections=(work, plan),
        opening=(para("2025年，我局坚持以习近平新时代中国特色社会主义思想为指导，扎实推进乡村全面振兴。",
                      "opening"),),
        closing=(para("特此报告。", "closing"),),
        addressee="县人民政府", date="2026-11-22", keywords=("乡村振兴", "高标准农田"),
    )


@pytest.fixture(scope="module")
def outline() -> Outline:
    return make_outline()


@pytest.fixture(scope="module")
def docx_file(outline, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "总结.docx"
    assert write_docx(outline, path) == [path]
    return path


@pytest.fixture(scope="module")
def document(docx_file):
    return docx.Document(str(docx_file))


def east_asia(run_or_style) -> str | None:
    fonts = run_or_style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def paragraph_with(document, text: str):
    return next(p for p in document.paragraphs if text in p.text)


# --- .docx: page ---------------------------------------------------------------------------

def test_page_is_a4_with_gbt9704_margins(document):
    section = document.sections[0]
    expected = {"page_width": Mm(210), "page_height": Mm(297), "top_margin": Mm(37),
                "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}
    for name, value in expected.items():
        assert abs(getattr(section, name) - value) <= EMU_TOLERANCE, name
    text_block = (section.page_width - section.left_margin - section.right_margin,
                  section.page_height - section.top_margin - section.bottom_margin)
    assert abs(text_block[0] - Mm(156)) <= 2 * EMU_TOLERANCE
    assert abs(text_block[1] - Mm(225)) <= 2 * EMU_TOLERANCE


def test_document_grid_gives_22_lines_of_28_characters(document):
    section = document.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    line_pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    text_height_pt = Emu(section.page_height - section.top_margin - section.bottom_margin).pt
    assert int(text_height_pt // line_pitch_pt) == 22
    char_pitch_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    text_width_pt = Emu(section.page_width - section.left_margin - section.right_margin).pt
    assert int(text_width_pt // char_pitch_pt) == 28


def test_normal_style_is_body_text(document):
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert east_asia(normal) == "仿宋_GB2312"
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert abs(fmt.line_spacing.pt - 28.95) < 0.01
    assert fmt.first_line_indent == Pt(32)


# --- .docx: text ----------------------------------------------------------------------------

def test_title_is_22pt_xiaobiaosong_centred_then_blank_line(document):
    title, after = document.paragraphs[0], document.paragraphs[1]
    assert title.text == "某县2025年乡村振兴工作总结"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        assert run.font.size == Pt(22)
        assert east_asia(run) == "方正小标宋简体"
    assert after.text == ""


def test_addressee_flush_left_with_colon(document):
    addressee = document.paragraphs[2]
    assert addressee.text == "县人民政府："
    assert addressee.paragraph_format.first_line_indent == 0


def test_body_paragraph_layout(document):
    body = paragraph_with(document, "新建高标准农田")
    fmt = body.paragraph_format
    assert fmt.first_line_indent == Pt(32)
    assert body.style.name == "Normal"
    assert (fmt.alignment or body.style.paragraph_format.alignment) == WD_ALIGN_PARAGRAPH.JUSTIFY
    spacing = fmt.line_spacing or body.style.paragraph_format.line_spacing
    assert abs(spacing.pt - 28.95) < 0.01
    text_runs = [r for r in body.runs if not r.font.superscript]
    for run in text_runs:
        assert run.font.size == Pt(16)
        assert east_asia(run) == "仿宋_GB2312"


@pytest.mark.parametrize("text, font, bold", [
    ("一、主要工作情况", "黑体", False),
    ("（一）高标准农田建设", "楷体_GB2312", False),
    ("（二）人居环境整治", "楷体_GB2312", False),
    ("二、下一步打算", "黑体", False),
])
def test_headings_numbered_by_position_with_level_fonts(document, text, font, bold):
    heading = next(p for p in document.paragraphs if p.text == text)
    assert heading.paragraph_format.first_line_indent == Pt(32)
    for run in heading.runs:
        assert east_asia(run) == font
        assert run.font.size == Pt(16)
        assert bool(run.font.bold) == bold


def test_heading_order(document):
    headings = [p.text for p in document.paragraphs
                if p.text[:1] in "一二" and "、" in p.text[:3] or p.text.startswith("（")]
    assert headings == ["一、主要工作情况", "（一）高标准农田建设", "（二）人居环境整治", "二、下一步打算"]


def test_review_mark_is_highlighted(document):
    paragraph = paragraph_with(document, REVIEW)
    marked = [r for r in paragraph.runs if r.text == REVIEW]
    assert len(marked) == 1 and marked[0].font.highlight_color == WD_COLOR_INDEX.YELLOW
    others = [r for r in paragraph.runs if r.text != REVIEW]
    assert all(r.font.highlight_color is None for r in others)


def test_signature_and_date_right_aligned(document):
    org, date = paragraph_with(document, "某县农业农村局"), paragraph_with(document, "2026年11月22日")
    assert date.text == "2026年11月22日"
    for paragraph in (org, date):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert paragraph.paragraph_format.first_line_indent == 0
    assert date.paragraph_format.right_indent == Pt(64)  # 右空四字
    paragraphs = document.paragraphs
    i = paragraphs.index(next(p for p in paragraphs if p._p is org._p))
    assert paragraphs[i + 1]._p is date._p
    assert paragraphs[i - 1].text == "" and paragraphs[i - 2].text == ""
    assert paragraphs[i - 3].text == "特此报告。[4]"


# --- .docx: footers and sources ---------------------------------------------------------------

def test_page_numbers_on_outer_side_of_odd_and_even_pages(document):
    settings = document.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = document.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        assert not footer.is_linked_to_previous
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert "PAGE" in "".join(t.text for t in paragraph._p.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1 and 'w:fldCharType="end"' in xml
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.alignment == align
        for run in paragraph.runs:
            assert run.font.size == Pt(14)
            assert east_asia(run) == "宋体"
    assert section.footer.paragraphs[0].paragraph_format.right_indent == Pt(16)
    assert section.even_page_footer.paragraphs[0].paragraph_format.left_indent == Pt(16)


def test_appendix_lists_every_sourced_paragraph(document):
    texts = [p.text for p in document.paragraphs]
    start = texts.index("附：素材来源")
    assert document.paragraphs[start].paragraph_format.page_break_before
    entries = texts[start + 1:]
    assert len(entries) == len(SOURCES)
    for n, source in enumerate(SOURCES.values(), start=1):
        line = entries[n - 1]
        assert line.startswith(f"{n}. 《{source.title}》（{source.source}）段落 {source.para_id}")
    assert entries[1].endswith("— 一、主要做法 › （一）资金保障")
    markers = [r.text for p in document.paragraphs[:start] for r in p.runs if r.font.superscript]
    assert markers == ["[1]", "[2]", "[3]", "[4]"]


def test_docx_separate_and_none(outline, tmp_path):
    written = write_docx(outline, tmp_path / "稿.docx", sources="separate")
    assert written == [tmp_path / "稿.docx", tmp_path / "稿_素材来源.md"]
    listing = written[1].read_text(encoding="utf-8")
    assert all(s.title in listing for s in SOURCES.values())
    for mode in ("separate", "none"):
        path = write_docx(outline, tmp_path / f"{mode}.docx", sources=mode)[0]
        document = docx.Document(str(path))
        assert "附：素材来源" not in [p.text for p in document.paragraphs]
        assert not [r for p in document.paragraphs for r in p.runs if r.font.superscript]
    assert not (tmp_path / "none_素材来源.md").exists()


def test_docx_review_mark_in_title_and_line_break(tmp_path):
    from dataclasses import replace

    outline = replace(make_outline(), title="关于【待核实：某项】工作的\n通知", org="", addressee="")
    document = docx.Document(str(write_docx(outline, tmp_path / "t.docx", sources="none")[0]))
    title = document.paragraphs[0]
    assert "<w:br/>" in title._p.xml and title.text == "关于【待核实：某项】工作的\n通知"
    assert [r.text for r in title.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW] == ["【待核实：某项】"]
    assert paragraph_with(document, "2026年11月22日").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert not [p for p in document.paragraphs if p.text.endswith("：") and p.text != title.text]


# --- Markdown and plain text --------------------------------------------------------------------

EXPECTED_HEADINGS = ["一、主要工作情况", "（一）高标准农田建设", "（二）人居环境整治", "二、下一步打算"]


def test_markdown_structure(outline):
    text = to_markdown(outline)
    lines = text.splitlines()
    assert lines[0] == "# 某县2025年乡村振兴工作总结"
    headings = [line for line in lines if line.startswith("##") and "素材来源" not in line]
    assert headings == ["## 一、主要工作情况", "### （一）高标准农田建设", "### （二）人居环境整治",
                        "## 二、下一步打算"]
    order = ["县人民政府：", "2025年，我局", "## 一、", REVIEW, "### （一）", "新建高标准农田", "### （二）",
             "## 二、", "持续巩固", "特此报告。", "某县农业农村局", "2026年11月22日", "## 附：素材来源"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_markdown_source_list_maps_every_reused_paragraph(outline):
    text = to_markdown(outline)
    appendix = text.split("## 附：素材来源", 1)[1]
    entries = [line for line in appendix.splitlines() if line.strip()]
    assert len(entries) == len(SOURCES)
    for n, (key, source) in enumerate(SOURCES.items(), start=1):
        assert entries[n - 1].startswith(f"{n}. 《{source.title}》（`{source.source}`）段落 {source.para_id}")
    body = text.split("## 附：素材来源", 1)[0]
    assert "振兴。[1]" in body and "加工。[2]" in body and "112%。[3]" in body and "特此报告。[4]" in body
    assert "处理。[" not in body  # the paragraph without a source has no marker


def test_text_layout(outline):
    text = to_text(outline)
    lines = text.splitlines()
    assert lines[:3] == ["某县2025年乡村振兴工作总结", "", "县人民政府："]
    assert lines[3].startswith("\u3000\u30002025年，我局")
    headings = [line.strip("\u3000") for line in lines if line.strip("\u3000") in EXPECTED_HEADINGS]
    assert headings == EXPECTED_HEADINGS
    date_line = next(line for line in lines if line.endswith("2026年11月22日"))
    assert len(date_line) - len(date_line.lstrip("\u3000")) == 17  # 28 − 4 − 7 characters
    assert "附：素材来源" in lines
    assert lines[-1].startswith("4. 《某市2023年工作报告》（corpus/某市2023年工作报告.txt）段落 d4-p12")


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_separate_mode_writes_second_file(outline, tmp_path, suffix):
    path = tmp_path / f"总结{suffix}"
    written = export(outline, path, sources="separate")
    assert written == [path, tmp_path / "总结_素材来源.md"]
    main = path.read_text(encoding="utf-8")
    assert "素材来源" not in main and "[1]" not in main
    listing = written[1].read_text(encoding="utf-8")
    for n, source in enumerate(SOURCES.values(), start=1):
        assert f"{n}. 《{source.title}》" in listing
    assert "用于：全年统筹各类资金" in listing


def test_none_mode_has_no_list(outline, tmp_path):
    assert "素材来源" not in to_markdown(outline, sources="none")
    assert export(outline, tmp_path / "a.txt", sources="none") == [tmp_path / "a.txt"]


def test_markdown_escapes_paragraphs_that_look_like_markup():
    from dataclasses import replace

    outline = replace(make_outline(), opening=(DraftParagraph("1. 提高认识。"), DraftParagraph("# 号")))
    text = to_markdown(outline, sources="none")
    assert "\n\\1. 提高认识。\n" in text and "\n\\# 号\n" in text


# --- export dispatcher -----------------------------------------------------------------------

def test_export_dispatches_by_suffix(outline, tmp_path):
    for suffix in (".docx", ".md", ".txt", ".json", ".DOCX"):
        path = tmp_path / f"稿{suffix}"
        assert export(outline, path) == [path] and path.stat().st_size > 0
    with pytest.raises(ValueError, match="不支持的导出格式“.pdf”"):
        export(outline, tmp_path / "稿.pdf")
    with pytest.raises(ValueError, match="无扩展名"):
        export(outline, tmp_path / "稿")
    with pytest.raises(ValueError, match="素材来源方式无效"):
        export(outline, tmp_path / "稿.md", sources="footnotes")


# --- JSON --------------------------------------------------------------------------------------

def test_json_round_trip_is_exact(outline, tmp_path):
    from dataclasses import replace

    rich = replace(outline, sections=outline.sections + (Section(
        heading="附则", roles=(), level=1,
        paragraphs=(DraftParagraph("本方案自印发之日起施行。", precedent="原文", review=("日期",), score=0.25),),
        alternatives=((DraftParagraph("备选一", source=SOURCES["sub"]), DraftParagraph("备选二")),)),))
    assert outline_from_dict(outline_to_dict(rich)) == rich
    text = outline_to_json(rich)
    assert "乡村振兴" in text  # ensure_ascii=False: Chinese stays readable
    assert outline_from_json(text) == rich
    assert outline_from_dict(json.loads(text)) == rich
    path = export(rich, tmp_path / "稿.json")[0]
    assert outline_from_json(path.read_text(encoding="utf-8")) == rich
    assert json.loads(text)["sections"][0]["subsections"][0]["heading"] == "高标准农田建设"
    assert json.loads(text)["sections"][1]["paragraphs"][0]["source"] is None


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("title"), "缺少字段“title”（标题）"),
    (lambda d: d["sections"][0]["paragraphs"][0].pop("text"),
     "缺少字段“text”（段落正文），位置：sections[0].paragraphs[0]"),
    (lambda d: d["sections"][0]["subsections"][1].pop("heading"),
     "缺少字段“heading”（章节标题），位置：sections[0].subsections[1]"),
    (lambda d: d["opening"][0]["source"].pop("para_id"),
     "缺少字段“para_id”（段落编号），位置：opening[0].source"),
    (lambda d: d.__setitem__("year", "2025"), "应为整数，实际是 str，位置：year"),
    (lambda d: d.__setitem__("sections", {}), "应为列表"),
    (lambda d: d.__setitem__("version", 99), "高于本程序支持的版本"),
])
def test_json_errors_name_the_field(outline, mutate, message):
    data = json.loads(outline_to_json(outline))
    mutate(data)
    with pytest.raises(OutlineFormatError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        outline_from_dict(data)


def test_json_rejects_bad_text():
    with pytest.raises(OutlineFormatError, match="不是有效的 JSON"):
        outline_from_json("{")
    with pytest.raises(OutlineFormatError, match="应为对象"):
        outline_from_dict([])


# --- names, numbering, dates -------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc_passwd"),
    ("a/b\\c:d*?.docx", "a_b_c_d.docx"),
    ("", "未命名"),
    ("..", "未命名"),
    ("关于2025年工作的总结.docx", "关于2025年工作的总结.docx"),
    ('报<告>|"\x00\x1f\u202e.md', "报_告.md"),
    ("CON.txt", "CON_.txt"),
    (" .hidden. ", "hidden"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_limits_length_and_keeps_suffix():
    name = safe_filename("长" * 200 + ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= 180 and name.startswith("长长")
    assert "/" not in safe_filename("/" * 300) and safe_filename("/" * 300) == "未命名"


def test_numbering_and_stripping():
    assert [cn_numeral(n) for n in (1, 9, 10, 11, 20, 21, 99)] == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]
    assert strip_number("一、总体要求") == "总体要求"
    assert strip_number("（三）加强保障") == "加强保障"
    assert strip_number("2.工作步骤") == "工作步骤"
    assert strip_number("（4）其他") == "其他"
    assert strip_number("2025年工作") == "2025年工作"
    assert strip_number("一是加强领导") == "一是加强领导"


def test_four_levels_and_deeper():
    def nest(depth: int) -> Section:
        sub = (nest(depth + 1),) if depth < 5 else ()
        return Section(heading=f"第{depth}层", roles=(), level=depth, subsections=sub)

    outline = Outline(doctype="方案", title="题", org="", year=2026, topic="", sections=(nest(1),), date="2026-1-5")
    text = to_markdown(outline)
    for line in ("## 一、第1层", "### （一）第2层", "#### 1.第3层", "##### （1）第4层", "##### （1）第5层"):
        assert line in text.splitlines()
    assert text.rstrip().endswith("2026年1月5日")


def test_dates():
    assert format_date("2026-11-22") == "2026年11月22日"
    assert format_date("2026/01/05") == "2026年1月5日"
    assert format_date("2026年3月8日") == "2026年3月8日"
    assert format_date("", today=dt.date(2027, 2, 3)) == "2027年2月3日"
    today = dt.date.today()
    assert format_date("") == f"{today.year}年{today.month}月{today.day}日"
    for bad in ("明年", "2026-02-30"):
        with pytest.raises(ValueError, match="成文日期"):
            format_date(bad)


def test_exports_name_sources_relative_to_the_corpus_root(tmp_path):
    """Exports never show this machine's absolute paths; the .json outline keeps the full reference."""
    from assistant.compose.passages import corpus_root, relative_to

    root = corpus_root("/home/u/corpus/laws/a.md", "/home/u/corpus/seeds/000_x.txt")
    assert root == "/home/u/corpus" and corpus_root("/home/u/c/a.txt", "/home/u/c/a.txt") == "/home/u/c"
    assert relative_to("/home/u/corpus/seeds/000_x.txt", root) == "seeds/000_x.txt"
    assert relative_to("/elsewhere/b.txt", root) == "b.txt"
    new = SourceRef(doc_id="d9", para_id="d9#4", title="卫生局2010年软环境建设工作总结",
                    source="/home/u/corpus/seeds/000_x.txt", relpath="seeds/000_x.txt", doc_number="某卫发〔2010〕3号")
    old = SourceRef(doc_id="d8", para_id="d8#1", title="旧稿来源", source="/home/u/corpus/laws/a.md")
    outline = Outline(doctype="工作总结", title="某县卫生健康局2026年工作总结", org="某县卫生健康局", year=2026,
                      topic="医德医风建设", sections=(Section(heading="主要做法", roles=("主要做法",), paragraphs=(
                          DraftParagraph("加强组织领导。", source=new), DraftParagraph("健全制度。", source=old)),),))
    written = []
    for suffix in (".docx", ".md", ".txt"):
        written += export(outline, tmp_path / f"稿{suffix}", sources="separate")
        written += export(outline, tmp_path / f"附{suffix}")
    for path in written:
        text = path.read_text(encoding="utf-8") if path.suffix != ".docx" else \
            "\n".join(p.text for p in __import__("docx").Document(str(path)).paragraphs)
        assert "/home/u" not in text, path
        if "素材来源" in text and path.suffix in (".md", ".txt", ".docx"):
            assert "某卫发〔2010〕3号，" in text and "seeds/000_x.txt" in text and "a.md" in text, path
    data = outline_to_dict(outline)
    assert data["sections"][0]["paragraphs"][0]["source"]["source"] == "/home/u/corpus/seeds/000_x.txt"
    assert outline_from_dict(data) == outline
