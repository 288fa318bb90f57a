"""Every rule of the catalogue: the clean project passes, and each mistake is found where it is.

Each case spoils the clean project in one way and names the finding a careful reviewer expects:
rule code, sheet!cell and the value the cell should hold.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from perfxl.check.engine import catalogue, check


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


def _in_wan(fill):
    """Every amount typed in 万元 into the 元 form."""
    for key, value in list(fill.values.items()):
        if key.startswith("funds_"):
            fill.values[key] = value / 10_000
    for row in fill.items["detail"]:
        row.update(budget=row["budget"] / 10_000, spent=row["spent"] / 10_000)


def _saved_as_xls(fill):
    """Nothing changed: the workbook is then saved as .xls by LibreOffice (see the test)."""


_saved_as_xls.legacy = True


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
    ("V004", _set(funds_spent_local="188万元"), "项目概况!F12", "1,880,000.00"),  # the formulas skip it
    ("V005", _typed(score_total=96), "自评得分!D24", "公式"),  # the right value, pasted over
    ("V006", _saved_as_xls, "自评得分!F24", ""),  # the grade's text stored as 0 in the .xls
    ("F001", _typed(funds_rate_in_place_total=0.99), "项目概况!D14", "100.00%"),
    ("F001", _stale(funds_balance_total=1), "项目概况!D13", "20,000.00"),
    ("F002", _typed(funds_budget_total=2_900_000), "项目概况!D9", "3,000,000.00"),
    ("F003", _set(funds_budget_upper=-1000), "项目概况!E9", "≥ 0"),
    ("F004", _set(funds_spent_local=2_000_000), "项目概况!D12", "≤ 2,900,000.00"),
    ("F005", _set(funds_budget_local=1_800_000), "项目概况!D12", "≤ 2,800,000.00"),
    ("F006", _set(funds_in_place_local=2_100_000, funds_invested_local=2_100_000), "项目概况!D11",
     "≤ 3,000,000.00"),
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
    ("P009", _in_wan, "项目概况!E9", "1,000,000.00（如以万元填写）"),
]


# Workbooks typed by hand (no template), read by their labels: the L rules.
# code, how the unit typed it, a change made after, the label whose cell is named, expected
LABEL_CASES = [
    ("L001", {"spelling": {"实际投入": "投入资金情况"}}, None, "投入指标", "实际投入"),
    ("L002", {"spelling": {"邮编": "邮寄编码"}}, None, "一、项目概况", "邮编"),
    ("L003", {"start": (2, 0)}, lambda ws: ws.cell(1, 1, "填报日期：2024年4月1日"), "A1", "与 Sheet1!B9 一致"),
]


@pytest.mark.parametrize(("code", "style", "edit", "where", "expected"), LABEL_CASES,
                         ids=[c[0] for c in LABEL_CASES])
def test_each_reading_gap_is_found_where_it_belongs(typed, findings_of, code, style, edit, where, expected):
    import openpyxl

    from typed import Style

    made = typed(style=Style("printed", **style))
    if edit is not None:
        wb = openpyxl.load_workbook(made.path)
        edit(wb.active)
        wb.save(made.path)
    found = findings_of(made.path)
    cell = where if where[0].isascii() else made.labels.get(where) or _heading_cell(made.path, where)
    at = {(f.code, f"{f.sheet}!{f.cell}"): f for f in found}
    cell = cell if "!" in cell else f"Sheet1!{cell}"
    assert (code, cell) in at, [(f.code, f.sheet, f.cell, f.message) for f in found]
    finding = at[(code, cell)]
    assert finding.expected == expected
    assert finding.severity == next(r.severity for r in catalogue() if r.code == code)
    assert {f.code for f in found} == {code}, [(f.code, f.message) for f in found]


def _heading_cell(path, text: str) -> str:
    import openpyxl

    ws = openpyxl.load_workbook(path).active
    return next(f"{ws.title}!{c.coordinate}" for row in ws.iter_rows() for c in row if c.value == text)


def test_the_clean_project_passes_every_rule(make, findings_of):
    assert findings_of(make()) == []


@pytest.mark.parametrize(("code", "change", "where", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_mistake_is_found_at_its_cell(make, findings_of, code, change, where, expected, request):
    path = make(change)
    if getattr(change, "legacy", False):
        path = request.getfixturevalue("to_xls")(path)
    found = findings_of(path)
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

    covered = {c[0] for c in CASES} | {c[0] for c in LABEL_CASES} | {c[1] for c in NATIONAL_CASES}
    assert covered == {r.code for r in catalogue()}


@pytest.mark.parametrize(
    "change",
    [
        _set(note_cost="养护资金共 288万元，全部用于道路养护"),  # the text agrees with the table
        _set(note_cost="每公里补助 3000 元"),  # a unit price is not a total
        _set(fill_date="2024年3月15日"),
        _set(fund_year="２０２３年"),
        _set(filler_phone="13800000000"),
        _problems(("养护进度滞后。", "加强督导。"), ("暂缺专业人员。", "招聘。")),
    ],
    ids=["text-agrees", "unit-price", "date-as-text", "fullwidth-year", "mobile",
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


PAGE_HEADINGS = {"zh": ("**检查什么。**", "**为什么重要。**", "**如何改正。**"),
                 "en": ("**What it checks.**", "**Why it matters.**", "**How to fix.**")}


def test_every_rule_has_a_chinese_page_then_an_english_one(profile):
    """The docstring is the Chinese page, a line ``---``, the English page: each says what the
    rule checks, why it matters and how to fix it, under its own language's headings."""
    for r in catalogue():
        assert r.code[0] in "VFDSITPL" and r.name == r.name.lower()
        zh, en = r.page("zh"), r.page("en")
        assert zh != en, f"{r.code}: no line '---' between the Chinese and the English page"
        for lang, page in (("zh", zh), ("en", en)):
            at = [page.find(h) for h in PAGE_HEADINGS[lang]]
            assert -1 not in at and at == sorted(at), (r.code, lang, at)
            other = PAGE_HEADINGS["en" if lang == "zh" else "zh"]
            assert not any(h in page for h in other), (r.code, lang)
        assert re.search("[\u4e00-\u9fff]", zh.splitlines()[0]), r.code  # a Chinese first line
        assert en[:1].isascii() and en[:1].isalpha(), r.code  # an English first line
        assert r.summary("zh") and r.summary("en") == en.splitlines()[0]


def test_a_county_where_no_unit_writes_a_problem_gets_p001_for_each(make):
    """More workbooks than a small categorical holds (128+), none with a problem written."""
    from dataclasses import replace

    from perfxl.read.workbook import read_report

    report = read_report(make(_problems()))
    county = [replace(report, path=f"单位{i}.xlsx", _frame=None) for i in range(130)]
    found = [f for f in check(county) if f.code == "P001"]
    assert len(found) == 130
