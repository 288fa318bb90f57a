"""Clean projects on the national table (cz-2020) and its Sichuan variant (sc-2025), ready to spoil.

Like :mod:`builders`, tests start from a clean fill and change one thing.  The national project:
年度资金总额 1,000 万元 budgeted, 955 万元 spent (执行率 95.50%, 9.55 分), eight indicators whose
分值 add up to 90 (产出 50, 效益 30, 满意度 10) and score 83 — 92.55, 优.
"""

from __future__ import annotations

import datetime as dt

from perfxl.form.template import Fill

INDICATORS = [
    # 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因
    ("产出指标", "数量指标", "新建农村公路里程", "≥120公里", "126公里", 20, 20, ""),
    ("产出指标", "数量指标", "改造危桥数量", "≥5座", "4座", 10, 8, "一座桥因汛期推迟开工，已列入下年计划。"),
    ("产出指标", "质量指标", "工程验收合格率", "=100%", "100%", 10, 10, ""),
    ("产出指标", "时效指标", "按期完工率", "≥95%", "96%", 5, 5, ""),
    ("产出指标", "成本指标", "每公里建设成本", "≤80万元", "78万元", 5, 5, ""),
    ("效益指标", "社会效益指标", "群众出行条件", "明显改善", "达成", 15, 14, "个别村组通达时间仍较长，下年改善。"),
    ("效益指标", "可持续影响指标", "道路管护机制", "长效运行", "基本达成", 15, 11, "管护经费未全部落实，已报县政府。"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "93%", 10, 10, ""),
]
KEYS = ("level1", "level2", "name", "target", "actual", "weight", "score", "reason")


def indicator_items(rows=INDICATORS) -> list[dict]:
    return [{k: v for k, v in zip(KEYS, row, strict=True) if v != ""} for row in rows]


def national_fill() -> Fill:
    values = {
        "fund_year": 2025, "fill_date": dt.date(2026, 3, 15),
        "project_name": "示例县农村公路建设项目", "department": "示例县交通运输局",
        "implementer": "示例县公路事务中心",
        "funds_current_initial": 800, "funds_current_annual": 900, "funds_current_executed": 855,
        "funds_carryover_initial": 100, "funds_carryover_annual": 100, "funds_carryover_executed": 100,
    }
    goals = [{"expected": "新建农村公路120公里、改造危桥5座，群众出行条件明显改善。",
              "achieved": "新建农村公路126公里、改造危桥4座，沿线群众满意度93%。"}]
    return Fill(values=values, items={"goals": goals, "indicators": indicator_items()})


SICHUAN = [
    # 一级, 二级, 三级, 指标性质, 指标值, 度量单位, 实际完成值, 权重, 得分, 偏差原因
    ("产出指标", "数量指标", "培训基层农技人员", "≥", "300", "人次", "320", 25, 25, ""),
    ("产出指标", "数量指标", "建设示范基地", "≥", "6", "个", "6", 10, 10, ""),
    ("产出指标", "质量指标", "培训合格率", "≥", "95", "%", "97", 5, 5, ""),
    ("产出指标", "时效指标", "培训完成时间", "定性", "12月底前", "", "按期完成", 5, 5, ""),
    ("产出指标", "成本指标", "人均培训成本", "≤", "1500", "元", "1480", 5, 5, ""),
    ("效益指标", "社会效益指标", "农技推广覆盖率", "≥", "80", "%", "76", 20, 19, "两个偏远乡镇未覆盖。"),
    ("效益指标", "可持续影响指标", "农技服务长效机制", "定性", "基本建立", "", "达成", 10, 9, "运行时间短，有待观察。"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥", "90", "%", "92", 10, 10, ""),
]
SICHUAN_KEYS = ("level1", "level2", "name", "nature", "target", "unit", "actual", "weight", "score", "reason")


def sichuan_fill() -> Fill:
    """A Sichuan project: 500 万元 adjusted down from 520, 470 spent (94.00%, 9.4 分), the budget
    change explained; indicators 88 — 97.4, 优."""
    values = {
        "fund_year": 2025, "fill_date": dt.date(2026, 3, 20),
        "project_name": "示例县基层农技推广体系建设项目", "department": "示例县农业农村局",
        "implementer": "示例县农业技术推广中心",
        "funds_fiscal_initial": 520, "funds_fiscal_adjusted": 500, "funds_fiscal_executed": 470,
        "funds_total_reason": "年中按县财政统一要求压减一般性支出 20 万元。",
        "conclusion": "项目总体完成年度目标，培训和示范基地建设达到预期。",
        "problems": "农技推广覆盖率未达目标，偏远乡镇覆盖不足。",
        "measures": "下年在偏远乡镇增设培训点，提高覆盖率。",
    }
    goals = [{"expected": "培训基层农技人员300人次，建设示范基地6个，农技推广覆盖率达到80%。",
              "achieved": "培训320人次，建成示范基地6个，覆盖率76%。"}]
    items = [{k: v for k, v in zip(SICHUAN_KEYS, row, strict=True) if v != ""} for row in SICHUAN]
    return Fill(values=values, items={"goals": goals, "indicators": items})


# ------------------------------------------------------------------------------ spoiling them


def set_values(**values):
    return lambda fill: fill.values.update(values)


def drop(*names):
    def change(fill):
        for name in names:
            fill.values.pop(name, None)

    return change


def typed(**values):
    return lambda fill: fill.typed_over.update(values)


def row(n: int, **values):
    """Change indicator row ``n`` (1-based); a value of None empties the cell."""
    def change(fill):
        item = fill.items["indicators"][n - 1]
        for key, value in values.items():
            if value is None:
                item.pop(key, None)
            else:
                item[key] = value

    return change


def goals(**values):
    return lambda fill: fill.items["goals"][0].update(values)


def both(*changes):
    def change(fill):
        for c in changes:
            c(fill)

    return change


# profile, code, change, where, expected — each one spoiling of a clean project and the finding a
# reviewer expects there (the cz-2020 indicators are rows 13–23, 总分 row 24; sc-2025's 15–22).
NATIONAL_CASES = [
    ("cz-2020", "I001", row(3, score=12), "H15", "0–10"),
    ("cz-2020", "I002", row(1, actual="110公里"), "H13", "≤ 18.33"),  # 110 ÷ 120 × 20
    ("cz-2020", "I002", row(5, actual="90万元"), "H17", "≤ 4.38"),  # (1 − 10 ÷ 80) × 5
    ("cz-2020", "I003", row(7, score=15), "H19", "9–12"),  # 基本达成: 60–80 % of 15
    ("cz-2020", "I004", row(1, actual="完成"), "F13", "数值，如 120公里"),
    ("cz-2020", "I005", row(1, actual="126个"), "F13", "单位为 公里"),
    ("cz-2020", "I006", row(4, weight=4, score=4), "G24", "90 分"),
    ("cz-2020", "I007", both(row(1, weight=25, score=25), row(8, weight=5, score=5)), "B13", "50 分"),
    ("cz-2020", "I008", typed(score_total=100), "H24", "92.55"),
    ("cz-2020", "I009", row(2, reason=None), "I14", "偏差原因及改进措施"),
    ("cz-2020", "I010", row(3, name="指标1："), "D15", "实际内容"),
    ("cz-2020", "I011", row(4, actual=None), "F16", "实际完成值"),
    ("cz-2020", "I012", row(6, level2="质量指标"), "C18",
     "经济效益指标、社会效益指标、生态效益指标、可持续影响指标"),
    ("cz-2020", "I013", row(5, target="≥80万元"), "E17", "≤ …"),
    ("cz-2020", "I014", row(8, actual="无投诉"), "F20", "满意度调查结果，如 95%"),
    ("cz-2020", "I015", row(1, actual="200公里"), "I13", "偏差原因（超额原因及下年指标值调整）"),  # 67 % past
    ("cz-2020", "I015", row(5, actual="50万元"), "I17", "偏差原因（超额原因及下年指标值调整）"),  # cost 37.5 % under
    ("cz-2020", "I016", row(4, actual="≥95%"), "F16", "实际数值，如 95%"),  # the target copied over
    ("cz-2020", "T010", goals(expected="120"), "B11", "目标的文字说明"),
    ("cz-2020", "T011", lambda fill: goals(achieved=fill.items["goals"][0]["expected"])(fill), "F11",
     "实际完成的情况（数量、质量、效果）"),  # the goal copied as its outcome
    ("cz-2020", "P016", set_values(funds_current_initial=1200, funds_current_executed=900), "E6",
     "说明预算调减的依据"),
    ("cz-2020", "F005", set_values(funds_current_executed=950), "F6", "≤ 1,000.00 万元"),  # 执行率 105 %
    ("cz-2020", "F005", set_values(funds_carryover_executed=120, funds_current_executed=835), "F8",
     "≤ 100.00 万元"),  # the total holds (955), 上年结转 does not
    ("sc-2025", "F005", set_values(funds_fiscal_executed=520), "G7", "≤ 500.00 万元"),
    ("cz-2020", "P019", lambda fill: fill.values.update(
        {k: v * 10_000 for k, v in fill.values.items() if k.startswith("funds_") and isinstance(v, int | float)}),
     "D7", "800.00 万元（如以元填写）"),  # every amount typed in 元 on the 万元 form
    ("sc-2025", "I002", row(1, actual="280"), "J15", "≤ 23.33"),  # 280 ÷ 300 × 25, 指标性质 ≥
    ("sc-2025", "I005", row(3, actual="97人"), "H17", "单位为 %"),
    ("sc-2025", "I013", row(5, nature="≥"), "E19", "≤ …"),
    ("sc-2025", "P015", set_values(funds_fiscal_executed=400, funds_total_reason="无"), "K7", "执行率偏低的原因"),
    ("sc-2025", "P017", drop("funds_total_reason"), "K7", "预算调整的原因"),
    ("sc-2025", "P018", set_values(problems="无"), "B26", "失分对应的问题"),
]
