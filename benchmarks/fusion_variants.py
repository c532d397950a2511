"""Compare fusion methods on the evaluation sets (dev = even queries, test = odd), from cached candidates.

    .venv/bin/python benchmarks/fusion_variants.py [--limit N]

Run `gongwen eval` first (it builds the evaluation indexes under benchmarks/out/eval).
"""

import argparse
import json
import math
from pathlib import Path

from assistant.config import settings_from_env
from assistant.search import evaluate as ev, fusion
from assistant.search.engine import open_index

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def zscore(scores):
    if not scores:
        return {}
    values = list(scores.values())
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
    return {r: (s - mean) / std for r, s in scores.items()}


def by_max(scores):
    top = max(scores.values(), default=0) or 1.0
    return {r: s / top for r, s in scores.items()}


def combine(signals, weights, norm, missing=0.0):
    fused = {}
    for name, scores in signals.items():
        normed = norm(scores)
        floor = min(normed.values(), default=0.0) if missing == "min" else missing
        for r in set().union(*[s.keys() for s in signals.values()]):
            fused[r] = fused.get(r, 0.0) + weights[name] * normed.get(r, floor)
    return fused


VARIANTS = {
    "minmax": lambda s, w: fusion.weighted(s, w),
    "max": lambda s, w: combine(s, w, by_max),
    "zscore": lambda s, w: combine(s, w, zscore, "min"),
    "rrf60": lambda s, w: fusion.rrf(s, w, 60),
    "rrf20": lambda s, w: fusion.rrf(s, w, 20),
}


def score(eval_set, ids, queries, cands, fn, weights):
    total = 0.0
    for (_q, _t, relevant), per in zip(queries, cands):
        fused = fn(per, weights)
        rows = sorted(fused, key=lambda r: (-fused[r], r))[:50]
        ranked = list(dict.fromkeys(ids[r][0] if eval_set.unit == "doc" else ids[r][1] for r in rows))
        total += ev.metrics(ranked, relevant)["MRR@10"]
    return total / max(len(queries), 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    settings = settings_from_env()
    work = ROOT / "benchmarks/out/eval"
    for name, build in (("cmrc", ev.cmrc_set), ("headings", ev.heading_set)):
        eval_set = build(SHARED, work / name, args.limit)
        index = open_index(work / name / "index", settings)
        ids = index.row_ids()
        dev, test = eval_set.queries[0::2], eval_set.queries[1::2]
        dev_c, test_c = ev.collect_signals(index, dev), ev.collect_signals(index, test)
        for variant, fn in VARIANTS.items():
            best = max(ev.WEIGHT_GRID, key=lambda w: score(eval_set, ids, dev, dev_c, fn, w))
            print(json.dumps({"set": name, "variant": variant, "weights": best,
                              "dev": round(score(eval_set, ids, dev, dev_c, fn, best), 4),
                              "test": round(score(eval_set, ids, test, test_c, fn, best), 4),
                              "test_default": round(score(eval_set, ids, test, test_c, fn, fusion.DEFAULT_WEIGHTS), 4)},
                             ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
