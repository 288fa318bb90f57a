"""The county summary: totals, funds-weighted rates, duplicates, zips, budget list, safety."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.batch.validate import Limits
from perfxl.check.engine import Settings
from perfxl.cli import main
from perfxl.county.summarize import county_json, summarize

from conftest import SAMPLES

INLINE = Limits(isolate=False)


def _project(fill, department, project, budget, spent, fill_date=None):
    fill.values.update(
        department=department, department_overview=department, project_name=project,
        project_name_overview=project, funds_budget_upper=0, funds_budget_local=budget,
        funds_invested_upper=0, funds_invested_local=budget, funds_in_place_upper=0,
        funds_in_place_local=budget, funds_spent_upper=0, funds_spent_local=spent,
    )
    fill.items["detail"] = [{"item": "支出", "budget": budget, "spent": spent, "basis": "合同"}]
    if fill_date:
        fill.values["fill_date"] = fill_date


def test_totals_equal_an_independent_computation_over_the_sample_county():
    county = summarize([SAMPLES / "county"], limits=Limits(jobs=2))
    manifest = json.loads((SAMPLES / "county" / "MANIFEST.json").read_text(encoding="utf-8"))
    # The later copy of a duplicate (the 修改稿, filled later) replaces the earlier one.
    earlier = {f["duplicate_of"] for f in manifest["files"] if f["duplicate_of"]}
    # Independently: openpyxl, the template's fixed cells, plain arithmetic on what was typed.
    budget = spent = 0.0
    counted = 0
    for f in manifest["files"]:
        if f["file"] in earlier:
            continue
        ws = openpyxl.load_workbook(SAMPLES / "county" / f["file"])["项目概况"]
        b = [_amount(ws[c].value) for c in ("E9", "F9")]
        s = [_amount(ws[c].value) for c in ("E12", "F12")]
        others = [_amount(ws[c].value) for c in ("E10", "F10", "E11", "F11")]  # invested, in place
        if None in b + s + others:
            continue  # an amount nobody can read: the project is in none of the figures
        counted += 1
        budget += sum(b)
        spent += sum(s)
    assert county.totals["projects"] == counted
    assert county.totals["budget_total"] == pytest.approx(budget)
    assert county.totals["spent_total"] == pytest.approx(spent)
    assert county.totals["execution_rate"] == pytest.approx(spent / budget)


def _amount(value):
    """What a clerk with a calculator reads: numbers, 万元 and thousands separators."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).translate(str.maketrans("０１２３４５６７８９．，", "0123456789.,")).replace(",", "")
    if text.endswith("万元"):
        return float(text[:-2]) * 10000
    try:
        return float(text.rstrip("元"))
    except ValueError:
        return None  # unreadable: the summary leaves the project out of the sums too


def test_rates_are_funds_weighted_not_the_mean_of_project_rates(make):
    small = make(lambda f: _project(f, "甲局", "小项目", 100_000, 100_000))  # 100%
    big = make(lambda f: _project(f, "甲局", "大项目", 900_000, 450_000))  # 50%
    county = summarize([small, big], limits=INLINE)
    department = county.departments.set_index("department").loc["甲局"]
    assert department["rate_budget"] == pytest.approx(550_000 / 1_000_000)  # not (100% + 50%) / 2
    assert county.totals["execution_rate"] == pytest.approx(0.55)


def test_a_duplicate_is_shown_and_the_later_one_counted(make):
    first = make(lambda f: _project(f, "乙局", "同一项目", 500_000, 480_000, dt.date(2024, 3, 1)), name="a.xlsx")
    later = make(lambda f: _project(f, "乙局", "同一项目", 500_000, 490_000, dt.date(2024, 3, 20)), name="b.xlsx")
    county = summarize([first, later], limits=INLINE)
    rows = county.projects.set_index("path")
    assert bool(rows.loc[str(later), "counted"]) and not bool(rows.loc[str(first), "counted"])
    assert "重复" in rows.loc[str(first), "duplicate"] and "重复" in rows.loc[str(later), "duplicate"]
    assert county.totals["spent_total"] == 490_000


class _GbkInfo(zipfile.ZipInfo):
    """A member named the way Chinese Windows' zip writes it: GBK bytes, no UTF-8 flag."""

    __slots__ = ()

    def _encodeFilenameFlags(self):  # zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _gbk_zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(_GbkInfo(name, date_time=(2024, 3, 1, 0, 0, 0)), data)
    with zipfile.ZipFile(path) as zf:
        assert not zf.infolist()[0].flag_bits & 0x800


def test_a_zip_with_gbk_names_and_a_utf8_zip(make, tmp_path):
    wb = make(lambda f: _project(f, "丙局", "压缩包里的项目", 300_000, 300_000)).read_bytes()
    _gbk_zip(tmp_path / "gbk.zip", {"丙局/压缩包里的项目.xlsx": wb})
    with zipfile.ZipFile(tmp_path / "utf8.zip", "w") as zf:
        zf.writestr("丁局/另一个项目.xlsx", make(lambda f: _project(f, "丁局", "另一个项目", 1, 1)).read_bytes())
    county = summarize([tmp_path / "gbk.zip", tmp_path / "utf8.zip"], limits=INLINE)
    assert sorted(county.projects["path"]) == [f"{tmp_path}/gbk.zip/丙局/压缩包里的项目.xlsx",
                                               f"{tmp_path}/utf8.zip/丁局/另一个项目.xlsx"]
    assert county.failures == []


def test_names_inside_a_zip_never_escape_the_output_folder(make, tmp_path):
    wb = make().read_bytes()
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("../../escaped.xlsx", wb)
        zf.writestr("/abs/escaped2.xlsx", wb)
    out = tmp_path / "退回"
    county = summarize([tmp_path / "evil.zip"], limits=INLINE, annotate_to=out)
    assert not (tmp_path.parent / "escaped.xlsx").exists() and not (tmp_path / "escaped.xlsx").exists()
    assert not list(tmp_path.parent.glob("**/escaped*.xlsx"))
    # An archive with such names is crafted: it is refused whole, with the reason.
    assert [f.path for f in county.failures] == [str(tmp_path / "evil.zip")]
    assert "疑似恶意构造" in county.failures[0].reason


def test_budget_reconciliation(make, tmp_path):
    a = make(lambda f: _project(f, "戊局", "按预算", 200_000, 200_000))
    b = make(lambda f: _project(f, "戊局", "预算不符", 300_000, 290_000))
    c = make(lambda f: _project(f, "戊局", "清单外", 50_000, 50_000))
    budget = tmp_path / "预算清单.csv"
    budget.write_text("部门,项目名称,批复预算\n戊局,按预算,200000\n戊局,预算不符,320000\n戊局,未报送的项目,80000\n",
                      encoding="gb18030")
    county = summarize([a, b, c], limits=INLINE, budget=budget)
    status = dict(zip(county.reconciliation["project"], county.reconciliation["status"], strict=True))
    assert status == {"按预算": "一致", "预算不符": "预算不一致", "未报送的项目": "未报送", "清单外": "不在预算清单"}
    row = county.reconciliation.set_index("project").loc["预算不符"]
    assert row["difference"] == -20_000
    assert county_json(county)["reconciliation"]


def test_text_from_a_workbook_never_becomes_a_formula(make, tmp_path):
    evil = '=HYPERLINK("http://example.invalid","点我")'
    path = make(lambda f: _project(f, "+cmd|' /C calc'!A0", evil, 1000, 1000))
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["summarize", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["汇总表"]
    cells = [c for row in ws.iter_rows() for c in row if c.value in (evil, "+cmd|' /C calc'!A0")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_broken_files_do_not_stop_the_summary_of_the_rest(make, tmp_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for i in range(3):
        make(lambda f, i=i: _project(f, "己局", f"项目{i}", 1000, 900), name=f"收件箱/好{i}.xlsx")
    (folder / "空文件.xlsx").write_bytes(b"")
    (folder / "文本.xlsx").write_text("不是工作簿", encoding="utf-8")
    (folder / "截断.xlsx").write_bytes(make(name="whole.xlsx").read_bytes()[:3000])
    county = summarize([folder], limits=Limits(jobs=2))
    assert county.totals["projects"] == 3
    assert sorted(f.path.rsplit("/", 1)[1] for f in county.failures) == ["截断.xlsx", "文本.xlsx", "空文件.xlsx"]
    assert all(f.reason for f in county.failures)


def test_summarize_command_writes_the_workbook_and_json_and_exit_codes(make, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    good = make(lambda f: _project(f, "庚局", "项目", 1000, 900))
    out, doc = tmp_path / "s.xlsx", tmp_path / "s.json"
    result = CliRunner().invoke(main, ["summarize", str(good), "-o", str(out), "--json", str(doc)])
    assert result.exit_code == 0, result.output
    assert "1 个项目" in result.output
    data = json.loads(doc.read_text(encoding="utf-8"))
    assert set(data["totals"]) >= {"projects", "budget_total", "spent_total", "execution_rate", "by_grade"}
    assert set(data["projects"][0]) >= {"path", "department", "project", "budget_total", "spent_total",
                                        "score_total", "grade", "errors", "warnings_open"}
    assert {"departments", "findings", "failures"} <= set(data)
    first = out.read_bytes()
    CliRunner().invoke(main, ["summarize", str(good), "-o", str(out)])
    assert out.read_bytes() == first, "the same inputs give the same bytes"
    (tmp_path / "坏.xlsx").write_text("x", encoding="utf-8")
    bad = CliRunner().invoke(main, ["summarize", str(good), str(tmp_path / "坏.xlsx"), "-o", str(out)])
    assert bad.exit_code == 2
    wrong = make(lambda f: (_project(f, "辛局", "有错", 1000, 900), f.values.update(score_funds_paid=4)))
    assert CliRunner().invoke(main, ["summarize", str(wrong), "-o", str(out)]).exit_code == 1


def test_settings_apply_to_the_summary_as_to_validate(make):
    path = make(lambda f: f.values.update(score_funds_paid=4))
    assert summarize([path], limits=INLINE).totals["errors"] == 1
    assert summarize([path], limits=INLINE, settings=Settings(ignore=["S"])).totals["errors"] == 0


def test_annotated_copies_to_send_back(make, tmp_path):
    bad = make(lambda f: (_project(f, "壬局", "要退回的项目", 1000, 900), f.values.update(score_funds_paid=4)),
               name="退回.xlsx")
    fine = make(lambda f: _project(f, "壬局", "没问题的项目", 100_000, 100_000), name="通过.xlsx")
    before = bad.read_bytes()
    with zipfile.ZipFile(tmp_path / "收件.zip", "w") as zf:
        zf.write(bad, "壬局/压缩包里退回.xlsx")
    out = tmp_path / "退回件"
    county = summarize([bad, fine, tmp_path / "收件.zip"], limits=INLINE, annotate_to=out,
                       checked_at="2024-04-01 09:30")
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlsx"))
    assert written == ["收件/壬局/压缩包里退回.xlsx", "退回.xlsx"]  # under their folders, never outside
    assert bad.read_bytes() == before, "the submission itself is untouched"
    copy = out / "退回.xlsx"
    assert openpyxl.load_workbook(copy).sheetnames[0] == "校验结果"
    assert county.annotate_failures == []


def test_a_budget_list_in_wan_yuan_under_a_title_is_read_in_yuan(make, tmp_path):
    """Finance systems export the list with a title over it and amounts in 万元: 20 万元 is the
    200,000 元 the form says, not a 199,980 元 difference."""
    a = make(lambda f: _project(f, "戊局", "按预算", 200_000, 200_000))
    b = make(lambda f: _project(f, "戊局", "预算不符", 300_000, 290_000))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["示例县2023年度项目预算批复清单"])
    ws.append(["序号", "预算单位", "项目名称", "批复预算（万元）"])
    ws.append([1, "戊局", "按预算", 20])
    ws.append([2, "戊局", "预算不符", "32"])
    ws.append([3, "戊局", "另一个", "8万元"])  # typed with its unit: as typed
    wb.save(tmp_path / "预算清单.xlsx")
    county = summarize([a, b], limits=INLINE, budget=tmp_path / "预算清单.xlsx")
    rows = county.reconciliation.set_index("project")
    assert rows.loc["按预算", "status"] == "一致" and rows.loc["按预算", "approved"] == 200_000
    assert rows.loc["预算不符", "difference"] == -20_000
    assert rows.loc["另一个", "approved"] == 80_000


def test_a_budget_list_without_its_columns_is_named(make, tmp_path):
    bad = tmp_path / "预算清单.csv"
    bad.write_text("单位,金额\n戊局,1000\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["summarize", str(make()), "--budget", str(bad), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2
    assert "预算清单.csv" in result.output and "缺少" in result.output
    assert not (tmp_path / "s.xlsx").exists()
