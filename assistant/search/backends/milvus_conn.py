"""Connecting to Milvus (Lite file or server) and the two collections' schema.

Collections (names start with the prefix, default `gongwen_`):

* `paragraphs` — every paragraph of every document, headings included (is_heading; headings carry a
  zero vector and are never returned by a search): pid (INT64 primary key = serial·2²⁰ + idx),
  doc_serial, text, original, `words` (our jieba tokens joined by spaces; Milvus computes BM25 on it
  with its whitespace analyzer → `wsparse`), `bsparse` (character-bigram BM25 as client sparse
  vectors, assistant.search.sparse_bm25), `dense` (FLOAT_VECTOR), role, near_dup, heading_path, level,
  number, text_hash, and the document fields filters need (doctype, year, org, path).
* `documents` — one row per document: serial (primary key), doc_key, doc_id, path, title, doctype,
  org, doc_number, date, year, original_script, warnings/removed/metadata (JSON text), content_hash,
  dup_group, the file it came from (file_hash, file_size, file_mtime, file_docs), `fingerprint`
  (what was indexed, to find changed documents), n_rows, and the document-level BM25 sparse vectors
  `dwords`, `dbigrams`. A document row is written after its paragraphs and deleted before them, so
  it marks a complete document: paragraphs without one are ignored and cleaned up by the next ingest.

Milvus Lite (a file path URI) refuses HNSW, so the dense index type is a setting: FLAT by default on
Lite (exact, as the embedded backend below 50k vectors), HNSW on a server, IVF_FLAT as a choice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from assistant.search import store

ROW_SHIFT = 20  # pid = serial << ROW_SHIFT | paragraph index
MAX_PARAGRAPHS = 1 << ROW_SHIFT
VARCHAR = 65535
TEXT_FIELDS = ("text", "original", "words")
DENSE_INDEXES = ("FLAT", "IVF_FLAT", "HNSW")


def is_lite(uri: str) -> bool:
    parsed = urlparse(uri)
    return not (parsed.scheme in ("http", "https", "tcp", "grpc", "unix") and (parsed.hostname or parsed.path))


def resolve_uri(settings) -> str:
    uri = (getattr(settings, "milvus_uri", None) or "").strip()
    if not uri:
        uri = str(Path(settings.index_dir) / "milvus" / "milvus.db")
    if is_lite(uri):
        path = Path(uri).expanduser()
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        return str(path.resolve())
    return uri


def dense_index_type(settings, uri: str) -> str:
    kind = (getattr(settings, "milvus_index", None) or ("FLAT" if is_lite(uri) else "HNSW")).upper()
    if kind not in DENSE_INDEXES:
        raise store.IndexError_(f"未知的 Milvus 向量索引类型 {kind}，可选：{'、'.join(DENSE_INDEXES)}")
    if kind == "HNSW" and is_lite(uri):
        raise store.IndexError_("Milvus Lite（本地文件）不支持 HNSW，请用 --milvus-index FLAT 或 IVF_FLAT，"
                                "或连接 Milvus 服务（--milvus-uri http://主机:19530）。")
    return kind


_CLIENTS: dict[tuple, object] = {}


def connect(settings):
    """A MilvusClient for the configured URI (one per URI and credentials in this process)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as err:  # pragma: no cover - pymilvus is a dependency
        raise store.IndexError_(f"未安装 pymilvus，无法使用 Milvus 后端：{err}") from err
    for name in ("pymilvus", "pymilvus.orm.iterator"):  # the iterator warns about client-side timestamps on Lite
        logging.getLogger(name).setLevel(logging.ERROR)
    uri = resolve_uri(settings)
    token = getattr(settings, "milvus_token", None) or ""
    user = getattr(settings, "milvus_user", None) or ""
    password = getattr(settings, "milvus_password", None) or ""
    key = (uri, token, user, password)
    client = _CLIENTS.get(key)
    if client is None:
        try:
            if token:
                client = MilvusClient(uri=uri, token=token, timeout=30)
            elif user:
                client = MilvusClient(uri=uri, user=user, password=password, timeout=30)
            else:
                client = MilvusClient(uri=uri, timeout=30)
        except Exception as err:
            raise store.IndexError_(f"无法连接 Milvus（{uri}）：{type(err).__name__}: {err}") from err
        _CLIENTS[key] = client
    return client


def names(settings) -> tuple[str, str]:
    prefix = getattr(settings, "milvus_prefix", None) or "gongwen_"
    return f"{prefix}paragraphs", f"{prefix}documents"


def create_collections(client, settings, dim: int) -> None:
    """Create both collections (with indexes) where missing."""
    from pymilvus import DataType, Function, FunctionType

    paragraphs, documents = names(settings)
    uri = resolve_uri(settings)
    if not client.has_collection(paragraphs):
        s = client.create_schema(auto_id=False)
        s.add_field("pid", DataType.INT64, is_primary=True)
        s.add_field("doc_serial", DataType.INT64)
        s.add_field("idx", DataType.INT64)
        s.add_field("is_heading", DataType.BOOL)
        s.add_field("text", DataType.VARCHAR, max_length=VARCHAR)
        s.add_field("original", DataType.VARCHAR, max_length=VARCHAR)
        s.add_field("words", DataType.VARCHAR, max_length=VARCHAR, enable_analyzer=True,
                    analyzer_params={"tokenizer": "whitespace"})
        s.add_field("wsparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("bsparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        for name in ("role", "near_dup", "number", "text_hash", "doctype", "org"):
            s.add_field(name, DataType.VARCHAR, max_length=1024)
        s.add_field("heading_path", DataType.VARCHAR, max_length=VARCHAR)
        s.add_field("path", DataType.VARCHAR, max_length=4096)
        s.add_field("level", DataType.INT64)
        s.add_field("year", DataType.INT64)
        s.add_function(Function(name="words_bm25", function_type=FunctionType.BM25, input_field_names=["words"],
                                output_field_names=["wsparse"], params={}))
        index = client.prepare_index_params()
        index.add_index("wsparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                        params={"bm25_k1": settings.k1, "bm25_b": settings.b})
        index.add_index("bsparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        kind = dense_index_type(settings, uri)
        params = {"M": 32, "efConstruction": 200} if kind == "HNSW" else {"nlist": 256} if kind == "IVF_FLAT" else {}
        index.add_index("dense", index_type=kind, metric_type="IP", params=params)
        client.create_collection(paragraphs, schema=s, index_params=index, consistency_level="Strong")
    if not client.has_collection(documents):
        s = client.create_schema(auto_id=False)
        s.add_field("serial", DataType.INT64, is_primary=True)
        for name in ("doc_key", "doc_id", "title", "metadata", "warnings", "removed"):
            s.add_field(name, DataType.VARCHAR, max_length=VARCHAR)
        s.add_field("path", DataType.VARCHAR, max_length=4096)
        for name in ("doctype", "org", "doc_number", "date", "original_script", "content_hash", "dup_group",
                     "file_hash", "fingerprint"):
            s.add_field(name, DataType.VARCHAR, max_length=1024)
        for name in ("year", "file_size", "file_docs", "n_rows"):
            s.add_field(name, DataType.INT64)
        s.add_field("file_mtime", DataType.DOUBLE)
        s.add_field("dwords", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("dbigrams", DataType.SPARSE_FLOAT_VECTOR)
        index = client.prepare_index_params()
        index.add_index("dwords", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        index.add_index("dbigrams", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        client.create_collection(documents, schema=s, index_params=index, consistency_level="Strong")


def drop_collections(client, settings) -> None:
    for name in names(settings):
        if client.has_collection(name):
            client.drop_collection(name)


def literal(value: str) -> str:
    """A Milvus expression string literal."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def like_contains(value: str) -> str:
    """A `like` pattern matching `value` anywhere (its % and _ literal)."""
    return literal("%" + str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")


def query_all(client, collection: str, filter_: str, fields: list[str], batch: int = 4000) -> list[dict]:
    """Every entity matching `filter_` (query_iterator; Milvus caps one query at 16,384 rows)."""
    out: list[dict] = []
    iterator = client.query_iterator(collection, batch_size=batch, filter=filter_, output_fields=fields)
    try:
        while True:
            page = iterator.next()
            if not page:
                break
            out.extend(page)
    finally:
        iterator.close()
    return out
