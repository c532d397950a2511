"""What a file really is, from its first bytes (magic numbers), not from its extension.

A `.wps` is usually an OLE Word-97 file and sometimes a renamed .docx; a `.doc` can be RTF or HTML;
an `.ofd` is a zip holding OFD.xml. `detect_kind` names the content; `read.py` dispatches on it.
"""

from __future__ import annotations

import io
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
KINDS = ("ole", "docx", "ofd", "zip", "rtf", "pdf", "image", "html", "text")


def detect_kind(data: bytes) -> str:
    """One of KINDS for the file's bytes ("text" when nothing binary is recognised)."""
    head = data[:16]
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    stripped = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if image_format(data):
        return "image"
    lower = stripped[:512].lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lower or b"<body" in lower:
        return "html"
    return "text"


def image_format(data: bytes) -> str | None:
    """png / jpeg / tiff / bmp / gif / webp, or None."""
    for magic, name in IMAGE_MAGICS:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _zip_kind(data: bytes) -> str:
    """docx (word/document.xml), ofd (OFD.xml at the root) or another zip (corrupt ones count as zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lstrip("/").lower() for name in archive.namelist()[:50_000]}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "ofd.xml" in names:
        return "ofd"
    return "zip"
