"""RawDocument → Document: clean, find title and metadata, build the heading tree and roles."""

from __future__ import annotations

import hashlib
import re

from assistant.ingest import meta, roles, segment
from assistant.ingest.clean import clean
from assistant.ingest.headings import Line, assign_levels, classify, match_style
from assistant.ingest.script import detect_script, to_simplified
from assistant.models import Document, Paragraph, RawDocument, Removed

_WS = re.compile(r"\s+")


def parse_raw(raw: RawDocument) -> Document:
    """Parse one raw document into a structured, cleaned Document."""
    cleaned = clean(raw.text)
    removed = list(cleaned.removed)
    originals = [p for ln in cleaned.text.split("\n") if ln for p in segment.split_long_line(ln)]
    simple = [to_simplified(ln) for ln in originals]
    title, doc_number, org, start = _take_title(raw, originals, simple, removed)
    pairs = list(zip(originals[start:], simple[start:]))
    if pairs:
        rest, number = segment.strip_leading_number(pairs[0][1])
        if number:
            doc_number = doc_number or number
            pairs[0] = (pairs[0][0][len(pairs[0][1]) - len(rest):], rest)
            pairs = [p for p in pairs if p[1]]
    body_text = "\n".join(s for _, s in pairs)
    declared = raw.metadata.get("doctype")  # a JSONL field: any JSON value
    doctype = meta.doctype_of(title, body_text) or (declared.strip() or None if isinstance(declared, str) else None)
    lines = _classify_all(pairs, _hint_levels(raw))
    paragraphs = _build_paragraphs(lines, doctype)
    simple_lines = [s for _, s in pairs]
    return Document(
        doc_id=raw.doc_id,
        source=raw.source,
        title=title,
        doctype=doctype,
        org=org or meta.org_from_signature(simple_lines) or meta.org_from_title(title),
        doc_number=doc_number,
        date=meta.find_date(simple_lines),
        original_script=detect_script(raw.text),
        paragraphs=tuple(paragraphs),
        warnings=tuple(raw.warnings) + cleaned.warnings,
        removed=tuple(removed),
        metadata=dict(raw.metadata),
        content_hash=hashlib.sha1(raw.text.encode("utf-8", "surrogatepass")).hexdigest(),
    )


def _take_title(raw: RawDocument, originals: list[str], simple: list[str], removed: list[Removed]):
    """Find the title; consume it, the header lines above it and repeated copies of it.

    Returns (title, doc_number, org, index of the first body line); may edit the
    first body line in place when the title ran into it.
    """
    doc_number = org = None
    if raw.title:
        title = to_simplified(_WS.sub(" ", raw.title).strip())
        index, remainder = (0, simple[0][len(title):].strip()) if simple and simple[0].startswith(title) else (None, None)
    else:
        blurb = segment.title_from_blurb([to_simplified(r.text) for r in removed])
        index, title, remainder = segment.find_title(simple, blurb)
    if not title:
        title = to_simplified(raw.doc_id.rsplit("/", 1)[-1])
    start = 0
    if index is not None:
        for line in simple[:index]:
            doc_number = doc_number or meta.find_doc_number(line)
            if line.endswith("文件") and len(line) <= 30:
                org = line[:-2]
            removed.append(Removed("header", line))
        start = index + 1
        if remainder:
            cut = len(simple[index]) - len(remainder)
            originals[index], simple[index] = originals[index][cut:].strip(), remainder
            start = index
    while start < len(simple) and start < 12 and segment.is_title_copy(simple[start], title):
        doc_number = doc_number or meta.find_doc_number(simple[start])
        removed.append(Removed("duplicate_title", simple[start]))
        start += 1
    for line in simple[start:start + 2]:
        if len(line) <= 40 and meta.DOC_NUMBER_RE.search(line):
            doc_number = doc_number or meta.find_doc_number(line)
    return title, doc_number, org, start


def _hint_levels(raw: RawDocument) -> dict[str, int]:
    """Declared headings (docx styles, Markdown #) keyed by whitespace-free simplified text."""
    hints = {}
    for text, level in raw.heading_hints:
        key = _WS.sub("", to_simplified(text))
        if key and key != _WS.sub("", to_simplified(raw.title or "")):
            hints[key] = level
    if hints:
        top = min(hints.values())
        hints = {k: v - top + 1 for k, v in hints.items()}
    return hints


def _classify_all(pairs: list[tuple[str, str]], hints: dict[str, int]) -> list[tuple[Line, str]]:
    """Classify every line; returns (Line on simplified text, matching original text)."""
    out: list[tuple[Line, str]] = []
    in_article = False
    for i, (original, simple) in enumerate(pairs):
        level = hints.get(_WS.sub("", simple))
        if level is not None:
            found = match_style(simple)
            number = simple[: found[1].end()].strip() if found and found[0] not in ("zhang", "jie", "bian", "part", "tiao") else ""
            pieces = [Line(simple[len(number):].strip() if number else simple, True, f"hint{level}", number)]
        else:
            following = pairs[i + 1][1] if i + 1 < len(pairs) else None
            pieces = classify(simple, following, in_article)
        for piece in pieces:
            out.append((piece, _original_of(piece.text, simple, original)))
            if piece.is_heading and piece.style in ("zhang", "jie", "bian", "part") or (piece.style or "").startswith("hint"):
                in_article = False
            elif piece.style == "tiao" and not piece.is_heading:
                in_article = True
    return out


def _original_of(piece: str, simple: str, original: str) -> str:
    """The original-script text of `piece`, a substring of the simplified line."""
    if len(simple) != len(original):
        return piece
    pos = simple.find(piece)
    return original[pos:pos + len(piece)] if pos >= 0 else piece


def _build_paragraphs(lines: list[tuple[Line, str]], doctype: str | None) -> list[Paragraph]:
    """Levels, heading paths and roles for the classified lines."""
    levels = assign_levels([ln.style if ln.is_heading else None for ln, _ in lines])
    has_headings = any(ln.is_heading for ln, _ in lines)
    stack: list[tuple[int, str]] = []
    out: list[Paragraph] = []
    for (line, original), level in zip(lines, levels):
        if line.is_heading:
            stack = [(lv, text) for lv, text in stack if lv < level]
            path = tuple(text for _, text in stack)
            role = roles.role_of_path(path + (line.text,), doctype)
            stack.append((level, line.text))
        else:
            path = tuple(text for _, text in stack)
            role = roles.role_of_path(path, doctype) if (has_headings or not out) else roles.default_role(doctype)
        out.append(Paragraph(line.text, original, line.is_heading, level, path, role, len(out), line.number))
    return _mark_closing(out)


def _mark_closing(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Closing formulas and the signature/date block at the end take the role 结尾."""
    out = list(paragraphs)
    for i in range(len(out) - 1, max(-1, len(out) - 6), -1):
        p = out[i]
        if p.is_heading:
            break
        tail_line = len(p.text) <= 30 and (meta.DATE_RE.search(p.text) or p.text.endswith(meta.ORG_SUFFIX))
        if tail_line or roles.is_closing(p.text):
            out[i] = Paragraph(p.text, p.original, False, None, p.heading_path, "结尾", p.index)
        elif len(p.text) > 30:
            break
    return out
