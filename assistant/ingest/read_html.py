"""Reader for .html/.htm: the main article text, without navigation, menus and footers.

The page is parsed with selectolax (lexbor, an HTML5 parser that keeps deeply nested or unclosed
markup intact — libxml2 silently drops everything below depth 256) and copied into a flat node
list, so every walk below is iterative and linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.encoding import decode_bytes
from assistant.models import RawDocument, ReadError

CELL_SEPARATOR = "　"
_ALWAYS_DROP_TAGS = frozenset({"head", "script", "style", "noscript", "template", "svg", "iframe",
                               "object", "embed", "select", "button", "input", "textarea"})
_DROP_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
_ARTICLE_PARTS = frozenset({"header", "footer", "form"})
"""Kept when inside <article>/<main> (an article's own header holds its title and date)."""
_NOISE = re.compile(r"nav|menu|footer|foot|header|sidebar|crumb|comment|share|copyright|login|banner"
                    r"|toolbar|related|(?<![a-z])ad(?![a-z])", re.IGNORECASE)
_CONTENT = re.compile(r"content|article|main|TRS_Editor|zoom|detail|正文", re.IGNORECASE)
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                         "h6", "tr", "table", "tbody", "thead", "section", "article", "main", "blockquote",
                         "pre", "hr", "center", "address", "figure", "figcaption", "caption", "body",
                         "header", "footer", "form", "fieldset", "details", "summary"})
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CODEC_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "cp950"}
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|\s-\s|--)\s*")
_SPACES = re.compile(r"[ \t\n\r\f]+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*?(/?)>")
_VOID_OR_OPTIONAL_END = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot",
    "colgroup", "rb", "rt", "rp", "rtc", "html", "head", "body"})
MAX_DEPTH = 1000
"""Element nesting kept; lexbor's tree building is quadratic in depth (200,000 levels took 100 s)."""
_KEEP_SHARE = 0.5
_PICK_SHARE = 0.8
_MAX_LINK_DENSITY = 0.5


@dataclass
class Page:
    """A flattened DOM: parallel lists indexed by node number, in document (pre-)order."""

    tag: list[str] = field(default_factory=list)
    attrs: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    children: list[list[int]] = field(default_factory=list)


def read_html(path: Path, data: bytes) -> list[RawDocument]:
    """An HTML page: main content as text lines, title from <h1>/<title>."""
    text, encoding, warnings = decode_html(path, data)
    text, too_deep = limit_nesting(text)
    if too_deep:
        warnings = [*warnings, f"网页标签嵌套超过 {MAX_DEPTH} 层，更深的标签已忽略（文字保留）"]
    page = flatten(text)
    dropped = noise_nodes(page)
    text_len, link_len = text_lengths(page, dropped)
    root = pick_content(page, dropped, text_len, link_len)
    lines, headings = render(page, dropped, root)
    title = page_title(page, dropped, root)
    if title and headings and headings[0][0] == title:
        headings = headings[1:]
    headings = top_level_one(headings)
    body = "\n".join(lines)
    if not body.strip():
        raise ReadError(str(path), "网页中没有找到正文文字")
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=body,
            title=title,
            heading_hints=tuple(headings),
            metadata={"encoding": encoding},
            warnings=tuple(warnings),
            fmt="html",
        )
    ]


def decode_html(path: Path, data: bytes) -> tuple[str, str, list[str]]:
    """Decode a page: BOM / valid UTF-8 first, then the declared meta charset, then detection."""
    declared = declared_charset(data)
    if declared and not _is_utf8_or_bom(data):
        try:
            return data.decode(declared), declared, []
        except (UnicodeDecodeError, LookupError):
            pass
    text, encoding, warnings = decode_bytes(data, source=str(path))
    return text, encoding, warnings


def declared_charset(data: bytes) -> str | None:
    """The charset named by a <meta> tag in the first 4 KB (GBK/GB2312 widened to GB18030)."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    return _CODEC_ALIASES.get(name, name)


def _is_utf8_or_bom(data: bytes) -> bool:
    """True when the bytes start with a BOM or are valid UTF-8."""
    if data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def limit_nesting(html: str, max_depth: int = MAX_DEPTH) -> tuple[str, bool]:
    """Drop start/end tags nested deeper than `max_depth` (their text stays); True if any were dropped.

    A linear scan that counts elements needing an end tag (void and optional-end elements such as
    <br>, <p>, <li>, <td> are not counted), so ordinary pages come back unchanged.
    """
    depth = 0
    cuts: list[tuple[int, int]] = []
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID_OR_OPTIONAL_END or self_closing:
            continue
        if closing:
            if depth > max_depth:
                cuts.append(match.span())
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > max_depth:
                cuts.append(match.span())
    if not cuts:
        return html, False
    parts: list[str] = []
    last = 0
    for start, end in cuts:
        parts.append(html[last:start])
        last = end
    parts.append(html[last:])
    return "".join(parts), True


def flatten(html: str) -> Page:
    """Parse HTML with lexbor and copy elements and text nodes into a Page."""
    from selectolax.lexbor import LexborHTMLParser

    page = Page()
    index: dict[int, int] = {}
    for node in LexborHTMLParser(html).root.traverse(include_text=True):
        tag = node.tag
        if tag is None or (tag.startswith("-") and tag != "-text"):  # None: a processing instruction ("<?A>")
            continue
        parent = node.parent
        parent_idx = index.get(parent.mem_id, -1) if parent is not None else -1
        if parent_idx < 0 and page.tag:
            continue
        index[node.mem_id] = len(page.tag)
        attrs = node.attributes if tag != "-text" else {}
        page.tag.append(tag)
        page.attrs.append(f"{attrs.get('id') or ''} {attrs.get('class') or ''}".strip())
        page.parent.append(parent_idx)
        page.text.append((node.text_content or "") if tag == "-text" else "")
        page.depth.append(page.depth[parent_idx] + 1 if parent_idx >= 0 else 0)
        page.children.append([])
        if parent_idx >= 0:
            page.children[parent_idx].append(len(page.tag) - 1)
    return page


def text_lengths(page: Page, dropped: list[bool]) -> tuple[list[int], list[int]]:
    """Visible characters and characters inside links, per node subtree (dropped nodes count 0)."""
    n = len(page.tag)
    text_len = [0] * n
    link_len = [0] * n
    for i in range(n - 1, -1, -1):
        if dropped[i]:
            continue
        if page.tag[i] == "-text":
            text_len[i] = len(page.text[i].strip())
        if page.tag[i] == "a":
            link_len[i] = text_len[i]
        p = page.parent[i]
        if p >= 0:
            text_len[p] += text_len[i]
            link_len[p] += link_len[i]
    return text_len, link_len


def noise_nodes(page: Page) -> list[bool]:
    """Mark scripts, navigation, menus, footers etc. (and everything inside them) as dropped."""
    dropped = [False] * len(page.tag)
    for i, tag in enumerate(page.tag):
        p = page.parent[i]
        dropped[i] = (p >= 0 and dropped[p]) or tag in _ALWAYS_DROP_TAGS
    total_len, _ = text_lengths(page, dropped)
    page_len = max(total_len[0] if total_len else 0, 1)
    in_article = [False] * len(page.tag)
    for i, tag in enumerate(page.tag):
        p = page.parent[i]
        in_article[i] = (p >= 0 and in_article[p]) or tag in ("article", "main")
        if dropped[i] or (p >= 0 and dropped[p]):
            dropped[i] = True
            continue
        if tag == "-text" or tag in ("html", "body") or total_len[i] > _KEEP_SHARE * page_len:
            continue
        kind = attr_kind(page.attrs[i])
        if kind == "content" or (tag in _ARTICLE_PARTS and in_article[i]):
            continue
        dropped[i] = tag in _DROP_TAGS or kind == "noise"
    return dropped


def attr_kind(attrs: str) -> str | None:
    """'content' if some id/class token names content only, else 'noise' if one names navigation etc."""
    tokens = attrs.split()
    if any(_CONTENT.search(t) and not _NOISE.search(t) for t in tokens):
        return "content"
    if any(_NOISE.search(t) for t in tokens):
        return "noise"
    return None


def pick_content(page: Page, dropped: list[bool], text_len: list[int], link_len: list[int]) -> int:
    """Node index of the main content: a content-named element if any, else the densest text block."""
    def effective(i: int) -> int:
        return text_len[i] - link_len[i]

    def usable(i: int) -> bool:
        return not dropped[i] and text_len[i] > 0 and link_len[i] <= _MAX_LINK_DENSITY * text_len[i]

    named = [i for i, tag in enumerate(page.tag)
             if tag != "-text" and usable(i) and attr_kind(page.attrs[i]) == "content" and effective(i) >= 20]
    body = page.tag.index("body") if "body" in page.tag else 0
    pool = named or [i for i, tag in enumerate(page.tag) if tag in _BLOCK_TAGS and usable(i)] or [body]
    best = max(effective(i) for i in pool)
    good = [i for i in pool if effective(i) >= _PICK_SHARE * best]
    return max(good, key=lambda i: (page.depth[i], -i))


def render(page: Page, dropped: list[bool], root: int) -> tuple[list[str], list[tuple[str, int]]]:
    """Text lines of the subtree at `root` (blocks → line breaks) and its <hN> heading hints."""
    out: list[str] = []
    headings: list[tuple[str, int]] = []
    heading_start: dict[int, int] = {}
    stack: list[tuple[int, bool]] = [(root, True)]
    pre_depth = 0
    while stack:
        i, entering = stack.pop()
        tag = page.tag[i]
        if not entering:
            pre_depth -= tag == "pre"
            _close_element(out, tag)
            if i in heading_start:
                heading = _one_line("".join(out[heading_start.pop(i):]))
                if heading:
                    headings.append((heading, _HEADINGS[tag]))
            continue
        if dropped[i]:
            continue
        if tag == "-text":
            out.append(page.text[i] if pre_depth else _SPACES.sub(" ", page.text[i]))
            continue
        pre_depth += tag == "pre"
        if tag == "br":
            out.append("\n")
        elif tag in _BLOCK_TAGS:
            out.append("\n")
        if tag in _HEADINGS:
            heading_start[i] = len(out)
        stack.append((i, False))
        stack.extend((c, True) for c in reversed(page.children[i]))
    lines = [line.strip() for line in "".join(out).split("\n")]
    return [line for line in lines if line], headings


def _close_element(out: list[str], tag: str) -> None:
    """Separator emitted after an element's content."""
    if tag in ("td", "th"):
        out.append(CELL_SEPARATOR)
    elif tag in _BLOCK_TAGS:
        out.append("\n")


def _one_line(text: str) -> str:
    """Collapse a fragment into one stripped line."""
    return " ".join(text.split())


def top_level_one(headings: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Shift heading levels so the highest one is 1 (e.g. <h2> sections under an <h1> title)."""
    if not headings:
        return headings
    shift = min(level for _, level in headings) - 1
    return [(text, level - shift) for text, level in headings]


def page_title(page: Page, dropped: list[bool], root: int) -> str | None:
    """First <h1> in the content, else first kept <h1>, else <title> without the site-name suffix."""
    def subtree_text(i: int) -> str:
        parts, stack = [], [i]
        while stack:
            j = stack.pop()
            if page.tag[j] == "-text":
                parts.append(page.text[j])
            stack.extend(reversed(page.children[j]))
        return _one_line("".join(parts))

    h1s = [i for i, tag in enumerate(page.tag) if tag == "h1" and not dropped[i]]
    inside = [i for i in h1s if _is_within(page, i, root)]
    for i in inside + h1s:
        text = subtree_text(i)
        if text:
            return text
    titles = [i for i, tag in enumerate(page.tag) if tag == "title"]
    if titles:
        text = subtree_text(titles[0])
        parts = [part for part in _TITLE_SPLIT.split(text) if part.strip()]
        return parts[0].strip() if parts else None
    return None


def _is_within(page: Page, i: int, root: int) -> bool:
    """True when node `i` is `root` or one of its descendants."""
    while i >= 0:
        if i == root:
            return True
        i = page.parent[i]
    return False
