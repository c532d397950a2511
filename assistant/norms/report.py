"""Findings as the `gongwen check` JSON contract and as a readable report."""

from __future__ import annotations

from collections import Counter

from assistant.norms.finding import ERROR, Finding


def report_json(source: str, findings: list[Finding]) -> dict:
    """{"file", "findings": [{"rule", "category", "severity", "paragraph", "start", "end", "text",
    "message", "suggestion"}]} — the contract outside checks rely on."""
    return {"file": source, "findings": [f.as_json() for f in findings]}


def report_text(source: str, findings: list[Finding], paragraphs: tuple[str, ...] = ()) -> str:
    if not findings:
        return f"{source}：未发现问题。"
    counts = Counter(f.severity for f in findings)
    lines = [f"{source}：{len(findings)} 处（错误 {counts.get(ERROR, 0)}，建议 {len(findings) - counts.get(ERROR, 0)}）"]
    for f in findings:
        where = f"第 {f.paragraph + 1} 段 第 {f.start + 1} 字" if f.paragraph >= 0 else "全文"
        lines.append(f"[{f.severity}] {where}  {f.category} {f.rule}：{f.message}")
        context = _context(paragraphs[f.paragraph], f.start, f.end) if 0 <= f.paragraph < len(paragraphs) else f.text
        fix = f" → 改为“{f.suggestion}”" if f.suggestion is not None and f.fixable else ""
        if context or fix:
            lines.append(f"    {context}{fix}")
    return "\n".join(lines)


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    """The flagged span in 【】 with a little text either side."""
    left = ("…" if start > width else "") + text[max(0, start - width):start]
    right = text[end:end + width] + ("…" if end + width < len(text) else "")
    return f"{left}【{text[start:end]}】{right}"
