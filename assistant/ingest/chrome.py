"""Web chrome around 范文 copied from websites: navigation, counters, blurbs, footers.

Rules are line-level and conservative: a line goes only when it is short and
matches a pattern of site furniture, or when it starts the trailing block that
sites append after the document (延伸内容, 相关文章 …). Everything dropped is
reported with its kind. Patterns are matched on the simplified form of the line,
so traditional-script pages are handled by the same rules.
"""

from __future__ import annotations

import re

from assistant.ingest.script import to_simplified
from assistant.models import Removed

_SHORT = 80

# (kind, pattern, max line length the rule applies to)
LINE_RULES: tuple[tuple[str, re.Pattern, int], ...] = tuple(
    (kind, re.compile(pattern, re.I), limit)
    for kind, pattern, limit in (
        ("breadcrumb", r"^(当前|您的|你的|你现在的)?位置\s*[:：]|首页\s*[>›»/]|^首页$", 120),
        ("account", r"^(找回密码|注册|登录|立即注册|退出|设为首页|加入收藏|会员中心|我的空间)$", 12),
        ("counter", r"发布者\s*[:：]|(查看|评论|浏览|阅读|点击|访问)(次数|量|数)?\s*[:：]\s*\d|\d+\s*(次浏览|人阅读|次阅读)", _SHORT),
        ("web_meta", r"^\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?$|^(发布|更新|录入)?(时间|日期)\s*[:：]\s*\d{4}|^(来源|作者|编辑|责任编辑|文章来源|信息来源|供稿)\s*[:：]", 60),
        ("summary", r"^(摘要|内容摘要|导读)\s*[:：]", 400),
        ("site_blurb", r"本站|小编|网友上传|不代表.{0,6}观点|咨询客服|范文(网|站|库)|(阅读|参考)并收藏|欢迎.{0,8}(阅读|参考|收藏|下载|借鉴)|点燃您|写作灵感|原创文章|免费下载", 300),
        ("lead_in", r"^导语\s*[:：]", 300),
        ("tags", r"^(标签|tags?|关键词|关键字|tag)\s*[:：]", 120),
        ("toolbar", r"^(下载|打印|全屏|收藏|加大|还原|减小|放大|缩小|大|中|小|[|×]|【?\s*字[号体]\s*[:：]?.{0,12}|[【】\]\[]|分享到?\s*[:：]?.{0,20}|扫一扫.{0,20}|关闭窗口|打印本页|关闭|返回顶部|回到顶部|顶部|手机版|小黑屋|关于我们|联系我们|网站地图|鲜花|握手|雷人|鸡蛋|路过|baidu|google|相关报道\s*[:：]?|上一篇\s*[:：].*|下一篇\s*[:：].*|【打印】|【关闭】|\[打印\]|\[关闭\])$", 40),
        ("footer", r"powered by|copyright|版权所有|©|icp备|icp证|gmt\s*[+-]\s*\d|公网安备|技术支持\s*[:：]", 200),
        ("site_name", r"^.{1,10}(网校城|范文站|范文网|文库|网校|资料网|文秘网|公文网|写作网|学习网)$", 16),
    )
)

TAIL_MARKER = re.compile(
    r"的延伸内容|^延伸(内容|阅读)|^相关(文章|阅读|推荐|范文|链接|文档|新闻|附件)\s*[:：]?$|^猜你喜欢|^热门(文章|推荐|范文)|^更多.{0,8}(范文|文章)|^推荐阅读"
)


def classify_line(line: str) -> str | None:
    """Kind of web chrome this line is, or None if it is document text."""
    if not line or len(line) > 400:
        return None
    simple = to_simplified(line)
    for kind, pattern, limit in LINE_RULES:
        if len(line) <= limit and pattern.search(simple):
            return kind
    return None


def find_tail_start(lines: list[str]) -> int | None:
    """Index of the line that starts the appended block of site content, if any."""
    start = len(lines) // 3
    for i in range(start, len(lines)):
        line = lines[i]
        if len(line) <= 120 and TAIL_MARKER.search(to_simplified(line)):
            return i
    return None


def remove_chrome(lines: list[str], removed: list[Removed]) -> list[str]:
    """Drop chrome lines and the trailing site block; record each removal."""
    tail = find_tail_start(lines)
    if tail is not None:
        dropped = [ln for ln in lines[tail:] if ln]
        removed.append(Removed("extension_content", f"{dropped[0][:60]}…（共 {len(dropped)} 行）"))
        lines = lines[:tail]
    kept = []
    for line in lines:
        kind = classify_line(line)
        if kind:
            removed.append(Removed(kind, line[:200]))
        else:
            kept.append(line)
    return kept
