"""Apply the mechanical fixes of a check: punctuation, digits, brackets, dates, listed words.

Only findings marked `fixable` are applied, so content is never changed. A .docx is edited in
place run by run (formatting kept); every other input is written as plain text.
"""

from __future__ import annotations

from pathlib import Path

from assistant.norms.document import CheckDocument
from assistant.norms.finding import Finding


def fix_text(text: str, findings: list[Finding]) -> str:
    """`text` with the fixable findings' suggestions applied (overlapping fixes: the first wins)."""
    return _apply(text, _edits(findings))


def fixed_paragraphs(doc: CheckDocument, findings: list[Finding]) -> list[str]:
    by_paragraph: dict[int, list[Finding]] = {}
    for f in findings:
        by_paragraph.setdefault(f.paragraph, []).append(f)
    return [fix_text(text, by_paragraph.get(i, [])) for i, text in enumerate(doc.paragraphs)]


def _edits(findings: list[Finding]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, replacement), last first."""
    edits: list[tuple[int, int, str]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if not f.fixable or f.suggestion is None:
            continue
        if edits and f.start < edits[-1][1]:
            continue
        edits.append((f.start, f.end, f.suggestion))
    return edits[::-1]


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in edits:
        text = text[:start] + replacement + text[end:]
    return text


def write_fixed(source: str | Path, doc: CheckDocument, findings: list[Finding], out: str | Path) -> int:
    """Write the fixed copy to `out`; returns how many fixes were applied. ValueError when the
    output format cannot hold the input (.docx out needs a .docx in)."""
    out = Path(out)
    applied = sum(1 for f in findings if f.fixable)
    if out.suffix.lower() == ".docx":
        if Path(source).suffix.lower() != ".docx":
            raise ValueError(f"{out}：只有 .docx 输入才能输出 .docx（其他格式请输出 .txt 或 .md）")
        return _fix_docx(Path(source), doc, findings, out)
    if out.suffix.lower() not in (".txt", ".md"):
        raise ValueError(f"{out}：不支持的输出格式，请使用 .txt、.md 或 .docx")
    fixed = fixed_paragraphs(doc, findings)
    if doc.fmt in ("txt", "md") and doc.lines:
        from assistant.ingest.read import read_bytes
        from assistant.ingest.read_text import decode_file

        source = Path(source)
        raw = decode_file(source, read_bytes(source))[0]  # as written: Markdown # marks and all
        lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for no, old, new in zip(doc.lines, doc.paragraphs, fixed):
            if old == new:
                continue
            at = no if no < len(lines) and old in lines[no] else next(
                (k for k, line in enumerate(lines) if old in line), None)
            if at is not None:
                lines[at] = lines[at].replace(old, new, 1)
        out.write_text("\n".join(lines), encoding="utf-8")
    else:
        out.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    return applied


def _fix_docx(source: Path, doc: CheckDocument, findings: list[Finding], out: Path) -> int:
    """Edit each paragraph whose text is a checked paragraph; runs keep their formatting."""
    from docx import Document

    document = Document(str(source))
    by_text: dict[str, list[Finding]] = {}
    for f in findings:
        by_text.setdefault(doc.paragraphs[f.paragraph], []).append(f)
    applied = 0
    for paragraph in _all_paragraphs(document):
        text = paragraph.text
        items = by_text.get(text.strip())
        if not items or "".join(run.text for run in paragraph.runs) != text:
            continue  # text in hyperlinks or fields: offsets would not match the runs
        shift = len(text) - len(text.lstrip())
        for start, end, replacement in _edits(items):
            replace_in_runs(paragraph, start + shift, end + shift, replacement)
            applied += 1
    document.save(str(out))
    return applied


def _all_paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def replace_in_runs(paragraph, start: int, end: int, replacement: str) -> None:
    """Replace characters start:end of a paragraph's text; the replacement goes into the run
    where the span starts, the rest of the span is cut from the following runs."""
    pos = 0
    placed = False
    for run in paragraph.runs:
        text = run.text
        run_start, run_end = pos, pos + len(text)
        pos = run_end
        if run_end <= start or run_start >= end and placed:
            if run_start >= end:
                break
            continue
        cut_from, cut_to = max(start, run_start) - run_start, min(end, run_end) - run_start
        if not placed:
            run.text = text[:cut_from] + replacement + text[cut_to:]
            placed = True
        else:
            run.text = text[:cut_from] + text[cut_to:]
