"""Search backends behind one interface (base.SearchBackend): `embedded` (default, needs nothing
running) and `milvus` (Milvus Lite in a file, or a Milvus server/cluster by URI)."""

from __future__ import annotations

from pathlib import Path

from assistant.search import store
from assistant.search.backends.base import KINDS, SearchBackend


def open_backend(settings) -> SearchBackend:
    """The configured backend's current state of the index at settings.index_dir."""
    index_dir = Path(settings.index_dir)
    kind = backend_kind(settings)
    if kind == "milvus":
        from assistant.search.backends.milvus import MilvusBackend

        return MilvusBackend.open(index_dir, settings)
    from assistant.search.backends.embedded import EmbeddedBackend
    from assistant.search.migrate import live_generation

    gen = live_generation(index_dir)  # an older format is upgraded first
    if gen is None:
        raise store.IndexError_(f"{index_dir} 中还没有索引，请先运行：gongwen ingest 文件或文件夹 --index {index_dir}")
    return EmbeddedBackend(gen)


def backend_kind(settings) -> str:
    kind = (getattr(settings, "backend", None) or "embedded").strip().lower()
    if kind not in KINDS:
        raise store.IndexError_(f"未知的检索后端 {kind!r}，可选：{'、'.join(KINDS)}")
    return kind
