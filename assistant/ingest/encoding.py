"""Detect the encoding of text bytes (BOM, UTF-8, UTF-16, GB18030, Big5) and decode them."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

from assistant.models import ReadError

SAMPLE_BYTES = 65536
"""How many leading bytes are used to choose an encoding (the whole input is then decoded)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Frequent Chinese characters (simplified, plus their traditional forms): real Chinese text
# decoded with the right codec is mostly made of these; a wrong codec yields rare characters.
_COMMON_SIMPLIFIED = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方"
    "多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情"
    "明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给"
    "世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太"
    "量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
    "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济"
    "车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚"
    "请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历"
    "首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音"
    "跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值"
    "仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤"
    "素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担"
    "州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控"
    "税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮"
    "露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县镇乡街厅署贯彻健措障扎稳绕康疗疫督估函遵附抄"
)
_COMMON_TRADITIONAL = (
    "並乾亂亞佔來個們備傳傷僅價優兒內兩別則剛創劃劉劍動務勝勞勢區協卻參員問喫單嗎嚴國圍圖團執堅報場塊壓壞夠夢媽學實審寫寶將專"
    "對導層屬島師帶幫幾廣廳張強彈後從徵徹惡愛態應懷戰戶採換揮擊擔據敗敵數斷於時書會東條業極構槍樂樓標樣樹機檢權歐歡歲歷殺氣決"
    "沒況減測準溫滿漢漸濟灣為無熱營爭爲爾狀獨獲現環產異當療發盡監眾確稅種稱積穩節範簡紀約紅納級細終組結絕給統經維網緊線編縣總"
    "織繞繼續羅羣義習聞聯聲職聽腦腳臉臨臺與興舉艦華萬藝藥蘇蘭處號衆術衛衝衞裏裝裡覆見規視親覺觀計討記設許訴評試話該認語誤說説"
    "誰調談請論講證識議護讀變讓負財貨貫責貴買費資質車軍較輕轉辦農這連進運過達遠適選還邊鄉醫釋銀錢錯鎮鐵長門開間關陣陳陸陽隊階"
    "際隨險雖雙雜離難雲電靈靜響項須預頓領頭題願類顧顯風飛養餘馬驗驚體鬥魚麗麼黃點黨龍"
)

_COMMON_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】—…·「」『』－～％　"
COMMON_CHARS = frozenset(_COMMON_SIMPLIFIED + _COMMON_TRADITIONAL + _COMMON_PUNCT)

_LEGACY_CODECS = ("gb18030", "big5", "cp950")
_BINARY_BYTES = frozenset(list(range(0x00, 0x09)) + list(range(0x0E, 0x1A)) + list(range(0x1C, 0x20)))
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BAD_CATEGORIES = frozenset({"Cc", "Cn", "Co", "Cs"})
_UNCERTAIN_SCORE = 0.3


def decode_bytes(data: bytes, *, source: str = "<bytes>") -> tuple[str, str, list[str]]:
    """Decode text bytes of unknown encoding; return (text, encoding name, Chinese warnings)."""
    if not data:
        return "", "utf-8", []
    for bom, name in _BOMS:
        if data.startswith(bom):
            decoded = _decode_all(data[len(bom):], name)
            if decoded[2] and name == "utf-8-sig":
                return _mislabelled_utf8(data[len(bom):], decoded)
            return decoded
    sample = data[:SAMPLE_BYTES]
    if 0 not in sample:
        utf8 = _decode_utf8(data, sample)
        if utf8 is not None:
            return utf8
    utf16 = _utf16_guess(sample, even_length=len(data) % 2 == 0)
    if utf16:
        return _decode_all(data, utf16)
    if _looks_binary(sample):
        raise ReadError(source, "不是文本文件（疑似二进制）")
    name, score = _best_codec(sample, allow_utf16=len(data) % 2 == 0)
    text, name, warnings = _decode_all(data, name)
    if score < _UNCERTAIN_SCORE:
        warnings.append(f"编码识别不确定（按 {name} 解码），可能有乱码")
    return text, name, warnings


def _mislabelled_utf8(data: bytes, as_utf8: tuple[str, str, list[str]]) -> tuple[str, str, list[str]]:
    """A UTF-8 BOM before bytes that are not UTF-8 (e.g. GBK saved by a tool that adds a BOM):
    keep the reading with fewer undecodable bytes, and say so."""
    name, _score = _best_codec(data[:SAMPLE_BYTES], allow_utf16=False)
    if name == "utf-8":
        return as_utf8
    text, name, warnings = _decode_all(data, name)
    if text.count("\ufffd") >= as_utf8[0].count("\ufffd"):
        return as_utf8
    return text, name, [f"文件开头标为 UTF-8（BOM），但内容不是 UTF-8，已按 {name} 解码", *warnings]


def plausibility(text: str) -> float:
    """Score in [-2, 1] of how much `text` looks like real Chinese/ASCII text (higher is better)."""
    total = 0
    score = 0.0
    for ch, n in Counter(text).items():
        if ch.isspace():
            continue
        total += n
        score += n * _char_weight(ch)
    return score / total if total else 0.0


def _char_weight(ch: str) -> float:
    """Weight of one character: common CJK 1, ASCII 0.6, rare 0, impossible/garbage -2."""
    if ch in COMMON_CHARS:
        return 1.0
    if ch == "\ufffd":
        return -2.0
    if " " < ch < "\x7f":
        return 0.6
    if unicodedata.category(ch) in _BAD_CATEGORIES:
        return -2.0
    return 0.0


def _decode_utf8(data: bytes, sample: bytes) -> tuple[str, str, list[str]] | None:
    """Strict UTF-8, unless a short text reads far better as GBK/Big5 (the "联通" trap)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.isascii():
        if len(data) % 2 == 0 and _ASCII_CONTROL.search(text):
            return None  # C0 controls in "ASCII": likely BOM-less UTF-16 (、 is 01 30); let UTF-16 try
        return text, "utf-8", []
    utf8_score = plausibility(text[:SAMPLE_BYTES])
    if utf8_score < 0.6:  # below an all-ASCII text: worth comparing with other readings
        name, score = _best_codec(sample, allow_utf16=len(data) % 2 == 0)
        if name != "utf-8" and score >= utf8_score + 0.4:
            return _decode_all(data, name)
    return text, "utf-8", []


def _decode_all(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """Decode with `name` strictly, else with replacement characters and a warning."""
    try:
        return data.decode(name), name, []
    except UnicodeDecodeError:
        text = data.decode(name, errors="replace")
        count = text.count("\ufffd")
        return text, name, [f"有 {count} 处字节无法按 {name} 解码，已替换为 �"]


def _decode_sample(sample: bytes, name: str) -> str:
    """Decode a prefix strictly (a cut multi-byte char at the end is ignored); may raise."""
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    return decoder.decode(sample, final=False)


def _sample_score(sample: bytes, name: str) -> float:
    """Plausibility of a prefix decoded with `name`; strict failures pay for each bad byte."""
    try:
        return plausibility(_decode_sample(sample, name))
    except UnicodeDecodeError:
        decoder = codecs.getincrementaldecoder(name)(errors="replace")
        return plausibility(decoder.decode(sample, final=False)) - 0.05
    except LookupError:
        return -3.0


def _utf16_guess(sample: bytes, *, even_length: bool) -> str | None:
    """Return utf-16-le/-be when the bytes read as plausible UTF-16 text (BOM-less)."""
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if not even_length and even_nuls + odd_nuls < len(sample) // 20:
        return None
    order = ("utf-16-be", "utf-16-le") if even_nuls > odd_nuls else ("utf-16-le", "utf-16-be")
    for name in order:
        try:
            text = _decode_sample(sample, name)
        except UnicodeDecodeError:
            continue
        if plausibility(text) >= 0.5:
            return name
    return None


def _looks_binary(sample: bytes) -> bool:
    """True when NUL / C0 control bytes make up more than 1% of the bytes."""
    bad = sum(sample.count(b) for b in _BINARY_BYTES)
    return bad > max(1, len(sample) // 100)


def _best_codec(sample: bytes, *, allow_utf16: bool) -> tuple[str, float]:
    """Pick the most plausible codec among UTF-8, GB18030, Big5, UTF-16 and charset-normalizer."""
    names = ["utf-8", *_LEGACY_CODECS]
    if allow_utf16:
        names += ["utf-16-le", "utf-16-be"]
    scored = [(_sample_score(sample, n), -i, n) for i, n in enumerate(names)]
    best_score, _, best = max(scored)
    if best_score < 0.5:
        guess = _charset_normalizer_guess(sample)
        if guess and guess not in names:
            guess_score = _sample_score(sample, guess)
            if guess_score > best_score + 0.1:
                return guess, guess_score
    return best, best_score


def _charset_normalizer_guess(sample: bytes) -> str | None:
    """charset-normalizer's best guess for non-Chinese legacy encodings (e.g. cp1252)."""
    from charset_normalizer import from_bytes

    match = from_bytes(sample).best()
    return match.encoding if match else None
