"""`gongwen serve` as a user starts it: first start on an empty index builds it with progress, then serves."""

import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from test_ui_browser import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_first_start_builds_the_index_then_serves(tmp_path, seed_dir):
    from gradio_client import Client

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(seed_dir.glob("*.txt"))[:2]:
        shutil.copy(path, corpus / path.name)
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--index", str(tmp_path / "index"),
                                 "--corpus", str(corpus), "--port", str(port)],
                                cwd=tmp_path, stdout=err, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 600
        while True:
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "界面在 600 秒内没有启动"
            time.sleep(1)
        text = log.read_text(encoding="utf-8")
        assert "为空，正在把" in text and "入库完成：新增 2 个文件" in text
        assert "读取：2/2" in text.replace("\r", "\n")  # the progress line
        hits = Client(url, verbose=False).predict("医德医风", 3, api_name="/search")
        assert hits and all(h["source"].startswith(str(corpus.resolve())) for h in hits)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert (tmp_path / "index" / "CURRENT").exists()
