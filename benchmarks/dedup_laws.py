"""Time near-duplicate paragraph grouping on the laws corpus (paragraphs = blank-line blocks).

    python benchmarks/dedup_laws.py [--limit 200000] [--num-perm 64] [--threshold 0.8]

Reads the Markdown directly (no parser needed), so it measures dedup alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.ingest.dedup import PARAGRAPH_NUM_PERM, near_duplicate_paragraphs  # noqa: E402

LAWS = ROOT.parent / "shared" / "data" / "corpora" / "lawrefbook_laws"


def law_paragraphs(root: Path = LAWS) -> list[tuple[str, str]]:
    out = []
    for path in sorted(root.rglob("*.md")):
        if path.name == "_index.md":
            continue
        blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        rel = path.relative_to(root)
        out.extend((f"{rel}#{i}", block) for i, block in enumerate(blocks))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="法规库段落近似重复分组计时")
    parser.add_argument("--limit", type=int, default=200_000)
    parser.add_argument("--num-perm", type=int, default=PARAGRAPH_NUM_PERM)
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args(argv)
    paragraphs = law_paragraphs()[: args.limit or None]
    chars = sum(len(t) for _, t in paragraphs)
    start = time.perf_counter()
    groups = near_duplicate_paragraphs(paragraphs, threshold=args.threshold, num_perm=args.num_perm)
    took = time.perf_counter() - start
    sizes = Counter(Counter(groups.values()).values())
    print(f"段落 {len(paragraphs):,}（{chars:,} 字符），num_perm={args.num_perm}，阈值 {args.threshold}：")
    print(f"  用时 {took:.1f} s（{len(paragraphs) / took:,.0f} 段/秒，单进程）")
    print(f"  归入重复组的段落 {len(groups):,}，重复组 {len(set(groups.values())):,}；"
          f"组大小分布（前 5）：{sorted(sizes.items())[:5]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
