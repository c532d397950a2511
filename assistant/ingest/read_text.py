"""Readers for plain-text formats: .txt, .md and .jsonl."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.ingest.encoding import decode_bytes
from assistant.ingest.script import replace_surrogates
from assistant.models import RawDocument, ReadError

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|(?=[^\s#\x00-\x7f]))(.*?)(?:[ \t]+#+)?[ \t]*$")
_JSONL_TEXT_KEYS = ("text", "content")
_JSONL_RESERVED = frozenset({"id", "title", *_JSONL_TEXT_KEYS})
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def normalize_newlines(text: str) -> str:
    """Turn CRLF / CR line ends into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_file(path: Path, data: bytes) -> tuple[str, str, list[str]]:
    """decode_bytes with the file named in a binary-file error; LF line ends, stray NULs removed."""
    text, encoding, warnings = decode_bytes(data, source=str(path))
    return normalize_newlines(text).replace("\x00", ""), encoding, warnings


def require_text(path: Path, text: str, reason: str = "没有提取到文字内容") -> None:
    """Raise ReadError when `text` has no visible characters."""
    if not text.strip():
        raise ReadError(str(path), reason)


def read_txt(path: Path, data: bytes) -> list[RawDocument]:
    """A .txt file: decoded text, one document."""
    text, encoding, warnings = decode_file(path, data)
    require_text(path, text, "文件没有文字内容")
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=text,
            metadata={"encoding": encoding},
            warnings=tuple(warnings),
            fmt="txt",
        )
    ]


def read_md(path: Path, data: bytes) -> list[RawDocument]:
    """A Markdown file: `#` headings become heading hints, HTML comments are dropped."""
    text, encoding, warnings = decode_file(path, data)
    lines, headings = parse_markdown(_HTML_COMMENT.sub("", text))
    title, headings = _markdown_title(headings)
    body = "\n".join(lines)
    require_text(path, body, "文件没有文字内容")
    return [
        RawDocument(
            doc_id=path.stem,
            source=str(path),
            text=body,
            title=title,
            heading_hints=tuple(headings),
            metadata={"encoding": encoding},
            warnings=tuple(warnings),
            fmt="md",
        )
    ]


def parse_markdown(text: str) -> tuple[list[str], list[tuple[str, int]]]:
    """Split Markdown into lines with `#` markers removed, and the (heading, level) pairs."""
    lines: list[str] = []
    headings: list[tuple[str, int]] = []
    for line in text.split("\n"):
        match = _MD_HEADING.match(line)
        if match and match.group(2).strip():
            heading = match.group(2).strip()
            headings.append((heading, len(match.group(1))))
            lines.append(heading)
        else:
            lines.append(line)
    return lines, headings


def _markdown_title(headings: list[tuple[str, int]]) -> tuple[str | None, list[tuple[str, int]]]:
    """The first heading is the title when it is the only level-1 heading."""
    if headings and headings[0][1] == 1 and sum(1 for _, lvl in headings if lvl == 1) == 1:
        return headings[0][0], headings[1:]
    return None, headings


def read_jsonl(path: Path, data: bytes) -> list[RawDocument]:
    """A .jsonl file: one document per valid line; bad lines are skipped with a warning."""
    text, encoding, warnings = decode_file(path, data)
    require_text(path, text, "文件为空")
    docs: list[RawDocument] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            doc = _jsonl_document(path, line, line_no)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if doc.doc_id in seen:
            problems.append(f"第 {line_no} 行的 id {doc.doc_id} 重复，已改为 {doc.doc_id}#{line_no}")
            doc = replace(doc, doc_id=f"{doc.doc_id}#{line_no}")
        seen.add(doc.doc_id)
        docs.append(doc)
    if not docs:
        first = problems[0] if problems else "没有记录"
        more = f"等 {len(problems)} 处问题" if len(problems) > 1 else ""
        raise ReadError(str(path), f"没有可用的记录（{first}{more}）")
    return _attach_file_warnings(docs, [*warnings, *problems], encoding)


def _jsonl_document(path: Path, line: str, line_no: int) -> RawDocument:
    """Parse one .jsonl line; raise ValueError with a Chinese reason if it is unusable."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError(f"第 {line_no} 行不是有效的 JSON，已跳过") from None
    except RecursionError:
        raise ValueError(f"第 {line_no} 行的 JSON 嵌套过深，已跳过") from None
    if not isinstance(record, dict):
        raise ValueError(f"第 {line_no} 行不是 JSON 对象，已跳过")
    if _SURROGATE_ESCAPE.search(line):
        try:
            record = _replace_lone_surrogates(record)
        except RecursionError:
            raise ValueError(f"第 {line_no} 行的 JSON 嵌套过深，已跳过") from None
    body = _jsonl_text(record)
    if body is None:
        raise ValueError(f"第 {line_no} 行缺少 text/content 文本字段，已跳过")
    if not body.strip():
        raise ValueError(f"第 {line_no} 行的文本为空，已跳过")
    raw_id = record.get("id")
    title = record.get("title")
    return RawDocument(
        doc_id=str(raw_id) if raw_id not in (None, "") else f"{path.stem}:{line_no}",
        source=str(path),
        text=normalize_newlines(body),
        title=(title.strip() or None) if isinstance(title, str) else None,
        metadata={k: v for k, v in record.items() if k not in _JSONL_RESERVED},
        fmt="jsonl",
    )


def _replace_lone_surrogates(value: Any) -> Any:
    """Lone surrogates ("\\ud800" escapes, valid JSON but not Unicode text) become U+FFFD.

    They cannot be encoded as UTF-8, so SQLite, OpenCC and every writer would fail on them."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, list):
        return [_replace_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


def _jsonl_text(record: dict[str, Any]) -> str | None:
    """The text field of a record (`text`, else `content`), if it is a string."""
    for key in _JSONL_TEXT_KEYS:
        value = record.get(key)
        if isinstance(value, str):
            return value
    return None


def _attach_file_warnings(docs: list[RawDocument], warnings: list[str], encoding: str) -> list[RawDocument]:
    """File-level warnings go on the first document; every document records the encoding."""
    out = [replace(d, metadata={"encoding": encoding, **d.metadata}) for d in docs]
    out[0] = replace(out[0], warnings=tuple(warnings))
    return out
