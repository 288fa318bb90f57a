"""The form profile: gd-2020 describes the seed form, and a broken profile is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfxl.form.layout import layout_for
from perfxl.form.profile import Formula, ProfileError, load_profile

PROFILE_TEXT = (Path(__file__).resolve().parents[2] / "perfxl" / "form" / "profiles" / "gd-2020.toml").read_text(
    encoding="utf-8"
)


def broken(tmp_path, old: str, new: str) -> Path:
    assert old in PROFILE_TEXT, old
    path = tmp_path / "broken.toml"
    path.write_text(PROFILE_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_gd2020_has_the_seed_forms_indicator_tree(profile):
    tree = profile.tree
    roots = {r.label: r.max for r in tree.roots}
    assert roots == {"绩效目标": 20, "绩效监督实施过程": 30, "项目绩效结果": 50}
    assert len(tree.leaves) == 21
    assert sum(leaf.max for leaf in tree.leaves) == 100
    process = next(r for r in tree.roots if r.label == "绩效监督实施过程")
    assert all(c.is_leaf for c in process.children), "绩效监督实施过程 has no 二级"


def test_gd2020_funds_formulas_are_as_printed(profile):
    funds = profile.block("funds")
    formulas = {r.label: r.formula.text for r in funds.rows if r.formula}
    assert formulas == {
        "资金结余": "in_place - spent",
        "实际到位率": "in_place / invested",  # (6) = (3) ÷ (2), as printed on the form
        "支出实现率": "spent / in_place",
        "预算完成率": "spent / budget",
    }
    assert [r.code for r in funds.rows][:5] == ["(1)", "(2)", "(3)", "(4)", "(5)=(3)-(4)"]


@pytest.mark.parametrize(
    ("total", "grade"),
    [(100, "优秀"), (90, "优秀"), (89.99, "良好"), (88, "良好"), (80, "良好"), (79.5, "中等"),
     (60, "及格"), (59.9, "不及格"), (0, "不及格")],
)
def test_grade_bands_are_half_open(profile, total, grade):
    assert profile.grade_for(total) == grade


def test_every_field_has_a_valid_unique_defined_name(profile):
    names = [s.name for s in layout_for(profile).slots]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), name
        assert not re.fullmatch(r"[A-Za-z]{1,3}\d+", name), f"{name} looks like a cell reference"


def test_profile_figures_and_checks_name_real_fields(profile):
    names = {s.name for s in layout_for(profile).slots}
    assert set(profile.figures.values()) <= names
    for pair in profile.checks["equal"]:
        assert {pair["left"], pair["right"]} <= names
    for link in profile.checks["full_marks"]:
        assert {link["score"], link["rate"]} <= names


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "demo"\nparent = "prep"\nlabel = "项目论证"\nmax = 1',
         'key = "demo"\nparent = "prep"\nlabel = "项目论证"\nmax = 2', "下级分值合计"),
        ('label = "不及格"\nmin = 0', 'label = "不及格"\nmin = 10', "未覆盖 0 分"),
        ('parent = "prep"\nlabel = "申报程序"', 'parent = "nowhere"\nlabel = "申报程序"', "不存在"),
        ('formula = "spent / budget"', 'formula = "spent / budgett"', "不存在的行"),
        ('formula = "spent / budget"', 'formula = "__import__(1)"', "公式"),
        ('kind = "tree"', 'kind = "forest"', "未知的区块类型"),
    ],
)
def test_a_broken_profile_is_refused_with_its_cause(tmp_path, old, new, message):
    path = broken(tmp_path, old, new)
    load_profile.cache_clear()
    with pytest.raises(ProfileError) as err:
        load_profile(str(path))
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_an_unknown_profile_id_lists_the_known_ones():
    with pytest.raises(ProfileError, match="gd-2020"):
        load_profile("zz-1999")


def test_formula_is_excel_and_python_alike():
    f = Formula.parse("in_place / invested")
    assert f.to_excel({"in_place": "D11", "invested": "D10"}) == '=IF(N(D10)=0,"",D11/D10)'
    assert f.evaluate({"in_place": 2_700_000.0, "invested": 2_683_950.0}) == pytest.approx(1.00598, abs=1e-5)
    assert f.evaluate({"in_place": 1.0, "invested": 0.0}) != f.evaluate({"in_place": 1.0, "invested": 0.0})
    capped = Formula.parse("min(rate * weight, weight)")
    assert capped.evaluate({"rate": 1.2, "weight": 10.0}) == 10.0
    assert capped.to_excel({"rate": "E5", "weight": "D5"}) == "=MIN((E5*D5),D5)"
