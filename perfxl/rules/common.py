"""Small helpers the rules share."""

from __future__ import annotations

import math

import pandas as pd

from ..check import Context, show


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


def rows_of(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts of plain Python values: what ``iterrows`` (a Series per row) or
    ``to_dict("records")`` (about a millisecond even for none) give, made column by column."""
    if frame.empty:
        return []
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True))
            for row in zip(*(frame[name].tolist() for name in names), strict=True)]


def rows_at(ctx: Context, labels: list) -> list[dict]:
    """The rows of the cells at these index labels, as :func:`rows_of` gives them."""
    return rows_of(ctx.cells.loc[labels])


def numeric(series: pd.Series) -> pd.Series:
    """The numbers of a column as floats; text, dates, blanks and booleans become NaN."""
    return pd.Series([v if type(v) in (float, int) else math.nan for v in series.tolist()],
                     index=series.index, dtype=float)


def tolerance(ctx: Context, type_: str) -> float:
    s = ctx.settings
    return {"rate": s.rate_tolerance, "score": s.score_tolerance}.get(type_, s.money_tolerance)


def recomputed_mismatch(ctx: Context, derived: pd.DataFrame) -> pd.DataFrame:
    """Derived cells whose number differs from the recomputed one beyond the shown precision.

    A blank cached value is not a mismatch (Excel and WPS recompute on opening); a blank
    recomputed value (a rate over a zero base) with a number in the cell is.
    """
    value, expected = numeric(derived["value"]), numeric(derived["expected"])
    s = ctx.settings
    tol = derived["type"].astype(str).map({"rate": s.rate_tolerance, "score": s.score_tolerance}) \
        .fillna(s.money_tolerance)
    differs = (value - expected).abs() >= tol - 1e-12
    # A blank recomputation (None) is a rate over a zero base; NaN means an input is unreadable,
    # which V002/V003 report — nothing to compare then.
    is_none = pd.Series([v is None for v in derived["expected"].tolist()], index=derived.index, dtype=bool)
    blank_expected = value.notna() & is_none & (derived["status"] == "ok")
    return derived[(value.notna() & expected.notna() & differs) | blank_expected]


def mismatch_findings(ctx: Context, rows: pd.DataFrame, what_zh: str, what_en: str):
    for row in rows_of(rows):
        formula = row["has_formula"] is True
        zh_tail = "（公式的缓存值与重新计算的结果不符，文件可能未重新计算）" if formula else ""
        en_tail = " (the formula's cached value is stale)" if formula else ""
        yield ctx.finding(
            row,
            f"{row['label']}应为 {show(row['expected'], row['type'])}，表中为 "
            f"{show(row['value'], row['type'])}：{what_zh}{zh_tail}",
            f"{row['label']} should be {show(row['expected'], row['type'])}, the sheet shows "
            f"{show(row['value'], row['type'])}: {what_en}{en_tail}",
            expected=show(row["expected"], row["type"]), actual=show(row["value"], row["type"]),
            hint_zh="恢复模板公式，或按公式重新计算后填写。",
            hint_en="Restore the template's formula or recompute the figure.",
        )
