"""Document metadata from cleaned text: 文种, 发文字号, 成文日期, 发文机关, title candidates."""

from __future__ import annotations

import re

CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_YEAR = "[〇○零OＯ一二三四五六七八九]"
_CN_SMALL = "[一二三四五六七八九十]"
DATE_RE = re.compile(
    rf"((?:19|20)\d{{2}}|{_CN_YEAR}{{4}})\s*年\s*(\d{{1,2}}|{_CN_SMALL}{{1,3}})\s*月\s*(\d{{1,2}}|[一二三四五六七八九十廿卅]{{1,4}})\s*日"
)
DOC_NUMBER_RE = re.compile(
    r"([\u4e00-\u9fff]{1,14}?)\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*(第?\s*\d{1,5})\s*号"
)
ORG_SUFFIX = ("人民政府", "政府", "委员会", "办公厅", "办公室", "局", "厅", "部", "委", "院", "署", "会",
              "中心", "公司", "党委", "党组", "支部", "小组", "总队", "支队", "大队", "所", "站", "处", "科", "集团")
# (title ending → 文种), longest first; the base 文种 names match ../shared/gold.
DOCTYPES = (
    ("实施方案", "方案"), ("工作方案", "方案"), ("方案", "方案"),
    ("工作总结", "总结"), ("总结", "总结"), ("调研报告", "报告"), ("述职报告", "报告"),
    ("工作报告", "报告"), ("报告", "报告"), ("实施意见", "意见"), ("指导意见", "意见"), ("意见", "意见"),
    ("通知", "通知"), ("请示", "请示"), ("复函", "函"), ("函", "函"), ("批复", "批复"), ("决定", "决定"),
    ("决议", "决议"), ("讲话", "讲话"), ("致辞", "讲话"), ("发言", "讲话"), ("通报", "通报"), ("公告", "公告"),
    ("通告", "通告"), ("会议纪要", "纪要"), ("纪要", "纪要"), ("命令", "命令"), ("议案", "议案"),
    ("工作计划", "计划"), ("计划", "计划"), ("工作要点", "要点"), ("要点", "要点"), ("规划", "规划"),
    ("条例", "条例"), ("规定", "规定"), ("实施细则", "细则"), ("细则", "细则"), ("办法", "办法"),
    ("解释", "解释"), ("法", "法律"), ("答复", "答复"), ("公报", "公报"), ("章程", "章程"), ("守则", "守则"),
)
_BODY_CUES = (("妥否，请批示", "请示"), ("当否，请批示", "请示"), ("请予批准", "请示"), ("特此通知", "通知"),
              ("特此函", "函"), ("此复", "批复"), ("特此公告", "公告"), ("特此通告", "通告"), ("特此通报", "通报"),
              ("总结如下", "总结"), ("汇报如下", "报告"), ("报告如下", "报告"))
_TITLE_TAIL = re.compile(r"([（(][^（）()]{0,30}[)）]|\s+|[《》“”\"])+$")


def cn_number(text: str) -> int:
    """二十一 → 21, 三十 → 30, 廿三 → 23; digits pass through."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" not in text:
        return int("".join(str(CN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def parse_date(match: re.Match) -> str | None:
    """A DATE_RE match → 'YYYY-MM-DD', or None when it is not a real date."""
    year_text, month_text, day_text = match.groups()
    year = int(year_text) if year_text.isdigit() else int("".join(str(CN_DIGITS[c]) for c in year_text))
    try:
        month, day = cn_number(month_text), cn_number(day_text)
    except (KeyError, ValueError):
        return None
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_date(lines: list[str]) -> str | None:
    """成文日期: a date standing alone (or after the signing organ) near the end,
    else a dated line right under the title ('——2026年2月3日在…会议上')."""
    tail = [ln for ln in lines[-6:] if len(ln) <= 40]
    for line in reversed(tail):
        m = DATE_RE.search(line)
        if m and len(line) - (m.end() - m.start()) <= 24 and line[m.end():].strip() in ("", "印发", "发布"):
            return parse_date(m)
    for line in lines[-2:]:  # one-line documents: "…国务院办公厅二○○一年十一月三日"
        m = _last_date(line[-80:])
        if m and line[-80:][m.end():].strip() in ("", "印发", "发布"):
            return parse_date(m)
    for line in lines[:8]:
        m = DATE_RE.search(line)
        if m and re.match(r"^[—－\-（(]", line) and m.start() <= 3:
            return parse_date(m)
    return None


def _last_date(text: str) -> re.Match | None:
    matches = list(DATE_RE.finditer(text))
    return matches[-1] if matches else None


def normalise_doc_number(match: re.Match) -> str:
    """'国办发[2001]85号' / '国办发（2001）85号' → '国办发〔2001〕85号'."""
    prefix, year, number = match.groups()
    return f"{prefix}〔{year}〕{number.replace(' ', '')}号"


def find_doc_number(header: str) -> str | None:
    m = DOC_NUMBER_RE.search(header)
    return normalise_doc_number(m) if m else None


def doctype_of(title: str, body: str = "") -> str | None:
    """文种 from the title ending, else from closing formulas in the body."""
    stem = _TITLE_TAIL.sub("", title.strip())
    for ending, doctype in DOCTYPES:
        if stem.endswith(ending):
            return doctype
    if "讲话" in stem[-12:] or stem.startswith("在"):
        return "讲话" if "讲话" in stem or "上的" in stem else None
    for cue, doctype in _BODY_CUES:
        if cue in body[-300:] or (doctype in ("总结", "报告") and cue in body[:600]):
            return doctype
    return None


def org_from_title(title: str) -> str | None:
    """'国务院办公厅关于…的通知' → 国务院办公厅; '某市卫生局2010年…' → 某市卫生局."""
    m = re.match(r"^(.{2,30}?)(?:关于|\d{4}年|[一二三四五六七八九〇○零]{4}年|“|《)", title)
    if m and m.group(1).endswith(ORG_SUFFIX):
        return m.group(1)
    return None


def org_from_signature(lines: list[str]) -> str | None:
    """The signing organ: a short line ending in an organ suffix just before the date."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 6), -1):
        line = lines[i]
        m = DATE_RE.search(line)
        if m:
            before = line[: m.start()].strip()
            if 2 <= len(before) <= 24 and before.endswith(ORG_SUFFIX) and "。" not in before:
                return before
            if i > 0 and 2 <= len(lines[i - 1]) <= 24 and lines[i - 1].endswith(ORG_SUFFIX):
                return lines[i - 1]
    return None


def is_title_like(line: str) -> bool:
    """Short, unpunctuated, and not a numbered heading or a date."""
    return (4 <= len(line) <= 60 and line[-1] not in "。，；：,;:！？!?）)" and "。" not in line
            and not DATE_RE.fullmatch(line) and not re.match(r"^[—－\-（(]", line))
