"""Incremental ingest: files → a new index generation, reusing everything unchanged.

New and changed files (by content hash) are parsed; unchanged ones are carried
over with their stored tokens; embeddings come from the cache, so re-ingesting
an unchanged corpus embeds nothing. A file that fails is reported and skipped —
an earlier indexed version of it stays. `sync` drops documents whose files are gone.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from assistant.config import Settings
from assistant.ingest.read import SKIP_NAMES, SUPPORTED_SUFFIXES
from assistant.models import ReadError
from assistant.search import delta, migrate, store
from assistant.search.build import build_generation
from assistant.search.records import FileEntry, StoredDoc, doc_key, read_all

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warned: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    paragraphs: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generation: str = ""
    bm25_first: str = ""  # the BM25-only generation published before the vectors (empty: none)
    segment: bool = False  # written as an incremental segment (delta.py), not a full build
    first_search_seconds: float = 0.0  # from the start until that generation was searchable
    started: float = field(default_factory=time.perf_counter)

    def summary(self) -> str:
        return (f"入库完成：新增 {len(self.added)} 个文件，更新 {len(self.updated)} 个，未变 {self.unchanged} 个，"
                f"移除 {len(self.removed)} 个，失败 {len(self.failed)} 个；共 {self.documents} 篇文档、"
                f"{self.paragraphs} 个检索段落；新计算向量 {self.embedded} 个；用时 {self.seconds:.1f} 秒"
                f"（{self.generation}）。" + (f"其中 {self.first_search_seconds:.1f} 秒后已可用 BM25 检索"
                                            f"（{self.bm25_first}），随后补算了向量。" if self.bm25_first else "")
                + ("只写入了一个增量分段（gongwen compact 可合并分段）。" if self.segment else ""))


@dataclass(frozen=True)
class Candidate:
    """A file to parse: its path and the stat taken before reading it."""

    path: Path
    size: int
    mtime: float
    digest: str


def list_files(paths: Iterable[Path]) -> list[Path]:
    """Supported files under the given files/folders (symlinked folders not followed: no loops)."""
    return scan(paths)[0]


def scan(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported regular files under the given files/folders, and (path, reason) for unusable ones.

    Symlinked folders are not followed (no loops); a symlinked file counts once, by its target.
    Broken or looping links and non-regular files (pipes, devices) with a supported suffix are
    reported, never opened — reading a FIFO or /dev/zero would hang or never end.
    """
    found: set[Path] = set()
    problems: dict[str, str] = {}
    for root in paths:
        root = Path(root)
        if not root.is_dir():
            _consider(root, found, problems, explicit=True)
            continue
        for folder, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                _consider(Path(folder) / name, found, problems, explicit=False)
    return sorted(found), sorted(problems.items())


def _consider(path: Path, found: set[Path], problems: dict[str, str], explicit: bool) -> None:
    name = path.name
    if not explicit and (name.startswith(".") or name.lower() in SKIP_NAMES):
        return
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        if explicit:
            problems[str(path)] = f"不支持的文件类型 {path.suffix or '（没有扩展名）'}"
        return
    try:
        mode = path.stat().st_mode
    except OSError as err:
        is_link = path.is_symlink()
        reason = ("符号链接循环" if err.errno == errno.ELOOP else
                  "符号链接指向的文件不存在" if is_link else f"无法读取（{err.strerror or err}）")
        problems[str(path)] = reason
        return
    if not stat.S_ISREG(mode):
        problems[str(path)] = "不是普通文件（管道、设备等），已跳过"
        return
    found.add(path.resolve())


def file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest(paths: Iterable[Path], settings: Settings, sync: bool = False, rebuild: bool = False,
           progress: Progress | None = None, embed=None) -> IngestReport:
    """Add/update the given files and folders in the index at settings.index_dir.

    Unchanged files are recognised by size and modification time (then by content hash when
    those differ) before anything is parsed, and the stored documents are loaded only when
    something changed: re-ingesting an unchanged corpus reads one SQLite table and stats files.
    """
    started = time.perf_counter()
    report = IngestReport()
    index_dir = Path(settings.index_dir)
    with store.writer_lock(index_dir):
        target = open_writer(settings, rebuild)
        manifest = target.manifest
        old_files = target.stored_files()
        found, problems = scan(paths)
        report.failed.extend(problems)
        changed = _changed_files(found, old_files, settings, report, progress)
        gone = _missing(old_files) if sync else set()
        if not changed and not gone and _unchanged_config(manifest, settings):
            target.finish(report, progress)  # vectors of an interrupted BM25-first ingest
            return _nothing_to_do(report, target.manifest, started)
        if target.incremental() and _unchanged_config(manifest, settings):
            files, new_docs = _parse(changed, old_files, [], report, progress, settings)
            replaced = set(report.added) | set(report.updated) | gone
            report.removed.extend(sorted(gone))
            files = [f for f in files if f.path not in gone]
            if not replaced:
                return _nothing_to_do(report, manifest, started)
            if target.fits(new_docs):  # one small segment (delta.py); readers switch generations as usual
                report.generation, report.embedded, report.paragraphs = target.write_delta(
                    files, new_docs, replaced, progress, embed)
                report.documents = target.manifest["counts"]["documents"]
                report.segment = True
                report.seconds = time.perf_counter() - started
                return report
            old_docs, old_words, old_terms = target.stored_docs()  # too much for a segment: compact
            kept = [d for d in old_docs if d.path not in replaced]
            docs = sorted(kept + new_docs, key=lambda d: d.path)  # stable: a file's documents keep their order
        else:
            old_docs, old_words, old_terms = target.stored_docs()
            files, docs = _parse(changed, old_files, old_docs, report, progress, settings)
            if gone:
                report.removed.extend(sorted(gone))
                files = [f for f in files if f.path not in gone]
                docs = [d for d in docs if d.path not in gone]
            if not (report.added or report.updated or report.removed) and _unchanged_config(manifest, settings):
                return _nothing_to_do(report, manifest, started)
        report.documents = len(docs)
        report.generation, report.embedded, report.paragraphs = target.write(
            files, docs, old_words, old_terms, progress, embed)
        report.documents = len(docs)
        target.finish(report, progress)
    report.seconds = time.perf_counter() - started
    return report


class _EmbeddedTarget:
    """Ingest into the embedded backend: a complete new generation (build.build_generation)."""

    def __init__(self, settings: Settings, rebuild: bool):
        self.settings, self.index_dir = settings, Path(settings.index_dir)
        self.gen = None if rebuild else migrate.live_generation(self.index_dir, locked=True)  # older format: upgraded
        self.manifest = store.read_manifest(self.gen) if self.gen else None

    def stored_files(self) -> dict[str, FileEntry]:
        return _stored_files(self.gen)

    def stored_docs(self):
        return _stored_docs(self.gen)

    def write(self, files, docs, old_words, old_terms, progress, embed=None):
        return build_generation(self.index_dir, self.settings, files, docs, old_words, old_terms, progress,
                                self.manifest, embed)

    def incremental(self) -> bool:
        """The live generation can take a small segment instead of a full build (delta.py)."""
        return self.settings.incremental and delta.can_update(self.gen, self.manifest)

    def fits(self, new_docs: list[StoredDoc]) -> bool:
        rows = sum(1 for d in new_docs for p in d.doc.paragraphs if not p.is_heading)
        return delta.fits(self.manifest, rows)

    def matching(self, wanted: set[str], resolved: set[str]) -> tuple[list[str], set[str]]:
        """(doc keys of the documents remove() matches, paths that keep a document) — from the documents
        table only, without loading paragraphs."""
        conn = store.open_db_readonly(self.gen / "docs.sqlite")
        try:
            rows = conn.execute("SELECT doc_key, doc_id, path FROM documents ORDER BY id").fetchall()
        finally:
            conn.close()
        gone, kept = [], set()
        for key, doc_id, path in rows:
            (gone.append(key) if _matches(doc_id, key, path, wanted, resolved) else kept.add(path))
        return gone, kept

    def write_delta(self, files, new_docs, dead_paths, progress, embed=None, dead_keys=frozenset()):
        out = delta.write_delta(self.index_dir, self.settings, self.gen, self.manifest, files, new_docs,
                                set(dead_paths), set(dead_keys), progress, embed)
        self.gen = store.current_generation(self.index_dir)
        self.manifest = store.read_manifest(self.gen)
        return out

    def finish(self, report: IngestReport, progress: Progress | None) -> None:
        """A BM25-only generation (many vectors to compute) is searchable already; add its vectors now."""
        from assistant.search.build import complete_vectors, vectors_pending

        gen = store.current_generation(self.index_dir)
        if not vectors_pending(gen):
            return
        report.bm25_first = gen.name
        report.first_search_seconds = time.perf_counter() - report.started
        if progress:
            progress("BM25 已可检索（向量计算中）", 1, 1)
        report.generation, computed = complete_vectors(self.index_dir, self.settings, progress)
        report.embedded += computed
        self.manifest = store.read_manifest(store.current_generation(self.index_dir))


def has_index(settings: Settings) -> bool:
    """Something has been indexed in the configured backend at settings.index_dir."""
    from assistant.search.backends import backend_kind

    if backend_kind(settings) == "milvus":
        from assistant.search.backends.milvus import state_stamp

        return state_stamp(settings) is not None
    return store.current_generation(Path(settings.index_dir)) is not None


def stored_paths(settings: Settings) -> list[str]:
    """The indexed files, read from the store directly (works when the index does not open for search)."""
    from assistant.search.backends import backend_kind

    if backend_kind(settings) == "milvus":
        return sorted(open_writer(settings).stored_files())
    return sorted(_stored_files(store.current_generation(Path(settings.index_dir))))


def open_writer(settings: Settings, rebuild: bool = False):
    """The configured backend's ingest side: manifest, stored_files(), stored_docs(), write(...)."""
    from assistant.search.backends import backend_kind

    if backend_kind(settings) == "milvus":
        from assistant.search.backends.milvus_write import MilvusStore

        return MilvusStore(settings, rebuild)
    return _EmbeddedTarget(settings, rebuild)


def _nothing_to_do(report: IngestReport, manifest: dict, started: float) -> IngestReport:
    report.generation = manifest["generation"]
    report.documents = manifest["counts"]["documents"]
    report.paragraphs = manifest["counts"]["paragraphs"]
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
        target = open_writer(settings)
        files = target.stored_files()
        if files and target.incremental():  # only the matching documents are read (delta.py)
            gone, kept_paths = target.matching(wanted, resolved)
            report.removed = gone
            if gone:
                kept = [f for f in files.values() if f.path in kept_paths]
                report.generation, report.embedded, report.paragraphs = target.write_delta(
                    kept, [], set(), None, dead_keys=set(gone))
            report.documents = target.manifest["counts"]["documents"]
            return gone, report
        docs, words, terms = target.stored_docs() if files else ([], {}, [])
        picked = [_matches(d.doc.doc_id, d.doc_key, d.path, wanted, resolved) for d in docs]
        keep = [d for d, hit in zip(docs, picked) if not hit]
        gone = [d.doc_key for d, hit in zip(docs, picked) if hit]
        kept_paths = {d.path for d in keep}
        files = {k: f for k, f in files.items() if f.path in kept_paths}
        report.removed = gone
        if gone:
            report.generation, report.embedded, report.paragraphs = target.write(
                list(files.values()), keep, words, terms, None)
            target.finish(report, None)
        report.documents = len(keep)
    return gone, report


def _matches(doc_id: str, key: str, path: str, wanted: set[str], resolved: set[str]) -> bool:
    """A document remove() takes: named by doc id or document key, or its file is (under) a given path."""
    return (doc_id in wanted or key in wanted or path in resolved
            or any(path.startswith(r.rstrip("/") + "/") for r in resolved))


def _previous_state(index_dir: Path, rebuild: bool):
    gen = None if rebuild else migrate.live_generation(index_dir, locked=True)
    if gen is None:
        return {}, [], {}, [], None
    docs, words, terms = _stored_docs(gen)
    return _stored_files(gen), docs, words, terms, store.read_manifest(gen)


def _stored_files(gen: Path | None) -> dict[str, FileEntry]:
    """The files table of a generation (cheap: no documents are loaded)."""
    if gen is None:
        return {}
    conn = store.open_db_readonly(gen / "docs.sqlite")
    try:
        return {row[0]: FileEntry(*row) for row in
                conn.execute("SELECT path, hash, size, mtime, n_docs FROM files")}
    finally:
        conn.close()


def _stored_docs(gen: Path | None) -> tuple[list[StoredDoc], dict[str, str], list[str]]:
    """Documents, word tokens by text hash, and mined terms of a generation."""
    if gen is None:
        return [], {}, []
    conn = store.open_db_readonly(gen / "docs.sqlite")
    try:
        _files, docs, words = read_all(conn)
    finally:
        conn.close()
    terms_file = gen / "terms.txt"
    terms = terms_file.read_text(encoding="utf-8").split() if terms_file.exists() else []
    return docs, words, terms


def _changed_files(paths: list[Path], old_files: dict[str, FileEntry], settings: Settings,
                   report: IngestReport, progress: Progress | None) -> list[Candidate]:
    """Files that are new or changed; unchanged ones are counted, oversized ones reported.

    Same size and modification time as stored → unchanged without reading; otherwise the content
    hash decides (a touched but identical file is not parsed again).
    """
    limit = settings.max_file_mb * 1024 * 1024
    changed: list[Candidate] = []
    for n, path in enumerate(paths, 1):
        key = str(path)
        old = old_files.get(key)
        try:
            info = path.stat()
            if info.st_size > limit:
                report.failed.append((key, f"文件过大（{info.st_size / 1024 / 1024:.1f} MB，上限 {settings.max_file_mb} MB）"))
                continue
            if old is not None and old.size == info.st_size and old.mtime == info.st_mtime:
                report.unchanged += 1
                continue
            digest = file_hash(path)
        except OSError as err:
            report.failed.append((key, f"无法读取（{err.strerror or err}）"))
            continue
        if old is not None and old.hash == digest:
            report.unchanged += 1
        else:
            changed.append(Candidate(path, info.st_size, info.st_mtime, digest))
        if progress and (n % 500 == 0 or n == len(paths)):
            progress("检查", n, len(paths))
    return changed


def _missing(old_files: dict[str, FileEntry]) -> set[str]:
    return {path for path in old_files if not Path(path).exists()}


def _parse(changed: list[Candidate], old_files: dict[str, FileEntry], old_docs: list[StoredDoc],
           report: IngestReport, progress: Progress | None,
           settings: Settings) -> tuple[list[FileEntry], list[StoredDoc]]:
    """Parse new/changed files; carry over unchanged ones and failed ones' earlier versions."""
    from assistant.ingest import soffice
    from assistant.ingest.pipeline import parse_file

    if soffice.soffice_binary() is not None:  # every changed .doc/.wps through as few soffice calls as possible
        try:
            soffice.prefetch([c.path for c in changed])
        except soffice.ConversionError:
            pass  # each file then reports its own reason (or uses the fallback reader)

    by_path: dict[str, list[StoredDoc]] = {}
    for stored in old_docs:
        by_path.setdefault(stored.path, []).append(stored)
    files = dict(old_files)
    limit = settings.max_file_mb * 1024 * 1024
    for n, item in enumerate(changed, 1):
        path, key = item.path, str(item.path)
        try:
            parsed = parse_file(path, max_bytes=limit)
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
            files[key] = FileEntry(key, item.digest, item.size, item.mtime, len(parsed))
            warnings = [w for d in parsed for w in d.warnings]
            if warnings:
                more = f"（另有 {len(warnings) - 1} 条警告）" if len(warnings) > 1 else ""
                report.warned.append((key, warnings[0] + more))
        if progress:
            progress("读取", n, len(changed))
    docs = [d for key in sorted(by_path) for d in by_path[key]]
    return [files[k] for k in sorted(files)], docs


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
