"""``perfxl map``: how a workbook was read, field by field — and why one was not understood."""

from __future__ import annotations

import json

import openpyxl

from conftest import SAMPLES, SEED
from typed import Style

TYPED = SAMPLES / "typed" / "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx"


def line_of(output: str, label: str) -> list[str]:
    return next(line.split("\t") for line in output.splitlines() if line.startswith(label + "\t"))


def test_a_typed_workbook_shows_each_fields_label_cell_value_cell_and_value(run):
    result = run("map", TYPED)
    assert result.exit_code == 0, result.output
    assert "按标签读取——表样 gd-2020" in result.output and "对上 76/76 个标签" in result.output
    assert line_of(result.output, "填报日期") == [
        "填报日期", "绩效自评报告!A14", "绩效自评报告!A14", "2021 年 4 月 1 日", "2021-04-01", "冒号后"]
    assert line_of(result.output, "实际到位率（合计）")[1:5] == [
        "绩效自评报告!B31", "绩效自评报告!D31", "100. 60%", "100.60%"]
    assert line_of(result.output, "合计")[1:5] == ["绩效自评报告!A69", "绩效自评报告!C69", "88", "88"]
    assert line_of(result.output, "前期工作（自评得分）")[2:] == ["—", "", "5", "表中未列，按公式计算"]


def test_what_was_not_found_and_what_was_not_understood_are_listed(run, typed):
    made = typed(style=Style("printed", spelling={"实际投入": "投入资金情况"}))
    result = run("map", made.path)
    assert result.exit_code == 0
    assert "未找到的标签（1 个）" in result.output
    assert "实际投入（实际投入数、实际投入资金）" in result.output
    assert "表中未认出的文字（1 处" in result.output and "投入资金情况" in result.output


def test_as_json(run):
    doc = json.loads(run("map", TYPED, "--format", "json").output)
    assert doc["read_by"] == "labels" and doc["sheets"] == ["绩效自评报告"]
    by_name = {(f["name"], f["label"]): f for f in doc["fields"]}
    grade = by_name[("grade", "自评等次")]
    assert (grade["label_cell"], grade["value_cell"], grade["value"]) == (
        "绩效自评报告!D69", "绩效自评报告!E69", "良好")


def test_a_template_workbook_is_shown_by_its_defined_names(run):
    result = run("map", SEED)
    assert result.exit_code == 0 and "按模板读取（定义名称）" in result.output
    assert line_of(result.output, "填报日期")[1:3] == ["—", "封面!B7"]


def test_a_workbook_not_understood_shows_the_nearest_form_and_its_missing_labels(run, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "某项目"])
    wb.active.append(["投入指标", "行次", "预算安排", "实际到位"])  # the Guangdong form's words, a few
    wb.save(tmp_path / "other.xlsx")
    result = run("map", tmp_path / "other.xlsx")
    assert result.exit_code == 2
    assert "未能读取" in result.output and "gd-2020" in result.output
    found = next(line for line in result.output.splitlines() if line.strip().startswith("对上："))
    assert set(found.split("：", 1)[1].split("、")) == {"项目名称", "投入指标", "行次", "预算安排", "实际到位"}
    assert "缺少：" in result.output and "实际支出" in result.output


def test_a_form_none_of_whose_labels_is_there_says_so(run, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["月份", "销售额"])
    wb.save(tmp_path / "sales.xlsx")
    lines = run("map", tmp_path / "sales.xlsx").output.splitlines()
    assert lines.count("    对上：（无）") == 3  # each of the three forms


def test_in_english(run):
    result = run("--lang", "en", "map", TYPED)
    assert "read by labels — form gd-2020" in result.output
    assert "after colon" in result.output
