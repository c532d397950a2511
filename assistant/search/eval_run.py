"""`gongwen eval`: prepare the chosen sets, optionally tune the blend, report the test halves."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.search import evaluate as ev
from assistant.search.evalsets import BUILDERS


def run(names: list[str], shared: Path, workdir: Path, settings: Settings, tune: bool = False,
        limit: int | None = None, progress=None) -> list[dict]:
    prepared = []
    for name in names:
        eval_set = BUILDERS[name](shared, workdir / name, limit) if limit else BUILDERS[name](shared, workdir / name)
        local = settings
        if (settings.backend or "embedded") == "milvus":  # one set of collections per evaluation set
            local = settings.with_(milvus_prefix=f"{settings.milvus_prefix or 'gongwen_'}eval_{name}_")
        # the same folder for both backends (embedded generations and milvus/ side by side): one embedding cache
        prepared += ev.prepare(eval_set, workdir / name / "index", local, progress=progress)
    blend = _default_blend(settings)
    extra, tuned_info = {}, None
    if tune:
        headline = [p for p in prepared if p.scope == p.eval_set.scopes[0]]
        tuned, tuned_info = ev.tune(headline, progress=progress)
        extra = {"调得": tuned}
    results = [ev.report(p, blend, extra) for p in prepared]
    if tuned_info is not None:
        tuned_info["blend"] = {k: getattr(extra["调得"], k) for k in extra["调得"].__dataclass_fields__}
        results.append({"tuned": tuned_info})
    return results


def _default_blend(settings: Settings):
    from assistant.search.levels import Blend

    return Blend().with_(**(settings.fusion or {}))


def as_text(result: dict, pad) -> str:
    if "tuned" in result:
        t = result["tuned"]
        return (f"\n调得的融合参数：{t['blend']}\n调参一半上相对最佳单路的最差差值 {t['worst_tuning_margin']:+.4f}"
                f"（各集：{t['tuning_margins']}）")
    lines = [f"\n评测集：{result['set']}（单位 {result['unit']}；报告用查询 {result['queries_test']} 个，"
             f"调参用 {result['queries_tune']} 个）",
             f"{pad('方式', 20)}{'MRR@10':>9}{'R@1':>9}{'R@10':>9}{'nDCG@10':>9}"]
    for mode, m in result["modes"].items():
        lines.append(f"{pad(mode, 20)}{m['MRR@10']:>9.4f}{m['R@1']:>9.4f}{m['R@10']:>9.4f}{m['nDCG@10']:>9.4f}")
    for metric in ("MRR@10", "R@10"):
        m = result["margins"][metric]
        lines.append(f"默认 − 最佳单路（{m['best_single']}）{metric} {m['vs_best_single']:+.4f}"
                     f"（95% 区间 {m['ci95'][0]:+.4f}…{m['ci95'][1]:+.4f}）；"
                     f"默认 − {m['best_rrf']} {m['vs_rrf']:+.4f}（{m['rrf_ci95'][0]:+.4f}…{m['rrf_ci95'][1]:+.4f}）")
    return "\n".join(lines)
