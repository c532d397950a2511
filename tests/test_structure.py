"""Structure: title, 文种, 文号, 日期, 机关, heading tree, run-in headings, roles."""

from hypothesis import given, settings, strategies as st

from assistant.ingest.meta import doctype_of, find_date
from assistant.ingest.pipeline import parse_text


def headings(doc):
    return [(p.level, p.number, p.text) for p in doc.paragraphs if p.is_heading]


def test_official_document_front_matter_and_signature():
    doc = parse_text("\n".join([
        "某市人民政府办公室文件", "某政办发[2024]12号", "某市人民政府办公室关于加强安全生产工作的通知",
        "各县（区）人民政府，市政府各部门：", "为切实加强安全生产工作，现就有关事项通知如下。",
        "一、提高思想认识", "各地要充分认识安全生产工作的重要性。", "二、落实工作责任",
        "各部门要按照职责分工抓好落实。特此通知。", "某市人民政府办公室", "2024年3月5日"]))
    assert doc.title == "某市人民政府办公室关于加强安全生产工作的通知"
    assert doc.doctype == "通知"
    assert doc.doc_number == "某政办发〔2024〕12号"
    assert doc.date == "2024-03-05"
    assert doc.org == "某市人民政府办公室"
    assert [h[2] for h in headings(doc)] == ["提高思想认识", "落实工作责任"]
    assert doc.paragraphs[-1].role == "结尾"


def test_chinese_numeral_date():
    assert find_date(["……工作任务。", "二〇一〇年十一月二十日"]) == "2010-11-20"
    assert find_date(["……工作任务。", "某县卫生局", "二○二一年十二月三十一日"]) == "2021-12-31"
    assert find_date(["今年3月19日召开了会议。"]) is None


def test_doc_number_brackets_normalised():
    for raw in ("国办发〔2001〕85号", "国办发[2001]85号", "国办发（2001）85号", "国办发(2001)85号"):
        doc = parse_text(f"关于某事项的通知\n{raw}\n正文内容，请认真贯彻执行。")
        assert doc.doc_number == "国办发〔2001〕85号", raw


def test_heading_levels_and_paths():
    doc = parse_text("\n".join([
        "某县2025年农业工作总结", "一、主要工作", "（一）抓好粮食生产", "1.稳定播种面积", "全年播种面积稳定在10万亩以上。",
        "（1）落实补贴", "补贴资金全部发放到户。", "（二）发展特色产业", "特色产业产值增长。",
        "二、存在的问题", "部分基础设施老化。", "三、下一步打算", "继续抓好各项工作。"]))
    assert headings(doc) == [(1, "一、", "主要工作"), (2, "（一）", "抓好粮食生产"), (3, "1.", "稳定播种面积"),
                             (4, "（1）", "落实补贴"), (2, "（二）", "发展特色产业"),
                             (1, "二、", "存在的问题"), (1, "三、", "下一步打算")]
    body = {p.text: p for p in doc.paragraphs if not p.is_heading}
    assert body["补贴资金全部发放到户。"].heading_path == ("主要工作", "抓好粮食生产", "稳定播种面积", "落实补贴")
    assert body["补贴资金全部发放到户。"].role == "主要做法"
    assert body["部分基础设施老化。"].role == "存在问题"
    assert body["继续抓好各项工作。"].role == "下一步打算"


def test_run_in_heading_split_into_heading_and_body():
    doc = parse_text("某县卫生系统工作方案\n主要举措\n（一）优化就医环境。深入开展“三好一满意”活动，继续抓好环境卫生整治工作。")
    assert headings(doc) == [(1, "", "主要举措"), (2, "（一）", "优化就医环境")]
    assert doc.paragraphs[-1].text == "深入开展“三好一满意”活动，继续抓好环境卫生整治工作。"
    assert doc.paragraphs[-1].heading_path == ("主要举措", "优化就医环境")
    assert doc.paragraphs[-1].role == "主要任务"


def test_yishi_run_in_and_long_yishi_body():
    doc = parse_text("某局工作总结\n一、下一步打算\n一是进一步提高认识，加强领导。以学习为契机，做好再动员、再部署。\n"
                     "二是2010年3月19日，召开了全市卫生系统行风建设和软环境建设动员大会，各单位领导全部参加，会议取得圆满成功。")
    hs = headings(doc)
    assert hs[1] == (2, "一是", "进一步提高认识，加强领导")
    assert not doc.paragraphs[-1].is_heading


def test_law_chapters_sections_and_articles():
    doc = parse_text("\n".join([
        "某市门楼号牌管理条例", "第一章 总 则", "第一条 为了加强门楼号牌的管理，制定本条例。",
        "第二条 本条例适用于本市行政区域。", "（一）住宅区原则上以主出入口编排一个门楼号；",
        "第二章 编制", "第一节 一般规定", "第三条 公安机关负责编制门楼号。"]))
    assert [h[2] for h in headings(doc)] == ["第一章 总 则", "第二章 编制", "第一节 一般规定"]
    assert [h[0] for h in headings(doc)] == [1, 1, 2]
    item = next(p for p in doc.paragraphs if p.text.startswith("（一）"))
    assert not item.is_heading and item.heading_path == ("第一章 总 则",)


def test_one_line_document_resegmented():
    body = "为深入贯彻落实有关部署，现就有关事项通知如下。" * 20 + "一、总体要求" + "各地要高度重视。" * 30
    doc = parse_text(f"国务院办公厅关于做好有关工作的通知国办发〔2020〕1号各省、自治区、直辖市人民政府：{body}国务院办公厅2020年1月3日")
    assert doc.doctype == "通知"
    assert doc.title == "国务院办公厅关于做好有关工作的通知" and doc.doc_number == "国办发〔2020〕1号"
    assert len(doc.paragraphs) >= 3 and all(len(p.text) <= 600 for p in doc.paragraphs)
    assert doc.date == "2020-01-03"


def test_doctype_from_title_endings():
    assert doctype_of("关于印发《某某实施方案》的通知") == "通知"
    assert doctype_of("某县关于申请专项资金的请示") == "请示"
    assert doctype_of("某市卫生局2010年软环境建设工作总结") == "总结"
    assert doctype_of("中华人民共和国道路交通安全法实施条例（2017年修订）") == "条例"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parse_never_raises(text):
    doc = parse_text(text)
    assert all(p.text for p in doc.paragraphs)


_PIECES = st.sampled_from(["一、", "（一）", "1.", "（1）", "一是", "第一章", "第一条", "指导思想", "\n", "。", "，",
                           "工作总结", "加强领导", "2024年3月5日", "国办发〔2020〕1号", " ", "；", "衛生", "(wèi)"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_parse_never_raises_on_structured_noise(text):
    doc = parse_text(text)
    levels = [p.level for p in doc.paragraphs if p.is_heading]
    assert all(isinstance(lv, int) and lv >= 1 for lv in levels)
