"""The named API endpoints (/search, /compose) for gradio_client and scripts — JSON in, JSON out."""

from __future__ import annotations

import datetime as dt

from assistant.export.outline_json import outline_to_dict
from assistant.search.present import hit_json
from assistant.ui.draft_page import split_keywords
from assistant.ui.search_page import make_filters
from assistant.ui.service import Service, UserError


def _user_errors(fn):
    """Problems the caller can fix reach gradio_client as their Chinese message (gr.Error)."""
    import functools

    import gradio as gr

    from assistant.compose import TemplateError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (UserError, TemplateError, ValueError) as err:
            raise gr.Error(str(err)) from err

    return wrapper


def make_api(service: Service):
    def search(query: str, k: int = 10, doctype: str = "", role: str = "", year_from: int = 0, year_to: int = 0,
               org: str = "", source: str = "") -> list[dict]:
        """检索先例段落。doctype/role 可用逗号分隔多个；年份 0 表示不限。返回命中段落列表。"""
        filters = make_filters(split_keywords(doctype), split_keywords(role), year_from, year_to, org, source)
        return [hit_json(h) for h in service.search(query, int(k), filters)]

    def search_documents(query: str, k: int = 10, doctype: str = "", role: str = "", year_from: int = 0,
                         year_to: int = 0, org: str = "", source: str = "") -> list[dict]:
        """按文件检索：每个文件一条（最相关的段落），`passages` 为该文件其他相关段落。参数同 /search。"""
        filters = make_filters(split_keywords(doctype), split_keywords(role), year_from, year_to, org, source)
        return [hit_json(h) for h in service.search(query, int(k), filters, "document")]

    def compose(doctype: str, topic: str, org: str = "", year: int = 0, keywords: str = "",
                alternatives: int = 3) -> dict:
        """按文种模板起草提纲，返回提纲 JSON（各节段落、来源与备选）。"""
        outline = service.compose(doctype, topic, org, int(year) or dt.date.today().year, split_keywords(keywords),
                                  int(alternatives))
        return outline_to_dict(outline)

    return _user_errors(search), _user_errors(compose), _user_errors(search_documents)
