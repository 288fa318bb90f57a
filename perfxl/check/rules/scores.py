"""S — scores: each within its maximum, roll-ups, the total and its grade."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from perfxl.findings import show

from ..catalogue import rule
from .common import mismatch_findings, recomputed_mismatch, rows_at, text_cause

if TYPE_CHECKING:
    from ..engine import Context


@rule("S001", "score-out-of-range", "error", "三级指标得分超出 0 至满分的范围")
def score_out_of_range(ctx: Context):
    """三级指标的自评得分小于 0 或超过该指标分值。

    **检查什么。**每个三级指标的自评得分应在 0 至分值之间，分值即指标旁所列的满分（如资金到位 3
    分）。

    **为什么重要。**超过分值的得分会抬高合计分和自评等次。

    **如何改正。**在所列分值以内评分。

    ---

    A self-score below 0 or above the indicator's maximum.

    **What it checks.** Each leaf indicator's 自评得分 lies in [0, 分值], the maximum printed
    beside the indicator (e.g. 资金到位 3 分).

    **Why it matters.** A score above its maximum inflates the total and the grade.

    **How to fix.** Score within the printed maximum.
    """
    value = ctx.numbers("value")
    bad = ctx.mask(type="score", kind="input") & ((value < 0) | (value > ctx.array("max") + 1e-9))
    for row in rows_at(ctx, bad):
        yield ctx.finding(
            row,
            f"{row['label']}得分 {show(row['value'])} 超出 0–{row['max']:g} 分",
            f"{row['label']} scored {show(row['value'])}, outside 0–{row['max']:g}",
            expected=f"0–{row['max']:g}", actual=show(row["value"]),
            hint_zh=f"本项满分 {row['max']:g} 分。", hint_en=f"The maximum is {row['max']:g}.",
        )


@rule("S002", "score-sum-mismatch", "error", "二级、一级指标得分或合计不等于下级之和")
def score_sum_mismatch(ctx: Context):
    """二级、一级指标得分或合计分，不等于其下级得分之和。

    **检查什么。**按三级指标得分重新计算指标体系的各级汇总分和合计分。

    **为什么重要。**合计分决定自评等次；手工填写的汇总分会掩盖改动。

    **如何改正。**保留汇总公式，改正三级指标得分。

    ---

    A 二级 or 一级 score, or the total, is not the sum of the scores under it.

    **What it checks.** Every roll-up of the indicator tree and the 合计, recomputed from the
    leaf scores.

    **Why it matters.** The total decides the grade; a roll-up typed by hand hides a change.

    **How to fix.** Keep the roll-up formulas; correct the leaf scores.
    """
    at = recomputed_mismatch(ctx, ctx.mask(section="tree", kind="derived", type="score"))
    yield from mismatch_findings(ctx, at, "应等于下级指标得分之和",
                                 "it must equal the sum of the scores under it")


@rule("S003", "grade-mismatch", "error", "自评等次与合计分数所在档次不符")
def grade_mismatch(ctx: Context):
    """自评等次与合计分所在的档次不符。

    **检查什么。**按表样的分档（含下限、不含上限）对重新计算的合计分定档，与表中所填等次比较
    （gd-2020：90 分及以上优秀，80 分及以上良好，70 分及以上中等，60 分及以上及格，其余不及格）。

    **为什么重要。**自评等次是县里向上报送的结果。

    **如何改正。**保留等次公式，等次随合计分确定。

    ---

    The 自评等次 does not match the band of the total score.

    **What it checks.** The grade shown against the profile's half-open bands applied to the
    recomputed total (gd-2020: ≥90 优秀, ≥80 良好, ≥70 中等, ≥60 及格, else 不及格).

    **Why it matters.** The grade is what the county reports upward.

    **How to fix.** Keep the grade formula; it follows the total.
    """
    grades = rows_at(ctx, ctx.mask(type="grade"))
    for row in grades:
        shown, expected = _text(row["value"]).replace(" ", ""), _text(row["expected"])
        if shown == expected or not expected or not shown:
            continue
        # Legacy .xls: calamine gives a text formula's cached result as 0, and whether the cell
        # still holds its formula cannot be told; only a text shown there is compared.
        if _missing(row["has_formula"]) and _NUMBER.fullmatch(str(row["raw"])):
            continue
        cause = text_cause(ctx, row) or ("", "")
        yield ctx.finding(
            row, f"自评等次应为“{row['expected']}”，表中为“{row['value']}”{cause[0]}",
            f"the grade should be {row['expected']!r}, the sheet shows {row['value']!r}{cause[1]}",
            expected=row["expected"], actual=row["value"],
            hint_zh="等次按合计分数确定。", hint_en="The grade follows the total.",
        )


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _missing(value) -> bool:
    return value is None or (type(value) is float and value != value)


def _text(value) -> str:
    """A value as ``fillna("").astype(str)`` makes it: "" when missing."""
    return "" if _missing(value) else str(value)
