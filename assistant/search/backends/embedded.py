"""The embedded backend: one immutable generation folder (SQLite + BM25 CSC matrices + FAISS), see store.py.

Needs nothing running; the default. Filters arrive as a row mask (the engine computes it from Columns).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from assistant.search import segments, store
from assistant.search.backends.base import Columns, RowRecord, Scope, SearchBackend

_ROW_SQL = ("SELECT p.row, d.doc_id, p.idx, p.text, p.original, p.heading_path, p.role, d.title, d.path, "
            "d.doctype, d.org, d.date FROM paragraphs p JOIN documents d ON d.id = p.doc ")
DOC_FIELDS = ("id", "doc_id", "title", "doctype", "org", "doc_number", "date", "year", "path", "warnings", "dup_group")
PARA_FIELDS = ("idx", "row", "text", "original", "is_heading", "level", "number", "heading_path", "role")


class EmbeddedBackend(SearchBackend):
    kind = "embedded"

    def __init__(self, gen: Path):
        from assistant.search.bm25 import BM25Index
        from assistant.search.level_index import LevelIndex
        from assistant.search.vectors import VectorIndex

        self.gen = gen
        self.manifest = store.read_manifest(gen)
        self.db = store.open_db_readonly(gen / "docs.sqlite")
        self._lock = threading.Lock()
        self._memo = threading.local()
        self.terms = (gen / "terms.txt").read_text(encoding="utf-8").split()
        # a BM25-first generation has no vectors yet (build.complete_vectors adds them as the next one)
        from assistant.search.build import PENDING

        pending = self.manifest.get("vector_index", {}).get("kind") == PENDING
        if not pending and not (gen / "vectors.faiss").exists():
            raise FileNotFoundError(f"索引缺少向量文件 {gen / 'vectors.faiss'}")
        self.columns, self.live = self._load_columns()
        if segments.is_segmented(self.manifest):  # base + incremental segments (segments.py)
            live = self.live if self.live is not None else np.ones(self.columns.n, dtype=bool)
            parts = segments.SegmentedParts(gen, self.manifest, live, with_vectors=not pending)
            self.bm25_words, self.bm25_bigrams = parts.bm25_words, parts.bm25_bigrams
            self.vectors, self.levels = parts.vectors, parts.levels
        else:
            self.bm25_words = BM25Index.load(gen / "bm25_words")
            self.bm25_bigrams = BM25Index.load(gen / "bm25_bigrams")
            self.vectors = None if pending else VectorIndex.load(gen / "vectors.faiss")
            self.levels = LevelIndex(gen, self.columns.n)
        self.groups = self.levels.groups

    def _load_columns(self) -> tuple[Columns, np.ndarray | None]:
        """Per-row columns and the live mask (None: every row live). Rows of documents replaced or
        removed by an incremental ingest are gaps in docs.sqlite: not live, empty columns."""
        rows = self.sql("SELECT p.row, p.doc, p.role, p.near_dup, d.doctype, d.year, d.org, d.path "
                        "FROM paragraphs p JOIN documents d ON d.id = p.doc WHERE p.row IS NOT NULL ORDER BY p.row")
        n = segments.total_rows(self.manifest) if segments.is_segmented(self.manifest) else len(rows)
        at = np.array([r[0] for r in rows], dtype=np.int64)
        if len(at) and (at[-1] >= n or (len(rows) == n and at[-1] != n - 1)):
            raise store.IndexError_(f"索引 {self.gen} 的段落编号与清单不一致。请用 gongwen ingest --rebuild 重建。")

        def column(values, dtype, empty):
            out = np.full(n, empty, dtype=dtype)
            out[at] = values
            return out

        columns = Columns(doc_of=column([r[1] for r in rows], np.int32, -1),
                          role_of=column([r[2] or "" for r in rows], object, ""),
                          dup_of=column([r[3] or "" for r in rows], object, ""),
                          doctype_of=column([r[4] or "" for r in rows], object, ""),
                          year_of=column([r[5] if r[5] is not None else -1 for r in rows], np.int32, -1),
                          org_of=column([r[6] or "" for r in rows], object, ""),
                          path_of=column([r[7] for r in rows], object, ""))
        if len(rows) == n:
            return columns, None
        live = np.zeros(n, dtype=bool)
        live[at] = True
        return columns, live

    def sql(self, query: str, params=()) -> list:
        with self._lock:
            return self.db.execute(query, params).fetchall()

    # ---- per-signal candidates -----------------------------------------------------------------
    def words_top(self, words, k, scope: Scope):
        return self.bm25_words.top_k(words, k, scope.mask)

    def bigrams_top(self, bigrams, k, scope: Scope):
        from assistant.search.bm25 import select_top

        return select_top(self._all_bigram_scores(bigrams), k, scope.mask)

    def bigram_scores(self, bigrams, rows):
        return self._all_bigram_scores(bigrams)[np.asarray(rows, dtype=np.int64)]

    def _all_bigram_scores(self, bigrams) -> np.ndarray:
        """Every row's bigram BM25; the last query's array is kept per thread (a search asks for its
        top rows, then for the representatives and pinned rows of the same query)."""
        key = tuple(bigrams)
        last = getattr(self._memo, "bigrams", None)
        if last is None or last[0] != key:
            last = self._memo.bigrams = (key, self.bm25_bigrams.scores(bigrams))
        return last[1]

    @property
    def has_dense(self) -> bool:
        return self.vectors is not None

    def dense_top(self, vector, k, scope: Scope):
        if self.vectors is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if self.live is not None and scope.filters is None and not scope.phrases and not scope.extra:
            scores, ids = self.vectors.search_live(query, k, self.live)  # only the live mask: no selector
        else:
            allowed = scope.rows()
            if allowed is not None and len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            scores, ids = self.vectors.search(query, k, allowed)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep].astype(np.float64)

    def documents_top(self, words, bigrams, k, scope: Scope):
        return self.levels.search("document", words, bigrams, k, scope.rows())

    def sections_top(self, words, bigrams, k, scope: Scope):
        return self.levels.search("section", words, bigrams, k, scope.rows())

    # ---- lookups -------------------------------------------------------------------------------
    def phrase_rows(self, phrase):
        return np.array([r[0] for r in self.sql("SELECT row FROM paragraphs WHERE row IS NOT NULL AND "
                                                "instr(text, ?) > 0", (phrase,))], dtype=np.int64)

    def docs_by_number(self, number):
        return [r[0] for r in self.sql("SELECT id FROM documents WHERE doc_number = ?", (number,))]

    def docs_by_title(self, title, limit=5):
        return [r[0] for r in self.sql("SELECT id FROM documents WHERE instr(title, ?) > 0 LIMIT ?", (title, limit))]

    def fetch(self, rows):
        rows = [int(r) for r in rows]
        out = {}
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            for r in self.sql(_ROW_SQL + f"WHERE p.row IN ({','.join('?' * len(chunk))})", tuple(chunk)):
                out[r[0]] = RowRecord(r[0], r[1], r[2], r[3], r[4] or r[3], tuple(json.loads(r[5] or "[]")),
                                      r[6] or "", r[7] or "", r[8], r[9] or "", r[10] or "", r[11] or "")
        return out

    def row_vectors(self, rows):
        if self.vectors is None:
            return None
        try:
            return self.vectors._stored(np.asarray(rows, dtype=np.int64))  # noqa: SLF001 — read-only gather
        except (AttributeError, RuntimeError):
            return None

    def row_ids(self):
        out = [("", "")] * self.n  # rows that are not live (segments.py) stay empty
        for row, doc_id, idx in self.sql("SELECT p.row, d.doc_id, p.idx FROM paragraphs p JOIN documents d "
                                         "ON d.id = p.doc WHERE p.row IS NOT NULL"):
            out[row] = (doc_id, f"{doc_id}#{idx}")
        return out

    def row_texts(self):
        out = [""] * self.n
        for row, text in self.sql("SELECT row, text FROM paragraphs WHERE row IS NOT NULL"):
            out[row] = text
        return out

    def document(self, doc_id):
        rows = self.sql(f"SELECT {', '.join(DOC_FIELDS)} FROM documents WHERE doc_id = ? ORDER BY id LIMIT 1",
                        (doc_id,))
        if not rows:
            return None
        doc = dict(zip(DOC_FIELDS, rows[0]))
        paragraphs = []
        for r in self.sql(f"SELECT {', '.join(PARA_FIELDS)} FROM paragraphs WHERE doc = ? ORDER BY idx", (doc["id"],)):
            item = dict(zip(PARA_FIELDS, r))
            item["heading_path"] = tuple(json.loads(item["heading_path"] or "[]"))
            item["is_heading"] = bool(item["is_heading"])
            paragraphs.append(item)
        return doc, paragraphs

    def documents(self):
        rows = self.sql(f"SELECT {', '.join('d.' + f for f in DOC_FIELDS)}, "
                        "(SELECT COUNT(*) FROM paragraphs p WHERE p.doc = d.id AND p.row IS NOT NULL) "
                        "FROM documents d ORDER BY d.path, d.doc_id")
        return [{**dict(zip(DOC_FIELDS, r[:-1])), "paragraphs": r[-1]} for r in rows]

    def facets(self):
        return {"doctype": [r[0] for r in self.sql("SELECT DISTINCT doctype FROM documents WHERE doctype IS NOT NULL "
                                                   "AND doctype != '' ORDER BY doctype")],
                "role": [r[0] for r in self.sql("SELECT DISTINCT role FROM paragraphs WHERE row IS NOT NULL AND "
                                                "role IS NOT NULL AND role != '' ORDER BY role")],
                "org": [r[0] for r in self.sql("SELECT DISTINCT org FROM documents WHERE org IS NOT NULL AND "
                                               "org != '' ORDER BY org")]}

    def size_bytes(self):
        return sum(p.stat().st_size for p in self.gen.rglob("*") if p.is_file())

    def close(self):
        self.db.close()
