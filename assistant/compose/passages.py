"""Text checks for precedent paragraphs used in drafts (pure functions)."""

from __future__ import annotations

import os
import re
from pathlib import PurePath

from assistant.ingest.meta import org_from_title

MIN_CHARS = 20
_ENUMERATOR = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、是要]|\d{1,2}[、.．](?!\d)"
    r"|第[一二三四五六七八九十]{1,3}[，、,]|第[一二三四五六七八九十百零〇]{1,6}条\s|首先[，,]|其次[，,]|再次[，,]|最后[，,])\s*")
_LIST_INTRO = re.compile(r"(如下|以下[^。；]{0,8})[：:。]?\s*$")
_TRANSITION = re.compile(r"(如下|本方案|本意见|本通知|本报告|本办法)[：:。]?\s*$|(现将|现就|现提出|特制定|现制定)[^。]*[：:。]\s*$")
_ADDRESSEE = re.compile(r"^各[^。：:；]{0,80}(人民政府|政府|机构|部门|单位|（局）|局|委|办|厅|院|公司|集团|学校|兵团)[：:](?=.{20})")
# an address to the audience a speech or a 政府工作报告 opens a paragraph with (各位代表！ 同志们：)
_SALUTATION = re.compile(r"^\s*(?:各位代表|同志们|各位委员|各位领导|女士们、先生们|朋友们)(?:[、，,][^。！!：:]{1,20})?[！!：:，,]\s*")
# 文种 of binding rules: their paragraphs are provisions to cite (根据《条例》第五条), not narrative a
# 总结/方案/报告/通知 can reuse — the parser's names (ingest.meta.DOCTYPES)
NORMATIVE_DOCTYPES = frozenset({"条例", "规定", "细则", "办法", "解释", "法律", "章程", "守则"})
_ARTICLE = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]{1,6}条")
_ORG_END = re.compile(r"(人民政府|政府|委员会|办公厅|办公室|局|厅|委|部|署|党委|党组|(?<!医)院)")


def is_fragment(text: str, opening: bool = False) -> bool:
    """Too short, a heading-like line, a list of names, or (except for an opening, which ends
    with 现将……总结如下：) the lead-in of a list: not draft material."""
    t = text.strip()
    if len(t) < MIN_CHARS:
        return True
    if not opening and (t.endswith(("：", ":")) or _LIST_INTRO.search(t)):
        return True
    if t.count("、") * 8 > len(t) or "抄送：" in t or re.search(r"印发\s*$|^附件", t):
        return True  # a list of names, or the 版记 (抄送/印发) of a document
    return not re.search(r"[。；！？!?]", t) and len(t) < 60


def is_provision(text: str, doctype: str | None) -> bool:
    """A provision of a law or regulation: any paragraph of a 条例/办法/法…, or one that opens with
    a 第五条 article number wherever it stands."""
    return doctype in NORMATIVE_DOCTYPES or bool(_ARTICLE.match(text))


def is_draft_material(text: str, doctype: str | None, opening: bool = False, doctypes: tuple[str, ...] = ()) -> bool:
    """Reusable in a draft: no fragment, and no statute provision unless the draft is of its 文种
    (`doctypes`, the template's match_doctypes) — a statute's article is cited, not reused."""
    return not is_fragment(text, opening=opening) and (doctype in doctypes or not is_provision(text, doctype))


def strip_enumerator(text: str) -> str:
    """Drop a leading 一是 / （三） / 1、 / 首先， / a law's 第三十七条 — the paragraph's place in the draft differs."""
    return _ENUMERATOR.sub("", text, count=1).strip()


def strip_salutation(text: str) -> str:
    """Drop a leading address to an audience (各位代表！ / 同志们、朋友们：) — only a speech keeps it."""
    return _SALUTATION.sub("", text, count=1).strip() or text


def strip_addressee(text: str) -> str:
    """Drop a 主送机关 line run into the first paragraph (各省、自治区、直辖市人民政府，…：)."""
    return _ADDRESSEE.sub("", text, count=1).strip() or text


def ends_with_transition(text: str) -> bool:
    """The paragraph already ends like 现将有关情况总结如下： / 特制定本方案。"""
    return bool(_TRANSITION.search(text.strip()))


def digit_runs(text: str) -> int:
    return len(re.findall(r"\d+(?:\.\d+)?", text))


def source_org(title: str, org: str | None) -> str | None:
    """The issuing body: the parsed org, else the title's leading organisation (卫生局2010年… → 卫生局)."""
    if org:
        return org
    stem = re.sub(r"(?:19|20)\d{2}年度?", "", title or "")
    found = org_from_title(stem)
    if found:
        return found
    m = _ORG_END.search(stem[:14])
    if m and not stem.startswith(("关于", "在")) and m.end() >= 2:
        return stem[:m.end()]
    return None


def year_of(date: str | None, year: int | None, title: str) -> int | None:
    """The source document's own year: its date, else the first year in its title."""
    if date and re.match(r"\d{4}", date):
        return int(date[:4])
    if year:
        return int(year)
    m = re.search(r"((?:19|20)\d{2})\s*年", title or "")
    return int(m.group(1)) if m else None


def dominant_level(texts: list[str]) -> str | None:
    """The level a document speaks for, from 全市/我区… counts (an org named 卫生局 gains 区)."""
    joined = "".join(texts)
    counts = {level: len(re.findall(f"(?:全|我|本){level}", joined)) for level in "省市县区"}
    best = max(counts, key=counts.get)
    return best if counts[best] >= 2 else None


def corpus_root(first: str, last: str) -> str:
    """The folder every indexed file lies under, from the lexicographically first and last paths
    (their common path is that of all paths in between)."""
    try:
        root = os.path.commonpath([first, last])
    except ValueError:  # different drives, or relative and absolute mixed
        return ""
    return str(PurePath(root).parent) if root in (first, last) else root


def relative_to(path: str, root: str) -> str:
    """`path` relative to `root` with / separators; the file name alone when it lies elsewhere."""
    try:
        return PurePath(path).relative_to(root).as_posix() if root else PurePath(path).name
    except ValueError:
        return PurePath(path).name
