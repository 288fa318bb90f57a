"""L — reading a workbook typed by hand by its labels: labels not found, labels found twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalogue import rule

if TYPE_CHECKING:
    from ..engine import Context

WHAT = {  # what was not found, as a reviewer names it
    "field": ("栏目", "field"), "row": ("资金表的行", "row of the funds table"),
    "column": ("表格的列", "column"), "leaf": ("三级指标", "indicator"),
    "table": ("表格", "table"), "list": ("表格", "table"), "tree": ("指标表", "indicator table"),
    "indicators": ("绩效指标表", "indicator list"),
}
BLANK = "blank"  # a line the form prints (总分) found with nothing typed on it


def _issues(ctx: Context, kind: str, required: bool | None = None):
    """The reading's issues of ``kind`` for the workbooks of this profile, as (row, issue)."""
    for workbook, reading in sorted(ctx.readings.items()):
        if reading.profile != ctx.profile.id:
            continue
        for issue in reading.issues:
            if issue.kind == kind and (required is None or issue.required == required):
                yield {"workbook": workbook, "sheet": issue.sheet, "cell": issue.cell,
                       "name": issue.field}, issue


def _not_found(ctx: Context, required: bool):
    for row, issue in _issues(ctx, "missing", required):
        if issue.what == BLANK:
            yield ctx.finding(
                row, f"“{issue.label}”一栏未填写，perfxl 按各项得分计算",
                f"{issue.label!r} is left blank; perfxl computes it from the rows",
                expected=f"{issue.label}（按表样填写）", actual="（空）",
                hint_zh=f"填写“{issue.label}”（与各项得分之和一致）。", hint_en=f"Fill in {issue.label!r}.")
            continue
        what_zh, what_en = WHAT.get(issue.what, WHAT["field"])
        also_zh = f"（也按“{'”“'.join(issue.spellings)}”找过）" if issue.spellings else ""
        also_en = f" (also searched as {', '.join(issue.spellings)})" if issue.spellings else ""
        yield ctx.finding(
            row,
            f"按标签读取时未找到{what_zh}“{issue.label}”{also_zh}，无法读取该项",
            f"reading by labels, the {what_en} {issue.label!r} was not found{also_en}",
            expected=issue.label, actual="（未找到）",
            hint_zh=f"按表样补上“{issue.label}”及其内容（标签照表样书写），或改用 perfxl template 生成的模板填报。",
            hint_en=f"Add {issue.label!r} and its value as the printed form has it, or fill the "
                    "template perfxl makes (perfxl template).",
        )


@rule("L001", "label-not-found", "error", "按标签读取时未找到必填栏目、表格的行列或指标")
def label_not_found(ctx: Context):
    """按标签读取手工填写的工作簿时，没有找到表样上的必填栏目、表格、资金表的行或列、或某个指标。

    **检查什么。** 没有模板标记的工作簿按表样的标签逐项查找（标签的写法见表样的 `[labels]`）；
    必填栏目（如项目名称、填报日期）、资金表的投入行与资金来源列、支出明细与存在问题两表、
    每个三级指标，找不到标签的都在此报告，位置是该部分所在处（表头或章节标题）。
    **为什么重要。** 找不到的数不能当作 0：它所影响的合计、比率、得分都无从核对，汇总也缺这一项。
    **如何改正。** 按表样补上该栏及其内容，标签照表样书写；或改用 `perfxl template` 生成的模板填报。

    ---

    Reading a workbook typed by hand by its labels, a required field, a table, a row or column
    of the funds table, or an indicator was not found.

    **What it checks.** A workbook without the template's marks is read label by label (the
    spellings each label may take are the profile's `[labels]`); required fields (项目名称,
    填报日期…), the input rows and source columns of the funds table, the detail and problems
    tables and every third-level indicator whose label is not found are reported here, at the
    part of the form they belong to (its header or section heading).
    **Why it matters.** A figure not found is not a 0: every total, rate and score it enters
    cannot be checked, and the county summary lacks it.
    **How to fix.** Add the field and its value with the label as printed, or fill the template
    perfxl makes (`perfxl template`).
    """
    yield from _not_found(ctx, required=True)


@rule("L002", "optional-label-not-found", "warning", "按标签读取时未找到非必填栏目")
def optional_label_not_found(ctx: Context):
    """按标签读取手工填写的工作簿时，没有找到表样上的非必填栏目（如手机、邮编）。

    **检查什么。** 表样中未标为必填的栏目（如联系人、手机、邮编、项目概况中的第二处项目名称），
    在工作簿中找不到它的标签；绩效指标表下没有“总分”“自评等级”行，或“总分”行印了却未填数
    （此时总分与等级按各项得分计算）。
    **为什么重要。** 单位可能删去了这一栏，也可能写法与表样差得太远，审核时应知道少了什么。
    **如何改正。** 按表样补上该栏；如确无此项，在结果表的“说明”栏写明。

    ---

    Reading a workbook typed by hand by its labels, an optional field was not found.

    **What it checks.** Fields the profile does not mark required (联系人, 手机, 邮编, the second
    项目名称 in 项目概况…) whose label is not in the workbook; an indicator list with no 总分 or
    自评等级 row under it, or a 总分 row with nothing typed on it (the total and the grade are then
    perfxl's, from the rows).
    **Why it matters.** The unit may have dropped the line, or spelt its label too far from the
    form's; a reviewer wants to know what is missing.
    **How to fix.** Add the field as printed; if it does not apply, say so in the results sheet.
    """
    yield from _not_found(ctx, required=False)


@rule("L003", "label-found-twice", "error", "同一标签出现两处且填写不一致")
def label_found_twice(ctx: Context):
    """同一栏目（或资金表的行、三级指标）在表中出现两处，填写的内容不一致。

    **检查什么。** 按标签读取时，同一标签在它所属的部分出现两次（如两行“实际支出”、两处“填报日期”），
    两处的值不同（数字按数值比较，文字不计空格）。报告在第一处，并写出第二处的单元格与内容。
    **为什么重要。** 两处不一致时无法判断哪一个是真实的数，后续的合计、比率和得分都取第一处。
    **如何改正。** 删去多余的一处，或把两处改为一致。

    ---

    The same field (or funds row, or indicator) appears twice with different values.

    **What it checks.** Reading by labels, a label found twice in its part of the form (two
    rows 实际支出, two 填报日期) with values that differ (numbers as numbers, texts without their
    spaces). Reported at the first, naming the second cell and its value.
    **Why it matters.** Which of the two is true cannot be told; the totals, rates and scores
    take the first.
    **How to fix.** Delete the extra one, or make the two agree.
    """
    for row, issue in _issues(ctx, "twice"):
        other = f"{issue.other_sheet}!{issue.other_cell}"
        yield ctx.finding(
            row,
            f"“{issue.label}”出现两处且不一致：此处为“{issue.value}”，{other} 为“{issue.other_value}”",
            f"{issue.label!r} appears twice with different values: {issue.value!r} here, "
            f"{issue.other_value!r} at {other}",
            expected=f"与 {other} 一致", actual=issue.value,
            hint_zh="删去多余的一处，或改为一致。", hint_en="Delete one, or make them agree.",
        )
