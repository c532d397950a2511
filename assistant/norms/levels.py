"""层次序数 (GB/T 9704-2012 7.3.3): 一、 → （一） → 1. → （1）, taken in order, numbered
consecutively; 1、 is not a standard third level; （一） takes no 顿号 after it."""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.punctuation import _quote_continues
from assistant.norms.finding import ADVICE, ERROR, Finding, finding

CATEGORY = "层次序数"
CITE = "GB/T 9704-2012 7.3.3"
_CN = "一二三四五六七八九十"
_LEVELS = (  # (level, pattern); group 1 = the number, the match = the whole numbering
    (1, re.compile(rf"^([{_CN}]{{1,3}})、")),
    (2, re.compile(rf"^[（(]([{_CN}]{{1,3}})[）)]")),
    (3, re.compile(r"^(\d{1,2})[.．](?!\d)")),
    (4, re.compile(r"^[（(](\d{1,2})[）)]")),
)
_ARABIC_DUNHAO = re.compile(r"^(\d{1,2})、")
_CN_WRONG_MARK = re.compile(rf"^([{_CN}]{{1,3}})([.．，,:：])(?=\S)")
_PAREN_DUNHAO = re.compile(rf"^([（(](?:[{_CN}]{{1,3}}|\d{{1,2}})[）)])([、.．，,])")
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇]+[编章节条]")
_ATTACHMENT = re.compile(r"^附件\s*\d{0,2}\s*[：:]?\s*$")
_ATTACHMENT_LIST = re.compile(r"^附件[：:]")
_ITEM = re.compile(r"^\d{1,2}[.．、]")
NAMES = {1: "“一、”", 2: "“（一）”", 3: "“1.”", 4: "“（1）”"}


def heading_level(text: str) -> tuple[int, int, int] | None:
    """(level, number, length of the numbering) of a paragraph that opens with 层次序数."""
    for level, pattern in _LEVELS:
        m = pattern.match(text)
        if m and len(text) > m.end():
            number = m.group(1)
            return level, (int(number) if number.isdigit() else cn_value(number)), m.end()
    m = _ARABIC_DUNHAO.match(text)
    if m and len(text) > m.end():
        return 3, int(m.group(1)), m.end()
    return None


def cn_value(text: str) -> int:
    """一 → 1 … 十 → 10, 十二 → 12, 二十三 → 23 (0 when not a numeral)."""
    if not text or any(c not in _CN for c in text):
        return 0
    if "十" not in text:
        return _CN.index(text) + 1 if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (_CN.index(tens) + 1 if tens else 1) * 10 + (_CN.index(ones) + 1 if ones else 0)


def check(doc: CheckDocument) -> list[Finding]:
    found: list[Finding] = []
    counters: dict[int, int] = {}  # level → last number under the current parent
    deepest = 0  # the deepest level open at this point (0 = none yet)
    in_attachments = False  # 附件：1.… 2.… is a list of names (structure checks it), not headings
    quoted = _quoted_paragraphs(doc.paragraphs)
    for i, text in enumerate(doc.paragraphs):
        if i in quoted:  # quoted text (“将第六条修改为：”“……”) keeps the numbering of its source
            continue
        if _ATTACHMENT_LIST.match(text) or (in_attachments and _ITEM.match(text)):
            in_attachments = True
            continue
        in_attachments = False
        found += _marks(i, text)
        if _ATTACHMENT.match(text):  # an attachment starts its own numbering
            counters, deepest = {}, 0
            continue
        if _ARTICLE.match(text):  # 第X条 (laws) opens its own items: （一） under 条 is right
            counters, deepest = {1: 1}, 1
            continue
        head = heading_level(text)
        if head is None:
            continue
        level, number, _ = head
        if level - deepest > 1:
            severity = ERROR if deepest else ADVICE
            found.append(finding("level.skip", CATEGORY, severity, i, text, 0, head[2],
                                 f"层次序数跳级：{NAMES[level]}之前缺少{NAMES[level - 1]}一层"
                                 f"（依次为一、（一）1.（1））（{CITE}）"))
        expected = counters.get(level, 0) + 1
        if number != expected and number != 1:  # a list may restart at 1 (several lists under one 款)
            found.append(finding("level.sequence", CATEGORY, ERROR, i, text, 0, head[2],
                                 f"同级序号不连续：此处应为第 {expected} 项，写作第 {number} 项（{CITE}）"))
        counters[level] = number if number == expected or _next_sibling(doc, i, level) in (None, number + 1) \
            else expected  # 一 三 四 is a gap (continue from 三), 一 三 三 a typo (continue from 二)
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        deepest = level
    return found


def _quoted_paragraphs(paragraphs) -> set[int]:
    """Paragraphs inside a quotation that opens a paragraph with “ (one quoted paragraph, or several
    with only the last one closing, GB/T 15834-2011 4.1.4): the new text of an amended article."""
    quoted: set[int] = set()
    open_ = False
    for i, text in enumerate(paragraphs):
        if open_ or text.startswith("“"):
            quoted.add(i)
            depth = (1 if open_ and not text.startswith("“") else 0) + text.count("“") - text.count("”")
            open_ = depth > 0 and _quote_continues(paragraphs[i + 1:i + 30])
    return quoted


def _next_sibling(doc: CheckDocument, i: int, level: int) -> int | None:
    """The number of the next heading of `level` before a higher level opens, or None."""
    for text in doc.paragraphs[i + 1:]:
        head = heading_level(text)
        if head is None:
            continue
        if head[0] < level:
            return None
        if head[0] == level:
            return head[1]
    return None


def _marks(i: int, text: str) -> list[Finding]:
    """Marks after the numbering: 一、 not 一. or 一，; （一） and （1） without 顿号; 1. not 1、."""
    m = _CN_WRONG_MARK.match(text)
    if m and cn_value(m.group(1)) and len(text) > m.end():
        return [finding("level.mark", CATEGORY, ERROR, i, text, m.start(2), m.end(2),
                        f"第一层序数“{m.group(1)}”后用顿号“、”（{CITE}）", "、")]
    m = _PAREN_DUNHAO.match(text)
    if m and len(text) > m.end():
        return [finding("level.mark", CATEGORY, ERROR, i, text, m.start(2), m.end(2),
                        f"带括号的序数“{m.group(1)}”后不再加标点（{CITE}）", "")]
    m = _ARABIC_DUNHAO.match(text)
    if m and len(text) > m.end():
        return [finding("level.arabic_dunhao", CATEGORY, ADVICE, i, text, m.end() - 1, m.end(),
                        f"第三层序数用“{m.group(1)}.”（阿拉伯数字加下脚点），不用顿号（{CITE}）", ".")]
    return []
