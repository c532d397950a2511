"""Reader for legacy Word 97-2003 (.doc) and Kingsoft WPS (.wps) OLE files: LibreOffice → .docx → docx reader.

Going through .docx keeps automatic numbering (一、/（一）), heading styles and text boxes. The first
such file read from a folder converts its OLE siblings in the same soffice call (one start-up for
the folder instead of one per file); the later ones come from the cache. Without LibreOffice, legacy-doc (pure Python) reads the text
and the file is flagged: automatic numbering and heading styles may be lost.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assistant.ingest import options, soffice
from assistant.ingest.detect import OLE_MAGIC
from assistant.ingest.read_docx import read_docx
from assistant.models import RawDocument, ReadError

SIBLING_SUFFIXES = (".doc", ".wps", ".dot", ".wpt")


def read_doc(path: Path, data: bytes) -> list[RawDocument]:
    """An OLE .doc/.wps file, converted by LibreOffice and read as .docx."""
    if not data.startswith(OLE_MAGIC):
        raise ReadError(str(path), "不是 Word/WPS 文件（文件头既不是 OLE、.docx，也不是 RTF 或 HTML）")
    if soffice.soffice_binary() is None:
        return read_without_soffice(path, data)
    timeout = options.current().soffice_timeout
    try:
        if soffice.cached(data) is None:
            soffice.prefetch(_siblings(path), timeout=timeout)
        docx_bytes = soffice.docx_for(data, timeout=timeout)
    except soffice.ConversionError as err:
        raise ReadError(str(path), str(err)) from None
    try:
        docs = read_docx(path, docx_bytes)
    except ReadError as err:
        raise ReadError(str(path), err.reason.replace(".docx 文件", "Word/WPS 文件")) from None
    fmt = "wps" if _is_wps(data) or path.suffix.lower() == ".wps" else "doc"
    return [dataclasses.replace(doc, fmt=fmt) for doc in docs]


def read_without_soffice(path: Path, data: bytes) -> list[RawDocument]:
    """Without LibreOffice: the text of a Word-97 file by legacy-doc (pure Python), with a warning."""
    try:
        from legacy_doc import extract_text
        from legacy_doc.exceptions import LegacyDocError
    except ImportError:
        raise ReadError(str(path), "未安装 LibreOffice（运行 scripts/setup.sh 安装 libreoffice-writer-nogui）") from None
    try:
        text = extract_text(data).text
    except (LegacyDocError, ValueError, IndexError, KeyError, EOFError) as exc:
        raise ReadError(str(path), f"无法读取 Word/WPS 文件（{exc}）") from None
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    if not text:
        raise ReadError(str(path), "文档没有文字内容")
    fmt = "wps" if _is_wps(data) or path.suffix.lower() == ".wps" else "doc"
    return [RawDocument(doc_id=path.stem, source=str(path), text=text, fmt=fmt,
                        warnings=("未安装 LibreOffice，按纯文本读取：自动编号（一、/（一））与标题样式可能丢失",))]


def _siblings(path: Path) -> list[Path]:
    """This file and up to BATCH_MAX-1 other .doc/.wps files beside it, in name order."""
    try:
        others = sorted(p for p in path.parent.iterdir()
                        if p.suffix.lower() in SIBLING_SUFFIXES and p != path and not p.name.startswith("."))
    except OSError:
        others = []
    return [path, *others[: soffice.BATCH_MAX - 1]]


def _is_wps(data: bytes) -> bool:
    """An OLE file written by WPS carries a WpsCustomData stream (its name is stored in UTF-16)."""
    return "WpsCustomData".encode("utf-16-le") in data[:4 * 1024 * 1024]
