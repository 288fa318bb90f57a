"""The county summary workbook: a view of a :class:`~perfxl.county.County` to file and print.

Sheets: 汇总表 (one row per project), 部门汇总, 等次分布 (with a chart), 问题清单, 未能处理,
预算核对 (only with a budget list) and 说明 (the narrative and how the figures are counted).

Every total is written as a formula with its computed value stored, so the book reads right
before and after recalculation.  Rates in total rows come from the summed money (Σ spent ÷
Σ budget), never from the mean of the project rates.  Every figure is over the one set of
projects the County counts; the projects left out are listed beside the figures with the
reason.  Everything that came out of a submitted workbook (names, messages, file names) is
written as a plain string: a project called ``=HYPERLINK(...)`` stays text.  The same County
always gives the same bytes.

It prints as it is: amounts in 万元 to 2 decimals (``unit="元"`` for the exact figures), every
sheet landscape A4 with its title, a 编制单位 / 审核人 / 日期 line and the column headings
repeated on every page, the columns a reader of the paper needs printed at a readable size
(the ones for the screen — counts of findings, source files — after them, outside the print
area), file names rather than paths.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from perfxl.batch.own import OUTPUT_PROPERTY
from perfxl.bulk import collector_paused
from perfxl.findings import SEVERITIES, SEVERITY_LABELS, sort_findings
from perfxl.ooxml.atomic import atomic_write

from .model import County, project_records
from .narrative import narrate, rule_title

FIXED_DATE = dt.datetime(2020, 1, 1)  # document dates are fixed so outputs are reproducible
FONT = "宋体"
UNITS = {"万元": 10000.0, "元": 1.0}
LINE = 13.5  # points per line of 10-point text
NUM = {"money": "#,##0.00", "rate": "0.00%", "score": "0.##", "int": "0"}
CAPS = {"text": 26, "wrap": 28, "remark": 20, "link": 30, "center": 12, "plain": 60}  # widest a column grows
BASE = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1}
KINDS = {
    "money": {"num_format": NUM["money"]}, "rate": {"num_format": NUM["rate"]},
    "score": {"num_format": NUM["score"]}, "int": {"num_format": NUM["int"], "align": "center"},
    "text": {"text_wrap": True}, "wrap": {"text_wrap": True}, "remark": {"text_wrap": True},
    "center": {"align": "center", "text_wrap": True},
    "link": {"font_color": "#0563C1", "underline": 1},  # LibreOffice never wraps a link: clip it
}
VARIANTS = {
    "": {}, "muted": {"font_color": "#808080", "italic": True},
    "total": {"bold": True, "bg_color": "#F2F2F2"}, "alert": {"font_color": "#C00000", "bold": True},
}
EN = {  # sheet names, headers and fixed words in English (lang="en")
    "汇总表": "Projects", "部门汇总": "Departments", "等次分布": "Grades", "问题清单": "Findings",
    "未能处理": "Failures", "预算核对": "Budget check", "说明": "Notes",
    "序号": "No.", "部门": "Department", "项目名称": "Project", "项目": "Project",
    "预算安排": "Budget", "预算数": "Budget", "执行数": "Spent", "实际到位": "In place", "实际支出": "Spent",
    "资金结余": "Balance",
    "实际到位率": "In-place rate", "支出实现率": "Spending rate", "预算完成率": "Execution rate",
    "自评得分": "Score", "自评等次": "Grade", "错误": "Errors", "警告（未说明）": "Warnings (open)",
    "警告（已说明）": "Warnings (explained)", "主要问题": "Main problem", "重复提交": "Duplicate",
    "源文件": "Source file", "项目数": "Projects", "平均得分": "Mean score", "错误数": "Errors",
    "排名": "Rank", "等次": "Grade", "占比": "Share", "分数段": "Score band", "文件": "File",
    "工作表": "Sheet", "单元格": "Cell", "规则": "Rule", "级别": "Severity", "问题": "Problem",
    "应为": "Expected", "实际": "Actual", "原因": "Reason", "批复预算": "Approved",
    "报送预算": "Submitted", "差额": "Difference", "状态": "Status", "合计": "Total",
    "全部文件均已处理": "All files were processed",
    "自评等次分布": "Projects by grade", "自评得分分布": "Projects by score band",
    "项目汇总表": "– Projects", "部门汇总表": "– Departments", "自评等次及得分分布": "– Grades and scores",
    "审核问题清单": "– Findings", "未能处理的文件": "– Files not processed",
    "预算核对表": "– Budget check", "汇总说明": "– Notes", "：": ": ",
    "已跳过的文件（不是报送的自评表，未汇总）": "Files skipped (not submitted forms, not summarised)",
    "生成时间": "Generated", "规则配置": "Profile", "统计口径": "How the figures are counted",
    "计入 {n} 个项目": "{n} projects counted", "备注": "Note",
    "万元": "10,000 yuan", "元": "yuan",
    "sign": "Prepared by: ____________    Reviewed by: ____________    Date: ____________",
    "unit": "Amounts in {unit}", "footer": "&CPage &P of &N",
    "muted_note": "Grey italic rows are not counted in any figure of this summary (the reason is in the "
                  "Note column); they are listed only.",
    "screen_only": "Columns {first}–{last} ({names}) are for the screen and are not printed; the findings "
                   "themselves are on the Findings sheet.",
    "counted_note": "The figures above are over the {n} counted projects.",
    "counted_form_note": "The figures above are over the {n} counted projects on form {form}.",
    "left_out_note": "Not counted ({n}): {items}.",
}
MUTED_NOTE = "注：灰色斜体行未计入本汇总的任何数字（原因见“备注”列），仅列示。"
SIGN = "编制单位：＿＿＿＿＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
UNIT = "金额单位：{unit}"
FOOTER = "&C第 &P 页，共 &N 页"
SCREEN_ONLY = "注：{first}–{last} 列（{names}）供屏幕查看，不打印；审核发现的问题见“问题清单”。"
COUNTED_NOTE = "注：以上数字均按纳入汇总的 {n} 个项目计算。"
COUNTED_FORM_NOTE = "注：以上数字按纳入汇总的、使用 {form} 表样的 {n} 个项目计算。"
LEFT_OUT_NOTE = "未计入的 {n} 份：{items}。"
SKIPPED_TITLE = "已跳过的文件（不是报送的自评表，未汇总）"
BASIS = {
    "zh": [
        "执行率（预算完成率）= Σ实际支出 ÷ Σ预算安排（按资金加权），不是各项目执行率的平均。",
        "合计行和部门行的比率按自评表的公式由金额合计重新计算（如实际到位率 = Σ实际到位 ÷ Σ实际投入，"
        "支出实现率 = Σ实际支出 ÷ Σ实际到位），只计入该比率所需金额均可识别的项目；"
        "各项目行的比率由该表填报的金额重新计算，不采用表中公式的缓存值。",
        "同一项目重复报送时只计入以最新一份为准的自评表，其余以灰色斜体列示、不计入合计和统计。",
        "平均得分和中位数按已计入且有得分的项目计算；部门排名按部门平均得分从高到低。",
        "纳入汇总的项目：已读取、属于本汇总的县（区）和年度、不是重复报送中被替换的一份、且预算安排、"
        "实际投入、实际到位、实际支出和自评得分均可识别。每一个合计、比率、部门和等次数字都只按这些项目计算；"
        "其余的逐一列出并注明原因，不计入任何数字。",
        "分数段按表样的写法（如 80–89），含下限、不含上限：89.5 分计入 80–89（良好）。",
        "错误、警告的件数和“存在错误的自评表占比”按已读取的全部自评表统计（含未计入汇总的）。",
        "金额单位：{unit}，保留两位小数；合计按各项目的精确金额相加，与各行显示值之和可能有尾差。",
    ],
    "en": [
        "Execution rate = Σ spent ÷ Σ budget (weighted by funds), not the mean of project rates.",
        "Rates in total and department rows apply the form's own formulas to summed money "
        "(in-place rate = Σ in place ÷ Σ invested, spending rate = Σ spent ÷ Σ in place), over "
        "the projects whose amounts could be read; project rows are recomputed from each form's "
        "amounts, never its cached values.",
        "A project submitted twice is counted once; the other copy is listed in grey italics only.",
        "Mean and median scores cover counted projects with a score; departments are ranked by "
        "mean score, highest first.",
        "Counted projects: read, of this summary's county and year, not the replaced copy of a duplicate, "
        "with budget, funds invested, in place, spending and score all readable. Every total, rate, "
        "department and grade figure is over these projects only; the others are listed with the reason "
        "and counted in no figure.",
        "Score bands are worded as on the form (80–89) and include their lower bound only: 89.5 is in 80–89.",
        "Counts of errors and warnings and the share of workbooks with errors are over every workbook read.",
        "Amounts in {unit}, 2 decimals; totals add the exact amounts, so they may differ from the sum of "
        "the rounded rows in the last digit.",
    ],
}


@dataclass(frozen=True)
class _F:
    """A formula with the value it computes to (stored so the book reads right unrecalculated)."""

    formula: str
    value: object


def write_summary(county: County, path, *, lang: str = "zh", source_root=None, unit: str = "万元") -> Path:
    """Write the county summary workbook to ``path`` atomically and return the path.

    ``source_root`` is the folder that relative project paths are relative to (default: the
    current folder); the 源文件 links are written relative to the summary's own folder.  Amounts
    are in ``unit``: 万元 (the default, as a report to the bureau director gives them) or 元."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}")
    path = Path(path)
    root = Path(source_root) if source_root is not None else Path.cwd()
    with collector_paused():  # tens of thousands of cells, no cycles
        atomic_write(path, lambda tmp: _Book(county, lang, path.resolve().parent, root.resolve(), unit).write(tmp))
    return path


class _Book:
    def __init__(self, county: County, lang: str, out_dir: Path, root: Path, unit: str = "万元"):
        self.c, self.lang, self.out_dir, self.root = county, lang, out_dir, root
        self.unit, self.per_unit = unit, UNITS[unit]
        self.folders: dict[str, tuple] = {}  # a source's folder → (relative to the summary's, full)
        self.out_parts = set(os.path.abspath(out_dir).split(os.sep))
        self.project_records = project_records(county)
        self.names = _short_names([_s(r.get("path")) for r in self.project_records] +
                                  [f.path for f in county.failures])
        self.wb = None
        self.formats: dict = {}
        self.widths: dict[str, dict[int, float]] = {}
        self.print_cols: dict[str, int] = {}  # each sheet's last printed column

    def t(self, text: str) -> str:
        return EN.get(text, text) if self.lang == "en" else text

    def money(self, yuan):
        """An amount in the book's unit (NaN stays blank)."""
        value = _v(yuan)
        return value / self.per_unit if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    def write(self, tmp: Path) -> None:
        # The parts are assembled in memory (a summary is a few MB), not in temporary files.
        self.wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False,
                                                 "nan_inf_to_errors": False})
        self.wb.set_properties({"title": _s(self.c.title) or "county summary", "author": "perfxl",
                                "created": FIXED_DATE, "comments": f"profile={_s(self.c.profile)}"})
        self.wb.set_custom_property(OUTPUT_PROPERTY, "summary")  # so a later run skips it
        try:
            if self.c.mixed:  # several forms: what they all have side by side, each one's own detail
                from . import forms_book

                forms_book.projects(self)
                forms_book.departments(self)
                forms_book.grades(self)
                forms_book.details(self)
            else:
                self.projects()
                self.departments()
                self.grades()
            self.findings()
            self.failures()
            if self.c.reconciliation is not None:
                self.reconciliation()
            self.notes()
            for ws in self.wb.worksheets():  # the printed columns, down to the last row written
                ws.print_area(0, 0, max(ws.dim_rowmax or 0, 0), self.print_cols[ws.name])
        finally:
            self.wb.close()

    # ---- formats and cells -------------------------------------------------------------
    def fmt(self, kind: str, variant: str = ""):
        key = (kind, variant)
        if key not in self.formats:
            props = {**BASE, **KINDS.get(kind, {}), **VARIANTS.get(variant, {})}
            if kind == "header":
                props = {**BASE, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
            elif kind == "title":
                props = {"font_name": FONT, "font_size": 14, "bold": True, "align": "center",
                         "valign": "vcenter"}
            elif kind == "sign":
                props = {"font_name": FONT, "font_size": 10, "valign": "vcenter",
                         "align": "right" if variant == "right" else "left"}
            elif kind in ("note", "para"):
                props = {"font_name": FONT, "font_size": 10 if kind == "note" else 11,
                         "valign": "top", "text_wrap": True}
            self.formats[key] = self.wb.add_format(props)
        return self.formats[key]

    def put(self, ws, r: int, c: int, value, kind: str, variant: str = "") -> None:
        f = self.formats.get((kind, variant)) or self.fmt(kind, variant)
        if type(value) is str and value and kind != "link":  # most cells: a text, written as it is
            ws.write_string(r, c, value, f)
        elif isinstance(value, _F):
            ws.write_formula(r, c, value.formula, f, "" if _blank(value.value) else value.value)
        elif _blank(value) or value == "":
            ws.write_blank(r, c, None, f)
        elif kind == "link":
            self.link(ws, r, c, str(value), f)
        elif kind in NUM and isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(r, c, float(value), f)
        else:
            ws.write_string(r, c, _s(value), f)

    def link(self, ws, r: int, c: int, source: str, f) -> None:
        shown = re.split(r"[\\/]", source)[-1] or source
        rel = self.relative(source)
        if "#" not in rel and len(rel) < 2000:
            try:
                if ws.write_url(r, c, "external:" + rel, f, shown) == 0:
                    return
            except (ValueError, IndexError):
                pass
        ws.write_string(r, c, shown, f)

    def relative(self, source: str) -> str:
        """Where a source file (absolute, or relative to ``root``) is from the summary's folder, as
        :func:`os.path.relpath` gives it (the full path on another drive); worked out once per
        folder, as a county's files sit in a few."""
        folder, name = os.path.split(source)
        if not folder or name in ("", os.curdir, os.pardir) or name in self.out_parts:  # not by folder
            full = str(Path(source) if Path(source).is_absolute() else self.root / source)
            rel = self._relative(full)
            return full if rel is None else rel
        if folder not in self.folders:
            base = str(Path(folder) if Path(folder).is_absolute() else self.root / folder)
            self.folders[folder] = (self._relative(base), base)
        where, base = self.folders[folder]
        if where is None:
            return os.path.join(base, name)
        return name if where == os.curdir else os.path.join(where, name)

    def _relative(self, path: str) -> str | None:
        try:
            return os.path.relpath(path, self.out_dir)
        except ValueError:  # another drive (Windows)
            return None

    # ---- the generic table ---------------------------------------------------------------
    def table(self, ws, purpose: str, columns, rows, *, variants=None, total=None, freeze_col: int = 0,
              filter_: bool = True, span: int = 0, printed: int | None = None, money: bool = True) -> int:
        """Title (row 1), the 编制单位 / 审核人 / 日期 line (row 2, with the unit of the amounts
        when the table has ``money``), the header (row 3), the rows, then the total row; returns the
        0-based index of the row after the data (where the total row is, if any).  The first
        ``printed`` columns (default: all) are the ones printed, and the rows are as tall as
        those need."""
        headers = [self.t(h) for h, _ in columns]
        kinds = [k for _, k in columns]
        every = [*rows, *([total] if total is not None else [])]
        widths = self.widths.setdefault(ws.name, {})
        for c, (h, kind) in enumerate(zip(headers, kinds, strict=True)):
            texts = kind != "link"  # a text's width is looked up directly (most cells)
            need = max([_text_width(v) if texts and type(v) is str and v else _cell_width(v, kind)
                        for v in [r[c] for r in every]] + [min(_width(h), 8)])  # long headers wrap
            widths[c] = max(widths.get(c, 0), min(need + 2, CAPS.get(kind, 18)), 6)
            ws.set_column(c, c, widths[c])
        printed = len(columns) if printed is None else printed
        ws.set_row(0, 26)
        title = f"{_s(self.c.title)} {self.t(purpose)}".strip()
        last = max(span, printed, _title_span(title, [widths[c] for c in range(printed)])) - 1
        self.merged(ws, 0, last, title, "title")
        self.sign_line(ws, 1, last, money)
        hr, first = 2, 3
        for c, h in enumerate(headers):
            ws.write_string(hr, c, h, self.fmt("header"))
        # What put() does with a text or a number (most cells), done inline.
        texts, numbers = [kind != "link" for kind in kinds], [kind in NUM for kind in kinds]
        formats, put, write_string, write_number = self.formats, self.put, ws.write_string, ws.write_number
        for i, row in enumerate(every):
            variant = "total" if i == len(rows) else variants[i] if variants else ""
            for c, value in enumerate(row):
                v = variant.get(c, "") if isinstance(variant, dict) else variant
                kind = type(value)
                if kind is str and value and texts[c]:
                    write_string(first + i, c, value, formats.get((kinds[c], v)) or self.fmt(kinds[c], v))
                elif (kind is float or kind is int) and numbers[c] and math.isfinite(value):
                    write_number(first + i, c, float(value), formats.get((kinds[c], v)) or self.fmt(kinds[c], v))
                else:
                    put(ws, first + i, c, value, kinds[c], v)
        # rows are sized here: neither Excel nor LibreOffice grows a row for wrapped text on opening
        ws.set_row(hr, LINE * _lines(headers, kinds, widths, header=True) + 4)
        wrapped = [c for c, kind in enumerate(kinds[:printed]) if kind not in ("link", "plain", *NUM)]
        for i, lines in enumerate(_row_lines(every, wrapped, widths)):
            if lines > 1:
                ws.set_row(first + i, LINE * lines + 3)
        ws.freeze_panes(first, freeze_col)
        if filter_:
            ws.autofilter(hr, 0, max(hr, first + len(rows) - 1), len(columns) - 1)
        self.page(ws, hr, last)
        if printed < len(columns):  # the columns for the screen: said under the table
            names = "、".join(headers[printed:]) if self.lang != "en" else ", ".join(headers[printed:])
            text = (EN["screen_only"] if self.lang == "en" else SCREEN_ONLY).format(
                first=xl_col_to_name(printed), last=xl_col_to_name(len(columns) - 1), names=names)
            self.note_rows(ws, first + len(every) + 1, last, [text])
        return first + len(rows)

    def sheet(self, name: str):
        return self.wb.add_worksheet(self.t(name))

    def merged(self, ws, row: int, last_col: int, text: str, kind: str, first_col: int = 0,
               variant: str = "") -> None:
        f = self.fmt(kind, variant)
        if last_col > first_col:
            ws.merge_range(row, first_col, row, last_col, "", f)
        ws.write_string(row, first_col, _s(text), f)  # always a string, whatever it starts with

    def sign_line(self, ws, row: int, last: int, money: bool = True) -> None:
        """编制单位 / 审核人 / 日期, to be filled in by hand, and the unit of the amounts."""
        sign = EN["sign"] if self.lang == "en" else SIGN
        unit = EN["unit"].format(unit=self.t(self.unit)) if self.lang == "en" else UNIT.format(unit=self.unit)
        ws.set_row(row, 22)
        if not money:
            self.merged(ws, row, last, sign, "sign")
        elif last >= 4:
            self.merged(ws, row, last - 2, sign, "sign")
            self.merged(ws, row, last, unit, "sign", first_col=last - 1, variant="right")
        else:
            self.merged(ws, row, last, f"{sign}　{unit}", "sign")

    def note_rows(self, ws, row: int, last: int, texts: list[str]) -> int:
        """Notes under a table, merged over its printed width; returns the row after them."""
        room = sum(self.widths.get(ws.name, {}).get(c, 8.43) for c in range(last + 1)) * 1.05
        for text in texts:
            lines = sum(max(1, math.ceil(_width(part) / max(room, 1))) for part in text.split("\n"))
            ws.set_row(row, LINE * lines + 4)
            self.merged(ws, row, last, text, "note")
            row += 1
        return row

    def page(self, ws, header_row: int, last_col: int) -> None:
        """A4 landscape; the title, the signing line and the header on every page; the printed
        columns fitted to the page's width (the rows run on over as many pages as they need)."""
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, header_row)
        self.print_cols[ws.name] = last_col
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer(EN["footer"] if self.lang == "en" else FOOTER)

    def total_rates(self) -> list:
        """The county's rates, funds-weighted with the form's own formulas (from summarize)."""
        return [_v(self.c.totals.get(k)) for k in ("rate_in_place", "rate_spent", "rate_budget")]

    def left_out(self, form: str | None = None) -> list[tuple[str, str]]:
        """The projects read but counted in no figure (of ``form`` only, when given): (name, reason)."""
        key = "excluded_en" if self.lang == "en" else "excluded"
        return [(_s(r.get("project")) or self.names.get(_s(r.get("path")), ""),
                 _s(r.get(key)) or _s(r.get("excluded")) or _duplicate(r, self.lang))
                for r in self.project_records
                if not _counted(r.get("counted")) and (form is None or r.get("profile") == form)]

    def counted_notes(self, form: str | None = None) -> list[str]:
        """What the figures of a sheet are over (the projects of ``form`` only, on a sheet of one
        form's), and which projects they leave out (and why)."""
        n = sum(_counted(r.get("counted")) for r in self.project_records
                if form is None or r.get("profile") == form)
        if form is None:
            out = [(EN["counted_note"] if self.lang == "en" else COUNTED_NOTE).format(n=n)]
        else:
            out = [(EN["counted_form_note"] if self.lang == "en" else COUNTED_FORM_NOTE).format(n=n, form=form)]
        gone = self.left_out(form)
        if gone:
            if self.lang == "en":
                out.append(EN["left_out_note"].format(n=len(gone), items="; ".join(f"{a} ({b})" for a, b in gone)))
            else:
                out.append(LEFT_OUT_NOTE.format(n=len(gone), items="；".join(f"{a}（{b}）" for a, b in gone)))
        return out

    # ---- the sheets ---------------------------------------------------------------------
    def projects(self) -> None:
        # printed: who, the funds, the rates and the result, and why a row is not counted;
        # after them, for the screen: the counts of findings, the unit's first problem, the file
        columns = [("序号", "int"), ("部门", "text"), ("项目名称", "wrap"), ("预算安排", "money"),
                   ("实际到位", "money"), ("实际支出", "money"), ("资金结余", "money"),
                   ("实际到位率", "rate"), ("支出实现率", "rate"), ("预算完成率", "rate"),
                   ("自评得分", "score"), ("自评等次", "center"), ("备注", "remark"), ("错误", "int"),
                   ("警告（未说明）", "int"), ("警告（已说明）", "int"), ("源文件", "link"), ("主要问题", "plain")]
        printed = 13
        records = self.project_records
        rows = []
        note_key = "excluded_en" if self.lang == "en" else "excluded"
        for i, rec in enumerate(records):
            note = _s(rec.get(note_key)) or _s(rec.get("excluded")) or _duplicate(rec, self.lang)
            rows.append([i + 1, _v(rec.get("department")), _v(rec.get("project")),
                         *(self.money(rec.get(k)) for k in ("budget_total", "in_place_total", "spent_total",
                                                            "balance_total")),
                         *(_v(rec.get(k)) for k in ("rate_in_place", "rate_spent", "rate_budget", "score_total",
                                                    "grade")),
                         note, *(_v(rec.get(k)) for k in ("errors", "warnings_open", "warnings_explained", "path",
                                                          "main_problem"))])
        counted = [_counted(rec.get("counted")) for rec in records]
        first, end = 3, 3 + len(rows)
        excluded = [first + i for i, ok in enumerate(counted) if not ok]
        s = {c: sum(_num(r[c]) for r, ok in zip(rows, counted, strict=True) if ok) for c in (3, 4, 5, 6, 13, 14, 15)}
        f = {c: _sum(xl_col_to_name(c), first, end - 1, excluded, s[c]) for c in s}
        total = ["", self.t("合计"), self.t("计入 {n} 个项目").format(n=sum(counted)),
                 f[3], f[4], f[5], f[6], *self.total_rates(), "", "", "", f[13], f[14], f[15], "", ""]
        ws = self.sheet("汇总表")
        end = self.table(ws, "项目汇总表", columns, rows, variants=["" if ok else "muted" for ok in counted],
                         total=total, freeze_col=3, printed=printed)
        if excluded:
            self.note_rows(ws, end + 1, printed - 1, [EN["muted_note"] if self.lang == "en" else MUTED_NOTE])

    def departments(self) -> None:
        columns = [("部门", "text"), ("项目数", "int"), ("预算安排", "money"), ("实际到位", "money"),
                   ("实际支出", "money"), ("资金结余", "money"), ("实际到位率", "rate"),
                   ("支出实现率", "rate"), ("预算完成率", "rate"), ("平均得分", "score"),
                   ("错误数", "int"), ("排名", "int")]
        rows = []
        for rec in _records(self.c.departments):
            # Rates as summarize computed them: the form's own formulas over summed amounts.
            rows.append([_v(rec.get("department")), _v(rec.get("projects")),
                         *(self.money(rec.get(k)) for k in ("budget_total", "in_place_total", "spent_total",
                                                            "balance_total")),
                         *(_v(rec.get(k)) for k in ("rate_in_place", "rate_spent", "rate_budget", "mean_score",
                                                    "errors", "rank"))])
        first, end = 3, 3 + len(rows)
        s = {c: sum(_num(r[c]) for r in rows) for c in (1, 2, 3, 4, 5, 10)}
        f = {c: _sum(xl_col_to_name(c), first, end - 1, [], s[c]) for c in s}
        total = [self.t("合计"), f[1], f[2], f[3], f[4], f[5], *self.total_rates(),
                 _v(self.c.totals.get("mean_score")), f[10], ""]
        ws = self.sheet("部门汇总")
        end = self.table(ws, "部门汇总表", columns, rows, total=total, freeze_col=1)
        self.note_rows(ws, end + 2, len(columns) - 1, self.counted_notes())

    def grades(self, form: dict | None = None) -> None:
        """等次分布: the grades by the form's band names; of a county of several forms, ``form``'s
        (one sheet each, as their bands differ)."""
        frame = self.c.grades
        if form is None or len(self.c.profiles) <= 1:
            ws, purpose = self.sheet("等次分布"), "自评等次分布"
        else:
            ws = self.wb.add_worksheet(f"{self.t('等次分布')}（{form['id']}）")
            purpose = f"{self.t('自评等次分布')}（{form['id']}）"
            frame = frame[frame["profile"] == form["id"]] if "profile" in frame else frame
        recs = _records(frame)
        first, end = 3, 3 + len(recs)
        n = end + 1
        s = {k: sum(_num(r.get(k)) for r in recs) for k in ("projects", "budget_total", "spent_total")}
        rows = [[_v(r.get("grade")), _band(_s(r.get("band")), self.lang), _v(r.get("projects")),
                 _rate(f"C{first + 1 + i}", f"C${n}", _num(r.get("projects")), s["projects"]),
                 self.money(r.get("budget_total")), self.money(r.get("spent_total"))] for i, r in enumerate(recs)]
        money = {k: s[k] / self.per_unit for k in ("budget_total", "spent_total")}
        total = [self.t("合计"), "", _sum("C", first, end - 1, [], s["projects"]),
                 _rate(f"C{n}", f"C{n}", s["projects"], s["projects"]),
                 _sum("E", first, end - 1, [], money["budget_total"]),
                 _sum("F", first, end - 1, [], money["spent_total"])]
        columns = [("等次", "center"), ("分数段", "center"), ("项目数", "int"), ("占比", "rate"),
                   *((("预算数", "money"), ("执行数", "money")) if form is not None and len(self.c.profiles) > 1
                     else (("预算安排", "money"), ("实际支出", "money")))]  # a mixed county: the common words
        chart_cols = 8  # the chart beside the table: about as wide as eight default columns
        for c in range(len(columns) + 1, len(columns) + 1 + chart_cols):
            self.widths.setdefault(ws.name, {})[c] = 8.43
        end = self.table(ws, purpose, columns, rows, total=total, span=len(columns) + 1 + chart_cols,
                         filter_=False)
        if recs:
            self.chart(ws, purpose, first, end - 1, 1, len(columns) + 1)
        notes = self.counted_notes(None if form is None or len(self.c.profiles) <= 1 else form["id"])
        self.note_rows(ws, max(end + 2, 20 if recs else 0), len(columns) + chart_cols, notes)

    def chart(self, ws, title: str, r1: int, r2: int, at_row: int, at_col: int) -> None:
        sheet = ws.name
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series({
            "name": self.t(title), "categories": [sheet, r1, 0, r2, 0], "values": [sheet, r1, 2, r2, 2],
            "fill": {"color": "#4472C4"}, "gap": 80,
            "data_labels": {"value": True, "font": {"name": FONT, "size": 9}},
        })
        chart.set_title({"name": self.t(title), "name_font": {"name": FONT, "size": 12, "bold": True}})
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_font": {"name": FONT, "size": 9}})
        chart.set_y_axis({"num_font": {"name": FONT, "size": 9}, "min": 0, "num_format": "0",
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_size({"width": 480, "height": 300})
        ws.insert_chart(at_row + 1, at_col, chart, {"x_offset": 10, "y_offset": 4})

    def findings(self) -> None:
        where = {}
        for rec in self.project_records:
            where.setdefault(_s(rec.get("path")), (_v(rec.get("department")), _v(rec.get("project"))))
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        found = sorted(sort_findings(self.c.findings), key=lambda f: rank[f.severity])
        labels = SEVERITY_LABELS.get(self.lang, SEVERITY_LABELS["zh"])
        rows, variants = [], []
        for i, f in enumerate(found):
            dept, proj = where.get(f.workbook, ("", ""))
            rule = f"{f.code} {rule_title(f.code, f.name, self.lang)}"
            rows.append([i + 1, dept, proj, f.sheet, f.cell, labels[f.severity], rule, f.message,
                         f.expected, f.actual, f.explained, self.names.get(f.workbook, _name(f.workbook))])
            variants.append({5: "alert"} if f.is_error else {})
        columns = [("序号", "int"), ("部门", "text"), ("项目", "wrap"), ("工作表", "text"), ("单元格", "center"),
                   ("级别", "center"), ("规则", "wrap"), ("问题", "wrap"), ("应为", "text"), ("实际", "text"),
                   ("说明", "wrap"), ("文件", "wrap")]
        self.table(self.sheet("问题清单"), "审核问题清单", columns, rows, variants=variants, printed=11,
                   money=False)

    def failures(self) -> None:
        columns = [("序号", "int"), ("文件", "wrap"), ("原因", "wrap")]

        def rows_of(failures):
            return [[i + 1, self.names.get(f.path, _name(f.path)),
                     (f.reason_en or f.reason) if self.lang == "en" else f.reason] for i, f in enumerate(failures)]

        rows = rows_of([*self.c.failures, *self.c.annotate_failures])  # copies not written too
        if not rows:
            rows = [["", self.t("全部文件均已处理"), ""]]
        ws = self.sheet("未能处理")
        end = self.table(ws, "未能处理的文件", columns, rows, span=8, money=False)
        if self.c.skipped:  # every other file under the inputs: said why it was not read
            self.merged(ws, end + 1, len(columns) - 1, self.t(SKIPPED_TITLE), "note")
            kinds = [k for _, k in columns]
            for i, row in enumerate(rows_of(self.c.skipped)):
                for c, value in enumerate(row):
                    self.put(ws, end + 2 + i, c, value, kinds[c], "muted")

    def reconciliation(self) -> None:
        rows, variants = [], []
        for rec in _records(self.c.reconciliation):
            status = _v(rec.get("status"))
            rows.append([_v(rec.get("department")), _v(rec.get("project")),
                         *(self.money(rec.get(k)) for k in ("approved", "submitted", "difference")), status])
            variants.append({} if status in ("一致", None) else {5: "alert"})
        columns = [("部门", "text"), ("项目", "wrap"), ("批复预算", "money"), ("报送预算", "money"),
                   ("差额", "money"), ("状态", "center")]
        self.table(self.sheet("预算核对"), "预算核对表", columns, rows, variants=variants)

    def notes(self) -> None:
        ws = self.sheet("说明")
        ncols, col_width = 10, 15
        ws.set_column(0, ncols - 1, col_width)
        self.widths[ws.name] = dict.fromkeys(range(ncols), col_width)
        ws.set_row(0, 26)
        self.merged(ws, 0, ncols - 1, f"{_s(self.c.title)} {self.t('汇总说明')}".strip(), "title")
        self.sign_line(ws, 1, ncols - 1, money=False)
        paragraphs = narrate(self.c, lang="en") if self.lang == "en" else list(self.c.narrative) or narrate(self.c)
        basis = [b.format(unit=self.t(self.unit)) for b in BASIS.get(self.lang, BASIS["zh"])]
        lines = [*paragraphs, "",
                 f"{self.t('生成时间')}{self.t('：')}{_s(self.c.checked_at)}",
                 f"{self.t('规则配置')}{self.t('：')}{_s(self.c.profile)}",
                 f"{self.t('统计口径')}{self.t('：')}",
                 *(f"{i + 1}. {b}" for i, b in enumerate(basis))]
        per_line = ncols * col_width * 0.95  # characters (narrow ones) a merged row holds
        for i, text in enumerate(lines):
            row = 3 + i
            kind = "para" if i < len(paragraphs) else "note"
            height = 15 if kind == "para" else 14
            ws.set_row(row, max(1, math.ceil(_width(text) / per_line)) * height + 4)
            self.merged(ws, row, ncols - 1, text, kind)
        self.page(ws, 1, ncols - 1)


# ---- helpers ----------------------------------------------------------------------------
def _blank(value) -> bool:
    kind = type(value)
    if kind is str or kind is int:  # most cells: decided without the checks below
        return False
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value) or math.isinf(value)
    if isinstance(value, (str, int, list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(value))  # pd.NA, NaT, numpy NaN
    except (TypeError, ValueError):
        return False


def _name(path: str) -> str:
    return re.split(r"[\\/]", str(path))[-1] or str(path)


def _short_names(paths: list[str]) -> dict[str, str]:
    """Each path as a reader of the paper needs it: the file name, with its folder when two
    files of the same name came from different folders."""
    by_name: dict[str, set[str]] = {}
    for p in paths:
        by_name.setdefault(_name(p), set()).add(p)
    out = {}
    for p in paths:
        name = _name(p)
        parts = [x for x in re.split(r"[\\/]", p) if x]
        out[p] = name if len(by_name[name]) == 1 or len(parts) < 2 else "/".join(parts[-2:])
    return out


def _records(frame) -> list[dict]:
    return [] if frame is None or not len(frame) else frame.to_dict("records")


def _v(value):
    """A cell value as plain Python: None for NaN/NA, numbers as int/float, the rest as is."""
    if type(value) is str or type(value) is int:  # most values, as they are
        return value
    if _blank(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    return value


def _num(value) -> float:
    value = _v(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _s(value) -> str:
    return "" if _blank(value) else str(value)


def _band(text: str, lang: str) -> str:
    """A score band as summarize words it ("59 及以下", "≥ 85.5 且 < 90"), in the summary's language."""
    if lang != "en":
        return text
    return text.replace(" 及以下", " and below").replace(" 且 ", " and ").replace("全部", "all")


def _duplicate(rec: dict, lang: str) -> str:
    """A project's note on its copies, in the summary's language."""
    return (lang == "en" and _s(rec.get("duplicate_en"))) or _s(rec.get("duplicate"))


def _counted(value) -> bool:
    return True if _blank(value) else bool(value)


def _sum(col: str, first: int, last: int, excluded: list[int], value: float):
    """=SUM over the rows less the excluded ones, or the constant when there is nothing to sum."""
    gone = set(excluded)
    while last >= first and last in gone:  # rows listed after the counted ones stay out of the range
        last -= 1
    if last < first:
        return value
    excluded = [r for r in excluded if r <= last]
    formula = f"=SUM({col}{first + 1}:{col}{last + 1})" + "".join(f"-{col}{r + 1}" for r in excluded)
    return _F(formula, value) if len(formula) < 8000 else value


def _rate(num_ref: str, den_ref: str, num: float, den: float) -> _F:
    return _F(f'=IF({den_ref}=0,"",{num_ref}/{den_ref})', num / den if den else "")


def _width(text: str) -> int:
    """Display width: Chinese (wide) characters count double; the longest line of the text."""
    return _text_width(str(text))


@lru_cache(maxsize=65536)  # a county's names, grades and rule titles recur on every sheet
def _text_width(text: str) -> int:
    if text.isascii():
        return max(map(len, text.split("\n")))
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in text.split("\n"))


def _title_span(title: str, widths: list[float]) -> int:
    """Columns a 14-point title needs: the table's, then as many of Excel's default width as it takes."""
    need, n = _width(title) * 1.5, len(widths)
    have = sum(widths)
    while have < need:
        have, n = have + 8.43, n + 1
    return n


def _lines(row, kinds, widths, *, header: bool = False, columns: list[int] | None = None) -> int:
    """How many lines the tallest cell of a row takes when wrapped in its column (of ``columns``,
    when given: those that can wrap)."""
    most = 1
    for c in range(len(row)) if columns is None else [c for c in columns if c < len(row)]:
        value = row[c]
        if isinstance(value, _F) or _blank(value) or (kinds[c] in _UNWRAPPED and not header):
            continue
        room = max((widths[c] - 1) * 1.05, 1)  # a wide character is a little under 2 units
        text = str(value)
        if "\n" not in text:  # one line (most cells)
            most = max(most, max(1, math.ceil(_text_width(text) / room)))
        else:
            most = max(most, sum(max(1, math.ceil(_width(line) / room)) for line in text.split("\n")))
    return most


_UNWRAPPED = ("link", *NUM)


def _row_lines(rows, columns: list[int], widths) -> list[int]:
    """:func:`_lines` of every row over ``columns`` (those that wrap), worked out column by
    column: a county's detail sheet has thousands of rows and a few distinct widths of text."""
    most = [1] * len(rows)
    for c in columns:
        room = max((widths[c] - 1) * 1.05, 1)
        for i, row in enumerate(rows):
            if c >= len(row):
                continue
            value = row[c]
            if type(value) is str:
                if not value:
                    continue
            elif isinstance(value, _F) or _blank(value):
                continue
            else:
                value = str(value)
            if "\n" not in value:  # one line (most cells)
                lines = max(1, math.ceil(_text_width(value) / room))
            else:
                lines = sum(max(1, math.ceil(_width(line) / room)) for line in value.split("\n"))
            if lines > most[i]:
                most[i] = lines
    return most


def _cell_width(value, kind: str) -> int:
    if type(value) is str and value and kind != "link":  # most cells: a text
        return _width(value)
    if isinstance(value, _F):
        value = value.value
    if _blank(value) or value == "":
        return 0
    if kind == "link":
        return _width(re.split(r"[\\/]", str(value))[-1])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if kind == "money":
            return len(f"{value:,.2f}")
        if kind == "rate":
            return len(f"{value * 100:.2f}%")
        return len(f"{value:g}")
    return _width(value)
