"""检查 on the 起草 page and the 版头/版记 form — pure functions over the draft dict (see draft.py).

The draft is checked as it will be exported: title, 主送机关, the blocks with the heading numbers
the export gives them, 署名 and 成文日期. Each finding points back at the block it came from, so
the page can link to it, apply its mechanical fix, or ignore it. 层次序数 is not checked here:
the export numbers headings itself.
"""

from __future__ import annotations

import html
from dataclasses import asdict, fields

from assistant.export.layout import addressee_line, format_date, heading_number
from assistant.models import Frame
from assistant.norms import check_document, fix_text
from assistant.norms.document import CheckDocument, doctype_of

FRAME_LABELS = {"copy_no": "份号", "secrecy": "密级和保密期限", "urgency": "紧急程度", "issuer": "发文机关标志",
                "doc_number": "发文字号", "signer": "签发人", "attachments": "附件名称（每行一个）", "cc": "抄送机关",
                "printed_by": "印发机关", "printed_on": "印发日期（YYYY-MM-DD）", "sealed": "加盖印章",
                "letter": "信函格式"}
TITLE, DOC_NUMBER = -1, -2  # block ids of the lines the draft holds outside its blocks
FRAME_TEXT_FIELDS = tuple(f.name for f in fields(Frame) if f.name not in ("sealed", "letter"))


def frame_to_meta(frame: Frame) -> dict:
    data = asdict(frame)
    data["attachments"] = list(frame.attachments)
    return data


def frame_from_meta(meta: dict) -> Frame:
    data = meta.get("frame") or {}
    texts = {k: str(data.get(k) or "").strip() for k in FRAME_TEXT_FIELDS if k != "attachments"}
    attachments = data.get("attachments") or ()
    if isinstance(attachments, str):
        attachments = attachments.splitlines()
    return Frame(**texts, attachments=tuple(a.strip() for a in attachments if str(a).strip()),
                 sealed=bool(data.get("sealed", True)), letter=bool(data.get("letter", False)))


def frame_from_form(values: list) -> dict:
    """The form's values (FRAME_TEXT_FIELDS order, then 加盖印章, 信函格式) as meta["frame"]."""
    data = {k: (v or "") for k, v in zip(FRAME_TEXT_FIELDS, values)}
    data["attachments"] = [a.strip() for a in str(data["attachments"]).splitlines() if a.strip()]
    flags = list(values[len(FRAME_TEXT_FIELDS):]) + [True, False][len(values) - len(FRAME_TEXT_FIELDS):]
    data["sealed"], data["letter"] = bool(flags[0]), bool(flags[1])
    return data


def frame_form_values(draft: dict | None) -> list:
    frame = frame_from_meta((draft or {}).get("meta") or {})
    return [("\n".join(frame.attachments) if k == "attachments" else getattr(frame, k)) for k in FRAME_TEXT_FIELDS] \
        + [frame.sealed, frame.letter]


def _lines(draft: dict) -> list[tuple[str, int | None, int]]:
    """(paragraph as exported, block id or None, offset of the block text in it)."""
    meta = draft["meta"]
    frame = frame_from_meta(meta)
    lines: list[tuple[str, int | None, int]] = [(frame.doc_number, DOC_NUMBER, 0)] if frame.doc_number else []
    lines.append((meta.get("title", "").strip(), TITLE, 0))
    if addressee_line(meta.get("addressee", "")):
        lines.append((addressee_line(meta["addressee"]), None, 0))
    counters = [0, 0]
    for block in draft["blocks"]:
        text = block["text"].strip()
        if not text:
            continue
        if block["kind"] == "heading":
            level = 2 if block.get("level") == 2 else 1
            counters[level - 1] += 1
            if level == 1:
                counters[1] = 0
            number = heading_number(level, counters[level - 1])
            lines.append((number + text, block["id"], len(number)))
        else:
            lines.append((text, block["id"], 0))
    for n, name in enumerate(frame.attachments, 1):
        label = f"{n}." if len(frame.attachments) > 1 else ""
        lines.append((("附件：" if n == 1 else "") + label + name, None, 0))
    if meta.get("org", "").strip():
        lines.append((meta["org"].strip(), None, 0))
    try:
        lines.append((format_date(meta.get("date", "")), None, 0))
    except ValueError:
        lines.append((meta.get("date", ""), None, 0))
    return lines


def check_draft(draft: dict | None, ignored: tuple[str, ...] = ()) -> list[dict]:
    """Findings as dicts with `key` (stable, for 忽略), `block` (block id; TITLE, DOC_NUMBER, or
    None for a line the page does not edit) and the span in the block's own text."""
    if not draft:
        return []
    lines = _lines(draft)
    title = draft["meta"].get("title", "")
    doc = CheckDocument("起草", tuple(t for t, _, _ in lines), doctype=doctype_of(title) or draft["meta"].get("doctype"))
    out = []
    seen: dict[tuple, int] = {}
    for f in check_document(doc):
        if f.category == "层次序数":
            continue
        _, block, offset = lines[f.paragraph]
        if f.start < offset:
            continue
        nth = seen[(f.rule, block, f.text)] = seen.get((f.rule, block, f.text), -1) + 1
        key = f"{f.rule}|{block}|{nth}|{f.text}"  # survives fixes that move it within the block
        if key in ignored:
            continue
        out.append({"key": key, "block": block, "rule": f.rule, "category": f.category, "severity": f.severity,
                    "start": f.start - offset, "end": f.end - offset, "text": f.text, "message": f.message,
                    "suggestion": f.suggestion, "fixable": f.fixable and block is not None})
    return out


def apply_fixes(draft: dict, findings: list[dict]) -> dict:
    """A new draft with the fixable findings applied to the title and the blocks' texts."""
    from assistant.norms.finding import Finding

    by_block: dict[int, list] = {}
    for f in findings:
        if f["fixable"]:
            by_block.setdefault(f["block"], []).append(Finding(f["rule"], f["category"], f["severity"], 0, f["start"],
                                                               f["end"], f["text"], f["message"], f["suggestion"], True))
    fresh = {**draft, "meta": dict(draft["meta"]), "blocks": [dict(b) for b in draft["blocks"]]}
    if TITLE in by_block:
        fresh["meta"]["title"] = fix_text(fresh["meta"]["title"].strip(), by_block[TITLE])
    if DOC_NUMBER in by_block:
        frame = dict(fresh["meta"].get("frame") or {})
        frame["doc_number"] = fix_text(str(frame.get("doc_number", "")).strip(), by_block[DOC_NUMBER])
        fresh["meta"]["frame"] = frame
    for block in fresh["blocks"]:
        if block["id"] in by_block:
            block["text"] = fix_text(block["text"].strip(), by_block[block["id"]])
    return fresh


def findings_html(findings: list[dict]) -> str:
    """The findings beside the draft; each names its paragraph and links to it (all text escaped)."""
    if not findings:
        return '<div class="gw-check gw-check-ok">检查完毕，未发现问题。</div>'
    items = []
    for n, f in enumerate(findings, 1):
        where = {TITLE: "标题", DOC_NUMBER: "发文字号（版头）", None: "落款/主送/附件"}.get(
            f["block"], f'<a href="#gw-block-{f["block"]}">第 {(f["block"] or 0) + 1} 块</a>')
        fix = (f'，改为“{html.escape(f["suggestion"])}”' if f["fixable"] and f["suggestion"] is not None else "")
        items.append(f'<li class="gw-check-{"error" if f["severity"] == "错误" else "advice"}">{n}. '
                     f'[{html.escape(f["severity"])}] {where}：“{html.escape(f["text"])}”{fix}'
                     f'<br><small>{html.escape(f["message"])}</small></li>')
    fixable = sum(1 for f in findings if f["fixable"])
    return (f'<div class="gw-check"><p>共 {len(findings)} 处，其中可一键修改 {fixable} 处。</p>'
            f'<ol style="list-style:none;padding-left:0">{"".join(items)}</ol></div>')


def finding_choices(findings: list[dict]) -> list[tuple[str, str]]:
    """(label, key) pairs for the 忽略 checklist."""
    return [(f"{n}. {f['text'] or f['rule']}：{f['message'][:30]}", f["key"]) for n, f in enumerate(findings, 1)]


def file_report_html(path: str) -> str:
    """`gongwen check` of an uploaded file as HTML (语料库 page); every text escaped."""
    from pathlib import Path

    from assistant.models import ReadError
    from assistant.norms import check_file

    name = html.escape(Path(path).name)
    try:
        results = check_file(path)
    except ReadError as err:
        return f'<div class="gw-check gw-error">{name}：无法读取（{html.escape(err.reason)}）</div>'
    parts = []
    for doc, found in results[:20]:
        if not found:
            parts.append(f"<p>{name}：未发现问题。</p>")
            continue
        rows = []
        for f in found[:300]:
            text = doc.paragraphs[f.paragraph]
            context = (html.escape(text[max(0, f.start - 12):f.start]) + f"<mark>{html.escape(f.text)}</mark>"
                       + html.escape(text[f.end:f.end + 12]))
            fix = f'，改为“{html.escape(f.suggestion)}”' if f.fixable and f.suggestion is not None else ""
            rows.append(f"<li>[{html.escape(f.severity)}] 第 {f.paragraph + 1} 段：{context}{fix}"
                        f"<br><small>{html.escape(f.message)}</small></li>")
        more = f"<p>……另有 {len(found) - 300} 处未列出</p>" if len(found) > 300 else ""
        parts.append(f"<p>{name}（{html.escape(doc.title[:40])}）：{len(found)} 处</p><ol>{''.join(rows)}</ol>{more}")
    return f'<div class="gw-check">{"".join(parts)}</div>'
