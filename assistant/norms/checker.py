"""Run every rule family over a document; one ordered list of findings."""

from __future__ import annotations

from pathlib import Path

from assistant.norms import dates, doc_number, levels, numbers, punctuation, structure, words
from assistant.norms.document import CheckDocument, from_text, read_documents
from assistant.norms.finding import Finding

FAMILIES = {  # category → module, in priority order: an earlier family's fix wins an overlap
    doc_number.CATEGORY: doc_number,
    dates.CATEGORY: dates,
    levels.CATEGORY: levels,
    numbers.CATEGORY: numbers,
    words.CATEGORY: words,
    punctuation.CATEGORY: punctuation,
    structure.CATEGORY: structure,
}


def check_document(doc: CheckDocument, word_files: tuple[str, ...] = ()) -> list[Finding]:
    """All findings, by paragraph and position; a mark inside another family's flagged span
    (the ( of 国发(2024)3号) is reported once, by the family listed first."""
    rules = words.rules_for(tuple(str(p) for p in word_files))
    found: list[Finding] = []
    for category, module in FAMILIES.items():
        found += module.check(doc, rules) if module is words else module.check(doc)
    kept: list[Finding] = []
    order = list(FAMILIES)
    for f in sorted(found, key=lambda f: order.index(f.category)):
        if any(k.paragraph == f.paragraph and k.category != f.category and k.start <= f.start
               and f.end <= k.end and k.end > k.start for k in kept):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.paragraph, f.start, f.end, f.rule))


def check_text(text: str, word_files: tuple[str, ...] = ()) -> list[Finding]:
    return check_document(from_text(text), word_files)


def check_file(path: str | Path, word_files: tuple[str, ...] = ()) -> list[tuple[CheckDocument, list[Finding]]]:
    """(document, findings) for every document in the file. Raises ReadError."""
    return [(doc, check_document(doc, word_files)) for doc in read_documents(path)]
