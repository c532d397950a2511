"""The 素材来源 list: which precedent paragraph each reused draft paragraph came from."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.export.layout import Block, build_blocks
from assistant.export.paths import sources_path
from assistant.models import Outline, SourceRef

SOURCE_MODES = ("appendix", "separate", "none")
APPENDIX_HEADING = "附：素材来源"
_EXCERPT_CHARS = 24


def check_mode(sources: str) -> str:
    """appendix: list after the signature · separate: sibling <stem>_素材来源.md · none."""
    if sources not in SOURCE_MODES:
        raise ValueError(f"素材来源方式无效：“{sources}”（可选：appendix、separate、none）")
    return sources


def sourced(blocks: list[Block]) -> list[Block]:
    """The blocks that reuse a precedent paragraph, in source-number order."""
    return [b for b in blocks if b.source_no]


def shown_path(ref: SourceRef) -> str:
    """The file as exports name it: relative to the corpus root, never an absolute path of this
    machine (an outline saved before relpath existed shows the file name only)."""
    if ref.relpath:
        return ref.relpath
    if PurePosixPath(ref.source).is_absolute() or PureWindowsPath(ref.source).is_absolute():
        return PurePosixPath(ref.source.replace("\\", "/")).name
    return ref.source


def source_line(block: Block, markdown: bool = False) -> str:
    """1. 《标题》（文号，文件相对语料根目录的路径）段落 p12 — 一、工作情况 › （一）主要做法"""
    ref = block.source
    assert ref is not None
    path = shown_path(ref)
    path = f"`{path}`" if markdown and path else path
    where = "，".join(x for x in (ref.doc_number, path) if x)
    line = f"{block.source_no}. 《{ref.title}》（{where}）段落 {ref.para_id}"
    if ref.heading_path:
        line += " — " + " › ".join(ref.heading_path)
    return line


def excerpt(text: str) -> str:
    """The start of a draft paragraph, to find it again in the body."""
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"


def sources_markdown(outline: Outline, blocks: list[Block] | None = None) -> str:
    """The separate source list: one entry per reused paragraph, with where it is used."""
    blocks = build_blocks(outline) if blocks is None else blocks
    lines = [f"# 素材来源：{outline.title.strip()}", ""]
    entries = sourced(blocks)
    for block in entries:
        lines += [source_line(block, markdown=True), f"   > 用于：{excerpt(block.text)}", ""]
    if not entries:
        lines += ["（本稿未引用素材段落）", ""]
    return "\n".join(lines)


def write_sources_file(outline: Outline, path: Path, blocks: list[Block] | None = None) -> Path:
    """Write `<stem>_素材来源.md` beside `path`; returns the file written."""
    target = sources_path(path)
    target.write_text(sources_markdown(outline, blocks), encoding="utf-8")
    return target
