"""V — cell values: formulas typed over, numbers that do not parse, Excel error values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from perfxl.form.derive import formula_sources
from perfxl.numbers import money_parser, normalize_text, parse

from ..catalogue import rule
from .common import is_number, rows_at, show_cell, text_cause, tolerance, typed_as_text

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
    合计, score roll-ups, total, grade) must still hold its formula. A typed value equal to what
    the formula gives is V005 (a warning); a different one, or a formula deleted, is this error.
    A workbook typed by hand (read by its labels) never had the template's formulas: its typed
    figures are checked against the recomputation by the F, D and S rules instead.

    **Why it matters.** A typed number no longer follows the inputs: after any correction the
    form shows a figure that is no longer true, and a reviewer cannot see that it was typed.

    **How to fix.** Copy the cell from a fresh template (`perfxl template`) or retype the formula;
    do not type over the grey cells.
    """
    for row, same in _typed_over(ctx):
        if same:
            continue
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


@rule("V005", "formula-pasted-as-value", "warning", "公式被粘贴为数值（数值正确，但不再随填报数据更新）")
def formula_pasted_as_value(ctx: Context):
    """公式被粘贴成了数值：数值目前正确，但表格不会再自动更新。

    **检查什么。** 模板中应为公式的单元格（合计、结余、比率、明细合计、得分汇总、合计分、等次）填的是数值，
    且该数值与按公式计算的结果相同——常见于“复制、粘贴为数值”。数值不同的见 V001（错误）。

    **为什么重要。** 数值现在是对的；但以后改动任何一项填报数据，这个单元格都不会跟着变，
    打印的表就会前后不一致，而审核人看不出它是手填的。

    **如何改正。** 从新模板（`perfxl template`）复制该单元格，或重新输入公式；
    粘贴时请用“粘贴为数值”只粘贴到黄色填报单元格。

    ---

    A formula pasted over as its own value: right today, but the form no longer updates itself.

    **What it checks.** Derived cells of the template (totals, balance, rates, detail 合计, score
    roll-ups, total, grade) holding a typed value equal to what their formula gives — the mark of
    a copy and "paste values". A different value is V001 (an error).

    **Why it matters.** The figure is right now, but it no longer follows the inputs: after any
    correction the printed form contradicts itself, and a reviewer cannot see it was typed.

    **How to fix.** Copy the cell from a fresh template (`perfxl template`) or retype the
    formula; paste values only into the yellow input cells.
    """
    for row, same in _typed_over(ctx):
        if not same:
            continue
        yield ctx.finding(
            row,
            f"{row['label']}的公式被粘贴为数值 {row['raw']}（与按公式计算的结果相同），"
            "以后改动填报数据时不会再自动更新",
            f"the formula of {row['label']} was pasted over as its value {row['raw']} (the same "
            "as it computes); it will no longer follow the inputs",
            expected=ctx.text("公式", "a formula"), actual=row["raw"],
            hint_zh="恢复模板中的公式（灰色单元格不要粘贴数值）。",
            hint_en="Restore the template's formula (do not paste values into grey cells).",
        )


def _typed_over(ctx: Context) -> list[tuple[dict, bool]]:
    """The derived cells that hold no formula, each with whether the value typed there is the
    one its formula gives (within the shown precision)."""
    return ctx.shared(_typed_over_cells)


def _typed_over_cells(ctx: Context) -> list[tuple[dict, bool]]:
    no_formula = ctx.mask(kind="derived", has_formula=False)
    # Typed by hand: there never was a formula (F, D, S check the figure).
    no_formula &= ~ctx.mask(workbook=list(ctx.readings))
    return [(row, _same(ctx, row)) for row in rows_at(ctx, no_formula)]


def _same(ctx: Context, row: dict) -> bool:
    """Whether a typed derived value is the one the formula gives, as the form shows both."""
    value, expected = row["value"], row["expected"]
    if row["status"] != "ok" or row["raw"] == "":
        return False  # an error value, text that is no number, or the formula deleted
    if is_number(value) and is_number(expected):
        return abs(value - expected) < tolerance(ctx, row["type"]) - 1e-12
    if isinstance(expected, str) and expected:
        return str(value).replace(" ", "") == expected
    return False


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
    for row in rows_at(ctx, ctx.mask(status="invalid", type=NUMERIC_TYPES)):
        guess, why_zh, why_en = _guess(row["type"], row["raw"], row.get("unit") or "")
        maybe_zh = f"，可能是 {show_cell(row, guess)}{why_zh}" if guess is not None else ""
        maybe_en = f"; perhaps {show_cell(row, guess)}{why_en}" if guess is not None else ""
        yield ctx.finding(
            row,
            f"{row['label']}填写的“{row['raw']}”不是可识别的数字{maybe_zh}",
            f"{row['label']}: {row['raw']!r} is not a number{maybe_en}",
            expected=show_cell(row, guess) if guess is not None else "", actual=row["raw"],
            hint_zh="只填写数字，金额单位为元，如 2700000。",
            hint_en="Type the number alone, amounts in yuan, e.g. 2700000.",
        )


# One number inside a text, not glued to letters or other digits (27OOOOO holds no "27").
_NUMBER_INSIDE = re.compile(r"(?<![A-Za-z0-9.,])[0-9][0-9,.]*(?![A-Za-z0-9])\s*(?:万元|万|元|%)?")
# Letters typed for the digits they look like: O and o (and 〇) for 0, l and I for 1.
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1"})
_LETTERS = "OoI〇l"


def _guess(type_: str, raw: str, unit: str = "") -> tuple[object, str, str]:
    """What a text that is not a number probably means (a hint for the clerk, never used), and
    why: 27OOOOO with letters O for zeros, or the one number inside 约2084万; an amount read in
    the form's own unit (万元 on a form that prints 万元)."""
    def parsed(text: str):
        return money_parser(unit)(text) if type_ == "money" else parse(type_, text)

    text = normalize_text(raw)
    if any(ch.isdigit() for ch in text):
        swapped = text.translate(_LOOKALIKE)
        if swapped != text:
            got = parsed(swapped)
            if got.status == "ok":
                pairs = "、".join(f"{c} 应为数字 {c.translate(_LOOKALIKE)}" for c in _LETTERS if c in text)
                pairs_en = ", ".join(f"{c} for {c.translate(_LOOKALIKE)}" for c in _LETTERS if c in text)
                return got.value, f"（字母 {pairs}）", f" (the letter {pairs_en})"
    found = _NUMBER_INSIDE.findall(text)
    if len(found) != 1:
        return None, "", ""
    got = parsed(found[0])
    return (got.value, "", "") if got.status == "ok" else (None, "", "")


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
    for row in rows_at(ctx, ctx.mask(status="error")):
        shown = row["raw"] or (row["as_typed"] if str(row["as_typed"]).startswith("#") else "错误值")
        cause = text_cause(ctx, row) if row["kind"] == "derived" else None
        yield ctx.finding(
            row,
            f"{row['label']}显示错误值 {shown}{cause[0] if cause else ''}",
            f"{row['label']} shows the error value {shown}{cause[1] if cause else ''}",
            expected=show_cell(row, row["expected"]) if row["kind"] == "derived" else "",
            actual=shown,
            hint_zh="把括号中所列单元格的文本改为数字，此处即恢复正常。" if cause
            else "检查公式引用是否被删除，或重新填写。",
            hint_en="Type the cell named in brackets as a number; this one then recovers." if cause
            else "A reference was probably deleted: restore the formula or the input.",
        )


@rule("V004", "number-stored-as-text", "error", "数字以文本形式填写，表内公式不会计入")
def number_stored_as_text(ctx: Context):
    """数字以文本形式填写（如“270万元”“14分”“２７０００００”“2,700,000.00”、末尾带空格），表内公式不会计入。

    **检查什么。** 模板中被公式使用的填报单元格（资金表各项金额、支出明细的金额、各三级指标
    得分）里，以文本而不是数字填写的数。perfxl 能读出本意（270万元 即 2,700,000），但 Excel、
    WPS 和 LibreOffice 不能：合计的 SUM 跳过文本，“+” 得出 #VALUE!，比率显示为空。只在表内
    派生数仍是公式的工作簿中报告；手工录入、合计也是手填的表，按所填文字读数，不报告。

    **为什么重要。** 单位签字盖章的纸质表是按表内公式打印的：合计少了这一项，等次也可能跟着
    变，与 perfxl 读出的数对不上。全县汇总采用的是纸质表上的数（见 README）。

    **如何改正。** 在单元格中只输入数字（如 2700000），不带“万元”“元”“分”、千位逗号或空格；
    单元格若被设为“文本”格式，先改为“常规”再重新输入。

    ---

    A number typed as text (270万元, 14分, full-width digits, 2,700,000.00, a trailing space) that
    the form's own formulas do not count.

    **What it checks.** Input cells the template's formulas use (the funds table's amounts, the
    detail's amounts, the leaf scores) holding a number as text. perfxl reads what was meant
    (270万元 is 2,700,000), but Excel, WPS and LibreOffice do not: SUM skips text, `+` gives
    #VALUE!, a rate over it shows blank. Reported only in workbooks whose derived cells still hold
    their formulas; a form typed by hand, totals typed too, is read as typed and not reported.

    **Why it matters.** The form the unit signs and stamps prints what its formulas compute: a
    total without this figure, perhaps another grade — not what perfxl reads. The county summary
    takes the signed form's figures (README).

    **How to fix.** Type the number alone (2700000), without 万元, 元, 分, thousands commas or
    spaces; if the cell is formatted as text, set it to General first and type it again.
    """
    texts = typed_as_text(ctx)
    if not texts:
        return
    holding = ctx.mask(kind="derived", has_formula=True, workbook=list(texts))
    sources = formula_sources(ctx.profile)
    used: dict[str, set[str]] = {}
    for wb, name in zip(ctx.array("workbook")[holding].tolist(), ctx.array("name")[holding].tolist(), strict=True):
        used.setdefault(wb, set()).update(sources.get(name, ()))
    for wb, rows in texts.items():
        for row in rows:
            if row["status"] != "ok" or row["name"] not in used.get(wb, ()):
                continue  # text that is no number is V002's; a form without formulas reads it as typed
            read = show_cell(row, row["value"])
            unit = row.get("unit") or "元"
            example_zh, example_en = ("，如 2700000", ", 2700000") if unit == "元" else ("", "")
            yield ctx.finding(
                row,
                f"{row['label']}填写的“{row['raw']}”是文本，perfxl 读作 {read}；"
                "请改为数字（表内公式不会计入文本）",
                f"{row['label']} holds the text {row['raw']!r}, which perfxl reads as {read}: type it "
                "as a number (the form's own formulas do not count text)",
                expected=read, actual=ctx.text(f"“{row['raw']}”（文本）", f"{row['raw']!r} (text)"),
                hint_zh=f"只输入数字（金额以{unit}计{example_zh}；得分如 14），不带单位、千位逗号或空格；"
                        "单元格若为文本格式，先改为常规再输入。",
                hint_en=f"Type the number alone (amounts in {'yuan' if unit == '元' else unit}{example_en}; "
                        "scores, 14), without units, commas or spaces; set a text-formatted cell to General first.",
            )


@rule("V006", "cached-result-unknown", "info", "旧格式 .xls 中公式结果存为 0，无法核对，已跳过")
def cached_result_unknown(ctx: Context):
    """旧格式 .xls 中，本应显示文字的公式结果存成了 0，无法与重新计算的结果核对。

    **检查什么。** .xls（Excel 97-2003）工作簿中仍是公式、其结果应为文字（如自评等次）的单元格，
    文件里存的却是数字 0——多见于用 LibreOffice 另存、且另存前没有重新计算的文件（结果应为空白的，
    如以 0 为分母的比率，这个 0 就按空白读）。这个 0 不是表上的字，perfxl 不拿它核对，并在这里
    说明已跳过。

    **为什么重要。** 否则会报出“等次表中为 0”这样并不存在的错误；说明跳过了哪几格，
    审核人才知道这几格没有核对。

    **如何改正。** 用 Excel 或 WPS 打开后另存为 .xlsx 再报送。

    ---

    In a legacy .xls, a formula's text or blank result stored as 0: not checked, and said so.

    **What it checks.** Cells of an .xls (Excel 97-2003) workbook that still hold their formula,
    whose result is a text (the grade), but whose stored result is the number 0 — as LibreOffice
    saves them when it has not recalculated (where the result is blank, a rate over a zero base,
    that 0 is read as the blank). It is not a word of the form: perfxl does not compare it, and
    says here that it skipped it.

    **Why it matters.** Otherwise a grade "0" that the form never shows would be reported;
    naming the cells skipped tells the reviewer what was not checked.

    **How to fix.** Open the file in Excel or WPS and save it as .xlsx.
    """
    skipped = ctx.mask(kind="derived", status="blank") & (ctx.array("raw") != "")
    for row in rows_at(ctx, skipped):
        yield ctx.finding(
            row, f"{row['label']}在 .xls 中存为 {row['raw']}，而公式结果应为文字“{row['expected']}”："
            "无法核对，已跳过",
            f"{row['label']} is stored as {row['raw']} in the .xls where its formula shows the text "
            f"{row['expected']!r}: not checked", actual=row["raw"],
            hint_zh="用 Excel 或 WPS 打开后另存为 .xlsx 再报送。", hint_en="Save it as .xlsx in Excel or WPS.",
        )
