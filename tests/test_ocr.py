"""OCR of scanned pages: a 公文 rendered by the test (Pillow + CJK font, red 版头, red seal over the date)
read from a clean 300 dpi PNG and a noisy, skewed 200 dpi image-only PDF; cleaning rules; cache; bounds.
OCR costs seconds per page on this machine: few pages, each read once (the cache serves repeats)."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

import format_samples as fs
from assistant.ingest import ocr, options, seal
from assistant.ingest.ocr_clean import OcrLine, low_confidence_warnings, normalise_doc_number, page_text
from assistant.ingest.pipeline import parse_file
from assistant.ingest.read import read_file
from assistant.models import ReadError

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="rapidocr not installed")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("scans")
    clean = fs.render_page(dpi=300)
    clean_png = root / "通知_300dpi.png"
    clean.save(clean_png)
    noisy_pdf = fs.save_image_pdf([fs.noisy_scan(fs.render_page(dpi=200))], root / "通知_扫描.pdf", dpi=200)
    return {"root": root, "clean": clean, "png": clean_png, "pdf": noisy_pdf, "cache": root / "cache"}


def test_doc_number_brackets_are_normalised_in_context():
    assert normalise_doc_number("某府发[2024]12号") == "某府发〔2024〕12号"
    assert normalise_doc_number("国办发【2023】 7 号") == "国办发〔2023〕7号"
    assert normalise_doc_number("某卫发〔[2024〕12号") == "某卫发〔2024〕12号"
    assert normalise_doc_number("见附件[1]和(2024)年计划") == "见附件[1]和(2024)年计划"


def test_lines_broken_by_the_page_width_are_joined_and_paragraphs_kept():
    h = 40

    def line(text, x0, x1, y):
        return OcrLine(text, 0.99, (x0, y, x1, y + h))

    lines = [
        line("关于做好防汛工作的通知", 400, 1100, 100),
        line("各乡镇：", 100, 300, 200),
        line("为切实做好防汛工作，现将有关事项通知", 180, 1500, 300),  # indented first line, reaches the margin
        line("如下。", 100, 220, 360),  # continuation: not indented
        line("一、提高认识", 180, 500, 420),
        line("某县人民政府", 1100, 1480, 520),
        line("2024年3月15日", 1100, 1500, 580),
    ]
    assert page_text(lines[::-1]).splitlines() == [
        "关于做好防汛工作的通知", "各乡镇：", "为切实做好防汛工作，现将有关事项通知如下。", "一、提高认识",
        "某县人民政府", "2024年3月15日"]


def test_low_confidence_lines_are_reported_with_page_and_line():
    lines = [OcrLine("清楚的一行", 0.98, (0, 0, 100, 20)), OcrLine("模糊的一行", 0.41, (0, 40, 100, 60))]
    assert low_confidence_warnings(lines, page=3) == ["第 3 页第 2 行识别置信度低（0.41）：模糊的一行"]


def test_only_the_round_seal_is_suppressed_not_the_red_header(pages):
    rgb = np.asarray(pages["clean"])
    seals = seal.find_seals(rgb)
    assert len(seals) == 1
    cleaned, found = seal.suppress_seals(rgb)
    assert found == 1
    height = rgb.shape[0]
    top = slice(0, height // 4)  # the 版头 and its rule
    assert seal.red_mask(cleaned[top]).sum() == seal.red_mask(rgb[top]).sum() > 1000
    assert seal.red_mask(cleaned).sum() < 0.05 * seal.red_mask(rgb[height // 2:]).sum() + seal.red_mask(rgb[top]).sum()


@needs_ocr
def test_clean_300dpi_scan(pages):
    with options.using(options.ReadOptions(cache_dir=pages["cache"])):
        raw, = read_file(pages["png"])
        accuracy = fs.char_accuracy(fs.source_text(with_header=True), raw.text)
        assert accuracy >= 0.97, (accuracy, raw.text)
        assert "专用章" not in raw.text and raw.text.count("某县卫生健康局") == 2  # 版头 + 署名, not the seal ring
        assert raw.warnings[0].startswith("已用 OCR 识别 1 页") and "印章" in raw.warnings[0]
        doc, = parse_file(pages["png"])
        assert doc.doc_number == fs.DOC_NUMBER and doc.date == "2024-03-15" and doc.title == fs.LINES[0]
        started = time.perf_counter()
        again, = read_file(pages["png"])  # the page cache: no second OCR
        assert again.text == raw.text and time.perf_counter() - started < 3
    assert list((pages["cache"] / "ocr").rglob("*.json"))


@needs_ocr
def test_scanned_ofd_page_goes_to_ocr(pages):
    ofd = fs.make_scanned_ofd(pages["root"] / "扫描件.ofd", pages["png"].read_bytes())
    with options.using(options.ReadOptions(cache_dir=pages["cache"])):  # the same page image: from the cache
        raw, = read_file(ofd)
    assert raw.fmt == "ofd" and raw.warnings[0].startswith("已用 OCR 识别 1 页")
    assert fs.char_accuracy(fs.source_text(with_header=True), raw.text) >= 0.97
    with options.using(options.ReadOptions(ocr=False)):
        with pytest.raises(ReadError, match="OCR"):
            read_file(ofd)


@needs_ocr
def test_noisy_200dpi_image_only_pdf(pages):
    with options.using(options.ReadOptions(cache_dir=pages["cache"])):
        raw, = read_file(pages["pdf"])
        accuracy = fs.char_accuracy(fs.source_text(with_header=True), raw.text)
        assert accuracy >= 0.93, (accuracy, raw.text)
        assert "专用章" not in raw.text
        doc, = parse_file(pages["pdf"])  # from the page cache
        assert doc.doc_number == fs.DOC_NUMBER and doc.date == "2024-03-15"
        assert any("OCR" in w for w in doc.warnings)


def test_no_ocr_refuses_scans_with_the_reason(pages):
    with options.using(options.ReadOptions(ocr=False)):
        with pytest.raises(ReadError, match="OCR 已关闭"):
            read_file(pages["png"])
        with pytest.raises(ReadError, match="没有文字层.*OCR 已关闭"):
            read_file(pages["pdf"])


@needs_ocr
def test_mixed_pdf_ocrs_only_the_page_without_a_text_layer(tmp_path):
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    strip = Image.new("RGB", (900, 90), "white")
    ImageDraw.Draw(strip).text((20, 15), "附件：防汛物资清单", font=ImageFont.truetype(fs.cjk_font_path(), 56),
                               fill="black")
    image_file = tmp_path / "strip.png"
    strip.save(image_file)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("STSong-Light", 14)
    pdf.drawString(72, 760, "关于做好防汛工作的通知")
    pdf.drawString(72, 730, "各单位要高度重视防汛工作，落实责任，加强值守。")
    pdf.showPage()
    pdf.drawImage(str(image_file), 72, 600, width=450, height=45)
    pdf.showPage()
    pdf.save()
    path = tmp_path / "mixed.pdf"
    path.write_bytes(buffer.getvalue())
    with options.using(options.ReadOptions(cache_dir=None)):
        raw, = read_file(path)
    assert raw.text.splitlines()[0] == "关于做好防汛工作的通知"
    assert "防汛物资清单" in raw.text
    assert raw.warnings[0].startswith("已用 OCR 识别 1 页")
    with options.using(options.ReadOptions(ocr=False)):
        off, = read_file(path)
    assert "防汛物资清单" not in off.text and "第 2 页没有文字层" in off.warnings[0]


def test_bounds_page_count_and_pixels_refused_before_any_ocr(tmp_path):
    from hostile import image_pdf_bytes, png_header_bytes

    many = tmp_path / "scan_2000.pdf"
    many.write_bytes(image_pdf_bytes(2000))
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_header_bytes(20_000, 20_000))
    large = tmp_path / "large.png"
    large.write_bytes(png_header_bytes(9_000, 9_000))  # under Pillow's own bomb limit, over ours
    started = time.perf_counter()
    with pytest.raises(ReadError, match="2000 页，超过上限 50 页"):
        read_file(many)
    with pytest.raises(ReadError, match="像素"):
        read_file(huge)
    with pytest.raises(ReadError, match="图像过大"):
        read_file(large)
    with options.using(options.ReadOptions(ocr_max_pages=1)):
        with pytest.raises(ReadError, match="超过上限 1 页"):
            read_file(many)
    assert time.perf_counter() - started < 30


def test_photo_orientation_tag_is_applied_before_ocr():
    from pathlib import Path

    from PIL import Image

    from assistant.ingest.read_image import open_image, to_rgb

    photo = Image.new("RGB", (40, 20), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", exif=exif.tobytes())
    path = Path("photo.jpg")
    assert to_rgb(path, open_image(path, buffer.getvalue())).shape == (40, 20, 3)
