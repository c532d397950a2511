"""compose() end to end on a small real index (bundled corpus files, the real embedding model)."""

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.compose import TemplateError, compose, load_templates, unmarked_digits
from assistant.compose.composer import Candidate, _Run
from assistant.compose.slots import MARK_RE
from assistant.config import Settings
from assistant.ingest.roles import ROLES
from assistant.models import Hit
from assistant.search.engine import open_index
from assistant.search.ingest import ingest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
POLICIES = [
    "国务院关于促进光伏产业健康发展的若干意见.txt", "国务院关于促进煤炭工业健康发展的若干意见.txt",
    "关于统筹和加强应对气候变化与生态环境保护相关工作的指导意见.txt", "关于进一步加强生态环境“双随机、一公开”监管工作的指导意见.txt",
    "国务院办公厅关于促进煤炭行业平稳运行的意见.txt", "国务院办公厅关于确保居民生活用电和正常发用电秩序的紧急通知.txt",
    "国务院办公厅关于深化地质勘查队伍改革有关问题的通知_GOV_PRC-19.txt",
    "国务院办公厅关于深化地质勘查队伍改革有关问题的通知_GOV_PRC-20.txt",  # an exact duplicate of -19
    "国务院关于印发电力体制改革方案的通知.txt", "关于2020年全国生态环境“双随机、一公开”监管工作情况的通报.txt",
    "国务院批转地质部关于切实保障野外地质工作条件的报告.txt",
]
REPORTS = ["gov_work_reports/2023年中华人民共和国国务院政府工作报告.txt",
           "gov_work_reports/2024年中华人民共和国国务院政府工作报告.txt",
           "provincial_reports/2026_北京市_政府工作报告.txt", "provincial_reports/2026_浙江省_政府工作报告.txt",
           "laws/政府信息公开条例(2019-04-03).md"]
ORG, YEAR = "某县卫生健康局", 2026


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    files = [CORPUS / "seeds", *(CORPUS / "policies" / name for name in POLICIES), *(CORPUS / r for r in REPORTS)]
    assert 5 + len(files) - 1 <= 30
    settings = Settings(index_dir=tmp_path_factory.mktemp("compose") / "index")
    report = ingest(files, settings)
    assert not report.failed
    return open_index(settings.index_dir, settings)


@pytest.fixture(scope="module")
def templates():
    return load_templates(None)


@pytest.fixture(scope="module")
def outlines(index, templates):
    return {
        "工作总结": compose(index, templates, "工作总结", "卫生系统行风建设", ORG, YEAR, keywords=["优质服务"]),
        "实施方案": compose(index, templates, "实施方案", "优化卫生发展环境", ORG, YEAR),
        "请示": compose(index, templates, "请示", "设立政务公开专栏", ORG, YEAR, date="2026-03-01"),
    }


def drafts(outline, alternatives=True, near_misses=False):
    """Every DraftParagraph of an outline (opening, sections and sub-sections, alternatives, closing;
    with `near_misses`, the near misses offered beside a gap too)."""
    out = list(outline.opening) + list(outline.closing)
    stack = list(outline.sections)
    while stack:
        section = stack.pop()
        out += section.paragraphs
        if alternatives:
            out += [p for alts in section.alternatives for p in alts]
        if near_misses:
            out += section.near_misses
        stack += section.subsections
    return out


def doctype_of(index, doc_id):
    return index.backend.sql("SELECT doctype FROM documents WHERE doc_id = ?", (doc_id,))[0][0]


@pytest.mark.parametrize("name,template_name", [("工作总结", "工作总结"), ("实施方案", "工作方案"), ("请示", "请示")])
def test_sections_follow_template_order(outlines, templates, name, template_name):
    outline, template = outlines[name], templates[template_name]
    assert [s.heading for s in outline.sections] == [t.heading.format(topic=outline.topic) for t in template.sections]
    for section, spec in zip(outline.sections, template.sections):
        assert section.roles == spec.roles and section.level == 1
        if spec.subheadings and section.subsections:  # （一）（二） headed by precedent sub-headings
            assert len(section.subsections) <= spec.subheadings and not section.paragraphs
            assert all(s.heading_source and s.level == 2 and s.heading for s in section.subsections)
            assert sum(len(s.paragraphs) for s in section.subsections) <= max(spec.paragraphs, spec.subheadings)
        else:
            assert [s.heading for s in section.subsections] == [s.heading for s in spec.subsections]
            assert len(section.paragraphs) <= max(spec.paragraphs, spec.subheadings)
        for s in (section, *section.subsections):
            assert len(s.alternatives) == len(s.paragraphs)
            assert all(len(alts) <= 3 for alts in s.alternatives)


@pytest.mark.parametrize("name", ["工作总结", "实施方案", "请示"])
def test_no_paragraph_used_twice(index, outlines, name):
    used = [p for p in drafts(outlines[name]) if p.source]
    ids = [p.source.para_id for p in used]
    assert len(ids) == len(set(ids))
    texts = [re.sub(r"\s+", "", p.precedent) for p in used]
    assert len(texts) == len(set(texts))  # the duplicate 通知 files never both appear
    groups = []
    for p in used:
        doc_id, idx = p.source.para_id.rsplit("#", 1)
        row = index.backend.sql("SELECT p.near_dup FROM paragraphs p JOIN documents d ON d.id = p.doc "
                        "WHERE d.doc_id = ? AND p.idx = ?", (doc_id, int(idx)))
        if row and row[0][0]:
            groups.append(row[0][0])
    assert len(groups) == len(set(groups))


@pytest.mark.parametrize("name", ["工作总结", "实施方案", "请示"])
def test_every_reused_paragraph_has_a_source(index, outlines, templates, name):
    outline = outlines[name]
    fixed = {t for tpl in templates.values() for t in (tpl.opening.lead, tpl.opening.text, tpl.closing.text) if t}
    for p in drafts(outline):
        assert p.text.strip()
        if p.source is None:
            assert p.text in fixed and not p.precedent  # template wording, not a precedent
        else:
            doc_id, idx = p.source.para_id.rsplit("#", 1)
            assert p.source.doc_id == doc_id and p.source.title and Path(p.source.source).exists()
            assert p.source.relpath and not Path(p.source.relpath).is_absolute()
            assert (CORPUS / p.source.relpath).resolve() == Path(p.source.source).resolve()
            stored = index.backend.sql("SELECT p.text FROM paragraphs p JOIN documents d ON d.id = p.doc "
                               "WHERE d.doc_id = ? AND p.idx = ?", (doc_id, int(idx)))
            assert stored and p.precedent


def test_request_ends_with_its_formula(outlines):
    outline = outlines["请示"]
    assert outline.closing[-1].text == "妥否，请批示。" and outline.closing[-1].source is None
    assert outline.addressee == "（主送机关）" and outline.date == "2026-03-01"
    assert outline.title == "某县卫生健康局关于设立政务公开专栏的请示"


@pytest.mark.parametrize("name", ["工作总结", "实施方案", "请示"])
def test_no_unmarked_source_numbers(outlines, name):
    for p in drafts(outlines[name]):
        assert unmarked_digits(p.text, YEAR) == [], p.text
        plain = MARK_RE.sub("", p.text)
        assert "某市卫生局" not in plain and "2010年" not in plain  # the seed's org and year were adapted


def test_same_doctype_is_preferred(index, outlines):
    outline = outlines["工作总结"]
    chosen = [p for p in drafts(outline, alternatives=False) if p.source]
    kinds = Counter(doctype_of(index, p.source.doc_id) for p in chosen)
    # a preference among about equally topical candidates (choice.py), not a quota: 总结 paragraphs are
    # the largest share, not necessarily the majority (more topical 意见 paragraphs win where they exist)
    assert chosen and kinds.most_common(1)[0][0] == "总结" and kinds["总结"] > max((n for k, n in kinds.items() if k != "总结"), default=0)
    assert doctype_of(index, outline.opening[0].source.doc_id) == "总结"


@pytest.mark.parametrize("name", ["工作总结", "实施方案"])
def test_outlines_draw_on_several_documents(outlines, name):
    docs = [p.source.doc_id for p in drafts(outlines[name], alternatives=False) if p.source]
    assert len(docs) >= 4 and len(set(docs)) >= 2


def test_a_document_already_used_in_the_section_is_penalised(templates):
    def candidate(doc, n, value):
        hit = Hit(doc_id=doc, para_id=f"{doc}#{n}", score=value, title=doc, heading_path=(), role="主要做法",
                  text=f"{doc}第{n}段", original="", source="")
        return Candidate(hit, value, f"g-{doc}-{n}")

    run = _Run(None, templates["工作总结"], "行风建设", (), ORG, YEAR, 0)
    pool = [candidate("甲", 1, 0.9), candidate("甲", 2, 0.8), candidate("乙", 1, 0.7)]
    counts = Counter()
    picked = [run.take(pool, counts, count=True).hit.para_id for _ in range(3)]
    assert picked == ["甲#1", "乙#1", "甲#2"]  # 0.8 − 0.25 < 0.7 − 0.05·0
    assert run.take(pool, counts, count=True) is None  # nothing is handed out twice


def test_summary_outline_reads_like_a_summary(outlines):
    outline = outlines["工作总结"]
    assert outline.title == "某县卫生健康局2026年卫生系统行风建设工作总结"
    assert outline.doctype == "工作总结" and outline.date == dt.date.today().isoformat()
    assert outline.keywords == ("优质服务",)
    assert outline.opening[-1].text.endswith("如下：")
    first = outline.sections[0]
    assert first.subsections and all(s.paragraphs for s in first.subsections), "主要做法和成效 has （一）（二）"


def test_alias_names_the_document(outlines):
    outline = outlines["实施方案"]
    assert outline.doctype == "实施方案" and outline.title == "某县卫生健康局优化卫生发展环境实施方案"


def test_empty_section_is_kept(index, templates, tmp_path):
    present = {r[0] for r in index.backend.sql("SELECT DISTINCT role FROM paragraphs WHERE row IS NOT NULL")}
    absent = [r for r in ROLES if r not in present]
    if not absent:
        pytest.skip("every role occurs in the test index")
    (tmp_path / "t.yaml").write_text(
        f"doctype: 测试\ntitle: 关于{{topic}}\nsections:\n  - heading: 有\n    roles: [主要做法]\n"
        f"  - heading: 无\n    roles: [{absent[0]}]\n    paragraphs: 2\n", encoding="utf-8")
    outline = compose(index, load_templates(tmp_path), "测试", "行风建设", ORG, YEAR, alternatives=0)
    assert [s.heading for s in outline.sections] == ["有", "无"]
    assert outline.sections[0].paragraphs and outline.sections[0].alternatives == ((),)
    assert outline.sections[1].paragraphs == () and outline.sections[1].alternatives == ()
    assert outline.sections[1].gap and not outline.sections[0].gap


def test_unknown_doctype(index, templates):
    with pytest.raises(TemplateError, match="没有“会议纪要”的模板"):
        compose(index, templates, "会议纪要", "行风建设", ORG, YEAR)


def test_compose_cli_writes_docx_json_and_separate_sources(index, tmp_path, capsys):
    from docx import Document as Docx

    from assistant.cli import main

    out = tmp_path / "草稿" / "总结.docx"
    args = ["compose", "--doctype", "工作总结", "--topic", "卫生系统行风建设", "--org", ORG, "--year", str(YEAR),
            "--index", str(index.gen.parent)]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{ORG}2026年卫生系统行风建设工作总结" in printed and str(out) in printed
    texts = [p.text for p in Docx(str(out)).paragraphs]
    assert any("卫生系统行风建设工作总结" in t for t in texts)
    assert any("素材来源" in t for t in texts)  # appendix by default

    md = tmp_path / "总结.md"
    assert main([*args, "--out", str(md), "--sources", "separate", "--keywords", "优质服务,医德医风"]) == 0
    assert "素材来源" not in md.read_text(encoding="utf-8")
    assert "素材来源" in (tmp_path / "总结_素材来源.md").read_text(encoding="utf-8")

    js = tmp_path / "总结.json"
    assert main([*args, "--out", str(js)]) == 0
    import json
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["doctype"] == "工作总结" and data["sections"]
    drafted = [p for s in data["sections"] for sub in (s, *s["subsections"]) for p in sub["paragraphs"]]
    assert drafted and all(p["source"] and p["source"]["doc_id"] for p in drafted)


def test_compose_cli_errors_are_one_line(index, tmp_path, capsys):
    from assistant.cli import main

    base = ["compose", "--topic", "x", "--index", str(index.gen.parent)]
    assert main([*base, "--doctype", "公告"]) == 1
    assert "没有“公告”的模板" in capsys.readouterr().err
    assert main([*base, "--doctype", "通知", "--out", str(tmp_path / "a.pdf")]) == 1
    assert "不支持的输出格式" in capsys.readouterr().err
    assert main(["compose", "--doctype", "通知", "--topic", "x", "--index", str(tmp_path / "none")]) == 1
    assert "还没有索引" in capsys.readouterr().err


def test_reused_text_is_about_the_users_topic(index, outlines):
    """No reused paragraph (alternatives included) still names its precedent's own topic or campaigns."""
    from assistant.compose.precedents import Precedents
    from assistant.compose.topics import still_names, user_topic

    precedents = Precedents(index)
    for outline in outlines.values():
        for p in drafts(outline):
            if p.source:
                hit = Hit(doc_id=p.source.doc_id, para_id=p.source.para_id, score=0, title=p.source.title,
                          heading_path=(), role="", text=p.precedent, original="", source=p.source.source)
                assert not still_names(p.text, precedents.info(hit).topic, user_topic(outline.topic)), p.text
    texts = " ".join(p.text for p in drafts(outlines["工作总结"]))
    assert "软环境建设" not in MARK_RE.sub("", texts) and "整顿年" not in MARK_RE.sub("", texts)


def test_sub_headings_come_from_precedents_and_are_adapted(outlines):
    subs = [s for s in outlines["工作总结"].sections[0].subsections]
    assert len(subs) >= 2 and len({s.heading for s in subs}) == len(subs)
    for s in subs:
        assert s.heading_source.title and s.heading_source.heading_path
        assert unmarked_digits(s.heading, YEAR) == [] and not s.heading.startswith(("（", "一、"))


def test_a_thin_section_says_so_with_guidance(index, templates, tmp_path):
    (tmp_path / "t.yaml").write_text(
        "doctype: 测试\ntitle: 关于{topic}\nsections:\n  - heading: 问题\n    roles: [存在问题]\n    paragraphs: 6\n"
        "    guidance: [写两三条主要问题, 问题与措施对应]\n", encoding="utf-8")
    outline = compose(index, load_templates(tmp_path), "测试", "卫生系统行风建设", ORG, YEAR, alternatives=0)
    section = outline.sections[0]
    assert len(section.paragraphs) < 6 and section.gap and section.guidance == ("写两三条主要问题", "问题与措施对应")
    ids = [p.source.para_id for p in (*section.paragraphs, *section.near_misses)]
    assert len(ids) == len(set(ids))  # a near miss is never also in the text


def test_chosen_paragraphs_are_at_least_as_topical_as_their_alternatives(index, outlines):
    """Topic first (compose/choice.py): preferences pick among near-equals only, so what the outline
    uses is on average no less about the topic than what it offers as alternatives."""
    import numpy as np

    for name in ("工作总结", "实施方案"):
        outline = outlines[name]
        query = np.asarray(index.embedder.encode_query(" ".join((outline.topic, *outline.keywords)))).ravel()
        chosen, alternatives = [], []
        stack = list(outline.sections)
        while stack:
            section = stack.pop()
            stack += section.subsections
            chosen += [p.precedent for p in section.paragraphs]
            alternatives += [p.precedent for alts in section.alternatives for p in alts]
        assert chosen and alternatives
        cos = lambda texts: float(np.mean(np.asarray(index.embedder.encode(texts)) @ query))  # noqa: E731
        assert cos(chosen) >= cos(alternatives) - 0.005, name


def test_alternatives_never_take_what_a_later_section_drafts_with(index, templates, outlines):
    """Every part of the outline is drafted before any alternatives are chosen: asking for
    alternatives changes none of the drafted paragraphs or sub-headings. (Before, the alternatives of
    the first （一） sub-section took the most topical remaining paragraphs of its roles, and the later
    sub-sections and sections drafted with less topical ones.)"""
    for name in ("工作总结", "实施方案"):
        outline = outlines[name]
        bare = compose(index, templates, name, outline.topic, ORG, YEAR, keywords=list(outline.keywords),
                       alternatives=0)

        def used(o):
            stack, out = list(o.sections), [p.source.para_id for p in (*o.opening, *o.closing) if p.source]
            while stack:
                section = stack.pop(0)
                out += [section.heading_source.para_id if section.heading_source else section.heading]
                out += [p.source.para_id for p in section.paragraphs]
                stack = list(section.subsections) + stack
            return out

        assert used(bare) == used(outline), name
        assert any(alts for s in outline.sections for x in (s, *s.subsections) for alts in x.alternatives)


def test_statute_provisions_are_cited_not_reused(index, templates, outlines):
    """A 条例's articles are what plain search ranks first for its own subject, but a 方案 or 报告 does
    not copy them: no drafted paragraph, alternative or near miss is a provision (passages.is_provision)."""
    from assistant.compose.passages import is_provision

    topic = "政府信息公开"
    assert any(is_provision(h.text, h.doctype) for h in index.search(topic, k=5))  # what the check is against
    made = {name: compose(index, templates, name, topic, ORG, YEAR) for name in ("工作方案", "工作报告")}
    for outline in (*made.values(), *outlines.values()):
        for p in drafts(outline, near_misses=True):
            if p.source:
                assert not is_provision(p.precedent, doctype_of(index, p.source.doc_id)), (outline.doctype, p.text)
    assert any(p.source for p in drafts(made["工作方案"], alternatives=False))  # the plan still drew on precedent


def test_provision_check():
    from assistant.compose.passages import is_provision

    assert is_provision("第五条 职工新进用人单位的，当年度年休假天数按剩余日历天数折算。", "办法")
    assert is_provision("第四十八条 政府信息公开工作主管部门应当定期进行培训。", "通知")  # an article wherever it stands
    assert is_provision("（一）办理本行政机关的政府信息公开事宜；", "条例")
    assert not is_provision("第一，坚持稳中求进工作总基调。", "报告")
    assert not is_provision("全面推进政务公开，提高政府透明度。", "报告")


def test_salutation_check():
    from assistant.compose.passages import strip_salutation

    assert strip_salutation("各位代表！新征程充满光荣和梦想。") == "新征程充满光荣和梦想。"
    assert strip_salutation("同志们、朋友们：让我们携起手来。") == "让我们携起手来。"
    assert strip_salutation("同志们要认清形势。") == "同志们要认清形势。"  # the subject of a sentence stays
    assert strip_salutation("各位代表！") == "各位代表！"  # nothing else to keep


def test_only_a_speech_keeps_the_address_to_the_audience(index, templates):
    """A 政府工作报告's closing (各位代表！…) may close a 总结, without the address to the deputies."""
    hits = index.search("各位代表 让我们 奋斗", k=40)
    assert any(h.text.startswith("各位代表") for h in hits)  # the index has such paragraphs
    summary = compose(index, templates, "工作总结", "政府自身建设", ORG, YEAR, alternatives=3)
    speech = compose(index, templates, "讲话稿", "政府自身建设", ORG, YEAR, alternatives=3)
    assert not any(p.text.startswith(("各位代表", "同志们")) for p in drafts(summary))
    kept = [p for p in drafts(speech) if p.precedent.startswith("各位代表")]
    assert all(p.text.startswith("各位代表") for p in kept)
