#!/usr/bin/env python3
"""Build the bundled sample corpus (corpus/) from ../shared — deterministically.

    python3 scripts/make_corpus.py [--shared ../shared] [--out corpus]

Standard library only. The selection is fixed by the lists and quotas below, so
running it again reproduces the same files byte for byte. It rewrites only the
folders it owns (seeds/, gov_work_reports/, provincial_reports/, policies/, laws/)
and corpus/README.md.

What it writes:
  seeds/               the five shared seed files, copied byte-identically
  gov_work_reports/    national 政府工作报告 (Wikisource JSONL) as .txt
  provincial_reports/  2026 provincial reports (CSV full_text) as raw .txt, web chrome kept
  policies/            国务院 / 生态环境部 documents (GCCMPD JSONL) as .txt, run-on text kept
  laws/                laws and regulations (LawRefBook Markdown), copied byte-identically

For the JSONL sources the first line of each .txt is the title: when the text
already starts with the title followed by a line break it is kept as is; when it
starts with the title run on into the body (GCCMPD), a line break is inserted
after the title (no character changed); otherwise the title is prepended as a
line of its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OWNED_DIRS = ("seeds", "gov_work_reports", "provincial_reports", "policies", "laws")

# --- fixed selection ---------------------------------------------------------------

# Premier's reports of recent years (2020 is missing from the dataset), plus the
# 1954 report (traditional characters — exercises 繁→简) and one NPC resolution.
GOV_REPORT_YEARS = (2025, 2024, 2023, 2022, 2021, 2019, 2018, 2017, 2016, 2015, 2014, 2013, 1954)
GOV_REPORT_EXTRA_TITLES = ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议",)

# Chosen for the variety of their web chrome (fjlib reader bar, "您的位置", "当前位置",
# "字体 大 中 小", photo captions, "分享") and one without any.
PROVINCES = ("北京市", "浙江省", "广东省", "四川省", "云南省", "宁夏回族自治区", "贵州省", "陕西省")

# (source prefix, 文种 from the title suffix, how many, min chars, max chars)
POLICY_QUOTAS = (
    ("GOV_PRC", "通知", 5, 600, 12000),
    ("GOV_PRC", "意见", 3, 600, 12000),
    ("GOV_PRC", "批复", 3, 400, 12000),
    ("GOV_PRC", "决定", 2, 250, 12000),
    ("GOV_PRC", "复函", 1, 250, 12000),
    ("GOV_PRC", "函", 1, 250, 12000),
    ("GOV_PRC", "通报", 1, 250, 12000),
    ("GOV_PRC", "报告", 1, 250, 12000),
    ("GOV_PRC", "纪要", 1, 250, 12000),
    ("MEE_PRC", "通知", 3, 800, 12000),
    ("MEE_PRC", "函", 2, 800, 12000),
    ("MEE_PRC", "批复", 2, 800, 12000),
    ("MEE_PRC", "意见", 2, 800, 12000),
    ("MEE_PRC", "通报", 2, 800, 12000),
    ("MEE_PRC", "公告", 1, 600, 12000),
    ("MEE_PRC", "答复", 1, 800, 12000),
)
# An exact duplicate pair that exists in the source (same document published twice);
# kept on purpose so that duplicate detection has a real case to find.
POLICY_DUPLICATE_PAIR = ("GOV_PRC-19", "GOV_PRC-20")

LAW_PATHS = (
    "行政法规/政府信息公开条例(2019-04-03).md",
    "行政法规/信访工作条例(2022-02-25).md",
    "行政法规/重大行政决策程序暂行条例(2019-04-20).md",
    "行政法/基本医疗卫生与健康促进法(2019-12-28).md",
    "DLC/北京地方法规/地方性法规/北京/北京市信访条例.md",
    "部门规章/人力资源社会保障部/企业职工带薪年休假实施办法(2008-07-17).md",
)

DATASETS = {
    "seeds": "shared/seeds",
    "gov": "gov_work_reports_wikisource",
    "prov": "provincial_gov_reports_2026",
    "policy": "gccmpd_prc_policies",
    "law": "lawrefbook_laws",
}


@dataclass(frozen=True)
class Entry:
    path: str  # relative to corpus/
    title: str
    dataset: str  # key of DATASETS
    ref: str  # original id / url / path


# --- helpers -----------------------------------------------------------------------

_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f\u200b-\u200f\u2028\u2029\ufeff]')


def safe_name(title: str, limit: int = 60) -> str:
    name = _BAD.sub("", title)
    name = re.sub(r"\s+", "", name).strip(".")
    return name[:limit] or "untitled"


def with_title_line(title: str, text: str) -> str:
    if text.startswith(title + "\n") or text.startswith(title + "\r\n"):
        out = text
    elif text.startswith(title):
        out = title + "\n" + text[len(title):]
    else:
        out = title + "\n" + text
    return out if out.endswith("\n") else out + "\n"


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise SystemExit(f"name clash: {path}")
    path.write_text(text, encoding="utf-8", newline="")


def unique_path(folder: Path, stem: str, suffix: str, fallback: str) -> Path:
    path = folder / f"{stem}{suffix}"
    if path.exists():
        path = folder / f"{stem}_{fallback}{suffix}"
    return path


def evenly(items: list, n: int) -> list:
    """n items spread evenly over a list (deterministic)."""
    if n >= len(items):
        return list(items)
    return [items[int((i + 0.5) * len(items) / n)] for i in range(n)]


def read_source_md(folder: Path) -> tuple[str, str]:
    text = (folder / "SOURCE.md").read_text(encoding="utf-8")
    repo = re.search(r"^- Repository:\s*(\S+)", text, re.M)
    commit = re.search(r"^- Commit:\s*([0-9a-f]{7,40})", text, re.M)
    return (repo.group(1) if repo else "?", commit.group(1) if commit else "?")


# --- builders ----------------------------------------------------------------------


def build_seeds(shared: Path, out: Path) -> list[Entry]:
    # Titles for the listing come from the hand-checked gold file (the raw files
    # start with site chrome, not with their title).
    gold_path = shared / "gold" / "seeds.json"
    gold = json.loads(gold_path.read_text(encoding="utf-8"))["documents"] if gold_path.exists() else {}
    entries = []
    for src in sorted((shared / "seeds").iterdir()):
        if src.is_file():
            dst = out / "seeds" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            title = gold.get(src.name, {}).get("title_contains") or "（见文件）"
            entries.append(Entry(f"seeds/{src.name}", title, "seeds", f"seeds/{src.name}（原网址未记录）"))
    return entries


def build_gov_reports(corpora: Path, out: Path) -> list[Entry]:
    path = corpora / DATASETS["gov"] / "government_work_reports.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = []
    for year in GOV_REPORT_YEARS:
        hits = [r for r in rows if str(r.get("year")) == str(year)]
        if len(hits) != 1:
            raise SystemExit(f"government_work_reports: {len(hits)} records for {year}")
        chosen.append(hits[0])
    for title in GOV_REPORT_EXTRA_TITLES:
        hits = [r for r in rows if r["title"] == title]
        if len(hits) != 1:
            raise SystemExit(f"government_work_reports: {len(hits)} records titled {title}")
        chosen.append(hits[0])
    entries = []
    folder = out / "gov_work_reports"
    for r in chosen:
        dst = unique_path(folder, safe_name(r["title"]), ".txt", str(r.get("year")))
        write_text(dst, with_title_line(r["title"], r["content"]))
        entries.append(Entry(f"gov_work_reports/{dst.name}", r["title"], "gov", r["url"]))
    return entries


def build_provincial(corpora: Path, out: Path) -> list[Entry]:
    csv.field_size_limit(1 << 30)
    base = corpora / DATASETS["prov"] / "output" / "2026_raw_text"
    entries = []
    for prov in PROVINCES:
        src = base / f"2026_{prov}_政府工作报告.csv"
        with src.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if len(rows) != 1:
            raise SystemExit(f"{src}: expected one row, got {len(rows)}")
        r = rows[0]
        text = r["full_text"] if r["full_text"].endswith("\n") else r["full_text"] + "\n"
        dst = out / "provincial_reports" / f"{src.stem}.txt"
        write_text(dst, text)
        entries.append(Entry(f"provincial_reports/{dst.name}", r["title"], "prov", r["source_url"]))
    return entries


def _id_key(r: dict) -> tuple[str, int]:
    prefix, _, num = r["id"].rpartition("-")
    return prefix, int(num)


def build_policies(corpora: Path, out: Path) -> list[Entry]:
    path = corpora / DATASETS["policy"] / "prc_policies_zh.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=_id_key)
    by_id = {r["id"]: r for r in rows}
    dup_texts = {by_id[i]["text"] for i in POLICY_DUPLICATE_PAIR}

    chosen: list[dict] = []
    seen_texts: set[str] = set()
    for src, doctype, n, lo, hi in POLICY_QUOTAS:
        pool = [
            r
            for r in rows
            if r["id"].startswith(src + "-")
            and r.get("doctype_from_title") == doctype
            and lo <= len(r["text"]) <= hi
            and r["id"] not in POLICY_DUPLICATE_PAIR
            and r["text"] not in dup_texts
        ]
        # drop exact duplicates inside the pool (keep the first by id)
        uniq = []
        for r in pool:
            if r["text"] not in seen_texts:
                uniq.append(r)
                seen_texts.add(r["text"])
        picked = evenly(uniq, n)
        if len(picked) < n:
            print(f"warning: {src} {doctype}: only {len(picked)} of {n}", file=sys.stderr)
        chosen.extend(picked)
    chosen.extend(by_id[i] for i in POLICY_DUPLICATE_PAIR)

    # Titles that occur more than once in the selection (the duplicate pair above, and
    # two different 决定 amending the same regulation) get their id in the file name.
    title_count: dict[str, int] = {}
    for r in chosen:
        title_count[r["title"]] = title_count.get(r["title"], 0) + 1

    entries = []
    folder = out / "policies"
    for r in chosen:
        stem = safe_name(r["title"])
        if title_count[r["title"]] > 1:
            stem = f"{stem}_{r['id']}"
        dst = unique_path(folder, stem, ".txt", r["id"])
        write_text(dst, with_title_line(r["title"], r["text"]))
        ref = f"{r['id']} · {r['url']}" if r.get("url") else r["id"]
        entries.append(Entry(f"policies/{dst.name}", r["title"], "policy", ref))
    return entries


def build_laws(corpora: Path, out: Path) -> list[Entry]:
    base = corpora / DATASETS["law"]
    entries = []
    for rel in LAW_PATHS:
        src = base / rel
        dst = out / "laws" / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        first = src.read_text(encoding="utf-8").lstrip().splitlines()[0].lstrip("# ").strip()
        entries.append(Entry(f"laws/{dst.name}", first, "law", rel))
    return entries


# --- README ------------------------------------------------------------------------

README_HEAD = """\
# corpus/ — 随附示例公文语料

本目录是程序的默认语料（`bash scripts/run.sh` 处理的就是它）。除 `seeds/` 外，
全部由 `scripts/make_corpus.py` 从 `../shared` 中的公开数据集按固定规则选取生成，
重新运行该脚本可逐字节复现：

```
python3 scripts/make_corpus.py
```

## 版权说明

- 《中华人民共和国著作权法》第五条：法律、法规，国家机关的决议、决定、命令和其他具有立法、
  行政、司法性质的文件，及其官方正式译文，不适用该法（不受著作权保护）。`gov_work_reports/`、
  `provincial_reports/`、`policies/`、`laws/` 中的文件均属此类官方文件。各来源数据仓库本身
  未声明许可证；此处仅使用其中的官方文本，并注明出处。
- `seeds/` 中的五篇是从范文网站收集的真实网页范文（卫生系统的工作总结、方案、报告、实施意见），
  **有意保持原样**作为“脏”样本：含网站页眉页脚、HTML 残留、繁体字、拼音注音、分页前缀、
  乱码等，用于检验清洗与结构解析。原始网址未记录。它们与 `../shared/seeds/` 逐字节相同。

## 各子目录

| 目录 | 内容 | 处理方式 |
|---|---|---|
| `seeds/` | 5 篇网页范文（噪声样本） | 逐字节复制 |
| `gov_work_reports/` | 国务院政府工作报告（近年 + 1954 年繁体版）及一篇人大决议 | JSONL `content` 原样写出，首行为标题（内容不以标题开头时在前面补一行标题） |
| `provincial_reports/` | 2026 年省级政府工作报告 | CSV `full_text` 原样写出，**保留网页页眉等噪声**（清洗是产品的职责） |
| `policies/` | 国务院、国务院办公厅、生态环境部的通知、意见、批复、决定、函、复函、通报、公告、答复等 | JSONL `text` 原样写出；原数据的段落换行已丢失（整篇一行），保持不变；仅在标题后插入一个换行使首行为标题 |
| `laws/` | 法律、行政法规、地方性法规、部门规章（Markdown，章/节/条结构） | 逐字节复制 |

说明（去重检验用的真实案例，特意保留）：

- `policies/` 中 `国务院办公厅关于深化地质勘查队伍改革有关问题的通知_GOV_PRC-19/20` 两个文件
  内容完全相同——源数据中同一文件被收录了两次（完全重复）。
- `policies/` 中 `国务院关于修改《中华人民共和国对外合作开采陆上石油资源条例》的决定_GOV_PRC-…`
  两个文件标题相同，是 2007 年和 2011 年两次修改的决定，各附修改后的条例全文（近似重复）。

## 数据来源

| 数据集（`../shared/data/corpora/…`） | 仓库 | 提交 |
|---|---|---|
"""

README_EN = """
## English

This folder is the product's default corpus (what `bash scripts/run.sh` processes). Apart from
`seeds/`, every file is selected deterministically from public datasets in `../shared` by
`scripts/make_corpus.py`; running it again reproduces the folder byte for byte.

- `seeds/` — five real 范文 collected from web sample-essay sites, kept **raw on purpose** as
  noisy samples (site chrome, HTML remnants, traditional characters, pinyin annotations,
  pagination prefixes, mojibake). Byte-identical to `../shared/seeds/`; origin URLs not recorded.
- `gov_work_reports/` — State Council government work reports (recent years, plus 1954 in
  traditional characters) and one NPC resolution, from Chinese Wikisource via
  aldohemsn/chinese-political-corpora. First line = title (prepended when the content does not
  start with it).
- `provincial_reports/` — 2026 provincial government work reports, raw text including the web
  page chrome at the top (cleaning it is the product's job).
- `policies/` — State Council / General Office / Ministry of Ecology and Environment documents
  (通知, 意见, 批复, 决定, 函, 复函, 通报, 公告, 答复 …) from GCCMPD. Their paragraph breaks were lost by
  the original scraper; the text is kept as is, except that a line break is inserted after the
  leading title. Kept on purpose for duplicate detection: `GOV_PRC-19`/`GOV_PRC-20` are an exact
  duplicate pair present in the source; the two `国务院关于修改《…对外合作开采陆上石油资源条例》的决定`
  files (2007 and 2011 amendments, each with the full amended regulation) are near-duplicates.
- `laws/` — laws and regulations as Markdown (chapter/section/article structure), copied
  unchanged from LawRefBook/Laws.

Licence: PRC Copyright Law art. 5 — laws, regulations, resolutions, decisions, orders and other
documents of a legislative, administrative or judicial nature (and their official translations)
are not protected by copyright. The source repositories state no licence of their own; only the
official texts are used here, with their sources listed above and below.
"""

README_FORMATS = """
## 可入库的格式

本目录只含 `.txt`、`.md`、`.jsonl` 文件；自己的公文可用 `gongwen ingest` 或网页“语料库”页加入，支持
`.txt .md .docx .doc .wps .rtf .ofd .pdf .html .htm .jsonl` 与扫描的页面图片 `.png .jpg .jpeg .tif .tiff .bmp`
（或打包为 `.zip` 上传）。格式按文件内容识别；`.doc`/`.wps` 需要 LibreOffice（`scripts/setup.sh` 自动安装），
扫描件 PDF 与图片用离线 OCR 识别（`--no-ocr` 关闭）。
"""


def write_readme(shared: Path, out: Path, entries: list[Entry]) -> None:
    corpora = shared / "data" / "corpora"
    lines = [README_HEAD]
    for key in ("gov", "prov", "policy", "law"):
        repo, commit = read_source_md(corpora / DATASETS[key])
        lines.append(f"| `{DATASETS[key]}` | {repo} | `{commit}` |\n")
    lines.append(
        "\n## 文件清单（共 %d 个）\n\n| 文件 | 标题 | 数据集 | 原始编号 / 网址 / 路径 |\n|---|---|---|---|\n"
        % len(entries)
    )
    for e in entries:
        title = e.title.replace("|", "｜")
        ref = e.ref.replace("|", "%7C")
        lines.append(f"| `{e.path}` | {title} | `{DATASETS[e.dataset]}` | {ref} |\n")
    lines.append(README_EN)
    lines.append(README_FORMATS)
    (out / "README.md").write_text("".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "corpus")
    args = ap.parse_args(argv)
    shared, out = args.shared.resolve(), args.out.resolve()
    corpora = shared / "data" / "corpora"

    out.mkdir(parents=True, exist_ok=True)
    for name in OWNED_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)

    entries = []
    entries += build_seeds(shared, out)
    entries += build_gov_reports(corpora, out)
    entries += build_provincial(corpora, out)
    entries += build_policies(corpora, out)
    entries += build_laws(corpora, out)
    write_readme(shared, out, entries)

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{len(entries)} files, {size / 1e6:.2f} MB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
