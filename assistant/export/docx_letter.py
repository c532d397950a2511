"""信函格式 (GB/T 9704-2012 10.1) for docx.py: the letter layout of the 版头 and 版记.

发文机关标志 red 小标宋, centred, its top edge 30 mm below the page's top edge; 4 mm below it a red
double line (thick over thin) and 20 mm above the page's bottom edge another (thin over thick),
both 170 mm long and centred — the three are frames anchored to the page, on page 1 only. Below the
first line, 7/8 of a 3号 character down: 份号, 密级和保密期限, 紧急程度 one per line from the text
block's left edge, and the 发文字号 against its right edge on the first of those lines. The title
follows two lines further down. Page 1 shows no page number; the 版记 has only 抄送 (no 印发机关,
印发日期 or separator lines), see docx_frame.add_colophon.
"""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from assistant.export import docx_xml as xml
from assistant.export.docx_frame import RED, _PPR_AFTER_FRAME, copy_number, issuer_size, set_border
from assistant.models import Frame

ISSUER_TOP_MM, BOTTOM_LINE_MM, LINE_MM, LINE_GAP_MM = 30, 20, 170, 4
_MM_PER_PT = 25.4 / 72


def add_letter_head(document, frame: Frame, fonts: dict, body_pt: float, text_width_pt: float,
                    page_mm: tuple[int, int], top_margin_mm: float) -> None:
    """The letter 版头 before the title (see the module docstring)."""
    size = issuer_size(frame.issuer, LINE_MM / _MM_PER_PT) if frame.issuer else body_pt
    line_height_pt = size * 1.2
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issuer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    issuer.paragraph_format.line_spacing = Pt(line_height_pt)
    xml.set_indent_chars(issuer, body_pt, first_line=0)
    xml.set_snap_to_grid(issuer, False)
    if frame.issuer:
        run = xml.format_run(issuer.add_run(frame.issuer), fonts["title"], size)
        run.font.color.rgb = RGBColor.from_string(RED)
    set_border(issuer, "bottom", RED, 18, round(LINE_GAP_MM / _MM_PER_PT), style="thickThinSmallGap")
    _page_frame(issuer, ISSUER_TOP_MM, page_mm)
    bottom = document.add_paragraph()
    bottom.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    bottom.paragraph_format.line_spacing = Pt(1)
    set_border(bottom, "top", RED, 18, 0, style="thinThickSmallGap")
    _page_frame(bottom, page_mm[1] - BOTTOM_LINE_MM, page_mm)
    first_line_mm = ISSUER_TOP_MM + line_height_pt * _MM_PER_PT + LINE_GAP_MM + 1.5  # the line, its width
    marks = [m for m in (frame.copy_no and copy_number(frame.copy_no), frame.secrecy, frame.urgency) if m] or [""]
    for n, mark in enumerate(marks):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        xml.set_indent_chars(paragraph, body_pt, first_line=0)
        if n == 0:
            gap_mm = first_line_mm + body_pt * 7 / 8 * _MM_PER_PT - top_margin_mm
            paragraph.paragraph_format.space_before = Mm(max(0.0, gap_mm))
            xml.set_snap_to_grid(paragraph, False)
            paragraph.paragraph_format.tab_stops.add_tab_stop(Pt(text_width_pt), WD_TAB_ALIGNMENT.RIGHT)
            xml.format_run(paragraph.add_run(mark), fonts[1], body_pt)
            if frame.doc_number:
                xml.format_run(paragraph.add_run("\t" + frame.doc_number), fonts["body"], body_pt)
        else:
            xml.format_run(paragraph.add_run(mark), fonts[1], body_pt)
    for _ in range(2):
        document.add_paragraph()


def hide_first_page_number(section) -> None:
    """Page 1 of a letter shows no page number: a different, empty first-page footer."""
    section.different_first_page_header_footer = True
    section.first_page_footer.is_linked_to_previous = False


def _page_frame(paragraph, top_mm: float, page_mm: tuple[int, int]) -> None:
    """A frame LINE_MM wide, centred on the page, its top `top_mm` below the page's top edge."""
    frame = OxmlElement("w:framePr")
    for name, value in (("w", round(LINE_MM / _MM_PER_PT * xml.TWIPS_PER_PT)), ("wrap", "notBeside"),
                        ("vAnchor", "page"), ("hAnchor", "page"), ("xAlign", "center"),
                        ("y", round(top_mm / _MM_PER_PT * xml.TWIPS_PER_PT))):
        frame.set(qn(f"w:{name}"), str(value))
    paragraph._p.get_or_add_pPr().insert_element_before(frame, *_PPR_AFTER_FRAME)
