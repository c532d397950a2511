"""The 版头, 附件说明, unsealed signature and 版记 of GB/T 9704-2012, for docx.py.

版头 (7.2): 份号 · 密级和保密期限 · 紧急程度 top left in 3号 黑体, one per line; 发文机关标志 red
方正小标宋简体, centred, its top edge 35 mm below the text block's top; two blank lines; 发文字号
centred — or, when there is a 签发人 (上行文), 发文字号 one character in from the left and
“签发人：姓名” one character in from the right on the same line; 4 mm below it the red separator
line across the full text block width.
版记 (7.4): 4号 仿宋, 抄送 (左右各空一字, hanging after the colon, ending in 。) above 印发机关
(左空一字) and 印发日期 (右空一字, “2026年3月18日印发”); a thick line above the first element and
below the last, a thin one between. It is a table floating at the bottom of the text block of the
page where the document ends, so its last line coincides with the text block's bottom edge. That
page must be even (GB/T 9704 7.4, the back of the last sheet): docx_pages estimates where the text
ends and, unless it surely ends on an even page with room to spare, puts the 版记 after an
even-page section break (Word and LibreOffice add the blank page when one is needed).
"""

from __future__ import annotations

import math

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from assistant.export import docx_xml as xml
from assistant.export.layout import format_date, text_width
from assistant.models import Frame

RED = "FF0000"
ISSUER_PT, ISSUER_MAX_PT = 36, 36
COLOPHON_PT = 14  # 4号
ISSUER_TOP_MM = 35
RULE_GAP_PT = 11  # ≈ 4 mm between 发文字号 and the red line
THICK, THIN = 8, 6  # border widths in eighths of a point: 1 pt ≈ 0.35 mm, 0.75 pt ≈ 0.26 mm


def has_masthead(frame: Frame) -> bool:
    return any((frame.copy_no, frame.secrecy, frame.urgency, frame.issuer, frame.doc_number))


def add_masthead(document, frame: Frame, fonts: dict, body_pt: float, pitch_pt: float,
                 text_width_pt: float) -> None:
    """份号, 密级, 紧急程度, 发文机关标志, 发文字号 (+ 签发人) and the red line, before the title."""
    marks = [frame.copy_no and copy_number(frame.copy_no), frame.secrecy, frame.urgency]
    lines = 0
    for text in marks:
        if text:
            paragraph = _line(document, text, fonts[1], body_pt, WD_ALIGN_PARAGRAPH.LEFT)
            lines += 1
    if frame.issuer:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        size = issuer_size(frame.issuer, text_width_pt)
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(size * 1.2)
        fmt.space_before = Mm(max(0.0, ISSUER_TOP_MM - lines * pitch_pt * 25.4 / 72 - size * 0.1 * 25.4 / 72))
        xml.set_indent_chars(paragraph, body_pt, first_line=0)
        xml.set_snap_to_grid(paragraph, False)
        run = xml.format_run(paragraph.add_run(frame.issuer), fonts["title"], size)
        run.font.color.rgb = RGBColor.from_string(RED)
        for _ in range(2):
            document.add_paragraph()
    if frame.doc_number or frame.signer:
        paragraph = _doc_number_line(document, frame, fonts, body_pt, text_width_pt)
        if frame.issuer:
            set_border(paragraph, "bottom", RED, THICK, RULE_GAP_PT)
        document.add_paragraph()
        document.add_paragraph()
    elif frame.issuer:
        set_border(document.paragraphs[-1], "bottom", RED, THICK, RULE_GAP_PT)


def _doc_number_line(document, frame: Frame, fonts: dict, body_pt: float, text_width_pt: float):
    if not frame.signer:
        paragraph = _line(document, frame.doc_number, fonts["body"], body_pt, WD_ALIGN_PARAGRAPH.CENTER)
        return paragraph
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    xml.set_indent_chars(paragraph, body_pt, first_line=0)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Pt(text_width_pt - body_pt), WD_TAB_ALIGNMENT.RIGHT)
    xml.format_run(paragraph.add_run("\u3000" + frame.doc_number + "\t"), fonts["body"], body_pt)
    xml.format_run(paragraph.add_run("签发人："), fonts["body"], body_pt)
    xml.format_run(paragraph.add_run(frame.signer), fonts[2], body_pt)
    return paragraph


def copy_number(value: str) -> str:
    """份号: six Arabic digits (GB/T 9704 7.2.1); other text is kept as given."""
    value = value.strip()
    return value.zfill(6) if value.isdigit() and len(value) < 6 else value


def issuer_size(issuer: str, text_width_pt: float) -> float:
    """The 发文机关标志's size: 36 pt, smaller when a long name would not fit on one line."""
    width = text_width(issuer) or 1
    return float(min(ISSUER_MAX_PT, int(text_width_pt * 0.96 / width)))


def add_attachment_note(document, attachments: tuple[str, ...], font: str, body_pt: float) -> None:
    """附件说明 (7.3.4): a blank line, then 附件：1.名称 two characters in; further names aligned
    with the first; no punctuation after a name; a single attachment is not numbered."""
    names = [a.strip().rstrip("。，；,.;") for a in attachments if a.strip()]
    if not names:
        return
    document.add_paragraph()
    numbered = len(names) > 1
    for n, name in enumerate(names, 1):
        label = f"{n}." if numbered else ""
        paragraph = _line(document, ("附件：" if n == 1 else "") + label + name, font, body_pt,
                          WD_ALIGN_PARAGRAPH.LEFT)
        if n == 1:
            xml.set_indent_chars(paragraph, body_pt, first_line=2)
        else:
            xml.set_indent_chars(paragraph, body_pt, first_line=0, left=5)


def unsealed_indents(org: str, date: str) -> tuple[float, float]:
    """7.3.5.2: 署名 右空二字, 成文日期 on the next line starting two characters further right;
    a date longer than that is right-indented two characters and the 署名 moves left."""
    org_w, date_w = text_width(org), text_width(date)
    org_right = 2.0
    date_right = org_right + org_w - date_w - 2
    if date_right < 2:
        date_right = 2.0
        org_right = date_right - org_w + date_w + 2
    return org_right, date_right


def add_colophon(document, frame: Frame, font: str, body_pt: float, text_width_pt: float,
                 text_height_pt: float) -> None:
    """版记: 抄送 and 印发机关/印发日期, each a paragraph in its own frame placed so the last line
    ends on the text block's bottom edge; a thick line above the first and below the last, a
    thin one between."""
    rows, heights = colophon_rows(frame, body_pt, text_width_pt)
    if not rows:
        return  # 信函格式: only 抄送, without 印发机关, 印发日期 or lines (GB/T 9704 10.1)
    line_pt = body_pt * 1.5
    top = text_height_pt - sum(heights)
    paragraphs: list = []
    for kind, height in zip(rows, heights):
        if paragraphs:  # LibreOffice merges adjacent frames: keep a 1 pt paragraph between them
            spacer = document.add_paragraph()
            spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            spacer.paragraph_format.line_spacing = Pt(1)
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.paragraph_format.line_spacing = Pt(line_pt)
        xml.set_snap_to_grid(paragraph, False)
        if kind == "cc":
            cc = frame.cc.strip().rstrip("。.；;，,")
            set_hanging(paragraph, COLOPHON_PT, left=4, hanging=3, right=1)
            xml.format_run(paragraph.add_run(f"抄送：{cc}。"), font, COLOPHON_PT)
        else:
            xml.set_indent_chars(paragraph, COLOPHON_PT, first_line=0, left=1, right=1)
            paragraph.paragraph_format.tab_stops.add_tab_stop(Pt(text_width_pt - 2 * COLOPHON_PT),
                                                              WD_TAB_ALIGNMENT.RIGHT)
            printed = f"{format_date(frame.printed_on)}印发" if frame.printed_on.strip() else ""
            xml.format_run(paragraph.add_run(f"{frame.printed_by}\t{printed}"), font, COLOPHON_PT)
        set_frame(paragraph, text_width_pt, top, height)
        top += height
        paragraphs.append(paragraph)
    if frame.letter:
        return
    set_border(paragraphs[0], "top", "000000", THICK, 0)
    if len(paragraphs) == 2:
        set_border(paragraphs[0], "bottom", "000000", THIN, 0)
    set_border(paragraphs[-1], "bottom", "000000", THICK, 0)


def colophon_rows(frame: Frame, body_pt: float, text_width_pt: float) -> tuple[list[str], list[float]]:
    """The 版记's rows ("cc", "printed") and the height of each in pt (1.5 lines of the body size)."""
    rows = [r for r in ("cc", "printed") if (r == "cc" and frame.cc) or
            (r == "printed" and (frame.printed_by or frame.printed_on) and not frame.letter)]
    line_pt = body_pt * 1.5
    return rows, [line_pt * (cc_lines(frame.cc, text_width_pt) if kind == "cc" else 1) for kind in rows]


def cc_lines(cc: str, text_width_pt: float) -> int:
    """Lines the 抄送 paragraph takes: the first from one character in, the rest from four (4号)."""
    chars = text_width_pt / COLOPHON_PT
    width = text_width(f"抄送：{cc.strip()}。")
    first = chars - 2
    return 1 if width <= first else 1 + math.ceil((width - first) / (chars - 5))


_PPR_AFTER_FRAME = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
                    "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
                    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
                    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def set_frame(paragraph, width_pt: float, top_pt: float, height_pt: float) -> None:
    """w:framePr: the paragraph in a frame `top_pt` below the text block's top, full width."""
    frame = OxmlElement("w:framePr")
    for name, value in (("w", round(width_pt * xml.TWIPS_PER_PT)), ("h", round(height_pt * xml.TWIPS_PER_PT)),
                        ("hRule", "exact"), ("wrap", "notBeside"), ("vAnchor", "margin"), ("hAnchor", "margin"),
                        ("xAlign", "center"), ("y", round(top_pt * xml.TWIPS_PER_PT))):
        frame.set(qn(f"w:{name}"), str(value))
    paragraph._p.get_or_add_pPr().insert_element_before(frame, *_PPR_AFTER_FRAME)


def set_hanging(paragraph, char_pt: float, left: float, hanging: float, right: float = 0) -> None:
    """Left and right indents with a hanging first line, in characters (twips and w:*Chars)."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for name in ("firstLine", "firstLineChars"):
        ind.attrib.pop(qn(f"w:{name}"), None)
    for name, chars in (("left", left), ("right", right), ("hanging", hanging)):
        ind.set(qn(f"w:{name}"), str(round(chars * char_pt * xml.TWIPS_PER_PT)))
        ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))


def _line(document, text: str, font: str, size: float, align):
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    xml.set_indent_chars(paragraph, size, first_line=0)
    xml.format_run(paragraph.add_run(text), font, size)
    return paragraph


def set_border(paragraph, side: str, color: str, size_eighths: int, space_pt: int, style: str = "single") -> None:
    """A single line on one side of a paragraph (w:pBdr), across the paragraph's full width."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
                                  "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
                                  "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                  "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                  "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                                  "w:rPr", "w:sectPr", "w:pPrChange")
    order = ("top", "left", "bottom", "right", "between", "bar")
    element = OxmlElement(f"w:{side}")
    for name, value in (("val", style), ("sz", str(size_eighths)), ("space", str(space_pt)), ("color", color)):
        element.set(qn(f"w:{name}"), value)
    later = [borders.find(qn(f"w:{s}")) for s in order[order.index(side) + 1:]]
    later = [e for e in later if e is not None]
    if later:
        later[0].addprevious(element)
    else:
        borders.append(element)
