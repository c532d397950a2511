"""The UI's pure parts: the editable draft model, HTML escaping, upload staging, launch rules."""

import zipfile
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.models import DraftParagraph, Hit, Outline, Section, SourceRef
from assistant.ui import draft as drafts
from assistant.ui import is_loopback, parse_auth, render
from assistant.ui.service import Service, UserError

SRC = SourceRef(doc_id="d1", para_id="d1#3", title="某局工作总结", source="/x/a.txt", heading_path=("一、成效",))


def outline() -> Outline:
    p = lambda t, src=SRC: DraftParagraph(text=t, source=src, precedent=t)  # noqa: E731
    return Outline(
        doctype="工作总结", title="某县2026年测试工作总结", org="某县", year=2026, topic="测试",
        opening=(p("今年以来，我县扎实推进测试工作。"),),
        sections=(Section(heading="主要成效", roles=("成效",), paragraphs=(p("成效段落甲。"), p("成效段落乙。")),
                          alternatives=((p("备选一。"), p("备选二。")), ())),
                  Section(heading="存在的问题", roles=("问题",)),
                  Section(heading="下一步打算", roles=("打算",), subsections=(
                      Section(heading="（一）加强领导", roles=("打算",), paragraphs=(p("领导段落【待核实：3个】。"),), level=2),))),
        closing=(DraftParagraph(text="特此报告。"),))


def test_outline_round_trips_through_the_draft():
    draft = drafts.outline_to_draft(outline())
    kinds = [b["kind"] for b in draft["blocks"]]
    assert kinds == ["opening", "heading", "para", "para", "heading", "para", "heading", "heading", "para", "closing"]
    back = drafts.draft_to_outline(draft)
    assert [s.heading for s in back.sections] == ["主要成效", "存在的问题", "下一步打算"]
    assert [p.text for p in back.sections[0].paragraphs] == ["成效段落甲。", "成效段落乙。"]
    assert back.sections[1].paragraphs == ()  # the empty box to write in is dropped when still empty
    assert back.sections[2].subsections[0].paragraphs[0].review == ("【待核实：3个】",)
    assert back.sections[0].paragraphs[0].source == SRC
    assert back.opening[0].text.startswith("今年以来") and back.closing[0].text == "特此报告。"


def test_edits_reorder_delete_swap_and_add():
    draft = drafts.outline_to_draft(outline())
    texts = [b["text"] for b in draft["blocks"]]
    texts[2] = "起草人改写的段落。"
    edited = drafts.with_texts(draft, texts, "新标题")
    assert edited["blocks"][2]["text"] == "起草人改写的段落。" and edited["meta"]["title"] == "新标题"
    assert draft["blocks"][2]["text"] == "成效段落甲。"  # inputs are not mutated
    moved = drafts.move(edited, 2, 1)
    assert [b["text"] for b in moved["blocks"][2:4]] == ["成效段落乙。", "起草人改写的段落。"]
    assert drafts.move(edited, 0, -1)["blocks"] == edited["blocks"]  # out of range: unchanged
    swapped = drafts.swap_alternative(edited, 2, 1)
    assert swapped["blocks"][2]["text"] == "备选二。"
    assert swapped["blocks"][2]["alternatives"][1]["text"] == "起草人改写的段落。"
    removed = drafts.delete(edited, 1)
    assert "主要成效" not in [b["text"] for b in removed["blocks"]]
    added = drafts.add_section(edited, "保障措施")
    assert [b["text"] for b in added["blocks"][-3:]] == ["保障措施", "", "特此报告。"]  # before the closing
    ids = [b["id"] for b in added["blocks"]]
    assert len(ids) == len(set(ids))


def test_sections_move_with_their_paragraphs():
    draft = drafts.outline_to_draft(outline())
    texts = lambda d: [b["text"] for b in d["blocks"]]  # noqa: E731
    down = drafts.move(draft, 1, 1)  # 主要成效 (with its two paragraphs) below 存在的问题
    assert texts(down)[1:6] == ["存在的问题", "", "主要成效", "成效段落甲。", "成效段落乙。"]
    assert texts(drafts.move(down, 3, -1)) == texts(draft)
    last = texts(draft).index("下一步打算")
    up = drafts.move(draft, last, -1)  # its sub-section travels along; the closing stays last
    assert texts(up)[4:8] == ["下一步打算", "（一）加强领导", "领导段落【待核实：3个】。", "存在的问题"]
    assert texts(up)[-1] == "特此报告。"
    assert texts(drafts.move(draft, last, 1)) == texts(draft)  # no next section: unchanged
    sub = texts(draft).index("（一）加强领导")
    assert texts(drafts.move(draft, sub, -1)) == texts(draft)  # never out of its parent


def test_add_hit_keeps_its_source():
    hit = Hit(doc_id="d9", para_id="d9#4", score=1.0, title="《来源》", heading_path=("二、做法",), role="做法",
              text="一段先例。", original="一段先例。", source="/x/b.txt")
    draft = drafts.add_hit(None, hit)
    assert [b["kind"] for b in draft["blocks"]] == ["heading", "para"]
    back = drafts.draft_to_outline(draft)
    assert back.sections[0].paragraphs[0].source.para_id == "d9#4"
    again = drafts.add_hit(drafts.outline_to_draft(outline()), hit)
    assert again["blocks"][-2]["text"] == "一段先例。" and again["blocks"][-1]["kind"] == "closing"


def test_html_escapes_document_text():
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    hit = Hit(doc_id="x", para_id="x#1", score=1.0, title=payload, heading_path=(payload,), role=payload,
              text="正文" + payload, original=payload, source=f"/d/{payload}.txt", doctype=payload,
              similar=({"title": payload, "source": payload},), highlights=((0, 2),))
    out = render.hits_html([hit], payload)
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "<mark>正文</mark>" in out
    doc = render.document_html({"title": payload, "path": payload},
                               [{"idx": 1, "text": payload, "original": payload, "is_heading": 0, "level": None}], 1)
    assert "<script>" not in doc and "<img" not in doc
    block = {"kind": "para", "text": payload + "【待核实：<b>】", "source": {"title": payload, "para_id": payload}}
    assert "<script>" not in render.source_html(block) and "<b>" not in render.source_html(block)
    assert "<img" not in render.preview_html({"meta": {"title": payload}, "blocks": [block]})


def test_empty_results_say_why_quoted_phrases_matter():
    plain = render.hits_html([], "量子引力")
    assert "没有找到与“量子引力”相关的段落" in plain and "放宽筛选条件" in plain
    quoted = render.hits_html([], '“<b>三农</b>”工作')
    assert "“&lt;b&gt;三农&lt;/b&gt;”要求原文逐字出现" in quoted and "<b>" not in quoted


def test_highlight_spans_outside_the_text_are_ignored():
    assert render.highlighted("医德医风", [(0, 2), (1, 3), (3, 9)]) == "<mark>医德</mark>医风"


def test_uploads_are_staged_under_safe_names(tmp_path):
    service = Service(Settings(index_dir=tmp_path / "index", max_file_mb=1))
    good = tmp_path / "通知.txt"
    good.write_text("关于开展测试的通知", encoding="utf-8")
    big = tmp_path / "大文件.txt"
    big.write_bytes(b"a" * 2_000_000)
    odd = tmp_path / "程序.exe"
    odd.write_bytes(b"MZ")
    archive = tmp_path / "打包.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../逃逸.txt", "路径穿越的文件名")
        zf.writestr("子目录/方案.md", "# 方案")
        zf.writestr("脚本.sh", "rm -rf /")
    staged, notes = service.stage_uploads([str(good), str(big), str(odd), str(archive)])
    names = sorted(p.name for p in staged)
    assert names == ["方案.md", "逃逸.txt", "通知.txt"]
    uploads = (tmp_path / "index" / "uploads").resolve()
    assert all(uploads in p.resolve().parents for p in staged)
    assert any("大文件.txt" in n and "超过" in n for n in notes)
    assert any("程序.exe" in n for n in notes) and any("脚本.sh" in n for n in notes)
    with pytest.raises(UserError):
        service.stage_uploads([])


def test_non_loopback_bind_needs_authentication(capsys):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 1
    assert "--auth" in capsys.readouterr().err
    with pytest.raises(ValueError):
        parse_auth("只有用户名")
    with pytest.raises(ValueError):
        parse_auth("user:short")
    assert parse_auth("张三:足够长的密码12345") == ("张三", "足够长的密码12345")
    assert main(["serve", "--host", "0.0.0.0", "--auth", "user:short"]) == 1


def test_launch_refuses_open_bind_without_auth(tmp_path):
    from assistant.ui import launch

    with pytest.raises(PermissionError):
        launch(Service(Settings(index_dir=tmp_path)), host="0.0.0.0", port=1, block=False)


def test_index_that_cannot_be_opened_gives_a_clear_message(tmp_path, seed_dir):
    from assistant.search.ingest import ingest

    source = sorted(seed_dir.glob("*.txt"))[0]
    ingest([source], Settings(index_dir=tmp_path / "index"))
    words = tmp_path / "我的词典.txt"
    words.write_text("医德医风建设年\n", encoding="utf-8")
    service = Service(Settings(index_dir=tmp_path / "index", user_dicts=(words,)))
    with pytest.raises(UserError, match="重建"):
        service.search("医德医风")
    assert service.documents() == [] and service.facets()["doctype"] == []


def test_gaps_guidance_and_precedent_sub_headings_in_the_editor(tmp_path):
    """A thin section shows its gap note, guidance and near misses; only a kept near miss is exported."""
    from dataclasses import replace

    from assistant.export import to_markdown

    near = DraftParagraph(text="相近段落<b>甲</b>。", source=SRC, precedent="相近段落甲。")
    sub_src = replace(SRC, heading_path=("一、主要做法", "优化就医环境"))
    base = outline()
    sections = (base.sections[0],
                replace(base.sections[1], gap="范文库中没有与主题相符的此类段落，请按写作提示撰写。",
                        guidance=("写两三条主要问题", "问题与措施对应<script>"), near_misses=(near,)),
                replace(base.sections[2], subsections=(replace(base.sections[2].subsections[0], heading_source=sub_src),)))
    draft = drafts.outline_to_draft(replace(base, sections=sections))
    heading = next(b for b in draft["blocks"] if b["kind"] == "heading" and b["text"] == "存在的问题")
    html = render.heading_html(heading)
    assert "请按写作提示撰写" in html and "写两三条主要问题" in html and "&lt;script&gt;" in html and "<script>" not in html
    sub = next(b for b in draft["blocks"] if b["text"] == "（一）加强领导")
    assert "小标题取自：《某局工作总结》" in render.heading_html(sub) and "优化就医环境" in render.heading_html(sub)
    back = drafts.draft_to_outline(draft)  # the .json keeps gap, guidance, near misses and the heading's source
    assert back.sections[1].near_misses == (near,) and back.sections[1].guidance == sections[1].guidance
    assert back.sections[2].subsections[0].heading_source == sub_src
    assert "相近段落" not in to_markdown(back) and "写作提示" not in to_markdown(back)
    kept = drafts.keep_near_miss(draft, draft["blocks"].index(heading), 0)
    after = drafts.draft_to_outline(kept)
    assert [p.text for p in after.sections[1].paragraphs] == ["相近段落<b>甲</b>。"] and after.sections[1].near_misses == ()
    assert "相近段落<b>甲</b>。" in to_markdown(after) or "相近段落\\<b\\>甲\\</b\\>。" in to_markdown(after)
    assert len(kept["blocks"]) == len(draft["blocks"])  # it took the place of the empty box
