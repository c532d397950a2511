"""Where the document's flow ends, estimated from the grid, so the 版记 lands on an even page.

GB/T 9704-2012 7.4 puts the 版记 at the bottom of the last page, and that page is the even one
(the back of the last sheet): a document ending on an odd page gets a blank page or, here, the
版记 on the following even page. Word only knows page numbers when it lays the document out, so
the export estimates the layout the way our .docx is built: every body line is one grid row
(22 rows of 225 mm / 22 on a page), 28 characters fill a row (half-width characters count a half),
indents in characters, a paragraph border's distance and width, paragraphs split across pages by line (no widow control), a heading kept
with the line after it. A page-anchored frame (信函格式) takes no room in the flow.

The decision (see `colophon_placement`) only trusts the estimate where a mistake of a line or two
cannot put the 版记 on the wrong page: the 版记 stays on the last page when that page is even and
has room for it with two rows to spare (and the text is at least two rows into the page);
otherwise an even-page section break moves it to the next even page, which Word and LibreOffice
insert blank pages for as needed; after a blank page neither page shows a page number (7.5: the
版记's section gets empty footers). Measured against LibreOffice's rendering, the estimate gave
the page and row of the 成文日期 exactly on 16 lengths (1–6 pages); the render test checks the
result page by page. Word's own layout was not measured (no Word here).
"""

from __future__ import annotations

import math

from docx.oxml.ns import qn

SAFETY_ROWS = 2


def flow_end(document, text_width_pt: float, text_height_pt: float, pitch_pt: float,
             chars_per_line: int) -> tuple[int, float]:
    """(page, height used on that page in pt) after the document's last paragraph so far."""
    cell_pt = text_width_pt / chars_per_line
    page, used = 1, 0.0
    paragraphs = [p for p in document.paragraphs if not _framed(p)]
    for n, paragraph in enumerate(paragraphs):
        fmt = paragraph.paragraph_format
        if fmt.page_break_before and (n or used):
            page, used = page + 1, 0.0
        line_pt = _line_height(paragraph, pitch_pt)
        lines = _lines(paragraph, text_width_pt, cell_pt)
        before = fmt.space_before.pt if fmt.space_before is not None else 0.0
        after = fmt.space_after.pt if fmt.space_after is not None else 0.0
        if fmt.keep_with_next and n + 1 < len(paragraphs):  # a heading does not end a page
            if used + before + line_pt * (lines + 1) > text_height_pt + 0.01 and used > 0:
                page, used = page + 1, 0.0
        used += before
        for _ in range(lines):
            if used + line_pt > text_height_pt + 0.01:
                page, used = page + 1, 0.0
            used += line_pt
        used += after + _border_pt(paragraph)
    return page, used


def colophon_placement(document, colophon_pt: float, text_width_pt: float, text_height_pt: float,
                       pitch_pt: float, chars_per_line: int) -> str:
    """Where the 版记 goes (see the module docstring): "same" — at the bottom of the page the text
    ends on; "next" — after an even-page section break, on the next page; "after_blank" — after
    the break, with a blank page between (the text ends on an even page without room for it).
    The break ends the section on the last paragraph of the text (no row of its own)."""
    page, used = flow_end(document, text_width_pt, text_height_pt, pitch_pt, chars_per_line)
    margin = SAFETY_ROWS * pitch_pt
    if page % 2 == 0 and used + colophon_pt + margin <= text_height_pt and used >= margin + pitch_pt:
        return "same"
    return "after_blank" if page % 2 == 0 else "next"


def _border_pt(paragraph) -> float:
    """Height a top or bottom paragraph border adds: its distance from the text plus its width
    (the red line 11 pt under the 发文字号 pushes the title down by 0.4 of a row)."""
    ppr = paragraph._p.pPr
    borders = ppr.find(qn("w:pBdr")) if ppr is not None else None
    if borders is None:
        return 0.0
    total = 0.0
    for side in ("top", "bottom"):
        line = borders.find(qn(f"w:{side}"))
        if line is not None and line.get(qn("w:val")) not in ("nil", "none"):
            total += int(line.get(qn("w:space"), "0")) + int(line.get(qn("w:sz"), "0")) / 8
    return total


def _framed(paragraph) -> bool:
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.find(qn("w:framePr")) is not None


def _line_height(paragraph, pitch_pt: float) -> float:
    spacing = paragraph.paragraph_format.line_spacing
    if spacing is not None and hasattr(spacing, "pt"):
        return spacing.pt  # an exact spacing of its own (发文机关标志, a 1 pt spacer)
    return pitch_pt  # Normal: exact grid pitch


def _snaps(paragraph) -> bool:
    ppr = paragraph._p.pPr
    snap = ppr.find(qn("w:snapToGrid")) if ppr is not None else None
    return snap is None or snap.get(qn("w:val")) not in ("0", "false")


def _lines(paragraph, text_width_pt: float, cell_pt: float) -> int:
    """Rows the paragraph's text takes: each hard line break starts a row; the first row loses
    the first-line indent."""
    size = _size(paragraph)
    char_pt = cell_pt if _snaps(paragraph) and size <= 16.5 else size
    left, right, first = _indents_chars(paragraph)
    body_pt = _size_for_indent(paragraph)
    width = max(char_pt, text_width_pt - (left + right) * body_pt)
    rows = 0
    for line in (paragraph.text or "").split("\n"):
        chars = sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in line)
        first_cap = (width - first * body_pt) / char_pt
        cap = width / char_pt
        rows += 1 if chars <= first_cap + 1e-6 else 1 + math.ceil((chars - first_cap) / cap - 1e-6)
    return max(rows, 1)


def _size(paragraph) -> float:
    sizes = [r.font.size.pt for r in paragraph.runs if r.font.size is not None and r.text.strip()]
    return max(sizes) if sizes else 16.0


def _size_for_indent(paragraph) -> float:
    """Character-unit indents (w:*Chars) are measured in the body character, 16 pt."""
    return 16.0


def _indents_chars(paragraph) -> tuple[float, float, float]:
    ppr = paragraph._p.pPr
    ind = ppr.find(qn("w:ind")) if ppr is not None else None
    if ind is None:
        style = paragraph.style.element.pPr
        ind = style.find(qn("w:ind")) if style is not None else None
    if ind is None:
        return 0.0, 0.0, 0.0

    def chars(name: str) -> float:
        value = ind.get(qn(f"w:{name}Chars"))
        if value is not None:
            return int(value) / 100
        twips = ind.get(qn(f"w:{name}"))
        return int(twips) / 20 / 16 if twips is not None else 0.0

    first = chars("firstLine") - chars("hanging")
    return chars("left"), chars("right"), first
