"""Fusion of retrieval signals — pure functions over {row: score} maps.

`weighted` (default): each signal's scores are min–max normalised over the
candidate union (a row a signal did not retrieve counts as that signal's
minimum), then combined with weights. `rrf`: weighted reciprocal rank fusion,
kept for comparison — measured to be worse (see README, 检索融合).
"""

from __future__ import annotations

from typing import Mapping

DEFAULT_WEIGHTS = {"bm25_bigrams": 0.4, "bm25_words": 0.2, "dense": 0.4}


def minmax(scores: Mapping[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {row: (s - low) / span if span > 0 else 1.0 for row, s in scores.items()}


def weighted(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float]) -> dict[int, float]:
    """Σ weight × normalised score over the union of candidates."""
    fused: dict[int, float] = {}
    for name, scores in signals.items():
        w = weights.get(name, 0.0)
        if w == 0 or not scores:
            continue
        for row, s in minmax(scores).items():
            fused[row] = fused.get(row, 0.0) + w * s
    return fused


def rrf(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float], k: int = 60) -> dict[int, float]:
    """Weighted reciprocal rank fusion: Σ weight / (k + rank)."""
    fused: dict[int, float] = {}
    for name, scores in signals.items():
        w = weights.get(name, 0.0)
        ranked = sorted(scores, key=scores.get, reverse=True)
        for rank, row in enumerate(ranked, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return fused


def fuse(signals, weights=None, method: str = "weighted") -> dict[int, float]:
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    return rrf(signals, weights) if method == "rrf" else weighted(signals, weights)
