"""Query parsing (quoted phrases, 发文字号, 《title》) and highlight offsets — pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.meta import DOC_NUMBER_RE, normalise_doc_number
from assistant.ingest.script import to_simplified

_PHRASE = re.compile(r'"([^"]{1,80})"|“([^”]{1,80})”|「([^」]{1,80})」')
_BOOK = re.compile(r"《([^《》]{2,80})》")


@dataclass(frozen=True)
class Query:
    raw: str
    text: str  # simplified query text used for scoring
    phrases: tuple[str, ...] = ()
    doc_numbers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()


def parse_query(raw: str) -> Query:
    """Split a query into scoring text and exact constraints."""
    text = to_simplified(raw.strip())
    phrases = tuple(next(g for g in m.groups() if g).strip() for m in _PHRASE.finditer(text))
    numbers = tuple(normalise_doc_number(m) for m in DOC_NUMBER_RE.finditer(text))
    titles = tuple(m.group(1).strip() for m in _BOOK.finditer(text))
    scoring = _PHRASE.sub(lambda m: " " + next(g for g in m.groups() if g) + " ", text)
    return Query(raw, re.sub(r"\s+", " ", scoring).strip(), tuple(p for p in phrases if p), numbers, titles)


def role_of_query(text: str) -> str | None:
    """The section role a query names (下一步打算, 存在的问题, 保障措施 …), or None."""
    from assistant.ingest.roles import role_of_heading

    return role_of_heading(text, None)


def no_hits_hint(raw: str) -> str:
    """What to tell a user whose query found nothing: quoted phrases are exact constraints."""
    phrases = parse_query(raw).phrases
    if not phrases:
        return "可以换个说法，或放宽筛选条件。"
    quoted = "、".join(f"“{p}”" for p in phrases)
    return f"引号内的{quoted}要求原文逐字出现；去掉引号即按词语和语义检索。"


def highlight_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) offsets of every occurrence of any term (longest first) in text."""
    spans = []
    for term in sorted({t for t in terms if t and t.strip()}, key=len, reverse=True):
        start = text.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
