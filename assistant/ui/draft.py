"""The editable draft behind the 起草 page — pure functions over plain, JSON-friendly data.

An `Outline` is flattened into a list of blocks so that the page can show one text area per
block and move, delete, add and swap them; `draft_to_outline` turns the edited blocks back into
an `Outline` for export. A draft is a dict:

    {"meta": {doctype, title, org, year, topic, addressee, date, keywords, frame (版头/版记, optional)},
     "blocks": [{"id", "kind", "level", "text", "roles", "source", "precedent", "review",
                 "alternatives": [{"text", "source", "precedent", "review"}]}],

A heading block also carries where a precedent sub-heading came from ("heading_source") and, for
a section the corpus could not fill well, "gap", "guidance" and "near_misses" (paragraph dicts):
shown in the editor, exported only once `keep_near_miss` moves one into the text.
     "next_id": int}

`kind` is "opening" (before the first heading), "heading" (level 1 or 2), "para" or "closing".
Functions never mutate their input; they return a new draft.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import asdict

from assistant.models import DraftParagraph, Frame, Hit, Outline, Section, SourceRef

REVIEW_MARK = re.compile(r"【待核实[：:][^】]*】")
EXCERPT_SECTION = "检索摘录"


def empty_draft(title: str = "", doctype: str = "", org: str = "", year: int | None = None) -> dict:
    year = year or dt.date.today().year
    return {"meta": {"doctype": doctype, "title": title, "org": org, "year": year, "topic": "",
                     "addressee": "", "date": dt.date.today().isoformat(), "keywords": []},
            "blocks": [], "next_id": 0}


def _para(paragraph: DraftParagraph) -> dict:
    return {"text": paragraph.text, "source": asdict(paragraph.source) if paragraph.source else None,
            "precedent": paragraph.precedent, "review": list(paragraph.review)}


def outline_to_draft(outline: Outline) -> dict:
    draft = empty_draft(outline.title, outline.doctype, outline.org, outline.year)
    draft["meta"].update(topic=outline.topic, addressee=outline.addressee, date=outline.date,
                         keywords=list(outline.keywords))
    if outline.frame != Frame():
        from assistant.ui.draft_check import frame_to_meta

        draft["meta"]["frame"] = frame_to_meta(outline.frame)
    blocks = draft["blocks"]

    def add(kind: str, level: int | None, text: str, **extra) -> None:
        blocks.append({"id": len(blocks), "kind": kind, "level": level, "text": text, "roles": [],
                       "source": None, "precedent": "", "review": [], "alternatives": [], **extra})

    def section(sec: Section, level: int) -> None:
        add("heading", min(level, 2), sec.heading, roles=list(sec.roles),
            heading_source=asdict(sec.heading_source) if sec.heading_source else None, gap=sec.gap,
            guidance=list(sec.guidance), near_misses=[_para(p) for p in sec.near_misses])
        for i, paragraph in enumerate(sec.paragraphs):
            alternatives = sec.alternatives[i] if i < len(sec.alternatives) else ()
            blocks.append({"id": len(blocks), "kind": "para", "level": None, "roles": list(sec.roles),
                           **_para(paragraph), "alternatives": [_para(a) for a in alternatives]})
        if not sec.paragraphs and not sec.subsections:  # nothing fit: an empty box to write in
            add("para", None, "", roles=list(sec.roles))
        for child in sec.subsections:
            section(child, level + 1)

    for paragraph in outline.opening:
        add("opening", None, paragraph.text, **{k: v for k, v in _para(paragraph).items() if k != "text"})
    for sec in outline.sections:
        section(sec, 1)
    for paragraph in outline.closing:
        add("closing", None, paragraph.text, **{k: v for k, v in _para(paragraph).items() if k != "text"})
    draft["next_id"] = len(blocks)
    return draft


def _source(data: dict | None) -> SourceRef | None:
    return SourceRef(**{**data, "heading_path": tuple(data.get("heading_path") or ())}) if data else None


def _paragraph(block: dict) -> DraftParagraph:
    source = _source(block.get("source"))
    text = block["text"].strip()
    return DraftParagraph(text=text, source=source, precedent=block.get("precedent", ""),
                          review=tuple(m.group(0) for m in REVIEW_MARK.finditer(text)))


def draft_to_outline(draft: dict) -> Outline:
    """The edited blocks as an Outline: headings open (sub)sections, empty paragraphs are dropped."""
    meta = draft["meta"]
    opening, closing, top = [], [], []  # top: [heading, roles, paragraphs, subsections]
    for block in draft["blocks"]:
        kind = block["kind"]
        if kind == "heading":
            node = [block["text"].strip(), tuple(block.get("roles") or ()), [], [], block]
            if block.get("level") == 2 and top:
                top[-1][3].append(node)
            else:
                top.append(node)
            continue
        if not block["text"].strip():
            continue
        if kind == "closing":
            closing.append(_paragraph(block))
        elif kind == "opening" or not top:
            opening.append(_paragraph(block))
        else:
            target = top[-1][3][-1] if top[-1][3] else top[-1]
            target[2].append(_paragraph(block))

    def build(node, level: int) -> Section:
        heading, roles, paragraphs, children, block = node
        return Section(heading=heading, roles=roles, paragraphs=tuple(paragraphs), level=level,
                       subsections=tuple(build(c, level + 1) for c in children),
                       heading_source=_source(block.get("heading_source")), gap=block.get("gap") or "",
                       guidance=tuple(block.get("guidance") or ()),
                       near_misses=tuple(_paragraph(p) for p in block.get("near_misses") or ()))

    return Outline(doctype=meta.get("doctype", ""), title=meta.get("title", "").strip() or "未命名草稿",
                   org=meta.get("org", ""), year=int(meta.get("year") or dt.date.today().year),
                   topic=meta.get("topic", ""), sections=tuple(build(n, 1) for n in top),
                   opening=tuple(opening), closing=tuple(closing), addressee=meta.get("addressee", ""),
                   date=meta.get("date", ""), keywords=tuple(meta.get("keywords") or ()),
                   frame=_frame(meta))


def _frame(meta: dict) -> Frame:
    from assistant.ui.draft_check import frame_from_meta

    return frame_from_meta(meta)


# ---- edits ----------------------------------------------------------------------------------------
def with_texts(draft: dict, texts: list[str] | tuple[str, ...], title: str | None = None) -> dict:
    """The draft with the text areas' current values (in block order) written back."""
    new = copy.deepcopy(draft)
    for block, text in zip(new["blocks"], texts):
        if text is not None:
            block["text"] = text
    if title and title.strip():
        new["meta"]["title"] = title.strip()
    return new


def _level(block: dict) -> int:
    return block.get("level") or 1


def _section_end(blocks: list[dict], start: int) -> int:
    """End (exclusive) of the section whose heading is at `start`: up to the next heading of the
    same or a higher level, or the closing."""
    level, end = _level(blocks[start]), start + 1
    while end < len(blocks) and blocks[end]["kind"] != "closing" and not (
            blocks[end]["kind"] == "heading" and _level(blocks[end]) <= level):
        end += 1
    return end


def move(draft: dict, index: int, step: int) -> dict:
    """Move a paragraph one place, or a heading together with its whole section past its neighbour
    section of the same level (never out of its parent section)."""
    new = copy.deepcopy(draft)
    blocks = new["blocks"]
    if not 0 <= index < len(blocks):
        return new
    if blocks[index]["kind"] != "heading":
        target = index + step
        if 0 <= target < len(blocks):
            blocks[index], blocks[target] = blocks[target], blocks[index]
        return new
    level, end = _level(blocks[index]), _section_end(blocks, index)
    if step < 0:
        prev = index - 1
        while prev >= 0 and not (blocks[prev]["kind"] == "heading" and _level(blocks[prev]) <= level):
            prev -= 1
        if prev >= 0 and _level(blocks[prev]) == level:
            blocks[prev:end] = blocks[index:end] + blocks[prev:index]
    elif end < len(blocks) and blocks[end]["kind"] == "heading" and _level(blocks[end]) == level:
        after = _section_end(blocks, end)
        blocks[index:after] = blocks[end:after] + blocks[index:end]
    return new


def delete(draft: dict, index: int) -> dict:
    new = copy.deepcopy(draft)
    if 0 <= index < len(new["blocks"]):
        del new["blocks"][index]
    return new


def swap_alternative(draft: dict, index: int, choice: int) -> dict:
    """Put alternative `choice` in place of the block's paragraph; the replaced one becomes an alternative."""
    new = copy.deepcopy(draft)
    block = new["blocks"][index]
    alternatives = block["alternatives"]
    if not 0 <= choice < len(alternatives):
        return new
    current = {k: block[k] for k in ("text", "source", "precedent", "review")}
    block.update(alternatives[choice])
    alternatives[choice] = current
    return new


def keep_near_miss(draft: dict, index: int, choice: int) -> dict:
    """Move near miss `choice` of the heading at `index` into the text, at the end of that section's
    own paragraphs (before a sub-heading); it then exports like any paragraph."""
    new = copy.deepcopy(draft)
    blocks = new["blocks"]
    if not 0 <= index < len(blocks) or not 0 <= choice < len(blocks[index].get("near_misses") or ()):
        return new
    kept = blocks[index]["near_misses"].pop(choice)
    at = index + 1
    while at < len(blocks) and blocks[at]["kind"] == "para":
        at += 1
    while at > index + 1 and not blocks[at - 1]["text"].strip():  # fill the empty box left for the section
        at -= 1
        del blocks[at]
    blocks.insert(at, {"id": new["next_id"], "kind": "para", "level": None, "roles": list(blocks[index]["roles"]),
                       **kept, "alternatives": []})
    new["next_id"] += 1
    return new


def _insert_at(draft: dict) -> int:
    """Where new material goes: before the closing blocks."""
    blocks = draft["blocks"]
    at = len(blocks)
    while at > 0 and blocks[at - 1]["kind"] == "closing":
        at -= 1
    return at


def _new_block(draft: dict, kind: str, level: int | None, text: str, **extra) -> dict:
    block = {"id": draft["next_id"], "kind": kind, "level": level, "text": text, "roles": [], "source": None,
             "precedent": "", "review": [], "alternatives": [], **extra}
    draft["next_id"] += 1
    return block


def add_paragraph(draft: dict, text: str = "") -> dict:
    new = copy.deepcopy(draft)
    new["blocks"].insert(_insert_at(new), _new_block(new, "para", None, text))
    return new


def add_section(draft: dict, heading: str, level: int = 1) -> dict:
    new = copy.deepcopy(draft)
    at = _insert_at(new)
    new["blocks"][at:at] = [_new_block(new, "heading", level, heading.strip() or "新的一节"),
                            _new_block(new, "para", None, "")]
    return new


def add_hit(draft: dict | None, hit: Hit) -> dict:
    """A search hit appended as a paragraph (under 检索摘录 if the draft has no section yet)."""
    new = copy.deepcopy(draft) if draft else empty_draft("检索摘录")
    if not any(b["kind"] == "heading" for b in new["blocks"]):
        at = _insert_at(new)
        new["blocks"].insert(at, _new_block(new, "heading", 1, EXCERPT_SECTION))
    source = {"doc_id": hit.doc_id, "para_id": hit.para_id, "title": hit.title, "source": hit.source,
              "heading_path": list(hit.heading_path)}
    new["blocks"].insert(_insert_at(new), _new_block(new, "para", None, hit.text, source=source,
                                                     precedent=hit.text, roles=[hit.role] if hit.role else []))
    return new


def review_marks(text: str) -> list[str]:
    return [m.group(0) for m in REVIEW_MARK.finditer(text)]
