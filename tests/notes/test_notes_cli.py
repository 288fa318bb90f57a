"""Notes from the command line: annotate in place or into copies, explain, clean."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture
def flagged(make):
    """A project with an error (资金支付 4 of 3) and a warning (a deduction left unexplained)."""
    def change(fill):
        fill.values["score_funds_paid"] = 4
        del fill.values["note_scientific"]

    return make(change)


def test_annotate_in_place_then_the_notes_are_in_the_workbook(flagged, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = run("validate", "--annotate", flagged)
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(flagged)
    assert wb.sheetnames[0] == "校验结果"
    comment = wb["自评得分"]["D11"].comment
    assert comment is not None and "S001" in comment.text and comment.author == "perfxl"
    before = digest(flagged)
    run("validate", "--annotate", flagged)
    assert digest(flagged) == before, "annotating twice gives the same workbook as once"


def test_out_writes_copies_and_leaves_the_input_untouched(flagged, tmp_path):
    before = digest(flagged)
    result = run("validate", "--out", tmp_path / "退回", flagged)
    assert result.exit_code == 1
    assert digest(flagged) == before
    copy = tmp_path / "退回" / flagged.name
    assert openpyxl.load_workbook(copy).sheetnames[0] == "校验结果"


def test_a_clean_copy_is_said_to_carry_its_results_sheet_not_0_notes(make, tmp_path):
    clean = make()
    result = run("validate", "--out", tmp_path / "退回", clean)
    assert result.exit_code == 0
    assert f"已写入校验结果（未发现问题） → {tmp_path / '退回' / clean.name}" in result.output
    assert "（0 处）" not in result.output


def test_an_explained_warning_is_reported_as_explained(flagged):
    run("validate", "--annotate", flagged)
    wb = openpyxl.load_workbook(flagged)  # the unit opens its file and writes in 说明
    ws = wb["校验结果"]
    header = next(r for r in ws.iter_rows() if any(c.value == "说明" for c in r))
    col = {c.value: c.column for c in header}
    for row in ws.iter_rows(min_row=header[0].row + 1):
        rule = str(row[col["规则"] - 1].value or "")
        if rule.startswith(("P002", "S001")):
            ws.cell(row[0].row, col["说明"], "该指标暂无可量化数据，已在报告中说明")
    wb.save(flagged)
    doc = json.loads(run("validate", "--format", "json", flagged).output)
    counts = doc["workbooks"][0]["counts"]
    assert counts == {"errors": 1, "warnings_open": 0, "warnings_explained": 1}  # errors stand
    explained = next(f for f in doc["workbooks"][0]["findings"] if f["code"] == "P002")
    assert explained["explained"].startswith("该指标")
    assert "已说明" in run("validate", flagged).output



def test_an_explanation_written_against_an_error_is_not_accepted_and_says_so(flagged):
    run("validate", "--annotate", flagged)
    wb = openpyxl.load_workbook(flagged)
    ws = wb["校验结果"]
    header = next(r for r in ws.iter_rows() if any(c.value == "说明" for c in r))
    col = {c.value: c.column for c in header}
    row = next(r for r in ws.iter_rows(min_row=header[0].row + 1)
               if str(r[col["规则"] - 1].value or "").startswith("S001"))
    ws.cell(row[0].row, col["说明"], "资金支付情况良好，多给 1 分")
    wb.save(flagged)
    doc = json.loads(run("validate", "--format", "json", flagged).output)
    s001 = next(f for f in doc["workbooks"][0]["findings"] if f["code"] == "S001")
    assert (s001["severity"], s001["explained"], s001["rejected"]) == ("error", "", "资金支付情况良好，多给 1 分")
    assert doc["workbooks"][0]["counts"]["errors"] == 1
    out = run("validate", "--annotate", flagged).output
    line = next(x for x in out.splitlines() if "S001" in x)
    assert "说明未采纳：错误须改正，不能以说明代替" in line and "多给 1 分" in line
    ws = openpyxl.load_workbook(flagged)["校验结果"]
    row = next(r for r in ws.iter_rows() if str(r[col["规则"] - 1].value or "").startswith("S001"))
    assert row[col["说明"] - 1].value == "资金支付情况良好，多给 1 分"  # kept as the unit wrote it
    assert row[col["状态"] - 1].value == "说明未采纳（错误须改正）"


def test_clean_gives_back_the_workbook(flagged, tmp_path):
    original = tmp_path / "原件.xlsx"
    shutil.copy(flagged, original)
    run("validate", "--annotate", flagged)
    assert run("clean", flagged).exit_code == 0
    assert parts(flagged) == parts(original)


def test_fixing_the_value_removes_its_note(make, tmp_path):
    bad = make(lambda f: f.values.update(score_funds_paid=4), name="表.xlsx")
    run("validate", "--annotate", bad)
    fixed = make(name="fixed.xlsx")  # the unit corrects D11 to 3
    shutil.copy(fixed, bad)
    original = parts(bad)
    run("validate", "--annotate", bad)
    assert openpyxl.load_workbook(bad)["自评得分"]["D11"].comment is None
    sheet = next(n for n in original if n.endswith("sheet3.xml"))
    assert parts(bad)[sheet] == original[sheet]


def test_notes_need_xlsx_and_say_how(tmp_path, flagged, soffice):
    subprocess.run([soffice, "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(flagged)],
                   check=True, capture_output=True, timeout=180)
    xls = tmp_path / flagged.with_suffix(".xls").name
    result = run("validate", "--annotate", xls)  # click mixes stderr into output
    assert result.exit_code == 2
    assert "另存为" in result.output and ".xlsx" in result.output


def _visible_results(path) -> tuple[list, list[list]]:
    """The results sheet as a reader sees it: the header and the finding rows, hidden columns
    left out."""
    ws = openpyxl.load_workbook(path)["校验结果"]
    hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
    header = next(r for r in ws.iter_rows() if any(c.value == "说明" for c in r))
    shown = [c for c in header if c.column_letter not in hidden]
    rows = [[ws.cell(r, c.column).value for c in shown]
            for r in range(header[0].row + 1, ws.max_row + 1)]
    return [c.value for c in shown], rows


def test_the_results_sheet_speaks_chinese_and_says_how_to_fix(make, tmp_path):
    """Rule names in words and the hint in a column of its own; never the rules' kebab-case
    names or the fields' defined names (filler_phone) where the unit can see them."""
    path = make(lambda f: f.values.update(filler_phone="12345", score_funds_paid=4))
    run("validate", "--annotate", path)
    doc = json.loads(run("validate", "--format", "json", path).output)
    findings = doc["workbooks"][0]["findings"]
    header, rows = _visible_results(path)
    assert header == ["序号", "级别", "规则", "工作表", "单元格", "问题", "应为", "实际", "如何改正", "说明", "状态"]
    shown = " ".join(str(v) for row in rows for v in row if v is not None)
    by_code = {row[2].split(" ")[0]: row for row in rows}
    for f in findings:
        assert f["name"] not in shown and f["field"] not in shown, (f["name"], f["field"])
        assert by_code[f["code"]][2] == f"{f['code']} {f['title']}"
        assert by_code[f["code"]][8] == f["hint"] and f["hint"]
    assert by_code["T002"][2] == "T002 电话号码格式有误"
    ws = openpyxl.load_workbook(path)["校验结果"]
    problem = next(c for c in ws["F"] if c.value and "不是有效的电话号码" in str(c.value))
    assert problem.alignment.wrap_text  # long messages wrap in their column


def test_the_warning_highlight_is_plainly_not_the_input_tint():
    """The template tints inputs pale yellow; perfxl's warning highlight on such a cell must
    stand out at least as much as its error highlight does (colour difference, CIE76)."""
    from perfxl.form.template import STYLES
    from perfxl.notes.read import FILLS

    def lab(rgb: str):
        def linear(c):
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(int(rgb[-6:][i:i + 2], 16) / 255) for i in (0, 2, 4))
        x, y, z = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
                   (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
        fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z))
        return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

    def apart(a, b):
        return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5

    tint = STYLES["input"]["bg_color"].lstrip("#")
    error, warning = FILLS
    assert apart(warning, tint) >= apart(error, tint)
    assert apart(warning, error) >= apart(error, tint) / 2  # and not taken for an error either


def test_the_results_sheet_prints_on_a4_whole(make, printed, tmp_path):
    """Landscape A4, every column on the page, every message whole (wrapped, not cut off)."""
    long_note = "实施程序说明" * 25  # 150 characters: T004 names it, with a long message
    path = make(lambda f: f.values.update(filler_phone="12345", note_implementation=long_note,
                                          score_funds_paid=4))
    run("validate", "--annotate", path)
    doc = json.loads(run("validate", "--format", "json", path).output)
    pages = printed(path)
    first = pages[0]
    assert first.a4_landscape and "财政支出绩效自评校验结果" in first.text
    text = "".join(first.raw.split())  # each cell's lines in the order they are drawn
    for heading in ("序号", "级别", "规则", "如何改正", "说明", "状态"):
        assert heading in text
    for f in doc["workbooks"][0]["findings"]:
        assert "".join(f["message"].split()) in text, f["message"]  # wrapped, never cut
        assert "".join(f["hint"].split()) in text, f["hint"]


def test_the_results_table_headings_print_on_every_page_and_clean_takes_them_out(make, printed, tmp_path):
    from builders import LEAF_SCORES

    def every_score_too_high(fill):
        for key in LEAF_SCORES:
            fill.values[f"score_{key}"] = 99

    path = make(every_score_too_high)
    before = path.read_bytes()
    assert run("validate", "--annotate", path).exit_code == 1
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode()
    assert "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'校验结果'!$9:$9</definedName>" in book
    pages = [p for p in printed(path) if "规则" in p.raw and "状态" in p.raw]
    assert len(pages) >= 2  # the results table runs over a page, and its headings with it
    assert all("序号" in p.raw and "如何改正" in p.raw for p in pages)
    run("clean", path)
    assert path.read_bytes() == before
