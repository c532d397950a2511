"""Reader for .docx: body paragraphs and tables in order, heading styles, automatic numbering."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.docx_numbering import Numbering, parse_numbering, w, wval
from assistant.models import RawDocument, ReadError

MAX_UNCOMPRESSED = 200 * 1024 * 1024
"""All members together, unpacked (python-docx holds every part in memory)."""
MAX_XML = 64 * 1024 * 1024
"""XML members together, unpacked (lxml trees take several times their size)."""
MAX_RATIO = 100
RATIO_MIN_SIZE = 1024 * 1024
"""The compression-ratio limit applies only to members larger than this."""
CELL_SEPARATOR = "　"

_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_NAMES = frozenset({"title", "标题"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SKIP_IN_PARAGRAPH = frozenset({w("txbxContent"), _MC_FALLBACK, w("del"), w("moveFrom"), w("pPr"), w("rPr")})
_CONTAINERS = frozenset({w("sdt"), w("sdtContent"), w("customXml"), w("smartTag")})


@dataclass(frozen=True)
class StyleInfo:
    """What a paragraph style says about headings and numbering."""

    name: str
    based_on: str | None
    outline: int | None
    num_id: str | None
    ilvl: int | None


def read_docx(path: Path, data: bytes) -> list[RawDocument]:
    """A .docx file: text in body order, heading hints from styles, numbering as displayed."""
    check_docx_zip(path, data)
    document = _open_docx(path, data)
    styles = _parse_styles(document.styles.element)
    numbering = parse_numbering(_numbering_root(document))
    walker = _BodyWalker(styles, numbering)
    lines, headings, title = walker.walk(document.element.body)
    text = "\n".join(lines)
    if not text.strip():
        raise ReadError(str(path), "文档没有文字内容")
    core_title = (document.core_properties.title or "").strip()
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=text,
            title=title,
            heading_hints=tuple(headings),
            metadata={"core_title": core_title} if core_title else {},
            fmt="docx",
        )
    ]


def check_docx_zip(path: Path, data: bytes) -> None:
    """Refuse non-zip, corrupt and zip-bomb .docx files before parsing them."""
    if data.startswith(_OLE_MAGIC):
        raise ReadError(str(path), "这是旧版 Word（.doc）文件，请另存为 .docx 后再导入")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ReadError(str(path), "不是有效的 .docx 文件（zip 损坏）") from None
    by_name = {info.filename: info for info in infos}
    if "word/document.xml" not in by_name:
        raise ReadError(str(path), "不是有效的 .docx 文件（缺少 word/document.xml）")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        raise ReadError(str(path), f"文件解压后过大（超过 {MAX_UNCOMPRESSED // 1024 // 1024} MB，疑似压缩炸弹）")
    xml_size = sum(info.file_size for info in infos if info.filename.endswith((".xml", ".rels")))
    if xml_size > MAX_XML:
        raise ReadError(str(path), f"文档 XML 解压后过大（超过 {MAX_XML // 1024 // 1024} MB）")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ReadError(str(path), f"文件压缩比异常（{info.filename} 为 {ratio:.0f} 倍，疑似压缩炸弹）")


def _open_docx(path: Path, data: bytes):
    """python-docx Document from bytes, with failures turned into ReadError."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, EOFError, XMLSyntaxError) as exc:
        raise ReadError(str(path), f"不是有效的 .docx 文件（{type(exc).__name__}）") from None


def _numbering_root(document):
    """The w:numbering element if the document has a numbering part, else None."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        return document.part.part_related_by(RT.NUMBERING).element
    except (KeyError, AttributeError):
        return None


def _parse_styles(styles_root) -> dict[str, StyleInfo]:
    """styleId → StyleInfo for paragraph styles."""
    styles: dict[str, StyleInfo] = {}
    for style in styles_root.iterfind(w("style")):
        ppr = style.find(w("pPr"))
        num_pr = ppr.find(w("numPr")) if ppr is not None else None
        outline = wval(ppr, "outlineLvl")
        ilvl = wval(num_pr, "ilvl")
        styles[style.get(w("styleId"), "")] = StyleInfo(
            name=(wval(style, "name") or "").strip(),
            based_on=wval(style, "basedOn"),
            outline=int(outline) if outline and outline.isdigit() else None,
            num_id=wval(num_pr, "numId"),
            ilvl=int(ilvl) if ilvl and ilvl.isdigit() else None,
        )
    return styles


def style_chain(styles: dict[str, StyleInfo], style_id: str | None) -> list[StyleInfo]:
    """The style and its basedOn ancestors (cycle-safe, at most 12)."""
    chain: list[StyleInfo] = []
    seen: set[str] = set()
    while style_id and style_id in styles and style_id not in seen and len(chain) < 12:
        seen.add(style_id)
        chain.append(styles[style_id])
        style_id = styles[style_id].based_on
    return chain


def heading_level(chain: list[StyleInfo], para_outline: str | None) -> int | None:
    """Heading level from the style name (Heading N / 标题 N), style outline level, or paragraph outline level."""
    for info in chain:
        match = _HEADING_NAME.match(info.name)
        if match:
            return int(match.group(1))
    if para_outline is not None and para_outline.isdigit():
        level = int(para_outline)
        return level + 1 if level < 9 else None
    for info in chain:
        if info.outline is not None:
            return info.outline + 1 if info.outline < 9 else None
    return None


class _BodyWalker:
    """Iterative walk over the body: paragraphs, tables and content controls in order."""

    def __init__(self, styles: dict[str, StyleInfo], numbering: Numbering):
        self.styles = styles
        self.numbering = numbering
        self.lines: list[str] = []
        self.headings: list[tuple[str, int]] = []
        self.title: str | None = None

    def walk(self, body) -> tuple[list[str], list[tuple[str, int]], str | None]:
        """Collect (lines, heading hints, title) from the body element."""
        stack = list(reversed(list(body)))
        while stack:
            el = stack.pop()
            if el.tag == w("p"):
                stack.extend(reversed(self._paragraph(el)))
            elif el.tag == w("tbl"):
                self._table(el)
            elif el.tag in _CONTAINERS:
                stack.extend(reversed(list(el)))
        return self.lines, self.headings, self.title

    def _paragraph(self, p) -> list:
        """Emit one body paragraph; return its text-box paragraphs to walk next."""
        text, boxes = paragraph_text(p, self.styles, self.numbering)
        text = text.strip()
        if not text:
            return boxes
        ppr = p.find(w("pPr"))
        chain = style_chain(self.styles, wval(ppr, "pStyle"))
        is_title = self.title is None and bool(chain) and chain[0].name.lower() in _TITLE_NAMES
        level = None if is_title else heading_level(chain, wval(ppr, "outlineLvl"))
        if is_title or level is not None:
            text = "".join(part.strip() for part in text.split("\n"))  # manual breaks inside a title/heading
        self.lines.append(text)
        if is_title:
            self.title = text
        elif level is not None:
            self.headings.append((text, level))
        return boxes

    def _table(self, tbl) -> None:
        """Emit a table, one row per line, cells joined by CELL_SEPARATOR (nested tables flattened)."""
        for row in tbl.iterfind(w("tr")):
            cells = [self._cell_text(tc) for tc in _row_cells(row)]
            if any(cells):
                self.lines.append(CELL_SEPARATOR.join(cells))

    def _cell_text(self, tc) -> str:
        """All paragraph texts of a cell (including nested tables), joined by spaces."""
        parts = []
        for p in tc.iter(w("p")):
            text, _ = paragraph_text(p, self.styles, self.numbering)
            if text.strip():
                parts.append(text.strip())
        return " ".join(parts)


def _row_cells(row) -> list:
    """The w:tc cells of a row, looking inside content controls."""
    cells = []
    stack = list(reversed(list(row)))
    while stack:
        el = stack.pop()
        if el.tag == w("tc"):
            cells.append(el)
        elif el.tag in _CONTAINERS:
            stack.extend(reversed(list(el)))
    return cells


def paragraph_text(p, styles: dict[str, StyleInfo], numbering: Numbering) -> tuple[str, list]:
    """Displayed text of one w:p (numbering label first) and the text-box paragraphs inside it."""
    parts: list[str] = [_number_label(p, styles, numbering)]
    boxes: list = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag == w("txbxContent"):
            boxes.extend(_direct_paragraphs(el))
            continue
        if tag in _SKIP_IN_PARAGRAPH or not isinstance(tag, str):
            continue
        if tag == w("t"):
            parts.append(el.text or "")
        elif tag == w("tab"):
            parts.append("\t")
        elif tag in (w("br"), w("cr")):
            parts.append("" if el.get(w("type")) == "page" else "\n")
        elif tag == w("noBreakHyphen"):
            parts.append("-")
        else:
            stack.extend(reversed(list(el)))
    return "".join(parts), boxes


def _direct_paragraphs(container) -> list:
    """Top-level paragraphs and tables of a text box, in order."""
    return [el for el in container if el.tag in (w("p"), w("tbl"))]


def _number_label(p, styles: dict[str, StyleInfo], numbering: Numbering) -> str:
    """The automatic number text of a paragraph ('' when it has none)."""
    ppr = p.find(w("pPr"))
    num_pr = ppr.find(w("numPr")) if ppr is not None else None
    num_id = wval(num_pr, "numId")
    ilvl_text = wval(num_pr, "ilvl")
    style_id = wval(ppr, "pStyle")
    if num_id is None:
        for info in style_chain(styles, style_id):
            if info.num_id is not None:
                num_id, ilvl_text = info.num_id, ilvl_text or (str(info.ilvl) if info.ilvl is not None else None)
                break
    if num_id is None or num_id == "0":
        return ""
    if ilvl_text is None and style_id in numbering.style_levels:
        ilvl_text = str(numbering.style_levels[style_id][1])
    ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else 0
    return numbering.label(num_id, ilvl)
