"""（一）（二）… sub-structure from precedents: which precedent heading can head a sub-section of a
draft section (pure functions). Run-in headings (「（一）优化就医环境。深入开展…」) arrive already
split by the parser: the body paragraph's heading path ends with 优化就医环境."""

from __future__ import annotations

import re

from assistant.ingest.roles import role_of_heading

MIN_CHARS, MAX_CHARS = 4, 28
_INNER_NUMBER = re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、")
_ROLE_LABEL = re.compile(r"(工作回顾|主要做法|主要工作|基本情况|工作情况|开展情况|存在的?(主要)?问题|下一步.*|工作打算|"
                         r"指导思想|基本原则|主要目标|工作目标|总体要求|主要任务|重点任务|保障措施|工作要求|实施步骤)$")
_NOT_A_THEME = re.compile(r"^第[一二三四五六七八九十百\d]+[章节条]|^附则|^附件|[。！？]|^\d|^[（(]?[\d一二三四五六七八九十]+[）)]?$"
                          # the name of a document (a title line parsed as a heading): 《…》, 中华人民共和国…法, …纲领
                          r"|[《》]|^中华人民共和国|(纲领|条例|办法|规定|细则|章程|决定|决议|通知|公报|报告)$")


def subheading(path: tuple[str, ...]) -> str | None:
    """The heading of the precedent section a paragraph sits in, if it can head a draft sub-section:
    a theme (强化组织领导，健全工作机构), not a role label (主要做法, 2012年工作回顾, 基本原则), a law's
    第二章, a document's name (中国人民政治协商会议共同纲领, 政府工作报告) or a mis-split sentence."""
    if not path:
        return None
    text = path[-1].strip()
    inner = list(_INNER_NUMBER.finditer(text))
    if inner and inner[-1].end() < len(text):  # 保障措施（二十二）加强组织领导 → 加强组织领导
        text = text[inner[-1].end():].strip()
    if not MIN_CHARS <= len(text) <= MAX_CHARS or _NOT_A_THEME.search(text):
        return None
    if role_of_heading(text, None) and (len(text) <= 5 or _ROLE_LABEL.search(text)):
        return None
    if len(path) == 1 and len(text) < 6:
        return None  # a short level-1 heading of its own document (工作要求) names its role, not a theme
    return text


def split_counts(total: int, parts: int) -> list[int]:
    """`total` paragraphs over `parts` sub-sections, earlier ones first: (5, 3) → [2, 2, 1]."""
    if parts <= 0:
        return []
    base, extra = divmod(max(total, parts), parts)
    return [base + (i < extra) for i in range(parts)]
