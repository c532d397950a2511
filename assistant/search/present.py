"""Presenting hits: the batch/JSON shapes and a readable listing."""

from __future__ import annotations

from assistant.models import Hit


def hit_json(hit: Hit, full: bool = True) -> dict:
    """The JSON of one hit; `full` adds explanation, highlights and collapsed duplicates."""
    out = {
        "doc_id": hit.doc_id,
        "para_id": hit.para_id,
        "score": hit.score,
        "title": hit.title,
        "heading_path": list(hit.heading_path),
        "role": hit.role,
        "text": hit.text,
    }
    if full:
        out.update({
            "source": hit.source, "doctype": hit.doctype, "org": hit.org, "date": hit.date,
            "explain": dict(hit.explain), "highlights": [list(s) for s in hit.highlights],
            "similar_count": len(hit.similar), "similar": list(hit.similar),
        })
        if hit.passages:
            out["passages"] = [dict(p) for p in hit.passages]
    return out


def hit_text(n: int, hit: Hit) -> str:
    """A readable result: matched terms in 【】, source, path, role, why it ranked."""
    marked, last = [], 0
    for start, end in hit.highlights:
        marked += [hit.text[last:start], "【", hit.text[start:end], "】"]
        last = end
    marked.append(hit.text[last:])
    path = " › ".join(hit.heading_path) or "（开头）"
    signals = "，".join(f"{name} 第{v['rank']}名 {v['score']}" for name, v in hit.explain.items()
                       if isinstance(v, dict))
    for key, label in (("context", "章节上下文"), ("section", "章节"), ("document", "全文")):
        if key in hit.explain:
            signals += f"，{label} {hit.explain[key]}"
    lines = [f"{n}. 《{hit.title}》 {hit.doctype or ''} {hit.date or ''}".rstrip(),
             f"   位置：{path}［{hit.role}］",
             f"   {''.join(marked)}",
             f"   得分 {hit.score}（{signals}）"]
    for p in hit.passages:
        where = " › ".join(p["heading_path"]) or "（开头）"
        lines.append(f"   又：{where}：{p['text'][:80]}{'…' if len(p['text']) > 80 else ''}")
    if hit.similar:
        lines.append(f"   另有 {len(hit.similar)} 处相似：" + "；".join(s["title"] for s in hit.similar[:3]))
    return "\n".join(lines)
