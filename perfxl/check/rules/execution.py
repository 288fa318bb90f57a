"""P015–P017 — the budget's execution as the national and provincial tables score it.

The national table scores 预算执行率 (执行数 ÷ 全年/调整后预算数) out of 10; a budget cut late in the
year makes that rate look perfect, and provinces ask for a reason where the rate is low or the
budget changed.  Which figures these are, and the thresholds, are the profile's ``[checks]``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.lazy import module
from perfxl.numbers import normalize_text

from ..catalogue import rule
from .common import is_number, rows_at

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


def _figures(ctx: Context, names: dict[str, str]) -> list[dict]:
    """One dict per workbook: each named figure (the recomputed value of a derived cell, the
    value of an input), with ``<key>_raw``, ``<key>_status`` and ``<key>_at`` (where it is)."""
    where = np.flatnonzero(ctx.mask(name=list(names.values())))
    columns = [ctx.array(c)[where].tolist() for c in ("workbook", "name", "value", "expected", "kind", "status", "raw")]
    key_of = {name: key for key, name in names.items()}
    out: dict[str, dict] = {}
    for at, wb, name, value, expected, kind, status, raw in zip(where.tolist(), *columns, strict=True):
        row = out.setdefault(wb, {})
        key = key_of[name]
        if key in row:  # a name twice in one workbook: the first counts
            continue
        number = expected if kind == "derived" else value
        row[key] = float(number) if is_number(number) else math.nan
        row[f"{key}_raw"], row[f"{key}_status"], row[f"{key}_at"] = raw, status, at
    return [row for row in out.values() if all(k in row for k in names)]


def _explained(ctx: Context, status, raw) -> bool:
    """Whether a reason cell says something (not blank, not 无 or /)."""
    marks = {normalize_text(p) for p in ctx.settings.placeholders}
    return status == "ok" and normalize_text(str(raw)).strip("。.，, ") not in marks


@rule("P015", "low-execution-unexplained", "warning", "预算执行率低于规定比例却未说明原因")
def low_execution_unexplained(ctx: Context):
    """预算执行率低于表样规定的比例（四川表样 90%），原因一栏却是空的。

    **检查什么。** 表样 [checks] rate_reason 列出的执行率，按表中金额重新计算后低于 below 时，对应的
    原因单元格不是空白，也不只是“无”“/”。

    **为什么重要。** 执行率低说明资金没有按计划使用，省级表样要求逐项说明原因。

    **如何改正。** 在原因栏写明资金未执行的原因（如项目延期、政府采购流标）及后续安排。

    ---

    The execution rate is below the profile's threshold (90 % on the Sichuan form) with no reason.

    **What it checks.** Each ``rate_reason`` pair: the recomputed rate below ``below`` and the
    reason cell blank or a placeholder.

    **Why it matters.** Funds not spent as planned need explaining, the province requires it.

    **How to fix.** Write why the funds were not spent and what happens to them.
    """
    for link in ctx.profile.checks.get("rate_reason", []):
        got = _figures(ctx, {"rate": link["rate"], "reason": link["reason"]})
        below = float(link.get("below", 0.9))
        for row in got:
            rate = row["rate"]
            if not is_number(rate) or rate >= below - 1e-12 or _explained(ctx, row["reason_status"], row["reason_raw"]):
                continue
            cell = rows_at(ctx, [row["reason_at"]])[0]
            yield ctx.finding(
                cell, f"预算执行率 {show(rate, 'rate')}，低于 {show(below, 'rate')}，原因未填写",
                f"the execution rate is {show(rate, 'rate')}, below {show(below, 'rate')}, with no reason",
                expected="执行率偏低的原因", actual=show(rate, "rate"),
                hint_zh="写明资金未执行的原因及后续安排。", hint_en="Explain why the funds were not spent.",
            )


@rule("P016", "budget-cut-to-full-execution", "warning", "年中大幅调减预算使执行率接近 100%")
def budget_cut_to_full_execution(ctx: Context):
    """全年（调整后）预算比年初预算调减了一成以上，执行率因此接近 100%。

    **检查什么。** 表样 [checks] budget_cut 列出的三项：调整后预算比年初预算少 cut（默认 10%）以上，
    且执行率不低于 full_marks_rate（默认 99%）。

    **为什么重要。** 年底把没花完的预算调减掉，执行率就“完美”了；审核时应核实调减的依据。

    **如何改正。** 在说明栏写明预算调整的依据（批复文号、调减原因）。

    ---

    The adjusted budget is more than a tenth below the initial one, and execution is near 100 %.

    **What it checks.** Each ``budget_cut`` triple: the adjusted budget below the initial one by
    more than ``cut`` (default 10 %) with the rate at or above ``full_marks_rate``.

    **Why it matters.** Cutting the unspent budget at year end makes execution look perfect.

    **How to fix.** Explain the adjustment and cite its approval.
    """
    for link in ctx.profile.checks.get("budget_cut", []):
        got = _figures(ctx, {"initial": link["initial"], "adjusted": link["adjusted"], "rate": link["rate"]})
        cut = float(link.get("cut", 0.1))
        for row in got:
            initial, adjusted, rate = row["initial"], row["adjusted"], row["rate"]
            if not (is_number(initial) and is_number(adjusted) and is_number(rate)) or initial <= 0:
                continue
            if adjusted < initial * (1 - cut) and rate >= ctx.settings.full_marks_rate:
                cell = rows_at(ctx, [row["adjusted_at"]])[0]
                unit = cell.get("unit", "")
                yield ctx.finding(
                    cell,
                    f"预算从年初的 {show(initial, 'money', unit)} 调减为 {show(adjusted, 'money', unit)}"
                    f"（减少 {show(1 - adjusted / initial, 'rate')}），执行率因此为 {show(rate, 'rate')}",
                    f"the budget was cut from {show(initial, 'money', unit)} to {show(adjusted, 'money', unit)}, "
                    f"so execution reads {show(rate, 'rate')}",
                    expected="说明预算调减的依据", actual=show(adjusted, "money", unit),
                    hint_zh="写明预算调整的依据和批复。", hint_en="Explain and cite the adjustment.",
                )


@rule("P017", "budget-change-unexplained", "warning", "年中调整了预算却未说明原因")
def budget_change_unexplained(ctx: Context):
    """调整后预算与年初预算不同，原因一栏却是空的（四川表样要求说明年中预算调整）。

    **检查什么。** 表样 [checks] change_reason 列出的两项预算不相等（差额超过 1 元）时，对应的原因
    单元格不是空白，也不只是“无”“/”。

    **为什么重要。** 预算调整会改变执行率的分母，省级表样要求写明调整原因。

    **如何改正。** 在原因栏写明预算调整的原因和批复情况。

    ---

    The budget changed during the year (adjusted ≠ initial) with no reason given.

    **What it checks.** Each ``change_reason`` pair differing by more than 1 元 with the reason
    cell blank or a placeholder.

    **Why it matters.** An adjustment changes the execution rate's base; the province asks why.

    **How to fix.** Write why the budget was adjusted and by whose approval.
    """
    for link in ctx.profile.checks.get("change_reason", []):
        got = _figures(ctx, {"initial": link["initial"], "adjusted": link["adjusted"], "reason": link["reason"]})
        for row in got:
            initial, adjusted = row["initial"], row["adjusted"]
            if not (is_number(initial) and is_number(adjusted)) or abs(initial - adjusted) <= 1:
                continue
            if _explained(ctx, row["reason_status"], row["reason_raw"]):
                continue
            cell = rows_at(ctx, [row["reason_at"]])[0]
            unit = rows_at(ctx, [row["adjusted_at"]])[0].get("unit", "")
            yield ctx.finding(
                cell, f"预算由年初 {show(initial, 'money', unit)} 调整为 {show(adjusted, 'money', unit)}，原因未填写",
                f"the budget changed from {show(initial, 'money', unit)} to {show(adjusted, 'money', unit)} "
                "with no reason",
                expected="预算调整的原因", actual="（空）",
                hint_zh="写明预算调整的原因和批复情况。", hint_en="Explain the adjustment.",
            )
