"""What one compose call has used, and how close a paragraph is to the topic: the shared
bookkeeping behind the composer's choice (near-duplicates count as the same paragraph)."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from assistant.models import Hit

COS_FLOOR = 0.55  # m3e cosines of related Chinese text lie in ~0.55–0.85
FLOOR_SAMPLE, FLOOR_MARGIN = 256, 0.01


class Pool:
    """Used paragraphs (ids, near-duplicate groups, text hashes) and the topic's similarity."""

    def __init__(self, index, topic_query: str):
        self.index, self.topic_query = index, topic_query
        self.used_ids: set[str] = set()
        self.used_groups: set[str] = set()
        self._topic_vec = None
        self._floor: float | None = None

    def group(self, hit: Hit) -> str:
        """Near-duplicate group (index) or, failing that, the normalised text's hash."""
        if 0 <= hit.row < len(self.index.dup_of) and self.index.dup_of[hit.row]:
            return str(self.index.dup_of[hit.row])
        return _text_key(hit.text)

    def is_used(self, hit: Hit, group: str) -> bool:
        return (hit.para_id in self.used_ids or group in self.used_groups or _text_key(hit.text) in self.used_groups
                or any(s.get("para_id") in self.used_ids for s in hit.similar))

    def claim(self, candidate) -> None:
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


def _text_key(text: str) -> str:
    return "text:" + hashlib.sha1(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


def paragraph_vectors(index: SearchIndex, rows: list[int]) -> np.ndarray | None:
    """Stored unit vectors of index rows (None if the vector store cannot return them)."""
    return index.row_vectors(rows)
