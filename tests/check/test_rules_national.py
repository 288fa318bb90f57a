"""The national table (cz-2020) and the Sichuan variant (sc-2025): each new rule finds its mistake.

Like test_rules.py, each case spoils a clean project in one way (tests/national.py) and names the
finding a reviewer expects: rule code, cell and what the cell should hold.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from perfxl.check.engine import Settings, catalogue, check
from perfxl.form.profile import load_profile
from perfxl.form.template import Fill, write_workbook
from perfxl.read.workbook import read_report

from national import (
    NATIONAL_CASES,
    both,
    goals,
    indicator_items,
    national_fill,
    row,
    set_values,
    sichuan_fill,
)

CLEAN = {"cz-2020": national_fill, "sc-2025": sichuan_fill}


@pytest.fixture
def make_form(tmp_path):
    """``make_form(profile, change)`` writes that profile's clean project after ``change``."""
    counter = iter(range(1000))

    def build(pid: str, change=None, fill: Fill | None = None) -> Path:
        fill = fill or copy.deepcopy(CLEAN[pid]())
        if change is not None:
            change(fill)
        path = tmp_path / f"{pid}-{next(counter)}.xlsx"
        write_workbook(load_profile(pid), path, fill=fill)
        return path

    return build


def findings(path: Path, **settings):
    return check([read_report(path)], Settings(**settings))


@pytest.mark.parametrize("pid", sorted(CLEAN))
def test_the_clean_projects_pass_every_rule(make_form, pid):
    assert findings(make_form(pid)) == []


@pytest.mark.parametrize(("pid", "code", "change", "where", "expected"), NATIONAL_CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(NATIONAL_CASES)])
def test_each_mistake_is_found_at_its_cell(make_form, pid, code, change, where, expected):
    found = findings(make_form(pid, change))
    sheet = load_profile(pid).sheets[0].name
    at = {(f.code, f"{f.sheet}!{f.cell}"): f for f in found}
    assert (code, f"{sheet}!{where}") in at, [(f.code, f.cell, f.message) for f in found]
    finding = at[(code, f"{sheet}!{where}")]
    assert finding.expected == expected, finding
    assert finding.message and finding.name
    assert finding.severity == next(r.severity for r in catalogue() if r.code == code)


def test_every_new_rule_has_a_failing_case_here():
    new = {r.code for r in catalogue() if r.code.startswith("I") or r.code in
           {"T010", "T011", "P015", "P016", "P017", "P018", "P019"}}
    assert new <= {c[1] for c in NATIONAL_CASES}


@pytest.mark.parametrize("change", [
    row(4, actual="0.96"),  # a rate typed as a fraction against ≥95%
    row(1, actual="１２６公里"),  # full-width digits
    row(1, target="不低于120公里", actual="126"),  # spelt out; the unit left off the result
    row(4, target="大于等于95%"),
    row(5, target="80万元以内", actual="780000元"),  # 万元 and 元 convert
    row(8, target="90%以上"),
    row(6, actual="明显改善"),  # the result restates a qualitative target: 达成
    row(2, score=7.9),  # below the most a short result earns is allowed
    goals(expected="新建农村公路120公里。"),
    row(1, actual="200公里", reason="年中追加两条通村公路，已据此调高下年指标值。"),  # far past, explained
    row(1, actual="150公里"),  # 25 % past: within the form's 30 %
], ids=["fraction", "fullwidth", "spelt-out", "spelt-out-2", "wan-and-yuan", "yishang", "restated",
        "lower-score", "goal-sentence", "far-past-explained", "past-within-share"])
def test_what_a_reviewer_accepts_is_not_flagged(make_form, change):
    assert findings(make_form("cz-2020", change)) == []


def test_labels_typed_on_every_row_or_merged_down_read_the_same(make_form):
    merged = national_fill()
    typed = national_fill()
    typed.merge = False
    for fill in (merged, typed):
        fill.items["indicators"][7]["level2"] = "数量指标"  # 满意度 with a 产出 二级: I012 either way
    a, b = (findings(make_form("cz-2020", fill=fill)) for fill in (merged, typed))
    assert [(f.code, f.cell) for f in a] == [(f.code, f.cell) for f in b] == [("I012", "C20")]


def test_a_row_the_unit_inserted_is_read_and_checked(make_form):
    items = indicator_items()
    items.insert(2, {"name": "新建错车道", "target": "≥30处", "actual": "完成", "weight": 0, "score": 0})
    fill = national_fill()
    fill.items["indicators"] = items
    found = findings(make_form("cz-2020", fill=fill))
    assert [(f.code, f.cell) for f in found] == [("I004", "F15")]


def test_a_merged_label_is_carried_down_to_the_rows_under_it(make_form):
    """Printed forms merge 一级/二级 down; rows under a merged label belong to it."""
    path = make_form("cz-2020")
    report = read_report(path)
    cells = report.cells
    level1 = cells[(cells["column"] == "level1") & (cells["item"] >= 0)]["raw"].tolist()
    assert level1[:5] == ["产出指标", "", "", "", ""]  # merged: only the top cell holds the text
    assert findings(path) == []  # and still 产出 adds up to 50 (no I007)


def test_scores_follow_the_profiles_own_formula(make_form, tmp_path):
    """The reverse formula is profile data: a province that takes target ÷ result instead."""
    text = (Path(load_profile("cz-2020").source).read_text(encoding="utf-8")
            .replace('id = "cz-2020"', 'id = "cz-2020-other"')
            .replace('over = "max(0, (1 - (max(actual, 0) - target) / target) * weight)"',
                     'over = "target / actual * weight"'))
    other = tmp_path / "other.toml"
    other.write_text(text, encoding="utf-8")
    path = make_form("cz-2020", row(5, actual="100万元", score=5))
    national = next(f for f in findings(path) if f.code == "I002")
    assert national.expected == "≤ 3.75"  # (1 − 20 ÷ 80) × 5
    report = read_report(path, profile=load_profile(str(other)))
    provincial = next(f for f in check([report]) if f.code == "I002")
    assert provincial.expected == "≤ 4"  # 80 ÷ 100 × 5


def test_the_band_words_are_profile_data(make_form):
    found = findings(make_form("cz-2020", both(row(6, actual="部分完成"), row(6, score=14))))
    assert [(f.code, f.expected) for f in found] == [("I003", "9–12")]


def test_amounts_in_messages_are_shown_in_wan_yuan_as_the_form_prints_them(make_form):
    found = findings(make_form("cz-2020", set_values(funds_current_initial=1200, funds_current_executed=900)))
    cut = next(f for f in found if f.code == "P016")
    assert "1,300.00 万元" in cut.message and cut.actual == "1,000.00 万元"


def test_messages_in_english_on_request(make_form):
    found = findings(make_form("cz-2020", row(1, actual="完成")), lang="en")
    assert any(f.code == "I004" and "word" in f.message for f in found)


def test_the_sichuan_texts_are_limited_to_200_characters(make_form):
    found = findings(make_form("sc-2025", set_values(conclusion="项目总体完成年度目标。" * 19)))
    assert [(f.code, f.cell, f.expected) for f in found] == [("T004", "B25", "≤ 200 字")]


def test_the_sichuan_rate_is_spent_over_the_adjusted_budget(make_form):
    report = read_report(make_form("sc-2025"))
    fig = report.figures()
    assert fig["execution_rate"] == pytest.approx(470 / 500) and fig["initial_total"] == 5_200_000
    assert fig["score_total"] == pytest.approx(88 + 9.4)
