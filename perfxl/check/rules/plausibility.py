"""P — plausibility: figures that can all be true but need a word from the unit (warnings)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.lazy import module
from perfxl.numbers import normalize_text

from ..catalogue import rule
from .common import WAN, is_number, rows_at, wan_pair

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


class _Cells:
    """Some of the cells (``at``: their positions among the cells) with a few of their columns
    as arrays, one entry per cell."""

    def __init__(self, ctx: Context, at, **columns):
        self.at = at
        self.workbook = ctx.array("workbook")[at]
        for name, values in columns.items():
            setattr(self, name, values)


def _leaves(ctx: Context) -> _Cells:
    """Leaf scores with their explanation beside them (one per leaf per workbook): workbook,
    max, status, the score as a number and the note's status (NaN where there is none)."""
    return ctx.shared(_leaf_scores)


def _leaf_scores(ctx: Context) -> _Cells:
    tree = ctx.profile.tree if ctx.profile.has_tree else None  # else the units list their own: I rules
    at = np.flatnonzero(ctx.mask(section="tree", kind="input", column=tree.score_column.key)) if tree \
        else np.zeros(0, dtype=np.intp)
    leaves = _Cells(ctx, at, max=ctx.array("max")[at], status=ctx.array("status")[at],
                    score=ctx.numbers("value")[at], note_status=np.full(len(at), "ok", dtype=object))
    explains = [c.key for c in tree.columns if c.explains] if tree else []
    if explains:  # each score's note, found by workbook and indicator
        notes = np.flatnonzero(ctx.mask(section="tree", kind="input", column=explains[0]))
        indicator = ctx.array("indicator")
        status_of: dict[tuple, str] = {}
        for wb, key, status in zip(ctx.array("workbook")[notes].tolist(), indicator[notes].tolist(),
                                   ctx.array("status")[notes].tolist(), strict=True):
            status_of.setdefault((wb, key), status)
        leaves.note_status = np.array([status_of.get(key, math.nan) for key in zip(
            leaves.workbook.tolist(), indicator[at].tolist(), strict=True)], dtype=object)
    return leaves


def _problem_rows(ctx: Context) -> _Cells:
    """The cells of the list where the unit writes its problems (the list that `explains`):
    workbook, item, col, status and raw."""
    return ctx.shared(_problem_cells)


def _problem_cells(ctx: Context) -> _Cells:
    keys = [b.key for b in ctx.profile.blocks("list") if b.explains]
    at = np.flatnonzero(ctx.mask(block=keys) & (ctx.array("item") >= 0))
    return _Cells(ctx, at, item=ctx.array("item")[at], col=ctx.array("col")[at],
                  status=ctx.array("status")[at], raw=ctx.array("raw")[at])


def _is_placeholder(ctx: Context) -> np.ndarray:
    """Which of the problem rows (:func:`_problem_rows`) hold only 无, / or the like."""
    return ctx.shared(_placeholders)


def _placeholders(ctx: Context) -> np.ndarray:
    rows = _problem_rows(ctx)
    marks = {normalize_text(p) for p in ctx.settings.placeholders}
    # The same few texts recur across a county's workbooks: each distinct one is looked at once.
    raw = rows.raw.tolist()
    marked = {v: normalize_text(str(v)).strip("。.，, ") in marks for v in set(raw)}
    return (rows.status == "na") | np.array([marked[v] for v in raw], dtype=bool)


@rule("P001", "problems-missing", "warning", "有失分但“存在问题及改进意见”未填写")
def problems_missing(ctx: Context):
    """有失分，但“存在问题及改进意见”没有写明任何问题。

    **检查什么。**三级指标得分合计不足满分 100 分（有扣分或有指标未评分）时，至少应有一条实际问题
    （不能只填“无”或“/”）说明失分原因。

    **为什么重要。**有扣分却写不出问题，等于自评没有发现任何需要改进之处——这是审核时首先退回的情形
    （种子报告本身即如此：未得 12 分，该部分却是空白）。

    **如何改正。**写明扣分背后的主要问题、原因及改进计划。

    ---

    Points were not awarded, yet no problem is written in 存在问题及改进意见.

    **What it checks.** When the leaf scores fall short of the full 100 (a deduction or a leaf
    left blank), at least one real problem row (not 无 or `/`) must say why.

    **Why it matters.** A deduction without a stated problem is a self-evaluation that found
    nothing to improve — the first thing a reviewer sends back (the seed report's own case:
    12 points not awarded and the section empty).

    **How to fix.** Write the main problems behind the deductions and the improvement plan.
    """
    leaves = _leaves(ctx)
    points: dict[str, list[float]] = {}  # each workbook's points not awarded, leaf by leaf
    for wb, top, score in zip(leaves.workbook.tolist(), leaves.max.tolist(), leaves.score.tolist(), strict=True):
        points.setdefault(wb, []).append(top - (0.0 if math.isnan(score) else score))
    lost = {wb: math.fsum(p for p in lost if not math.isnan(p)) for wb, lost in points.items()}
    rows = _problem_rows(ctx)
    written = set(rows.workbook[(rows.status == "ok") & ~_is_placeholder(ctx)].tolist())
    first: dict[str, tuple] = {}  # where it goes: each workbook's first problem cell, (item, col, position)
    for wb, *place in zip(rows.workbook.tolist(), rows.item.tolist(), rows.col.tolist(), rows.at.tolist(),
                          strict=True):
        first[wb] = min(first.get(wb, tuple(place)), tuple(place))
    for wb in sorted(lost):
        if lost[wb] <= ctx.settings.score_tolerance or wb in written or wb not in first:
            continue
        row = rows_at(ctx, [first[wb][2]])[0]
        yield ctx.finding(
            row, f"共有 {lost[wb]:g} 分未得，但“存在问题及改进意见”未填写任何问题",
            f"{lost[wb]:g} points were not awarded but no problem is written",
            expected="至少 1 条问题及改进意见", actual="（空）",
            hint_zh="写明扣分原因及改进计划；如确无问题，在说明栏写明理由。",
            hint_en="Write the problems behind the deductions, or explain in the results sheet.",
        )


@rule("P002", "deduction-unexplained", "warning", "指标扣分或未评分却没有说明")
def deduction_unexplained(ctx: Context):
    """指标扣了分或未评分，却没有任何说明。

    **检查什么。**每个自评得分为空或低于分值的三级指标，都应填写自评情况说明。

    **为什么重要。**得分为空，可能是“不适用”，也可能是漏填；扣了分，可能确有不足。只有单位自己说得清
    是哪一种（种子报告的经济效益、生态效益均未评分，也无任何说明）。

    **如何改正。**说明得分理由，或写明该指标不适用的原因。

    ---

    An indicator scored below its maximum, or left blank, without a word of explanation.

    **What it checks.** Each leaf indicator whose 自评得分 is blank or below its 分值 has a
    自评情况说明.

    **Why it matters.** A blank score may mean "not applicable" or "forgot"; a deduction may
    mean a real shortfall. Only the unit can say which (the seed leaves 经济效益 and 生态效益
    blank without a word).

    **How to fix.** Explain the score, or write why the indicator does not apply.
    """
    leaves = _leaves(ctx)
    silent = np.array([s in ("blank", "na") for s in leaves.note_status.tolist()], dtype=bool)
    blank = np.isnan(leaves.score) & (leaves.status == "blank")
    short = leaves.score < leaves.max - ctx.settings.score_tolerance
    flagged = silent & (blank | short)
    for row, score in zip(rows_at(ctx, leaves.at[flagged]), leaves.score[flagged].tolist(), strict=True):
        row["score"] = score
        if is_number(row["score"]):
            zh = f"{row['label'].split('（')[0]}得 {row['score']:g} 分（满分 {row['max']:g}），未说明扣分原因"
            en = f"{row['label']} scored {row['score']:g} of {row['max']:g} with no explanation"
        else:
            zh = f"{row['label'].split('（')[0]}未评分，也未说明原因（是否不适用？）"
            en = f"{row['label']} is blank with no word on whether it applies"
        yield ctx.finding(row, zh, en, expected=f"{row['max']:g} 分或说明原因",
                          actual=show(row["value"]),
                          hint_zh="在自评情况说明中写明理由。",
                          hint_en="Explain in the 自评情况说明 column.")


@rule("P003", "full-marks-low-rate", "warning", "资金到位率或支出实现率明显低于（或超过）100% 仍给满分")
def full_marks_low_rate(ctx: Context):
    """资金类指标（资金到位、资金支付）给了满分，但对应比率明显低于 100%。

    **检查什么。**表样关联的每一组“得分—比率”：得分为满分，而重新计算的比率低于配置项
    full_marks_rate（默认 99%，因此像种子报告 2,700,000 元中结余 16,050 元这样的小额结余不会被提
    示）。

    **为什么重要。**这两项指标考核的正是资金是否到位、是否支出。

    **如何改正。**相应扣分，或说明比率偏低为何不代表资金到位或支付不到位。

    ---

    Full marks on a funds indicator (资金到位, 资金支付) while its rate is clearly below 100%.

    **What it checks.** Each (score, rate) pair the profile links: the score at its maximum
    while the recomputed rate is below `full_marks_rate` (default 99%, so a small balance such
    as the seed's 16,050 of 2,700,000 is not flagged) — or above the limit the profile sets for
    that rate (gd-2020: 支出实现率 and 预算完成率 over 100%, more spent than arrived or than
    budgeted: as doubtful as a shortfall).

    **Why it matters.** Funds not in place or not spent are exactly what these indicators score.

    **How to fix.** Deduct points, or explain why the rate does not reflect a shortfall.
    """
    seen = set()  # (workbook, score): one finding a score, the first link that flags it
    workbooks, value, expected, top = ctx.array("workbook"), ctx.numbers("value"), ctx.numbers("expected"), \
        ctx.array("max")
    for link in ctx.profile.checks.get("full_marks", []):
        at, rate_at = (np.flatnonzero(ctx.mask(name=link[key])) for key in ("score", "rate"))
        rates = dict(zip(workbooks[rate_at].tolist(), expected[rate_at].tolist(), strict=True))
        below, above = link.get("below", True), link.get("above")
        rate_label = ctx.array("label")[rate_at[0]]
        for i in at[value[at] >= top[at] - 1e-9].tolist():  # full marks
            wb = workbooks[i]
            rate = rates.get(wb, math.nan)
            high = above is not None and rate > float(above) + ctx.settings.rate_tolerance
            if not (high or (below and rate < ctx.settings.full_marks_rate)) or (wb, link["score"]) in seen:
                continue
            seen.add((wb, link["score"]))
            row = rows_at(ctx, [i])[0]
            shown = show(rate, "rate")
            how = f"为 {shown}，超过了 {show(float(above), 'rate')}" if high else f"只有 {shown}"
            yield ctx.finding(
                row, f"{row['label']}给了满分，但{rate_label}{how}",
                f"full marks on {row['label']} while {rate_label} is {shown}",
                expected=f"低于满分或说明原因（{rate_label} {shown}）",
                actual=show(row["value"]), hint_zh="按资金到位、支付情况扣分或说明。",
                hint_en="Deduct or explain.",
            )


@rule("P004", "perfect-score", "warning", "自评满分（每项均为满分）")
def perfect_score(ctx: Context):
    """自评满分：合计 100 分，每项指标均为满分。

    **检查什么。**重新计算的合计分等于指标体系的满分。

    **为什么重要。**自评满分往往是自评流于形式的表现，审核时会要求提供佐证材料。

    **如何改正。**逐项重新核实；给满分的指标附上佐证材料。

    ---

    A total of 100, every indicator at full marks.

    **What it checks.** The recomputed total equals the maximum of the tree.

    **Why it matters.** A perfect self-score is the mark of a self-evaluation done as a
    formality; reviewers ask for the evidence.

    **How to fix.** Re-examine each indicator; attach evidence for full marks.
    """
    perfect = ctx.mask(indicator="total", type="score") & (ctx.numbers("expected") >= ctx.array("max") - 1e-9)
    for row in rows_at(ctx, perfect):
        yield ctx.finding(row, "自评满分（每项指标均为满分），请核实是否流于形式",
                          "a perfect score: every indicator at full marks",
                          expected="< 100 或附佐证材料", actual=show(row["expected"]),
                          hint_zh="逐项核实，满分须有佐证材料。",
                          hint_en="Check each indicator; attach evidence.")


@rule("P005", "placeholder-problem", "warning", "存在问题只填了“无”“/”等")
def placeholder_problem(ctx: Context):
    """“存在问题”只填了“无”“暂无”“/”“-”等，没有写实际问题。

    **检查什么。**“存在问题及改进意见”中只填了占位内容的单元格。

    **为什么重要。**“无”不是自评结论，看上去等于跳过了这一部分。

    **如何改正。**如实填写存在的问题；确无问题的，各行留空并说明理由。

    ---

    A problem row filled with 无, 暂无, `/` or `-` instead of a problem.

    **What it checks.** The cells of 存在问题及改进意见 holding only a placeholder.

    **Why it matters.** "无" is not a self-evaluation; it reads as the section skipped.

    **How to fix.** Write the real problems, or leave the rows empty and explain why.
    """
    rows = _problem_rows(ctx)
    first: dict[tuple, tuple] = {}  # each problem row's first cell holding a placeholder: (col, position)
    for wb, item, *place in zip(*(c[_is_placeholder(ctx)].tolist() for c in (rows.workbook, rows.item, rows.col,
                                                                             rows.at)), strict=True):
        first[(wb, item)] = min(first.get((wb, item), tuple(place)), tuple(place))
    for row in rows_at(ctx, [at for _, at in sorted(first.values())]):
        yield ctx.finding(row, f"{row['label'].split('（')[0]}只填了“{row['raw']}”",
                          f"{row['label']} holds only the placeholder {row['raw']!r}",
                          expected="具体问题或留空并说明", actual=row["raw"],
                          hint_zh="如实填写存在的问题。", hint_en="Write the real problems.")


_AMOUNT = re.compile(
    r"(共|合计|总计|总额|累计|支出|到位|拨付|安排|预算|投入|资金)[^0-9每]{0,6}?"
    r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万元|万|元)"
)


@rule("P006", "amount-in-text-disagrees", "warning", "文字中提到的金额与表中金额不符")
def amount_in_text_disagrees(ctx: Context):
    """文字说明中提到的合计金额，与表中任何金额都对不上。

    **检查什么。**文字中以合计形式写出的金额（如“网络费共 2683950 元”“资金到位 270万元”），与资金表
    和支出明细中的每一个金额比对，允许文字本身的取整（270万 与 2,700,000 相符）。

    **为什么重要。**文字中的金额与表中不同，说明其中一处没有随数据更新。

    **如何改正。**使文字与表中金额一致。

    ---

    A total named in an explanation matches no figure of the tables.

    **What it checks.** Amounts written as totals in the texts (e.g. "网络费共 2683950 元",
    "资金到位 270万元") against every amount of the funds table and the detail, allowing
    for the rounding the text shows (270万 matches 2,700,000).

    **Why it matters.** An explanation that names a different amount from the table means one
    of them is out of date.

    **How to fix.** Make the text and the table agree.
    """
    texts = ctx.mask(type="text", status="ok", section=("tree", "list"))
    texts[texts] = ["元" in raw or "万" in raw for raw in ctx.array("raw")[texts].tolist()]  # only texts naming money
    named = []  # (row, the amounts it names)
    for row in rows_at(ctx, texts):
        found = list(_AMOUNT.finditer(normalize_text(str(row["value"]))))
        if found:
            named.append((row, found))
    if not named:
        return
    # Every amount of the tables, of the workbooks whose texts name one.
    money = ctx.mask(type="money", workbook={row["workbook"] for row, _ in named})
    amounts: dict[str, list] = {}
    for column in ("value", "expected"):
        for wb, amount in zip(ctx.array("workbook")[money].tolist(), ctx.array(column)[money].tolist(), strict=True):
            kind = type(amount)  # is_number, with the common cases first
            if amount == amount if kind is float else kind is int or (kind is not str and is_number(amount)):
                amounts.setdefault(wb, []).append(amount)
    by_wb = {wb: sorted(set(found)) for wb, found in amounts.items()}
    spent_name = ctx.profile.figures.get("spent_total", "")
    spent = _by_workbook(ctx, spent_name) if spent_name else {}
    for row, found in named:
        for m in found:
            digits = m.group(2).replace(",", "")
            unit = 10000 if m.group(3).startswith("万") else 1
            amount = float(digits) * unit
            decimals = len(digits.split(".")[1]) if "." in digits else 0
            tol = max(ctx.settings.amount_tolerance, unit * 10 ** -decimals / 2)
            known = by_wb.get(row["workbook"], [])
            if known and not any(abs(amount - f) <= tol for f in known):
                # What the text most likely names: the spending of the year, as the form has it.
                target = spent.get(row["workbook"])
                if target is None or not is_number(target):
                    target = min(known, key=lambda f: abs(amount - f))
                yield ctx.finding(
                    row, f"文字中的金额“{m.group(0)}”与表中金额都不符（实际支出为 {show(target, 'money')}）",
                    f"the amount {m.group(0)!r} in the text matches no figure of the table "
                    f"(spending is {show(target, 'money')})",
                    expected=show(target, "money"), actual=show(amount, "money"),
                    hint_zh="核对文字与表中金额。", hint_en="Make the text and table agree.",
                )


def _beside_year(ctx: Context, role: str):
    """Each workbook's field of ``role`` (its value, and where it is in the cells) and its
    资金安排年份."""
    key, year_key = ctx.profile.roles.get(role), ctx.profile.roles.get("year")
    if not key or not year_key:
        return
    workbooks, values = ctx.array("workbook"), ctx.array("value")
    year_rows = ctx.mask(name=year_key)
    years = dict(zip(workbooks[year_rows].tolist(), values[year_rows].tolist(), strict=True))
    rows = np.flatnonzero(ctx.mask(name=key))
    for at, wb, value in zip(rows.tolist(), workbooks[rows].tolist(), values[rows].tolist(), strict=True):
        year = years.get(wb)
        if is_number(year):
            yield at, value, int(year)


@rule("P007", "filled-before-year-end", "warning", "填报日期早于该年度结束")
def filled_before_year_end(ctx: Context):
    """填报日期早于该年度结束。

    **检查什么。**填报日期与资金安排年份的 12 月 31 日比较。

    **为什么重要。**对一个年度资金使用情况的自评，不可能在该年度结束前完成：要么日期填错，要么报告早
    于决算数据。

    **如何改正。**更正填报日期。

    ---

    The 填报日期 falls before the fiscal year has ended.

    **What it checks.** The date field against 31 December of the 资金安排年份.

    **Why it matters.** A self-evaluation of a year's spending cannot be made before the year
    ends: the date is mistyped, or the report predates the final figures.

    **How to fix.** Correct the date.
    """
    early = [(at, date, year) for at, date, year in _beside_year(ctx, "date")
             if isinstance(date, dt.date) and date < dt.date(year + 1, 1, 1)]
    for row, (_, date, year) in zip(rows_at(ctx, [at for at, _, _ in early]), early, strict=True):
            yield ctx.finding(row, f"填报日期 {date.isoformat()} 早于 {year} 年度结束",
                              f"filled on {date.isoformat()}, before fiscal year {year} ended",
                              expected=f"晚于 {year}-12-31", actual=date.isoformat(),
                              hint_zh="核对填报日期。", hint_en="Check the date.")


_YEAR = re.compile(r"(19|20)\d\d")


@rule("P008", "title-year-mismatch", "warning", "标题年份与资金安排年份不一致")
def title_year_mismatch(ctx: Context):
    """报告标题中的年份与资金安排年份不一致。

    **检查什么。**标题中的四位年份（如“和平县 2020 年财政支出绩效自评报告”）与资金安排年份比较。

    **为什么重要。**沿用上年表格而未改标题是常见疏漏，全县汇总也按年度归集自评表。

    **如何改正。**更正标题或资金安排年份。

    ---

    The year in the report's title differs from the 资金安排年份.

    **What it checks.** The four-digit year in the title (e.g. "和平县 2020 年财政支出绩效自评报告")
    against the year field.

    **Why it matters.** Last year's form reused without updating the title is a common slip,
    and the county summary sorts reports by year.

    **How to fix.** Correct the title or the year.
    """
    found = [(at, m, year) for at, title, year in _beside_year(ctx, "title")
             if (m := _YEAR.search(normalize_text(str(title or "")))) and int(m.group(0)) != year]
    for row, (_, m, year) in zip(rows_at(ctx, [at for at, _, _ in found]), found, strict=True):
        yield ctx.finding(row, f"标题中的年份 {m.group(0)} 与资金安排年份 {year} 不一致",
                          f"the title says {m.group(0)}, the funds year is {year}",
                          expected=str(year), actual=m.group(0),
                          hint_zh="核对标题与资金安排年份。", hint_en="Check the year.")


@rule("P009", "amounts-in-wan", "warning", "金额疑似以万元填写（表中单位为元）")
def amounts_in_wan(ctx: Context):
    """金额疑似以万元填入以元为单位的表。

    **检查什么。** 表样以元为单位的金额（资金表和支出明细）：一个项目的全部金额都小于表样
    规定的界限（gd-2020：10,000 元），或者表样列出的一对应当相近的金额（gd-2020：明细的
    预算支出合计与预算安排）一个恰是另一个的万分之一。明细的实际支出与资金表的实际支出由
    D002 核对，它的提示也会说“疑似以万元填写”。

    **为什么重要。** 270 万元填成 270，表内各数照样相互吻合，任何加总校验都发现不了，
    全县汇总却会少了 99.99%。

    **如何改正。** 以元为单位重新填写（270 万元填 2700000）。

    ---

    Amounts that look typed in 万元 into a form in 元.

    **What it checks.** The money amounts of tables printed in 元 (the funds table and the
    detail): every amount of a project below the profile's limit (gd-2020: 10,000 元), or one of
    a pair the profile lists as of a size (gd-2020: the detail's budget total and 预算安排) being
    1/10,000 of the other. The detail's spending against the funds table is D002's pair, and its
    message says 疑似以万元填写 too.

    **Why it matters.** 270 typed for 270 万元 keeps every total of the form consistent, so no
    sum check finds it, and the county summary loses 99.99% of the project.

    **How to fix.** Type the amounts in 元 (2700000 for 270 万元).
    """
    units = ctx.profile.checks.get("units", {})
    in_yuan = [b.key for b in ctx.profile.blocks() if b.unit == "元"]
    below = units.get("wan_below")
    flagged = set()
    if below is not None and in_yuan:
        first, largest = _typed_amounts(ctx, in_yuan, max)
        for row in rows_at(ctx, [at for wb, at in first.items() if largest[wb] < float(below)]):
            flagged.add(row["workbook"])
            yield ctx.finding(
                row, f"本项目的金额都小于 {float(below):,.0f} 元（如{row['label']}为 "
                f"{show(row['value'], 'money')}），疑似以万元填写；表中金额单位为元",
                f"every amount of the project is below {float(below):,.0f} yuan (e.g. "
                f"{row['label']} {show(row['value'], 'money')}): typed in 万元? The form is in yuan",
                expected=f"{show(row['value'] * WAN, 'money')}（如以万元填写）", actual=show(row["value"], "money"),
                hint_zh="以元为单位填写金额，如 270 万元填 2700000。",
                hint_en="Type amounts in yuan: 2700000 for 270 万元.",
            )
    for left, right in units.get("scaled", []):
        a, b = (_by_workbook(ctx, name) for name in (left, right))
        pairs = [wb for wb, x in a.items() if not math.isnan(x) and not math.isnan(b.get(wb, math.nan))
                 and wb not in flagged and wan_pair(x, b[wb])]
        if not pairs:
            continue
        labels = {r["workbook"]: r for r in rows_at(ctx, ctx.mask(name=right, workbook=pairs))}
        for row in rows_at(ctx, ctx.mask(name=left, workbook=pairs)):
            wb, other = row["workbook"], labels[row["workbook"]]
            small_is_left = abs(a[wb]) < abs(b[wb])
            at = row if small_is_left else other
            yield ctx.finding(
                at, f"{row['label']} {show(a[wb], 'money')} 是{other['label']} {show(b[wb], 'money')} "
                f"的{'万分之一' if small_is_left else '一万倍'}，{'前者' if small_is_left else '后者'}疑似以万元填写",
                f"{row['label']} {show(a[wb], 'money')} is {'1/10,000 of' if small_is_left else '10,000 times'} "
                f"{other['label']} {show(b[wb], 'money')}: typed in 万元?",
                expected=show((a[wb] if small_is_left else b[wb]) * WAN, "money"),
                actual=show(a[wb] if small_is_left else b[wb], "money"),
                hint_zh="以元为单位填写金额，如 270 万元填 2700000。",
                hint_en="Type amounts in yuan: 2700000 for 270 万元.",
            )


@rule("P019", "amounts-in-yuan", "warning", "金额疑似以元填写（表中单位为万元）")
def amounts_in_yuan(ctx: Context):
    """金额疑似以元填入以万元为单位的表。

    **检查什么。** 表样以万元为单位的金额（全国、四川表样的资金表）：一个项目填写的金额
    （不计 0）全都大于表样规定的界限（`[checks.units] yuan_above`，全国、四川表样为 5 亿元，
    即 50,000 万元）。

    **为什么重要。** 1000 万元填成 10000000，表内各数照样相互吻合，执行率和得分也不变，
    任何加总校验都发现不了，全县汇总却会多出一万倍。

    **如何改正。** 以万元为单位重新填写（10,000,000 元填 1000）。

    ---

    Amounts that look typed in 元 into a form in 万元.

    **What it checks.** The money amounts of tables printed in 万元 (the national and Sichuan
    funds tables): every non-zero amount of a project above the profile's `[checks.units]
    yuan_above` (500,000,000 元 — 50,000 万元 — on both forms).

    **Why it matters.** 10000000 typed for 1,000 万元 keeps every total, rate and score of the
    form consistent, so no check of the form finds it, and the county summary grows ten
    thousandfold.

    **How to fix.** Type the amounts in 万元 (1000 for 10,000,000 元).
    """
    above = ctx.profile.checks.get("units", {}).get("yuan_above")
    in_wan = [b.key for b in ctx.profile.blocks() if b.unit == "万元"]
    if above is None or not in_wan:
        return
    first, smallest = _typed_amounts(ctx, in_wan, min)
    limit = show(float(above), "money", "万元")
    for row in rows_at(ctx, [at for wb, at in first.items() if smallest[wb] > float(above)]):
        value = show(row["value"], "money", "万元")
        yield ctx.finding(
            row, f"本项目的金额都大于 {limit}（如{row['label']}为 {value}），疑似以元填写；表中金额单位为万元",
            f"every amount of the project is above {limit} (e.g. {row['label']} {value}): typed in yuan? "
            "The form is in 万元",
            expected=f"{show(row['value'] / WAN, 'money', '万元')}（如以元填写）", actual=value,
            hint_zh="以万元为单位填写金额，如 10,000,000 元填 1000。",
            hint_en="Type amounts in 万元: 1000 for 10,000,000 yuan.",
        )


def _typed_amounts(ctx: Context, blocks: list[str], pick) -> tuple[dict[str, int], dict[str, float]]:
    """The money typed (not 0) in ``blocks``, by workbook: where its first amount stands among
    the cells, and ``pick`` (min or max) of the amounts' sizes."""
    amount = ctx.numbers("value")
    typed = np.flatnonzero(ctx.mask(kind="input", type="money", block=blocks) & ~np.isnan(amount) & (amount != 0))
    first: dict[str, int] = {}
    picked: dict[str, float] = {}
    for wb, at, value in zip(ctx.array("workbook")[typed].tolist(), typed.tolist(), np.abs(amount[typed]).tolist(),
                             strict=True):
        picked[wb] = pick(picked.get(wb, value), value)
        first.setdefault(wb, at)
    return first, picked


def _by_workbook(ctx: Context, name: str) -> dict[str, float]:
    """A named figure's recomputed value in each workbook (NaN when it is no number)."""
    at = ctx.mask(name=name)
    return dict(zip(ctx.array("workbook")[at].tolist(), ctx.numbers("expected")[at].tolist(), strict=True))
