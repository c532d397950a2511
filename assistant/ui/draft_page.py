"""起草 page: template + topic → outline; edit, swap alternatives, reorder, add, remove; export.

The editor is re-rendered (`gr.render`) whenever the draft's structure changes. Text areas do not
write back on every keystroke: each structural action and each export reads all text areas'
current values as inputs, so nothing typed is lost and there is no race with a click.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import gradio as gr

from assistant.compose import TemplateError
from assistant.export.outline_json import OutlineFormatError, outline_from_json
from assistant.ui import draft as drafts
from assistant.ui import draft_check as checks
from assistant.ui import render
from assistant.ui.service import Service, UserError

KIND_LABELS = {"opening": "开头", "para": "段落", "closing": "结尾"}
FORMATS = [("Word（GB/T 9704）.docx", "docx"), ("Markdown .md", "md"), ("纯文本 .txt", "txt"), ("提纲 JSON .json", "json")]
MAX_OUTLINE_BYTES = 20_000_000
SOURCE_MODES = [("附在文末", "appendix"), ("另存一个文件", "separate"), ("不输出", "none")]


def split_keywords(text: str) -> list[str]:
    return [k for k in re.split(r"[,，、;；\s]+", text or "") if k]


def _alt_label(n: int, alt: dict) -> str:
    text = alt["text"] if len(alt["text"]) <= 36 else alt["text"][:36] + "…"
    title = (alt.get("source") or {}).get("title") or "无来源"
    return f"备选 {n + 1}：{text}（《{title[:16]}》）"


def build(service: Service, draft_state: gr.State) -> dict:
    templates = service.templates()
    names = list(templates)
    with gr.Row():
        doctype = gr.Dropdown(names, value=names[0] if names else None, label="文种模板", elem_id="gw-doctype")
        topic = gr.Textbox(label="主题", placeholder="例如：医德医风建设", scale=2, elem_id="gw-topic")
        org = gr.Textbox(label="发文机关", placeholder="例如：某县卫生健康局", elem_id="gw-org")
        year = gr.Number(value=dt.date.today().year, precision=0, label="年份", minimum=1949, maximum=2100, elem_id="gw-year")
    with gr.Row():
        keywords = gr.Textbox(label="关键词（可选，逗号分隔）", placeholder="例如：三好一满意, 行风", scale=3, elem_id="gw-keywords")
        alternatives = gr.Slider(0, 5, value=3, step=1, label="每段备选数")
        compose_button = gr.Button("生成提纲", variant="primary", elem_id="gw-compose")
    with gr.Accordion("打开已保存的提纲（.json）", open=False):
        saved = gr.File(file_types=[".json"], type="filepath", label="导出为 .json 的提纲可再次打开、继续编辑",
                        elem_id="gw-open-json")
    status = gr.HTML(elem_id="gw-draft-status")
    title = gr.Textbox(label="标题", elem_id="gw-title")
    with gr.Accordion("检查结果（点“检查（公文规范）”后显示；点链接跳到该段）", open=True):
        check_html = gr.HTML(elem_id="gw-check")
        ignored = gr.CheckboxGroup([], label="忽略（勾选后再点“检查”）", interactive=True, elem_id="gw-check-ignore")

    def make_outline(doctype_name, topic_text, org_text, year_value, keyword_text, n_alt):
        try:
            outline = service.compose(doctype_name or "", topic_text or "", org_text or "",
                                      int(year_value or dt.date.today().year), split_keywords(keyword_text), int(n_alt))
        except (UserError, TemplateError, ValueError) as err:
            return gr.skip(), gr.skip(), render.message_html(str(err), "error")
        draft = drafts.outline_to_draft(outline)
        paragraphs = [b for b in draft["blocks"] if b["kind"] != "heading"]
        marks = sum(len(drafts.review_marks(b["text"])) for b in paragraphs)
        sourced = sum(1 for b in paragraphs if b.get("source"))
        message = (f"已生成《{outline.title}》：{len(outline.sections)} 节、{len(paragraphs)} 段（{sourced} 段取自先例），"
                   f"待核实标记 {marks} 处。请逐段修改后导出。")
        return draft, outline.title, render.message_html(message)

    compose_button.click(make_outline, [doctype, topic, org, year, keywords, alternatives],
                         [draft_state, title, status], api_visibility="private", concurrency_limit=2,
                         concurrency_id="compose")

    def open_saved(path):
        if not path:
            return gr.skip(), gr.skip(), gr.skip()
        try:
            if Path(path).stat().st_size > MAX_OUTLINE_BYTES:
                raise OutlineFormatError("文件过大，不像是导出的提纲")
            outline = outline_from_json(Path(path).read_text(encoding="utf-8"))
        except (OutlineFormatError, UnicodeDecodeError, OSError) as err:
            return gr.skip(), gr.skip(), render.message_html(f"{Path(path).name}：无法打开（{err}）", "error")
        return (drafts.outline_to_draft(outline), outline.title,
                render.message_html(f"已打开《{outline.title}》，可继续编辑。"))

    saved.upload(open_saved, saved, [draft_state, title, status], api_visibility="private")

    @gr.render(inputs=[draft_state])
    def editor(draft):
        if not draft or not draft["blocks"]:
            gr.HTML(render.message_html("还没有草稿：在上方选择文种并填写主题后点“生成提纲”，"
                                        "或在“检索”页把结果“加入草稿”。"))
            return
        boxes, rows = [], []
        for i, block in enumerate(draft["blocks"]):
            with gr.Group(elem_classes=["gw-block", f"gw-block-{block['kind']}"], elem_id=f"gw-block-{block['id']}"):
                if block["kind"] == "heading":
                    label = f"{'一级' if (block.get('level') or 1) == 1 else '二级'}标题"
                    box = gr.Textbox(block["text"], label=label, key=f"text-{block['id']}", interactive=True,
                                     elem_classes=["gw-heading-box"])
                else:
                    box = gr.Textbox(block["text"], label=KIND_LABELS.get(block["kind"], "段落"), lines=3, max_lines=12,
                                     key=f"text-{block['id']}", interactive=True, elem_classes=["gw-para-box"])
                if block["kind"] != "heading":
                    gr.HTML(render.source_html(block), key=f"src-{block['id']}-{hash(block['text'])}")
                else:
                    gr.HTML(render.heading_html(block), key=f"head-{block['id']}-{hash(block['text'])}",
                            elem_classes=["gw-heading-info"])
                with gr.Row():
                    up = gr.Button("上移", size="sm", min_width=60, scale=0, key=f"up-{block['id']}")
                    down = gr.Button("下移", size="sm", min_width=60, scale=0, key=f"down-{block['id']}")
                    remove = gr.Button("删除", size="sm", min_width=60, scale=0, key=f"del-{block['id']}")
                    alt_pick = swap = None
                    if block.get("near_misses"):
                        alt_pick = gr.Dropdown([(_alt_label(n, a).replace("备选", "相近段落", 1), n)
                                                for n, a in enumerate(block["near_misses"])],
                                               value=0, show_label=False, scale=4, interactive=True,
                                               key=f"near-{block['id']}")
                        swap = gr.Button("采用此段", size="sm", min_width=90, scale=0, key=f"keep-{block['id']}",
                                         elem_classes=["gw-keep"])
                    elif block["alternatives"]:
                        alt_pick = gr.Dropdown([(_alt_label(n, a), n) for n, a in enumerate(block["alternatives"])],
                                               value=0, show_label=False, scale=4, interactive=True,
                                               key=f"alt-{block['id']}")
                        swap = gr.Button("换用备选", size="sm", min_width=90, scale=0, key=f"swap-{block['id']}")
            boxes.append(box)
            rows.append((i, up, down, remove, alt_pick, swap))
        with gr.Row():
            new_heading = gr.Textbox(label="新增一节的标题", placeholder="例如：保障措施", scale=3, interactive=True)
            add_section = gr.Button("添加一节")
            add_paragraph = gr.Button("添加段落")
        with gr.Row():
            export_button = gr.Button("导出", variant="primary", elem_id="gw-export")
            check_button = gr.Button("检查（公文规范）", elem_id="gw-check-run")
            fix_button = gr.Button("一键修改机械性问题", elem_id="gw-check-fix")
        preview = gr.HTML(render.preview_html(draft), elem_id="gw-preview")

        def current(state, title_text, texts):
            return drafts.with_texts(state, list(texts), title_text)

        def wire(op):
            def handler(state, title_text, *values):
                fresh = op(current(state, title_text, values[:len(boxes)]), *values[len(boxes):])
                return fresh, render.preview_html(fresh)

            return handler

        for i, up, down, remove, alt_pick, swap in rows:
            up.click(wire(lambda d, i=i: drafts.move(d, i, -1)), [draft_state, title, *boxes],
                     [draft_state, preview], api_visibility="private")
            down.click(wire(lambda d, i=i: drafts.move(d, i, 1)), [draft_state, title, *boxes],
                       [draft_state, preview], api_visibility="private")
            remove.click(wire(lambda d, i=i: drafts.delete(d, i)), [draft_state, title, *boxes],
                         [draft_state, preview], api_visibility="private")
            if swap is not None:
                act = drafts.keep_near_miss if draft["blocks"][i]["kind"] == "heading" else drafts.swap_alternative
                swap.click(wire(lambda d, choice, i=i, act=act: act(d, i, int(choice or 0))),
                           [draft_state, title, *boxes, alt_pick], [draft_state, preview], api_visibility="private")
        add_section.click(wire(lambda d, heading: drafts.add_section(d, heading or "")),
                          [draft_state, title, *boxes, new_heading], [draft_state, preview], api_visibility="private")
        add_paragraph.click(wire(drafts.add_paragraph), [draft_state, title, *boxes],
                            [draft_state, preview], api_visibility="private")

        def with_frame(state, title_text, values):
            """The draft with the typed texts and the 版头/版记 form (values: form fields, then boxes)."""
            fresh = current(state, title_text, values[len(frame_inputs):])
            fresh["meta"] = {**fresh["meta"], "frame": checks.frame_from_form(list(values[:len(frame_inputs)]))}
            return fresh

        def do_check(state, title_text, ignore, *values):
            fresh = with_frame(state, title_text, values)
            found = checks.check_draft(fresh, tuple(ignore or ()))
            kept = [key for key in (ignore or ())]
            choices = checks.finding_choices(found) + [(f"（已忽略）{k.split('|')[-1]}", k) for k in kept]
            return checks.findings_html(found), gr.update(choices=choices, value=kept)

        def do_fix(state, title_text, ignore, *values):
            fresh = with_frame(state, title_text, values)
            found = checks.check_draft(fresh, tuple(ignore or ()))
            fixed = checks.apply_fixes(fresh, found)
            left = checks.check_draft(fixed, tuple(ignore or ()))
            done = sum(1 for f in found if f["fixable"])
            return (fixed, fixed["meta"]["title"], render.message_html(f"已修改 {done} 处机械性问题（标点、数字、日期、文号、词表中的错词）。"),
                    checks.findings_html(left), *checks.frame_form_values(fixed))

        check_button.click(do_check, [draft_state, title, ignored, *frame_inputs, *boxes], [check_html, ignored],
                           api_visibility="private")
        fix_button.click(do_fix, [draft_state, title, ignored, *frame_inputs, *boxes],
                         [draft_state, title, status, check_html, *frame_inputs], api_visibility="private")

        def do_export(state, title_text, fmt_value, sources_value, *values):
            fresh = with_frame(state, title_text, values)
            try:
                written = service.export(drafts.draft_to_outline(fresh), fmt_value or "docx", sources_value or "appendix")
            except (OSError, ValueError) as err:
                return gr.skip(), render.message_html(f"导出失败：{err}", "error"), gr.skip()
            names = "、".join(Path(p).name for p in written)
            return ([str(p) for p in written], render.message_html(f"已导出：{names}（点击下方文件名下载）"),
                    render.preview_html(fresh))

        export_button.click(do_export, [draft_state, title, fmt, sources, *frame_inputs, *boxes],
                            [exported, status, preview], api_visibility="private")

    # Below the editor (the render function reads these names when it runs, after they exist).
    with gr.Row():
        fmt = gr.Radio(FORMATS, value="docx", label="导出格式", interactive=True, elem_id="gw-format")
        sources = gr.Radio(SOURCE_MODES, value="appendix", label="素材来源清单", interactive=True)
    exported = gr.File(label="导出文件（点击文件名下载）", interactive=False, elem_id="gw-exported")
    with gr.Accordion("版头与版记（可选，GB/T 9704-2012；只用于 .docx 与 .json）", open=False, elem_id="gw-frame"):
        frame_inputs = [gr.Textbox(label=checks.FRAME_LABELS[k], lines=3 if k == "attachments" else 1,
                                   interactive=True, elem_id=f"gw-frame-{k}") for k in checks.FRAME_TEXT_FIELDS]
        frame_inputs.append(gr.Checkbox(value=True, label="加盖印章（不勾选则按不加盖印章的署名版式）",
                                        interactive=True, elem_id="gw-frame-sealed"))
        frame_inputs.append(gr.Checkbox(value=False, label="信函格式（GB/T 9704-2012 10.1：红色双线，首页不显示页码）",
                                        interactive=True, elem_id="gw-frame-letter"))

    def frame_of_saved(path):
        """An opened .json outline fills the form with its 版头/版记 (other changes keep what was typed)."""
        try:
            too_big = path and Path(path).stat().st_size > MAX_OUTLINE_BYTES
            outline = outline_from_json(Path(path).read_text(encoding="utf-8")) if path and not too_big else None
        except (OutlineFormatError, UnicodeDecodeError, OSError):
            outline = None
        if outline is None:
            return [gr.skip()] * len(frame_inputs)
        return checks.frame_form_values(drafts.outline_to_draft(outline))

    saved.upload(frame_of_saved, saved, frame_inputs, api_visibility="private")
    draft_state.change(lambda d: d["meta"]["title"] if d else "", draft_state, title, api_visibility="private")
    return {}
