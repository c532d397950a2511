"""File names for exported drafts: safe names for downloads, the sibling source-list file."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

DEFAULT_NAME = "未命名"
MAX_BYTES = 180  # well under the 255-byte limit of common file systems (UTF-8 汉字 = 3 bytes)
_RESERVED = re.compile(r'[/\\<>:"|?*\x00-\x1f\x7f]')
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def safe_filename(name: str, max_bytes: int = MAX_BYTES) -> str:
    """A single file name safe on Windows, macOS and Linux, keeping Chinese text.

    Path separators, `..`, control and reserved characters become `_`; leading/trailing dots,
    spaces and `_` go; device names (CON, NUL …) get a `_` suffix; the stem is cut to fit
    `max_bytes` in UTF-8 with the suffix kept. An empty result becomes 未命名.
    """
    text = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))  # controls, bidi overrides, lone surrogates
    text = _RESERVED.sub("_", text).replace("..", "_")
    text = re.sub(r"\s+", " ", text)
    stem, dot, suffix = text.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix):
        stem, suffix = text, ""
    stem = re.sub(r"_+", "_", stem).strip(" ._")
    suffix = f".{suffix}" if suffix else ""
    stem = _cut_bytes(stem or DEFAULT_NAME, max_bytes - len(suffix.encode()) - 1)
    first, dot, rest = stem.partition(".")  # Windows reserves NUL.tar.gz and CON.报告 too
    if _WINDOWS_DEVICES.match(first.strip()):
        stem = f"{first}_{dot}{rest}"
    return stem + suffix


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes."""
    data = text.encode("utf-8")[: max(limit, 1)]
    return data.decode("utf-8", errors="ignore").rstrip(" ._") or DEFAULT_NAME


def sources_path(path: Path) -> Path:
    """`报告.docx` → `报告_素材来源.md` in the same folder."""
    path = Path(path)
    return path.with_name(f"{path.stem}_素材来源.md")
