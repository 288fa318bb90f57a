"""Every rule of the catalogue: the clean project passes, and each mistake is found where it is.

Each case spoils the clean project in one way and names the finding a careful reviewer expects:
rule code, sheet!cell and the value the cell should hold.
"""

from __future__ import annotations

import datetime as dt

import pytest

from perfxl.check.engine import catalogue


def _set(**values):
    return lambda fill: fill.values.update(values)


def _drop(*names):
    def change(fill):
        for name in names:
            del fill.values[name]

    return change


def _typed(**values):
    return lambda fill: fill.typed_over.update(values)


def _stale(**values):
    return lambda fill: fill.stale.update(values)


def _problems(*rows):
    return lambda fill: fill.items.__setitem__("problems", [{"problem": p, "plan": q} for p, q in rows])


def _second_detail_spent(amount):
    return lambda fill: fill.items["detail"][1].__setitem__("spent", amount)


def _all_full_marks(fill):
    from perfxl.form.profile import load_profile

    for leaf in load_profile("gd-2020").tree.leaves:
        fill.values[f"score_{leaf.key}"] = leaf.max


CASES = [
    # code, change, where, expected
    ("V001", _typed(funds_rate_in_place_total=0.99), "项目概况!D14", "100.00%"),
    ("V002", _set(funds_spent_local="约185万"), "项目概况!F12", "1,850,000.00"),  # a guess, shown as one
    ("V003", _stale(funds_rate_budget_total="#DIV/0!"), "项目概况!D16", "96.00%"),
    ("V003", _typed(score_total="#REF!"), "自评得分!D24", "96"),
    ("F001", _typed(funds_rate_in_place_total=0.99), "项目概况!D14", "100.00%"),
    ("F001", _stale(funds_balance_total=1), "项目概况!D13", "20,000.00"),
    ("F002", _typed(funds_budget_total=2_900_000), "项目概况!D9", "3,000,000.00"),
    ("F003", _set(funds_budget_upper=-1000), "项目概况!E9", "≥ 0"),
    ("D001", _stale(detail_total_spent=2_800_000), "项目概况!E18", "2,880,000.00"),
    ("D002", _second_detail_spent(900_000), "项目概况!E18", "2,880,000.00"),
    ("S001", _set(score_funds_paid=4), "自评得分!D11", "0–3"),
    ("S002", _typed(score_prep=4), "自评得分!F3", "5"),
    ("S003", _typed(grade="良好"), "自评得分!F24", "优秀"),
    ("T001", _drop("filler"), "封面!B5", ""),
    ("T002", _set(filler_phone="12345"), "封面!B6", ""),
    ("T003", _set(fill_date="2024年13月1日"), "封面!B7", ""),
    ("T004", _set(note_demo="论" * 101), "自评得分!E3", "≤ 100 字"),
    ("T005", _problems(*[(f"问题{i}", f"计划{i}") for i in range(6)]), "存在问题!B4", "≤ 5 条"),
    ("T006", _set(project_name_overview="示例县另一个项目"), "项目概况!B2", "示例县农村公路养护项目"),
    ("T007", _set(postcode="51720"), "项目概况!F4", ""),
    ("P001", _problems(), "存在问题!B4", "至少 1 条问题及改进意见"),
    ("P002", _drop("note_scientific"), "自评得分!D8", "5 分或说明原因"),
    ("P003", _set(funds_invested_local=2_200_000), "自评得分!D10", "低于满分或说明原因（实际到位率（合计） 90.62%）"),
    ("P004", _all_full_marks, "自评得分!D24", "< 100 或附佐证材料"),
    ("P005", _problems(("无", "无")), "存在问题!B4", "具体问题或留空并说明"),
    ("P006", _set(note_cost="养护资金共 1500000 元"), "自评得分!E17", "2,880,000.00"),
    ("P007", _set(fill_date=dt.date(2023, 11, 20)), "封面!B7", "晚于 2023-12-31"),
    ("P008", _set(title="示例县 2022 年财政支出绩效自评报告"), "封面!A1", "2023"),
]


def test_the_clean_project_passes_every_rule(make, findings_of):
    assert findings_of(make()) == []


@pytest.mark.parametrize(("code", "change", "where", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_mistake_is_found_at_its_cell(make, findings_of, code, change, where, expected):
    found = findings_of(make(change))
    at = {(f.code, f"{f.sheet}!{f.cell}"): f for f in found}
    assert (code, where) in at, [(f.code, f.sheet, f.cell, f.message) for f in found]
    finding = at[(code, where)]
    if expected:
        assert finding.expected == expected
    assert finding.message and finding.name
    assert finding.severity == next(r.severity for r in catalogue() if r.code == code)


def test_every_rule_has_a_failing_case_here():
    """This table covers gd-2020's rules; the national table beside it (NATIONAL_CASES, run by
    test_rules_national.py) the rules of the forms whose units list their own indicators."""
    from national import NATIONAL_CASES

    assert {c[0] for c in CASES} | {c[1] for c in NATIONAL_CASES} == {r.code for r in catalogue()}


@pytest.mark.parametrize(
    "change",
    [
        _set(funds_budget_local="2,000,000", funds_spent_local="188万元"),  # typed as staff type
        _set(note_cost="养护资金共 288万元，全部用于道路养护"),  # the text agrees with the table
        _set(note_cost="每公里补助 3000 元"),  # a unit price is not a total
        _set(fill_date="2024年3月15日"),
        _set(fund_year="２０２３年"),
        _set(filler_phone="13800000000"),
        _problems(("养护进度滞后。", "加强督导。"), ("暂缺专业人员。", "招聘。")),
    ],
    ids=["amounts-as-text", "text-agrees", "unit-price", "date-as-text", "fullwidth-year", "mobile",
         "two-problems"],
)
def test_what_a_reviewer_accepts_is_not_flagged(make, findings_of, change):
    assert findings_of(make(change)) == []


def test_a_stale_cache_is_told_apart_from_a_typed_value(make, findings_of):
    stale = next(f for f in findings_of(make(_stale(funds_balance_total=1))) if f.code == "F001")
    typed = next(f for f in findings_of(make(_typed(funds_balance_total=1))) if f.code == "F001")
    assert "缓存值" in stale.message and "缓存值" not in typed.message


def test_messages_in_english_on_request(make, findings_of):
    found = findings_of(make(_set(score_funds_paid=4)), lang="en")
    assert any(f.code == "S001" and "outside 0–3" in f.message for f in found)


def test_select_and_ignore_by_prefix(make, findings_of):
    path = make(_set(score_funds_paid=4, filler_phone="12345"))
    assert {f.code for f in findings_of(path, select=["S"])} == {"S001"}
    assert "S001" not in {f.code for f in findings_of(path, ignore=["S0"])}
    assert findings_of(path, select=["S"], ignore=["S001"]) == []


def test_thresholds_are_configurable(make, findings_of):
    path = make(_set(funds_invested_local=1_950_000))  # 实际到位率 98.31%
    assert "P003" in {f.code for f in findings_of(path)}
    assert "P003" not in {f.code for f in findings_of(path, full_marks_rate=0.98)}


def test_rule_pages_say_what_why_and_how(profile):
    for r in catalogue():
        assert r.code[0] in "VFDSITP" and r.name == r.name.lower()
        for heading in ("**What it checks.**", "**Why it matters.**", "**How to fix.**"):
            assert heading in r.doc, (r.code, heading)
        assert r.summary("zh")
