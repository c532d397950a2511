"""Value objects shared by every stage of the pipeline (all frozen)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class RawDocument:
    """What a reader extracts from one file (or one line of a .jsonl) before cleaning.

    `text` keeps line breaks as paragraph boundaries. `heading_hints` carries
    structure the file itself declares (e.g. .docx heading styles, Markdown `#`):
    pairs of (line text, level) with level 1 = top.
    """

    doc_id: str
    source: str
    text: str
    title: str | None = None
    heading_hints: tuple[tuple[str, int], ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    fmt: str = "txt"


@dataclass(frozen=True)
class Removed:
    """One piece of text the cleaner dropped, and why (`kind`)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A heading or body paragraph. `text` is cleaned + simplified (indexed);
    `original` is the cleaned text in its original script (displayed)."""

    text: str
    original: str
    is_heading: bool
    level: int | None
    heading_path: tuple[str, ...]
    role: str
    index: int
    number: str = ""  # the heading's numbering as written (一、/（一）/1.), stripped from `text`


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str
    title: str
    doctype: str | None
    org: str | None
    doc_number: str | None
    date: str | None
    original_script: str
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...] = ()
    removed: tuple[Removed, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    content_hash: str = ""

    @property
    def body(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if not p.is_heading)


class ReadError(Exception):
    """A file could not be read; str() is a one-line Chinese reason naming the file."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Hit:
    """One search result: a body paragraph with its source, and why it ranked where it did.

    `explain` maps each signal ("bm25_words", "bm25_bigrams", "dense") to its rank and
    raw score for this paragraph (absent when the signal did not retrieve it) plus
    "fused"; `highlights` are (start, end) offsets of matched terms in `text`;
    `similar` lists near-duplicate paragraphs collapsed into this hit. With the document unit, the
    hit is the document's best paragraph and `passages` its next-best ones; `explain` then also has
    "section" and "document" (the level evidence, z units) as with the paragraph unit.
    """

    doc_id: str
    para_id: str
    score: float
    title: str
    heading_path: tuple[str, ...]
    role: str
    text: str
    original: str
    source: str
    doctype: str | None = None
    org: str | None = None
    date: str | None = None
    explain: Mapping[str, Any] = field(default_factory=dict)
    highlights: tuple[tuple[int, int], ...] = ()
    similar: tuple[Mapping[str, Any], ...] = ()
    row: int = -1
    # Document unit: the document's next-best paragraphs ({"para_id", "score", "heading_path", "text"}).
    passages: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class SourceRef:
    """Where a reused paragraph came from. `source` is the full file path (kept in the .json
    outline); exports name `relpath` (relative to the corpus root) and `doc_number` instead."""

    doc_id: str
    para_id: str
    title: str
    source: str  # file path
    heading_path: tuple[str, ...] = ()
    relpath: str = ""  # the file relative to the indexed corpus root (seeds/000_….txt)
    doc_number: str = ""  # 文号 of the source document, if it has one


@dataclass(frozen=True)
class DraftParagraph:
    """A paragraph of a draft. `text` is after slot filling (may contain 【待核实：…】 marks);
    `precedent` is the source paragraph as it was; `review` lists what was marked."""

    text: str
    source: SourceRef | None = None
    precedent: str = ""
    review: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True)
class Section:
    """A section of an outline: heading, the roles it was filled from, chosen paragraphs and
    per-paragraph alternatives (same length as `paragraphs`), and optional sub-sections.

    A sub-heading taken from a precedent keeps its `heading_source`. A section the corpus could
    not fill well says so: `gap` (why), `guidance` (the template's hints on what it usually
    contains) and `near_misses` (the best paragraphs that fell short) — shown in the editor,
    never exported unless the user moves one into the text."""

    heading: str
    roles: tuple[str, ...]
    paragraphs: tuple[DraftParagraph, ...] = ()
    alternatives: tuple[tuple[DraftParagraph, ...], ...] = ()
    subsections: tuple["Section", ...] = ()
    level: int = 1
    heading_source: SourceRef | None = None
    gap: str = ""
    guidance: tuple[str, ...] = ()
    near_misses: tuple[DraftParagraph, ...] = ()


@dataclass(frozen=True)
class Frame:
    """The optional 版头 and 版记 of GB/T 9704-2012 (7.2, 7.4) and the 附件说明 (7.3.4); all empty
    by default, and an empty field is simply not laid out.

    copy_no 份号 · secrecy 密级和保密期限 (秘密★1年) · urgency 紧急程度 (特急/加急) · issuer 发文机关标志
    (某县卫生健康局文件) · doc_number 发文字号 · signer 签发人 (上行文) · attachments 附件名称 ·
    cc 抄送机关 · printed_by 印发机关 · printed_on 印发日期 (YYYY-MM-DD) · sealed: 署名 and 成文日期 in
    the layout for a sealed document (7.3.5.1) or without seal (7.3.5.2) · letter: 信函格式 (10.1)."""

    copy_no: str = ""
    secrecy: str = ""
    urgency: str = ""
    issuer: str = ""
    doc_number: str = ""
    signer: str = ""
    attachments: tuple[str, ...] = ()
    cc: str = ""
    printed_by: str = ""
    printed_on: str = ""
    sealed: bool = True
    letter: bool = False  # 信函格式 (GB/T 9704-2012 10.1) instead of the 文件格式 版头


@dataclass(frozen=True)
class Outline:
    """A draft document assembled from precedent paragraphs."""

    doctype: str
    title: str
    org: str
    year: int
    topic: str
    sections: tuple[Section, ...]
    opening: tuple[DraftParagraph, ...] = ()
    closing: tuple[DraftParagraph, ...] = ()
    addressee: str = ""  # 主送机关, e.g. for 请示/通知
    date: str = ""  # 成文日期 YYYY-MM-DD
    keywords: tuple[str, ...] = ()
    frame: Frame = Frame()  # 版头/版记 (empty by default)
