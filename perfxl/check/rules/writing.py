"""T010, T011, P018 — what a unit writes in words: the goals and the problems.

Which texts describe a goal and which hold the problems is the profile's ``[checks]``
(``descriptions``, ``problems``): the national and provincial tables word them differently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfxl.lazy import module
from perfxl.numbers import normalize_text
from perfxl.targets import read_measure

from ..catalogue import rule
from .common import is_number, rows_at

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


@rule("T010", "goal-bare-number", "warning", "年度总体目标只写了一个数字")
def goal_bare_number(ctx: Context):
    """预期目标或实际完成情况只写了一个数字（如“120”或“100%”），没有说明做什么、做到什么程度。

    **检查什么。** 表样 [checks] descriptions 列出的文字（全国、四川表样：年度总体目标的预期目标和
    实际完成情况），整段只是一个数值（带不带单位都算）。

    **为什么重要。** 年度总体目标是审核绩效指标是否合理的依据；一个数字说明不了目标。

    **如何改正。** 用一两句话写明年度要完成的任务、产出和效果。

    ---

    A goal (预期目标) or its outcome (实际完成情况) is a bare figure such as 120 or 100%.

    **What it checks.** The texts listed in ``[checks] descriptions`` holding nothing but a figure.

    **Why it matters.** The goal is what the indicators are judged against; a number says nothing.

    **How to fix.** Say in a sentence or two what the year was to achieve.
    """
    names = ctx.profile.checks.get("descriptions", [])
    if not names:
        return
    at = np.flatnonzero(ctx.mask(name=names, status="ok"))
    values = ctx.array("value")[at].tolist()
    bare = {v: read_measure(v).kind == "number" for v in set(values)}
    for row in rows_at(ctx, at[[bare[v] for v in values]]):
        yield ctx.finding(
            row, f"{row['label']}只写了“{row['value']}”，没有说明目标内容",
            f"{row['label']} is only the figure {row['value']!r}",
            expected="目标的文字说明", actual=str(row["value"]),
            hint_zh="写明年度要完成的任务、产出和效果。", hint_en="Describe the goal in words.",
        )


@rule("T011", "outcome-copied-from-goal", "warning", "实际完成情况照抄了预期目标")
def outcome_copied_from_goal(ctx: Context):
    """实际完成情况与预期目标一字不差（不计空格和标点），像是照抄的。

    **检查什么。** 表样 [[checks.copied]] 列出的每一对文字（全国、四川表样：年度总体目标的预期
    目标与实际完成情况），两者都填了且去掉空格、标点后完全相同。

    **为什么重要。** 实际完成情况要写实际做成了什么、做到什么程度；照抄目标等于没有自评，
    也看不出与目标的偏差。

    **如何改正。** 对照预期目标，逐项写明实际完成的数量、质量、时效和效果。

    ---

    The outcome (实际完成情况) is the goal (预期目标) word for word.

    **What it checks.** Each pair listed under ``[[checks.copied]]`` (the national and Sichuan
    forms: the goal and its outcome) both filled and the same once spaces and punctuation are
    left out.

    **Why it matters.** The outcome must say what was actually achieved; a copied goal is no
    self-evaluation and hides any deviation.

    **How to fix.** Say what was actually done against each part of the goal.
    """
    workbook, item, value = (ctx.array(c) for c in ("workbook", "item", "value"))
    for pair in ctx.profile.checks.get("copied", []):
        goals, outcomes = (np.flatnonzero(ctx.mask(name=pair[k], status="ok")) for k in ("goal", "outcome"))
        by_item = {(workbook[at], item[at]): _plain(value[at]) for at in goals.tolist()}
        copied = [at for at in outcomes.tolist()
                  if by_item.get((workbook[at], item[at])) and by_item[(workbook[at], item[at])] == _plain(value[at])]
        for row in rows_at(ctx, copied):
            yield ctx.finding(
                row, f"{row['label']}与预期目标一字不差，像是照抄的",
                f"{row['label']} is the goal word for word",
                expected="实际完成的情况（数量、质量、效果）", actual=str(row["value"])[:60],
                hint_zh="对照预期目标，写明实际完成了什么、做到什么程度。",
                hint_en="Say what was actually achieved against the goal.",
            )


def _plain(text) -> str:
    """A text without spaces and punctuation, to compare two paragraphs as written."""
    return "".join(ch for ch in normalize_text(str(text)) if ch.isalnum() or ch in "%％")


@rule("P018", "points-lost-no-problems", "warning", "总分有失分，但“存在问题”未填写或只写了“无”")
def points_lost_no_problems(ctx: Context):
    """总分低于 100 分，“存在问题”却是空的，或只写了“无”“暂无”。

    **检查什么。** 表样 [checks] problems 列出的文字（四川表样：存在问题），在重新计算的总分低于 100 时，
    不是空白，也不只是占位的“无”“/”。

    **为什么重要。** 丢了分就说明有问题；“存在问题：无”却失分，是公开自评表里常见的敷衍写法。

    **如何改正。** 写明失分对应的问题和原因。

    ---

    The total is below 100, yet 存在问题 is empty or says only 无.

    **What it checks.** The texts in ``[checks] problems`` when the recomputed total is below 100.

    **Why it matters.** Lost points mean problems; "problems: none" with points lost is a formality.

    **How to fix.** Write the problems behind the lost points.
    """
    names = ctx.profile.checks.get("problems", [])
    if not names:
        return
    totals = ctx.mask(indicator="total", type="score")
    lost = {wb: float(top) - float(total) for wb, total, top in
            zip(ctx.array("workbook")[totals].tolist(), ctx.array("expected")[totals].tolist(),
                ctx.array("max")[totals].tolist(), strict=True)
            if is_number(total) and float(top) - float(total) > ctx.settings.score_tolerance}
    marks = {normalize_text(p) for p in ctx.settings.placeholders}
    at = np.flatnonzero(ctx.mask(name=names, workbook=list(lost)))
    empty = [status in ("blank", "na") or normalize_text(str(raw)).strip("。.，, ") in marks
             for raw, status in zip(ctx.array("raw")[at].tolist(), ctx.array("status")[at].tolist(), strict=True)]
    for row in rows_at(ctx, at[empty]):
        points = lost[row["workbook"]]
        said = f"只写了“{row['raw']}”" if row["raw"] else "未填写"
        yield ctx.finding(
            row, f"共有 {round(points, 2):g} 分未得，但“{row['label']}”{said}",
            f"{round(points, 2):g} points were lost but {row['label']} is {row['raw'] or 'empty'}",
            expected="失分对应的问题", actual=row["raw"] or "（空）",
            hint_zh="写明失分对应的问题和原因。", hint_en="Write the problems behind the lost points.",
        )
