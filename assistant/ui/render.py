"""HTML for the UI — pure functions. Every piece of document text goes through `esc` first:
documents come from anywhere, and a `<script>` in a 范文 must show as text, never run."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Iterable, Sequence

from assistant.models import Hit
from assistant.search.query import no_hits_hint
from assistant.ui.draft import REVIEW_MARK

SIGNAL_NAMES = {"bm25_words": "词", "bm25_bigrams": "二元字", "dense": "向量"}
CONTEXT = 4  # paragraphs shown around the focus paragraph before the full text


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def highlighted(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` escaped, with the (start, end) spans wrapped in <mark>."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last or end > len(text):
            continue
        out.append(esc(text[last:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        last = end
    out.append(esc(text[last:]))
    return "".join(out)


def review_highlighted(text: str) -> str:
    """`text` escaped, 【待核实：…】 marks made to stand out."""
    out, last = [], 0
    for m in REVIEW_MARK.finditer(text):
        out.append(esc(text[last:m.start()]))
        out.append(f'<span class="gw-review">{esc(m.group(0))}</span>')
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def _explain(explain: dict) -> str:
    parts = []
    for name, label in SIGNAL_NAMES.items():
        info = explain.get(name)
        parts.append(f"{label} 第{info['rank']}名（{info['score']:.3g}）" if info else f"{label} —")
    for key, label in (("context", "章节上下文"), ("section", "章节"), ("document", "全文")):
        if key in explain:
            parts.append(f"{label} {explain[key]:.3f}")
    parts.append(f"融合 {explain.get('fused', 0):.3f}")
    if explain.get("pinned"):
        parts.append(esc(explain["pinned"]))
    return " · ".join(parts)


def _meta_line(hit: Hit) -> str:
    bits = [hit.doctype, hit.org, hit.date]
    return " · ".join(esc(b) for b in bits if b)


def hits_html(hits: Sequence[Hit], query: str = "") -> str:
    if not query.strip():
        return '<div class="gw-empty" data-query="">请输入检索词，例如：加强医德医风建设 下一步打算</div>'
    if not hits:
        return (f'<div class="gw-empty" data-query="{esc(query)}">没有找到与“{esc(query)}”相关的段落。'
                f"{esc(no_hits_hint(query))}</div>")
    cards = []
    for n, hit in enumerate(hits, 1):
        path = " › ".join(esc(h) for h in hit.heading_path) or "（正文）"
        similar = ""
        if hit.similar:
            items = "".join(f"<li>《{esc(s.get('title'))}》 <span class='gw-file'>{esc(Path(s.get('source') or '').name)}</span></li>"
                            for s in hit.similar)
            similar = (f'<details class="gw-similar"><summary>另有 {len(hit.similar)} 处相似</summary>'
                       f"<ul>{items}</ul></details>")
        cards.append(
            f'<div class="gw-hit" data-para="{esc(hit.para_id)}">'
            f'<div class="gw-hit-head"><span class="gw-no">{n}</span> 《{esc(hit.title)}》'
            f' <span class="gw-meta">{_meta_line(hit)}</span></div>'
            f'<div class="gw-path">{path}'
            f'{f" <span class=gw-role>{esc(hit.role)}</span>" if hit.role else ""}</div>'
            f'<div class="gw-text">{highlighted(hit.text, hit.highlights)}</div>'
            f'<div class="gw-explain">{_explain(dict(hit.explain))}'
            f' · <span class="gw-file">{esc(Path(hit.source).name)}</span></div>'
            f"{similar}{_passages(hit)}</div>")
    return f'<div class="gw-hits" data-query="{esc(query)}">{"".join(cards)}</div>'


def _passages(hit: Hit) -> str:
    """按文件 results: the document's next-best paragraphs under its best one."""
    if not hit.passages:
        return ""
    items = "".join(f'<li data-para="{esc(p["para_id"])}"><span class="gw-path">'
                    f'{" › ".join(esc(h) for h in p["heading_path"]) or "（正文）"}</span> {esc(p["text"])}</li>'
                    for p in hit.passages)
    return f'<ul class="gw-passages">{items}</ul>'


def hit_label(n: int, hit: Hit) -> str:
    """A short plain-text label for the result picker (Gradio escapes it itself)."""
    text = hit.text if len(hit.text) <= 28 else hit.text[:28] + "…"
    return f"{n}. 《{hit.title[:20]}》 {text}"


def document_html(doc: dict, paragraphs: Sequence[dict], focus: int | None = None) -> str:
    """A document in context: its metadata, the paragraphs around `focus` (idx), then the full text."""
    meta = " · ".join(esc(doc.get(k)) for k in ("doctype", "org", "doc_number", "date") if doc.get(k))
    head = (f'<div class="gw-doc-head"><div class="gw-doc-title">《{esc(doc.get("title"))}》</div>'
            f'<div class="gw-meta">{meta}</div><div class="gw-file">{esc(doc.get("path"))}</div></div>')

    def para(p: dict) -> str:
        text = esc(p["original"] or p["text"])
        if p["is_heading"]:
            number = esc(p.get("number") or "")
            return f'<div class="gw-h gw-h{min(p.get("level") or 1, 3)}">{number}{text}</div>'
        cls = "gw-p gw-focus" if p["idx"] == focus else "gw-p"
        return f'<p class="{cls}">{text}</p>'

    parts = [head]
    if focus is not None:
        around = [p for p in paragraphs if abs(p["idx"] - focus) <= CONTEXT]
        parts.append(f'<div class="gw-context"><div class="gw-label">上下文</div>{"".join(para(p) for p in around)}</div>')
        parts.append(f'<details class="gw-full"><summary>全文（{len(paragraphs)} 段）</summary>'
                     f'{"".join(para(p) for p in paragraphs)}</details>')
    else:
        parts.append("".join(para(p) for p in paragraphs))
    return f'<div class="gw-doc">{"".join(parts)}</div>'


def source_html(block: dict) -> str:
    """The source line under a draft paragraph, and its 待核实 items."""
    bits = []
    source = block.get("source")
    if source:
        path = " › ".join(esc(h) for h in source.get("heading_path") or ())
        bits.append(f'<div class="gw-source">来源：《{esc(source.get("title"))}》 {path} '
                    f'<span class="gw-file">{esc(Path(source.get("source") or "").name)} · {esc(source.get("para_id"))}</span></div>')
    elif block["kind"] in ("para", "opening", "closing"):
        bits.append('<div class="gw-source gw-nosource">无来源（模板固定用语或手写）</div>')
    marks = REVIEW_MARK.findall(block.get("text") or "")
    if marks:
        items = "".join(f'<span class="gw-review">{esc(m)}</span>' for m in marks)
        bits.append(f'<div class="gw-marks">需核实 {len(marks)} 处：{items}</div>')
    return "".join(bits)


def heading_html(block: dict) -> str:
    """Under a heading: where a precedent sub-heading came from, its 待核实 marks, and for a section
    the corpus could not fill well the gap note, the template's guidance and the near misses."""
    bits = []
    source = block.get("heading_source")
    if source:
        bits.append(f'<div class="gw-source">小标题取自：《{esc(source.get("title"))}》 '
                    f'{" › ".join(esc(h) for h in source.get("heading_path") or ())}</div>')
    marks = REVIEW_MARK.findall(block.get("text") or "")
    if marks:
        items = "".join(f'<span class="gw-review">{esc(m)}</span>' for m in marks)
        bits.append(f'<div class="gw-marks">需核实 {len(marks)} 处：{items}</div>')
    if block.get("gap"):
        guidance = "".join(f"<li>{esc(g)}</li>" for g in block.get("guidance") or ())
        near = len(block.get("near_misses") or ())
        bits.append(f'<div class="gw-gap"><div class="gw-gap-note">⚠ {esc(block["gap"])}</div>'
                    + (f'<div class="gw-label">写作提示（不导出）：</div><ul class="gw-guidance">{guidance}</ul>'
                       if guidance else "")
                    + (f'<div class="gw-note">另有 {near} 段相近但关联较弱的段落，可在下方选择采用。</div>' if near else "")
                    + "</div>")
    return "".join(bits)


def preview_html(draft: dict) -> str:
    """The whole draft as a reader would see it, 待核实 marks highlighted."""
    parts = [f'<div class="gw-preview-title">{esc(draft["meta"].get("title"))}</div>']
    for block in draft["blocks"]:
        if block["kind"] == "heading":
            parts.append(f'<div class="gw-h gw-h{block.get("level") or 1}">{review_highlighted(block["text"])}</div>')
        elif block["text"].strip():
            parts.append(f'<p class="gw-p">{review_highlighted(block["text"])}</p>')
    return f'<div class="gw-preview">{"".join(parts)}</div>'


def progress_html(stage: str, done: int, total: int, rate: float | None = None, note: str = "") -> str:
    share = 100.0 * done / total if total else 0.0
    extra = f"（{rate:.1f} 个/秒）" if rate else ""
    return (f'<div class="gw-progress"><div class="gw-label">{esc(stage)}：{done}/{total}{extra}</div>'
            f'<progress max="100" value="{share:.0f}"></progress>'
            f'{f"<div class=gw-note>{esc(note)}</div>" if note else ""}</div>')


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="gw-msg gw-{esc(kind)}">{esc(text)}</div>'


CSS = """
.gw-hit{border:1px solid #d8dde6;border-radius:6px;padding:10px 12px;margin:8px 0;background:#fff}
.gw-hit-head{font-weight:600}
.gw-no{display:inline-block;min-width:1.6em;color:#fff;background:#b22;border-radius:3px;text-align:center;margin-right:4px}
.gw-meta,.gw-explain,.gw-file,.gw-path{color:#667;font-size:0.85em}
.gw-role{background:#eef3ff;color:#2a4b8d;border-radius:3px;padding:0 4px;margin-left:4px}
.gw-text{margin:6px 0;line-height:1.8}
.gw-text mark{background:#ffe58a;padding:0 1px}
.gw-similar summary{cursor:pointer;color:#2a4b8d;font-size:0.9em}
.gw-empty,.gw-msg{padding:10px;color:#555}
.gw-error{color:#b00020}
.gw-gap{border-left:3px solid #e0a800;background:#fffbea;padding:6px 10px;margin:4px 0}
.gw-gap-note{color:#8a5a00;font-weight:600}
.gw-guidance{margin:2px 0 2px 1.2em;color:#555}
.gw-doc-title,.gw-preview-title{font-size:1.2em;font-weight:700;text-align:center;margin:6px 0}
.gw-h{font-weight:700;margin:8px 0 4px}
.gw-h2{font-weight:600;padding-left:1em}
.gw-p{text-indent:2em;line-height:1.8;margin:4px 0}
.gw-focus{background:#fff6d0;border-left:3px solid #e0a800}
.gw-review{background:#ffe0e0;color:#b00020;font-weight:600;border-radius:2px}
.gw-marks{margin-top:2px;font-size:0.9em}
.gw-source{color:#556;font-size:0.85em}
.gw-nosource{color:#999}
.gw-progress progress{width:100%;height:14px}
.gw-label{font-size:0.9em;color:#445}
.gw-doctor-ok td:first-child{color:#1a7f37}
.gw-doctor-bad td:first-child,.gw-doctor-bad .gw-fix{color:#b00020}
.gw-fix{font-size:0.9em;color:#556;margin-top:2px}
"""
