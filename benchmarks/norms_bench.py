"""gongwen check measured: findings on clean published documents, and recall/precision per rule
family on the same documents with errors injected (one error of one family per copy).

Documents: ../shared/data/corpora — gccmpd 公文 (通知/函/批复 …), national government work
reports, a seeded sample of laws. Each document falls in the tuning or the test half by a hash
of its id; the rules were tuned on the tuning half, the report is for the test half.

    .venv/bin/python benchmarks/norms_bench.py                 # test half
    .venv/bin/python benchmarks/norms_bench.py --half tuning --limit 200 --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.norms import ERROR, FAMILIES, check_document, from_text  # noqa: E402
from assistant.norms.document import CheckDocument  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora"
SEED = 20261201


def load_corpus(limit_laws: int = 300) -> list[tuple[str, str, str]]:
    """(id, corpus, text, title) of every clean document; the text starts with the title."""
    docs = []
    for line in open(CORPORA / "gccmpd_prc_policies" / "prc_policies_zh.jsonl", encoding="utf-8"):
        r = json.loads(line)
        docs.append((r["id"], "gccmpd", _with_title(r["title"], r["text"]), r["title"]))
    reports = CORPORA / "gov_work_reports_wikisource" / "government_work_reports.jsonl"
    for n, line in enumerate(open(reports, encoding="utf-8")):
        r = json.loads(line)
        docs.append((f"report-{n}", "reports", _with_title(r["title"], r["content"]), r["title"]))
    laws = sorted(p for p in (CORPORA / "lawrefbook_laws").rglob("*.md")
                  if p.name.lower() not in ("_index.md", "readme.md", "source.md"))
    random.Random(SEED).shuffle(laws)
    for path in laws[:limit_laws]:
        docs.append((f"law-{path.stem}", "laws", _without_info(path.read_text(encoding="utf-8")), None))
    return docs


def _without_info(text: str) -> str:
    """A lawrefbook file without the block lawrefbook puts between the title and <!-- INFO END -->:
    the converter's own rendering of the 题注 (dates and 修正 notes, one per line, the opening （ of
    the original note dropped), not text of the published law."""
    head, sep, body = text.partition("<!-- INFO END -->")
    if not sep:
        return text
    title = next((line for line in head.splitlines() if line.startswith("# ")), "")
    return f"{title}\n{body.lstrip()}" if title else body.lstrip()


def _with_title(title: str, text: str) -> str:
    return text if text.startswith(title[:10]) else f"{title}\n{text}"


def half_of(doc_id: str) -> str:
    return "tuning" if hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 0 else "test"


# injectors: (paragraphs, rng) → (paragraphs, paragraph index, start, end) or None ----------------

def _pick(rng, paragraphs, pattern, skip_first=True):
    """A random match of `pattern` in the document: (paragraph index, match) or None."""
    spots = [(i, m) for i, p in enumerate(paragraphs) if i or not skip_first for m in re.finditer(pattern, p)]
    return rng.choice(spots) if spots else None


def _replace(paragraphs, i, start, end, new):
    out = list(paragraphs)
    out[i] = out[i][:start] + new + out[i][end:]
    return out, i, start, start + len(new)


def _body(rng, paragraphs):
    """A random body paragraph long enough to take an inserted phrase."""
    spots = [i for i, p in enumerate(paragraphs) if i and len(p) > 20 and "。" in p]
    return rng.choice(spots) if spots else None


def _insert(rng, paragraphs, phrase, offset_in_phrase=0, length=None):
    i = _body(rng, paragraphs)
    if i is None:
        return None
    pos = paragraphs[i].index("。") + 1
    out = list(paragraphs)
    out[i] = out[i][:pos] + phrase + out[i][pos:]
    start = pos + offset_in_phrase
    return out, i, start, start + (length or len(phrase) - offset_in_phrase)


def inject_docnum(p, rng):
    spot = _pick(rng, p, r"〔(\d{4})〕(\d{1,4})号", skip_first=False)
    kind = rng.choice(["bracket", "di", "zero"])
    if spot is None:
        num = f"某政发〔{rng.randint(1990, 2026)}〕{rng.randint(1, 99)}号"
        phrase = {"bracket": num.replace("〔", "[").replace("〕", "]"), "di": num.replace("〕", "〕第"),
                  "zero": num.replace("〕", "〕0")}[kind]
        return _insert(rng, p, f"（参照{phrase}）", 3, len(phrase))
    i, m = spot
    year, num = m.group(1), m.group(2)
    new = {"bracket": rng.choice(["[{}]{}号", "（{}）{}号", "【{}】{}号"]).format(year, num),
           "di": f"〔{year}〕第{num}号", "zero": f"〔{year}〕0{num}号"}[kind]
    return _replace(p, i, m.start(), m.end(), new)


def inject_date(p, rng):
    spot = _pick(rng, p, r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日")
    if spot is None:
        return None
    i, m = spot
    y, mo, d = m.groups()
    choices = [f"{y}年{mo}月{d}号", f"{y[2:]}年{mo}月{d}日"]
    if len(mo) == 1:
        choices.append(f"{y}年0{mo}月{d}日")
    if len(d) == 1:
        choices.append(f"{y}年{mo}月0{d}日")
    new = rng.choice(choices)
    return _replace(p, i, m.start(), m.end(), new)


def inject_number(p, rng):
    kind = rng.choice(["fullwidth", "percent", "unit", "decimal"])
    if kind == "fullwidth":
        spot = _pick(rng, p, r"(?<![\d.])\d{2,4}(?![\d.])")
        if spot:
            i, m = spot
            return _replace(p, i, m.start(), m.end(), "".join(chr(ord(c) + 0xFEE0) for c in m.group()))
    if kind == "decimal":
        spot = _pick(rng, p, r"(?<![\d.])0\.\d+")
        if spot:
            i, m = spot
            return _replace(p, i, m.start(), m.end(), m.group()[1:])
    a, b = sorted(rng.sample(range(1, 90), 2))
    phrase = f"增幅为{a}～{b}%" if kind != "unit" else f"投入{a}～{b}万元"
    return _insert(rng, p, f"{phrase}。", 3, len(phrase) - 3 - (1 if kind == "unit" else 0))


def inject_punct(p, rng):
    kind = rng.choice(["half", "half", "pair", "deng", "double", "ellipsis"])
    if kind == "half":
        spot = _pick(rng, p, r"(?<=[\u4e00-\u9fff])[，；：？！](?=[\u4e00-\u9fff])")
        if spot:
            i, m = spot
            return _replace(p, i, m.start(), m.end(), {"，": ",", "；": ";", "：": ":", "？": "?", "！": "!"}[m.group()])
    if kind == "pair":
        spot = _pick(rng, p, r"《[^《》]{2,30}》")
        if spot:
            i, m = spot
            out = list(p)
            out[i] = out[i][:m.end() - 1] + out[i][m.end():]
            return out, i, m.start(), m.start() + 1
    if kind == "deng":
        spot = _pick(rng, p, r"(?<=[\u4e00-\u9fff])等(?=[\u4e00-\u9fff])")
        if spot:
            i, m = spot
            return _replace(p, i, m.start(), m.start(), "、")[0:2] + (m.start(), m.start() + 1)
    if kind == "double":
        spot = _pick(rng, p, r"(?<=[\u4e00-\u9fff])，(?=[\u4e00-\u9fff])")
        if spot:
            i, m = spot
            return _replace(p, i, m.start(), m.end(), "，，")
    if kind == "ellipsis":
        spot = _pick(rng, p, r"等(?=[\u4e00-\u9fff])")
        if spot:
            i, m = spot
            return _replace(p, i, m.end(), m.end(), rng.choice(["...", "。。。", "…", "......"]))
    spot = _pick(rng, p, r"(?<=[\u4e00-\u9fff])，(?=[\u4e00-\u9fff])")
    if spot:
        i, m = spot
        return _replace(p, i, m.start(), m.end(), ",")
    return None


def inject_level(p, rng):
    from assistant.norms.levels import heading_level

    heads = [(i, heading_level(t)) for i, t in enumerate(p) if i and heading_level(t)]
    heads = [(i, h) for i, h in heads if h[0] in (1, 2) and h[1] >= 2 and p[i][:h[2]] not in ("1、",)]
    if not heads:
        return None
    i, (level, number, length) = rng.choice(heads)
    kind = rng.choice(["sequence", "mark"])
    cn = "一二三四五六七八九十"
    if kind == "sequence" and number < 9:
        new = f"{cn[number]}、" if level == 1 else f"（{cn[number]}）"
        return _replace(p, i, 0, length, new)
    new = p[i][:length - 1] + "." if level == 1 else p[i][:length] + "、"
    return _replace(p, i, 0, length, new)


WORD_SWAPS = (("其他", "其它"), ("交代", "交待"), ("法治政府", "法制政府"), ("法治国家", "法制国家"),
              ("作出决定", "做出决定"), ("作出部署", "做出部署"), ("作出规定", "做出规定"), ("作为", "做为"),
              ("必须坚持", "必需坚持"), ("必须加强", "必需加强"), ("安排", "按排"), ("部署", "部暑"), ("贯彻", "贯切"),
              ("成分", "成份"), ("账户", "帐户"), ("即使", "既使"), ("一如既往", "一如继往"), ("看作", "看做"),
              ("再接再厉", "再接再励"), ("厉行节约", "励行节约"))


def inject_word(p, rng):
    spot = _pick(rng, p, r"截至(?=\d{4}年|目前|今年|\d{1,2}月)")
    options = [spot and ("截至", "截止", spot)]
    for right, wrong in WORD_SWAPS:
        found = _pick(rng, p, re.escape(right) + "(?![他们])" if right == "作为" else re.escape(right))
        if found:
            options.append((right, wrong, found))
    options = [o for o in options if o]
    if not options:
        return _insert(rng, p, "其它事项另行通知。", 0, 2)
    right, wrong, (i, m) = rng.choice(options)
    return _replace(p, i, m.start(), m.end(), wrong)


def inject_structure(p, rng, doc: CheckDocument):
    from assistant.norms.structure import addressee_span

    if doc.doctype not in ("通知", "请示", "函", "批复", "报告"):
        return None
    kind = rng.choice(["addressee", "date"])
    if kind == "addressee":
        span = addressee_span(doc)
        if span:
            i, s, e = span
            out = list(p)
            out[i] = out[i][:s] + out[i][e + 1:]
            return (out if out[i].strip() else out[:i] + out[i + 1:]), 0, 0, len(p[0])
    for i in range(len(p) - 1, max(0, len(p) - 4), -1):
        dates = list(re.finditer(r"\d{4}年\d{1,2}月\d{1,2}日", p[i][-60:]))
        if dates:
            m = dates[-1]
            off = len(p[i]) - len(p[i][-60:])
            return _replace(p, i, off + m.start(), off + m.end(), "")
    return None


INJECTORS = {"发文字号": inject_docnum, "日期": inject_date, "数字": inject_number, "标点": inject_punct,
             "层次序数": inject_level, "字词": inject_word, "结构": inject_structure}


def run(docs, limit: int | None):
    rng = random.Random(SEED)
    chars = 0
    clean = Counter()
    per_family = defaultdict(Counter)
    for doc_id, corpus, text, title in docs[:limit] if limit else docs:
        doc = from_text(text, doc_id, title=title)
        if not doc.paragraphs:
            continue
        chars += sum(len(p) for p in doc.paragraphs)
        base = check_document(doc)
        for f in base:
            clean[(f.category, f.severity)] += 1
        base_counts = Counter(f.category for f in base)
        for family, injector in INJECTORS.items():
            result = injector(doc.paragraphs, rng, doc) if family == "结构" else injector(doc.paragraphs, rng)
            if result is None:
                continue
            paragraphs, i, start, end = result
            injected = CheckDocument(doc.source, tuple(paragraphs), (), doc.doctype, doc.fmt)
            found = [f for f in check_document(injected) if f.category == family]
            if family == "结构":
                hit = len(found) > base_counts[family]
            else:
                hit = any(f.paragraph == i and f.start < max(end, start + 1) and start < max(f.end, f.start + 1)
                          for f in found)
            stats = per_family[family]
            stats["injected"] += 1
            stats["found"] += hit
            stats["new_false"] += max(0, len(found) - base_counts[family] - int(hit))
    return chars, clean, per_family


def report(chars, clean, per_family, half) -> dict:
    result = {"half": half, "chars": chars, "clean_per_1000_chars": {}, "families": {}}
    for category in FAMILIES:
        errors, advice = clean[(category, ERROR)], clean[(category, "建议")]
        result["clean_per_1000_chars"][category] = {"错误": round(errors / chars * 1000, 4),
                                                    "建议": round(advice / chars * 1000, 4)}
        s = per_family[category]
        if s["injected"]:
            recall = s["found"] / s["injected"]
            precision = s["found"] / (s["found"] + s["new_false"]) if s["found"] + s["new_false"] else 0.0
            result["families"][category] = {"injected": s["injected"], "recall": round(recall, 4),
                                            "precision": round(precision, 4)}
    total = sum(v for (c, sev), v in clean.items() if sev == ERROR)
    result["clean_errors_per_1000_chars"] = round(total / chars * 1000, 4)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", choices=["tuning", "test"], default="test")
    parser.add_argument("--limit", type=int, help="at most this many documents of the half")
    parser.add_argument("--laws", type=int, default=300, help="laws sampled into the corpus (default 300)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    docs = [d for d in load_corpus(args.laws) if half_of(d[0]) == args.half]
    random.Random(SEED).shuffle(docs)
    result = report(*run(docs, args.limit), args.half)
    result["documents"] = min(len(docs), args.limit or len(docs))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{args.half} half: {result['documents']} documents, {result['chars']:,} characters")
    print(f"clean documents, 错误-level findings per 1,000 chars: {result['clean_errors_per_1000_chars']}")
    print(f"{'family':<8}{'clean 错误/1k':>14}{'clean 建议/1k':>14}{'injected':>10}{'recall':>9}{'precision':>11}")
    for category in FAMILIES:
        c = result["clean_per_1000_chars"][category]
        f = result["families"].get(category, {})
        print(f"{category:<8}{c['错误']:>14}{c['建议']:>14}{f.get('injected', 0):>10}"
              f"{f.get('recall', float('nan')):>9.3f}{f.get('precision', float('nan')):>11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
