"""The county summary adds up: every figure is recomputed here from the summary's own project
rows (the JSON's, and the workbook's as printed), over the one set of projects it declares, and
the projects left out are named with the reason.  The README's quick start summarises the
shipped samples/ folder — the sample county (示例县 2023) on two forms (gd-2020 and the national
cz-2020), beside the seed (和平县 2020) and a Sichuan county (2025) — so that is the case read here,
and the sample county on its Guangdong form alone with the seed (one form: every figure of it)."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.batch.validate import Limits
from perfxl.cli import main
from perfxl.county.summarize import summarize

from conftest import SAMPLES

INLINE = Limits(isolate=False)
WAN = 10_000


def _summarize(tmp_path_factory, *paths):
    out = tmp_path_factory.mktemp("quick")
    result = CliRunner().invoke(main, ["summarize", *map(str, paths), "-o", str(out / "汇总.xlsx"),
                                       "--json", str(out / "汇总.json")])
    assert result.exit_code == 1, result.output  # the samples carry deliberate mistakes
    doc = json.loads((out / "汇总.json").read_text(encoding="utf-8"))
    return result.output, doc, out / "汇总.xlsx"


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory):
    """``perfxl summarize samples/ -o 汇总.xlsx --json 汇总.json``, as the README has it."""
    return _summarize(tmp_path_factory, SAMPLES)


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """The sample county's Guangdong-form workbooks and the seed: a county of one form."""
    return _summarize(tmp_path_factory, SAMPLES / "county", SAMPLES / "seed")


def test_the_summary_is_of_one_county_and_year_and_names_the_odd_one_out(quick_start):
    output, doc, path = quick_start
    assert doc["title"] == "示例县2023年度财政支出绩效自评汇总"
    assert [{k: g[k] for k in ("county", "year", "workbooks", "counted")} for g in doc["groups"]] == [
        {"county": "示例县", "year": 2023, "workbooks": 81, "counted": True},  # both forms (one typed by hand)
        {"county": "", "year": 2025, "workbooks": 7, "counted": False},  # the Sichuan form names no county
        {"county": "和平县", "year": 2020, "workbooks": 2, "counted": False}]
    assert doc["groups"][2]["paths"] == [str(SAMPLES / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"),
                                         str(SAMPLES / "typed" / "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx")]
    seed = next(p for p in doc["left_out"] if p["path"].startswith(str(SAMPLES / "seed")))
    assert seed["reason"] == "属于和平县2020年度，本汇总为示例县2023年度"
    sichuan = next(p for p in doc["left_out"] if p["path"].startswith(str(SAMPLES / "sichuan")))
    assert sichuan["reason"] == "属于2025年度，本汇总为示例县2023年度"
    assert "9 份自评表不属于示例县2023年度" in output and "和平县电子政务外网网络畅通服务项目" in output
    assert "和平县" not in openpyxl.load_workbook(path)["汇总表"]["A1"].value


@pytest.mark.parametrize("case", ["quick_start", "classic"])
def test_every_figure_of_the_json_follows_from_its_project_rows(case, request):
    _, doc, _ = request.getfixturevalue(case)
    rows = doc["projects"]
    counted = [p for p in rows if p["counted"]]
    gone = [p for p in rows if not p["counted"]]
    assert [p["path"] for p in gone] == [p["path"] for p in doc["left_out"]]
    assert all(p["excluded"] for p in gone) and not any(p["excluded"] for p in counted)
    assert {re.sub(r"[（(].*", "", p["reason"]) for p in doc["left_out"]} >= {"预算安排无法识别"}

    t = doc["totals"]

    def total(key, among=counted):
        return sum(p[key] for p in among)

    assert (t["projects"], t["left_out"]) == (len(counted), len(gone)) == \
        {"quick_start": (76, 14), "classic": (42, 3)}[case]
    assert t["workbooks"] == len(rows) + len(doc["failures"])
    for key in ("budget_total", "spent_total"):
        assert t[key] == pytest.approx(total(key)), key
    assert t["execution_rate"] == pytest.approx(total("spent_total") / total("budget_total"))
    if case == "classic":  # the Guangdong form's own figures: every project has them
        assert t["in_place_total"] == pytest.approx(total("in_place_total"))
        assert t["rate_budget"] == pytest.approx(t["execution_rate"])
        assert t["rate_spent"] == pytest.approx(total("spent_total") / total("in_place_total"))
        assert t["rate_in_place"] == pytest.approx(total("in_place_total") / total("invested_total"))
    assert t["mean_score"] == pytest.approx(statistics.fmean(p["score_total"] for p in counted))
    assert t["median_score"] == pytest.approx(statistics.median(p["score_total"] for p in counted))
    assert t["departments"] == len({p["department"] for p in counted})

    by_department = defaultdict(list)
    for p in counted:
        by_department[p["department"]].append(p)
    assert [d["department"] for d in doc["departments"]] and \
        {d["department"] for d in doc["departments"]} == set(by_department)
    for d in doc["departments"]:
        own = by_department[d["department"]]
        assert d["projects"] == len(own)
        keys = ("budget_total", "in_place_total", "spent_total", "balance_total") if case == "classic" \
            else ("budget_total", "spent_total")
        for key in keys:
            assert d[key] == pytest.approx(total(key, own)), (d["department"], key)
        assert d["execution_rate"] == pytest.approx(total("spent_total", own) / total("budget_total", own))
        assert d["mean_score"] == pytest.approx(statistics.fmean(p["score_total"] for p in own))

    by_grade = defaultdict(list)  # a grade of its own form: 优 (cz-2020) is not 优秀 (gd-2020)
    for p in counted:
        by_grade[p["profile"], p["grade"]].append(p)
    for g in doc["grades"]:
        own = by_grade[g["profile"], g["grade"]]
        assert g["projects"] == len(own), (g["profile"], g["grade"])
        assert g["budget_total"] == pytest.approx(total("budget_total", own))
        assert g["spent_total"] == pytest.approx(total("spent_total", own))
    assert sum(g["projects"] for g in doc["grades"]) == t["projects"]
    gd = [g["band"] for g in doc["grades"] if g["profile"] == "gd-2020"]
    assert gd == ["90–100", "80–89", "70–79", "60–69", "59 及以下"]

    narrative = doc["narrative"][0]
    said = _said(narrative)
    assert said["budget"] == pytest.approx(t["budget_total"] / WAN, abs=0.005)
    assert said["spent"] == pytest.approx(t["spent_total"] / WAN, abs=0.005)
    assert said["rate"] == pytest.approx(round(said_ratio(said) * 100, 2), abs=0.006)  # 28209.30 … 95.43%
    for p in doc["left_out"][:5]:  # the first five by name, the rest counted
        assert p["project"] in narrative
    if len(doc["left_out"]) > 5:
        assert f"等 {len(doc['left_out'])} 份" in narrative


def _said(paragraph: str) -> dict:
    return {"budget": float(re.search(r"预算安排 ([\d.]+) 万元", paragraph).group(1)),
            "spent": float(re.search(r"实际支出 ([\d.]+) 万元", paragraph).group(1)),
            "rate": float(re.search(r"预算执行率（Σ实际支出 ÷ Σ预算安排）为 ([\d.]+)%", paragraph).group(1))}


def said_ratio(said: dict) -> float:
    return said["spent"] / said["budget"]


def test_every_figure_of_the_workbook_follows_from_its_own_rows(classic):
    """Read as the bureau director reads it: the project rows not in grey italics are the ones
    counted; every total, department row and grade row must follow from them."""
    _, doc, path = classic
    values = openpyxl.load_workbook(path, data_only=True)
    styles = openpyxl.load_workbook(path)
    ws, wf = values["汇总表"], styles["汇总表"]
    head = [c.value for c in ws[3]]
    col = {h: i for i, h in enumerate(head)}
    rows, total = [], None
    for r in range(4, ws.max_row + 1):
        line = [c.value for c in ws[r]]
        if line[col["部门"]] == "合计":
            total = line
            break
        rows.append((line, not wf.cell(r, 2).font.i))
    counted = [line for line, ok in rows if ok]
    gone = [line for line, ok in rows if not ok]
    assert len(counted) == 42 and len(gone) == 3 and all(line[col["备注"]] for line in gone)

    def s(name, among=counted):
        return sum(line[col[name]] or 0 for line in among)

    for name in ("预算安排", "实际到位", "实际支出", "资金结余"):
        assert total[col[name]] == pytest.approx(s(name)), name
    assert total[col["预算安排"]] == pytest.approx(doc["totals"]["budget_total"] / WAN)  # in 万元
    assert total[col["预算完成率"]] == pytest.approx(s("实际支出") / s("预算安排"))
    assert total[col["支出实现率"]] == pytest.approx(s("实际支出") / s("实际到位"))

    departments = values["部门汇总"]
    dept_head = [c.value for c in departments[3]]
    dcol = {h: i for i, h in enumerate(dept_head)}
    seen = 0
    for r in range(4, departments.max_row + 1):
        line = [c.value for c in departments[r]]
        if line[0] is None:
            continue
        own = counted if line[0] == "合计" else [x for x in counted if x[col["部门"]] == line[0]]
        if line[0] != "合计" and not str(line[0]).startswith("示例县"):
            continue  # the notes under the table
        seen += 1
        assert line[dcol["项目数"]] == len(own), line[0]
        for name in ("预算安排", "实际到位", "实际支出", "资金结余"):
            assert line[dcol[name]] == pytest.approx(s(name, own)), (line[0], name)
        assert line[dcol["预算完成率"]] == pytest.approx(s("实际支出", own) / s("预算安排", own))
        if line[0] == "合计":
            break
    assert seen == 13  # 12 departments and the total

    grades = values["等次分布"]
    gcol = {c.value: i for i, c in enumerate(grades[3]) if c.value}
    for r in range(4, 4 + len(doc["grades"]) + 1):
        line = [c.value for c in grades[r]]
        own = counted if line[0] == "合计" else [x for x in counted if x[col["自评等次"]] == line[0]]
        assert line[gcol["项目数"]] == len(own), line[0]
        assert line[gcol["预算安排"]] == pytest.approx(s("预算安排", own)), line[0]
        assert line[gcol["实际支出"]] == pytest.approx(s("实际支出", own)), line[0]

    notes = [c.value for sheet in ("部门汇总", "等次分布") for row in values[sheet].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("未计入的 3 份")]
    assert len(notes) == 2
    for line in gone:
        assert all(line[col["项目名称"]] in note and line[col["备注"]] in note for note in notes)
    paragraph = next(c.value for c in values["说明"]["A"] if c.value and c.value.startswith("一、基本情况"))
    said = _said(paragraph)
    assert said["budget"] == pytest.approx(total[col["预算安排"]], abs=0.005)
    assert said["spent"] == pytest.approx(total[col["实际支出"]], abs=0.005)
    assert said["rate"] == pytest.approx(total[col["预算完成率"]] * 100, abs=0.006)


def _filled(fill, department, project, *, budget="2700000", county="示例县", year=2023):
    fill.values.update(department=department, department_overview=department, project_name=project,
                       project_name_overview=project, county=county, fund_year=year,
                       title=f"{county} {year} 年财政支出绩效自评报告", funds_budget_local=budget)


def test_a_project_whose_budget_cannot_be_read_is_in_none_of_the_figures(make):
    """Before: its spending was in Σ实际支出 but its budget not in the rate's Σ预算安排."""
    good = make(lambda f: _filled(f, "甲局", "好项目"))
    bad = make(lambda f: _filled(f, "甲局", "坏项目", budget="约270万"))
    county = summarize([good, bad], limits=INLINE)
    row = county.projects.set_index("project").loc["坏项目"]
    assert not row["counted"] and row["excluded"] == "预算安排无法识别"
    kept = county.projects.set_index("project").loc["好项目"]
    assert county.totals["projects"] == 1 and county.totals["left_out"] == 1
    assert county.totals["spent_total"] == kept["spent_total"]  # not both projects' spending
    assert county.totals["execution_rate"] == pytest.approx(kept["spent_total"] / kept["budget_total"])
    assert county.departments["projects"].tolist() == [1]
    assert county.grades["projects"].sum() == 1


def test_workbooks_of_another_county_or_year_are_named_never_added(make):
    ours = [make(lambda f, n=n: _filled(f, "甲局", f"项目{n}")) for n in range(3)]
    other_county = make(lambda f: _filled(f, "乙局", "邻县项目", county="和平县"))
    last_year = make(lambda f: _filled(f, "甲局", "去年的项目", year=2022))
    county = summarize([*ours, other_county, last_year], limits=INLINE)
    assert county.title == "示例县2023年度财政支出绩效自评汇总"
    why = county.projects.set_index("project")["excluded"]
    assert why["邻县项目"] == "属于和平县2023年度，本汇总为示例县2023年度"
    assert why["去年的项目"] == "属于示例县2022年度，本汇总为示例县2023年度"
    assert county.totals["projects"] == 3
    assert [(g["county"], g["year"], g["workbooks"], g["counted"]) for g in county.groups] == [
        ("示例县", 2023, 3, True), ("和平县", 2023, 1, False), ("示例县", 2022, 1, False)]


def test_the_readme_quotes_what_the_quick_start_prints(quick_start):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"\(`(共 \d+ 个文件[^`]*)`\)", readme).group(1)
    printed = next(line for line in quick_start[0].splitlines() if line.startswith("共 "))
    assert printed.startswith(quoted), (quoted, printed)


def test_in_english_the_workbooks_left_out_are_named_with_their_county_and_year(tmp_path):
    result = CliRunner().invoke(main, ["--lang", "en", "summarize", str(SAMPLES), "-o", str(tmp_path / "s.xlsx")])
    line = next(t for t in result.output.splitlines() if t.startswith("Note: 9 workbooks not of 示例县 2023"))
    assert "和平县电子政务外网网络畅通服务项目.xlsx (和平县 2020)" in line
    assert "特困人员救助供养项目.xlsx (2025)" in line and "( " not in line  # the Sichuan form names no county


def test_another_countys_or_years_projects_are_listed_after_the_countys_own(quick_start):
    """The director reads 示例县's projects first; the workbooks of 和平县 2020 and of 2025 come
    after them, in grey, and the 合计 row's formulas do not reach over them."""
    _, doc, path = quick_start
    ws = openpyxl.load_workbook(path)["汇总表"]
    head = [c.value for c in ws[3]]
    remark, dept = head.index("备注"), head.index("部门")
    lines = []
    for r in range(4, ws.max_row + 1):
        line = [c.value for c in ws[r]]
        if line[dept] == "合计":
            total_row = line
            break
        lines.append((r, line))
    other = [r for r, line in lines if "本汇总为示例县2023年度" in str(line[remark] or "")]
    assert len(other) == 9 and other == [r for r, _ in lines[-9:]]  # all at the end
    assert all(ws.cell(r, 2).font.i for r in other)
    budget = total_row[head.index("预算数")]
    assert re.match(rf"=SUM\(E4:E{other[0] - 1}\)", budget) and not any(f"E{r}" in budget for r in other)
    own = [p for p in doc["projects"] if "本汇总为" not in (p.get("excluded") or "")]
    assert doc["projects"][:len(own)] == own  # the JSON lists them in the same order


def test_in_english_the_summary_says_its_own_words_in_english(tmp_path):
    """--lang en: the notes perfxl writes (copies, other counties, score bands) are English; the
    departments', projects' and grades' names stay as the units wrote them."""
    out = tmp_path / "en.xlsx"
    CliRunner().invoke(main, ["--lang", "en", "summarize", str(SAMPLES), "-o", str(out)])
    wb = openpyxl.load_workbook(out)
    ws = wb["Projects"]
    head = [c.value for c in ws[3]]
    notes = [r[head.index("Note")] for r in ws.iter_rows(min_row=4, values_only=True) if r[head.index("Note")]]
    assert any(n.startswith("also submitted as ") and n.endswith("; this one counts") for n in notes)
    assert "belongs to 2025, not to this summary's 示例县 2023" in notes
    assert not [n for n in notes if "重复" in n or "属于" in n or "  " in n]
    bands = [c.value for sheet in wb.sheetnames if sheet.startswith("Grades") for c in wb[sheet]["B"]]
    assert "59 and below" in bands and not [b for b in bands if b and "及以下" in str(b)]


def test_a_county_on_the_national_form_is_not_taken_for_the_one_report_that_names_a_county(tmp_path_factory):
    """The national table names no county: its 36 workbooks of 2023 outnumber the one 和平县 2020
    report among them, so the summary is of 2023 and that report is the one left out."""
    output, doc, _ = _summarize(tmp_path_factory, SAMPLES / "national", SAMPLES / "typed")
    assert doc["title"] == "2023年度财政支出绩效自评汇总"
    counted = [g for g in doc["groups"] if g["counted"]]
    assert [(g["year"], g["workbooks"]) for g in counted] == [(2023, 37)]  # 36 + the typed national one
    assert "1 份自评表不属于2023年度" in output and "和平县2020年度" in output
