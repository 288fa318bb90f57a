"""Reading a filled workbook back into frames."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfxl.form.layout import layout_for
from perfxl.form.template import write_template
from perfxl.read.workbook import read_report

from builders import clean_fill


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fill_then_read_recovers_every_value(make):
    fill = clean_fill()
    report = read_report(make())
    for name, typed in fill.values.items():
        got = report.value(name)
        if name == "fund_year":
            assert got == 2023
        else:
            assert got == typed, name
    details = report.details
    assert list(details["item"][:2]) == ["日常养护费", "应急抢修费"]
    assert list(details["spent"][:2]) == [1_930_000, 950_000]
    figures = report.figures()
    assert figures["budget_total"] == 3_000_000
    assert figures["spent_total"] == 2_880_000
    assert figures["score_total"] == 96
    assert figures["grade"] == "优秀"
    assert figures["rate_spent"] == pytest.approx(2_880_000 / 2_900_000)


def test_every_value_keeps_its_sheet_cell_and_raw_text(make):
    report = read_report(make(lambda f: f.values.update(funds_budget_local="2,000,000")))
    row = report.cells.set_index("name").loc["funds_budget_local"]
    assert (row["sheet"], row["cell"], row["raw"], row["value"]) == ("项目概况", "F9", "2,000,000", 2_000_000)


def test_derived_figures_are_recomputed_not_trusted(make):
    path = make(lambda f: (f.stale.update(funds_rate_spent_total=0.5),
                           f.typed_over.update(funds_balance_total=12345)))
    cells = read_report(path).cells.set_index("name")
    stale = cells.loc["funds_rate_spent_total"]
    assert stale["value"] == 0.5 and bool(stale["has_formula"])
    assert stale["expected"] == pytest.approx(2_880_000 / 2_900_000)
    typed = cells.loc["funds_balance_total"]
    assert typed["value"] == 12345 and not typed["has_formula"]
    assert typed["expected"] == 20_000


def test_unparseable_text_stays_raw_never_zero(make):
    report = read_report(make(lambda f: f.values.update(funds_spent_local="约185万")))
    row = report.cells.set_index("name").loc["funds_spent_local"]
    assert row["status"] == "invalid" and row["value"] is None and row["raw"] == "约185万"


def test_inserted_detail_rows_are_read(make):
    def more_rows(fill):
        fill.items["detail"] = [
            {"item": f"明细{i}", "budget": 500_000, "spent": 475_000, "basis": "合同"} for i in range(6)
        ]

    report = read_report(make(more_rows))
    assert report.details["item"].tolist() == [f"明细{i}" for i in range(6)]
    assert report.cells.set_index("name").loc["detail_total_spent", "expected"] == 6 * 475_000


def test_rows_typed_below_the_named_range_are_followed(make, tmp_path):
    """A row inserted right after the last item is outside the defined name: still read."""
    path = make(lambda f: f.items["problems"].extend(
        {"problem": f"问题{i}", "plan": f"计划{i}"} for i in range(2, 5)))
    wb = openpyxl.load_workbook(path)
    ws = wb["存在问题"]
    ws.insert_rows(9)  # after the 5th item row; openpyxl leaves the defined names as they were
    ws["B9"], ws["C9"] = "第六个问题", "第六个计划"
    wb.save(tmp_path / "inserted.xlsx")
    problems = read_report(tmp_path / "inserted.xlsx").problems
    assert problems["problem"].dropna().tolist()[-1] == "第六个问题"
    assert len(problems) == 6


def test_template_saved_by_libreoffice_still_reads_and_recomputes_alike(tmp_path, make, soffice):
    src = make()
    out = tmp_path / "lo"
    subprocess.run([soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    resaved = out / src.name
    ours, theirs = read_report(src), read_report(resaved)
    assert ours.figures() == theirs.figures()
    # LibreOffice recomputed every formula: its cached values equal perfxl's recomputation.
    derived = theirs.cells[theirs.cells["kind"] == "derived"]
    for _, row in derived.iterrows():
        if isinstance(row["expected"], float):
            assert row["value"] == pytest.approx(row["expected"], abs=1e-6), row["name"]
        elif row["expected"] is not None:
            assert row["value"] == row["expected"], row["name"]


def test_calamine_sees_the_cached_values_xlsxwriter_stored(make):
    path = make()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("自评得分").to_python()
    total = next(s for s in layout_for(read_report(path).profile).slots if s.name == "score_total")
    assert sheet[total.row][total.col] == 96
    with zipfile.ZipFile(path) as zf:
        assert "docProps/custom.xml" in zf.namelist()


def test_fill_the_blank_template_by_its_defined_names_then_read(tmp_path, profile):
    """As another program would: look each field up by name, type a value there, save."""
    blank = write_template(profile, tmp_path / "blank.xlsx", year=2023, county="示例县")
    wb = openpyxl.load_workbook(blank)
    typed = {}
    for slot in layout_for(profile).slots:
        if slot.kind != "input" or slot.section == "list":
            continue
        value = {"money": 1000.0 + slot.row, "score": slot.max, "date": dt.date(2024, 3, 1),
                 "year": 2023, "phone": "0762-2345678", "postcode": "517200"}.get(slot.type, f"文本{slot.name}")
        (sheet, cell), = wb.defined_names[slot.name].destinations
        wb[sheet][cell.replace("$", "")] = value
        typed[slot.name] = value
    wb.save(tmp_path / "filled.xlsx")
    report = read_report(tmp_path / "filled.xlsx")
    for name, value in typed.items():
        got = report.value(name)
        assert got == (value.date() if isinstance(value, dt.datetime) else value), name
    assert report.figures()["score_total"] == 100



def test_a_package_without_xl_workbook_xml_says_which_part_is_missing_in_chinese(make, tmp_path):
    """Some exporting programs put the workbook elsewhere (or spell the paths with backslashes):
    the message names the missing part and what to do, in the user's language, not Python's."""
    from perfxl.errors import UnreadableWorkbook

    src = make()
    odd = tmp_path / "导出.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(odd, "w") as zout:
        for info in zin.infolist():
            name = info.filename.replace("/", "\\") if info.filename.startswith("xl/") else info.filename
            zout.writestr(name, zin.read(info.filename))
    with pytest.raises(UnreadableWorkbook) as caught:
        read_report(odd)
    message = str(caught.value)
    assert "缺少 xl/workbook.xml" in message and "另存为 .xlsx" in message
    assert "There is no item" not in message
