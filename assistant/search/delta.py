"""Incremental ingest into the embedded backend: a new generation that costs what changed.

The previous generation's base and segments are hard-linked (immutable files); docs.sqlite is
copied and patched — the replaced and removed documents deleted, the new ones appended with row
numbers after every row in use — and the new rows get one small segment (BM25 with raw counts,
document-level BM25, an exact flat vector index). The new generation is published like any other
(store.publish_generation), so readers see the old state or the new one, and a killed writer
leaves the previous generation live with at most a `.tmp` folder behind.

Duplicates: a new document or paragraph is compared (MinHash, as in a full build) with the new ones,
with indexed ones of the same content hash / text, and with its nearest indexed documents /
paragraphs by bigram BM25 (the inverted index stands in for LSH over the whole corpus).

What an incremental generation does not recompute, until `gongwen compact` builds one base again:
mined dictionary terms (the base's are kept, so the tokenizer does not change between segments); a
duplicate group left with one member after its other member was removed stays (harmless: nothing to
collapse).
"""

from __future__ import annotations

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
    base = segments.base_rows(manifest)
    added = segments.total_rows(manifest) - base + new_rows
    return added <= max(segments.MAX_SEGMENT_SHARE * base, segments.MIN_SEGMENT_ROWS)


def write_delta(index_dir: Path, settings: Settings, gen: Path, manifest: dict, files: list[FileEntry],
                new_docs: list[StoredDoc], dead_paths: set[str], dead_keys: set[str] = frozenset(),
                progress=None, embed=None) -> tuple[str, int, int]:
    """Publish the next generation: documents of `dead_paths` / `dead_keys` gone, `new_docs` added,
    `files` the complete new files table. Returns (generation, vectors computed, live paragraphs)."""
    from assistant.search.bm25 import BM25Index
    from assistant.search.build import _link_or_copy, corpus_fingerprint, embed_texts, text_hash
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
        nearby = _Nearby(gen, manifest, conn, first_row)
        dup_of = _document_groups(conn, new_docs, nearby)
        near = _paragraph_groups(conn, body, hashes, nearby)
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
    store.write_manifest(tmp, {
        **{k: v for k, v in manifest.items() if k not in ("format_version", "updated")},
        "generation": name,
        "counts": counts,
        "corpus_fingerprint": corpus_fingerprint(files),
        "base_rows": segments.base_rows(manifest),
        "segments": entries,
    })
    store.publish_generation(index_dir, tmp, name)
    return name, computed, counts["paragraphs"]


def _delete(conn: sqlite3.Connection, dead_paths: set[str], dead_keys: set[str]) -> None:
    dead = set(_column(conn, "SELECT id FROM documents WHERE path IN ({})", sorted(dead_paths)))
    dead |= set(_column(conn, "SELECT id FROM documents WHERE doc_key IN ({})", sorted(dead_keys)))
    conn.execute("CREATE TEMP TABLE dead(id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO dead VALUES (?)", [(i,) for i in dead])
    conn.execute("DELETE FROM paragraphs WHERE doc IN (SELECT id FROM dead)")
    conn.execute("DELETE FROM documents WHERE id IN (SELECT id FROM dead)")
    conn.execute("DROP TABLE dead")


def _stored_words(conn: sqlite3.Connection, hashes: list[str]) -> dict[str, str]:
    """Word tokens already stored for these texts (unchanged paragraphs of a changed file)."""
    return dict(_column(conn, "SELECT text_hash, words FROM paragraphs WHERE words IS NOT NULL AND text_hash IN ({})",
                        sorted(set(hashes))))


class _Nearby:
    """Indexed paragraphs and documents that may be near copies of new ones: the top bigram-BM25 hits
    of each new paragraph (document) over the live rows (documents) of the previous generation — the
    inverted index does what MinHash LSH over the whole corpus does in a full build, for a few texts."""

    ROWS, DOCS = 10, 5

    def __init__(self, gen: Path, manifest: dict, conn: sqlite3.Connection, n_rows: int):
        live = np.zeros(n_rows, dtype=bool)
        live[[r[0] for r in conn.execute("SELECT row FROM paragraphs WHERE row IS NOT NULL")]] = True
        self.parts = segments.SegmentedParts(gen, manifest, live, with_vectors=False, with_words=False)
        self.conn = conn

    def rows(self, text: str) -> list[int]:
        from assistant.search.tokenize import char_bigrams

        return self.parts.bm25_bigrams.top_k(char_bigrams(text), self.ROWS)[0].tolist()

    def documents(self, text: str) -> list[int]:
        """Document ids (docs.sqlite) of the best document-level matches."""
        from assistant.search.tokenize import char_bigrams

        groups = self.parts.levels.bm25["document_bigrams"].top_k(char_bigrams(text), self.DOCS)[0]
        first_rows = [int(self.parts.groups.doc_start[g]) for g in groups]
        return _column(self.conn, "SELECT doc FROM paragraphs WHERE row IN ({})", first_rows)


def _column(conn: sqlite3.Connection, sql: str, values: list) -> list:
    """`sql` with its `IN ({})` filled for `values`, 500 at a time (SQLite's variable limit): the first
    column of each row, or the whole row when it has several."""
    out = []
    values = list(values)
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        out += [r[0] if len(r) == 1 else r for r in conn.execute(sql.format(",".join("?" * len(chunk))), chunk)]
    return out


def _merge_groups(conn: sqlite3.Connection, table: str, column: str, found: list[list[str]],
                  existing: dict[str, str | None], key_of) -> dict[str, str]:
    """Apply duplicate groups found among new and indexed items: an indexed group's id is kept (groups
    a new item joins together become one, as a full build would make them); returns new key → group."""
    out: dict[str, str] = {}
    for fresh_id, members in found:
        olds = [existing[m] for m in members if existing.get(m)]
        kept = olds[0] if olds else fresh_id
        for other in set(olds) - {kept}:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (kept, other))
        for member in members:
            if member in existing:
                if existing[member] is None:
                    conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key_of[1]} = ?", (kept, key_of[0](member)))
            else:
                out[member] = kept
    return out


def _document_groups(conn: sqlite3.Connection, new_docs: list[StoredDoc], nearby: _Nearby) -> dict[str, str]:
    """doc_key → duplicate group for the new documents (exact or near copies among themselves and of
    indexed documents: same content hash, or among the nearest by document-level bigram BM25)."""
    hashes = sorted({d.doc.content_hash for d in new_docs if d.doc.content_hash})
    ids = set(_column(conn, "SELECT id FROM documents WHERE content_hash IN ({})", hashes))
    texts = {d.doc_key: "".join(p.text for p in d.doc.body) for d in new_docs}
    for d in new_docs:
        ids.update(nearby.documents((d.doc.title or "") + texts[d.doc_key]))
    old: dict[str, tuple[str, str | None]] = {}
    for doc_id in sorted(ids):
        key, group = conn.execute("SELECT doc_key, dup_group FROM documents WHERE id = ?", (doc_id,)).fetchone()
        text = "".join(r[0] for r in conn.execute("SELECT text FROM paragraphs WHERE doc = ? AND is_heading = 0 "
                                                  "ORDER BY idx", (doc_id,)))
        old[key] = (text, group)
    pairs = [(key, text) for key, (text, _) in old.items()] + list(texts.items())
    found = [(g.group_id, list(g.members)) for g in dedup.find_duplicate_documents(pairs)]
    return _merge_groups(conn, "documents", "dup_group", found, {k: g for k, (_, g) in old.items()},
                         (lambda key: key, "doc_key"))


def _paragraph_groups(conn: sqlite3.Connection, body, hashes: list[str], nearby: _Nearby) -> dict[str, str]:
    """"n:idx" → near-duplicate group for new paragraphs: among themselves and with indexed paragraphs
    of the same text or among the nearest by bigram BM25."""
    rows = set()
    for _, p in body:
        rows.update(nearby.rows(p.text))
    old = _column(conn, "SELECT id, text, near_dup FROM paragraphs WHERE row IS NOT NULL AND text_hash IN ({})",
                  sorted(set(hashes)))
    old += _column(conn, "SELECT id, text, near_dup FROM paragraphs WHERE row IN ({})", sorted(rows))
    old = {f"old:{pid}": (text, group) for pid, text, group in old}
    pairs = [(key, text) for key, (text, _) in old.items()] + [(f"{n}:{p.index}", p.text) for n, p in body]
    groups: dict[str, list[str]] = {}
    for key, group in dedup.near_duplicate_paragraphs(pairs).items():
        groups.setdefault(group, []).append(key)
    return _merge_groups(conn, "paragraphs", "near_dup", list(groups.items()), {k: g for k, (_, g) in old.items()},
                         (lambda key: int(key[4:]), "id"))


def _counts(conn: sqlite3.Connection, n_files: int) -> dict:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {"files": n_files, "documents": one("SELECT COUNT(*) FROM documents"),
            "paragraphs": one("SELECT COUNT(*) FROM paragraphs WHERE row IS NOT NULL"),
            "duplicate_groups": one("SELECT COUNT(DISTINCT dup_group) FROM documents WHERE dup_group IS NOT NULL"),
            "near_duplicate_paragraphs": one("SELECT COUNT(*) FROM paragraphs WHERE row IS NOT NULL AND "
                                             "near_dup IS NOT NULL")}

