"""Browser timings of the UI on an index (default: the bundled corpus in index/), with Debian's chromium.

    .venv/bin/python benchmarks/ui_bench.py [--index index] [--runs 7] [--json]

Starts the app in this process (loopback, free port), then measures in a real browser
- page load: navigation until the search box is usable and the filter choices have arrived;
- search-to-results: click 检索 until the results for that query are in the page;
- compose-to-outline: click 生成提纲 until the editor shows the outline.
Medians (and min/max) over --runs; the first search after start-up is reported apart (model warm-up
happens in the background at start, so it is usually as fast as the rest).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

QUERIES = ["加强医德医风建设 下一步打算", "优化营商环境 主要举措", "安全生产 存在的问题", "政府信息公开 申请",
           "生态环境 监管", "“放管服”改革", "信访工作 责任制", "乡村振兴"]


def stats(values: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values), 1), "min_ms": round(min(values), 1),
            "max_ms": round(max(values), 1), "n": len(values)}


def main() -> int:
    from playwright.sync_api import sync_playwright

    from assistant.config import settings_from_env
    from assistant.search import store
    from assistant.ui import launch
    from assistant.ui.service import Service
    from test_ui_browser import ARGS, CHROMIUM, free_port

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = settings_from_env(index_dir=args.index)
    if store.current_generation(args.index) is None:
        raise SystemExit(f"{args.index} 中没有索引：先运行 gongwen ingest corpus/ --index {args.index}")
    port = free_port()
    service = Service(settings)
    t0 = time.perf_counter()
    demo = launch(service, port=port, block=False, quiet=True)
    start_ms = (time.perf_counter() - t0) * 1000
    service.warm()
    url = f"http://127.0.0.1:{port}/"
    loads, searches, composes = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for run in range(args.runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("#gw-query textarea")
            page.click("#gw-f-doctype input")
            page.wait_for_selector("[role=option]")
            loads.append((time.perf_counter() - t0) * 1000)
            page.keyboard.press("Escape")
            for query in QUERIES:
                page.fill("#gw-query textarea", query)
                t0 = time.perf_counter()
                page.click("#gw-search-btn")
                page.wait_for_function("q => [...document.querySelectorAll('#gw-results [data-query]')]"
                                       ".some(e => e.dataset.query === q)", arg=query)
                searches.append((time.perf_counter() - t0) * 1000)
            if run < 3:
                page.get_by_role("tab", name="起草").click()
                page.fill("#gw-topic textarea", QUERIES[run].split()[0])
                t0 = time.perf_counter()
                page.click("#gw-compose")
                page.wait_for_function("() => document.querySelector('#gw-draft-status').innerText.includes('已生成')")
                page.wait_for_selector(".gw-para-box textarea, .gw-heading-box textarea")
                composes.append((time.perf_counter() - t0) * 1000)
            page.close()
        browser.close()
    demo.close()
    report = {"index": str(args.index), "paragraphs": service.stats()["paragraphs"], "server_start_ms": round(start_ms),
              "page_load": stats(loads), "first_search_ms": round(searches[0], 1), "search_to_results": stats(searches),
              "compose_to_outline": stats(composes)}
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
