"""LibreOffice headless: legacy word-processor files (.doc, .wps) → .docx, many files per call.

Starting soffice costs ~2 s; converting one more file in the same call ~0.1 s. So files are converted
in batches (`convert_many`), results kept in memory by content hash (`docx_for` looks there first), and
`prefetch(paths)` converts a whole folder's worth in one call. Every call runs with its own temporary
profile, without network (a network namespace where `unshare` allows it), with a timeout after which
the whole process group is killed; a file that hangs soffice fails alone, the rest are converted again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

from assistant.ingest.detect import OLE_MAGIC

BATCH_MAX = 64
CACHE_MAX_BYTES = 256 * 1024 * 1024
PER_FILE_SECONDS = 5.0
PREFETCH_MAX_BYTES = 200 * 1024 * 1024  # input bytes one prefetch holds in memory
_CACHE: "OrderedDict[str, bytes | str]" = OrderedDict()  # sha1 → docx bytes, or a failure reason
_CACHE_BYTES = 0
_NO_NET: list[str] | None = None


class ConversionError(Exception):
    """soffice is missing or could not convert the file; str() is a Chinese reason."""


def soffice_binary() -> str | None:
    """Path of soffice/libreoffice, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def cached(data: bytes) -> bytes | str | None:
    """The cached conversion (docx bytes or failure reason) of these bytes, if any."""
    return _CACHE.get(digest(data))


def docx_for(data: bytes, timeout: float = 120.0) -> bytes:
    """The .docx bytes LibreOffice makes of `data` (cached); ConversionError when it cannot."""
    result = cached(data)
    if result is None:
        result = convert_many([data], timeout)[0]
    if isinstance(result, str):
        raise ConversionError(result)
    return result


def prefetch(paths: Iterable[Path], timeout: float = 120.0, max_bytes: int = 50 * 1024 * 1024) -> int:
    """Convert the OLE files among `paths` not yet cached, BATCH_MAX per soffice call; returns how many."""
    pending: dict[str, bytes] = {}
    total = 0
    for path in paths:
        try:
            size = path.stat().st_size if path.is_file() else -1
            if size < 0 or size > max_bytes or (pending and total + size > PREFETCH_MAX_BYTES):
                continue
            with open(path, "rb") as handle:
                if handle.read(8) != OLE_MAGIC:
                    continue
            data = path.read_bytes()
        except OSError:
            continue
        if digest(data) not in _CACHE and digest(data) not in pending:
            pending[digest(data)] = data
            total += len(data)
    items = list(pending.values())
    for start in range(0, len(items), BATCH_MAX):
        convert_many(items[start:start + BATCH_MAX], timeout)
    return len(items)


def convert_many(items: list[bytes], timeout: float = 120.0) -> list[bytes | str]:
    """Convert each item to .docx with as few soffice calls as possible; results also cached."""
    binary = soffice_binary()
    if binary is None:
        raise ConversionError("未安装 LibreOffice（运行 scripts/setup.sh 安装 libreoffice-writer-nogui）")
    results: list[bytes | str | None] = [None] * len(items)
    todo = list(range(len(items)))
    with tempfile.TemporaryDirectory(prefix="gongwen-soffice-") as tmp:
        root = Path(tmp)
        while todo:
            done, hung = _run_batch(binary, root, [(i, items[i]) for i in todo], timeout)
            for i, value in done.items():
                results[i] = value
            if hung is None:
                break
            results[hung] = f"LibreOffice 转换超时（{timeout + PER_FILE_SECONDS:g} 秒），文件可能损坏"
            todo = [i for i in todo if results[i] is None]
    out = [r if r is not None else "LibreOffice 无法转换此文件（可能已损坏）" for r in results]
    for data, result in zip(items, out):
        _remember(digest(data), result)
    return out


def _run_batch(binary: str, root: Path, batch: list[tuple[int, bytes]],
               timeout: float) -> tuple[dict[int, bytes | str], int | None]:
    """One soffice call over the batch: (results by index, index of the file it hung on or None)."""
    work = Path(tempfile.mkdtemp(dir=root))
    src, out, profile = work / "in", work / "out", work / "profile"
    src.mkdir()
    out.mkdir()
    names = []
    for n, (_i, data) in enumerate(batch):
        name = f"f{n:05d}.doc"
        (src / name).write_bytes(data)
        names.append(name)
    cmd = [*_no_network(), binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML",
           "--outdir", str(out), *names]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
           "SAL_USE_VCLPLUGIN": "svp"}
    timed_out = False
    proc = subprocess.Popen(cmd, cwd=src, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=timeout + PER_FILE_SECONDS * len(batch))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
    results: dict[int, bytes | str] = {}
    hung = None
    for n, (i, _data) in enumerate(batch):
        target = out / (Path(names[n]).stem + ".docx")
        if target.is_file() and target.stat().st_size > 0:
            results[i] = target.read_bytes()
        elif timed_out and hung is None:
            hung = i  # files go through in order: the first one without output is the one it hung on
        elif not timed_out:
            results[i] = "LibreOffice 无法转换此文件（可能已损坏或不是 Word/WPS 文档）"
    shutil.rmtree(work, ignore_errors=True)
    return results, hung


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _no_network() -> list[str]:
    """`unshare -n` (or `-rn` for a non-root user) when it works here, else nothing."""
    global _NO_NET
    if _NO_NET is None:
        _NO_NET = []
        unshare = shutil.which("unshare")
        for flags in (["-n"], ["-rn"]):
            if unshare and subprocess.run([unshare, *flags, "true"], capture_output=True).returncode == 0:
                _NO_NET = [unshare, *flags]
                break
    return _NO_NET


def _remember(key: str, value: bytes | str) -> None:
    global _CACHE_BYTES
    if key in _CACHE:
        return
    _CACHE[key] = value
    _CACHE_BYTES += len(value)
    while _CACHE_BYTES > CACHE_MAX_BYTES and len(_CACHE) > 1:
        _old, dropped = _CACHE.popitem(last=False)
        _CACHE_BYTES -= len(dropped)
