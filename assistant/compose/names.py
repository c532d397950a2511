"""Proper names in precedent text that belong to the source: people, units (companies,
hospitals), and place names. Each finder returns (start, end) spans; slots.py marks them.

Places use a gazetteer derived from jieba's bundled dictionary (words tagged `ns` that end
in an administrative suffix: 栾城县 → 栾城, 阜新市 → 阜新) plus unknown-prefix county/town
names (阜蒙县); every candidate must start on a word boundary of the default jieba
segmentation, so 确保定期 never yields 保定.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
SURNAMES_2 = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "令狐", "夏侯", "慕容", "司徒", "长孙", "宇文")
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤庞樊兰殷"
    "施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂焦向柳邢骆岳齐梅庄辛管祝左涂谷祁舒耿牟卜詹关苗凌费纪靳"
    "盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强丛连尚谈褚郎滕车冉迟邬乔")
TITLES = ("总书记", "副局长", "局长", "副主任", "主任", "副书记", "书记", "同志", "副县长", "县长", "副市长", "市长",
          "副区长", "区长", "镇长", "乡长", "省长", "副院长", "院长", "厅长", "部长", "处长", "科长", "所长", "校长",
          "主席", "总理", "董事长", "总经理", "秘书长", "组长", "队长", "站长", "委员")
_NOT_NAME_CHARS = set("委组办局院部厅室科处所站队会长员体级位人们门方面市县区省乡镇村校党团政府管理导领记任席事务"
                      "家业作工及和与的了是在各全副总分主兼代原前现新老为以对由向将把被其该本我这那等并")
LEADERS = ("习近平",)  # national leaders named in current documents: not the source's people
_PERSON = re.compile(rf"({'|'.join(SURNAMES_2)}|[{''.join(sorted(SURNAMES))}])([{CJK}]{{1,2}}?)({'|'.join(TITLES)})")

UNIT_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "集团公司", "集团", "公司", "医院", "卫生院")
_UNIT = re.compile("|".join(UNIT_SUFFIXES))
_NOT_NAME_TAGS = {"v", "vn", "vd", "p", "d", "c", "ad", "r", "m", "q", "u", "mq", "t"}
_WALK_STOP = set("到在对与和及向从为由如将把被是了的等并或同给让使以经即赴至于其该这那各全本我共有")
GENERIC_UNIT_WORDS = (
    "中西医结合", "妇幼保健", "精神病", "传染病", "人民", "中心", "中医", "妇幼", "儿童", "肿瘤", "口腔", "眼科", "骨科",
    "专科", "综合", "定点", "公立", "民营", "私立", "基层", "乡镇", "社区", "县级", "市级", "省级", "二级", "三级",
    "一级", "以上", "甲等", "乙等", "所有", "各级", "各类", "大型", "中小", "国有", "相关", "有关", "医疗", "卫生",
    "军队", "部队", "企业", "保险", "投资", "控股", "科技", "所属", "下属", "直属", "其他", "上市", "平台", "龙头",
    "重点", "骨干", "外资", "中央", "地方", "金融", "多家", "两家", "一批", "新建", "全部", "医院", "优质", "第一", "第二", "第三", "第四",
    "第五", "第六", "第七", "第八", "第九")
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "新区", "省", "市", "县", "区", "州", "旗", "盟",
                  "镇", "乡")
_OPEN_PREFIX_SUFFIX = re.compile(rf"(?=([{CJK}]{{2}})(县|镇|乡|旗))")
_GENERIC_PLACE_CHARS = set("全各本我该此每邻市县区省乡镇村城大强小名新老重先示试贫穷山边是的了在和与及或为对把被将从向由以于等个这那其之所有"
                           "年月日并按照据经通过至到自使让产整涉")
NATIONAL_PLACES = {"中国", "中华", "全国", "中央", "国家", "东北", "西北", "华北", "华东", "华南", "西南", "华中",
                   "东部", "西部", "中部", "东南", "长江", "黄河", "城区", "城北", "城南", "城东", "城西", "城关",
                   "大城", "新城", "老城", "古城", "中城", "小城", "市中", "郊区", "矿区", "开发", "高新", "经济",
                   # jieba tags these ns, but in 公文 they are ordinary words (新建, 碳中和, 都市圈, 平原 …)
                   "新建", "中和", "都市", "大市", "新市", "中美", "中韩", "中俄", "中欧", "中非", "平原", "高原", "海岛",
                   "滨海", "沿海", "大河", "旧城", "安宁", "兴国", "永乐", "大关", "南口", "青山", "西山", "龙湖", "南北",
                   "中原", "中南", "北方", "南方", "普惠", "文明", "文明城", "特大城", "亚洲", "东亚", "远东", "欧洲",
                   "太平洋", "北极", "南极", "和平", "团结", "胜利", "光明", "前进", "红旗", "解放", "民主", "幸福", "和谐",
                   "长安", "太平", "永安", "东方", "建设", "东风", "向阳", "友谊", "新华", "人民", "中心", "偏远", "宜居"}

_jieba_lock = threading.Lock()


@functools.cache
def _dictionary() -> dict[str, str]:
    """jieba's bundled dictionary: word (up to 7 chars) → POS tag."""
    import jieba

    tags: dict[str, str] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if len(fields) == 3 and len(fields[0]) <= 7:
                tags[fields[0]] = fields[2]
    return tags


@functools.cache
def _gazetteer() -> frozenset[str]:
    """Administrative place names from the dictionary: full (铜仁市, 栾城县) and, where the bare
    name is not also an ordinary word, bare (栾城, 阜新, 北京)."""
    tags = _dictionary()
    names = set()
    for word, tag in tags.items():
        suffix = next((x for x in ADMIN_SUFFIXES if word.endswith(x)), "") if tag == "ns" else ""
        bare = word[: -len(suffix)] if suffix else ""
        if len(bare) < 2 or len(bare) > 4 or bare in NATIONAL_PLACES or bare[0] in "各全本我该" \
                or _contains_word(bare, tags):
            continue
        names.add(word)
        if tags.get(bare, "ns") == "ns":
            names.add(bare)
    return frozenset(names)


def _contains_word(name: str, tags: dict[str, str]) -> bool:
    """旅游名 contains 旅游 (an ordinary word): not a place name."""
    parts = (name[a:b] for a in range(len(name)) for b in range(a + 2, len(name) + 1) if b - a < len(name))
    return any(tags.get(part, "ns") not in ("ns", "nr", "nz", "j") for part in parts)


@functools.cache
def _segmenter():
    import jieba

    jieba.setLogLevel(60)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


@functools.lru_cache(maxsize=256)
def segments(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each word of the default jieba segmentation without HMM (dictionary words only)."""
    with _jieba_lock:
        words = _segmenter().lcut(text, HMM=False)
    out, pos = [], 0
    for word in words:
        out.append((pos, pos + len(word)))
        pos += len(word)
    return tuple(out)


def word_starts(text: str) -> set[int]:
    """Offsets where a word starts, plus len(text)."""
    return {start for start, _ in segments(text)} | {len(text)}


def people(text: str) -> list[tuple[int, int]]:
    """Named people followed by a title: 周建中局长, 刘琼芳同志 (not 纪委书记, 行风办主任)."""
    spans, starts = [], None
    for m in _PERSON.finditer(text):
        given = m.group(2)
        if m.group(1) + given in LEADERS or any(c in _NOT_NAME_CHARS for c in given):
            continue
        starts = starts if starts is not None else word_starts(text)
        if m.start() in starts:
            spans.append((m.start(), m.end()))
    return spans


def units(text: str) -> list[tuple[int, int]]:
    """Named companies/hospitals: 奥瑞凯精细化工有限公司, 大鹰集团, 阜蒙县医院 (not 区人民医院).

    The name is the run of words before the suffix, walking back until punctuation, a function
    character (的/在/对 …) or a two-character verb/preposition/numeral (加强/根据/第二 …).
    """
    spans, last_end = [], 0
    for m in _UNIT.finditer(text):
        start = m.start()
        for seg_start, seg_end in reversed(segments(text)):
            if seg_start >= m.start():
                continue
            piece = text[seg_start:min(seg_end, m.start())]
            if seg_start < last_end or m.start() - seg_start > 12 or not _name_part(piece) \
                    or piece.endswith(UNIT_SUFFIXES):
                break
            start = seg_start
        while start < m.start() and text[start] in _WALK_STOP:
            start += 1
        if _is_proper(text[start:m.start()]):
            spans.append((start, m.end()))
            last_end = m.end()
    return spans


def _name_part(piece: str) -> bool:
    if not re.fullmatch(f"[{CJK}]+", piece) or piece in _WALK_STOP:
        return False
    return len(piece) == 1 or _dictionary().get(piece) not in _NOT_NAME_TAGS


def _is_proper(prefix: str) -> bool:
    residue = prefix
    for word in GENERIC_UNIT_WORDS:
        residue = residue.replace(word, "")
    residue = residue.strip("省市县区乡镇村")
    return len(residue) >= 2 or (prefix.startswith("某") and len(prefix) >= 2)


def places(text: str, keep: str = "") -> list[tuple[int, int]]:
    """Place names that are not in `keep` (the user's organisation): 阜蒙县, 栾城, 北京市."""
    gazetteer = _gazetteer()
    starts = None
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text) - 1:
        found = _gazetteer_match(text, i, gazetteer)
        gazetteer_hit = found is not None
        found = found or _open_match(text, i)
        if found:
            starts = starts if starts is not None else word_starts(text)
            end = found
            after_party = text[max(0, i - 2):i] == "中共"  # 中共贵州省委 is one jieba word
            strict = not gazetteer_hit  # an unknown name must also end where a word ends (not 是指乡|镇)
            if (i in starts or after_party) and text[i:end] not in keep and _clean_end(text, end, starts, strict):
                spans.append((i, end))
                i = end
                continue
        i += 1
    return spans


def _gazetteer_match(text: str, i: int, gazetteer: frozenset[str]) -> int | None:
    for length in range(min(8, len(text) - i), 1, -1):
        if text[i:i + length] in gazetteer:
            end = i + length
            for suffix in ADMIN_SUFFIXES:
                if text.startswith(suffix, end) and not text[i:end].endswith(ADMIN_SUFFIXES):
                    end += len(suffix)
                    break
            return None if _dictionary().get(text[i:end], "ns") != "ns" else end  # 大城市 is a word
    return None


def _open_match(text: str, i: int) -> int | None:
    """A county/town/banner name not in the dictionary: two or three unknown characters + 县/镇/乡/旗."""
    m = _OPEN_PREFIX_SUFFIX.match(text, i)
    if not m or (i and re.match(f"[{CJK}]", text[i - 1]) and text[i - 1] not in _WALK_STOP):
        return None  # 涉藏州县: the name would start inside a word
    prefix = m.group(1)
    if any(c in _GENERIC_PLACE_CHARS for c in prefix):
        return None
    words = (prefix[a:b] for a in range(len(prefix)) for b in range(a + 2, len(prefix) + 1))
    if any(_dictionary().get(w, "ns") != "ns" for w in words):
        return None  # contains an ordinary word: 医院和县 is not a county
    return i + len(prefix) + 1


def _clean_end(text: str, end: int, starts: set[int], strict: bool) -> bool:
    """The name ends where a word ends, or (gazetteer names) with an admin suffix we included."""
    return end in starts or (not strict and text[end - 1] in "省市县区州旗盟镇乡")
