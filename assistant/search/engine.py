"""The search engine over one index generation: `open_index(dir).search(query, ...)`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.models import Hit
from assistant.search import fusion, levels, store
from assistant.search.query import Query, highlight_spans, parse_query, role_of_query

SIGNALS = ("bm25_words", "bm25_bigrams", "dense")
UNITS = ("paragraph", "document")
PUNCT = set("，。、；：？！,.;:?!（）()《》“”\"'‘’【】[]·—-…")


@dataclass(frozen=True)
class Filters:
    """Search filters; None means no constraint."""

    doctype: tuple[str, ...] | None = None
    role: tuple[str, ...] | None = None
    year_from: int | None = None
    year_to: int | None = None
    org: str | None = None
    source: str | None = None  # substring of the file path (a folder or a file name)

    def active(self) -> bool:
        return any(v is not None for v in (self.doctype, self.role, self.year_from, self.year_to, self.org, self.source))


class SearchIndex:
    """A loaded, read-only generation. Thread-safe for concurrent searches."""

    def __init__(self, gen: Path, settings: Settings):
        from assistant.search.bm25 import BM25Index
        from assistant.search.tokenize import Tokenizer
        from assistant.search.vectors import VectorIndex

        self.gen, self.settings = gen, settings
        self.manifest = store.read_manifest(gen)
        self.db = store.open_db_readonly(gen / "docs.sqlite")
        self._lock = threading.Lock()
        terms = (gen / "terms.txt").read_text(encoding="utf-8").split()
        self.tokenizer = Tokenizer(settings.user_dicts, extra_terms=terms)
        if self.tokenizer.name != self.manifest["tokenizers"]["words"]:
            raise store.IndexError_("索引的分词词典与当前用户词典不一致，请重新运行 gongwen ingest 以更新索引。")
        self.bm25_words = BM25Index.load(gen / "bm25_words")
        self.bm25_bigrams = BM25Index.load(gen / "bm25_bigrams")
        self.vectors = VectorIndex.load(gen / "vectors.faiss")
        self._embedder = None
        self._load_arrays()
        from assistant.search.level_index import LevelIndex

        self.levels = LevelIndex(gen, self.n)
        self.blend = levels.Blend().with_(**(settings.fusion or {}))

    def _load_arrays(self) -> None:
        rows = self.sql("SELECT p.row, p.doc, p.role, p.near_dup, d.doctype, d.year, d.org, d.path, p.heading_path "
                        "FROM paragraphs p JOIN documents d ON d.id = p.doc WHERE p.row IS NOT NULL ORDER BY p.row")
        self.n = len(rows)
        self.doc_of = np.array([r[1] for r in rows], dtype=np.int32)
        self.role_of = np.array([r[2] or "" for r in rows], dtype=object)
        self.dup_of = np.array([r[3] or "" for r in rows], dtype=object)
        self.doctype_of = np.array([r[4] or "" for r in rows], dtype=object)
        self.year_of = np.array([r[5] if r[5] is not None else -1 for r in rows], dtype=np.int32)
        self.org_of = np.array([r[6] or "" for r in rows], dtype=object)
        self.path_of = np.array([r[7] for r in rows], dtype=object)

    def sql(self, query: str, params=()) -> list:
        with self._lock:
            return self.db.execute(query, params).fetchall()

    @property
    def embedder(self):
        if self._embedder is None:
            from assistant.search.dense import Embedder

            model = self.manifest["embedding"].get("model")
            self._embedder = Embedder(None if model == "m3e-small" else model, precision=self.settings.precision)
        return self._embedder

    # ---- search -------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | None = None, signals=SIGNALS,
               weights: dict | None = None, method: str | None = None, collapse: bool = True,
               section: float | None = None, unit: str = "paragraph", blend: levels.Blend | None = None) -> list[Hit]:
        """Hybrid search; `unit` "paragraph" (default) or "document" (one hit per document: its best
        paragraph, the next-best in `passages`).

        Default ranking: evidence at three levels (assistant.search.levels, weights in `blend`, default
        self.blend). `signals` may name a single signal (ranked by its own scores); `method` ("zmnz",
        "zsum", "minmax", "rrf") fuses the paragraph signals only, as before the levels; `section=0`
        means that plain paragraph fusion (fusion.fuse, DEFAULT_WEIGHTS), no section or document evidence.
        """
        if unit not in UNITS:
            raise ValueError(f"未知的结果单位 {unit!r}，可选：{'、'.join(UNITS)}")
        q = parse_query(query)
        if not q.text or self.n == 0:
            return []
        allowed = self._mask(filters, q)
        blend = blend or self.blend
        if section == 0 and method is None:
            method = fusion.DEFAULT_METHOD  # plain paragraph fusion (the composer's per-slot search)
        elif section is not None:
            blend = blend.with_(section=section)
        rows, scores, per_signal, cands = self._rank(q, allowed, signals, weights, method, blend, unit)
        pinned = self._pinned(q, allowed)
        terms = self._highlight_terms(q)
        ranks = {name: {row: i + 1 for i, row in enumerate(sorted(s, key=lambda r: (-s[r], r)))}
                 for name, s in per_signal.items()}
        parts = _LazyParts(cands, blend, weights, unit)

        def hit(row, similar=(), passages=()):
            return self._hit(row, scores.get(row, 0.0), list(similar), terms, row in pinned, per_signal, ranks,
                             parts.get(row), passages)

        if unit == "document":
            rows_arr = np.asarray(rows, dtype=np.int64)
            docs_arr = self.doc_of[rows_arr] if len(rows_arr) else rows_arr
            return [hit(row, passages=self._passages(row, rows_arr, docs_arr, scores))
                    for row in self._doc_order(pinned, rows, k)]
        pinned_set = set(pinned)
        order = pinned + [r for r in rows if r not in pinned_set]
        chosen = self._collapse(order, k) if collapse else [(r, []) for r in order[:k]]
        return [hit(row, similar) for row, similar in chosen]

    def _rank(self, q: Query, allowed, signals, weights, method, blend, unit):
        """(rows best first, score of each row, raw per-signal scores, level candidates or None)."""
        per_signal, bigram_scores = self._signals(q, allowed, signals)
        if len(per_signal) == 1 or method is not None:
            one = next(iter(per_signal.values()), {})
            fused = dict(one) if len(per_signal) == 1 else fusion.fuse(per_signal, weights, method)
            return sorted(fused, key=lambda r: (-fused[r], r)), fused, per_signal, None
        cands = self.candidates(q, allowed, per_signal, bigram_scores, blend, unit)
        if unit == "document":
            _docs, doc_scores, best = levels.rank_docs(cands, blend, weights)
            scores = dict(zip(best.tolist(), doc_scores.tolist()))
            row_rank, row_values = levels.rank_rows(cands, blend, weights)
            scores.update({r: v for r, v in zip(row_rank.tolist(), row_values.tolist()) if r not in scores})
            first = set(best.tolist())
            return best.tolist() + [r for r in row_rank.tolist() if r not in first], scores, per_signal, cands
        row_rank, row_values = levels.rank_rows(cands, blend, weights)
        return row_rank.tolist(), dict(zip(row_rank.tolist(), row_values.tolist())), per_signal, cands

    def candidates(self, q: Query, allowed, per_signal, bigram_scores, blend: levels.Blend,
                   unit: str = "paragraph") -> levels.Candidates:
        """The level evidence of one query (the engine's and the evaluation's common input)."""
        from assistant.search.tokenize import char_bigrams

        n = self.settings.candidates
        words, bigrams = self.tokenizer.words(q.text), char_bigrams(q.text)
        allowed_rows = None if allowed is None else np.flatnonzero(allowed)
        groups = self.levels.groups
        sec_raw = self.levels.search("section", words, bigrams, n, allowed_rows) if blend.section else {}
        use_doc = blend.document or unit == "document"
        doc_raw = self.levels.search("document", words, bigrams, n, allowed_rows) if use_doc else {}
        extra = []
        if bigram_scores is not None:
            extra = (levels.representatives(sec_raw, groups.sec_start, bigram_scores, allowed)
                     + levels.representatives(doc_raw, groups.doc_start, bigram_scores, allowed))
        cands = levels.gather(per_signal, sec_raw, doc_raw, groups, extra)
        role = role_of_query(q.text)
        if role is not None:
            cands = replace(cands, role=(self.role_of[cands.rows] == role).astype(np.float64))
        return cands

    def _doc_order(self, pinned: list[int], rows: list[int], k: int) -> list[int]:
        """Best row of each document, pinned documents first, k documents."""
        out, seen = [], set()
        for row in pinned + rows:
            doc = int(self.doc_of[row])
            if doc not in seen:
                seen.add(doc)
                out.append(row)
            if len(out) >= k:
                break
        return out

    def _passages(self, best: int, rows: np.ndarray, docs: np.ndarray, scores: dict, limit: int = 2) -> list[dict]:
        """The document's next-best candidate rows after `best` (rows in rank order, docs their documents)."""
        same = rows[(docs == self.doc_of[best]) & (rows != best)]
        others = [int(r) for r in same[:limit]]
        if not others:
            return []
        found = {row: (idx, text, path_json, doc_id) for row, idx, text, path_json, doc_id in self.sql(
            "SELECT p.row, p.idx, p.text, p.heading_path, d.doc_id FROM paragraphs p JOIN documents d ON d.id = p.doc "
            f"WHERE p.row IN ({','.join('?' * len(others))})", tuple(others))}
        return [{"para_id": f"{found[row][3]}#{found[row][0]}", "score": round(scores.get(row, 0.0), 4),
                 "heading_path": json.loads(found[row][2]), "text": found[row][1]} for row in others]

    def signal_scores(self, query: str, filters: Filters | None = None, signals=SIGNALS) -> dict[str, dict[int, float]]:
        """Each signal's candidate rows and raw scores for a query (evaluation fuses these itself)."""
        q = parse_query(query)
        if not q.text or self.n == 0:
            return {name: {} for name in signals}
        return self._signals(q, self._mask(filters, q), signals)[0]

    def row_ids(self) -> list[tuple[str, str]]:
        """(doc_id, para_id) of every indexed row, in row order."""
        rows = self.sql("SELECT d.doc_id, p.idx FROM paragraphs p JOIN documents d ON d.id = p.doc "
                        "WHERE p.row IS NOT NULL ORDER BY p.row")
        return [(doc_id, f"{doc_id}#{idx}") for doc_id, idx in rows]

    def _signals(self, q: Query, allowed, signals, query_vector: np.ndarray | None = None
                 ) -> tuple[dict[str, dict[int, float]], np.ndarray | None]:
        """Each signal's top candidates, and the bigram BM25 score of every row (None if not asked).

        `query_vector`: the query's embedding if already computed (evaluation encodes queries in batches)."""
        from assistant.search.bm25 import select_top

        n = self.settings.candidates
        out: dict[str, dict[int, float]] = {}
        bigram_scores = None
        if "bm25_words" in signals:
            ids, scores = self.bm25_words.top_k(self.tokenizer.words(q.text), n, allowed)
            out["bm25_words"] = dict(zip(ids.tolist(), scores.tolist()))
        if "bm25_bigrams" in signals:
            from assistant.search.tokenize import char_bigrams

            bigram_scores = self.bm25_bigrams.scores(char_bigrams(q.text))
            ids, scores = select_top(bigram_scores, n, allowed)
            out["bm25_bigrams"] = dict(zip(ids.tolist(), scores.tolist()))
        if "dense" in signals:
            qv = (self.embedder.encode_query(q.text) if query_vector is None else query_vector).reshape(1, -1)
            allowed_ids = None if allowed is None else np.flatnonzero(allowed)
            if allowed_ids is not None and len(allowed_ids) == 0:
                out["dense"] = {}
            else:
                scores, ids = self.vectors.search(qv, n, allowed_ids)
                out["dense"] = {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
        return out, bigram_scores

    def _mask(self, filters: Filters | None, q: Query) -> np.ndarray | None:
        mask = None
        if filters and filters.active():
            mask = np.ones(self.n, dtype=bool)
            if filters.doctype:
                mask &= np.isin(self.doctype_of, list(filters.doctype))
            if filters.role:
                mask &= np.isin(self.role_of, list(filters.role))
            if filters.year_from is not None:
                mask &= self.year_of >= filters.year_from
            if filters.year_to is not None:
                mask &= (self.year_of <= filters.year_to) & (self.year_of >= 0)
            if filters.org:
                mask &= np.array([filters.org in o for o in self.org_of], dtype=bool)
            if filters.source:
                mask &= np.array([filters.source in p for p in self.path_of], dtype=bool)
        for phrase in q.phrases:
            rows = [r[0] for r in self.sql("SELECT row FROM paragraphs WHERE row IS NOT NULL AND instr(text, ?) > 0",
                                           (phrase,))]
            phrase_mask = np.zeros(self.n, dtype=bool)
            phrase_mask[rows] = True
            mask = phrase_mask if mask is None else mask & phrase_mask
        return mask

    def _pinned(self, q: Query, allowed) -> list[int]:
        """Best paragraph of each document named by 文号 or 《title》 in the query, first."""
        docs = []
        for number in q.doc_numbers:
            docs += [r[0] for r in self.sql("SELECT id FROM documents WHERE doc_number = ?", (number,))]
        for title in q.titles:
            docs += [r[0] for r in self.sql("SELECT id FROM documents WHERE instr(title, ?) > 0 LIMIT 5", (title,))]
        pinned = []
        if not docs:
            return pinned
        from assistant.search.tokenize import char_bigrams

        scores = self.bm25_bigrams.scores(char_bigrams(q.text))
        for doc in dict.fromkeys(docs):
            rows = np.flatnonzero(self.doc_of == doc)
            if allowed is not None:
                rows = rows[allowed[rows]]
            if len(rows):
                pinned.append(int(rows[np.argmax(scores[rows])]))
        return pinned

    def _collapse(self, order: list[int], k: int) -> list[tuple[int, list[int]]]:
        """Near-duplicate paragraphs fold into the best-ranked one of their group."""
        kept: list[tuple[int, list[int]]] = []
        slot: dict[str, int] = {}
        for row in order:
            group = self.dup_of[row]
            if group and group in slot:
                kept[slot[group]][1].append(row)
                continue
            if len(kept) >= k:
                continue
            if group:
                slot[group] = len(kept)
            kept.append((row, []))
        return kept

    def _highlight_terms(self, q: Query) -> list[str]:
        """Quoted phrases and query words; lone characters only when the query has nothing longer
        (the 下 of 下一步 must not light up inside 下基层)."""
        words = [w for w in self.tokenizer.words(q.text) if w.strip() and not all(c in PUNCT for c in w)]
        longer = [w for w in words if len(w) > 1]
        return list(q.phrases) + (longer or words)

    def _hit(self, row: int, score: float, similar: list[int], terms: list[str], pinned: bool,
             per_signal: dict, ranks: dict, parts: dict | None = None, passages=()) -> Hit:
        (pid, idx, text, original, path_json, role, doc_id, title, source, doctype, org, date) = self.sql(
            "SELECT p.id, p.idx, p.text, p.original, p.heading_path, p.role, d.doc_id, d.title, d.path, "
            "d.doctype, d.org, d.date FROM paragraphs p JOIN documents d ON d.id = p.doc WHERE p.row = ?", (row,))[0]
        explain = {name: {"rank": ranks[name][row], "score": round(s[row], 4)}
                   for name, s in per_signal.items() if row in s}
        explain.update(parts or {})  # level evidence (z units, before the blend weights)
        explain["fused"] = round(score, 4)
        if pinned:
            explain["pinned"] = "文号/标题匹配"
        return Hit(doc_id=doc_id, para_id=f"{doc_id}#{idx}", score=round(score, 4), title=title,
                   heading_path=tuple(json.loads(path_json)), role=role, text=text, original=original or text,
                   source=source, doctype=doctype, org=org, date=date, explain=explain,
                   highlights=tuple(highlight_spans(text, terms)), similar=tuple(self._similar(similar)), row=row,
                   passages=tuple(passages))

    def _similar(self, rows: list[int]) -> list[dict]:
        out = []
        for row in rows:
            doc_id, idx, title, source = self.sql(
                "SELECT d.doc_id, p.idx, d.title, d.path FROM paragraphs p JOIN documents d ON d.id = p.doc "
                "WHERE p.row = ?", (row,))[0]
            out.append({"para_id": f"{doc_id}#{idx}", "title": title, "source": source})
        return out


class _LazyParts:
    """Each row's evidence from the larger units, before the blend weights, computed for the rows asked
    for (the hits), not every candidate: `context` (its section's paragraph evidence), and `section` /
    `document` (level BM25, z units) where they were searched."""

    def __init__(self, cands: levels.Candidates | None, blend: levels.Blend, weights, unit: str):
        self.columns: dict[str, np.ndarray] = {}
        if cands is None:
            return
        self.rows = cands.rows
        self.columns["context"] = levels.section_context(cands, levels.paragraph_part(cands, blend, weights))
        if blend.section:
            self.columns["section"] = cands.section
        if blend.document or unit == "document":
            self.columns["document"] = cands.document

    def get(self, row: int) -> dict | None:
        if not self.columns:
            return None
        i = int(np.searchsorted(self.rows, row))
        if i >= len(self.rows) or self.rows[i] != row:
            return None
        return {name: round(float(values[i]), 4) for name, values in self.columns.items()}


def open_index(index_dir: str | Path, settings: Settings | None = None) -> SearchIndex:
    """Open the live generation of an index folder (clear error if there is none)."""
    from assistant.config import settings_from_env

    from assistant.search.migrate import live_generation

    settings = settings or settings_from_env()
    gen = live_generation(Path(index_dir))  # an older format is upgraded first
    if gen is None:
        raise store.IndexError_(f"{index_dir} 中还没有索引，请先运行：gongwen ingest 文件或文件夹 --index {index_dir}")
    return SearchIndex(gen, settings.with_(index_dir=Path(index_dir)))
