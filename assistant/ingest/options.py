"""Reading options that readers need but `read_file(path)` does not carry: OCR on/off and its bounds.

The caller (CLI, UI) sets them for a block with `using(ReadOptions(...))`; without that, they come
from the environment (GONGWEN_NO_OCR, GONGWEN_OCR_MAX_PAGES, GONGWEN_OCR_SECONDS, GONGWEN_CACHE).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class ReadOptions:
    ocr: bool = True
    ocr_max_pages: int = 50  # pages OCR'd per file; a longer scan is refused with its reason
    ocr_seconds: float = 600.0  # OCR time per file; past it the file is refused
    ocr_max_pixels: int = 60_000_000  # a larger page image is refused (decompression bombs)
    cache_dir: Path | None = None  # OCR page cache; None = no cache
    soffice_timeout: float = 120.0  # one LibreOffice batch call (plus 5 s per file)
    progress: bool = False  # print OCR progress (pages/s) on stderr


def from_env() -> ReadOptions:
    env = os.environ
    base = ReadOptions()
    cache = env.get("GONGWEN_CACHE") or str(Path(env.get("GONGWEN_INDEX") or _ROOT / "index") / "ocr-cache")
    return ReadOptions(
        ocr=env.get("GONGWEN_NO_OCR", "").strip().lower() not in ("1", "true", "yes", "on"),
        ocr_max_pages=int(env["GONGWEN_OCR_MAX_PAGES"]) if env.get("GONGWEN_OCR_MAX_PAGES") else base.ocr_max_pages,
        ocr_seconds=float(env["GONGWEN_OCR_SECONDS"]) if env.get("GONGWEN_OCR_SECONDS") else base.ocr_seconds,
        cache_dir=Path(cache) if cache else None,
    )


def from_settings(settings, progress: bool = False) -> ReadOptions:
    """Options from the Settings (OCR switch and bounds); the OCR cache lives in the index folder."""
    return ReadOptions(ocr=settings.ocr, ocr_max_pages=settings.ocr_max_pages, ocr_seconds=settings.ocr_seconds,
                       cache_dir=Path(settings.index_dir) / "ocr-cache", progress=progress)


_CURRENT: contextvars.ContextVar[ReadOptions | None] = contextvars.ContextVar("gongwen_read_options", default=None)


def current() -> ReadOptions:
    """The options set by the innermost `using` block, else those from the environment."""
    options = _CURRENT.get()
    return options if options is not None else from_env()


@contextlib.contextmanager
def using(options: ReadOptions) -> Iterator[ReadOptions]:
    token = _CURRENT.set(options)
    try:
        yield options
    finally:
        _CURRENT.reset(token)
