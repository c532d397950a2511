"""Word automatic numbering: turn w:numPr + numbering.xml into the text a reader sees ("一、", "（二）")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W_NS
_PLACEHOLDER = re.compile(r"%([1-9])")
_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_FULLSTOP_DIGITS = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag."""
    return _W + tag


def wval(el, tag: str) -> str | None:
    """w:val of the child `tag` of `el` (None if absent)."""
    child = el.find(w(tag)) if el is not None else None
    return child.get(w("val")) if child is not None else None


@dataclass(frozen=True)
class Level:
    """One level of a list definition."""

    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "tab"
    legal: bool = False


@dataclass
class Numbering:
    """Parsed numbering.xml plus running counters; call `label` for each numbered paragraph in order."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = field(default_factory=dict)
    style_levels: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, list[int | None]] = field(default_factory=dict)

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter for (num_id, ilvl) and return the formatted number text ('' if none)."""
        if num_id not in self.nums or not 0 <= ilvl <= 8:
            return ""
        abstract_id, overrides, starts = self.nums[num_id]
        levels = {**self.abstract.get(abstract_id, {}), **overrides}
        key = f"num:{num_id}" if overrides or starts else f"abs:{abstract_id}"
        counts = self.counters.setdefault(key, [None] * 9)
        level_of = lambda i: levels.get(i, Level())  # noqa: E731
        start_of = lambda i: starts.get(i, level_of(i).start)  # noqa: E731
        counts[ilvl] = start_of(ilvl) if counts[ilvl] is None else counts[ilvl] + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None
        level = level_of(ilvl)
        if level.fmt == "bullet":
            return ""

        def fill(match: re.Match[str]) -> str:
            i = int(match.group(1)) - 1
            value = counts[i] if counts[i] is not None else start_of(i)
            fmt = "decimal" if level.legal else level_of(i).fmt
            return format_number(value, fmt)

        text = _PLACEHOLDER.sub(fill, level.text)
        return text + (" " if text and level.suffix == "space" else "")


def parse_numbering(root) -> Numbering:
    """Parse the w:numbering element (None → empty numbering)."""
    numbering = Numbering()
    if root is None:
        return numbering
    for abstract in root.iterfind(w("abstractNum")):
        levels = {int(lvl.get(w("ilvl"), "0")): _parse_level(lvl) for lvl in abstract.iterfind(w("lvl"))}
        abstract_id = abstract.get(w("abstractNumId"), "")
        numbering.abstract[abstract_id] = levels
        for lvl in abstract.iterfind(w("lvl")):
            style = wval(lvl, "pStyle")
            if style:
                numbering.style_levels[style] = (abstract_id, int(lvl.get(w("ilvl"), "0")))
    for num in root.iterfind(w("num")):
        overrides: dict[int, Level] = {}
        starts: dict[int, int] = {}
        for override in num.iterfind(w("lvlOverride")):
            ilvl = int(override.get(w("ilvl"), "0"))
            start = wval(override, "startOverride")
            if start is not None and start.lstrip("-").isdigit():
                starts[ilvl] = int(start)
            lvl = override.find(w("lvl"))
            if lvl is not None:
                overrides[ilvl] = _parse_level(lvl)
        numbering.nums[num.get(w("numId"), "")] = (wval(num, "abstractNumId") or "", overrides, starts)
    return numbering


def _parse_level(lvl) -> Level:
    """One w:lvl element."""
    start = wval(lvl, "start")
    return Level(
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        fmt=wval(lvl, "numFmt") or "decimal",
        text=wval(lvl, "lvlText") if wval(lvl, "lvlText") is not None else "",
        suffix=wval(lvl, "suff") or "tab",
        legal=lvl.find(w("isLgl")) is not None,
    )


def format_number(n: int, fmt: str) -> str:
    """Render counter `n` in Word number format `fmt` (unknown formats fall back to decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "koreanCounting"):
        return chinese_counting(n)  # LibreOffice writes 一、二、 as taiwaneseCountingThousand
    if fmt in ("chineseLegalSimplified", "japaneseLegal"):
        return chinese_counting(n, _CN_LEGAL, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt in ("ideographTraditional", "ideographZodiac"):
        seq = _HEAVENLY_STEMS if fmt == "ideographTraditional" else _EARTHLY_BRANCHES
        return seq[(n - 1) % len(seq)] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _from_table(n, _CIRCLED)
    if fmt == "decimalEnclosedParen":
        return _from_table(n, _PAREN_DIGITS)
    if fmt == "decimalEnclosedFullstop":
        return _from_table(n, _FULLSTOP_DIGITS)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter"):
        letters = _letters(n)
        return letters if fmt == "upperLetter" else letters.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "none":
        return ""
    return str(n)


def chinese_counting(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (below 10000; larger falls back to digits)."""
    if n <= 0 or n >= 10000:
        return str(n)
    parts: list[str] = []
    pending_zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append(digits[0])
            pending_zero = False
        unit = units[power - 1] if power else ""
        if not (power == 1 and digit == 1 and not parts and digits is _CN_DIGITS):
            parts.append(digits[digit])
        parts.append(unit)
    return "".join(parts)


def _from_table(n: int, table: str) -> str:
    """n-th symbol of `table` (1-based), else decimal."""
    return table[n - 1] if 1 <= n <= len(table) else str(n)


def _letters(n: int) -> str:
    """Word's letter numbering: A..Z, then AA..ZZ, AAA.."""
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    """Upper-case Roman numeral (n ≤ 0 → decimal)."""
    if n <= 0:
        return str(n)
    out = []
    for value, symbol in _ROMAN:
        count, n = divmod(n, value)
        out.append(symbol * count)
    return "".join(out)
