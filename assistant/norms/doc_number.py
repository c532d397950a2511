"""发文字号 (GB/T 9704-2012 7.2.4): 机关代字 + 年份 + 发文顺序号, e.g. 国办发〔2024〕12号.

年份 is four Arabic digits in 六角括号 〔〕; the 序号 has no leading zero and no 第.
"""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ERROR, Finding, finding

CATEGORY = "发文字号"
_OPEN, _CLOSE = "〔[［(（【﹝〖", "〕]］)）】﹞〗"
# 机关代字 (汉字; may be absent in a list: 〔2014〕5号和〔2015〕6号) · bracket · year · bracket · 第? · number · 号
PATTERN = re.compile(
    rf"(?P<org>[\u4e00-\u9fff]{{0,12}}?)"
    rf"(?P<open>[{re.escape(_OPEN)}])(?P<year>\d{{2,4}})(?P<close>[{re.escape(_CLOSE)}])"
    r"(?P<di>第?)(?P<num>\d{1,5})号")
CITE = "GB/T 9704-2012 7.2.4"


def check(doc: CheckDocument) -> list[Finding]:
    found: list[Finding] = []
    for i, text in enumerate(doc.paragraphs):
        for m in PATTERN.finditer(text):
            found += _check_one(i, text, m)
    return found


def _check_one(i: int, text: str, m: re.Match) -> list[Finding]:
    out = []
    if len(m.group("year")) != 4 and m.group("open") != "〔" or not (m.group("org") or m.group("open") == "〔"):
        return out  # (24)3号 or a bare (2024)3号 is not recognisably a 发文字号
    if m.group("open") != "〔" or m.group("close") != "〕":
        s, e = m.start("open"), m.end("close")
        out.append(finding("docnum.bracket", CATEGORY, ERROR, i, text, s, e,
                           f"发文字号的年份应使用六角括号“〔〕”（{CITE}）", f"〔{m.group('year')}〕"))
    if len(m.group("year")) != 4:
        out.append(finding("docnum.year", CATEGORY, ERROR, i, text, m.start("year"), m.end("year"),
                           f"发文字号的年份应标全称（四位数字），不能简写（{CITE}）"))
    if m.group("di"):
        out.append(finding("docnum.di", CATEGORY, ERROR, i, text, m.start("di"), m.end("num"),
                           f"发文顺序号不加“第”字（{CITE}）", str(int(m.group("num")))))
    elif m.group("num").startswith("0"):
        out.append(finding("docnum.zero_pad", CATEGORY, ERROR, i, text, m.start("num"), m.end("num"),
                           f"发文顺序号不编虚位（1 不编为 01、001）（{CITE}）", str(int(m.group("num")))))
    return out
