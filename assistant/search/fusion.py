"""Fusion of retrieval signals — pure functions over {row: score} maps.

Default (`zmnz`, chosen from measurements, see README 检索融合 and benchmarks/fusion_variants.py):

1. each signal's scores are z-scored over that signal's own candidates
   (z = (s − mean) / std), so a candidate that stands far above the rest of its list —
   a BM25 hit on rare names, say — keeps a large value, while a flat list stays small;
2. a row that a signal did not retrieve gets that signal's lowest candidate z;
3. fused = (Σ weight × z) × (number of signals that retrieved the row)  — CombMNZ:
   agreement between signals is rewarded. A signal with weight 0 still counts there;
4. the result is shifted so that the weakest candidate scores 0 (order unchanged; callers
   that divide by the top score get values in [0, 1]).

Weights default to dense 0.8, character-bigram BM25 0.2, word BM25 0 (it acts only
through the agreement count). Other methods, kept for comparison and for `--fusion`
overrides: `zsum` (z-scores without the agreement factor), `minmax` (the earlier default:
min–max normalised, missing = 0, weighted sum) and `rrf` (weighted reciprocal rank fusion).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping

DEFAULT_WEIGHTS = {"bm25_words": 0.0, "bm25_bigrams": 0.2, "dense": 0.8}
DEFAULT_METHOD = "zmnz"
METHODS = ("zmnz", "zsum", "minmax", "rrf")


def minmax(scores: Mapping[int, float]) -> dict[int, float]:
    """(s − min) / (max − min); every score 1.0 when they are all equal."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {row: (s - low) / span if span > 0 else 1.0 for row, s in scores.items()}


def zscore(scores: Mapping[int, float]) -> dict[int, float]:
    """(s − mean) / std (population std); every score 0.0 when they are all equal."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = math.fsum(values) / len(values)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    return {row: (s - mean) / std if std > 0 else 0.0 for row, s in scores.items()}


def weighted(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float],
             norm: str = "minmax", mnz: bool = False) -> dict[int, float]:
    """Σ weight × normalised score over the union of candidates (× number of signals with mnz).

    A row missing from a signal gets that signal's lowest normalised candidate score
    (0 for min–max). With `mnz` the sum is multiplied by how many signals retrieved the row.
    """
    normalise = zscore if norm == "zscore" else minmax
    union = set().union(*(s.keys() for s in signals.values())) if signals else set()
    fused = dict.fromkeys(union, 0.0)
    for name, scores in signals.items():
        w = weights.get(name, 0.0)
        if w == 0 or not scores:
            continue
        normed = normalise(scores)
        floor = min(normed.values()) if norm == "zscore" else 0.0
        for row in union:
            fused[row] += w * normed.get(row, floor)
    if mnz:
        counts = Counter(row for scores in signals.values() for row in scores)
        for row in union:
            fused[row] *= counts[row]
    return fused


def rrf(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float], k: int = 60) -> dict[int, float]:
    """Weighted reciprocal rank fusion: Σ weight / (k + rank)."""
    fused: dict[int, float] = {}
    for name, scores in signals.items():
        w = weights.get(name, 0.0)
        ranked = sorted(scores, key=lambda r: (-scores[r], r))
        for rank, row in enumerate(ranked, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return fused


def shift_to_zero(fused: dict[int, float]) -> dict[int, float]:
    """Subtract the lowest fused score: same order, scores ≥ 0, the weakest candidate at 0."""
    if not fused:
        return fused
    low = min(fused.values())
    return {row: s - low for row, s in fused.items()}


def fuse(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float] | None = None,
         method: str | None = None) -> dict[int, float]:
    """Fused score of every candidate row; `weights` override DEFAULT_WEIGHTS per signal."""
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    method = method or DEFAULT_METHOD
    if method in ("zmnz", "zsum"):
        return shift_to_zero(weighted(signals, weights, "zscore", mnz=method == "zmnz"))
    if method in ("minmax", "weighted"):  # "weighted": the earlier name of the min–max method
        return weighted(signals, weights, "minmax")
    if method == "rrf":
        return rrf(signals, weights)
    raise ValueError(f"未知的融合方法 {method!r}，可选：{', '.join(METHODS)}")
