"""Incremental ingest: files → a new index generation, reusing everything unchanged.

New and changed files (by content hash) are parsed; unchanged ones are carried
over with their stored tokens; embeddings come from the cache, so re-ingesting
an unchanged corpus embeds nothing. A file that fails is reported and skipped —
an earlier indexed version of it stays. `sync` drops documents whose files are gone.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from assistant.config import Settings
from assistant.ingest.read import SUPPORTED_SUFFIXES
from assistant.models import ReadError
from assistant.search import store
from assistant.search.build import build_generation
from assistant.search.records import FileEntry, StoredDoc, doc_key, file_entry, read_all

SKIP_NAMES = {"readme.md", "source.md", "license", "license.md", "license.txt"}
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    paragraphs: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        return (f"入库完成：新增 {len(self.added)} 个文件，更新 {len(self.updated)} 个，未变 {self.unchanged} 个，"
                f"移除 {len(self.removed)} 个，失败 {len(self.failed)} 个；共 {self.documents} 篇文档、"
                f"{self.paragraphs} 个检索段落；新计算向量 {self.embedded} 个；用时 {self.seconds:.1f} 秒"
                f"（{self.generation}）。")


def list_files(paths: Iterable[Path]) -> list[Path]:
    """Supported files under the given files/folders (symlinked folders not followed: no loops)."""
    found: set[Path] = set()
    for root in paths:
        root = Path(root)
        if root.is_file():
            found.add(root.resolve())
            continue
        for folder, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                path = Path(folder) / name
                if _wanted(path):
                    found.add(path.resolve())
    return sorted(found)


def _wanted(path: Path) -> bool:
    return (not path.name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES
            and path.name.lower() not in SKIP_NAMES and path.is_file())


def file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest(paths: Iterable[Path], settings: Settings, sync: bool = False, rebuild: bool = False,
           progress: Progress | None = None, embed=None) -> IngestReport:
    """Add/update the given files and folders in the index at settings.index_dir."""
    started = time.perf_counter()
    report = IngestReport()
    index_dir = Path(settings.index_dir)
    with store.writer_lock(index_dir):
        old_files, old_docs, old_words, old_terms, manifest = _previous_state(index_dir, rebuild)
        files, docs = _collect(list_files(paths), old_files, old_docs, report, progress)
        if sync:
            files, docs = _drop_missing(files, docs, report)
        report.documents = len(docs)
        if not (report.added or report.updated or report.removed) and _unchanged_config(manifest, settings):
            report.generation, report.paragraphs = manifest["generation"], manifest["counts"]["paragraphs"]
            report.seconds = time.perf_counter() - started
            return report
        report.generation, report.embedded, report.paragraphs = build_generation(
            index_dir, settings, files, docs, old_words, old_terms, progress, manifest, embed)
        report.documents = len(docs)
    report.seconds = time.perf_counter() - started
    return report


def _unchanged_config(manifest: dict | None, settings: Settings) -> bool:
    """The live generation was built with the same model and user dictionaries (nothing to redo)."""
    if not manifest:
        return False
    from assistant.search.dense import Embedder
    from assistant.search.tokenize import Tokenizer

    return (manifest["embedding"]["model_id"] == Embedder(settings.model).model_id
            and manifest["tokenizers"].get("words_base") == Tokenizer(settings.user_dicts).name)


def remove(targets: Iterable[str], settings: Settings) -> tuple[list[str], IngestReport]:
    """Remove documents by doc id, document key or file/folder path; returns what matched."""
    index_dir = Path(settings.index_dir)
    wanted = set(targets)
    resolved = {str(Path(t).resolve()) for t in wanted}
    report = IngestReport()
    with store.writer_lock(index_dir):
        files, docs, words, terms, manifest = _previous_state(index_dir, rebuild=False)
        keep = [d for d in docs if not _matches(d, wanted, resolved)]
        gone = [d.doc_key for d in docs if _matches(d, wanted, resolved)]
        kept_paths = {d.path for d in keep}
        files = {k: f for k, f in files.items() if f.path in kept_paths}
        report.removed = gone
        if gone:
            report.generation, report.embedded, report.paragraphs = build_generation(
                index_dir, settings, list(files.values()), keep, words, terms, None, manifest)
        report.documents = len(keep)
    return gone, report


def _matches(stored: StoredDoc, wanted: set[str], resolved: set[str]) -> bool:
    path = stored.path
    return (stored.doc.doc_id in wanted or stored.doc_key in wanted or path in resolved
            or any(path.startswith(r.rstrip("/") + "/") for r in resolved))


def _previous_state(index_dir: Path, rebuild: bool):
    gen = None if rebuild else store.current_generation(index_dir)
    if gen is None:
        return {}, [], {}, [], None
    manifest = store.read_manifest(gen)
    conn = store.open_db_readonly(gen / "docs.sqlite")
    try:
        files, docs, words = read_all(conn)
    finally:
        conn.close()
    terms_file = gen / "terms.txt"
    terms = terms_file.read_text(encoding="utf-8").split() if terms_file.exists() else []
    return {f.path: f for f in files}, docs, words, terms, manifest


def _collect(paths: list[Path], old_files: dict[str, FileEntry], old_docs: list[StoredDoc],
             report: IngestReport, progress: Progress | None) -> tuple[list[FileEntry], list[StoredDoc]]:
    """Parse new/changed files; carry over unchanged ones and failed ones' earlier versions."""
    from assistant.ingest.pipeline import parse_file

    by_path: dict[str, list[StoredDoc]] = {}
    for stored in old_docs:
        by_path.setdefault(stored.path, []).append(stored)
    files = dict(old_files)
    for n, path in enumerate(paths, 1):
        key = str(path)
        try:
            digest = file_hash(path)
            if key in old_files and old_files[key].hash == digest:
                report.unchanged += 1
                continue
            parsed = parse_file(path)
        except ReadError as err:
            report.failed.append((key, err.reason))
        except OSError as err:
            report.failed.append((key, f"无法读取：{err.strerror or err}"))
        except Exception as err:  # a parser bug must not stop the batch; it is reported per file
            report.failed.append((key, f"解析出错：{type(err).__name__}: {err}"))
        else:
            multi = len(parsed) > 1 or path.suffix.lower() == ".jsonl"
            (report.updated if key in old_files else report.added).append(key)
            by_path[key] = [StoredDoc(doc_key(key, d, multi), key, d) for d in parsed]
            files[key] = file_entry(path, digest, len(parsed))
        if progress:
            progress("读取", n, len(paths))
    docs = [d for key in sorted(by_path) for d in by_path[key]]
    return [files[k] for k in sorted(files)], docs


def _drop_missing(files: list[FileEntry], docs: list[StoredDoc], report: IngestReport):
    gone = {f.path for f in files if not Path(f.path).exists()}
    report.removed.extend(sorted(gone))
    return [f for f in files if f.path not in gone], [d for d in docs if d.path not in gone]


def print_progress(stage: str, done: int, total: int, _state: dict = {}) -> None:
    """A simple progress line on stderr: counts and rate."""
    now = time.perf_counter()
    start = _state.setdefault(stage, now)
    if done not in (1, total) and now - _state.get(stage + ":last", 0) < 0.5:
        return
    _state[stage + ":last"] = now
    rate = done / (now - start) if now > start else 0.0
    end = "\n" if done >= total else ""
    print(f"\r{stage}：{done}/{total}（{rate:.1f}/秒）", end=end, file=sys.stderr, flush=True)
