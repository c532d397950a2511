"""The text a checker sees: a document's non-empty paragraphs as written, and its 文种.

Unlike indexing, checking must not normalise anything (full-width digits, half-width commas and
zero-padded dates are what it looks for), so files are read with the format readers and only
split into lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_DOCTYPES = ("请示", "通知", "批复", "函", "报告", "通报", "决定", "意见", "公告", "通告", "纪要",
             "命令", "令", "议案", "决议", "公报", "方案", "规划", "总结", "讲话")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True)
class CheckDocument:
    """`paragraphs` are stripped non-empty lines; `lines` maps each to its line in the source text."""

    source: str
    paragraphs: tuple[str, ...]
    lines: tuple[int, ...] = ()
    doctype: str | None = None
    fmt: str = "txt"

    @property
    def title(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""


def from_text(text: str, source: str = "<text>", fmt: str = "txt", title: str | None = None) -> CheckDocument:
    """Paragraphs of a text (one per non-empty line) and the 文种 named by its title."""
    paragraphs, lines = [], []
    for no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        line = _INVISIBLE.sub("", line).strip()
        if line:
            paragraphs.append(line)
            lines.append(no)
    head = title or (paragraphs[0] if paragraphs else "")
    return CheckDocument(source, tuple(paragraphs), tuple(lines), doctype_of(head), fmt)


def doctype_of(title: str) -> str | None:
    """The 文种 a title ends with (关于……的通知 → 通知); 工作报告 is a speech, not a 报告 to a superior."""
    head = re.sub(r"[（(][^（）()]*[）)]$", "", title.strip())[:80]
    for doctype in _DOCTYPES:
        if head.endswith(doctype) or (len(head) > 60 and f"的{doctype}" in head[:80]):
            if doctype == "报告" and "工作报告" in head:
                return "工作报告"
            if doctype == "函" and head.endswith("公函"):
                return "函"
            return doctype
    return None


def read_documents(path: str | Path) -> list[CheckDocument]:
    """Every document in a file the readers support (.jsonl: one per line). Raises ReadError."""
    from assistant.ingest.read import read_file

    docs = []
    for raw in read_file(path):
        doc = from_text(raw.text, raw.source, raw.fmt, title=raw.title)
        if raw.title and raw.fmt == "jsonl" and not doc.title.startswith(raw.title.strip()):
            doc = from_text(raw.title + "\n" + raw.text, raw.source, raw.fmt)  # the title is checked too
        docs.append(doc)
    return docs
