"""The signed form's figures: what the clerk typed, what the form computes from it, and what a
reviewer makes of figures that cannot be (issue #14, points 1–4 and 8)."""

from __future__ import annotations

from perfxl.check.engine import catalogue


def _typed(**values):
    return lambda fill: fill.typed_over.update(values)


def _set(**values):
    return lambda fill: fill.values.update(values)


def _found(findings, code):
    return [f for f in findings if f.code == code]


# ---------------------------------------------------------------- 4. a value pasted over a formula


def test_the_right_total_pasted_over_its_formula_is_a_warning_not_an_error(make, findings_of):
    found = findings_of(make(_typed(score_total=96)))  # 96 is what the formula gives
    assert [(f.code, f.severity, f.cell) for f in found] == [("V005", "warning", "D24")]
    assert "粘贴为数值 96" in found[0].message and "不会再自动更新" in found[0].message


def test_a_different_total_typed_over_its_formula_stays_an_error(make, findings_of):
    found = findings_of(make(_typed(score_total=100)))
    v001 = _found(found, "V001")
    assert [(f.severity, f.cell, f.expected) for f in v001] == [("error", "D24", "96")]
    assert not _found(found, "V005")


def test_a_rate_pasted_as_its_rounded_percentage_is_the_same_value(make, findings_of):
    # 实际到位率 (3) ÷ (2) is exactly 100%; a typed 1 is the same as shown
    found = findings_of(make(_typed(funds_rate_in_place_total=1)))
    assert [(f.code, f.cell) for f in found] == [("V005", "D14")]


def test_pasted_values_are_their_own_code_so_an_office_can_ignore_them(make, findings_of):
    path = make(_typed(score_total=96, score_prep=4))  # one pasted right, one typed wrong
    assert {f.code for f in findings_of(path)} == {"V001", "V005", "S002"}
    assert {f.code for f in findings_of(path, ignore=["V005"])} == {"V001", "S002"}
    rules = {r.code: r.severity for r in catalogue()}
    assert (rules["V001"], rules["V005"]) == ("error", "warning")


def test_validate_exits_0_on_a_pasted_value(make, tmp_path):
    from click.testing import CliRunner

    from perfxl.cli import main

    path = make(_typed(score_total=96))
    got = CliRunner().invoke(main, ["validate", str(path)])
    assert got.exit_code == 0, got.output
    assert "警告 V005 自评得分!D24" in got.output


# ---------------------------------------------------------------- 8. smaller points


def test_letter_o_typed_for_zeros_gets_the_number_it_means(make, findings_of):
    found = _found(findings_of(make(_set(funds_budget_local="27OOOOO"))), "V002")
    assert [(f.cell, f.expected) for f in found] == [("F9", "2,700,000.00")]
    assert "可能是 2,700,000.00（字母 O 应为数字 0）" in found[0].message
    assert "27.00" not in found[0].message


def test_a_number_glued_to_letters_is_not_guessed_from_its_digits(make, findings_of):
    found = _found(findings_of(make(_set(funds_budget_local="27abc"))), "V002")
    assert [(f.cell, f.expected) for f in found] == [("F9", "")]
    assert "可能是" not in found[0].message


def test_a_rejected_date_says_which_formats_are_accepted(make, findings_of):
    found = _found(findings_of(make(_set(fill_date="2024年13月1日"))), "T003")
    assert found[0].expected.startswith("日期，如 2021-4-1")


def test_every_format_a_message_names_is_one_the_reader_accepts():
    import re

    from perfxl.check.rules.text import ACCEPTED
    from perfxl.numbers import parse

    for kind, (zh, _) in ACCEPTED.items():
        examples = re.findall(r"[0-9()][0-9()./年月日-]+[0-9日]", zh)
        assert examples, kind
        for example in examples:
            assert parse(kind, example).status == "ok", (kind, example)


# ---------------------------------------------------------------- 3. funds that cannot be


def _spent_over_in_place(fill):
    """The issue's case: 2,800,000 spent of 2,700,000 in place (budget 2,700,000), full marks."""
    for key in [k for k in fill.values if k.startswith("funds_") and k.endswith("_upper")]:
        del fill.values[key]
    fill.values.update(funds_budget_local=2_700_000, funds_invested_local=2_700_000,
                       funds_in_place_local=2_700_000, funds_spent_local=2_800_000, score_funds_paid=3)
    fill.items["detail"] = [{"item": "日常养护费", "budget": 2_700_000, "spent": 2_800_000, "basis": "合同"}]


def test_spending_more_than_arrived_is_an_error_with_its_negative_balance(make, findings_of):
    found = findings_of(make(_spent_over_in_place))
    assert sorted((f.code, f.severity, f"{f.sheet}!{f.cell}") for f in found) == [
        ("F004", "error", "项目概况!D12"),  # 实际支出 > 实际到位: 资金结余 −100,000
        ("F005", "error", "项目概况!D12"),  # 实际支出 > 预算安排: 预算完成率 103.70%
        ("P003", "warning", "自评得分!D11"),  # 资金支付 full marks while 支出实现率 103.70%
    ]
    f004 = _found(found, "F004")[0]
    assert "多出 100,000.00" in f004.message and "资金结余为负" in f004.message
    p003 = _found(found, "P003")[0]
    assert "支出实现率（合计）为 103.70%，超过了 100.00%" in p003.message


def test_more_arrived_than_budgeted_is_a_warning_unless_spending_exceeds_it_too(make, findings_of):
    more_in = findings_of(make(_set(funds_in_place_local=2_100_000, funds_invested_local=2_100_000)))
    assert [(f.severity, f.cell, f.expected) for f in _found(more_in, "F006")] == [
        ("warning", "D11", "≤ 3,000,000.00")]
    overspent = findings_of(make(_spent_over_in_place))
    assert not _found(overspent, "F006")  # F005 says it; the warning is not repeated


def test_one_source_column_overspent_under_a_total_that_holds_is_found_at_that_column(make, findings_of):
    # 上级 spent 1,100,000 of the 1,000,000 that arrived (and was budgeted); 本级 spent less: the
    # 合计 holds, but the printed form shows 资金结余（上级财政资金） −100,000
    found = findings_of(make(_set(funds_spent_upper=1_100_000, funds_spent_local=1_780_000)))
    assert sorted((f.code, f.cell) for f in found if f.code.startswith("F")) == [("F004", "E12"), ("F005", "E12")]
    assert "实际支出（上级财政资金） 1,100,000.00 超过实际到位（上级财政资金）" in _found(found, "F004")[0].message


def test_the_seeds_rate_over_100_percent_in_place_is_the_forms_own_and_not_doubted():
    from perfxl.check.engine import check
    from perfxl.read.workbook import read_report

    from conftest import SEED

    assert not [f for f in check([read_report(SEED)]) if f.code in ("P003", "F004", "F005", "F006")]


def test_which_figures_the_checks_compare_comes_from_the_profile(make, tmp_path):
    from perfxl.check.engine import check
    from perfxl.form.profile import load_profile, profiles_dir
    from perfxl.read.workbook import read_report

    text = (profiles_dir() / "gd-2020.toml").read_text(encoding="utf-8")
    # an office whose form compares spending with 实际投入 rather than with 实际到位
    text = text.replace('amount = "funds_spent_total"\nlimit = "funds_in_place_total"',
                        'amount = "funds_spent_total"\nlimit = "funds_invested_total"')
    own = tmp_path / "own.toml"
    own.write_text(text, encoding="utf-8")
    path = make(_set(funds_invested_local=1_800_000))  # 2,880,000 spent of 2,800,000 invested
    codes = {f.code for f in check([read_report(path, profile=load_profile(str(own)))])}
    assert "F004" in codes
    assert "F004" not in {f.code for f in check([read_report(path)])}  # gd-2020: in place 2,900,000


# ---------------------------------------------------------------- 2. amounts in the wrong unit


def _seed_in_wan(fill):
    """The seed's figures typed in 万元, as a clerk reading 万元 off the budget notice would."""
    for key in [k for k in fill.values if k.startswith("funds_")]:
        del fill.values[key]
    fill.values.update(funds_budget_local=270, funds_invested_local=268.395, funds_in_place_local=270,
                       funds_spent_local=268.395)
    fill.items["detail"] = [{"item": "网络费", "budget": 270, "spent": 268.395, "basis": "合同"}]


def test_a_project_typed_in_wan_is_suspected_although_every_total_agrees(make, findings_of):
    found = findings_of(make(_seed_in_wan))
    assert [(f.code, f.severity, f.cell) for f in found] == [("P009", "warning", "F9")]
    assert "疑似以万元填写" in found[0].message and "预算安排（本级财政资金）为 270.00" in found[0].message
    assert found[0].expected.startswith("2,700,000.00")


def test_a_detail_typed_in_wan_beside_funds_in_yuan_says_so(make, findings_of):
    def detail_in_wan(fill):
        for row in fill.items["detail"]:
            row.update(budget=row["budget"] / 10_000, spent=row["spent"] / 10_000)

    found = findings_of(make(detail_in_wan))
    d002 = _found(found, "D002")
    assert [f.cell for f in d002] == ["E18"]
    assert "相差 -2,879,712.00，前者疑似以万元填写" in d002[0].message
    assert [(f.cell, f.expected) for f in _found(found, "P009")] == [("D18", "3,000,000.00")]


def test_a_small_project_in_yuan_is_not_suspected(make, findings_of):
    def small(fill):
        for key in [k for k in fill.values if k.startswith("funds_")]:
            del fill.values[key]
        fill.values.update(funds_budget_local=48_000, funds_invested_local=48_000,
                           funds_in_place_local=48_000, funds_spent_local=47_500)
        fill.items["detail"] = [{"item": "印刷费", "budget": 48_000, "spent": 47_500, "basis": "发票"}]

    assert not _found(findings_of(make(small)), "P009")


def test_the_template_prints_its_money_unit_on_every_money_table(tmp_path, profile):
    from python_calamine import CalamineWorkbook

    from perfxl.form.template import write_template

    path = write_template(profile, tmp_path / "t.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("项目概况").to_python()
    texts = [str(v) for row in rows for v in row if "单位：" in str(v)]
    money_tables = [b for b in profile.blocks() if b.kind in ("grid", "list") and b.unit]
    assert {b.key for b in money_tables} == {"funds", "detail"}
    assert len(texts) == len(money_tables) and all(t.endswith("（单位：元）") for t in texts)


# ---------------------------------------------------------------- 1. numbers typed as text


def test_270万元_typed_into_实际到位_is_an_error_at_its_cell_and_the_form_shows_value_errors(make, findings_of):
    found = findings_of(make(_set(funds_in_place_local="190万元")))
    v004 = _found(found, "V004")
    assert [(f.sheet, f.cell, f.expected) for f in v004] == [("项目概况", "F11", "1,900,000.00")]
    assert "“190万元”是文本，perfxl 读作 1,900,000.00" in v004[0].message
    assert "请改为数字（表内公式不会计入文本）" in v004[0].message
    # what Excel shows from it: 实际到位 合计 = E11+F11 is #VALUE!, and all that follows from it
    total = next(f for f in found if f.cell == "D11")
    assert (total.code, total.actual, total.expected) == ("V003", "#VALUE!", "2,900,000.00")
    assert "因 项目概况!F11 填写的“190万元”是文本" in total.message
    assert "文本改为数字" in total.hint  # the fix is at the typed cell, not in the formula
    rate = next(f for f in found if f.cell == "F15")  # IF(N(F11)=0,"",…): N() of a text is 0
    assert (rate.code, rate.actual) == ("F001", "（空）") and "项目概况!F11" in rate.message
    assert not [f for f in found if "未重新计算" in f.message]


def test_a_score_typed_as_14分_makes_the_printed_form_82_良好_and_the_summary_says_so(make, findings_of):
    from perfxl.read.workbook import read_report

    path = make(_set(score_implementation="14分"))
    found = findings_of(path)
    assert [(f.code, f.cell) for f in found] == [
        ("S002", "G10"), ("V004", "D13"), ("S002", "D24"), ("S003", "F24")]
    total = next(f for f in found if f.cell == "D24")
    assert (total.expected, total.actual) == ("96", "82")  # SUM skipped the text
    assert "因 自评得分!D13 填写的“14分”是文本" in total.message
    figures = read_report(path).figures()
    assert (figures["score_total"], figures["grade"]) == (82, "良好")  # the signed form's figures


def test_each_way_of_typing_a_number_as_text_is_caught(make, findings_of):
    for typed in ("270万元", "２７０００００", "2,700,000.00", "2700000 "):
        found = findings_of(make(_set(funds_budget_local=typed)))
        assert [(f.cell, f.actual) for f in _found(found, "V004")] == [("F9", f"“{typed}”（文本）")], typed


def test_a_detail_amount_with_a_trailing_space_is_left_out_of_the_detail_total(make, findings_of):
    path = make(lambda fill: fill.items["detail"][0].update(spent="1930000 "))
    found = findings_of(path)
    assert [(f.code, f.cell) for f in found] == [("D001", "E18"), ("V004", "E19")]
    d001 = found[0]
    assert (d001.expected, d001.actual) == ("2,880,000.00", "950,000.00")
    assert "因 项目概况!E19 填写的“1930000 ”是文本" in d001.message


def test_without_cached_results_the_typed_cell_is_still_named(make, findings_of, tmp_path):
    import openpyxl

    path = make(_set(funds_spent_local="188万元"))
    wb = openpyxl.load_workbook(path)  # openpyxl keeps formulas but drops their cached results
    wb.save(path)
    assert [(f.code, f.cell) for f in findings_of(path)] == [("V004", "F12")]


def _typed_by_hand(fill):
    """The form retyped by hand: every rate and total typed as a number (no formulas)."""
    from perfxl.form.derive import derive
    from perfxl.form.layout import layout_for
    from perfxl.form.profile import load_profile
    from perfxl.numbers import parse

    profile = load_profile("gd-2020")
    slots = layout_for(profile, {k: len(v) for k, v in fill.items.items()}).slots
    numbers = {s.name: parse(s.type, fill.values[s.name]).value for s in slots
               if s.kind == "input" and s.name in fill.values}
    items = {b.key: {c.key: [parse(c.type, r.get(c.key, "")).value for r in fill.items.get(b.key, [])]
                     for c in b.columns} for b in profile.blocks("list")}
    for name, value in derive(profile, numbers, items).items():
        fill.typed_over[name] = "" if value is None or value != value else value


def test_in_a_form_typed_by_hand_the_text_is_read_as_the_number(make, findings_of):
    from perfxl.read.workbook import read_report

    def by_hand(fill):
        fill.values.update(funds_in_place_local="190万元", score_implementation="14分")
        _typed_by_hand(fill)

    path = make(by_hand)
    report = read_report(path)
    assert not report.cells["has_formula"].any()
    found = findings_of(path)
    assert not _found(found, "V004") and not [f for f in found if f.severity == "error"]
    figures = report.figures()
    assert (figures["in_place_total"], figures["score_total"], figures["grade"]) == (2_900_000, 96, "优秀")


def test_the_json_figures_are_the_signed_forms(make):
    from perfxl.batch.validate import Limits, validate_paths

    path = make(_set(funds_in_place_local="190万元", score_implementation="14分"))
    result, = validate_paths([path], limits=Limits(isolate=False))
    assert result.figures["in_place_total"] is None  # the form shows #VALUE!
    assert result.figures["spent_total"] == 2_880_000 and result.figures["rate_spent"] is None
    assert (result.figures["score_total"], result.figures["grade"]) == (82, "良好")
    assert result.status == "errors"


RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def test_the_forms_figures_are_what_a_spreadsheet_computes_from_the_cells_as_typed(make, soffice, tmp_path):
    """LibreOffice, told to recalculate every formula on loading, is the independent client."""
    import math
    import subprocess

    from perfxl.read.workbook import read_report

    typings = {
        "万元": _set(funds_in_place_local="190万元"),
        "分": _set(score_implementation="14分"),
        "全角": _set(funds_budget_local="２０００００００"),
        "逗号": _set(funds_spent_local="1,880,000.00"),  # + and ÷ read it, SUM would not
        "空格": lambda fill: fill.items["detail"][0].update(spent="1930000 "),
    }
    paths = [make(change, name=f"{key}.xlsx") for key, change in typings.items()]
    user = tmp_path / "lo-user"
    (user / "user").mkdir(parents=True)
    (user / "user" / "registrymodifications.xcu").write_text(RECALCULATE, encoding="utf-8")
    out = tmp_path / "recalculated"
    subprocess.run([soffice, f"-env:UserInstallation={user.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), *map(str, paths)], check=True, capture_output=True, timeout=180)

    def shown(value):
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            return ""
        return round(value, 6) if isinstance(value, float) else value

    for path in paths:
        ours, theirs = read_report(path).cells, read_report(out / path.name).cells
        derived = (ours["kind"] == "derived").to_numpy()
        for name, expected, as_typed, cached, status, their, their_status in zip(
                *(ours[c][derived] for c in ("name", "expected", "as_typed", "value", "status")),
                theirs["value"][derived], theirs["status"][derived], strict=True):
            lo = "#ERROR" if their_status == "error" else shown(their)
            form = as_typed if isinstance(as_typed, str) or shown(as_typed) != "" else expected
            assert ("#ERROR" if str(form).startswith("#") else shown(form)) == lo, (path.name, name, form, lo)
            # and the template writer cached what the spreadsheet computes, as Excel saves it
            assert ("#ERROR" if status == "error" else shown(cached)) == lo, (path.name, name, cached, lo)


def test_the_county_summary_carries_the_signed_forms_figures(make):
    from perfxl.batch.validate import Limits
    from perfxl.county.summarize import county_json, summarize

    path = make(_set(score_implementation="14分"))
    doc = county_json(summarize([path], limits=Limits(isolate=False)))
    project, = doc["projects"]
    assert (project["score_total"], project["grade"]) == (82, "良好")
    assert doc["totals"]["by_grade"]["良好"] == 1 and doc["totals"]["by_grade"]["优秀"] == 0


def test_in_an_xls_a_formula_typed_over_is_found_and_no_rate_reads_as_0_percent(make, to_xls, findings_of):
    def upper_blank_and_total_typed(fill):  # no 上级 funds: its rates show blank (0 ÷ 0)
        for key in [k for k in fill.values if k.startswith("funds_") and k.endswith("_upper")]:
            del fill.values[key]
        fill.values.update(funds_budget_local=3_000_000, funds_invested_local=2_900_000,
                           funds_in_place_local=2_900_000, funds_spent_local=2_880_000)
        fill.typed_over.update(score_prep=4)  # 前期工作 typed over: 5 by its formula

    found = findings_of(to_xls(make(upper_blank_and_total_typed)))
    assert ("V001", "F3") in {(f.code, f.cell) for f in found}
    assert not [f for f in found if "0.00%" in f.message or f.code == "F001"]
    grade = _found(found, "V006")
    assert [(f.cell, f.severity) for f in grade] == [("F24", "info")]  # said to be skipped
    assert "无法核对，已跳过" in grade[0].message


def test_the_seed_saved_as_xls_gets_the_reviewers_warnings_and_no_error(to_xls, findings_of):
    from conftest import SEED

    found = findings_of(to_xls(SEED))
    assert [f for f in found if f.severity == "error"] == []
    assert sorted((f.code, f.cell) for f in found if f.severity == "warning") == [
        ("P001", "B4"), ("P002", "D19"), ("P002", "D21")]
