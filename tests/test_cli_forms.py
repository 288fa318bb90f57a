"""The command line on every form: profiles listed, templates written, workbooks found by their
form, validated, annotated, explained and cleaned — the national table as the Guangdong form."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.form.profile import load_profile
from perfxl.form.template import write_workbook

from national import national_fill, row, sichuan_fill

COMMON = {"project", "department", "year", "budget_total", "spent_total", "execution_rate", "score_total", "grade"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_profiles_lists_each_form_with_what_it_is_for():
    out = run("profiles")
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert lines[0].split("\t") == ["编号", "名称", "默认年度", "用途"]
    ids = [line.split("\t")[0] for line in lines[1:]]
    assert ids == ["cz-2020", "gd-2020", "sc-2025"]
    assert "预算执行率 10 分 + 指标 90 分" in out.output
    doc = json.loads(run("profiles", "--format", "json").output)
    assert {p["id"]: p["grades"] for p in doc["profiles"]}["sc-2025"] == ["优", "良", "中", "差"]
    assert run("--lang", "en", "profiles").output.startswith("id\tname\tdefault year\tpurpose")


@pytest.mark.parametrize(("pid", "fields"), [("cz-2020", 33), ("sc-2025", 46)])
def test_template_of_each_form(tmp_path, pid, fields):
    out = run("template", "--profile", pid, "-o", tmp_path / "表.xlsx")
    assert out.exit_code == 0 and f"表样 {pid}，{fields} 个字段" in out.output
    doc = json.loads(run("template", "--profile", pid, "--fields", "--format", "json").output)
    names = {f["name"]: f for f in doc["fields"]}
    assert names["indicators_name"]["cell"].count(":") == 1  # a column of any length
    assert names["score_total"]["max"] == 100


@pytest.fixture
def forms(tmp_path) -> Path:
    """A national workbook with a mistake, a Sichuan one clean."""
    write_workbook(load_profile("cz-2020"), tmp_path / "全国表.xlsx", fill=_of_2023(_spoiled()))
    write_workbook(load_profile("sc-2025"), tmp_path / "四川表.xlsx", fill=_of_2023(sichuan_fill()))
    return tmp_path


def _of_2023(fill):
    """Of the fiscal year the Guangdong workbooks of the tests are (2023): one county's inbox."""
    fill.values.update(fund_year=2023, fill_date=dt.date(2024, 3, 15))
    return fill


def _spoiled():
    fill = national_fill()
    row(1, actual="完成")(fill)  # ≥120公里 answered 完成: I004
    row(2, reason=None)(fill)  # 8 of 10 without a reason: I009
    return fill


def test_validate_finds_each_form_by_itself_and_gives_the_common_figures(forms):
    out = run("validate", "--format", "json", forms)
    assert out.exit_code == 1
    doc = json.loads(out.output)
    by_name = {Path(w["path"]).name: w for w in doc["workbooks"]}
    assert by_name["全国表.xlsx"]["profile"] == "cz-2020" and by_name["四川表.xlsx"]["profile"] == "sc-2025"
    for w in by_name.values():
        assert w["figures"].keys() >= COMMON
    cz = by_name["全国表.xlsx"]["figures"]
    assert cz["budget_total"] == 10_000_000 and cz["spent_total"] == 9_550_000  # 元, the form shows 万元
    assert (cz["execution_rate"], cz["score_total"], cz["grade"]) == (0.955, 92.55, "优")
    assert [(f["code"], f["cell"]) for f in by_name["全国表.xlsx"]["findings"]] == [("I004", "F13"), ("I009", "I14")]


def test_the_console_names_the_cell_and_what_it_should_hold(forms):
    out = run("validate", forms / "全国表.xlsx")
    said = "错误 I004 项目支出绩效自评表!F13  “新建农村公路里程”的年度指标值 ≥120公里 是定量指标，实际完成值却填“完成”"
    assert said in out.output
    assert "[应为 数值，如 120公里｜实际 完成]" in out.output


def test_annotate_explain_and_clean_a_national_workbook(forms, tmp_path):
    path = forms / "全国表.xlsx"
    assert run("validate", "--annotate", path).exit_code == 1
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "校验结果"
    assert "I004" in book["项目支出绩效自评表"]["F13"].comment.text
    # The unit explains the warning on the results sheet; the next run reports it as explained.
    sheet = book["校验结果"]
    header = next(r for r in sheet.iter_rows() if any(c.value == "说明" for c in r))
    col = next(c.column for c in header if c.value == "说明")
    code_col = next(c.column for c in header if c.value in ("规则", "编号", "代码"))
    for r in sheet.iter_rows(min_row=header[0].row + 1):
        if r[code_col - 1].value and str(r[code_col - 1].value).startswith("I009"):
            sheet.cell(row=r[0].row, column=col, value="汛期停工，桥梁已列入下年计划。")
    book.save(path)
    doc = json.loads(run("validate", "--format", "json", path).output)
    explained = [f for f in doc["workbooks"][0]["findings"] if f["explained"]]
    assert [f["code"] for f in explained] == ["I009"]
    assert run("clean", path).exit_code == 0
    assert openpyxl.load_workbook(path).sheetnames == ["项目支出绩效自评表"]
    again = json.loads(run("validate", "--format", "json", path).output)["workbooks"][0]
    assert [f["code"] for f in again["findings"]] == ["I004", "I009"] and again["profile"] == "cz-2020"


def test_clean_gives_back_the_national_workbook_unchanged(forms):
    path = forms / "全国表.xlsx"
    original = parts(path)
    run("validate", "--annotate", path)
    assert run("clean", path).exit_code == 0
    assert parts(path) == original


def test_summarize_a_mixed_inbox_from_the_command_line(forms, make, tmp_path):
    make(name="广东表.xlsx")
    (tmp_path / "广东表.xlsx").rename(forms / "广东表.xlsx")
    done = tmp_path.parent / f"{tmp_path.name}-汇总"  # outputs beside the inbox, never inside it
    done.mkdir()
    out = run("summarize", forms, "-o", done / "汇总.xlsx", "--json", done / "汇总.json")
    assert out.exit_code == 1 and "共 3 个文件，3 个项目" in out.output, out.output
    doc = json.loads((done / "汇总.json").read_text("utf-8"))
    assert {p["profile"] for p in doc["projects"]} == {"gd-2020", "cz-2020", "sc-2025"}
    assert set(doc["totals"]["by_profile"]) == {"gd-2020", "cz-2020", "sc-2025"}
