"""Build one complete index generation from a document set (called by ingest/remove)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.ingest import dedup
from assistant.models import Paragraph
from assistant.search import store
from assistant.search.level_index import build_levels
from assistant.search.records import FileEntry, StoredDoc, write_all

BIGRAM_TOKENIZER = "char-bigram-v1"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class Prepared:
    """A document set ready to index: body paragraphs in row order with their tokens, hashes,
    mined terms and duplicate groups — the same for every backend."""

    docs: list[StoredDoc]
    body: list[tuple[int, Paragraph]]  # (document number, paragraph) of each indexed row
    texts: list[str]
    hashes: list[str]
    words: list[str]                   # space-joined word tokens of each row
    terms: list[str]
    tokenizer_name: str
    base_name: str
    doc_dups: list                     # dedup groups of whole documents
    dup_of: dict[str, str]             # doc_key → duplicate group
    near: dict[str, str]               # "n:idx" → near-duplicate paragraph group
    tokenizer: object = None

    def keyed_words(self) -> dict[tuple[int, int], str]:
        return {(n, p.index): w for (n, p), w in zip(self.body, self.words)}

    def keyed_hashes(self) -> dict[tuple[int, int], str]:
        return {(n, p.index): h for (n, p), h in zip(self.body, self.hashes)}

    def titles(self) -> dict[int, str]:
        return {n: d.doc.title or "" for n, d in enumerate(self.docs)}


def prepare(settings: Settings, docs: list[StoredDoc], old_words: dict[str, str], old_terms: list[str],
            progress, old_manifest: dict | None) -> Prepared:
    """Tokenize (reusing stored tokens of unchanged texts), mine terms, find duplicates."""
    from assistant.search.tokenize import Tokenizer, mine_terms

    body = [(n, p) for n, d in enumerate(docs) for p in d.doc.paragraphs if not p.is_heading]
    texts = [p.text for _, p in body]
    hashes = [text_hash(t) for t in texts]
    terms = sorted(set(old_terms) | set(mine_terms(texts)))
    new_terms = set(terms) - set(old_terms)
    tokenizer = Tokenizer(settings.user_dicts, extra_terms=terms)
    base_name = Tokenizer(settings.user_dicts).name
    stale = bool(old_manifest) and old_manifest["tokenizers"].get("words_base") != base_name
    words = []
    for i, text in enumerate(texts):
        cached = None if stale else old_words.get(hashes[i])
        if cached is None or any(term in text for term in new_terms):
            cached = " ".join(tokenizer.words(text))
        words.append(cached)
        if progress and (i % 2000 == 0 or i == len(texts) - 1):
            progress("分词", i + 1, len(texts))
    doc_dups = dedup.find_duplicate_documents([(d.doc_key, "".join(p.text for p in d.doc.body)) for d in docs])
    dup_of = {member: g.group_id for g in doc_dups for member in g.members}
    near = dedup.near_duplicate_paragraphs([(f"{n}:{p.index}", p.text) for n, p in body])
    return Prepared(docs, body, texts, hashes, words, terms, tokenizer.name, base_name, doc_dups, dup_of, near,
                    tokenizer)


def embed_texts(index_dir: Path, settings: Settings, texts: list[str], progress, embed=None):
    """(vectors, computed, embedder) for texts through the shared embedding cache (or `embed`)."""
    from assistant.search.dense import Embedder
    from assistant.search.embed_cache import EmbedCache, embed_with_cache

    embedder = Embedder(settings.model, batch_size=settings.embed_batch_size, precision=settings.precision)
    if embed is not None:
        vectors, computed = embed(texts)
    else:
        with EmbedCache(index_dir / "embed_cache.sqlite", embedder.model_id, embedder.dim) as cache:
            vectors, computed = embed_with_cache(embedder, cache, texts,
                                                 progress=(lambda d, t: progress("向量", d, t)) if progress else None)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), embedder.dim), computed, embedder


def build_generation(index_dir: Path, settings: Settings, files: list[FileEntry], docs: list[StoredDoc],
                     old_words: dict[str, str], old_terms: list[str], progress,
                     old_manifest: dict | None = None, embed=None) -> tuple[str, int, int]:
    """Write and publish a generation; returns (its name, vectors computed, paragraphs indexed).

    `embed(texts) -> (vectors, computed)` replaces the cached model embedding; benchmarks use
    it to index 200k paragraphs with random unit vectors (FAISS speed does not depend on values).
    """
    from assistant.search.bm25 import BM25Index
    from assistant.search.dense import Embedder
    from assistant.search.tokenize import char_bigrams
    from assistant.search.vectors import VectorIndex

    if old_manifest:
        _check_model(index_dir, old_manifest, Embedder(settings.model).model_id)
    prep = prepare(settings, docs, old_words, old_terms, progress, old_manifest)
    texts, body, tokenizer = prep.texts, prep.body, prep.tokenizer
    later = embed is None and missing_vectors(index_dir, settings, prep.hashes) > settings.bm25_first
    if later:  # BM25 searchable now; complete_vectors() adds the vectors as the next generation
        vectors, computed, embedder = None, 0, Embedder(settings.model)
    else:
        vectors, computed, embedder = embed_texts(index_dir, settings, texts, progress, embed)
    tmp, name = store.new_generation_dir(index_dir)
    conn = store.create_db(tmp / "docs.sqlite")
    write_all(conn, files, docs, prep.keyed_words(), prep.dup_of, prep.near, prep.keyed_hashes())
    conn.close()
    word_tokens = [w.split() for w in prep.words]
    BM25Index.build(word_tokens, k1=settings.k1, b=settings.b).save(tmp / "bm25_words")
    bigram_tokens = [char_bigrams(t) for t in texts]
    BM25Index.build(bigram_tokens, k1=settings.k1, b=settings.b).save(tmp / "bm25_bigrams")
    titles = prep.titles()
    build_levels(tmp, [n for n, _ in body], [p.heading_path for _, p in body], word_tokens, bigram_tokens,
                 {n: tokenizer.words(t) for n, t in titles.items() if t},
                 {n: char_bigrams(t) for n, t in titles.items() if t}, settings.k1, settings.b)
    del bigram_tokens
    if later:
        vector_index = {"kind": PENDING, "approx_threshold": settings.approx_threshold, "rows": len(texts)}
    else:
        vindex = VectorIndex.build(vectors, approx_threshold=settings.approx_threshold)
        vindex.save(tmp / "vectors.faiss")
        vector_index = {"kind": vindex.kind, "approx_threshold": settings.approx_threshold}
    (tmp / "terms.txt").write_text("\n".join(prep.terms), encoding="utf-8")
    store.write_manifest(tmp, {
        "generation": name,
        **manifest_common(settings, embedder, prep, files),
        "vector_index": vector_index,
    })
    store.publish_generation(index_dir, tmp, name)
    return name, computed, len(texts)


PENDING = "pending"  # a generation whose vectors are still being computed (BM25 only)


def missing_vectors(index_dir: Path, settings: Settings, hashes: list[str]) -> int:
    """Texts of `hashes` the embedding cache has no vector for (what an ingest would have to compute)."""
    from assistant.search.dense import Embedder
    from assistant.search.embed_cache import EmbedCache

    path = index_dir / "embed_cache.sqlite"
    embedder = Embedder(settings.model)
    if not path.exists():
        return len(set(hashes))
    with EmbedCache(path, embedder.model_id, embedder.dim) as cache:
        return cache.count_missing(hashes)


def vectors_pending(gen: Path | None) -> bool:
    if gen is None:
        return False
    return store.read_manifest(gen).get("vector_index", {}).get("kind") == PENDING


def complete_vectors(index_dir: Path, settings: Settings, progress=None) -> tuple[str, int]:
    """Add the vectors to a BM25-only live generation: embed its rows (cached, so an interrupted run
    resumes where it stopped), then publish a copy of it with vectors.faiss as the next generation.
    Caller holds the writer lock. Returns (generation, vectors computed)."""
    import shutil

    from assistant.search.migrate import update_manifest
    from assistant.search.vectors import VectorIndex

    gen = store.current_generation(index_dir)
    manifest = store.read_manifest(gen)
    if manifest.get("vector_index", {}).get("kind") != PENDING:
        return gen.name, 0
    conn = store.open_db_readonly(gen / "docs.sqlite")
    try:
        texts = [r[0] for r in conn.execute("SELECT text FROM paragraphs WHERE row IS NOT NULL ORDER BY row")]
    finally:
        conn.close()
    vectors, computed, _embedder = embed_texts(index_dir, settings, texts, progress)
    vindex = VectorIndex.build(vectors, approx_threshold=manifest["vector_index"].get(
        "approx_threshold", settings.approx_threshold))
    tmp, name = store.new_generation_dir(index_dir)
    shutil.copytree(gen, tmp, copy_function=_link_or_copy, dirs_exist_ok=True)
    vindex.save(tmp / "vectors.faiss")
    # update_manifest replaces the (hard-linked) manifest file, so the previous generation's stays as it was
    update_manifest(tmp, manifest["format_version"], generation=name, vector_index={
        "kind": vindex.kind, "approx_threshold": manifest["vector_index"].get("approx_threshold")})
    store.publish_generation(index_dir, tmp, name)
    return name, computed


def _link_or_copy(src: str, dst: str) -> None:
    """Generations are immutable: a new one shares its unchanged files with the previous one."""
    import os
    import shutil

    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def manifest_common(settings: Settings, embedder, prep: Prepared, files: list[FileEntry]) -> dict:
    """Manifest fields every backend records: model, tokenizers, BM25 parameters, counts, fingerprint."""
    return {
        "embedding": {"model_id": embedder.model_id, "dim": embedder.dim, "model": settings.model or "m3e-small"},
        "tokenizers": {"words": prep.tokenizer_name, "words_base": prep.base_name, "bigrams": BIGRAM_TOKENIZER},
        "bm25": {"k1": settings.k1, "b": settings.b},
        "counts": {"files": len(files), "documents": len(prep.docs), "paragraphs": len(prep.texts),
                   "duplicate_groups": len(prep.doc_dups), "near_duplicate_paragraphs": len(prep.near)},
        "corpus_fingerprint": corpus_fingerprint(files),
    }


def corpus_fingerprint(files: list[FileEntry]) -> str:
    """What identifies the indexed set of files: their content hashes, order-free."""
    return hashlib.sha1("".join(sorted(f.hash for f in files)).encode()).hexdigest()


def _check_model(index_dir: Path, manifest: dict, model_id: str) -> None:
    built_with = manifest["embedding"]["model_id"]
    if built_with != model_id:
        raise store.IndexError_(
            f"索引 {index_dir} 由向量模型 {built_with} 构建，当前配置为 {model_id}。"
            "请改回原模型，或用 gongwen ingest --rebuild 以新模型重建索引。")
