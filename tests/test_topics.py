"""A precedent's own topic and campaigns, adapted to the user's topic; sub-headings from precedents."""

import pytest

from assistant.compose.slots import fill_slots, unmarked_digits
from assistant.compose.substructure import split_counts, subheading
from assistant.compose.topics import adapt_topic, precedent_topic, still_names, title_topic, user_topic

SEED_OPENING = ("某市卫生局2010年度软环境建设工作，在市委、市政府的高度重视和统一领导下，坚持以“三个代表”重要思想为指导，"
                "在全市卫生系统认真开展了以“整顿年”和“诚信服务杯竞赛”活动为主的软环境建设工作，圆满完成了各项任务。")


@pytest.mark.parametrize("title,org,topic", [
    ("卫生局2010年软环境建设工作总结", "卫生局", "软环境建设"),
    ("市卫生局“三好一满意”活动阶段性工作总结", "市卫生局", "三好一满意"),
    ("国务院关于促进光伏产业健康发展的若干意见", "国务院", "光伏产业健康发展"),
    ("国务院关于印发电力体制改革方案的通知", None, "电力体制改革"),
    ("国务院办公厅关于深化地质勘查队伍改革有关问题的通知", None, "地质勘查队伍改革"),
    ("2016年中华人民共和国国务院政府工作报告", None, ""),  # 政府工作 is nobody's particular topic
    ("北京市信访条例", None, "信访"),
])
def test_title_topic(title, org, topic):
    assert title_topic(title, org) == topic


def test_user_topic_is_a_noun_phrase():
    assert user_topic("加强医德医风建设") == "医德医风建设"
    assert user_topic("进一步做好安全生产工作") == "安全生产"


def test_the_issue_opening_is_adapted():
    topic = precedent_topic("卫生局2010年软环境建设工作总结", "卫生局", [SEED_OPENING, "打造和谐医疗软环境。"])
    assert topic.phrase == "软环境建设" and topic.variants == ("软环境",)
    assert topic.campaigns == ("整顿年", "诚信服务杯竞赛")  # “三个代表” is a national slogan, not the seed's own
    text, review = adapt_topic(SEED_OPENING + "打造和谐医疗软环境。", topic, user_topic("加强医德医风建设"))
    assert "医德医风建设【待核实：原为“软环境建设”】工作" in text  # the first replacement says what stood there
    assert text.count("医德医风建设") == 2 and "“三个代表”" in text
    assert "【待核实：“整顿年”】" in text and "【待核实：“诚信服务杯竞赛”】" in text
    assert "【待核实：原为“软环境”】" in text
    assert not still_names(text, topic, "医德医风建设") and still_names(SEED_OPENING, topic, "医德医风建设")
    assert "原文活动：“整顿年”" in review and any(r.startswith("主题：原为“软环境建设”") for r in review)
    filled, _ = fill_slots(text, "某市卫生局", 2010, "某县卫生健康局", 2026)
    assert filled.startswith("某县卫生健康局2026年度医德医风建设") and unmarked_digits(filled, 2026) == []


def test_same_topic_is_left_alone_and_short_topics_only_as_the_work():
    topic = precedent_topic("卫生局2010年软环境建设工作总结", "卫生局", [])
    assert adapt_topic("加强软环境建设。", topic, "软环境建设")[0] == "加强软环境建设。"
    law = precedent_topic("信访工作条例", None, [])
    text, _ = adapt_topic("做好信访工作，依法处理信访事项。", law, "医德医风建设")
    assert text == "做好医德医风建设【待核实：原为“信访”】工作，依法处理【待核实：原为“信访”】事项。"


def test_existing_marks_are_not_touched():
    topic = precedent_topic("关于光伏产业健康发展的意见", None, [])
    text, _ = adapt_topic("【待核实：光伏产业健康发展专项】推进光伏产业健康发展", topic, "医德医风建设")
    assert text.startswith("【待核实：光伏产业健康发展专项】推进医德医风建设")


@pytest.mark.parametrize("path,expected", [
    (("一、主要做法", "（一）优化就医环境"), "优化就医环境"),  # numbering left in the heading text is dropped
    (("主要举措", "优化就医环境"), "优化就医环境"),
    (("强化组织领导，健全工作机构，进行广泛动员",), "强化组织领导，健全工作机构，进行广泛动员"),
    (("主要做法",), None), (("工作要求",), None), (("2012年工作回顾",), None),
    (("第四章 医疗卫生人员",), None), (("保障措施（二十二）加强组织领导",), "加强组织领导"), ((), None),
    # a document's name parsed as a heading heads no sub-section
    (("中国人民政治协商会议共同纲领",), None), (("一、政府工作报告",), None), (("贯彻《信访工作条例》",), None),
    (("努力建设生态文明的美好家园",), "努力建设生态文明的美好家园"),
])
def test_subheading(path, expected):
    assert subheading(path) == expected


def test_split_counts():
    assert split_counts(4, 3) == [2, 1, 1] and split_counts(1, 2) == [1, 1] and split_counts(3, 0) == []


def test_campaigns_named_without_quotes_are_marked_too():
    topic = precedent_topic("卫生局工作总结", None, ["继续开展了“创新升位”活动。"])
    text, _ = adapt_topic("纷纷申报“创新升位”立项书，开展创新升位活动。", topic, "医德医风建设")
    assert text == "纷纷申报【待核实：“创新升位”】立项书，开展【待核实：创新升位】活动。"
    assert not still_names(text, topic, "医德医风建设")


def test_scope_words_of_a_far_higher_level_are_marked_not_rewritten():
    from assistant.compose.precedents import level_gap

    far, _ = fill_slots("全省各级卫生部门要加强医德医风建设。", "某省卫生厅", None, "某县卫生健康局", 2026)
    near, _ = fill_slots("全市各级卫生部门要加强医德医风建设。", "某市卫生局", None, "某县卫生健康局", 2026)
    assert far.startswith("【待核实：全省】") and near.startswith("全县")
    assert level_gap("国", "县") == 3 and level_gap("市", "县") == 1 and level_gap("县", "省") == 0
    assert level_gap(None, "县") == 0
