"""Workbooks typed by hand, read by their labels: every layout units send reads to the figures
the template gives for the same values, each value found at its own cell, each mistake there."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from perfxl.check.engine import check
from perfxl.form.profile import load_profile
from perfxl.form.template import write_workbook
from perfxl.read.workbook import read_report

from builders import clean_fill
from typed import Style

SECTIONS = {"cover": "封面", "overview": "一、项目概况", "scores": "二、自评得分及情况说明",
            "problems": "三、存在问题及改进意见"}
OTHER_SHEETS = {  # a project's whole file: sheets around the form, some sharing its labels
    "项目基本信息": [["项目名称", "示例县另一个名称"], ["主管部门", "示例县财政局"], ["联系人", "某人"],
                 ["电话", "0762-1111111"], ["地址", "某路 1 号"]],
    "支出计划": [["月份", "计划支出（元）"], *[[f"{m}月", 250000] for m in range(1, 13)], ["合计", 3000000]],
    "评审报告": [["评审意见"], ["项目立项依据充分，资金安排合理。"]],
}
SPELT = {"预算安排": "预算安排数", "实际支出": "实际支出数", "上级财政资金": "上级资金",
         "本级财政资金": "本级资金", "填报人姓名": "填报人", "资金安排年份": "年度",
         "项目主管部门": "主管部门", "主要问题及原因（限5条100字以内）": "主要问题",
         "改进计划或建议（限5条100字以内）": "改进措施", "自评得分": "得分",
         "资金实际支出明细内容（至主要末级经济科目）": "资金实际支出明细", "可持续影响": "可持续影响力"}

LAYOUTS = [
    Style("printed"),  # one sheet as printed: headings, merged label columns, 行次 column
    Style("sections", one_sheet=False, headings=False, sheet_names=SECTIONS),  # a sheet per section
    Style("wan", unit="万元"),  # amounts in 万元, declared over the funds table and in the detail header
    Style("flattened", merged=False, shift_second_level=True, total_under_leaf=True),  # as the seed shows
    Style("blank-rows", blank_rows=True, inserted=True, start=(3, 2)),  # gaps, a row of its own, offset
    Style("colons", colon_fields=True),  # '项目名称：XXX' in one cell
    Style("spelt", spelling=SPELT, spaced=True, codes_inline=True, maxima=" ({max:g} 分)"),
    Style("project-file", before=[("项目基本信息", OTHER_SHEETS["项目基本信息"])],
          after=[(k, v) for k, v in OTHER_SHEETS.items() if k != "项目基本信息"]),
    Style("unnamed-sheets", one_sheet=False, headings=False),  # Sheet1…Sheet4, no headings at all
    Style("rollups", rollups=True),  # perfxl's 二级/一级 score columns typed too
]


@pytest.fixture(scope="module")
def template_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    write_workbook(load_profile("gd-2020"), path, year=2023, county="示例县", fill=clean_fill())
    return read_report(path)


def inputs(report) -> dict:
    cells = report.cells
    return {(n, i): v for n, i, v, k in zip(cells["name"], cells["item"], cells["value"], cells["kind"],
                                            strict=True) if k == "input"}


@pytest.mark.parametrize("style", LAYOUTS, ids=[s.name for s in LAYOUTS])
def test_each_layout_reads_to_the_figures_of_the_template(typed, template_report, style):
    report = read_report(typed(style=style).path)
    assert report.read_by == "labels" and report.labels.profile == "gd-2020"
    assert report.figures() == template_report.figures()
    assert inputs(report) == inputs(template_report)
    assert report.labels.issues == []


@pytest.mark.parametrize("style", LAYOUTS, ids=[s.name for s in LAYOUTS])
def test_each_value_is_read_at_the_cell_it_was_typed_in(typed, style):
    made = typed(style=style)
    cells = read_report(made.path).cells
    read_at = {(n, i): f"{s}!{c}" for n, i, s, c in zip(cells["name"], cells["item"], cells["sheet"],
                                                        cells["cell"], strict=True)}
    assert made.placed, style.name
    wrong = {k: (at, read_at.get(k)) for k, at in made.placed.items() if read_at.get(k) != at}
    assert wrong == {}


@pytest.mark.parametrize("style", LAYOUTS, ids=[s.name for s in LAYOUTS])
def test_a_clean_project_typed_by_hand_passes_every_rule(typed, style):
    assert check([read_report(typed(style=style).path)]) == []


MISTAKES = [  # what the unit typed wrong, the figure it concerns, the rule a reviewer expects
    (lambda f: f.typed_over.update(funds_balance_total=12345), "funds_balance_total", "F001"),
    (lambda f: f.typed_over.update(funds_rate_spent_total=0.5), "funds_rate_spent_total", "F001"),
    (lambda f: f.typed_over.update(funds_budget_total=2_900_000), "funds_budget_total", "F002"),
    (lambda f: f.typed_over.update(detail_total_spent=2_800_000), "detail_total_spent", "D001"),
    (lambda f: f.values.update(score_funds_paid=4), "score_funds_paid", "S001"),
    (lambda f: f.typed_over.update(score_total=90), "score_total", "S002"),
    (lambda f: f.typed_over.update(grade="良好"), "grade", "S003"),
    (lambda f: f.values.update(filler_phone="12345"), "filler_phone", "T002"),
]


@pytest.mark.parametrize("style", LAYOUTS, ids=[s.name for s in LAYOUTS])
def test_each_mistake_is_found_at_the_cell_it_was_typed_in(typed, style):
    def spoil(fill):
        for change, _, _ in MISTAKES:
            change(fill)

    made = typed(spoil, style)
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([read_report(made.path)])}
    for _, name, code in MISTAKES:
        assert (code, made.placed[(name, -1)]) in found, (code, name, sorted(found))
    assert not {c for c, _ in found if c.startswith(("V001", "L"))}  # typed, not a template overwritten


def test_an_xls_typed_by_hand_reads_alike(typed, template_report, soffice):
    made = typed(style=Style("xls", xls=True), soffice=soffice)
    assert made.path.suffix == ".xls"
    report = read_report(made.path)
    assert report.read_by == "labels"
    assert report.figures() == template_report.figures()
    cells = report.cells
    read_at = {(n, i): f"{s}!{c}" for n, i, s, c in zip(cells["name"], cells["item"], cells["sheet"],
                                                        cells["cell"], strict=True)}
    assert {k: at for k, at in made.placed.items() if read_at.get(k) != at} == {}
    assert check([report]) == []


def test_the_other_sheets_of_a_project_file_are_left_alone(typed):
    report = read_report(typed(style=LAYOUTS[7]).path)
    assert report.labels.sheets == ["Sheet1"]
    assert report.labels.ignored == ["项目基本信息", "支出计划", "评审报告"]
    assert report.figures()["project"] == "示例县农村公路养护项目"  # not the other sheet's name


def test_amounts_in_万元_are_read_in_元_and_the_reading_says_so(typed):
    report = read_report(typed(style=LAYOUTS[2]).path)
    assert report.figures()["budget_total"] == 3_000_000
    assert report.details["spent"].tolist()[:2] == [1_930_000, 950_000]
    assert any("万元" in line for line in report.labels.units)
    raw = report.cells.set_index("name").loc["funds_budget_local", "raw"]
    assert raw == "200"  # as typed


def test_an_amount_typed_with_its_unit_is_not_converted_twice(typed):
    made = typed(lambda f: f.values.update(funds_budget_local="200万元"), Style("wan", unit="万元"))
    assert read_report(made.path).value("funds_budget_local") == 2_000_000


def test_a_label_found_twice_with_different_values_names_both_cells(typed, tmp_path):
    import openpyxl

    made = typed()
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    row = next(c.row for c in ws["B"] if c.value == "实际支出")
    ws.insert_rows(row + 1)  # the unit typed the row again below, with another amount
    ws.cell(row + 1, 2, "实际支出")
    ws.cell(row + 1, 4, 1)
    ws.cell(row + 1, 6, 2_000_000)
    wb.save(made.path)
    found = [f for f in check([read_report(made.path)]) if f.code == "L003"]
    assert found, "the second 实际支出 row must be reported"
    assert {(f.field, f.cell) for f in found} == {("funds_spent_total", f"D{row}"), ("funds_spent_local", f"F{row}")}
    assert {f.expected for f in found} == {f"与 Sheet1!D{row + 1} 一致", f"与 Sheet1!F{row + 1} 一致"}


def test_a_blank_form_is_read_and_its_gaps_are_findings_at_their_cells(tmp_path, profile):
    from perfxl.form.template import Fill

    from typed import type_form

    made = type_form(profile, Fill(), Style("printed"), tmp_path / "blank.xlsx")
    report = read_report(made.path)  # never "不是绩效自评表"
    assert report.read_by == "labels"
    assert report.figures()["score_total"] == 0 and report.figures()["grade"] is None
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([report])}
    assert ("T001", made.placed[("project_name", -1)]) in found
    assert ("T001", made.placed[("filler", -1)]) in found
    assert not {c for c, _ in found if c.startswith("L")}  # every label is there


def test_a_half_filled_form_reads_its_blank_scores_as_blank_not_0(typed):
    def half(fill):
        for key in ("score_quality", "score_cost", "note_quality", "note_cost"):
            fill.values.pop(key)

    made = typed(half)
    report = read_report(made.path)
    scores = report.scores
    assert scores.loc["quality", "status"] == "blank" and scores.loc["quality", "value"] is None
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([report])}
    assert ("P002", made.placed[("score_quality", -1)]) in found


def test_a_leaf_or_a_row_missing_is_an_error_naming_the_label_and_never_a_0(typed):
    made = typed(style=Style("printed", spelling={"经济效益": "经济影响", "实际投入": "投入情况"}))
    report = read_report(made.path)
    cells = report.cells.set_index("name")
    assert cells.loc["score_economic", "status"] == "missing"
    assert cells.loc["funds_invested_local", "value"] is None
    found = [f for f in check([report]) if f.code == "L001"]
    assert {f.expected for f in found} == {"经济效益（6分）", "实际投入"}
    assert any("投入情况" in row[2] for row in report.labels.unmatched)  # what map shows the user
    assert report.figures()["rate_in_place"] is None or report.figures()["rate_in_place"] != 0


def test_a_workbook_of_another_kind_is_named_with_the_labels_it_lacks(tmp_path):
    import openpyxl

    from perfxl.errors import NotAForm

    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "某项目"])
    wb.active.append(["年初预算数", "全年预算数", "全年执行数"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(NotAForm) as err:
        read_report(tmp_path / "other.xlsx")
    # 年初预算数, 全年预算数, 全年执行数 are the national table's words: its nearest form
    assert "不是绩效自评表" in err.value.message and "cz-2020" in err.value.message
    assert "缺少" in err.value.message and "执行率" in err.value.message


def test_a_template_that_kept_its_sheet_names_but_lost_its_layout_is_read_by_labels(make, tmp_path):
    """Defined names lost (as an .xls re-save loses them) and rows inserted: the layout no longer
    holds, the labels still do."""
    import openpyxl

    wb = openpyxl.load_workbook(make())
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    ws = wb["项目概况"]
    ws.insert_rows(1)
    ws["A1"] = "（单位自加的一行说明）"
    wb.save(tmp_path / "moved.xlsx")
    report = read_report(tmp_path / "moved.xlsx")
    assert report.read_by == "labels"
    assert report.figures()["budget_total"] == 3_000_000
    assert report.cells.set_index("name").loc["funds_budget_local", "cell"] == "F10"


def test_a_template_without_names_in_its_own_layout_is_still_read_by_position(make, tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(make())
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.save(tmp_path / "nameless.xlsx")
    report = read_report(tmp_path / "nameless.xlsx")
    assert report.read_by == "template" and report.figures()["budget_total"] == 3_000_000


def test_another_profile_is_read_by_its_own_labels(tmp_path):
    """Nothing of gd-2020 in the reader: the national draft, typed by hand, reads alike."""
    from perfxl.form.template import Fill

    from typed import type_form

    draft = load_profile(str(Path(__file__).resolve().parents[1] / "profiles" / "national-draft.toml"))
    values = {"project_name": "示例县农村公路养护项目", "department": "示例县交通运输局",
              "implementer": "示例县公路事务中心", "fund_year": 2023,
              "funds_current_initial": 800_000, "funds_current_annual": 900_000,
              "funds_current_executed": 855_000, "funds_carryover_annual": 100_000,
              "funds_carryover_executed": 100_000}
    for key, score in {"q1": 15, "ql1": 15, "t1": 10, "c1": 8, "s1": 15, "su1": 12, "sat1": 9}.items():
        values[f"score_{key}"] = score
        values[f"target_{key}"] = "≥100"
        values[f"actual_{key}"] = "100"
    fill = Fill(values=values, items={"goals": [{"expected": "完成养护", "achieved": "已完成"}]})
    template = write_workbook(draft, tmp_path / "tpl.xlsx", fill=copy.deepcopy(fill))
    made = type_form(draft, fill, Style("printed"), tmp_path / "typed.xlsx", year=2023)
    ours, theirs = read_report(made.path, profile=draft), read_report(template, profile=draft)
    assert ours.read_by == "labels" and theirs.read_by == "template"
    assert ours.figures() == theirs.figures()
    assert inputs(ours) == inputs(theirs)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_project_file_saved_by_another_program_as_xls(typed, soffice):
    made = typed(style=Style("project-xls", before=LAYOUTS[7].before, after=LAYOUTS[7].after, xls=True),
                 soffice=soffice)
    report = read_report(made.path)
    assert report.labels.sheets == ["Sheet1"] and report.figures()["score_total"] == 96


def test_a_date_left_as_printed_is_blank_not_a_malformed_date(typed):
    import openpyxl

    made = typed(style=Style("colons", colon_fields=True))
    wb = openpyxl.load_workbook(made.path)
    at = made.placed[("fill_date", -1)].split("!")[1]
    wb.active[at] = "填报日期：    年   月   日"
    wb.save(made.path)
    found = {(f.code, f.cell) for f in check([read_report(made.path)])}
    assert ("T001", at) in found and not any(code == "T003" for code, _ in found)


def test_a_unit_declared_in_a_row_label_or_a_column_header_converts_that_row_or_table(typed):
    import openpyxl

    made = typed()
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    row = next(c.row for c in ws["B"] if c.value == "预算安排")
    ws.cell(row, 2, "预算安排（万元）")  # this row typed in 万元, the others in 元
    for col in (4, 5, 6):
        ws.cell(row, col, ws.cell(row, col).value / 10_000)
    wb.save(made.path)
    report = read_report(made.path)
    assert report.figures()["budget_total"] == 3_000_000
    assert report.value("funds_spent_local") == 1_880_000  # untouched rows stay in 元
    assert check([report]) == []


def test_a_profile_can_say_values_stand_below_their_labels(typed, profile):
    """Where a value sits is the profile's data: a form whose cover puts each value under its
    label reads with places = colon, right, below."""
    import dataclasses

    import openpyxl

    from perfxl.form.profile import LabelHints

    made = typed()
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    at = made.placed[("filler", -1)].split("!")[1]  # the name right of 填报人姓名: move it below
    label = ws[at].offset(column=-1)
    ws.unmerge_cells(f"{at}:{ws[at].offset(column=6).coordinate}")
    ws.insert_rows(label.row + 1)
    ws.cell(label.row + 1, label.column, ws[at].value)
    ws[at] = None
    wb.save(made.path)
    below = dataclasses.replace(profile, by_labels=LabelHints(**{
        **dataclasses.asdict(profile.by_labels), "places": ["colon", "right", "below"]}))
    assert read_report(made.path, profile=below).value("filler") == "财务股经办人"
    assert read_report(made.path).value("filler") is None  # gd-2020 looks right of the label only


# ------------------------------------------------------- the 合计 row of the scores left out or blank


def test_a_scores_table_without_its_合计_row_says_so_and_the_total_is_perfxls(typed, template_report):
    import openpyxl

    made = typed(style=Style("printed"))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    row = ws[made.placed[("score_total", -1)].split("!")[1]].row
    for rng in [r for r in ws.merged_cells.ranges if r.min_row == row]:
        ws.unmerge_cells(str(rng))
    for cell in ws[row]:
        cell.value = None
    wb.save(made.path)
    report = read_report(made.path)
    assert report.figures() == template_report.figures()
    found = [(f.code, f.severity, f.expected) for f in check([report]) if f.code.startswith("L")]
    assert found == [("L002", "warning", "合计"), ("L002", "warning", "自评等次")]


def test_a_合计_left_blank_is_a_warning_at_its_cell(typed, template_report):
    import openpyxl

    made = typed(style=Style("printed"))
    at = made.placed[("score_total", -1)]
    wb = openpyxl.load_workbook(made.path)
    wb.active[at.split("!")[1]].value = None
    wb.save(made.path)
    report = read_report(made.path)
    assert report.figures() == template_report.figures()
    found = [(f.code, f"{f.sheet}!{f.cell}") for f in check([report]) if f.code.startswith("L")]
    assert found == [("L002", at)]
