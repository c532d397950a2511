"""`gongwen ingest` killed with SIGKILL at random points: the index is never broken.

Two runs are killed: the first ingest (`a/` into an empty folder) and the second (`a/` + `b/` into
the index of `a/`). After each kill the index opens and answers exactly as before the run or as
after it (no error, no mix); where the first run died before its first generation switch there is
no index and opening says so plainly. Re-running ingest then completes and embeds only what the
killed run had not yet committed to the embedding cache.

Kill times are seeded and stratified over three windows of a measured full run: anywhere from the
start (mostly model loading), during the vector stage (the model loads, vectors are computed and
committed), and after the vectors are done (the generation is written, fsynced and switched).
GONGWEN_CRASH_SEED picks another schedule.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.search.dense import Embedder
from assistant.search.ingest import ingest
from assistant.search.store import IndexError_
from hostile import cached_hashes, check_index_consistent, indexed_hashes, make_two_step_corpus, probe

ROOT = Path(__file__).resolve().parents[1]
SEED = int(os.environ.get("GONGWEN_CRASH_SEED", "6"))
VECTORS = "向量：".encode()


def gongwen() -> list[str]:
    script = Path(sys.executable).with_name("gongwen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


@dataclass
class Run:
    returncode: int | None  # None: killed while running
    stdout: str
    stderr: str
    seconds: float
    vectors_at: float | None  # when the vector stage started (its first progress output)
    vectors_done_at: float | None  # when every vector was computed and committed
    published_at: float | None  # when CURRENT switched to a new generation


def run_ingest(paths: list[Path], index_dir: Path, kill: tuple[str, float] | None = None) -> Run:
    """Run `gongwen ingest`; `kill=(window, seconds)` sends SIGKILL that long after the window opens.

    Windows: "start" (the process start), "vectors" (vector stage begins), "written" (all vectors
    committed). Progress lines are read as they are written, so windows open on the real events.
    """
    started = time.perf_counter()
    proc = subprocess.Popen([*gongwen(), "ingest", *map(str, paths), "--index", str(index_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    seen = {"start": threading.Event(), "vectors": threading.Event(), "written": threading.Event()}
    seen["start"].set()
    times: dict[str, float] = {}
    err = bytearray()

    def read_stderr() -> None:
        while chunk := os.read(proc.stderr.fileno(), 4096):
            err.extend(chunk)
            now = time.perf_counter() - started
            text = err.decode("utf-8", errors="ignore")
            if not seen["vectors"].is_set() and VECTORS in err:
                times["vectors"] = now
                seen["vectors"].set()
            if seen["vectors"].is_set() and not seen["written"].is_set():
                tail = text[text.index("向量："):]
                for piece in tail.replace("\r", "\n").split("\n"):
                    done, _, of = piece.removeprefix("向量：").partition("（")[0].partition("/")
                    if done.isdigit() and of.isdigit() and done == of:
                        times["written"] = now
                        seen["written"].set()

    pointer = index_dir / "CURRENT"
    first = pointer.read_bytes() if pointer.exists() else None
    running = True

    def watch_pointer() -> None:
        while running and "published" not in times:
            try:
                now = pointer.read_bytes()
            except FileNotFoundError:
                now = None
            if now != first:
                times["published"] = time.perf_counter() - started
            time.sleep(0.002)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    watcher = threading.Thread(target=watch_pointer, daemon=True)
    watcher.start()
    killed = False
    if kill is not None:
        window, delay = kill
        while not seen[window].wait(0.005) and proc.poll() is None:
            pass
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed = True
    out = proc.stdout.read().decode("utf-8", errors="replace")
    proc.wait(timeout=300)
    reader.join(timeout=10)
    running = False
    watcher.join(timeout=10)
    seconds = time.perf_counter() - started
    return Run(None if killed else proc.returncode, out, err.decode("utf-8", errors="replace"), seconds,
               times.get("vectors"), times.get("written"), times.get("published"))


def schedule(full: Run, rng: random.Random) -> list[tuple[str, str, float]]:
    """(which run, window, delay) for each kill: stratified random points in each window."""
    windows = {
        "start": full.seconds,
        "vectors": full.vectors_done_at - full.vectors_at,
        "written": max(full.published_at - full.vectors_done_at, 0.1) * 2,  # the second run writes more
    }
    plan = [("first", "start", 1), ("first", "vectors", 1), ("first", "written", 1),
            ("second", "start", 1), ("second", "vectors", 2), ("second", "written", 3)]
    kills = []
    for which, window, n in plan:
        for i in range(n):
            kills.append((which, window, (i + rng.random()) / n * windows[window]))
    return kills


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The corpus, the pre index (a/), the post answer and one full measured run."""
    root = tmp_path_factory.mktemp("crash")
    a, b = make_two_step_corpus(root / "corpus")
    pre_index = root / "pre"
    full = run_ingest([a], pre_index)
    assert full.returncode == 0, full.stderr
    assert None not in (full.vectors_at, full.vectors_done_at, full.published_at), full
    embedder = Embedder()
    pre = probe(pre_index, embedder)
    post_index = root / "post"
    shutil.copytree(pre_index, post_index)
    ingest([a, b], Settings(index_dir=post_index))
    post = probe(post_index, embedder)
    assert pre != post
    return {"root": root, "a": a, "b": b, "pre_index": pre_index, "pre": pre, "post": post,
            "full": full, "embedder": embedder}


def test_sigkill_at_random_points_never_breaks_the_index(world):
    rng = random.Random(SEED)
    kills = schedule(world["full"], rng)
    rng.shuffle(kills)
    outcomes = []
    for n, (which, window, delay) in enumerate(kills):
        index_dir = world["root"] / f"kill-{n:02d}"
        if which == "first":
            paths, before, after = [world["a"]], None, world["pre"]
        else:
            shutil.copytree(world["pre_index"], index_dir)
            paths, before, after = [world["a"], world["b"]], world["pre"], world["post"]
        run = run_ingest(paths, index_dir, kill=(window, delay))
        where = f"kill {n} ({which} run, {window} + {delay:.2f} s, seed {SEED})"
        assert run.returncode in (None, 0), f"{where}: {run.stderr}"

        try:
            state = probe(index_dir, world["embedder"])
        except IndexError_ as err:
            assert before is None, f"{where}: {err}"
            assert "还没有索引，请先运行：gongwen ingest" in str(err), f"{where}: {err}"
            state = None
        assert state in (before, after), f"{where}: the index answers neither as before nor as after"

        cached = cached_hashes(index_dir)
        redo = time.perf_counter()
        report = ingest(paths, Settings(index_dir=index_dir))
        assert not report.failed, report.failed
        assert probe(index_dir, world["embedder"]) == after, where
        assert report.embedded == len(indexed_hashes(index_dir) - cached), where
        assert cached <= cached_hashes(index_dir)
        check_index_consistent(index_dir)
        assert not [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")], where
        outcomes.append((which, window, round(delay, 2), "killed" if run.returncode is None else "finished",
                         "none" if state is None else "before" if state == before else "after",
                         report.embedded, round(run.seconds, 1), round(time.perf_counter() - redo, 1)))
    print("\n".join(map(str, outcomes)))  # pytest -s shows which state each kill left


UPDATE_TEXT = """关于加强医德医风建设的补充通知

各医疗卫生单位：

为巩固“三好一满意”活动成果，现就进一步加强医德医风建设、保障医疗安全补充通知如下。

一、各单位要把医德医风建设纳入年度考核，增量入库测试专用段落不得删改。

二、卫生局将组织专项检查，发现问题限期整改，确保安全生产责任落实到人。
"""


def test_sigkill_during_an_incremental_update_never_breaks_the_index(world):
    """The third run adds one small file to the index of a/ + b/: an incremental segment (delta.py),
    not a full build. Killed at stratified points of a measured run, the index answers exactly as
    before or as after; re-running ingest completes it."""
    from assistant.search import segments, store

    root = world["root"]
    extra = root / "corpus" / "extra"
    extra.mkdir(exist_ok=True)
    (extra / "补充通知.txt").write_text(UPDATE_TEXT, encoding="utf-8")
    base = root / "update-base"
    shutil.copytree(world["pre_index"], base)
    ingest([world["a"], world["b"]], Settings(index_dir=base))  # the post state, a full build
    paths = [world["a"], world["b"], extra]
    measured = root / "update-measured"
    shutil.copytree(base, measured)
    full = run_ingest(paths, measured)
    assert full.returncode == 0, full.stderr
    assert segments.is_segmented(store.read_manifest(store.current_generation(measured)))  # the path under test
    assert None not in (full.vectors_at, full.vectors_done_at, full.published_at), full
    before, after = probe(base, world["embedder"]), probe(measured, world["embedder"])
    assert before != after
    rng = random.Random(SEED + 1)
    windows = {"start": full.seconds, "vectors": max(full.vectors_done_at - full.vectors_at, 0.05),
               "written": max(full.published_at - full.vectors_done_at, 0.1) * 1.5}
    kills = [(w, (i + rng.random()) / n * windows[w]) for w, n in (("start", 2), ("vectors", 1), ("written", 2))
             for i in range(n)]
    outcomes = []
    for n, (window, delay) in enumerate(kills):
        index_dir = root / f"update-kill-{n:02d}"
        shutil.copytree(base, index_dir)
        run = run_ingest(paths, index_dir, kill=(window, delay))
        where = f"update kill {n} ({window} + {delay:.2f} s, seed {SEED})"
        assert run.returncode in (None, 0), f"{where}: {run.stderr}"
        state = probe(index_dir, world["embedder"])
        assert state in (before, after), f"{where}: the index answers neither as before nor as after"
        check_index_consistent(index_dir)
        report = ingest(paths, Settings(index_dir=index_dir))
        assert not report.failed, report.failed
        assert probe(index_dir, world["embedder"]) == after, where
        check_index_consistent(index_dir)
        assert not [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")], where
        outcomes.append((window, round(delay, 2), "killed" if run.returncode is None else "finished",
                         "before" if state == before else "after", report.embedded))
    print("\n".join(map(str, outcomes)))
