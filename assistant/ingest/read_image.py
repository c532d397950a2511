"""Reader for page images (.png .jpg .tif ...): offline OCR, one page per image (per frame of a TIFF)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from assistant.models import RawDocument, ReadError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


def read_image(path: Path, data: bytes) -> list[RawDocument]:
    """A scanned page or photo of a 公文, read by OCR."""
    from assistant.ingest import ocr

    image = open_image(path, data)
    frames = getattr(image, "n_frames", 1) or 1

    def frame(n: int):
        def load() -> np.ndarray:
            image.seek(n)
            return to_rgb(path, image)
        return load

    result = ocr.ocr_pages(path, [frame(n) for n in range(frames)])
    text = "\n".join(page for page in result.pages if page)
    if not text.strip():
        raise ReadError(str(path), "图片中没有识别出文字")
    return [RawDocument(doc_id=path.stem, source=str(path), text=text, warnings=result.warnings,
                        metadata={"pages": frames, "ocr": True, "ocr_confidence": round(result.mean_confidence, 3)},
                        fmt="image")]


def open_image(path: Path, data: bytes):
    """A lazily decoded Pillow image, refused before decoding when its pixel count is over the limit."""
    from PIL import Image, UnidentifiedImageError

    from assistant.ingest.ocr import check_pixels

    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ReadError(str(path), "图像像素过多（疑似解压炸弹），已拒绝") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ReadError(str(path), f"不是有效的图片文件（{type(exc).__name__}）") from None
    check_pixels(path, *image.size)
    return image


def to_rgb(path: Path, image) -> np.ndarray:
    """Decoded RGB pixels (upright by EXIF, alpha on white); ReadError for a truncated or broken image."""
    from PIL import Image, ImageOps

    from assistant.ingest.ocr import check_pixels

    check_pixels(path, *image.size)
    try:
        image.load()
        image = ImageOps.exif_transpose(image)  # phone photos: the orientation tag says which way is up
        if image.mode in ("RGBA", "LA", "P"):
            rgba = image.convert("RGBA")
            page = Image.new("RGB", rgba.size, (255, 255, 255))
            page.paste(rgba, mask=rgba.split()[3])
            image = page
        return np.asarray(image.convert("RGB"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ReadError(str(path), f"图片已损坏，无法解码（{type(exc).__name__}）") from None
