"""The Milvus backend (write side): an ingest writes only the documents that changed.

The full document set is prepared exactly as for the embedded backend (build.prepare: tokens, mined
terms, duplicate groups), so both backends index the same thing. Each document's `fingerprint`
(everything indexed about it) is compared with the stored one: new and changed documents are
(re)inserted under a new serial, gone ones deleted; only their paragraphs are embedded (through the
shared cache). Order of writes: paragraphs, then the document row; deletes the reverse — so a
killed ingest leaves complete documents and, at worst, orphan paragraphs that readers ignore and the
next ingest removes.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from assistant.models import Document, Paragraph, Removed
from assistant.search import store
from assistant.search.backends import milvus_conn as mc
from assistant.search.backends.milvus import DOC_OUTPUT, folder, read_local_manifest
from assistant.search.records import FileEntry, StoredDoc, _year_from_metadata
from assistant.search.sparse_bm25 import Stats, Vocab

BATCH = 256
PARA_FIELDS = ["pid", "doc_serial", "idx", "is_heading", "text", "original", "words", "role", "near_dup",
               "number", "text_hash", "heading_path", "level"]


def _fit(text: str, limit: int = mc.VARCHAR) -> str:
    """Cut to Milvus's VARCHAR byte limit (a paragraph that long is rare; its tail is not searchable)."""
    data = (text or "").encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


class MilvusStore:
    """Ingest-side view of the Milvus collections and the local files beside them."""

    def __init__(self, settings, rebuild: bool = False):
        self.settings = settings
        self.index_dir = Path(settings.index_dir)
        self.client = mc.connect(settings)
        self.paragraphs, self.documents = mc.names(settings)
        previous = read_local_manifest(self.index_dir)
        self.previous_generation = (previous or {}).get("generation", "milvus-000000")  # numbering goes on
        self.manifest = None if rebuild else previous
        self.rebuild = rebuild
        self._docs: list[dict] | None = None
        self._paras: list[dict] | None = None

    def _exists(self) -> bool:
        return self.client.has_collection(self.paragraphs) and self.client.has_collection(self.documents)

    def _stored_documents(self) -> list[dict]:
        """The document rows (read once; none for a rebuild or a new index)."""
        if self._docs is None:
            fresh = self.rebuild or not self._exists() or self.manifest is None
            self._docs = [] if fresh else mc.query_all(self.client, self.documents, "serial >= 0", DOC_OUTPUT)
        return self._docs

    def stored_files(self) -> dict[str, FileEntry]:
        docs = self._stored_documents()
        out = {}
        for d in docs:
            out[d["path"]] = FileEntry(d["path"], d["file_hash"], int(d["file_size"]), float(d["file_mtime"]),
                                       int(d["file_docs"]))
        return out

    def incremental(self) -> bool:
        """Milvus writes only changed documents already (write): no separate segment path."""
        return False

    def stored_docs(self) -> tuple[list[StoredDoc], dict[str, str], list[str]]:
        """Documents (with every paragraph), word tokens by text hash, mined terms."""
        docs = self._stored_documents()
        if not docs:
            return [], {}, []
        if self._paras is None:
            self._paras = mc.query_all(self.client, self.paragraphs, "pid >= 0", PARA_FIELDS)
        by_doc: dict[int, list[dict]] = {}
        for p in self._paras:
            by_doc.setdefault(int(p["doc_serial"]), []).append(p)
        words: dict[str, str] = {}
        out = []
        for d in sorted(docs, key=lambda d: (d["path"], int(d["serial"]))):
            paragraphs = []
            for p in sorted(by_doc.get(int(d["serial"]), []), key=lambda p: int(p["idx"])):
                paragraphs.append(Paragraph(p["text"], p["original"], bool(p["is_heading"]),
                                            None if p["level"] < 0 else int(p["level"]),
                                            tuple(json.loads(p["heading_path"] or "[]")), p["role"], int(p["idx"]),
                                            p["number"] or ""))
                if not p["is_heading"] and p["text_hash"]:
                    words[p["text_hash"]] = p["words"]
            doc = Document(d["doc_id"], d["path"], d["title"], d["doctype"] or None, d["org"] or None,
                           d["doc_number"] or None, d["date"] or None, d["original_script"], tuple(paragraphs),
                           tuple(json.loads(d["warnings"] or "[]")),
                           tuple(Removed(k, t) for k, t in json.loads(d["removed"] or "[]")),
                           json.loads(d["metadata"] or "{}"), d["content_hash"])
            out.append(StoredDoc(d["doc_key"], d["path"], doc))
        terms_file = folder(self.index_dir) / "terms.txt"
        terms = terms_file.read_text(encoding="utf-8").split() if terms_file.exists() else []
        return out, words, terms

    def finish(self, report, progress) -> None:
        """Nothing deferred: Milvus rows are written with their vectors."""

    # ---- writing --------------------------------------------------------------------------------
    def write(self, files: list[FileEntry], docs: list[StoredDoc], old_words, old_terms, progress,
              embed=None) -> tuple[str, int, int]:
        """Bring Milvus to exactly `docs`; returns (state name, vectors computed, rows indexed)."""
        from assistant.search.build import embed_texts, manifest_common, prepare
        from assistant.search.dense import Embedder
        from assistant.search.tokenize import char_bigrams

        if self.manifest:
            old_model = self.manifest["embedding"]["model_id"]
            if old_model != Embedder(self.settings.model).model_id:
                raise store.IndexError_(f"Milvus 索引由向量模型 {old_model} 构建，当前配置为 "
                                        f"{Embedder(self.settings.model).model_id}。请改回原模型，或用 --rebuild 重建。")
        prep = prepare(self.settings, docs, old_words, old_terms, progress, self.manifest)
        local = folder(self.index_dir)
        local.mkdir(parents=True, exist_ok=True)
        vocab = Vocab.load(local / "vocab.txt") if not self.rebuild else Vocab()
        k1, b = self.settings.k1, self.settings.b
        rows_of_doc: dict[int, list[int]] = {}
        for i, (n, _p) in enumerate(prep.body):
            rows_of_doc.setdefault(n, []).append(i)
        word_tokens = [w.split() for w in prep.words]
        bigram_tokens = [char_bigrams(t) for t in prep.texts]
        titles = prep.titles()
        title_words = {n: prep.tokenizer.words(t) for n, t in titles.items() if t}
        title_bigrams = {n: char_bigrams(t) for n, t in titles.items() if t}
        doc_words = [title_words.get(n, []) + [w for i in rows_of_doc.get(n, []) for w in word_tokens[i]]
                     for n in range(len(docs))]
        doc_bigrams = [title_bigrams.get(n, []) + [g for i in rows_of_doc.get(n, []) for g in bigram_tokens[i]]
                       for n in range(len(docs))]
        # documents without indexed rows are not in the document level (as level_index)
        level_docs = [n for n in range(len(docs)) if rows_of_doc.get(n)]
        stats = {"bigrams": Stats.build(bigram_tokens, vocab, k1, b),
                 "doc_words": Stats.build([doc_words[n] for n in level_docs], vocab, k1, b),
                 "doc_bigrams": Stats.build([doc_bigrams[n] for n in level_docs], vocab, k1, b)}

        files_by_path = {f.path: f for f in files}
        fingerprints = [self._fingerprint(n, d, prep, rows_of_doc, files_by_path) for n, d in enumerate(docs)]
        stored = self._stored_documents()
        if self.rebuild:
            mc.drop_collections(self.client, self.settings)
        embedder = Embedder(self.settings.model)
        mc.create_collections(self.client, self.settings, embedder.dim)
        stored_by_key = {d["doc_key"]: d for d in stored}
        same = [d.doc_key in stored_by_key and stored_by_key[d.doc_key]["fingerprint"] == fingerprints[n]
                for n, d in enumerate(docs)]
        keep_serials = {int(stored_by_key[d.doc_key]["serial"]) for d, kept in zip(docs, same) if kept}
        changed = [n for n, kept in enumerate(same) if not kept]
        stale = sorted({int(d["serial"]) for d in stored} - keep_serials)
        # texts of changed documents only are embedded
        texts = [prep.texts[i] for n in changed for i in rows_of_doc.get(n, [])]
        vectors, computed, embedder = embed_texts(self.index_dir, self.settings, texts, progress, embed)
        vocab.save(local / "vocab.txt")
        for name, value in stats.items():
            value.save(local / f"stats_{name}.npz")
        (local / "terms.txt").write_text("\n".join(prep.terms), encoding="utf-8")

        self._delete(stale, keep_serials)
        next_serial = max([int(d["serial"]) for d in stored] + [-1]) + 1 if not self.rebuild else 0
        cursor = 0
        zero = [0.0] * embedder.dim
        near = prep.near
        for count, n in enumerate(changed, 1):
            stored_doc, serial = docs[n], next_serial
            next_serial += 1
            d = stored_doc.doc
            if len(d.paragraphs) >= mc.MAX_PARAGRAPHS:
                raise store.IndexError_(f"{stored_doc.path} 的段落数超过 Milvus 后端上限 {mc.MAX_PARAGRAPHS}")
            year = int(d.date[:4]) if d.date else _year_from_metadata(d)
            row_of_idx = {prep.body[i][1].index: i for i in rows_of_doc.get(n, [])}
            batch = []
            for p in d.paragraphs:
                i = row_of_idx.get(p.index)
                entity = {"pid": (serial << mc.ROW_SHIFT) | p.index, "doc_serial": serial, "idx": p.index,
                          "is_heading": i is None, "text": _fit(p.text), "original": _fit(p.original or ""),
                          "role": p.role or "", "number": p.number or "", "level": -1 if p.level is None else p.level,
                          "heading_path": _fit(json.dumps(list(p.heading_path), ensure_ascii=False)),
                          "doctype": d.doctype or "", "org": d.org or "", "path": stored_doc.path,
                          "year": -1 if year is None else year}
                if i is None:
                    entity.update(words="", bsparse={}, dense=zero, near_dup="", text_hash="")
                else:
                    entity.update(words=_fit(prep.words[i]), near_dup=near.get(f"{n}:{p.index}", ""),
                                  text_hash=prep.hashes[i],
                                  bsparse=stats["bigrams"].doc_vector(bigram_tokens[i], vocab),
                                  dense=vectors[cursor].tolist())
                    cursor += 1
                batch.append(entity)
                if len(batch) >= BATCH:
                    self.client.insert(self.paragraphs, batch)
                    batch = []
            if batch:
                self.client.insert(self.paragraphs, batch)
            f = files_by_path.get(stored_doc.path)
            self.client.insert(self.documents, [{
                "serial": serial, "doc_key": stored_doc.doc_key, "doc_id": d.doc_id, "path": stored_doc.path,
                "title": _fit(d.title or ""), "doctype": d.doctype or "", "org": d.org or "",
                "doc_number": d.doc_number or "", "date": d.date or "", "year": -1 if year is None else year,
                "original_script": d.original_script or "", "warnings": _fit(_dump(list(d.warnings))),
                "removed": _fit(_dump([[r.kind, r.text] for r in d.removed])),
                "metadata": _fit(_dump(dict(d.metadata))), "content_hash": d.content_hash or "",
                "dup_group": prep.dup_of.get(stored_doc.doc_key, ""), "file_hash": f.hash if f else "",
                "file_size": f.size if f else 0, "file_mtime": f.mtime if f else 0.0, "file_docs": f.n_docs if f else 0,
                "fingerprint": fingerprints[n], "n_rows": len(row_of_idx),
                "dwords": stats["doc_words"].doc_vector(doc_words[n], vocab) if row_of_idx else {},
                "dbigrams": stats["doc_bigrams"].doc_vector(doc_bigrams[n], vocab) if row_of_idx else {}}])
            if progress:
                progress("写入 Milvus", count, len(changed))
        for name in (self.paragraphs, self.documents):
            self.client.flush(name)
        number = int(self.previous_generation.rsplit("-", 1)[1]) + 1
        name = f"milvus-{number:06d}"
        manifest = {"format_version": store.FORMAT_VERSION, "backend": "milvus", "generation": name,
                    "updated": time.strftime("%Y-%m-%dT%H:%M:%S"), "milvus": {
                        "uri": mc.resolve_uri(self.settings) if mc.is_lite(mc.resolve_uri(self.settings))
                        else mc.resolve_uri(self.settings).split("@")[-1],
                        "collections": list(mc.names(self.settings))},
                    "vector_index": {"kind": mc.dense_index_type(self.settings, mc.resolve_uri(self.settings))},
                    "written": {"documents": len(changed), "deleted": len(stale), "rows": cursor},
                    **manifest_common(self.settings, embedder, prep, files)}
        tmp = local / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(local / "manifest.json")
        return name, computed, len(prep.texts)

    def _fingerprint(self, n: int, stored: StoredDoc, prep, rows_of_doc, files_by_path) -> str:
        d = stored.doc
        rows = rows_of_doc.get(n, [])
        f = files_by_path.get(stored.path)
        payload = [stored.doc_key, stored.path, d.doc_id, d.title, d.doctype, d.org, d.doc_number, d.date,
                   d.original_script, list(d.warnings), [[r.kind, r.text] for r in d.removed], dict(d.metadata),
                   d.content_hash, prep.dup_of.get(stored.doc_key, ""),
                   [[p.text, p.original, p.is_heading, p.level, list(p.heading_path), p.role, p.index, p.number]
                    for p in d.paragraphs],
                   [prep.words[i] for i in rows], [prep.near.get(f"{n}:{prep.body[i][1].index}", "") for i in rows],
                   [f.hash, f.size, f.mtime, f.n_docs] if f else None]
        return hashlib.sha1(_dump(payload).encode("utf-8")).hexdigest()

    def _delete(self, stale: list[int], keep: set[int]) -> None:
        """Document rows of `stale` first, then every paragraph whose document is not kept — the stale
        ones' and orphans of a killed ingest (paragraphs written without their document row)."""
        self._delete_where(self.documents, "serial", stale)
        present = {int(p["doc_serial"]) for p in (self._paras if self._paras is not None else mc.query_all(
            self.client, self.paragraphs, "pid >= 0", ["pid", "doc_serial"]))}
        self._delete_where(self.paragraphs, "doc_serial", sorted((present | set(stale)) - keep))

    def _delete_where(self, collection: str, field: str, serials: list[int]) -> None:
        for start in range(0, len(serials), 1000):
            chunk = ", ".join(str(s) for s in serials[start:start + 1000])
            self.client.delete(collection, filter=f"{field} in [{chunk}]")


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def rebuild_from_stored(settings, progress=None):
    """`gongwen ingest --rebuild --backend milvus` without paths: rewrite every stored document
    (new statistics, fresh length normalisation) from what Milvus holds; vectors from the cache."""
    from assistant.search.ingest import IngestReport
    from assistant.search.tokenize import Tokenizer

    started = time.perf_counter()
    with store.writer_lock(Path(settings.index_dir)):
        old = MilvusStore(settings)
        if old.manifest is None:
            raise store.IndexError_(f"{settings.index_dir} 中还没有 Milvus 索引，无法重建；请先运行："
                                    f"gongwen ingest 文件或文件夹 --index {settings.index_dir} --backend milvus")
        files = list(old.stored_files().values())
        docs, words, terms = old.stored_docs()
        if old.manifest.get("tokenizers", {}).get("words_base") != Tokenizer(settings.user_dicts).name:
            words = {}
        report = IngestReport(unchanged=len(files), documents=len(docs))
        fresh = MilvusStore(settings, rebuild=True)
        report.generation, report.embedded, report.paragraphs = fresh.write(files, docs, words, terms, progress)
    report.seconds = time.perf_counter() - started
    return report
