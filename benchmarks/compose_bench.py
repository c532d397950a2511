"""Outline drafting on documents LEFT OUT of the index (the issue's done-criteria).

Held out: the five seed 范文, ten government work reports (five national, five provincial) and
five policies (four 意见, one 通知 issuing a 方案) from the bundled corpus (copies of
../shared/data/corpora); the rest of corpus/ is indexed in
benchmarks/out/compose_index (incremental: a second run re-embeds nothing). For each held-out
document we compose an outline of its 文种 (总结→工作总结, 方案→工作方案, 报告→工作报告,
意见→实施意见, 通知→通知) on a topic taken from its title, and report:

- sections filled / sections asking for paragraphs
- mean topic similarity of the chosen paragraphs (cosine of m3e embeddings), next to peers
  measured in the same run: the plain top hits of a topic search (no roles, no diversity), those
  of them that are draft material (no fragment, no statute provision), the top draft-material hits within the roles the
  outline draws on, the ceiling (the most topical draft-material paragraphs of the whole index by
  topic cosine alone: no roles, no sub-headings, no order — what no choice of as many paragraphs can
  exceed), and random indexed paragraphs — overall and per half (tuning: even positions,
  test: odd positions; `--tolerance` overrides choice.TOPIC_TOLERANCE, to be chosen on the tuning half)
- the chosen paragraphs' topic cosine minus each peer's per distinct request (文种 + topic), with a
  95 % bootstrap interval over requests; statute provisions among the chosen and among the plain hits
- share of the real document's level-1 headings whose role is among the outline's section roles
- paragraphs reused twice (must be 0), paragraphs without a source (must be 0), digits left
  unmarked after slot filling (must be 0)
- compose wall time per outline (median, warm; target < 1 s)
- share of reused paragraphs whose draft text still names the precedent's own topic or campaigns
  (topics.still_names), and the same share over the held-out documents' own paragraphs when
  reused for another held-out document's topic (raw precedent text vs adapted), each reported for
  a tuning half (even positions in the held-out list) and a test half (odd positions)
- sub-headings: level-2 sections the outlines carry, and paragraphs that follow their
  predecessor in the same precedent section
- administrative levels: distinct source levels per draft, and the share of chosen paragraphs whose
  source speaks for another level than most of its draft's

and prints ten slot-filled paragraphs with their marks for hand checking.

    .venv/bin/python benchmarks/compose_bench.py [--index /tmp/compose_index] [--out benchmarks/out/compose_bench.json]
                                                 [--tolerance 0.01]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.compose import compose, load_templates, unmarked_digits  # noqa: E402
from assistant.compose import choice, topics  # noqa: E402
from assistant.compose.slots import fill_slots  # noqa: E402
from assistant.compose.passages import is_draft_material, is_provision, source_org  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.ingest.pipeline import parse_file  # noqa: E402
from assistant.ingest.roles import role_of_path  # noqa: E402
from assistant.search.engine import open_index  # noqa: E402
from assistant.search.ingest import ingest, list_files, print_progress, remove  # noqa: E402

CORPUS = ROOT / "corpus"
INDEX = ROOT / "benchmarks" / "out" / "compose_index"
HELD_OUT_REPORTS = (
    "gov_work_reports/2013年中华人民共和国国务院政府工作报告.txt", "gov_work_reports/2016年中华人民共和国国务院政府工作报告.txt",
    "gov_work_reports/2019年中华人民共和国国务院政府工作报告.txt", "gov_work_reports/2022年中华人民共和国国务院政府工作报告.txt",
    "gov_work_reports/2025年中华人民共和国国务院政府工作报告.txt", "provincial_reports/2026_北京市_政府工作报告.txt",
    "provincial_reports/2026_四川省_政府工作报告.txt", "provincial_reports/2026_浙江省_政府工作报告.txt",
    "provincial_reports/2026_广东省_政府工作报告.txt", "provincial_reports/2026_陕西省_政府工作报告.txt")
# distinct requests beside the ten reports, which all ask for 工作报告 on 政府工作 (topic from the title
# by topics.title_topic: 国务院关于促进光伏产业健康发展的若干意见 → 光伏产业健康发展)
HELD_OUT_POLICIES = (
    "policies/关于统筹和加强应对气候变化与生态环境保护相关工作的指导意见.txt", "policies/国务院关于促进光伏产业健康发展的若干意见.txt",
    "policies/国务院办公厅关于促进煤炭行业平稳运行的意见.txt", "policies/国务院关于印发电力体制改革方案的通知.txt",
    "policies/关于进一步加强生态环境“双随机、一公开”监管工作的指导意见.txt")
DOCTYPE_TEMPLATE = {"总结": "工作总结", "方案": "工作方案", "报告": "工作报告", "意见": "实施意见", "通知": "通知"}
DOCTYPE_WORDS = ("阶段性工作总结", "工作总结", "工作方案", "实施方案", "工作报告", "实施意见", "总结", "方案", "报告", "意见")
USER_ORG, USER_YEAR = "某县卫生健康局", 2026


def held_out_files() -> list[Path]:
    return (sorted((CORPUS / "seeds").glob("*.txt")) + [CORPUS / r for r in HELD_OUT_REPORTS]
            + [CORPUS / r for r in HELD_OUT_POLICIES])


def request_topic(path: Path, doc) -> str:
    org = source_org(doc.title, doc.org)
    if path.parent.name == "policies":
        return topics.title_topic(doc.title, org) or topic_of(doc.title, org)
    return topic_of(doc.title, org)


def build_index() -> float:
    """Index corpus/ minus the held-out files; returns seconds spent (≈0 when nothing changed)."""
    held = {p.resolve() for p in held_out_files()}
    files = [p for p in list_files([CORPUS]) if p.resolve() not in held]
    started = time.perf_counter()
    settings = Settings(index_dir=INDEX)
    report = ingest(files, settings, sync=True, progress=print_progress)
    print(report.summary(), file=sys.stderr)
    # sync drops files that vanished from disk, not files left out of the list: a held-out file indexed
    # by an earlier run (one with a shorter held-out list) is removed explicitly
    gone, removed = remove([str(p) for p in held], settings)
    if gone:
        print(removed.summary(), file=sys.stderr)
    return time.perf_counter() - started


def topic_of(title: str, org: str | None) -> str:
    """卫生局2010年软环境建设工作总结 → 软环境建设; 2016年中华人民共和国国务院政府工作报告 → 政府工作."""
    topic = re.sub(r"(?:19|20)\d{2}年度?|[“”\"《》]", "", title)
    for word in filter(None, (org, "中华人民共和国国务院", "中华人民共和国", "国务院")):
        topic = topic.replace(word, "")
    topic = re.sub(r"^(?:[^\s]{2,6}?(?:省|市|自治区))", "", topic)  # 北京市政府工作报告 → 政府工作报告
    for word in DOCTYPE_WORDS:
        if topic.endswith(word):
            topic = topic[: -len(word)]
            break
    topic = topic.strip() or "政府工作"
    return "政府工作" if topic in ("政府", "人民政府") else topic


def all_sections(sections):
    for section in sections:
        yield section
        yield from all_sections(section.subsections)


def chosen_paragraphs(outline):
    retrieved = [p for p in (*outline.opening, *outline.closing) if p.source]
    return retrieved + [p for s in all_sections(outline.sections) for p in s.paragraphs]


def every_paragraph(outline):
    """Opening, closing, chosen section paragraphs and all alternatives."""
    sections = list(all_sections(outline.sections))
    return [*outline.opening, *outline.closing, *(p for s in sections for p in s.paragraphs),
            *(p for s in sections for group in s.alternatives for p in group)]


def fixed_texts(templates) -> set[str]:
    return {t for tpl in templates.values() for t in (tpl.opening.lead, tpl.opening.text, tpl.closing.text) if t}


def heading_coverage(doc, outline) -> tuple[int, int]:
    roles = {r for s in all_sections(outline.sections) for r in s.roles}
    headings = [p.text for p in doc.paragraphs if p.is_heading and p.level == 1]
    hit = sum(role_of_path((h,), doc.doctype) in roles for h in headings)
    return hit, len(headings)


def cosine_to_topic(embedder, topic: str, texts: list[str]) -> list[float]:
    if not texts:
        return []
    q = np.asarray(embedder.encode_query(topic), dtype=np.float32).ravel()
    return [float(x) for x in np.asarray(embedder.encode(texts), dtype=np.float32) @ q]


def material_hits(index, query: str, n: int, **kw) -> list:
    """The first n draft-material hits of a search, widening k until n are found (most plain hits of a
    short topic can be statute articles or fragments)."""
    k = max(4 * n, 40)
    while True:
        hits = index.search(query, k=k, **kw)
        usable = [h for h in hits if is_draft_material(h.text, h.doctype)]  # as in a narrative 文种
        if len(usable) >= n or len(hits) < k or k >= index.n:
            return usable[:max(1, n)]
        k *= 4


def peers(index, topic: str, n: int, rng: random.Random) -> tuple[list, list[str], list[str]]:
    """The plain top-n topic hits, and texts of the top-n hits that are draft material (not a
    fragment: short heading-like lines such as 政府工作报告 score high on a short topic; not a
    statute's article), and of n random indexed paragraphs."""
    top = index.search(topic, k=n)
    usable = [h.text for h in material_hits(index, topic, n)]
    # the indexed paragraphs (row numbers have gaps once documents were removed)
    live = [tuple(r) for r in index.backend.sql("SELECT row, text FROM paragraphs WHERE row IS NOT NULL ORDER BY row")]
    rand = [text for _row, text in rng.sample(live, min(n, len(live)))]
    return top, usable, rand


def role_peers(index, topic: str, outline, n: int) -> list[str]:
    """Texts of the top-n draft-material hits of a topic search restricted to the roles the outline's
    sections draw on (with their kindred roles): what topic-first choice could reach under the roles."""
    from assistant.compose.retrieval import KINDRED_ROLES
    from assistant.search.engine import Filters

    roles = {r for s in all_sections(outline.sections) for r in s.roles} | {"开头"}
    roles |= {k for r in list(roles) for k in KINDRED_ROLES.get(r, ())}
    return [h.text for h in material_hits(index, topic, n, filters=Filters(role=tuple(sorted(roles))))]


def ceiling_peers(index, topic: str, n: int) -> list[str]:
    """Texts of the n draft-material paragraphs most similar to the topic in the whole index (dense
    similarity alone, near-duplicates collapsed): the most topical n paragraphs any choice could use."""
    return [h.text for h in material_hits(index, topic, n, signals=("dense",))]


def evaluate(index, templates, path: Path, rng: random.Random, fixed: set[str]) -> tuple[dict, object]:
    doc = parse_file(path)[0]
    name = DOCTYPE_TEMPLATE.get(doc.doctype or "", "工作报告")
    topic = request_topic(path, doc)
    index.embedder._query_cache.cache_clear()  # noqa: SLF001 — time each outline with its own query embeddings
    started = time.perf_counter()
    outline = compose(index, templates, name, topic, USER_ORG, USER_YEAR)
    seconds = time.perf_counter() - started
    # a template section counts once: filled if it or the （一）（二） sub-sections made for it from
    # precedent sub-headings (heading_source set) have paragraphs
    asked = [s for s in all_sections(outline.sections) if getattr(s, "heading_source", None) is None
             and (s.paragraphs or not s.subsections or _generated(s))]
    chosen = chosen_paragraphs(outline)
    everything = every_paragraph(outline)
    ids = [p.source.para_id for p in everything if p.source]
    top, usable, rand = peers(index, topic, max(1, len(chosen)), rng)
    covered, headings = heading_coverage(doc, outline)
    row = {
        "file": path.name, "doctype": doc.doctype, "template": name, "topic": topic,
        "sections_filled": sum(bool(s.paragraphs) or any(x.paragraphs for x in _generated(s)) for s in asked),
        "sections": len(asked),
        "gaps": sum(1 for s in all_sections(outline.sections) if getattr(s, "gap", "")),
        "paragraphs": len(chosen), "alternatives": sum(len(g) for s in all_sections(outline.sections)
                                                       for g in s.alternatives),
        "topic_cos": cosine_to_topic(index.embedder, topic, [p.precedent for p in chosen]),
        "topic_cos_top_hits": cosine_to_topic(index.embedder, topic, [h.text for h in top]),
        "topic_cos_top_usable_hits": cosine_to_topic(index.embedder, topic, usable),
        "topic_cos_top_role_hits": cosine_to_topic(index.embedder, topic, role_peers(index, topic, outline, len(chosen))),
        "topic_cos_ceiling": cosine_to_topic(index.embedder, topic, ceiling_peers(index, topic, len(chosen))),
        "topic_cos_random": cosine_to_topic(index.embedder, topic, rand),
        "headings_covered": covered, "headings": headings,
        "reused_twice": len(ids) - len(set(ids)),
        "without_source": sum(1 for p in everything if p.source is None and p.text not in fixed),
        "unmarked_digits": sum(len(unmarked_digits(p.text, USER_YEAR)) for p in everything),
        "marks": sum(len(p.review) for p in chosen),
        "same_doctype": sum(1 for p in chosen if _doctype(index, p.source.doc_id) == doc.doctype),
        "provisions": sum(is_provision(p.precedent, _doctype(index, p.source.doc_id)) for p in chosen),
        "top_hit_provisions": sum(is_provision(h.text, h.doctype) for h in top),
        "still_naming": sum(still_naming(index, p, topic) for p in chosen),
        "subheadings": sum(1 for s in all_sections(outline.sections) if s.level == 2),
        "consecutive": consecutive(outline),
        "levels": source_levels(index, chosen),
        "seconds": seconds,
    }
    return row, outline


def _generated(section) -> list:
    return [x for x in section.subsections if getattr(x, "heading_source", None) is not None]


_TOPIC_CACHE: dict[str, object] = {}


def precedent_topic_of(index, doc_id: str):
    if doc_id not in _TOPIC_CACHE:
        title, org, doc = index.backend.sql("SELECT title, org, id FROM documents WHERE doc_id = ? LIMIT 1", (doc_id,))[0]
        texts = [r[0] for r in index.backend.sql("SELECT text FROM paragraphs WHERE doc = ?", (doc,))]
        _TOPIC_CACHE[doc_id] = topics.precedent_topic(title or "", source_org(title or "", org), texts)
    return _TOPIC_CACHE[doc_id]


def still_naming(index, paragraph, topic: str) -> bool:
    return topics.still_names(paragraph.text, precedent_topic_of(index, paragraph.source.doc_id),
                              topics.user_topic(topic))


def source_levels(index, chosen) -> list[str]:
    """The administrative level each chosen paragraph's source speaks for (国/省/市/县…, "" unknown)."""
    from assistant.compose.precedents import Precedents
    from assistant.models import Hit

    precedents = Precedents(index)
    return [precedents.info(Hit(doc_id=p.source.doc_id, para_id=p.source.para_id, score=0, title=p.source.title,
                                heading_path=(), role="", text=p.precedent, original="", source=p.source.source)).level or ""
            for p in chosen]


def off_level_share(rows: list[dict]) -> float:
    """Share of chosen paragraphs whose source speaks for another level than most of its draft's."""
    from collections import Counter

    off = total = 0
    for r in rows:
        if r["levels"]:
            top = Counter(r["levels"]).most_common(1)[0][1]
            off, total = off + len(r["levels"]) - top, total + len(r["levels"])
    return off / max(1, total)


def consecutive(outline) -> int:
    """Chosen paragraphs that directly follow the previous one of their section in the same precedent."""
    n = 0
    for section in all_sections(outline.sections):
        refs = [p.source for p in section.paragraphs if p.source]
        for a, b in zip(refs, refs[1:]):
            (da, ia), (db, ib) = a.para_id.rsplit("#", 1), b.para_id.rsplit("#", 1)
            n += da == db and int(ib) == int(ia) + 1
    return n


def held_out_adaptation(files: list[Path]) -> dict:
    """Each held-out document's own body paragraphs reused for the next held-out document's topic:
    share still naming their own topic/campaigns as slot filling alone leaves them, and adapted."""
    docs = [(p, parse_file(p)[0]) for p in files]
    out = {}
    for half, picked in (("tune", docs[0::2]), ("test", docs[1::2])):
        before = after = total = 0
        for i, (_path, doc) in enumerate(picked):
            user = topics.user_topic(request_topic(*picked[(i + 1) % len(picked)]))
            org = source_org(doc.title, doc.org)
            own = topics.precedent_topic(doc.title, org, [p.text for p in doc.body])
            for p in doc.body:
                raw, _ = fill_slots(p.text, org, None, USER_ORG, USER_YEAR)
                adapted, _ = fill_slots(topics.adapt_topic(p.text, own, user)[0], org, None, USER_ORG, USER_YEAR)
                before += topics.still_names(raw, own, user)
                after += topics.still_names(adapted, own, user)
                total += 1
        out[half] = {"paragraphs": total, "naming_before": before / max(1, total), "naming_after": after / max(1, total)}
    return out


def _doctype(index, doc_id: str) -> str | None:
    rows = index.backend.sql("SELECT doctype FROM documents WHERE doc_id = ? LIMIT 1", (doc_id,))
    return rows[0][0] if rows else None


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


def print_table(rows: list[dict]) -> None:
    print(f"{'文件':<28}{'模板':<6}{'主题':<14}{'填充':>6}{'段落':>5}{'余弦':>7}{'检索首位':>8}{'随机':>7}"
          f"{'标题覆盖':>8}{'同文种':>6}{'重复':>5}{'无源':>5}{'秒':>6}")
    for r in rows:
        print(f"{r['file'][:27]:<28}{r['template']:<6}{r['topic'][:12]:<14}"
              f"{r['sections_filled']:>3}/{r['sections']:<2}{r['paragraphs']:>5}{mean(r['topic_cos']):>7.3f}"
              f"{mean(r['topic_cos_top_hits']):>8.3f}{mean(r['topic_cos_random']):>7.3f}"
              f"{r['headings_covered']:>5}/{r['headings']:<2}{r['same_doctype']:>6}{r['reused_twice']:>5}"
              f"{r['without_source']:>5}{r['seconds']:>6.2f}")


def summary(rows: list[dict], warmup: float, index_seconds: float) -> dict:
    cos = [c for r in rows for c in r["topic_cos"]]
    return {
        "outlines": len(rows),
        "sections_filled": sum(r["sections_filled"] for r in rows), "sections": sum(r["sections"] for r in rows),
        "mean_topic_cos": mean(cos),
        "mean_topic_cos_top_hits": mean(c for r in rows for c in r["topic_cos_top_hits"]),
        "mean_topic_cos_top_usable_hits": mean(c for r in rows for c in r["topic_cos_top_usable_hits"]),
        "mean_topic_cos_top_role_hits": mean(c for r in rows for c in r.get("topic_cos_top_role_hits", ())),
        "mean_topic_cos_ceiling": mean(c for r in rows for c in r.get("topic_cos_ceiling", ())),
        "mean_topic_cos_random": mean(c for r in rows for c in r["topic_cos_random"]),
        "heading_role_coverage": sum(r["headings_covered"] for r in rows) / max(1, sum(r["headings"] for r in rows)),
        "reused_twice": sum(r["reused_twice"] for r in rows),
        "without_source": sum(r["without_source"] for r in rows),
        "unmarked_digits": sum(r["unmarked_digits"] for r in rows),
        "same_doctype_share": sum(r["same_doctype"] for r in rows) / max(1, sum(r["paragraphs"] for r in rows)),
        "provisions": f'{sum(r["provisions"] for r in rows)}/{sum(r["paragraphs"] for r in rows)}',
        "top_hit_provisions": f'{sum(r["top_hit_provisions"] for r in rows)}/{sum(r["paragraphs"] or 1 for r in rows)}',
        "still_naming_precedent_topic_share": {
            half: sum(r["still_naming"] for r in part) / max(1, sum(r["paragraphs"] for r in part))
            for half, part in (("all", rows), ("tune", rows[0::2]), ("test", rows[1::2]))},
        "by_half": {half: half_summary(part) for half, part in (("tune", rows[0::2]), ("test", rows[1::2]))},
        "chosen_minus_peer_95ci": {key: paired_interval(rows, key) for key in
                                   ("topic_cos_top_hits", "topic_cos_top_usable_hits", "topic_cos_ceiling")},
        "subheadings": sum(r["subheadings"] for r in rows),
        "sections_with_gap_note": sum(r.get("gaps", 0) for r in rows),
        "consecutive_paragraphs": sum(r["consecutive"] for r in rows),
        "off_level_share": off_level_share(rows),
        "levels_per_draft": mean(len(set(r["levels"])) for r in rows if r["levels"]),
        "compose_seconds_median": statistics.median(r["seconds"] for r in rows),
        "compose_seconds_max": max(r["seconds"] for r in rows),
        "first_compose_seconds_incl_model_load": warmup,
        "index_seconds": index_seconds,
    }


def paired_interval(rows: list[dict], peer: str, resamples: int = 4000) -> dict:
    """Mean over distinct requests (文种 + topic; the ten government reports ask the same one) of the
    chosen paragraphs' mean topic cosine minus the peer's, with a 95 % bootstrap interval over requests."""
    by_request = {(r["template"], r["topic"]): mean(r["topic_cos"]) - mean(r[peer]) for r in rows if r["topic_cos"]}
    diffs = np.array(list(by_request.values()))
    rng = np.random.default_rng(0)
    boot = rng.choice(diffs, size=(resamples, len(diffs)), replace=True).mean(axis=1)
    return {"requests": len(diffs), "mean": float(diffs.mean()),
            "low": float(np.percentile(boot, 2.5)), "high": float(np.percentile(boot, 97.5))}


def half_summary(rows: list[dict]) -> dict:
    """Topic cosine (chosen vs plain top hits, ceiling, random), sections filled, role coverage, compose time of one half."""
    return {
        "outlines": len(rows),
        "mean_topic_cos": mean(c for r in rows for c in r["topic_cos"]),
        "mean_topic_cos_top_hits": mean(c for r in rows for c in r["topic_cos_top_hits"]),
        "mean_topic_cos_top_usable_hits": mean(c for r in rows for c in r["topic_cos_top_usable_hits"]),
        "mean_topic_cos_top_role_hits": mean(c for r in rows for c in r.get("topic_cos_top_role_hits", ())),
        "mean_topic_cos_ceiling": mean(c for r in rows for c in r.get("topic_cos_ceiling", ())),
        "mean_topic_cos_random": mean(c for r in rows for c in r["topic_cos_random"]),
        "sections_filled": f"{sum(r['sections_filled'] for r in rows)}/{sum(r['sections'] for r in rows)}",
        "heading_role_coverage": sum(r["headings_covered"] for r in rows) / max(1, sum(r["headings"] for r in rows)),
        "compose_seconds_median": statistics.median(r["seconds"] for r in rows),
    }


def print_samples(outlines: list, n: int = 10) -> None:
    """Ten slot-filled paragraphs with the most review marks, at most two per outline."""
    picked = []
    for outline in outlines:
        ranked = sorted(chosen_paragraphs(outline), key=lambda p: -len(p.review))
        picked += [(outline.title, p) for p in ranked[:2] if p.review]
    print("\n== 抽样：套用后的段落与待核实标记（供人工检查）==")
    for title, p in picked[:n]:
        print(f"\n《{title}》 ← 《{p.source.title}》 {p.source.para_id}")
        print(f"  原文：{p.precedent[:160]}{'…' if len(p.precedent) > 160 else ''}")
        print(f"  套用：{p.text[:200]}{'…' if len(p.text) > 200 else ''}")
        print(f"  待核实：{'；'.join(p.review)}")


def main() -> None:
    global INDEX
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "compose_bench.json")
    parser.add_argument("--index", type=Path, default=INDEX, help="index folder (built or updated incrementally)")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="override choice.TOPIC_TOLERANCE (choose it on the tuning half only)")
    args = parser.parse_args()
    INDEX = args.index
    if args.tolerance is not None:
        choice.TOPIC_TOLERANCE = args.tolerance
    index_seconds = build_index()
    index = open_index(INDEX)
    templates = load_templates(None)
    started = time.perf_counter()  # warm-up: model load, jieba dictionaries
    compose(index, templates, "工作总结", "安全生产", USER_ORG, USER_YEAR)
    warmup = time.perf_counter() - started
    rng = random.Random(7)
    fixed = fixed_texts(templates)
    results = [evaluate(index, templates, path, rng, fixed) for path in held_out_files()]
    rows = [r for r, _ in results]
    print_table(rows)
    total = summary(rows, warmup, index_seconds)
    total["held_out_adaptation"] = held_out_adaptation(held_out_files())
    print("\n" + json.dumps(total, ensure_ascii=False, indent=2))
    print_samples([o for _, o in results])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": total, "outlines": rows}, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
