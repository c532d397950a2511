"""Reader for .ofd (GB/T 33190-2016, the national format for electronic official documents) via ofdkit.

Text comes in reading order (ofdkit sorts text objects by position, whatever order they are stored
in). A page without text whose content is an image (a scanned OFD) goes to OCR; a page of vector
graphics only is reported. The zip is checked for bombs before anything is unpacked.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path

from assistant.models import RawDocument, ReadError

MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 1024 * 1024


def read_ofd(path: Path, data: bytes) -> list[RawDocument]:
    """An OFD file: page texts in order; image-only pages OCR'd; per-file reason when nothing is readable."""
    import ofdkit

    check_ofd_zip(path, data)
    try:
        document = ofdkit.open(data)
    except ofdkit.OFDLimitError as exc:
        raise ReadError(str(path), f"OFD 文件超出读取限制（{exc}）") from None
    except (ofdkit.OFDError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ReadError(str(path), f"不是有效的 OFD 文件（{exc}）") from None
    with document:
        texts, warnings, empty = [], [], []
        for page in document.pages:
            try:
                texts.append(page.text().strip())
            except (ofdkit.OFDError, KeyError, ValueError) as exc:
                texts.append("")
                warnings.append(f"第 {page.index + 1} 页无法读取（{exc}）")
            if not texts[-1]:
                empty.append(page)
        title = (document.info.title or "").strip() if getattr(document, "info", None) else ""
        if empty:
            warnings.extend(_ocr_empty_pages(path, data, document, empty, texts))
    text = "\n".join(t for t in texts if t)
    if not text.strip():
        if not texts:
            raise ReadError(str(path), "OFD 文件没有页面")
        raise ReadError(str(path), "OFD 没有可读的文字" + (f"（{'；'.join(warnings[:2])}）" if warnings else ""))
    return [RawDocument(doc_id=path.stem, source=str(path), text=text, warnings=tuple(warnings),
                        metadata={"pages": len(texts), **({"core_title": title} if title else {})}, fmt="ofd")]


def check_ofd_zip(path: Path, data: bytes) -> None:
    """Refuse corrupt zips and zip bombs (total size or compression ratio) before unpacking."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ReadError(str(path), "不是有效的 OFD 文件（zip 损坏）") from None
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        raise ReadError(str(path), f"文件解压后过大（超过 {MAX_UNCOMPRESSED // 1024 // 1024} MB，疑似压缩炸弹）")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ReadError(str(path), f"文件压缩比异常（{info.filename} 为 {ratio:.0f} 倍，疑似压缩炸弹）")


def _ocr_empty_pages(path: Path, data: bytes, document, empty: list, texts: list[str]) -> list[str]:
    """OCR the text-less pages that hold images; fill their texts in place; return warnings."""
    from assistant.ingest import ocr, options

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = {name.casefold(): name for name in archive.namelist()}
        media = _media_files(archive, names)
        jobs = []
        for page in empty:
            images = [media[rid] for rid in _page_image_ids(archive, names, page.location) if rid in media]
            if images:
                jobs.append((page.index, [archive.read(names[m]) for m in images]))
    if not jobs:
        return [f"第 {', '.join(str(p.index + 1) for p in empty)} 页没有文字（只有图形）"]
    if not options.current().ocr or not ocr.available():
        return [f"第 {', '.join(str(i + 1) for i, _ in jobs)} 页是图像，需要 OCR（OCR 未开启或未安装）"]
    from assistant.ingest.read_image import open_image, to_rgb

    loaders = [(lambda blob=blob: to_rgb(path, open_image(path, blob))) for _i, blobs in jobs for blob in blobs]
    numbers = [i + 1 for i, blobs in jobs for _blob in blobs]
    try:
        result = ocr.ocr_pages(path, loaders, numbers=numbers)
    except ReadError as err:
        return [f"图像页未能 OCR：{err.reason}"]
    for number, page_text in zip(numbers, result.pages):
        texts[number - 1] = "\n".join(t for t in (texts[number - 1], page_text) if t)
    return list(result.warnings)


def _media_files(archive: zipfile.ZipFile, names: dict[str, str]) -> dict[str, str]:
    """MultiMedia resource ID → casefolded path of its file, from every resource XML in the package."""
    media: dict[str, str] = {}
    for folded, name in names.items():
        if not folded.endswith("res.xml"):
            continue
        root = _xml(archive, name)
        if root is None:
            continue
        base = posixpath.join(posixpath.dirname(name), root.get("BaseLoc") or "")
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] != "MultiMedia":
                continue
            files = [c.text for c in element if c.tag.rsplit("}", 1)[-1] == "MediaFile" and c.text]
            if files and element.get("ID"):
                media[element.get("ID").strip()] = _norm(posixpath.join(base, files[0].strip()))
    return {rid: f for rid, f in media.items() if f in names}


def _page_image_ids(archive: zipfile.ZipFile, names: dict[str, str], location: str | None) -> list[str]:
    if not location or location.casefold() not in names:
        return []
    root = _xml(archive, names[location.casefold()])
    if root is None:
        return []
    return [(el.get("ResourceID") or "").strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "ImageObject"]


def _xml(archive: zipfile.ZipFile, name: str):
    """A parsed XML member (no entities, no network), or None when unreadable or over 16 MB."""
    from lxml import etree

    info = archive.getinfo(name)
    if info.file_size > 16 * 1024 * 1024:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        return etree.fromstring(archive.read(name), parser)
    except (etree.XMLSyntaxError, ValueError, zipfile.BadZipFile):
        return None


def _norm(path: str) -> str:
    return posixpath.normpath(path.lstrip("/")).casefold()
