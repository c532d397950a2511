"""`gongwen doctor`: one report of everything the product needs, each line ✓/✗ with the fix in Chinese.

    from assistant.doctor import run_checks, report_text, report_json
    checks = run_checks(settings)          # list[Check]
    print(report_text(checks)); sys.exit(exit_code(checks))

Checks are grouped by concept: system.py (Python, torch, model, LibreOffice, OCR, fonts, Milvus,
locked versions) and index.py (the index folder's health). A check never raises: whatever goes
wrong becomes a ✗ line naming the problem. `essential` marks what the product cannot work without
(Python, torch, the embedding model, an index that cannot be opened); only those make the exit
code non-zero. `ok=None` is a line that does not apply (not configured, optional part not installed).
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass

from assistant.config import Settings


@dataclass(frozen=True)
class Check:
    key: str              # stable identifier for scripts (--json)
    title: str            # short Chinese name
    ok: bool | None       # True ✓, False ✗, None ○ (not configured / not applicable)
    detail: str           # what was found
    fix: str = ""         # what to do (Chinese), for ✗ and ○ lines
    essential: bool = False

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "○" if self.ok is None else "✗"

    @property
    def failed_essential(self) -> bool:
        return self.essential and self.ok is False


def run_checks(settings: Settings, libreoffice: bool = True) -> list[Check]:
    """All checks in report order; `libreoffice=False` skips the (seconds-long) test conversion."""
    from assistant.doctor import index, system

    probes = [system.check_python, system.check_torch, system.check_model,
              functools.partial(system.check_libreoffice, convert=libreoffice), system.check_ocr,
              system.check_fonts, system.check_milvus, system.check_locked_versions]
    checks: list[Check] = []
    for probe in probes:
        checks.extend(_safely(probe, settings))
    checks.extend(_safely(index.check_index, settings))
    return checks


def _safely(probe, settings: Settings) -> list[Check]:
    name = getattr(probe, "__name__", None) or getattr(getattr(probe, "func", None), "__name__", "check")
    try:
        result = probe(settings)
    except Exception as err:  # a broken probe must not hide the other lines
        return [Check(name, "检查", False, f"检查本身出错：{type(err).__name__}: {err}", "请把此输出报告给维护者")]
    return result if isinstance(result, list) else [result]


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.failed_essential for c in checks) else 0


def summary(checks: list[Check]) -> str:
    essential = [c for c in checks if c.failed_essential]
    other = [c for c in checks if c.ok is False and not c.essential]
    if essential:
        return f"有 {len(essential)} 项必需检查未通过（{'、'.join(c.title for c in essential)}），本程序无法正常工作。"
    if other:
        return f"必需项全部正常；{len(other)} 项可选功能有问题（{'、'.join(c.title for c in other)}）。"
    return "全部正常。"


def report_text(checks: list[Check]) -> str:
    from assistant import __version__

    width = max(_width(c.title) for c in checks) + 2
    lines = [f"公文检索与起草助手 {__version__} — 环境检查（{time.strftime('%Y-%m-%d %H:%M')}）", ""]
    for check in checks:
        lines.append(f"{check.mark} {check.title}{' ' * (width - _width(check.title))}{check.detail}")
        if check.fix and check.ok is not True:
            lines.append(f"{' ' * (width + 2)}{'修复' if check.ok is False else '提示'}：{check.fix}")
    lines += ["", summary(checks)]
    return "\n".join(lines)


def report_json(checks: list[Check]) -> dict:
    from assistant import __version__

    return {"version": __version__, "ok": exit_code(checks) == 0, "summary": summary(checks),
            "checks": [{**asdict(c), "mark": c.mark} for c in checks]}


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
