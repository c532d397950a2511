"""Files → structured Documents: read, clean, structure (dedup runs over a collection)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.structure import parse_raw
from assistant.models import Document, RawDocument

__all__ = ["parse_file", "parse_raw", "parse_text"]


def parse_file(path: str | Path, max_bytes: int | None = None) -> list[Document]:
    """Parse one file; a .jsonl gives one Document per line. Raises ReadError."""
    from assistant.ingest.read import read_file  # format libraries load only when files are read

    return [parse_raw(raw) for raw in read_file(path, max_bytes=max_bytes)]


def parse_text(text: str, doc_id: str = "text", source: str = "<text>") -> Document:
    """Parse text already in memory (tests, pasted text)."""
    return parse_raw(RawDocument(doc_id=doc_id, source=source, text=text))
