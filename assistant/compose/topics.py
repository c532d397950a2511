"""A precedent's own topic and campaigns, and reused text adapted to the user's topic (pure functions).

A precedent document is about something: 《卫生局2010年软环境建设工作总结》 is about 软环境建设,
and it names its own campaigns in quotes (“整顿年”“诚信服务杯竞赛”). A paragraph reused in a
draft about 医德医风建设 must not keep them: where it names the precedent's topic as the subject
of the work (软环境建设工作, 以……为主的软环境建设) the user's topic takes its place; a shortened
mention (软环境) is marked 【待核实：原为“软环境”】, and so is the first replacement
(医德医风建设【待核实：原为“软环境建设”】); the precedent's own campaigns are marked
【待核实：“整顿年”】. National slogans (“三个代表”“放管服”“十四五”) are nobody's own campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.compose.slots import MARK_CLOSE, MARK_OPEN, MARK_RE

DOCTYPE_ENDINGS = (
    "阶段性工作总结", "工作总结", "总结", "工作实施方案", "实施方案", "工作方案", "活动方案", "行动方案", "方案",
    "工作报告", "报告", "实施意见", "指导意见", "若干意见", "意见", "工作要点", "要点", "工作计划", "计划", "通知",
    "请示", "讲话", "发言", "调研报告", "通报", "决定", "批复", "复函", "函", "公告", "答复", "纪要", "办法", "条例",
    "规定", "细则", "法")
LEAD_VERBS = ("进一步", "切实", "全面", "持续", "深入", "大力", "加强", "加快", "推进", "推动", "促进", "深化", "开展",
              "做好", "抓好", "强化", "实施", "落实", "关于", "印发", "转发", "批转", "统筹和", "统筹")
GENERIC_TAILS = ("健康发展", "高质量发展", "工作", "建设", "发展", "改革", "管理", "监管", "整治", "治理", "活动",
                 "提升", "有关问题", "问题", "相关工作", "情况")
GENERIC_TOPICS = {"政府", "政府工作", "人民政府", "工作", "有关", "相关", "年度", "上半年", "全年", "机关"}
NATIONAL_SLOGANS = ("三个代表", "两学一做", "不忘初心、牢记使命", "四个意识", "四个自信", "两个维护", "两个确立",
                    "放管服", "五位一体", "四个全面", "一带一路", "三严三实", "八项规定", "双随机、一公开", "互联网+",
                    "最多跑一次", "放管服”改革", "碳达峰", "碳中和", "双碳", "两个一百年", "三农", "六稳", "六保")
_CAMPAIGN_WORD = re.compile(r"(活动|竞赛|行动|工程|创建|评选|杯|年|月|周|日|专项|示范|工作法|计划)$")
_CAMPAIGN_AFTER = re.compile(r"^(主题)?(活动|竞赛|行动|工程|创建|评选|专项|教育|实践|年|月|杯|为主)")
_QUOTED = re.compile(r"[“\"]([^”\"“]{2,24})[”\"]")
_ORG_HEAD = re.compile(r"^.{0,20}?(人民政府办公厅|人民政府|办公厅|卫生健康委员会|委员会|卫生健康局|卫生局|局|厅|委|办|院|部)"
                       r"(?=.{4,})")
_PLACE_HEAD = re.compile(r"^(?:某|[\u4e00-\u9fff]{2,6}?(?<!城))(?:省|自治区|市|县|区)(?=[\u4e00-\u9fff]{2,})")
_PLAN_NUMBER = re.compile(r"^十[一二三四五六七八九]五|^[一二三四五六七八九十]{1,3}五$")


@dataclass(frozen=True)
class PrecedentTopic:
    """What a precedent is about: its topic phrase, shorter forms of it, its own campaigns."""

    phrase: str = ""
    variants: tuple[str, ...] = ()  # shorter mentions (软环境建设 → 软环境), never the phrase itself
    campaigns: tuple[str, ...] = ()  # quoted names without the quotes (整顿年)


def title_topic(title: str, org: str | None = None) -> str:
    """卫生局2010年软环境建设工作总结 → 软环境建设; 国务院关于促进光伏产业健康发展的若干意见 → 光伏产业健康发展."""
    text = re.sub(r"(?:19|20)\d{2}(?:\s*[-—至]\s*(?:19|20)\d{2})?年度?", "", title or "")
    text = re.sub(r"[（(][^）)]*[）)]|_.*$|\s+", "", text)
    if org and org in text:
        text = text[text.index(org) + len(org):]
    if "关于" in text:
        text = text[text.index("关于") + 2:]
    else:
        m = _ORG_HEAD.match(text)
        text = text[m.end():] if m else text
    text = _PLACE_HEAD.sub("", text)
    for _ in range(2):  # 印发电力体制改革方案的通知 → 电力体制改革
        for ending in DOCTYPE_ENDINGS:
            if text.endswith(ending) and len(text) > len(ending) + 1:
                text = text[: -len(ending)]
                break
        text = re.sub(r"(的|之|阶段性|年度|专项|有关问题|若干问题|相关工作|有关工作|实施|暂行)$", "", text)
    text = strip_lead(text).replace("”活动", "”")
    text = re.sub(r"(?<=.{2})(工作|活动)$", "", text.strip("“”\""))
    return "" if text in GENERIC_TOPICS or len(text) < 2 else text


def strip_lead(text: str) -> str:
    """Leading verbs and qualifiers off a topic: 进一步加强医德医风建设 → 医德医风建设."""
    changed = True
    while changed:
        changed = False
        for verb in LEAD_VERBS:
            if text.startswith(verb) and len(text) - len(verb) >= 2:
                text, changed = text[len(verb):], True
    return text


def user_topic(topic: str) -> str:
    """The user's topic as a noun phrase to put in place of the precedent's: 加强医德医风建设 → 医德医风建设."""
    text = strip_lead(re.sub(r"\s+", "", topic))
    return re.sub(r"(?<=.{2})工作$", "", text)


def variants(phrase: str) -> tuple[str, ...]:
    """Shorter mentions of a topic phrase: 软环境建设 → 软环境; 光伏产业健康发展 → 光伏产业."""
    core = phrase
    out = []
    changed = True
    while changed:
        changed = False
        for tail in GENERIC_TAILS:
            if core.endswith(tail) and len(core) - len(tail) >= 3:
                core, changed = core[: -len(tail)], True
                out.append(core)
    quoted = [q for q in _QUOTED.findall(phrase) if len(q) >= 3]
    return tuple(dict.fromkeys(v for v in out + quoted
                               if v != phrase and v not in GENERIC_TOPICS and not _national(v) and "“" not in v))


def campaigns(title: str, texts: list[str]) -> tuple[str, ...]:
    """The precedent's own named campaigns: quoted names in its title, and quoted names in its
    text that read as an activity (…年, …杯竞赛, 开展“…”活动); national slogans excluded."""
    found = [q for q in _QUOTED.findall(title or "")]
    for text in texts:
        for m in _QUOTED.finditer(text):
            name, after = m.group(1), text[m.end():m.end() + 6]
            if _CAMPAIGN_WORD.search(name) or _CAMPAIGN_AFTER.search(after):
                found.append(name)
    return tuple(dict.fromkeys(n for n in found if not _national(n) and not re.search(r"[，。；：]", n)))


def _national(name: str) -> bool:
    return any(s in name or name in s for s in NATIONAL_SLOGANS) or bool(_PLAN_NUMBER.search(name))


def precedent_topic(title: str, org: str | None, texts: list[str]) -> PrecedentTopic:
    phrase = title_topic(title, org)
    return PrecedentTopic(phrase, variants(phrase) if phrase else (), campaigns(title, texts))


def _related(a: str, b: str) -> bool:
    """Two topics overlap (the user writes about the precedent's topic): nothing to adapt."""
    return bool(a and b) and (a in b or b in a)


def adapt_topic(text: str, topic: PrecedentTopic, user: str) -> tuple[str, tuple[str, ...]]:
    """`text` with the precedent's topic replaced by `user` (a noun phrase, see user_topic) and
    shorter mentions and own campaigns marked; returns (text, review items). Existing marks stay."""
    review: list[str] = []
    phrase = topic.phrase if not _related(topic.phrase, user) else ""
    short = [v for v in topic.variants if phrase and not _related(v, user)]
    names = [c for c in topic.campaigns if not _related(c, user)]

    def edit(piece: str) -> str:
        for name in sorted(names, key=len, reverse=True):
            marked = f"{MARK_OPEN}“{name}”{MARK_CLOSE}"
            piece, n = re.subn(rf"[“\"]{re.escape(name)}[”\"]", lambda _: marked, piece)
            if len(name) >= 3:  # named without quotes too: 开展创新升位活动
                bare = f"{MARK_OPEN}{name}{MARK_CLOSE}"
                piece, m = _sub(re.escape(name), bare, piece)
                n += m
            if n:
                review.append(f"原文活动：“{name}”")
        if phrase:  # a long topic phrase anywhere; a short one (信访) only as 信访工作
            pattern = re.escape(phrase) + ("" if len(phrase) >= 4 else "(?=工作)")
            piece, n = _sub(pattern, user, piece)
            if n:  # the first replacement says what stood there
                piece = piece.replace(user, f"{user}{MARK_OPEN}原为“{phrase}”{MARK_CLOSE}", 1)
                review.append(f"主题：原为“{phrase}”，已改为“{user}”")
            if len(phrase) < 4:
                piece, n = _sub(re.escape(phrase), f"{MARK_OPEN}原为“{phrase}”{MARK_CLOSE}", piece)
                if n:
                    review.append(f"原文主题：{phrase}")
        for variant in sorted(short, key=len, reverse=True):
            marked = f"{MARK_OPEN}原为“{variant}”{MARK_CLOSE}"
            piece, n = _sub(re.escape(variant), marked, piece)
            if n:
                review.append(f"原文主题：{variant}")
        return piece

    return _outside_marks(text, edit), tuple(dict.fromkeys(review))


def _sub(pattern: str, replacement: str, text: str) -> tuple[str, int]:
    """Replace the regex `pattern` where it is not part of a mark already made in this text."""
    parts = re.split(f"({MARK_RE.pattern})", text)
    total = 0
    for i in range(0, len(parts), 2):
        parts[i], n = re.subn(pattern, lambda _: replacement, parts[i])
        total += n
    return "".join(parts), total


def _outside_marks(text: str, edit) -> str:
    parts = re.split(f"({MARK_RE.pattern})", text)
    return "".join(p if i % 2 else edit(p) for i, p in enumerate(parts))


def still_names(text: str, topic: PrecedentTopic, user: str) -> bool:
    """The draft text (outside marks) still names the precedent's topic or one of its campaigns."""
    plain = MARK_RE.sub("□", text)
    words = [w for w in (topic.phrase, *topic.variants, *topic.campaigns) if w and not _related(w, user)]
    return any(w in plain for w in words)
