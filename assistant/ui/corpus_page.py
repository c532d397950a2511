"""语料库 page: upload files or a .zip → background ingest with progress and per-file results;
the document list with metadata; remove documents; rebuild."""

from __future__ import annotations

import re
import time
from pathlib import Path

import gradio as gr

from assistant.ingest.read import SUPPORTED_SUFFIXES
from assistant.ui import render
from assistant.ui.draft_check import file_report_html
from assistant.ui.service import Job, Service, UserError

DOC_COLUMNS = ["文档 id", "标题", "文种", "发文机关", "日期", "段落数", "清洗警告", "重复组", "文件"]
RESULT_COLUMNS = ["文件", "结果", "说明"]
POLL_SECONDS = 0.4


def file_results(job: Job, staged: list[Path]) -> list[list[str]]:
    """One row per uploaded file (and per note), from the ingest report."""
    report = job.report
    failed = dict(report.failed) if report else {}
    warned = dict(report.warned) if report else {}
    added, updated = (set(report.added), set(report.updated)) if report else (set(), set())
    rows = []
    for path in staged:
        key = str(path.resolve())
        if job.error:
            rows.append([path.name, "失败", job.error])
        elif key in failed:
            rows.append([path.name, "失败", failed[key]])
        else:
            result = "新增" if key in added else "更新" if key in updated else "未变（内容相同，已跳过）"
            rows.append([path.name, result, warned.get(key, "")])
    return rows + note_rows(job.notes)


def note_rows(notes: list[str]) -> list[list[str]]:
    """Files skipped before ingest (\"name：reason\" notes) as result rows."""
    return [[name, "跳过", reason] for name, _, reason in (note.partition("：") for note in notes)]


def follow(job: Job):
    """Yield progress HTML until the job ends."""
    while not job.finished:
        yield render.progress_html(f"{job.kind} · {job.stage}", job.done, job.total, job.rate)
        time.sleep(POLL_SECONDS)


def build(service: Service, on_change) -> dict:
    gr.Markdown("上传过去的公文或收集的范文（" + " ".join(SUPPORTED_SUFFIXES) + "，或打包为 .zip），"
                "入库在后台进行，期间检索和起草照常可用。")
    upload = gr.File(file_count="multiple", file_types=[*SUPPORTED_SUFFIXES, ".zip"], type="filepath",
                     label="选择文件", elem_id="gw-upload")
    use_ocr = gr.Checkbox(value=True, label="扫描件与图片做 OCR 识别（每页约 5 秒，结果按图像缓存）", elem_id="gw-ocr")
    ingest_button = gr.Button("上传并入库", variant="primary", elem_id="gw-ingest")
    progress = gr.HTML(elem_id="gw-ingest-progress")
    results = gr.Dataframe(headers=RESULT_COLUMNS, value=[], label="本次入库结果", interactive=False,
                           wrap=True, elem_id="gw-ingest-results")
    gr.Markdown("### 已入库文档")
    documents = gr.Dataframe(headers=DOC_COLUMNS, value=[], interactive=False, wrap=True, max_height=480,
                             elem_id="gw-documents")
    with gr.Row(equal_height=True):
        targets = gr.Textbox(label="要移除的文档 id 或文件路径（多个用换行或逗号分隔；点表格中的行可填入）", scale=4,
                             elem_id="gw-remove-targets")
        remove_button = gr.Button("移除", variant="stop", elem_id="gw-remove")
        rebuild_button = gr.Button("重建索引", elem_id="gw-rebuild")
        refresh_button = gr.Button("刷新列表")

    def run_job(start, staged_for_results):
        try:
            job = start()
        except UserError as err:
            yield render.message_html(str(err), "error"), gr.skip(), gr.skip()
            return
        for html in follow(job):
            yield html, gr.skip(), gr.skip()
        if job.error:
            summary = render.message_html(f"{job.kind}失败：{job.error}", "error")
        else:
            summary = render.message_html(job.report.summary())
        table = file_results(job, staged_for_results) if staged_for_results is not None else gr.skip()
        yield summary, table, service.documents()

    def ingest_uploads(files, ocr=True):
        try:
            staged, notes = service.stage_uploads(files or [])
        except UserError as err:
            yield render.message_html(str(err), "error"), gr.skip(), gr.skip()
            return
        if not staged:
            yield render.message_html("没有可入库的文件。", "error"), note_rows(notes), gr.skip()
            return
        yield from run_job(lambda: service.start_ingest(staged, notes, ocr=bool(ocr)), staged)

    def remove_documents(text):
        wanted = [t.strip() for t in re.split(r"[\n,，]+", text or "") if t.strip()]
        if not wanted:
            yield render.message_html("请填写要移除的文档 id 或文件路径。", "error"), gr.skip(), gr.skip()
            return
        yield from run_job(lambda: service.start_remove(wanted), None)

    def rebuild():
        yield from run_job(service.start_rebuild, None)

    outputs = [progress, results, documents]
    ingest_button.click(ingest_uploads, [upload, use_ocr], outputs, api_visibility="private", concurrency_limit=2,
                        concurrency_id="jobs").then(on_change[0], None, on_change[1])
    remove_button.click(remove_documents, targets, outputs, api_visibility="private", concurrency_limit=2,
                        concurrency_id="jobs").then(on_change[0], None, on_change[1])
    rebuild_button.click(rebuild, None, outputs, api_visibility="private", concurrency_limit=2,
                         concurrency_id="jobs").then(on_change[0], None, on_change[1])
    refresh_button.click(service.documents, None, documents, api_visibility="private")

    def pick_row(table, event: gr.SelectData):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        try:
            return table.iloc[row, 0] if hasattr(table, "iloc") else table[row][0]
        except (IndexError, KeyError, TypeError):
            return gr.skip()

    documents.select(pick_row, documents, targets, api_visibility="private")

    with gr.Accordion("检查一个文件的公文规范（不入库）", open=False, elem_id="gw-check-file"):
        to_check = gr.File(file_types=[*SUPPORTED_SUFFIXES], type="filepath", label="上传要检查的文件",
                           elem_id="gw-check-upload")
        check_report = gr.HTML(elem_id="gw-check-file-report")
    to_check.upload(lambda path: file_report_html(path) if path else "", to_check, check_report,
                    api_visibility="private", concurrency_limit=2, concurrency_id="check")
    return {"refresh": (service.documents, [documents])}
