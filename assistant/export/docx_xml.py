"""Low-level WordprocessingML that python-docx has no API for: East-Asian fonts, character-unit
indents, the document grid, PAGE fields, outline levels, odd/even footers."""

from __future__ import annotations

import math

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section as DocxSection
from docx.shared import Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

TWIPS_PER_PT = 20
# w:pPr children that come after w:snapToGrid in the schema's sequence
_PPR_AFTER_SNAP = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                   "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                   "w:sectPr", "w:pPrChange")
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr, east_asia: str, latin: str | None = None) -> None:
    """Name the fonts of a w:rPr. python-docx's `font.name` sets only ascii/hAnsi, so a Chinese
    font given that way is ignored for Chinese text; w:eastAsia is what Word uses for 汉字.
    Theme attributes are removed because they override explicit names."""
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    latin = latin or east_asia
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def format_run(run: Run, east_asia: str, size_pt: float, bold: bool = False,
               latin: str | None = None) -> Run:
    """Font, size and weight of one run, set directly so every word processor agrees."""
    set_fonts(run._r.get_or_add_rPr(), east_asia, latin)
    run.font.size = Pt(size_pt)
    run.font.bold = True if bold else None
    return run


def set_lang(rpr, east_asia: str = "zh-CN") -> None:
    """Mark text as Chinese so fallback fonts and line breaking follow Chinese rules."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), east_asia)


def set_indent_chars(target: Paragraph | ParagraphStyle, char_pt: float, first_line: float | None = None,
                     left: float | None = None, right: float | None = None) -> None:
    """Indents in characters: twips for every reader plus w:*Chars (hundredths of a character),
    which Word prefers, so the indent stays on the character grid."""
    element = target._p if isinstance(target, Paragraph) else target.element
    ind = element.get_or_add_pPr().get_or_add_ind()
    for name, chars in (("firstLine", first_line), ("left", left), ("right", right)):
        if chars is None:
            continue
        ind.set(qn(f"w:{name}"), str(round(chars * char_pt * TWIPS_PER_PT)))
        ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))


def set_doc_grid(section: DocxSection, line_pitch_twips: int, char_space: int) -> None:
    """w:docGrid type=linesAndChars: fixed lines per page and characters per line."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(line_pitch_twips))
    grid.set(qn("w:charSpace"), str(char_space))


def char_space(text_width_pt: float, chars_per_line: int, font_pt: float) -> int:
    """w:charSpace (1/4096 pt added to each character's pitch, measured from the default font
    size) giving `chars_per_line` characters; rounded down so the last character still fits.
    156 mm, 28 characters, 16 pt → -848 (pitch 15.79 pt: Word squeezes the 16 pt characters)."""
    pitch = text_width_pt / chars_per_line
    return math.floor((pitch - font_pt) * 4096)


def set_snap_to_grid(paragraph: Paragraph, snap: bool) -> None:
    """w:snapToGrid: off lets a larger font keep the paragraph's own exact line spacing."""
    ppr = paragraph._p.get_or_add_pPr()
    element = ppr.find(qn("w:snapToGrid"))
    if element is None:
        element = OxmlElement("w:snapToGrid")
        ppr.insert_element_before(element, *_PPR_AFTER_SNAP)
    element.set(qn("w:val"), "1" if snap else "0")


def set_outline_level(paragraph: Paragraph, level: int) -> None:
    """Outline level 0–8, so headings show in Word's navigation pane without heading styles."""
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), str(level))
    paragraph._p.get_or_add_pPr().insert_element_before(lvl, *_PPR_AFTER_SNAP[-5:])


def add_page_field(paragraph: Paragraph) -> None:
    """A PAGE field: fldChar begin · instrText PAGE · fldChar separate · "1" · fldChar end."""
    def add(tag: str, **attrs: str) -> None:
        element = OxmlElement(tag)
        for name, value in attrs.items():
            element.set(qn(name), value)
        paragraph.add_run()._r.append(element)

    add("w:fldChar", **{"w:fldCharType": "begin"})
    add("w:instrText", **{"xml:space": "preserve"})
    paragraph.runs[-1]._r[-1].text = " PAGE "
    add("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run("1")
    add("w:fldChar", **{"w:fldCharType": "end"})


def use_odd_even_footers(document: DocxDocument) -> None:
    """w:evenAndOddHeaders: odd pages use the default footer, even pages the even one."""
    document.settings.odd_and_even_pages_header_footer = True


def set_theme_lang(document: DocxDocument, east_asia: str = "zh-CN") -> None:
    """python-docx's template declares Japanese as the East-Asian theme language."""
    lang = document.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), east_asia)


def set_doc_defaults(document: DocxDocument, east_asia: str, size_pt: float) -> None:
    """Default run font/size/language and no paragraph spacing, under every style. The character
    grid's pitch is measured from the default font size, so it must be the body size."""
    defaults = _child(document.styles.element, "w:docDefaults", first=True)
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    set_fonts(rpr, east_asia)
    for tag in ("w:sz", "w:szCs"):
        _child(rpr, tag).set(qn("w:val"), str(round(size_pt * 2)))
    set_lang(rpr)
    ppr = _child(_child(defaults, "w:pPrDefault"), "w:pPr")
    spacing = _child(ppr, "w:spacing")
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")


def _child(parent, tag: str, first: bool = False):
    """The child element `tag`, created (appended, or first) when missing. Only for parents
    whose existing children already follow the schema order (docDefaults, an rPr we rebuild)."""
    child = parent.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        parent.insert(0, child) if first else parent.append(child)
    return child


def end_section_on_previous_paragraph(document: DocxDocument) -> None:
    """python-docx ends a section with an empty paragraph of its own (one more row, possibly a
    page of its own); move that w:sectPr into the paragraph before and drop the empty one."""
    body = document.element.body
    breaker = document.paragraphs[-1]._p
    previous = breaker.getprevious()
    sect_pr = breaker.pPr.find(qn("w:sectPr")) if breaker.pPr is not None else None
    if sect_pr is None or previous is None or previous.tag != qn("w:p") or breaker.xpath("./w:r"):
        return
    ppr = previous.get_or_add_pPr()
    ppr.append(sect_pr)  # w:sectPr is the second-to-last child of w:pPr (before w:pPrChange)
    change = ppr.find(qn("w:pPrChange"))
    if change is not None:
        change.addprevious(sect_pr)
    body.remove(breaker)
