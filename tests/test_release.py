"""`gongwen --version` and CHANGELOG.md: newest first, every entry in Chinese and English, the current version listed."""

import re
from pathlib import Path

import pytest

from assistant import __version__, cli

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"gongwen {__version__}"


def test_changelog_newest_first_chinese_and_english():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    versions = [h.split()[0] for h in headings if re.match(r"\d+\.\d+", h)]
    assert headings and (headings[0].startswith("未发布") or headings[0].startswith(__version__))
    assert __version__ in versions, f"CHANGELOG.md 缺少当前版本 {__version__} 的一节"
    as_tuples = [tuple(int(n) for n in v.split(".")) for v in versions]
    assert as_tuples == sorted(as_tuples, reverse=True), "版本应按新到旧排列"
    entries = re.split(r"^- ", text, flags=re.M)[1:]
    assert entries
    for entry in entries:
        assert re.search(r"[\u4e00-\u9fff]", entry) and re.search(r"/ [A-Za-z]", entry), entry[:60]
