"""Incremental ingest into the embedded backend: a new generation that costs what changed.

The previous generation's base and segments are hard-linked (immutable files); docs.sqlite is
copied and patched — the replaced and removed documents deleted, the new ones appended with row
numbers after every row in use — and the new rows get one small segment (BM25 with raw counts,
document-level BM25, an exact flat vector index). The new generation is published like any other
(store.publish_generation), so readers see the old state or the new one, and a killed writer
leaves the previous generation live with at most a `.tmp` folder behind.

What an incremental generation does not recompute, until `gongwen compact` builds one base again:
mined dictionary terms (the base's are kept, so the tokenizer does not change between segments) and
near duplicates across the old corpus (a new document is grouped with exact copies already indexed —
same content hash, same paragraph text — and with near copies among the new documents only).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.ingest import dedup
from assistant.search import segments, store
from assistant.search.records import FileEntry, StoredDoc, write_all


def _has_counts(folder: Path) -> bool:
    try:
        with np.load(folder / "weights.npz", allow_pickle=False) as npz:
            return "tf" in npz.files and "lengths" in npz.files
    except (OSError, ValueError):
        return False


def can_update(gen: Path | None, manifest: dict | None) -> bool:
    """The live generation can take an incremental segment (else: a full build)."""
    from assistant.search.build import PENDING

    if gen is None or not manifest or manifest.get("vector_index", {}).get("kind") == PENDING:
        return False
    if len(segments.segment_entries(manifest)) >= segments.MAX_SEGMENTS:
        return False
    return all(_has_counts(folder / name) for _, folder in segments.part_dirs(gen, manifest)
               for name in ("bm25_words", "bm25_bigrams", "levels/document_words", "levels/document_bigrams"))


def fits(manifest: dict, new_rows: int) -> bool:
    """Rows added since the base stay a small share of it (else compacting is cheaper to search)."""
    base = int(manifest.get("base_rows", manifest["counts"]["paragraphs"]))
    added = sum(int(s["rows"]) for s in segments.segment_entries(manifest)) + new_rows
    return added <= max(segments.MAX_SEGMENT_SHARE * base, segments.MIN_SEGMENT_ROWS)


def write_delta(index_dir: Path, settings: Settings, gen: Path, manifest: dict, files: list[FileEntry],
                new_docs: list[StoredDoc], dead_paths: set[str], dead_keys: set[str] = frozenset(),
                progress=None, embed=None) -> tuple[str, int, int]:
    """Publish the next generation: documents of `dead_paths` / `dead_keys` gone, `new_docs` added,
    `files` the complete new files table. Returns (generation, vectors computed, live paragraphs)."""
    from assistant.search.bm25 import BM25Index
    from assistant.search.build import _link_or_copy, embed_texts, text_hash
    from assistant.search.level_index import build_levels
    from assistant.search.tokenize import Tokenizer, char_bigrams
    from assistant.search.vectors import VectorIndex

    tmp, name = store.new_generation_dir(index_dir)
    shutil.copytree(gen, tmp, copy_function=_link_or_copy, dirs_exist_ok=True,
                    ignore=lambda folder, names: [n for n in names if n in ("docs.sqlite", "manifest.json")]
                    if Path(folder) == gen else [])
    shutil.copyfile(gen / "docs.sqlite", tmp / "docs.sqlite")  # patched below: never write through a link
    if progress:
        progress("复制索引", 1, 1)
    terms = (gen / "terms.txt").read_text(encoding="utf-8").split() if (gen / "terms.txt").exists() else []
    tokenizer = Tokenizer(settings.user_dicts, extra_terms=terms)
    first_row = segments.total_rows(manifest)
    conn = sqlite3.connect(tmp / "docs.sqlite")
    try:
        first_doc = conn.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM documents").fetchone()[0]
        _delete(conn, dead_paths, dead_keys)
        body = [(n, p) for n, d in enumerate(new_docs) for p in d.doc.paragraphs if not p.is_heading]
        texts = [p.text for _, p in body]
        hashes = [text_hash(t) for t in texts]
        stored_words = _stored_words(conn, hashes)
        words = [stored_words.get(h) or " ".join(tokenizer.words(t)) for h, t in zip(hashes, texts)]
        dup_of = _document_groups(conn, new_docs)
        near = _paragraph_groups(conn, body, hashes)
        conn.execute("DELETE FROM files")
        conn.executemany("INSERT INTO files VALUES (?,?,?,?,?)",
                         [(f.path, f.hash, f.size, f.mtime, f.n_docs) for f in files])
        write_all(conn, [], new_docs, {(n, p.index): w for (n, p), w in zip(body, words)}, dup_of, near,
                  {(n, p.index): h for (n, p), h in zip(body, hashes)}, first_doc=first_doc, first_row=first_row)
        counts = _counts(conn, len(files))
        conn.commit()
    finally:
        conn.close()

    computed = 0
    entries = segments.segment_entries(manifest)
    if texts:
        seg = tmp / segments.FOLDER / name.replace("gen-", "seg-")
        seg.mkdir(parents=True)
        word_tokens = [w.split() for w in words]
        bigram_tokens = [char_bigrams(t) for t in texts]
        BM25Index.build(word_tokens, k1=settings.k1, b=settings.b).save(seg / "bm25_words")
        BM25Index.build(bigram_tokens, k1=settings.k1, b=settings.b).save(seg / "bm25_bigrams")
        titles = {n: d.doc.title or "" for n, d in enumerate(new_docs)}
        build_levels(seg, [n for n, _ in body], [p.heading_path for _, p in body], word_tokens, bigram_tokens,
                     {n: tokenizer.words(t) for n, t in titles.items() if t},
                     {n: char_bigrams(t) for n, t in titles.items() if t}, settings.k1, settings.b)
        vectors, computed, _embedder = embed_texts(index_dir, settings, texts, progress, embed)
        VectorIndex.build(vectors, kind="flat").save(seg / "vectors.faiss")
        entries.append({"name": seg.name, "first_row": first_row, "rows": len(texts)})
    files_hash = hashlib.sha1("".join(sorted(f.hash for f in files)).encode()).hexdigest()
    store.write_manifest(tmp, {
        **{k: v for k, v in manifest.items() if k not in ("format_version", "updated")},
        "generation": name,
        "counts": counts,
        "corpus_fingerprint": files_hash,
        "base_rows": int(manifest.get("base_rows", segments.total_rows(manifest))),
        "segments": entries,
    })
    store.publish_generation(index_dir, tmp, name)
    return name, computed, counts["paragraphs"]


def _delete(conn: sqlite3.Connection, dead_paths: set[str], dead_keys: set[str]) -> None:
    conn.execute("CREATE TEMP TABLE dead(id INTEGER PRIMARY KEY)")
    for column, values in (("path", dead_paths), ("doc_key", dead_keys)):
        values = list(values)
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            conn.execute(f"INSERT OR IGNORE INTO dead SELECT id FROM documents WHERE {column} IN "
                         f"({','.join('?' * len(chunk))})", chunk)
    conn.execute("DELETE FROM paragraphs WHERE doc IN (SELECT id FROM dead)")
    conn.execute("DELETE FROM documents WHERE id IN (SELECT id FROM dead)")
    conn.execute("DROP TABLE dead")


def _stored_words(conn: sqlite3.Connection, hashes: list[str]) -> dict[str, str]:
    """Word tokens already stored for these texts (unchanged paragraphs of a changed file)."""
    out: dict[str, str] = {}
    unique = sorted(set(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        out.update(conn.execute("SELECT text_hash, words FROM paragraphs WHERE words IS NOT NULL AND text_hash IN "
                                f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return out


def _document_groups(conn: sqlite3.Connection, new_docs: list[StoredDoc]) -> dict[str, str]:
    """doc_key → duplicate group for the new documents: among themselves (exact or near) and with
    indexed documents of the same content hash; an indexed member's group id is kept (and given to
    indexed members that had none)."""
    hashes = sorted({d.doc.content_hash for d in new_docs if d.doc.content_hash})
    old: list[tuple[str, str, str | None]] = []  # (doc_key, text, dup_group)
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        for doc_id, key, group in conn.execute("SELECT id, doc_key, dup_group FROM documents WHERE content_hash IN "
                                               f"({','.join('?' * len(chunk))})", chunk).fetchall():
            text = "".join(r[0] for r in conn.execute("SELECT text FROM paragraphs WHERE doc = ? AND is_heading = 0 "
                                                      "ORDER BY idx", (doc_id,)))
            old.append((key, text, group))
    pairs = [(key, text) for key, text, _ in old] + [(d.doc_key, "".join(p.text for p in d.doc.body)) for d in new_docs]
    existing = {key: group for key, _, group in old}
    out: dict[str, str] = {}
    for group in dedup.find_duplicate_documents(pairs):
        kept = next((existing[m] for m in group.members if existing.get(m)), group.group_id)
        for member in group.members:
            if member in existing:
                if existing[member] != kept:
                    conn.execute("UPDATE documents SET dup_group = ? WHERE doc_key = ?", (kept, member))
            else:
                out[member] = kept
    return out


def _paragraph_groups(conn: sqlite3.Connection, body, hashes: list[str]) -> dict[str, str]:
    """"n:idx" → near-duplicate group for new paragraphs: among themselves and with indexed
    paragraphs of the same text (whose group id is kept, or given to them)."""
    old: list[tuple[int, str, str | None]] = []  # (paragraph id, text, near_dup)
    unique = sorted(set(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        old += conn.execute("SELECT id, text, near_dup FROM paragraphs WHERE row IS NOT NULL AND text_hash IN "
                            f"({','.join('?' * len(chunk))})", chunk).fetchall()
    pairs = [(f"old:{pid}", text) for pid, text, _ in old] + [(f"{n}:{p.index}", p.text) for n, p in body]
    existing = {f"old:{pid}": group for pid, _, group in old}
    groups: dict[str, list[str]] = {}
    for key, group in dedup.near_duplicate_paragraphs(pairs).items():
        groups.setdefault(group, []).append(key)
    out: dict[str, str] = {}
    for group, members in groups.items():
        kept = next((existing[m] for m in members if existing.get(m)), group)
        for member in members:
            if member in existing:
                if existing[member] != kept:
                    conn.execute("UPDATE paragraphs SET near_dup = ? WHERE id = ?", (kept, int(member[4:])))
            else:
                out[member] = kept
    return out


def _counts(conn: sqlite3.Connection, n_files: int) -> dict:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {"files": n_files, "documents": one("SELECT COUNT(*) FROM documents"),
            "paragraphs": one("SELECT COUNT(*) FROM paragraphs WHERE row IS NOT NULL"),
            "duplicate_groups": one("SELECT COUNT(DISTINCT dup_group) FROM documents WHERE dup_group IS NOT NULL"),
            "near_duplicate_paragraphs": one("SELECT COUNT(*) FROM paragraphs WHERE row IS NOT NULL AND "
                                             "near_dup IS NOT NULL")}

