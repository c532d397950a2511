"""Content-addressed embedding cache: (model id, sha1 of text) → float32 vector, in SQLite.

WAL mode: one writer and many readers across processes. Every chunk of freshly computed vectors
is committed in its own transaction, so a killed indexing run loses at most the chunk in flight
and the next run embeds only what is still missing. Vectors are raw little-endian float32 blobs
(`np.frombuffer` on read) — never pickle.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model_id TEXT NOT NULL,
    hash     TEXT NOT NULL,
    vec      BLOB NOT NULL,
    PRIMARY KEY (model_id, hash)
) WITHOUT ROWID
"""
SQL_CHUNK = 500  # stays below SQLite's bound-parameter limit on old builds (999)


def text_hash(text: str) -> str:
    """sha1 hex of the UTF-8 text: the cache key (and the paragraph hash elsewhere)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbedCache:
    """Vectors of one model; rows of other models in the same file are left alone."""

    def __init__(self, path: Path, model_id: str, dim: int):
        self.path, self.model_id, self.dim = Path(path), model_id, int(dim)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
        self._conn.execute(SCHEMA)

    def get_many(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors for those of `hashes` present (read-only float32 arrays of length dim)."""
        keys = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), SQL_CHUNK):
            part = keys[start:start + SQL_CHUNK]
            marks = ",".join("?" * len(part))
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT hash, vec FROM vectors WHERE model_id = ? AND hash IN ({marks})",
                    [self.model_id, *part]).fetchall()
            for key, blob in rows:
                if len(blob) == 4 * self.dim:  # anything else is foreign or damaged: treat as a miss
                    found[key] = np.frombuffer(blob, dtype="<f4")
        return found

    def count_missing(self, hashes: Iterable[str]) -> int:
        """How many distinct `hashes` have no vector here (without reading the vectors)."""
        keys = list(dict.fromkeys(hashes))
        present = 0
        for start in range(0, len(keys), SQL_CHUNK):
            part = keys[start:start + SQL_CHUNK]
            with self._lock:
                present += self._conn.execute(
                    f"SELECT COUNT(*) FROM vectors WHERE model_id = ? AND hash IN ({','.join('?' * len(part))})",
                    [self.model_id, *part]).fetchone()[0]
        return len(keys) - present

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> int:
        """Store (hash, vector) pairs in one transaction; returns how many were written."""
        rows = [(self.model_id, key, self._blob(vec)) for key, vec in items]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return len(rows)

    def _blob(self, vec: np.ndarray) -> bytes:
        arr = np.asarray(vec, dtype="<f4").reshape(-1)
        if arr.shape[0] != self.dim:
            raise ValueError(f"向量维度 {arr.shape[0]} 与缓存维度 {self.dim} 不一致")
        return arr.tobytes()

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM vectors WHERE model_id = ?",
                                      (self.model_id,)).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "EmbedCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def embed_with_cache(embedder, cache: EmbedCache, texts: Sequence[str],
                     progress: Callable[[int, int], None] | None = None,
                     chunk: int = 256) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (input order) and how many were computed; only cache misses are embedded.

    Misses are deduplicated by hash, sorted by length (less padding across chunks) and embedded
    `chunk` at a time; each chunk is committed before the next starts. `progress(done, total)`
    counts distinct texts.
    """
    hashes = [text_hash(t) for t in texts]
    first_text = dict(zip(reversed(hashes), reversed(texts)))
    found = cache.get_many(first_text)
    missing = sorted((h for h in first_text if h not in found), key=lambda h: -len(first_text[h]))
    total = len(first_text)
    if progress:
        progress(len(found), total)
    for start in range(0, len(missing), chunk):
        keys = missing[start:start + chunk]
        vectors = np.asarray(embedder.encode([first_text[h] for h in keys]), dtype=np.float32)
        cache.put_many(zip(keys, vectors))
        found.update(zip(keys, vectors))
        if progress:
            progress(total - len(missing) + start + len(keys), total)
    if not texts:
        return np.zeros((0, cache.dim), dtype=np.float32), 0
    return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False), len(missing)
