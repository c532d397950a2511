"""Build one complete index generation from a document set (called by ingest/remove)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.ingest import dedup
from assistant.search import store
from assistant.search.level_index import build_levels
from assistant.search.records import FileEntry, StoredDoc, write_all

BIGRAM_TOKENIZER = "char-bigram-v1"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def build_generation(index_dir: Path, settings: Settings, files: list[FileEntry], docs: list[StoredDoc],
                     old_words: dict[str, str], old_terms: list[str], progress,
                     old_manifest: dict | None = None, embed=None) -> tuple[str, int, int]:
    """Write and publish a generation; returns (its name, vectors computed, paragraphs indexed).

    `embed(texts) -> (vectors, computed)` replaces the cached model embedding; benchmarks use
    it to index 200k paragraphs with random unit vectors (FAISS speed does not depend on values).
    """
    from assistant.search.bm25 import BM25Index
    from assistant.search.dense import Embedder
    from assistant.search.embed_cache import EmbedCache, embed_with_cache
    from assistant.search.tokenize import Tokenizer, char_bigrams, mine_terms
    from assistant.search.vectors import VectorIndex

    embedder = Embedder(settings.model, batch_size=settings.embed_batch_size, precision=settings.precision)
    if old_manifest:
        _check_model(index_dir, old_manifest, embedder.model_id)
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
    if embed is not None:
        vectors, computed = embed(texts)
    else:
        with EmbedCache(index_dir / "embed_cache.sqlite", embedder.model_id, embedder.dim) as cache:
            vectors, computed = embed_with_cache(embedder, cache, texts,
                                                 progress=(lambda d, t: progress("向量", d, t)) if progress else None)
    tmp, name = store.new_generation_dir(index_dir)
    doc_dups = dedup.find_duplicate_documents([(d.doc_key, "".join(p.text for p in d.doc.body)) for d in docs])
    dup_of = {member: g.group_id for g in doc_dups for member in g.members}
    near = dedup.near_duplicate_paragraphs([(f"{n}:{p.index}", p.text) for n, p in body])
    keyed_words = {(n, p.index): w for (n, p), w in zip(body, words)}
    keyed_hashes = {(n, p.index): h for (n, p), h in zip(body, hashes)}
    conn = store.create_db(tmp / "docs.sqlite")
    write_all(conn, files, docs, keyed_words, dup_of, near, keyed_hashes)
    conn.close()
    word_tokens = [w.split() for w in words]
    BM25Index.build(word_tokens, k1=settings.k1, b=settings.b).save(tmp / "bm25_words")
    bigram_tokens = [char_bigrams(t) for t in texts]
    BM25Index.build(bigram_tokens, k1=settings.k1, b=settings.b).save(tmp / "bm25_bigrams")
    titles = {n: d.doc.title or "" for n, d in enumerate(docs)}
    build_levels(tmp, [n for n, _ in body], [p.heading_path for _, p in body], word_tokens, bigram_tokens,
                 {n: tokenizer.words(t) for n, t in titles.items() if t},
                 {n: char_bigrams(t) for n, t in titles.items() if t}, settings.k1, settings.b)
    del bigram_tokens
    vindex = VectorIndex.build(np.asarray(vectors, dtype=np.float32).reshape(len(texts), embedder.dim),
                               approx_threshold=settings.approx_threshold)
    vindex.save(tmp / "vectors.faiss")
    (tmp / "terms.txt").write_text("\n".join(terms), encoding="utf-8")
    store.write_manifest(tmp, {
        "generation": name,
        "embedding": {"model_id": embedder.model_id, "dim": embedder.dim, "model": settings.model or "m3e-small"},
        "tokenizers": {"words": tokenizer.name, "words_base": base_name, "bigrams": BIGRAM_TOKENIZER},
        "bm25": {"k1": settings.k1, "b": settings.b},
        "vector_index": {"kind": vindex.kind, "approx_threshold": settings.approx_threshold},
        "counts": {"files": len(files), "documents": len(docs), "paragraphs": len(texts),
                   "duplicate_groups": len(doc_dups), "near_duplicate_paragraphs": len(near)},
        "corpus_fingerprint": hashlib.sha1("".join(sorted(f.hash for f in files)).encode()).hexdigest(),
    })
    store.publish_generation(index_dir, tmp, name)
    return name, computed, len(texts)


def _check_model(index_dir: Path, manifest: dict, model_id: str) -> None:
    built_with = manifest["embedding"]["model_id"]
    if built_with != model_id:
        raise store.IndexError_(
            f"索引 {index_dir} 由向量模型 {built_with} 构建，当前配置为 {model_id}。"
            "请改回原模型，或用 gongwen ingest --rebuild 以新模型重建索引。")
