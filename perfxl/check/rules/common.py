"""Small helpers the rules share."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from perfxl.findings import show
from perfxl.form.derive import formula_sources
from perfxl.lazy import module

if TYPE_CHECKING:
    from ..engine import Context

np = module("numpy")
pd = module("pandas")


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def missing(value) -> bool:
    """Whether a cell's value is none at all (None or NaN), as ``pandas.isna`` says of it."""
    return value is None or (isinstance(value, float) and value != value)


WAN = 10_000  # 元 in one 万元


def wan_pair(a: float, b: float) -> bool:
    """Whether one of two amounts that should agree is the other ÷ 10,000: one typed in 万元.

    Within 1%, as a clerk converting to 万元 rounds (268.40 for 2,683,950)."""
    small, big = sorted((abs(a), abs(b)))
    return small > 0 and abs(small * WAN - big) <= 0.01 * big


def rows_of(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts of plain Python values: what ``iterrows`` (a Series per row) or
    ``to_dict("records")`` (about a millisecond even for none) give, made column by column."""
    if frame.empty:
        return []
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True))
            for row in zip(*(_values(frame[name]) for name in names), strict=True)]


def _values(column: pd.Series) -> list:
    """``column.tolist()``; a categorical's by its codes (tolist first makes every value an
    object, which costs more than the rows it is asked for when they are few)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories.tolist()
        return [categories[code] if code >= 0 else math.nan for code in column.cat.codes.tolist()]
    return column.tolist()


def rows_at(ctx: Context, at) -> list[dict]:
    """The rows of the cells at these positions (or where a boolean mask over the cells is
    true), as :func:`rows_of` gives them: taken from each column's array rather than through
    ``loc``, which costs about a millisecond however few the rows (the findings of a rule are
    few)."""
    at = np.asarray(at)
    if at.dtype == bool:
        at = np.flatnonzero(at)
    if not len(at):
        return []
    at = at.astype(np.intp, copy=False)
    columns = ctx.coded()
    values = []
    for array, categories in columns.values():
        taken = array.take(at).tolist()
        values.append(taken if categories is None else
                      [categories[code] if code >= 0 else math.nan for code in taken])
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def show_cell(row: dict, value) -> str:
    """A cell's value as its form shows it: money in 万元 where the form prints 万元."""
    unit = row.get("unit", "")
    return show(value, row["type"], unit if isinstance(unit, str) else "")


def numeric(series: pd.Series) -> pd.Series:
    """The numbers of a column as floats; text, dates, blanks and booleans become NaN."""
    return pd.Series([v if type(v) in (float, int) else math.nan for v in series.tolist()],
                     index=series.index, dtype=float)


def tolerance(ctx: Context, type_: str) -> float:
    s = ctx.settings
    return {"rate": s.rate_tolerance, "score": s.score_tolerance}.get(type_, s.money_tolerance)


def _tolerances(ctx: Context) -> np.ndarray:
    """Each cell's tolerance by its type: looked up once per type, not per cell."""
    types, categories = ctx.coded()["type"]
    if categories is None:
        return np.array([tolerance(ctx, str(t)) for t in types.tolist()], dtype=float)
    by_type = [tolerance(ctx, str(t)) for t in categories] + [ctx.settings.money_tolerance]
    return np.array(by_type, dtype=float)[types]  # code -1 (no type): money's


def recomputed_mismatch(ctx: Context, derived) -> np.ndarray:
    """The derived cells (``derived``: a mask over the cells) whose number differs from the
    recomputed one beyond the shown precision, as positions of the cells.

    A blank cached value is not a mismatch (Excel and WPS recompute on opening); a blank
    recomputed value (a rate over a zero base) with a number in the cell is.
    """
    at = np.flatnonzero(np.asarray(derived))
    if not len(at):
        return at
    value, expected = ctx.numbers("value")[at], ctx.numbers("expected")[at]
    has_value, has_expected = ~np.isnan(value), ~np.isnan(expected)
    differs = np.abs(value - expected) >= ctx.shared(_tolerances)[at] - 1e-12
    # A blank recomputation (None) is a rate over a zero base; NaN means an input is unreadable,
    # which V002/V003 report — nothing to compare then.
    is_none = np.array([v is None for v in ctx.array("expected")[at].tolist()], dtype=bool)
    blank_expected = has_value & is_none & ctx.mask(status="ok")[at]
    # A blank the form's own formula shows (a rate over a number typed as text) is a mismatch too.
    blank_shown = np.array([v == "" for v in ctx.array("as_typed")[at].tolist()], dtype=bool)
    blank_shown &= ~has_value & has_expected & ~ctx.mask(status="error")[at]
    return at[(has_value & has_expected & differs) | blank_expected | blank_shown]


def typed_as_text(ctx: Context) -> dict[str, list[dict]]:
    """Each workbook's numeric inputs typed as text (rows of the cells), in cell order."""
    return ctx.shared(_texts)


def _texts(ctx: Context) -> dict[str, list[dict]]:
    typed = ctx.mask(kind="input") & np.array([not missing(v) for v in ctx.array("as_typed").tolist()], dtype=bool)
    out: dict[str, list[dict]] = {}
    for row in rows_at(ctx, typed):
        out.setdefault(row["workbook"], []).append(row)
    return out


def text_cause(ctx: Context, row: dict) -> tuple[str, str] | None:
    """Why a derived cell of ``row`` shows what it shows, when a number typed as text in one of
    its formula's inputs is the reason: (zh, en) to add to a message; None otherwise."""
    if row["has_formula"] is not True:
        return None
    sources = formula_sources(ctx.profile).get(row["name"], frozenset())
    hits = [t for t in typed_as_text(ctx).get(row["workbook"], []) if t["name"] in sources]
    if not hits:
        return None
    more = len(hits) > 3
    zh = "、".join(f"{t['sheet']}!{t['cell']} 填写的“{t['raw']}”" for t in hits[:3]) + ("等" if more else "")
    en = ", ".join(f"{t['sheet']}!{t['cell']} holds the text {t['raw']!r}" for t in hits[:3]) + \
        (" and more" if more else "")
    return (f"（因 {zh}是文本，表内公式未把它计为数字）",
            f" ({en}: the form's formulas do not count text as a number)")


def mismatch_findings(ctx: Context, at, what_zh: str, what_en: str):
    for row in rows_at(ctx, at):
        formula = row["has_formula"] is True
        zh_tail = "（公式的缓存值与重新计算的结果不符，文件可能未重新计算）" if formula else ""
        en_tail = " (the formula's cached value is stale)" if formula else ""
        cause = text_cause(ctx, row)
        if cause is not None:  # the form computes it so, from a number typed as text
            zh_tail, en_tail = cause
        typed = row["workbook"] in ctx.readings  # typed by hand: no template formula to restore
        expected, actual = show_cell(row, row["expected"]), show_cell(row, row["value"])
        yield ctx.finding(
            row,
            f"{row['label']}应为 {expected}，表中为 {actual}：{what_zh}{zh_tail}",
            f"{row['label']} should be {expected}, the sheet shows {actual}: {what_en}{en_tail}",
            expected=expected, actual=actual,
            hint_zh="按表中金额（或得分）重新计算后填写。" if typed else "恢复模板公式，或按公式重新计算后填写。",
            hint_en="Recompute the figure from the amounts (or scores) in the form." if typed
            else "Restore the template's formula or recompute the figure.",
        )
