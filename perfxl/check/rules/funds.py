"""F — the funds table: derived figures, row totals, amounts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.lazy import module

from ..catalogue import rule
from .common import mismatch_findings, recomputed_mismatch, rows_at

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


def _grid_derived(ctx: Context, by_row_formula: bool) -> np.ndarray:
    """Which cells are the grid's derived ones of one kind (a mask over the cells)."""
    profile = ctx.profile
    keys = set()
    for block in profile.blocks("grid"):
        for r in block.rows:
            for c in block.columns:
                rule = block.cell_rule(r, c)
                # A column formula (合计 = 上级 + 本级) sums a row's sources: F002; the rest F001.
                by_column = rule is not None and rule.formula is c.formula and rule.axis == "row"
                if rule is not None and not rule.blank and by_column != by_row_formula:
                    keys.add(f"{block.key}_{r.key}_{c.key}")
    return ctx.mask(name=keys)


@rule("F001", "funds-derived-mismatch", "error", "资金结余、到位率等派生数与投入数推算结果不符")
def funds_derived_mismatch(ctx: Context):
    """资金结余、各项比率等资金表中的计算数，与填报金额推算的结果不符。

    **检查什么。**按表中所列公式，逐列用填报金额重新计算资金表的计算行——如资金结余(5)=(3)−(4)、实际
    到位率(6)=(3)÷(2)、支出实现率(7)=(4)÷(3)、预算完成率(8)=(4)÷(1)——与表中显示精度（0.01 元、0.01
    个百分点）以内相符即视为一致。

    **为什么重要。**全县汇总按这些比率衡量各单位的资金执行情况；比率与金额对不上，单位的执行情况就被
    错报。

    **如何改正。**保留模板中的公式；改正金额，不要手改比率。

    ---

    A derived funds figure (balance, a rate) differs from what its inputs give.

    **What it checks.** Each derived row of the funds table recomputed from the inputs, per
    column, as printed on the form — e.g. 资金结余 (5) = (3) − (4), 实际到位率 (6) = (3) ÷ (2),
    支出实现率 (7) = (4) ÷ (3), 预算完成率 (8) = (4) ÷ (1) — within the displayed precision
    (0.01 元, 0.01 percentage point).

    **Why it matters.** The rates are what the county summary ranks units by; a rate that does
    not follow from the amounts misstates the unit's execution.

    **How to fix.** Keep the template's formulas; correct the amounts, not the rates.
    """
    at = recomputed_mismatch(ctx, _grid_derived(ctx, by_row_formula=True))
    yield from mismatch_findings(ctx, at, "与表中金额推算的结果不符",
                                 "it does not follow from the amounts")


@rule("F002", "funds-total-mismatch", "error", "资金合计不等于上级与本级资金之和")
def funds_total_mismatch(ctx: Context):
    """资金表中的合计不等于各资金来源（上级财政资金＋本级财政资金）之和。

    **检查什么。**每一个填报行的合计列应等于各资金来源列之和，精确到分。

    **为什么重要。**全县汇总加总的正是合计列。

    **如何改正。**保留合计公式，上级、本级资金分别填写。

    ---

    A 合计 in the funds table is not the sum of its sources (上级财政资金 + 本级财政资金).

    **What it checks.** On every input row, the total column equals the sum of the source
    columns, to the fen.

    **Why it matters.** The 合计 column is the one the county summary adds up.

    **How to fix.** Keep the 合计 formula; fill 上级 and 本级 separately.
    """
    at = recomputed_mismatch(ctx, _grid_derived(ctx, by_row_formula=False))
    yield from mismatch_findings(ctx, at, "合计应等于各资金来源之和",
                                 "the total must equal the sum of the sources")


@rule("F003", "negative-amount", "error", "金额为负数")
def negative_amount(ctx: Context):
    """金额填成了负数。

    **检查什么。**资金表和支出明细中填报的每一个金额都应不小于 0。

    **为什么重要。**预算安排、到位资金和实际支出都不可能为负；负号通常是录入失误，或是本应在文字说明
    中交代的退款。

    **如何改正。**去掉负号填写金额；退款情况在文字说明中交代。

    ---

    An amount typed as a negative number.

    **What it checks.** Every input amount of the funds table and the expenditure detail is ≥ 0.

    **Why it matters.** Budgets, funds in place and spending cannot be negative; a minus sign
    is usually a typing slip or a refund that belongs in the explanation.

    **How to fix.** Type the amount without a sign; explain refunds in the text.
    """
    negative = ctx.mask(kind="input", type="money") & (ctx.numbers("value") < 0)
    for row in rows_at(ctx, negative):
        amount = show(row["value"], "money", row.get("unit") or "")
        yield ctx.finding(
            row, f"{row['label']}为负数 {amount}",
            f"{row['label']} is negative ({amount})",
            expected="≥ 0", actual=amount,
            hint_zh="金额应不小于 0。", hint_en="Amounts must not be negative.",
        )


def _over(ctx: Context, check: str) -> list[tuple[dict, float, float, dict]]:
    """Where an amount exceeds its limit, for the pairs the profile lists under ``check``: (the
    amount's cell, the amount, the limit, the limit's cell), figures as the form defines them.
    A pair's ``parts`` (each source column's amount and limit) are checked where the pair holds:
    a 合计 over is said once, at the 合计; a column over under a 合计 that holds, at the column."""
    found = []
    tol = ctx.settings.money_tolerance

    def compare(amount_name: str, limit_name: str, skip: set) -> set:
        fired = set()
        limits = _figure(ctx, limit_name)
        for wb, (amount, at) in _figure(ctx, amount_name).items():
            limit, limit_at = limits.get(wb, (math.nan, None))
            if wb not in skip and amount - limit >= tol - 1e-12:  # False where either is unknown (NaN)
                row, other = rows_at(ctx, [at, limit_at])
                found.append((row, amount, limit, other))
                fired.add(wb)
        return fired

    for pair in ctx.profile.checks.get(check, []):
        whole = compare(pair["amount"], pair["limit"], set())
        for amount_name, limit_name in pair.get("parts", []):
            compare(amount_name, limit_name, whole)
    return found


def _figure(ctx: Context, name: str) -> dict[str, tuple[float, int]]:
    """One named figure per workbook as the form defines it (a derived one recomputed, NaN when
    it is no number), with where its cell is among the cells."""
    return ctx.shared(_figures).get(name, {})


def _figures(ctx: Context) -> dict[str, dict[str, tuple[float, int]]]:
    """:func:`_figure` of every figure the profile's F004–F006 pairs name, taken out in one pass."""
    names = sorted({n for check in ("spent_within_in_place", "spent_within_budget", "in_place_within_budget")
                    for pair in ctx.profile.checks.get(check, [])
                    for n in (pair["amount"], pair["limit"], *(x for part in pair.get("parts", []) for x in part))})
    if not names:
        return {}
    at = np.flatnonzero(ctx.mask(name=names))
    value = np.where(ctx.mask(kind="derived")[at], ctx.numbers("expected")[at], ctx.numbers("value")[at])
    out: dict[str, dict[str, tuple[float, int]]] = {}
    for name, wb, v, i in zip(ctx.array("name")[at].tolist(), ctx.array("workbook")[at].tolist(), value.tolist(),
                              at.tolist(), strict=True):
        out.setdefault(name, {})[wb] = (v, i)
    return out


def _exceeds(ctx: Context, check: str, zh: str, en: str, hint_zh: str, hint_en: str, skip=frozenset()):
    for row, amount, limit, other in _over(ctx, check):
        if row["workbook"] in skip:
            continue
        where = f"{other['sheet']}!{other['cell']}"
        unit = row.get("unit") if isinstance(row.get("unit"), str) else ""  # as the form prints it (万元)
        said = {k: show(v, "money", unit) for k, v in (("amount", amount), ("limit", limit), ("more", amount - limit))}
        yield ctx.finding(
            row,
            f"{row['label']} {said['amount']} 超过{other['label']}（{where}）{said['limit']}，"
            f"多出 {said['more']}：{zh}",
            f"{row['label']} {said['amount']} exceeds {other['label']} ({where}) {said['limit']} "
            f"by {said['more']}: {en}",
            expected=f"≤ {said['limit']}", actual=said["amount"],
            hint_zh=hint_zh, hint_en=hint_en,
        )


@rule("F004", "spent-over-in-place", "error", "实际支出大于实际到位资金（资金结余为负）")
def spent_over_in_place(ctx: Context):
    """实际支出超过实际到位资金，资金结余为负数。

    **检查什么。** 表样列出的每一对金额（gd-2020：实际支出 (4) 合计与实际到位 (3) 合计），
    都按表内公式由填报数推算；支出多于到位即资金结余 (5) 为负。合计不超时再逐列（上级、
    本级财政资金）核对，合计已超的只在合计处报告一次。

    **为什么重要。** 项目只能花已经到位的钱：支出多于到位，要么支出或到位数填错了，要么动用了
    别的资金，这些数字不可能同时为真。审核人首先看的就是资金结余是否为负。

    **如何改正。** 核对实际到位和实际支出（含上级、本级两列），按账面数填写。

    ---

    Spending exceeds the funds in place: a negative balance.

    **What it checks.** Each pair of amounts the profile lists (gd-2020: 实际支出 (4) 合计 against
    实际到位 (3) 合计), both as the form computes them from the inputs; more spent than arrived
    is a negative 资金结余 (5). Where the 合计 holds, each source column (上级, 本级) is checked
    too; a 合计 over is said once, at the 合计.

    **Why it matters.** A project can only spend the money that has arrived: either one of the
    two figures is wrong or other money was used. They cannot all be true, and a reviewer looks
    at the balance first.

    **How to fix.** Check 实际到位 and 实际支出 (both source columns) against the accounts.
    """
    yield from _exceeds(ctx, "spent_within_in_place", "资金结余为负，支出不能多于到位资金",
                        "a negative balance: no more can be spent than has arrived",
                        "核对实际到位和实际支出，按账面数填写。",
                        "Check the funds in place and the spending against the accounts.")


@rule("F005", "spent-over-budget", "error", "支出大于预算（超预算支出）")
def spent_over_budget(ctx: Context):
    """实际支出（执行数）超过预算安排（全年预算数）。

    **检查什么。** 表样列出的每一对金额（gd-2020：实际支出 (4) 合计与预算安排 (1) 合计，即预算
    完成率 (8) 超过 100%；全国表样：全年执行数与全年预算数，即执行率超过 100%；四川表样：
    预算执行数与调整后预算数），都按表内公式由填报数推算；合计不超时再逐列（逐行）核对各资金来源。

    **为什么重要。** 支出须以批准的预算为依据，超预算支出须经调整预算。多数情况是预算安排
    只填了年初预算、漏了年中追加；否则就是超预算支出，都要改正而不是说明。

    **如何改正。** 预算安排填写调整后的全年预算（含追加）；核对实际支出。

    ---

    Spending exceeds the budget.

    **What it checks.** Each pair of amounts the profile lists (gd-2020: 实际支出 (4) 合计 against
    预算安排 (1) 合计, a 预算完成率 (8) over 100%; the national table: 全年执行数 against 全年预算数,
    an 执行率 over 100%; Sichuan: 预算执行数 against 调整后预算数), as the form computes them; each
    source of funds too where the total holds.

    **Why it matters.** Spending must follow an approved budget. Usually 预算安排 holds the
    initial budget and misses a mid-year addition; otherwise it is spending beyond the budget.
    Either way the form must be corrected, not explained.

    **How to fix.** Fill 预算安排 with the adjusted budget of the year; check the spending.
    """
    yield from _exceeds(ctx, "spent_within_budget", "支出不能超出预算（完成率、执行率不能超过 100%）",
                        "spending cannot exceed the budget (a rate over 100%)",
                        "预算数应为调整后的全年预算（含追加）；核对支出数。",
                        "Fill in the adjusted budget (additions included); check the spending.")


@rule("F006", "in-place-over-budget", "warning", "实际到位资金大于预算安排")
def in_place_over_budget(ctx: Context):
    """到位资金超过预算安排（支出未超预算）。

    **检查什么。** 表样列出的每一对金额（gd-2020：实际到位 (3) 合计与预算安排 (1) 合计）。
    支出也超过预算时由 F005 报告，这里不再重复。

    **为什么重要。** 到位多于预算，常见于上级年中追加而预算安排未调整，也可能是到位数填错；
    数字可能都是真的，但需要单位说明。

    **如何改正。** 预算安排填写调整后的全年预算；或在说明栏写明多到位资金的来源。

    ---

    More funds arrived than were budgeted (the spending within the budget).

    **What it checks.** Each pair of amounts the profile lists (gd-2020: 实际到位 (3) 合计 against
    预算安排 (1) 合计). Where the spending exceeds the budget too, F005 says so and this warning
    is not repeated.

    **Why it matters.** Usually a mid-year addition from above that 预算安排 does not show, or a
    mistyped figure; it can be true, but the unit must say why.

    **How to fix.** Fill 预算安排 with the adjusted budget, or explain where the extra funds came from.
    """
    overspent = {row["workbook"] for row, *_ in _over(ctx, "spent_within_budget")}
    yield from _exceeds(ctx, "in_place_within_budget", "到位资金多于预算安排",
                        "more funds arrived than were budgeted",
                        "预算安排应为调整后的全年预算；或说明多到位资金的来源。",
                        "Fill in the adjusted budget, or explain the extra funds.", skip=overspent)
