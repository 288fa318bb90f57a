"""I — the indicator list a unit writes itself (national 项目支出绩效自评表 and its variants).

Each row of 绩效指标 is an indicator: 一级 / 二级 (merged down on printed forms, so a blank label
means "as above"), 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因.  How a row is scored is the
profile's ``[scoring]``: the nature comes from the target (≥ positive, ≤ reverse, = equal, words
qualitative) or from a 指标性质 column; the partial-score formulas, the qualitative bands and the
weights are data.  :func:`indicator_rows` reads every workbook's rows once for all the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from perfxl.lazy import module
from perfxl.targets import (
    BLANK,
    EQUAL,
    POSITIVE,
    QUALITATIVE,
    REVERSE,
    Measure,
    aligned,
    nature_of,
    normalize,
    read_measure,
    same_unit,
    show_measure,
)

from ..catalogue import rule
from .common import is_number, mismatch_findings, recomputed_mismatch, rows_at

if TYPE_CHECKING:
    from perfxl.form.profile import Block, Scoring

    from ..engine import Context

np = module("numpy")
QUANTITATIVE = (POSITIVE, REVERSE, EQUAL)
NATURE_WORDS = {POSITIVE: "正向", REVERSE: "反向", EQUAL: "等于", QUALITATIVE: "定性"}


@dataclass
class Row:
    """One indicator of one workbook, its labels filled down, its target and result read."""

    workbook: str
    item: int
    cells: dict[str, int]  # role → index label of its cell in the cells frame
    text: dict[str, str]  # role → the text (value) as read, "" when blank
    status: dict[str, str]  # role → the cell's status
    level1: str = ""
    level2: str = ""
    level1_at: int | None = None  # the cell the (filled-down) label was written in
    level2_at: int | None = None
    target: Measure = BLANK  # (immutable: shared)
    actual: Measure = BLANK
    nature: str = ""
    weight: float = math.nan
    score: float = math.nan

    @property
    def name(self) -> str:
        return self.text.get("name", "") or f"第 {self.item + 1} 行指标"

    def has(self, role: str) -> bool:
        return self.status.get(role) == "ok"


def block_of(ctx: Context) -> Block | None:
    found = ctx.profile.blocks("indicators")
    return found[0] if found else None


def indicator_rows(ctx: Context) -> list[Row]:
    """Every workbook's indicator rows (rows with a 三级 name or any figure), read once per check."""
    return ctx.shared(_read_rows)


def _read_rows(ctx: Context) -> list[Row]:
    block = block_of(ctx)
    if block is None:
        return []
    scoring = ctx.profile.scoring
    role_of = {c.key: c.role for c in block.columns}
    part = np.flatnonzero(ctx.mask(block=block.key) & (ctx.array("item") >= 0))
    rows = _rows_by_cell(ctx, role_of, part)
    natures = {normalize(k): v for c in block.columns if c.role == "nature" for k, v in c.natures.items()}
    out = []
    last: dict[str, tuple] = {}
    for row in rows:  # in the cells' order: each workbook's items in turn
        wb = row.workbook
        previous = last.get(wb, ("", None, "", None))
        status = row.status
        if status.get("level1") == "ok":
            row.level1, row.level1_at = row.text["level1"], row.cells["level1"]
            row.level2, row.level2_at = "", None  # a new 一级 starts its own 二级
        else:
            row.level1, row.level1_at = previous[0], previous[1]
        if status.get("level2") == "ok":
            row.level2, row.level2_at = row.text["level2"], row.cells["level2"]
        elif status.get("level1") != "ok":
            row.level2, row.level2_at = previous[2], previous[3]
        last[wb] = (row.level1, row.level1_at, row.level2, row.level2_at)
        if "ok" not in (status.get("name"), status.get("target"), status.get("actual"), status.get("weight"),
                        status.get("score")):
            continue  # a label row of the blank form, not an indicator
        _read_measures(row, natures, scoring)
        out.append(row)
    return out


def _rows_by_cell(ctx: Context, role_of: dict[str, str], part) -> list[Row]:
    """The rows of the list (``part``: its cells' positions), cell by cell, in the order their
    first cells come."""
    rows: dict[tuple, Row] = {}
    for at, wb, item, column, value, status in zip(part.tolist(), *(ctx.array(c)[part].tolist() for c in (
            "workbook", "item", "column", "value", "status")), strict=True):
        row = rows.get((wb, item))
        if row is None:
            row = rows[(wb, item)] = Row(wb, item, {}, {}, {})
        role = role_of.get(column, "")
        row.cells[role] = at
        row.status[role] = status
        if status != "ok":
            row.text[role] = ""
            continue
        row.text[role] = value.strip() if type(value) is str else _text(value)
        if role in ("weight", "score") and is_number(value):
            setattr(row, role, float(value))
    return list(rows.values())


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_measures(row: Row, natures: dict[str, str], scoring: Scoring) -> None:
    row.target = read_measure(row.text.get("target") or None)
    row.actual = read_measure(row.text.get("actual") or None)
    unit = normalize(row.text.get("unit", ""))
    if unit:  # a 度量单位 column: the unit of bare figures
        if row.target.kind == "number" and not row.target.unit:
            row.target = read_measure(f"{row.text['target']}{unit}")
        if row.actual.kind == "number" and not row.actual.unit:
            row.actual = read_measure(f"{row.text['actual']}{unit}")
    stated = natures.get(normalize(row.text.get("nature", "")))
    row.nature = stated or nature_of(row.target, scoring.bare)
    if row.nature in QUANTITATIVE and row.actual.kind == "number" and row.target.kind == "number":
        row.actual = aligned(row.target, row.actual)


def finding_at(ctx: Context, row: Row, role: str, zh: str, en: str, **kw):
    """A finding at the cell of ``role`` in ``row`` (field keyed by the indicator's name)."""
    at = row.cells.get(role)
    if at is None:
        at = next(iter(row.cells.values()))
    cell = rows_at(ctx, [at])[0]
    key = row.text.get("name") or f"#{row.item + 1}"
    return ctx.finding(cell, zh, en, field_name=f"{cell['name']}:{key}", **kw)


def allowed_score(row: Row, scoring: Scoring) -> float | None:
    """The most a quantitative row may score given its result (None when it cannot be told)."""
    if row.nature not in QUANTITATIVE or row.target.kind != "number" or row.actual.kind != "number":
        return None
    if not same_unit(row.target, row.actual) or not is_number(row.weight):
        return None
    target, actual, weight = row.target.value, row.actual.value, row.weight
    if row.nature == REVERSE:
        if actual <= target:
            return weight
        formula = scoring.over
    else:
        if actual >= target:
            return weight
        formula = scoring.equal_below if row.nature == EQUAL else scoring.below
    if formula is None:
        return None
    most = formula.evaluate_floats({"actual": actual, "target": target, "weight": weight})
    if math.isnan(most):  # a target of 0: nothing to divide by
        return None
    return min(weight, max(0.0, round(most, scoring.decimals)))


def band_of(row: Row, scoring: Scoring):
    """The qualitative band the result states (达成, 部分达成, 未达成), or None."""
    return _band(normalize(row.text.get("actual", "")), normalize(row.text.get("target", "")), id(scoring),
                 scoring)


_BANDS: dict[tuple, object] = {}


def _band(text: str, target: str, key: int, scoring: Scoring):
    """:func:`band_of` by the normalised texts, worked out once per distinct pair."""
    found = _BANDS.get((text, target, key), _BANDS)
    if found is not _BANDS:
        return found
    best, length = None, 0
    if text:
        for band in scoring.bands:
            for word in band.words:
                w = normalize(word)
                if text.startswith(w) and len(w) > length:
                    best, length = band, len(w)
        if best is None and text == target and scoring.bands:
            best = max(scoring.bands, key=lambda b: b.high)  # the result restates the target
    if len(_BANDS) > 50_000:
        _BANDS.clear()
    _BANDS[(text, target, key)] = best
    return best


def _n(value: float) -> str:
    return f"{round(value, 4):g}"


# ---------------------------------------------------------------------------------------------


@rule("I001", "indicator-score-out-of-range", "error", "指标得分小于 0 或超过本行分值")
def indicator_score_out_of_range(ctx: Context):
    """指标得分小于 0，或超过本行的分值。

    **检查什么。** 绩效指标表每一行的得分在 0 与本行分值之间。

    **为什么重要。** 超过分值的得分会抬高总分和等级，汇总时无法与其他项目比较。

    **如何改正。** 得分不超过本行分值；分值本身有误的，改正分值（全部指标分值合计应为表样规定的数）。

    ---

    An indicator's score is below 0 or above its row's weight (分值).

    **What it checks.** Each row of the indicator list scores between 0 and that row's 分值.

    **Why it matters.** A score above its weight inflates the total and the grade.

    **How to fix.** Score within the row's weight; correct the weight if that is what is wrong.
    """
    tol = ctx.settings.score_tolerance
    for row in indicator_rows(ctx):
        if not (is_number(row.score) and is_number(row.weight)):
            continue
        if row.score < -1e-9 or row.score > row.weight + tol:
            yield finding_at(
                ctx, row, "score",
                f"“{row.name}”得分 {_n(row.score)} 超出 0–{_n(row.weight)} 分（本行分值）",
                f"{row.name!r} scored {_n(row.score)}, outside 0–{_n(row.weight)} (its weight)",
                expected=f"0–{_n(row.weight)}", actual=_n(row.score),
                hint_zh="得分不能超过本行分值。", hint_en="A score cannot exceed its weight.",
            )


@rule("I002", "score-above-result", "error", "定量指标得分高于实际完成值所能得的分数")
def score_above_result(ctx: Context):
    """定量指标的得分高于按实际完成值计算所能得到的最高分。

    **检查什么。** 正向（≥）和等于（=）指标：实际完成值达到年度指标值可得满分，未达到的最多得
    实际完成值 ÷ 年度指标值 × 分值（保留两位小数）；反向（≤）指标：不超过指标值可得满分，超过的
    按表样规定的公式扣分（全国表样：(1 − (完成值 − 指标值) ÷ 指标值) × 分值，两倍指标值及以上为 0）。
    公式和小数位数是表样数据（[scoring]）。

    **为什么重要。** 目标未完成却给满分（或把 8.62 写成 9），是自评流于形式最常见的表现。

    **如何改正。** 按实际完成值重新计分；实际完成值有误的，改正完成值并附佐证。

    ---

    A quantitative indicator scores more than its result allows.

    **What it checks.** Positive (≥) and equal (=) indicators earn full marks at or above the
    target and at most result ÷ target × weight (2 decimals) below it; reverse (≤) indicators
    earn full marks at or below the target and at most the profile's overrun formula above it.

    **Why it matters.** Full marks for a missed target (or 8.62 rounded up to 9) is the commonest
    sign of a self-evaluation done as a formality.

    **How to fix.** Rescore from the result, or correct the result and attach the evidence.
    """
    scoring = ctx.profile.scoring
    tol = ctx.settings.score_tolerance
    for row in indicator_rows(ctx):
        most = allowed_score(row, scoring)
        if most is None or not is_number(row.score) or row.score > row.weight + tol:
            continue  # above the weight: I001
        if row.score > most + tol:
            missed = "超过" if row.nature == REVERSE else "未达到"
            yield finding_at(
                ctx, row, "score",
                f"“{row.name}”实际完成 {show_measure(row.actual)}，{missed}年度指标值 {row.target.text}，"
                f"得分最多 {_n(most)} 分，表中为 {_n(row.score)} 分",
                f"{row.name!r}: result {show_measure(row.actual)} against target {row.target.text} earns at "
                f"most {_n(most)}, the sheet shows {_n(row.score)}",
                expected=f"≤ {_n(most)}", actual=_n(row.score),
                hint_zh="按实际完成值与年度指标值的比例计分。",
                hint_en="Score in proportion to the result against the target.",
            )


@rule("I003", "qualitative-score-band", "error", "定性指标得分不在所述完成程度对应的档次内")
def qualitative_score_band(ctx: Context):
    """定性指标的得分与实际完成值所写的完成程度不符。

    **检查什么。** 定性指标（年度指标值是文字，或指标性质为“定性”）按实际完成值所写的完成程度计分：
    达成得分值的 80%–100%，部分达成 60%–80%，未达成 60% 以下（档次和说法是表样数据）。实际完成值
    与年度指标值相同（如都写“明显改善”）视为达成。

    **为什么重要。** 写“部分达成”却给满分，得分与自述矛盾。

    **如何改正。** 按所写完成程度的档次给分，或如实改写完成程度。

    ---

    A qualitative indicator's score lies outside the band of the completion its result states.

    **What it checks.** 达成 80–100 % of the weight, 部分达成 60–80 %, 未达成 below 60 % (the
    bands and their words are profile data); a result that restates the target counts as 达成.

    **Why it matters.** "Partly achieved" with full marks contradicts itself.

    **How to fix.** Score within the band, or state the completion truthfully.
    """
    scoring = ctx.profile.scoring
    tol = ctx.settings.score_tolerance
    for row in indicator_rows(ctx):
        if row.nature != QUALITATIVE or not (is_number(row.score) and is_number(row.weight)) or row.weight <= 0:
            continue
        band = band_of(row, scoring)
        if band is None or row.score > row.weight + tol:
            continue
        low, high = band.low * row.weight, band.high * row.weight
        if row.score < low - tol or row.score > high + tol:
            span = f"{_n(low)}–{_n(high)}"
            yield finding_at(
                ctx, row, "score",
                f"“{row.name}”自评为“{row.text.get('actual')}”（{band.label}），得分应在分值的 "
                f"{band.low * 100:g}%–{band.high * 100:g}%（{span} 分），表中为 {_n(row.score)} 分",
                f"{row.name!r} states {band.label}: its score should be {band.low * 100:g}–"
                f"{band.high * 100:g}% of the weight ({span}), the sheet shows {_n(row.score)}",
                expected=span, actual=_n(row.score),
                hint_zh=f"{band.label}的指标得分为分值的 {band.low * 100:g}%–{band.high * 100:g}%。",
                hint_en="Score within the band of the stated completion.",
            )


@rule("I004", "word-as-quantitative-result", "error", "定量指标的实际完成值写成“完成”等文字，无法核实")
def word_as_quantitative_result(ctx: Context):
    """定量指标的实际完成值写的是“完成”“已完成”“达标”之类的文字。

    **检查什么。** 年度指标值是数值（≥95%、≤5天、120公里）的指标，实际完成值必须也是数值。

    **为什么重要。** “完成”无法与指标值比较，得分无从核实；公开的自评表里常见“≤30万元”答“完成”却拿满分。

    **如何改正。** 填写实际数值和单位，如 98.5%、4天、126公里。

    ---

    A quantitative indicator's result is a word (完成, 已完成, 达标) instead of a figure.

    **What it checks.** Where the target is a figure, the result must be one too.

    **Why it matters.** "Done" cannot be compared with the target, so the score cannot be checked.

    **How to fix.** Type the figure with its unit, e.g. 98.5%, 4天, 126公里.
    """
    for row in indicator_rows(ctx):
        if row.nature in QUANTITATIVE and row.target.kind == "number" and row.actual.kind == "word":
            yield finding_at(
                ctx, row, "actual",
                f"“{row.name}”的年度指标值 {row.target.text} 是定量指标，实际完成值却填“{row.text['actual']}”，"
                "无法核实得分",
                f"{row.name!r} has the figure {row.target.text} as its target but the word "
                f"{row.text['actual']!r} as its result",
                expected=f"数值，如 {show_measure(row.target)}", actual=row.text["actual"],
                hint_zh="填写实际完成的数值和单位。", hint_en="Type the figure reached, with its unit.",
            )


@rule("I016", "result-written-as-target", "error", "实际完成值照写了指标值（带“≥”“≤”等比较符号），不是实际数值")
def result_written_as_target(ctx: Context):
    """定量指标的实际完成值写成了“≥95%”“不低于120公里”这样带比较符号的指标值写法。

    **检查什么。** 实际完成值带有比较符号或比较词（≥、≤、＞、不低于、不超过、以上、以内……），
    即写的是应达到的标准，而不是实际达到的数值。常见于把年度指标值整列复制到实际完成值。

    **为什么重要。** “≥95%”说不出实际完成了多少，无法与指标值比较，得分也无从核实。

    **如何改正。** 填写实际达到的数值和单位，如 96%、126公里。

    ---

    A quantitative result written as a target, with a comparison (≥95%, 不低于120公里).

    **What it checks.** Results carrying a comparison sign or word (≥, ≤, 不低于, 以上, 以内…): a
    standard to reach, not a figure reached — usually the target column copied over.

    **Why it matters.** "≥95%" does not say what was achieved; the score cannot be checked.

    **How to fix.** Type the figure reached, with its unit: 96%, 126公里.
    """
    for row in indicator_rows(ctx):
        if row.nature in QUANTITATIVE and row.actual.kind == "number" and row.actual.comparison:
            same = normalize(row.text.get("actual", "")) == normalize(row.text.get("target", ""))
            yield finding_at(
                ctx, row, "actual",
                f"“{row.name}”的实际完成值填“{row.text['actual']}”，"
                + ("与年度指标值相同，" if same else "")
                + "是指标值的写法（带比较符号），不是实际完成的数值",
                f"{row.name!r}: the result {row.text['actual']!r} is written as a target (with a comparison)"
                + (", the same as the target" if same else "") + ", not the figure reached",
                expected=f"实际数值，如 {show_measure(row.target) if row.target.kind == 'number' else '96%'}",
                actual=row.text["actual"],
                hint_zh="填写实际达到的数值和单位，不要照抄年度指标值。",
                hint_en="Type the figure reached, with its unit; do not copy the target.",
            )


@rule("I005", "unit-mismatch", "warning", "实际完成值的单位与年度指标值不同")
def unit_mismatch(ctx: Context):
    """实际完成值的计量单位与年度指标值不同（如指标值 ≥120公里，完成值写 118个）。

    **检查什么。** 两者都写了单位时，单位应相同（万元与元等可以换算的视为相同）。

    **为什么重要。** 单位不同就无法比较完成程度，常见于从别的项目复制过来的指标。

    **如何改正。** 用年度指标值的单位填写实际完成值。

    ---

    The result's unit differs from the target's (≥120公里 answered 118个).

    **What it checks.** Where both state a unit, they are the same (万元 and 元 convert).

    **Why it matters.** Different units cannot be compared; often a row copied from elsewhere.

    **How to fix.** Give the result in the target's unit.
    """
    for row in indicator_rows(ctx):
        if row.nature in QUANTITATIVE and row.target.kind == row.actual.kind == "number" \
                and not same_unit(row.target, row.actual):
            yield finding_at(
                ctx, row, "actual",
                f"“{row.name}”的实际完成值单位“{row.actual.unit}”与年度指标值的单位“{row.target.unit}”不同",
                f"{row.name!r}: the result is in {row.actual.unit!r}, the target in {row.target.unit!r}",
                expected=f"单位为 {row.target.unit}", actual=row.text.get("actual", ""),
                hint_zh="用与年度指标值相同的单位填写。", hint_en="Use the target's unit.",
            )


def _weight_cell(ctx: Context, workbooks) -> dict:
    """Each workbook's 总分（分值） cell, where weight totals are reported."""
    block = block_of(ctx)
    name = f"{block.key}_total_weight"
    return {row["workbook"]: row for row in rows_at(ctx, ctx.mask(name=name, workbook=list(workbooks)))}


@rule("I006", "weights-total", "error", "各项绩效指标分值合计不等于表样规定的分数（全国表样为 90 分）")
def weights_total(ctx: Context):
    """各项绩效指标的分值合计不等于表样规定的数（全国表样 90 分，加预算执行率 10 分共 100 分）。

    **检查什么。** 绩效指标表全部指标的分值之和，与表样 [scoring] 的 weights_total 比较。

    **为什么重要。** 分值合计不对，总分就不是百分制，等级失去意义。

    **如何改正。** 调整各项指标分值，使合计为规定的数。

    ---

    The indicators' weights do not add up to the profile's total (90 on the national form, which
    with the execution rate's 10 makes 100).

    **What it checks.** The sum of every indicator row's 分值 against ``weights_total``.

    **Why it matters.** Otherwise the total is not out of 100 and the grade means nothing.

    **How to fix.** Adjust the weights so they add up.
    """
    scoring = ctx.profile.scoring
    if scoring is None or scoring.weights_total is None:
        return
    sums: dict[str, float] = {}
    for row in indicator_rows(ctx):
        sums[row.workbook] = sums.get(row.workbook, 0.0) + (row.weight if is_number(row.weight) else 0.0)
    for wb in ctx.workbooks():
        sums.setdefault(wb, 0.0)
    block = block_of(ctx)
    weight = block.role("weight").key if block is not None and block.role("weight") else None
    # a list whose 分值 column was not found (typed by hand: L001 says so) has no known sum, not 0
    unknown = set(ctx.array("workbook")[ctx.mask(block=block.key, column=weight, status="missing")].tolist()
                  ) if weight else set()
    bad = [wb for wb, total in sums.items()
           if wb not in unknown and abs(total - scoring.weights_total) > ctx.settings.score_tolerance]
    where = _weight_cell(ctx, bad)
    for wb in sorted(bad, key=str):
        if wb not in where:
            continue
        total = sums[wb]
        yield ctx.finding(
            where[wb], f"各项绩效指标分值合计 {_n(total)} 分，应为 {_n(scoring.weights_total)} 分",
            f"the indicators' weights add up to {_n(total)}, not {_n(scoring.weights_total)}",
            expected=f"{_n(scoring.weights_total)} 分", actual=f"{_n(total)} 分",
            hint_zh="调整各项指标分值，使合计符合规定。", hint_en="Adjust the weights.",
        )


@lru_cache(maxsize=4096)
def _plain_label(text: str) -> str:
    """A level label compared without the trailing 指标 (数量 = 数量指标) and spaces."""
    text = normalize(text)
    return text[:-2] if text.endswith("指标") and len(text) > 2 else text


@rule("I007", "level1-weights", "warning", "一级指标的分值合计与规定不符（产出 50、效益 30、满意度 10）")
def level1_weights(ctx: Context):
    """某个一级指标下的分值合计与表样规定不符（全国表样原则上产出指标 50、效益指标 30、满意度指标 10）。

    **检查什么。** 按一级指标（合并单元格向下沿用）汇总分值，与表样 [scoring] 的 level1_weights 比较。

    **为什么重要。** 财预〔2020〕10号规定一级指标权重原则上统一设置；个别项目确需调整的应说明理由。
    一项指标独占全部分值，往往是随意设置指标。

    **如何改正。** 按规定分配一级指标分值，或在说明栏写明调整理由。

    ---

    A 一级指标's weights add up to something else than the profile says (nationally, in principle,
    产出 50, 效益 30, 满意度 10).

    **What it checks.** Weights summed per 一级指标 (merged labels carried down) against
    ``level1_weights``.

    **Why it matters.** The weights are fixed in principle; a deviation needs a reason.

    **How to fix.** Distribute the weights as set, or explain the adjustment.
    """
    scoring = ctx.profile.scoring
    if scoring is None or not scoring.level1_weights:
        return
    wanted = {_plain_label(k): (k, v) for k, v in scoring.level1_weights.items()}
    sums: dict[tuple, float] = {}
    first: dict[tuple, int] = {}
    workbooks = sorted({row.workbook for row in indicator_rows(ctx)}, key=str)
    for row in indicator_rows(ctx):
        key = (row.workbook, _plain_label(row.level1))
        if key[1] in wanted:
            sums[key] = sums.get(key, 0.0) + (row.weight if is_number(row.weight) else 0.0)
            first.setdefault(key, row.level1_at if row.level1_at is not None else row.cells.get("weight"))
    where = _weight_cell(ctx, workbooks)
    for wb in workbooks:
        for plain, (label, weight) in wanted.items():
            total = sums.get((wb, plain), 0.0)
            if abs(total - weight) <= ctx.settings.score_tolerance:
                continue
            at = first.get((wb, plain))
            cell = rows_at(ctx, [at])[0] if at is not None else where.get(wb)
            if cell is None:
                continue
            yield ctx.finding(
                cell, f"{label}的分值合计 {_n(total)} 分，原则上应为 {_n(weight)} 分",
                f"{label} weighs {_n(total)} in all, {_n(weight)} in principle",
                expected=f"{_n(weight)} 分", actual=f"{_n(total)} 分",
                hint_zh="按规定分配一级指标分值；确需调整的，在说明栏写明理由。",
                hint_en="Distribute the weights as set, or explain.", field_name=f"{cell['name']}:{label}",
            )


@rule("I008", "indicator-total-mismatch", "error", "指标分值合计或总分不等于各项之和")
def indicator_total_mismatch(ctx: Context):
    """总分行的分值或得分不等于各项指标之和（加预算执行率的分值、得分）。

    **检查什么。** 总分行的分值 = 各项指标分值之和 + 预算执行率分值；总分 = 各项指标得分之和 +
    预算执行率得分，按表中填写的数重新计算。

    **为什么重要。** 总分决定自评等级，手填的总分掩盖了改动。

    **如何改正。** 保留模板中的求和公式，改正各行得分。

    ---

    The 总分 row's weight or score is not the sum of the rows (plus the execution rate's).

    **What it checks.** Both cells of the 总分 row recomputed from the rows and the funds table.

    **Why it matters.** The total decides the grade; a typed total hides a change.

    **How to fix.** Keep the template's sums; correct the rows.
    """
    at = recomputed_mismatch(ctx, ctx.mask(section="indicators", kind="derived", type="score"))
    yield from mismatch_findings(ctx, at, "应等于各项指标之和加预算执行率部分",
                                 "it must equal the rows' sum plus the execution rate's part")


def _explained(row: Row, placeholders: set[str]) -> bool:
    """Whether the row's 偏差原因分析及改进措施 says something (not blank, not 无 or /)."""
    reason = normalize(row.text.get("reason", "")).strip("。.，,")
    return bool(reason) and reason not in placeholders and row.status.get("reason") == "ok"


@rule("I009", "deviation-unexplained", "warning", "指标扣分却未写偏差原因分析及改进措施")
def deviation_unexplained(ctx: Context):
    """指标得分低于分值，却没有写偏差原因分析及改进措施。

    **检查什么。** 每一行得分低于分值（扣了分）的指标，偏差原因分析及改进措施一栏不是空白，
    也不只是“无”“/”。

    **为什么重要。** 扣分说明目标有偏差，原因和改进措施正是自评要回答的问题。

    **如何改正。** 写明未完成的原因和下一步的改进措施。

    ---

    An indicator lost points but its deviation reason (偏差原因分析及改进措施) is empty.

    **What it checks.** Each row scored below its weight has a reason that is not blank or 无.

    **Why it matters.** The reason and the remedy are what the self-evaluation is for.

    **How to fix.** Write why the target was missed and what will be done.
    """
    tol = ctx.settings.score_tolerance
    marks = {normalize(p) for p in ctx.settings.placeholders}
    for row in indicator_rows(ctx):
        if not (is_number(row.score) and is_number(row.weight)) or row.score >= row.weight - tol:
            continue
        if _explained(row, marks):
            continue
        yield finding_at(
            ctx, row, "reason",
            f"“{row.name}”得 {_n(row.score)} 分（分值 {_n(row.weight)}），未写偏差原因分析及改进措施",
            f"{row.name!r} scored {_n(row.score)} of {_n(row.weight)} with no reason given",
            expected="偏差原因及改进措施", actual=row.text.get("reason") or "（空）",
            hint_zh="写明扣分原因和改进措施。", hint_en="Give the reason and the remedy.",
        )


def _beyond(row: Row, share: float) -> float | None:
    """How far past its target a quantitative result lies, as a share of the target, when it is
    more than ``share`` beyond it in the direction the indicator counts as better; else None."""
    if row.nature not in QUANTITATIVE or row.target.kind != "number" or row.actual.kind != "number":
        return None
    if not same_unit(row.target, row.actual) or not row.target.value or row.target.value < 0:
        return None
    past = (row.actual.value - row.target.value) / row.target.value
    if row.nature == REVERSE:
        past = -past
    return past if past > share + 1e-9 else None


@rule("I015", "result-far-beyond-target", "warning", "实际完成值大幅超过年度指标值，未写偏差原因")
def result_far_beyond_target(ctx: Context):
    """定量指标的实际完成值远超年度指标值（正向超出、反向低于指标值的幅度大于表样规定的比例，
    全国表样为 30%），偏差原因分析及改进措施却是空白。

    **检查什么。** 正向（≥）和等于（=）指标：实际完成值超过年度指标值的部分大于指标值的
    `[scoring] far_beyond`（全国表样、四川表样为 0.3，即 30%）；反向（≤）指标：低于指标值的
    部分大于该比例。单位须相同；得分不论。

    **为什么重要。** 偏离绩效目标较大的，应说明原因。大幅超额完成往往说明年度指标值定得过低
    （“目标保守”），评审时会被追问，下一年度的目标也应据此调整。

    **如何改正。** 在偏差原因分析及改进措施中写明超额的原因（如追加任务、指标值偏保守），
    以及下一年度指标值如何调整；完成值填错的，改正完成值。

    ---

    A quantitative result far beyond its target, with no deviation reason.

    **What it checks.** Positive (≥) and equal (=) indicators whose result exceeds the target by
    more than the profile's `[scoring] far_beyond` share of it (0.3 on the national and Sichuan
    forms); reverse (≤) indicators whose result is that far below it. Same unit only; whatever
    the score.

    **Why it matters.** A large deviation from a performance target must be explained; a target
    beaten by far was usually set too low, which a review asks about and next year's target
    should correct.

    **How to fix.** Give the reason in 偏差原因分析及改进措施 (extra tasks, a cautious target) and
    how next year's target will change, or correct the result.
    """
    scoring = ctx.profile.scoring
    if scoring is None or scoring.far_beyond is None:
        return
    marks = {normalize(p) for p in ctx.settings.placeholders}
    for row in indicator_rows(ctx):
        past = _beyond(row, scoring.far_beyond)
        if past is None:
            continue
        if _explained(row, marks):
            continue
        reverse = row.nature == REVERSE  # a cost or a time limit beaten by far: was it set too loose?
        yield finding_at(
            ctx, row, "reason",
            f"“{row.name}”实际完成 {show_measure(row.actual)}，{'低于' if reverse else '超过'}年度指标值 "
            f"{row.target.text} 达 {past:.0%}，未写偏差原因（年度指标值是否定得{'过宽' if reverse else '过低'}？）",
            f"{row.name!r}: result {show_measure(row.actual)} is {past:.0%} "
            f"{'under' if reverse else 'past'} its target {row.target.text}, with no reason given "
            f"(was the target set too {'loose' if reverse else 'low'}?)",
            expected="偏差原因（超额原因及下年指标值调整）", actual=row.text.get("reason") or "（空）",
            hint_zh="写明大幅超额的原因，以及下一年度指标值如何调整；完成值填错的予以改正。",
            hint_en="Say why the target was beaten by so much and how next year's target changes.",
        )


@rule("I010", "instruction-text-left", "warning", "单元格中留有模板的填写说明文字（如“指标1：”“……”）")
def instruction_text_left(ctx: Context):
    """单元格里只有模板的填写说明或占位文字（“指标1：”“……”“请填写”），没有真正的内容。

    **检查什么。** 表中每个文字单元格，去掉空白后就是表样列出的说明文字（[scoring] instructions），
    或只是这些文字加冒号。“指标1：新建道路里程”这样写了内容的不算。

    **为什么重要。** 留着说明文字的表往往根本没有填写（公开的自评表里有得分全空、说明文字原样保留的）。

    **如何改正。** 删去说明文字，填写实际内容；不适用的行整行留空或删除。

    ---

    A cell holds only the template's instruction text (指标1：, ……, 请填写).

    **What it checks.** Every text cell that, without spaces, is one of the profile's
    ``instructions`` (a prefix followed by real content is fine).

    **Why it matters.** A form with its instructions left in was usually never filled.

    **How to fix.** Replace the instruction with the content, or clear the row.
    """
    scoring = ctx.profile.scoring
    if scoring is None or not scoring.instructions:
        return
    marks = {normalize(t).rstrip(":：") for t in scoring.instructions}
    texts = np.flatnonzero(ctx.mask(type="text", status="ok"))
    values = ctx.array("value")[texts].tolist()
    seen = {v: normalize(str(v)).rstrip(":：") in marks for v in set(values)}
    for row in rows_at(ctx, texts[[seen[v] for v in values]]):
        name = row["name"] if row["item"] < 0 else f"{row['name']}#{row['item'] + 1}"
        yield ctx.finding(
            row, f"{row['label']}只填了模板的说明文字“{row['value']}”",
            f"{row['label']} holds only the template's instruction {row['value']!r}",
            expected="实际内容", actual=str(row["value"]),
            hint_zh="删去说明文字，填写实际内容。", hint_en="Replace it with the content.", field_name=name,
        )


@rule("I011", "indicator-incomplete", "error", "指标行缺少年度指标值、实际完成值、分值或得分")
def indicator_incomplete(ctx: Context):
    """填了的指标行缺少三级指标名称、年度指标值、实际完成值、分值或得分。

    **检查什么。** 每一行写了指标名称或任何数值的指标，五项都要填写（“/”“无”不算填写）。
    只有一级、二级标签的空行不算指标。

    **为什么重要。** 缺了任何一项，得分就无法核实，总分也不完整。

    **如何改正。** 补齐该行；不适用的指标整行删除，并把分值分给其他指标。

    ---

    An indicator row lacks its name, target, result, weight or score.

    **What it checks.** Every row with a name or any figure has all five (`/` and 无 do not count);
    rows holding only the level labels are not indicators.

    **Why it matters.** Without them the score cannot be checked and the total is incomplete.

    **How to fix.** Fill the row, or delete an indicator that does not apply and reweight.
    """
    block = block_of(ctx)
    if block is None:
        return
    labels = {c.role: c.label for c in block.columns}
    for row in indicator_rows(ctx):
        missing = [r for r in ("name", "target", "actual", "weight", "score") if not row.has(r)]
        if not missing:
            continue
        what = "、".join(labels[r] for r in missing)
        yield finding_at(
            ctx, row, missing[0],
            f"“{row.name}”缺少{what}", f"{row.name!r} lacks {', '.join(missing)}",
            expected=what, actual="（空）",
            hint_zh="补齐该行；不适用的指标整行删除。", hint_en="Fill the row or delete it.",
        )


@rule("I012", "level-label-unknown", "warning", "一级、二级指标名称不在表样规定之列")
def level_label_unknown(ctx: Context):
    """一级或二级指标的名称不是表样规定的（如把“数量指标”写在效益指标下）。

    **检查什么。** 一级指标是表样所列之一（全国表样：产出指标、效益指标、满意度指标），二级指标属于
    它的一级指标（数量、质量、时效、成本；经济效益、社会效益、生态效益、可持续影响；服务对象满意度）。
    “数量”与“数量指标”视为相同；合并单元格的标签向下沿用。

    **为什么重要。** 一级指标的分值按名称汇总；名称不对，汇总和比较就不对。

    **如何改正。** 使用表样规定的一级、二级指标名称，放在对应的位置。

    ---

    A 一级 or 二级 label is not one the profile lists (数量指标 under 效益指标, say).

    **What it checks.** 一级 labels among the profile's, 二级 labels under their own 一级
    (with or without the trailing 指标; merged labels carried down).

    **Why it matters.** Weights are summed by these labels.

    **How to fix.** Use the form's labels in their places.
    """
    scoring = ctx.profile.scoring
    if scoring is None or not scoring.levels:
        return
    levels = {_plain_label(k): {_plain_label(x) for x in v} for k, v in scoring.levels.items()}
    named = {_plain_label(k): k for k in scoring.levels}
    reported: set[int] = set()
    for row in indicator_rows(ctx):
        level1 = _plain_label(row.level1)
        if row.level1 and level1 not in levels and row.level1_at is not None and row.level1_at not in reported:
            reported.add(row.level1_at)
            yield _at_label(ctx, row.level1_at, row.level1, "一级指标", "、".join(scoring.levels))
        elif level1 in levels and row.level2 and _plain_label(row.level2) not in levels[level1] \
                and row.level2_at is not None and row.level2_at not in reported:
            reported.add(row.level2_at)
            yield _at_label(ctx, row.level2_at, row.level2, f"{named[level1]}下的二级指标",
                            "、".join(scoring.levels[named[level1]]))


def _at_label(ctx: Context, at: int, label: str, what: str, expected: str):
    cell = rows_at(ctx, [at])[0]
    return ctx.finding(cell, f"“{label}”不是表样规定的{what}", f"{label!r} is not a listed {what}",
                       expected=expected, actual=label, hint_zh="使用表样规定的指标名称。",
                       hint_en="Use the form's labels.", field_name=f"{cell['name']}:{label}")


@rule("I013", "cost-indicator-positive", "warning", "成本指标用了“≥”（正向），应为“≤”")
def cost_indicator_positive(ctx: Context):
    """成本指标的年度指标值写成“≥”（越多越好）。

    **检查什么。** 二级指标为成本指标（表样 [scoring] cost_level2）的行，年度指标值或指标性质是正向（≥）。

    **为什么重要。** 成本越低越好，“≥”会让超支也得满分；这是公开自评表里常见的错误。

    **如何改正。** 成本指标写成“≤”，如 ≤80万元/公里。

    ---

    A cost indicator's target says "≥" (more is better).

    **What it checks.** Rows under a cost 二级 (``cost_level2``) whose stated nature is positive.

    **Why it matters.** Costs are meant to stay under a ceiling; "≥" gives overspending full marks.

    **How to fix.** Write the cost target with ≤.
    """
    scoring = ctx.profile.scoring
    if scoring is None or not scoring.cost_level2:
        return
    costs = {_plain_label(x) for x in scoring.cost_level2}
    for row in indicator_rows(ctx):
        stated = row.target.comparison == POSITIVE or (row.has("nature") and row.nature == POSITIVE)
        if _plain_label(row.level2) in costs and stated:
            where = "nature" if row.has("nature") else "target"
            yield finding_at(
                ctx, row, where, f"成本指标“{row.name}”用了正向（≥）的年度指标值 {row.text.get(where)}",
                f"the cost indicator {row.name!r} has the positive target {row.text.get(where)}",
                expected="≤ …", actual=row.text.get(where, ""),
                hint_zh="成本指标应写“≤”。", hint_en="Write cost targets with ≤.",
            )


@rule("I014", "satisfaction-hearsay", "warning", "满意度以“无投诉”代替调查")
def satisfaction_hearsay(ctx: Context):
    """满意度指标的实际完成值或说明以“无投诉”“未收到投诉”代替满意度调查。

    **检查什么。** 一级指标为满意度指标的行，实际完成值或偏差原因中出现“无投诉”一类说法。

    **为什么重要。** 没有投诉不等于满意；满意度应有问卷或回访的结果。

    **如何改正。** 开展满意度调查，填写调查得到的满意度。

    ---

    Satisfaction claimed because there were no complaints.

    **What it checks.** Rows under a satisfaction 一级 whose result or reason says 无投诉 or the like.

    **Why it matters.** No complaints is not satisfaction; it needs a survey.

    **How to fix.** Survey the beneficiaries and report the result.
    """
    scoring = ctx.profile.scoring
    if scoring is None or not scoring.hearsay:
        return
    levels = {_plain_label(x) for x in scoring.satisfaction_level1}
    words = [normalize(w) for w in scoring.hearsay]
    for row in indicator_rows(ctx):
        if _plain_label(row.level1) not in levels:
            continue
        for role in ("actual", "reason"):
            text = normalize(row.text.get(role, ""))
            said = next((w for w in words if w in text), None)
            if said:
                yield finding_at(
                    ctx, row, role, f"“{row.name}”以“{said}”说明满意度，没有调查结果",
                    f"{row.name!r} rests satisfaction on {said!r}, not on a survey",
                    expected="满意度调查结果，如 95%", actual=row.text.get(role, ""),
                    hint_zh="开展满意度调查并填写结果。", hint_en="Report a survey's result.",
                )
                break
