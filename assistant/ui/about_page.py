"""设置/关于 page: model, index statistics, template folder, user dictionary."""

from __future__ import annotations

import gradio as gr

from assistant.ui import render
from assistant.ui.service import Service


def about_html(service: Service) -> str:
    stats = service.stats()
    embedding = stats.get("embedding") or {}
    rows = [
        ("索引目录", stats["index_dir"]),
        ("当前版本（generation）", stats["generation"]),
        ("文档数", stats["documents"]),
        ("检索段落数", stats["paragraphs"]),
        ("索引大小", f"{stats['size_mb']} MB" if "size_mb" in stats else "—"),
        ("向量模型", embedding.get("model") or stats["model"]),
        ("向量维度", embedding.get("dim", "—")),
        ("计算精度设置", stats["precision"]),
        ("分词", (stats.get("tokenizers") or {}).get("words", "—")),
        ("模板目录（GONGWEN_TEMPLATES）", stats["templates_dir"]),
        ("可用文种模板", "、".join(service.templates()) or "（无）"),
        ("用户词典（GONGWEN_USER_DICT）", "；".join(stats["user_dicts"]) or "（未设置）"),
    ]
    body = "".join(f"<tr><th>{render.esc(k)}</th><td>{render.esc(v)}</td></tr>" for k, v in rows)
    problems = "".join(f"<li>{render.esc(p)}</li>" for p in service.template_problems)
    warn = f'<div class="gw-msg gw-error">模板问题：<ul>{problems}</ul></div>' if problems else ""
    return f'<table class="gw-about">{body}</table>{warn}'


def doctor_html(checks) -> str:
    """The `gongwen doctor` report as a table: ✓/✗/○, item, what was found, the fix (all escaped)."""
    from assistant.doctor import summary

    rows = "".join(
        f'<tr class="gw-doctor-{"ok" if c.ok else "na" if c.ok is None else "bad"}"><td>{render.esc(c.mark)}</td>'
        f"<th>{render.esc(c.title)}</th><td>{render.esc(c.detail)}"
        + (f'<div class="gw-fix">{"修复" if c.ok is False else "提示"}：{render.esc(c.fix)}</div>'
           if c.fix and c.ok is not True else "") + "</td></tr>"
        for c in checks)
    return f'<table class="gw-about gw-doctor">{rows}</table><div class="gw-msg">{render.esc(summary(checks))}</div>'


def run_doctor(service: Service) -> str:
    from assistant.doctor import run_checks

    return doctor_html(run_checks(service.settings))


HELP = """
**设置方法**（修改后重启 `gongwen serve` 生效）：

- 自定义文种模板：把 YAML 文件放进一个文件夹，设置环境变量 `GONGWEN_TEMPLATES=文件夹`（字段说明见 `assistant/compose/templates/README.md`）。
- 用户词典：纯文本，每行一个词（可加词频），设置 `GONGWEN_USER_DICT=文件路径`，然后在“语料库”页点“重建索引”。
- 向量模型：`GONGWEN_MODEL=模型目录`（任意 sentence-transformers 模型；更换后需重建索引）。
- 本程序不联网：模型随安装包提供，界面不加载任何外部资源。
"""


def build(service: Service) -> dict:
    info = gr.HTML(elem_id="gw-about")
    gr.Markdown(HELP)
    refresh = gr.Button("刷新")
    refresh.click(lambda: about_html(service), None, info, api_visibility="private")
    gr.Markdown("**环境检查**（与命令 `gongwen doctor` 相同：逐项 ✓/✗ 并给出修复方法；约需 10–20 秒）")
    doctor = gr.HTML('<div class="gw-msg">点击“运行环境检查”。</div>', elem_id="gw-doctor")
    check = gr.Button("运行环境检查", elem_id="gw-doctor-run")
    check.click(lambda: run_doctor(service), None, doctor, api_visibility="private")
    return {"refresh": (lambda: about_html(service), [info])}
