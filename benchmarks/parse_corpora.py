"""Parse every document under ../shared/data/corpora and report robustness, speed,
heading precision/recall (laws corpus, Markdown `#` as gold) and duplicate groups.

    python benchmarks/parse_corpora.py [--workers 2] [--limit N] [--json]

--limit N keeps at most N documents per corpus. Exit status 1 if any document crashed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from assistant.ingest.dedup import find_duplicate_documents, format_groups  # noqa: E402
from assistant.models import RawDocument  # noqa: E402
from heading_eval import LAWS, heading_pass, law_files  # noqa: E402

CORPORA = ROOT.parent / "shared" / "data" / "corpora"


# ---------------------------------------------------------------- loading


def wikisource_raws(path: Path) -> list[RawDocument]:
    """Wikisource reports (title, url, content): the title becomes the first line."""
    raws = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        meta = {k: v for k, v in rec.items() if k not in ("title", "content")}
        raws.append(RawDocument(
            doc_id=f"{path.stem}:{rec.get('title') or line_no}", source=f"{path}:{line_no}",
            text=f"{rec.get('title', '')}\n{rec['content']}", metadata=meta, fmt="txt",
        ))
    return raws


def provincial_raws(path: Path) -> list[RawDocument]:
    """Provincial reports, one CSV row each (full_text is raw web text with chrome)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if (r.get("full_text") or "").strip()]
    return [
        RawDocument(
            doc_id=f"{path.stem}:{i}", source=f"{path}:{i}", text=row["full_text"],
            metadata={k: row.get(k) for k in ("province", "year", "title", "source_url", "publish_date")},
            fmt="txt",
        )
        for i, row in enumerate(rows)
    ]


def policy_raws(path: Path) -> list[RawDocument]:
    """GCCMPD policies have id/title/text: the project's own .jsonl reader handles them."""
    from assistant.ingest.read import read_file

    return read_file(path)


def corpus_sources() -> list[tuple[str, list[Path], Callable[[Path], list[RawDocument]] | None]]:
    """(corpus name, files, loader); loader None means the worker calls parse_file(path)."""
    prov = CORPORA / "provincial_gov_reports_2026" / "output" / "2026_raw_text"
    return [
        ("gov_work_reports", sorted((CORPORA / "gov_work_reports_wikisource").glob("*.jsonl")), wikisource_raws),
        ("gccmpd_policies", [CORPORA / "gccmpd_prc_policies" / "prc_policies_zh.jsonl"], policy_raws),
        ("provincial_2026", sorted(prov.glob("2026_*_政府工作报告.csv")), provincial_raws),
        ("laws", law_files(), None),
    ]


@dataclass
class Job:
    corpus: str
    path: str | None = None  # parse_file(path)
    raw: RawDocument | None = None  # parse_raw(raw)

    @property
    def size(self) -> int:
        return len(self.raw.text) if self.raw else Path(self.path).stat().st_size // 3


def load_jobs(limit: int | None, crashes: list[str]) -> list[Job]:
    """All parse jobs, largest first (so the pool finishes evenly); loader errors go to `crashes`."""
    jobs: list[Job] = []
    for corpus, files, loader in corpus_sources():
        found: list[Job] = []
        for path in files:
            if loader is None:
                found.append(Job(corpus, path=str(path)))
                continue
            try:
                found.extend(Job(corpus, raw=raw) for raw in loader(path))
            except Exception:
                crashes.append(f"[加载 {path}]\n{traceback.format_exc()}")
        jobs.extend(found[:limit] if limit else found)
    return sorted(jobs, key=lambda j: -j.size)


# ---------------------------------------------------------------- parsing (workers)


@dataclass
class Parsed:
    corpus: str
    name: str
    chars: int = 0
    docs: int = 0
    paragraphs: int = 0
    headings: int = 0
    error: str | None = None
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # laws: (id, title, text)


def parse_job(job: Job) -> Parsed:
    from assistant.ingest.pipeline import parse_file, parse_raw

    name = job.path or job.raw.doc_id
    out = Parsed(job.corpus, name)
    try:
        if job.raw is not None:
            out.chars, docs = len(job.raw.text), [parse_raw(job.raw)]
        else:
            out.chars, docs = len(Path(job.path).read_text(encoding="utf-8")), parse_file(job.path)
    except Exception:
        out.error = f"[{name}]\n{traceback.format_exc()}"
        return out
    out.docs = len(docs)
    for doc in docs:
        out.paragraphs += len(doc.paragraphs)
        out.headings += sum(p.is_heading for p in doc.paragraphs)
        if job.corpus == "laws":
            rel = str(Path(job.path).relative_to(LAWS))
            out.texts.append((rel, doc.title, "\n".join(p.text for p in doc.paragraphs)))
    return out


def run_pool(func: Callable, items: list, workers: int) -> Iterator:
    if workers <= 1:
        yield from map(func, items)
        return
    with Pool(workers) as pool:
        yield from pool.imap_unordered(func, items, chunksize=4)


# ---------------------------------------------------------------- report


# ---------------------------------------------------------------- report


def parse_pass(args, crashes: list[str]) -> tuple[dict, list[tuple[str, str, str]]]:
    start = time.perf_counter()
    jobs = load_jobs(args.limit, crashes)
    load_s = time.perf_counter() - start
    per_corpus: dict[str, Counter] = {}
    law_texts: list[tuple[str, str, str]] = []
    for res in run_pool(parse_job, jobs, args.workers):
        c = per_corpus.setdefault(res.corpus, Counter())
        c.update(docs=res.docs, chars=res.chars, paragraphs=res.paragraphs, headings=res.headings)
        if res.error:
            c["crashes"] += 1
            crashes.append(res.error)
        law_texts.extend(res.texts)
    wall = time.perf_counter() - start
    total = sum((c for c in per_corpus.values()), Counter())
    print(f"== 解析（{args.workers} 个进程）==")
    for corpus, c in per_corpus.items():
        print(f"  {corpus:18s} 文档 {c['docs']:5d}  字符 {c['chars']:>11,}  段落 {c['paragraphs']:>8,}"
              f"  标题 {c['headings']:>7,}  崩溃 {c['crashes']}")
    print(f"  合计：文档 {total['docs']}，字符 {total['chars']:,}，崩溃 {len(crashes)}；"
          f"加载 {load_s:.1f} s，总用时 {wall:.1f} s，{total['chars'] / wall:,.0f} 字符/秒")
    summary = {"docs": total["docs"], "chars": total["chars"], "crashes": len(crashes),
               "wall_s": round(wall, 2), "chars_per_s": round(total["chars"] / wall)}
    return summary, sorted(law_texts)


def dedup_pass(law_texts: list[tuple[str, str, str]]) -> dict:
    start = time.perf_counter()
    groups = find_duplicate_documents([(doc_id, text) for doc_id, _, text in law_texts])
    took = time.perf_counter() - start
    kinds = Counter(g.kind for g in groups)
    print(f"\n== 法规库重复文档（{len(law_texts)} 篇，阈值 0.8，{took:.1f} s）==")
    print(f"  重复组 {len(groups)}（完全相同 {kinds['exact']}，近似 {kinds['near']}），"
          f"涉及 {sum(len(g.members) for g in groups)} 篇")
    titles = {doc_id: title for doc_id, title, _ in law_texts}
    print("\n".join("  " + ln for ln in format_groups(groups[:5], titles).splitlines()))
    return {"dup_groups": len(groups), "dup_docs": sum(len(g.members) for g in groups), "dedup_s": round(took, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="解析全部语料并报告崩溃、速度、标题识别与重复文档")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="每个语料最多 N 篇")
    parser.add_argument("--json", action="store_true", help="最后输出一行 JSON 摘要")
    args = parser.parse_args(argv)
    crashes: list[str] = []
    summary, law_texts = parse_pass(args, crashes)
    summary.update(heading_pass(args, crashes, run_pool))
    summary.update(dedup_pass(law_texts))
    summary["crashes"] = len(crashes)
    if crashes:
        print(f"\n== 崩溃 {len(crashes)} 处（前 3 处）==")
        for tb in crashes[:3]:
            print(tb)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
