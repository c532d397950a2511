"""`gongwen check FILE.docx --layout`: a .docx measured against GB/T 9704-2012 — page, margins,
line grid, fonts and sizes by role (via w:eastAsia), indents, page numbers, 版头/版记 order.

Roles come from the text (层次序数 opens a heading; the title is the first centred paragraph
of 20 pt or more that is not red; 发文机关标志 is red), so any .docx can be checked. Document-
level findings (page, footers) have paragraph -1; others name the paragraph among the
non-empty ones, as `gongwen check` does. A trailing 附：素材来源 list (our drafting annex) is
not part of the document.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx.oxml.ns import qn
from docx.shared import Emu

from assistant.norms.finding import ADVICE, ERROR, Finding
from assistant.norms.levels import heading_level

CATEGORY = "版式"
PAGE_MM, MARGINS_MM, TOLERANCE_MM = (210, 297), {"top": 37, "bottom": 35, "left": 28, "right": 26}, 1.0
LINES, CHARS = 22, 28
ROLE_FONTS = {"title": ("小标宋", 22), 1: ("黑体", 16), 2: ("楷体", 16), 3: ("仿宋", 16), 4: ("仿宋", 16),
              "body": ("仿宋", 16)}
ROLE_NAMES = {"title": "标题", 1: "一级标题", 2: "二级标题", 3: "三级标题", 4: "四级标题", "body": "正文"}
_FONT_NAMES = {"小标宋": "小标宋体（方正小标宋简体）", "黑体": "黑体", "楷体": "楷体（楷体_GB2312）",
               "仿宋": "仿宋体（仿宋_GB2312）"}
_DOC_NUMBER = re.compile(r"〔\d{4}〕\d+号")
TEXT_WIDTH_MM, LETTER_LINE_MM, WIDTH_TOLERANCE_MM = 156, 170, 1.0
ISSUER_TOP_MM, LETTER_ISSUER_TOP_MM, POSITION_TOLERANCE_MM = 35, 30, 2.0
_REDS = ("FF0000", "E60000", "C00000")
_APPENDIX = "附：素材来源"


class LayoutError(ValueError):
    """The file is not a readable .docx; str() names it."""


def check_layout(path: str | Path) -> list[Finding]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise LayoutError(f"{path}：版式检查只支持 .docx 文件")
    if not path.is_file():
        raise LayoutError(f"{path}：文件不存在")
    try:
        document = Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise LayoutError(f"{path}：不是有效的 .docx 文件（{type(exc).__name__}）") from None
    found = _page(document) + _char_grid(document) + _footers(document) + _masthead_geometry(document)
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    if any(p.text.strip() == _APPENDIX for p in paragraphs):
        paragraphs = paragraphs[:[p.text.strip() for p in paragraphs].index(_APPENDIX)]
    return found + _paragraphs(document, paragraphs) + _order(paragraphs)


def _doc(rule: str, severity: str, message: str, text: str = "") -> Finding:
    return Finding(rule, CATEGORY, severity, -1, 0, 0, text, message, None, False)


def _para(rule: str, severity: str, index: int, text: str, message: str) -> Finding:
    return Finding(rule, CATEGORY, severity, index, 0, len(text), text, message, None, False)


def _mm(length) -> float:
    return Emu(length).mm if length is not None else 0.0


def _page(document) -> list[Finding]:
    out = []
    section = document.sections[0]
    width, height = _mm(section.page_width), _mm(section.page_height)
    if abs(width - PAGE_MM[0]) > TOLERANCE_MM or abs(height - PAGE_MM[1]) > TOLERANCE_MM:
        out.append(_doc("layout.page_size", ERROR, f"纸张应为 A4（210 mm × 297 mm），实际 {width:.0f} mm × {height:.0f} mm"
                                                   "（GB/T 9704-2012 5.1）"))
    for side, expected in MARGINS_MM.items():
        actual = _mm(getattr(section, f"{side}_margin"))
        if abs(actual - expected) > TOLERANCE_MM:
            name = {"top": "上", "bottom": "下", "left": "左", "right": "右"}[side]
            out.append(_doc("layout.margin", ERROR, f"{name}页边距应为 {expected} mm（±1 mm），实际 {actual:.1f} mm"
                                                   "（版心 156 mm × 225 mm，GB/T 9704-2012 5.2.1）"))
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch"), "0")) if grid is not None else 0
    text_height_pt = (height - _mm(section.top_margin) - _mm(section.bottom_margin)) / 25.4 * 72
    if not pitch or grid.get(qn("w:type")) not in ("lines", "linesAndChars"):
        out.append(_doc("layout.grid", ADVICE, "未设置文档网格：一般每面排 22 行、每行排 28 个字（GB/T 9704-2012 5.2.2）"))
    elif abs(text_height_pt * 20 / pitch - LINES) > 0.5:
        out.append(_doc("layout.grid", ERROR, f"每面应排 {LINES} 行，网格行距给出约 {text_height_pt * 20 / pitch:.1f} 行"
                                             "（GB/T 9704-2012 5.2.2）"))
    return out


def _text_block_mm(section) -> tuple[float, float]:
    """版心 width and height in mm (page minus margins)."""
    return (_mm(section.page_width) - _mm(section.left_margin) - _mm(section.right_margin),
            _mm(section.page_height) - _mm(section.top_margin) - _mm(section.bottom_margin))


def _default_size(document) -> float:
    """The document's default font size (pt): docDefaults, else the Normal style, else 10.5."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    size = _rpr_font(rpr_default.find(qn("w:rPr")) if rpr_default is not None else None)[1]
    return size or _rpr_font(document.styles["Normal"].element.rPr)[1] or 10.5


def _char_grid(document) -> list[Finding]:
    """Characters per line (28) from the character grid, and lines per page (22) from the body
    text's own line spacing (an exact spacing overrides the line grid) (GB/T 9704-2012 5.2.2)."""
    out = []
    section = document.sections[0]
    width_mm, height_mm = _text_block_mm(section)
    width_pt, height_pt = width_mm / 25.4 * 72, height_mm / 25.4 * 72
    grid = section._sectPr.find(qn("w:docGrid"))
    normal = document.styles["Normal"]
    body_pt = _rpr_font(normal.element.rPr)[1] or _default_size(document)
    if grid is not None and grid.get(qn("w:type")) in ("linesAndChars", "snapToChars"):
        pitch = _default_size(document) + int(grid.get(qn("w:charSpace"), "0")) / 4096
        chars = int(width_pt / pitch + 1e-6) if pitch > 0 else 0
        if chars != CHARS:
            out.append(_doc("layout.chars_per_line", ERROR, f"每行应排 {CHARS} 个字，字符网格给出 {chars} 个"
                                                         f"（字距 {pitch:.2f} pt，版心宽 {width_mm:.0f} mm）（GB/T 9704-2012 5.2.2）"))
    else:
        chars = int(width_pt / body_pt + 1e-6)
        if chars != CHARS:
            out.append(_doc("layout.chars_per_line", ADVICE, f"未设置字符网格：{body_pt:g} pt 的正文每行排 {chars} 个字，"
                                                          f"一般每行排 {CHARS} 个字（GB/T 9704-2012 5.2.2）"))
    fmt = normal.paragraph_format
    if fmt.line_spacing_rule is not None and int(fmt.line_spacing_rule) == 4 and fmt.line_spacing:  # EXACTLY
        lines = height_pt / fmt.line_spacing.pt
        if abs(lines - LINES) > 0.5:
            out.append(_doc("layout.lines_per_page", ERROR, f"正文固定行距 {fmt.line_spacing.pt:g} pt，每面约排 {lines:.1f} 行，"
                                                          f"应为 {LINES} 行（GB/T 9704-2012 5.2.2）"))
    return out


def _masthead_geometry(document) -> list[Finding]:
    """发文机关标志's top edge 35 mm below the 版心's top (7.2.3; 信函格式 30 mm below the page's
    top, 10.1) and the red separator line as wide as the 版心, 156 mm (7.2.7; 信函格式 170 mm)."""
    section = document.sections[0]
    width_mm = _text_block_mm(section)[0]
    top_margin_mm = _mm(section.top_margin)
    pitch_pt = _line_pitch_pt(section)
    out = []
    paragraphs = document.paragraphs
    issuer = next((k for k, p in enumerate(paragraphs[:12]) if p.text.strip() and _is_red(p)
                   and p.alignment is not None and int(p.alignment) == 1), None)  # red and centred
    rules = [(k, p) for k, p in enumerate(paragraphs[:16]) if _red_border(p)]
    letter = any(_frame_pr(p) is not None and _frame_pr(p).get(qn("w:vAnchor")) == "page" for _, p in rules)
    index = {id(p._p): n for n, p in enumerate(q for q in paragraphs if q.text.strip())}
    if issuer is not None:
        p = paragraphs[issuer]
        runs = [r for r in p.runs if r.text.strip()]
        size_pt = run_font(document, p, runs[0])[1]
        frame = _frame_pr(p)
        if frame is not None and frame.get(qn("w:y")) is not None:
            top_mm = int(frame.get(qn("w:y"))) / 20 / 72 * 25.4
            if frame.get(qn("w:vAnchor")) == "page":
                top_mm -= top_margin_mm
        else:
            top_pt = sum(_height_pt(q, pitch_pt) for q in paragraphs[:issuer] if _frame_pr(q) is None)
            top_mm = (top_pt + _space_pt(p, "before")) / 72 * 25.4
        line_pt = _line_height_pt(p, pitch_pt)
        top_mm += max(0.0, line_pt - size_pt) / 2 / 72 * 25.4  # the glyphs sit centred in an exact line
        expected, where = (LETTER_ISSUER_TOP_MM - top_margin_mm, "上页边") if letter else (ISSUER_TOP_MM, "版心上边缘")
        if abs(top_mm - expected) > POSITION_TOLERANCE_MM:
            actual = top_mm + top_margin_mm if letter else top_mm
            out.append(_para("layout.issuer_position", ERROR, index.get(id(p._p), -1), p.text.strip(),
                             f"发文机关标志上边缘距{where}应为 {LETTER_ISSUER_TOP_MM if letter else ISSUER_TOP_MM} mm，"
                             f"实际约 {actual:.0f} mm（GB/T 9704-2012 {'10.1' if letter else '7.2.3'}）"))
    for k, p in rules:
        frame = _frame_pr(p)
        if frame is not None and frame.get(qn("w:w")) is not None:
            line_mm, expected = int(frame.get(qn("w:w"))) / 20 / 72 * 25.4, (LETTER_LINE_MM if letter else TEXT_WIDTH_MM)
        else:
            left, right = _indents_pt(p)
            line_mm, expected = width_mm - (left + right) / 72 * 25.4, TEXT_WIDTH_MM
        if abs(line_mm - expected) > WIDTH_TOLERANCE_MM:
            text = p.text.strip()
            out.append(_para("layout.red_rule_width", ERROR, index.get(id(p._p), -1), text,
                             f"{'信函格式的红色双线应长' if letter else '红色分隔线应与版心等宽，即'} {expected} mm，"
                             f"实际约 {line_mm:.0f} mm（GB/T 9704-2012 {'10.1' if letter else '7.2.7'}）"))
    return out


def _frame_pr(paragraph):
    ppr = paragraph._p.pPr
    return ppr.find(qn("w:framePr")) if ppr is not None else None


def _red_border(paragraph) -> bool:
    ppr = paragraph._p.pPr
    border = ppr.find(qn("w:pBdr")) if ppr is not None else None
    return border is not None and any(
        line is not None and line.get(qn("w:color"), "").upper() in _REDS
        for line in (border.find(qn("w:top")), border.find(qn("w:bottom"))))


def _line_pitch_pt(section) -> float:
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch"), "0")) if grid is not None else 0
    return pitch / 20 if pitch else 15.6  # Word's single line of 10.5 pt without a grid (approx.)


def _style_chain(paragraph):
    style = paragraph.style
    while style is not None:
        yield style
        style = style.base_style


def _line_height_pt(paragraph, pitch_pt: float) -> float:
    """The height of one line: an exact or minimum spacing as given, else the grid pitch × the
    multiple (lines snap to the grid)."""
    for fmt in [paragraph.paragraph_format] + [s.paragraph_format for s in _style_chain(paragraph)]:
        rule, spacing = fmt.line_spacing_rule, fmt.line_spacing
        if spacing is None:
            continue
        if hasattr(spacing, "pt"):
            return spacing.pt
        return pitch_pt * float(spacing)
    return pitch_pt


def _space_pt(paragraph, side: str) -> float:
    for fmt in [paragraph.paragraph_format] + [s.paragraph_format for s in _style_chain(paragraph)]:
        value = getattr(fmt, f"space_{side}")
        if value is not None:
            return value.pt
    return 0.0


def _height_pt(paragraph, pitch_pt: float) -> float:
    """A one-line paragraph's height: space before + its line + space after."""
    return _space_pt(paragraph, "before") + _line_height_pt(paragraph, pitch_pt) + _space_pt(paragraph, "after")


def _indents_pt(paragraph) -> tuple[float, float]:
    ind = None
    for ppr in [paragraph._p.pPr] + [s.element.pPr for s in _style_chain(paragraph)]:
        ind = ppr.find(qn("w:ind")) if ppr is not None else None
        if ind is not None:
            break
    if ind is None:
        return 0.0, 0.0
    return tuple(int(ind.get(qn(f"w:{side}"), ind.get(qn(f"w:{alt}"), "0"))) / 20
                 for side, alt in (("left", "start"), ("right", "end")))


def _footers(document) -> list[Finding]:
    section = document.sections[0]
    out = []
    footer_xml = section.footer._element.xml if section.footer is not None else ""
    if "PAGE" not in footer_xml:
        return [_doc("layout.page_number", ERROR, "页脚中没有页码域（PAGE）（GB/T 9704-2012 7.5）")]
    text = "".join(p.text for p in section.footer.paragraphs)
    runs = [r for p in section.footer.paragraphs for r in p.runs if r.text.strip()]
    if runs:
        name, size = run_font(document, section.footer.paragraphs[0], runs[0])
        if abs(size - 14) > 0.5:
            out.append(_doc("layout.page_number_size", ADVICE, f"页码一般用 4 号（14 pt）半角宋体阿拉伯数字，实际 {size:g} pt"
                                                             "（GB/T 9704-2012 7.5）", text))
    if "—" not in text:
        out.append(_doc("layout.page_number", ADVICE, "页码一般写作“— 1 —”（数字左右各放一条一字线）（GB/T 9704-2012 7.5）", text))
    if not document.settings.odd_and_even_pages_header_footer:
        out.append(_doc("layout.page_number_side", ERROR, "页码应单页居右、双页居左：需要奇偶页不同的页脚（GB/T 9704-2012 7.5）"))
    else:
        odd = _alignment(section.footer.paragraphs)
        even = _alignment(section.even_page_footer.paragraphs)
        if odd != "right" or even != "left":
            out.append(_doc("layout.page_number_side", ERROR,
                            f"页码应单页居右空一字、双页居左空一字，实际单页 {odd}、双页 {even}（GB/T 9704-2012 7.5）"))
    return out


def _alignment(paragraphs) -> str:
    for p in paragraphs:
        if "PAGE" in p._p.xml:
            jc = p._p.pPr.find(qn("w:jc")) if p._p.pPr is not None else None
            return jc.get(qn("w:val")) if jc is not None else "left"
    return "无页码"


def run_font(document, paragraph, run) -> tuple[str, float]:
    """The East-Asian font name and size (pt) a run is shown in: the run, its paragraph's style
    chain, then the document defaults."""
    name, size = _rpr_font(run._r.rPr)
    style = paragraph.style
    while style is not None and (not name or not size):
        style_name, style_size = _rpr_font(style.element.rPr)
        name, size = name or style_name, size or style_size
        style = style.base_style
    if not name or not size:
        defaults = document.styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None and \
            defaults.find(qn("w:rPrDefault")) is not None else None
        default_name, default_size = _rpr_font(rpr)
        name, size = name or default_name, size or default_size or 10.0
    return name or "", size


def _rpr_font(rpr) -> tuple[str, float]:
    if rpr is None:
        return "", 0.0
    fonts = rpr.find(qn("w:rFonts"))
    name = fonts.get(qn("w:eastAsia"), "") if fonts is not None else ""
    sz = rpr.find(qn("w:sz"))
    return name, int(sz.get(qn("w:val"))) / 2 if sz is not None else 0.0


def _is_red(paragraph) -> bool:
    return any(r.font.color is not None and r.font.color.type is not None and str(r.font.color.rgb) in ("FF0000", "E60000", "C00000")
               for r in paragraph.runs if r.text.strip())


def _paragraphs(document, paragraphs) -> list[Finding]:
    out = []
    title_done = False
    for i, p in enumerate(paragraphs):
        text = p.text.strip()
        runs = [r for r in p.runs if r.text.strip()]
        if not runs or _is_red(p) or _DOC_NUMBER.search(text) and i < 6 and not title_done:
            continue
        if text.startswith("抄送") or (text.endswith("印发") and i > len(paragraphs) // 2):
            continue  # 版记: 4号 仿宋, checked for order below
        name, size = run_font(document, p, runs[0])
        centred = p.alignment is not None and int(p.alignment) == 1
        if not title_done and centred and size >= 20:
            role = "title"
            title_done = True
        elif heading_level(text):
            role = heading_level(text)[0]
        elif title_done and not centred and len(text) > 30:
            role = "body"
        else:
            continue
        font, expected = ROLE_FONTS[role]
        if font not in name:
            out.append(_para("layout.font", ERROR, i, text[:20],
                             f"{ROLE_NAMES[role]}应使用{_FONT_NAMES[font]}，实际为“{name or '未设置中文字体'}”（GB/T 9704-2012 7.3）"))
        if abs(size - expected) > 0.5:
            out.append(_para("layout.size", ERROR, i, text[:20],
                             f"{ROLE_NAMES[role]}应为 {expected:g} pt（{'2号' if expected == 22 else '3号'}），实际 {size:g} pt"
                             "（GB/T 9704-2012 7.3）"))
        if role == "body" and not _two_char_indent(p, size):
            out.append(_para("layout.indent", ERROR, i, text[:20], "正文段落应首行缩进 2 字（GB/T 9704-2012 7.3.3）"))
    return out


def _two_char_indent(paragraph, size: float) -> bool:
    ind = paragraph._p.pPr.find(qn("w:ind")) if paragraph._p.pPr is not None else None
    style = paragraph.style
    while ind is None and style is not None:
        ppr = style.element.pPr
        ind = ppr.find(qn("w:ind")) if ppr is not None else None
        style = style.base_style
    if ind is None:
        return False
    chars = ind.get(qn("w:firstLineChars"))
    if chars is not None and chars != "0":
        return abs(int(chars) - 200) <= 10
    twips = int(ind.get(qn("w:firstLine"), "0"))
    return abs(twips - 2 * size * 20) <= 40


def _order(paragraphs) -> list[Finding]:
    """版头 elements before the title in their order; 版记 (抄送, 印发) last, 抄送 first."""
    texts = [p.text.strip() for p in paragraphs]
    out = []
    issuer = next((i for i, p in enumerate(paragraphs) if _is_red(p)), None)
    number = next((i for i, t in enumerate(texts[:8]) if _DOC_NUMBER.search(t)), None)
    if issuer is not None and number is not None and number < issuer:
        out.append(_para("layout.masthead_order", ERROR, number, texts[number],
                         "发文字号应在发文机关标志之下（GB/T 9704-2012 7.2.5）"))
    if issuer is not None and number is not None and not (_has_red_rule(paragraphs[number])
                                                          or _has_red_rule(paragraphs[issuer])):  # 信函格式
        out.append(_para("layout.red_rule", ADVICE, number, texts[number],
                         "发文字号之下 4 mm 处应有与版心等宽的红色分隔线（GB/T 9704-2012 7.2.7）"))
    cc = next((i for i, t in enumerate(texts) if t.startswith("抄送")), None)
    for i in (k for k, t in enumerate(texts) if k > len(texts) // 2 and (t.startswith("抄送") or t.endswith("印发"))):
        runs = [r for r in paragraphs[i].runs if r.text.strip()]
        size = run_font(paragraphs[i].part.document, paragraphs[i], runs[0])[1] if runs else 14
        if abs(size - 14) > 0.5:
            out.append(_para("layout.colophon_size", ADVICE, i, texts[i],
                             f"版记一般用 4 号（14 pt）仿宋体字，实际 {size:g} pt（GB/T 9704-2012 7.4.2、7.4.3）"))
    printed = next((i for i, t in enumerate(texts) if t.endswith("印发") and i > len(texts) // 2), None)
    if cc is not None and printed is not None and cc > printed:
        out.append(_para("layout.colophon_order", ERROR, cc, texts[cc], "抄送机关应在印发机关和印发日期之上（GB/T 9704-2012 7.4.2）"))
    last = max([i for i in (cc, printed) if i is not None], default=None)
    if last is not None and printed is not None and printed != len(texts) - 1:
        out.append(_para("layout.colophon_last", ERROR, printed, texts[printed],
                         "版记应位于公文最后一页的最后（GB/T 9704-2012 7.4）"))
    return out


def _has_red_rule(paragraph) -> bool:
    ppr = paragraph._p.pPr
    border = ppr.find(qn("w:pBdr")) if ppr is not None else None
    lines = [border.find(qn(f"w:{side}")) for side in ("top", "bottom")] if border is not None else []
    return any(line is not None and line.get(qn("w:color"), "").upper() in ("FF0000", "E60000", "C00000")
               for line in lines)
