"""Load test: N concurrent clients calling /search (and some /compose) of a running app for T seconds.

    .venv/bin/python benchmarks/load_test.py --url http://127.0.0.1:7860/ --clients 16 --seconds 60
    .venv/bin/python benchmarks/load_test.py --index index --clients 16 --seconds 60   # starts its own server

Clients speak the app's HTTP API (POST /gradio_api/run/<name>, JSON) by default; `--client gradio`
uses `gradio_client` instead (heavier on the client side: with 16 of them in one Python process the
client, not the server, is the bottleneck on 2 cores). Loopback only (refuses other hosts), bounded
in clients (≤ 64) and time (≤ 600 s). Prints errors, requests, throughput and p50/p95/p99 latency,
as JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from urllib.parse import urlparse

QUERIES = ["加强医德医风建设 下一步打算", "优化营商环境", "安全生产 存在的问题", "政府工作报告 主要任务", "信访工作 责任",
           "生态环境 监管", "煤炭 管理", "干部作风 整顿", "政务公开", "基本医疗卫生服务", "乡村振兴 产业", "就业 保障"]
MAX_CLIENTS, MAX_SECONDS = 64, 600


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[pos]


class HttpClient:
    """The app's plain HTTP API: POST {"data": [...]} to /gradio_api/run/<name>."""

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/gradio_api/run/"

    def predict(self, *data, api_name: str):
        import urllib.request

        request = urllib.request.Request(self.url + api_name.strip("/"), data=json.dumps({"data": data}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = json.load(response)
        if "error" in payload or "data" not in payload:
            raise ValueError(str(payload.get("error") or payload)[:200])
        return payload["data"][0]


def run_load(url: str, clients: int = 16, seconds: float = 60, compose_share: float = 0.05, seed: int = 0,
             client: str = "http") -> dict:
    """Drive the app at `url`; returns counts and latencies (ms)."""
    if client == "gradio":
        from gradio_client import Client
    else:
        Client = HttpClient  # noqa: N806

    host = urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"只对本机地址施压：{url}")
    clients = max(1, min(clients, MAX_CLIENTS))
    seconds = max(1.0, min(seconds, MAX_SECONDS))
    latencies: dict[str, list[float]] = {"search": [], "compose": []}
    errors: list[str] = []
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        rng = random.Random(seed + n)
        try:
            api = Client(url) if client == "http" else Client(url, verbose=False)
        except Exception as err:  # counted, not raised: the report must show it
            with lock:
                errors.append(f"connect: {err}")
            start_barrier.wait()
            return
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            kind = "compose" if rng.random() < compose_share else "search"
            t0 = time.perf_counter()
            try:
                if kind == "search":
                    result = api.predict(rng.choice(QUERIES), 10, "", "", 0, 0, "", "", api_name="/search")
                    ok = isinstance(result, list)
                else:
                    result = api.predict("工作总结", rng.choice(QUERIES), "某县人民政府", 2026, "", 2,
                                            api_name="/compose")
                    ok = isinstance(result, dict) and "sections" in result
                if not ok:
                    raise ValueError(f"unexpected result {type(result)}")
            except Exception as err:
                with lock:
                    errors.append(f"{kind}: {type(err).__name__}: {err}")
                continue
            with lock:
                latencies[kind].append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    start_barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - began
    done = latencies["search"] + latencies["compose"]
    report = {"client": client, "clients": clients, "seconds": round(elapsed, 1), "requests": len(done), "errors": len(errors),
              "error_samples": errors[:5], "throughput_rps": round(len(done) / elapsed, 1) if elapsed else 0.0}
    for kind, values in latencies.items():
        report[kind] = {"n": len(values), "p50_ms": round(percentile(values, 50), 1),
                        "p95_ms": round(percentile(values, 95), 1), "p99_ms": round(percentile(values, 99), 1),
                        "mean_ms": round(statistics.fmean(values), 1) if values else None}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app (loopback)")
    parser.add_argument("--index", help="start a server in this process over this index instead")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--client", choices=["http", "gradio"], default="http")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    demo = None
    url = args.url
    if not url:
        if not args.index:
            parser.error("--url 或 --index 二选一")
        from pathlib import Path

        from assistant.config import settings_from_env
        from assistant.ui import launch
        from assistant.ui.service import Service

        service = Service(settings_from_env(index_dir=Path(args.index)))
        demo = launch(service, port=7877, block=False, quiet=True)
        service.warm()
        url = "http://127.0.0.1:7877/"
    report = run_load(url, args.clients, args.seconds, client=args.client)
    if demo is not None:
        demo.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
