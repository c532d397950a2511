"""Read one file into RawDocument(s): the dispatcher over the per-format readers.

Formats: .txt and .md (any encoding, see `decode_bytes`), .docx, .pdf, .html/.htm, .jsonl, and the
archive formats .doc/.wps (LibreOffice), .rtf, .ofd, scanned PDFs and page images (OCR). Binary files are
dispatched on their content (`detect_kind`): a .wps that is a renamed .docx, a .doc that is RTF or HTML
are read as what they are. Every failure is a ReadError with a short Chinese reason; an empty result is never returned.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from assistant.ingest.detect import detect_kind
from assistant.ingest.encoding import decode_bytes
from assistant.ingest.read_doc import read_doc
from assistant.ingest.read_docx import read_docx
from assistant.ingest.read_html import read_html
from assistant.ingest.read_image import IMAGE_SUFFIXES, read_image
from assistant.ingest.read_ofd import read_ofd
from assistant.ingest.read_pdf import read_pdf
from assistant.ingest.read_rtf import read_rtf
from assistant.ingest.read_text import read_jsonl, read_md, read_txt
from assistant.models import RawDocument, ReadError

__all__ = ["MAX_FILE_BYTES", "SKIP_NAMES", "SUPPORTED_SUFFIXES", "decode_bytes", "read_file"]

MAX_FILE_BYTES = 50 * 1024 * 1024

Reader = Callable[[Path, bytes], list[RawDocument]]
_READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
    ".jsonl": read_jsonl,
    ".doc": read_doc,
    ".wps": read_doc,
    ".rtf": read_rtf,
    ".ofd": read_ofd,
    **{suffix: read_image for suffix in IMAGE_SUFFIXES},
}
_BY_CONTENT: dict[str, Reader] = {"ole": read_doc, "docx": read_docx, "ofd": read_ofd, "rtf": read_rtf,
                                  "pdf": read_pdf, "image": read_image, "html": read_html}
_SNIFFED = frozenset({".doc", ".wps", ".docx", ".rtf", ".ofd", ".pdf", *IMAGE_SUFFIXES})
"""Suffixes whose reader is chosen by content; text suffixes (.txt, .md, .html, .jsonl) keep theirs."""
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
SKIP_NAMES = frozenset({"readme.md", "readme.txt", "source.md", "license", "license.md", "license.txt",
                        "_index.md", "_sidebar.md", "_navbar.md", "_coverpage.md", "summary.md"})
"""Skipped when a folder is read: project files and site-generator navigation (Hugo `_index.md`,
docsify `_sidebar.md`, GitBook `SUMMARY.md`), not documents. Named explicitly, they are read."""
_CONVERT_HINTS = {
    ".odt": "请先另存为 .docx",
    ".xls": "请先另存为 .txt",
    ".xlsx": "请先另存为 .txt",
}


def read_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> list[RawDocument]:
    """Read a supported file; one RawDocument per file (per line for .jsonl); ReadError otherwise.

    Files larger than `max_bytes` (default MAX_FILE_BYTES) are refused before being read.
    """
    path = Path(path)
    reader = reader_for(path)
    data = read_bytes(path, max_bytes)
    if path.suffix.lower() in _SNIFFED:
        reader = _BY_CONTENT.get(detect_kind(data), reader)  # unrecognised content: the suffix's reader says why
    return reader(path, data)


def reader_for(path: Path) -> Reader:
    """The reader for the file's suffix (case-insensitive), or ReadError naming the suffix."""
    suffix = path.suffix.lower()
    if suffix in _READERS:
        return _READERS[suffix]
    if not suffix:
        raise ReadError(str(path), "不支持的文件类型（没有扩展名）")
    hint = _CONVERT_HINTS.get(suffix)
    raise ReadError(str(path), f"不支持的文件类型 {suffix}" + (f"（{hint}）" if hint else ""))


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, refusing missing, empty, oversized and non-regular files (pipes, devices)."""
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(str(path), "不是普通文件（文件夹、管道、设备等）")
        size = info.st_size
        if size == 0:
            raise ReadError(str(path), "文件为空")
        if size > limit:
            raise ReadError(str(path), f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {limit / 1024 / 1024:g} MB）")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # the file may have grown since stat()
        if len(data) > limit:
            raise ReadError(str(path), f"文件过大（超过上限 {limit / 1024 / 1024:g} MB）")
        return data
    except FileNotFoundError:
        raise ReadError(str(path), "文件不存在") from None
    except PermissionError:
        raise ReadError(str(path), "没有读取权限") from None
    except OSError as exc:
        raise ReadError(str(path), f"无法读取文件（{exc.strerror or type(exc).__name__}）") from None
