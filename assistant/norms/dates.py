"""Dates (GB/T 15835-2011 4.1.1, GB/T 9704-2012 7.3.5): Arabic numerals, full year, no leading
zeros in 成文日期, 日 not 号; relative time words are a 建议 in 通知 and 请示."""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ADVICE, ERROR, Finding, finding

CATEGORY = "日期"
_DATE = re.compile(r"(?<![\d.．])(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_TWO_DIGIT_YEAR = re.compile(r"(?<![\d〇零一二三四五六七八九十.．])(\d{2})年(\d{1,2})月(\d{1,2})[日号]")
_HAO = re.compile(r"(?<![\d])(\d{1,2})月(\d{1,2})号(?![文令])")
_CN_DIGIT = "〇零一二三四五六七八九"
_CN_DATE = re.compile(rf"^([{_CN_DIGIT}○Ｏ]{{4}})年([一二三四五六七八九十]{{1,3}})月([一二三四五六七八九十]{{1,3}})日$")
_ISO_DATE = re.compile(r"^(\d{4})\s*[-/.．]\s*(\d{1,2})\s*[-/.．]\s*(\d{1,2})$")
RELATIVE = ("今年", "去年", "明年", "前年", "本月", "上月", "下月", "近日", "日前", "昨天", "今天",
            "明天", "本周", "上周", "下周")
_RELATIVE = re.compile("|".join(RELATIVE))
_RELATIVE_DOCTYPES = ("通知", "请示")
_RELATIVE_SKIP = re.compile(r"(?:今年以来|截至目前|目前为止)")


def check(doc: CheckDocument) -> list[Finding]:
    found: list[Finding] = []
    last = len(doc.paragraphs) - 1
    for i, text in enumerate(doc.paragraphs):
        found += _zero_pad(i, text) + _two_digit(i, text) + _hao(i, text)
        if i >= last - 8:
            found += _signature_date(i, text)
        if doc.doctype in _RELATIVE_DOCTYPES and i > 0:
            found += _relative(i, text)
    return found


def _zero_pad(i: int, text: str) -> list[Finding]:
    out = []
    for m in _DATE.finditer(text):
        month, day = m.group(2), m.group(3)
        if month.startswith("0") or (day or "").startswith("0"):
            fixed = f"{m.group(1)}年{int(month)}月" + (f"{int(day)}日" if day else "")
            out.append(finding("date.zero_pad", CATEGORY, ERROR, i, text, m.start(), m.end(),
                               "日期中的月、日不编虚位（2026年3月5日，不写作 2026年03月05日）"
                               "（GB/T 9704-2012 7.3.5.1、GB/T 15835-2011 4.1.1）", fixed))
    return out


def _two_digit(i: int, text: str) -> list[Finding]:
    return [finding("date.short_year", CATEGORY, ERROR, i, text, m.start(1), m.end(1),
                    "年份不能简写，应写全四位数字（GB/T 15835-2011 4.1.1 注）")
            for m in _TWO_DIGIT_YEAR.finditer(text)]


def _hao(i: int, text: str) -> list[Finding]:
    out = []
    for m in _HAO.finditer(text):
        s = m.end() - 1
        out.append(finding("date.hao", CATEGORY, ERROR, i, text, s, m.end(),
                           "公文中的日期用“日”，不用口语的“号”（GB/T 9704-2012 7.3.5.1）", "日"))
    return out


def _signature_date(i: int, text: str) -> list[Finding]:
    """A paragraph that is only a date near the end is the 成文日期: Arabic numerals, 年月日."""
    m = _CN_DATE.match(text)
    if m:
        fixed = f"{_cn_year(m.group(1))}年{_cn_number(m.group(2))}月{_cn_number(m.group(3))}日"
        return [finding("date.signature_numerals", CATEGORY, ERROR, i, text, 0, len(text),
                        "成文日期用阿拉伯数字将年、月、日标全（GB/T 9704-2012 7.3.5.1）", fixed)]
    m = _ISO_DATE.match(text)
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        fixed = f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
        return [finding("date.signature_format", CATEGORY, ERROR, i, text, 0, len(text),
                        "成文日期写作“2026年3月5日”，不用“-”“/”“.”分隔（GB/T 9704-2012 7.3.5.1）", fixed)]
    return []


def _relative(i: int, text: str) -> list[Finding]:
    skip = [m.span() for m in _RELATIVE_SKIP.finditer(text)]
    out = []
    for m in _RELATIVE.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        out.append(finding("date.relative", CATEGORY, ADVICE, i, text, m.start(), m.end(),
                           f"“{m.group()}”是相对时间，公文传阅、存档后含义会变，建议写明具体日期或年份"
                           "（GB/T 15835-2011 4.1.1；《党政机关公文处理工作条例》）"))
    return out


def _cn_year(text: str) -> str:
    return "".join(str("一二三四五六七八九".find(c) + 1) for c in text)  # 〇 零 ○ Ｏ → 0


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 三十一 → 31."""
    digits = "一二三四五六七八九"
    if "十" not in text:
        return digits.index(text) + 1
    tens, _, ones = text.partition("十")
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(ones) + 1 if ones else 0)
