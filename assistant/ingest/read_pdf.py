"""Reader for .pdf: the text layer via pypdfium2; a page without one that holds an image is OCR'd.

A page with a usable text layer is never OCR'd. With OCR off (--no-ocr), a scanned PDF is refused
with that reason and a mixed one is read with a warning naming the pages left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.models import RawDocument, ReadError

MIN_TEXT_CHARS = 20
MIN_PAGE_CHARS = 5
OCR_DPI = 300
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
    blank = [i for i, page in enumerate(pages) if _visible(page) < MIN_PAGE_CHARS]
    ocr_warnings: list[str] = []
    if blank:
        pages, ocr_warnings = ocr_image_pages(path, data, pages, blank)
    text = "\n".join(page for page in pages if page)
    if _visible(text) < MIN_TEXT_CHARS:
        reason = next((w for w in ocr_warnings if "OCR 已关闭" in w or "未安装" in w), "")
        raise ReadError(str(path), "PDF 没有文字层（可能是扫描件）" + (f"：{reason}" if reason else ""))
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=text,
            metadata={"pages": len(pages), **({"ocr": True} if any("OCR 识别" in w for w in ocr_warnings) else {})},
            warnings=(*ocr_warnings, *garbled_warnings(text)),
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


def ocr_image_pages(path: Path, data: bytes, pages: list[str], blank: list[int]) -> tuple[list[str], list[str]]:
    """Fill in the text of text-less pages that hold an image, by OCR; (pages, warnings)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from assistant.ingest import ocr, options

    pdf = pdfium.PdfDocument(data)
    try:
        scanned = [i for i in blank if any(True for _ in pdf[i].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,),
                                                                             max_depth=2))]
        if not scanned:
            return pages, []
        numbers = ", ".join(str(i + 1) for i in scanned[:10]) + ("…" if len(scanned) > 10 else "")
        if not options.current().ocr:
            return pages, [f"第 {numbers} 页没有文字层，OCR 已关闭（--no-ocr），未识别"]
        if not ocr.available():
            return pages, [f"第 {numbers} 页没有文字层，未安装 rapidocr，未识别"]
        result = ocr.ocr_pages(path, [_renderer(path, pdf, i) for i in scanned], numbers=[i + 1 for i in scanned])
    finally:
        pdf.close()
    filled = list(pages)
    for i, text in zip(scanned, result.pages):
        filled[i] = clean_page_text(text)  # page numbers (- 1 -, 第 1 页) off the scanned page too
    return filled, list(result.warnings)


def _renderer(path: Path, pdf, index: int):
    """A function rendering page `index` to RGB pixels at OCR_DPI (less when over the pixel limit)."""
    import numpy as np

    from assistant.ingest import options

    def render():
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = OCR_DPI / 72
            limit = options.current().ocr_max_pixels
            if width * height * scale * scale > limit:
                scale = (limit / max(width * height, 1)) ** 0.5
            return np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
        finally:
            page.close()
    return render


def _visible(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


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
