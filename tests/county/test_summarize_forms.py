"""A county that mixes forms: the common figures side by side, each form's own detail on its own
sheet, each form's grades by its own band names — and a county of one form as it always was."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from perfxl.county.book import write_summary
from perfxl.county.summarize import county_json, summarize
from perfxl.form.profile import load_profile
from perfxl.form.template import write_workbook

from conftest import SAMPLES
from national import national_fill, row, sichuan_fill


@pytest.fixture
def inbox(tmp_path, make):
    """Two Guangdong projects, two national ones, a Sichuan one — the same department twice."""
    folder = tmp_path / "收件箱"
    folder.mkdir()
    make(name="gd-a.xlsx")
    make(lambda f: f.values.update(project_name="示例县农村公路养护二期项目",
                                   project_name_overview="示例县农村公路养护二期项目"), name="gd-b.xlsx")
    for path in (tmp_path / "gd-a.xlsx", tmp_path / "gd-b.xlsx"):
        path.rename(folder / path.name)
    cz = load_profile("cz-2020")
    write_workbook(cz, folder / "cz-a.xlsx", fill=same_year(national_fill()))
    other = same_year(national_fill())
    other.values.update(project_name="示例县危桥改造项目", department="示例县住房和城乡建设局")
    row(2, score=10)(other)  # full marks for 4 of 5 bridges: I002
    write_workbook(cz, folder / "cz-b.xlsx", fill=other)
    write_workbook(load_profile("sc-2025"), folder / "sc-a.xlsx", fill=same_year(sichuan_fill()))
    return folder


def same_year(fill):
    """A workbook of the county's same fiscal year as its Guangdong ones (2023): one inbox."""
    fill = copy.deepcopy(fill)
    fill.values.update(fund_year=2023, fill_date=dt.date(2024, 3, 15))
    return fill


def test_the_common_figures_stand_side_by_side_in_yuan(inbox):
    county = summarize([inbox])
    p = county.projects.set_index("path")
    assert p.loc[str(inbox / "cz-a.xlsx"), "profile"] == "cz-2020"
    assert p.loc[str(inbox / "cz-a.xlsx"), "budget_total"] == 10_000_000  # 1,000 万元 in 元
    assert p.loc[str(inbox / "cz-a.xlsx"), "execution_rate"] == pytest.approx(0.955)
    assert p.loc[str(inbox / "sc-a.xlsx"), "budget_total"] == 5_000_000  # 调整后预算数
    assert p.loc[str(inbox / "gd-a.xlsx"), "execution_rate"] == pytest.approx(2_880_000 / 3_000_000)
    budget = p["budget_total"].sum()
    assert county.totals["budget_total"] == pytest.approx(budget)
    assert county.totals["execution_rate"] == pytest.approx(p["spent_total"].sum() / budget)
    assert county.totals["duplicates"] == 0  # the same department, different projects


def test_each_form_keeps_its_own_grade_names(inbox):
    county = summarize([inbox])
    by_form = {pid: dict(zip(g["grade"], g["projects"], strict=True))
               for pid, g in county.grades.groupby("profile")}
    assert by_form["gd-2020"] == {"优秀": 2, "良好": 0, "中等": 0, "及格": 0, "不及格": 0}
    assert by_form["cz-2020"] == {"优": 2, "良": 0, "中": 0, "差": 0}
    assert county.totals["by_profile"]["sc-2025"]["by_grade"]["优"] == 1
    assert "cz-2020 表样优 2 个" in county.narrative[1] and "gd-2020 表样优秀 2 个" in county.narrative[1]
    assert "实际到位" not in county.narrative[0]  # the national table has no 实际到位 to add up


def test_each_forms_indicator_list_is_its_own_detail(inbox):
    county = summarize([inbox])
    cz = county.details["cz-2020"]
    assert len(cz) == 16 and set(cz["level1"]) == {"产出指标", "效益指标", "满意度指标"}
    assert (cz.groupby("path")["weight"].sum() == 90).all()  # the labels were carried down
    sc = county.details["sc-2025"]
    assert list(sc.columns[:3]) == ["department", "project", "path"] and "nature" in sc
    doc = county_json(county)
    assert {p["id"] for p in doc["profiles"]} == {"gd-2020", "cz-2020", "sc-2025"}
    assert len(doc["details"]["cz-2020"]) == 16
    json.dumps(doc, ensure_ascii=False)


def test_the_workbook_of_a_mixed_county(inbox, tmp_path):
    county = summarize([inbox])
    path = write_summary(county, tmp_path / "汇总.xlsx", source_root=tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames[:8] == ["汇总表", "部门汇总", "等次分布（cz-2020）", "等次分布（gd-2020）",
                                 "等次分布（sc-2025）", "指标明细（cz-2020）", "资金明细（gd-2020）",
                                 "指标明细（sc-2025）"]
    headers = [c.value for c in wb["汇总表"][3]]  # under the title and the 编制单位 line
    assert headers[:9] == ["序号", "部门", "项目名称", "表样", "预算数", "执行数", "执行率", "自评得分", "自评等次"]
    detail = wb["指标明细（cz-2020）"]
    assert [c.value for c in detail[3]][3:6] == ["一级指标", "二级指标", "三级指标"]
    gd = [c.value for c in wb["资金明细（gd-2020）"][3]]
    assert "实际到位率（合计）" in gd and "支出实现率（合计）" in gd
    def texts(sheet):
        return [c.value for col in wb[sheet].iter_cols() for c in col if isinstance(c.value, str)]

    assert "优秀" in texts("等次分布（gd-2020）") and "优" not in texts("等次分布（gd-2020）")
    assert "优" in texts("等次分布（cz-2020）") and "差" in texts("等次分布（cz-2020）")


def test_a_county_of_one_classic_form_keeps_its_summary(make, tmp_path):
    make(name="a.xlsx")
    county = summarize([tmp_path / "a.xlsx"])
    assert not county.mixed
    wb = load_workbook(write_summary(county, tmp_path / "汇总.xlsx", source_root=tmp_path))
    assert wb.sheetnames[:3] == ["汇总表", "部门汇总", "等次分布"]
    assert "实际到位率" in [c.value for c in wb["汇总表"][3]]


def test_a_national_only_county_shows_the_common_figures(tmp_path):
    write_workbook(load_profile("cz-2020"), tmp_path / "cz.xlsx", fill=national_fill())
    county = summarize([tmp_path / "cz.xlsx"])
    assert county.mixed  # the classic columns (实际到位…) would all be empty
    wb = load_workbook(write_summary(county, tmp_path / "汇总.xlsx", source_root=tmp_path))
    assert "指标明细（cz-2020）" in wb.sheetnames and "执行率" in [c.value for c in wb["汇总表"][3]]
    assert "等次分布" in wb.sheetnames  # one form: its grades sheet needs no form's name


def test_reports_of_other_years_are_not_copies(tmp_path):
    for year in (2024, 2025):
        fill = national_fill()
        fill.values["fund_year"] = year
        write_workbook(load_profile("cz-2020"), tmp_path / f"cz-{year}.xlsx", fill=fill)
    assert summarize([tmp_path]).totals["duplicates"] == 0


def test_the_readme_quick_start_summarises_every_sample(tmp_path):
    county = summarize([SAMPLES])
    # the county's own forms; the Sichuan county (2025) is another county's, named and left out
    assert {p["id"] for p in county.profiles} == {"gd-2020", "cz-2020"}
    assert set(county.projects.loc[~county.projects["counted"], "profile"]) >= {"sc-2025"}
    assert county.totals["unreadable"] == 0 and county.totals["duplicates"] == 2
    write_summary(county, tmp_path / "汇总.xlsx")
