"""Re-segmenting text whose paragraph breaks were lost, and finding the title line."""

from __future__ import annotations

import re

from assistant.ingest.meta import DOC_NUMBER_RE, doctype_of, is_title_like
from assistant.ingest.headings import SECTION_WORDS, match_style

MAX_PARAGRAPH = 600
TARGET_CHUNK = 300
_INLINE_MARKER = re.compile(
    r"(?<=[。；：！？])(?=(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）|第[一二三四五六七八九十百]{1,5}[章节条]))"
)
_SENTENCE_END = re.compile(r"(?<=[。！？])")
_BLURB_TITLE = re.compile(r"准备了(.{4,60}?)参考范文|导语\s*[:：]\s*(.{4,60}?)一文|^摘要\s*[:：]\s*(\S{4,60}?)\s")
_FIRST_LINE_TITLE = re.compile(r"^(\S{4,50}?)\s+(\S.{20,})$")
_ENDINGS = "通知|意见|方案|决定|批复|复函|函|报告|请示|公告|通告|通报|办法|规定|条例|细则|总结|纪要|决议|要点|规划|计划"
# A title run straight into the text (scraped pages): '…关于X的通知国办发〔2001〕85号各省…'
_RUN_IN_TITLE = re.compile(
    rf"^(\S{{0,40}}关于\S{{2,80}}?(?:{_ENDINGS}))(?=\S{{1,14}}?[〔\[［(（](?:19|20)\d\d[〕\]］)）]|各|[^，。；]{{2,40}}[:：])"
    rf"|^(\S{{4,60}}?(?:{_ENDINGS}))(?=\S{{1,14}}?[〔\[［(（](?:19|20)\d\d[〕\]］)）]\s*第?\d{{1,5}}\s*号)"
)


def split_long_line(line: str) -> list[str]:
    """A line over MAX_PARAGRAPH characters → paragraphs: at inline 一、/（一）/第X条 after
    a sentence end, then sentence groups of about TARGET_CHUNK characters."""
    if len(line) <= MAX_PARAGRAPH:
        return [line]
    out: list[str] = []
    for piece in _INLINE_MARKER.split(line):
        if len(piece) <= MAX_PARAGRAPH:
            out.append(piece)
            continue
        chunk = ""
        for sentence in _SENTENCE_END.split(piece):
            if chunk and len(chunk) + len(sentence) > TARGET_CHUNK:
                out.append(chunk)
                chunk = ""
            chunk += sentence
        if chunk:
            out.append(chunk)
    return [p for p in out if p.strip()]


def title_from_blurb(removed_texts: list[str]) -> str | None:
    """Sites often name the document in their blurb: '为你精心准备了X参考范文'."""
    for text in removed_texts:
        m = _BLURB_TITLE.search(text)
        if m:
            return next(g for g in m.groups() if g).strip()
    return None


def find_title(lines: list[str], blurb_title: str | None) -> tuple[int | None, str | None, str | None]:
    """(line index, title, remainder of that line) for the title among the first lines.

    Prefers a short unpunctuated line ending in a 文种 word; then the title named
    by the site blurb; then a first line that reads like a title; then a first
    line where the title runs into the text after a space.
    """
    head = lines[:8]
    for i, line in enumerate(head):
        if is_title_like(line) and doctype_of(line) and not match_style(line):
            return i, line, None
    if blurb_title:
        return None, blurb_title, None
    if head and is_title_like(head[0]) and not SECTION_WORDS.match(head[0]) and not match_style(head[0]):
        return 0, head[0], None
    if head:
        m = _RUN_IN_TITLE.match(head[0])
        if m:
            title = next(g for g in m.groups() if g)
            return 0, title, head[0][len(title):]
        m = _FIRST_LINE_TITLE.match(head[0])
        if m and doctype_of(m.group(1)) and not match_style(head[0]):
            return 0, m.group(1), m.group(2)
    return None, None, None


def is_title_copy(line: str, title: str) -> bool:
    """A repeated title line: equal, or the title with a short prefix such as 某市."""
    if line == title:
        return True
    return (title in line and len(line) <= len(title) + 10) or (len(line) >= 6 and line in title)


def strip_leading_number(text: str) -> tuple[str, str | None]:
    """'国办发〔2001〕85号各省…' → ('各省…', '国办发〔2001〕85号') when the text opens with a 文号."""
    m = DOC_NUMBER_RE.match(text)
    if m and m.start() == 0:
        from assistant.ingest.meta import normalise_doc_number

        return text[m.end():].lstrip(), normalise_doc_number(m)
    return text, None
