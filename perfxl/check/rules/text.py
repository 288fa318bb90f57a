"""T — the cover and the texts: required fields, phones, dates, lengths, the problem rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from perfxl.lazy import module
from perfxl.numbers import text_length

from ..catalogue import rule
from .common import missing, rows_at

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")


@rule("T001", "required-missing", "error", "必填项未填写")
def required_missing(ctx: Context):
    """必填项未填写（项目名称、项目主管部门、填报人、联系电话、填报日期、资金安排年份等）。

    **检查什么。**表样标为必填的每一项，为空或只填了“/”等占位内容。

    **为什么重要。**缺了这些，财政部门无法判断是谁的自评表，也联系不到填报单位。

    **如何改正。**填写该项。

    ---

    A required field is empty (项目名称, 项目主管部门, 填报人, 联系电话, 填报日期, 资金安排年份…).

    **What it checks.** Every field the profile marks `required`, left blank or filled with a
    placeholder such as `/`.

    **Why it matters.** Without them the office cannot tell whose report it is or reach the unit.

    **How to fix.** Fill the field.
    """
    for row in rows_at(ctx, ctx.mask(required=True, status=("blank", "na"))):
        yield ctx.finding(row, f"必填项“{row['label']}”未填写",
                          f"the required field {row['label']} is empty",
                          actual=row["raw"] or "（空）", hint_zh="请填写。", hint_en="Fill it in.")


def _invalid(ctx: Context, type_: str, zh: str, en: str, hint_zh: str, hint_en: str,
             expected: tuple[str, str] = ("", "")):
    """The cells of ``type_`` that do not parse; ``expected``: what is accepted (zh, en)."""
    for row in rows_at(ctx, ctx.mask(type=type_, status="invalid")):
        yield ctx.finding(row, f"{row['label']}“{row['raw']}”{zh}",
                          f"{row['label']} {row['raw']!r} {en}", actual=row["raw"],
                          expected=ctx.text(*expected), hint_zh=hint_zh, hint_en=hint_en)


# What the parsers of :mod:`perfxl.numbers` accept, as a reviewer would say it.
ACCEPTED = {
    "date": ("日期，如 2021-4-1、2021/4/1、2021.4.1、2021年4月1日 或 20210401",
             "a date such as 2021-4-1, 2021/4/1, 2021.4.1, 2021年4月1日 or 20210401"),
    "phone": ("如 0762-5662199、(0762)5662199、5662199 或 11 位手机号",
              "e.g. 0762-5662199, (0762)5662199, 5662199 or an 11-digit mobile number"),
    "postcode": ("6 位数字，如 517200", "six digits, e.g. 517200"),
}


@rule("T002", "malformed-phone", "error", "电话号码格式有误")
def malformed_phone(ctx: Context):
    """电话号码格式不正确。

    **检查什么。**电话栏应为带区号的固定电话（0762-5662199）、7 至 8 位的本地号码，或 11 位手机号
    码。

    **为什么重要。**财政部门要就审核发现的问题回电联系单位。

    **如何改正。**连同区号填写，如 0762-5662199。

    ---

    A telephone number that is not one.

    **What it checks.** Phone fields hold a landline with area code (0762-5662199), a local
    number of 7–8 digits, or an 11-digit mobile number.

    **Why it matters.** The office calls the unit back about its findings.

    **How to fix.** Type the number with its area code, e.g. 0762-5662199.
    """
    yield from _invalid(ctx, "phone", "不是有效的电话号码", "is not a valid phone number",
                        "如 0762-5662199 或 13800000000。", "e.g. 0762-5662199.", ACCEPTED["phone"])


@rule("T003", "malformed-date", "error", "日期无效")
def malformed_date(ctx: Context):
    """日期无效（填报日期）。

    **检查什么。**日期栏应为真实存在的日期，可以是日期格式，也可以写成 2021年4月1日、2021-04-01 等文
    字。

    **为什么重要。**同一项目报送两份时，以填报日期确定哪一份在后。

    **如何改正。**按 2021-4-1 的格式填写。

    ---

    A date that is not a date (填报日期).

    **What it checks.** Date fields hold a real calendar date, typed as a date or as text such
    as 2021年4月1日 or 2021-04-01.

    **Why it matters.** The 填报日期 decides which of two submissions is the later one.

    **How to fix.** Type the date as 2021-4-1.
    """
    yield from _invalid(ctx, "date", "不是有效日期", "is not a valid date", "如 2021-4-1。",
                        "e.g. 2021-4-1.", ACCEPTED["date"])


@rule("T004", "text-too-long", "error", "文字超过字数限制")
def text_too_long(ctx: Context):
    """文字超过字数限制（每条自评情况说明、每条问题限 100 字）。

    **检查什么。**表样规定了字数上限的每一段文字，按表样的计法计数（一个汉字计一个字，首尾空格和换行
    不计）。

    **为什么重要。**表样限制字数，便于县里的报告直接引用。

    **如何改正。**精简文字，详细内容另附说明（可另附详细补充说明）。

    ---

    A text longer than its limit (100 characters per explanation and per problem row).

    **What it checks.** Every text with a limit in the profile, counted in characters as the
    form counts them (one Chinese character is one; surrounding spaces and line breaks not).

    **Why it matters.** The form limits the words so the county report can quote them.

    **How to fix.** Shorten it; put the detail in an attached note (可另附详细补充说明).
    """
    limits = ctx.array("max_length")
    limited = np.flatnonzero(~np.isnan(limits) & ctx.mask(status="ok"))
    # Counted characters never exceed the text's length, so only texts longer than their
    # limit are counted (a county has tens of thousands of texts, a handful too long).
    over = [(at, n) for at, v, m in zip(limited.tolist(), ctx.array("value")[limited].tolist(),
                                        limits[limited].tolist(), strict=True)
            if len(str(v)) > m and (n := text_length(str(v))) > m]
    for row, (_, n) in zip(rows_at(ctx, [at for at, _ in over]), over, strict=True):
        limit = int(row["max_length"])
        yield ctx.finding(row, f"{row['label']}共 {n} 字，超过 {limit} 字的限制",
                          f"{row['label']} has {n} characters, over the limit of {limit}",
                          expected=f"≤ {limit} 字", actual=f"{n} 字",
                          hint_zh="精简文字，详细内容另附说明。",
                          hint_en="Shorten it; attach details separately.")


@rule("T005", "too-many-rows", "error", "填写条数超过限制（存在问题限 5 条）")
def too_many_rows(ctx: Context):
    """填写条数超过表样限制（存在问题最多 5 条）。

    **检查什么。**有条数上限的列表（三、存在问题及改进意见：限 5 条）。

    **为什么重要。**表样只要求列出主要问题。

    **如何改正。**合并或删去次要的问题。

    ---

    More filled rows in a limited list than the form allows (at most 5 problems).

    **What it checks.** Lists with a maximum number of rows (三、存在问题及改进意见: 限 5 条).

    **Why it matters.** The form limits the problems to the main ones.

    **How to fix.** Merge or drop the minor ones.
    """
    for block in ctx.profile.blocks("list"):
        if block.max_rows is None:
            continue
        at = np.flatnonzero(ctx.mask(block=block.key, status="ok") & (ctx.array("item") >= 0))
        filled: dict[str, set] = {}  # each workbook's filled items
        first: dict[str, tuple] = {}  # and its first filled cell of the list: (item, col, where)
        for wb, item, col, i in zip(ctx.array("workbook")[at].tolist(), ctx.array("item")[at].tolist(),
                                    ctx.array("col")[at].tolist(), at.tolist(), strict=True):
            filled.setdefault(wb, set()).add(item)
            first[wb] = min(first.get(wb, (item, col, i)), (item, col, i))
        for wb in sorted(wb for wb, items in filled.items() if len(items) > block.max_rows):
            row, n = rows_at(ctx, [first[wb][2]])[0], len(filled[wb])
            yield ctx.finding(
                row, f"填写了 {n} 条，超过 {block.max_rows} 条的限制",
                f"{n} rows filled, over the limit of {block.max_rows}",
                expected=f"≤ {block.max_rows} 条", actual=f"{n} 条",
                hint_zh="只列主要问题。", hint_en="List the main ones only.",
            )


@rule("T006", "copies-disagree", "warning", "表中两处应一致的内容（如项目名称）不一致")
def copies_disagree(ctx: Context):
    """表中出现两次的内容（如封面与项目概况中的项目名称）不一致。

    **检查什么。**表样声明应与另一项相同（same_as）的各项。

    **为什么重要。**汇总取封面上的值，而另一处可能才是正确的。

    **如何改正。**使两处一致。

    ---

    A field printed twice on the form (项目名称 on the cover and in 项目概况) differs.

    **What it checks.** Fields the profile declares `same_as` another.

    **Why it matters.** The summary takes the cover's value; the other copy may be the true one.

    **How to fix.** Make both the same.
    """
    for key, f in ctx.profile.fields.items():
        if not f.same_as:
            continue
        workbooks, values = ctx.array("workbook"), ctx.array("value")
        at, there = (np.flatnonzero(ctx.mask(name=name)) for name in (key, f.same_as))
        theirs = dict(zip(workbooks[there].tolist(), values[there].tolist(), strict=True))
        bad = [wb for wb, value in zip(workbooks[at].tolist(), values[at].tolist(), strict=True)
               if (a := _squeezed(value)) != (b := _squeezed(theirs.get(wb))) and a != "" and b != ""]
        if not bad:
            continue
        for row in rows_at(ctx, ctx.mask(name=key, workbook=bad)):
            other = theirs[row["workbook"]]
            yield ctx.finding(row, f"{row['label']}“{row['value']}”与封面的“{other}”不一致",
                              f"{row['label']} {row['value']!r} differs from the cover's "
                              f"{other!r}", expected=other, actual=row["value"],
                              hint_zh="两处应填写一致。", hint_en="Make both the same.")


@rule("T007", "malformed-postcode", "warning", "邮政编码不是 6 位数字")
def malformed_postcode(ctx: Context):
    """邮政编码不是 6 位数字。

    **检查什么。**邮编栏应为 6 位数字。

    **为什么重要。**寄给单位的信件会投递不到。

    **如何改正。**填写 6 位邮政编码。

    ---

    A postcode that is not six digits.

    **What it checks.** Postcode fields hold six digits.

    **Why it matters.** Letters to the unit go astray.

    **How to fix.** Type the six-digit postcode.
    """
    yield from _invalid(ctx, "postcode", "不是 6 位邮政编码", "is not a six-digit postcode",
                        "邮编为 6 位数字。", "Six digits.", ACCEPTED["postcode"])


def _squeezed(value) -> str:
    """A value as two copies are compared: its text without any whitespace ("" when blank)."""
    return "" if missing(value) else _SPACE.sub("", str(value))


_SPACE = re.compile(r"\s")
