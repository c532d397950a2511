"""The search engine over one index generation: `open_index(dir).search(query, ...)`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.models import Hit
from assistant.search import fusion, store
from assistant.search.query import Query, highlight_spans, parse_query

SIGNALS = ("bm25_words", "bm25_bigrams", "dense")


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

    def _load_arrays(self) -> None:
        rows = self.sql("SELECT p.row, p.doc, p.role, p.near_dup, d.doctype, d.year, d.org, d.path, p.heading_path "
                        "FROM paragraphs p JOIN documents d ON d.id = p.doc WHERE p.row IS NOT NULL ORDER BY p.row")
        self.n = len(rows)
        sections: dict[tuple, int] = {}  # (document, heading path) → section id, for fusion.section_context
        self.section_of = np.array([sections.setdefault((r[1], r[8]), len(sections)) for r in rows], dtype=np.int64)
        self.section_size = np.bincount(self.section_of, minlength=len(sections))
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
               section: float | None = None) -> list[Hit]:
        """Hybrid search; `signals` may name a single signal (for evaluation).

        `section` is the weight of the section context added after fusion (fusion.section_context;
        None: the "section" entry of the fusion overrides or the default, 0: off). A single signal
        is ranked by its own scores alone.
        """
        q = parse_query(query)
        if not q.text or self.n == 0:
            return []
        allowed = self._mask(filters, q)
        per_signal = self._signals(q, allowed, signals)
        weights = weights or self.settings.fusion or None
        if len(per_signal) > 1:
            fused = fusion.fuse(per_signal, weights, method)
            section = self.section_weight(weights) if section is None else section
        else:
            fused = dict(next(iter(per_signal.values()), {}))
            section = 0.0
        fused, context = fusion.section_context(fused, self.section_of, self.section_size, section)
        ranked = sorted(fused, key=lambda r: (-fused[r], r))[: max(k * 10, 100)]
        pinned = self._pinned(q, allowed)
        order = pinned + [r for r in ranked if r not in set(pinned)]
        hits = self._collapse(order, k) if collapse else [(r, []) for r in order[:k]]
        terms = self._highlight_terms(q)
        ranks = {name: {row: i + 1 for i, row in enumerate(sorted(s, key=s.get, reverse=True))}
                 for name, s in per_signal.items()}
        return [self._hit(row, fused.get(row, 0.0), similar, terms, row in pinned, per_signal, ranks,
                          context.get(row) if section else None)
                for row, similar in hits]

    @staticmethod
    def section_weight(weights: dict | None) -> float:
        """Section-context weight: a "section" entry of the fusion overrides, else the default."""
        return float((weights or {}).get("section", fusion.SECTION_WEIGHT))

    def signal_scores(self, query: str, filters: Filters | None = None, signals=SIGNALS) -> dict[str, dict[int, float]]:
        """Each signal's candidate rows and raw scores for a query (evaluation fuses these itself)."""
        q = parse_query(query)
        if not q.text or self.n == 0:
            return {name: {} for name in signals}
        return self._signals(q, self._mask(filters, q), signals)

    def row_ids(self) -> list[tuple[str, str]]:
        """(doc_id, para_id) of every indexed row, in row order."""
        rows = self.sql("SELECT d.doc_id, p.idx FROM paragraphs p JOIN documents d ON d.id = p.doc "
                        "WHERE p.row IS NOT NULL ORDER BY p.row")
        return [(doc_id, f"{doc_id}#{idx}") for doc_id, idx in rows]

    def _signals(self, q: Query, allowed, signals) -> dict[str, dict[int, float]]:
        n = self.settings.candidates
        out: dict[str, dict[int, float]] = {}
        if "bm25_words" in signals:
            ids, scores = self.bm25_words.top_k(self.tokenizer.words(q.text), n, allowed)
            out["bm25_words"] = dict(zip(ids.tolist(), scores.tolist()))
        if "bm25_bigrams" in signals:
            from assistant.search.tokenize import char_bigrams

            ids, scores = self.bm25_bigrams.top_k(char_bigrams(q.text), n, allowed)
            out["bm25_bigrams"] = dict(zip(ids.tolist(), scores.tolist()))
        if "dense" in signals:
            qv = self.embedder.encode_query(q.text).reshape(1, -1)
            allowed_ids = None if allowed is None else np.flatnonzero(allowed)
            if allowed_ids is not None and len(allowed_ids) == 0:
                out["dense"] = {}
            else:
                scores, ids = self.vectors.search(qv, n, allowed_ids)
                out["dense"] = {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
        return out

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
        words = [w for w in self.tokenizer.words(q.text) if len(w) > 1 or not w.isascii()]
        return list(q.phrases) + words

    def _hit(self, row: int, score: float, similar: list[int], terms: list[str], pinned: bool,
             per_signal: dict, ranks: dict, context: float | None = None) -> Hit:
        (pid, idx, text, original, path_json, role, doc_id, title, source, doctype, org, date) = self.sql(
            "SELECT p.id, p.idx, p.text, p.original, p.heading_path, p.role, d.doc_id, d.title, d.path, "
            "d.doctype, d.org, d.date FROM paragraphs p JOIN documents d ON d.id = p.doc WHERE p.row = ?", (row,))[0]
        explain = {name: {"rank": ranks[name][row], "score": round(s[row], 4)}
                   for name, s in per_signal.items() if row in s}
        if context is not None:
            explain["section"] = round(context, 4)  # section-context term before its weight
        explain["fused"] = round(score, 4)
        if pinned:
            explain["pinned"] = "文号/标题匹配"
        return Hit(doc_id=doc_id, para_id=f"{doc_id}#{idx}", score=round(score, 4), title=title,
                   heading_path=tuple(json.loads(path_json)), role=role, text=text, original=original or text,
                   source=source, doctype=doctype, org=org, date=date, explain=explain,
                   highlights=tuple(highlight_spans(text, terms)), similar=tuple(self._similar(similar)), row=row)

    def _similar(self, rows: list[int]) -> list[dict]:
        out = []
        for row in rows:
            doc_id, idx, title, source = self.sql(
                "SELECT d.doc_id, p.idx, d.title, d.path FROM paragraphs p JOIN documents d ON d.id = p.doc "
                "WHERE p.row = ?", (row,))[0]
            out.append({"para_id": f"{doc_id}#{idx}", "title": title, "source": source})
        return out


def open_index(index_dir: str | Path, settings: Settings | None = None) -> SearchIndex:
    """Open the live generation of an index folder (clear error if there is none)."""
    from assistant.config import settings_from_env

    from assistant.search.migrate import live_generation

    settings = settings or settings_from_env()
    gen = live_generation(Path(index_dir))  # an older format is upgraded first
    if gen is None:
        raise store.IndexError_(f"{index_dir} 中还没有索引，请先运行：gongwen ingest 文件或文件夹 --index {index_dir}")
    return SearchIndex(gen, settings.with_(index_dir=Path(index_dir)))
