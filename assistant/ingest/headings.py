"""Heading detection: numbering markers, run-in headings, unnumbered section headings.

A line is classified into a `Line` (heading with a numbering style, or body). Levels
are assigned later by `assign_levels`, from the order styles appear in, with the
conventional 公文 ranking (第X编 > 章 > 节 > 一、 > （一） > 1. > （1） > ①) used to
place a style that appears below or above those already open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "一二三四五六七八九十百零〇○两"
_CN = f"[{CN_NUM}]"

# style → (pattern of the numbering prefix, rank; None = placed relative to the open ones)
STYLES: dict[str, tuple[re.Pattern, int | None]] = {
    "bian": (re.compile(rf"^第{_CN}{{1,4}}编"), 1),
    "zhang": (re.compile(rf"^第{_CN}{{1,5}}章"), 2),
    "part": (re.compile(rf"^第{_CN}{{1,4}}部分"), 3),
    "jie": (re.compile(rf"^第{_CN}{{1,4}}节"), 4),
    "tiao": (re.compile(rf"^第{_CN}{{1,6}}条"), 6),
    "cn": (re.compile(rf"^({_CN}{{1,3}})\s*(?:[、，,]|[．.](?!\d))\s*"), 10),
    "cn_paren": (re.compile(rf"^[（(]\s*{_CN}{{1,3}}\s*[）)]\s*[、．.]?\s*"), 20),
    "arabic": (re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))\s*"), 30),
    "arabic_paren": (re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*[、．.]?\s*"), 40),
    "circled": (re.compile(r"^[①-⑳]\s*"), 50),
    "yishi": (re.compile(rf"^(?:{_CN}{{1,3}}是|其{_CN}{{1,2}}[，,、是]?)(?=[^，,、])"), None),
}
NAMED = ("bian", "zhang", "part", "jie", "tiao")  # the number is part of the heading's name

SECTION_WORDS = re.compile(
    r"^(指导思想|总体要求|总体思路|基本思路|工作思路|主要目标|工作目标|总体目标|目标任务|基本原则|工作原则|"
    r"主要任务|重点任务|主要举措|主要措施|工作措施|具体措施|重点工作|工作重点|主要内容|工作内容|"
    r"保障措施|组织保障|组织领导|组织实施|工作要求|有关要求|工作步骤|实施步骤|方法步骤|时间安排|进度安排|实施范围|适用范围|"
    r"基本情况|工作情况|主要做法|主要成效|工作成效|取得成效|存在问题|存在的问题|问题与不足|原因分析|"
    r"下一步打算|下一步工作打算|下一步工作计划|今后工作打算|工作打算|工作建议|意见建议|对策建议|有关建议|"
    r"背景|工作背景|重要意义|基本案情|裁判结果|典型意义|案情简介|法律依据|附则|总则|附件|结语|前言|引言)$"
)
_END_PUNCT = "。，；;,：:、"
_SENTENCE = re.compile(r"^(.{2,40}?)。(.+)$")
_SPACE_RUNIN = re.compile(r"^([^\s。，；：,;:]{2,40})\s+(\S.{20,})$")
_DATEISH = re.compile(r"(\d{4}|[二〇○零一]{4})\s*年.{1,3}月.{1,3}日$|^\d[\d.%]*$")


@dataclass(frozen=True)
class Line:
    """A classified line: a heading of `style` (with its stripped `number`) or body text."""

    text: str
    is_heading: bool
    style: str | None = None
    number: str = ""


def match_style(line: str) -> tuple[str, re.Match] | None:
    for style, (pattern, _rank) in STYLES.items():
        m = pattern.match(line)
        if m and len(line) > m.end():
            return style, m
    return None


def classify(line: str, next_line: str | None, in_article: bool) -> list[Line]:
    """Classify one cleaned line; a run-in heading yields [heading, body]."""
    found = match_style(line)
    if found is None:
        plain = is_plain_heading(line, next_line, in_article)
        return [Line(line, plain, "plain" if plain else None)]
    style, m = found
    if in_article and style not in ("bian", "zhang", "part", "jie", "tiao"):
        return [Line(line, False)]
    if style in NAMED:
        return classify_named(line, style, m)
    number, rest = line[: m.end()].strip(), line[m.end():].strip()
    if style != "yishi" and len(rest) <= 50 and rest[-1] not in _END_PUNCT and "。" not in rest:
        return [Line(rest, True, style, number)]
    if 1 < len(rest) <= 40 and rest.endswith("。") and rest.count("。") == 1 and _leads_body(next_line):
        return [Line(rest[:-1], True, style, number)]
    runin = _SENTENCE.match(rest) or (style != "yishi" and _SPACE_RUNIN.match(rest))
    limit = 30 if style == "yishi" else 40
    if runin and len(runin.group(1)) <= limit and not re.search("[；;：:]", runin.group(1)):
        return [Line(runin.group(1).strip(), True, style, number), Line(runin.group(2).strip(), False)]
    return [Line(line, False)]


def _leads_body(next_line: str | None) -> bool:
    """A one-sentence numbered line is a heading when a longer body paragraph follows it."""
    return next_line is not None and len(next_line) >= 20 and match_style(next_line) is None


def classify_named(line: str, style: str, m: re.Match) -> list[Line]:
    """第X章/节/编/部分/条: a heading when short and unpunctuated; an article otherwise."""
    if len(line) <= 40 and line[-1] not in _END_PUNCT + "。":
        return [Line(line, True, style)]  # 第一章 is part of the heading's name: no separate number
    if style == "tiao":
        return [Line(line, False, "tiao")]
    space = _SPACE_RUNIN.match(line)
    if space and len(space.group(1)) <= 30:
        return [Line(space.group(1), True, style), Line(space.group(2), False)]
    return [Line(line, False)]


def is_plain_heading(line: str, next_line: str | None, in_article: bool) -> bool:
    """An unnumbered section heading such as 指导思想 / 保障措施."""
    if not 2 <= len(line) <= 25 or re.search(r"[\s。，；：,;:！？!?、\"（）()·—\-]", line):
        return False
    if SECTION_WORDS.match(line):
        return True
    if re.search(r"[〔\[［]\d{4}[〕\]］]", line):  # a 文号 line, not a heading
        return False
    if in_article or next_line is None or _DATEISH.search(line):
        return False
    return len(next_line) >= 60 and next_line[-1] in "。！？”" and not match_style(next_line)


def assign_levels(styles: list[str | None]) -> list[int | None]:
    """Level (1 = top) for each heading style in document order; None for body lines."""
    stack: list[str] = []
    levels: list[int | None] = []
    for style in styles:
        if style is None:
            levels.append(None)
            continue
        if style in stack:
            del stack[stack.index(style) + 1:]
        else:
            rank = style_rank(style)
            while stack and _should_pop(stack[-1], rank):
                stack.pop()
            stack.append(style)
        levels.append(len(stack))
    return levels


def _should_pop(top: str, rank: int | None) -> bool:
    """A new style of `rank` closes the open style `top` when it ranks at or above it."""
    top_rank = style_rank(top)
    if top == "yishi":
        return rank is not None
    return rank is not None and top_rank is not None and top_rank >= rank


def style_rank(style: str) -> int | None:
    """Conventional rank of a style; declared headings ("hint1"…) rank above numbered ones."""
    if style.startswith("hint"):
        return int(style[4:])
    return STYLES[style][1] if style in STYLES else None
