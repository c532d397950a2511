"""Text cleaning: remove web chrome and artefacts, normalise characters, flag mojibake.

`clean(text)` is pure and idempotent: cleaning cleaned text changes nothing. Line
breaks stay paragraph boundaries; the original script is kept (see `script.py`
for 繁→简), so the displayed text stays what the author wrote.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from assistant.ingest import chrome
from assistant.ingest.script import replace_surrogates, to_simplified
from assistant.models import Removed

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TERMINAL = "。！？；：!?;:…”」』）)"

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_PI = re.compile(r"<\?[^<>]{0,500}?\?>|<\?xml[^<>]{0,500}?/?>", re.I)
_COMMENT = re.compile(r"<!--.{0,2000}?-->", re.S)
# Any whitespace run may open the attributes (blank lines inside a tag collapse later, and clean() must be
# idempotent); `(?=(\s+))\1` takes the run whole, without backtracking into it (an atomic group).
_TAG = re.compile(r"</?[A-Za-z][\w:.-]{0,30}(?:(?=(\s+))\1[^<>\n]{0,500})?/?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN = re.compile(
    rf"(?<=[{CJK}])\s*[(（](?=[a-z{_TONE}]*[{_TONE}])[a-z{_TONE}]{{1,7}}[)）]"
)
_PAGE_PREFIX = re.compile(r"^(\d{1,3})、")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_MULTISPACE = re.compile(r" {2,}")
_MOJIBAKE = re.compile(
    rf"\ufffd+|锟斤拷|烫烫烫|屯屯屯|[ÃÂÅÆÇÐÑ×ØÞßàâãåæçèéêëìíîïðñòóôõöøùúûüýþÿ][\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
    rf"|(?<=[{CJK}])\?+(?=[{CJK};；A-Za-z])|\?{{2,}}"
)
# Half-width punctuation next to CJK text becomes its full-width form.
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_PUNCT_AFTER_CJK = re.compile(rf"(?<=[{CJK}”’）》])([,;:!]|\?(?=$|[\s”’）)]))(?![\d/])")
_PUNCT_BEFORE_CJK = re.compile(rf"([,;])(?=[{CJK}“‘（《])")
_PAREN_CJK = re.compile(rf"\(([^()\n]{{0,40}}[{CJK}][^()\n]{{0,40}})\)")
_SPLIT_SPACE = re.compile(
    rf"(?<=[。！？；：!?;:])\s+(?=[{CJK}“（(0-9])"
    rf"|(?<=[{CJK}”）)])\s+(?=(?:[一二三四五六七八九十]{{1,3}}[、．]|[（(][一二三四五六七八九十]{{1,3}}[）)]|第[一二三四五六七八九十百零〇]{{1,4}}[章节条部分]))"
)


@dataclass(frozen=True)
class CleanResult:
    text: str
    removed: tuple[Removed, ...]
    warnings: tuple[str, ...]


def clean(text: str) -> CleanResult:
    """Clean raw document text; returns the text, what was removed and warnings."""
    removed: list[Removed] = []
    text = normalise_chars(text)
    text = strip_markup(text, removed)
    text = strip_pinyin(text, removed)
    lines = [ln.strip() for ln in text.split("\n")]
    lines = join_pagination_prefixes(lines, removed)
    lines = chrome.remove_chrome(lines, removed)
    for _ in range(4):  # split/join/chrome interact; iterate to a fixed point so clean() is idempotent
        settled = chrome.remove_chrome(join_broken_lines(split_run_together(lines)), removed)
        if any("<" in ln or "&" in ln for ln in settled):  # a removed line may join a tag's halves ("<a", "本站", ">")
            text = strip_pinyin(strip_markup("\n".join(settled), removed), removed)
            settled = [ln for ln in (ln.strip() for ln in text.split("\n")) if ln]
        if settled == lines:
            break
        lines = settled
    warnings = find_mojibake(lines)
    lines = [normalise_punct(ln) for ln in lines]
    lines = [ln for ln in lines if ln]
    return CleanResult("\n".join(lines), tuple(removed), tuple(warnings))


def normalise_chars(text: str) -> str:
    """Unify line breaks and spaces; drop zero-width and control characters; lone surrogates → U+FFFD."""
    text = replace_surrogates(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    return text.translate(_FULLWIDTH_ALNUM)


def strip_markup(text: str, removed: list[Removed]) -> str:
    """Remove HTML/XML tags, processing instructions, comments; decode entities.

    Repeated to a fixed point so that clean() is idempotent: "<<p>a>" leaves "<a>", and
    "&lt;p&gt;" decodes to a tag (or "&#8203;" to a character normalise_chars drops)."""
    for _ in range(20):
        before = text
        for pattern in (_XML_PI, _COMMENT, _TAG):
            for m in pattern.finditer(text):
                removed.append(Removed("html", m.group(0)[:200]))
            text = pattern.sub("", text)
        if _ENTITY.search(text):
            text = normalise_chars(_ENTITY.sub(lambda m: html.unescape(m.group(0)), text))
        if text == before:
            break
    return text


def strip_pinyin(text: str, removed: list[Removed]) -> str:
    """Drop pinyin annotations inserted after characters: 衛(wèi)生 → 衛生.

    Repeated to a fixed point: in "是(wèi)(wèi)" the second one follows a character only once
    the first is gone, and clean() must be idempotent."""
    found: list[str] = []
    while hits := _PINYIN.findall(text):
        found += hits
        text = _PINYIN.sub("", text)
    if found:
        removed.append(Removed("pinyin", f"{len(found)} 处拼音注音，如 {' '.join(f.strip() for f in found[:5])}"))
    return text


def join_pagination_prefixes(lines: list[str], removed: list[Removed]) -> list[str]:
    """Undo page/segment numbering that splits sentences: '推\\n2、进科学' → '推进科学'.

    Only when line-start numbers run 1, 2, 3 … over long lines and most breaks fall
    mid-sentence — a real numbered list ends its items with punctuation.
    """
    content = [i for i, ln in enumerate(lines) if ln]
    numbered = [(i, _PAGE_PREFIX.match(lines[i])) for i in content]
    if len(content) < 3 or not all(m for _, m in numbered):
        return lines
    if [int(m.group(1)) for _, m in numbered] != list(range(1, len(content) + 1)):
        return lines
    lengths = sorted(len(lines[i]) for i in content)
    mid_sentence = sum(1 for i in content[:-1] if lines[i][-1] not in TERMINAL)
    if lengths[len(lengths) // 2] < 150 or mid_sentence < 0.6 * (len(content) - 1):
        return lines
    pieces = [lines[i][m.end():] for i, m in numbered]
    removed.append(Removed("pagination", "、".join(str(n) for n in range(1, len(pieces) + 1)) + "、"))
    return ["".join(pieces)]


_OPENING = "《“（(‘〔"
_CLOSING = "》”）)’〕，、。；：！？,.;:!?"
_LINE_START_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、．.]|[①-⑳]|第[一二三四五六七八九十百零〇]{1,5}[章节条编]|[一二三四五六七八九十]{1,3}是)"
)


def join_broken_lines(lines: list[str]) -> list[str]:
    """Re-join sentences broken over lines (PDF layout, web link artefacts).

    A line continues onto the next when it ends mid-sentence and is long enough
    not to be a heading, or when the next line starts with closing punctuation
    that can never start a line.
    """
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if len(out) > 1 and _continues(out[-1], line):  # never into the first line: titles run long
            out[-1] += line
        else:
            out.append(line)
    return out


def _continues(prev: str, line: str) -> bool:
    if line[0] in _CLOSING:
        return True
    if prev[-1] in _OPENING:
        return True
    if len(prev) < 30 or _LINE_START_MARKER.match(prev) or _LINE_START_MARKER.match(line) or prev.startswith("——"):
        return False
    if len(line) < 10 or not re.search("[。，；,;]", line):
        return False
    return bool(re.match(f"[{CJK}]", prev[-1])) and bool(re.match(f"[{CJK}“《（]", line[0]))


def split_run_together(lines: list[str]) -> list[str]:
    """Split lines where paragraphs were run together with a space (after 。 or before 一、)."""
    out: list[str] = []
    for ln in lines:
        out.extend(p.strip() for p in _SPLIT_SPACE.split(ln) if p.strip())
    return out


def find_mojibake(lines: list[str]) -> list[str]:
    """Report suspected mojibake with its line number and surrounding text."""
    warnings = []
    for no, ln in enumerate(lines, 1):
        for m in _MOJIBAKE.finditer(ln):
            start = max(0, m.start() - 8)
            context = ln[start:m.end() + 8]
            warnings.append(f"疑似乱码：第 {no} 段第 {m.start() + 1} 字附近“{context}”")
            if len(warnings) >= 50:
                return warnings + ["疑似乱码过多，仅列出前 50 处"]
    return warnings


def normalise_punct(line: str) -> str:
    """Full-width punctuation in Chinese text; single spaces; trimmed.

    Repeated to a fixed point: a converted mark is itself Chinese context for its neighbour
    (",(一)" → ",（一）" → "，（一）"), and clean() must be idempotent."""
    for _ in range(len(line) + 1):
        done = line
        line = _PUNCT_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], line)
        line = _PUNCT_BEFORE_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], line)
        line = _PAREN_CJK.sub(r"（\1）", line)
        line = _MULTISPACE.sub(" ", line).strip()
        if line == done:
            break
    return line


def normalise_for_index(text: str) -> str:
    """Cleaned text → the simplified form that is indexed."""
    return to_simplified(text)
