"""Outline drafting: a 文种 template → per-section retrieval by role → greedy, diverse choice.

For each section, candidates come from two searches filtered by the section's roles: BM25
(words + bigrams) with topic + keywords + the section's hint words, and dense retrieval with
the topic + keywords alone — one query embedding per outline, so composing stays fast on a
busy CPU. Same-文种 documents are searched first; all documents only when that does not give
enough usable candidates. Candidates are ranked by

    0.5 × lexical score (normalised) + 0.5 × topic similarity (dense cosine, rescaled)
    + 0.15 if the source is of the template's 文种 + 0.1 for an opening-like start (为/根据/今年以来)
    − 0.02 per number in the text (capped at 0.2: figures must all be replaced anyway)
    − 0.25 per paragraph already chosen from the same document in this section
    − 0.05 per paragraph chosen from it elsewhere in the outline,

so a section draws on different documents where it can. Paragraphs less similar to the topic
than an average indexed paragraph are dropped (an empty section beats an unrelated one), as
are fragments, list lead-ins, 版记, and — except in a closing, which must read like one
(今后/让我们/同志们…) — closing formulas. No paragraph appears twice in an
outline — alternatives included, and near-duplicates (the index's groups, a hit's
`similar` list, identical text) count as the same paragraph — so swapping an alternative
in never duplicates. Every reused paragraph keeps its SourceRef and precedent text; its
draft text is slot-filled (the user's org and year, 【待核实：…】 for the source's facts).
Fixed wording from the template (同志们：, 特此通知。, 妥否，请批示。) has no source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from assistant.compose import passages
from assistant.compose.slots import NATIONAL_ORG, admin_level, fill_slots
from assistant.compose.templates import Part, SectionSpec, Template, find_template
from assistant.ingest.roles import is_closing
from assistant.models import DraftParagraph, Hit, Outline, Section, SourceRef
from assistant.search.engine import Filters, SearchIndex

K = 30
LEXICAL = ("bm25_words", "bm25_bigrams")
SAME_DOCTYPE_BONUS = 0.15
OPENING_BONUS = 0.1
_OPENING_CUE = re.compile(r"^(为了?|根据|按照|依据|今年以来|近年来|一年来|年初以来|[^。]{0,12}以来|自[^。]{0,12}(开展|启动)|在[^。]{0,30}(领导|部署)下)")
_CLOSING_CUE = re.compile(r"^(今后|总之|同志们|让我们|各位代表|我们将|我们要|下一步)")
SECTION_DOC_PENALTY = 0.25
OUTLINE_DOC_PENALTY = 0.05
NUMBER_PENALTY, NUMBER_PENALTY_CAP = 0.02, 0.2
COS_FLOOR, COS_SPAN = 0.55, 0.3  # m3e cosines of related Chinese text lie in ~0.55–0.85
FLOOR_SAMPLE, FLOOR_MARGIN = 256, 0.01


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    value: float
    group: str


@dataclass(frozen=True)
class _Found:
    hit: Hit
    lexical: float  # 0–1, the BM25 search's fused score over its best; 0 if only dense found it


def compose(index: SearchIndex, templates: Mapping[str, Template], doctype: str, topic: str, org: str,
            year: int, keywords: Sequence[str] = (), alternatives: int = 3, date: str | None = None) -> Outline:
    """Draft an outline of `doctype` (a template name or alias) about `topic` for `org` in `year`."""
    template = find_template(templates, doctype)
    if not topic.strip():
        raise ValueError("请填写主题（例如：医德医风建设）。")
    name = display_name(template, doctype)
    run = _Run(index, template, topic.strip(), tuple(k.strip() for k in keywords if k.strip()),
               org.strip(), int(year), max(0, int(alternatives)))
    opening = run.part(template.opening, opening=True)
    sections = tuple(run.section(spec, 1) for spec in template.sections)
    closing = run.part(template.closing, opening=False)
    return Outline(doctype=name, title=make_title(template, name, org.strip(), int(year), topic.strip()),
                   org=org.strip(), year=int(year), topic=topic.strip(), sections=sections, opening=opening,
                   closing=closing, addressee=template.addressee, date=date or dt.date.today().isoformat(),
                   keywords=run.keywords)


def display_name(template: Template, requested: str) -> str:
    """实施方案 stays 实施方案 (an alias naming a full 文种); 方案 becomes the template's 工作方案."""
    requested = requested.strip()
    return requested if requested in template.aliases and len(requested) > 2 else template.doctype


def make_title(template: Template, name: str, org: str, year: int, topic: str) -> str:
    """The template's title pattern filled in; {scope} is the org's jurisdiction (某县… → 全县)."""
    level = admin_level(org)
    title = template.title.format(org=org, year=year, topic=topic, doctype=name, scope=f"全{level}" if level else "")
    return re.sub(r"(工作)+工作", "工作", title)


class _Run:
    """One compose call: the template, the request, and what the outline has used so far."""

    def __init__(self, index: SearchIndex, template: Template, topic: str, keywords: tuple[str, ...],
                 org: str, year: int, alternatives: int):
        self.index, self.template = index, template
        self.topic, self.keywords, self.org, self.year = topic, keywords, org, year
        self.alternatives = alternatives
        self.used_ids: set[str] = set()
        self.used_groups: set[str] = set()
        self.doc_uses: Counter[str] = Counter()
        self._meta: dict[str, tuple[str | None, int | None]] = {}
        self._numbers: dict[str, str] = {}
        self._root: str | None = None
        self._topic_vec = None
        self._floor: float | None = None
        self.topic_query = " ".join((topic, *keywords))

    # ---- structure ----------------------------------------------------------------------
    def section(self, spec: SectionSpec, level: int) -> Section:
        chosen, alts = self.fill(spec.roles, spec.paragraphs, spec.query) if spec.paragraphs else ((), ())
        subsections = tuple(self.section(sub, level + 1) for sub in spec.subsections)
        heading = spec.heading.format(topic=self.topic, year=self.year, org=self.org)
        heading = re.sub(r"(工作)+工作", "工作", heading)
        return Section(heading=heading, roles=spec.roles, paragraphs=chosen, alternatives=alts,
                       subsections=subsections, level=level)

    def part(self, spec: Part, opening: bool) -> tuple[DraftParagraph, ...]:
        """Opening/closing: fixed `lead`, retrieved paragraphs, fixed `text` (joined to an opening)."""
        place = "opening" if opening else "closing"
        chosen = list(self.fill(spec.roles, spec.paragraphs, spec.query, place, alternatives=0)[0]) \
            if spec.paragraphs else []
        out = [DraftParagraph(text=spec.lead)] if spec.lead else []
        if spec.text and opening and chosen and not passages.ends_with_transition(chosen[-1].text):
            last = chosen[-1]
            chosen[-1] = DraftParagraph(text=last.text + spec.text, source=last.source, precedent=last.precedent,
                                        review=last.review, score=last.score)
        elif spec.text and not (opening and chosen):
            chosen.append(DraftParagraph(text=spec.text))
        return tuple(out + chosen)

    # ---- retrieval and choice ---------------------------------------------------------------
    def fill(self, roles: tuple[str, ...], n: int, hints: tuple[str, ...], place: str = "",
             alternatives: int | None = None):
        """(n chosen drafts, per-chosen alternatives) for one section; `place` is opening/closing."""
        alternatives = self.alternatives if alternatives is None else alternatives
        # BM25 adds a repeated term again: the topic counts twice, so the hint words shape the
        # section's wording without outweighing what the document is about
        query = " ".join((self.topic, self.topic, *self.keywords, *(h for h in hints if h not in self.topic)))
        pool = self.candidates(query, roles, n * (1 + alternatives), place)
        in_section: Counter[str] = Counter()
        chosen = [c for c in (self.take(pool, in_section, count=True) for _ in range(n)) if c]
        alts: list[list[Candidate]] = [[] for _ in chosen]
        for _ in range(alternatives):
            for slot in alts:
                best = self.take(pool, in_section, count=False)
                if best:
                    slot.append(best)
        return (tuple(self.draft(c) for c in chosen),
                tuple(tuple(self.draft(c) for c in slot) for slot in alts))

    def candidates(self, query: str, roles: tuple[str, ...], need: int, place: str) -> list[Candidate]:
        preferred = self.template.match_doctypes
        found = self.search(query, Filters(doctype=preferred, role=roles)) if preferred else []
        if len([f for f in found if self.usable(f.hit, place)]) < need:
            seen = {f.hit.para_id for f in found}
            found += [f for f in self.search(query, Filters(role=roles)) if f.hit.para_id not in seen]
        found = [f for f in found if self.usable(f.hit, place)]
        cosines = self.topic_similarity([f.hit for f in found])
        floor = self.off_topic_floor()
        return [Candidate(f.hit, self.value(f, cos, place), self.group(f.hit))
                for f, cos in zip(found, cosines) if cos >= floor]

    def search(self, query: str, filters: Filters) -> list[_Found]:
        """BM25 hits for the section query, then dense hits for the topic that BM25 missed."""
        # no section context here: paragraphs are picked one by one per outline slot, and with it the
        # chosen paragraphs' topic cosine fell 0.704 → 0.699 (benchmarks/compose_bench.py)
        lexical = self.index.search(query, k=K, filters=filters, signals=LEXICAL, section=0)
        top = max((h.score for h in lexical), default=0.0) or 1.0
        found = {h.para_id: _Found(h, h.score / top) for h in lexical}
        for hit in self.index.search(self.topic_query, k=K, filters=filters, signals=("dense",)):
            found.setdefault(hit.para_id, _Found(hit, 0.0))
        return list(found.values())

    def usable(self, hit: Hit, place: str) -> bool:
        """Draft material for this place: no fragment; closing formulas and calls to action only at the end."""
        if passages.is_fragment(hit.text, opening=place == "opening"):
            return False
        if place == "closing":
            if not (_CLOSING_CUE.search(hit.text) or is_closing(hit.text)):
                return False
        elif is_closing(hit.text):
            return False
        return not self.is_used(hit, self.group(hit))

    def value(self, found: _Found, cos: float, place: str) -> float:
        hit = found.hit
        similarity = min(1.0, max(0.0, (cos - COS_FLOOR) / COS_SPAN))
        bonus = SAME_DOCTYPE_BONUS if hit.doctype in self.template.match_doctypes else 0.0
        if place == "opening" and _OPENING_CUE.search(hit.text):
            bonus += OPENING_BONUS
        numbers = min(NUMBER_PENALTY_CAP, NUMBER_PENALTY * passages.digit_runs(hit.text))
        return 0.5 * found.lexical + 0.5 * similarity + bonus - numbers

    def take(self, pool: list[Candidate], in_section: Counter, count: bool) -> Candidate | None:
        """The best free candidate after document penalties; it is marked used at once."""
        free = [c for c in pool if not self.is_used(c.hit, c.group)]
        if not free:
            return None
        best = max(free, key=lambda c: c.value - SECTION_DOC_PENALTY * in_section[c.hit.doc_id]
                   - OUTLINE_DOC_PENALTY * self.doc_uses[c.hit.doc_id])
        self.claim(best)
        in_section[best.hit.doc_id] += 1
        if count:
            self.doc_uses[best.hit.doc_id] += 1
        return best

    def group(self, hit: Hit) -> str:
        """Near-duplicate group (index) or, failing that, the normalised text's hash."""
        if 0 <= hit.row < len(self.index.dup_of) and self.index.dup_of[hit.row]:
            return str(self.index.dup_of[hit.row])
        return _text_key(hit.text)

    def is_used(self, hit: Hit, group: str) -> bool:
        return (hit.para_id in self.used_ids or group in self.used_groups or _text_key(hit.text) in self.used_groups
                or any(s.get("para_id") in self.used_ids for s in hit.similar))

    def claim(self, candidate: Candidate) -> None:
        hit = candidate.hit
        self.used_ids.add(hit.para_id)
        self.used_ids.update(s["para_id"] for s in hit.similar if s.get("para_id"))
        self.used_groups.add(candidate.group)
        self.used_groups.add(_text_key(hit.text))

    def topic_similarity(self, hits: list[Hit]) -> list[float]:
        """Cosine between the topic (+ keywords) and each paragraph's stored vector."""
        sims = self.topic_similarity_rows([h.row for h in hits])
        if sims is None:
            return [float(h.explain.get("dense", {}).get("score", COS_FLOOR)) for h in hits]
        return sims

    def topic_similarity_rows(self, rows: list[int]) -> list[float] | None:
        if not rows:
            return []
        if self._topic_vec is None:
            self._topic_vec = np.asarray(self.index.embedder.encode_query(self.topic_query), dtype=np.float32).ravel()
        vectors = paragraph_vectors(self.index, rows)
        return None if vectors is None else [float(x) for x in vectors @ self._topic_vec]

    def off_topic_floor(self) -> float:
        """Paragraphs less similar to the topic than an average indexed paragraph are left out:
        an empty section (the drafter writes it) beats an unrelated one. m3e cosines are
        compressed (unrelated Chinese text ≈ 0.65), so the floor is measured per topic."""
        if self._floor is None:
            rows = np.random.default_rng(0).choice(self.index.n, min(FLOOR_SAMPLE, self.index.n), replace=False)
            sims = self.topic_similarity_rows([int(r) for r in rows])
            self._floor = float(np.mean(sims)) - FLOOR_MARGIN if sims else -1.0
        return self._floor

    # ---- drafts -----------------------------------------------------------------------------
    def draft(self, candidate: Candidate) -> DraftParagraph:
        hit = candidate.hit
        org, year = self.source_meta(hit)
        body = passages.strip_enumerator(passages.strip_addressee(hit.text))
        text, review = fill_slots(body, org, year, self.org, self.year)
        source = SourceRef(doc_id=hit.doc_id, para_id=hit.para_id, title=hit.title, source=hit.source,
                           heading_path=tuple(hit.heading_path), relpath=self.relpath(hit.source),
                           doc_number=self.doc_number(hit.doc_id))
        return DraftParagraph(text=text, source=source, precedent=hit.original or hit.text, review=review,
                              score=round(candidate.value, 4))

    def relpath(self, path: str) -> str:
        """The file relative to the indexed corpus root (the folder all indexed files share)."""
        if self._root is None:
            rows = self.index.sql("SELECT MIN(path), MAX(path) FROM documents")
            self._root = passages.corpus_root(*rows[0]) if rows and rows[0][0] else ""
        return passages.relative_to(path, self._root)

    def doc_number(self, doc_id: str) -> str:
        if doc_id not in self._numbers:
            rows = self.index.sql("SELECT doc_number FROM documents WHERE doc_id = ? LIMIT 1", (doc_id,))
            self._numbers[doc_id] = (rows[0][0] or "") if rows else ""
        return self._numbers[doc_id]

    def source_meta(self, hit: Hit) -> tuple[str | None, int | None]:
        """(issuing body with its level, the document's own year) of a hit's source document."""
        if hit.doc_id not in self._meta:
            rows = self.index.sql("SELECT id, org, date, year, title FROM documents WHERE doc_id = ? LIMIT 1",
                                  (hit.doc_id,))
            doc, org, date, year, title = rows[0] if rows else (None, hit.org, hit.date, None, hit.title)
            org = passages.source_org(title or hit.title, org or hit.org)
            if org and doc is not None and not re.search("[省市县区旗州]", org) and not NATIONAL_ORG.search(org):
                texts = [r[0] for r in self.index.sql("SELECT text FROM paragraphs WHERE doc = ?", (doc,))]
                level = passages.dominant_level(texts)
                org = (level + org) if level else org
            self._meta[hit.doc_id] = (org, passages.year_of(date or hit.date, year, title or hit.title))
        return self._meta[hit.doc_id]


def _text_key(text: str) -> str:
    return "text:" + hashlib.sha1(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


def paragraph_vectors(index: SearchIndex, rows: list[int]) -> np.ndarray | None:
    """Stored unit vectors of index rows (None if the vector store cannot return them)."""
    try:
        return index.vectors._stored(np.asarray(rows, dtype=np.int64))  # noqa: SLF001 — read-only gather
    except (AttributeError, RuntimeError):
        return None
