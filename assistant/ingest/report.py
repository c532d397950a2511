"""Presenting a parsed Document: the `parse --json` shape and readable outlines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from assistant.models import Document

SCRIPT_NAMES = {"simplified": "简体", "traditional": "繁体", "mixed": "繁简混排"}


def document_json(doc: Document) -> dict:
    """The JSON contract of `gongwen parse --json`."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "doctype": doc.doctype,
        "org": doc.org,
        "doc_number": doc.doc_number,
        "date": doc.date,
        "original_script": doc.original_script,
        "warnings": list(doc.warnings),
        "removed": [{"kind": r.kind, "text": r.text} for r in doc.removed],
        "paragraphs": [
            {
                "text": p.text,
                "is_heading": p.is_heading,
                "level": p.level,
                "heading_path": list(p.heading_path),
                "role": p.role,
                "number": p.number,
                "original": p.original,
            }
            for p in doc.paragraphs
        ],
    }


def outline_text(doc: Document) -> str:
    """A readable outline: metadata, cleaning report, then headings with their body counts."""
    lines = [
        f"标题：{doc.title}",
        f"文种：{doc.doctype or '未识别'}　发文机关：{doc.org or '—'}　文号：{doc.doc_number or '—'}"
        f"　成文日期：{doc.date or '—'}　原文：{SCRIPT_NAMES.get(doc.original_script, doc.original_script)}",
    ]
    kinds = Counter(r.kind for r in doc.removed)
    if kinds:
        lines.append("清理：" + "，".join(f"{k} {v} 处" for k, v in kinds.most_common()))
    lines += [f"警告：{w}" for w in doc.warnings]
    lines.append("提纲：")
    body_count = 0
    for p in doc.paragraphs:
        if p.is_heading:
            lines.append(f"{'  ' * p.level}{p.number}{p.text}　［{p.role}］")
        else:
            body_count += 1
            if p.index == 0 or not any(q.is_heading for q in doc.paragraphs[: p.index]):
                lines.append(f"  ·{p.text[:40]}…　［{p.role}］")
    lines.append(f"共 {len(doc.paragraphs)} 段（标题 {len(doc.paragraphs) - body_count}，正文 {body_count}）")
    return "\n".join(lines)


def summary_line(doc: Document, root: Path | None = None) -> str:
    """One line per document for folder summaries."""
    source = Path(doc.source)
    name = str(source.relative_to(root)) if root and source.is_relative_to(root) else source.name
    headings = sum(p.is_heading for p in doc.paragraphs)
    flag = f"　警告 {len(doc.warnings)}" if doc.warnings else ""
    return (f"{name}｜{doc.title[:30]}｜{doc.doctype or '未识别'}｜{doc.date or '—'}"
            f"｜标题 {headings}｜正文 {len(doc.body)}{flag}")
