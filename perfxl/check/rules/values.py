"""V — cell values: formulas typed over, numbers that do not parse, Excel error values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.numbers import normalize_text, parse

from ..catalogue import rule
from .common import rows_at

if TYPE_CHECKING:
    from ..engine import Context

NUMERIC_TYPES = ("money", "rate", "score", "number", "year")


@rule("V001", "formula-overwritten", "error", "应为公式的单元格被手填数值覆盖或删除")
def formula_overwritten(ctx: Context):
    """应由公式计算的数字被手填数值覆盖，或公式被删除。

    **检查什么。**模板中的每个计算单元格（行合计、资金结余、各项比率、明细合计、各级汇总分、合计分、
    自评等次）都应保留公式。

    **为什么重要。**手填的数字不再随填报数变化：一旦改动其他数据，表中显示的就是不再成立的数字，审核
    人也看不出它是手填的。

    **如何改正。**从新模板（perfxl template）中复制该单元格，或重新输入公式；不要在灰色单元格中手
    填。

    ---

    A figure the form computes holds a typed value (or nothing) instead of its formula.

    **What it checks.** Every derived cell of the template (row totals, balance, rates, detail
    合计, score roll-ups, total, grade) must still hold its formula.

    **Why it matters.** A typed number no longer follows the inputs: after any correction the
    form shows a figure that is no longer true, and a reviewer cannot see that it was typed.

    **How to fix.** Copy the cell from a fresh template (`perfxl template`) or retype the formula;
    do not type over the grey cells.
    """
    cells = ctx.cells
    no_formula = (cells["kind"] == "derived") & (cells["has_formula"] == False)  # noqa: E712
    for row in rows_at(ctx, no_formula):
        typed = row["raw"] != ""
        yield ctx.finding(
            row,
            f"{row['label']}的公式被{'改成手填的 ' + row['raw'] if typed else '删除'}，"
            f"按公式应为 {show(row['expected'], row['type'])}",
            f"the formula of {row['label']} was "
            f"{'replaced by the typed value ' + row['raw'] if typed else 'deleted'}; "
            f"it computes to {show(row['expected'], row['type'])}",
            expected=show(row["expected"], row["type"]), actual=row["raw"] or "（空）",
            hint_zh="恢复模板中的公式（灰色单元格不要手填）。",
            hint_en="Restore the template's formula (grey cells are computed).",
        )


@rule("V002", "unparseable-number", "error", "数字、比率、得分或年份无法识别")
def unparseable_number(ctx: Context):
    """金额、比率、得分或年份无法识别为数字。

    **检查什么。**以文字形式填写的金额、比率、得分和年份，按经办人员常见的写法识别（2,700,000、270万
    元、99.41 %、全角数字）；其余写法，如“约270万”“二百七十万”，在此报告，绝不会悄悄按 0 计算。

    **为什么重要。**无法识别的数字，既不能加总、核对，也无法纳入汇总。

    **如何改正。**只填写数字，以元为单位（或注明万元），如 2700000。

    ---

    A number, rate, score or year that cannot be read as one.

    **What it checks.** Amounts, rates, scores and years typed as text are accepted in the ways
    staff type them (`2,700,000`, `270万元`, `99.41 %`, full-width digits); anything else, such
    as `约270万` or `二百七十万`, is reported here and never silently taken as 0.

    **Why it matters.** A figure that cannot be read cannot be added, checked or summarised.

    **How to fix.** Type the number alone, in 元 (or with 万元), e.g. `2700000`.
    """
    cells = ctx.cells
    invalid = (cells["status"] == "invalid") & cells["type"].isin(NUMERIC_TYPES)
    for row in rows_at(ctx, invalid):
        guess = _guess(row["type"], row["raw"])
        maybe_zh = f"，可能是 {show(guess, row['type'])}" if guess is not None else ""
        maybe_en = f"; perhaps {show(guess, row['type'])}" if guess is not None else ""
        yield ctx.finding(
            row,
            f"{row['label']}填写的“{row['raw']}”不是可识别的数字{maybe_zh}",
            f"{row['label']}: {row['raw']!r} is not a number{maybe_en}",
            expected=show(guess, row["type"]) if guess is not None else "", actual=row["raw"],
            hint_zh="只填写数字，金额单位为元，如 2700000。",
            hint_en="Type the number alone, amounts in yuan, e.g. 2700000.",
        )


_NUMBER_INSIDE = re.compile(r"[0-9][0-9,.]*\s*(?:万元|万|元|%)?")


def _guess(type_: str, raw: str):
    """The one number inside a text such as 约2084万 (a hint for the clerk, never used)."""
    found = _NUMBER_INSIDE.findall(normalize_text(raw))
    if len(found) != 1:
        return None
    parsed = parse(type_, found[0])
    return parsed.value if parsed.status == "ok" else None


@rule("V003", "error-value", "error", "单元格中有 #REF!、#DIV/0! 等错误值")
def error_value(ctx: Context):
    """单元格中有 #REF!、#DIV/0! 等错误值。

    **检查什么。**表中任何显示 #REF!、#DIV/0!、#VALUE!、#N/A、#NAME? 或其他错误值的单元格。

    **为什么重要。**错误值意味着公式损坏或引用被删除：该数字在自评表和全县汇总中都会缺失。

    **如何改正。**从新模板中恢复公式，或补填缺失的数据。

    ---

    A cell holds an Excel error value such as `#REF!` or `#DIV/0!`.

    **What it checks.** Any cell of the form showing `#REF!`, `#DIV/0!`, `#VALUE!`, `#N/A`,
    `#NAME?` or another error value.

    **Why it matters.** An error value means a broken formula or a deleted reference: the figure
    is missing from the report and from the county summary.

    **How to fix.** Restore the formula from a fresh template, or type the missing input.
    """
    for row in rows_at(ctx, ctx.cells["status"] == "error"):
        shown = row["raw"] or "错误值"
        yield ctx.finding(
            row,
            f"{row['label']}显示错误值 {shown}",
            f"{row['label']} shows the error value {shown}",
            expected=show(row["expected"], row["type"]) if row["kind"] == "derived" else "",
            actual=shown, hint_zh="检查公式引用是否被删除，或重新填写。",
            hint_en="A reference was probably deleted: restore the formula or the input.",
        )
