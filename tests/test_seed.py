"""The real report the project started from, typed into the template exactly as published."""

from __future__ import annotations

import pytest

from perfxl.check.engine import check
from perfxl.read.workbook import read_report

from conftest import SEED


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.fail(f"the seed sample is missing: run python3 samples/generate.py ({SEED})")
    return read_report(SEED)


def test_the_seed_reads_back_exactly(seed):
    fig = seed.figures()
    assert fig["project"] == "和平县电子政务外网网络畅通服务项目"
    assert fig["department"] == "和平县政务服务数据管理局"
    assert (fig["budget_total"], fig["spent_total"], fig["balance_total"]) == (2_700_000, 2_683_950, 16_050)
    assert round(fig["rate_in_place"] * 100, 2) == 100.60  # (6) = (3) ÷ (2), as printed
    assert round(fig["rate_spent"] * 100, 2) == round(fig["rate_budget"] * 100, 2) == 99.41
    leaves = seed.scores[seed.scores["kind"] == "input"]
    assert leaves["value"].sum() == 88
    assert fig["score_total"] == 88 and fig["grade"] == "良好"


def test_the_seed_scores_88_is_良好_and_gets_exactly_the_reviewers_warnings(seed):
    findings = check([seed])
    assert [f for f in findings if f.severity == "error"] == []
    warnings = sorted((f.code, f.sheet, f.cell) for f in findings)
    assert warnings == [
        ("P001", "存在问题", "B4"),  # 12 points not awarded, problems section empty
        ("P002", "自评得分", "D19"),  # 经济效益 blank without a word
        ("P002", "自评得分", "D21"),  # 生态效益 blank without a word
    ]
    p001 = next(f for f in findings if f.code == "P001")
    assert "12 分" in p001.message


def test_the_seeds_own_amount_in_text_agrees(seed):
    notes = seed.scores["note"].dropna().tolist()
    assert any("2683950" in str(n) for n in notes)
    assert not [f for f in check([seed]) if f.code == "P006"]
