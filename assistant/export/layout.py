"""An outline flattened into the blocks every exporter writes, in document order.

One pass decides what the document says — heading numbers from position (一、/（一）/1./（1）),
which paragraphs carry a source number, the 成文日期 text — so .docx, .md and .txt agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterator

from assistant.ingest.headings import STYLES
from assistant.models import DraftParagraph, Outline, Section, SourceRef

SIGNATURE_RIGHT_CHARS = 4  # 成文日期 一般右空四字 (GB/T 9704-2012 7.3.5.1)
MAX_LEVEL = 4  # GB/T 9704-2012 7.3.3 names four levels; deeper sections reuse the fourth
REVIEW_MARK = re.compile(r"【待核实[：:][^】]*】")
_NUMBER_STYLES = ("cn", "cn_paren", "arabic", "arabic_paren", "circled")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Block:
    """One paragraph of the exported document.

    kind: title · addressee · heading · body · org (发文机关署名) · date (成文日期).
    `number` is a heading's generated numbering; `source_no` (1-based, 0 = none) is the
    paragraph's entry in the source list; `source` is where a reused paragraph came from.
    """

    kind: str
    text: str
    level: int = 0
    number: str = ""
    source_no: int = 0
    source: SourceRef | None = None


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers, 1–99)."""
    if not 1 <= n <= 99:
        raise ValueError(f"标题序号超出范围（1–99）：{n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def heading_number(level: int, n: int) -> str:
    """The numbering GB/T 9704-2012 7.3.3 gives the n-th heading of a level."""
    level = min(level, MAX_LEVEL)
    if level == 1:
        return f"{cn_numeral(n)}、"
    if level == 2:
        return f"（{cn_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def strip_number(heading: str) -> str:
    """Drop numbering the heading text already carries (一、 （二） 3. （4） ①), so it is not doubled."""
    text = heading.strip()
    for style in _NUMBER_STYLES:
        m = STYLES[style][0].match(text)
        if m and m.end() < len(text):
            return text[m.end():].strip()
    return text


def format_date(value: str, today: dt.date | None = None) -> str:
    """成文日期 in Arabic numerals without leading zeros (GB/T 9704-2012 7.3.5.1): 2026年1月5日.

    Accepts YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日; empty means today.
    """
    if not value.strip():
        day = today or dt.date.today()
        return f"{day.year}年{day.month}月{day.day}日"
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", value)
    if not m:
        raise ValueError(f"成文日期格式无法识别：“{value}”（应为 2026-11-22 或 2026年11月22日）")
    year, month, day = (int(g) for g in m.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"成文日期不存在：“{value}”") from None
    return f"{year}年{month}月{day}日"


def addressee_line(addressee: str) -> str:
    """主送机关 ends with a full-width colon."""
    text = addressee.strip().rstrip(":：")
    return f"{text}：" if text else ""


def text_width(text: str) -> float:
    """Width in body characters: ASCII (half-width digits, Latin) counts one half."""
    return sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)


def signature_indents(org: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of 发文机关署名 and 成文日期: the date four characters from
    the right edge, the organ's name centred over the date (以成文日期为准居中编排)."""
    org_right = SIGNATURE_RIGHT_CHARS + (text_width(date) - text_width(org)) / 2
    return max(0.0, org_right), float(SIGNATURE_RIGHT_CHARS)


def signature_texts(blocks: list[Block]) -> tuple[str, str]:
    """(发文机关署名 or "", 成文日期) of built blocks."""
    texts = {b.kind: b.text for b in blocks if b.kind in ("org", "date")}
    return texts.get("org", ""), texts["date"]


def split_review(text: str) -> Iterator[tuple[str, bool]]:
    """(piece, is_review_mark) pieces of a text, so 【待核实：…】 marks can be highlighted."""
    pos = 0
    for m in REVIEW_MARK.finditer(text):
        if m.start() > pos:
            yield text[pos:m.start()], False
        yield m.group(0), True
        pos = m.end()
    if pos < len(text):
        yield text[pos:], False


def build_blocks(outline: Outline, today: dt.date | None = None) -> list[Block]:
    """Title, 主送机关, opening, numbered sections, closing, 署名 and 成文日期, in order."""
    blocks = [Block("title", outline.title.strip())]
    if addressee_line(outline.addressee):
        blocks.append(Block("addressee", addressee_line(outline.addressee)))
    counter = _Counter()
    blocks += [counter.body(p) for p in outline.opening if p.text.strip()]
    for section in _sections(outline.sections, 1, counter):
        blocks += section
    blocks += [counter.body(p) for p in outline.closing if p.text.strip()]
    if outline.org.strip():
        blocks.append(Block("org", outline.org.strip()))
    blocks.append(Block("date", format_date(outline.date, today)))
    return blocks


class _Counter:
    """Numbers reused paragraphs in the order they appear."""

    def __init__(self) -> None:
        self.count = 0

    def body(self, paragraph: DraftParagraph) -> Block:
        if paragraph.source is None:
            return Block("body", paragraph.text.strip())
        self.count += 1
        return Block("body", paragraph.text.strip(), source_no=self.count, source=paragraph.source)


def _sections(sections: tuple[Section, ...], level: int, counter: _Counter) -> Iterator[list[Block]]:
    """Blocks of each section; the level is the nesting depth, numbering restarts per parent."""
    n = 0
    for section in sections:
        blocks = []
        heading = strip_number(section.heading)
        if heading:
            n += 1
            blocks.append(Block("heading", heading, level=min(level, MAX_LEVEL),
                                number=heading_number(level, n)))
        blocks += [counter.body(p) for p in section.paragraphs if p.text.strip()]
        for sub in _sections(section.subsections, level + 1, counter):
            blocks += sub
        yield blocks
