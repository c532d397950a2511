"""Sample files in the archive formats, made by the tests themselves (never checked in).

One 公文 (`LINES`) is written as .docx (python-docx), converted by LibreOffice to .doc and .rtf, written
as an OFD to the GB/T 33190 structure with its text objects stored out of order, and rendered with a
CJK font to a page image with a red 版头 and a red seal over the date (clean 300 dpi PNG, a noisy,
skewed 200 dpi JPEG, an image-only PDF). `char_accuracy` scores a reader's text against `LINES`.
"""

from __future__ import annotations

import io
import math
import random
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

ISSUER = "某县卫生健康局文件"
DOC_NUMBER = "某卫发〔2024〕12号"
DATE = "2024年3月15日"
SEAL_TEXT = "某县卫生健康局公文专用章"
LINES = [
    "关于做好春季传染病防控工作的通知",
    "各乡镇卫生院，县直各医疗卫生单位：",
    "为切实做好春季传染病防控工作，保障人民群众身体健康，现将有关事项通知如下。",
    "一、提高思想认识",
    "各单位要充分认识春季传染病防控工作的重要性，把防控工作摆在突出位置，落实主体责任。",
    "二、加强监测预警",
    "各医疗机构要严格落实传染病报告制度，发现疫情及时报告，不得迟报、漏报、瞒报。",
    "三、做好宣传教育",
    "要广泛开展健康教育，引导群众养成良好卫生习惯，提高自我防护能力。",
    "某县卫生健康局",
    DATE,
]
FONT_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                   "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def source_text(with_header: bool = False) -> str:
    return "\n".join(([ISSUER, DOC_NUMBER] if with_header else []) + LINES)


def char_accuracy(reference: str, text: str) -> float:
    """1 − edit distance / reference length, whitespace removed from both."""
    a = "".join(reference.split())
    b = "".join(text.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1 - previous[-1] / max(len(a), 1)


# ---------------------------------------------------------------- word processor files


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph(ISSUER)
    document.add_paragraph(DOC_NUMBER)
    for line in LINES:
        document.add_paragraph(line)
    document.save(path)
    return path


def soffice_convert(sources: list[Path], fmt: str, outdir: Path, timeout: float = 180) -> list[Path]:
    """Convert with LibreOffice (own temporary profile) — how the tests make .doc and .rtf files."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise RuntimeError("LibreOffice not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
                       check=True, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return [outdir / (s.stem + "." + fmt.split(":")[0]) for s in sources]


# ---------------------------------------------------------------- OFD

_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def make_ofd(path: Path, lines: list[str] | None = None, shuffle_seed: int = 3) -> Path:
    """A one-page OFD (OFD.xml → Document.xml → Content.xml, a font in PublicRes), one TextObject per
    line, stored in shuffled order so only their positions give the reading order."""
    lines = lines or [ISSUER, DOC_NUMBER, *LINES]
    objects = []
    y = 30.0
    for n, line in enumerate(lines):
        size = 5.6
        x = 27.0 + (11.2 if n >= 3 and len(line) > 20 else 0)
        deltas = " ".join(["5.6"] * (len(line) - 1))
        objects.append(
            f'<ofd:TextObject ID="{100 + n}" Boundary="{x} {y} {size * len(line) + 1} {size + 2}" Font="2" Size="{size}">'
            f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{size}" DeltaX="{deltas}">{_esc(line)}</ofd:TextCode>'
            "</ofd:TextObject>")
        y += 9.0
    random.Random(shuffle_seed).shuffle(objects)
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>test</ofd:DocID><ofd:Title>关于做好春季传染病防控工作的通知</ofd:Title>'
                   '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}><ofd:CommonData>'
                              '<ofd:MaxUnitID>200</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              '</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                              '</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                              '</ofd:Pages></ofd:Document>',
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res"><ofd:Fonts>'
                               '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        "Doc_0/Pages/Page_0/Content.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}><ofd:Content>'
                                          f'<ofd:Layer ID="3">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def make_scanned_ofd(path: Path, image: bytes, fmt: str = "PNG") -> Path:
    """A one-page OFD whose page is one ImageObject (a scanned OFD): the image in Res/, a MultiMedia in
    DocumentRes.xml, no text objects."""
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>scan</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml'
                   '</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}><ofd:CommonData>'
                              '<ofd:MaxUnitID>9</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              '</ofd:PhysicalBox></ofd:PageArea><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>'
                              '</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                              '</ofd:Pages></ofd:Document>',
        "Doc_0/DocumentRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res"><ofd:MultiMedias>'
                                 f'<ofd:MultiMedia ID="5" Type="Image" Format="{fmt}"><ofd:MediaFile>page0.{fmt.lower()}'
                                 '</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>',
        "Doc_0/Pages/Page_0/Content.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}><ofd:Content>'
                                          '<ofd:Layer ID="2"><ofd:ImageObject ID="3" Boundary="0 0 210 297" '
                                          'CTM="210 0 0 297 0 0" ResourceID="5"/></ofd:Layer></ofd:Content></ofd:Page>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"Doc_0/Res/page0.{fmt.lower()}", image)
    return path


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- page images


def cjk_font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise RuntimeError("no CJK font (apt-get install fonts-noto-cjk)")


def render_page(dpi: int = 300, seal: bool = True, issuer: str = ISSUER, doc_number: str = DOC_NUMBER,
                lines: list[str] | None = None, seal_text: str = SEAL_TEXT, seal_shift: float = 0.0):
    """A4 page of a 公文 as an RGB Pillow image: red 版头 and rule, black text, red seal over the date.

    `lines`: title, 主送, body paragraphs…, 署名, 日期 (default LINES); `seal_shift` moves the seal
    sideways by that many seal radii."""
    lines = lines or LINES
    from PIL import Image, ImageDraw, ImageFont

    mm = dpi / 25.4
    width, height = int(210 * mm), int(297 * mm)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    font_path = cjk_font_path()
    body = ImageFont.truetype(font_path, int(5.6 * mm))
    head = ImageFont.truetype(font_path, int(13 * mm))
    left, right = int(27 * mm), width - int(26 * mm)
    y = int(35 * mm)
    _centre(draw, issuer, head, width, y, fill=(220, 20, 20))
    y += int(22 * mm)
    _centre(draw, doc_number, body, width, y)
    y += int(10 * mm)
    draw.rectangle([left, y, right, y + max(2, int(0.6 * mm))], fill=(220, 20, 20))
    y += int(12 * mm)
    line_height = int(9.5 * mm)
    char = int(5.6 * mm)
    signature_y = 0
    for n, line in enumerate(lines):
        if n == 0:
            _centre(draw, line, body, width, y)
            y += line_height + int(4 * mm)
            continue
        if n >= len(lines) - 2:
            y += line_height if n == len(lines) - 2 else 0
            x = right - char * (len(line) + 4)
            signature_y = signature_y or y
            draw.text((x, y), line, font=body, fill="black")
            y += line_height
            continue
        indent = 0 if n == 1 else 2
        rest = line
        first = True
        while rest:
            room = (right - left) - (indent * char if first else 0)
            take = 1
            while take < len(rest) and draw.textlength(rest[:take + 1], font=body) <= room:
                take += 1  # fill the line by width, as a typesetter does (digits are narrower)
            chunk, rest = rest[:take], rest[take:]
            draw.text((left + (indent * char if first else 0), y), chunk, font=body, fill="black")
            y += line_height
            first = False
    if seal:
        radius = int(21 * mm)
        _stamp(page, right - int(4 * char) - radius + int(seal_shift * radius), signature_y + line_height // 2, radius,
               font_path, seal_text)
    return page


def _centre(draw, text, font, width, y, fill="black") -> None:
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (box[2] - box[0])) // 2, y), text, font=font, fill=fill)


def _stamp(page, cx: int, cy: int, radius: int, font_path: str, seal_text: str = SEAL_TEXT) -> None:
    """A red round seal (ring, star, ring text) multiplied onto the page: text under it shows through."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    size = radius * 2 + 4
    seal = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(seal)
    red = (230, 30, 30)
    ring = max(3, radius // 14)
    draw.ellipse([2, 2, size - 3, size - 3], outline=red, width=ring)
    star = [(size / 2 + radius * 0.28 * math.cos(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4),
             size / 2 + radius * 0.28 * math.sin(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4))
            for k in range(10)]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(font_path, int(radius * 0.28))
    text = seal_text[:-5]
    span = 220
    for k, ch in enumerate(text):
        angle = -90 - span / 2 + span * (k + 0.5) / len(text)
        glyph = Image.new("L", (font.size + 6, font.size + 6), 0)
        ImageDraw.Draw(glyph).text((3, 0), ch, font=font, fill=255)
        glyph = glyph.rotate(-(angle + 90), expand=True)
        gx = size / 2 + (radius * 0.72) * math.cos(math.radians(angle)) - glyph.width / 2
        gy = size / 2 + (radius * 0.72) * math.sin(math.radians(angle)) - glyph.height / 2
        seal.paste(Image.new("RGB", glyph.size, red), (int(gx), int(gy)), glyph)
    bottom = ImageFont.truetype(font_path, int(radius * 0.2))
    box = draw.textbbox((0, 0), "公文专用章", font=bottom)
    draw.text(((size - (box[2] - box[0])) / 2, size / 2 + radius * 0.38), "公文专用章", font=bottom, fill=red)
    region = (cx - size // 2, cy - size // 2, cx - size // 2 + size, cy - size // 2 + size)
    page.paste(ImageChops.multiply(page.crop(region), seal), region[:2])


def noisy_scan(page, seed: int = 5):
    """The page as a 200 dpi scan: slightly skewed, grey noise, JPEG-compressed."""
    import numpy as np
    from PIL import Image

    rotated = page.rotate(0.8, resample=Image.BICUBIC, expand=False, fillcolor="white")
    pixels = np.asarray(rotated).astype(np.int16)
    noise = np.random.default_rng(seed).normal(0, 14, pixels.shape[:2])[..., None]
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def save_image_pdf(images, path: Path, dpi: int) -> Path:
    """An image-only PDF (no text layer), one page per image."""
    first, *rest = images
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path
