"""The Milvus backend (read side): searches run in Milvus — word BM25 by Milvus itself over our jieba
tokens, bigram and document-level BM25 as client sparse vectors, dense vectors — with filters
translated to Milvus expressions. The index folder keeps what is ours: manifest, mined terms, the
sparse vocabulary and statistics (`DIR/milvus/`), and the embedding cache.

At open the paragraphs' metadata is read once and numbered in primary-key order (documents are
written with consecutive keys, so a document's — and a section's — rows stay contiguous, as the
engine's levels need); every later call goes to Milvus.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from assistant.search import store
from assistant.search.backends import milvus_conn as mc
from assistant.search.backends.base import Columns, RowRecord, Scope, SearchBackend
from assistant.search.level_index import section_key
from assistant.search.levels import groups_from_ids, run_ids
from assistant.search.sparse_bm25 import Stats, Vocab

FOLDER = "milvus"
BODY = "is_heading == false"
DOC_OUTPUT = ["serial", "doc_key", "doc_id", "path", "title", "doctype", "org", "doc_number", "date", "year",
              "original_script", "warnings", "removed", "metadata", "content_hash", "dup_group", "file_hash",
              "file_size", "file_mtime", "file_docs", "fingerprint", "n_rows"]
ROW_OUTPUT = ["pid", "doc_serial", "idx", "text", "original", "heading_path", "role"]


def folder(index_dir: Path) -> Path:
    return Path(index_dir) / FOLDER


def read_local_manifest(index_dir: Path) -> dict | None:
    path = folder(index_dir) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def state_stamp(settings) -> str | None:
    """The state name of the last finished Milvus ingest (None: nothing indexed yet)."""
    manifest = read_local_manifest(Path(settings.index_dir))
    return manifest.get("generation") if manifest else None


class MilvusBackend(SearchBackend):
    kind = "milvus"

    @classmethod
    def open(cls, index_dir: Path, settings) -> "MilvusBackend":
        manifest = read_local_manifest(index_dir)
        if manifest is None:
            raise store.IndexError_(f"{index_dir} 中还没有 Milvus 索引，请先运行：gongwen ingest 文件或文件夹 "
                                    f"--index {index_dir} --backend milvus")
        return cls(index_dir, settings, manifest)

    def __init__(self, index_dir: Path, settings, manifest: dict):
        self.index_dir, self.settings, self.manifest = Path(index_dir), settings, manifest
        local = folder(index_dir)
        self.terms = (local / "terms.txt").read_text(encoding="utf-8").split() if (local / "terms.txt").exists() else []
        self.vocab = Vocab.load(local / "vocab.txt")
        self.stats = {name: Stats.load(local / f"stats_{name}.npz") for name in ("bigrams", "doc_words", "doc_bigrams")}
        self.client = mc.connect(settings)
        self.paragraphs, self.documents_name = mc.names(settings)
        for name in (self.paragraphs, self.documents_name):
            if not self.client.has_collection(name):
                raise store.IndexError_(f"Milvus（{mc.resolve_uri(settings)}）中没有集合 {name}：请先用 "
                                        "--backend milvus 入库，或检查 --milvus-prefix。")
        self.dense_kind = manifest.get("vector_index", {}).get("kind", "FLAT")
        self._load()

    # ---- state loaded at open ------------------------------------------------------------------
    def _load(self) -> None:
        docs = mc.query_all(self.client, self.documents_name, "serial >= 0", DOC_OUTPUT)
        self.docs = {int(d["serial"]): d for d in docs}
        rows = mc.query_all(self.client, self.paragraphs, BODY, ["pid", "doc_serial", "role", "near_dup",
                                                                 "heading_path"])
        rows = sorted((r for r in rows if int(r["doc_serial"]) in self.docs), key=lambda r: int(r["pid"]))
        self.pids = np.array([int(r["pid"]) for r in rows], dtype=np.int64)
        serial = np.array([int(r["doc_serial"]) for r in rows], dtype=np.int64)
        paths = [tuple(json.loads(r["heading_path"] or "[]")) for r in rows]
        meta = [self.docs[int(s)] for s in serial.tolist()]
        self.columns = Columns(doc_of=serial,
                               role_of=np.array([r["role"] or "" for r in rows], dtype=object),
                               dup_of=np.array([r["near_dup"] or "" for r in rows], dtype=object),
                               doctype_of=np.array([d["doctype"] or "" for d in meta], dtype=object),
                               year_of=np.array([int(d["year"]) for d in meta], dtype=np.int32),
                               org_of=np.array([d["org"] or "" for d in meta], dtype=object),
                               path_of=np.array([d["path"] for d in meta], dtype=object))
        self.groups = groups_from_ids(run_ids([section_key(int(s), p) for s, p in zip(serial.tolist(), paths)]),
                                      run_ids(serial.tolist()))
        self.group_of_serial = {int(serial[int(start)]): g for g, start in enumerate(self.groups.doc_start[:-1])}
        self.row_of_pid = {int(p): i for i, p in enumerate(self.pids.tolist())}

    @property
    def version(self) -> str:
        return self.manifest.get("generation", "")

    @property
    def parallel(self) -> bool:
        """Signal searches are remote calls: the engine runs them at the same time."""
        return True

    # ---- expressions ----------------------------------------------------------------------------
    def expression(self, scope: Scope) -> str:
        """The scope as a Milvus filter over paragraphs."""
        parts = [BODY]
        f = scope.filters
        if f is not None:
            if f.doctype:
                parts.append(f"doctype in [{', '.join(mc.literal(v) for v in f.doctype)}]")
            if f.role:
                parts.append(f"role in [{', '.join(mc.literal(v) for v in f.role)}]")
            if f.year_from is not None:
                parts.append(f"year >= {int(f.year_from)}")
            if f.year_to is not None:
                parts.append(f"(year <= {int(f.year_to)} and year >= 0)")
            if f.org or f.source:  # document attributes: the matching documents by key (a `like` scans every row)
                parts.append(self._serials_matching(f.org, f.source))
        for phrase in scope.phrases:
            parts.append(f"text like {mc.like_contains(phrase)}")
        if scope.extra and scope.mask is not None:
            parts.append(self._pid_in(np.flatnonzero(scope.mask)))
        return " and ".join(parts)

    def _serials_matching(self, org: str | None, source: str | None) -> str:
        serials = [s for s, d in self.docs.items()
                   if (not org or org in (d["org"] or "")) and (not source or source in d["path"])]
        return f"doc_serial in [{', '.join(str(s) for s in serials)}]" if serials else "doc_serial < 0"

    def _pid_in(self, rows: np.ndarray) -> str:
        return f"pid in [{', '.join(str(int(p)) for p in self.pids[np.asarray(rows, dtype=np.int64)])}]"

    def _rows(self, results) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = [], []
        for item in results[0] if results else []:
            row = self.row_of_pid.get(int(item["id"]))
            if row is not None and item["distance"] > 0:
                rows.append(row)
                scores.append(float(item["distance"]))
        return np.array(rows, dtype=np.int64), np.array(scores, dtype=np.float64)

    def _search(self, collection, data, field, k, filter_, metric, params=None):
        # MilvusClient (gRPC) is thread-safe: concurrent searches and the engine's parallel signals overlap
        return self.client.search(collection, data=data, anns_field=field, limit=k, filter=filter_,
                                  search_params={"metric_type": metric, "params": params or {}})

    def _empty_scope(self, scope: Scope) -> bool:
        return scope.mask is not None and not scope.mask.any()

    # ---- per-signal candidates -----------------------------------------------------------------
    def words_top(self, words, k, scope):
        text = " ".join(w for w in words if w.strip())
        if not text or k <= 0 or self._empty_scope(scope):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return self._rows(self._search(self.paragraphs, [text], "wsparse", k, self.expression(scope), "BM25"))

    def bigrams_top(self, bigrams, k, scope):
        vector = self.stats["bigrams"].query_vector(bigrams, self.vocab)
        if not vector or k <= 0 or self._empty_scope(scope):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return self._rows(self._search(self.paragraphs, [vector], "bsparse", k, self.expression(scope), "IP"))

    def bigram_scores(self, bigrams, rows):
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float64)
        vector = self.stats["bigrams"].query_vector(bigrams, self.vocab)
        if not vector or len(rows) == 0:
            return out
        position = {int(r): i for i, r in enumerate(rows.tolist())}
        for start in range(0, len(rows), 16_000):
            chunk = rows[start:start + 16_000]
            found, scores = self._rows(self._search(self.paragraphs, [vector], "bsparse", len(chunk),
                                                    f"{BODY} and {self._pid_in(chunk)}", "IP"))
            for r, s in zip(found.tolist(), scores.tolist()):
                out[position[r]] = s
        return out

    def dense_top(self, vector, k, scope):
        if k <= 0 or self._empty_scope(scope):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        params = {"nprobe": 64} if self.dense_kind == "IVF_FLAT" else {"ef": max(256, k)} if self.dense_kind == "HNSW" else {}
        found = self._search(self.paragraphs, [np.asarray(vector, dtype=np.float32).ravel().tolist()], "dense", k,
                             self.expression(scope), "IP", params)
        rows, scores = [], []
        for item in found[0] if found else []:
            row = self.row_of_pid.get(int(item["id"]))
            if row is not None:
                rows.append(row)
                scores.append(float(item["distance"]))
        return np.array(rows, dtype=np.int64), np.array(scores, dtype=np.float64)

    def documents_top(self, words, bigrams, k, scope):
        filter_ = "serial >= 0"
        if scope.mask is not None:
            serials = np.unique(self.columns.doc_of[scope.mask])
            if len(serials) == 0:
                return {"bm25_words": {}, "bm25_bigrams": {}}
            filter_ = f"serial in [{', '.join(str(int(s)) for s in serials)}]"
        out = {}
        for signal, field, tokens, stats in (("bm25_words", "dwords", words, "doc_words"),
                                             ("bm25_bigrams", "dbigrams", bigrams, "doc_bigrams")):
            vector = self.stats[stats].query_vector(tokens, self.vocab)
            scores: dict[int, float] = {}
            if vector and k > 0:
                for item in self._search(self.documents_name, [vector], field, k, filter_, "IP")[0]:
                    group = self.group_of_serial.get(int(item["id"]))
                    if group is not None and item["distance"] > 0:
                        scores[group] = float(item["distance"])
            out[signal] = scores
        return out

    # ---- lookups -------------------------------------------------------------------------------
    def phrase_rows(self, phrase):
        found = mc.query_all(self.client, self.paragraphs, f"{BODY} and text like {mc.like_contains(phrase)}", ["pid"])
        rows = [self.row_of_pid.get(int(r["pid"])) for r in found]
        return np.array(sorted(r for r in rows if r is not None), dtype=np.int64)

    def docs_by_number(self, number):
        return sorted(s for s, d in self.docs.items() if d["doc_number"] == number)

    def docs_by_title(self, title, limit=5):
        return sorted(s for s, d in self.docs.items() if title in (d["title"] or ""))[:limit]

    def _query_rows(self, rows, fields) -> dict[int, dict]:
        rows = [int(r) for r in rows]
        out = {}
        for start in range(0, len(rows), 4000):
            chunk = np.array(rows[start:start + 4000], dtype=np.int64)
            if len(chunk) == 0:
                continue
            found = self.client.get(self.paragraphs, ids=[int(p) for p in self.pids[chunk]], output_fields=fields)
            for item in found:
                out[self.row_of_pid[int(item["pid"])]] = item
        return out

    def fetch(self, rows):
        out = {}
        for row, item in self._query_rows(rows, ROW_OUTPUT).items():
            d = self.docs[int(item["doc_serial"])]
            out[row] = RowRecord(row, d["doc_id"], int(item["idx"]), item["text"], item["original"] or item["text"],
                                 tuple(json.loads(item["heading_path"] or "[]")), item["role"] or "",
                                 d["title"] or "", d["path"], d["doctype"] or "", d["org"] or "", d["date"] or "")
        return out

    def row_vectors(self, rows):
        found = self._query_rows(rows, ["pid", "dense"])
        if len(found) != len(set(int(r) for r in rows)):
            return None
        return np.array([found[int(r)]["dense"] for r in rows], dtype=np.float32)

    def row_ids(self):
        out = []
        for serial, start, end in self._doc_spans():
            doc_id = self.docs[serial]["doc_id"]
            out.extend((doc_id, f"{doc_id}#{int(p) & (mc.MAX_PARAGRAPHS - 1)}") for p in self.pids[start:end].tolist())
        return out

    def _doc_spans(self):
        starts = self.groups.doc_start
        return [(int(self.columns.doc_of[int(starts[g])]), int(starts[g]), int(starts[g + 1]))
                for g in range(len(starts) - 1)]

    def row_texts(self):
        texts = {int(r["pid"]): r["text"] for r in mc.query_all(self.client, self.paragraphs, BODY, ["pid", "text"])}
        return [texts[int(p)] for p in self.pids.tolist()]

    def _doc_fields(self, serial: int) -> dict:
        d = self.docs[serial]
        return {"id": serial, "doc_id": d["doc_id"], "title": d["title"], "doctype": d["doctype"], "org": d["org"],
                "doc_number": d["doc_number"], "date": d["date"], "year": None if d["year"] < 0 else d["year"],
                "path": d["path"], "warnings": d["warnings"], "dup_group": d["dup_group"] or None}

    def document(self, doc_id):
        serials = sorted(s for s, d in self.docs.items() if d["doc_id"] == doc_id)
        if not serials:
            return None
        serial = serials[0]
        found = mc.query_all(self.client, self.paragraphs, f"doc_serial == {serial}",
                             ["pid", "idx", "text", "original", "is_heading", "level", "number", "heading_path",
                              "role"])
        paragraphs = []
        for p in sorted(found, key=lambda r: int(r["idx"])):
            paragraphs.append({"idx": int(p["idx"]), "row": self.row_of_pid.get(int(p["pid"])), "text": p["text"],
                               "original": p["original"], "is_heading": bool(p["is_heading"]),
                               "level": None if p["level"] < 0 else int(p["level"]), "number": p["number"],
                               "heading_path": tuple(json.loads(p["heading_path"] or "[]")), "role": p["role"]})
        return self._doc_fields(serial), paragraphs

    def documents(self):
        counts = {s: e - b for s, b, e in self._doc_spans()}
        docs = [{**self._doc_fields(s), "paragraphs": counts.get(s, 0)} for s in self.docs]
        return sorted(docs, key=lambda d: (d["path"], d["doc_id"]))

    def size_bytes(self):
        total = sum(p.stat().st_size for p in folder(self.index_dir).rglob("*") if p.is_file())
        uri = mc.resolve_uri(self.settings)
        if mc.is_lite(uri) and not Path(uri).is_relative_to(folder(self.index_dir)) and os.path.exists(uri):
            total += sum(p.stat().st_size for p in Path(uri).parent.rglob("*") if p.is_file())
        return total
