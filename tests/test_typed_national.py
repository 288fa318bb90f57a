"""The national form typed by hand (samples/typed): a county department's 2023 project on the
printed 项目支出绩效自评表, without perfxl's template, read by its labels to its own figures, its
one deliberate mistake found at the cell it was typed in, and counted in the county's summary."""

from __future__ import annotations

import pytest

from perfxl.check.engine import check
from perfxl.read.workbook import read_report

from conftest import SAMPLES

TYPED = SAMPLES / "typed" / "乡村道路亮化工程项目（中央补助资金）（手工录入）.xlsx"


@pytest.fixture(scope="module")
def report():
    if not TYPED.exists():
        pytest.fail(f"the typed national sample is missing: run python3 samples/generate.py ({TYPED})")
    return read_report(TYPED)


def test_it_is_read_by_its_labels_as_the_national_form(report):
    assert report.read_by == "labels" and report.profile.id == "cz-2020"
    assert report.labels.sheets == ["自评表"]
    assert report.labels.found == report.labels.total and report.labels.issues == []


def test_it_reads_to_the_figures_the_unit_typed(report):
    fig = report.figures()
    assert fig["project"] == "乡村道路亮化工程项目（中央补助资金）"
    assert fig["department"] == "示例县住房和城乡建设局"
    assert fig["year"] == 2023  # from （2023年度） under the title
    assert str(fig["fill_date"]) == "2024-02-20"  # 填报日期：2024年2月20日 on the line at the bottom
    assert (fig["initial_total"], fig["budget_total"], fig["spent_total"]) == (3_200_000, 3_000_000, 2_880_000)
    assert fig["execution_rate"] == pytest.approx(0.96) and fig["execution_score"] == pytest.approx(9.6)
    assert fig["score_total"] == pytest.approx(93.93) and fig["grade"] == "优"


def test_every_indicator_row_is_read_with_its_labels_merged_down(report):
    items = report.items("indicators")
    assert items["name"].tolist()[:2] == ["新建路灯数量", "村道照明覆盖率"]
    assert len(items) == 8
    assert items["level1"].tolist() == ["产出指标", None, None, None, None, "效益指标", None, "满意度指标"]
    assert items["weight"].sum() == 90


def test_its_one_mistake_is_found_at_the_cell_it_was_typed_in(report):
    found = check([report])
    assert [(f.code, f.sheet, f.cell, f.expected) for f in found] == [("I002", "自评表", "H14", "≤ 9.79")]
