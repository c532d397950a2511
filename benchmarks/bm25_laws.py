"""Time the tokenizers and the sparse BM25 index on the laws corpus (paragraphs = blank-line blocks).

    python benchmarks/bm25_laws.py [--chars 2000000] [--docs 200000] [--queries 200] [--ref-queries 20]

Prints tokenizer throughput (chars/s), BM25 build time, query latency p50/p99 for our index,
bm25s and rank_bm25 (the score oracle; slow, so fewer queries) on the same tokens, and the
largest score difference to rank_bm25.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.search.bm25 import BM25Index  # noqa: E402
from assistant.search.tokenize import Tokenizer, char_bigrams  # noqa: E402

LAWS = ROOT.parent / "shared" / "data" / "corpora" / "lawrefbook_laws"


def law_paragraphs(limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(LAWS.rglob("*.md")):
        out.extend(b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip())
        if len(out) >= limit:
            break
    return out[:limit]


def throughput(name: str, fn, texts: list[str]) -> list[list[str]]:
    start = time.perf_counter()
    tokens = [fn(t) for t in texts]
    seconds = time.perf_counter() - start
    chars = sum(map(len, texts))
    print(f"{name:<22} {chars / seconds / 1e3:8.0f} k chars/s  ({chars:,} chars in {seconds:.2f} s)")
    return tokens


def latency(name: str, fn, queries: list, repeat: int = 1) -> None:
    times = []
    for q in queries:
        start = time.perf_counter()
        for _ in range(repeat):
            fn(q)
        times.append((time.perf_counter() - start) / repeat * 1e3)
    print(f"  {name:<26} p50 {np.percentile(times, 50):8.2f} ms   p99 {np.percentile(times, 99):8.2f} ms"
          f"   ({len(queries)} queries)")


def bench_index(label: str, corpus: list[list[str]], queries: list[list[str]], ref_n: int) -> None:
    print(f"\n[{label}] {len(corpus):,} docs, {sum(map(len, corpus)):,} tokens")
    start = time.perf_counter()
    index = BM25Index.build(corpus)
    print(f"  ours build {time.perf_counter() - start:.2f} s  (vocab {index.vocab_size:,}, nnz {index.params['nnz']:,})")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        index.save(Path(tmp))
        saved = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        start = time.perf_counter()
        index = BM25Index.load(Path(tmp))
        print(f"  save {saved:.2f} s, load {time.perf_counter() - start:.2f} s, {size:.0f} MB on disk")
    latency("ours top_k(k=100)", lambda q: index.top_k(q, 100), queries)
    latency("ours scores()", index.scores, queries)
    try:
        import bm25s
        start = time.perf_counter()
        ref = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
        ref.index(corpus, show_progress=False)
        print(f"  bm25s build {time.perf_counter() - start:.2f} s")
        latency("bm25s get_scores", lambda q: ref.get_scores(q), queries)
    except Exception as e:  # comparison only
        print(f"  bm25s skipped: {e}")
    from rank_bm25 import BM25Okapi
    start = time.perf_counter()
    oracle = BM25Okapi(corpus)
    print(f"  rank_bm25 build {time.perf_counter() - start:.2f} s")
    latency("rank_bm25 get_scores", oracle.get_scores, queries[:ref_n])
    worst = max(float(np.max(np.abs(index.scores(q) - oracle.get_scores(q)) / (np.abs(oracle.get_scores(q)) + 1e-9)))
                for q in queries[:5])
    print(f"  max relative score difference to rank_bm25 (5 queries): {worst:.2e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="分词与 BM25 计时（法规库）")
    parser.add_argument("--chars", type=int, default=2_000_000, help="characters for tokenizer throughput")
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ref-queries", type=int, default=20)
    args = parser.parse_args(argv)

    paragraphs = law_paragraphs(args.docs)
    sample, total = [], 0
    for p in paragraphs:
        if total >= args.chars:
            break
        sample.append(p)
        total += len(p)
    start = time.perf_counter()
    tokenizer = Tokenizer()
    tokenizer.words("初始化")
    print(f"Tokenizer init {time.perf_counter() - start:.2f} s  ({tokenizer.name})")
    import jieba
    raw = jieba.Tokenizer()
    raw.FREQ, raw.total = raw.gen_pfdict(raw.get_dict_file())  # same dict, no cache file
    raw.initialized = True
    throughput("jieba lcut (bare)", raw.lcut, sample)
    throughput("Tokenizer.words", tokenizer.words, sample)
    throughput("char_bigrams", char_bigrams, sample)

    rng = random.Random(0)
    picked = [p[:12] for p in rng.sample(paragraphs, args.queries)]
    bench_index("char bigrams", [char_bigrams(p) for p in paragraphs], [char_bigrams(q) for q in picked],
                args.ref_queries)
    start = time.perf_counter()
    words = [tokenizer.words(p) for p in paragraphs]
    print(f"\n(words for {len(paragraphs):,} paragraphs: {time.perf_counter() - start:.1f} s)")
    bench_index("jieba words", words, [tokenizer.words(q) for q in picked], args.ref_queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
