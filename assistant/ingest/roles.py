"""Section roles: what a section does in a 公文 (指导思想, 主要任务, 存在问题 …).

Roles come from heading wording; a section without telling words takes the
default of its 文种 (a 总结's numbered sections report 主要做法, a 方案's set out
主要任务). Text before the first heading is 开头; the closing paragraph is 结尾.
"""

from __future__ import annotations

import re

ROLES = ("开头", "背景意义", "指导思想", "目标", "基本原则", "主要任务", "主要做法", "成效",
         "存在问题", "原因分析", "下一步打算", "保障措施", "工作要求", "实施步骤", "结尾", "正文")

# Short headings that name their role outright (any 文种).
_EXACT = (
    ("指导思想", r"^(指导思想|总体要求|总体思路)$"),
    ("目标", r"^(主要|工作|总体)?目标(任务)?$"),
    ("基本原则", r"^(基本|工作)原则$"),
    ("主要任务", r"^(主要|重点|工作)(任务|举措|措施)$|^(重点工作|工作重点|主要内容|工作内容|具体措施)$"),
    ("保障措施", r"^(保障措施|组织保障|组织领导|组织实施)$"),
    ("工作要求", r"^(工作|有关)要求$"),
    ("实施步骤", r"^(工作|实施|方法)步骤$|^(时间|进度)安排$"),
)
# Keywords in longer headings, first match wins.
_KEYWORDS = (
    ("原因分析", r"原因"),
    ("存在问题", r"(存在|面临|突出)的?(问题|不足|困难)|问题(和|与|及)不足|不足之处|差距|^问题$|存在问题"),
    ("下一步打算", r"下一步|今后|打算|明年|工作思路|工作计划|展望|工作安排"),
    ("成效", r"(取得|主要|工作|初步|明显|显著|阶段性)的?(成效|成绩|成果|效果)|成效(明显|显著)|成绩|亮点|经验体会"),
    ("指导思想", r"指导思想|总体要求|总体思路"),
    ("目标", r"目标"),
    ("基本原则", r"原则"),
    ("实施步骤", r"步骤|阶段|时间安排|进度安排|实施安排"),
    ("工作要求", r"工作要求|有关要求|几点要求|注意事项"),
    ("背景意义", r"意义|重要性|必要性|背景|充分认识"),
    ("主要任务", r"主要任务|重点任务|主要举措|主要措施|重点工作|工作任务|任务要求|政府工作任务"),
    ("主要做法", r"做法|工作情况|开展情况|基本情况|主要工作|工作回顾|回顾"),
    ("保障措施", r"保障措施|组织领导|组织保障|组织实施|强化保障|加强保障"),
)
_DEFAULTS = {"总结": "主要做法", "报告": "主要做法", "讲话": "主要做法", "方案": "主要任务",
             "意见": "主要任务", "通知": "主要任务", "决定": "主要任务", "计划": "主要任务",
             "要点": "主要任务", "规划": "主要任务", "请示": "正文", "函": "正文", "批复": "正文"}
_CLOSING = re.compile(r"^(今后|总之|各位代表|让我们|特此|妥否|当否|以上|望|请|此复|专此)")
_PLAN_TYPES = ("方案", "意见", "通知", "决定", "计划", "要点", "规划")


def role_of_heading(heading: str, doctype: str | None) -> str | None:
    """Role named by a heading's wording, or None when the words don't tell."""
    text = re.sub(r"[\s，,。]", "", heading)
    for role, pattern in _EXACT:
        if re.search(pattern, text):
            return role
    for role, pattern in _KEYWORDS:
        if re.search(pattern, text):
            if role in ("保障措施", "主要任务") and doctype not in _PLAN_TYPES and doctype is not None:
                continue
            return role
    return None


def role_of_path(path: tuple[str, ...], doctype: str | None) -> str:
    """Role of a paragraph under `path`: the highest heading that tells, else the 文种 default."""
    if not path:
        return "开头"
    for heading in path:
        role = role_of_heading(heading, doctype)
        if role:
            return role
    return default_role(doctype)


def default_role(doctype: str | None) -> str:
    """Role of a section whose headings don't tell, by 文种."""
    return _DEFAULTS.get(doctype or "", "正文")


def is_closing(text: str) -> bool:
    """A closing formula paragraph (今后…/特此通知/妥否，请批示 …)."""
    return bool(_CLOSING.match(text)) or text.endswith(("请批示。", "特此通知。", "特此函告。", "此复。"))
