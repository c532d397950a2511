"""An outline as Markdown or plain text, with the same structure as the Word file.

Markdown: `#` title, `##`–`#####` for the four heading levels (numbering 一、/（一）/1./（1）
kept in the heading text), one paragraph per block. Plain text: one line per paragraph,
body and headings indented with two full-width spaces (the way 公文 are typed), the
signature pushed right on a 28-character line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from assistant.export.layout import (Block, build_blocks, signature_indents, signature_texts,
                                     text_width)
from assistant.export.sources import (APPENDIX_HEADING, check_mode, source_line, sourced,
                                      write_sources_file)
from assistant.models import Outline

INDENT = "\u3000\u3000"  # two full-width spaces = 2 characters
LINE_CHARS = 28
_SIGNATURE = ("org", "date")
_MD_LEADING = re.compile(r"^([#>+*-]|\d+[.)]\s)")


def to_markdown(outline: Outline, sources: str = "appendix", today: dt.date | None = None) -> str:
    """Markdown text of the draft; "appendix" adds [n] markers and a 附：素材来源 list."""
    return _render(outline, sources, today, markdown=True)


def to_text(outline: Outline, sources: str = "appendix", today: dt.date | None = None) -> str:
    """Plain text of the draft; "appendix" adds [n] markers and a 附：素材来源 list."""
    return _render(outline, sources, today, markdown=False)


def write_text_file(outline: Outline, path: str | Path, sources: str = "appendix",
                    today: dt.date | None = None) -> list[Path]:
    """Write .md (Markdown) or .txt (plain text) by suffix, UTF-8; returns the files written
    ("separate" also writes `<stem>_素材来源.md`)."""
    path = Path(path)
    markdown = path.suffix.lower() == ".md"
    if not markdown and path.suffix.lower() != ".txt":
        raise ValueError(f"文本导出只支持 .md 或 .txt：{path.name}")
    check_mode(sources)
    blocks = build_blocks(outline, today)
    path.write_text(render_blocks(blocks, sources, markdown), encoding="utf-8")
    written = [path]
    if sources == "separate":
        written.append(write_sources_file(outline, path, blocks))
    return written


def _render(outline: Outline, sources: str, today: dt.date | None, markdown: bool) -> str:
    check_mode(sources)
    return render_blocks(build_blocks(outline, today), sources, markdown)


def render_blocks(blocks: list[Block], sources: str, markdown: bool) -> str:
    """The document text: paragraphs, signature, then the source list when "appendix"."""
    markers = sources == "appendix"
    render = _markdown_block if markdown else _text_block
    parts = [render(b, markers) for b in blocks if b.kind not in _SIGNATURE]
    parts += _signature(*signature_texts(blocks), markdown)
    if markers and sourced(blocks):
        parts.append(_appendix(blocks, markdown))
    separator = "\n\n" if markdown else "\n"
    return separator.join(parts) + "\n"


def _signature(org: str, date: str, markdown: bool) -> list[str]:
    """Markdown: plain paragraphs. Text: a blank line, then the lines padded with full-width
    spaces to the same right indents as the Word file (date 4 characters from the right edge)."""
    lines = [line for line in (org, date) if line]
    if markdown:
        return lines
    org_right, date_right = signature_indents(org, date)
    padded = [_pad_right(date, date_right)]
    if org:
        padded.insert(0, _pad_right(org, org_right))
    return ["", *padded]


def _pad_right(text: str, right_chars: float) -> str:
    pad = max(0, round(LINE_CHARS - right_chars - text_width(text)))
    return "\u3000" * pad + text


def _marker(block: Block, markers: bool) -> str:
    return f"[{block.source_no}]" if markers and block.source_no else ""


def _markdown_block(block: Block, markers: bool) -> str:
    if block.kind == "title":
        return "# " + block.text.replace("\n", "")
    if block.kind == "heading":
        return "#" * (block.level + 1) + f" {block.number}{block.text}"
    text = block.text
    if _MD_LEADING.match(text):
        text = "\\" + text  # a paragraph starting "1. " or "# " must not turn into a list or heading
    return text + _marker(block, markers)


def _text_block(block: Block, markers: bool) -> str:
    if block.kind == "title":
        return block.text + "\n"  # blank line after the title
    if block.kind == "addressee":
        return block.text
    if block.kind == "heading":
        return INDENT + block.number + block.text
    return INDENT + block.text + _marker(block, markers)


def _appendix(blocks: list[Block], markdown: bool) -> str:
    entries = [source_line(b, markdown) for b in sourced(blocks)]
    if markdown:
        return "---\n\n## " + APPENDIX_HEADING + "\n\n" + "\n".join(entries)
    return "\n" + APPENDIX_HEADING + "\n" + "\n".join(entries)
