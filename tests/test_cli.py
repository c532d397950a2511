"""`gongwen parse` contract: JSON shape, readable outline, folder summary, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

from assistant.cli import build_parser, main

SEEDS = Path(__file__).parent / "data" / "seeds"
CONTRACT_KEYS = {"title", "doctype", "org", "doc_number", "date", "original_script", "warnings", "removed", "paragraphs"}
PARAGRAPH_KEYS = {"text", "is_heading", "level", "heading_path", "role"}


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, timeout=120)


def test_parse_json_contract():
    result = run_cli("parse", str(SEEDS / "000_428990ef5edc20c9.txt"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert CONTRACT_KEYS <= set(doc)
    assert doc["date"] == "2010-11-20" and doc["original_script"] == "traditional"
    assert all({"kind", "text"} <= set(r) for r in doc["removed"]) and doc["removed"]
    for p in doc["paragraphs"]:
        assert PARAGRAPH_KEYS <= set(p)
        assert (p["level"] is None) == (not p["is_heading"])
        assert isinstance(p["heading_path"], list)
    assert "卫生" in "".join(p["text"] for p in doc["paragraphs"])


def test_parse_outline_is_readable(capsys):
    assert main(["parse", str(SEEDS / "001_5703d087b4b928a2.txt")]) == 0
    out = capsys.readouterr().out
    assert "标题：卫生系统环保发展工作方案" in out and "指导思想" in out and "［主要任务］" in out


def test_parse_folder_summary(capsys, tmp_path):
    for p in SEEDS.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "copy.txt").write_bytes((SEEDS / "002_e0bc6091b3138a3e.txt").read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["parse", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "共 6 篇" in captured.out and "重复" in captured.out
    assert "empty.txt" in captured.err


def test_unreadable_file_one_line_error(tmp_path):
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    result = run_cli("parse", str(bad), "--json")
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "坏文件.pdf" in lines[0]
    missing = run_cli("parse", str(tmp_path / "nope.txt"))
    assert missing.returncode != 0 and "nope.txt" in missing.stderr and "不存在" in missing.stderr


def test_every_command_has_help_with_example():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    for name, sub in subcommands.items():
        assert sub.epilog and "示例" in sub.epilog and "gongwen " + name in sub.epilog, name


def test_eval_table_columns_line_up_with_chinese_mode_names():
    from assistant.cli import _pad

    assert _pad("hybrid", 20) == "hybrid" + " " * 14
    assert _pad("dense+章节", 20) == "dense+章节" + " " * 10  # 章节 take four columns
    assert _pad("很长的名字" * 5, 20).endswith(" ") and _pad("很长的名字" * 5, 20).count(" ") == 1
