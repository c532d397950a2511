"""The four retrieval evaluation sets: corpus files + (qid, query, relevant keys).

1. **CMRC 2018 dev** (`unit="doc"`) — question → the passage it was asked about (a passage is one
   document; any of its paragraphs counts).
2. **Heading → section** (`unit="para"`) — national and provincial government work reports: the query
   is a level-2 heading, relevant are the body paragraphs under it (heading text is never indexed, in
   no level). Scored within the heading's own report (`report`) and across all reports (`corpus`).
3. **STARD** (`unit="article"`) — real layperson legal questions → the statute articles that answer
   them, over the laws they cite (from the laws corpus). A hit counts by article (law + 第X条): an
   article's continuation paragraphs belong to it. Vocabulary mismatch: colloquial questions, formal text.
4. **Policy title → document** (`unit="doc"`) — State Council / ministry 公文 (gccmpd): the query is the
   topic core of a document's title (issuer, 关于 and the 文种 ending removed: 《国务院关于加强节能工作的
   决定》 → 加强节能工作); the title, 文号 and heading line are removed from the indexed text and the
   document is indexed under a neutral id, so the query must be matched by what the body says. Queries
   whose core occurs verbatim in the body (批转/转发 documents quoting their own title) are left out —
   those are trivially easy; the documents stay as distractors.

Every set is split by query order: even positions tune, odd positions test (`evaluate.split`).
Sizes are bounded (documents, queries) so that a 2-core machine embeds them in minutes; the bounds and
the sampling seed are fixed, so the sets are the same on every run.
"""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

SEED = 13


@dataclass(frozen=True)
class EvalSet:
    name: str
    corpus: Path  # a .jsonl corpus file or a folder of files
    queries: list[tuple[str, str, frozenset[str]]]  # (qid, query, relevant keys)
    unit: str  # "doc": doc ids · "para": para ids · "article": law:第X条 keys (see article_keys)
    # "corpus": search the whole index; "report": only the document named before ":" in the qid.
    scopes: tuple[str, ...] = ("corpus",)


def sample(queries: list, limit: int | None) -> list:
    if not limit or len(queries) <= limit:
        return queries
    return sorted(random.Random(SEED).sample(queries, limit))


# ---- 1. CMRC ---------------------------------------------------------------------------------------
def cmrc_set(shared: Path, out: Path, limit: int | None = None) -> EvalSet:
    data = json.loads((shared / "data/retrieval/cmrc2018/cmrc2018_dev.squad.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "cmrc_dev.jsonl"
    lines, queries = [], []
    for article in data["data"]:
        for para in article["paragraphs"]:
            lines.append(json.dumps({"id": para["id"], "title": para["id"], "text": para["context"]}, ensure_ascii=False))
            queries += [(qa["id"], qa["question"], frozenset([para["id"]])) for qa in para["qas"]]
    _write_if_changed(corpus, "\n".join(lines))
    return EvalSet("CMRC2018-dev", corpus, sample(queries, limit), "doc")


# ---- 2. heading → section --------------------------------------------------------------------------
def heading_set(shared: Path, out: Path, limit: int | None = None, reports: int | None = None) -> EvalSet:
    """Level-2 heading → its section's body paragraphs, over national + provincial reports
    (the first `reports` of them if given)."""
    from assistant.ingest.structure import parse_raw
    from assistant.models import RawDocument

    out.mkdir(parents=True, exist_ok=True)
    records = list(report_records(shared))[:reports]
    corpus = out / "reports.jsonl"
    _write_if_changed(corpus, "\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    queries = []
    for record in records:
        doc = parse_raw(RawDocument(record["id"], str(corpus), record["text"], title=record["title"]))
        sections: dict[tuple[str, ...], list[str]] = {}
        for p in doc.paragraphs:
            if not p.is_heading:
                for depth in range(1, len(p.heading_path) + 1):
                    sections.setdefault(p.heading_path[:depth], []).append(f"{doc.doc_id}#{p.index}")
        for p in doc.paragraphs:
            path = p.heading_path + (p.text,)
            if p.is_heading and p.level == 2 and len(p.text) >= 4 and sections.get(path):
                queries.append((f"{doc.doc_id}:{p.index}", p.text, frozenset(sections[path])))
    return EvalSet("heading→section（本报告内检索；“全库”行：在全部报告中检索）", corpus, sample(queries, limit),
                   "para", ("report", "corpus"))


def report_records(shared: Path):
    root = shared / "data/corpora"
    for line in (root / "gov_work_reports_wikisource/government_work_reports.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("year"):
            yield {"id": f"gov-{item['year']}", "title": item["title"], "text": item["content"]}
    csv.field_size_limit(1 << 30)
    for path in sorted((root / "provincial_gov_reports_2026/output/2026_raw_text").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if (row.get("full_text") or "").strip():
                    province = row.get("province") or path.stem
                    yield {"id": f"prov-{province}", "title": row.get("title") or f"{province}政府工作报告",
                           "text": row["full_text"]}


# ---- 3. STARD --------------------------------------------------------------------------------------
STARD_PARAGRAPHS = 4500  # corpus budget: laws are added, most-cited first, until about this many paragraphs
_LABEL = re.compile(r"^(.+?)第([一二三四五六七八九十百千零〇]+)条")
ARTICLE = re.compile(r"^第([一二三四五六七八九十百千零〇]+)条")
_VERSION = re.compile(r"\((\d{4}-\d{2}-\d{2})\)$")


def law_name(name: str) -> str:
    return re.sub(r"^中华人民共和国", "", name.strip())


def stard_set(shared: Path, out: Path, limit: int | None = 800, budget: int = STARD_PARAGRAPHS) -> EvalSet:
    """Questions whose every cited article lies in the included laws; those laws' latest versions."""
    raw = json.loads((shared / "data/retrieval/stard/queries.json").read_text(encoding="utf-8"))
    labelled = []
    for item in raw:
        keys = set()
        for name in item["match_name"]:
            m = _LABEL.match(name)
            if m:
                keys.add(f"{law_name(m.group(1))}:{m.group(2)}")
        if keys and len(keys) == len(item["match_name"]):
            labelled.append((f"stard-{item['query_id']}", item["问题"].strip(), frozenset(keys)))
    cited: dict[str, int] = {}
    for _qid, _q, keys in labelled:
        for key in keys:
            cited[key.split(":")[0]] = cited.get(key.split(":")[0], 0) + 1
    files = law_files(shared / "data/corpora/lawrefbook_laws")
    laws_dir = out / "laws"
    laws_dir.mkdir(parents=True, exist_ok=True)
    chosen, used = set(), 0
    for law in sorted(cited, key=lambda name: (-cited[name], name)):
        if law not in files:
            continue
        size = sum(_body_lines(path) for path in files[law])
        if used and used + size > budget:
            continue
        chosen.add(law)
        used += size
        for path in files[law]:
            target = laws_dir / (f"{law}-{path.stem}.md" if len(files[law]) > 1 else f"{law}.md")
            _write_if_changed(target, path.read_text(encoding="utf-8"))
    queries = [q for q in labelled if all(key.split(":")[0] in chosen for key in q[2])]
    return EvalSet(f"STARD（{len(chosen)} 部法律法规）", laws_dir, sample(queries, limit), "article")


def law_files(root: Path) -> dict[str, list[Path]]:
    """Law name → its file(s): the latest dated version; 民法典 → its 编 files."""
    versions: dict[str, list[tuple[str, Path]]] = {}
    for path in root.rglob("*.md"):
        if path.name.startswith("_") or path.parent.name == "民法典":
            continue
        m = _VERSION.search(path.stem)
        name = law_name(_VERSION.sub("", path.stem))
        versions.setdefault(name, []).append((m.group(1) if m else "", path))
    out = {name: [max(found)[1]] for name, found in versions.items()}
    out["民法典"] = sorted(p for p in (root / "民法典").glob("*.md") if not p.name.startswith("_"))
    return out


def _body_lines(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    return sum(1 for line in text.splitlines() if line.strip() and not line.startswith("#"))


def article_keys(doc_paths: list[str], texts: list[str]) -> list[str]:
    """Judged key of each indexed row (rows in document order): law:article number ('' before the first
    article of a law). The law is the file name before '-' (see stard_set)."""
    keys, current, last_path = [], "", None
    for path, text in zip(doc_paths, texts):
        if path != last_path:
            current, last_path = "", path
        m = ARTICLE.match(text.strip())
        if m:
            current = f"{Path(path).stem.split('-')[0]}:{m.group(1)}"
        keys.append(current)
    return keys


# ---- 4. policy title → document -------------------------------------------------------------------
POLICY_DOCS = 400
_ENDING = re.compile(r"的?(?:通知|意见|决定|批复|复函|函|报告|请示|公告|通告|通报|办法|规定|条例|细则|规划|纲要|"
                     r"方案|计划|要点|指导意见|实施意见|若干意见|决议|指示|命令|令|紧急通知|补充通知)$")


def title_core(title: str) -> str:
    """Topic core of a 公文 title: after the last 关于 (or after 批转/转发), without 《》 and the 文种 ending."""
    core = title.split("关于")[-1] if "关于" in title else re.sub(r"^\S*?(?:批转|转发)", "", title)
    core = core.replace("《", "").replace("》", "").strip()
    for _ in range(2):
        core = _ENDING.sub("", core).strip()
    return core


def policy_set(shared: Path, out: Path, limit: int | None = None, docs: int = POLICY_DOCS) -> EvalSet:
    from assistant.ingest.meta import DOC_NUMBER_RE

    lines = (shared / "data/corpora/gccmpd_prc_policies/prc_policies_zh.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    items = [it for it in items if len(it.get("text") or "") >= 600 and it.get("title")]
    items = sorted(random.Random(SEED).sample(items, min(docs, len(items))), key=lambda it: it["id"])
    records, queries = [], []
    for n, item in enumerate(items):
        title, text = item["title"].strip(), item["text"]
        if text.startswith(title):
            text = text[len(title):]
        text = DOC_NUMBER_RE.sub("", text[:80], count=1) + text[80:]
        doc_id = f"policy-{n:04d}"
        records.append({"id": doc_id, "title": doc_id, "text": text})
        core = title_core(title)
        if len(core) >= 6 and core not in text.replace(" ", ""):
            queries.append((f"{doc_id}:q", core, frozenset([doc_id])))
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "policies.jsonl"
    _write_if_changed(corpus, "\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    return EvalSet(f"政策文件标题→文件（{len(records)} 篇）", corpus, sample(queries, limit), "doc")


def _write_if_changed(path: Path, text: str) -> None:
    """Rewrite only when the content differs (an unchanged file keeps its mtime: ingest skips it)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


BUILDERS = {"cmrc": cmrc_set, "headings": heading_set, "stard": stard_set, "policies": policy_set}
