"""F — the funds table: derived figures, row totals, amounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.lazy import module

from ..catalogue import rule
from .common import mismatch_findings, numeric, recomputed_mismatch, rows_at

if TYPE_CHECKING:
    from ..engine import Context

pd = module("pandas")


def _grid_derived(ctx: Context, by_row_formula: bool) -> pd.Series:
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
    return ctx.cells["name"].isin(keys)


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
    cells = ctx.cells
    value = numeric(cells.loc[(cells["kind"] == "input") & (cells["type"] == "money"), "value"])
    for row in rows_at(ctx, value.index[value < 0]):
        yield ctx.finding(
            row, f"{row['label']}为负数 {show(row['value'], 'money')}",
            f"{row['label']} is negative ({show(row['value'], 'money')})",
            expected="≥ 0", actual=show(row["value"], "money"),
            hint_zh="金额应不小于 0。", hint_en="Amounts must not be negative.",
        )
