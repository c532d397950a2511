"""The index folder: immutable generations switched atomically, SQLite metadata, manifest.

Layout::

    index/
      CURRENT              name of the live generation (replaced with os.replace)
      gen-000007/          one complete, immutable generation
        manifest.json      format, model, tokenizers, BM25 params, counts, fingerprint
        docs.sqlite        files, documents, paragraphs
        terms.txt          dictionary terms mined from the corpus (the query tokenizer needs them)
        bm25_words/ bm25_bigrams/ vectors.faiss
        levels/            section- and document-level BM25 + row groups (level_index.py)
      embed_cache.sqlite   shared across generations: text hash → vector
      ingest.lock

A writer builds `gen-N.tmp`, fsyncs it, renames it to `gen-N`, then replaces
CURRENT. A reader resolves CURRENT once and keeps that generation, so it never
sees a half-written index; a killed writer leaves only a `.tmp` folder behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

# 2: section- and document-level BM25 under levels/ (assistant.search.level_index)
# 3: BM25 folders keep raw term counts and row lengths; a generation may hold incremental segments
#    (assistant.search.segments: rows with gaps, parts under segments/) — an older program must not read it
FORMAT_VERSION = 3
KEEP_GENERATIONS = 2

SCHEMA = """
CREATE TABLE files(path TEXT PRIMARY KEY, hash TEXT NOT NULL, size INTEGER, mtime REAL, n_docs INTEGER);
CREATE TABLE documents(
    id INTEGER PRIMARY KEY, doc_key TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, path TEXT NOT NULL,
    title TEXT, doctype TEXT, org TEXT, doc_number TEXT, date TEXT, year INTEGER,
    original_script TEXT, warnings TEXT, removed TEXT, metadata TEXT, content_hash TEXT, dup_group TEXT);
CREATE TABLE paragraphs(
    id INTEGER PRIMARY KEY, doc INTEGER NOT NULL REFERENCES documents(id), idx INTEGER NOT NULL,
    row INTEGER, text TEXT NOT NULL, original TEXT, is_heading INTEGER NOT NULL, level INTEGER,
    number TEXT, heading_path TEXT, role TEXT, text_hash TEXT, words TEXT, near_dup TEXT);
CREATE INDEX paragraphs_doc ON paragraphs(doc, idx);
CREATE UNIQUE INDEX paragraphs_row ON paragraphs(row);
CREATE INDEX documents_number ON documents(doc_number);
"""


class IndexError_(RuntimeError):
    """An index that cannot be used as asked; the message says what to do."""


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None for an empty/new index."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    gen = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not (gen / "manifest.json").exists():
        raise IndexError_(f"索引目录 {index_dir} 已损坏：CURRENT 指向的 {gen.name} 不完整。请运行 gongwen ingest --rebuild 重建。")
    return gen


def read_manifest(gen: Path) -> dict:
    """The manifest of a generation of the current format (older ones: assistant.search.migrate upgrades them)."""
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise IndexError_(f"索引 {gen.parent} 由更新版本的程序写入（格式版本 {version}，本程序只支持到 {FORMAT_VERSION}），"
                              "请升级本程序；或用 gongwen ingest --rebuild 以本程序的格式重建。")
        raise IndexError_(f"索引 {gen.parent} 的格式版本 {version} 比本程序（{FORMAT_VERSION}）旧，尚未升级："
                          "gongwen search / gongwen ingest 打开时会自动升级，或用 gongwen ingest --rebuild 重建。")
    return manifest


def new_generation_dir(index_dir: Path) -> tuple[Path, str]:
    """A fresh `gen-N.tmp` folder (N one more than any existing generation) and its final name."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:10]) for p in index_dir.glob("gen-*") if p.name[4:10].isdigit()]
    name = f"gen-{max(numbers, default=0) + 1:06d}"
    tmp = index_dir / f"{name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp, name


def publish_generation(index_dir: Path, tmp: Path, name: str) -> Path:
    """fsync the new generation, rename it into place, then switch CURRENT atomically."""
    for path in tmp.rglob("*"):
        if path.is_file():
            _fsync_file(path)
    _fsync_dir(tmp)
    final = index_dir / name
    os.replace(tmp, final)
    pointer_tmp = index_dir / "CURRENT.tmp"
    pointer_tmp.write_text(name, encoding="utf-8")
    _fsync_file(pointer_tmp)
    os.replace(pointer_tmp, index_dir / "CURRENT")
    _fsync_dir(index_dir)
    _prune(index_dir, name)
    return final


def _prune(index_dir: Path, live: str) -> None:
    """Remove leftovers of killed runs and generations older than the last KEEP_GENERATIONS."""
    gens = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    finished = [p for p in gens if not p.name.endswith(".tmp")]
    keep = {p.name for p in finished[-KEEP_GENERATIONS:]} | {live}
    for path in gens:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writer_lock(index_dir: Path):
    """One ingest at a time per index folder; a second one gets a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexError_(f"索引 {index_dir} 正在被另一个入库进程写入，请稍后再试。") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn


def open_db_readonly(path: Path) -> sqlite3.Connection:
    """Read-only connection usable from several threads (the UI serves requests concurrently)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def write_manifest(gen_tmp: Path, manifest: dict) -> None:
    manifest = {"format_version": FORMAT_VERSION, "updated": time.strftime("%Y-%m-%dT%H:%M:%S"), **manifest}
    (gen_tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
