"""`gongwen check`: the JSON contract, the readable report, exit codes, --fix on .txt and .docx."""

from __future__ import annotations

import json

from docx import Document

from assistant.cli import main

NOTICE = ("某县卫生健康局关于开展检查的通知\n某县卫发[2026]07号\n各乡镇卫生院,县直各医疗单位:\n"
          "截止2026年03月05日,全县共检查30～40%的单位。其它事项另行通知。\n某县卫生健康局\n2026年3月18日\n")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract_and_exit_zero_with_findings(capsys, tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text(NOTICE, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["file"] == str(path) and set(data) == {"file", "findings"}
    keys = {"rule", "category", "severity", "paragraph", "start", "end", "text", "message", "suggestion"}
    assert all(set(f) == keys for f in data["findings"])
    lines = NOTICE.splitlines()
    for f in data["findings"]:  # spans point at the text they name
        assert lines[f["paragraph"]][f["start"]:f["end"]] == f["text"]
    rules = {f["rule"] for f in data["findings"]}
    assert {"docnum.bracket", "docnum.zero_pad", "punct.halfwidth", "word.misused", "date.zero_pad",
            "num.range_percent"} <= rules
    assert {f["category"] for f in data["findings"]} >= {"发文字号", "标点", "字词", "日期", "数字"}


def test_readable_report_and_clean_file(capsys, tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text(NOTICE, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "[错误]" in out and "GB/T 9704-2012" in out and "→ 改为“〔2026〕”" in out
    good = tmp_path / "好.txt"
    good.write_text("关于开展检查的通知\n各单位：\n现将有关事项通知如下。\n某局\n2026年3月18日\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(good))
    assert code == 0 and "未发现问题" in out


def test_unreadable_file_exits_nonzero_naming_it(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "没有.txt"))
    assert code == 1 and "没有.txt" in err and "不存在" in err


def test_fix_txt_applies_only_mechanical_fixes(capsys, tmp_path):
    path, out_path = tmp_path / "通知.txt", tmp_path / "改.txt"
    path.write_text(NOTICE, encoding="utf-8")
    code, _, err = run(capsys, "check", str(path), "--fix", str(out_path))
    assert code == 0 and "已写入" in err
    fixed = out_path.read_text(encoding="utf-8")
    assert "某县卫发〔2026〕7号" in fixed and "各乡镇卫生院，县直各医疗单位：" in fixed
    assert "截至2026年3月5日，全县共检查30%～40%的单位。其他事项另行通知。" in fixed
    code, out, _ = run(capsys, "check", str(out_path), "--json")
    assert [f for f in json.loads(out)["findings"] if f["severity"] == "错误"] == []


def test_fix_docx_keeps_runs_and_formatting(capsys, tmp_path):
    src, dst = tmp_path / "稿.docx", tmp_path / "稿_改.docx"
    document = Document()
    document.add_paragraph("关于开展检查的通知")
    p = document.add_paragraph()
    p.add_run("根据要求,")
    bold = p.add_run("截止")
    bold.bold = True
    p.add_run("2026年03月05日共检查。")
    document.save(str(src))
    code, _, _ = run(capsys, "check", str(src), "--fix", str(dst))
    assert code == 0
    fixed = Document(str(dst)).paragraphs[1]
    assert fixed.text == "根据要求，截至2026年3月5日共检查。"
    assert [r.text for r in fixed.runs] == ["根据要求，", "截至", "2026年3月5日共检查。"] and fixed.runs[1].bold


def test_fix_refuses_docx_output_for_text_input(capsys, tmp_path):
    path = tmp_path / "通知.txt"
    path.write_text(NOTICE, encoding="utf-8")
    code, _, err = run(capsys, "check", str(path), "--fix", str(tmp_path / "改.docx"))
    assert code == 1 and "只有 .docx 输入" in err


def test_user_word_list_from_the_command_line(capsys, tmp_path):
    words, path = tmp_path / "词表.yaml", tmp_path / "a.txt"
    words.write_text("- wrong: 帐号\n  right: 账号\n", encoding="utf-8")
    path.write_text("请核对帐号。\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--json", "--words", str(words))
    assert code == 0 and [f["suggestion"] for f in json.loads(out)["findings"]] == ["账号"]
    words.write_text("not: a list\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(path), "--words", str(words))
    assert code == 1 and "词表.yaml" in err


def test_fix_markdown_keeps_heading_marks(capsys, tmp_path):
    src, dst = tmp_path / "稿.md", tmp_path / "稿_改.md"
    src.write_text("# 关于检查的通知\n\n## 一、总体要求\n\n其它事项,另行通知。\n", encoding="utf-8")
    code, _, _ = run(capsys, "check", str(src), "--fix", str(dst))
    assert code == 0
    assert dst.read_text(encoding="utf-8") == "# 关于检查的通知\n\n## 一、总体要求\n\n其他事项，另行通知。\n"
