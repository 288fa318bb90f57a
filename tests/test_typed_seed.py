"""The real report typed by hand into one sheet, as a unit without perfxl's template sends it:
read by its labels to the same figures and the same three warnings as the template version."""

from __future__ import annotations

import pytest

from perfxl.check.engine import check
from perfxl.read.workbook import read_report

from conftest import SAMPLES, SEED

TYPED = SAMPLES / "typed" / "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx"


@pytest.fixture(scope="module")
def typed_seed():
    if not TYPED.exists():
        pytest.fail(f"the typed seed is missing: run python3 samples/generate.py ({TYPED})")
    return read_report(TYPED)


@pytest.fixture(scope="module")
def template_seed():
    return read_report(SEED)


def test_it_is_read_by_its_labels_as_the_gd_2020_form(typed_seed):
    assert typed_seed.read_by == "labels"
    assert typed_seed.profile.id == "gd-2020"
    assert typed_seed.labels.sheets == ["绩效自评报告"]
    assert typed_seed.labels.found == typed_seed.labels.total
    assert typed_seed.labels.issues == []


def test_it_reads_to_the_figures_of_the_template_version(typed_seed, template_seed):
    assert typed_seed.figures() == template_seed.figures()
    fig = typed_seed.figures()
    assert fig["score_total"] == 88 and fig["grade"] == "良好"
    assert round(fig["rate_in_place"] * 100, 2) == 100.60  # typed as '100. 60%'


def test_every_value_typed_is_the_value_of_the_template_version(typed_seed, template_seed):
    def inputs(report):
        c = report.cells
        return {(n, i): v for n, i, v, k in zip(c["name"], c["item"], c["value"], c["kind"], strict=True)
                if k == "input"}

    assert inputs(typed_seed) == inputs(template_seed)
    cells = typed_seed.cells.set_index("name")
    assert cells.loc["department", "raw"] == "（公章）和平县政务服务数据管理局"  # as typed, the mark dropped
    assert cells.loc["department", "value"] == "和平县政务服务数据管理局"


def test_it_gets_the_three_warnings_of_the_template_version_at_its_own_cells(typed_seed, template_seed):
    ours = check([typed_seed])
    theirs = check([template_seed])
    assert [f for f in ours if f.severity == "error"] == []
    assert sorted((f.code, f.field) for f in ours) == sorted((f.code, f.field) for f in theirs)
    at = {(f.code, f.field): f"{f.sheet}!{f.cell}" for f in ours}
    assert at == {
        ("P001", "problems_problem"): "绩效自评报告!B80",  # the first 主要问题 row, left empty
        ("P002", "score_economic"): "绩效自评报告!D64",  # 经济效益's score, blank
        ("P002", "score_ecological"): "绩效自评报告!D66",  # 生态效益's score, blank
    }
    assert "12 分" in next(f.message for f in ours if f.code == "P001")
