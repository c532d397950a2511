"""What the composer knows about a precedent document and its neighbouring paragraphs, read once
per compose call through the index's `sql` (documents and paragraphs tables)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.compose import passages
from assistant.compose.slots import NATIONAL_ORG, admin_level
from assistant.compose.topics import PrecedentTopic, precedent_topic
from assistant.models import Hit

LEVEL_RANK = {"国": 5, "省": 4, "自治区": 4, "市": 3, "州": 3, "盟": 3, "县": 2, "区": 2, "旗": 2, "乡": 1, "镇": 1}


@dataclass(frozen=True)
class DocInfo:
    org: str | None  # issuing body, with its level where the text shows it (卫生局 → 市卫生局)
    year: int | None
    level: str | None  # 国 for central bodies, else the org's lowest level (省/市/县 …)
    doc_number: str
    topic: PrecedentTopic


@dataclass(frozen=True)
class Neighbour:
    """A body paragraph of a precedent (the one after a chosen paragraph)."""

    row: int
    idx: int
    text: str
    original: str
    heading_path: tuple[str, ...]
    role: str


def rank(level: str | None) -> int | None:
    return LEVEL_RANK.get(level) if level else None


def level_gap(source: str | None, user: str | None) -> int:
    """How many administrative levels the source stands above the user (0 if unknown or below)."""
    a, b = rank(source), rank(user)
    return max(0, a - b) if a is not None and b is not None else 0


class Precedents:
    """Per-document facts, cached for one compose call."""

    def __init__(self, index):
        self.index = index
        self._info: dict[str, DocInfo] = {}
        self._root: str | None = None

    def info(self, hit: Hit) -> DocInfo:
        if hit.doc_id not in self._info:
            found = self.index.document(hit.doc_id)
            fields = found[0] if found else {"org": hit.org, "date": hit.date, "year": None, "title": hit.title,
                                             "doc_number": ""}
            org, date, year, number = fields["org"], fields["date"], fields["year"], fields["doc_number"]
            title = fields["title"] or hit.title
            texts = [p["text"] for p in found[1] if not p["is_heading"]] if found else []
            org = passages.source_org(title, org or hit.org)
            if org and not re.search("[省市县区旗州]", org) and not NATIONAL_ORG.search(org):
                level = passages.dominant_level(texts)
                org = (level + org) if level else org
            level = "国" if org and NATIONAL_ORG.search(org) else (admin_level(org or "") or _title_level(title))
            self._info[hit.doc_id] = DocInfo(org, passages.year_of(date or hit.date, year, title), level,
                                             number or "", precedent_topic(title, org, texts))
        return self._info[hit.doc_id]

    def relpath(self, path: str) -> str:
        """The file relative to the indexed corpus root (the folder all indexed files share)."""
        if self._root is None:
            paths = self.index.path_of  # every row's file path (numpy, in memory)
            self._root = passages.corpus_root(min(paths), max(paths)) if len(paths) else ""
        return passages.relative_to(path, self._root)

    def following(self, hit: Hit, count: int) -> list[Neighbour]:
        """Up to `count` body paragraphs right after `hit` in the same precedent section."""
        idx = int(hit.para_id.rsplit("#", 1)[1])
        return [Neighbour(int(p["row"]), int(p["idx"]), p["text"], p["original"] or p["text"], p["heading_path"],
                          p["role"] or "") for p in self.index.following(hit.doc_id, idx, count, tuple(hit.heading_path))]


def _title_level(title: str) -> str | None:
    if re.search("国务院|中华人民共和国|全国|中共中央", title or ""):
        return "国"
    m = re.search(r"(省|自治区|市|县|区)", title or "")
    return m.group(1) if m else None
