"""The search-backend interface: what the engine, composer, evaluation and UI ask of an index store.

A backend holds the indexed paragraphs and documents and answers the per-signal candidate searches
(word BM25, bigram BM25, dense, document-level BM25) within a `Scope`. Everything that makes the
ranking — query parsing, fusion, section/document evidence, pinning, highlighting, duplicate
collapsing — lives above it in `assistant.search.engine`, shared by every backend.

Rows: the engine addresses indexed (body) paragraphs by a dense row number 0..n-1, in document
order, so the paragraphs of a document — and of a section — are contiguous (levels.Groups). A
backend maps rows to its own keys (the embedded one stores them; Milvus keeps stable primary keys
and numbers them at open). Document groups are numbered the same way (0..documents-1).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from assistant.search.levels import Groups

KINDS = ("embedded", "milvus")


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


@dataclass(frozen=True)
class Scope:
    """Which rows a search may return: `mask` over all rows (None = all), and the filters and quoted
    phrases it was computed from, so a backend that filters itself (Milvus) can translate them.
    `extra` is True when the mask holds more than filters and phrases (evaluation's one-report scope):
    then only the mask says it."""

    mask: np.ndarray | None = None
    filters: Filters | None = None
    phrases: tuple[str, ...] = ()
    extra: bool = False

    @property
    def everything(self) -> bool:
        return self.mask is None

    def rows(self) -> np.ndarray | None:
        return None if self.mask is None else np.flatnonzero(self.mask)


@dataclass(frozen=True)
class Columns:
    """Per-row metadata the engine filters, groups and collapses by (numpy arrays of length n)."""

    doc_of: np.ndarray      # document group of the row (0..documents-1)
    role_of: np.ndarray
    dup_of: np.ndarray      # near-duplicate group ("" = none)
    doctype_of: np.ndarray
    year_of: np.ndarray     # -1 = unknown
    org_of: np.ndarray
    path_of: np.ndarray

    @property
    def n(self) -> int:
        return len(self.doc_of)


@dataclass(frozen=True)
class RowRecord:
    """One indexed paragraph with its document's metadata (what a hit shows)."""

    row: int
    doc_id: str
    idx: int
    text: str
    original: str
    heading_path: tuple[str, ...]
    role: str
    title: str
    path: str
    doctype: str
    org: str
    date: str


Ranked = tuple[np.ndarray, np.ndarray]  # (rows best first, scores)


class SearchBackend(ABC):
    """Read side of an index store (one consistent state for the lifetime of the object)."""

    kind: str
    manifest: dict
    columns: Columns
    groups: Groups
    terms: list[str]  # dictionary terms mined from the corpus (the query tokenizer needs them)
    live: np.ndarray | None = None  # rows that may be returned (None: all); gaps of an incremental index

    @property
    def n(self) -> int:
        return self.columns.n

    @property
    def parallel(self) -> bool:
        """True when per-signal searches are remote calls worth running at the same time."""
        return False

    @property
    def has_dense(self) -> bool:
        """False while the vectors of a BM25-first ingest are still being computed."""
        return True

    @property
    def version(self) -> str:
        """What identifies this state (a generation name, a Milvus load stamp)."""
        return self.manifest.get("generation", "")

    # ---- per-signal candidates -----------------------------------------------------------------
    @abstractmethod
    def words_top(self, words: list[str], k: int, scope: Scope) -> Ranked:
        """Top k rows by word BM25 (scores > 0)."""

    @abstractmethod
    def bigrams_top(self, bigrams: list[str], k: int, scope: Scope) -> Ranked:
        """Top k rows by character-bigram BM25 (scores > 0)."""

    @abstractmethod
    def bigram_scores(self, bigrams: list[str], rows: np.ndarray) -> np.ndarray:
        """Bigram BM25 of the given rows (0 where a row shares nothing with the query)."""

    @abstractmethod
    def dense_top(self, vector: np.ndarray, k: int, scope: Scope) -> Ranked:
        """Top k rows by cosine to the query vector."""

    @abstractmethod
    def documents_top(self, words: list[str], bigrams: list[str], k: int,
                      scope: Scope) -> dict[str, dict[int, float]]:
        """{"bm25_words"|"bm25_bigrams": {document group: BM25}} over whole documents (title + body)."""

    def sections_top(self, words: list[str], bigrams: list[str], k: int,
                     scope: Scope) -> dict[str, dict[int, float]]:
        """Section-level BM25 where the store holds it ({} otherwise: not built by default)."""
        return {}

    # ---- lookups -------------------------------------------------------------------------------
    @abstractmethod
    def phrase_rows(self, phrase: str) -> np.ndarray:
        """Rows whose text contains the phrase verbatim."""

    @abstractmethod
    def docs_by_number(self, number: str) -> list[int]:
        """Document groups with this 发文字号."""

    @abstractmethod
    def docs_by_title(self, title: str, limit: int = 5) -> list[int]:
        """Document groups whose title contains `title`."""

    @abstractmethod
    def fetch(self, rows: list[int]) -> dict[int, RowRecord]:
        """The paragraphs of these rows."""

    @abstractmethod
    def row_vectors(self, rows: np.ndarray) -> np.ndarray | None:
        """Stored unit vectors of rows (None if the store cannot return them)."""

    @abstractmethod
    def row_ids(self) -> list[tuple[str, str]]:
        """(doc_id, para_id) of every row, in row order."""

    @abstractmethod
    def row_texts(self) -> list[str]:
        """Text of every row, in row order."""

    @abstractmethod
    def document(self, doc_id: str) -> tuple[dict, list[dict]] | None:
        """(document fields, every paragraph incl. headings in order) or None if not indexed.

        Document fields: id (group), doc_id, title, doctype, org, doc_number, date, year, path, warnings
        (JSON list), dup_group; paragraphs: idx, row (None for headings), text, original, is_heading,
        level, number, heading_path (tuple), role."""

    @abstractmethod
    def documents(self) -> list[dict]:
        """Every document's fields (as in `document`) plus `paragraphs` (indexed rows), by path."""

    def facets(self) -> dict[str, list[str]]:
        """Values present, for filter choices."""
        docs = self.documents()
        return {"doctype": sorted({d["doctype"] for d in docs if d.get("doctype")}),
                "role": sorted({r for r in self.columns.role_of.tolist() if r}),
                "org": sorted({d["org"] for d in docs if d.get("org")})}

    @abstractmethod
    def size_bytes(self) -> int:
        """Disk use of the store (what this machine holds)."""

    def close(self) -> None:
        """Release connections."""
