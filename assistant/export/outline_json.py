"""Outline ⇄ plain dict/JSON, for saving a draft and reopening it (exact round trip).

Tuples become lists; `source` is null for a paragraph written from scratch. Reading validates
every field and names the missing or mistyped one, with its position, in Chinese.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from assistant.models import DraftParagraph, Frame, Outline, Section, SourceRef

FORMAT = "gongwen-outline"
VERSION = 1
_MISSING = object()
_LABELS = {
    "doctype": "文种", "title": "标题", "org": "发文机关", "year": "年度", "topic": "主题",
    "sections": "章节", "opening": "开头段落", "closing": "结尾段落", "addressee": "主送机关",
    "date": "成文日期", "keywords": "关键词", "heading": "章节标题", "roles": "章节角色",
    "paragraphs": "段落", "alternatives": "备选段落", "subsections": "下级章节", "level": "层级",
    "text": "段落正文", "source": "来源", "precedent": "原文段落", "review": "待核实项",
    "score": "得分", "doc_id": "文档编号", "para_id": "段落编号", "heading_path": "所在章节",
    "relpath": "相对路径", "doc_number": "文号", "heading_source": "小标题来源", "gap": "缺口说明",
    "guidance": "写作提示", "near_misses": "相近段落",
}
_LABELS.update({"frame": "版头版记", "copy_no": "份号", "secrecy": "密级和保密期限", "urgency": "紧急程度",
                "issuer": "发文机关标志", "signer": "签发人", "attachments": "附件说明", "cc": "抄送机关",
                "printed_by": "印发机关", "printed_on": "印发日期", "sealed": "加盖印章", "letter": "信函格式"})
_TYPE_NAMES = {str: "字符串", int: "整数", float: "数字", list: "列表", dict: "对象"}


class OutlineFormatError(ValueError):
    """Outline data that cannot be read; the message names the field and where it is."""


def outline_to_dict(outline: Outline) -> dict[str, Any]:
    """A JSON-ready dict of the outline, tagged with format and version."""
    return {"format": FORMAT, "version": VERSION, **_lists(asdict(outline))}


def outline_to_json(outline: Outline) -> str:
    return json.dumps(outline_to_dict(outline), ensure_ascii=False, indent=2)


def write_outline_json(outline: Outline, path: str | Path) -> list[Path]:
    """Write UTF-8 JSON; returns the files written."""
    path = Path(path)
    path.write_text(outline_to_json(outline) + "\n", encoding="utf-8")
    return [path]


def outline_from_json(text: str) -> Outline:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OutlineFormatError(f"大纲文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列") from None
    return outline_from_dict(data)


def outline_from_dict(d: Any) -> Outline:
    """The Outline a dict describes; OutlineFormatError names the first bad field."""
    _check_type(d, dict, "")
    if d.get("format", FORMAT) != FORMAT:
        raise OutlineFormatError(f"不是公文大纲数据（format = “{d.get('format')}”）")
    version = d.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise OutlineFormatError(f"大纲数据版本 {version} 高于本程序支持的版本 {VERSION}，请升级程序")
    return Outline(
        doctype=_field(d, "doctype", str, ""),
        title=_field(d, "title", str, ""),
        org=_field(d, "org", str, ""),
        year=_field(d, "year", int, ""),
        topic=_field(d, "topic", str, ""),
        sections=_items(d, "sections", "", _section),
        opening=_items(d, "opening", "", _paragraph, default=()),
        closing=_items(d, "closing", "", _paragraph, default=()),
        addressee=_field(d, "addressee", str, "", default=""),
        date=_field(d, "date", str, "", default=""),
        keywords=_strings(d, "keywords", "", default=()),
        frame=_frame(d.get("frame", {}), "frame"),
    )


def _frame(d: Any, where: str) -> Frame:
    """版头/版记 fields; every one optional (an outline saved before they existed has none)."""
    _check_type(d, dict, where)
    sealed, letter = d.get("sealed", True), d.get("letter", False)
    for key, value in (("sealed", sealed), ("letter", letter)):
        if not isinstance(value, bool):
            raise OutlineFormatError(f"大纲数据字段类型错误：应为 true 或 false，实际是 {type(value).__name__}{_at(where + '.' + key)}")
    names = ("copy_no", "secrecy", "urgency", "issuer", "doc_number", "signer", "cc", "printed_by", "printed_on")
    return Frame(**{k: _field(d, k, str, where, default="") for k in names},
                 attachments=_strings(d, "attachments", where, default=()), sealed=sealed, letter=letter)


def _section(d: Any, where: str) -> Section:
    _check_type(d, dict, where)
    alternatives = _field(d, "alternatives", list, where, default=[])
    return Section(
        heading=_field(d, "heading", str, where),
        roles=_strings(d, "roles", where, default=()),
        paragraphs=_items(d, "paragraphs", where, _paragraph, default=()),
        alternatives=tuple(_alternatives(alt, f"{where}.alternatives[{i}]")
                           for i, alt in enumerate(alternatives)),
        subsections=_items(d, "subsections", where, _section, default=()),
        level=_field(d, "level", int, where, default=1),
        heading_source=None if d.get("heading_source") is None
        else _source(d["heading_source"], f"{where}.heading_source"),
        gap=_field(d, "gap", str, where, default=""),
        guidance=_strings(d, "guidance", where, default=()),
        near_misses=_items(d, "near_misses", where, _paragraph, default=()),
    )


def _paragraph(d: Any, where: str) -> DraftParagraph:
    _check_type(d, dict, where)
    source = d.get("source")
    return DraftParagraph(
        text=_field(d, "text", str, where),
        source=None if source is None else _source(source, f"{where}.source"),
        precedent=_field(d, "precedent", str, where, default=""),
        review=_strings(d, "review", where, default=()),
        score=float(_field(d, "score", float, where, default=0.0)),
    )


def _source(d: Any, where: str) -> SourceRef:
    _check_type(d, dict, where)
    return SourceRef(
        doc_id=_field(d, "doc_id", str, where),
        para_id=_field(d, "para_id", str, where),
        title=_field(d, "title", str, where),
        source=_field(d, "source", str, where),
        heading_path=_strings(d, "heading_path", where, default=()),
        relpath=_field(d, "relpath", str, where, default=""),
        doc_number=_field(d, "doc_number", str, where, default=""),
    )


def _field(d: dict, key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
    value = d.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise OutlineFormatError(f"大纲数据缺少字段“{key}”（{_LABELS.get(key, key)}）{_at(where)}")
        return default
    _check_type(value, kind, f"{where}.{key}")
    return value


def _items(d: dict, key: str, where: str, build: Callable[[Any, str], Any],
           default: Any = _MISSING) -> tuple:
    items = _field(d, key, list, where, default=default)
    return tuple(build(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))


def _strings(d: dict, key: str, where: str, default: Any = _MISSING) -> tuple[str, ...]:
    items = _field(d, key, list, where, default=default)
    for i, item in enumerate(items):
        _check_type(item, str, f"{where}.{key}[{i}]")
    return tuple(items)


def _alternatives(value: Any, where: str) -> tuple[DraftParagraph, ...]:
    _check_type(value, list, where)
    return tuple(_paragraph(p, f"{where}[{j}]") for j, p in enumerate(value))


def _check_type(value: Any, kind: type, where: str) -> None:
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is list:
        ok = isinstance(value, (list, tuple))
    if not ok:
        raise OutlineFormatError(
            f"大纲数据字段类型错误：应为{_TYPE_NAMES[kind]}，实际是 {type(value).__name__}{_at(where)}")


def _at(where: str) -> str:
    return f"，位置：{where.lstrip('.')}" if where else ""


def _lists(value: Any) -> Any:
    """Tuples (from asdict) as lists, recursively, so the dict equals its JSON reading."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value
