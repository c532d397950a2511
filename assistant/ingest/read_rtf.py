"""Reader for .rtf (striprtf): paragraphs as lines; GBK `\\'hh` escapes and `\\uN` characters decoded."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.models import RawDocument, ReadError

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def read_rtf(path: Path, data: bytes) -> list[RawDocument]:
    """A .rtf file (also a .doc that is really RTF)."""
    from striprtf.striprtf import rtf_to_text

    source = data.decode("latin-1")  # RTF is 7-bit; stray 8-bit bytes survive as themselves
    try:
        text = rtf_to_text(source, encoding=_default_encoding(data), errors="replace")
    except (ValueError, LookupError, IndexError, RecursionError) as exc:
        raise ReadError(str(path), f"不是有效的 RTF 文件（{type(exc).__name__}）") from None
    lines = [_CONTROL.sub("", line).replace("|", "　").rstrip() for line in text.replace("\r", "").split("\n")]
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise ReadError(str(path), "RTF 文件没有文字内容")
    return [RawDocument(doc_id=path.stem, source=str(path), text=text, fmt="rtf")]


def _default_encoding(data: bytes) -> str:
    """The \\ansicpg code page (GBK for Chinese RTF without one)."""
    match = _CODEPAGE.search(data[:4096])
    return f"cp{int(match.group(1))}" if match else "cp936"
