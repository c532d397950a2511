"""An outline as a Word file laid out per GB/T 9704-2012 (党政机关公文格式).

Page: A4, margins 37/35/28/26 mm (top/bottom/left/right), text block 156 × 225 mm, a document grid
of 22 lines × 28 characters. Body 3号 (16 pt) 仿宋_GB2312, title 2号 (22 pt) 方正小标宋简体,
headings 一、黑体 ·（一）楷体_GB2312 · 1. 仿宋 bold ·（1）仿宋, page numbers 4号 宋体 "— 1 —" on
the outer side. Chinese font names go into w:eastAsia (see docx_xml.set_fonts).

Decisions: headings are indented two characters like body text (the usual 公文 practice: every
line of the body, headings included, starts two characters in); Latin letters and digits use the
same font as the Chinese text around them (半角 digits of 仿宋, as typed in 公文); the signature
follows 7.3.5.1 for sealed documents: 成文日期 right-indented four characters, 发文机关署名 centred
over it, two blank lines above for the seal (or 7.3.5.2 without a seal). The optional 版头, 附件说明
and 版记 come from `outline.frame` (see docx_frame.py).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from assistant.export import docx_frame as frame_
from assistant.export import docx_letter as letter
from assistant.export import docx_pages as pages
from assistant.export import docx_xml as xml
from assistant.export.layout import (Block, build_blocks, signature_indents, signature_texts,
                                     split_review)
from assistant.export.sources import (APPENDIX_HEADING, check_mode, source_line, sourced,
                                      write_sources_file)
from assistant.models import Outline

PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
FOOTER_MM = 22  # page-number line's top edge ≈ 7 mm below the text block (GB/T 9704 7.5)
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT, TITLE_PT, PAGE_NUMBER_PT = 16, 22, 14
_MM_PER_PT = 25.4 / 72
# 225 mm / 22 lines = 579.8 twips, rounded down to 579 (28.95 pt) so 22 whole lines fit
TEXT_HEIGHT_PT = (PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / _MM_PER_PT
LINE_PITCH_TWIPS = math.floor(TEXT_HEIGHT_PT * xml.TWIPS_PER_PT / LINES_PER_PAGE)
TEXT_WIDTH_PT = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / _MM_PER_PT
FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", 1: "黑体", 2: "楷体_GB2312",
         3: "仿宋_GB2312", 4: "仿宋_GB2312", "page": "宋体"}
SIGNATURE_GAP_LINES = 2


def write_docx(outline: Outline, path: str | Path, sources: str = "appendix",
               today: dt.date | None = None) -> list[Path]:
    """Write `outline` to `path` (.docx); returns the files written.

    sources: "appendix" — superscript [n] after each reused paragraph and a 附：素材来源 page
    after the signature; "separate" — the list goes to `<stem>_素材来源.md` beside it;
    "none" — no source list.
    """
    check_mode(sources)
    path = Path(path)
    blocks = build_blocks(outline, today)
    document = new_document(outline.title)
    frame = outline.frame
    if frame.letter:
        letter.add_letter_head(document, frame, FONTS, BODY_PT, TEXT_WIDTH_PT, PAGE_MM, MARGINS_MM["top"])
        letter.hide_first_page_number(document.sections[0])
    elif frame_.has_masthead(frame):
        frame_.add_masthead(document, frame, FONTS, BODY_PT, LINE_PITCH_TWIPS / xml.TWIPS_PER_PT, TEXT_WIDTH_PT)
    for block in blocks:
        if block.kind not in ("org", "date"):
            add_block(document, block, markers=sources == "appendix")
    frame_.add_attachment_note(document, frame.attachments, FONTS["body"], BODY_PT)
    add_signature(document, *signature_texts(blocks), sealed=frame.sealed)
    rows, heights = frame_.colophon_rows(frame, BODY_PT, TEXT_WIDTH_PT)
    if rows:  # 版记 at the bottom of the last page, an even one (GB/T 9704 7.4)
        place = pages.colophon_placement(document, sum(heights) + len(rows) - 1, TEXT_WIDTH_PT, TEXT_HEIGHT_PT,
                                         LINE_PITCH_TWIPS / xml.TWIPS_PER_PT, CHARS_PER_LINE)
        if place != "same":
            section = document.add_section(WD_SECTION.EVEN_PAGE)
            xml.end_section_on_previous_paragraph(document)
            section.different_first_page_header_footer = False  # 信函格式: only its page 1 is unnumbered
            if place == "after_blank":  # 7.5: the blank page and the 版记's page carry no page number
                for footer in (section.footer, section.even_page_footer, section.first_page_footer):
                    footer.is_linked_to_previous = False
    frame_.add_colophon(document, frame, FONTS["body"], BODY_PT, TEXT_WIDTH_PT, TEXT_HEIGHT_PT)
    if sources == "appendix" and sourced(blocks):
        if rows:  # after the 版记, in a section of its own: a page break inside the 版记's section lets
            document.add_section(WD_SECTION.NEW_PAGE)  # LibreOffice move its second frame to the next page
        add_appendix(document, blocks, page_break=not rows)
    document.save(str(path))
    written = [path]
    if sources == "separate":
        written.append(write_sources_file(outline, path, blocks))
    return written


def new_document(title: str) -> DocxDocument:
    """An empty document with the page, grid, default font, footers and language set up."""
    document = Document()
    document.core_properties.title = title
    xml.set_doc_defaults(document, FONTS["body"], BODY_PT)
    xml.set_theme_lang(document)
    setup_normal_style(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.footer_distance = Mm(FOOTER_MM)
    xml.set_doc_grid(section, LINE_PITCH_TWIPS, xml.char_space(TEXT_WIDTH_PT, CHARS_PER_LINE, BODY_PT))
    add_page_numbers(document, section)
    return document


def setup_normal_style(document: DocxDocument) -> None:
    """Normal = body text: 16 pt 仿宋_GB2312, exact grid line spacing, justified, 2-char indent."""
    style = document.styles["Normal"]
    rpr = style.element.get_or_add_rPr()
    xml.set_fonts(rpr, FONTS["body"])
    xml.set_lang(rpr)
    style.font.size = Pt(BODY_PT)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH_TWIPS / xml.TWIPS_PER_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # every page keeps its 22 lines (no lines pushed over for widows)
    xml.set_indent_chars(style, BODY_PT, first_line=2)


def add_page_numbers(document: DocxDocument, section) -> None:
    """4号 半角宋体 "— 1 —": odd pages right (右空一字), even pages left (左空一字)."""
    xml.use_odd_even_footers(document)
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        xml.set_indent_chars(paragraph, BODY_PT, first_line=0, **{side: 1})
        paragraph.add_run("— ")
        xml.add_page_field(paragraph)
        paragraph.add_run(" —")
        for run in paragraph.runs:
            xml.format_run(run, FONTS["page"], PAGE_NUMBER_PT)


def add_block(document: DocxDocument, block: Block, markers: bool) -> None:
    """One block as one or more paragraphs."""
    if block.kind == "title":
        add_title(document, block.text)
    elif block.kind == "addressee":
        paragraph = add_text(document, block.text, FONTS["body"])
        xml.set_indent_chars(paragraph, BODY_PT, first_line=0)
    elif block.kind == "heading":
        add_heading(document, block)
    elif block.kind == "body":
        paragraph = add_text(document, block.text, FONTS["body"])
        xml.set_indent_chars(paragraph, BODY_PT, first_line=2)
        if markers and block.source_no:
            add_marker(paragraph, block.source_no)


def add_text(document: DocxDocument, text: str, font: str, size: float = BODY_PT,
             bold: bool = False) -> Paragraph:
    """A Normal paragraph; 【待核实：…】 marks get a yellow highlight so a drafter sees them."""
    paragraph = document.add_paragraph()
    add_runs(paragraph, text, font, size, bold)
    return paragraph


def add_runs(paragraph: Paragraph, text: str, font: str, size: float = BODY_PT,
             bold: bool = False) -> None:
    for piece, is_review in split_review(text):
        run = xml.format_run(paragraph.add_run(piece), font, size, bold)
        if is_review:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def add_title(document: DocxDocument, title: str) -> None:
    """2号 方正小标宋简体, centred; a "\\n" in the title breaks the line; a blank line follows."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    xml.set_indent_chars(paragraph, BODY_PT, first_line=0)
    paragraph.paragraph_format.keep_with_next = True
    xml.set_snap_to_grid(paragraph, False)  # a 22 pt line keeps the 28.95 pt pitch, not two grid rows
    for i, line in enumerate(title.split("\n")):
        if i:
            xml.format_run(paragraph.add_run(), FONTS["title"], TITLE_PT).add_break()
        add_runs(paragraph, line.strip(), FONTS["title"], TITLE_PT)
    document.add_paragraph()


def add_heading(document: DocxDocument, block: Block) -> None:
    """Numbered heading, indented two characters, kept with the paragraph after it."""
    paragraph = add_text(document, block.number + block.text, FONTS[block.level],
                         bold=block.level == 3)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.keep_with_next = True
    xml.set_indent_chars(paragraph, BODY_PT, first_line=2)
    xml.set_outline_level(paragraph, block.level - 1)


def add_marker(paragraph: Paragraph, number: int) -> None:
    """Superscript [n] pointing at entry n of 附：素材来源."""
    run = xml.format_run(paragraph.add_run(f"[{number}]"), FONTS["body"], BODY_PT)
    run.font.superscript = True


def add_signature(document: DocxDocument, org: str, date: str, sealed: bool = True) -> None:
    """Sealed (7.3.5.1): two blank lines (room for the seal), then 发文机关署名 centred over
    成文日期, which is right-indented four characters. Without seal (7.3.5.2): one blank line,
    署名 right-indented two characters, the date starting two characters further right."""
    for _ in range(SIGNATURE_GAP_LINES if sealed else 1):
        document.add_paragraph()
    org_right, date_right = (signature_indents if sealed else frame_.unsealed_indents)(org, date)
    if org:
        add_signature_line(document, org, org_right)
    add_signature_line(document, date, date_right)


def add_signature_line(document: DocxDocument, text: str, right_chars: float) -> None:
    paragraph = add_text(document, text, FONTS["body"])
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    xml.set_indent_chars(paragraph, BODY_PT, first_line=0, right=right_chars)


def add_appendix(document: DocxDocument, blocks: list[Block], page_break: bool = True) -> None:
    """附：素材来源 on a new page (a page break, or the caller's new section), one line per reused paragraph."""
    heading = add_text(document, APPENDIX_HEADING, FONTS[1])
    heading.paragraph_format.page_break_before = page_break
    xml.set_indent_chars(heading, BODY_PT, first_line=0)
    for block in sourced(blocks):
        paragraph = add_text(document, source_line(block), FONTS["body"])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        xml.set_indent_chars(paragraph, BODY_PT, first_line=0)
