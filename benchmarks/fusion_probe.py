"""Probe for complementary evidence on the heading→section set: does anything beside dense help?

    .venv/bin/python benchmarks/fusion_probe.py [--json]

Run `gongwen eval` first (evaluation indexes under benchmarks/out/eval); the candidate cache of
benchmarks/fusion_variants.py is reused. The lead-sentence probe embeds the first sentence of every
heading-set paragraph once (~1 min) into benchmarks/out/eval/headings/lead_vectors.npy.

fusion_variants.py searched score-level fusions of the three signals. This script asks the next
question — is there *another* cheap signal that carries information dense retrieval lacks? Each
probe is added to the default fusion or to dense alone, parameters chosen on even queries (dev),
MRR@10 reported on odd ones (test), with the margin over the best single signal (words, bigrams,
dense) of the same half:

- subset-idf   BM25 whose idf is recomputed over the searched subset (the heading's own report)
- prf          dense pseudo-relevance feedback: + β · cosine to the centroid of the top-k rows
- dense-first  dense top-N re-ordered by the fused score, the rest left in dense order
- lead         a fourth signal: cosine of the query to each paragraph's first sentence
- ngram        share of the query covered by its character n-grams found in the paragraph
- clauses      the query split at “，；、”, each clause embedded, max/mean cosine added
- section      + λ · the section's summed candidate scores ÷ its paragraphs (the engine's
               fusion.section_context, default λ 0.5), on the fused score or on dense alone;
               section/cand divides by the section's candidates instead
Plus `predict`: correlation of score-shape features (top score, top-1 gap) with the per-query
difference bigrams − dense — whether a query-adaptive weight could know when BM25 is right.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

import numpy as np

import fusion_variants as fv
from assistant.config import settings_from_env
from assistant.search import evaluate as ev, fusion
from assistant.search.bm25 import okapi_idf
from assistant.search.engine import open_index
from assistant.search.query import parse_query
from assistant.search.tokenize import char_bigrams

DEFAULT_W = np.array([0.0, 0.2, 0.8])  # fusion.DEFAULT_WEIGHTS as (words, bigrams, dense)
PUNCT = re.compile(r"[\s，。、；：“”\"（）()]")


class EvalData:
    """One evaluation set: cached candidates, the index, section ids and stored vectors per row."""

    def __init__(self, name: str, eval_set, scope: str):
        self.cache = fv.Cached(name, eval_set)
        self.scope, self.keys, self.queries = scope, self.cache.keys, eval_set.queries
        self.index = open_index(fv.WORK / name / "index", settings_from_env())
        rows = self.index.sql("SELECT doc, heading_path, text FROM paragraphs WHERE row IS NOT NULL ORDER BY row")
        sections: dict = {}
        self.section = np.array([sections.setdefault((d, h), len(sections)) for d, h, _ in rows], dtype=np.int64)
        self.texts = [t for _d, _h, t in rows]
        self.vectors = self.index.vectors._stored(np.arange(self.index.n)).astype(np.float32)

    def half(self, h: int, depth: int = 100):
        """[(query index, rows, normalised (rows × 3), retrieved flags, relevant keys)] of one half."""
        qidx = list(range(h, len(self.queries), 2))
        return [(i, *item) for i, item in zip(qidx, fv.prepare(self.cache, qidx, self.scope, depth, "zmin", False))]


def mrr(items, keys, score) -> np.ndarray:
    """Reciprocal rank (cut at 10 distinct keys) per query of `score(item) -> per-row scores`."""
    out = np.zeros(len(items))
    for n, item in enumerate(items):
        rows, rel = item[1], item[4]
        s = score(item)
        seen: list[str] = []
        for t in np.lexsort((rows, -s))[:50]:
            if not np.isfinite(s[t]):
                break
            key = keys[rows[t]]
            if key in seen:
                continue
            seen.append(key)
            if key in rel:
                out[n] = 1 / len(seen)
                break
            if len(seen) == 10:
                break
    return out


def single(j):
    return lambda it: np.where(it[3][:, j], it[2][:, j], -np.inf)


def fused(it, w=DEFAULT_W):
    return (it[2] @ w) * it[3].sum(1)


def dense_plus(extra, weight):
    return lambda it: np.where(it[3][:, 2], it[2][:, 2], -np.inf) + weight * extra(it)


def zmin(s: np.ndarray, floor: float = 0.02) -> np.ndarray:
    return (s - s.min()) / max(float(s.std()), floor) if len(s) else s


# ---- probes ----------------------------------------------------------------------------------------
def subset_idf_items(data: EvalData, items):
    """Replace the two BM25 columns by BM25 with idf over the searched rows (the report)."""
    out = []
    for i, rows, m, got, rel in items:
        q = parse_query(data.queries[i][1]).text
        raw = np.stack([_subset_bm25(data.index.bm25_words, data.index.tokenizer.words(q), rows),
                        _subset_bm25(data.index.bm25_bigrams, char_bigrams(q), rows)], 1)
        m, got = m.copy(), got.copy()
        for j in range(2):
            got[:, j] = raw[:, j] > 0
            vals = raw[got[:, j], j]
            m[:, j] = np.where(got[:, j], (raw[:, j] - vals.min()) / (vals.std() or 1.0), 0.0) if len(vals) else 0.0
        out.append((i, rows, m, got, rel))
    return out


def _subset_bm25(bm25, tokens, rows: np.ndarray) -> np.ndarray:
    inside = np.zeros(bm25.n_docs, dtype=bool)
    inside[rows] = True
    where = {r: k for k, r in enumerate(rows.tolist())}
    out = np.zeros(len(rows))
    for term in tokens:
        docs, weights = bm25.postings(term)
        sel = inside[docs]
        if not sel.any():
            continue
        global_idf = okapi_idf(np.array([len(docs)]), bm25.n_docs, 0.0)[0][0]
        if global_idf <= 0:
            global_idf = bm25.params["epsilon"] * bm25.params["average_idf"]
        local_idf = max(float(okapi_idf(np.array([sel.sum()]), len(rows), 0.0)[0][0]), 0.05)
        out[[where[r] for r in docs[sel].tolist()]] += weights[sel] / global_idf * local_idf
    return out


def prf(data: EvalData, beta: float, k: int):
    def score(it):
        rows = it[1]
        if not len(rows):
            return np.zeros(0)
        top = np.argsort(-np.where(it[3][:, 2], it[2][:, 2], -np.inf))[:k]
        centroid = data.vectors[rows[top]].mean(0)
        return np.where(it[3][:, 2], it[2][:, 2] + beta * zmin(data.vectors[rows] @ centroid), -np.inf)
    return score


def dense_first(n: int):
    def score(it):
        d = np.where(it[3][:, 2], it[2][:, 2], -np.inf)
        top = np.argsort(-d)[:n]
        out = d - 1e6
        out[top] = fused(it)[top]
        return out
    return score


def ngram_cover(data: EvalData, n: int):
    def feature(it):
        q = PUNCT.sub("", parse_query(data.queries[it[0]][1]).text)
        out = np.zeros(len(it[1]))
        for k, row in enumerate(it[1].tolist()):
            hit = np.zeros(len(q), dtype=bool)
            for s in range(len(q) - n + 1):
                if q[s:s + n] in data.texts[row]:
                    hit[s:s + n] = True
            out[k] = hit.mean() if len(q) else 0.0
        return out
    return feature


def section_mean(data: EvalData, lam: float, inner, over: str = "section"):
    """The engine's fusion.section_context on `inner`'s scores: + lam × (sum of the section's candidate
    scores ÷ paragraphs in the section), or ÷ the section's candidates with over="candidates"."""
    size = np.bincount(data.section)

    def score(it):
        s, rows = inner(it), it[1]
        ok = np.isfinite(s)
        if not ok.any():
            return s
        divisor = size if over == "section" else np.bincount(data.section[rows[ok]], minlength=len(size))
        boosted, _ = fusion.section_context(dict(zip(rows[ok].tolist(), s[ok].tolist())), data.section, divisor, lam)
        out = s.copy()
        out[ok] = [boosted[r] for r in rows[ok].tolist()]
        return out
    return score


def lead_vectors(data: EvalData) -> np.ndarray:
    path = fv.WORK / "headings/lead_vectors.npy"
    if path.exists():
        vecs = np.load(path, allow_pickle=False)
        if len(vecs) == data.index.n:
            return vecs
    leads = [m.group(0) if (m := re.match(r"[^。！？；]{2,80}?[。！？；]", t)) else t[:60] for t in data.texts]
    vecs = np.asarray(data.index.embedder.encode(leads), dtype=np.float32)
    np.save(path, vecs)
    return vecs


def query_vectors(data: EvalData, texts: list[str]) -> np.ndarray:
    return np.asarray(data.index.embedder.encode(texts), dtype=np.float32) if texts else np.zeros((0, 1))


# ---- driver ------------------------------------------------------------------------------------------
def report(name, param, dev, test, best):
    return {"probe": name, "param": param, "dev": round(float(dev.mean()), 4), "test": round(float(test.mean()), 4),
            "dev_margin": round(float(dev.mean()) - best[0], 4), "test_margin": round(float(test.mean()) - best[1], 4)}


def run(data: EvalData, set_name: str, heading: bool) -> list[dict]:
    halves = [data.half(0), data.half(1)]
    singles = [[mrr(h, data.keys, single(j)) for j in range(3)] for h in halves]
    best = [max(float(s.mean()) for s in singles[h]) for h in (0, 1)]
    lines = [report(n, "", singles[0][j], singles[1][j], best) for j, n in enumerate(("words", "bigrams", "dense"))]

    def probe(name, variants):
        """variants: {param: score function}; keep all, mark the one best on dev."""
        rows = [report(name, p, mrr(halves[0], data.keys, f), mrr(halves[1], data.keys, f), best)
                for p, f in variants.items()]
        top = max(rows, key=lambda r: r["dev"])
        top["chosen_on_dev"] = True
        lines.extend(rows)

    probe("default-fusion", {"zmnz .0/.2/.8": fused})
    probe("prf", {f"beta={b},k={k}": prf(data, b, k) for b in (0.5, 1.0) for k in (3, 5, 10)})
    probe("dense-first", {f"N={n}": dense_first(n) for n in (5, 10, 20)})
    probe("ngram", {f"n={n},a={a}": dense_plus(ngram_cover(data, n), a) for n in (3, 4) for a in (0.5, 1, 2)})
    probe("section", {f"{kind},lambda={lam}": section_mean(data, lam, fused if kind == "fusion" else single(2))
                      for kind in ("fusion", "dense") for lam in (0.25, 0.5, 1.0, 2.0)})
    probe("section/cand", {f"fusion,lambda={lam}": section_mean(data, lam, fused, "candidates") for lam in (0.5, 1.0)})
    if heading:
        sub = [subset_idf_items(data, h) for h in halves]
        lines += [report("subset-idf", "bigrams alone", mrr(sub[0], data.keys, single(1)),
                         mrr(sub[1], data.keys, single(1)), best)]
        for w in ((0.0, 0.2, 0.8), (0.1, 0.2, 0.7), (0.0, 0.3, 0.7)):
            f = lambda it, w=np.array(w): (it[2] @ w) * it[3].sum(1)  # noqa: E731
            lines.append(report("subset-idf", f"zmnz {w}", mrr(sub[0], data.keys, f), mrr(sub[1], data.keys, f), best))
        lines += lead_probe(data, halves, best) + clause_probe(data, halves, best)
    lines.append(predictability(data, halves))
    for line in lines:
        line["set"] = set_name
    return lines


def lead_probe(data, halves, best) -> list[dict]:
    leads = lead_vectors(data)
    q = query_vectors(data, [parse_query(t).text for _i, t, _r in data.queries])
    feature = lambda it: zmin(leads[it[1]] @ q[it[0]])  # noqa: E731
    out = [report("lead", "lead alone", *(mrr(h, data.keys, feature) for h in halves), best)]
    for a in (0.25, 0.5, 1.0):
        f = lambda it, a=a: fused(it) + a * feature(it)  # noqa: E731
        out.append(report("lead", f"fusion+{a}·lead", *(mrr(h, data.keys, f) for h in halves), best))
    return out


def clause_probe(data, halves, best) -> list[dict]:
    clauses = [[c for c in re.split(r"[，,；;、]", parse_query(t).text) if len(c) >= 2] for _i, t, _r in data.queries]
    flat = [c for cs in clauses for c in cs if len(cs) > 1]
    vecs, per_query, at = query_vectors(data, flat), [], 0
    for cs in clauses:
        n = len(cs) if len(cs) > 1 else 0
        per_query.append(vecs[at:at + n])
        at += n
    out = []
    for how in ("max", "mean"):
        def feature(it, how=how):
            qv = per_query[it[0]]
            if not len(qv) or not len(it[1]):
                return np.zeros(len(it[1]))
            s = data.vectors[it[1]] @ qv.T
            return zmin(s.max(1) if how == "max" else s.mean(1))
        for a in (0.5, 1.0):
            out.append(report("clauses", f"dense+{a}·{how}", *(mrr(h, data.keys, dense_plus(feature, a)) for h in halves),
                              best))
    return out


def predictability(data, halves) -> dict:
    """Correlation of per-query score-shape features with RR(bigrams) − RR(dense), both halves."""
    items = halves[0] + halves[1]
    diff = mrr(items, data.keys, single(1)) - mrr(items, data.keys, single(2))
    feats = {}
    for j, name in ((1, "bigrams"), (2, "dense")):
        top, gap = [], []
        for it in items:
            s = np.sort(it[2][it[3][:, j], j])[::-1]
            top.append(s[0] if len(s) else 0.0)
            gap.append(s[0] - s[1] if len(s) > 1 else 0.0)
        for fname, values in ((f"{name}_top", top), (f"{name}_gap", gap)):
            feats[fname] = round(float(np.corrcoef(values, diff)[0, 1]), 3)
    return {"probe": "predict", "param": "corr(feature, RR_bigrams − RR_dense)", **feats,
            "share_bigrams_better": round(float((diff > 0).mean()), 3), "share_dense_better": round(float((diff < 0).mean()), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="每行一个 JSON（默认打印表格）")
    args = parser.parse_args()
    started = time.perf_counter()
    lines = run(EvalData("headings", ev.heading_set(fv.SHARED, fv.WORK / "headings"), "report"), "headings-report", True)
    lines += run(EvalData("cmrc", ev.cmrc_set(fv.SHARED, fv.WORK / "cmrc"), "corpus"), "cmrc", False)
    for line in lines:
        if args.json:
            print(json.dumps(line, ensure_ascii=False))
        elif "dev" in line:
            mark = " *" if line.get("chosen_on_dev") else ""
            print(f"{line['set']:16} {line['probe']:15} {line['param']:26} dev {line['dev']:.4f} ({line['dev_margin']:+.4f})"
                  f"  test {line['test']:.4f} ({line['test_margin']:+.4f}){mark}")
        else:
            print(f"{line['set']:16} {json.dumps(line, ensure_ascii=False)}")
    print(f"# {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
