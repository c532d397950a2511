"""Index format versions.

- Every tests/data/index_v<N>/ (a small index written by release code of format N, see
  scripts/make_index_fixture.py) opens with the current program: upgraded by the registered steps,
  or — without a step — refused with the rebuild command, which then works without re-embedding.
- The machinery, on an index written by today's code (format V = store.FORMAT_VERSION): the tests
  raise FORMAT_VERSION to V + 1 and register a test-only V → V + 1 step, exactly what a real format
  change does; failures leave the old generation live; a newer index is refused in Chinese.
- `gongwen ingest --rebuild` embeds nothing whose text is in the embedding cache.
"""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from assistant import cli
from assistant.config import Settings
from assistant.search import migrate, store
from assistant.search.engine import Filters, open_index
from assistant.search.ingest import ingest

DATA = Path(__file__).parent / "data"
QUERY = "优化发展环境"
SEEDS = ("000_428990ef5edc20c9.txt", "001_5703d087b4b928a2.txt")  # two of the five: fast


@pytest.fixture(scope="module")
def v1_index(tmp_path_factory):
    """A small real index (two seeds, real model) written by today's code path: format 1."""
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "seeds").mkdir()
    for name in SEEDS:
        shutil.copy(DATA / "seeds" / name, corpus / "seeds" / name)
    index_dir = tmp_path_factory.mktemp("v1") / "index"
    report = ingest([corpus / "seeds"], Settings(index_dir=index_dir))
    assert report.embedded > 20 and not report.failed
    hits = [h.para_id for h in open_index(index_dir, Settings(index_dir=index_dir)).search(QUERY, k=5)]
    return corpus / "seeds", index_dir, hits


@pytest.fixture
def index(v1_index, tmp_path):
    """A private copy of the v1 index (tests change it)."""
    seeds, index_dir, hits = v1_index
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    return seeds, copy, hits


def folder_digest(gen: Path) -> dict[str, str]:
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(gen.rglob("*")) if p.is_file()}


V = store.FORMAT_VERSION  # what today's code writes
FIXTURES = sorted((DATA).glob("index_v*"), key=lambda p: int(p.name[7:]))


def step_next(gen_tmp: Path) -> None:
    """Test-only V → V + 1 step: derives one new file from docs.sqlite, as a real step would."""
    conn = store.open_db_readonly(gen_tmp / "docs.sqlite")
    titles = [row[0] for row in conn.execute("SELECT title FROM documents ORDER BY id")]
    conn.close()
    (gen_tmp / "titles.txt").write_text("\n".join(t or "" for t in titles), encoding="utf-8")
    migrate.update_manifest(gen_tmp, V + 1, titles_file="titles.txt")


@pytest.fixture
def format_next(monkeypatch):
    monkeypatch.setattr(store, "FORMAT_VERSION", V + 1)
    monkeypatch.setitem(migrate.STEPS, V, step_next)


def live_name(index_dir: Path) -> str:
    return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def test_todays_index_is_the_current_format_and_opens_as_is(index):
    _, index_dir, _ = index
    gen = store.current_generation(index_dir)
    assert migrate.generation_version(gen) == store.FORMAT_VERSION
    assert migrate.live_generation(index_dir) == gen and migrate.migrate(index_dir) == gen
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [gen.name]


def test_older_index_is_upgraded_on_open_and_the_old_generation_is_kept(index, format_next):
    _, index_dir, hits = index
    old = store.current_generation(index_dir)
    before = folder_digest(old)
    with pytest.raises(store.IndexError_, match="旧"):
        store.read_manifest(old)  # without the machinery the old format is refused
    opened = open_index(index_dir, Settings(index_dir=index_dir))
    assert opened.gen.name == live_name(index_dir) != old.name
    manifest = store.read_manifest(opened.gen)
    assert manifest["format_version"] == V + 1 and manifest["generation"] == opened.gen.name
    assert manifest["migrated_from"] == {"generation": old.name, "format_version": V}
    assert (opened.gen / "titles.txt").read_text(encoding="utf-8").count("\n") == len(SEEDS) - 1
    assert [h.para_id for h in opened.search(QUERY, k=5)] == hits
    assert folder_digest(old) == before and migrate.generation_version(old) == V
    assert not list(index_dir.glob("*.tmp"))
    assert open_index(index_dir, Settings(index_dir=index_dir)).gen == opened.gen  # upgraded once


def test_failed_step_leaves_the_old_generation_live(index, format_next, monkeypatch):
    _, index_dir, _ = index
    old = store.current_generation(index_dir)
    before = folder_digest(old)

    def broken(gen_tmp: Path) -> None:
        (gen_tmp / "docs.sqlite").write_bytes(b"half written")  # damages the copy only
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(migrate.STEPS, V, broken)
    with pytest.raises(store.IndexError_, match=f"升级到 {V + 1} 失败，原索引（gen-000001）保持不变"):
        open_index(index_dir, Settings(index_dir=index_dir))
    assert live_name(index_dir) == old.name and folder_digest(old) == before
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [old.name]


def test_a_step_that_does_not_record_its_version_fails(index, format_next, monkeypatch):
    _, index_dir, _ = index
    monkeypatch.setitem(migrate.STEPS, V, lambda gen_tmp: (gen_tmp / "x").write_text("x"))
    with pytest.raises(store.IndexError_, match=f"manifest 的格式版本为 {V}"):
        migrate.migrate(index_dir)
    assert live_name(index_dir) == "gen-000001"


def test_no_step_asks_for_a_rebuild(index, monkeypatch):
    _, index_dir, _ = index
    monkeypatch.setattr(store, "FORMAT_VERSION", V + 1)
    monkeypatch.delitem(migrate.STEPS, V, raising=False)
    with pytest.raises(store.IndexError_, match=f"无法自动升级到 {V + 1}。请运行 gongwen ingest --rebuild --index"):
        open_index(index_dir, Settings(index_dir=index_dir))
    assert live_name(index_dir) == "gen-000001"


def test_index_of_a_newer_program_is_refused_in_chinese(index):
    seeds, index_dir, _ = index
    gen = store.current_generation(index_dir)
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = V + 2
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for attempt in (lambda: open_index(index_dir, Settings(index_dir=index_dir)),
                    lambda: ingest([seeds], Settings(index_dir=index_dir))):
        with pytest.raises(store.IndexError_, match=f"由更新版本的程序写入（格式版本 {V + 2}，本程序只支持到 {V}）"):
            attempt()
    assert live_name(index_dir) == gen.name and sorted(p.name for p in index_dir.glob("gen-*")) == [gen.name]


def test_ingest_upgrades_then_adds(index, format_next, tmp_path):
    _, index_dir, _ = index
    extra = tmp_path / "extra.txt"
    extra.write_text("某县卫生健康局关于开展医德医风专项整治的通知\n各乡镇卫生院：\n现就开展专项整治有关事项通知如下。\n",
                     encoding="utf-8")
    report = ingest([extra], Settings(index_dir=index_dir))
    assert report.added == [str(extra.resolve())] and report.documents == len(SEEDS) + 1
    live = store.current_generation(index_dir)
    assert live.name == report.generation == "gen-000003"
    assert store.read_manifest(live)["format_version"] == V + 1
    assert store.read_manifest(index_dir / "gen-000002")["migrated_from"]["generation"] == "gen-000001"


def test_rebuild_embeds_nothing_the_cache_has(index, capsys):
    """`gongwen ingest --rebuild` re-reads every file but takes every vector from the embedding cache."""
    seeds, index_dir, hits = index
    before = store.read_manifest(store.current_generation(index_dir))
    assert cli.main(["ingest", str(seeds), "--rebuild", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "新计算向量 0 个" in out and f"新增 {len(SEEDS)} 个文件" in out
    after = store.read_manifest(store.current_generation(index_dir))
    assert after["generation"] != before["generation"] and after["counts"] == before["counts"]
    assert [h.para_id for h in open_index(index_dir, Settings(index_dir=index_dir)).search(QUERY, k=5)] == hits


def test_rebuild_embeds_only_a_changed_paragraph(index, tmp_path):
    seeds, index_dir, _ = index
    work = tmp_path / "seeds"
    shutil.copytree(seeds, work)
    first = sorted(work.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n本段是新增的一段文字，用于检验重建时只计算它的向量。\n",
                     encoding="utf-8")
    report = ingest([work], Settings(index_dir=index_dir), rebuild=True)
    assert report.embedded == 1 and len(report.added) == len(SEEDS)


def test_concurrent_readers_upgrade_once(index, format_next, monkeypatch):
    """Two readers opening an old index at once: one upgrades, the other waits for it; one new generation."""
    import threading
    import time

    _, index_dir, _ = index

    def slow(gen_tmp: Path) -> None:
        time.sleep(0.5)
        step_next(gen_tmp)

    monkeypatch.setitem(migrate.STEPS, V, slow)
    opened, errors = [], []

    def reader():
        try:
            opened.append(open_index(index_dir, Settings(index_dir=index_dir)).gen.name)
        except Exception as err:  # noqa: BLE001 — collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and opened == ["gen-000002", "gen-000002"]
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001", "gen-000002"]


def test_rebuild_from_stored_documents_without_the_source_files(index, monkeypatch, capsys):
    """An index whose format has no upgrade step: `gongwen ingest --rebuild --index DIR` (no paths) rebuilds it
    in the current format from docs.sqlite and the cache; the source files are not read, nothing is embedded."""
    seeds, index_dir, hits = index
    monkeypatch.setattr(store, "FORMAT_VERSION", V + 1)
    monkeypatch.delitem(migrate.STEPS, V, raising=False)  # no step
    moved = seeds.with_name("moved-away")
    seeds.rename(moved)
    try:
        assert cli.main(["ingest", "--rebuild", "--index", str(index_dir)]) == 0
    finally:
        moved.rename(seeds)
    out = capsys.readouterr().out
    assert "新计算向量 0 个" in out and f"共 {len(SEEDS)} 篇文档" in out
    live = store.current_generation(index_dir)
    assert live.name == "gen-000002" and store.read_manifest(live)["format_version"] == V + 1
    assert [h.para_id for h in open_index(index_dir, Settings(index_dir=index_dir)).search(QUERY, k=5)] == hits


def test_ingest_without_paths_needs_rebuild(tmp_path, capsys):
    assert cli.main(["ingest", "--index", str(tmp_path / "i")]) == 1
    assert "请给出要入库的文件或文件夹" in capsys.readouterr().err
    assert cli.main(["ingest", "--rebuild", "--index", str(tmp_path / "i")]) == 1
    assert "还没有索引，无法重建" in capsys.readouterr().err


def test_indexes_of_earlier_formats_are_kept():
    """Before a format change, the release's index must be kept: python scripts/make_index_fixture.py."""
    assert (DATA / f"index_v{store.FORMAT_VERSION}").is_dir() or any(
        int(p.name[7:]) < store.FORMAT_VERSION for p in FIXTURES), "tests/data/index_v* 缺失"
    assert FIXTURES and all(int(p.name[7:]) <= store.FORMAT_VERSION for p in FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_index_written_by_an_earlier_release_opens(fixture, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture, index_dir)
    version = migrate.generation_version(store.current_generation(index_dir))
    settings = Settings(index_dir=index_dir)
    if version != store.FORMAT_VERSION and any(v not in migrate.STEPS for v in range(version, store.FORMAT_VERSION)):
        with pytest.raises(store.IndexError_, match="gongwen ingest --rebuild --index"):
            open_index(index_dir, settings)
        assert migrate.rebuild_from_stored(index_dir, settings).embedded == 0
    index = open_index(index_dir, settings)
    manifest = store.read_manifest(index.gen)
    assert manifest["format_version"] == store.FORMAT_VERSION and manifest["counts"]["documents"] == 2
    hits = index.search("压实安全生产责任", k=3)
    assert hits and "安全生产责任制" in hits[0].text
    assert index.search("医德医风 下一步打算", k=3, filters=Filters(doctype=("总结",)))
    assert migrate.generation_version(index_dir / "gen-000001") == version  # the old generation is kept as it was
    report = migrate.rebuild_from_stored(index_dir, settings)
    assert report.embedded == 0 and report.documents == 2
    rebuilt = open_index(index_dir, settings)  # today's build code from the same documents: the same ranking
    for query in ("压实安全生产责任", "医德医风 下一步打算", "隐患排查"):
        assert [h.para_id for h in rebuilt.search(query, k=5)] == [h.para_id for h in index.search(query, k=5)]
