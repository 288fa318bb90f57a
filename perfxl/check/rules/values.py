"""V — cell values: formulas typed over, numbers that do not parse, Excel error values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from perfxl.numbers import money_parser, normalize_text, parse

from ..catalogue import rule
from .common import rows_at, show_cell

if TYPE_CHECKING:
    from ..engine import Context

NUMERIC_TYPES = ("money", "rate", "score", "number", "year")


@rule("V001", "formula-overwritten", "error", "应为公式的单元格被手填数值覆盖或删除")
def formula_overwritten(ctx: Context):
    """A figure the form computes holds a typed value (or nothing) instead of its formula.

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
        expected = show_cell(row, row["expected"])
        yield ctx.finding(
            row,
            f"{row['label']}的公式被{'改成手填的 ' + row['raw'] if typed else '删除'}，"
            f"按公式应为 {expected}",
            f"the formula of {row['label']} was "
            f"{'replaced by the typed value ' + row['raw'] if typed else 'deleted'}; "
            f"it computes to {expected}",
            expected=expected, actual=row["raw"] or "（空）",
            hint_zh="恢复模板中的公式（灰色单元格不要手填）。",
            hint_en="Restore the template's formula (grey cells are computed).",
        )


@rule("V002", "unparseable-number", "error", "数字、比率、得分或年份无法识别")
def unparseable_number(ctx: Context):
    """A number, rate, score or year that cannot be read as one.

    **What it checks.** Amounts, rates, scores and years typed as text are accepted in the ways
    staff type them (`2,700,000`, `270万元`, `99.41 %`, full-width digits); anything else, such
    as `约270万` or `二百七十万`, is reported here and never silently taken as 0.

    **Why it matters.** A figure that cannot be read cannot be added, checked or summarised.

    **How to fix.** Type the number alone, in 元 (or with 万元), e.g. `2700000`.
    """
    cells = ctx.cells
    invalid = (cells["status"] == "invalid") & cells["type"].isin(NUMERIC_TYPES)
    for row in rows_at(ctx, invalid):
        guess = _guess(row["type"], row["raw"], row.get("unit") or "")
        maybe_zh = f"，可能是 {show_cell(row, guess)}" if guess is not None else ""
        maybe_en = f"; perhaps {show_cell(row, guess)}" if guess is not None else ""
        yield ctx.finding(
            row,
            f"{row['label']}填写的“{row['raw']}”不是可识别的数字{maybe_zh}",
            f"{row['label']}: {row['raw']!r} is not a number{maybe_en}",
            expected=show_cell(row, guess) if guess is not None else "", actual=row["raw"],
            hint_zh="只填写数字，金额单位为元，如 2700000。",
            hint_en="Type the number alone, amounts in yuan, e.g. 2700000.",
        )


_NUMBER_INSIDE = re.compile(r"[0-9][0-9,.]*\s*(?:万元|万|元|%)?")


def _guess(type_: str, raw: str, unit: str = ""):
    """The one number inside a text such as 约2084万 (a hint for the clerk, never used)."""
    found = _NUMBER_INSIDE.findall(normalize_text(raw))
    if len(found) != 1:
        return None
    parsed = money_parser(unit)(found[0]) if type_ == "money" else parse(type_, found[0])
    return parsed.value if parsed.status == "ok" else None


@rule("V003", "error-value", "error", "单元格中有 #REF!、#DIV/0! 等错误值")
def error_value(ctx: Context):
    """A cell holds an Excel error value such as `#REF!` or `#DIV/0!`.

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
            expected=show_cell(row, row["expected"]) if row["kind"] == "derived" else "",
            actual=shown, hint_zh="检查公式引用是否被删除，或重新填写。",
            hint_en="A reference was probably deleted: restore the formula or the input.",
        )
