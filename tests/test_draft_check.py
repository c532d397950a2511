"""检查 and the 版头/版记 form of the 起草 page: the pure functions behind them, and the page built."""

from __future__ import annotations

from assistant.models import DraftParagraph, Frame, Outline, Section
from assistant.ui import draft as drafts
from assistant.ui import draft_check as checks


def draft() -> dict:
    outline = Outline("通知", "某县卫生健康局关于开展检查的通知", "某县卫生健康局", 2026, "检查",
                      (Section("总体要求", (), (DraftParagraph("截止2026年03月05日,全县完成检查。"),)),
                       Section("工作安排", (), (DraftParagraph("其它事项另行通知。"),))),
                      addressee="各乡镇卫生院", date="2026-03-18",
                      frame=Frame(issuer="某县卫生健康局文件", doc_number="某县卫发〔2026〕7号", attachments=("检查表",)))
    return drafts.outline_to_draft(outline)


def test_findings_point_at_blocks_and_spans():
    d = draft()
    found = checks.check_draft(d)
    by_text = {f["text"]: f for f in found}
    block = next(b for b in d["blocks"] if b["text"].startswith("截止"))
    assert by_text["截止"]["block"] == block["id"] and by_text["截止"]["start"] == 0
    comma = by_text[","]
    assert block["text"][comma["start"]:comma["end"]] == ","
    assert not any(f["category"] == "层次序数" for f in found)  # the export numbers headings


def test_one_click_fixes_and_ignore():
    d = draft()
    found = checks.check_draft(d)
    comma_key = next(f["key"] for f in found if f["text"] == ",")
    kept = checks.check_draft(d, ignored=(comma_key,))
    assert comma_key not in {f["key"] for f in kept}
    fixed = checks.apply_fixes(d, kept)
    texts = [b["text"] for b in fixed["blocks"] if b["kind"] != "heading"]
    assert texts == ["截至2026年3月5日,全县完成检查。", "其他事项另行通知。"]  # the ignored comma stays
    assert d["blocks"][1]["text"].startswith("截止")  # the input is not mutated
    assert [f["text"] for f in checks.check_draft(fixed, ignored=(comma_key,)) if f["severity"] == "错误"] == []


def test_findings_html_escapes_and_links():
    d = draft()
    found = checks.check_draft(d)
    page = checks.findings_html(found)
    hostile = [{**found[0], "text": "<script>alert(1)</script>", "suggestion": "<b>"}]
    assert "<script>" not in checks.findings_html(hostile) and "&lt;script&gt;" in checks.findings_html(hostile)
    assert 'href="#gw-block-1"' in page
    assert "未发现问题" in checks.findings_html([])


def test_frame_form_round_trip_through_the_draft():
    d = draft()
    values = checks.frame_form_values(d)
    assert values[checks.FRAME_TEXT_FIELDS.index("issuer")] == "某县卫生健康局文件" and values[-2:] == [True, False]
    values[checks.FRAME_TEXT_FIELDS.index("attachments")] = "甲表\n乙表\n"
    values[-2:] = [False, True]
    d["meta"]["frame"] = checks.frame_from_form(values)
    frame = drafts.draft_to_outline(d).frame
    assert frame.attachments == ("甲表", "乙表") and frame.doc_number == "某县卫发〔2026〕7号"
    assert (frame.sealed, frame.letter) == (False, True)
    assert drafts.draft_to_outline(drafts.empty_draft("标题")).frame == Frame()


def test_draft_page_builds_with_the_check_and_frame_form(tmp_path):
    from assistant.config import Settings
    from assistant.ui import build_app
    from assistant.ui.service import Service

    app = build_app(Service(Settings(index_dir=tmp_path)))
    ids = {getattr(block, "elem_id", None) for block in app.blocks.values()}
    assert {"gw-frame", "gw-frame-issuer", "gw-frame-sealed", "gw-check", "gw-check-ignore", "gw-check-file"} <= ids


def test_uploaded_file_report(tmp_path):
    path = tmp_path / "<来文>.txt"
    path.write_text("关于某事的通知\n各单位:\n其它事项另行通知。\n", encoding="utf-8")
    page = checks.file_report_html(str(path))
    assert "&lt;来文&gt;.txt" in page and "<mark>其它</mark>" in page and "改为“其他”" in page
    assert "无法读取" in checks.file_report_html(str(tmp_path / "没有.txt"))


def test_doc_number_of_the_form_is_checked_and_fixed():
    d = draft()
    d["meta"]["frame"]["doc_number"] = "某县卫发[2026]07号"
    found = [f for f in checks.check_draft(d) if f["category"] == "发文字号"]
    assert {f["block"] for f in found} == {checks.DOC_NUMBER} and "发文字号（版头）" in checks.findings_html(found)
    fixed = checks.apply_fixes(d, found)
    assert fixed["meta"]["frame"]["doc_number"] == "某县卫发〔2026〕7号"
    assert checks.frame_form_values(fixed)[checks.FRAME_TEXT_FIELDS.index("doc_number")] == "某县卫发〔2026〕7号"
