"""Which candidate fills a draft slot: topic first, everything else only among near-equals.

A candidate's topic similarity is the cosine between the topic (+ keywords) and its stored vector.
Within one slot the candidates that the section's roles allow (its own roles and their kindred
roles) are ranked by that similarity first: only those within TOPIC_TOLERANCE of the most topical
free candidate are eligible, and among them the preference value decides —

    0.1 × lexical score (normalised) + 2 × topic similarity (dense cosine, rescaled)
    + 0.15 if the source is of the template's 文种 + 0.1 for an opening-like start (为/根据/今年以来)
    − 0.02 per number in the text (capped at 0.2: figures must all be replaced anyway)
    − 0.05 for a kindred role − 0.1 per administrative level beyond one above the user's
    − 0.25 per paragraph already chosen from the same document in this section
    − 0.05 per paragraph chosen from it elsewhere in the outline
    − 0.2 if the source speaks for another level than most paragraphs chosen so far
    + 0.6 for the paragraph that follows the last chosen one in its precedent section.

So coherence (the next paragraph of the same precedent section), the template's 文种, one
administrative level and document diversity choose between paragraphs that are about equally on
topic, and never trade topicality away beyond the tolerance. (Before, they were added to the
similarity on one scale: a follow-on paragraph 0.09 cosine less topical still won, and the chosen
paragraphs' mean topic cosine was 0.731 against 0.792 for plain top search hits.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from assistant.compose import passages
from assistant.compose.pool import COS_FLOOR, Pool
from assistant.compose.precedents import Neighbour, level_gap
from assistant.compose.substructure import subheading
from assistant.models import Hit

# chosen on the tuning half of benchmarks/compose_bench.py (even positions), see README 起草
TOPIC_TOLERANCE = 0.01
LEXICAL_WEIGHT, TOPIC_WEIGHT = 0.1, 2.0
CONSECUTIVE_BONUS = 0.6  # the paragraph that follows the last chosen one in its precedent section
LEVEL_PENALTY = 0.1  # per administrative level beyond one above the user's (a county draft, a provincial source)
LEVEL_MIX_PENALTY = 0.2  # a source of another level than most paragraphs chosen so far: one level per draft
SUB_DOC_PENALTY = 0.1  # per sub-section of this section already headed from the same precedent
SECTION_DOC_PENALTY = 0.25
OUTLINE_DOC_PENALTY = 0.05
ROLE_PENALTY = 0.05
SAME_DOCTYPE_BONUS = 0.15
OPENING_BONUS = 0.1
NUMBER_PENALTY, NUMBER_PENALTY_CAP = 0.02, 0.2
COS_SPAN = 0.3  # similarity rescaled over COS_FLOOR … COS_FLOOR + COS_SPAN
NEAR_MISSES = 3
_OPENING_CUE = re.compile(r"^(为了?|根据|按照|依据|今年以来|近年来|一年来|年初以来|[^。]{0,12}以来|自[^。]{0,12}(开展|启动)|在[^。]{0,30}(领导|部署)下)")


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    value: float
    group: str
    cos: float = 0.0


@dataclass(frozen=True)
class Found:
    hit: Hit
    lexical: float  # 0–1, the BM25 search's fused score over its best; 0 if only dense found it


def topic_first(free: Iterable[Candidate], preference: Callable[[Candidate], float],
                tolerance: float | None = None) -> Candidate | None:
    """The preferred candidate among those within `tolerance` of the most topical one (None if none)."""
    free = list(free)
    if not free:
        return None
    tolerance = TOPIC_TOLERANCE if tolerance is None else tolerance
    best = max(c.cos for c in free)
    eligible = [c for c in free if c.cos >= best - tolerance]
    return max(eligible, key=lambda c: (preference(c), c.cos))


def follows(before: Hit | None, hit: Hit) -> bool:
    """`hit` is the paragraph right after `before` in the same precedent section."""
    if before is None or before.doc_id != hit.doc_id or tuple(before.heading_path) != tuple(hit.heading_path):
        return False
    return int(hit.para_id.rsplit("#", 1)[1]) == int(before.para_id.rsplit("#", 1)[1]) + 1


def neighbour_hit(base: Hit, n: Neighbour) -> Hit:
    return Hit(doc_id=base.doc_id, para_id=f"{base.doc_id}#{n.idx}", score=0.0, title=base.title,
               heading_path=n.heading_path, role=n.role, text=n.text, original=n.original, source=base.source,
               doctype=base.doctype, org=base.org, date=base.date, row=n.row)


class Chooser(Pool):
    """The choice half of one compose call; needs `template`, `precedents`, `user_level` and the
    use counters `doc_uses` / `level_uses` set by the subclass."""

    template = None
    precedents = None
    user_level: str | None = None

    def value(self, found: Found, cos: float, place: str) -> float:
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
        """The most topical free candidate (preferences among near-equals); it is marked used at once."""
        best = topic_first((c for c in pool if not self.is_used(c.hit, c.group)),
                           lambda c: c.value - SECTION_DOC_PENALTY * in_section[c.hit.doc_id]
                           - OUTLINE_DOC_PENALTY * self.doc_uses[c.hit.doc_id]
                           + CONSECUTIVE_BONUS * follows(after, c.hit) - LEVEL_MIX_PENALTY * self.other_level(c.hit))
        return self.use(best, in_section, count)

    def take_next(self, pool: list[Candidate], in_section: Counter, after: Hit) -> Candidate | None:
        """The free pool candidate that follows `after` in its precedent section, if any (pool
        candidates are all on topic); it is marked used at once."""
        return self.use(next((c for c in pool if follows(after, c.hit) and not self.is_used(c.hit, c.group)), None),
                        in_section, count=True)

    def use(self, best: Candidate | None, in_section: Counter, count: bool) -> Candidate | None:
        """Mark a taken candidate used: claimed, counted in its section and (drafts, not alternatives) in the outline."""
        if best is not None:
            self.claim(best)
            in_section[best.hit.doc_id] += 1
            if count:
                self.count_use(best.hit)
        return best

    def best_headed(self, pool: list[Candidate], heads: Counter, seen: set[str]) -> Candidate | None:
        """The most topical free candidate under a new precedent sub-heading (preferences among near-equals)."""
        free = (c for c in pool if not self.is_used(c.hit, c.group)
                and subheading(tuple(c.hit.heading_path)) not in (None, *seen))
        return topic_first(free, lambda c: c.value - SUB_DOC_PENALTY * heads[c.hit.doc_id]
                           - OUTLINE_DOC_PENALTY * self.doc_uses[c.hit.doc_id] - LEVEL_MIX_PENALTY * self.other_level(c.hit))

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
