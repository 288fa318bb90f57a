"""The national table (cz-2020) and its Sichuan variant (sc-2025) are data: a new province is a file.

Indicator lists of any length, scoring as data, amounts printed in 万元 while perfxl keeps 元, and
gd-2020 untouched by any of it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from perfxl.check.engine import check
from perfxl.form.layout import layout_for
from perfxl.form.profile import ProfileError, available_profiles, load_profile
from perfxl.form.template import Fill, write_template, write_workbook
from perfxl.read.workbook import read_report

from national import national_fill, sichuan_fill

ROOT = Path(__file__).resolve().parents[2]
CZ = load_profile("cz-2020")


def test_three_forms_ship_and_each_says_what_it_is_for():
    assert {"gd-2020", "cz-2020", "sc-2025"} <= set(available_profiles())
    for pid in ("cz-2020", "sc-2025"):
        p = load_profile(pid)
        assert p.purpose and p.basis and p.default_year == 2025
        assert p.scored.kind == "indicators" and not p.has_tree
    assert load_profile("gd-2020").scored.kind == "tree"


def test_the_national_table_is_worded_as_printed():
    sheet = CZ.sheets[0]
    funds = CZ.block("funds")
    assert [c.label for c in funds.columns] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [r.label for r in funds.rows] == ["年度资金总额", "其中：本年财政拨款", "上年结转资金", "其他资金"]
    assert funds.caption == "项目资金（万元）" and funds.unit == "万元"
    listed = CZ.block("indicators")
    assert [c.label for c in listed.columns] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                                 "分值", "得分", "偏差原因分析及改进措施"]
    assert listed.caption == "绩效指标" and listed.total_label == "总分"
    assert [b.caption for b in CZ.blocks("list")] == ["年度总体目标"]
    assert sheet.name == "项目支出绩效自评表"


def test_the_scoring_numbers_are_profile_data():
    s = CZ.scoring
    assert s.weights_total == 90 and s.level1_weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert [(b.label, b.low, b.high) for b in s.bands] == [("达成", 0.8, 1.0), ("部分达成", 0.6, 0.8),
                                                           ("未达成", 0.0, 0.6)]
    assert s.over.evaluate_floats({"actual": 120, "target": 80, "weight": 10}) == pytest.approx(5)
    assert s.over.evaluate_floats({"actual": 200, "target": 80, "weight": 10}) == 0  # zero from twice
    assert [g.label for g in CZ.grades] == ["优", "良", "中", "差"]
    sc = load_profile("sc-2025")
    nature = sc.block("indicators").role("nature")
    assert nature.label == "指标性质" and nature.natures["定性"] == "qualitative"


def _broken(tmp_path, pid: str, old: str, new: str) -> Path:
    text = Path(load_profile(pid).source).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{pid}-broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ("weights_total = 90", "weights_total = 85", "应为 100 分"),
    ('"满意度指标" = 10 }', '"满意度指标" = 5 }', "一级指标分值合计"),
    ('role = "score"', 'role = "points"', "role 'points' 未知"),
    ('over = "max(0, (1 - (max(actual, 0) - target) / target) * weight)"', 'over = "actual / goal"',
     "只能用 actual、target、weight"),
    ("low = 0.8", "low = 1.8", "应在 0 至 1 之间"),
    ('label_span = 2\nunit = "万元"', 'label_span = 2\nunit = "千元"', "金额单位"),
    ("\n[scoring]\n", "\n[scoring_off]\n", "评分规则"),
    ('kind = "indicators"', 'kind = "tree"', "指标树"),
])
def test_a_broken_national_profile_is_refused_with_its_cause(tmp_path, old, new, message):
    path = _broken(tmp_path, "cz-2020", old, new)
    with pytest.raises(ProfileError) as err:
        load_profile(str(path))
    assert message in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("pid", ["gd-2020", "cz-2020", "sc-2025"])
def test_the_committed_template_is_the_one_perfxl_writes(tmp_path, pid):
    committed = ROOT / "workbook_templates" / f"{pid}.xlsx"
    fresh = write_template(load_profile(pid), tmp_path / f"{pid}.xlsx")
    assert fresh.read_bytes() == committed.read_bytes(), \
        f"regenerate: perfxl template --profile {pid} -o workbook_templates/{pid}.xlsx"


def test_the_blank_form_prints_the_indicator_skeleton_merged_as_printed(tmp_path):
    path = write_template(CZ, tmp_path / "cz.xlsx")
    ws = load_workbook(path)["项目支出绩效自评表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "B13:B18" in merged and ws["B13"].value == "产出指标"  # 产出 over 数量, 质量, 时效, 成本
    assert "C13:C14" in merged and ws["C13"].value == "数量指标"
    assert ws["C23"].value == "服务对象满意度指标" and ws["A24"].value == "总分"
    assert ws["G24"].value == "=SUM(G13:G23)+10" and ws["H24"].value == "=SUM(H13:H23)+N(funds_total_score)"
    assert ws["I6"].value == "=MIN((N(H6)*G6),G6)"  # the rate is blank until there is a budget
    assert not ws["D13"].protection.locked and ws["G24"].protection.locked


@pytest.mark.parametrize("pid", ["cz-2020", "sc-2025"])
def test_a_long_deviation_reason_prints_whole(tmp_path, pid, printed):
    """A 偏差原因 of 100 characters on an indicator row is on the paper to its last character, and
    the row is tall enough for Excel, which does not grow a row for its text on opening."""
    profile = load_profile(pid)
    fill = national_fill() if pid == "cz-2020" else sichuan_fill()
    block = profile.blocks("indicators")[0]
    reason = block.role("reason").key
    long = ("受汛期连续降雨影响危桥改造推迟开工" * 6)[:97] + "尾号止"
    fill.items[block.key][1][reason] = long
    path = write_workbook(profile, tmp_path / f"{pid}.xlsx", fill=fill)
    slot = next(s for s in layout_for(profile, {block.key: len(fill.items[block.key])}).slots
                if s.section == "indicators" and s.column == reason)
    ws = load_workbook(path).worksheets[0]
    px = sum(7 * ws.column_dimensions[get_column_letter(c + 1)].width + 5
             for c in range(slot.col, slot.col + slot.span))
    lines = -(-100 * 13.4 // (px - 8))
    assert ws.row_dimensions[slot.row + 2].height >= lines * 13.5
    short = ws.row_dimensions[slot.row + 3].height  # a row with a short reason stays short
    assert short < ws.row_dimensions[slot.row + 2].height
    raw = "".join("".join(p.raw.split()) for p in printed(path))
    assert long in raw


def test_the_blank_national_form_prints_on_one_page_as_published(tmp_path, printed):
    """The 财预〔2020〕10号 table is a one-page form: a little smaller rather than its funds table
    on one page and the indicator list alone on the next."""
    pages = printed(write_template(CZ, tmp_path / "cz.xlsx"))
    assert len(pages) == 1 and pages[0].a4_landscape
    assert "年度资金总额" in pages[0].text and "自评等级" in pages[0].text
    assert (load_workbook(tmp_path / "cz.xlsx").active.page_setup.fitToHeight or 1) == 1  # 1 is the default


@pytest.mark.parametrize("pid", ["cz-2020", "sc-2025"])
def test_the_blank_form_shows_what_excel_shows_no_error_values(tmp_path, pid):
    """A blank form's 执行率 is blank text; the score over it is MIN(N(rate)×10, 10) = 0 in Excel,
    so the template's cached values are 0, and validating the blank form finds no #VALUE!."""
    path = write_template(load_profile(pid), tmp_path / f"{pid}.xlsx")
    cached = load_workbook(path, data_only=True).active
    formulas = load_workbook(path).active
    shown = {c.coordinate: cached[c.coordinate].value for row in formulas.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")}
    assert not [v for v in shown.values() if isinstance(v, str) and v.startswith("#")], shown
    assert not [f for f in check([read_report(path)]) if f.code == "V003"]


def test_amounts_typed_in_wan_yuan_are_read_in_yuan(tmp_path):
    fill = national_fill()
    fill.values.update(funds_current_annual=900, funds_carryover_annual=100)
    report = read_report(write_workbook(CZ, tmp_path / "cz.xlsx", fill=fill))
    fig = report.figures()
    assert fig["budget_total"] == 10_000_000 and fig["spent_total"] == 9_550_000  # 元
    assert fig["execution_rate"] == pytest.approx(0.955) and fig["execution_score"] == pytest.approx(9.55)
    assert fig["score_total"] == pytest.approx(92.55) and fig["grade"] == "优"
    book = CalamineWorkbook.from_path(str(tmp_path / "cz.xlsx")).get_sheet_by_name("项目支出绩效自评表")
    assert book.to_python()[5][4] == 1000  # the sheet itself shows 万元


def test_an_amount_typed_as_text_is_read_in_yuan_but_the_form_does_not_count_it(tmp_path):
    fill = national_fill()
    fill.values.update(funds_current_annual="9,000,000元", funds_carryover_annual="１００")
    report = read_report(write_workbook(CZ, tmp_path / "cz.xlsx", fill=fill))
    cells = report.cells.set_index("name")
    assert cells.loc["funds_current_annual", "value"] == 9_000_000  # what was meant, in 元
    assert cells.loc["funds_carryover_annual", "value"] == 1_000_000
    assert report.figures()["budget_total"] is None  # the signed form shows #VALUE! there
    found = {(f.code, f.field) for f in check([report])}
    assert {("V004", "funds_current_annual"), ("V004", "funds_carryover_annual"),
            ("V003", "funds_total_annual")} <= found


def test_the_execution_score_is_capped_by_the_profiles_formula(tmp_path):
    fill = national_fill()
    fill.values.update(funds_current_executed=1000)  # 1,100 of 1,000 万元 spent: 110%
    fig = read_report(write_workbook(CZ, tmp_path / "cz.xlsx", fill=fill)).figures()
    assert fig["execution_rate"] == pytest.approx(1.1) and fig["execution_score"] == 10


def test_any_number_of_indicators_fits_the_list(tmp_path):
    fill = national_fill()
    rows = fill.items["indicators"]
    fill.items["indicators"] = rows[:1] + [dict(rows[1], name=f"改造危桥{i}", weight=1, score=1)
                                            for i in range(10)] + rows[2:]
    path = write_workbook(CZ, tmp_path / "cz.xlsx", fill=fill)
    report = read_report(path)
    items = report.items("indicators")
    assert len(items) == 17 and items["name"].iloc[-1] == "沿线群众满意度"
    assert report.figures()["score_total"] == pytest.approx(20 + 10 + 10 + 5 + 5 + 14 + 11 + 10 + 9.55)


def test_the_form_is_found_by_itself_and_without_its_marks(tmp_path):
    fill = national_fill()
    fill.props.update(perfxl_profile="")  # a copy that lost perfxl's property: found by its sheet
    for pid, f in (("cz-2020", national_fill()), ("sc-2025", sichuan_fill()), ("cz-2020", fill)):
        report = read_report(write_workbook(load_profile(pid), tmp_path / f"{pid}.xlsx", fill=f))
        assert report.profile.id == pid


def test_gd2020_keeps_its_layout():
    slots = layout_for(load_profile("gd-2020")).slots
    assert len(slots) == 101 and all(s.unit == ("元" if s.type == "money" else "") for s in slots)


def test_libreoffice_recalculating_every_formula_agrees_with_perfxl(tmp_path, soffice):
    """An independent client computes the template's formulas: the same figures as perfxl's."""
    user = tmp_path / "lo"
    (user / "user").mkdir(parents=True)
    (user / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item></oor:items>', encoding="utf-8")
    for pid, fill in (("cz-2020", national_fill()), ("sc-2025", sichuan_fill())):
        stale = Fill(values=fill.values, items=fill.items,
                     stale={"score_total": 1, "funds_total_score": 1, "grade": "差", "funds_total_rate": 0})
        source = write_workbook(load_profile(pid), tmp_path / f"{pid}.xlsx", fill=stale)
        out = tmp_path / "out"
        subprocess.run([soffice, f"-env:UserInstallation={user.as_uri()}", "--headless", "--convert-to", "xlsx",
                        "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=180)
        recalculated = read_report(out / source.name, profile=load_profile(pid))
        ours = read_report(write_workbook(load_profile(pid), tmp_path / f"{pid}-ours.xlsx", fill=fill))
        cached = recalculated.cells.set_index("name")["value"]
        for key in ("budget_total", "spent_total", "execution_rate", "execution_score", "score_total", "grade"):
            name = load_profile(pid).figures[key]
            assert cached[name] == pytest.approx(ours.figures()[key]), (pid, key)
