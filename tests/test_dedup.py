"""Exact and near-duplicate detection (assistant.ingest.dedup)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from datasketch import MinHash

from assistant.ingest.dedup import (
    DupGroup,
    canonical_text,
    find_duplicate_documents,
    format_groups,
    minhash,
    near_duplicate_paragraphs,
    shingles,
)

REPORTS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/corpora/gov_work_reports_wikisource/government_work_reports.jsonl"
)


def _reports() -> dict[str, str]:
    if not REPORTS.exists():
        pytest.skip(f"corpus not available: {REPORTS}")
    rows = [json.loads(line) for line in REPORTS.read_text(encoding="utf-8").splitlines()]
    return {row["title"]: row["content"] for row in rows}


@pytest.fixture(scope="module")
def report_2025() -> str:
    return _reports()["2025年中华人民共和国国务院政府工作报告"]


@pytest.fixture(scope="module")
def report_2024() -> str:
    return _reports()["2024年中华人民共和国国务院政府工作报告"]


def _edit_words(text: str, fraction: float, span: int = 3, seed: int = 0) -> str:
    """Replace `fraction` of the characters, `span` consecutive characters at a time
    (a changed place name, date or figure), deterministically."""
    rng = random.Random(seed)
    chars = list(text)
    for _ in range(int(len(chars) * fraction) // span):
        start = rng.randrange(len(chars) - span)
        for i in range(start, start + span):
            chars[i] = chr(0x4E00 + rng.randrange(20000))
    return "".join(chars)


CHROME_TOP = "首页 > 政务公开 > 政策文件\n下载 打印 全屏 收藏 【字号：加大 还原 减小】\n来源：某某网 发布时间：2025-03-12\n"
CHROME_BOTTOM = "\n扫一扫在手机打开当前页\n分享到：微信 微博\n【关闭窗口】【打印本页】"


# ---------------------------------------------------------------- shingles / minhash


def test_shingles_ignore_whitespace_and_punctuation():
    assert shingles("一、总体 要求。") == {"一总体", "总体要", "体要求"}
    assert shingles("加强，管理") == shingles("加强 管理")
    assert shingles("ab") == {"ab"}  # shorter than k: the whole text
    assert shingles(" ，。 ") == set()


def test_canonical_text_unifies_full_and_half_width():
    assert canonical_text("ＡＢＣ１２３（试行）") == canonical_text("abc123(试行)") == "abc123试行"


def test_minhash_estimates_jaccard(report_2025):
    edited = _edit_words(report_2025, 0.05)
    a, b = shingles(report_2025), shingles(edited)
    true_jaccard = len(a & b) / len(a | b)
    m1, m2 = minhash(report_2025), minhash(edited)
    assert isinstance(m1, MinHash) and m1.num_perm == 128
    assert abs(m1.jaccard(m2) - true_jaccard) < 0.1


# ---------------------------------------------------------------- documents


def test_exact_copies_grouped(report_2025, report_2024):
    spaced = report_2025.replace("。", "。 ").replace("\n", "\n\n")  # whitespace only differs
    docs = [("a", report_2025), ("other", report_2024), ("b", report_2025), ("c", spaced)]
    groups = find_duplicate_documents(docs)
    assert len(groups) == 1
    group = groups[0]
    assert group.kind == "exact"
    assert set(group.members) == {"a", "b", "c"}
    assert group.members[0] == "a"  # equal length: first seen is the representative
    assert group.similarity == 1.0
    assert group.group_id.startswith("dup-")


def test_near_copy_with_chrome_and_edits_grouped(report_2025, report_2024):
    copy = CHROME_TOP + _edit_words(report_2025, 0.05) + CHROME_BOTTOM
    docs = [("orig", report_2025), ("unrelated", report_2024), ("web-copy", copy)]
    groups = find_duplicate_documents(docs, threshold=0.8)
    assert len(groups) == 1
    group = groups[0]
    assert group.kind == "near"
    assert set(group.members) == {"orig", "web-copy"}
    assert 0.8 <= group.similarity < 1.0


def test_representative_is_longest(report_2025):
    longer = report_2025 + "\n附件：有关情况说明"
    groups = find_duplicate_documents([("short", report_2025), ("long", longer)])
    assert groups[0].members == ("long", "short")
    assert groups[0].kind == "near"


def test_unrelated_government_texts_not_grouped(report_2025, report_2024):
    assert find_duplicate_documents([("2025", report_2025), ("2024", report_2024)]) == []


def test_group_ids_deterministic(report_2025, report_2024):
    copy = CHROME_TOP + report_2025
    docs = [("x", report_2025), ("y", report_2024), ("z", copy), ("w", report_2024)]
    first = find_duplicate_documents(docs)
    assert find_duplicate_documents(docs) == first
    shuffled = find_duplicate_documents(list(reversed(docs)))
    assert {g.group_id for g in shuffled} == {g.group_id for g in first}
    assert {g.group_id: set(g.members) for g in shuffled} == {
        g.group_id: set(g.members) for g in first
    }


def _random_text(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(n))


def test_groups_are_transitive():
    a = _random_text(3000, seed=1)
    b = _random_text(300, seed=2) + a[300:]
    c = b[:300] + _random_text(300, seed=3) + b[600:]
    assert minhash(a).jaccard(minhash(c)) < 0.75  # a and c are only linked through b
    groups = find_duplicate_documents([("a", a), ("b", b), ("c", c)], threshold=0.75)
    assert len(groups) == 1 and set(groups[0].members) == {"a", "b", "c"}
    assert groups[0].similarity < 0.75  # min similarity to the representative


def test_empty_inputs():
    assert find_duplicate_documents([]) == []
    assert near_duplicate_paragraphs([]) == {}
    # texts with nothing left after normalisation are never grouped
    assert find_duplicate_documents([("a", ""), ("b", " 。，"), ("c", "")]) == []


def test_duplicate_ids_rejected():
    with pytest.raises(ValueError):
        find_duplicate_documents([("a", "文本一"), ("a", "文本二")])


# ---------------------------------------------------------------- paragraphs


def test_paragraph_groups_with_keys(report_2025):
    paras = [p for p in report_2025.split("\n") if len(p) > 80][:30]
    items = [(f"orig#{i}", p) for i, p in enumerate(paras)]
    items.append(("copy#0", paras[3]))  # exact copy
    items.append(("copy#1", "　　" + _edit_words(paras[7], 0.05, seed=1)))  # near copy
    groups = near_duplicate_paragraphs(items)
    assert set(groups) == {"orig#3", "copy#0", "orig#7", "copy#1"}
    assert groups["orig#3"] == groups["copy#0"]
    assert groups["orig#7"] == groups["copy#1"]
    assert groups["orig#3"] != groups["orig#7"]
    assert all(gid.startswith("para-") for gid in groups.values())
    assert near_duplicate_paragraphs(list(reversed(items))) == groups


def test_short_paragraphs_grouped_only_when_equal():
    items = [
        ("a", "本条例自公布之日起施行。"),
        ("b", "本条例自公布之日起施行"),  # equal after punctuation removal
        ("c", "本办法自公布之日起施行。"),  # one character differs, short: not grouped
    ]
    groups = near_duplicate_paragraphs(items, min_chars=20)
    assert set(groups) == {"a", "b"}


# ---------------------------------------------------------------- report


def test_format_groups_in_chinese():
    groups = [
        DupGroup("dup-1", ("a", "b", "c"), "exact", 1.0),
        DupGroup("dup-2", ("d", "e"), "near", 0.86),
    ]
    text = format_groups(groups, {"a": "关于做好防汛工作的通知", "d": "工作总结"})
    assert "重复组 1（完全相同，3 篇）：" in text
    assert "重复组 2（近似重复，最低相似度 0.86，2 篇）：" in text
    assert "关于做好防汛工作的通知（a）" in text
    assert "（无标题）（b）" in text
    assert format_groups([], {}) == "未发现重复文档。"
