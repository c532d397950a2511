"""Heading precision/recall on the laws corpus: Markdown `#` lines are the gold headings;
the parser sees the text with the markers stripped (no heading hints) and must find them.
Used by parse_corpora.py.
"""

from __future__ import annotations

import re
import time
import traceback
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from assistant.models import RawDocument

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "data" / "corpora" / "lawrefbook_laws"
INFO_END = "<!-- INFO END -->"


def law_files(root: Path = LAWS) -> list[Path]:
    """Every law .md except Hugo `_index.md` stubs and README files, sorted."""
    return sorted(
        p for p in root.rglob("*.md") if p.name != "_index.md" and not p.name.lower().startswith("readme")
    )


def norm_heading(text: str) -> str:
    """Compare headings without whitespace, full-/half-width forms unified."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def gold_and_input(md: str) -> tuple[str, list[tuple[str, int]], str]:
    """(title, gold headings after INFO END as (text, level), input text without `#` markers)."""
    lines = md.replace("\r\n", "\n").split("\n")
    end = next((i for i, ln in enumerate(lines) if INFO_END in ln), None)
    title, gold, out = "", [], []
    for i, line in enumerate(lines):
        if INFO_END in line:
            continue
        match = re.match(r"^\s*(#+)\s*(.*?)\s*$", line)
        if not match:
            out.append(line)
            continue
        text, level = match.group(2), len(match.group(1))
        out.append(text)
        if not title and level == 1 and (end is None or i < end):
            title = text
        elif text and (end is None or i > end):
            gold.append((text, level))
    return title, gold, "\n".join(out)


def heading_text(paragraph) -> str:
    """Normalised heading text with its number (一、 / 第一章), which the parser may keep
    in `original` or only in `number`."""
    number = norm_heading(getattr(paragraph, "number", "") or "")
    text = norm_heading(paragraph.original)
    return text if text.startswith(number) else number + text


@dataclass
class HeadingResult:
    gold: list[tuple[str, int]] = field(default_factory=list)
    pred: list[str] = field(default_factory=list)
    error: str | None = None


def eval_headings(path: str) -> HeadingResult:
    from assistant.ingest.pipeline import parse_raw

    try:
        title, gold, text = gold_and_input(Path(path).read_text(encoding="utf-8"))
        doc = parse_raw(RawDocument(doc_id=Path(path).stem, source=path, text=text, fmt="txt"))
    except Exception:
        return HeadingResult(error=f"[{path}]\n{traceback.format_exc()}")
    pred = [heading_text(p) for p in doc.paragraphs if p.is_heading]
    gold_n = [(norm_heading(t), lvl) for t, lvl in gold]
    t = norm_heading(title)
    if t and pred.count(t) > sum(g == t for g, _ in gold_n):
        pred.remove(t)  # the title is not a gold heading; don't count it as a false positive
    return HeadingResult(gold=gold_n, pred=pred)


def shape(text: str) -> str:
    """A pattern for grouping errors: numerals → X, at most 8 characters."""
    text = re.sub(r"[0-9０-９一二三四五六七八九十百千零〇两]+", "X", text)
    return text[:8] + ("…" if len(text) > 8 else "")


def score_headings(results: Iterable[HeadingResult]) -> dict:
    tp = n_pred = n_gold = 0
    fp, fn = Counter(), Counter()
    by_level: Counter = Counter()
    hit_level: Counter = Counter()
    for res in results:
        left = Counter(res.pred)
        n_pred += len(res.pred)
        n_gold += len(res.gold)
        for text, level in res.gold:
            by_level[level] += 1
            if left[text] > 0:
                left[text] -= 1
                tp += 1
                hit_level[level] += 1
            else:
                fn[text] += 1
        fp.update(+left)
    return {
        "gold": n_gold, "pred": n_pred, "tp": tp,
        "precision": tp / n_pred if n_pred else 0.0,
        "recall": tp / n_gold if n_gold else 0.0,
        "recall_by_level": {f"h{lvl}": (hit_level[lvl] / n, n) for lvl, n in sorted(by_level.items())},
        "fp": fp, "fn": fn,
    }


def print_counter(label: str, counter: Counter, n: int = 10) -> None:
    print(f"  {label}（按文本）：")
    for text, count in counter.most_common(n):
        print(f"    {count:5d}  {text[:40]}")
    shapes = Counter()
    for text, count in counter.items():
        shapes[shape(text)] += count
    print(f"  {label}（按形式，数字记作 X）：")
    for text, count in shapes.most_common(n):
        print(f"    {count:5d}  {text}")


def heading_pass(args, crashes: list[str], run_pool) -> dict:
    files = [str(p) for p in law_files()][: args.limit or None]
    start = time.perf_counter()
    results = list(run_pool(eval_headings, sorted(files, key=lambda f: -Path(f).stat().st_size), args.workers))
    crashes.extend(r.error for r in results if r.error)
    s = score_headings(r for r in results if not r.error)
    print(f"\n== 标题识别（法规库 {len(files)} 篇，去掉 # 标记后由解析器自行识别；{time.perf_counter() - start:.1f} s）==")
    print(f"  金标 {s['gold']}，预测 {s['pred']}，命中 {s['tp']}；"
          f"准确率 {s['precision']:.3f}，召回率 {s['recall']:.3f}")
    print("  各级召回：" + "，".join(f"{k} {r:.3f}（{n}）" for k, (r, n) in s["recall_by_level"].items()))
    print_counter("最常见误报", s["fp"])
    print_counter("最常见漏报", s["fn"])
    return {"heading_precision": round(s["precision"], 4), "heading_recall": round(s["recall"], 4),
            "heading_gold": s["gold"], "heading_pred": s["pred"]}
