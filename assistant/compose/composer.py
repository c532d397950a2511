"""Outline drafting: a 文种 template → per-section retrieval by role → topic-first, coherent choice.

For each section, candidates come from two searches filtered by the section's roles and their
kindred roles (KINDRED_ROLES, ranked lower): BM25 (words + bigrams) with topic + keywords + the
section's hint words, and dense retrieval with the topic + keywords alone — one query embedding
per outline, so composing stays fast on a busy CPU. Same-文种 documents are searched first; all
documents only when that does not give enough usable candidates. Candidates are ranked topic first:

    0.1 × lexical score (normalised) + 2 × topic similarity (dense cosine, rescaled)
    + 0.15 if the source is of the template's 文种 + 0.1 for an opening-like start (为/根据/今年以来)
    − 0.02 per number in the text (capped at 0.2: figures must all be replaced anyway)
    − 0.05 for a kindred role − 0.1 per administrative level beyond one above the user's
    − 0.25 per paragraph already chosen from the same document in this section
    − 0.05 per paragraph chosen from it elsewhere in the outline
    − 0.2 if the source speaks for another level than most paragraphs chosen so far
    + 0.6 for the paragraph that follows the last chosen one in its precedent section,

so a section reads as one passage where a precedent offers one, and a draft keeps one level.
A template section with `subheadings: n` becomes （一）（二）… sub-sections headed by precedent
sub-headings of its roles (substructure.subheading), each with its paragraphs. Paragraphs less
similar to the topic than an average indexed paragraph are dropped (an empty section beats an
unrelated one); a section left short or weak says so (`gap`), with the template's `guidance` and
the best `near_misses`. Fragments, list lead-ins, 版记 and — except in a closing (今后/让我们/同志们…)
— closing formulas are never used. No paragraph appears twice in an outline — alternatives and
near misses included, near-duplicates counted as the same — so swapping one in never duplicates.
Every reused paragraph and sub-heading keeps its SourceRef and precedent; its draft text has the
precedent's own topic and campaigns adapted (topics.adapt_topic) and its slots filled (the user's
org and year, 【待核实：…】 for the source's facts). Fixed template wording has no source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

from assistant.compose import passages
from assistant.compose.pool import COS_FLOOR, Pool, paragraph_vectors, _text_key  # noqa: F401
from assistant.compose.precedents import Neighbour, Precedents, level_gap
from assistant.compose.slots import admin_level, fill_slots
from assistant.compose.substructure import split_counts, subheading
from assistant.compose.templates import Part, SectionSpec, Template, find_template
from assistant.compose.topics import adapt_topic, user_topic
from assistant.ingest.roles import is_closing
from assistant.models import DraftParagraph, Hit, Outline, Section, SourceRef
from assistant.search.engine import Filters, SearchIndex

K = 30
DENSE_K = 60
LEXICAL = ("bm25_words", "bm25_bigrams")
LEXICAL_WEIGHT, TOPIC_WEIGHT = 0.1, 2.0  # topic first (tuned on the tuning half of compose_bench)
CONSECUTIVE_BONUS = 0.6  # the paragraph that follows the last chosen one in its precedent section
LEVEL_PENALTY = 0.1  # per administrative level beyond one above the user's (a county draft, a provincial source)
LEVEL_MIX_PENALTY = 0.2  # a source of another level than most paragraphs chosen so far: one level per draft
SUB_DOC_PENALTY = 0.1  # per sub-section of this section already headed from the same precedent
WEAK_MARGIN = 0.02  # a section whose chosen paragraphs' mean cosine is within this of the floor is weak
NEAR_MISSES = 3
# Topic first: a section also draws on paragraphs of kindred roles (a 方案's 主要任务 reads like a
# 总结's 主要做法; untitled 正文 of a 通知 sets out tasks), ranked below its own roles by ROLE_PENALTY.
KINDRED_ROLES = {
    "主要做法": ("主要任务", "成效", "正文"), "主要任务": ("主要做法", "下一步打算", "正文"),
    "下一步打算": ("主要任务", "正文"), "保障措施": ("工作要求", "正文"), "工作要求": ("保障措施", "正文"),
    "成效": ("主要做法",), "指导思想": ("背景意义",), "背景意义": ("指导思想",), "存在问题": ("原因分析",),
    "原因分析": ("存在问题",), "实施步骤": ("工作要求",), "开头": ("背景意义",), "正文": ("主要任务", "主要做法"),
}
ROLE_PENALTY = 0.05
SAME_DOCTYPE_BONUS = 0.15
OPENING_BONUS = 0.1
_OPENING_CUE = re.compile(r"^(为了?|根据|按照|依据|今年以来|近年来|一年来|年初以来|[^。]{0,12}以来|自[^。]{0,12}(开展|启动)|在[^。]{0,30}(领导|部署)下)")
_CLOSING_CUE = re.compile(r"^(今后|总之|同志们|让我们|各位代表|我们将|我们要|下一步)")
SECTION_DOC_PENALTY = 0.25
OUTLINE_DOC_PENALTY = 0.05
NUMBER_PENALTY, NUMBER_PENALTY_CAP = 0.02, 0.2
COS_SPAN = 0.3  # similarity rescaled over COS_FLOOR … COS_FLOOR + COS_SPAN


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    value: float
    group: str
    cos: float = 0.0


@dataclass
class _Filled:
    """One section's choice: drafts, per-draft alternatives, and what fell short."""

    chosen: list[Candidate]
    alternatives: list[list[Candidate]]
    near: list[Candidate]


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


class _Run(Pool):
    """One compose call: the template, the request, and what the outline has used so far."""

    def __init__(self, index: SearchIndex, template: Template, topic: str, keywords: tuple[str, ...],
                 org: str, year: int, alternatives: int):
        self.index, self.template = index, template
        self.topic, self.keywords, self.org, self.year = topic, keywords, org, year
        self.alternatives = alternatives
        super().__init__(index, " ".join((topic, *keywords)))
        self.doc_uses: Counter[str] = Counter()
        self.level_uses: Counter[str] = Counter()
        self.precedents = Precedents(index)
        self.user_level = admin_level(org)
        self.user_topic = user_topic(topic)

    # ---- structure ----------------------------------------------------------------------
    def section(self, spec: SectionSpec, level: int) -> Section:
        heading = spec.heading.format(topic=self.topic, year=self.year, org=self.org)
        heading = re.sub(r"(工作)+工作", "工作", heading)
        if spec.subheadings:
            return self.structured(spec, heading, level)
        filled = self.fill(spec.roles, spec.paragraphs, spec.query) if spec.paragraphs else None
        subsections = tuple(self.section(sub, level + 1) for sub in spec.subsections)
        section = Section(heading=heading, roles=spec.roles, subsections=subsections, level=level)
        return self.finish(section, spec, filled, spec.paragraphs) if filled else section

    def structured(self, spec: SectionSpec, heading: str, level: int) -> Section:
        """（一）（二）… sub-sections, each headed by a precedent sub-heading of the section's roles
        with its paragraphs (the first on topic, the next ones following it in the precedent)."""
        counts = split_counts(spec.paragraphs, spec.subheadings)
        pool, near = self.candidates(self.query(spec.query), spec.roles, sum(counts) * (1 + self.alternatives), "")
        subs: list[Section] = []
        heads: Counter[str] = Counter()
        seen_heads: set[str] = set()
        for count in counts:
            best = self.best_headed(pool, heads, seen_heads)
            if best is None:
                break
            sub = subheading(tuple(best.hit.heading_path)) or ""
            seen_heads.add(sub)
            heads[best.hit.doc_id] += 1
            filled = _Filled([], [], [])
            self.claim(best)
            self.count_use(best.hit)
            filled.chosen.append(best)
            self.extend(filled, pool, count, Counter({best.hit.doc_id: 1}))
            text, review = self.adapt(sub, best.hit)
            source = self.source_ref(best.hit)
            section = Section(heading=text.rstrip("。；;，,"), roles=spec.roles, level=level + 1, heading_source=source)
            subs.append(self.finish(section, spec, filled, count, guide=False))
        if not subs:  # no precedent sub-heading of these roles: a flat section
            filled = self.fill(spec.roles, sum(counts), spec.query)
            return self.finish(Section(heading=heading, roles=spec.roles, level=level), spec, filled, sum(counts))
        section = Section(heading=heading, roles=spec.roles, subsections=tuple(subs), level=level)
        if len(subs) < len(counts):
            section = replace(section, gap=f"范文中只找到 {len(subs)} 个相关分项（模板建议 {len(counts)} 个），"
                                        "其余请按写作提示补写。", guidance=spec.guidance,
                                        near_misses=tuple(self.draft(c) for c in self.near_misses(near)))
        return section

    def best_headed(self, pool: list[Candidate], heads: Counter, seen: set[str]) -> Candidate | None:
        free = [c for c in pool if not self.is_used(c.hit, c.group)
                and subheading(tuple(c.hit.heading_path)) not in (None, *seen)]
        if not free:
            return None
        return max(free, key=lambda c: c.value - SUB_DOC_PENALTY * heads[c.hit.doc_id]
                   - OUTLINE_DOC_PENALTY * self.doc_uses[c.hit.doc_id] - LEVEL_MIX_PENALTY * self.other_level(c.hit))

    def finish(self, section: Section, spec, filled: _Filled, asked: int, guide: bool = True) -> Section:
        """The section with its drafts; a short or weak one says so, with guidance and near misses."""
        section = replace(section, paragraphs=tuple(self.draft(c) for c in filled.chosen),
                          alternatives=tuple(tuple(self.draft(c) for c in slot) for slot in filled.alternatives))
        mean_cos = float(np.mean([c.cos for c in filled.chosen])) if filled.chosen else None
        if not filled.chosen:
            gap = "范文库中没有与主题相符的此类段落，请按写作提示撰写。"
        elif len(filled.chosen) < asked:
            gap = f"范文中只找到 {len(filled.chosen)} 段相符的段落（模板建议 {asked} 段），其余请按写作提示补写。"
        elif mean_cos is not None and mean_cos < self.off_topic_floor() + WEAK_MARGIN:
            gap = "所选段落与主题关联较弱，请核对或按写作提示改写。"
        else:
            return section
        guidance = getattr(spec, "guidance", ()) if guide or not filled.chosen else ()
        return replace(section, gap=gap, guidance=guidance,
                       near_misses=tuple(self.draft(c) for c in self.near_misses(filled.near)))

    def part(self, spec: Part, opening: bool) -> tuple[DraftParagraph, ...]:
        """Opening/closing: fixed `lead`, retrieved paragraphs, fixed `text` (joined to an opening)."""
        place = "opening" if opening else "closing"
        filled = self.fill(spec.roles, spec.paragraphs, spec.query, place, alternatives=0) if spec.paragraphs else None
        chosen = [self.draft(c) for c in filled.chosen] if filled else []
        out = [DraftParagraph(text=spec.lead)] if spec.lead else []
        if spec.text and opening and chosen and not passages.ends_with_transition(chosen[-1].text):
            last = chosen[-1]
            chosen[-1] = DraftParagraph(text=last.text + spec.text, source=last.source, precedent=last.precedent,
                                        review=last.review, score=last.score)
        elif spec.text and not (opening and chosen):
            chosen.append(DraftParagraph(text=spec.text))
        return tuple(out + chosen)

    # ---- retrieval and choice ---------------------------------------------------------------
    def query(self, hints: tuple[str, ...]) -> str:
        # BM25 adds a repeated term again: the topic counts twice, so the hint words shape the
        # section's wording without outweighing what the document is about
        return " ".join((self.topic, self.topic, *self.keywords, *(h for h in hints if h not in self.topic)))

    def fill(self, roles: tuple[str, ...], n: int, hints: tuple[str, ...], place: str = "",
             alternatives: int | None = None) -> _Filled:
        """n chosen candidates for one section and per-chosen alternatives; `place` is opening/closing."""
        alternatives = self.alternatives if alternatives is None else alternatives
        pool, near = self.candidates(self.query(hints), roles, n * (1 + alternatives), place)
        filled = _Filled([], [], near)
        self.extend(filled, pool, n, Counter(), place, alternatives)
        return filled

    def extend(self, filled: _Filled, pool: list[Candidate], n: int, in_section: Counter, place: str = "",
               alternatives: int | None = None) -> None:
        """Choose up to n paragraphs in all (the paragraph following the last one in its precedent
        section is offered with a bonus), then the alternatives."""
        alternatives = self.alternatives if alternatives is None else alternatives
        while len(filled.chosen) < n:
            if filled.chosen:
                self.offer_next(pool, filled.chosen[-1], place)
            best = self.take(pool, in_section, count=True, after=filled.chosen[-1].hit if filled.chosen else None)
            if best is None:
                break
            filled.chosen.append(best)
        filled.alternatives = [[] for _ in filled.chosen]
        for _ in range(alternatives):
            for slot in filled.alternatives:
                best = self.take(pool, in_section, count=False)
                if best:
                    slot.append(best)

    def offer_next(self, pool: list[Candidate], last: Candidate, place: str) -> None:
        """Add the paragraph after `last` in its precedent section to the pool, if on topic."""
        for n in self.precedents.following(last.hit, 1):
            hit = _neighbour_hit(last.hit, n)
            if any(c.hit.para_id == hit.para_id for c in pool) or not self.usable(hit, place):
                continue
            cos = self.topic_similarity([hit])[0]
            if cos >= self.off_topic_floor():
                pool.append(Candidate(hit, self.value(_Found(hit, 0.0), cos, place), self.group(hit), cos))

    def candidates(self, query: str, roles: tuple[str, ...], need: int,
                   place: str) -> tuple[list[Candidate], list[Candidate]]:
        """(usable candidates on topic, usable ones below the off-topic floor)."""
        preferred = self.template.match_doctypes
        wide = tuple(dict.fromkeys((*roles, *(k for r in roles for k in KINDRED_ROLES.get(r, ())))))
        found = self.search(query, Filters(doctype=preferred, role=wide)) if preferred else []
        if len([f for f in found if self.usable(f.hit, place) and f.hit.role in roles]) < need:
            seen = {f.hit.para_id for f in found}
            found += [f for f in self.search(query, Filters(role=wide)) if f.hit.para_id not in seen]
        found = [f for f in found if self.usable(f.hit, place)]
        cosines = self.topic_similarity([f.hit for f in found])
        floor = self.off_topic_floor()
        pool = [Candidate(f.hit, self.value(f, cos, place) - ROLE_PENALTY * (f.hit.role not in roles),
                          self.group(f.hit), cos) for f, cos in zip(found, cosines)]
        return [c for c in pool if c.cos >= floor], [c for c in pool if c.cos < floor]

    def search(self, query: str, filters: Filters) -> list[_Found]:
        """BM25 hits for the section query, then dense hits for the topic that BM25 missed."""
        # no section context here: paragraphs are picked one by one per outline slot, and with it the
        # chosen paragraphs' topic cosine fell 0.704 → 0.699 (benchmarks/compose_bench.py)
        lexical = self.index.search(query, k=K, filters=filters, signals=LEXICAL, section=0)
        top = max((h.score for h in lexical), default=0.0) or 1.0
        found = {h.para_id: _Found(h, h.score / top) for h in lexical}
        for hit in self.index.search(self.topic_query, k=DENSE_K, filters=filters, signals=("dense",)):
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
        gap = level_gap(self.precedents.info(hit).level, self.user_level) if self.index is not None else 0
        return (LEXICAL_WEIGHT * found.lexical + TOPIC_WEIGHT * similarity + bonus - numbers
                - LEVEL_PENALTY * max(0, gap - 1))

    def take(self, pool: list[Candidate], in_section: Counter, count: bool, after: Hit | None = None) -> Candidate | None:
        """The best free candidate after document penalties; it is marked used at once."""
        free = [c for c in pool if not self.is_used(c.hit, c.group)]
        if not free:
            return None
        best = max(free, key=lambda c: c.value - SECTION_DOC_PENALTY * in_section[c.hit.doc_id]
                   - OUTLINE_DOC_PENALTY * self.doc_uses[c.hit.doc_id] + CONSECUTIVE_BONUS * _follows(after, c.hit)
                   - LEVEL_MIX_PENALTY * self.other_level(c.hit))
        self.claim(best)
        in_section[best.hit.doc_id] += 1
        if count:
            self.count_use(best.hit)
        return best

    def count_use(self, hit: Hit) -> None:
        self.doc_uses[hit.doc_id] += 1
        if self.index is not None:
            self.level_uses[self.precedents.info(hit).level or ""] += 1

    def other_level(self, hit: Hit) -> bool:
        """The hit's source speaks for another level than most paragraphs chosen so far."""
        if self.index is None or not self.level_uses:
            return False
        return (self.precedents.info(hit).level or "") != self.level_uses.most_common(1)[0][0]

    def near_misses(self, near: list[Candidate]) -> list[Candidate]:
        """The best paragraphs that fell below the floor, claimed so they never duplicate others."""
        out = []
        for c in sorted(near, key=lambda c: -c.cos):
            if len(out) == NEAR_MISSES:
                break
            if not self.is_used(c.hit, c.group):
                self.claim(c)
                out.append(c)
        return out

    # ---- drafts -----------------------------------------------------------------------------
    def adapt(self, text: str, hit: Hit) -> tuple[str, tuple[str, ...]]:
        """Precedent text for this draft: the precedent's topic and campaigns, then its org, year,
        figures, names and places (slots.fill_slots)."""
        info = self.precedents.info(hit)
        text, topic_review = adapt_topic(text, info.topic, self.user_topic)
        text, review = fill_slots(text, info.org, info.year, self.org, self.year)
        return text, tuple(dict.fromkeys(topic_review + review))

    def source_ref(self, hit: Hit) -> SourceRef:
        return SourceRef(doc_id=hit.doc_id, para_id=hit.para_id, title=hit.title, source=hit.source,
                         heading_path=tuple(hit.heading_path), relpath=self.precedents.relpath(hit.source),
                         doc_number=self.precedents.info(hit).doc_number)

    def draft(self, candidate: Candidate) -> DraftParagraph:
        hit = candidate.hit
        body = passages.strip_enumerator(passages.strip_addressee(hit.text))
        text, review = self.adapt(body, hit)
        return DraftParagraph(text=text, source=self.source_ref(hit), precedent=hit.original or hit.text,
                              review=review, score=round(candidate.value, 4))


def _follows(before: Hit | None, hit: Hit) -> bool:
    """`hit` is the paragraph right after `before` in the same precedent section."""
    if before is None or before.doc_id != hit.doc_id or tuple(before.heading_path) != tuple(hit.heading_path):
        return False
    return int(hit.para_id.rsplit("#", 1)[1]) == int(before.para_id.rsplit("#", 1)[1]) + 1


def _neighbour_hit(base: Hit, n: Neighbour) -> Hit:
    return Hit(doc_id=base.doc_id, para_id=f"{base.doc_id}#{n.idx}", score=0.0, title=base.title,
               heading_path=n.heading_path, role=n.role, text=n.text, original=n.original, source=base.source,
               doctype=base.doctype, org=base.org, date=base.date, row=n.row)

