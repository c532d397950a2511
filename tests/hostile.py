"""Generators for a corpus of hostile and broken input files (built in a temp folder, never checked in).

`make_hostile_corpus(folder)` writes every case and returns {case name: path}. `EXPECT` says what
ingest must do with each: "fail" (a per-file message, nothing indexed), "ok" (indexed, perhaps with a
warning), or "skip" (not a regular file: never opened, so never read or hung on).
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

GOOD_PARAGRAPH = "各单位要高度重视防汛工作，落实责任，加强值守，确保人民群众生命财产安全。"

EXPECT = {
    "empty": "fail",
    "garbage": "fail",
    "invalid_utf8": "ok",
    "gbk_bom_utf8": "ok",
    "gbk_meta_utf8": "ok",
    "truncated_docx": "fail",
    "bomb_docx": "fail",
    "bomb_styles_docx": "fail",
    "entity_docx": "fail",
    "corrupt_pdf": "fail",
    "encrypted_pdf": "fail",
    "big_text": "ok",
    "deep_html": "ok",
    "deep_jsonl": "ok",
    "surrogate_jsonl": "ok",
    "dotdot_name": "ok",
    "backslash_name": "ok",
    "hidden_dotdot": "skip",
    "fifo": "fail",
    "dev_zero_link": "fail",
    "self_link": "fail",
    "dangling_link": "fail",
    "loop_dir": "skip",
    "truncated_ole": "fail",
    "bomb_ofd": "fail",
    "pages_2000_pdf": "fail",
    "huge_image": "fail",
}


def make_hostile_corpus(folder: Path, big_mb: int = 30) -> dict[str, Path]:
    """Write every hostile case into `folder` (created); returns case name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(6)
    made: dict[str, Path] = {}

    def put(name: str, filename: str, data: bytes) -> None:
        path = folder / filename
        path.write_bytes(data)
        made[name] = path

    put("empty", "空文件.txt", b"")
    put("garbage", "garbage.txt", bytes(rng.getrandbits(8) for _ in range(64 * 1024)))
    good = ("关于做好防汛工作的通知\n" + GOOD_PARAGRAPH + "\n").encode("utf-8")
    put("invalid_utf8", "invalid_utf8.txt", good[:30] + b"\xff\xfe\xc3\x28" + good[30:] + b"\x80\x80")
    put("gbk_bom_utf8", "gbk_bom.txt", b"\xef\xbb\xbf" + ("关于加强安全生产的通知\n" + GOOD_PARAGRAPH).encode("gbk"))
    put("gbk_meta_utf8", "gbk_meta.html",
        ('<html><head><meta charset="utf-8"><title>防汛通知</title></head><body><div class="article">'
         f"<h1>关于做好防汛工作的通知</h1><p>{GOOD_PARAGRAPH}</p></div></body></html>").encode("gbk"))
    docx_bytes = good_docx_bytes()
    put("truncated_docx", "truncated.docx", docx_bytes[: len(docx_bytes) // 2])
    put("bomb_docx", "bomb.docx", zip_bomb_docx(docx_bytes, "word/document.xml"))
    put("bomb_styles_docx", "bomb_styles.docx", zip_bomb_docx(docx_bytes, "word/styles.xml", 20 * 1024 * 1024))
    put("entity_docx", "billion_laughs.docx", entity_docx(docx_bytes))
    put("corrupt_pdf", "corrupt.pdf", corrupt_pdf_bytes())
    put("encrypted_pdf", "encrypted.pdf", encrypted_pdf_bytes())
    made["big_text"] = big_text_file(folder / "大文件.txt", big_mb)
    put("truncated_ole", "truncated.doc", truncated_ole_bytes())
    put("bomb_ofd", "bomb.ofd", zip_bomb_ofd())
    put("pages_2000_pdf", "scan_2000_pages.pdf", image_pdf_bytes(2000))
    put("huge_image", "huge_20000.png", png_header_bytes(20_000, 20_000))
    depth = 200_000
    put("deep_html", "deep.html",
        ("<html><body>" + "<div>" * depth + "深层正文：" + GOOD_PARAGRAPH + "</div>" * depth + "</body></html>").encode())
    deep_line = "[" * 100_000 + "]" * 100_000
    put("deep_jsonl", "deep.jsonl",
        (deep_line + "\n" + '{"id": "ok-1", "text": "' + GOOD_PARAGRAPH + '"}\n').encode("utf-8"))
    # Lone surrogate escapes are valid JSON but not text: UTF-8 (SQLite, OpenCC) cannot encode them.
    put("surrogate_jsonl", "surrogates.jsonl",
        ('{"id": "s-1", "title": "\\udfff", "text": "关于防汛的通知\\n' + GOOD_PARAGRAPH + '\\ud800", '
         '"note": ["\\udc00", {"\\ud83d": 1}]}\n').encode("utf-8"))
    put("dotdot_name", "报告..%2F..%2Fevil..txt", ("关于../路径的说明\n" + GOOD_PARAGRAPH).encode("utf-8"))
    put("backslash_name", "x..\\..\\windows..txt", ("反斜杠文件名\n" + GOOD_PARAGRAPH).encode("utf-8"))
    put("hidden_dotdot", "..\\hidden.txt", GOOD_PARAGRAPH.encode("utf-8"))  # a dot file: skipped
    fifo = folder / "fifo.txt"
    os.mkfifo(fifo)
    made["fifo"] = fifo
    made["dev_zero_link"] = _symlink(folder / "zero.txt", Path("/dev/zero"))
    made["self_link"] = _symlink(folder / "self.txt", folder / "self.txt")
    made["dangling_link"] = _symlink(folder / "dangling.txt", folder / "no-such-file.txt")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "inner.txt").write_text("子目录文件\n" + GOOD_PARAGRAPH, encoding="utf-8")
    made["loop_dir"] = _symlink(sub / "loop", folder)
    return made


def _symlink(link: Path, target: Path) -> Path:
    os.symlink(target, link)
    return link


def good_docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("关于做好防汛工作的通知", level=1)
    for _ in range(5):
        document.add_paragraph(GOOD_PARAGRAPH)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(docx_bytes: bytes, member: str, size: int = 300 * 1024 * 1024) -> bytes:
    """A valid .docx whose `member` is replaced by `size` bytes of XML padding (ratio ≈ 1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info.filename))
                continue
            original = src.read(member)
            head, tail = original.rsplit(b"</", 1)
            with dst.open(member, "w", force_zip64=True) as handle:
                handle.write(head)
                block = b"<!--" + b" " * (1 << 20) + b"-->"
                for _ in range(size // len(block)):
                    handle.write(block)
                handle.write(b"</" + tail)
    return out.getvalue()


def entity_docx(docx_bytes: bytes) -> bytes:
    """A .docx whose document.xml declares a billion-laughs entity chain."""
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                decl, rest = data.split(b"?>", 1)
                doctype = ("<!DOCTYPE w:document [" + "".join(lol) + "]>").encode()
                data = decl + b"?>" + doctype + rest.replace(b"</w:body>", b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>")
            dst.writestr(info.filename, data)
    return out.getvalue()


def truncated_ole_bytes() -> bytes:
    """The first 4 KB of an OLE compound file (a .doc cut short): header and a broken sector table."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:34] = bytes([0x3E, 0, 3, 0, 0xFE, 0xFF, 9, 0, 6, 0])
    header[44:48] = (1).to_bytes(4, "little")  # one FAT sector, which is missing
    header[48:52] = (5).to_bytes(4, "little")
    return bytes(header) + bytes(random.Random(7).getrandbits(8) for _ in range(3584))


def zip_bomb_ofd(size: int = 8 * 1024 * 1024) -> bytes:
    """A zip with OFD.xml (so it is taken for an OFD) and one member of `size` zero bytes (ratio ≈ 1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        dst.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
                                "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        with dst.open("Doc_0/Document.xml", "w") as handle:
            for _ in range(size // (1 << 20)):
                handle.write(b"\0" * (1 << 20))
    return out.getvalue()


def image_pdf_bytes(pages: int) -> bytes:
    """An image-only PDF of `pages` tiny pages (no text layer: every page would need OCR)."""
    from PIL import Image

    buffer = io.BytesIO()
    images = [Image.new("L", (8, 8), 255) for _ in range(pages)]
    images[0].save(buffer, "PDF", resolution=1, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def png_header_bytes(width: int, height: int) -> bytes:
    """A PNG declaring width × height pixels (a decompression bomb: tiny file, huge image)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\0" + b"\xff" * ((width + 7) // 8)
    idat = zlib.compress(row * 64, 9)  # only the first rows: the rest is missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def corrupt_pdf_bytes() -> bytes:
    data = pdf_bytes()
    return data[: len(data) // 3] + b"\x00garbage" * 100


def pdf_bytes(encrypt=None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 760, "关于做好防汛工作的通知")
    pdf.drawString(72, 740, GOOD_PARAGRAPH)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    from reportlab.lib import pdfencrypt

    return pdf_bytes(pdfencrypt.StandardEncryption("user-secret", "owner-secret"))


def big_text_file(path: Path, megabytes: int, distinct: int | None = 400) -> Path:
    """A `megabytes` MB UTF-8 text of numbered parts and paragraphs.

    With `distinct`, paragraphs are drawn from a pool of that many (so indexing it embeds only the
    pool: tests stay fast); with None every paragraph is random (the parse-cost worst case).
    """
    rng = random.Random(30)
    words = ["加强", "组织", "领导", "落实", "责任", "推进", "改革", "发展", "安全", "生产", "卫生", "健康",
             "教育", "培训", "监督", "检查", "服务", "群众", "基层", "制度", "建设", "防汛", "工作", "机制"]

    def paragraph() -> str:
        return "".join(rng.choice(words) for _ in range(rng.randint(10, 40))) + "。\n"

    pool = [paragraph() for _ in range(distinct)] if distinct else []
    limit = megabytes * 1024 * 1024
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("某县年度工作资料汇编\n")
        n = 0
        while written < limit:
            n += 1
            if n % 40 == 1:
                line = f"第{n // 40 + 1}部分　工作情况\n"
            else:
                line = rng.choice(pool) if pool else paragraph()
            handle.write(line)
            written += len(line.encode("utf-8"))
    return path


def check_index_consistent(index_dir: Path) -> dict:
    """Assert the live generation is complete and its parts agree; returns its manifest counts.

    CURRENT names a finished generation; manifest counts = SQLite rows = BM25 documents = FAISS
    vectors; every paragraph row number 0..n-1 exists once; every document's file is listed.
    """
    from assistant.search import store
    from assistant.search.bm25 import BM25Index
    from assistant.search.vectors import VectorIndex

    from assistant.search import segments

    gen = store.current_generation(index_dir)
    assert gen is not None and not gen.name.endswith(".tmp")
    manifest = store.read_manifest(gen)
    counts = manifest["counts"]
    conn = store.open_db_readonly(gen / "docs.sqlite")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n_docs = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        rows = [r[0] for r in conn.execute("SELECT row FROM paragraphs WHERE row IS NOT NULL ORDER BY row")]
        orphan = conn.execute("SELECT COUNT(*) FROM documents WHERE path NOT IN (SELECT path FROM files)").fetchone()[0]
    finally:
        conn.close()
    assert n_docs == counts["documents"]
    assert orphan == 0
    total = segments.total_rows(manifest)  # an incremental generation: rows of replaced documents are gaps
    assert len(rows) == counts["paragraphs"] and len(set(rows)) == len(rows) and all(0 <= r < total for r in rows)
    if not segments.is_segmented(manifest):
        assert rows == list(range(counts["paragraphs"]))
    parts = segments.part_dirs(gen, manifest)
    for name in ("bm25_words", "bm25_bigrams"):
        assert sum(BM25Index.load(folder / name).n_docs for _, folder in parts) == total
    assert sum(VectorIndex.load(folder / "vectors.faiss").ntotal for _, folder in parts) == total
    return counts


# ---------------------------------------------------------------- a growing two-step corpus
# Crash and concurrency tests ingest `a/` first (the "pre" index), then `a/` + `b/` (the "post" one).

SEEDS = Path(__file__).parent / "data" / "seeds"
PROBE_QUERIES = ("医德医风", "三好一满意 活动", "卫生局 发展 提升", "下一步 工作 打算", "干部 效劳年", "安全")


def make_two_step_corpus(root: Path) -> tuple[Path, Path]:
    """`a/` with two seed documents and `b/` with the other three."""
    import shutil

    a, b = root / "a", root / "b"
    a.mkdir(parents=True)
    b.mkdir()
    for n, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        shutil.copy(path, (a if n < 2 else b) / path.name)
    return a, b


def probe(index_dir: Path, embedder=None) -> tuple:
    """What the live generation answers: BM25-word hits (doc, paragraph) of PROBE_QUERIES.

    BM25 is exact, so two complete generations over the same files answer identically; with an
    `embedder` (a loaded `Embedder`, shared so that each probe does not load the model again) a
    hybrid search is run too — it must not fail, but it is not compared: vectors computed in
    different batches may differ in the last bits. Raises `IndexError_` when there is no index.
    """
    index = open_search_index(index_dir, embedder)
    try:
        answer = tuple(tuple(h.para_id for h in index.search(q, k=8, signals=("bm25_words",)))
                       for q in PROBE_QUERIES)
        if embedder is not None:
            assert index.search(PROBE_QUERIES[0], k=3)
    finally:
        index.backend.close()
    return answer


def open_search_index(index_dir: Path, embedder=None):
    """`open_index` of the live generation; `embedder` (already loaded) replaces the lazily loaded one."""
    from assistant.config import Settings
    from assistant.search.engine import open_index

    index = open_index(index_dir, Settings(index_dir=index_dir))
    if embedder is not None:
        index._embedder = embedder  # the model takes seconds to load; one copy serves every index
    return index


def cached_hashes(index_dir: Path) -> set[str]:
    """Text hashes in the embedding cache (read-only; the cache may be mid-write by another process)."""
    import sqlite3

    path = index_dir / "embed_cache.sqlite"
    if not path.exists():
        return set()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return {row[0] for row in conn.execute("SELECT hash FROM vectors")}
    except sqlite3.OperationalError:  # created but the table not yet written
        return set()
    finally:
        conn.close()


def indexed_hashes(index_dir: Path) -> set[str]:
    """Text hashes of every indexed paragraph of the live generation."""
    from assistant.search import store

    conn = store.open_db_readonly(store.current_generation(index_dir) / "docs.sqlite")
    try:
        return {row[0] for row in conn.execute("SELECT text_hash FROM paragraphs WHERE row IS NOT NULL")}
    finally:
        conn.close()
