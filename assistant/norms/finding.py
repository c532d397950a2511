"""A checker finding and the helpers every rule family shares."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

ERROR, ADVICE = "错误", "建议"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")
# full-width punctuation that marks Chinese context around a half-width mark
CN_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】〔〕…—"


@dataclass(frozen=True)
class Finding:
    """One deviation from a norm.

    `paragraph` is the 0-based index among the document's non-empty paragraphs; `start`/`end`
    are character offsets in that paragraph's text (`text` = the flagged span). `suggestion` is
    the replacement for the span when the fix is mechanical (`fixable`), else a hint or None.
    """

    rule: str
    category: str
    severity: str
    paragraph: int
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None = None
    fixable: bool = False

    def as_json(self) -> dict:
        """The public JSON shape (the contract of `gongwen check --json`)."""
        data = asdict(self)
        data.pop("fixable")
        return data


def finding(rule: str, category: str, severity: str, paragraph: int, text: str, start: int, end: int,
            message: str, suggestion: str | None = None, fixable: bool | None = None) -> Finding:
    """A Finding for text[start:end] of one paragraph; fixable defaults to "a replacement is given"."""
    return Finding(rule, category, severity, paragraph, start, end, text[start:end], message,
                   suggestion, suggestion is not None if fixable is None else fixable)


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(CJK_RE.match(ch))


def is_chinese_context(ch: str) -> bool:
    """A neighbour that makes a half-width mark Chinese punctuation: a 汉字 or a full-width mark."""
    return bool(ch) and (is_cjk(ch) or ch in CN_PUNCT)
