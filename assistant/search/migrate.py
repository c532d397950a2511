"""Index format versions: upgrade the live generation of an older format, atomically.

Every generation's manifest.json carries `format_version` (store.FORMAT_VERSION for what this
program writes). A generation of an older format is upgraded by a chain of steps, one per version::

    STEPS = {1: upgrade_1_to_2, 2: upgrade_2_to_3}

A step `step(gen_tmp)` upgrades a *copy* of a generation folder in place from its version v to
v + 1, and records that in the manifest (`update_manifest(gen_tmp, v + 1, ...)`). `migrate`
copies the live generation to a new `gen-N.tmp`, runs the steps, then publishes the copy with
store.publish_generation (fsync, rename, switch CURRENT). The old generation is never touched:
a step that fails (or a killed process) leaves it live, and at most a `.tmp` folder behind,
which the next publish removes. The embedding cache is shared across generations and formats,
so a step that needs vectors finds them there instead of embedding again.

A step should be cheap (re-derive files from docs.sqlite, rename fields). Without a step for a
version the message asks for `gongwen ingest --rebuild --index DIR`: `rebuild_from_stored` builds
a whole new generation with today's code from the stored documents (docs.sqlite; the source files
are not needed) and the embedding cache (nothing unchanged is embedded again). A change that
needs the source documents re-parsed: `gongwen ingest 原文件夹 --rebuild`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from assistant.search import store

Step = Callable[[Path], None]

# from_version → the step that upgrades a generation of that version to from_version + 1.
def _upgrade_1_to_2(gen_tmp: Path) -> None:
    from assistant.search.level_index import upgrade_1_to_2

    upgrade_1_to_2(gen_tmp)


def _upgrade_2_to_3(gen_tmp: Path) -> None:
    from assistant.search.level_index import upgrade_2_to_3

    upgrade_2_to_3(gen_tmp)


STEPS: dict[int, Step] = {1: _upgrade_1_to_2, 2: _upgrade_2_to_3}


def generation_version(gen: Path) -> int | None:
    """The format_version in a generation's manifest (None when missing or not a number)."""
    version = json.loads((gen / "manifest.json").read_text(encoding="utf-8")).get("format_version")
    return version if isinstance(version, int) else None


def update_manifest(gen_tmp: Path, version: int, **changes) -> dict:
    """For steps: set the manifest's format_version (and other top-level fields), written atomically."""
    path = gen_tmp / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes, format_version=version)
    tmp = path.with_name("manifest.json.tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return manifest


def live_generation(index_dir: Path, *, locked: bool = False) -> Path | None:
    """The live generation, upgraded first when it is of an older format (open_index and ingest use this).

    `locked`: the caller already holds store.writer_lock (ingest); otherwise the lock is taken
    only when an upgrade is needed.
    """
    index_dir = Path(index_dir)
    gen = store.current_generation(index_dir)
    if gen is None or generation_version(gen) == store.FORMAT_VERSION:
        return gen
    if locked:
        return migrate_locked(index_dir)
    return migrate(index_dir)


def migrate(index_dir: Path, steps: dict[int, Step] | None = None, wait: float = 30) -> Path | None:
    """Upgrade the live generation to store.FORMAT_VERSION under the writer lock; returns the live generation.

    A reader arriving while another process or thread upgrades (or ingests) waits up to `wait`
    seconds for the lock, then finds the generation already upgraded.
    """
    deadline = time.monotonic() + wait
    with ExitStack() as stack:
        while True:
            try:
                stack.enter_context(store.writer_lock(Path(index_dir)))
                break
            except store.IndexError_:  # busy
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return migrate_locked(Path(index_dir), steps)


def migrate_locked(index_dir: Path, steps: dict[int, Step] | None = None) -> Path | None:
    """migrate() for a caller that holds store.writer_lock."""
    steps = STEPS if steps is None else steps
    target = store.FORMAT_VERSION
    gen = store.current_generation(index_dir)
    if gen is None:
        return None
    version = generation_version(gen)
    if version == target:
        return gen
    check_upgradable(index_dir, version, target, steps)
    tmp, name = store.new_generation_dir(index_dir)
    try:
        shutil.copytree(gen, tmp, dirs_exist_ok=True)
        for current in range(version, target):
            steps[current](tmp)
            after = generation_version(tmp)
            if after != current + 1:
                raise RuntimeError(f"升级步骤 {current}→{current + 1} 执行后 manifest 的格式版本为 {after}")
        update_manifest(tmp, target, generation=name,
                        migrated_from={"generation": gen.name, "format_version": version})
    except Exception as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise store.IndexError_(
            f"索引 {index_dir} 从格式版本 {version} 升级到 {target} 失败，原索引（{gen.name}）保持不变："
            f"{type(err).__name__}: {err}。可用 gongwen ingest --rebuild --index {index_dir} 以新格式重建"
            "（用已存的文档，向量取自缓存，不会重新计算）。") from err
    return store.publish_generation(index_dir, tmp, name)


def check_upgradable(index_dir: Path, version: int | None, target: int, steps: dict[int, Step]) -> None:
    """Raise a Chinese message saying what to do when `version` cannot be upgraded to `target`."""
    if version is not None and version > target:
        raise store.IndexError_(
            f"索引 {index_dir} 由更新版本的程序写入（格式版本 {version}，本程序只支持到 {target}）。"
            "请升级本程序后再打开；或用 gongwen ingest --rebuild 以本程序的格式重建（会替换现有索引）。")
    missing = [v for v in range(version or 0, target) if v not in steps] if version is not None else [None]
    if missing:
        raise store.IndexError_(
            f"索引 {index_dir} 的格式版本 {version} 无法自动升级到 {target}。请运行 gongwen ingest --rebuild "
            f"--index {index_dir}：用索引中已存的文档重建，不需要原文件，已计算过的向量取自缓存、不会重新计算。")


def rebuild_from_stored(index_dir: Path, settings, progress=None):
    """A new generation in the current format from the live generation's *stored* documents.

    `gongwen ingest --rebuild` without paths: nothing is re-read from the source files (they may be
    gone), and vectors come from the embedding cache, so nothing whose text and model are unchanged
    is embedded again. A changed model (settings.model) is allowed: its vectors are computed.
    Returns an IngestReport.
    """
    from assistant.search.build import build_generation
    from assistant.search.ingest import IngestReport, _stored_docs, _stored_files
    from assistant.search.tokenize import Tokenizer

    index_dir = Path(index_dir)
    started = time.perf_counter()
    with store.writer_lock(index_dir):
        gen = store.current_generation(index_dir)
        if gen is None:
            raise store.IndexError_(f"{index_dir} 中还没有索引，无法重建；请先运行：gongwen ingest 文件或文件夹 --index {index_dir}")
        version = generation_version(gen)
        if version is None or version > store.FORMAT_VERSION:
            check_upgradable(index_dir, version, store.FORMAT_VERSION, {})
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        files = list(_stored_files(gen).values())
        docs, words, terms = _stored_docs(gen)
        if manifest.get("tokenizers", {}).get("words_base") != Tokenizer(settings.user_dicts).name:
            words = {}  # user dictionaries changed: tokenize again
        report = IngestReport(unchanged=len(files), documents=len(docs))
        report.generation, report.embedded, report.paragraphs = build_generation(
            index_dir, settings, files, docs, words, terms, progress, None)
    report.seconds = time.perf_counter() - started
    return report
