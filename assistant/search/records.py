"""Documents ↔ SQLite rows of one generation."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from assistant.models import Document, Paragraph, Removed


@dataclass(frozen=True)
class FileEntry:
    path: str
    hash: str
    size: int
    mtime: float
    n_docs: int


@dataclass(frozen=True)
class StoredDoc:
    """A document as kept in the index: the parsed Document plus where it came from."""

    doc_key: str
    path: str
    doc: Document


def doc_key(path: str, doc: Document, is_multi: bool) -> str:
    """Unique key: the file path, plus the record id for multi-document files (.jsonl)."""
    return f"{path}#{doc.doc_id}" if is_multi else path


def write_all(conn: sqlite3.Connection, files: list[FileEntry], docs: list[StoredDoc],
              words: dict[tuple[int, int], str], dup_groups: dict[str, str], near_dups: dict[str, str],
              text_hashes: dict[tuple[int, int], str], first_doc: int = 0,
              first_row: int = 0) -> list[tuple[int, int]]:
    """Write one generation (or, from `first_doc` / `first_row` on, an incremental segment's documents);
    returns (doc number, paragraph index) of each indexed row in row order. Keys are doc numbers in
    `docs`; the stored ids are first_doc + n and first_row + position."""
    conn.executemany("INSERT INTO files VALUES (?,?,?,?,?)",
                     [(f.path, f.hash, f.size, f.mtime, f.n_docs) for f in files])
    rows: list[tuple[int, int]] = []
    for n, stored in enumerate(docs):
        d = stored.doc
        year = int(d.date[:4]) if d.date else _year_from_metadata(d)
        conn.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (first_doc + n, stored.doc_key, d.doc_id, stored.path, d.title, d.doctype, d.org, d.doc_number, d.date, year,
             d.original_script, _dump(list(d.warnings)), _dump([[r.kind, r.text] for r in d.removed]),
             _dump(dict(d.metadata)), d.content_hash, dup_groups.get(stored.doc_key)),
        )
        batch = []
        for p in d.paragraphs:
            row = None
            if not p.is_heading:
                row = first_row + len(rows)
                rows.append((n, p.index))
            key = (n, p.index)
            batch.append((first_doc + n, p.index, row, p.text, p.original, int(p.is_heading), p.level, p.number,
                          _dump(list(p.heading_path)), p.role, text_hashes.get(key), words.get(key),
                          near_dups.get(f"{n}:{p.index}")))
        conn.executemany(
            "INSERT INTO paragraphs(doc,idx,row,text,original,is_heading,level,number,heading_path,role,"
            "text_hash,words,near_dup) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    conn.commit()
    return rows


def read_all(conn: sqlite3.Connection) -> tuple[list[FileEntry], list[StoredDoc], dict[str, str]]:
    """Everything in a generation: files, documents, and stored word tokens by text hash."""
    files = [FileEntry(*row) for row in conn.execute("SELECT path, hash, size, mtime, n_docs FROM files")]
    paragraphs: dict[int, list[Paragraph]] = {}
    words: dict[str, str] = {}
    query = ("SELECT doc, idx, text, original, is_heading, level, number, heading_path, role, text_hash, words "
             "FROM paragraphs ORDER BY doc, idx")
    for doc, idx, text, original, is_heading, level, number, path, role, text_hash, tokens in conn.execute(query):
        paragraphs.setdefault(doc, []).append(
            Paragraph(text, original, bool(is_heading), level, tuple(json.loads(path)), role, idx, number or ""))
        if tokens is not None and text_hash:
            words[text_hash] = tokens
    docs = []
    for row in conn.execute("SELECT id, doc_key, doc_id, path, title, doctype, org, doc_number, date, "
                            "original_script, warnings, removed, metadata, content_hash FROM documents ORDER BY id"):
        (n, key, doc_id, path, title, doctype, org, number, date, script, warnings, removed, metadata, chash) = row
        doc = Document(doc_id, path, title, doctype, org, number, date, script, tuple(paragraphs.get(n, ())),
                       tuple(json.loads(warnings)), tuple(Removed(k, t) for k, t in json.loads(removed)),
                       json.loads(metadata), chash)
        docs.append(StoredDoc(key, path, doc))
    return files, docs, words


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _year_from_metadata(doc: Document) -> int | None:
    year = doc.metadata.get("year") if doc.metadata else None
    try:
        return int(str(year)[:4]) if year else None
    except ValueError:
        return None


def file_entry(path: Path, digest: str, n_docs: int) -> FileEntry:
    stat = path.stat()
    return FileEntry(str(path), digest, stat.st_size, stat.st_mtime, n_docs)
