"""检索 page: query, filters, highlighted results, a document in context, 加入草稿."""

from __future__ import annotations

import gradio as gr

from assistant.search.engine import Filters
from assistant.ui import render
from assistant.ui.draft import add_hit
from assistant.ui.service import Service, UserError

EXAMPLES = ["加强医德医风建设 下一步打算", "优化营商环境 主要举措", "安全生产 存在的问题", "“放管服”改革"]


def make_filters(doctype, role, year_from, year_to, org, source) -> Filters:
    def year(value):
        return int(value) if value not in (None, "") and int(value) > 0 else None

    return Filters(doctype=tuple(doctype) if doctype else None, role=tuple(role) if role else None,
                   year_from=year(year_from), year_to=year(year_to), org=(org or "").strip() or None,
                   source=(source or "").strip() or None)


def build(service: Service, draft_state: gr.State) -> dict:
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="检索词", placeholder="按主题检索先例写法，例如：加强医德医风建设 下一步打算；"
                           "“引号内短语”须原样出现；可直接输入发文字号或《标题》", scale=6, elem_id="gw-query")
        k = gr.Slider(1, 50, value=10, step=1, label="结果数", scale=1)
        unit = gr.Radio([("按段落", "paragraph"), ("按文件", "document")], value="paragraph", label="结果单位",
                        scale=1, elem_id="gw-unit", interactive=True)
        button = gr.Button("检索", variant="primary", scale=1, elem_id="gw-search-btn")
    gr.Examples(EXAMPLES, inputs=query, label="示例")
    with gr.Accordion("筛选条件", open=True):
        with gr.Row():
            doctype = gr.Dropdown([], multiselect=True, label="文种", elem_id="gw-f-doctype")
            role = gr.Dropdown([], multiselect=True, label="章节角色", elem_id="gw-f-role")
            year_from = gr.Number(None, label="起始年份（0 为不限）", precision=0, minimum=0, elem_id="gw-f-year-from")
            year_to = gr.Number(None, label="截止年份（0 为不限）", precision=0, minimum=0, elem_id="gw-f-year-to")
            org = gr.Textbox(label="发文机关（包含）", elem_id="gw-f-org")
            source = gr.Textbox(label="来源文件或文件夹（包含）", elem_id="gw-f-source")
    results = gr.HTML(render.hits_html([], ""), elem_id="gw-results")
    hits_state = gr.State([])
    with gr.Row(equal_height=True):
        pick = gr.Dropdown([], label="选择一条结果", scale=4, elem_id="gw-pick")
        open_button = gr.Button("查看原文", scale=1, elem_id="gw-open")
        add_button = gr.Button("加入草稿", scale=1, elem_id="gw-add")
    note = gr.HTML(elem_id="gw-search-note")
    document = gr.HTML(elem_id="gw-doc")

    def run(query_text, k_value, unit_value, *filter_values):
        try:
            hits = service.search(query_text or "", int(k_value or 10), make_filters(*filter_values),
                                  unit_value or "paragraph")
        except UserError as err:
            return render.message_html(str(err), "error"), [], gr.update(choices=[], value=None), ""
        labels = [render.hit_label(n, h) for n, h in enumerate(hits, 1)]
        choices = [(label, n) for n, label in enumerate(labels)]
        return (render.hits_html(hits, query_text or ""), hits,
                gr.update(choices=choices, value=0 if hits else None), "")

    inputs = [query, k, unit, doctype, role, year_from, year_to, org, source]
    outputs = [results, hits_state, pick, note]
    for trigger in (button.click, query.submit, unit.change, doctype.change, role.change):
        trigger(run, inputs, outputs, api_visibility="private", concurrency_limit=4, concurrency_id="search")

    def open_document(hits, choice):
        if not hits or choice is None:
            return render.message_html("请先检索并选择一条结果。")
        hit = hits[int(choice)]
        try:
            doc, paragraphs = service.document(hit.doc_id)
        except UserError as err:
            return render.message_html(str(err), "error")
        focus = int(hit.para_id.rsplit("#", 1)[1])
        return render.document_html(doc, paragraphs, focus)

    open_button.click(open_document, [hits_state, pick], document, api_visibility="private")

    def add_to_draft(hits, choice, draft):
        if not hits or choice is None:
            return draft, render.message_html("请先检索并选择一条结果。")
        hit = hits[int(choice)]
        return add_hit(draft, hit), render.message_html(f"已加入草稿：《{hit.title}》中的一段。可到“起草”页编辑。")

    add_button.click(add_to_draft, [hits_state, pick, draft_state], [draft_state, note], api_visibility="private")

    def refresh_facets():
        facets = service.facets()
        return gr.update(choices=facets["doctype"]), gr.update(choices=facets["role"])

    return {"refresh": (refresh_facets, [doctype, role])}
