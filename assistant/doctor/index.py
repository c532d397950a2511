"""Doctor checks of the index folder: live generation, format, counts, model, leftovers, cache, disk.

Read-only: nothing is migrated, locked or removed here (a leftover `.tmp` folder is reported with
the command that removes it).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sqlite3
from pathlib import Path

from assistant.config import Settings
from assistant.doctor import Check
from assistant.search import store

COUNT_NAMES = {"files": "文件", "documents": "文档", "paragraphs": "段落", "segments": "片段", "sections": "章节",
               "duplicate_groups": "重复文档组", "near_duplicate_paragraphs": "近似重复段落"}
LOW_DISK = 1 << 30  # 1 GiB


def check_index(settings: Settings) -> list[Check]:
    index_dir = Path(settings.index_dir)
    checks = [_generation(index_dir, settings)]
    checks += [_leftovers(index_dir), _cache(index_dir), _disk(index_dir)]
    return [c for c in checks if c is not None]


def _generation(index_dir: Path, settings: Settings) -> Check:
    if (settings.backend or "embedded") == "milvus":
        return _milvus(index_dir, settings)
    ingest_hint = f"gongwen ingest 文件夹 --index {index_dir}"
    try:
        gen = store.current_generation(index_dir)
    except store.IndexError_ as err:
        return Check("index", "索引", False, str(err), f"gongwen ingest 原文件夹 --rebuild --index {index_dir}", essential=True)
    if gen is None:
        return Check("index", "索引", None, f"{index_dir} 中还没有索引", f"入库：{ingest_hint}（或 bash scripts/run.sh）")
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return Check("index", "索引", False, f"{gen.name} 的 manifest.json 无法读取：{err}",
                     f"gongwen ingest 原文件夹 --rebuild --index {index_dir}", essential=True)
    version = manifest.get("format_version")
    counts = manifest.get("counts", {})
    listed = "，".join(f"{COUNT_NAMES.get(k, k)} {v}" for k, v in counts.items())
    detail = f"{index_dir}：当前版本 {gen.name}，格式 {version}，{listed}"
    if "segments" in manifest:  # written by incremental ingests (assistant.search.segments)
        detail += f"；基础段之外有 {len(manifest['segments'])} 个增量分段（gongwen compact 可合并）"
    if isinstance(version, int) and version > store.FORMAT_VERSION:
        return Check("index", "索引", False, detail + f"（本程序只支持到格式 {store.FORMAT_VERSION}）",
                     "升级本程序，或 gongwen ingest 原文件夹 --rebuild 以本程序的格式重建", essential=True)
    problem = _integrity(gen, counts) or _model_mismatch(manifest, settings)
    if not problem and version == store.FORMAT_VERSION:
        problem = _opens(gen, index_dir, settings)
    if problem:
        return Check("index", "索引", False, f"{detail}；{problem}", f"gongwen ingest 原文件夹 --rebuild --index {index_dir}",
                     essential=True)
    if version != store.FORMAT_VERSION:
        return Check("index", "索引", True, detail + f"（旧格式，打开时自动升级到 {store.FORMAT_VERSION}）")
    return Check("index", "索引", True, detail)


def _integrity(gen: Path, counts: dict) -> str:
    """Empty when docs.sqlite opens and holds the documents the manifest counts."""
    db = gen / "docs.sqlite"
    if not db.is_file():
        return "缺少 docs.sqlite"
    try:
        conn = store.open_db_readonly(db)
        try:
            documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as err:
        return f"docs.sqlite 无法读取（{err}）"
    if "documents" in counts and documents != counts["documents"]:
        return f"docs.sqlite 中有 {documents} 篇文档，manifest 记为 {counts['documents']}"
    return ""


def _milvus(index_dir: Path, settings: Settings) -> Check:
    """The Milvus backend: local manifest present, the store opens and holds what the manifest counts."""
    from assistant.search.backends.milvus import MilvusBackend, read_local_manifest

    fix = f"gongwen ingest 原文件夹 --index {index_dir} --backend milvus"
    manifest = read_local_manifest(index_dir)
    if manifest is None:
        return Check("index", "索引", None, f"{index_dir} 中还没有 Milvus 索引", f"入库：{fix}")
    counts = manifest.get("counts", {})
    listed = "，".join(f"{COUNT_NAMES.get(k, k)} {v}" for k, v in counts.items())
    detail = f"{index_dir}（Milvus {manifest.get('milvus', {}).get('uri', '')}）：{manifest.get('generation')}，{listed}"
    try:
        backend = MilvusBackend.open(index_dir, settings)
    except store.IndexError_ as err:
        return Check("index", "索引", False, f"{detail}；{err}", fix, essential=True)
    except Exception as err:  # noqa: BLE001 — a server that does not answer, a damaged file
        return Check("index", "索引", False, f"{detail}；无法打开（{type(err).__name__}: {err}）", fix, essential=True)
    found = {"documents": len(backend.docs), "paragraphs": backend.n}
    differ = [f"{COUNT_NAMES[k]} {v}（清单记为 {counts.get(k)}）" for k, v in found.items() if counts.get(k) != v]
    if differ:
        return Check("index", "索引", False, f"{detail}；Milvus 中实有 {'、'.join(differ)}", fix, essential=True)
    return Check("index", "索引", True, detail)


def _opens(gen: Path, index_dir: Path, settings: Settings) -> str:
    """Empty when the generation loads as the search engine loads it (BM25, vectors, tokenizer; no model)."""
    from assistant.search.backends.embedded import EmbeddedBackend
    from assistant.search.engine import SearchIndex

    try:
        SearchIndex(EmbeddedBackend(gen), settings.with_(index_dir=index_dir))
    except store.IndexError_ as err:
        return str(err)
    except Exception as err:  # noqa: BLE001 — a missing or damaged file
        return f"无法打开（{type(err).__name__}: {err}）"
    return ""


def _model_mismatch(manifest: dict, settings: Settings) -> str:
    from assistant.search.dense import Embedder

    built = (manifest.get("embedding") or {}).get("model_id")
    try:
        configured = Embedder(settings.model).model_id
    except RuntimeError:
        return ""  # the model line reports a missing model
    if built and built != configured:
        return f"由向量模型 {built} 构建，当前配置为 {configured}（改回原模型，或重建）"
    return ""


def _leftovers(index_dir: Path) -> Check | None:
    if not index_dir.is_dir():
        return None
    tmp = sorted(p for p in index_dir.glob("*.tmp"))
    if not tmp:
        return Check("index_tmp", "临时文件", True, "没有中断的入库留下的临时目录")
    if _writer_busy(index_dir):
        return Check("index_tmp", "临时文件", None, f"入库进行中：{'、'.join(p.name for p in tmp)}", "")
    size = sum(_size(p) for p in tmp)
    return Check("index_tmp", "临时文件", False,
                 f"中断的入库留下 {len(tmp)} 个临时目录（{'、'.join(p.name for p in tmp)}，共 {_mb(size)}）",
                 "下次入库成功时会自动清除；也可在没有入库进行时删除：rm -r " + " ".join(str(p) for p in tmp))


def _writer_busy(index_dir: Path) -> bool:
    lock = index_dir / "ingest.lock"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def _cache(index_dir: Path) -> Check | None:
    path = index_dir / "embed_cache.sqlite"
    if not path.is_file():
        return None if not index_dir.is_dir() else Check("embed_cache", "向量缓存", None, "还没有向量缓存（首次入库时建立）")
    size = sum(_size(p) for p in index_dir.glob("embed_cache.sqlite*"))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT model_id, COUNT(*) FROM vectors GROUP BY model_id").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as err:
        return Check("embed_cache", "向量缓存", False, f"{path} 无法读取（{err}）",
                     "删除该文件后重新入库（向量将重新计算）")
    models = "；".join(f"{model} {count} 个向量" for model, count in rows) or "空"
    return Check("embed_cache", "向量缓存", True, f"{_mb(size)}：{models}")


def _disk(index_dir: Path) -> Check:
    existing = next((p for p in [index_dir, *index_dir.resolve().parents] if p.exists()), Path("/"))
    free = shutil.disk_usage(existing).free
    ok = free >= LOW_DISK
    return Check("disk", "磁盘空间", ok, f"{existing} 所在磁盘剩余 {free / (1 << 30):.1f} GB",
                 "" if ok else "剩余不足 1 GB：入库会写一个完整的新版本，请清理磁盘或把索引放到更大的磁盘（--index）")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"
