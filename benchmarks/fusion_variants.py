"""Compare fusion designs on the evaluation sets: choose on dev (even queries), report test (odd).

    .venv/bin/python benchmarks/fusion_variants.py [--depths 50,100,200]

Run `gongwen eval` first: it builds the evaluation indexes under benchmarks/out/eval.
The first run caches, per query, every signal's exact score for the union of each signal's
top-300 rows (plus, for the heading set, every row of the heading's own report) in
benchmarks/out/eval/<set>/candidates.npz (numpy arrays, no pickle); later runs read it.

Normalisations: "zscore" is (s − mean) / std with missing rows at the list's lowest z;
"zmin" is (s − min) / max(std, floor) with missing rows at 0 — the default's (fusion.zscale).

Scopes: cmrc (whole index), headings-report (the heading's own report only — the well-posed
form of the heading set), headings-corpus (all reports; judgements incomplete, see
assistant/search/evaluate.py). Variants: normalisation (min–max, z-score, divide-by-max,
rank → RRF k=5/20/60), missing rows at the floor or filled with the signal's exact score,
weighted sum or CombMNZ, per-signal candidate depth, and a 0.1-step weight grid.
A design is picked by its worst dev margin over the best single signal on cmrc and
headings-report; test margins are printed for all three scopes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from assistant.config import settings_from_env
from assistant.search import evaluate as ev, fusion
from assistant.search.engine import open_index
from assistant.search.query import parse_query
from assistant.search.tokenize import char_bigrams

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WORK = ROOT / "benchmarks/out/eval"
POOL = 300  # per-signal rows cached; depth ≤ POOL
GRID = [np.array((a / 10, b / 10, (10 - a - b) / 10)) for a in range(11) for b in range(11 - a)]


# ---- candidate cache ------------------------------------------------------------------------------
def build_cache(name: str, eval_set, path: Path) -> None:
    index = open_index(WORK / name / "index", settings_from_env())
    ids = index.row_ids()
    doc_rows: dict[str, list[int]] = {}
    for row, (doc_id, _para) in enumerate(ids):
        doc_rows.setdefault(doc_id, []).append(row)
    vectors = index.vectors._stored(np.arange(index.n))
    rows_out, scores_out, offsets, masks = [], [], [0], []
    started = time.perf_counter()
    for qid, query, _rel in eval_set.queries:
        q = parse_query(query)
        phrase_mask = index._mask(None, q)
        words = index.bm25_words.scores(index.tokenizer.words(q.text))
        bigrams = index.bm25_bigrams.scores(char_bigrams(q.text))
        dense = vectors @ index.embedder.encode_query(q.text).reshape(-1)
        keep = np.ones(index.n, dtype=bool) if phrase_mask is None else phrase_mask
        union: set[int] = set()
        for arr in (words, bigrams, dense):
            masked = np.where(keep, arr, -np.inf)
            union.update(np.argpartition(-masked, min(POOL, index.n - 1))[:POOL].tolist())
        if eval_set.scopes != ("corpus",):
            union.update(doc_rows.get(qid.split(":")[0], []))
        u = np.array(sorted(r for r in union if keep[r]), dtype=np.int32)
        rows_out.append(u)
        scores_out.append(np.stack([words[u], bigrams[u], dense[u]], 1).astype(np.float32))
        offsets.append(offsets[-1] + len(u))
    np.savez(path, rows=np.concatenate(rows_out), scores=np.concatenate(scores_out), offsets=np.array(offsets),
             docs=np.array([d for d, _ in ids]), keys=np.array([d if eval_set.unit == "doc" else p for d, p in ids]))
    print(f"# cached {name}: {len(eval_set.queries)} queries in {time.perf_counter() - started:.0f} s", file=sys.stderr)


class Cached:
    def __init__(self, name: str, eval_set):
        path = WORK / name / "candidates.npz"
        if not path.exists():
            build_cache(name, eval_set, path)
        z = np.load(path, allow_pickle=False)
        self.rows, self.scores, self.offsets = z["rows"], z["scores"], z["offsets"]
        self.docs, self.keys = z["docs"].tolist(), z["keys"].tolist()
        self.queries = eval_set.queries
        if len(self.offsets) != len(self.queries) + 1:
            raise SystemExit(f"{path} 与评测集不一致，请删除后重跑")

    def query(self, i: int, scope: str):
        rows, scores = self.rows[self.offsets[i]:self.offsets[i + 1]], self.scores[self.offsets[i]:self.offsets[i + 1]]
        if scope == "report":
            own = self.queries[i][0].split(":")[0]
            keep = np.array([self.docs[r] == own for r in rows], dtype=bool)
            rows, scores = rows[keep], scores[keep]
        return rows, scores


# ---- normalised candidate matrices ---------------------------------------------------------------
def prepare(data: Cached, qidx, scope: str, depth: int, norm: str, fill: bool):
    """Per query: rows of the candidate union, (rows × 3) normalised scores, (rows × 3) retrieved flags."""
    out = []
    for i in qidx:
        rows, sc = data.query(i, scope)
        got = np.zeros(sc.shape, dtype=bool)
        for j in range(3):
            ok = np.flatnonzero(sc[:, j] > 0) if j < 2 else np.arange(len(rows))  # BM25 keeps score > 0
            ok = ok[np.lexsort((rows[ok], -sc[ok, j]))][:depth]
            got[ok, j] = True
        union = got.any(1)
        rows, sc, got = rows[union], sc[union].astype(np.float64), got[union]
        m = np.zeros(sc.shape)
        for j in range(3):
            c = got[:, j]
            if not c.any():
                m[:, j] = np.nan if norm == "rank" else 0.0
                continue
            s, vals = sc[:, j], sc[c, j]
            if norm == "rank":
                r = np.full(len(s), np.nan)
                idx = np.flatnonzero(c)
                r[idx[np.lexsort((rows[idx], -s[idx]))]] = np.arange(1, len(idx) + 1)
                m[:, j] = r
                continue
            low, span = {"minmax": (vals.min(), vals.max() - vals.min()), "zscore": (vals.mean(), vals.std()),
                         "zmin": (vals.min(), max(vals.std(), fusion.STD_FLOOR.get(ev.SIGNALS[j], 0.0))),
                         "max": (0.0, vals.max())}[norm]
            v = (s - low) / (span or 1.0)
            floor = 0.0 if norm in ("minmax", "zmin") else v[c].min()
            m[:, j] = v if fill else np.where(c, v, floor)
        out.append((rows, m, got, data.queries[i][2]))
    return out


def mrr(prepared, keys, fuse) -> float:
    total = 0.0
    for rows, m, got, relevant in prepared:
        f = fuse(m, got)
        seen: list[str] = []
        for t in np.lexsort((rows, -f))[:50]:
            if not np.isfinite(f[t]):
                break
            key = keys[rows[t]]
            if key not in seen:
                seen.append(key)
                if key in relevant:
                    total += 1 / len(seen)
                    break
                if len(seen) == 10:
                    break
    return total / max(len(prepared), 1)


def combiner(kind: str, w):
    if kind == "sum":
        return lambda m, got: m @ w
    if kind.startswith("single"):  # one signal alone: only the rows it retrieved, as the engine ranks them
        j = int(kind[6:])
        return lambda m, got: np.where(got[:, j], m[:, j], -np.inf)
    if kind == "mnz":
        return lambda m, got: (m @ w) * got.sum(1)
    k = int(kind[3:])  # rrfK over rank matrices
    return lambda m, got: np.where(got, w / (k + np.nan_to_num(m, nan=1e9)), 0.0).sum(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", default="50,100,200")
    args = parser.parse_args()
    started = time.perf_counter()
    cmrc = Cached("cmrc", ev.cmrc_set(SHARED, WORK / "cmrc"))
    heads = Cached("headings", ev.heading_set(SHARED, WORK / "headings"))
    scopes = {"cmrc": (cmrc, "corpus"), "headings-report": (heads, "report"), "headings-corpus": (heads, "corpus")}
    halves = {name: (range(0, len(d.queries), 2), range(1, len(d.queries), 2)) for name, (d, _s) in scopes.items()}
    designs = [("minmax", False, "sum"), ("minmax", True, "sum"), ("minmax", False, "mnz"),
               ("zscore", False, "sum"), ("zscore", True, "sum"), ("zscore", False, "mnz"), ("zscore", True, "mnz"),
               ("zmin", False, "mnz"),
               ("max", False, "sum"), ("rank", False, "rrf60"), ("rank", False, "rrf20"), ("rank", False, "rrf5")]
    best_overall = None
    for depth in map(int, args.depths.split(",")):
        cache = {}
        for norm, fill, kind in designs:
            if (norm, fill) not in cache:
                cache[norm, fill] = {name: tuple(prepare(d, h, scope, depth, norm, fill) for h in halves[name])
                                     for name, (d, scope) in scopes.items()}
            prepared = cache[norm, fill]
            if (norm, fill) == ("minmax", False):  # single signals: order does not depend on normalisation
                single = {name: [max(mrr(p, scopes[name][0].keys, combiner(f"single{j}", None)) for j in range(3))
                                 for p in prepared[name]] for name in scopes}
            scored = []
            for w in GRID:
                dev = {name: mrr(prepared[name][0], scopes[name][0].keys, combiner(kind, w)) - single[name][0]
                       for name in ("cmrc", "headings-report")}
                scored.append((min(dev.values()), tuple(w), dev))
            worst, w, dev = max(scored)
            test = {name: round(mrr(prepared[name][1], scopes[name][0].keys, combiner(kind, np.array(w)))
                                - single[name][1], 4) for name in scopes}
            line = {"depth": depth, "norm": norm, "fill_missing": fill, "combine": kind,
                    "weights(words,bigrams,dense)": [round(x, 1) for x in w],
                    "dev_margin": {k: round(v, 4) for k, v in dev.items()}, "test_margin": test}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            if best_overall is None or worst > best_overall[0]:
                best_overall = (worst, line)
    print(json.dumps({"chosen_by_worst_dev_margin": best_overall[1],
                      "best_single_MRR@10(dev,test)": {k: [round(x, 4) for x in v] for k, v in single.items()},
                      "seconds": round(time.perf_counter() - started)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
