"""Workbooks typed by hand through the command line, as a bureau meets them: validate says they
were read by labels, --annotate marks the cells where the values stand, clean takes the marks out
again, summarize counts them like any other."""

from __future__ import annotations

import json
import shutil
import zipfile

import openpyxl

from conftest import SAMPLES
from typed import Style

TYPED = SAMPLES / "typed" / "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx"


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def findings_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("  错误", "  警告"))]


def spoilt(fill):
    fill.typed_over.update(funds_balance_total=12345)
    fill.values.update(score_funds_paid=4)


def test_validate_says_the_workbook_was_read_by_labels(run):
    result = run("validate", TYPED)
    assert result.exit_code == 0, result.output
    assert "按标签读取：表样 gd-2020，对上 76/76 个标签，工作表 绩效自评报告" in result.output
    doc = json.loads(run("validate", "--format", "json", TYPED).output)
    book = doc["workbooks"][0]
    assert book["read_by"] == "labels" and book["reading"]["profile"] == "gd-2020"
    assert book["reading"]["sheets"] == ["绩效自评报告"]
    assert book["figures"]["score_total"] == 88 and book["figures"]["grade"] == "良好"


def test_annotate_marks_the_cells_where_the_values_stand_and_clean_gives_it_back(run, typed, tmp_path):
    made = typed(spoilt, Style("printed"))
    original = parts(made.path)
    result = run("validate", "--annotate", made.path)
    assert result.exit_code == 1, result.output
    ws = openpyxl.load_workbook(made.path)["Sheet1"]
    for name, code in (("funds_balance_total", "F001"), ("score_funds_paid", "S001")):
        cell = made.placed[(name, -1)].split("!")[1]
        assert ws[cell].comment is not None and code in ws[cell].comment.text, (name, cell)
    again = run("validate", made.path)  # the results sheet perfxl added does not disturb the reading
    assert findings_in(again.output) == findings_in(result.output) and len(findings_in(result.output)) >= 2
    assert run("clean", made.path).exit_code == 0
    assert parts(made.path) == original


def test_an_xls_typed_by_hand_is_checked_and_told_to_be_saved_as_xlsx_for_notes(run, typed, soffice):
    made = typed(spoilt, Style("xls", xls=True), soffice=soffice)
    result = run("validate", "--annotate", made.path)
    assert "按标签读取" in result.output and "F001" in result.output
    assert ".xlsx" in result.output  # notes need .xlsx: said, not a traceback


def test_summarize_counts_typed_and_template_workbooks_alike(run, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(TYPED, inbox / TYPED.name)
    shutil.copy(SAMPLES / "county" / "示例县水利局" / "河长制工作经费项目.xlsx", inbox / "河长制.xlsx")
    result = run("summarize", inbox, "-o", tmp_path / "汇总.xlsx", "--json", tmp_path / "汇总.json")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "汇总.json").read_text("utf-8"))
    by_project = {p["project"]: p for p in doc["projects"]}
    assert by_project["和平县电子政务外网网络畅通服务项目"]["read_by"] == "labels"
    assert by_project["和平县电子政务外网网络畅通服务项目"]["score_total"] == 88
    assert by_project["河长制工作经费项目"]["read_by"] == "template"
    assert {f["code"] for f in doc["findings"] if f["workbook"].endswith(TYPED.name)} == {"P001", "P002"}
