"""Section- and document-level BM25 (words and bigrams) beside the paragraph index.

A generation holds, under `levels/`: `groups.npz` (row → section id, row → document group id; both
contiguous runs in row order) and the BM25 folders `document_words`, `document_bigrams` (and, where
BUILD_SECTION_BM25 was on, `section_words`, `section_bigrams`) whose documents are the documents / sections. A section's text
is the body paragraphs of one document under the same first SECTION_DEPTH headings; a document's text is
its title and body. Heading lines are never indexed (the section's words are its body's words).
Tokens are the paragraph tokens concatenated, so no bigram spans two paragraphs.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.search.bm25 import BM25Index, BM25IndexError
from assistant.search.levels import SECTION_DEPTH, Groups, groups_from_ids, run_ids

FOLDER = "levels"
NAMES = ("section_words", "section_bigrams", "document_words", "document_bigrams")
# Section-level BM25 lost its place on the evaluation sets (weight 0 chosen on every tuning half; the
# section's evidence that helps is the context term built from paragraph scores, levels.section_context),
# so it is not built by default: index size stays within 1.5× of format 1 also where every document is one
# paragraph (CMRC: 1.80× with it). Generations that have it keep it; search uses it only when asked.
BUILD_SECTION_BM25 = False


def section_key(doc: int, heading_path: Sequence[str]) -> tuple:
    return (doc, tuple(heading_path[:SECTION_DEPTH]))


def build_levels(gen: Path, doc_of_row: Sequence[int], paths_of_row: Sequence[Sequence[str]],
                 word_tokens: Sequence[Sequence[str]], bigram_tokens: Sequence[Sequence[str]],
                 title_words: dict[int, list[str]], title_bigrams: dict[int, list[str]],
                 k1: float, b: float) -> None:
    """Write `levels/` for rows given in row order (doc number, heading path, tokens of each row)."""
    sec_of = run_ids([section_key(d, p) for d, p in zip(doc_of_row, paths_of_row)])
    doc_of = run_ids(list(doc_of_row))
    folder = gen / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "groups.npz", sec_of=sec_of, doc_of=doc_of)
    groups = groups_from_ids(sec_of, doc_of)
    doc_number = {int(doc_of[i]): int(d) for i, d in enumerate(doc_of_row)}
    built = (("section", groups.sec_start),) if BUILD_SECTION_BM25 else ()
    for level, starts in built + (("document", groups.doc_start),):
        for kind, tokens, titles in (("words", word_tokens, title_words), ("bigrams", bigram_tokens, title_bigrams)):
            grouped = []
            for g in range(len(starts) - 1):
                head = titles.get(doc_number[g], []) if level == "document" else []
                grouped.append(list(chain(head, *tokens[int(starts[g]):int(starts[g + 1])])))
            BM25Index.build(grouped, k1=k1, b=b).save(folder / f"{level}_{kind}")


class LevelIndex:
    """The four level BM25 indexes and the row groups of one generation (read-only)."""

    def __init__(self, gen: Path, n_rows: int):
        folder = gen / FOLDER
        if not (folder / "groups.npz").is_file():
            raise BM25IndexError(f"索引缺少章节/文件级检索数据：{folder}。请用 gongwen ingest --rebuild 重建索引。")
        with np.load(folder / "groups.npz", allow_pickle=False) as npz:
            sec_of, doc_of = npz["sec_of"].astype(np.int64), npz["doc_of"].astype(np.int64)
        if len(sec_of) != n_rows or len(doc_of) != n_rows:
            raise BM25IndexError(f"章节/文件级检索数据与段落数不一致：{folder}。请用 gongwen ingest --rebuild 重建索引。")
        self.groups: Groups = groups_from_ids(sec_of, doc_of)
        self.bm25 = {name: BM25Index.load(folder / name) for name in NAMES if (folder / name).is_dir()}
        n_sec, n_doc = len(self.groups.sec_start) - 1, len(self.groups.doc_start) - 1
        if ("document_words" not in self.bm25 or self.bm25["document_words"].n_docs != n_doc
                or ("section_words" in self.bm25 and self.bm25["section_words"].n_docs != n_sec)):
            raise BM25IndexError(f"章节/文件级 BM25 与分组不一致：{folder}。请用 gongwen ingest --rebuild 重建索引。")

    def search(self, level: str, words: list[str], bigrams: list[str], k: int,
               allowed_rows: np.ndarray | None) -> dict[str, dict[int, float]]:
        """{signal: {group id: BM25}} of the top k groups at `level` ("section" or "document");
        {} for a level this generation does not hold."""
        if f"{level}_words" not in self.bm25:
            return {}
        ids_of = self.groups.sec_of if level == "section" else self.groups.doc_of
        return top_groups(self.bm25, level, ids_of, words, bigrams, k, allowed_rows)


def top_groups(bm25, level: str, ids_of: np.ndarray, words: list[str], bigrams: list[str], k: int,
               allowed_rows: np.ndarray | None) -> dict[str, dict[int, float]]:
    """{signal: {group id: BM25}} of the top k groups by `bm25[f"{level}_words|bigrams"]` (anything with
    n_docs and top_k: BM25Index, bm25_multi.MultiBM25), limited to the groups of `allowed_rows`."""
    allowed = None
    if allowed_rows is not None:
        allowed = np.zeros(bm25[f"{level}_words"].n_docs, dtype=bool)
        allowed[ids_of[allowed_rows]] = True
    out = {}
    for signal, tokens in (("bm25_words", words), ("bm25_bigrams", bigrams)):
        ids, scores = bm25[f"{level}_{signal[5:]}"].top_k(tokens, k, allowed)
        out[signal] = dict(zip(ids.tolist(), scores.tolist()))
    return out


def upgrade_1_to_2(gen_tmp: Path) -> None:
    """Format 1 → 2: add `levels/` from the generation's own docs.sqlite (stored word tokens and texts;
    titles tokenized with the generation's mined terms). Nothing is embedded."""
    from assistant.search.migrate import update_manifest

    rebuild_from_db(gen_tmp, paragraphs=False)
    update_manifest(gen_tmp, 2)


def upgrade_2_to_3(gen_tmp: Path) -> None:
    """Format 2 → 3: the BM25 folders (rows and levels) written again from docs.sqlite, now with the raw
    term counts and row lengths that incremental segments score with (segments.py). Same tokens, same
    weights; nothing is embedded."""
    from assistant.search.migrate import update_manifest

    rebuild_from_db(gen_tmp, paragraphs=True)
    update_manifest(gen_tmp, 3)


def rebuild_from_db(gen_tmp: Path, paragraphs: bool) -> None:
    """`levels/` (and with `paragraphs` the row-level bm25_words/, bm25_bigrams/) of a one-base generation
    from its docs.sqlite: stored word tokens, texts, titles tokenized with the generation's mined terms."""
    import json
    import sqlite3

    from assistant.search.tokenize import Tokenizer, char_bigrams

    manifest = json.loads((gen_tmp / "manifest.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{gen_tmp / 'docs.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT doc, heading_path, words, text FROM paragraphs WHERE row IS NOT NULL "
                            "ORDER BY row").fetchall()
        titles = dict(conn.execute("SELECT id, title FROM documents WHERE title IS NOT NULL AND title != ''"))
    finally:
        conn.close()
    terms_file = gen_tmp / "terms.txt"
    terms = terms_file.read_text(encoding="utf-8").split() if terms_file.exists() else []
    tokenizer = Tokenizer((), extra_terms=terms)
    bm25 = manifest.get("bm25", {})
    k1, b = float(bm25.get("k1", 1.5)), float(bm25.get("b", 0.75))
    word_tokens = [(r[2] or "").split() for r in rows]
    bigram_tokens = [char_bigrams(r[3]) for r in rows]
    if paragraphs:
        BM25Index.build(word_tokens, k1=k1, b=b).save(gen_tmp / "bm25_words")
        BM25Index.build(bigram_tokens, k1=k1, b=b).save(gen_tmp / "bm25_bigrams")
    build_levels(gen_tmp, [r[0] for r in rows], [json.loads(r[1] or "[]") for r in rows], word_tokens, bigram_tokens,
                 {n: tokenizer.words(t) for n, t in titles.items()}, {n: char_bigrams(t) for n, t in titles.items()},
                 k1, b)
