"""The profile format describes the national table too (FORMS.md §3): a draft backs this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfxl.check.engine import check
from perfxl.form.profile import load_profile
from perfxl.form.template import Fill, write_workbook
from perfxl.read.workbook import read_report

DRAFT = Path(__file__).resolve().parents[1] / "profiles" / "national-draft.toml"
LEAVES = {"q1": 15, "ql1": 15, "t1": 10, "c1": 8, "s1": 15, "su1": 12, "sat1": 9}  # 84 of 90


@pytest.fixture(scope="module")
def national():
    return load_profile(str(DRAFT))


def filled(national, tmp_path, **typed_over) -> Path:
    values = {"project_name": "示例县农村公路养护项目", "department": "示例县交通运输局",
              "implementer": "示例县公路事务中心", "fund_year": 2023,
              "funds_current_initial": 800_000, "funds_current_annual": 900_000,
              "funds_current_executed": 855_000, "funds_carryover_annual": 100_000,
              "funds_carryover_executed": 100_000}
    for key, score in LEAVES.items():
        values[f"score_{key}"] = score
        values[f"reason_{key}"] = "" if score == national.tree.block_max(key) else "部分路段进度滞后，已督促整改。"
    path = tmp_path / "national.xlsx"
    write_workbook(national, path, fill=Fill(values={k: v for k, v in values.items() if v != ""},
                                             typed_over=typed_over))
    return path


def test_the_execution_score_sits_outside_the_tree_and_the_total_is_100(national):
    assert sum(leaf.max for leaf in national.tree.leaves) == 90
    assert national.tree.total_adds == [{"name": "funds_total_score", "max": 10}]
    assert [g.label for g in national.grades] == ["优", "良", "中", "差"]


def test_a_national_table_reads_and_recomputes(national, tmp_path):
    report = read_report(filled(national, tmp_path), profile=national)
    fig = report.figures()
    assert fig["budget_total"] == 1_000_000 and fig["spent_total"] == 955_000
    assert fig["rate_budget"] == pytest.approx(0.955)
    cells = report.cells.set_index("name")
    assert cells.loc["funds_total_score", "expected"] == pytest.approx(9.55)  # 执行率 × 分值, capped at 10
    assert fig["score_total"] == pytest.approx(84 + 9.55)
    assert fig["grade"] == "优"
    assert check([report]) == []


def test_a_typed_over_execution_score_is_found(national, tmp_path):
    report = read_report(filled(national, tmp_path, funds_total_score=10), profile=national)
    found = {(f.code, f.field) for f in check([report])}
    assert {("V001", "funds_total_score"), ("F001", "funds_total_score")} <= found
