"""The search engine over one index generation: `open_index(dir).search(query, ...)`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.models import Hit
from assistant.search import fusion, levels, store
from assistant.search.backends.base import Filters, Scope, SearchBackend
from assistant.search.query import Query, highlight_spans, parse_query, role_of_query

SIGNALS = ("bm25_words", "bm25_bigrams", "dense")
_POOL = ThreadPoolExecutor(max_workers=6, thread_name_prefix="gongwen-signal")  # remote backends' signal calls
UNITS = ("paragraph", "document")
PUNCT = set("，。、；：？！,.;:?!（）()《》“”\"'‘’【】[]·—-…")


class SearchIndex:
    """The engine over one backend state (assistant.search.backends). Thread-safe for concurrent searches.

    Everything that makes the ranking is here, shared by every backend: query parsing, filter masks,
    fusion and the section/document evidence (levels), 文号/title pinning, duplicate collapsing,
    highlighting and explanations. The backend answers per-signal candidate searches and lookups."""

    def __init__(self, backend: SearchBackend, settings: Settings):
        from assistant.search.tokenize import Tokenizer

        self.backend, self.settings = backend, settings
        self.manifest = backend.manifest
        self.gen = getattr(backend, "gen", None)  # the embedded backend's generation folder
        self.tokenizer = Tokenizer(settings.user_dicts, extra_terms=backend.terms)
        if self.tokenizer.name != self.manifest["tokenizers"]["words"]:
            raise store.IndexError_("索引的分词词典与当前用户词典不一致，请重新运行 gongwen ingest 以更新索引。")
        self._embedder = None
        columns = backend.columns
        self.n = columns.n
        self.doc_of, self.role_of, self.dup_of = columns.doc_of, columns.role_of, columns.dup_of
        self.doctype_of, self.year_of = columns.doctype_of, columns.year_of
        self.org_of, self.path_of = columns.org_of, columns.path_of
        self.groups = backend.groups
        self.blend = levels.Blend().with_(**(settings.fusion or {}))
        self._distinct: dict[int, tuple] = {}

    @property
    def version(self) -> str:
        return self.backend.version

    @property
    def embedder(self):
        if self._embedder is None:
            from assistant.search.dense import Embedder

            model = self.manifest["embedding"].get("model")
            self._embedder = Embedder(None if model == "m3e-small" else model, precision=self.settings.precision)
        return self._embedder

    # ---- lookups for the composer, evaluation and UI (through the backend) -----------------------
    def document(self, doc_id: str):
        """(document fields, paragraphs) or None; see SearchBackend.document."""
        return self.backend.document(doc_id)

    def documents(self) -> list[dict]:
        return self.backend.documents()

    def facets(self) -> dict[str, list[str]]:
        return self.backend.facets()

    def row_vectors(self, rows) -> np.ndarray | None:
        return self.backend.row_vectors(np.asarray(rows, dtype=np.int64))

    def row_texts(self) -> list[str]:
        return self.backend.row_texts()

    def following(self, doc_id: str, idx: int, count: int, heading_path: tuple) -> list[dict]:
        """Up to `count` body paragraphs right after paragraph `idx` in the same section of the document."""
        found = self.backend.document(doc_id)
        if found is None:
            return []
        out = []
        for p in found[1]:
            if p["idx"] <= idx:
                continue
            if p["is_heading"] or p["row"] is None or p["heading_path"] != tuple(heading_path) \
                    or p["idx"] != idx + len(out) + 1:
                break
            out.append(p)
            if len(out) == count:
                break
        return out

    def size_bytes(self) -> int:
        return self.backend.size_bytes()

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
        scope = self.scope(filters, q)
        blend = blend or self.blend
        if section == 0 and method is None:
            method = fusion.DEFAULT_METHOD  # plain paragraph fusion (the composer's per-slot search)
        elif section is not None:
            blend = blend.with_(section=section)
        rows, scores, per_signal, cands = self._rank(q, scope, signals, weights, method, blend, unit)
        pinned = self._pinned(q, scope)
        terms = self._highlight_terms(q)
        ranks = {name: {row: i + 1 for i, row in enumerate(sorted(s, key=lambda r: (-s[r], r)))}
                 for name, s in per_signal.items()}
        parts = _LazyParts(cands, blend, weights, unit)
        if unit == "document":
            rows_arr = np.asarray(rows, dtype=np.int64)
            docs_arr = self.doc_of[rows_arr] if len(rows_arr) else rows_arr
            best = self._doc_order(pinned, rows, k)
            chosen = list(zip(best, [[]] * len(best), self._passages(best, rows_arr, docs_arr, scores)))
        else:
            pinned_set = set(pinned)
            order = pinned + [r for r in rows if r not in pinned_set]
            picked = self._collapse(order, k) if collapse else [(r, []) for r in order[:k]]
            chosen = [(row, similar, ()) for row, similar in picked]
        records = self.backend.fetch([r for row, similar, _ in chosen for r in (row, *similar)])
        pinned_set = set(pinned)
        # a live store (Milvus) may lose a document between ranking and fetching (a concurrent ingest
        # replaced it): such a row is left out rather than shown half
        return [self._hit(records[row], scores.get(row, 0.0), [records[r] for r in similar if r in records], terms,
                          row in pinned_set, per_signal, ranks, parts.get(row), passages)
                for row, similar, passages in chosen if row in records]

    def _rank(self, q: Query, scope: Scope, signals, weights, method, blend, unit):
        """(rows best first, score of each row, raw per-signal scores, level candidates or None)."""
        per_signal, bigram_scores = self._signals(q, scope, signals)
        if len(per_signal) == 1 or method is not None:
            one = next(iter(per_signal.values()), {})
            fused = dict(one) if len(per_signal) == 1 else fusion.fuse(per_signal, weights, method)
            return sorted(fused, key=lambda r: (-fused[r], r)), fused, per_signal, None
        cands = self.candidates(q, scope, per_signal, bigram_scores, blend, unit)
        if unit == "document":
            _docs, doc_scores, best = levels.rank_docs(cands, blend, weights)
            scores = dict(zip(best.tolist(), doc_scores.tolist()))
            row_rank, row_values = levels.rank_rows(cands, blend, weights)
            scores.update({r: v for r, v in zip(row_rank.tolist(), row_values.tolist()) if r not in scores})
            first = set(best.tolist())
            return best.tolist() + [r for r in row_rank.tolist() if r not in first], scores, per_signal, cands
        row_rank, row_values = levels.rank_rows(cands, blend, weights)
        return row_rank.tolist(), dict(zip(row_rank.tolist(), row_values.tolist())), per_signal, cands

    def candidates(self, q: Query, scope: Scope, per_signal, bigram_scores, blend: levels.Blend,
                   unit: str = "paragraph") -> levels.Candidates:
        """The level evidence of one query (the engine's and the evaluation's common input).

        `bigram_scores`: rows → bigram BM25 (from _signals; None when the bigram signal is off)."""
        from assistant.search.tokenize import char_bigrams

        n = self.settings.candidates
        words, bigrams = self.tokenizer.words(q.text), char_bigrams(q.text)
        groups = self.groups
        sec_raw = self.backend.sections_top(words, bigrams, n, scope) if blend.section else {}
        use_doc = blend.document or unit == "document"
        doc_raw = self.backend.documents_top(words, bigrams, n, scope) if use_doc else {}
        extra = []
        if bigram_scores is not None:  # representatives of no groups cost nothing (no backend call)
            extra = (levels.representatives(sec_raw, groups.sec_start, bigram_scores, scope.mask)
                     + levels.representatives(doc_raw, groups.doc_start, bigram_scores, scope.mask))
        cands = levels.gather(per_signal, sec_raw, doc_raw, groups, extra)
        role = role_of_query(q.text)
        if role is not None:
            cands = replace(cands, role=(self.role_of[cands.rows] == role).astype(np.float64))
        return cands

    def document_levels(self, q: Query, scope: Scope) -> dict[str, dict[int, float]]:
        """Document-level BM25 candidates of a parsed query (evaluation reads them as signals)."""
        from assistant.search.tokenize import char_bigrams

        return self.backend.documents_top(self.tokenizer.words(q.text), char_bigrams(q.text),
                                          self.settings.candidates, scope)

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

    def _passages(self, best: list[int], rows: np.ndarray, docs: np.ndarray, scores: dict,
                  limit: int = 2) -> list[list[dict]]:
        """For each best row, its document's next-best candidate rows (rows in rank order, docs their
        documents); one fetch for all hits (a remote backend answers in one request)."""
        others = []
        for row in best:
            same = rows[(docs == self.doc_of[row]) & (rows != row)]
            others.append([int(r) for r in same[:limit]])
        found = self.backend.fetch([r for group in others for r in group]) if any(others) else {}
        return [[{"para_id": f"{found[r].doc_id}#{found[r].idx}", "score": round(scores.get(r, 0.0), 4),
                  "heading_path": list(found[r].heading_path), "text": found[r].text} for r in group if r in found]
                for group in others]

    def signal_scores(self, query: str, filters: Filters | None = None, signals=SIGNALS) -> dict[str, dict[int, float]]:
        """Each signal's candidate rows and raw scores for a query (evaluation fuses these itself)."""
        q = parse_query(query)
        if not q.text or self.n == 0:
            return {name: {} for name in signals}
        return self._signals(q, self.scope(filters, q), signals)[0]

    def row_ids(self) -> list[tuple[str, str]]:
        """(doc_id, para_id) of every indexed row, in row order."""
        return self.backend.row_ids()

    def _signals(self, q: Query, scope: Scope, signals, query_vector: np.ndarray | None = None):
        """Each signal's top candidates, and a function rows → bigram BM25 (None if bigrams not asked).

        `query_vector`: the query's embedding if already computed (evaluation encodes queries in batches)."""
        from assistant.search.tokenize import char_bigrams

        n = self.settings.candidates
        # a remote backend (Milvus) answers the lexical searches while the query is being embedded
        run = _POOL.submit if self.backend.parallel else _now
        pending = {}
        bigram_scores = None
        if "bm25_words" in signals:
            pending["bm25_words"] = run(self.backend.words_top, self.tokenizer.words(q.text), n, scope)
        if "bm25_bigrams" in signals:
            bigrams = char_bigrams(q.text)
            pending["bm25_bigrams"] = run(self.backend.bigrams_top, bigrams, n, scope)
            bigram_scores = lambda rows: self.backend.bigram_scores(bigrams, rows)  # noqa: E731
        if "dense" in signals and self.backend.has_dense:
            qv = self.embedder.encode_query(q.text) if query_vector is None else query_vector
            pending["dense"] = run(self.backend.dense_top, qv, n, scope)
        out = {}
        for name, job in pending.items():
            ids, scores = job.result()
            out[name] = dict(zip(ids.tolist(), scores.tolist()))
        return out, bigram_scores

    def scope(self, filters: Filters | None, q: Query, mask: np.ndarray | None = None) -> Scope:
        """The rows a query may return: filters and quoted phrases (and an extra `mask`, evaluation's)."""
        out = None
        if filters and filters.active():
            out = np.ones(self.n, dtype=bool)
            if filters.doctype:
                out &= np.isin(self.doctype_of, list(filters.doctype))
            if filters.role:
                out &= np.isin(self.role_of, list(filters.role))
            if filters.year_from is not None:
                out &= self.year_of >= filters.year_from
            if filters.year_to is not None:
                out &= (self.year_of <= filters.year_to) & (self.year_of >= 0)
            if filters.org:
                out &= self._contains(self.org_of, filters.org)
            if filters.source:
                out &= self._contains(self.path_of, filters.source)
        for phrase in q.phrases:
            phrase_mask = np.zeros(self.n, dtype=bool)
            phrase_mask[self.backend.phrase_rows(phrase)] = True
            out = phrase_mask if out is None else out & phrase_mask
        if mask is not None:
            out = mask if out is None else out & mask
        live = self.backend.live
        if live is not None:  # rows of replaced/removed documents in an incremental index
            out = live if out is None else out & live
        return Scope(out, filters if filters and filters.active() else None, tuple(q.phrases), mask is not None)

    def _contains(self, column: np.ndarray, needle: str) -> np.ndarray:
        """Rows whose value contains `needle`, testing each distinct value once (paths and organisations
        repeat for every paragraph of a document)."""
        key = id(column)
        if key not in self._distinct:
            values, inverse = np.unique(column.astype(str), return_inverse=True)
            self._distinct[key] = (values, inverse)
        values, inverse = self._distinct[key]
        return np.array([needle in v for v in values.tolist()], dtype=bool)[inverse]

    def _pinned(self, q: Query, scope: Scope) -> list[int]:
        """Best paragraph of each document named by 文号 or 《title》 in the query, first."""
        docs = []
        for number in q.doc_numbers:
            docs += self.backend.docs_by_number(number)
        for title in q.titles:
            docs += self.backend.docs_by_title(title, 5)
        pinned = []
        if not docs:
            return pinned
        from assistant.search.tokenize import char_bigrams

        bigrams = char_bigrams(q.text)
        for doc in dict.fromkeys(docs):
            rows = np.flatnonzero(self.doc_of == doc)
            if scope.mask is not None:
                rows = rows[scope.mask[rows]]
            if len(rows):
                pinned.append(int(rows[np.argmax(self.backend.bigram_scores(bigrams, rows))]))
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

    def _hit(self, rec, score: float, similar: list, terms: list[str], pinned: bool,
             per_signal: dict, ranks: dict, parts: dict | None = None, passages=()) -> Hit:
        row = rec.row
        explain = {name: {"rank": ranks[name][row], "score": round(s[row], 4)}
                   for name, s in per_signal.items() if row in s}
        explain.update(parts or {})  # level evidence (z units, before the blend weights)
        explain["fused"] = round(score, 4)
        if pinned:
            explain["pinned"] = "文号/标题匹配"
        if not self.backend.has_dense:
            explain["missing"] = "向量尚未算完，本次只用 BM25（词、二元组）"
        return Hit(doc_id=rec.doc_id, para_id=f"{rec.doc_id}#{rec.idx}", score=round(score, 4), title=rec.title,
                   heading_path=rec.heading_path, role=rec.role, text=rec.text, original=rec.original or rec.text,
                   source=rec.path, doctype=rec.doctype, org=rec.org, date=rec.date, explain=explain,
                   highlights=tuple(highlight_spans(rec.text, terms)),
                   similar=tuple({"para_id": f"{o.doc_id}#{o.idx}", "title": o.title, "source": o.path}
                                 for o in similar), row=row, passages=tuple(passages))


class _Done:
    """A result computed at once, with the Future's `result()` (the embedded backend's signals)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _now(fn, *args) -> _Done:
    return _Done(fn(*args))


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
    """Open an index folder with the configured backend (clear error if there is nothing indexed)."""
    from assistant.config import settings_from_env
    from assistant.search.backends import open_backend

    settings = (settings or settings_from_env()).with_(index_dir=Path(index_dir))
    return SearchIndex(open_backend(settings), settings)
