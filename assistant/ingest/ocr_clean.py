"""Pure text logic for OCR output: reading order, lines broken by the page width, 〔〕 in 发文字号, warnings.

Input is a list of `OcrLine` (text, confidence, box) for one page, as the engine gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOW_CONFIDENCE = 0.80
_END_PUNCT = "。！？；：”’）》」』…"
_DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[\[【［(（〔{｛<＜]{1,2}\s*((?:19|20)\d{2})\s*[\]】］)）〕}｝>＞]{1,2}\s*(\d{1,5})\s*号")
_SEAL_TEXT = re.compile(r"(?:专用章|公章|印章)$")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|第[一二三四五六七八九十]+[章条节])")


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


def normalise_doc_number(text: str) -> str:
    """发文字号 brackets read as []/【】/() → 〔〕: 某府发[2024]12号 → 某府发〔2024〕12号."""
    return _DOC_NUMBER.sub(lambda m: f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号", text)


def reading_rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Boxes grouped into rows (vertical overlap over half the lower height), rows top to bottom,
    boxes in a row left to right — side-by-side columns of one line stay on one row in order."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        if rows:
            last = rows[-1]
            top = max(min(b.box[1] for b in last), line.box[1])
            bottom = min(max(b.box[3] for b in last), line.box[3])
            if bottom - top > 0.5 * min(line.height, min(b.height for b in last)):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda item: item.box[0]) for row in rows]


def page_text(lines: list[OcrLine]) -> str:
    """One page's text: rows in reading order, width-broken lines joined, 发文字号 normalised."""
    rows = [row for row in reading_rows(lines) if "".join(b.text for b in row).strip()]
    if not rows:
        return ""
    texts = ["　".join(b.text.strip() for b in row) for row in rows]
    lefts = [row[0].box[0] for row in rows]
    rights = [row[-1].box[2] for row in rows]
    char = _median([b.height for row in rows for b in row]) or 1.0
    left_margin, right_margin = min(lefts), max(rights)
    out: list[str] = [texts[0]]
    for i in range(1, len(rows)):
        prev_full = rights[i - 1] >= right_margin - 1.5 * char and lefts[i - 1] <= left_margin + 2.5 * char
        indented = lefts[i] > left_margin + 1.2 * char
        if (prev_full and not indented and not out[-1].endswith(tuple(_END_PUNCT))
                and not _HEADING_START.match(texts[i])):
            out[-1] += texts[i]
        else:
            out.append(texts[i])
    return "\n".join(normalise_doc_number(line) for line in out)


def drop_seal_lines(lines: list[OcrLine]) -> list[OcrLine]:
    """Drop lines that are a seal's ring text (…专用章 / …公章) left after colour suppression."""
    return [line for line in lines if not _SEAL_TEXT.search(line.text.replace(" ", ""))]


def low_confidence_warnings(lines: list[OcrLine], page: int, limit: int = 5) -> list[str]:
    """'第 P 页第 L 行识别置信度低（0.62）：…' for rows whose confidence is under LOW_CONFIDENCE."""
    warnings = []
    for n, row in enumerate(reading_rows(lines), 1):
        score = min(b.score for b in row)
        if score < LOW_CONFIDENCE and len(warnings) < limit:
            text = "".join(b.text for b in row)
            warnings.append(f"第 {page} 页第 {n} 行识别置信度低（{score:.2f}）：{text[:30]}")
    return warnings


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0
