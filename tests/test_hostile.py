"""Hostile and broken input (tests/hostile.py builds it): ingest names every bad file with a reason,
goes on with the rest, keeps the index consistent and leaves documents already indexed untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest.pipeline import parse_file
from assistant.search import store
from assistant.search.engine import open_index
from assistant.search.ingest import ingest
from hostile import EXPECT, GOOD_PARAGRAPH, big_text_file, check_index_consistent, make_hostile_corpus

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def good_state(index_dir: Path, good: list[str]) -> tuple[list, list]:
    """Stored paragraphs and metadata of the good files, and each one's top hit for its own title."""
    index = open_index(index_dir, Settings(index_dir=index_dir))
    marks = ",".join("?" * len(good))
    paragraphs = index.backend.sql(f"SELECT d.path, d.title, d.doctype, d.date, p.idx, p.text, p.role FROM paragraphs p "
                           f"JOIN documents d ON d.id = p.doc WHERE d.path IN ({marks}) ORDER BY d.path, p.idx", good)
    titles = index.backend.sql(f"SELECT path, title FROM documents WHERE path IN ({marks}) ORDER BY path", good)
    top = [(path, index.search(title, k=1)[0].source) for path, title in titles]
    return [tuple(r) for r in paragraphs], top


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = Path(os.path.realpath(tmp_path_factory.mktemp("hostile_run")))
    good_dir = root / "good"
    good_dir.mkdir()
    for name in ("000_428990ef5edc20c9.txt", "001_5703d087b4b928a2.txt"):
        shutil.copy(DATA / "seeds" / name, good_dir / name)
    index_dir = root / "index"
    first = ingest([good_dir], Settings(index_dir=index_dir))
    good = sorted(first.added)
    before = good_state(index_dir, good)
    made = make_hostile_corpus(root / "hostile", big_mb=4)
    listing = sorted(os.listdir(root / "hostile"))
    dotted = str(root / "hostile" / "sub" / ".." / "sub" / "inner.txt")
    proc = run_cli("ingest", str(root / "hostile"), dotted, "--index", str(index_dir))
    return {"root": root, "index": index_dir, "good": good, "before": before, "made": made,
            "listing": listing, "proc": proc}


def failure_lines(stderr: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("失败："):
            path, _, reason = line[len("失败："):].rpartition("：")
            out[path] = reason
    return out


def test_every_bad_file_is_named_with_a_reason(run):
    failures = failure_lines(run["proc"].stderr)
    for name, path in run["made"].items():
        if EXPECT[name] != "fail":
            assert str(path) not in failures, name
            continue
        assert str(path) in failures, f"{name} not reported:\n{run['proc'].stderr}"
        reason = failures[str(path)]
        assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason), (name, reason)
    assert len(failures) == sum(1 for v in EXPECT.values() if v == "fail")
    reasons = {name: failures[str(run["made"][name])] for name, v in EXPECT.items() if v == "fail"}
    assert "压缩炸弹" in reasons["bomb_docx"] and "压缩炸弹" in reasons["bomb_styles_docx"]
    assert "加密" in reasons["encrypted_pdf"] and "PDF" in reasons["corrupt_pdf"]
    assert "为空" in reasons["empty"] and "二进制" in reasons["garbage"]
    assert "循环" in reasons["self_link"] and "不是普通文件" in reasons["fifo"]


def test_batch_continues_and_good_input_is_indexed(run):
    proc = run["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "入库完成" in proc.stdout
    index = open_index(run["index"], Settings(index_dir=run["index"]))
    paths = {r[0] for r in index.backend.sql("SELECT path FROM files")}
    for name, path in run["made"].items():
        if EXPECT[name] == "ok":
            assert str(path) in paths, name
    inner = str(run["root"] / "hostile" / "sub" / "inner.txt")
    assert inner in paths  # once, although reachable through the symlink loop and a ../ path
    assert not any("/loop/" in p for p in paths)
    hits = index.search("深层正文 防汛工作", k=10)
    assert any(h.source.endswith("deep.html") for h in hits)


def test_warnings_are_reported_per_file(run):
    stderr = run["proc"].stderr
    assert f"警告：{run['made']['gbk_bom_utf8']}：" in stderr and "gb18030" in stderr
    assert f"警告：{run['made']['deep_html']}：" in stderr and "嵌套" in stderr
    assert f"警告：{run['made']['invalid_utf8']}：" in stderr


def test_documents_already_indexed_are_untouched(run):
    paragraphs, top = run["before"]
    assert len(paragraphs) > 20 and all(path == found for path, found in top)
    assert good_state(run["index"], run["good"]) == run["before"]


def test_index_stays_consistent_and_nothing_is_written_elsewhere(run):
    counts = check_index_consistent(run["index"])
    assert counts["documents"] >= 2 + sum(1 for v in EXPECT.values() if v == "ok")
    assert sorted(os.listdir(run["root"])) == ["good", "hostile", "index"]
    assert sorted(os.listdir(run["root"] / "hostile")) == run["listing"]
    assert not [p for p in run["index"].iterdir() if p.name.endswith(".tmp")]


def test_strict_makes_failures_an_error_exit_and_rerun_embeds_nothing(run):
    proc = run_cli("ingest", str(run["root"] / "hostile"), "--index", str(run["index"]), "--strict")
    assert proc.returncode == 1
    assert failure_lines(proc.stderr).keys() == failure_lines(run["proc"].stderr).keys()
    assert "新计算向量 0 个" in proc.stdout
    good_only = run_cli("ingest", str(run["root"] / "good"), "--index", str(run["index"]), "--strict")
    assert good_only.returncode == 0, good_only.stderr


def test_parse_folder_of_hostile_files_completes(run):
    proc = run_cli("parse", str(run["root"] / "hostile"), timeout=120)
    assert "共" in proc.stdout and proc.returncode == 0


def test_30mb_text_file_is_read(tmp_path):
    """Handled, not refused: 30 MB of text parses in bounded time and memory (figures: benchmarks/hostile_bounds.py)."""
    path = big_text_file(tmp_path / "big.txt", 30)
    [doc] = parse_file(path)
    assert len(doc.paragraphs) > 150_000
    assert doc.paragraphs[-1].text


def test_size_limit_setting_refuses_before_reading(tmp_path):
    path = big_text_file(tmp_path / "two_mb.txt", 2)
    report = ingest([path], Settings(index_dir=tmp_path / "index", max_file_mb=1))
    assert report.failed == [(str(path.resolve()), "文件过大（2.0 MB，上限 1 MB）")]
    assert not report.added


def test_parsing_never_reads_outside_a_named_file(tmp_path):
    """A name full of `..` is just a name: the document id is the literal stem, its source the file."""
    made = make_hostile_corpus(tmp_path / "h", big_mb=1)
    [doc] = parse_file(made["dotdot_name"])
    assert doc.source == str(made["dotdot_name"]) and ".." in doc.doc_id
    assert GOOD_PARAGRAPH[:10] in "".join(p.text for p in doc.paragraphs)
