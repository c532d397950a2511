"""Slot filling: adapt a precedent paragraph to the drafter's organisation and year.

The issuing body and the source's current year become the user's, and jurisdiction words
follow the user's level (全市/市委 → 全县/县委 for a 县 bureau); everything else that
is specific to the source (amounts, counts, percentages, dates, 文号, people, units, places,
its own 《documents》, blanks left in web 范文) is wrapped as 【待核实：…】 and listed for
review — a precedent's facts are never passed off as the user's. Pure functions.

Passes run in order over the parts of the text no earlier pass has claimed, so e.g. a
year inside a marked 文号 is not rewritten again, and the final catch-all guarantees that
no digit survives unmarked except the user's year, list ordinals (1、/（1）) and a few
generic terms (5G, PM2.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from assistant.compose import names

MARK_OPEN, MARK_CLOSE = "【待核实：", "】"
MARK_RE = re.compile(r"【待核实：[^】]*】")
CJK = names.CJK
NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
DASH = r"(?:-|—+|–|~|～|至|到)"
RANGE = rf"{NUM}(?:\s*{DASH}\s*{NUM})?"
MAGNITUDE = r"(?:多|余)?(?:\s*[万亿千百]\s*)?(?:多|余)?"
UNITS = ("个百分点", "平方公里", "平方米", "立方米", "人次", "户次", "万人", "公里", "千米", "千瓦", "公顷", "小时",
         "分钟", "个月", "课时", "学时", "公斤", "千克", "吨", "亩", "个", "名", "人", "起", "家", "所", "项", "次",
         "份", "户", "例", "张", "件", "台", "辆", "篇", "期", "场", "批", "条", "种", "类", "处", "座", "栋", "间",
         "床", "岁", "天", "周", "倍", "届", "部", "本", "套", "支", "只", "头", "株", "册", "班", "组", "号", "位",
         "宗", "级", "米", "年", "季度")
_UNITS = "|".join(UNITS)
_CN_YEAR = r"[一二][〇○零九][〇○零一二三四五六七八九]{2}"
_MD = rf"\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?(?:[上中下]旬|底|初|末|中|份)?"
GENERIC_TERMS = ("PM2.5", "PM10", "5G", "4G", "3D", "12345")
_GENERIC = re.compile(rf"(?<![A-Za-z0-9.])(?:{'|'.join(map(re.escape, GENERIC_TERMS))})(?![0-9A-Za-z]|\.\d)")
NATIONAL_ORG = re.compile(r"^(国务院|中共中央|全国|国家|中央|中华人民共和国)|^[^省市县区旗州]*部$")
_LEVEL_CHARS = "省市县区旗州镇乡"
GENERIC_CORES = ("政府", "人民政府", "委员会", "办公室", "办公厅", "党委", "党组")

Edit = tuple[int, int, str, "str | None"]  # start, end, replacement, review item


@dataclass(frozen=True)
class Context:
    source_org: str
    source_year: int | None
    user_org: str
    user_year: int | None
    source_level: str | None
    user_level: str | None


def fill_slots(text: str, source_org: str | None, source_year: int | None, user_org: str,
               user_year: int | None) -> tuple[str, tuple[str, ...]]:
    """The precedent `text` adapted to the user; returns (text with 【待核实：…】 marks, review items)."""
    ctx = Context(source_org or "", source_year, user_org or "", user_year,
                  admin_level(source_org or "") or _dominant_level(text), admin_level(user_org or ""))
    pieces: list[tuple[str, bool]] = [(text, False)]
    review: list[str] = []
    for finder in PASSES:
        pieces = _apply(pieces, finder, ctx, review)
    return "".join(t for t, _ in pieces), tuple(dict.fromkeys(review))


def _apply(pieces, finder: Callable[[str, Context], Iterable[Edit]], ctx: Context, review: list[str]):
    """Run one pass over the unclaimed pieces; replaced spans become claimed pieces."""
    out: list[tuple[str, bool]] = []
    for text, frozen in pieces:
        if frozen or not text:
            out.append((text, frozen))
            continue
        pos = 0
        for start, end, replacement, item in sorted(finder(text, ctx), key=lambda e: e[0]):
            if start < pos:
                continue
            if start > pos:
                out.append((text[pos:start], False))
            out.append((replacement, True))
            pos = end
            if item:
                review.append(item)
        if pos < len(text):
            out.append((text[pos:], False))
    return out


def mark(value: str, kind: str) -> tuple[str, str]:
    """(the 【待核实：value】 mark, the review item "kind：value")."""
    value = value.strip()
    return f"{MARK_OPEN}{value}{MARK_CLOSE}", f"{kind}：{value}"


def _marks(pattern: re.Pattern, kind: str):
    def finder(text: str, ctx: Context) -> Iterable[Edit]:
        for m in pattern.finditer(text):
            yield (m.start(), m.end(), *mark(m.group(), kind))
    return finder


def _spans(find, kind: str):
    def finder(text: str, ctx: Context) -> Iterable[Edit]:
        for start, end in find(text):
            yield (start, end, *mark(text[start:end], kind))
    return finder


# ---- organisation and level ---------------------------------------------------------------
def admin_level(org: str) -> str | None:
    """The lowest administrative level named in an organisation: 某市卫生局 → 市, 某县卫生健康局 → 县."""
    levels = [m.group() for m in re.finditer(f"[{_LEVEL_CHARS}]", org)
              if not (m.start() and org[m.start() - 1] in "社小景园城山辖自")]
    return levels[-1] if levels else None


def _dominant_level(text: str) -> str | None:
    counts = {level: len(re.findall(f"(?:全|我){level}", text)) for level in "省市县区"}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def split_org(org: str) -> tuple[str | None, str]:
    """(level, core): 某市卫生局 → (市, 卫生局); 卫生局 → (None, 卫生局)."""
    last = None
    for m in re.finditer(f"[{_LEVEL_CHARS}]", org):
        if len(org) - m.end() >= 2:
            last = m
    return (last.group(), org[last.end():]) if last else (None, org)


def _org(text: str, ctx: Context) -> Iterable[Edit]:
    """The source's issuing body (full name, 市卫生局, 卫生局) → the user's; not 各县区卫生局, 我局."""
    if not ctx.source_org or not ctx.user_org or NATIONAL_ORG.search(ctx.source_org):
        return
    level, core = split_org(ctx.source_org)
    cores = [core] + (["政府"] if core == "人民政府" else [])
    pattern = rf"(?P<full>{re.escape(ctx.source_org)})|(?:某?(?P<lv>[{_LEVEL_CHARS}]))?(?:{'|'.join(map(re.escape, cores))})"
    for m in re.finditer(pattern, text):
        before = text[m.start() - 1] if m.start() else ""
        if before in ("各", "全", "每", "该", "级", "属", "两", "诸") or (before and before in _LEVEL_CHARS):
            continue
        if not m.group("full"):
            lv = m.group("lv")
            if (lv and level and lv != level) or (not lv and core in GENERIC_CORES):
                continue
        yield m.start(), m.end(), ctx.user_org, None


def _anonymous(text: str, ctx: Context) -> Iterable[Edit]:
    """Web 范文 anonymise with 某: 某市委 → 市委 (the level pass adapts it); 某经济园区 → marked."""
    for m in re.finditer(f"某(?=[{_LEVEL_CHARS}](?:委|政府|人民政府|人大|政协|纪委))", text):
        yield m.start(), m.end(), "", None
    for m in re.finditer(rf"某[{CJK}]{{1,6}}?(?:园区|开发区|工业园|单位|企业|学校|大学|学院)", text):
        yield (m.start(), m.end(), *mark(m.group(), "原文匿名"))


def _levels(text: str, ctx: Context) -> Iterable[Edit]:
    """Jurisdiction words follow the user's level: 全市/我市/市委/市政府 → 全县/我县/县委/县政府;
    from two or more levels above (全省 in a county's draft) they are marked instead."""
    src, user = ctx.source_level, ctx.user_level
    if not src or not user or src == user:
        return
    pattern = (rf"(?<![城超都股上门夜楼菜集街郡州社小景园山辖郊片校矿库灾特新老地省])"
               rf"(?:(?P<pre>全|我|本){src}(?![场民长])|{src}(?P<post>委(?!托)|政府|人民政府|人大|政协|纪委|直属|直|属|级|域))")
    far = _RANK.get(src, 0) - _RANK.get(user, 0) >= 2  # a province's 全省 is no county's 全县: marked
    for m in re.finditer(pattern, text):
        if far:
            yield (m.start(), m.end(), *mark(m.group(), "辖区"))
        else:
            yield m.start(), m.end(), (m.group("pre") or "") + user + (m.group("post") or ""), None


_RANK = {"省": 4, "市": 3, "州": 3, "县": 2, "区": 2, "旗": 2, "乡": 1, "镇": 1}


# ---- years and dates ----------------------------------------------------------------------
_YEAR = re.compile(rf"(?<![\d.])((?:19|20)\d{{2}}|{_CN_YEAR})(\s*年度?)")
_RELATIVE_BEFORE = re.compile(r"(上年|去年|上一年|前年|明年|下一年|今年)[（(]?\s*$")
_RELATIVE_AFTER = re.compile(r"^[（(]?\s*(上年|去年|上一年|前年|明年|下一年|今年)")


def _year_value(text: str) -> int:
    if text.isdigit():
        return int(text)
    return int("".join(str("〇一二三四五六七八九".index(c if c in "一二三四五六七八九" else "〇")) for c in text))


def _years(text: str, ctx: Context) -> Iterable[Edit]:
    """The source's year → the user's; a year tied to 上年/明年 shifts by the same offset; others marked."""
    for m in _YEAR.finditer(text):
        year = _year_value(m.group(1))
        relative = (_RELATIVE_BEFORE.search(text[max(0, m.start() - 6):m.start()])
                    or _RELATIVE_AFTER.search(text[m.end():m.end() + 6]))
        if ctx.source_year and ctx.user_year and (year == ctx.source_year or relative):
            yield m.start(), m.end(), f"{year + ctx.user_year - ctx.source_year}{m.group(2).strip()}", None
        else:
            yield (m.start(), m.end(), *mark(m.group(), "年份"))


_FULL_DATE = re.compile(
    rf"(?:(?:19|20)\d{{2}}|{_CN_YEAR})\s*年\s*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,2}})\s*月"
    rf"(?:\s*(?:\d{{1,2}}|[一二三四五六七八九十廿卅]{{1,3}})\s*[日号])?(?:[上中下]旬|底|初|末|份)?")
_YEAR_RANGE = re.compile(rf"(?:19|20)\d{{2}}\s*年?\s*{DASH}\s*(?:19|20)\d{{2}}\s*年度?")
_MONTH_DAY = re.compile(rf"(?:\d{{1,2}}\s*{DASH}\s*)?{_MD}(?:\s*{DASH}?\s*(?:{_MD}|\d{{1,2}}\s*[日号]))?")
_DAY = re.compile(r"\d{1,2}\s*[日号](?=前|后|以前|之前|起|至|到|止|，|。|、|；|\s|$)")


# ---- quantities ---------------------------------------------------------------------------
_AMOUNT = re.compile(rf"{RANGE}{MAGNITUDE}\s*(?:元|美元|港元|欧元)|[一二三四五六七八九十百千两]+[万亿]+(?:多|余)?元")
_PERCENT = re.compile(rf"{RANGE}\s*(?:[%％‰]|个百分点)(?:以上|以下|左右)?|百分之[零一二三四五六七八九十百点]+")
_COUNT = re.compile(rf"(?:第\s*)?{RANGE}{MAGNITUDE}\s*(?:{_UNITS})(?:以上|以下|左右)?")
_DOC_NUMBER = re.compile(r"[〔\[［]\s*(?:19|20)\d{2}\s*[〕\]］]\s*第?\s*\d{1,5}\s*号")
_TITLE = re.compile(r"《[^《》]{1,80}》")
_NATIONAL_TITLE = re.compile(r"^《(中华人民共和国|中共中央|国务院|全国人民代表大会|习近平)|^《[^》]{2,20}(?<!办)法》$")
_LOCAL_MARKERS = re.compile(r"某|[省市县区乡镇]|局|厅")


def _titles(text: str, ctx: Context) -> Iterable[Edit]:
    """《…》 of the source are marked; national laws and central documents without a year stay."""
    for m in _TITLE.finditer(text):
        title = m.group()
        national = _NATIONAL_TITLE.search(title) and (title.startswith("《中华人民共和国") or not _LOCAL_MARKERS.search(title))
        if national and not re.search(r"\d", title):
            yield m.start(), m.end(), m.group(), None
        else:
            yield (m.start(), m.end(), *mark(m.group(), "文件名"))


def _doc_numbers(text: str, ctx: Context) -> Iterable[Edit]:
    """阜卫发〔2009〕10号: the bracketed year and number plus the issuer's short prefix."""
    for m in _DOC_NUMBER.finditer(text):
        start = m.start()
        while start > max(0, m.start() - 6) and re.match(rf"[{CJK}]", text[start - 1]) \
                and text[start - 1] not in "的了和与及在为是按据照即见文号":
            start -= 1
        prefix = re.match("(?:下发|印发|转发|制定|出台|发布|根据|依据)*", text[start:m.start()])
        start += prefix.end()
        yield (start, m.end(), *mark(text[start:m.end()], "文号"))


_BLANK = re.compile(rf"(?<=[{CJK}])[ \u3000]+(?=(?:{_UNITS}|等))|\*{{2,}}|[XxＸ×]{{2,}}")


def _blanks(text: str, ctx: Context) -> Iterable[Edit]:
    """Blanks left in web 范文 (工作    次, **, XX, ×××)."""
    for m in _BLANK.finditer(text):
        shown = "…" if not m.group().strip() else m.group()
        context = text[max(0, m.start() - 4):m.end() + 2].replace(m.group(), "□" if shown == "…" else m.group())
        yield m.start(), m.end(), f"{MARK_OPEN}{shown}{MARK_CLOSE}", f"原文留空：{context.strip()}"


_ORDINAL = re.compile(r"(?:^|(?<=[\s。；：，、！？（(“]))\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[）)]")
_ANY_NUMBER = re.compile(rf"(?:第\s*)?[A-Za-z]*{NUM}(?:\s*[万亿])?[A-Za-z]*")


def _ordinals(text: str, ctx: Context) -> Iterable[Edit]:
    """List ordinals (1、 （2） 3.) are claimed first, while their context is still the whole text."""
    for m in _ORDINAL.finditer(text):
        yield m.start(), m.end(), m.group(), None


def _digits(text: str, ctx: Context) -> Iterable[Edit]:
    """Catch-all: any number left is marked, except generic terms like 5G."""
    for m in _GENERIC.finditer(text):
        yield m.start(), m.end(), m.group(), None
    for m in _ANY_NUMBER.finditer(text):
        yield (m.start(), m.end(), *mark(m.group(), "数字"))


def _existing(text: str, ctx: Context) -> Iterable[Edit]:
    for m in MARK_RE.finditer(text):
        yield m.start(), m.end(), m.group(), None


def _places(text: str, ctx: Context) -> Iterable[Edit]:
    for start, end in names.places(text, keep=ctx.user_org):
        yield (start, end, *mark(text[start:end], "地名"))


PASSES = (
    _existing, _ordinals, _titles, _doc_numbers, _spans(names.people, "人名"), _spans(names.units, "单位名称"), _org,
    _marks(_FULL_DATE, "日期"), _marks(_YEAR_RANGE, "年份"), _years, _marks(_MONTH_DAY, "日期"), _marks(_DAY, "日期"),
    _marks(_AMOUNT, "金额"), _marks(_PERCENT, "比例"), _marks(_COUNT, "数量"), _blanks, _anonymous, _places,
    _levels, _digits,
)


def unmarked_digits(text: str, user_year: int | None) -> list[str]:
    """Digit runs outside 【待核实：】 marks that are not the user's year, an ordinal or a generic term.

    The property slot filling guarantees (an empty list); tests and benchmarks check it.
    """
    rest = MARK_RE.sub("□", text)
    if user_year:
        rest = re.sub(rf"(?<!\d){user_year}(?=\s*年)", "□", rest)
        for m in reversed(list(_YEAR.finditer(rest))):  # a year shifted with 上年/明年 beside it
            if (_RELATIVE_BEFORE.search(rest[max(0, m.start() - 6):m.start()])
                    or _RELATIVE_AFTER.search(rest[m.end():m.end() + 6])):
                rest = rest[:m.start()] + "□" + rest[m.end():]
    rest = _GENERIC.sub("□", rest)
    rest = _ORDINAL.sub("□", rest)
    return re.findall(r"\d+", rest)
