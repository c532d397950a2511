"""Reader for legacy Word 97-2003 (.doc) and Kingsoft WPS (.wps) OLE files: LibreOffice → .docx → docx reader.

Going through .docx keeps automatic numbering (一、/（一）), heading styles and text boxes. The first
such file read from a folder converts its OLE siblings in the same soffice call (one start-up for
the folder instead of one per file); the later ones come from the cache.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assistant.ingest import options, soffice
from assistant.ingest.read_docx import read_docx
from assistant.models import RawDocument, ReadError

SIBLING_SUFFIXES = (".doc", ".wps", ".dot", ".wpt")


def read_doc(path: Path, data: bytes) -> list[RawDocument]:
    """An OLE .doc/.wps file, converted by LibreOffice and read as .docx."""
    timeout = options.current().soffice_timeout
    try:
        if soffice.cached(data) is None and soffice.soffice_binary():
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
