"""The county summary workbook and the narrative: read back with openpyxl, and print with LibreOffice."""

from __future__ import annotations

import math
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.county.book import write_summary
from perfxl.county.model import DEPARTMENT_COLUMNS, PROJECT_COLUMNS, RECONCILE_COLUMNS, County, Failure
from perfxl.county.narrative import narrate
from perfxl.findings import Finding

from conftest import SAMPLES

EVIL_PROJECT = '=HYPERLINK("http://x","点我")'
EVIL_DEPT = "+cmd"
SHEETS = ["汇总表", "部门汇总", "等次分布", "问题清单", "未能处理", "预算核对", "说明"]


def _project(dept, name, path, budget, in_place, spent, score, grade, *, errors=0, duplicate="", counted=True):
    return {
        "department": dept, "project": name, "path": path, "year": 2023, "fill_date": "2024-03-01",
        "budget_total": budget, "in_place_total": in_place, "spent_total": spent,
        "balance_total": in_place - spent, "rate_in_place": in_place / budget,
        "rate_spent": spent / in_place, "rate_budget": spent / budget, "score_total": score,
        "grade": grade, "errors": errors, "warnings_open": 1 if errors else 0, "warnings_explained": 0,
        "main_problem": "资金结余与推算不符" if errors else "", "duplicate": duplicate, "counted": counted,
    }


def make_county(*, reconciliation=True) -> County:
    projects = pd.DataFrame([
        _project("教育局", "学生营养改善计划", "inbox/教育局/营养.xlsx", 1_000_000, 1_000_000, 900_000, 92, "优秀"),
        _project("教育局", "校舍维修", "inbox/教育局/校舍.xlsx", 100_000, 100_000, 10_000, 65.5, "及格"),
        _project("卫健局", "基层医疗设备购置", "inbox/卫健局/设备(旧).xlsx", 180_000, 180_000, 100_000, 80,
                 "良好", duplicate="与 设备.xlsx 重复，以后者为准", counted=False),
        _project("卫健局", "基层医疗设备购置", "inbox/卫健局/设备.xlsx", 200_000, 200_000, 200_000, 85, "良好",
                 duplicate="与 设备(旧).xlsx 重复，以本表为准"),
        _project(EVIL_DEPT, EVIL_PROJECT, "inbox/杂项/-x.xlsx", 50_000, 50_000, 25_000, math.nan, None, errors=1),
    ], columns=PROJECT_COLUMNS)
    counted = projects[projects["counted"]]
    rows = []
    for dept, g in counted.groupby("department", sort=False):
        b, ip, sp = g["budget_total"].sum(), g["in_place_total"].sum(), g["spent_total"].sum()
        rows.append([dept, len(g), b, ip, sp, ip - sp, ip / b, sp / ip, sp / b, g["score_total"].mean(),
                     int(g["errors"].sum()), 0])
    departments = pd.DataFrame(rows, columns=DEPARTMENT_COLUMNS)
    departments["rank"] = [2, 1, 3]
    grades = pd.DataFrame([["优秀", 1, 1_000_000, 900_000], ["良好", 1, 200_000, 200_000],
                           ["中等", 0, 0, 0], ["及格", 1, 100_000, 10_000], ["未评定", 1, 50_000, 25_000]],
                          columns=["grade", "projects", "budget_total", "spent_total"])
    bins = pd.DataFrame([["90–100", 1], ["80–89.99", 1], ["70–79.99", 0], ["60–69.99", 1], ["60 以下", 0]],
                        columns=["band", "projects"])
    findings = [
        Finding("inbox/杂项/-x.xlsx", "一、项目概况", "C12", "F001", "funds-derived-mismatch", "error",
                "=1+1 资金结余与推算结果不符", expected="25000", actual="@x"),
        Finding("inbox/教育局/校舍.xlsx", "二、自评得分", "E20", "P002", "deduction-unexplained", "warning",
                "指标扣分却没有说明", explained="-已在报告中说明"),
    ]
    recon = pd.DataFrame([["教育局", "校舍维修", 100_000, 100_000, 0, "一致", "inbox/教育局/校舍.xlsx"],
                          ["卫健局", "基层医疗设备购置", 150_000, 200_000, 50_000, "预算不一致", "x"],
                          ["财政局", "未报项目", 80_000, math.nan, math.nan, "未报送", ""]],
                         columns=RECONCILE_COLUMNS)
    top = pd.DataFrame([["F001", "funds-derived-mismatch", "error", 1, 1],
                        ["P002", "deduction-unexplained", "warning", 1, 1]],
                       columns=["code", "name", "severity", "count", "workbooks"])
    budget, spent = 1_350_000, 1_135_000
    totals = {"projects": 4, "workbooks": 5, "budget_total": budget, "in_place_total": budget,
              "spent_total": spent, "execution_rate": spent / budget, "rate_in_place": 1.0,
              "rate_spent": spent / budget, "rate_budget": spent / budget,
              "mean_score": (92 + 65.5 + 85) / 3, "median_score": 85, "share_with_errors": 0.2,
              "by_grade": {"优秀": 1, "良好": 1, "及格": 1, "未评定": 1}, "seconds": 0.1}
    county = County(title="示例县2023年度项目支出绩效自评汇总", profile="gd-2020", projects=projects,
                    departments=departments, grades=grades, score_bins=bins, findings=findings,
                    failures=[Failure("inbox/坏文件.xlsx", "文件内容已加密", "encrypted")], totals=totals,
                    top_findings=top, reconciliation=recon if reconciliation else None,
                    checked_at="2024-04-01 09:30")
    county.narrative = narrate(county)
    return county


def empty_county() -> County:
    return County(title="空县", profile="gd-2020", projects=pd.DataFrame(columns=PROJECT_COLUMNS),
                  departments=pd.DataFrame(columns=DEPARTMENT_COLUMNS),
                  grades=pd.DataFrame(columns=["grade", "projects", "budget_total", "spent_total"]),
                  score_bins=pd.DataFrame(columns=["band", "projects"]), findings=[], failures=[],
                  totals={}, top_findings=pd.DataFrame(columns=["code", "name", "severity", "count", "workbooks"]))


@pytest.fixture
def book(tmp_path):
    path = write_summary(make_county(), tmp_path / "汇总.xlsx", source_root=tmp_path)
    return path, openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def _row_of(ws, col: int, text: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == text)


def test_sheets_headers_panes_and_filters(book):
    _, wb, _ = book
    assert wb.sheetnames == SHEETS
    ws = wb["汇总表"]
    assert [c.value for c in ws[3]] == [
        "序号", "部门", "项目名称", "预算安排", "实际到位", "实际支出", "资金结余", "实际到位率", "支出实现率",
        "预算完成率", "自评得分", "自评等次", "备注", "错误", "警告（未说明）", "警告（已说明）", "源文件",
        "主要问题"]
    assert ws.freeze_panes == "D4"
    assert ws.auto_filter.ref == "A3:R8"
    assert "示例县" in ws["A1"].value
    assert ws["A2"].value.startswith("编制单位：") and "审核人：" in ws["A2"].value and "日期：" in ws["A2"].value
    assert ws["D4"].number_format == "#,##0.00" and ws["H4"].number_format == "0.00%"
    assert [c.value for c in wb["部门汇总"][3]][-3:] == ["平均得分", "错误数", "排名"]
    assert wb["部门汇总"].freeze_panes == "B4"
    assert wb["问题清单"].auto_filter.ref == "A3:L5"
    assert wb["问题清单"]["F4"].value == "错误"  # errors first
    assert wb["问题清单"]["G4"].value == "F001 资金结余、到位率等派生数与投入数推算结果不符"
    assert wb["预算核对"]["B3"].value == "项目" and wb["预算核对"]["F6"].value == "未报送"
    assert wb["未能处理"]["C4"].value == "文件内容已加密"
    for sheet in wb:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9, sheet.title
    assert ws.print_title_rows == "$1:$3"


def test_total_row_sums_counted_projects_only(book):
    _, wb, values = book
    ws, wv = wb["汇总表"], values["汇总表"]
    n = _row_of(ws, 2, "合计")
    assert n == 9
    assert wv.cell(n, 4).value == pytest.approx(135.0)  # 万元; not 153.0 with the duplicate
    assert wv.cell(n, 6).value == pytest.approx(113.5)
    assert ws.cell(n, 4).value == "=SUM(D4:D8)-D6"
    assert wv.cell(n, 10).value == pytest.approx(1_135_000 / 1_350_000)  # the county's rate
    assert wv.cell(n, 14).value == 1
    assert ws["B6"].font.i and not ws["B5"].font.i  # the uncounted copy is grey italic
    assert ws["M6"].value == "与 设备.xlsx 重复，以后者为准"  # why, in 备注
    assert "未计入本汇总" in ws.cell(n + 1, 1).value


def test_amounts_in_yuan_on_request(tmp_path):
    path = write_summary(make_county(), tmp_path / "元.xlsx", unit="元")
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb["汇总表"].cell(_row_of(wb["汇总表"], 2, "合计"), 4).value == pytest.approx(1_350_000)
    assert wb["汇总表"]["A2"].value.startswith("编制单位") and "金额单位：元" in [c.value for c in wb["汇总表"][2]]


def test_department_rates_are_the_countys_funds_weighted_ones(book):
    """summarize computes them from sums (tests/test_summarize.py); the book shows them."""
    _, wb, values = book
    ws, wv = wb["部门汇总"], values["部门汇总"]
    r = _row_of(ws, 1, "教育局")
    assert wv.cell(r, 9).value == pytest.approx(910_000 / 1_100_000)  # rate of the sums …
    assert wv.cell(r, 9).value != pytest.approx((0.9 + 0.1) / 2)  # … not the mean of the rates
    t = _row_of(ws, 1, "合计")
    assert wv.cell(t, 3).value == pytest.approx(135.0)
    assert wv.cell(t, 9).value == pytest.approx(1_135_000 / 1_350_000)


def test_strings_from_workbooks_stay_strings(book):
    _, wb, _ = book
    ws = wb["汇总表"]
    cell = ws.cell(_row_of(ws, 3, EVIL_PROJECT), 3)
    assert cell.data_type == "s" and cell.value == EVIL_PROJECT
    dept = ws.cell(cell.row, 2)
    assert dept.data_type == "s" and dept.value == EVIL_DEPT
    assert ws.cell(cell.row, 11).value is None  # NaN score → blank
    found = wb["问题清单"]
    assert found["H4"].data_type == "s" and found["H4"].value == "=1+1 资金结余与推算结果不符"
    assert found["J4"].value == "@x" and found["B4"].value == EVIL_DEPT
    assert found["K5"].data_type == "s" and found["K5"].value == "-已在报告中说明"
    assert found["L4"].value == "-x.xlsx"  # the file's name, not its path
    link = ws["Q4"]
    assert link.value == "营养.xlsx" and link.hyperlink.target.replace("\\", "/") == "inbox/教育局/营养.xlsx"


def test_chart_narrative_and_notes(book):
    path, wb, _ = book
    names = zipfile.ZipFile(path).namelist()
    assert "xl/charts/chart1.xml" in names
    ws = wb["等次分布"]
    assert [ws.cell(4 + i, 1).value for i in range(5)] == ["优秀", "良好", "中等", "及格", "未评定"]
    notes = [c.value for c in wb["说明"]["A"] if c.value]
    assert any(v.startswith("一、基本情况") and "135.00 万元" in v and "84.07%" in v for v in notes)
    assert any(v.startswith("三、存在问题") and "指标扣分或未评分却没有说明（P002）" in v for v in notes)
    assert any(v.startswith("四、整改建议") and "扣分项须说明原因并列明问题" in v for v in notes)
    assert any("生成时间：2024-04-01 09:30" in v for v in notes)
    assert any("不是各项目执行率的平均" in v for v in notes)


def test_same_county_same_bytes(tmp_path):
    county = make_county()
    a = write_summary(county, tmp_path / "a.xlsx").read_bytes()
    b = write_summary(county, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_without_budget_and_empty_county(tmp_path):
    wb = openpyxl.load_workbook(write_summary(make_county(reconciliation=False), tmp_path / "a.xlsx"))
    assert "预算核对" not in wb.sheetnames
    wb = openpyxl.load_workbook(write_summary(empty_county(), tmp_path / "b.xlsx"))
    assert wb.sheetnames == [s for s in SHEETS if s != "预算核对"]
    assert wb["未能处理"]["B4"].value == "全部文件均已处理"
    paragraphs = narrate(empty_county())
    assert len(paragraphs) == 4 and paragraphs[0].startswith("一、基本情况")
    assert len(narrate(empty_county(), lang="en")) == 4


def test_english_labels(tmp_path):
    wb = openpyxl.load_workbook(write_summary(make_county(), tmp_path / "en.xlsx", lang="en"))
    assert wb.sheetnames[0] == "Projects" and wb["Projects"]["B3"].value == "Department"
    assert narrate(make_county(), lang="en")[0].startswith("Overview.")


def test_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"old")
    monkeypatch.setattr("perfxl.county.book._Book.notes", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_summary(make_county(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_prints_with_libreoffice(tmp_path, soffice):
    path = write_summary(make_county(), tmp_path / "summary.xlsx")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "summary.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_the_sample_countys_summary_prints_as_the_bureau_director_reads_it(tmp_path, printed):
    """The sample county's Guangdong-form summary, printed: every page A4 landscape with the title,
    the 编制单位 / 审核人 / 日期 line and the column headings; the projects on two pages at a
    readable size rather than every column squeezed onto one; file names, never paths; amounts in
    万元."""
    out = tmp_path / "汇总.xlsx"
    CliRunner().invoke(main, ["summarize", str(SAMPLES / "county"), str(SAMPLES / "seed"), "-o", str(out)])
    pages = printed(out)
    assert 6 <= len(pages) <= 10
    for n, page in enumerate(pages, 1):
        assert page.a4_landscape, n
        assert "示例县2023年度财政支出绩效自评汇总" in page.text and "编制单位" in page.text, n
        assert f"第 {n} 页，共 {len(pages)} 页" in page.text, n
        assert "samples/" not in page.text and str(SAMPLES) not in page.text, n  # names, not paths
    projects = [p for p in pages if "项目汇总表" in p.text]
    assert len(projects) == 2  # 45 rows of 13 printed columns: two pages, not one unreadable one
    for page in projects:
        assert "序号" in page.text and "预算完成率" in page.text and "备注" in page.text  # headings repeated
        assert "金额单位：万元" in page.text
        heading = next(line for line in page.text.splitlines() if "序号" in line)
        assert "源文件" not in heading and "主要问题" not in heading  # for the screen only
    assert "28,209.30" in projects[-1].text  # Σ预算安排 in 万元, 2 decimals
    assert "供屏幕查看，不打印" in projects[-1].text  # and the columns left to the screen are said
    grades = next(p for p in pages if "自评等次分布" in p.text)
    for band in ("90–100", "80–89", "70–79", "60–69", "59 及以下"):
        assert band in grades.text
    assert "未计入的 3 份" in grades.text
    findings = [p for p in pages if "审核问题清单" in p.text]
    assert findings and all("规则" in p.text and "问题" in p.text for p in findings)


def test_the_readme_quick_start_prints_a_county_of_two_forms(tmp_path, printed):
    """``perfxl summarize samples/``: the sample county on the Guangdong form and the national
    table, printed: every page A4 landscape with its title, signing line and page number; the
    common figures of both forms in 汇总表; each form's grades on a page of its own; names, not
    paths."""
    out = tmp_path / "汇总.xlsx"
    CliRunner().invoke(main, ["summarize", str(SAMPLES), "-o", str(out)])
    pages = printed(out)
    assert len(pages) <= 30
    for n, page in enumerate(pages, 1):
        assert page.a4_landscape, n
        assert "示例县2023年度财政支出绩效自评汇总" in page.text and "编制单位" in page.text, n
        assert f"第 {n} 页，共 {len(pages)} 页" in page.text, n
        assert str(SAMPLES) not in page.text, n
    projects = [p for p in pages if "项目汇总表" in p.text]
    assert projects and all("执行率" in p.text and "表样" in p.text for p in projects)
    assert any("cz-2020" in p.text for p in projects) and any("gd-2020" in p.text for p in projects)
    grades = [p for p in pages if "自评等次分布" in p.text]
    assert {"cz-2020", "gd-2020"} <= {f for p in grades for f in ("cz-2020", "gd-2020") if f in p.text}
    assert not any("sc-2025" in p.text for p in grades)  # the Sichuan county is left out: no page of its own
