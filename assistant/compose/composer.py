"""Outline drafting: a 文种 template → per-section retrieval by role → topic-first, coherent choice.

Candidates for each section come from retrieval.py (searches filtered by the section's roles and
their kindred roles); choice.py picks among them topic first — the most topical free candidate,
with coherence (the paragraph that follows the last chosen one in its precedent section), the
template's 文种, one administrative level per draft and document diversity deciding only between
near-equals — so a section reads as one passage where a precedent offers one, and a draft keeps
one level. A template section with `subheadings: n` becomes （一）（二）… sub-sections headed by
precedent sub-headings of its roles (substructure.subheading), each with its paragraphs. A section
left short or weak says so (`gap`), with the template's `guidance` and the best `near_misses`. Every
part of the outline is drafted first; the alternatives come after, from what is left, so offering
them never takes a paragraph a later section would draft with. No paragraph appears twice in an outline — alternatives and near misses included, near-duplicates
counted as the same — so swapping one in never duplicates. Every reused paragraph and sub-heading
keeps its SourceRef and precedent; its draft text has the precedent's own topic and campaigns
adapted (topics.adapt_topic) and its slots filled (the user's org and year, 【待核实：…】 for the
source's facts). Fixed template wording has no source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

import numpy as np

from assistant.compose import passages
from assistant.compose.choice import Candidate
from assistant.compose.precedents import Precedents
from assistant.compose.retrieval import Retriever
from assistant.compose.slots import admin_level, fill_slots
from assistant.compose.substructure import split_counts, subheading
from assistant.compose.templates import Part, SectionSpec, Template, find_template
from assistant.compose.topics import adapt_topic, user_topic
from assistant.models import DraftParagraph, Hit, Outline, Section, SourceRef
from assistant.search.engine import SearchIndex

WEAK_MARGIN = 0.02  # a section whose chosen paragraphs' mean cosine is within this of the floor is weak


@dataclass
class _Filled:
    """One section's choice: drafts, per-draft alternatives, what fell short, and the pool the
    alternatives are taken from once every section has its drafts."""

    chosen: list[Candidate]
    alternatives: list[list[Candidate]]
    near: list[Candidate]
    pool: list[Candidate] = field(default_factory=list)
    in_section: Counter = field(default_factory=Counter)


def compose(index: SearchIndex, templates: Mapping[str, Template], doctype: str, topic: str, org: str,
            year: int, keywords: Sequence[str] = (), alternatives: int = 3, date: str | None = None) -> Outline:
    """Draft an outline of `doctype` (a template name or alias) about `topic` for `org` in `year`."""
    template = find_template(templates, doctype)
    if not topic.strip():
        raise ValueError("请填写主题（例如：医德医风建设）。")
    name = display_name(template, doctype)
    run = _Run(index, template, topic.strip(), tuple(k.strip() for k in keywords if k.strip()),
               org.strip(), int(year), max(0, int(alternatives)))
    # drafts first, for every part of the outline; alternatives only then, from what is left — so
    # the alternatives offered in one section never take the paragraphs a later section would draft with
    opening = run.part(template.opening, opening=True)
    pending = [run.section(spec, 1) for spec in template.sections]
    closing = run.part(template.closing, opening=False)
    run.choose_alternatives()
    sections = tuple(build() for build in pending)
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


class _Run(Retriever):
    """One compose call: the template, the request, and what the outline has used so far."""

    def __init__(self, index: SearchIndex, template: Template, topic: str, keywords: tuple[str, ...],
                 org: str, year: int, alternatives: int):
        self.index, self.template = index, template
        self.topic, self.keywords, self.org, self.year = topic, keywords, org, year
        self.alternatives = alternatives
        super().__init__(index, " ".join((topic, *keywords)))
        self.doc_uses: Counter[str] = Counter()
        self.level_uses: Counter[str] = Counter()
        self.waiting: list[tuple[_Filled, int]] = []  # sections whose alternatives are still to choose
        self.precedents = Precedents(index)
        self.user_level = admin_level(org)
        self.user_topic = user_topic(topic)

    # ---- structure ----------------------------------------------------------------------
    def section(self, spec: SectionSpec, level: int) -> Callable[[], Section]:
        """Choose the section's drafts now; the returned function builds the Section once the
        alternatives are chosen (choose_alternatives)."""
        heading = spec.heading.format(topic=self.topic, year=self.year, org=self.org)
        heading = re.sub(r"(工作)+工作", "工作", heading)
        if spec.subheadings:
            return self.structured(spec, heading, level)
        filled = self.fill(spec.roles, spec.paragraphs, spec.query) if spec.paragraphs else None
        subsections = [self.section(sub, level + 1) for sub in spec.subsections]

        def build() -> Section:
            section = Section(heading=heading, roles=spec.roles, subsections=tuple(b() for b in subsections), level=level)
            return self.finish(section, spec, filled, spec.paragraphs) if filled else section
        return build

    def structured(self, spec: SectionSpec, heading: str, level: int) -> Callable[[], Section]:
        """（一）（二）… sub-sections, each headed by a precedent sub-heading of the section's roles
        with its paragraphs (the first on topic, the next ones following it in the precedent)."""
        counts = split_counts(spec.paragraphs, spec.subheadings)
        pool, near = self.candidates(self.query(spec.query), spec.roles, "")
        subs: list[tuple[Candidate, str, _Filled, int]] = []
        heads: Counter[str] = Counter()
        seen_heads: set[str] = set()
        for count in counts:
            best = self.best_headed(pool, heads, seen_heads)
            if best is None:
                break
            sub = subheading(tuple(best.hit.heading_path)) or ""
            seen_heads.add(sub)
            heads[best.hit.doc_id] += 1
            in_section: Counter[str] = Counter()
            filled = _Filled([self.use(best, in_section, count=True)], [], [])
            self.extend(filled, pool, count, in_section, coherent=True)
            subs.append((best, sub, filled, count))
        if not subs:  # no precedent sub-heading of these roles: a flat section
            filled = self.fill(spec.roles, sum(counts), spec.query)
            return lambda: self.finish(Section(heading=heading, roles=spec.roles, level=level), spec, filled, sum(counts))

        def build() -> Section:
            built = []
            for best, sub, filled, count in subs:
                text, _review = self.adapt(sub, best.hit)
                section = Section(heading=text.rstrip("。；;，,"), roles=spec.roles, level=level + 1,
                                  heading_source=self.source_ref(best.hit))
                built.append(self.finish(section, spec, filled, count, guide=False))
            section = Section(heading=heading, roles=spec.roles, subsections=tuple(built), level=level)
            if len(subs) < len(counts):
                section = replace(section, gap=f"范文中只找到 {len(subs)} 个相关分项（模板建议 {len(counts)} 个），"
                                            "其余请按写作提示补写。", guidance=spec.guidance,
                                            near_misses=tuple(self.draft(c) for c in self.near_misses(near)))
            return section
        return build

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

    # ---- choice ---------------------------------------------------------------------------
    def fill(self, roles: tuple[str, ...], n: int, hints: tuple[str, ...], place: str = "",
             alternatives: int | None = None) -> _Filled:
        """n chosen candidates for one section and per-chosen alternatives; `place` is opening/closing."""
        alternatives = self.alternatives if alternatives is None else alternatives
        pool, near = self.candidates(self.query(hints), roles, place)
        filled = _Filled([], [], near)
        self.extend(filled, pool, n, Counter(), place, alternatives)
        return filled

    def extend(self, filled: _Filled, pool: list[Candidate], n: int, in_section: Counter, place: str = "",
               alternatives: int | None = None, coherent: bool = False) -> None:
        """Choose up to n paragraphs in all (the paragraph following the last one in its precedent
        section is offered with a bonus; under a precedent's sub-heading — `coherent` — it is taken
        whenever it is on topic, since it was written to develop that heading); the alternatives are
        chosen later (choose_alternatives)."""
        alternatives = self.alternatives if alternatives is None else alternatives
        while len(filled.chosen) < n:
            if filled.chosen:
                self.offer_next(pool, filled.chosen[-1], place)
            after = filled.chosen[-1].hit if filled.chosen else None
            best = (self.take_next(pool, in_section, after) if coherent and after else None) \
                or self.take(pool, in_section, count=True, after=after)
            if best is None:
                break
            filled.chosen.append(best)
        filled.alternatives = [[] for _ in filled.chosen]
        filled.pool, filled.in_section = pool, in_section
        if alternatives and filled.chosen:
            self.waiting.append((filled, alternatives))

    def choose_alternatives(self) -> None:
        """Once every section has its drafts: each chosen paragraph's alternatives from its section's
        pool, sections in template order, one alternative per slot per round."""
        for filled, alternatives in self.waiting:
            for _ in range(alternatives):
                for slot in filled.alternatives:
                    best = self.take(filled.pool, filled.in_section, count=False)
                    if best:
                        slot.append(best)
        self.waiting = []

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
        if "讲话" not in self.template.match_doctypes:  # 各位代表！ belongs to a speech, not a 总结 or 方案
            body = passages.strip_salutation(body)
        text, review = self.adapt(body, hit)
        return DraftParagraph(text=text, source=self.source_ref(hit), precedent=hit.original or hit.text,
                              review=review, score=round(candidate.value, 4))

