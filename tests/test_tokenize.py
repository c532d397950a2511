"""Tokenizer: 公文 dictionary, user dictionaries, stopwords, bigrams, term mining (real report text)."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import pytest
from hypothesis import given, strategies as st

from assistant.search.tokenize import Tokenizer, char_bigrams, mine_terms, normalize

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPORTS = SHARED / "data" / "corpora" / "gov_work_reports_wikisource" / "government_work_reports.jsonl"


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def report_texts() -> list[str]:
    lines = REPORTS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["content"] for line in lines[:12]]  # 2025 back to 2019


@pytest.mark.parametrize("sentence, term", [
    ("深入开展“三好一满意”活动，加强医德医风建设", "三好一满意"),
    ("深入推进放管服改革，持续优化营商环境", "放管服改革"),
    ("加强医德医风建设", "医德医风"),
    ("因地制宜发展新质生产力", "新质生产力"),
    ("全面落实河长制，推行双随机一公开监管", "双随机一公开"),
    ("公文的发文字号由发文机关代字、年份和序号组成", "发文字号"),
])
def test_dictionary_terms_stay_whole(tokenizer, sentence, term):
    assert term in tokenizer.words(sentence)


def test_compound_terms_also_emit_their_parts(tokenizer):
    words = tokenizer.words("深入推进放管服改革，严格落实中央八项规定精神")
    assert {"放管服改革", "放管服", "中央八项规定精神", "八项规定"} <= set(words)


def test_stopwords_and_punctuation_removed_content_words_kept(tokenizer):
    words = tokenizer.words("进一步加强和改进机关作风建设，推进“放管服”改革。 \n 的")
    assert not {"的", "和", "进一步", "，", "。", "“", " ", "\n"} & set(words)
    assert {"加强", "改进", "推进", "机关作风", "建设"} <= set(words)


def test_fullwidth_and_ascii_normalised(tokenizer):
    words = tokenizer.words("２０２５年ＧＤＰ增长5.2%，Ｗｉ－Ｆｉ")
    assert "2025" in words and "gdp" in words
    assert all(w == w.lower() for w in words)
    assert normalize("ＡＢｃ１２") == "abc12"


def test_user_dictionary_adds_term_and_changes_name(tmp_path, tokenizer):
    term = "首诊负责制"
    assert term not in tokenizer.words(f"严格执行{term}和查对制度")
    path = tmp_path / "user.txt"
    path.write_text(f"# 科室术语\n{term}\n查对制度 50000 n\n", encoding="utf-8")
    custom = Tokenizer([path])
    assert term in custom.words(f"严格执行{term}和查对制度")
    assert "查对制度" in custom.words(f"严格执行{term}和查对制度")
    assert custom.name != tokenizer.name


def test_user_dictionary_in_gb18030(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("首诊负责制\r\n".encode("gb18030"))
    assert "首诊负责制" in Tokenizer([path]).words("落实首诊负责制")


def test_missing_user_dictionary_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="用户词典"):
        Tokenizer([tmp_path / "absent.txt"])


def test_name_fingerprints_dictionaries(tokenizer):
    assert re.fullmatch(r"jieba-gongwen-v1\+[0-9a-f]{8}", tokenizer.name)
    assert Tokenizer().name == tokenizer.name
    assert Tokenizer(extra_terms=["首诊负责制"]).name != tokenizer.name
    assert Tokenizer(extra_terms=["甲乙", "丙丁"]).name == Tokenizer(extra_terms=["丙丁", "甲乙", "甲乙"]).name


def test_extra_terms_are_kept_whole():
    assert "首诊负责制" in Tokenizer(extra_terms=["首诊负责制"]).words("落实首诊负责制")


def test_own_jieba_instance_leaves_global_jieba_alone(tokenizer):
    tokenizer.words("三好一满意")
    assert "三好一满意" not in jieba.dt.FREQ


def test_initialisation_is_lazy_and_silent(capfd):
    fresh = Tokenizer()
    assert fresh._jieba is None
    fresh.words("放管服")
    assert capfd.readouterr().err == ""


def test_lazy_initialisation_is_thread_safe():
    fresh = Tokenizer()
    texts = ["深入推进放管服改革，持续优化营商环境"] * 8
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fresh.words, texts))
    assert all(r == results[0] for r in results) and "放管服改革" in results[0]


def test_words_on_real_report_text(tokenizer, report_texts):
    words = tokenizer.words(report_texts[-1][:3000])
    assert len(words) > 300
    assert all(w.strip() and re.search(r"[^\W_]", w) for w in words)


@pytest.mark.parametrize("text, expected", [
    ("加强医德医风建设", ["加强", "强医", "医德", "德医", "医风", "风建", "建设"]),
    ("中", ["中"]),
    ("2025年GDP增长", ["2025", "年", "gdp", "增长"]),
    ("国办发〔2023〕12号", ["国办", "办发", "2023", "12", "号"]),
    ("推进，落实。 好", ["推进", "落实", "好"]),
    ("２０２５年ＧＤＰ", ["2025", "年", "gdp"]),
    ("", []),
])
def test_char_bigrams(text, expected):
    assert char_bigrams(text) == expected


@given(st.text(alphabet=st.sampled_from("医德风建设放管服，。 ab12"), max_size=40))
def test_char_bigrams_rebuild_cjk_runs(text):
    runs = re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", text)
    rebuilt, tokens = [], iter(char_bigrams(text))
    for run in runs:
        if len(run) == 1 or run.isascii():
            rebuilt.append(next(tokens))
        else:
            grams = [next(tokens) for _ in range(len(run) - 1)]
            assert all(len(g) == 2 for g in grams)
            rebuilt.append(grams[0][0] + "".join(g[1] for g in grams))
    assert rebuilt == runs and next(tokens, None) is None


def test_mine_terms_finds_quoted_slogans(report_texts):
    terms = mine_terms(report_texts)
    assert {"放管服", "四个意识", "两个维护"} <= set(terms)
    assert terms == sorted(set(terms))


def test_mine_terms_organisations_need_repetition():
    texts = ["根据市卫生健康委员会的通知，开展专项检查。", "由市卫生健康委员会牵头，各区配合。",
             "区卫生健康委员会印发实施方案。", "请县人民政府办公室协调。", "经县人民政府办公室同意。",
             "省林业和草原局召开会议。", "构建新发展格局。", "加快构建新发展格局。"]
    terms = set(mine_terms(texts))
    assert {"市卫生健康委员会", "县人民政府办公室"} <= terms
    assert "省林业和草原局" not in terms  # seen once
    assert "新发展格局" not in terms and "卫生健康委员会" not in terms  # no level/place at the start
    assert "省林业和草原局" in mine_terms(texts, min_count=1)


def test_mine_terms_ignores_exact_duplicate_texts():
    assert mine_terms(["。区市场监督管理局负责"] * 5) == []


def test_mine_terms_never_cuts_a_place_name():
    texts = ["洛阳市人民政府办公室印发", "召开洛阳市人民政府常务会议", "信阳市人民政府：", "关于信阳市人民政府的批复"]
    terms = set(mine_terms(texts))
    assert {"洛阳市人民政府", "信阳市人民政府"} <= terms and "阳市人民政府" not in terms
