"""Offline OCR of page images (RapidOCR, PP-OCR models shipped inside the wheel: nothing is downloaded).

`ocr_pages` reads page images one at a time: red seals suppressed (`seal.py`), text recognised, lines
put in reading order and joined (`ocr_clean.py`). Every page's result is cached by the image's hash
(`ReadOptions.cache_dir`), so a re-ingest never OCRs a page twice. Bounds: pages per file, seconds per
file, pixels per page (`ReadOptions`); past them the file is refused with its reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.ingest import ocr_clean, options
from assistant.ingest.ocr_clean import OcrLine
from assistant.ingest.seal import suppress_seals
from assistant.models import ReadError

_ENGINE = None
CACHE_VERSION = "2"  # bump when the engine settings change the text


@dataclass(frozen=True)
class OcrResult:
    pages: tuple[str, ...]
    warnings: tuple[str, ...]
    mean_confidence: float
    seals: int


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("rapidocr") is not None


def engine():
    """The RapidOCR engine (loaded once, from the models in the wheel)."""
    global _ENGINE
    if _ENGINE is None:
        from rapidocr import RapidOCR

        # No text-line angle classifier: scanned pages are upright, and it turned whole lines of a
        # clean page upside down (a title read as "有关", confidence 0.60); without it 12 % faster.
        _ENGINE = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})
    return _ENGINE


def engine_id() -> str:
    from importlib import metadata

    return f"rapidocr-{metadata.version('rapidocr')}-v{CACHE_VERSION}"


def recognise(rgb: np.ndarray) -> list[OcrLine]:
    """Text lines of one RGB page image (seals already suppressed)."""
    result = engine()(rgb)
    boxes, texts, scores = getattr(result, "boxes", None), getattr(result, "txts", None), getattr(result, "scores", None)
    if boxes is None or texts is None:
        return []
    lines = []
    for box, text, score in zip(boxes, texts, scores):
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        lines.append(OcrLine(str(text), float(score), (min(xs), min(ys), max(xs), max(ys))))
    return lines


def ocr_page(rgb: np.ndarray, cache_dir: Path | None) -> tuple[list[OcrLine], int]:
    """(lines, seals found) for one page, from the cache when this exact image was read before."""
    key = hashlib.sha1(f"{engine_id()}|{rgb.shape}|".encode() + rgb.tobytes()).hexdigest()
    cache_file = cache_dir / "ocr" / key[:2] / f"{key}.json" if cache_dir else None
    if cache_file and cache_file.is_file():
        try:
            saved = json.loads(cache_file.read_text(encoding="utf-8"))
            return [OcrLine(t, s, tuple(b)) for t, s, b in saved["lines"]], int(saved["seals"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is recomputed
    cleaned, seals = suppress_seals(rgb)
    lines = ocr_clean.drop_seal_lines(recognise(cleaned)) if seals else recognise(cleaned)
    if cache_file:
        _write_atomic(cache_file, json.dumps({"lines": [[l.text, l.score, list(l.box)] for l in lines],
                                              "seals": seals}, ensure_ascii=False))
    return lines, seals


def ocr_pages(path: Path, pages: Sequence[Callable[[], np.ndarray]], first_page: int = 1,
              numbers: Sequence[int] | None = None) -> OcrResult:
    """OCR the page images (each a function returning an RGB array), within the bounds of ReadOptions."""
    opts = options.current()
    if not opts.ocr:
        raise ReadError(str(path), "需要 OCR 识别（扫描件或图片），但 OCR 已关闭（--no-ocr）")
    if not available():
        raise ReadError(str(path), "需要 OCR 识别，但未安装 rapidocr（运行 scripts/setup.sh）")
    if len(pages) > opts.ocr_max_pages:
        raise ReadError(str(path), f"需要 OCR 的页面有 {len(pages)} 页，超过上限 {opts.ocr_max_pages} 页"
                                   "（可用 GONGWEN_OCR_MAX_PAGES 调整）")
    numbers = list(numbers) if numbers is not None else list(range(first_page, first_page + len(pages)))
    started = time.perf_counter()
    texts, warnings, scores, seals = [], [], [], 0
    for n, (make, number) in enumerate(zip(pages, numbers), 1):
        lines, found = ocr_page(make(), opts.cache_dir)
        seals += found
        texts.append(ocr_clean.page_text(lines))
        scores.extend(line.score for line in lines)
        warnings.extend(ocr_clean.low_confidence_warnings(lines, number))
        elapsed = time.perf_counter() - started
        if opts.progress:
            end = "\n" if n == len(pages) else ""
            print(f"\rOCR {path.name}：{n}/{len(pages)} 页（{n / max(elapsed, 1e-6):.2f} 页/秒）", end=end,
                  file=sys.stderr, flush=True)
        if elapsed > opts.ocr_seconds and n < len(pages):
            raise ReadError(str(path), f"OCR 超时：{elapsed:.0f} 秒只识别了 {n}/{len(pages)} 页"
                                       f"（上限 {opts.ocr_seconds:g} 秒，可用 GONGWEN_OCR_SECONDS 调整）")
    mean = sum(scores) / len(scores) if scores else 0.0
    summary = f"已用 OCR 识别 {len(pages)} 页，平均置信度 {mean:.2f}"
    if seals:
        summary += f"，已去除印章 {seals} 处"
    return OcrResult(tuple(texts), (summary, *warnings), mean, seals)


def check_pixels(path: Path, width: int, height: int) -> None:
    limit = options.current().ocr_max_pixels
    if width * height > limit:
        raise ReadError(str(path), f"图像过大（{width}×{height} 像素，上限 {limit // 1_000_000} 百万像素）")


def _write_atomic(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError:
        pass  # the cache is an optimisation: a read-only disk must not fail the read
