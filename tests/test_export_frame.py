"""版头, 附件说明, 署名 without seal and 版记 in the .docx export, read back property by property
(python-docx + the XML); the layout verifier on our export and on a foreign .docx; a LibreOffice
rendering of page 1 with the red 版头."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn

from assistant.cli import _with_frame, build_parser
from assistant.export.docx import write_docx
from assistant.export.docx_frame import copy_number, unsealed_indents
from assistant.export.outline_json import outline_from_json, outline_to_json
from assistant.models import DraftParagraph, Frame, Outline, Section
from assistant.norms.layout_check import LayoutError, check_layout

ROOT = Path(__file__).resolve().parents[1]
FRAME = Frame(copy_no="12", secrecy="秘密★1年", urgency="特急", issuer="某县卫生健康局文件",
              doc_number="某县卫发〔2026〕7号", attachments=("检查表。", "汇总表"),
              cc="县纪委监委，县委宣传部", printed_by="某县卫生健康局办公室", printed_on="2026-03-18")


def outline(frame: Frame = Frame(), doctype: str = "通知") -> Outline:
    body = "加强医德医风建设，落实各项制度，做好专项检查工作。" * 3
    return Outline(doctype, "某县卫生健康局关于开展医德医风专项检查的通知", "某县卫生健康局", 2026, "医德医风",
                   (Section("总体要求", (), (DraftParagraph(body),)), Section("工作安排", (), (DraftParagraph(body),))),
                   addressee="各乡镇卫生院", date="2026-03-18", frame=frame)


def texts(path: Path) -> list:
    return [p for p in Document(str(path)).paragraphs if p.text.strip()]


def east_asia(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_masthead_read_back(tmp_path):
    path = tmp_path / "通知.docx"
    write_docx(outline(FRAME), path, sources="none")
    paragraphs = texts(path)
    assert [p.text for p in paragraphs[:5]] == ["000012", "秘密★1年", "特急", "某县卫生健康局文件", "某县卫发〔2026〕7号"]
    for mark in paragraphs[1:3]:  # 密级、紧急程度：3号黑体，顶格
        assert east_asia(mark.runs[0]) == "黑体" and mark.runs[0].font.size.pt == 16
    issuer = paragraphs[3]
    run = issuer.runs[0]
    assert str(run.font.color.rgb) == "FF0000" and east_asia(run) == "方正小标宋简体" and run.font.size.pt == 36
    assert int(issuer.alignment) == 1  # centred
    # 35 mm from the text block's top: three 28.95 pt lines above plus the space before
    space_mm = issuer.paragraph_format.space_before.mm
    assert 35 - 3 * 28.95 * 25.4 / 72 - 2 <= space_mm <= 35 - 3 * 28.95 * 25.4 / 72
    number = paragraphs[4]
    assert int(number.alignment) == 1
    bottom = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000" and bottom.get(qn("w:val")) == "single"
    assert int(number.paragraph_format.left_indent or 0) == 0 and number.paragraph_format.right_indent is None
    title = paragraphs[5]
    assert title.text.startswith("某县卫生健康局关于") and east_asia(title.runs[0]) == "方正小标宋简体"
    body = Document(str(path)).paragraphs
    gap = [p.text for p in body[body.index(next(p for p in body if p.text == number.text)) + 1:][:2]]
    assert gap == ["", ""]  # 标题在红色分隔线下空二行


def test_upward_document_has_signer_on_the_number_line(tmp_path):
    path = tmp_path / "请示.docx"
    frame = Frame(issuer="某县教育局文件", doc_number="某县教发〔2026〕3号", signer="张三")
    write_docx(outline(frame, "请示"), path, sources="none")
    line = next(p for p in texts(path) if "签发人" in p.text)
    assert line.text == "\u3000某县教发〔2026〕3号\t签发人：张三"
    assert [east_asia(r) for r in line.runs] == ["仿宋_GB2312", "仿宋_GB2312", "楷体_GB2312"]
    tab = line._p.pPr.find(qn("w:tabs")).find(qn("w:tab"))
    assert tab.get(qn("w:val")) == "right" and int(tab.get(qn("w:pos"))) == round((442.2 - 16) * 20)


def test_attachments_signature_and_colophon(tmp_path):
    path = tmp_path / "通知.docx"
    write_docx(outline(FRAME), path, sources="none")
    paragraphs = texts(path)
    first = next(i for i, p in enumerate(paragraphs) if p.text.startswith("附件："))
    assert [p.text for p in paragraphs[first:first + 2]] == ["附件：1.检查表", "2.汇总表"]  # no end punctuation
    ind = paragraphs[first + 1]._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:leftChars")) == "500"  # aligned with the first name
    cc, printed = paragraphs[-2], paragraphs[-1]
    assert cc.text == "抄送：县纪委监委，县委宣传部。" and cc.runs[0].font.size.pt == 14
    assert cc._p.pPr.find(qn("w:ind")).get(qn("w:hangingChars")) == "300"
    assert printed.text == "某县卫生健康局办公室\t2026年3月18日印发"
    top = cc._p.pPr.find(qn("w:pBdr")).find(qn("w:top"))
    thin = cc._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    thick = printed._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (top.get(qn("w:sz")), thin.get(qn("w:sz")), thick.get(qn("w:sz"))) == ("8", "6", "8")
    frames = [p._p.pPr.find(qn("w:framePr")) for p in (cc, printed)]
    y_cc, y_printed = (int(f.get(qn("w:y"))) for f in frames)
    h_printed = int(frames[1].get(qn("w:h")))
    assert frames[1].get(qn("w:vAnchor")) == "margin"
    assert y_printed + h_printed == round(225 / 25.4 * 72 * 20)  # ends on the text block's bottom edge
    assert y_cc < y_printed


@pytest.mark.parametrize("org, date", [("某县卫生健康局", "2026年3月18日"), ("某局", "2026年12月18日"),
                                       ("某某县人民政府办公室", "2026年3月8日")])
def test_unsealed_signature_indents(org, date):
    """7.3.5.2: 署名右空二字, the date starting two characters right of the 署名 (or the date
    right-indented two characters and the 署名 moved left when the date is longer)."""
    from assistant.export.layout import text_width

    org_right, date_right = unsealed_indents(org, date)
    assert (org_right + text_width(org)) - (date_right + text_width(date)) == 2
    assert min(org_right, date_right) == 2


def test_copy_number_is_six_digits():
    assert copy_number("12") == "000012" and copy_number("000123") == "000123" and copy_number("A1") == "A1"


def test_frame_round_trips_through_json_and_old_outlines_still_read():
    full = outline(dataclasses.replace(FRAME, sealed=False))
    assert outline_from_json(outline_to_json(full)) == full
    old = outline_to_json(outline()).replace('"frame"', '"_unused"')
    assert outline_from_json(old).frame == Frame()


def test_compose_flags_fill_the_frame():
    args = build_parser().parse_args([
        "compose", "--doctype", "通知", "--topic", "检查", "--issuer", "某县卫生健康局文件",
        "--doc-number", "某县卫发〔2026〕7号", "--signer", "姓名", "--cc", "抄送机关", "--printed-by", "印发机关",
        "--printed-on", "2026-03-18", "--copy-no", "1", "--secrecy", "秘密", "--urgency", "加急",
        "--attachment", "甲", "--attachment", "乙", "--no-seal"])
    frame = _with_frame(outline(), args).frame
    assert frame == Frame(copy_no="1", secrecy="秘密", urgency="加急", issuer="某县卫生健康局文件",
                          doc_number="某县卫发〔2026〕7号", signer="姓名", attachments=("甲", "乙"), cc="抄送机关",
                          printed_by="印发机关", printed_on="2026-03-18", sealed=False)


@pytest.mark.parametrize("frame", [Frame(), FRAME, Frame(issuer="某县教育局文件", doc_number="某县教发〔2026〕3号",
                                                         signer="张三", sealed=False)])
@pytest.mark.parametrize("sources", ["appendix", "none"])
def test_our_export_passes_the_layout_verifier(tmp_path, frame, sources):
    path = tmp_path / "稿.docx"
    write_docx(dataclasses.replace(outline(frame), sections=tuple(
        dataclasses.replace(s, paragraphs=tuple(dataclasses.replace(p, source=None) for p in s.paragraphs))
        for s in outline(frame).sections)), path, sources=sources)
    assert check_layout(path) == []


def test_layout_verifier_lists_deviations_of_a_foreign_docx(tmp_path):
    path = tmp_path / "外来.docx"
    document = Document()
    document.add_paragraph("关于某事的通知")
    document.add_paragraph("一、总体要求")
    document.add_paragraph("正文" * 20)
    document.save(str(path))
    rules = {f.rule for f in check_layout(path)}
    assert {"layout.page_size", "layout.margin", "layout.page_number", "layout.font", "layout.size"} <= rules
    ours = tmp_path / "改.docx"
    write_docx(outline(FRAME), ours, sources="none")
    document = Document(str(ours))
    heading = next(p for p in document.paragraphs if p.text.startswith("一、"))
    heading.runs[0]._r.rPr.find(qn("w:rFonts")).set(qn("w:eastAsia"), "宋体")
    document.sections[0].top_margin = document.sections[0].top_margin // 2
    document.save(str(ours))
    found = {(f.rule, f.text) for f in check_layout(ours)}
    assert ("layout.font", "一、总体要求") in found and any(rule == "layout.margin" for rule, _ in found)
    with pytest.raises(LayoutError, match="只支持 .docx"):
        check_layout(tmp_path / "a.txt")


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice or poppler not installed")
def test_rendered_through_libreoffice_red_masthead_on_page_one(tmp_path):
    from PIL import Image

    path = tmp_path / "通知.docx"
    write_docx(outline(FRAME), path, sources="none")
    subprocess.run(["bash", str(ROOT / "scripts" / "render_docx.sh"), str(path), str(tmp_path / "png"), "40"],
                   check=True, timeout=240, capture_output=True)
    pages = sorted((tmp_path / "png").glob("通知-*.png"))
    assert len(pages) == 2
    first = Image.open(pages[0]).convert("RGB")
    width, height = first.size

    def red_rows(image) -> list[int]:
        return [y for y in range(image.size[1]) if any(
            (lambda p: p[0] > 200 and p[1] < 80 and p[2] < 80)(image.getpixel((x, y))) for x in range(0, image.size[0], 2))]

    rows = red_rows(first)
    assert rows and max(rows) < height * 0.45  # the red 版头 (issuer and rule) in the top part of page 1
    assert red_rows(Image.open(pages[1]).convert("RGB")) == []


LETTER = Frame(copy_no="1", issuer="某县卫生健康局", doc_number="某县卫函〔2026〕7号", cc="县纪委监委",
               printed_by="不应出现的印发机关", printed_on="2026-03-18", letter=True)


def test_letter_format_read_back(tmp_path):
    """信函格式 (10.1): issuer 30 mm from the page top with a thick-thin red line 4 mm below, a thin-thick
    line 20 mm above the page bottom, both 170 mm; 份号 left and 文号 right below the line; page 1 has
    no page number; the 版记 has only 抄送, without lines."""
    path = tmp_path / "函.docx"
    write_docx(outline(LETTER, "函"), path, sources="none")
    document = Document(str(path))
    body = document.paragraphs
    issuer, bottom = body[0], body[1]
    top_frame, bottom_frame = (p._p.pPr.find(qn("w:framePr")) for p in (issuer, bottom))
    assert top_frame.get(qn("w:vAnchor")) == "page" and int(top_frame.get(qn("w:y"))) == round(30 / 25.4 * 72 * 20)
    assert int(bottom_frame.get(qn("w:y"))) == round((297 - 20) / 25.4 * 72 * 20)
    assert int(top_frame.get(qn("w:w"))) == round(170 / 25.4 * 72 * 20)
    line = issuer._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (line.get(qn("w:val")), line.get(qn("w:color"))) == ("thickThinSmallGap", "FF0000")
    assert bottom._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:val")) == "thinThickSmallGap"
    assert str(issuer.runs[0].font.color.rgb) == "FF0000"
    assert body[2].text == "000001\t某县卫函〔2026〕7号"
    section = document.sections[0]
    assert section.different_first_page_header_footer and "PAGE" not in section.first_page_footer._element.xml
    texts_ = [p.text for p in body if p.text.strip()]
    assert texts_[-1] == "抄送：县纪委监委。" and not any("印发" in t for t in texts_)
    assert document.paragraphs[-1]._p.pPr.find(qn("w:pBdr")) is None
    assert check_layout(path) == []
    assert outline_from_json(outline_to_json(outline(LETTER))) == outline(LETTER)


def test_layout_verifier_checks_page_number_and_colophon_sizes(tmp_path):
    from docx.shared import Pt

    path = tmp_path / "通知.docx"
    write_docx(outline(FRAME), path, sources="none")
    document = Document(str(path))
    next(p for p in document.paragraphs if p.text.startswith("抄送")).runs[0].font.size = Pt(16)
    for run in document.sections[0].footer.paragraphs[0].runs:
        run.font.size = Pt(10)
    document.save(str(path))
    assert {f.rule for f in check_layout(path)} == {"layout.page_number_size", "layout.colophon_size"}


def test_layout_verifier_measures_issuer_position_red_line_and_grid(tmp_path):
    """7.2.3 (35 mm), 7.2.7 (156 mm), 5.2.2 (28 characters, 22 lines): our export passes — also with
    签发人 and as a letter — and a copy changed with python-docx is reported, rule by rule."""
    from docx.shared import Mm, Pt

    for frame in (FRAME, dataclasses.replace(FRAME, signer="张三"), dataclasses.replace(FRAME, letter=True)):
        path = tmp_path / "ours.docx"
        write_docx(outline(frame), path, sources="none")
        assert check_layout(path) == []

    def changed(edit, frame=FRAME):
        path = tmp_path / "changed.docx"
        write_docx(outline(frame), path, sources="none")
        document = Document(str(path))
        edit(document)
        document.save(str(path))
        return {f.rule: f for f in check_layout(path)}

    def issuer_of(document):
        return next(p for p in document.paragraphs if p.text == FRAME.issuer)

    def lower_issuer(document):
        issuer_of(document).paragraph_format.space_before = Mm(20)
    found = changed(lower_issuer)
    assert set(found) == {"layout.issuer_position"} and "35 mm" in found["layout.issuer_position"].message
    assert found["layout.issuer_position"].text == FRAME.issuer

    def red_left_note(document):  # a red line that is not centred is not taken for the 发文机关标志
        issuer_of(document).alignment = 0
    assert "layout.issuer_position" not in changed(red_left_note)

    def remove_marks(document):  # 份号、密级、紧急程度 gone, the space before left as it was: 3 lines too low
        for p in document.paragraphs[:3]:
            p._p.getparent().remove(p._p)
    assert set(changed(remove_marks)) == {"layout.issuer_position"}

    def short_line(document):
        number = next(p for p in document.paragraphs if p.text == FRAME.doc_number)
        number.paragraph_format.left_indent = Mm(20)
    found = changed(short_line)
    assert set(found) == {"layout.red_rule_width"} and "156 mm" in found["layout.red_rule_width"].message

    def no_char_grid(document):
        document.sections[0]._sectPr.find(qn("w:docGrid")).set(qn("w:charSpace"), "0")
    found = changed(no_char_grid)
    assert set(found) == {"layout.chars_per_line"} and "27" in found["layout.chars_per_line"].message

    def wide_lines(document):
        document.styles["Normal"].paragraph_format.line_spacing = Pt(31)
    assert "layout.lines_per_page" in changed(wide_lines)

    def letter_moved(document):
        issuer_of(document)._p.pPr.find(qn("w:framePr")).set(qn("w:y"), str(round(Mm(45).pt * 20)))
    found = changed(letter_moved, dataclasses.replace(FRAME, letter=True))
    assert set(found) == {"layout.issuer_position"} and "上页边" in found["layout.issuer_position"].message

    def letter_line(document):
        issuer_of(document)._p.pPr.find(qn("w:framePr")).set(qn("w:w"), str(round(Mm(156).pt * 20)))
    found = changed(letter_line, dataclasses.replace(FRAME, letter=True))
    assert set(found) == {"layout.red_rule_width"} and "170 mm" in found["layout.red_rule_width"].message


def long_outline(sections: int, frame: Frame = FRAME) -> Outline:
    """Three body paragraphs (3 rows each) and a heading per section: 10 rows a section."""
    body = "加强医德医风建设，落实各项制度，做好专项检查工作。" * 3
    parts = tuple(Section(f"第{k}部分", (), tuple(DraftParagraph(body) for _ in range(3))) for k in range(sections))
    return Outline("通知", "某县卫生健康局关于开展医德医风专项检查的通知", "某县卫生健康局", 2026, "医德医风",
                   parts + (Section("其他", (), (DraftParagraph("落实责任。"),)),),
                   addressee="各乡镇卫生院", date="2026-03-19", frame=frame)


# sections → (page the 成文日期 ends on, where the 版记 goes): measured with LibreOffice below; the
# estimate agreed with the rendering to the row on 16 lengths. 0: page 2 holds only the 署名 and
# the date — too close to the page's top to trust, so the 版记 goes two pages on; 1: room on page 2;
# 2: page 2 full; 3: ends on page 3.
PLACEMENTS = {0: (2, "after_blank"), 1: (2, "same"), 2: (2, "after_blank"), 3: (3, "next")}


@pytest.mark.parametrize("sections", sorted(PLACEMENTS))
def test_colophon_goes_to_an_even_page(tmp_path, sections):
    from assistant.export import docx_pages
    from assistant.export.docx import CHARS_PER_LINE, LINE_PITCH_TWIPS, TEXT_HEIGHT_PT, TEXT_WIDTH_PT

    page, place = PLACEMENTS[sections]
    bare = tmp_path / "bare.docx"
    write_docx(long_outline(sections, dataclasses.replace(FRAME, cc="", printed_by="", printed_on="")), bare,
               sources="none")
    args = (TEXT_WIDTH_PT, TEXT_HEIGHT_PT, LINE_PITCH_TWIPS / 20, CHARS_PER_LINE)
    assert docx_pages.flow_end(Document(str(bare)), *args)[0] == page
    assert docx_pages.colophon_placement(Document(str(bare)), 49, *args) == place
    path = tmp_path / "稿.docx"
    write_docx(long_outline(sections), path, sources="none")
    document = Document(str(path))
    assert len(document.sections) == (1 if place == "same" else 2)
    if place != "same":
        second = document.sections[1]
        assert second.start_type == WD_SECTION.EVEN_PAGE
        # the section ends on the 成文日期's paragraph, not on an empty one of its own
        assert document.sections[0]._sectPr.getparent().getparent().xpath("string(.)") == "2026年3月19日"
        assert second.footer.is_linked_to_previous == (place == "next")
    assert [p.text for p in document.paragraphs if p.text.strip()][-2].startswith("抄送")
    assert check_layout(path) == []
    # no 版记, no section break
    write_docx(long_outline(sections, Frame()), path, sources="none")
    assert len(Document(str(path)).sections) == 1


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler not installed")
@pytest.mark.parametrize("sections, pages", [(1, 2), (2, 4), (3, 4)])
def test_rendered_colophon_is_at_the_bottom_of_the_last_even_page(tmp_path, sections, pages):
    """Text ending on page 2 with room: 版记 on page 2. Ending on page 2 without room: a blank
    page 3 and the 版记 on page 4, neither numbered. Ending on page 3: the 版记 on page 4."""
    import re

    path = tmp_path / "稿.docx"
    write_docx(long_outline(sections), path, sources="none")
    subprocess.run(["bash", str(ROOT / "scripts" / "render_docx.sh"), str(path), str(tmp_path / "out"), "20"],
                   check=True, timeout=240, capture_output=True)
    pdf = tmp_path / "out" / "稿.pdf"
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found, numbers = [], {}
    for number, page in enumerate(bbox.split("<page ")[1:], 1):
        words = re.findall(r'yMax="([\d.]+)">([^<]*)</word>', page)
        found += [(number, float(y)) for y, word in words if "印发" in word]
        numbers[number] = re.findall(r"—(\d+)—", "".join(w for _, w in words))
        if number == 3 and sections == 2:
            assert [w for _, w in words if w.strip()] == []  # the inserted blank page
    # 7.5: after a blank page, neither it nor the 版记's page shows a number; otherwise numbered
    assert numbers[pages] == ([] if sections == 2 else [str(pages)])
    assert len(bbox.split("<page ")) - 1 == pages
    assert [n for n, _ in found] == [pages]
    height_pt = 297 / 25.4 * 72
    bottom_of_text_block = height_pt - 35 / 25.4 * 72
    assert bottom_of_text_block - 30 < found[0][1] <= bottom_of_text_block + 1  # the 版心's last row


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler not installed")
def test_rendered_colophon_stays_whole_before_the_sources_appendix(tmp_path):
    """With the 附：素材来源 appendix after it, both 版记 rows stay together on the 版记's page (a page
    break in the same section let LibreOffice move the second row onto the appendix's page)."""
    import re

    from dataclasses import replace

    from assistant.models import SourceRef

    outline = long_outline(3)
    first = outline.sections[0]
    source = SourceRef(doc_id="d1", para_id="d1#3", title="某县2025年医德医风工作总结", source="corpus/a.txt")
    sourced = replace(first, paragraphs=(replace(first.paragraphs[0], source=source),) + first.paragraphs[1:])
    outline = replace(outline, sections=(sourced,) + outline.sections[1:])
    path = tmp_path / "稿.docx"
    write_docx(outline, path, sources="appendix")
    subprocess.run(["bash", str(ROOT / "scripts" / "render_docx.sh"), str(path), str(tmp_path / "out"), "20"],
                   check=True, timeout=240, capture_output=True)
    bbox = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "out" / "稿.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    where: dict[str, set[int]] = {"抄送": set(), "印发": set(), "素材来源": set()}
    for number, page in enumerate(bbox.split("<page ")[1:], 1):
        text = "".join(re.findall(r'>([^<]*)</word>', page))
        for key in where:
            if key in text:
                where[key].add(number)
    assert len(where["抄送"]) == 1 and where["抄送"] == where["印发"]
    (colophon,) = where["印发"]
    assert colophon % 2 == 0 and min(where["素材来源"]) == colophon + 1
