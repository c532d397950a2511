"""Search before embedding finishes: a first ingest with many vectors to compute publishes a BM25-only
generation, then adds the vectors as the next one; an interrupted run resumes on the next ingest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import settings_from_env
from assistant.search import build, store
from assistant.search.engine import open_index
from assistant.search.ingest import _EmbeddedTarget, ingest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_dir):
    folder = tmp_path_factory.mktemp("bm25-first-corpus")
    for path in sorted(seed_dir.glob("*.txt"))[:3]:
        shutil.copy(path, folder / path.name)
    return folder


def test_bm25_is_searchable_before_the_vectors_and_they_follow(corpus, tmp_path, monkeypatch):
    settings = settings_from_env(index_dir=tmp_path / "idx", bm25_first=10)
    real_finish = _EmbeddedTarget.finish
    monkeypatch.setattr(_EmbeddedTarget, "finish", lambda self, report, progress: None)  # killed after phase 1
    report = ingest([corpus], settings)
    gen = store.current_generation(tmp_path / "idx")
    assert report.embedded == 0 and build.vectors_pending(gen) and not (gen / "vectors.faiss").exists()
    early = open_index(tmp_path / "idx", settings)
    hits = early.search("医疗卫生体制改革", k=5)
    assert hits and all("dense" not in h.explain for h in hits)
    assert all("bm25_words" in h.explain or "bm25_bigrams" in h.explain for h in hits)
    assert all("向量尚未算完" in h.explain["missing"] for h in hits)
    assert early.row_vectors([0]) is None
    cli = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "医疗卫生体制改革", "--index",
                          str(tmp_path / "idx"), "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert cli.returncode == 0 and "向量尚未算完" in cli.stderr and json.loads(cli.stdout)["hits"]

    monkeypatch.setattr(_EmbeddedTarget, "finish", real_finish)
    stages = []
    again = ingest([corpus], settings, progress=lambda stage, done, total: stages.append(stage))
    assert again.unchanged == 3 and again.embedded == early.n and "向量" in stages  # resumed: nothing re-read
    gen2 = store.current_generation(tmp_path / "idx")
    assert gen2.name > gen.name and not build.vectors_pending(gen2)
    assert build.vectors_pending(gen)  # files are shared by hard links: the earlier generation is untouched
    late = open_index(tmp_path / "idx", settings)
    hits = late.search("医疗卫生体制改革", k=5)
    assert any("dense" in h.explain for h in hits) and all("missing" not in h.explain for h in hits)

    # the two-phase index ranks exactly like one built in one go (same texts, same cached vectors)
    shutil.copy(tmp_path / "idx" / "embed_cache.sqlite", tmp_path / "embed_cache.sqlite")
    one_go = settings_from_env(index_dir=tmp_path / "one", bm25_first=10**9)
    (tmp_path / "one").mkdir()
    shutil.copy(tmp_path / "embed_cache.sqlite", tmp_path / "one" / "embed_cache.sqlite")
    ingest([corpus], one_go)
    fresh = open_index(tmp_path / "one", one_go)
    for query in ("医疗卫生体制改革", "下一步工作打算", "优化发展环境"):
        assert [(h.para_id, h.score) for h in late.search(query, k=8)] == \
               [(h.para_id, h.score) for h in fresh.search(query, k=8)]


def test_first_ingest_reports_when_bm25_was_ready(corpus, tmp_path):
    settings = settings_from_env(index_dir=tmp_path / "idx", bm25_first=10)
    report = ingest([corpus], settings)
    assert report.bm25_first and 0 < report.first_search_seconds < report.seconds
    assert "已可用 BM25 检索" in report.summary()
    assert not build.vectors_pending(store.current_generation(tmp_path / "idx"))
