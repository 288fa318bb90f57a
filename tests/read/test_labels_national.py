"""The national table (cz-2020) and the Sichuan variant (sc-2025) typed by hand, read by their
labels: every layout a unit sends reads to the figures the template gives for the same values,
each value at the cell it was typed in, each mistake found there — the indicator list included."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from perfxl.check.engine import check
from perfxl.errors import NotAForm
from perfxl.form.profile import load_profile
from perfxl.form.template import Fill, write_workbook
from perfxl.read.fieldmap import nearest_forms
from perfxl.read.workbook import read_report

from national import NATIONAL_CASES, national_fill, row, set_values, sichuan_fill, typed
from typed import Style, type_form

CLEAN = {"cz-2020": national_fill, "sc-2025": sichuan_fill}

# A central department's whole file of a project: sheets around the form, some with its labels
# (the 绩效目标申报表 has the indicator headers and the goals, the 执行监控 the funds columns).
PROJECT_FILE_BEFORE = [
    ("项目基本信息", [["项目名称", "另一个项目"], ["主管部门", "示例县某局"], ["项目负责人", "某人"],
                 ["联系电话", "0762-1111111"]]),
    ("立项依据", [["立项依据"], ["《示例县农村公路建设规划》"]]),
    ("绩效目标申报表", [["项目支出绩效目标申报表"], ["项目名称", "另一个项目"], ["主管部门", "示例县某局"],
                   ["年度总体目标", "完成建设任务"],
                   ["一级指标", "二级指标", "三级指标", "指标值"],
                   ["产出指标", "数量指标", "新建里程", "≥100公里"],
                   ["效益指标", "社会效益指标", "出行条件", "明显改善"]]),
]
PROJECT_FILE_AFTER = [
    ("执行监控", [["项目资金", "年初预算数", "全年预算数", "1-7月执行数", "执行率"],
              ["年度资金总额", 1, 1, 0.5, "50%"]]),
    ("评审报告", [["评审意见"], ["项目立项依据充分，资金安排合理。"]]),
]
SPELT = {  # labels as units and other provinces spell them, spaced, in full-width parentheses
    "cz-2020": {"年初预算数": "年初预算", "全年执行数": "执行数", "分值": "权重", "年度指标值": "指标值",
                "偏差原因分析及改进措施": "偏差原因分析", "其中：本年财政拨款": "其中：当年财政拨款",
                "项目资金（万元）": "项目资金（万元）", "实际完成值": "全年实际值", "自评等级": "评价等级",
                "实施单位": "项目实施单位", "执行率": "预算执行率（%）"},
    "sc-2025": {"年初预算": "年初预算数", "预算执行数": "执行数", "权重": "分值", "指标值": "年度指标值",
                "偏差原因分析及改进措施": "原因分析及改进措施", "度量单位": "计量单位", "预算执行率": "执行率",
                "财政资金": "其中：财政资金", "实际完成值": "全年实际值", "评价结论": "自评结论",
                "主管部门": "主管部门（单位）"},
}


def layouts(pid: str) -> list[Style]:
    return [
        Style("printed", as_printed=True, text_figures=True),  # one sheet as printed, 95.50% as text
        Style("project-file", as_printed=True, sheet_names={"table": "自评表"},
              before=PROJECT_FILE_BEFORE, after=PROJECT_FILE_AFTER),  # the form inside a whole file
        Style("wan-declared", as_printed=True, unit="万元"),  # 单位：万元 over the funds table
        Style("yuan", unit="元"),  # typed in 元 with 单位：元, the year with its label 年度
        Style("every-row", as_printed=True, merged=False, levels="every"),  # labels on every row
        Style("first-row", as_printed=True, merged=False, levels="first"),  # on the first row only
        Style("blank-rows", as_printed=True, blank_rows=True, inserted=True, start=(3, 2)),
        Style("colons", colon_fields=True),  # '项目名称：XXX', '年度：2025'
        Style("spelt", as_printed=True, spelling=SPELT[pid], spaced=True),
        Style("unnamed", one_sheet=False, headings=False),  # no title, no remark, Sheet1
    ]


CASES = [(pid, s) for pid in CLEAN for s in layouts(pid)]
IDS = [f"{pid}-{s.name}" for pid, s in CASES]


def fill_of(pid: str, change=None) -> Fill:
    fill = copy.deepcopy(CLEAN[pid]())
    fill.values.pop("fill_date")  # perfxl's own field: not on the printed form
    if change is not None:
        change(fill)
    return fill


@pytest.fixture
def national(tmp_path):
    """``national(pid, style, change)``: that profile's clean project after ``change``, typed by
    hand as ``style`` says, and the template workbook of the same values."""
    counter = iter(range(1000))

    def build(pid: str, style: Style, change=None, soffice: str | None = None):
        n = next(counter)
        fill = fill_of(pid, change)
        made = type_form(load_profile(pid), copy.deepcopy(fill), style, tmp_path / f"{pid}-{n}-{style.name}.xlsx",
                         year=2025, soffice=soffice)
        fill.merge = style.levels != "every"  # labels on every row: the template's unmerged
        template = write_workbook(load_profile(pid), tmp_path / f"{pid}-{n}-template.xlsx", fill=fill)
        return made, template

    return build


def inputs(report) -> dict:
    """Every input value by (name, item); the blank rows a template prints are no value."""
    c = report.cells
    return {(n, i): v for n, i, v, k in zip(c["name"], c["item"], c["value"], c["kind"], strict=True)
            if k == "input" and v is not None}


def read_at(report) -> dict:
    c = report.cells
    return {(n, i): f"{s}!{a}" for n, i, s, a in zip(c["name"], c["item"], c["sheet"], c["cell"], strict=True)}


@pytest.mark.parametrize(("pid", "style"), CASES, ids=IDS)
def test_each_layout_reads_to_the_figures_of_the_template(national, pid, style):
    made, template = national(pid, style)
    ours, theirs = read_report(made.path), read_report(template)
    assert ours.read_by == "labels" and ours.labels.profile == pid
    assert ours.labels.issues == []
    assert ours.figures() == theirs.figures()
    assert inputs(ours) == inputs(theirs)


@pytest.mark.parametrize(("pid", "style"), CASES, ids=IDS)
def test_each_value_is_read_at_the_cell_it_was_typed_in(national, pid, style):
    made, _ = national(pid, style)
    at = read_at(read_report(made.path))
    assert any(name == "indicators_score" for name, _ in made.placed)
    assert {k: (cell, at.get(k)) for k, cell in made.placed.items() if at.get(k) != cell} == {}


@pytest.mark.parametrize(("pid", "style"), CASES, ids=IDS)
def test_a_clean_project_typed_by_hand_passes_every_rule(national, pid, style):
    made, _ = national(pid, style)
    assert check([read_report(made.path)]) == []


MISTAKES = {  # what the unit typed wrong, the cell it concerns (name, item), the rule a reviewer expects
    "cz-2020": [
        (row(3, score=12), ("indicators_score", 2), "I001"),  # above its 分值 10
        (row(1, actual="110公里"), ("indicators_score", 0), "I002"),  # 20 for 110 of 120 km
        (typed(funds_total_annual=1200), ("funds_total_annual", -1), "F001"),  # 年度资金总额 ≠ Σ
        (typed(funds_total_rate=0.5), ("funds_total_rate", -1), "F001"),  # 执行率
        (typed(funds_total_score=10), ("funds_total_score", -1), "F001"),  # 得分 9.55
        (typed(score_total=100), ("score_total", -1), "I008"),  # 总分
        (typed(grade="良"), ("grade", -1), "S003"),  # 自评等级 of 92.55
        (set_values(project_name=""), ("project_name", -1), "T001"),
    ],
    "sc-2025": [
        (row(3, score=8), ("indicators_score", 2), "I001"),  # above its 权重 5
        (row(1, actual="280"), ("indicators_score", 0), "I002"),
        (typed(funds_total_adjusted=600), ("funds_total_adjusted", -1), "F001"),  # 总额 ≠ Σ
        (typed(funds_total_rate=0.5), ("funds_total_rate", -1), "F001"),
        (typed(funds_total_score=10), ("funds_total_score", -1), "F001"),
        (typed(score_total=100), ("score_total", -1), "I008"),
        (typed(grade="良"), ("grade", -1), "S003"),
        (set_values(funds_fiscal_executed=400, funds_total_reason="无"), ("funds_total_reason", -1), "P015"),
    ],
}


@pytest.mark.parametrize(("pid", "style"), CASES, ids=IDS)
def test_each_mistake_is_found_at_the_cell_it_was_typed_in(national, pid, style):
    def spoil(fill):
        for change, _, _ in MISTAKES[pid]:
            change(fill)

    made, _ = national(pid, style, spoil)
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([read_report(made.path)])}
    for _, at, code in MISTAKES[pid]:
        assert (code, made.placed[at]) in found, (code, at, sorted(found))
    assert not {c for c, _ in found if c.startswith(("V001", "V004", "L"))}  # typed by hand, nothing lost


@pytest.mark.parametrize("case", NATIONAL_CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(NATIONAL_CASES)])
def test_every_rule_of_the_template_finds_its_mistake_at_the_typed_cell(national, case):
    """Same checks, same cells: each of the national rules' cases (tests/national.py), spoilt in a
    form typed by hand, is found at the cell where the value stands in that form."""
    pid, code, change, where, _ = case
    made, template = national(pid, Style("printed", as_printed=True, text_figures=True), change)
    theirs = read_report(template)
    cells = theirs.cells
    at_template = {f"{s}!{a}": (n, i) for n, i, s, a in zip(cells["name"], cells["item"], cells["sheet"],
                                                            cells["cell"], strict=True)}
    sheet = load_profile(pid).sheets[0].name
    key = at_template[f"{sheet}!{where}"]
    assert (code, f"{sheet}!{where}") in {(f.code, f"{f.sheet}!{f.cell}") for f in check([theirs])}
    ours = {(f.code, f"{f.sheet}!{f.cell}") for f in check([read_report(made.path)])}
    assert (code, made.placed[key]) in ours, (code, key, sorted(ours))


def test_an_xls_typed_by_hand_reads_alike(national, soffice):
    for pid in CLEAN:
        made, template = national(pid, Style("xls", as_printed=True, xls=True), soffice=soffice)
        assert made.path.suffix == ".xls"
        ours = read_report(made.path)
        assert ours.read_by == "labels" and ours.labels.profile == pid
        assert ours.figures() == read_report(template).figures()
        at = read_at(ours)
        assert {k: c for k, c in made.placed.items() if at.get(k) != c} == {}
        assert check([ours]) == []


# ------------------------------------------------------------------------------ recognition


@pytest.mark.parametrize("pid", sorted(CLEAN))
def test_the_form_in_a_project_file_is_found_and_the_rest_left_alone(national, pid):
    made, _ = national(pid, layouts(pid)[1])
    report = read_report(made.path)
    assert report.labels.profile == pid
    assert report.labels.sheets == ["自评表"]
    assert report.labels.ignored == ["项目基本信息", "立项依据", "绩效目标申报表", "执行监控", "评审报告"]
    assert report.figures()["project"] == CLEAN[pid]().values["project_name"]  # not the other sheets'


def test_each_form_typed_by_hand_is_read_as_its_own_profile(national, typed):
    got = {pid: read_report(national(pid, Style("printed", as_printed=True))[0].path).labels.profile
           for pid in CLEAN}
    got["gd-2020"] = read_report(typed().path).labels.profile
    assert got == {"cz-2020": "cz-2020", "sc-2025": "sc-2025", "gd-2020": "gd-2020"}


def test_a_form_of_another_kind_is_named_with_the_nearest_form_and_the_labels_it_lacks(tmp_path):
    """The 绩效目标申报表 of a project (targets, not a self-evaluation): not read, and the message
    names the national table with its missing labels, the indicator list's among them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in PROJECT_FILE_BEFORE[2][1]:
        ws.append(line)
    wb.save(tmp_path / "目标申报表.xlsx")
    with pytest.raises(NotAForm) as err:
        read_report(tmp_path / "目标申报表.xlsx")
    message = err.value.message
    assert "不是绩效自评表" in message and "cz-2020" in message and "得分" in message
    nearest = nearest_forms(tmp_path / "目标申报表.xlsx")
    assert nearest[0][0] == "cz-2020"
    found, missing = nearest[0][3], nearest[0][4]
    assert {"一级指标", "二级指标", "三级指标"} <= set(found)  # the indicator list's headers count
    assert "实际完成值" in missing and "总分" in missing


def test_the_indicator_headers_count_towards_recognising_the_national_form(tmp_path):
    """Project name, department and the indicator list alone: the national form, read."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in [["项目支出绩效自评表"], ["项目名称", "某项目"], ["主管部门", "某局"], ["实施单位", "某中心"],
                 ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                  "偏差原因分析及改进措施"],
                 ["", "产出指标", "数量指标", "新建里程", "≥100公里", "100公里", 90, 90],
                 ["总分"], ["自评等级"]]:
        ws.append(line)
    wb.save(tmp_path / "half.xlsx")
    report = read_report(tmp_path / "half.xlsx")
    assert report.labels.profile == "cz-2020"
    assert report.items("indicators")["name"].tolist() == ["新建里程"]
    missing = {(i.what, i.label) for i in report.labels.issues if i.kind == "missing"}
    assert ("table", "项目资金（万元）") in missing  # said, never 0
    assert report.figures()["budget_total"] is None or report.figures()["budget_total"] != 0


# ------------------------------------------------------------------------------ the indicator list


def test_an_indicator_list_not_found_is_an_error_and_its_totals_unknown(national):
    made, _ = national("cz-2020", Style("printed", as_printed=True, spelling={
        "一级指标": "指标一", "二级指标": "指标二", "三级指标": "指标三", "年度指标值": "目标",
        "实际完成值": "完成", "分值": "满分", "得分": "分数", "偏差原因分析及改进措施": "说明"}))
    report = read_report(made.path)
    found = [f for f in check([report]) if f.code.startswith(("L", "I006", "I008"))]
    assert [(f.code, f.expected) for f in found if f.code == "L001"] == [("L001", "绩效指标")]
    assert not [f for f in found if f.code in ("I006", "I008")]  # totals over an unknown list: not 0


def test_rows_after_the_total_are_not_indicators(national):
    made, _ = national("sc-2025", Style("printed", as_printed=True))
    report = read_report(made.path)
    names = report.items("indicators")["name"].tolist()
    assert names == [r[2] for r in __import__("national").SICHUAN]
    assert report.value("conclusion") == sichuan_fill().values["conclusion"]  # 评价结论 is its own field


def test_a_column_missing_from_the_list_is_named(national):
    made, _ = national("cz-2020", Style("printed", as_printed=True))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    header = next(c for r in ws.iter_rows() for c in r if c.value == "偏差原因分析及改进措施")
    header.value = "备注"
    wb.save(made.path)
    report = read_report(made.path)
    issues = [(i.what, i.label) for i in report.labels.issues]
    assert issues == [("column", "偏差原因分析及改进措施")]
    assert ("备注" in [t for _, _, t in report.labels.unmatched])


def test_an_amount_typed_in_元_on_the_万元_form_reads_in_元(national):
    made, template = national("cz-2020", Style("yuan", unit="元"))
    ours = read_report(made.path)
    assert ours.figures()["budget_total"] == 10_000_000 == read_report(template).figures()["budget_total"]
    wb = openpyxl.load_workbook(made.path)
    at = made.placed[("funds_current_annual", -1)].split("!")[1]
    assert wb.active[at].value == 9_000_000  # typed in 元
    assert any("元" in line for line in ours.labels.units)


def test_a_blank_national_form_is_read_and_its_gaps_are_findings(tmp_path):
    made = type_form(load_profile("cz-2020"), Fill(), Style("printed", as_printed=True), tmp_path / "blank.xlsx")
    report = read_report(made.path)
    assert report.read_by == "labels" and report.labels.profile == "cz-2020"
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([report])}
    assert ("T001", made.placed[("project_name", -1)]) in found
    assert not {c for c, _ in found if c.startswith("L")}


def test_the_map_shows_the_indicator_rows(national, run):
    made, _ = national("cz-2020", Style("printed", as_printed=True))
    result = run("map", made.path)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("三级指标［2］"))
    assert made.placed[("indicators_name", 1)] in line and "改造危桥数量" in line
    assert "定义名称" not in result.output  # every value of a typed form is found by its label


@pytest.mark.parametrize("pid", sorted(CLEAN))
def test_annotate_marks_the_typed_cells_and_clean_removes_them(national, run, pid, tmp_path):
    made, _ = national(pid, Style("printed", as_printed=True, text_figures=True), MISTAKES[pid][0][0])
    before = made.path.read_bytes()
    result = run("validate", made.path, "--annotate")
    assert "按标签读取" in result.output
    wb = openpyxl.load_workbook(made.path)
    sheet, cell = made.placed[MISTAKES[pid][0][1]].split("!")
    assert wb[sheet][cell].comment is not None and "I001" in wb[sheet][cell].comment.text
    run("clean", made.path)
    wb = openpyxl.load_workbook(made.path)
    assert wb[sheet][cell].comment is None
    assert Path(made.path).read_bytes() != b"" and before


def _total_row_as(made, total, grade_label: bool = True):
    """The 总分 row retyped as many units write it: the total alone under 分值, then 自评等级 and
    the grade on the same row; the separate 自评等级 row deleted."""
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    weight_at = ws[made.placed[("indicators_total_weight", -1)].split("!")[1]]
    score_at = ws[made.placed[("score_total", -1)].split("!")[1]]
    grade_row = ws[made.placed[("grade", -1)].split("!")[1]].row
    for rng in [r for r in ws.merged_cells.ranges if r.min_row == grade_row]:
        ws.unmerge_cells(str(rng))
    ws.delete_rows(grade_row)
    weight_at.value = total
    if grade_label:
        score_at.value = "自评等级"
        score_at.offset(column=1).value = "优"
    wb.save(made.path)
    return f"{ws.title}!{weight_at.coordinate}"


def test_the_total_alone_under_分值_with_the_grade_on_its_row(national):
    made, template = national("cz-2020", Style("printed", as_printed=True))
    _total_row_as(made, 92.55)
    report = read_report(made.path)
    assert report.figures() == read_report(template).figures()
    assert check([report]) == []


def test_a_wrong_total_typed_alone_is_found_where_it_stands(national):
    made, _ = national("cz-2020", Style("printed", as_printed=True))
    at = _total_row_as(made, "95分", grade_label=False)
    found = {(f.code, f"{f.sheet}!{f.cell}") for f in check([read_report(made.path)])}
    assert ("I008", at) in found


@pytest.mark.parametrize("pid", sorted(CLEAN))
def test_a_project_file_of_eleven_sheets_saved_as_xls_by_another_program(national, soffice, pid):
    """A central department's whole file of a project, .xls written by LibreOffice: the form is
    found among eleven sheets and read to the template's figures."""
    others = [(f"附件{i}", [["说明"], [f"第 {i} 项材料"]]) for i in range(1, 6)]
    style = Style("eleven-xls", as_printed=True, sheet_names={"table": "项目支出绩效自评表"},
                  before=PROJECT_FILE_BEFORE + others[:2], after=PROJECT_FILE_AFTER + others[2:], xls=True)
    made, template = national(pid, style, soffice=soffice)
    report = read_report(made.path)
    assert len(report.sheet_names) == 11 and report.labels.sheets == ["项目支出绩效自评表"]
    assert report.figures() == read_report(template).figures()
    assert check([report]) == []


def test_a_caption_row_of_its_own_over_the_indicator_headers_is_no_goal(national):
    """绩效指标 typed in a row of its own above the indicator headers (the caption column
    dropped): not a second 预期目标, and the list under it reads as before."""
    made, template = national("cz-2020", Style("printed", as_printed=True, merged=False))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    header = next(c for r in ws.iter_rows() for c in r if c.value == "一级指标")
    ws.cell(header.row, 1).value = None  # the caption column left empty
    ws.insert_rows(header.row)
    ws.cell(header.row - 1, 2).value = "绩效指标"
    wb.save(made.path)
    report = read_report(made.path)
    assert len(report.items("goals")) == 1
    assert report.figures() == read_report(template).figures()
    assert check([report]) == []


# ------------------------------------------------------- the 总分 and 自评等级 rows left out, 小计 rows


def _clear_rows(ws, rows: set[int]) -> None:
    for rng in [r for r in ws.merged_cells.ranges if r.min_row in rows]:
        ws.unmerge_cells(str(rng))
    for r in rows:
        for cell in ws[r]:
            cell.value = None


def test_a_form_without_its_总分_and_自评等级_rows_says_so_where_they_belong(national):
    made, template = national("cz-2020", Style("printed", as_printed=True))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    total_row = ws[made.placed[("score_total", -1)].split("!")[1]].row
    grade_row = ws[made.placed[("grade", -1)].split("!")[1]].row
    _clear_rows(ws, {total_row, grade_row})
    ws.cell(grade_row, 1, "填表人：周敏")  # the signature line typed where the rows were
    ws.cell(grade_row, 8, "填报日期：2026年2月20日")
    wb.save(made.path)
    report = read_report(made.path)
    figures = read_report(template).figures() | {"fill_date": dt.date(2026, 2, 20)}  # read off the line
    assert report.figures() == figures  # the totals and grade: perfxl's recomputation
    found = [(f.code, f.severity, f.cell, f.expected) for f in check([report])]
    first_col = made.placed[("indicators_level1", 0)].split("!")[1].rstrip("0123456789")
    assert found == [("L002", "warning", f"{first_col}{total_row}", "总分"),
                     ("L002", "warning", f"{first_col}{total_row}", "自评等级")]


def test_a_总分_row_left_blank_is_a_warning_at_its_cell(national):
    made, template = national("cz-2020", Style("printed", as_printed=True))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    for name in ("score_total", "indicators_total_weight"):
        ws[made.placed[(name, -1)].split("!")[1]].value = None
    wb.save(made.path)
    report = read_report(made.path)
    assert report.figures() == read_report(template).figures()
    found = [(f.code, f"{f.sheet}!{f.cell}") for f in check([report])]
    assert found == [("L002", made.placed[("score_total", -1)])]
    assert "未填写" in check([report])[0].message


def test_a_subtotal_row_typed_in_the_list_is_no_indicator(national):
    made, template = national("cz-2020", Style("every-row", as_printed=True, merged=False, levels="every"))
    wb = openpyxl.load_workbook(made.path)
    ws = wb.active
    after = ws[made.placed[("indicators_name", 4)].split("!")[1]].row + 1  # under the 产出 indicators
    below = [r for r in ws.merged_cells.ranges if r.min_row >= after]
    for rng in below:
        ws.unmerge_cells(str(rng))
    ws.insert_rows(after)
    for rng in below:
        rng.shift(row_shift=1)
        ws.merge_cells(rng.coord)
    weight_col, score_col = (ws[made.placed[(f"indicators_{k}", 0)].split("!")[1]].column for k in ("weight", "score"))
    name_col = ws[made.placed[("indicators_name", 0)].split("!")[1]].column
    ws.cell(after, name_col - 2, "产出指标")
    ws.cell(after, name_col, "产出指标小计")
    ws.cell(after, weight_col, 50)
    ws.cell(after, score_col, 48)
    wb.save(made.path)
    report = read_report(made.path)
    names = [r["name"] for r in fill_of("cz-2020").items["indicators"]]
    assert report.items("indicators")["name"].tolist() == names
    assert report.figures() == read_report(template).figures()
    assert check([report]) == []
