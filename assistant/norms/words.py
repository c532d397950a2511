"""Misused words: a curated list with context rules, shipped as data/words.yaml.

Users extend it with a file of the same shape (`gongwen check --words FILE` or GONGWEN_WORDS).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ADVICE, ERROR, Finding, finding

CATEGORY = "字词"
DATA_FILE = Path(__file__).with_name("data") / "words.yaml"
_CONTEXT = 12  # characters of context a next/prev pattern sees


class WordListError(ValueError):
    """A word list that cannot be used; str() names the file and the entry."""


@dataclass(frozen=True)
class WordRule:
    wrong: str
    right: str | None
    severity: str = ERROR
    note: str = ""
    next: re.Pattern | None = None
    not_next: re.Pattern | None = None
    prev: re.Pattern | None = None
    not_prev: re.Pattern | None = None

    def applies(self, text: str, start: int, end: int) -> bool:
        after, before = text[end:end + _CONTEXT], text[max(0, start - _CONTEXT):start]
        return ((self.next is None or bool(self.next.search(after)))
                and (self.not_next is None or not self.not_next.search(after))
                and (self.prev is None or bool(self.prev.search(before)))
                and (self.not_prev is None or not self.not_prev.search(before)))


def load_rules(path: str | Path) -> tuple[WordRule, ...]:
    """Parse a word list; WordListError names the file and the bad entry."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise WordListError(f"{path}：词表文件不存在") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WordListError(f"{path}：无法读取词表（{type(exc).__name__}）") from None
    if not isinstance(data, list):
        raise WordListError(f"{path}：词表应为条目列表（每条以“- wrong: …”开始）")
    return tuple(_rule(path, n, item) for n, item in enumerate(data, 1))


def _rule(path: Path, n: int, item) -> WordRule:
    where = f"{path} 第 {n} 条"
    if not isinstance(item, dict) or not isinstance(item.get("wrong"), str) or not item["wrong"].strip():
        raise WordListError(f"{where}：缺少 wrong（误用写法）")
    severity = item.get("severity", ERROR)
    if severity not in (ERROR, ADVICE):
        raise WordListError(f"{where}：severity 只能是“错误”或“建议”")
    patterns = {}
    for key in ("next", "not_next", "prev", "not_prev"):
        if item.get(key):
            try:
                source = str(item[key])
                patterns[key] = re.compile(source + "$" if key in ("prev", "not_prev") and not source.endswith("$")
                                           else source)
            except re.error as exc:
                raise WordListError(f"{where}：{key} 不是有效的正则表达式（{exc}）") from None
    right = item.get("right")
    return WordRule(item["wrong"].strip(), str(right).strip() if right else None, severity,
                    str(item.get("note") or ""), **patterns)


def rules_for(extra: tuple[str, ...] = ()) -> tuple[WordRule, ...]:
    """The shipped list, then GONGWEN_WORDS, then `extra` files (a later entry with the same wrong form
    and `next` context overrides an earlier one). Cached while the files are unchanged."""
    files = [DATA_FILE, *[p for p in os.environ.get("GONGWEN_WORDS", "").split(os.pathsep) if p], *extra]
    return _rules_for(tuple((str(p), *_stamp(p)) for p in files))


def _stamp(path) -> tuple[int, int]:
    try:
        info = os.stat(path)
        return info.st_mtime_ns, info.st_size
    except OSError:
        return 0, -1


@lru_cache(maxsize=16)
def _rules_for(stamped: tuple[tuple[str, int, int], ...]) -> tuple[WordRule, ...]:
    files = [p for p, _, _ in stamped]
    merged: dict[tuple[str, str], WordRule] = {}
    for path in files:
        for rule in load_rules(path):
            merged[(rule.wrong, rule.next.pattern if rule.next else "")] = rule
    return tuple(r for r in merged.values() if r.right != r.wrong)


def check(doc: CheckDocument, rules: tuple[WordRule, ...] | None = None) -> list[Finding]:
    rules = rules_for() if rules is None else rules
    found: list[Finding] = []
    for i, text in enumerate(doc.paragraphs):
        taken: list[tuple[int, int]] = []
        for rule in sorted(rules, key=lambda r: -len(r.wrong)):  # longer forms first: 截止到目前 before 截止
            for m in re.finditer(re.escape(rule.wrong), text):
                s, e = m.span()
                if any(s < te and ts < e for ts, te in taken) or not rule.applies(text, s, e):
                    continue
                taken.append((s, e))
                hint = f"应为“{rule.right}”" if rule.right else "用词不当"
                found.append(finding("word.misused", CATEGORY, rule.severity, i, text, s, e,
                                     f"“{rule.wrong}”{hint}" + (f"：{rule.note}" if rule.note else ""),
                                     rule.right, fixable=bool(rule.right) and rule.severity == ERROR))
    return found
