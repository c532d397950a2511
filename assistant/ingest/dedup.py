"""Exact and near-duplicate detection for documents and paragraphs.

Web 范文 are copied endlessly, often with site chrome added or a few words
changed. We compare character k-gram shingles (Chinese has no spaces) of the
text with whitespace and punctuation removed:

* exact duplicates: equal sha1 of that canonical text;
* near duplicates: datasketch MinHash signatures, candidate pairs from
  MinHashLSH, each pair verified by its estimated Jaccard similarity, and
  groups formed by union-find (so near-duplication is transitive).

Everything here is a pure function of its input; group ids are derived from the
sorted member ids, so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH

PARAGRAPH_NUM_PERM = 64  # paragraphs are short; 64 permutations keep 200k fast


def _strip_pattern() -> re.Pattern[str]:
    """A character class of every whitespace and punctuation code point (BMP)."""
    chars = [
        chr(cp)
        for cp in range(0x10000)
        if chr(cp).isspace() or unicodedata.category(chr(cp))[0] in "PZ"
    ]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]+")


_STRIP_RE = _strip_pattern()  # constant, built once at import (~20 ms)


def canonical_text(text: str) -> str:
    """NFKC-normalised, case-folded text without whitespace and punctuation."""
    return _STRIP_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _shingles_of_canonical(canon: str, k: int) -> set[str]:
    if len(canon) <= k:
        return {canon} if canon else set()
    return {canon[i : i + k] for i in range(len(canon) - k + 1)}


def shingles(text: str, k: int = 3) -> set[str]:
    """Character k-grams of the canonical text (the whole text if shorter than k)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    return _shingles_of_canonical(canonical_text(text), k)


def _minhashes(canons: Iterable[str], num_perm: int, k: int = 3) -> list[MinHash]:
    """One MinHash per canonical text, via the bulk API (permutations set up once)."""
    encoded = ([s.encode("utf-8") for s in _shingles_of_canonical(c, k)] for c in canons)
    return MinHash.bulk(encoded, num_perm=num_perm)


def minhash(text: str, num_perm: int = 128) -> MinHash:
    """MinHash signature of the text's 3-gram shingles."""
    return _minhashes([canonical_text(text)], num_perm)[0]


@dataclass(frozen=True)
class DupGroup:
    """Documents that duplicate each other. `members[0]` is the representative
    (the longest text; the first seen on ties). `similarity` is the smallest
    estimated Jaccard similarity of a member to the representative."""

    group_id: str
    members: tuple[str, ...]
    kind: str  # "exact" | "near"
    similarity: float


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def components(self) -> list[list[int]]:
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return [members for members in groups.values() if len(members) >= 2]


def _group_id(prefix: str, keys: Iterable[str]) -> str:
    digest = hashlib.sha1("\n".join(sorted(keys)).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:12]}"


def _check_unique(keys: Sequence[str]) -> None:
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        dup = next(k for k in keys if k in seen or seen.add(k))
        raise ValueError(f"重复的编号：{dup}")


def _exact_classes(canons: Sequence[str]) -> list[int]:
    """For each item, the index of the first item with the same canonical text."""
    first: dict[bytes, int] = {}
    out = []
    for i, canon in enumerate(canons):
        digest = hashlib.sha1(canon.encode("utf-8")).digest()
        out.append(first.setdefault(digest, i))
    return out


def _link_near(
    uf: _UnionFind, items: Sequence[int], sigs: Sequence[MinHash], threshold: float, num_perm: int
) -> None:
    """Union items whose signatures LSH pairs up and whose estimated Jaccard >= threshold."""
    if len(items) < 2:
        return
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for pos, sig in enumerate(sigs):
            session.insert(pos, sig, check_duplication=False)
    matrix = np.vstack([sig.hashvalues for sig in sigs])
    for pos, sig in enumerate(sigs):
        for other in lsh.query(sig):
            if other <= pos or uf.find(items[pos]) == uf.find(items[other]):
                continue  # each pair once; pairs already linked need no check
            if np.count_nonzero(matrix[pos] == matrix[other]) / num_perm >= threshold:
                uf.union(items[pos], items[other])


def _near_candidates(canons: Sequence[str], exact: Sequence[int], min_chars: int) -> list[int]:
    """One index per distinct non-empty canonical text that is long enough."""
    return [i for i, c in enumerate(canons) if exact[i] == i and len(c) >= min_chars]


def _cluster(
    canons: Sequence[str], threshold: float, num_perm: int, min_chars: int
) -> tuple[_UnionFind, list[int], dict[int, MinHash]]:
    """Union-find over all items: exact classes joined, then near pairs linked."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    exact = _exact_classes(canons)
    uf = _UnionFind(len(canons))
    for i, rep in enumerate(exact):
        if canons[i]:
            uf.union(i, rep)
    items = _near_candidates(canons, exact, max(min_chars, 1))
    sigs = _minhashes((canons[i] for i in items), num_perm)
    _link_near(uf, items, sigs, threshold, num_perm)
    return uf, exact, dict(zip(items, sigs))


def _doc_group(
    members: list[int], ids: Sequence[str], canons: Sequence[str],
    exact: Sequence[int], sigs: Mapping[int, MinHash],
) -> DupGroup:
    rep = max(members, key=lambda i: (len(canons[i]), -i))
    ordered = [rep] + [i for i in members if i != rep]
    sims = [
        1.0 if exact[i] == exact[rep] else sigs[exact[rep]].jaccard(sigs[exact[i]])
        for i in ordered[1:]
    ]
    kind = "exact" if len({exact[i] for i in members}) == 1 else "near"
    keys = [ids[i] for i in ordered]
    return DupGroup(_group_id("dup", keys), tuple(keys), kind, round(min(sims), 4))


def find_duplicate_documents(
    docs: Sequence[tuple[str, str]], threshold: float = 0.8, num_perm: int = 128
) -> list[DupGroup]:
    """Groups (size >= 2) of exact or near-duplicate documents.

    `docs` are (doc_id, text) pairs; ids must be unique. Texts that are empty
    after removing whitespace and punctuation are never grouped. Groups are
    returned in the input order of their first member.
    """
    ids = [doc_id for doc_id, _ in docs]
    _check_unique(ids)
    canons = [canonical_text(text) for _, text in docs]
    uf, exact, sigs = _cluster(canons, threshold, num_perm, min_chars=1)
    return [_doc_group(m, ids, canons, exact, sigs) for m in uf.components()]


def near_duplicate_paragraphs(
    paragraphs: Sequence[tuple[str, str]],
    threshold: float = 0.8,
    min_chars: int = 20,
    num_perm: int = PARAGRAPH_NUM_PERM,
) -> dict[str, str]:
    """Map paragraph key → group id for every paragraph in a group of >= 2.

    Paragraphs whose canonical text is shorter than `min_chars` are grouped only
    with exact copies (short stock phrases are too similar to mean anything).
    """
    keys = [key for key, _ in paragraphs]
    _check_unique(keys)
    canons = [canonical_text(text) for _, text in paragraphs]
    uf, _, _ = _cluster(canons, threshold, num_perm, min_chars)
    out: dict[str, str] = {}
    for members in uf.components():
        gid = _group_id("para", (keys[i] for i in members))
        out.update((keys[i], gid) for i in members)
    return out


def format_groups(groups: Sequence[DupGroup], titles: Mapping[str, str]) -> str:
    """A Chinese, human-readable listing of duplicate groups."""
    if not groups:
        return "未发现重复文档。"
    lines = []
    for n, group in enumerate(groups, 1):
        if group.kind == "exact":
            label = "完全相同"
        else:
            label = f"近似重复，最低相似度 {group.similarity:.2f}"
        lines.append(f"重复组 {n}（{label}，{len(group.members)} 篇）：")
        for pos, doc_id in enumerate(group.members):
            title = titles.get(doc_id) or "（无标题）"
            mark = "［保留］" if pos == 0 else "［重复］"
            lines.append(f"  {mark} {title}（{doc_id}）")
    return "\n".join(lines)
