"""Structure (GB/T 9704-2012 7.3; 《党政机关公文处理工作条例》第九条): 主送机关 where the 文种 needs
one, a 请示 with one 主送 and a closing request, 附件说明 numbered and unpunctuated, 成文日期 present."""

from __future__ import annotations

import re

from assistant.norms.document import CheckDocument
from assistant.norms.finding import ADVICE, ERROR, Finding, finding

CATEGORY = "结构"
NEEDS_ADDRESSEE = ("请示", "函", "批复", "报告", "通知")
NEEDS_SIGNATURE = ("请示", "函", "批复", "报告", "通知", "通报", "决定", "意见", "公告", "通告")
_QINGSHI_ENDINGS = re.compile(r"(?:妥否|当否|可否|是否可行|以上请示).{0,6}请.{0,4}(?:批示|批复|审批|审定|指示)"
                              r"|请(?:予|给予)?(?:批示|批复|批准|审批|审定|核准|研究批复)|特此请示")
_DATE_TAIL = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九○]{4})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日")
# 署名 + 成文日期 followed by what comes after the body (此件公开, 抄送, 印发, an appended 附件 or the
# forwarded/issued text): the date is there, the document just goes on (转发、印发……的通知 with the text)
_SIGNED_BEFORE_APPENDIX = re.compile(
    r"(?:[院厅部委会局府室办组司处署站心]|人民政府)\s*" + _DATE_TAIL.pattern
    + r"\s*(?=$|[（(]此件|抄送|抄报|附件|[\u4e00-\u9fff]{2,16}(?:办公厅|办公室)\s*\d{4}年\d{1,2}月\d{1,2}日印发)")
_TAIL_SKIP = re.compile(r"^(?:抄送|抄报|印发|（此件|\(此件|附件|联系人|联系电话|\d+[.．])")
_NOT_ADDRESSEE = re.compile(r"收悉|如下$|现将|现就|为了|为进一步|根据|经研究|经国务院")
_ATTACH_HEAD = re.compile(r"^附件[：:]\s*(.*)$")
_ATTACH_ITEM = re.compile(r"^(\d{1,2})[.．、]\s*(.+)$")
_ATTACH_MARK = re.compile(r"^附件\s*(\d{1,2})?\s*$")


def check(doc: CheckDocument) -> list[Finding]:
    if len(doc.paragraphs) < 2 and len(doc.title) < 200:
        return []  # one short line: nothing to check (one long line is a text whose line breaks were lost)
    found = []
    if doc.doctype in NEEDS_ADDRESSEE:
        found += _addressee(doc)
    if doc.doctype == "请示":
        found += _qingshi_ending(doc)
    if doc.doctype in NEEDS_SIGNATURE:
        found += _signature(doc)
    return found + _attachments(doc)


def addressee_span(doc: CheckDocument) -> tuple[int, int, int] | None:
    """(paragraph, start, end) of the 主送机关 ending in a colon, within the first paragraphs
    (a text whose line breaks were lost holds it inline after the title and 文号)."""
    first = 0 if len(doc.paragraphs) == 1 else 1  # a single long line holds title, 文号 and 主送 together
    for i, text in enumerate(doc.paragraphs[first:5], first):
        colon = min((p for p in (text.find("："), text.find(":")) if p >= 0), default=-1)
        stop = text.find("。")
        if 0 < colon <= 200 and (stop < 0 or colon < stop):
            start = 0
            if i <= 1 or colon > 60:  # title, 文号 or date may precede it on the same line
                head = re.search(r"(?:〕\d+号|号|日|\d{4}年\d{1,2}月\d{1,2}日)(?=[^号日]*$)", text[:colon])
                start = head.end() if head else 0
                if doc.title and text.startswith(doc.title) and start < len(doc.title) < colon:
                    start = len(doc.title)  # 关于……的函各有关单位：the title runs into the 主送
            if _NOT_ADDRESSEE.search(text[start:colon]):
                return None  # 你部《……的请示》收悉，现批复如下：opens the body; no 主送 before it
            return i, start, colon
    return None


def _addressee(doc: CheckDocument) -> list[Finding]:
    span = addressee_span(doc)
    if span is None:
        severity = ERROR if doc.doctype in ("请示", "函", "批复") else ADVICE
        return [finding("struct.addressee", CATEGORY, severity, 0, doc.title, 0, len(doc.title),
                        f"{doc.doctype}应有主送机关（标题下一行顶格，后加全角冒号）（GB/T 9704-2012 7.3.2）")]
    i, start, end = span
    text = doc.paragraphs[i]
    if doc.doctype == "请示" and re.search(r"[、，,]", text[start:end]):
        return [finding("struct.single_addressee", CATEGORY, ERROR, i, text, start, end,
                        "请示应当一文一事，只主送一个上级机关，需要时抄送其他机关（《党政机关公文处理工作条例》第十五条）")]
    return []


def _body_tail(doc: CheckDocument) -> list[tuple[int, str]]:
    """The last paragraphs before 附件/抄送/印发 lines."""
    tail = []
    if len(doc.paragraphs) == 1:
        return [(0, doc.title)]
    for i in range(len(doc.paragraphs) - 1, 0, -1):
        text = doc.paragraphs[i]
        if _TAIL_SKIP.match(text) and len(tail) == 0:
            continue
        tail.append((i, text))
        if len(tail) == 4:
            break
    return tail[::-1]


def _qingshi_ending(doc: CheckDocument) -> list[Finding]:
    tail = _body_tail(doc)
    window = 400 if len(doc.paragraphs) == 1 else 120  # one long line: 抄送, 附件, 联系人 may follow
    if any(_QINGSHI_ENDINGS.search(text[-window:]) for _, text in tail):
        return []
    i, text = tail[-1] if tail else (0, doc.title)
    return [finding("struct.qingshi_ending", CATEGORY, ERROR, i, text, max(0, len(text) - 1), len(text),
                    "请示的结尾应有请求批复的用语，如“妥否，请批示”“以上请示当否，请批复”"
                    "（《党政机关公文处理工作条例》第八条）")]


def _signature(doc: CheckDocument) -> list[Finding]:
    tail = _body_tail(doc)
    window = 400 if len(doc.paragraphs) == 1 else 80
    if any(_DATE_TAIL.search(text[-window:]) for _, text in tail[-3:]):
        return []
    if any(_SIGNED_BEFORE_APPENDIX.search(text) for text in doc.paragraphs):
        return []
    i, text = tail[-1] if tail else (0, doc.title)
    return [finding("struct.date_missing", CATEGORY, ERROR, i, text, max(0, len(text) - 1), len(text),
                    "正文之后缺少成文日期（署名之下，用阿拉伯数字标全年、月、日）（GB/T 9704-2012 7.3.5）")]


def _attachments(doc: CheckDocument) -> list[Finding]:
    """附件说明: 附件：1.名称 2.名称 …, numbered from 1 in order, names without end punctuation;
    as many 附件N marks later as items listed."""
    out: list[Finding] = []
    paragraphs = doc.paragraphs
    for i, text in enumerate(paragraphs):
        m = _ATTACH_HEAD.match(text)
        if not m or i == 0:
            continue
        items: list[tuple[int, int, str, int]] = []  # (paragraph, offset of name, name, number)
        first = _ATTACH_ITEM.match(m.group(1))
        if first:
            items.append((i, m.start(1) + first.start(2), first.group(2), int(first.group(1))))
        elif m.group(1):
            items.append((i, m.start(1), m.group(1), 0))
        for j in range(i + 1, len(paragraphs)):
            item = _ATTACH_ITEM.match(paragraphs[j])
            if not item or not items or items[-1][3] == 0:
                break
            items.append((j, item.start(2), item.group(2), int(item.group(1))))
        out += _attachment_items(doc, items)
        marks = [j for j in range(i + 1, len(paragraphs)) if _ATTACH_MARK.match(paragraphs[j])]
        numbered = [n for n in (it[3] for it in items) if n]
        if marks and numbered and len(marks) != len(numbered):
            out.append(finding("struct.attachment_count", CATEGORY, ERROR, i, text, 0, len(text),
                               f"附件说明列出 {len(numbered)} 个附件，文后附件标识有 {len(marks)} 个，两者应一致"
                               "（GB/T 9704-2012 7.3.4、8.1）"))
        break
    return out


def _attachment_items(doc: CheckDocument, items: list[tuple[int, int, str, int]]) -> list[Finding]:
    out = []
    for n, (j, offset, name, number) in enumerate(items, 1):
        text = doc.paragraphs[j]
        if number and number != n:
            out.append(finding("struct.attachment_number", CATEGORY, ERROR, j, text, 0, offset,
                               f"附件序号应从 1 起依次编排，此处应为 {n}（GB/T 9704-2012 7.3.4）"))
        if name and name[-1] in "。，；、.,;":
            end = offset + len(name)
            out.append(finding("struct.attachment_punct", CATEGORY, ERROR, j, text, end - 1, end,
                               "附件名称后不加标点符号（GB/T 9704-2012 7.3.4）", ""))
    return out

