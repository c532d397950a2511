"""Fusion of retrieval signals — pure functions over {row: score} maps.

Paragraph-level fusion (`zmnz`, the last round's default; README 检索融合):

1. each signal's scores are rescaled over that signal's own candidates as
   (s − lowest) / standard deviation — like min–max, but divided by the spread of the whole
   list instead of its range, so a candidate that stands far above the rest of its list (a BM25
   hit on rare names, say) keeps a large value while a flat list stays small (dense cosines
   are divided by at least 0.02, STD_FLOOR);
2. a row that a signal did not retrieve gets 0 from it (the level of its weakest candidate);
3. fused = (Σ weight × scaled score) × (number of signals that retrieved the row) — CombMNZ:
   agreement between signals is rewarded. A signal with weight 0 still counts there.
All values are ≥ 0, so callers that divide by the top score get values in [0, 1].

The engine's default ranking builds on these scalings with evidence at three levels
(assistant.search.levels); `fuse` is the paragraph-only fusion kept for explicit methods, the
composer's per-slot lexical search and the evaluation's baselines.

Weights default to dense 0.8, character-bigram BM25 0.2, word BM25 0 (it acts only
through the agreement count). Other methods, kept for comparison and for overrides:
`zsum` (the same scaling without the agreement factor), `minmax` (the earlier default:
min–max normalised, missing = 0, weighted sum) and `rrf` (weighted reciprocal rank fusion).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping

DEFAULT_WEIGHTS = {"bm25_words": 0.0, "bm25_bigrams": 0.2, "dense": 0.8}
DEFAULT_METHOD = "zmnz"
METHODS = ("zmnz", "zsum", "minmax", "rrf")
# Smallest spread a signal's candidate list is scaled by. Cosines of m3e-small differ by a few
# thousandths between near-identical paragraphs; without a floor a list of 90 copies at 0.8075
# and 10 at 0.8025 scales that 0.005 gap to 3.5 units (seen with a word-salad file in the
# hostile-input test). BM25 scores have no fixed scale, so they get no floor.
STD_FLOOR = {"dense": 0.02}


def minmax(scores: Mapping[int, float]) -> dict[int, float]:
    """(s − min) / (max − min); every score 1.0 when they are all equal."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {row: (s - low) / span if span > 0 else 1.0 for row, s in scores.items()}


def zscale(scores: Mapping[int, float], floor: float = 0.0) -> dict[int, float]:
    """(s − min) / max(std, floor) (population std); all 0.0 when that divisor is 0."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = math.fsum(values) / len(values)
    spread = max(math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)), floor)
    low = min(values)
    return {row: (s - low) / spread if spread > 0 else 0.0 for row, s in scores.items()}


def weighted(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float],
             norm: str = "minmax", mnz: bool = False) -> dict[int, float]:
    """Σ weight × normalised score over the union of candidates (× number of signals with `mnz`).

    `norm` is "minmax" or "zscale"; a row missing from a signal gets 0 from it.
    """
    fused: dict[int, float] = {}
    for name, scores in signals.items():
        w = weights.get(name, 0.0)
        normed = zscale(scores, STD_FLOOR.get(name, 0.0)) if norm == "zscale" else minmax(scores)
        for row, s in normed.items():
            fused[row] = fused.get(row, 0.0) + w * s
    if mnz:
        counts = Counter(row for scores in signals.values() for row in scores)
        fused = {row: s * counts[row] for row, s in fused.items()}
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


def fuse(signals: Mapping[str, Mapping[int, float]], weights: Mapping[str, float] | None = None,
         method: str | None = None) -> dict[int, float]:
    """Fused score of every candidate row; `weights` override DEFAULT_WEIGHTS per signal."""
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    method = method or DEFAULT_METHOD
    if method in ("zmnz", "zsum"):
        return weighted(signals, weights, "zscale", mnz=method == "zmnz")
    if method in ("minmax", "weighted"):  # "weighted": the earlier name of the min–max method
        return weighted(signals, weights, "minmax")
    if method == "rrf":
        return rrf(signals, weights)
    raise ValueError(f"未知的融合方法 {method!r}，可选：{', '.join(METHODS)}")
