"""Read one file into RawDocument(s): the dispatcher over the per-format readers.

Formats: .txt and .md (any encoding, see `decode_bytes`), .docx, .pdf, .html/.htm, .jsonl.
Every failure is a ReadError with a short Chinese reason; an empty result is never returned.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from assistant.ingest.encoding import decode_bytes
from assistant.ingest.read_docx import read_docx
from assistant.ingest.read_html import read_html
from assistant.ingest.read_pdf import read_pdf
from assistant.ingest.read_text import read_jsonl, read_md, read_txt
from assistant.models import RawDocument, ReadError

__all__ = ["MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "decode_bytes", "read_file"]

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
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
_CONVERT_HINTS = {
    ".doc": "请先另存为 .docx",
    ".wps": "请先另存为 .docx",
    ".rtf": "请先另存为 .docx",
    ".odt": "请先另存为 .docx",
    ".ofd": "请先转换为 PDF",
    ".xls": "请先另存为 .txt",
    ".xlsx": "请先另存为 .txt",
}


def read_file(path: str | os.PathLike[str]) -> list[RawDocument]:
    """Read a supported file; one RawDocument per file (per line for .jsonl); ReadError otherwise."""
    path = Path(path)
    reader = reader_for(path)
    data = read_bytes(path)
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


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing missing, empty and oversized files."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ReadError(str(path), "不是文件")
        if size == 0:
            raise ReadError(str(path), "文件为空")
        if size > MAX_FILE_BYTES:
            raise ReadError(str(path), f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB）")
        return path.read_bytes()
    except FileNotFoundError:
        raise ReadError(str(path), "文件不存在") from None
    except PermissionError:
        raise ReadError(str(path), "没有读取权限") from None
    except OSError as exc:
        raise ReadError(str(path), f"无法读取文件（{exc.strerror or type(exc).__name__}）") from None
