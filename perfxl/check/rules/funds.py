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
    """A derived funds figure (balance, a rate) differs from what its inputs give.

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
    """A 合计 in the funds table is not the sum of its sources (上级财政资金 + 本级财政资金).

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
    """An amount typed as a negative number.

    **What it checks.** Every input amount of the funds table and the expenditure detail is ≥ 0.

    **Why it matters.** Budgets, funds in place and spending cannot be negative; a minus sign
    is usually a typing slip or a refund that belongs in the explanation.

    **How to fix.** Type the amount without a sign; explain refunds in the text.
    """
    cells = ctx.cells
    value = numeric(cells.loc[(cells["kind"] == "input") & (cells["type"] == "money"), "value"])
    for row in rows_at(ctx, value.index[value < 0]):
        amount = show(row["value"], "money", row.get("unit") or "")
        yield ctx.finding(
            row, f"{row['label']}为负数 {amount}",
            f"{row['label']} is negative ({amount})",
            expected="≥ 0", actual=amount,
            hint_zh="金额应不小于 0。", hint_en="Amounts must not be negative.",
        )
