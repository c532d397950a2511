"""Chinese script handling: 繁→简 with OpenCC and detection of the original script."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """Lone surrogates → U+FFFD. They come from "\\ud800" JSON escapes or undecodable command-line
    bytes, are not text, and cannot be encoded as UTF-8 (OpenCC, SQLite and every writer fail)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def to_simplified(text: str) -> str:
    """Traditional (or mixed) Chinese → simplified, phrase-aware (OpenCC t2s)."""
    if not text:
        return text
    try:
        return _T2S.convert(text)
    except UnicodeEncodeError:  # lone surrogates
        return _T2S.convert(replace_surrogates(text))


@lru_cache(maxsize=65536)
def _char_kind(ch: str) -> int:
    """+1 traditional-only form, -1 simplified-only form, 0 shared or not CJK."""
    if _T2S.convert(ch) != ch:
        return 1
    if _S2T.convert(ch) != ch:
        return -1
    return 0


def detect_script(text: str, sample: int = 20000) -> str:
    """'simplified', 'traditional' or 'mixed', from characters that differ between scripts."""
    trad = simp = 0
    for ch in text[:sample]:
        if "\u4e00" <= ch <= "\u9fff":
            kind = _char_kind(ch)
            trad += kind == 1
            simp += kind == -1
    total = trad + simp
    if total == 0 or trad <= 0.1 * total:
        return "simplified"
    if simp <= 0.1 * total:
        return "traditional"
    return "mixed"
