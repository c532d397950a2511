"""Where a section's candidates come from: two searches through the index's `search`, filtered by
the section's roles and their kindred roles (KINDRED_ROLES, ranked lower by ROLE_PENALTY).

BM25 (words + bigrams) with topic + keywords + the section's hint words, and dense retrieval with
the topic + keywords alone — one query embedding per outline, so composing stays fast on a busy
CPU. Same-文种 documents and all documents are both searched: the 文种 is a preference among about
equally topical candidates, not a filter. Paragraphs less similar to the topic than an average
indexed paragraph are set aside as near misses (an empty section beats an unrelated one). Fragments,
list lead-ins, 版记, statute provisions (passages.is_provision) and — except in a closing
(今后/让我们/同志们…) — closing formulas are never used."""

from __future__ import annotations

import re

from assistant.compose import passages
from assistant.compose.choice import ROLE_PENALTY, Candidate, Chooser, Found, neighbour_hit
from assistant.ingest.roles import is_closing
from assistant.models import Hit
from assistant.search.engine import Filters

K = 30
# over a third of a short topic's plain hits are statute articles, more are fragments — never used in a draft
# (benchmarks/compose_bench.py: 59 of 153 top hits are provisions): twice the dense pool keeps as many
# usable ones (240 chose the same paragraphs as 120)
DENSE_K = 120
LEXICAL = ("bm25_words", "bm25_bigrams")
# Topic first: a section also draws on paragraphs of kindred roles (a 方案's 主要任务 reads like a
# 总结's 主要做法; untitled 正文 of a 通知 sets out tasks), ranked below its own roles by ROLE_PENALTY.
KINDRED_ROLES = {
    "主要做法": ("主要任务", "成效", "正文"), "主要任务": ("主要做法", "下一步打算", "正文"),
    "下一步打算": ("主要任务", "正文"), "保障措施": ("工作要求", "正文"), "工作要求": ("保障措施", "正文"),
    "成效": ("主要做法",), "指导思想": ("背景意义",), "背景意义": ("指导思想",), "存在问题": ("原因分析",),
    "原因分析": ("存在问题",), "实施步骤": ("工作要求",), "开头": ("背景意义",), "正文": ("主要任务", "主要做法"),
}
_CLOSING_CUE = re.compile(r"^(今后|总之|同志们|让我们|各位代表|我们将|我们要|下一步)")


class Retriever(Chooser):
    """The retrieval half of one compose call; needs `topic`, `keywords` and `template`."""

    topic = ""
    keywords: tuple[str, ...] = ()

    def query(self, hints: tuple[str, ...]) -> str:
        # BM25 adds a repeated term again: the topic counts twice, so the hint words shape the
        # section's wording without outweighing what the document is about
        return " ".join((self.topic, self.topic, *self.keywords, *(h for h in hints if h not in self.topic)))

    def candidates(self, query: str, roles: tuple[str, ...], place: str) -> tuple[list[Candidate], list[Candidate]]:
        """(usable candidates on topic, usable ones below the off-topic floor)."""
        preferred = self.template.match_doctypes
        wide = tuple(dict.fromkeys((*roles, *(k for r in roles for k in KINDRED_ROLES.get(r, ())))))
        # the template's 文种 is a preference among about equally topical candidates (choice.py), not a
        # filter: searched on its own so its paragraphs are there, and all documents always searched too
        found = self.search(query, Filters(doctype=preferred, role=wide)) if preferred else []
        seen = {f.hit.para_id for f in found}
        found += [f for f in self.search(query, Filters(role=wide)) if f.hit.para_id not in seen]
        found = [f for f in found if self.usable(f.hit, place)]
        cosines = self.topic_similarity([f.hit for f in found])
        floor = self.off_topic_floor()
        pool = [Candidate(f.hit, self.value(f, cos, place) - ROLE_PENALTY * (f.hit.role not in roles),
                          self.group(f.hit), cos) for f, cos in zip(found, cosines)]
        return [c for c in pool if c.cos >= floor], [c for c in pool if c.cos < floor]

    def search(self, query: str, filters: Filters) -> list[Found]:
        """BM25 hits for the section query, then dense hits for the topic that BM25 missed."""
        # no section context here: paragraphs are picked one by one per outline slot, and with it the
        # chosen paragraphs' topic cosine fell 0.704 → 0.699 (benchmarks/compose_bench.py)
        lexical = self.index.search(query, k=K, filters=filters, signals=LEXICAL, section=0)
        top = max((h.score for h in lexical), default=0.0) or 1.0
        found = {h.para_id: Found(h, h.score / top) for h in lexical}
        for hit in self.index.search(self.topic_query, k=DENSE_K, filters=filters, signals=("dense",)):
            found.setdefault(hit.para_id, Found(hit, 0.0))
        return list(found.values())

    def offer_next(self, pool: list[Candidate], last: Candidate, place: str) -> None:
        """Add the paragraph after `last` in its precedent section to the pool, if on topic."""
        for n in self.precedents.following(last.hit, 1):
            hit = neighbour_hit(last.hit, n)
            if any(c.hit.para_id == hit.para_id for c in pool) or not self.usable(hit, place):
                continue
            cos = self.topic_similarity([hit])[0]
            if cos >= self.off_topic_floor():
                pool.append(Candidate(hit, self.value(Found(hit, 0.0), cos, place), self.group(hit), cos))

    def usable(self, hit: Hit, place: str) -> bool:
        """Draft material for this place: no fragment, no statute provision (unless the template is of
        that 文种); closing formulas and calls to action only at the end."""
        if not passages.is_draft_material(hit.text, hit.doctype, place == "opening", self.template.match_doctypes):
            return False
        if place == "closing":
            if not (_CLOSING_CUE.search(hit.text) or is_closing(hit.text)):
                return False
        elif is_closing(hit.text):
            return False
        return not self.is_used(hit, self.group(hit))
