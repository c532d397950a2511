"""Punctuation (GB/T 15834-2011): full-width marks in Chinese text, paired quotes and brackets,
no 顿号 before 等, no doubled marks, the ellipsis as ……."""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ERROR, Finding, finding, is_chinese_context, is_cjk

CATEGORY = "标点"
FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_URL = re.compile(r"(?:https?://|www\.)[\w./?%&=:#~+\-]+|[\w.\-]+@[\w.\-]+|[A-Za-z][\w.\-]*\.(?:com|cn|org|net|gov)[\w./\-]*")
PAIRS = (("“", "”"), ("‘", "’"), ("《", "》"), ("（", "）"), ("【", "】"), ("〔", "〕"))
_DENG = re.compile(r"、(?=等(?![级同待于候价量额次距效值分比第]))")  # 、等级 is a list item
_DOUBLE = re.compile(r"([，。、；：？！])\1+")
_PERIOD = re.compile(r"(?<=[\u4e00-\u9fff）”》])\.(?![\d.A-Za-z])")  # 工作. → 工作。
_RANGE_HYPHEN = re.compile(r"(?<![\d/A-Za-z. -])(\d{4})-(\d{4})(?=年)|(?<=\d日)-(?=\d{1,2}日)|(?<=\d月)-(?=\d{1,2}月)")
_ORDINAL_DUNHAO = re.compile(r"(?<![\u4e00-\u9fff])(?:第[一二三四五六七八九十]{1,3}|其[一二三四五六七八九十]|首先|其次|再次|最后)(、)"
                             r"(?![一二三四五六七八九十第次批届轮季期条款章节部类项名个])")
_QUESTION_WORD = re.compile(r"[吗呢么吧何谁哪几否怎]|多少")
_CLAUSE_END = re.compile(r"[，。；！？：,;!:]")
_ISBN = re.compile(r"97[89]-?7-\d{1,7}-\d{1,7}-[\dX]")  # a book list (bibliographic entries, a table)
_ELLIPSIS = re.compile(r"\.{3,}|。{3,}|…{3,}|(?<!…)…(?!…)|(?:⋯){1,}|…\.{1,}")


def check(doc: CheckDocument) -> list[Finding]:
    found: list[Finding] = []
    carried = False  # a quotation opened in an earlier paragraph is still running
    for i, text in enumerate(doc.paragraphs):
        continued = _quote_continues(doc.paragraphs[i + 1:i + 30])
        pairs, carried = _pairs(i, text, continued, carried, doc.paragraphs[i + 1:i + 3])
        found += (_halfwidth(i, text) + pairs + _deng(i, text) + _doubled(i, text) + _ellipsis(i, text)
                  + _period(i, text) + _range_hyphen(i, text) + _ordinal(i, text))
    return found


def _quote_continues(following) -> bool:
    """A quotation left open runs on when the next paragraph opens with “ (GB/T 15834 4.1.4:
    each quoted paragraph opens, only the last closes) or a later one closes it first."""
    if following and following[0].startswith("“"):
        return True
    for text in following:
        close, open_ = text.find("”"), text.find("“")
        if close >= 0 and (open_ < 0 or close < open_):
            return True
        if open_ >= 0:
            return False
    return False


def _masked(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URL.finditer(text)]


def _halfwidth(i: int, text: str) -> list[Finding]:
    """, ; : ? ! ( ) next to 汉字 or full-width marks; 12,345 and 10:30 are numbers, not marks;
    a pair of ( ) is Chinese when it holds Chinese or follows it."""
    skip = _masked(text)
    chinese_at = _chinese_parens(text)
    flagged: list[int] = []
    for pos, ch in enumerate(text):
        if ch not in FULL or any(s <= pos < e for s, e in skip):
            continue
        before, after = text[pos - 1] if pos else "", text[pos + 1] if pos + 1 < len(text) else ""
        if ch in ",:" and before.isdigit() and after.isdigit():
            continue
        if ch == "?" and _lost_character(text, pos):
            continue
        if ch in "()" and pos in chinese_at:
            chinese = chinese_at[pos]
        else:
            chinese = (is_chinese_context(before) or is_chinese_context(after)
                       or (flagged and flagged[-1] == pos - 1))
        if chinese:
            flagged.append(pos)
    return [finding("punct.halfwidth", CATEGORY, ERROR, i, text, pos, pos + 1,
                    f"中文行文中应使用全角标点“{FULL[text[pos]]}”，不用半角“{text[pos]}”（GB/T 15834-2011 4）",
                    FULL[text[pos]]) for pos in flagged]


def _lost_character(text: str, pos: int) -> bool:
    """A ? that stands for a character the source's encoding lost (鱇??白鱼, 唇?等, 数据，?江河):
    doubled, or before a 汉字 in a clause that asks nothing (no 吗、呢、何、是否、多少 … before it)."""
    before, after = text[pos - 1:pos], text[pos + 1:pos + 2]
    if before == "?" or after == "?":
        return True
    if not (is_chinese_context(before) and is_cjk(after)):  # 唇?等, ，?江河
        return False
    clause = _CLAUSE_END.split(text[:pos])[-1]
    return not _QUESTION_WORD.search(clause)


def _chinese_parens(text: str) -> dict[int, bool]:
    """Matched half-width parentheses → whether the pair is Chinese punctuation."""
    result: dict[int, bool] = {}
    stack: list[int] = []
    for pos, ch in enumerate(text):
        if ch == "(":
            stack.append(pos)
        elif ch == ")" and stack:
            open_ = stack.pop()
            inside = text[open_ + 1:pos]
            chinese = any(is_chinese_context(c) for c in inside) or is_chinese_context(text[open_ - 1:open_])
            result[open_] = result[pos] = chinese
    return result


def _pairs(i: int, text: str, quote_continues: bool = False, carried: bool = False,
           following=()) -> tuple[list[Finding], bool]:
    """Every opening mark closed in the same paragraph, in order (a quotation may run over
    paragraphs); straight " quotes are flagged. Returns the findings and whether a quotation
    stays open into the next paragraph."""
    out = []
    still_open = False
    for left, right in PAIRS:
        stack: list[int] = [-1] if left == "“" and carried else []
        for pos, ch in enumerate(text):
            if ch == left:
                stack.append(pos)
            elif ch == right:
                if stack:
                    stack.pop()
                elif pos > 0:  # a line starting with the closing mark was broken, not unpaired
                    out.append(finding("punct.unpaired", CATEGORY, ERROR, i, text, pos, pos + 1,
                                       f"“{right}”前缺少与之配对的“{left}”（GB/T 15834-2011 4.8、4.9、4.10）"))
        if left == "“" and stack and (quote_continues or stack[0] <= 0):
            still_open = quote_continues
            continue
        out += [finding("punct.unpaired", CATEGORY, ERROR, i, text, pos, pos + 1,
                        f"“{left}”缺少与之配对的“{right}”（GB/T 15834-2011 4.8、4.9、4.10）")
                for pos in stack if 0 <= pos < len(text) - 1  # ending the line: a broken line
                and not _closed_after_break(text, pos, left, right, following)]
    if text.count('"') and any(is_chinese_context(c) for c in text) and not _masked(text):
        quotes = list(re.finditer('"', text))
        paired = len(quotes) % 2 == 0
        for n, m in enumerate(quotes):
            out.append(finding("punct.straight_quote", CATEGORY, ERROR, i, text, m.start(), m.end(),
                               "中文行文中的引号用“”，不用直引号 \"（GB/T 15834-2011 4.8）",
                               ("“" if n % 2 == 0 else "”") if paired else None))
    return out, still_open


def _closed_after_break(text: str, pos: int, left: str, right: str, following) -> bool:
    """（PM / 2.5 / ）: a subscript or superscript put on lines of its own broke the paragraph just
    after the opening mark; the closing mark comes within the next two short lines."""
    if len(text) - pos > 8:
        return False
    head = "".join(following[:2])[:12]
    k = head.find(right)
    return k >= 0 and left not in head[:k]


def _deng(i: int, text: str) -> list[Finding]:
    return [finding("punct.deng", CATEGORY, ERROR, i, text, m.start(), m.end(),
                    "“等”前不用顿号（GB/T 15834-2011 5.1.7）", "")
            for m in _DENG.finditer(text)]


def _doubled(i: int, text: str) -> list[Finding]:
    out = []
    for m in _DOUBLE.finditer(text):
        if m.group(1) == "。" and len(m.group()) >= 3:
            continue  # 。。。 is a mistyped ellipsis, reported below
        out.append(finding("punct.doubled", CATEGORY, ERROR, i, text, m.start(), m.end(),
                           f"标点“{m.group(1)}”重复（GB/T 15834-2011 4）", m.group(1)))
    return out


def _ellipsis(i: int, text: str) -> list[Finding]:
    skip = _masked(text)
    out = []
    for m in _ELLIPSIS.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        if m.group().startswith(".") and not (is_chinese_context(text[m.start() - 1:m.start()])
                                              or is_chinese_context(text[m.end():m.end() + 1])):
            continue
        out.append(finding("punct.ellipsis", CATEGORY, ERROR, i, text, m.start(), m.end(),
                           "省略号用两个“…”连成“……”（GB/T 15834-2011 4.11）", "……"))
    return out


def _period(i: int, text: str) -> list[Finding]:
    """A half-width full stop after Chinese text (工作.) is the 句号 “。” (GB/T 15834-2011 4.1)."""
    skip = _masked(text)
    if _ISBN.search(text):  # 教材.二年级 in a list of books: the series/volume separator of a catalogue
        return []
    return [finding("punct.halfwidth", CATEGORY, ERROR, i, text, m.start(), m.end(),
                    "中文行文中的句号用“。”，不用半角“.”（GB/T 15834-2011 4.1）", "。")
            for m in _PERIOD.finditer(text) if not any(s <= m.start() < e for s, e in skip)]


def _range_hyphen(i: int, text: str) -> list[Finding]:
    """Year and date ranges take 一字线 or 浪纹线, not the hyphen: 2021—2025年, 3月5日—10日 (4.13)."""
    out = []
    for m in _RANGE_HYPHEN.finditer(text):
        pos = text.index("-", m.start(), m.end() + 1) if m.group(1) else m.start()
        out.append(finding("punct.range_hyphen", CATEGORY, ERROR, i, text, pos, pos + 1,
                           "标示时间、数值范围用一字线“—”或浪纹线“～”，不用短横线“-”（GB/T 15834-2011 4.13）", "—"))
    return out


def _ordinal(i: int, text: str) -> list[Finding]:
    """第一、其次… as 序次语 are followed by a 逗号, not a 顿号 (GB/T 15834-2011 5.1.7)."""
    return [finding("punct.ordinal_dunhao", CATEGORY, ERROR, i, text, m.start(1), m.end(1),
                    "“第一”“其次”等序次语之后用逗号，不用顿号（GB/T 15834-2011 5.1.7）", "，")
            for m in _ORDINAL_DUNHAO.finditer(text)]
