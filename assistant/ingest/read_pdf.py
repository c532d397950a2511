"""Reader for .pdf (text layer via pypdfium2); scanned PDFs are refused with a hint to OCR first."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.models import RawDocument, ReadError

MIN_TEXT_CHARS = 20
_PAGE_NUMBER = re.compile(
    r"^[\s\-－—–~～_·•]*(?:第\s*)?\d{1,4}\s*页?"
    r"(?:\s*[/／]\s*\d{1,4}|\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?[\s\-－—–~～_·•]*$"
)
_DASHED_NUMBER = re.compile(r"^\s*[\-－—–~～]+\s*\d{1,4}\s*[\-－—–~～]+\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GARBLED_SHARE = 0.3


def read_pdf(path: Path, data: bytes) -> list[RawDocument]:
    """A .pdf file: page texts joined with line breaks, page-number lines removed."""
    pages = extract_pages(path, data)
    if not pages:
        raise ReadError(str(path), "PDF 没有页面")
    text = "\n".join(page for page in pages if page)
    if sum(1 for ch in text if not ch.isspace()) < MIN_TEXT_CHARS:
        raise ReadError(str(path), "PDF 没有文字层（可能是扫描件），请先做 OCR 再导入")
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=text,
            metadata={"pages": len(pages)},
            warnings=garbled_warnings(text),
            fmt="pdf",
        )
    ]


def extract_pages(path: Path, data: bytes) -> list[str]:
    """Cleaned text of every page (pypdfium2), in page order."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReadError(str(path), "PDF 已加密，请先解除密码再导入") from None
        raise ReadError(str(path), "不是有效的 PDF 文件（无法解析）") from None
    try:
        return [clean_page_text(_page_text(pdf[i])) for i in range(len(pdf))]
    finally:
        pdf.close()


def _page_text(page) -> str:
    """Raw text of one pdfium page."""
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()
        page.close()


def clean_page_text(raw: str) -> str:
    """Normalise line ends, drop control chars, and drop page-number lines at the top or bottom."""
    text = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line for line in lines if not _DASHED_NUMBER.match(line)]
    while lines and (not lines[-1].strip() or _PAGE_NUMBER.match(lines[-1])):
        lines.pop()
    while lines and (not lines[0].strip() or _PAGE_NUMBER.match(lines[0])):
        lines.pop(0)
    return "\n".join(lines)


def garbled_warnings(text: str) -> tuple[str, ...]:
    """Warn when much of the text is private-use / replacement characters (font without a Unicode map)."""
    visible = [ch for ch in text if not ch.isspace()]
    bad = sum(1 for ch in visible if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    if visible and bad / len(visible) > _GARBLED_SHARE:
        return ("PDF 文字可能是乱码（字体缺少编码映射），建议 OCR",)
    return ()
