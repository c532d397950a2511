"""Segments of an embedded generation: the base plus small parts added by incremental ingests.

Layout (a generation whose manifest lists "segments")::

    gen-N/
      docs.sqlite                 every live document and paragraph (patched copy of the previous one)
      bm25_words/ bm25_bigrams/ levels/ vectors.faiss     the base: rows 0 .. base_rows-1
      segments/seg-000003/        rows first_row .. first_row+rows-1, written by one incremental ingest
        bm25_words/ bm25_bigrams/ levels/ vectors.faiss (exact flat)

Row numbers are global and never reused: a replaced or removed document's rows stay in the arrays of
the part that holds them but are no longer in docs.sqlite, so they are not live. Every search ANDs
the live mask (engine.scope); BM25 is scored with corpus-wide statistics of the live rows
(bm25_multi.py), so a segmented generation ranks like a fresh build of the same rows. The base and
earlier segments are hard-linked from the previous generation (generations are immutable).
`gongwen compact` (or an ingest past the thresholds below) builds one base again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.search.bm25 import BM25Index, BM25IndexError
from assistant.search.bm25_multi import MultiBM25
from assistant.search.level_index import top_groups
from assistant.search.levels import groups_from_ids

FOLDER = "segments"
MAX_SEGMENTS = 8          # more parts than this: the next ingest compacts (builds one base)
MAX_SEGMENT_SHARE = 0.2   # rows added since the base above this share of the base (and above
MIN_SEGMENT_ROWS = 5000   # this many rows, what exact flat search and a small BM25 answer in ~1 ms): compact
DEAD_OVERFETCH = 256      # a part with at most this many rows not live is searched unfiltered for k + dead


def is_segmented(manifest: dict) -> bool:
    """Written by an incremental ingest (rows may have gaps, parts beyond the base)."""
    return "segments" in manifest


def segment_entries(manifest: dict) -> list[dict]:
    """[{"name", "first_row", "rows"}] of a generation, [] when it is one base."""
    return list(manifest.get("segments", []))


def part_dirs(gen: Path, manifest: dict) -> list[tuple[int, Path]]:
    """(first row, folder) of the base and each segment, in row order."""
    return [(0, gen)] + [(int(s["first_row"]), gen / FOLDER / s["name"]) for s in segment_entries(manifest)]


def base_rows(manifest: dict) -> int:
    """Rows of the base (the last full build): every row of a generation that is one base."""
    return int(manifest["base_rows"]) if is_segmented(manifest) else int(manifest["counts"]["paragraphs"])


def total_rows(manifest: dict) -> int:
    """Row numbers in use: the base's rows plus every segment's (live or not)."""
    return base_rows(manifest) + sum(int(s["rows"]) for s in segment_entries(manifest))


class SegmentedParts:
    """BM25 (rows and documents), document groups and vectors of a segmented generation."""

    def __init__(self, gen: Path, manifest: dict, live: np.ndarray, with_vectors: bool, with_words: bool = True):
        from assistant.search.level_index import FOLDER as LEVELS

        bm25 = manifest.get("bm25", {})
        k1, b = float(bm25.get("k1", 1.5)), float(bm25.get("b", 0.75))
        parts = part_dirs(gen, manifest)
        words, bigrams, doc_words, doc_bigrams, sec_ids, doc_ids, vectors = [], [], [], [], [], [], []
        sec_next = doc_next = 0
        for first, folder in parts:
            loaded = [BM25Index.load(folder / "bm25_bigrams")]
            if with_words:
                loaded.append(BM25Index.load(folder / "bm25_words"))
                words.append((first, loaded[-1]))
            if not all(x.has_counts for x in loaded):
                raise BM25IndexError(f"索引分段 {folder} 缺少词频数据。请用 gongwen compact 或 gongwen ingest --rebuild 重建。")
            bg = loaded[0]
            bigrams.append((first, bg))
            with np.load(folder / LEVELS / "groups.npz", allow_pickle=False) as npz:
                sec, doc = npz["sec_of"].astype(np.int64), npz["doc_of"].astype(np.int64)
            if len(sec) != bg.n_docs:
                raise BM25IndexError(f"索引分段 {folder} 的分组与段落数不一致。请用 gongwen compact 重建。")
            sec_ids.append(sec + sec_next)
            doc_ids.append(doc + doc_next)
            if with_words:
                doc_words.append((doc_next, BM25Index.load(folder / LEVELS / "document_words")))
            doc_bigrams.append((doc_next, BM25Index.load(folder / LEVELS / "document_bigrams")))
            sec_next += int(sec.max()) + 1 if len(sec) else 0
            doc_next += int(doc.max()) + 1 if len(doc) else 0
            if with_vectors:
                from assistant.search.vectors import VectorIndex

                vectors.append((first, VectorIndex.load(folder / "vectors.faiss")))
        if sum(p.n_docs for _, p in bigrams) != len(live):
            raise BM25IndexError(f"索引 {gen} 的分段行数与记录不一致。请用 gongwen compact 重建。")
        self.bm25_words = MultiBM25(words, live, k1, b) if with_words else None
        self.bm25_bigrams = MultiBM25(bigrams, live, k1, b)
        sec_of, doc_of = np.concatenate(sec_ids), np.concatenate(doc_ids)
        self.groups = groups_from_ids(sec_of, doc_of)
        live_docs = np.zeros(doc_next, dtype=bool)
        live_docs[doc_of[live]] = True
        self.levels = MultiLevels(doc_of, MultiBM25(doc_words, live_docs, k1, b) if with_words else None,
                                  MultiBM25(doc_bigrams, live_docs, k1, b), self.groups)
        self.vectors = MultiVectors(vectors) if with_vectors else None


class MultiLevels:
    """Document-level BM25 across parts (what level_index.LevelIndex answers for one base)."""

    def __init__(self, doc_of: np.ndarray, words: MultiBM25, bigrams: MultiBM25, groups):
        self.doc_of, self.groups = doc_of, groups
        self.bm25 = {"document_words": words, "document_bigrams": bigrams}

    def search(self, level: str, words: list[str], bigrams: list[str], k: int,
               allowed_rows: np.ndarray | None) -> dict[str, dict[int, float]]:
        if level != "document":
            return {}  # section-level BM25 is not built (level_index.BUILD_SECTION_BM25)
        return top_groups(self.bm25, "document", self.doc_of, words, bigrams, k, allowed_rows)


class MultiVectors:
    """Nearest rows across the parts' vector indexes (the base's HNSW/flat and each segment's flat)."""

    def __init__(self, parts):
        self.parts = list(parts)
        self.ntotal = sum(v.ntotal for _, v in self.parts)

    def search(self, query_vecs: np.ndarray, k: int, allowed_ids: np.ndarray | None = None):
        xq = np.atleast_2d(np.asarray(query_vecs, dtype=np.float32))
        found_s, found_i = [], []
        for first, part in self.parts:
            local = None
            if allowed_ids is not None:
                ids = np.asarray(allowed_ids, dtype=np.int64)
                local = ids[(ids >= first) & (ids < first + part.ntotal)] - first
                if len(local) == 0:
                    continue
            scores, ids = part.search(xq, k, local)
            found_s.append(scores)
            found_i.append(np.where(ids >= 0, ids + first, -1))
        return _best(found_s, found_i, len(xq), k)

    def search_live(self, query_vecs: np.ndarray, k: int, live: np.ndarray):
        """search() over the live rows only, without an id selector where few rows are dead: each part
        returns its k + (dead rows in it) nearest and the dead ones are dropped — the same top k as a
        filtered search, at the cost of an unfiltered one."""
        xq = np.atleast_2d(np.asarray(query_vecs, dtype=np.float32))
        found_s, found_i = [], []
        for first, part in self.parts:
            alive = live[first:first + part.ntotal]
            dead = part.ntotal - int(np.count_nonzero(alive))
            if dead > DEAD_OVERFETCH:
                scores, ids = part.search(xq, k, np.flatnonzero(alive))
            else:
                scores, ids = part.search(xq, k + dead)
                keep = (ids >= 0) & alive[np.maximum(ids, 0)]
                scores = np.where(keep, scores, -np.inf)
                ids = np.where(keep, ids, -1)
            found_s.append(scores)
            found_i.append(np.where(ids >= 0, ids + first, -1))
        return _best(found_s, found_i, len(xq), k)

    def _stored(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        out = None
        for first, part in self.parts:
            inside = (ids >= first) & (ids < first + part.ntotal)
            if not inside.any():
                continue
            got = part._stored(ids[inside] - first)  # noqa: SLF001 — read-only gather
            if out is None:
                out = np.zeros((len(ids), got.shape[1]), dtype=np.float32)
            out[inside] = got
        if out is None:
            raise RuntimeError("no stored vectors for these rows")
        return out


def _best(found_s: list[np.ndarray], found_i: list[np.ndarray], nq: int, k: int):
    """The k best of the parts' (scores, global ids), best first, in VectorIndex.search's shape."""
    if not found_s:
        return np.full((nq, k), -np.inf, dtype=np.float32), np.full((nq, k), -1, dtype=np.int64)
    scores, ids = np.concatenate(found_s, axis=1), np.concatenate(found_i, axis=1)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)
