"""Numbers (GB/T 15835-2011): ranges keep the unit on both ends (30%～40%, 3万～5万), digits are
half-width, decimals below one keep their 0, and thousands separators are used consistently."""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ADVICE, ERROR, Finding, finding

CATEGORY = "数字"
_DASH = "～~〜—–\\-"
_NUM = r"\d+(?:\.\d+)?"
_RANGE_PERCENT = re.compile(rf"(?<![\d.%])({_NUM})([{_DASH}]|——)({_NUM})%")
_RANGE_UNIT = re.compile(rf"(?<![\d.万亿])({_NUM})([{_DASH}]|——)({_NUM})(万亿|万|亿)")
_FULLWIDTH = re.compile("[０-９]+(?:[．.][０-９]+)?")
_LEADING_DOT = re.compile(r"(?<![A-Za-z0-9_.．/\\:%])\.(\d+)")
_WITH_SEP = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_PLAIN_LONG = re.compile(r"(?<![\d.,\-〔（(\[a-zA-Z/:_])\d{5,9}(?![\d,\-〕号])")
_WRONG_SEP = re.compile(r"(?<![\d.,])\d{1,4}(?:,\d{4})+(?![\d,])")


def check(doc: CheckDocument) -> list[Finding]:
    found: list[Finding] = []
    for i, text in enumerate(doc.paragraphs):
        found += _ranges(i, text) + _fullwidth(i, text) + _leading_dot(i, text)
    return found + _separators(doc)


def _ranges(i: int, text: str) -> list[Finding]:
    out = []
    for m in _RANGE_PERCENT.finditer(text):
        fixed = f"{m.group(1)}%{m.group(2)}{m.group(3)}%"
        out.append(finding("num.range_percent", CATEGORY, ERROR, i, text, m.start(), m.end(),
                           "百分数范围前后两个数都要带“%”（30%～40%，不写作 30～40%）"
                           "（GB/T 15835-2011 4.3.2）", fixed))
    for m in _RANGE_UNIT.finditer(text):
        unit = m.group(4)
        fixed = f"{m.group(1)}{unit}{m.group(2)}{m.group(3)}{unit}"
        out.append(finding("num.range_unit", CATEGORY, ERROR, i, text, m.start(), m.end(),
                           f"以“{unit}”为单位的数值范围，前一个数的“{unit}”不能省略（3万～5万，不写作 3～5万）"
                           "（GB/T 15835-2011 4.3.2）", fixed))
    return out


def _fullwidth(i: int, text: str) -> list[Finding]:
    out = []
    for m in _FULLWIDTH.finditer(text):
        fixed = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" else "." for c in m.group())
        out.append(finding("num.fullwidth", CATEGORY, ERROR, i, text, m.start(), m.end(),
                           "阿拉伯数字应使用半角形式（GB/T 15835-2011 4.1.3）", fixed))
    return out


def _leading_dot(i: int, text: str) -> list[Finding]:
    return [finding("num.leading_zero", CATEGORY, ERROR, i, text, m.start(), m.end(),
                    "纯小数的个位“0”不能省略（0.5，不写作 .5）（GB/T 15835-2011 4.3.1）", f"0.{m.group(1)}")
            for m in _LEADING_DOT.finditer(text)]


def _separators(doc: CheckDocument) -> list[Finding]:
    """Wrong grouping (1,2345) is an error; a mix of 12,345 and 12345 in one document a 建议."""
    out: list[Finding] = []
    with_sep: list[tuple[int, re.Match]] = []
    plain: list[tuple[int, re.Match]] = []
    for i, text in enumerate(doc.paragraphs):
        for m in _WRONG_SEP.finditer(text):
            if not _WITH_SEP.fullmatch(m.group()):
                out.append(finding("num.separator_group", CATEGORY, ERROR, i, text, m.start(), m.end(),
                                   "千分撇（分节号）应从个位起每三位一节（GB/T 15835-2011 4.3.3）",
                                   m.group().replace(",", ""), fixable=False))
        with_sep += [(i, m) for m in _WITH_SEP.finditer(text) if len(m.group()) >= 6]
        plain += [(i, m) for m in _PLAIN_LONG.finditer(text)]
    if with_sep and plain:
        minority = plain if len(plain) <= len(with_sep) else with_sep
        for i, m in minority:
            text = doc.paragraphs[i]
            out.append(finding("num.separator_mixed", CATEGORY, ADVICE, i, text, m.start(), m.end(),
                               "同一文件中多位数的分节方式应一致（都用或都不用千分撇）（GB/T 15835-2011 4.3.3）"))
    return out
