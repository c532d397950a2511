"""The Gradio web UI — a thin layer over the library (`Service`), one module per page."""

from __future__ import annotations

import ipaddress
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # never phone home

LOOPBACK_NAMES = {"localhost"}
MAX_UPLOAD_SIZE = "100mb"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """"用户名:密码" → (user, password); None when not given; ValueError when malformed."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or len(password) < 8:
        raise ValueError("认证信息格式应为“用户名:密码”，密码至少 8 位。")
    return user, password


def build_app(service):
    """The Blocks app: 检索 · 起草 · 语料库 · 设置/关于, plus the /search and /compose API."""
    import gradio as gr

    from assistant.ui import about_page, corpus_page, draft_page, search_page
    from assistant.ui.api import make_api

    with gr.Blocks(title="公文检索与起草助手", analytics_enabled=False) as demo:
        gr.HTML('<div class="gw-banner"><b>公文检索与起草助手</b>'
                '<span class="gw-meta">　离线运行 · 检索先例写法 · 按文种起草 · 导出 GB/T 9704 公文</span></div>')
        draft_state = gr.State(None)
        with gr.Tabs(elem_id="gw-tabs"):
            with gr.Tab("检索", id="search", elem_id="gw-tab-search"):
                search = search_page.build(service, draft_state)
            with gr.Tab("起草", id="draft", elem_id="gw-tab-draft"):
                draft_page.build(service, draft_state)
            with gr.Tab("语料库", id="corpus", elem_id="gw-tab-corpus"):
                corpus = corpus_page.build(service, search["refresh"])
            with gr.Tab("设置/关于", id="about", elem_id="gw-tab-about"):
                about = about_page.build(service)
        for fn, outputs in (search["refresh"], corpus["refresh"], about["refresh"]):
            demo.load(fn, None, outputs, api_visibility="private")
        api_search, api_compose, api_search_documents = make_api(service)
        gr.api(api_search, api_name="search", queue=False)
        gr.api(api_compose, api_name="compose", queue=False)
        gr.api(api_search_documents, api_name="search_documents", queue=False)
    demo.queue(default_concurrency_limit=4)
    return demo


def theme():
    """The default look with system fonts only: the stock theme would fetch Google Fonts."""
    import gradio as gr

    sans = ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="red", font=sans, font_mono=["Consolas", "monospace"])


def launch(service, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           block: bool = True, quiet: bool = False):
    """Serve the app. A non-loopback bind without authentication is refused."""
    from assistant.ui.render import CSS

    if not is_loopback(host) and auth is None:
        raise PermissionError(f"拒绝在 {host} 上无认证地提供服务：其他电脑可以访问到全部公文。"
                              "请设置认证，例如 gongwen serve --host 0.0.0.0 --auth 用户名:密码"
                              "（或环境变量 GONGWEN_AUTH=用户名:密码），或只在本机使用（--host 127.0.0.1）。")
    import threading

    demo = build_app(service)
    threading.Thread(target=service.warm, name="gongwen-warm", daemon=True).start()
    demo.launch(server_name=host, server_port=port, auth=auth, share=False, inbrowser=False, quiet=quiet,
                prevent_thread_lock=not block, max_file_size=MAX_UPLOAD_SIZE, footer_links=["api"],
                theme=theme(), css=CSS, show_error=True, ssr_mode=False, mcp_server=False,
                allowed_paths=[str(service.exports)])
    return demo
