"""Searches while an ingest runs, and threads sharing one loaded index.

An ingest in another process adds `b/` to an index of `a/`. Meanwhile threads here open the index
and search again and again: every search succeeds, and each generation always answers the same —
the one before the run or the one after it. A `SearchIndex` opened before the run keeps its
generation. Threads sharing one `SearchIndex` get exactly the results of a sequential run.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.search.dense import Embedder
from assistant.search.engine import Filters, open_index
from assistant.search.ingest import ingest
from hostile import PROBE_QUERIES, make_two_step_corpus, open_search_index, probe

ROOT = Path(__file__).resolve().parents[1]
SEARCHERS = 3


def gongwen() -> list[str]:
    script = Path(sys.executable).with_name("gongwen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("concurrency")
    a, b = make_two_step_corpus(root / "corpus")
    index_dir = root / "index"
    ingest([a], Settings(index_dir=index_dir))
    embedder = Embedder()
    return {"a": a, "b": b, "index": index_dir, "embedder": embedder, "pre": probe(index_dir, embedder)}


def answer_of(index) -> tuple:
    """BM25-word hits of the probe queries (as `hostile.probe`), plus one hybrid search that must work."""
    answer = tuple(tuple(h.para_id for h in index.search(q, k=8, signals=("bm25_words",))) for q in PROBE_QUERIES)
    assert index.search(random.choice(PROBE_QUERIES), k=5)
    return answer


def test_searches_during_an_ingest_never_fail_and_see_one_generation(world):
    index_dir, embedder = world["index"], world["embedder"]
    kept = open_search_index(index_dir, embedder)  # opened before the run: must keep its generation
    seen: list[tuple[str, str, tuple, float]] = []  # (fresh/kept, generation, answer, start time)
    errors: list[str] = []
    counts = [0] * SEARCHERS
    stop = threading.Event()

    def searcher(n: int) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                index = open_search_index(index_dir, embedder)
                try:
                    seen.append(("fresh", index.gen.name, answer_of(index), started))
                finally:
                    index.backend.close()
                seen.append(("kept", kept.gen.name, answer_of(kept), started))
            except Exception as err:  # any failure is the finding: collect it with its type
                errors.append(f"{type(err).__name__}: {err}")
            counts[n] += 1
            time.sleep(0.1)  # leave the ingest some CPU (two cores)

    def wait_for_a_round() -> None:
        """Until every searcher has finished a search that started after this call."""
        target = [c + 2 for c in counts]
        deadline = time.monotonic() + 120
        while any(c < t for c, t in zip(counts, target)) and time.monotonic() < deadline and not errors:
            time.sleep(0.05)

    threads = [threading.Thread(target=searcher, args=(n,), daemon=True) for n in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    wait_for_a_round()
    began = time.perf_counter()
    proc = subprocess.run([*gongwen(), "ingest", str(world["a"]), str(world["b"]), "--index", str(index_dir)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    ended = time.perf_counter()
    wait_for_a_round()
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    kept.backend.close()

    assert proc.returncode == 0, proc.stderr
    assert not errors, errors[:5]
    post = probe(index_dir, embedder)
    pre = world["pre"]
    assert pre != post
    answers: dict[str, set] = {}
    for _, gen, answer, _ in seen:
        answers.setdefault(gen, set()).add(answer)
    assert all(len(a) == 1 for a in answers.values()), sorted(answers)  # one generation, one answer
    assert {a for group in answers.values() for a in group} == {pre, post}
    assert all(answer == pre for kind, _, answer, _ in seen if kind == "kept")
    fresh = [(answer, started) for kind, _, answer, started in seen if kind == "fresh"]
    assert all(answer == pre for answer, started in fresh if started < began)
    assert all(answer == post for answer, started in fresh if started > ended)
    during = [answer for answer, started in fresh if began <= started <= ended]
    assert during and all(answer in (pre, post) for answer in during)
    print(f"\n{len(seen)} searches, {len(during)} while the ingest ran ({ended - began:.1f} s), "
          f"generations {sorted(answers)}")


QUERIES = (*PROBE_QUERIES, '"医德医风" 建设', "卫生局 2010年 工作总结", "《关于开展三好一满意活动的实施方案》",
           "效劳 干部 作风", "患者 满意 服务", "x", "")
FILTERS = (None, Filters(role=("下一步打算",)), Filters(year_from=2009, year_to=2012))


def hit_key(hits) -> list[tuple]:
    return [(h.para_id, h.score, h.highlights, h.similar, tuple(sorted(h.explain))) for h in hits]


def test_threads_sharing_one_index_get_the_sequential_results(world):
    cases = [(q, f) for q in QUERIES for f in FILTERS]
    settings = Settings(index_dir=world["index"])
    shared = open_index(world["index"], settings)  # its own embedder: the threads race to load the model
    work = cases * 3
    random.Random(6).shuffle(work)
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda case: (case, hit_key(shared.search(case[0], k=8, filters=case[1]))), work))
    sequential_index = open_search_index(world["index"], world["embedder"])
    sequential = {case: hit_key(sequential_index.search(case[0], k=8, filters=case[1])) for case in cases}
    assert any(sequential.values())
    for case, hits in concurrent:
        assert hits == sequential[case], case
