"""The fill-in workbook a profile makes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl

from perfxl.form.layout import layout_for
from perfxl.form.template import write_template


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_inputs_give_the_same_bytes(tmp_path, profile):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(profile, a, year=2021, county="和平县")
    write_template(profile, b, year=2021, county="和平县")
    assert sha(a) == sha(b)


def test_template_is_protected_with_unlocked_inputs_names_and_properties(tmp_path, profile):
    path = tmp_path / "t.xlsx"
    write_template(profile, path, year=2020, county="和平县")
    wb = openpyxl.load_workbook(path)
    assert [ws.title for ws in wb] == [s.name for s in profile.sheets]
    assert all(ws.protection.sheet and not ws.protection.password for ws in wb)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"perfxl_profile": "gd-2020", "perfxl_profile_version": profile.version}
    layout = layout_for(profile)
    assert set(wb.defined_names) >= {s.name for s in layout.slots}
    for slot in layout.slots:
        cell = wb[slot.sheet][slot.cell]
        if slot.kind == "input":
            assert cell.protection.locked is False, slot.name
        else:
            assert cell.protection.locked is not False, slot.name
            assert str(cell.value).startswith("="), slot.name
    assert wb["封面"]["A1"].value == "和平县 2020 年财政支出绩效自评报告"


def test_scores_carry_their_maximum_in_validation(tmp_path, profile):
    path = tmp_path / "t.xlsx"
    write_template(profile, path)
    ws = openpyxl.load_workbook(path)["自评得分"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    implementation = next(s for s in layout_for(profile).slots if s.name == "score_implementation")
    dv = rules[implementation.cell]
    assert dv.type == "decimal" and dv.operator in (None, "between")  # between is the default
    assert (float(dv.formula1), float(dv.formula2)) == (0.0, 15.0)
    assert "15" in dv.prompt


def test_the_committed_template_is_the_one_perfxl_writes(tmp_path, profile):
    committed = Path(__file__).resolve().parents[2] / "workbook_templates" / "gd-2020.xlsx"
    fresh = write_template(profile, tmp_path / "gd-2020.xlsx")
    assert sha(fresh) == sha(committed), "regenerate: perfxl template -o workbook_templates/gd-2020.xlsx"
