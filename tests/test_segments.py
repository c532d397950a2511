"""Incremental ingest into the embedded backend (segments.py, delta.py, bm25_multi.py).

A small change — a new file, a changed file, a deleted file, `gongwen remove` — writes one small
segment instead of rebuilding; the segmented index must rank like a fresh build of the same files
(BM25 statistics corpus-wide), show only live documents, and compact back into one base.
Real files (policy documents of the bundled corpus), the real embedding model, real SQLite/FAISS.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import settings_from_env
from assistant.search import delta, segments, store
from assistant.search.bm25 import BM25Index
from assistant.search.bm25_multi import MultiBM25
from assistant.search.engine import Filters, open_index
from assistant.search.ingest import ingest, remove
from assistant.search.migrate import rebuild_from_stored
from assistant.search.tokenize import char_bigrams

ROOT = Path(__file__).resolve().parents[1]
POLICIES = sorted((ROOT / "corpus" / "policies").glob("*.txt"))
NEW_TEXT = "\n\n各地要加强生态环境监管执法，增量入库测试段落必须立即可检索。\n"
QUERIES = ("生态环境监管执法", "环境影响报告书 批复", "增量入库测试段落", "先进典型 名单", "排污许可 管理",
           "“双随机、一公开”")


# ---------------------------------------------------------------- BM25 across parts
@pytest.fixture(scope="module")
def rows():
    texts = [p for path in POLICIES[:6] for p in path.read_text(encoding="utf-8").split("\n") if len(p) > 4]
    return [char_bigrams(t) for t in texts]


def test_multi_bm25_scores_equal_a_fresh_build_of_the_live_rows(rows):
    rng = np.random.default_rng(3)
    cuts = [0, len(rows) // 2, len(rows) // 2 + 40, len(rows)]
    parts = [(lo, BM25Index.build(rows[lo:hi])) for lo, hi in zip(cuts, cuts[1:])]
    live = rng.random(len(rows)) > 0.3
    live_ids = np.flatnonzero(live)
    fresh = BM25Index.build([rows[i] for i in live_ids])
    multi = MultiBM25(parts, live, 1.5, 0.75)
    dead_only = next(t for i in np.flatnonzero(~live) for t in rows[i]
                     if all(t not in rows[j] for j in live_ids))
    common = max({t for r in rows for t in r}, key=fresh.doc_freq)  # the most frequent bigram
    queries = [rows[5][:6], rows[-3][:4] * 2, [dead_only, *rows[10][:3]], [common, "生态", "环境"], ["不存在的词"]]
    assert multi.n_live == fresh.n_docs and multi.avgdl == pytest.approx(fresh.params["avgdl"])
    assert multi.average_idf == pytest.approx(fresh.params["average_idf"], rel=1e-12)
    for q in queries:
        got = multi.scores(q)
        np.testing.assert_allclose(got[live_ids], fresh.scores(q), rtol=1e-6, atol=1e-7)
        assert not got[~live].any()  # rows that are not live never score
    ids, _ = multi.top_k(queries[0], 10)
    want, _ = fresh.top_k(queries[0], 10)
    assert ids.tolist() == live_ids[want].tolist()


def test_multi_bm25_refuses_parts_without_counts(rows):
    old = BM25Index.build(rows[:20])
    old.tf = None  # a folder written before the counts existed
    with pytest.raises(ValueError, match="term frequencies"):
        MultiBM25([(0, old)], np.ones(20, dtype=bool), 1.5, 0.75)


# ---------------------------------------------------------------- whole index
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A base index of 8 policy documents, then one file added, one changed, one deleted (--sync)."""
    from assistant.search import tokenize

    mp = pytest.MonkeyPatch()
    mp.setattr(tokenize, "mine_terms", lambda texts, *a, **k: [])  # a segment keeps the base's terms; compare like with like
    root = tmp_path_factory.mktemp("segments")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in POLICIES[:8]:
        shutil.copy(path, corpus / path.name)
    settings = settings_from_env(index_dir=root / "idx")
    first = ingest([corpus], settings)
    base_gen = store.current_generation(root / "idx")
    shutil.copy(POLICIES[8], corpus / POLICIES[8].name)
    changed = corpus / POLICIES[2].name
    changed.write_text(changed.read_text(encoding="utf-8") + NEW_TEXT, encoding="utf-8")
    removed_text = (corpus / POLICIES[5].name).read_text(encoding="utf-8")
    (corpus / POLICIES[5].name).unlink()
    stages = []
    update = ingest([corpus], settings, sync=True, progress=lambda stage, done, total: stages.append(stage))
    yield {"root": root, "corpus": corpus, "settings": settings, "first": first, "update": update,
           "base_gen": base_gen, "stages": stages, "removed_text": removed_text, "mp": mp}
    mp.undo()


def fresh_index(world, name: str):
    """A fresh build of the corpus as it is now (vectors from a copy of the shared cache)."""
    index_dir = world["root"] / name
    index_dir.mkdir()
    shutil.copy(world["root"] / "idx" / "embed_cache.sqlite", index_dir / "embed_cache.sqlite")
    settings = settings_from_env(index_dir=index_dir)
    report = ingest([world["corpus"]], settings)
    assert report.embedded == 0
    return open_index(index_dir, settings)


def answers(index, **kw):
    return [[(h.doc_id, h.para_id, round(h.score, 4)) for h in index.search(q, k=8, **kw)] for q in QUERIES]


def test_a_small_change_writes_a_segment_not_a_full_build(world):
    update, first = world["update"], world["first"]
    assert (len(update.added), len(update.updated), len(update.removed)) == (1, 1, 1)
    gen = store.current_generation(world["root"] / "idx")
    manifest = store.read_manifest(gen)
    assert segments.is_segmented(manifest) and len(manifest["segments"]) == 1
    seg = manifest["segments"][0]
    assert seg["first_row"] == first.paragraphs  # row numbers after every row in use, never reused
    assert 0 < update.embedded <= seg["rows"] < first.paragraphs  # only the new texts are embedded
    for name in ("bm25_words", "bm25_bigrams", "vectors.faiss"):  # the base is shared, not rewritten
        a, b = world["base_gen"] / name, gen / name
        probe = next(a.rglob("*")) if a.is_dir() else a
        assert probe.stat().st_ino == (b / probe.relative_to(a)).stat().st_ino
    assert (gen / "docs.sqlite").stat().st_ino != (world["base_gen"] / "docs.sqlite").stat().st_ino
    assert "分词" not in world["stages"]  # the unchanged corpus is not tokenized again


def test_segmented_index_ranks_like_a_fresh_build(world):
    seg = open_index(world["root"] / "idx", world["settings"])
    fresh = fresh_index(world, "fresh")
    assert seg.backend.live is not None and int(seg.backend.live.sum()) == fresh.n
    assert answers(seg) == answers(fresh)
    assert answers(seg, unit="document") == answers(fresh, unit="document")
    for signal in ("bm25_words", "bm25_bigrams", "dense"):
        assert answers(seg, signals=(signal,)) == answers(fresh, signals=(signal,))
    doctype = fresh.facets()["doctype"][0]
    assert answers(seg, filters=Filters(doctype=(doctype,))) == answers(fresh, filters=Filters(doctype=(doctype,)))
    assert seg.facets() == fresh.facets()
    assert [d["doc_id"] for d in seg.documents()] == [d["doc_id"] for d in fresh.documents()]


def test_only_live_documents_answer(world):
    index = open_index(world["root"] / "idx", world["settings"])
    assert any("增量入库测试段落" in h.text for h in index.search("增量入库测试段落", k=3))
    gone = next(p for p in world["removed_text"].split("\n") if len(p) > 30)
    assert not index.search(f"“{gone[5:25]}”", k=5)  # the deleted file's paragraph is gone, even by phrase
    hits = index.search(gone, k=20)
    assert all(h.source != str(world["corpus"] / POLICIES[5].name) for h in hits)
    # the rows of replaced and removed documents (still in the base's arrays) never come back from a signal
    from assistant.search.query import parse_query

    q = parse_query("生态环境 监管")
    scope = index.scope(None, q)
    backend = index.backend
    for rows, _ in (backend.words_top(index.tokenizer.words(q.text), 500, scope),
                    backend.bigrams_top(char_bigrams(q.text), 500, scope),
                    backend.dense_top(index.embedder.encode_query(q.text), 500, scope)):
        assert len(rows) and backend.live[rows].all()
    assert (~backend.live).sum() > 0


def test_remove_is_incremental_and_compact_restores_one_base(world, tmp_path):
    index_dir = tmp_path / "idx"
    shutil.copytree(world["root"] / "idx", index_dir)
    settings = settings_from_env(index_dir=index_dir)
    victim = open_index(index_dir, settings).documents()[0]
    gone, report = remove([victim["doc_id"]], settings)
    assert gone and report.embedded == 0
    manifest = store.read_manifest(store.current_generation(index_dir))
    assert segments.is_segmented(manifest) and len(manifest["segments"]) == 1  # no rows added: no new segment
    removed = open_index(index_dir, settings)
    assert victim["doc_id"] not in {d["doc_id"] for d in removed.documents()}
    before = answers(removed)
    report = rebuild_from_stored(index_dir, settings)  # what gongwen compact runs
    assert report.embedded == 0
    manifest = store.read_manifest(store.current_generation(index_dir))
    assert not segments.is_segmented(manifest)
    compacted = open_index(index_dir, settings)
    assert compacted.backend.live is None and compacted.n == removed.backend.live.sum()
    assert answers(compacted) == before


def test_large_changes_and_many_segments_compact_instead(world, tmp_path, monkeypatch):
    index_dir = tmp_path / "idx"
    shutil.copytree(world["root"] / "idx", index_dir)
    settings = settings_from_env(index_dir=index_dir)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "一.md").write_text("# 关于试点的通知\n\n请各单位认真做好试点工作，按期报送材料。\n", encoding="utf-8")
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 1)  # the live generation already has one
    ingest([world["corpus"], extra], settings)
    assert not segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 8)
    monkeypatch.setattr(segments, "MAX_SEGMENT_SHARE", 0.0)  # any addition is "too large"
    monkeypatch.setattr(segments, "MIN_SEGMENT_ROWS", 0)
    (extra / "二.md").write_text("# 关于检查的通知\n\n请各单位开展自查自纠，形成报告。\n", encoding="utf-8")
    ingest([world["corpus"], extra], settings)
    assert not segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))
    hits = open_index(index_dir, settings).search("自查自纠", k=3)
    assert hits and "自查自纠" in hits[0].text


def test_an_index_built_before_counts_gets_one_full_build_then_segments(world, tmp_path):
    index_dir = tmp_path / "idx"
    shutil.copytree(world["root"] / "idx", index_dir)
    settings = settings_from_env(index_dir=index_dir)
    rebuild_from_stored(index_dir, settings)
    gen = store.current_generation(index_dir)
    for name in ("bm25_words", "bm25_bigrams"):  # strip the counts, as in an index of the previous release
        path = gen / name / "weights.npz"
        with np.load(path, allow_pickle=False) as npz:
            kept = {k: npz[k] for k in npz.files if k not in ("tf", "lengths")}
        path.unlink()  # hard-linked with the copy's source: write a new file, do not write through
        np.savez(path, **kept)
    assert not delta.can_update(gen, store.read_manifest(gen))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "三.md").write_text("# 关于值班的通知\n\n节假日期间严格执行领导带班和值班制度。\n", encoding="utf-8")
    ingest([world["corpus"], extra], settings)
    gen = store.current_generation(index_dir)
    assert not segments.is_segmented(store.read_manifest(gen)) and delta.can_update(gen, store.read_manifest(gen))
    (extra / "四.md").write_text("# 关于防汛的通知\n\n汛期要落实防汛责任，做好应急准备。\n", encoding="utf-8")
    ingest([world["corpus"], extra], settings)
    assert segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))


def test_compact_command(world, tmp_path):
    index_dir = tmp_path / "idx"
    shutil.copytree(world["root"] / "idx", index_dir)
    cli = [sys.executable, "-m", "assistant.cli", "compact", "--index", str(index_dir)]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "已合并 1 个分段" in done.stdout
    assert not segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))
    again = subprocess.run(cli, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert again.returncode == 0 and "无需合并" in again.stdout
    empty = subprocess.run([*cli[:-1], str(tmp_path / "nothing")], capture_output=True, text=True, timeout=300,
                           cwd=ROOT)
    assert empty.returncode != 0 and "还没有索引" in empty.stderr


def test_an_index_of_the_previous_format_is_upgraded_and_then_takes_segments(tmp_path):
    """Format 2 (no raw counts) → 3 by migrate's step: BM25 written again from docs.sqlite, then a new file
    goes into a segment at once."""
    index_dir = tmp_path / "index"
    shutil.copytree(ROOT / "tests" / "data" / "index_v2", index_dir)
    settings = settings_from_env(index_dir=index_dir)
    before = [h.para_id for h in open_index(index_dir, settings).search("压实安全生产责任", k=5)]
    gen = store.current_generation(index_dir)
    assert store.read_manifest(gen)["format_version"] == store.FORMAT_VERSION and delta.can_update(
        gen, store.read_manifest(gen))
    extra = tmp_path / "值班通知.md"
    extra.write_text("# 关于值班的通知\n\n节假日期间严格执行领导带班和值班制度，确保安全生产。\n", encoding="utf-8")
    report = ingest([extra], settings)
    assert report.embedded == 1 and len(report.added) == 1
    assert segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))
    index = open_index(index_dir, settings)
    assert [h.para_id for h in index.search("压实安全生产责任", k=5)][:1] == before[:1]
    assert "值班制度" in index.search("领导带班 值班制度", k=1)[0].text


def _partitions(index_dir: Path) -> tuple[set, set]:
    """Duplicate-document groups and near-duplicate paragraph groups as sets of member sets (group ids
    are opaque; what matters is who is grouped with whom)."""
    import sqlite3

    conn = sqlite3.connect(store.current_generation(index_dir) / "docs.sqlite")
    try:
        docs, paras = {}, {}
        for key, group in conn.execute("SELECT doc_key, dup_group FROM documents WHERE dup_group IS NOT NULL"):
            docs.setdefault(group, set()).add(key)
        for key, idx, group in conn.execute("SELECT d.doc_key, p.idx, p.near_dup FROM paragraphs p JOIN documents d "
                                            "ON d.id = p.doc WHERE p.row IS NOT NULL AND p.near_dup IS NOT NULL"):
            paras.setdefault(group, set()).add((key, idx))
    finally:
        conn.close()
    return {frozenset(m) for m in docs.values() if len(m) > 1}, {frozenset(m) for m in paras.values() if len(m) > 1}


def test_a_near_copy_added_later_is_grouped_as_in_a_fresh_build(world, tmp_path):
    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    shutil.copy(world["root"] / "idx" / "embed_cache.sqlite", index_dir / "embed_cache.sqlite")
    corpus = tmp_path / "corpus"
    shutil.copytree(world["corpus"], corpus)
    settings = settings_from_env(index_dir=index_dir)
    ingest([corpus], settings)  # a base of the corpus
    original = (corpus / POLICIES[0].name).read_text(encoding="utf-8")
    lines = original.split("\n")
    edited = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[edited] = lines[edited].replace("，", "，并", 1)  # a re-issued copy with one small edit
    (corpus / "再次印发.txt").write_text("\n".join(lines), encoding="utf-8")
    ingest([corpus], settings)
    assert segments.is_segmented(store.read_manifest(store.current_generation(index_dir)))
    docs, paras = _partitions(index_dir)
    assert any({str(corpus / POLICIES[0].name), str(corpus / "再次印发.txt")} <= m for m in docs)
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    shutil.copy(index_dir / "embed_cache.sqlite", fresh_dir / "embed_cache.sqlite")
    ingest([corpus], settings_from_env(index_dir=fresh_dir))
    assert _partitions(fresh_dir) == (docs, paras)


@pytest.mark.parametrize("dead_in_base", [3, segments.DEAD_OVERFETCH + 50])  # over-fetch, then id selector
def test_vectors_across_parts_return_the_exact_live_top_k(dead_in_base):
    from assistant.search.vectors import VectorIndex

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(1500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    multi = segments.MultiVectors([(0, VectorIndex.build(vectors[:1200], kind="flat")),
                                   (1200, VectorIndex.build(vectors[1200:], kind="flat"))])
    live = np.ones(1500, dtype=bool)
    live[rng.choice(1200, dead_in_base, replace=False)] = False
    live[[1201, 1300]] = False
    for query in vectors[[0, 700, 1250, 1499]]:
        want = np.flatnonzero(live)[np.argsort(-(vectors[live] @ query), kind="stable")[:20]]
        scores, ids = multi.search_live(query, 20, live)
        assert ids[0].tolist() == want.tolist() and live[ids[0]].all()
        same_s, same_i = multi.search(query, 20, np.flatnonzero(live))
        assert same_i[0].tolist() == want.tolist()
        np.testing.assert_allclose(scores[0], same_s[0], rtol=1e-6)
    stored = multi._stored(np.array([5, 1210, 1499]))
    np.testing.assert_allclose(stored, vectors[[5, 1210, 1499]], rtol=1e-6)
