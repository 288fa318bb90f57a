"""The sample county on the national table (cz-2020) and a few workbooks on the Sichuan variant (sc-2025).

``python3 samples/generate.py`` calls :func:`generate_national` and :func:`generate_sichuan`, which
write, under ``samples/``:

* ``national/<部门>/<项目名称>.xlsx`` — the fiscal-year 2023 self-evaluations of the fictional
  示例县 on the national 项目支出绩效自评表: amounts in 万元, each project's own list of indicators
  (产出 50, 效益 30, 满意度 10), clean workbooks (some typed the messy ways staff type: labels on
  every row instead of merged, ``≥９５％``, a rate as ``0.96``, ``不低于``, an amount with 元 in a
  万元 cell, extra indicator rows) and workbooks with the mistakes seen in published national-form
  reports (FORMS.md §3a), one project submitted twice;
* ``national/MANIFEST.json`` — every file, clean or not, with its deliberate mistakes as
  ``{code, field, severity, expected}``;
* ``sichuan/…`` and ``sichuan/MANIFEST.json`` — the same for a few workbooks of 示范县, a
  Sichuan county, on the 四川 variant.

Everything is drawn from :class:`random.Random` seeded by text, and the writer fixes the document
dates, so two runs give the same bytes.  ``generate_national(out, n, seed)`` makes the county at any
size (the benchmarks use it).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from generate import COUNTY, DECIMAL_UNITS, DEPARTMENTS, _clear_previous, _qty, _qty_text  # noqa: E402

try:
    from perfxl.form.profile import load_profile
    from perfxl.form.template import Fill, write_workbook
    from perfxl.numbers import money_parser
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(HERE.parent))
    from perfxl.form.profile import load_profile
    from perfxl.form.template import Fill, write_workbook
    from perfxl.numbers import money_parser

NATIONAL, SICHUAN = "cz-2020", "sc-2025"
YEAR = 2023  # the national-form workbooks: the sample county's same fiscal year as its Guangdong ones
SC_YEAR = 2025  # the Sichuan county's
# The national table covers the county's projects funded by transfers from above: the same
# departments as its Guangdong-form workbooks, projects of their own (so none is a copy of one).
NATIONAL_SUFFIX = "（中央补助资金）"
FULLWIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")

QUALITY = {"工程": ("工程验收合格率", "=100%"), "补助": ("补助资金发放准确率", "=100%"),
           "服务": ("服务考核合格率", "≥95%"), "设备": ("设备验收合格率", "=100%")}
SOCIAL = {"工程": ("群众生产生活条件", "明显改善"), "补助": ("受益群众基本生活保障水平", "有效提升"),
          "服务": ("公共服务水平", "有效提升"), "设备": ("工作效率和服务能力", "明显提升")}
SUSTAIN = {"工程": ("工程长效管护机制", "长效运行"), "补助": ("补助政策持续实施", "持续发挥效益"),
           "服务": ("服务长效机制", "长效运行"), "设备": ("设备运行维护机制", "持续发挥效益")}
SHORT_REASONS = [
    "受天气和征地影响，部分任务推迟到下年实施，已制定进度计划。",
    "部分对象因条件变化未纳入，下年按实际需求调整目标。",
    "招标时间较长导致实施滞后，已督促加快进度。",
    "年中任务调整，未完成部分已结转下年继续实施。",
]
SOFT_REASONS = [
    "效益尚在逐步显现，下年继续跟踪评估。",
    "部分村组效果不够明显，下年加强宣传和管护。",
    "长效机制运行时间较短，需进一步完善。",
]
SAT_REASONS = ["个别服务对象对进度不满意，已加强沟通并改进服务。"]


@dataclass
class Sample:
    """One workbook: what goes into it and what its manifest entry says."""

    department: str
    project: str
    file: str
    values: dict[str, object]
    items: dict[str, list[dict[str, object]]]
    typed_over: dict[str, object] = field(default_factory=dict)
    mistakes: list[dict[str, object]] = field(default_factory=list)
    messy: list[str] = field(default_factory=list)
    merge: bool = True
    duplicate_of: str | None = None

    def fill(self) -> Fill:
        return Fill(values=self.values, items=self.items, typed_over=self.typed_over, merge=self.merge)

    def entry(self) -> dict[str, object]:
        return {"file": self.file, "department": self.department, "project": self.project,
                "clean": not self.mistakes, "mistakes": self.mistakes, "messy": self.messy,
                "duplicate_of": self.duplicate_of}

    @property
    def rows(self) -> list[dict[str, object]]:
        return self.items["indicators"]


def _mistake(code: str, name: str, severity: str, expected: object = None) -> dict[str, object]:
    if isinstance(expected, float) and expected.is_integer():
        expected = int(expected)
    return {"code": code, "field": name, "severity": severity, "expected": expected}


def _wan(rng: random.Random, lo: float, hi: float) -> float:
    """An amount in 万元 to the hundred yuan (2 decimals), spread evenly on a log scale."""
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))), 2)


def _floor2(x: float) -> float:
    return math.floor(x * 100 + 1e-9) / 100


def _pct(x: float) -> str:
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


# ---------------------------------------------------------------------------------------- funds


def _funds(rng: random.Random, *, rate: tuple[float, float] = (0.88, 1.0)) -> dict[str, float]:
    """The funds table in 万元: this year's appropriation, last year's carry-over, other funds."""
    annual = _wan(rng, 30, 3000)
    carry = round(annual * rng.uniform(0.05, 0.3), 2) if rng.random() < 0.4 else 0.0
    other = round(annual * rng.uniform(0.02, 0.1), 2) if rng.random() < 0.15 else 0.0
    current = round(annual - carry - other, 2)
    out = {}
    for key, amount in (("current", current), ("carryover", carry), ("other", other)):
        if not amount:
            continue
        initial = amount if rng.random() < 0.7 else round(amount * rng.uniform(0.95, 1.05), 2)
        ratio = 1.0 if rng.random() < 0.25 else rng.uniform(*rate)
        out[f"funds_{key}_initial"] = initial
        out[f"funds_{key}_annual"] = amount
        out[f"funds_{key}_executed"] = round(amount * ratio, 2)
    return out


def _total(values: dict, stage: str) -> Decimal:
    """A column of the funds table in 万元, amounts typed as text read as perfxl reads them."""
    total = Decimal(0)
    for key, value in values.items():
        if key.startswith("funds_") and key.endswith(stage):
            if isinstance(value, str):
                value = money_parser("万元")(value).value
                value = None if value is None else value / 10_000
            total += Decimal(repr(value)) if value is not None else Decimal(0)
    return total


def _execution(values: dict) -> tuple[float, float]:
    """执行率 and its score (capped at 10), as the form computes them."""
    annual, executed = _total(values, "_annual"), _total(values, "_executed")
    rate = float(executed / annual) if annual else 0.0
    return rate, min(rate * 10, 10.0)


# ----------------------------------------------------------------------------------- indicators


def _indicators(rng: random.Random, kind: str, what: str, unit: str, qty, values: dict,
                *, short: bool | None = None) -> list[dict[str, object]]:
    """The unit's own list: 产出 50 (数量 20, 质量 10, 时效 10, 成本 10), 效益 30, 满意度 10."""
    rows = []
    short = rng.random() < 0.3 if short is None else short
    target = f"≥{_qty_text(qty)}{unit}"
    if short:
        done = qty * rng.uniform(0.82, 0.97)
        done = round(done, 1) if unit in DECIMAL_UNITS else max(1, int(done))
        score = _floor2(done / qty * 20)
        rows.append(_row("产出指标", "数量指标", what, target, f"{_qty_text(done)}{unit}", 20, score,
                         rng.choice(SHORT_REASONS), _qty=qty, _done=done, _unit=unit))
    else:
        # a little over, never so far over that the 偏差原因 would be owed (I015: 30 %)
        more = round(qty * 1.05, 1) if unit in DECIMAL_UNITS else qty + min(rng.randint(1, 5), max(1, int(qty * 0.2)))
        done = qty if rng.random() < 0.7 else more
        rows.append(_row("产出指标", "数量指标", what, target, f"{_qty_text(done)}{unit}", 20, 20,
                         _qty=qty, _done=done, _unit=unit))
    name, quality = QUALITY[kind]
    rows.append(_row("产出指标", "质量指标", name, quality, "100%" if "=" in quality else f"{rng.randint(96, 100)}%",
                     10, 10))
    if rng.random() < 0.5:
        rows.append(_row("产出指标", "时效指标", "按期完成率", "≥95%", f"{rng.randint(95, 100)}%", 10, 10))
    elif rng.random() < 0.75:
        rows.append(_row("产出指标", "时效指标", "年度任务完成时间", f"{YEAR}年12月底前", "按期完成", 10, 10))
    else:
        rows.append(_row("产出指标", "时效指标", "年度任务完成时间", f"{YEAR}年12月底前", "基本完成",
                         10, rng.choice([7, 7.5, 8]), rng.choice(SHORT_REASONS)))
    budget = float(_total(values, "_annual"))
    spent = float(_total(values, "_executed"))
    rows.append(_row("产出指标", "成本指标", "项目支出控制在预算内", f"≤{budget:g}万元", f"{spent:g}万元", 10, 10))
    name, goal = SOCIAL[kind]
    if rng.random() < 0.8:
        score = rng.choice([15, 15, 14, 13.5])
        rows.append(_row("效益指标", "社会效益指标", name, goal, "达成", 15, score,
                         "" if score == 15 else rng.choice(SOFT_REASONS)))
    else:
        rows.append(_row("效益指标", "社会效益指标", name, goal, "基本达成", 15, rng.choice([10, 11, 12]),
                         rng.choice(SOFT_REASONS)))
    name, goal = SUSTAIN[kind]
    score = rng.choice([15, 15, 14, 13])
    rows.append(_row("效益指标", "可持续影响指标", name, goal, "达成", 15, score,
                     "" if score == 15 else rng.choice(SOFT_REASONS)))
    sat = rng.randint(90, 98) if rng.random() < 0.85 else rng.randint(84, 89)
    score = 10 if sat >= 90 else _floor2(sat / 90 * 10)
    rows.append(_row("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", f"{sat}%", 10, score,
                     "" if sat >= 90 else SAT_REASONS[0]))
    return rows


def _row(level1, level2, name, target, actual, weight, score, reason="", **facts) -> dict[str, object]:
    """One indicator row; ``facts`` (``_qty``…) travel with it for the mistakes, never written."""
    row = {"level1": level1, "level2": level2, "name": name, "target": target, "actual": actual,
           "weight": weight, "score": score, **facts}
    if reason:
        row["reason"] = reason
    return row


# ------------------------------------------------------------------------------------ a workbook


def _base(rng: random.Random, dept: tuple, spec: tuple, project: str, *, short: bool | None = None,
          rate: tuple[float, float] = (0.88, 1.0)) -> Sample:
    department = dept[0]
    _, kind, what, unit, lo, hi = spec
    qty = _qty(rng, lo, hi, unit)
    values: dict[str, object] = {
        "fund_year": YEAR, "fill_date": dt.date(YEAR + 1, 1, 12) + dt.timedelta(days=rng.randint(0, 90)),
        "project_name": project, "department": department,
        "implementer": department if rng.random() < 0.5 else department.replace("局", "局机关"),
        **_funds(rng, rate=rate),
    }
    goals = [{"expected": f"{what}{_qty_text(qty)}{unit}，{QUALITY[kind][0]}{QUALITY[kind][1].lstrip('=≥')}，"
                          f"{SOCIAL[kind][0]}{SOCIAL[kind][1]}，服务对象满意度不低于90%。",
              "achieved": ""}]
    rows = _indicators(rng, kind, what, unit, qty, values, short=short)
    goals[0]["achieved"] = f"完成{what}{rows[0]['actual']}，{rows[1]['name']}{rows[1]['actual']}，" \
                           f"服务对象满意度{rows[-1]['actual']}。"
    return Sample(department, project, f"{department}/{project}.xlsx", values,
                  {"goals": goals, "indicators": rows})


def _field(s: Sample, n: int, slot: str) -> str:
    """The field a finding about indicator row ``n`` (0-based) is keyed by."""
    return f"indicators_{slot}:{s.rows[n]['name']}"


# The deliberate mistakes, after FORMS.md §3a (published national-form reports) and issue 16.
def _exec_score_rounded_up(s: Sample, rng) -> None:
    _, score = _execution(s.values)
    while score >= 9.5 or score.is_integer():  # a score that rounds up: 8.62 shown as 9
        s.values["funds_current_executed"] = round(float(s.values["funds_current_executed"]) * 0.97, 2)
        _, score = _execution(s.values)
    s.typed_over["funds_total_score"] = math.ceil(score)
    s.rows[3]["actual"] = f"{float(_total(s.values, '_executed')):g}万元"
    s.mistakes += [_mistake("V001", "funds_total_score", "error", round(score, 2)),
                   _mistake("F001", "funds_total_score", "error", round(score, 2))]


def _total_row_zero(s: Sample, rng) -> None:
    s.typed_over["funds_total_annual"] = 0
    annual = float(_total(s.values, "_annual"))
    s.mistakes += [_mistake("V001", "funds_total_annual", "error", f"{annual:,.2f} 万元"),
                   _mistake("F001", "funds_total_annual", "error", f"{annual:,.2f} 万元")]


def _budget_cut(s: Sample, rng) -> None:
    for key in [k for k in s.values if k.endswith("_executed")]:
        s.values[key] = s.values[key.replace("_executed", "_annual")]
    for key in [k for k in s.values if k.endswith("_initial")]:
        s.values[key] = round(float(s.values[key.replace("_initial", "_annual")]) * rng.uniform(1.2, 1.4), 2)
    s.rows[3]["actual"] = s.rows[3]["target"].lstrip("≤")  # spent all of the cut budget
    s.mistakes.append(_mistake("P016", "funds_total_annual", "warning", "说明预算调减的依据"))


def _goal_number(s: Sample, rng) -> None:
    s.items["goals"][0]["expected"] = s.rows[0]["target"].lstrip("≥")
    s.mistakes.append(_mistake("T010", "goals_expected", "warning", "目标的文字说明"))


def _one_word_carries_all(s: Sample, rng) -> None:
    budget = float(_total(s.values, "_annual"))
    s.items["indicators"] = [_row("产出指标", "成本指标", "项目成本控制", f"≤{budget:g}万元", "完成", 90, 90)]
    s.mistakes += [_mistake("I004", "indicators_actual:项目成本控制", "error", f"数值，如 {budget:g}万元"),
                   _mistake("I007", "indicators_level1:产出指标", "warning", "50 分"),
                   _mistake("I007", "indicators_total_weight:效益指标", "warning", "30 分"),
                   _mistake("I007", "indicators_total_weight:满意度指标", "warning", "10 分")]


def _instruction_left(s: Sample, rng) -> None:
    s.rows.insert(2, {"level1": "产出指标", "level2": "数量指标", "name": "指标2："})
    s.mistakes += [_mistake("I010", "indicators_name#3", "warning", "实际内容"),
                   _mistake("I011", "indicators_target:指标2：", "error", "年度指标值、实际完成值、分值、得分")]


def _reason_placeholder(s: Sample, rng) -> None:
    row = s.rows[-1]
    row["actual"], row["score"], row["reason"] = "86%", _floor2(86 / 90 * 10), "无"
    s.mistakes.append(_mistake("I009", _field(s, len(s.rows) - 1, "reason"), "warning", "偏差原因及改进措施"))


def _cost_positive(s: Sample, rng) -> None:
    s.rows[3]["target"] = "≥" + s.rows[3]["target"].lstrip("≤")  # and so spending less loses points
    s.mistakes.append(_mistake("I013", _field(s, 3, "target"), "warning", "≤ …"))
    budget, spent = _total(s.values, "_annual"), _total(s.values, "_executed")
    if spent < budget:
        most = round(float(spent / budget) * 10, 2)
        s.mistakes.append(_mistake("I002", _field(s, 3, "score"), "error", f"≤ {round(most, 4):g}"))


def _no_complaints(s: Sample, rng) -> None:
    s.rows[-1].update(actual="无投诉", score=10)
    s.rows[-1].pop("reason", None)
    s.mistakes += [_mistake("I014", _field(s, len(s.rows) - 1, "actual"), "warning", "满意度调查结果，如 95%"),
                   _mistake("I004", _field(s, len(s.rows) - 1, "actual"), "error", "数值，如 90%")]


def _self_scored_100(s: Sample, rng) -> None:
    for key in [k for k in s.values if k.endswith("_executed")]:
        s.values[key] = s.values[key.replace("_executed", "_annual")]
    for key in [k for k in s.values if k.endswith("_initial")]:
        s.values[key] = s.values[key.replace("_initial", "_annual")]
    for row in s.rows:
        row["score"] = row["weight"]
        row.pop("reason", None)
    s.rows[0]["actual"] = f"{_qty_text(s.rows[0]['_qty'])}{s.rows[0]['_unit']}"
    s.rows[3]["actual"] = s.rows[3]["target"].lstrip("≤")
    for row in s.rows:
        if row["actual"] in ("基本达成", "基本完成"):
            row["actual"] = "达成"
        if row["name"] == "服务对象满意度":
            row["actual"] = "95%"
    s.mistakes.append(_mistake("P004", "score_total", "warning", "< 100 或附佐证材料"))


def _score_over_weight(s: Sample, rng) -> None:
    s.rows[1]["score"] = 12
    s.mistakes.append(_mistake("I001", _field(s, 1, "score"), "error", "0–10"))


def _full_marks_short(s: Sample, rng) -> None:
    row = s.rows[0]
    row["score"] = row["weight"]
    row.pop("reason", None)
    most = round(row["_done"] / row["_qty"] * 20, 2)
    s.mistakes.append(_mistake("I002", _field(s, 0, "score"), "error", f"≤ {round(most, 4):g}"))


def _unit_mismatch(s: Sample, rng) -> None:
    row = s.rows[0]
    wrong = "项" if row["_unit"] != "项" else "个"
    row["actual"] = f"{_qty_text(row['_done'])}{wrong}"
    s.mistakes.append(_mistake("I005", _field(s, 0, "actual"), "warning", f"单位为 {row['_unit']}"))


def _band_mismatch(s: Sample, rng) -> None:
    row = s.rows[-2]
    row.update(actual="部分达成", score=15)
    row.pop("reason", None)
    s.mistakes.append(_mistake("I003", _field(s, len(s.rows) - 2, "score"), "error", "9–12"))


def _weights_85(s: Sample, rng) -> None:
    row = s.rows[1]
    row["weight"], row["score"] = 5, 5
    s.mistakes += [_mistake("I006", "indicators_total_weight", "error", "90 分"),
                   _mistake("I007", "indicators_level1:产出指标", "warning", "50 分")]


def _total_typed(s: Sample, rng) -> None:
    s.typed_over["score_total"] = 100
    s.mistakes += [_mistake("V001", "score_total", "error"), _mistake("I008", "score_total", "error")]


def _wrong_level2(s: Sample, rng) -> None:
    s.rows[-2]["level2"] = "质量指标"
    s.mistakes.append(_mistake("I012", "indicators_level2:质量指标", "warning",
                               "经济效益指标、社会效益指标、生态效益指标、可持续影响指标"))


def _reason_missing(s: Sample, rng) -> None:
    row = s.rows[2]
    row["score"] = row["weight"] - 2
    row["actual"] = "基本完成" if row["actual"] in ("按期完成", "基本完成") else row["actual"]
    if row["actual"] == "基本完成":
        row["score"] = 7.5
    row.pop("reason", None)
    s.mistakes.append(_mistake("I009", _field(s, 2, "reason"), "warning", "偏差原因及改进措施"))


# What a text in a funds cell does to the form's own formulas: 年度资金总额 = 本年 + 结转 + 其他
# gives #VALUE!, and so do the 执行率 over it, its score, the 总分 (+N(得分)) and the grade.
VALUE_ERRORS = {"_annual": ["funds_total_annual", "funds_total_rate", "funds_total_score", "score_total", "grade"],
                "_executed": ["funds_total_executed", "funds_total_rate", "funds_total_score", "score_total",
                              "grade"]}


def _unparseable(s: Sample, rng) -> None:
    amount = float(s.values["funds_current_annual"])
    s.values["funds_current_annual"] = f"约{round(amount)}万"
    s.mistakes.append(_mistake("V002", "funds_current_annual", "error", f"{round(amount):,}.00 万元"))
    s.mistakes += [_mistake("V003", name, "error") for name in VALUE_ERRORS["_annual"]]


def _amount_as_text(s: Sample, rng) -> None:
    """The 本年 column's 全年执行数 typed in 元 with its unit, as text: perfxl reads the amount,
    the form's formulas do not."""
    key = "funds_current_executed"
    amount = float(s.values[key])
    s.values[key] = f"{Decimal(repr(amount)) * 10000:,.0f}元"
    s.mistakes.append(_mistake("V004", key, "error", f"{amount:,.2f} 万元"))
    s.mistakes += [_mistake("V003", name, "error") for name in VALUE_ERRORS["_executed"]]


def _grade_typed(s: Sample, rng) -> None:
    s.typed_over["grade"] = "优"
    s.rows[0].update(score=10, reason="任务调整，部分道路改由其他项目实施。")
    s.rows[4].update(actual="基本达成", score=9, reason="效益尚未充分显现。")
    s.mistakes += [_mistake("V001", "grade", "error"), _mistake("S003", "grade", "error")]


MISTAKES = {
    "exec_score_rounded_up": _exec_score_rounded_up, "total_row_zero": _total_row_zero,
    "budget_cut_to_full": _budget_cut, "goal_bare_number": _goal_number,
    "one_word_carries_all": _one_word_carries_all, "instruction_left": _instruction_left,
    "reason_placeholder": _reason_placeholder, "cost_positive": _cost_positive,
    "no_complaints": _no_complaints, "self_scored_100": _self_scored_100,
    "score_over_weight": _score_over_weight, "full_marks_short": _full_marks_short,
    "band_mismatch": _band_mismatch, "unit_mismatch": _unit_mismatch, "weights_85": _weights_85,
    "total_typed": _total_typed, "wrong_level2": _wrong_level2, "reason_missing": _reason_missing,
    "unparseable_amount": _unparseable, "grade_typed": _grade_typed, "amount_as_text": _amount_as_text,
}
# What each mistake needs of the project it spoils.
NEEDS_SHORT = {"full_marks_short", "unit_mismatch"}


# ---------------------------------------------------------------------------- messy but clean


def _messy_unmerged(s: Sample, rng) -> None:
    s.merge = False  # 一级/二级 typed on every row


def _messy_fullwidth(s: Sample, rng) -> None:
    s.rows[1]["target"] = s.rows[1]["target"].translate(FULLWIDTH)


def _messy_fraction(s: Sample, rng) -> None:
    row = s.rows[-1]
    row["actual"] = f"{int(str(row['actual']).rstrip('%')) / 100:.2f}"


def _messy_spelt(s: Sample, rng) -> None:
    s.rows[-1]["target"] = "不低于90%"


def _messy_more_rows(s: Sample, rng) -> None:
    first = s.rows[0]
    half = first["weight"] // 2
    extra = dict(first, name=f"{first['name']}（续建部分）", weight=first["weight"] - half,
                 score=round(float(first["score"]) * (first["weight"] - half) / first["weight"], 2))
    first["weight"], first["score"] = half, round(float(first["score"]) * half / 20, 2)
    first["score"] = _floor2(float(first["score"]))
    extra["score"] = _floor2(float(extra["score"]))
    s.rows.insert(1, extra)


MESSY = {"labels_on_every_row": _messy_unmerged, "fullwidth_target": _messy_fullwidth,
         "rate_as_fraction": _messy_fraction, "spelt_out_comparison": _messy_spelt,
         "more_indicator_rows": _messy_more_rows}


def _not_perfect(s: Sample) -> None:
    """A clean sample is not the 'self-scored 100' mistake: one point off where it is least odd."""
    _, score = _execution(s.values)
    if score >= 10 and all(r.get("score") == r.get("weight") for r in s.rows):
        row = next((r for r in s.rows if r["level2"] == "可持续影响指标"), s.rows[-1])
        row.update(score=row["weight"] - 1, reason=SOFT_REASONS[2])


def _projects(rng: random.Random, n: int) -> list[tuple[tuple, tuple, str]]:
    """``n`` projects over at least eight departments, round robin, names distinct."""
    depts = DEPARTMENTS[:10]
    out = []
    for i in range(n):
        dept = depts[i % len(depts)]
        specs = dept[6]
        spec = specs[(i // len(depts)) % len(specs)]
        name = spec[0] if i < len(depts) * len(specs) else f"{spec[0]}（第{i // (len(depts) * len(specs)) + 1}批）"
        name += NATIONAL_SUFFIX
        out.append((dept, spec, name))
    return out


def plan_national(n_workbooks: int = 36, seed: int = 2025) -> list[Sample]:
    rng = random.Random(f"national/{seed}")
    n_orig = n_workbooks - (1 if n_workbooks >= 8 else 0)
    planned = _projects(rng, n_orig)
    kinds = list(MISTAKES)
    n_mistakes = min(n_orig, round(n_orig * len(kinds) / 35))
    mistaken = rng.sample(range(n_orig), n_mistakes)
    mistakes = {i: kinds[j % len(kinds)] for j, i in enumerate(mistaken)}
    clean = [i for i in range(n_orig) if i not in mistakes]
    messy_kinds = list(MESSY)
    messy = {i: messy_kinds[j % len(messy_kinds)] for j, i in enumerate(clean[: min(len(clean), len(messy_kinds) * 2)])}
    samples = []
    for i, (dept, spec, name) in enumerate(planned):
        sample_rng = random.Random(f"national/{seed}/{i}")
        kind = mistakes.get(i)
        sample = _base(sample_rng, dept, spec, name, short=True if kind in NEEDS_SHORT else None)
        if kind:
            MISTAKES[kind](sample, sample_rng)
        if not kind and i in messy:
            MESSY[messy[i]](sample, sample_rng)
            sample.messy.append(messy[i])
        if kind != "self_scored_100":
            _not_perfect(sample)
        samples.append(sample)
    if n_orig < n_workbooks:  # the same project sent again, corrected, a week later
        orig = next(s for i, s in enumerate(samples) if i in clean and not s.messy)
        copy = Sample(orig.department, orig.project, f"{orig.department}/{orig.project}（修改稿）.xlsx",
                      dict(orig.values), {k: [dict(r) for r in v] for k, v in orig.items.items()},
                      duplicate_of=orig.file)
        copy.values["fill_date"] = orig.values["fill_date"] + dt.timedelta(days=7)
        samples.append(copy)
    return samples


def _write(out: Path, pid: str, samples: list[Sample], seed: int) -> list[Path]:
    year = SC_YEAR if pid == SICHUAN else YEAR
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    profile = load_profile(pid)
    samples = sorted(samples, key=lambda s: s.file)
    paths = []
    for s in samples:
        path = out / s.file
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_workbook(profile, path, year=year, fill=s.fill()))
    county = SC_COUNTY if pid == SICHUAN else COUNTY
    manifest = {"profile": pid, "county": county, "year": year, "seed": seed, "n_workbooks": len(samples),
                "files": [s.entry() for s in samples],
                "duplicates": [[s.duplicate_of, s.file] for s in samples if s.duplicate_of]}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return paths


def generate_national(out_dir: str | Path, n_workbooks: int = 36, seed: int = 2025) -> list[Path]:
    """Write the national-table county and its MANIFEST.json into ``out_dir``; return the paths."""
    return _write(Path(out_dir), NATIONAL, plan_national(n_workbooks, seed), seed)


# -------------------------------------------------------------------------------------- Sichuan

SC_ROWS = [
    # 一级, 二级, 三级, 指标性质, 指标值, 度量单位, 实际完成值, 权重, 得分, 偏差原因
    ("产出指标", "数量指标", None, "≥", None, None, None, 25, None, ""),
    ("产出指标", "质量指标", None, "=", "100", "%", "100", 10, 10, ""),
    ("产出指标", "时效指标", "年度任务完成时间", "定性", "12月底前", "", "按期完成", 5, 5, ""),
    ("产出指标", "成本指标", "项目支出控制在预算内", "≤", None, "万元", None, 10, 10, ""),
    ("效益指标", "社会效益指标", None, "定性", None, "", "达成", 20, 19, "效益仍在逐步显现。"),
    ("效益指标", "可持续影响指标", None, "定性", None, "", "达成", 10, 10, ""),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", "90", "%", "93", 10, 10, ""),
]
SC_KEYS = ("level1", "level2", "name", "nature", "target", "unit", "actual", "weight", "score", "reason")


SC_COUNTY = "示范县"  # a Sichuan county of its own: its projects are not the national county's


def _sichuan(rng: random.Random, dept: tuple, spec: tuple, project: str) -> Sample:
    department = dept[0].replace(COUNTY, SC_COUNTY)
    _, kind, what, unit, lo, hi = spec
    qty = _qty(rng, lo, hi, unit)
    adjusted = _wan(rng, 50, 1500)
    initial = adjusted if rng.random() < 0.5 else round(adjusted * rng.uniform(1.02, 1.1), 2)
    executed = round(adjusted * rng.uniform(0.92, 1.0), 2)
    rows = []
    for r in SC_ROWS:
        row = dict(zip(SC_KEYS, r, strict=True))
        if row["level2"] == "数量指标":
            row.update(name=what, target=_qty_text(qty), unit=unit, actual=_qty_text(qty), score=25)
        elif row["level2"] == "质量指标":
            row["name"] = QUALITY[kind][0]
        elif row["level2"] == "成本指标":
            row.update(target=f"{adjusted:g}", actual=f"{executed:g}")
        elif row["level2"] == "社会效益指标":
            row.update(name=SOCIAL[kind][0], target=SOCIAL[kind][1])
        elif row["level2"] == "可持续影响指标":
            row.update(name=SUSTAIN[kind][0], target=SUSTAIN[kind][1])
        rows.append({k: v for k, v in row.items() if v not in ("", None)})
    values = {
        "fund_year": SC_YEAR, "fill_date": dt.date(SC_YEAR + 1, 2, 1) + dt.timedelta(days=rng.randint(0, 40)),
        "project_name": project, "department": department, "implementer": department,
        "funds_fiscal_initial": initial, "funds_fiscal_adjusted": adjusted, "funds_fiscal_executed": executed,
        "conclusion": "项目总体完成年度绩效目标。", "problems": "部分效益指标尚未充分显现。",
        "measures": "加强项目后续管理，跟踪评估效益。",
    }
    if initial != adjusted:
        values["funds_total_reason"] = "年中按县财政统一安排调整预算。"
    goals = [{"expected": f"{what}{_qty_text(qty)}{unit}，{SOCIAL[kind][0]}{SOCIAL[kind][1]}。",
              "achieved": f"完成{what}{_qty_text(qty)}{unit}。"}]
    return Sample(department, project, f"{department}/{project}.xlsx", values,
                  {"goals": goals, "indicators": rows})


def _sc_low_rate(s: Sample, rng) -> None:
    s.values["funds_fiscal_executed"] = round(float(s.values["funds_fiscal_adjusted"]) * 0.82, 2)
    s.values["funds_fiscal_initial"] = s.values["funds_fiscal_adjusted"]
    s.values.pop("funds_total_reason", None)
    s.rows[3]["actual"] = f"{s.values['funds_fiscal_executed']:g}"
    s.mistakes.append(_mistake("P015", "funds_total_reason", "warning", "执行率偏低的原因"))


def _sc_change(s: Sample, rng) -> None:
    s.values["funds_fiscal_initial"] = round(float(s.values["funds_fiscal_adjusted"]) * 1.05, 2)
    s.values.pop("funds_total_reason", None)
    s.mistakes.append(_mistake("P017", "funds_total_reason", "warning", "预算调整的原因"))


def _sc_problems_none(s: Sample, rng) -> None:
    s.values["problems"] = "无"
    s.mistakes.append(_mistake("P018", "problems", "warning", "失分对应的问题"))


def _sc_nature_cost(s: Sample, rng) -> None:
    s.rows[3]["nature"] = "≥"  # and so, read as positive, spending under budget loses points
    most = round(float(s.values["funds_fiscal_executed"]) / float(s.values["funds_fiscal_adjusted"]) * 10, 2)
    s.mistakes += [_mistake("I013", _field(s, 3, "nature"), "warning", "≤ …"),
                   _mistake("I002", _field(s, 3, "score"), "error", f"≤ {round(most, 4):g}")]


def _sc_short_full(s: Sample, rng) -> None:
    row = s.rows[0]
    done = float(row["target"]) * 0.9
    row["actual"] = _qty_text(round(done, 1) if "." in row["target"] else int(done))
    most = round(float(row["actual"]) / float(row["target"]) * 25, 2)
    s.mistakes.append(_mistake("I002", _field(s, 0, "score"), "error", f"≤ {round(most, 4):g}"))


SC_MISTAKES = [None, _sc_low_rate, _sc_change, _sc_problems_none, None, _sc_nature_cost, _sc_short_full]


def generate_sichuan(out_dir: str | Path, seed: int = 2025) -> list[Path]:
    """A few workbooks on the Sichuan variant, with their MANIFEST.json."""
    picks = [(DEPARTMENTS[2], 0), (DEPARTMENTS[2], 3), (DEPARTMENTS[5], 1), (DEPARTMENTS[5], 2),
             (DEPARTMENTS[9], 0), (DEPARTMENTS[9], 1), (DEPARTMENTS[9], 4)]
    samples = []
    for i, ((dept, j), mistake) in enumerate(zip(picks, SC_MISTAKES, strict=True)):
        rng = random.Random(f"sichuan/{seed}/{i}")
        spec = dept[6][j]
        sample = _sichuan(rng, dept, spec, spec[0])
        if mistake is not None:
            mistake(sample, rng)
        if i == 4:
            sample.merge = False
            sample.messy.append("labels_on_every_row")
        samples.append(sample)
    return _write(Path(out_dir), SICHUAN, samples, seed)
