"""Slot filling on real sentences from the five seed 范文, with hand-checked marks, plus properties."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.compose.slots import MARK_RE, admin_level, fill_slots, split_org, unmarked_digits
from assistant.ingest.pipeline import parse_file

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
USER_ORG, USER_YEAR = "某县卫生健康局", 2026

# (seed, sentence as parsed, source org, source year,
#  expected marks (exact, in order), substrings the output must contain, substrings it must not contain)
CASES = [
    ("000", "某市卫生局2010年度软环境建设工作，在市委、市政府的高度重视和统一领导下，在局领导的统一部署下，",
     "市卫生局", 2010, [], ["某县卫生健康局2026年度软环境建设工作", "在县委、县政府"], ["2010"]),
    ("000", "一是2010年3月19日，召开了“全市卫生系统行风建设和软环境建设动员大会”，各县区卫生局和二级以上医疗卫生单位的"
            "党政领导、纪委书记、行风办主任、市卫生局科以上干部全部参加。",
     "市卫生局", 2010, ["2010年3月19日"], ["“全县卫生系统", "各县区卫生局", "纪委书记", "某县卫生健康局科以上干部"], []),
    ("000", "三是制定下发了《某市卫生局“纪委书记巡查制度”实施办法》（阜卫委发〔2010〕57号）文件，派出了由 名纪委书记组成的"
            "督导组，对全市 10 个医疗卫生单位开展了巡查活动和各阶段工作定期或不定期地进行督促指导，全年共督导监察 次。",
     "市卫生局", 2010, ["《某市卫生局“纪委书记巡查制度”实施办法》", "阜卫委发〔2010〕57号", "…", "10 个", "…"],
     ["由【待核实：…】名纪委书记", "督导监察【待核实：…】次"], []),
    ("000", "六是服务对象满意率95%以上。", "市卫生局", 2010, ["95%以上"], [], []),
    ("000", "职业卫生科监督员先后到大鹰集团、大昌铜业、某华通管道有限公司、奥瑞凯精细化工有限公司、阜橡集团、大金钢结构、"
            "超懿集团热电厂、力达铸造、力昌钢铁铸造、天华化工、封闭母线、鼎兴电力、梅雪啤酒、高压管件、排山楼金矿等企业上门"
            "服务，宣传职业病防治知识。",
     "市卫生局", 2010, ["大鹰集团", "某华通管道有限公司", "奥瑞凯精细化工有限公司", "阜橡集团", "超懿集团"], [], []),
    ("000", "为每个工人减免体检费用10元，合计减免费用2000元。", "市卫生局", 2010, ["10元", "2000元"], [], []),
    ("000", "但也还存在如创**探索建立软环境建设长效机制方面做得还不够的不足。", "市卫生局", 2010, ["**"], [], []),
    ("000", "阜蒙县医院开展“以人为本的护理文化”，护理创新升位活动，通过优质服务示范工程、导诊台的便民之家及儿科病房美化等"
            "措施全面提升护理质量。",
     "市卫生局", 2010, ["阜蒙县医院"], [], []),
    ("001", "推动全县卫生事业的科学发展、跨越赶超，为建设幸福栾城做出贡献。", None, None, ["栾城"], [], []),
    ("002", "全省卫生系统“三好一满意”活动启动以后，我局领导高度重视，立即召开党组会，研究部署“三好一满意”活动，成立了以"
            "周建中局长为组长的 “三好一满意”活动领导小组，",
     "市卫生局", None, ["周建中局长"], ["我局领导", "全省卫生系统"], []),
    ("002", "同时突出特色制度建设，例如临邑县卫生局制定了“五个一”考核验收措施，", "市卫生局", None, ["临邑县"], [], []),
    ("002", "市卫生局已将卫生部制定的22个专业、112病种的临床路径转发给各县市区卫生局和市直医疗机构，",
     "市卫生局", None, ["22个", "112"], ["某县卫生健康局已将", "各县市区卫生局", "县直医疗机构"], []),
    ("002", "全市共创建省级优质护理示范科室9个，市级优质护理示范科室14个。", "市卫生局", None, ["9个", "14个"],
     ["全县共创建省级", "县级优质护理"], []),
    ("003", "加大了新农合宣传力度，今年共有16.1402万人自愿参合，参合率达98.2%，基本实现新型农村合作医疗人口全覆盖。",
     "区卫生局", None, ["16.1402万人", "98.2%"], ["今年共有"], []),
    ("003", "今年1——11月共支付新农合基金2789.92万元，其中门诊家庭帐户补偿22954人次，补偿金额184.22万元；",
     "区卫生局", None, ["1——11月", "2789.92万元", "22954人次", "184.22万元"], [], []),
    ("003", "投资2200万元的区人民医院综合楼已完成主体工程建设，工程装饰装修工作也已接近尾声，预计明年上半年可全面竣工投入运营。",
     "区卫生局", None, ["2200万元"], ["区人民医院"], []),
    ("004", "一宣传发动阶段1月上旬3月上旬 召开全区卫生系统机关干部效劳年发动大会。", "区卫生局", None,
     ["1月上旬3月上旬"], ["召开全县卫生系统"], []),
    ("004", "各单位的实施方案和效劳工作一览表，经主要负责人把关后于3月16日前报局机关干部效劳年领导小组办公室。",
     "区卫生局", None, ["3月16日"], ["报局机关"], []),
]


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    return {p.name[:3]: "\n".join(x.text for x in parse_file(p)[0].paragraphs) for p in sorted(SEEDS.iterdir())}


def marks(text: str) -> list[str]:
    return [m[len("【待核实："):-1] for m in MARK_RE.findall(text)]


@pytest.mark.parametrize("seed,sentence,org,year,expected,present,absent", CASES)
def test_hand_checked_marks(seed_texts, seed, sentence, org, year, expected, present, absent):
    assert sentence in seed_texts[seed], "the case must quote the parsed seed verbatim"
    out, review = fill_slots(sentence, org, year, USER_ORG, USER_YEAR)
    assert marks(out) == expected
    assert len(review) == len(set(expected)) or "…" in expected
    for part in present:
        assert part in out
    for part in absent:
        assert part not in MARK_RE.sub("", out)
    assert unmarked_digits(out, USER_YEAR) == []


def test_years_follow_the_source_year():
    out, _ = fill_slots("2010年以来，比上年（2009年）增长，2008年曾开展试点，计划到2015年完成。", "市卫生局", 2010,
                        USER_ORG, USER_YEAR)
    assert out.startswith("2026年以来")
    assert "上年（2025年）" in out  # a year tied to 上年 shifts with it
    assert "【待核实：2008年】" in out and "【待核实：2015年】" in out
    assert unmarked_digits(out, USER_YEAR) == []


def test_unknown_source_year_marks_every_year():
    out, review = fill_slots("2011年全市共开展检查。", "市卫生局", None, USER_ORG, USER_YEAR)
    assert out == "【待核实：2011年】全县共开展检查。" and review == ("年份：2011年",)


def test_chinese_numeral_dates_and_years():
    out, _ = fill_slots("二〇一〇年十一月二十日印发。二〇一〇年是关键之年。", "市卫生局", 2010, USER_ORG, USER_YEAR)
    assert out == "【待核实：二〇一〇年十一月二十日】印发。2026年是关键之年。"


def test_our_own_short_forms_stay():
    out, _ = fill_slots("我局高度重视，局党委专题研究，本局干部全部参加。", "某市卫生局", 2010, USER_ORG, USER_YEAR)
    assert out == "我局高度重视，局党委专题研究，本局干部全部参加。"


def test_national_source_org_is_not_replaced():
    out, _ = fill_slots("国务院各部委要按照国务院的部署抓好落实。", "国务院", 2005, USER_ORG, USER_YEAR)
    assert out == "国务院各部委要按照国务院的部署抓好落实。"


def test_titles_of_national_laws_stay():
    text = "依据《中华人民共和国基本医疗卫生与健康促进法》《食品安全法》，制定《某市卫生系统实施办法》。"
    out, _ = fill_slots(text, "市卫生局", 2010, USER_ORG, USER_YEAR)
    assert marks(out) == ["《某市卫生系统实施办法》"]


def test_generic_wording_untouched():
    text = "坚持以人民为中心的发展思想，深化医药卫生体制改革，推动卫生健康事业高质量发展，乡镇卫生院和社区卫生服务中心全面达标。"
    assert fill_slots(text, "市卫生局", 2010, USER_ORG, USER_YEAR) == (text, ())


def test_list_ordinals_and_generic_terms_stay():
    out, _ = fill_slots("1、调查研究。（2）推进5G和PM2.5监测，共3项。", None, None, USER_ORG, USER_YEAR)
    assert out == "1、调查研究。（2）推进5G和PM2.5监测，共【待核实：3项】。"


def test_org_helpers():
    assert split_org("某市卫生局") == ("市", "卫生局") and split_org("卫生局") == (None, "卫生局")
    assert admin_level("某县卫生健康局") == "县" and admin_level("国务院") is None
    assert admin_level("某市社区卫生服务中心") == "市"


def test_every_seed_paragraph_keeps_no_unmarked_number():
    for path in sorted(SEEDS.iterdir()):
        doc = parse_file(path)[0]
        year = int(doc.date[:4]) if doc.date else None
        for para in doc.body:
            out, review = fill_slots(para.text, doc.org, year, USER_ORG, USER_YEAR)
            assert unmarked_digits(out, USER_YEAR) == [], (path.name, out)
            assert MARK_RE.sub("", out).count("【") == MARK_RE.sub("", out).count("】") == para.text.count("【")


_PIECES = st.sampled_from([
    "2010年", "2009年", "3月19日", "7月份", "500万元", "1.2亿元", "3,000元", "21起", "159名", "10个", "22个专业", "95%以上",
    "阜卫发〔2009〕10号", "周建中局长", "某华通管道有限公司", "阜蒙县", "《实施办法》", "第3批", "12", "0.5", "1——11月",
    "工作 次", "**", "XX县", "×××", "某市卫生局", "全市", "我局", "今年", "上年", "一是", "第一", "（1）", "2、", "，", "。",
    "、", " ", "加强", "组织领导", "卫生系统", "服务", "群众", "各县区", "医院", "2026年", "PM2.5", "G20", "ABC123", "第", "年"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=25), st.sampled_from([None, 2009, 2010]),
       st.sampled_from([None, "某市卫生局", "卫生局", "国务院"]))
def test_no_number_survives_unmarked(pieces, source_year, source_org):
    text = "".join(pieces)
    out, review = fill_slots(text, source_org, source_year, USER_ORG, USER_YEAR)
    assert unmarked_digits(out, USER_YEAR) == [], out
    for item in review:  # every review item is visible as a mark in the text
        kind, _, value = item.partition("：")
        if kind != "原文留空":
            assert f"【待核实：{value}】" in out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789年月日万元个%第、，。.-—某市县卫生局加强工作XＸ* 　")), max_size=60))
def test_no_number_survives_in_random_text(text):
    out, _ = fill_slots(text, "某市卫生局", 2010, USER_ORG, USER_YEAR)
    assert unmarked_digits(out, USER_YEAR) == [], out
    assert re.sub(r"【待核实：[^】]*】", "", out).count("【待核实") == 0
