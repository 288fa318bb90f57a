"""A clean, consistent project typed into the template, ready to spoil.

Tests start from :func:`clean_fill` and change one thing, so each reads as the mistake it is.
"""

from __future__ import annotations

import datetime as dt

from perfxl.form.template import Fill

LEAF_SCORES = {
    "demo": 1, "procedure": 2, "organization": 1, "measures": 1, "completeness": 5,
    "scientific": 4, "measurable": 5, "funds_in_place": 3, "funds_paid": 3, "compliance": 4,
    "implementation": 14, "supervision": 5, "quantity": 5, "quality": 5, "cost": 5,
    "timeliness": 5, "economic": 5, "social": 6, "ecological": 6, "sustainable": 5,
    "beneficiary": 6,
}  # 100 − 4 = 96: four deductions, each explained below


def clean_fill() -> Fill:
    values = {
        "title": "示例县 2023 年财政支出绩效自评报告",
        "project_name": "示例县农村公路养护项目",
        "county": "示例县",
        "department": "示例县交通运输局",
        "filler": "财务股经办人",
        "filler_phone": "0762-2345671",
        "fill_date": dt.date(2024, 3, 15),
        "project_name_overview": "示例县农村公路养护项目",
        "fund_year": 2023,
        "department_overview": "示例县交通运输局",
        "contact": "项目负责人",
        "contact_phone": "0762-2345672",
        "funds_budget_upper": 1_000_000, "funds_budget_local": 2_000_000,
        "funds_invested_upper": 1_000_000, "funds_invested_local": 1_900_000,
        "funds_in_place_upper": 1_000_000, "funds_in_place_local": 1_900_000,
        "funds_spent_upper": 1_000_000, "funds_spent_local": 1_880_000,
    }
    for key, score in LEAF_SCORES.items():
        values[f"score_{key}"] = score
        values[f"note_{key}"] = "按计划完成，资料齐全。"
    values["note_scientific"] = "个别指标未细化量化，扣 1 分。"
    values["note_implementation"] = "两条道路养护进度滞后，扣 1 分。"
    values["note_economic"] = "经济效益尚难量化，扣 1 分。"
    values["note_sustainable"] = "长效管护机制仍需完善，扣 1 分。"
    items = {
        "detail": [
            {"item": "日常养护费", "budget": 2_000_000, "spent": 1_930_000, "basis": "养护合同"},
            {"item": "应急抢修费", "budget": 1_000_000, "spent": 950_000, "basis": "抢修记录"},
        ],
        "problems": [
            {"problem": "部分路段养护进度滞后。", "plan": "加强进度督导，按月通报。"},
        ],
    }
    return Fill(values=values, items=items)
