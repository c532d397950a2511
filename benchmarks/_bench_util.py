"""Helpers for benchmarks/search_bench.py: corpus files, queries, timers, the peer pipeline, RSS."""

from __future__ import annotations

import contextlib
import json
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "data" / "corpora" / "lawrefbook_laws"
SKIP = {"_index.md", "readme.md", "source.md"}
DIM = 512

TOPICS = """劳动合同解除的经济补偿 政府信息公开的申请程序 安全生产责任 信访事项的受理 行政复议的申请期限
行政处罚的听证程序 土地征收补偿标准 食品安全监督管理 环境影响评价制度 未成年人保护的家庭责任 工伤认定的条件
最低工资标准的确定 消费者权益保护的惩罚性赔偿 个人信息处理的告知同意 网络安全等级保护 税收征收管理的滞纳金
政府采购的招标方式 建设工程质量责任 突发事件应急预案 传染病疫情报告 药品注册管理 道路交通事故责任认定
城乡规划的修改程序 国有资产监督管理 反垄断经营者集中申报 公务员的考核与奖惩 事业单位工作人员处分
社会保险费的征缴 住房公积金的提取 义务教育经费保障 知识产权侵权赔偿 商标注册的申请 专利权的保护期限
公司股东的出资责任 合伙企业的债务承担 破产管理人的职责 仲裁协议的效力 民事诉讼的管辖 行政诉讼的起诉期限
国家赔偿的范围 刑事案件的立案追诉标准 监察机关的调查措施 人民调解委员会的组成 法律援助的申请条件
村民委员会的选举 野生动物保护名录 水污染防治的排污许可 矿产资源开采登记 农村土地承包经营权流转
残疾人就业保障 慈善组织的公开募捐 统计数据的真实性 档案的保管期限 地方性法规的备案审查""".split()


def law_files(root: Path = LAWS, limit: int | None = None) -> list[Path]:
    """All law Markdown files (sorted), without _index.md / README / SOURCE; the first `limit`."""
    files = sorted(p for p in root.rglob("*.md") if p.name.lower() not in SKIP)
    return files[:limit] if limit else files


def random_embed(texts) -> tuple[np.ndarray, int]:
    """Random unit float32 vectors (dim 512) seeded by the text count: same texts → same vectors."""
    x = np.random.default_rng(len(texts)).standard_normal((len(texts), DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, 0


def make_queries(texts: list[str], n: int, seed: int, used: set[str], topics: bool = True) -> list[str]:
    """`n` query strings never seen before (in `used`): topic queries first, then 8–15-char paragraph prefixes."""
    rng = random.Random(seed)
    out = [q for q in (TOPICS if topics else []) if q not in used][:n]
    used.update(out)
    while len(out) < n:
        text = rng.choice(texts).strip()
        q = text[: rng.randint(8, 15)]
        if len(q) >= 4 and q not in used:
            used.add(q)
            out.append(q)
    return out


def pct(values, qs=(50, 95, 99)) -> dict[str, float]:
    return {f"p{q}": round(float(np.percentile(values, q)), 2) for q in qs}


def median(values) -> float:
    return round(float(statistics.median(values)), 3)


class StageClock:
    """Wall time spent inside patched functions, per label (nested calls counted at each level)."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, list[float]] = defaultdict(list)

    def wrap(self, label: str, fn, keep_calls: bool = False):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                self.seconds[label] += took
                if keep_calls:
                    self.calls[label].append(took)
        return timed

    @contextlib.contextmanager
    def patched(self, targets: list[tuple[object, str, str]]):
        """Temporarily replace obj.name by a timed wrapper for each (obj, name, label)."""
        saved = [(obj, name, obj.__dict__[name]) for obj, name, _ in targets]
        try:
            for obj, name, label in targets:
                raw = obj.__dict__[name]
                if isinstance(raw, classmethod):
                    setattr(obj, name, classmethod(self.wrap(label, raw.__func__)))
                else:
                    setattr(obj, name, self.wrap(label, raw))
            yield self
        finally:
            for obj, name, raw in saved:
                setattr(obj, name, raw)


def ingest_stage_targets() -> list[tuple[object, str, str]]:
    """Functions inside ingest/build_generation worth timing (patched at their lookup site)."""
    from assistant.ingest import dedup, pipeline
    from assistant.search import bm25, build, ingest, tokenize, vectors

    return [(ingest, "_previous_state", "load previous generation"), (ingest, "file_hash", "hash files"),
            (pipeline, "parse_file", "parse files"), (tokenize, "mine_terms", "mine terms"),
            (tokenize.Tokenizer, "words", "jieba words"),
            (dedup, "find_duplicate_documents", "dedup documents"),
            (dedup, "near_duplicate_paragraphs", "near-dup paragraphs"), (build, "write_all", "write sqlite"),
            (bm25.BM25Index, "build", "bm25 build"), (bm25.BM25Index, "save", "bm25 save"),
            (vectors.VectorIndex, "build", "faiss build"), (vectors.VectorIndex, "save", "faiss save"),
            (build.store, "publish_generation", "fsync+publish"), (build, "build_levels", "section/document levels"), (ingest, "read_all", "read_all (sqlite)")]


class Peer:
    """Langchain-Chatchat style: rank_bm25.BM25Okapi on jieba.lcut + faiss IndexFlatIP + RRF(k=60)."""

    def __init__(self, texts: list[str], vectors: np.ndarray, model_path: str):
        import faiss
        import jieba
        from rank_bm25 import BM25Okapi
        from sentence_transformers import SentenceTransformer

        jieba.setLogLevel(60)  # no "Building prefix dict" chatter
        self.jieba = jieba
        start = time.perf_counter()
        self.bm25 = BM25Okapi([jieba.lcut(t) for t in texts])
        self.flat = faiss.IndexFlatIP(vectors.shape[1])
        self.flat.add(np.ascontiguousarray(vectors))
        self.build_seconds = time.perf_counter() - start
        self.model = SentenceTransformer(model_path, device="cpu")  # fp32, as HuggingFaceEmbeddings runs it
        self.parts: dict[str, list[float]] = defaultdict(list)

    def search(self, query: str, k: int = 10) -> list[int]:
        t0 = time.perf_counter()
        qv = self.model.encode([query], normalize_embeddings=True, show_progress_bar=False).astype(np.float32)
        t1 = time.perf_counter()
        scores = self.bm25.get_scores(self.jieba.lcut(query))
        sparse_top = np.argsort(scores)[::-1][:k]  # BM25Okapi.get_top_n does a full argsort too
        t2 = time.perf_counter()
        _, ids = self.flat.search(qv, k)
        t3 = time.perf_counter()
        fused: dict[int, float] = defaultdict(float)
        for ranked in (sparse_top.tolist(), ids[0].tolist()):
            for rank, row in enumerate(ranked, 1):
                fused[row] += 1.0 / (60 + rank)
        out = sorted(fused, key=fused.get, reverse=True)[:k]
        for name, took in (("embed", t1 - t0), ("bm25", t2 - t1), ("faiss", t3 - t2),
                           ("rest", time.perf_counter() - t3)):
            self.parts[name].append(took * 1e3)
        return out


RSS_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
def rss():
    fields = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    return {{k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM")}}
import faiss, numpy, scipy, jieba, torch, sentence_transformers
from assistant.config import Settings
from assistant.search import engine, bm25, vectors, tokenize, dense, fusion, query
emb = dense.Embedder()
emb.model
out = {{"loaded": rss()}}
if {with_index!r}:
    idx = engine.open_index({index!r}, Settings(index_dir={index!r}))
    out["opened"] = rss()
    idx.search("劳动合同解除的经济补偿", k=10)
    out["searched"] = rss()
else:
    emb.encode_query("劳动合同解除的经济补偿")
    out["encoded"] = rss()
print(json.dumps(out))
"""


def child_rss(index_dir: Path | None) -> dict:
    code = RSS_CHILD.format(root=str(ROOT), index=str(index_dir), with_index=index_dir is not None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_per_paragraph(index_dir: Path, paragraphs: int) -> dict:
    base, full = child_rss(None), child_rss(index_dir)
    mb = 1 / 2**20
    searched = full["searched"]["VmRSS"]
    return {"baseline_loaded_mb": round(base["loaded"]["VmRSS"] * mb, 1),
            "baseline_encoded_mb": round(base["encoded"]["VmRSS"] * mb, 1),
            "index_proc_loaded_mb": round(full["loaded"]["VmRSS"] * mb, 1),
            "index_proc_opened_mb": round(full["opened"]["VmRSS"] * mb, 1),
            "index_proc_searched_mb": round(searched * mb, 1),
            "index_proc_peak_mb": round(full["searched"]["VmHWM"] * mb, 1),
            "bytes_per_paragraph": round((searched - base["loaded"]["VmRSS"]) / max(1, paragraphs)),
            "bytes_per_paragraph_vs_encoded": round((searched - base["encoded"]["VmRSS"]) / max(1, paragraphs))}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_embed_throughput(n: int, runs: int) -> dict:
    """Run benchmarks/embed_throughput.py unchanged and pick its ratio line."""
    script = ROOT / "benchmarks" / "embed_throughput.py"
    if not script.exists():
        return {"skipped": "benchmarks/embed_throughput.py not present"}
    cmd = [sys.executable, str(script), "--n", str(n), "--runs", str(runs)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    ratio = next((l for l in lines if l.startswith("speed ratio")), None)
    return {"command": " ".join(cmd[1:]), "returncode": done.returncode, "ratio_line": ratio,
            "output": lines[-8:] or done.stderr.strip().splitlines()[-5:]}
