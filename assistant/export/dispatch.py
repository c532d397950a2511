"""One entry point for every export format, chosen by the file suffix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.export.docx import write_docx
from assistant.export.outline_json import write_outline_json
from assistant.export.sources import check_mode
from assistant.export.text import write_text_file
from assistant.models import Outline

SUFFIXES = (".docx", ".md", ".txt", ".json")


def export(outline: Outline, path: str | Path, sources: str = "appendix",
           today: dt.date | None = None) -> list[Path]:
    """Write the outline to `path` as .docx, .md, .txt or .json; returns the files written.

    `sources` ("appendix" · "separate" · "none") places the 素材来源 list; a .json file always
    holds the full outline, sources included, so it ignores the choice.
    """
    path = Path(path)
    check_mode(sources)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return write_docx(outline, path, sources, today)
    if suffix in (".md", ".txt"):
        return write_text_file(outline, path, sources, today)
    if suffix == ".json":
        return write_outline_json(outline, path)
    raise ValueError(f"不支持的导出格式“{path.suffix or '（无扩展名）'}”：请使用 {'、'.join(SUFFIXES)}")
