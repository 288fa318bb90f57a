"""D — the expenditure detail: its 合计 row, and its agreement with the funds table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.lazy import module

from ..catalogue import rule
from .common import mismatch_findings, recomputed_mismatch, rows_at, tolerance, wan_pair

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


@rule("D001", "detail-total-mismatch", "error", "支出明细各行之和不等于合计行")
def detail_total_mismatch(ctx: Context):
    """资金实际支出明细各行之和不等于合计行。

    **检查什么。**凡设有合计行的明细表（资金实际支出明细），各金额列（项目预算支出、项目资金实际支
    出）的合计应等于各明细行之和，单位自行插入的行也计算在内。

    **为什么重要。**财政部门用明细合计与资金表核对；在合计公式的范围之外（合计行下方）加行，是合计出
    错的常见原因。

    **如何改正。**在明细表中间插入行，不要加在合计行下方，使合计公式覆盖全部明细行。

    ---

    The detail rows do not add up to their 合计 row.

    **What it checks.** In every open list with a 合计 row (资金实际支出明细), each summed money
    column (项目预算支出, 项目资金实际支出) equals the sum of the item rows, rows the unit
    inserted included.

    **Why it matters.** The 合计 row is what the office compares with the funds table; rows
    added below the 合计 formula's range are a common way for it to go wrong.

    **How to fix.** Insert rows inside the list (not below it) so the 合计 formula covers them.
    """
    at = recomputed_mismatch(ctx, ctx.mask(section="list", kind="derived"))
    yield from mismatch_findings(ctx, at, "合计应等于各明细行之和",
                                 "the total must equal the sum of the rows")


@rule("D002", "detail-funds-disagree", "error", "支出明细的实际支出合计与资金表第(4)行不一致")
def detail_funds_disagree(ctx: Context):
    """支出明细的实际支出合计与资金表第(4)行“实际支出”不一致。

    **检查什么。**表样规定应当相等的每一对数字（gd-2020 表样：支出明细“项目资金实际支出”的合计与资金
    表实际支出(4)的合计），两者均按填报数重新计算后比较。

    **为什么重要。**支出明细是同一笔实际支出的分项；两者不一致，必有一处有误。

    **如何改正。**补全支出明细，使其涵盖第(4)行的全部实际支出；或更正第(4)行。

    ---

    The detail's spending total differs from the funds table's 实际支出 (4).

    **What it checks.** Each pair of figures the profile declares equal (for gd-2020: the
    detail 合计 of 项目资金实际支出 and 实际支出 (4) 合计), both recomputed from their inputs.

    **Why it matters.** The detail is the breakdown of the same spending; if the two disagree,
    one of them is wrong.

    **How to fix.** Make the detail rows cover all of the spending in (4), or correct (4).
    """
    expected, workbooks = ctx.numbers("expected"), ctx.array("workbook")
    for pair in ctx.profile.checks.get("equal", []):
        left, right = (np.flatnonzero(ctx.mask(name=pair[side])) for side in ("left", "right"))
        theirs = dict(zip(workbooks[right].tolist(), right.tolist(), strict=True))
        tol = tolerance(ctx, ctx.array("type")[left[0]]) if len(left) else 0
        pairs = [(i, theirs[wb]) for i, wb in zip(left.tolist(), workbooks[left].tolist(), strict=True)
                 if wb in theirs and abs(expected[i] - expected[theirs[wb]]) >= tol]  # False for NaN
        for i, j in pairs:
            row, other = rows_at(ctx, [i, j])
            a, b = float(expected[i]), float(expected[j])
            wan = wan_pair(a, b)  # one of them typed in 万元
            yield ctx.finding(
                row,
                f"{row['label']} {show(a, row['type'])} 与{other['label']}"
                f"（{other['sheet']}!{other['cell']}）{show(b, other['type'])} 不一致，"
                f"相差 {show(a - b, row['type'])}"
                + (f"，{'前者' if abs(a) < abs(b) else '后者'}疑似以万元填写" if wan else ""),
                f"{row['label']} {show(a, row['type'])} differs from {other['label']} "
                f"({other['sheet']}!{other['cell']}) {show(b, other['type'])}"
                + ("; one of them looks typed in 万元" if wan else ""),
                expected=show(b, other["type"]), actual=show(a, row["type"]),
                hint_zh="明细应完整列出全部实际支出。",
                hint_en="The detail must break down all of the spending.",
            )
