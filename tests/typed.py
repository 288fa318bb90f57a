"""Workbooks typed by hand in the printed form's layout, for any profile: the layout builder.

A unit that does not use perfxl's template types the printed form into a sheet of its own.
:func:`type_form` does the same from a profile and a :class:`perfxl.form.template.Fill` (the
values the template tests use), in the ways units do it — described by a :class:`Style`: one
sheet as printed or a sheet per section, amounts in 万元 with the unit declared, label columns
merged or flattened, blank and inserted rows, cover lines written ``标签：值``, labels spelt
their own way, other sheets around the form, .xls.  Nothing in it knows a particular form: it
walks the profile's blocks as the template writer does.

It returns where it put every value (slot name and item → ``Sheet!A1``), so a test can ask
that the reader found each value at its own cell.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from perfxl.form.derive import derive
from perfxl.form.layout import grid_name, list_name, skeleton_rows, tree_name
from perfxl.form.profile import Block, Indicator, Profile
from perfxl.form.template import Fill
from perfxl.numbers import PARSERS


@dataclass
class Style:
    """How a unit typed the form."""

    name: str
    one_sheet: bool = True  # the whole form on one sheet, sections one under another
    sheet_names: dict[str, str] = field(default_factory=dict)  # section key → its sheet's name
    headings: bool = True  # the section headings and remarks typed
    colon_fields: bool = False  # '项目名称：XXX' in one cell
    unit: str | None = None  # amounts typed in this unit, declared over each money table (None: the form's, undeclared)
    merged: bool = True  # label columns merged down (tree 一级/二级, the grid's caption) and values across
    shift_second_level: bool = False  # a flattened tree: a later 二级 label in the 一级 column
    blank_rows: bool = False  # blank rows between blocks and inside tables
    inserted: bool = False  # a row of the unit's own inside the funds table and the tree
    start: tuple[int, int] = (0, 0)  # the form's top-left cell (rows, columns above and left)
    spelling: dict[str, str] = field(default_factory=dict)  # label → as this unit spells it
    spaced: bool = False  # labels of tables typed with spaces between the characters
    codes_inline: bool = False  # 行次 after the row's label instead of in a column of its own
    maxima: str = "（{max:g}分）"  # how a leaf's 分值 is printed after its label
    rollups: bool = False  # the 二级/一级 score columns of perfxl's template typed too
    total_under_leaf: bool = False  # the tree's total typed under the 三级 column (as the seed shows it)
    before: list[tuple[str, list[list]]] = field(default_factory=list)  # other sheets, before the form
    after: list[tuple[str, list[list]]] = field(default_factory=list)  # other sheets, after it
    xls: bool = False  # saved as .xls (by LibreOffice)
    levels: str = "merged"  # an indicator list's 一级/二级 labels: merged down | every row | first of a run only
    as_printed: bool = False  # fields perfxl adds left out, a field printed without a label in its shape
    text_figures: bool = False  # totals, rates and scores typed as text as they look: '95.50%', '1,000.00'


@dataclass
class Typed:
    path: Path
    placed: dict[tuple[str, int], str]  # (slot name, item or -1) → 'Sheet!A1' of its value
    labels: dict[str, str]  # label as the profile prints it → 'Sheet!A1' where it was typed


def type_form(profile: Profile, fill: Fill, style: Style, path: Path, *, year: int = 2023,
              county: str = "示例县", soffice: str | None = None) -> Typed:
    """Type ``fill`` into a new workbook at ``path`` as ``style`` says; .xls needs ``soffice``."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in style.before:
        _plain_sheet(wb, name, rows)
    writer = _Writer(profile, fill, style, year, county)
    sheet = None
    for i, psheet in enumerate(profile.sheets):
        if sheet is None or not style.one_sheet:
            title = style.sheet_names.get(psheet.key) or (f"Sheet{i + 1}" if not style.one_sheet else "Sheet1")
            sheet = wb.create_sheet(title)
            writer.at(sheet)
        for block in psheet.blocks:
            writer.block(block)
            if style.blank_rows:
                writer.row += 1
    for name, rows in style.after:
        _plain_sheet(wb, name, rows)
    xlsx = path.with_suffix(".xlsx")
    wb.save(xlsx)
    if not style.xls:
        return Typed(xlsx, writer.placed, writer.labels)
    out = xlsx.parent / "xls"
    subprocess.run([soffice or shutil.which("soffice"), f"-env:UserInstallation=file://{xlsx.parent}/lo",
                    "--headless", "--convert-to", "xls", "--outdir", str(out), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    xls = path.with_suffix(".xls")
    (out / xlsx.with_suffix(".xls").name).replace(xls)
    return Typed(xls, writer.placed, writer.labels)


def _plain_sheet(wb, name: str, rows: list[list]) -> None:
    ws = wb.create_sheet(name)
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            if v not in ("", None):
                ws.cell(r, c, v)


class _Writer:
    def __init__(self, profile: Profile, fill: Fill, style: Style, year: int, county: str):
        self.profile, self.fill, self.style = profile, fill, style
        self.year, self.county = year, county
        self.placed: dict[tuple[str, int], str] = {}
        self.labels: dict[str, str] = {}
        inputs = {k: _parsed(profile, k, v) for k, v in fill.values.items()}
        items = {b: {c: [_parsed_item(profile, b, c, row.get(c)) for row in rows]
                     for c in {k for row in rows for k in row}} for b, rows in fill.items.items()}
        self.derived = derive(profile, inputs, items)
        self.derived.update(fill.typed_over)
        self.ws = None
        self.row = 0

    def at(self, ws) -> None:
        self.ws, self.row = ws, self.style.start[0]

    # --- writing cells --------------------------------------------------------------------
    def put(self, r: int, c: int, value, *, name: str | None = None, item: int = -1,
            label: str | None = None, fmt: str | None = None):
        col = c + self.style.start[1]
        if value not in (None, ""):
            cell = self.ws.cell(r + 1, col + 1, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # '=100%' as the unit typed it into a text cell, not a formula
            if fmt:
                cell.number_format = fmt
        if name is not None:
            self.placed[(name, item)] = f"{self.ws.title}!{get_column_letter(col + 1)}{r + 1}"
        if label is not None:
            self.labels.setdefault(label, f"{self.ws.title}!{get_column_letter(col + 1)}{r + 1}")

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r1, c1) != (r0, c0) and self.style.merged:
            off = self.style.start[1]
            self.ws.merge_cells(start_row=r0 + 1, start_column=c0 + off + 1, end_row=r1 + 1, end_column=c1 + off + 1)

    def text(self, label: str, table: bool = False) -> str:
        """A label as this unit types it."""
        out = self.style.spelling.get(label, label)
        if table and self.style.spaced and len(out) <= 6:
            out = " ".join(out.replace(" ", ""))
        return out

    def value(self, name: str, type_: str, form: str = ""):
        """An input as typed (converted to the style's unit), or a derived figure as computed."""
        v = self.fill.values[name] if name in self.fill.values else self.derived.get(name)
        if type_ == "money":
            return self.money(v, form)
        if type_ == "rate" and isinstance(v, float):
            return round(v, 6)
        return v

    def money(self, v, form: str = ""):
        """An amount of the fill (in the form's unit ``form``) in the unit this unit types."""
        typed = self.style.unit or form or "元"
        if typed == (form or "元") or v in (None, ""):
            return v
        parsed = PARSERS["money"](v)
        if parsed.status != "ok":
            return v
        return float(Decimal(repr(parsed.value)) * Decimal(_UNITS[form or "元"]) / Decimal(_UNITS[typed]))

    def figure(self, v, type_: str):
        """A derived figure as this unit types it: a number, or (``text_figures``) the text it
        shows, 95.50% or 1,000.00."""
        if not self.style.text_figures or not isinstance(v, int | float) or isinstance(v, bool):
            return v
        if v != v:  # a rate over a zero base: left blank
            return None
        if type_ == "rate":
            return f"{v:.2%}"
        if type_ == "money":
            return f"{v:,.2f}"
        return f"{round(v, 2):g}"

    # --- blocks --------------------------------------------------------------------------
    def block(self, block: Block) -> None:
        getattr(self, f"_{block.kind}")(block)

    @property
    def width(self) -> int:
        return 8

    def _heading(self, block: Block) -> None:
        if self.style.headings:
            self.put(self.row, 0, block.text)
            self.row += 1

    def _fields(self, block: Block) -> None:
        fields = {f.key: f for f in block.fields}
        hints = self.profile.by_labels
        for keys in block.rows:
            if self.style.as_printed:  # the printed form: perfxl's own fields left out
                keys = [k for k in keys if k not in hints.unprinted]
                if not keys:
                    continue
            per = self.width // len(keys)
            for i, key in enumerate(keys):
                f = fields[key]
                v = self.fill.values.get(key, _default(f.default, self.year, self.county))
                c = i * per
                if self.style.as_printed and key in hints.shapes:  # no label: '（2023年度）'
                    self.put(self.row, c, hints.shapes[key][0].replace("{value}", str(v)), name=key)
                    self.merge(self.row, c, self.row, c + per - 1)
                elif not block.labels:
                    self.put(self.row, c, v, name=key)
                    self.merge(self.row, c, self.row, c + per - 1)
                elif self.style.colon_fields:
                    shown = v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else v)
                    self.put(self.row, c, f"{self.text(f.label)}：{shown}", name=key, label=f.label)
                    self.merge(self.row, c, self.row, c + per - 1)
                else:
                    self.put(self.row, c, self.text(f.label), label=f.label)
                    self.put(self.row, c + 1, v, name=key, fmt="yyyy-mm-dd" if f.type == "date" else None)
                    self.merge(self.row, c + 1, self.row, c + per - 1)
            self.row += 1

    def _longtext(self, block: Block) -> None:
        if block.caption:
            self.put(self.row, 0, "内容")
            self.put(self.row, 1, self.text(block.caption), label=block.caption)
            self.merge(self.row, 1, self.row, self.width - 1)
            self.row += 1
        for f in block.fields:
            self.put(self.row, 0, self.text(f.label), label=f.label)
            self.put(self.row, 1, self.fill.values.get(f.key), name=f.key)
            self.merge(self.row, 1, self.row, self.width - 1)
            self.row += 1

    def _unit_line(self, block: Block) -> None:
        if self.style.unit is not None and (self.style.unit != "元" or block.unit not in ("", "元")) and any(
                block.cell_type(r, c) == "money" for r in block.rows for c in block.columns):
            self.put(self.row, 0, f"单位：{self.style.unit}")
            self.row += 1

    def _grid(self, block: Block) -> None:
        self._unit_line(block)
        top = self.row
        c = 0
        if block.caption:
            caption = self.text(block.caption)
            if block.unit and self.style.unit and self.style.unit != block.unit:  # 项目资金（元）: as typed
                caption = caption.replace(f"（{block.unit}）", f"（{self.style.unit}）")
            self.put(top, 0, caption, label=block.caption)
            c = 1
        self.put(top, c, self.text(block.row_header, True), label=block.row_header)
        first = c + 1
        if block.code_header and not self.style.codes_inline:
            self.put(top, c + 1, self.text(block.code_header, True), label=block.code_header)
            first = c + 2
        for i, col in enumerate(block.columns):
            self.put(top, first + i, self.text(col.label, True), label=col.label)
        self.row += 1
        for n, row in enumerate(block.rows):
            if self.style.blank_rows and n == 1:
                self.row += 1
            label = self.text(row.label, True)
            if self.style.codes_inline and row.code:
                label += row.code
            self.put(self.row, c, label, label=row.label)
            if block.code_header and not self.style.codes_inline:
                self.put(self.row, c + 1, row.code)
            for i, col in enumerate(block.columns):
                rule = block.cell_rule(row, col)
                if rule is not None and rule.blank:
                    continue
                name = grid_name(block, row.key, col.key)
                type_ = block.cell_type(row, col)
                v = self.value(name, type_, block.unit)
                self.put(self.row, first + i, self.figure(v, type_) if rule is not None else v, name=name,
                         fmt="0.00%" if type_ == "rate" else None)
            self.row += 1
            if self.style.inserted and n == 2:  # a line of the unit's own: not a row of the form
                self.put(self.row, c, "其中：单位自筹说明")
                self.put(self.row, first, 12345)
                self.row += 1
        if block.caption:
            self.merge(top, 0, self.row - 1, 0)

    def _list(self, block: Block) -> None:
        rows = self.fill.items.get(block.key, [])
        n = max(block.min_rows, len(rows))
        starts, c = {}, 1
        for col in block.columns:
            starts[col.key] = c
            c += col.span
        top = self.row
        if block.caption:  # the form's title of the table down its first column (年度总体目标)
            self.put(self.row, 0, self.text(block.caption), label=block.caption)
        self.put(self.row, 0, self.text(block.number_header) if block.number_header else None,
                 label=block.number_header or None)
        for col in block.columns:
            label = self.text(col.label)
            if col.type == "money" and self.style.unit not in (None, "元"):
                label += f"（{self.style.unit}）"
            self.put(self.row, starts[col.key], label, label=col.label)
            self.merge(self.row, starts[col.key], self.row, starts[col.key] + col.span - 1)
        self.row += 1
        if block.total:
            first_text = next((col for col in block.columns if not col.sum), None)
            at = starts[first_text.key] if first_text else 0
            self.put(self.row, at, self.text(block.total, True), label=block.total)
            for col in block.columns:
                if col.sum:
                    name = list_name(block, f"total_{col.key}")
                    self.put(self.row, starts[col.key], self.value(name, col.type, block.unit), name=name)
            self.row += 1
        for i in range(n):
            if self.style.blank_rows and i == 1:
                self.row += 1
            if not block.caption:
                self.put(self.row, 0, i + 1)
            item = rows[i] if i < len(rows) else {}
            for col in block.columns:
                v = item.get(col.key)
                self.put(self.row, starts[col.key], self.money(v, block.unit) if col.type == "money" else v,
                         name=list_name(block, col.key), item=i)
                self.merge(self.row, starts[col.key], self.row, starts[col.key] + col.span - 1)
            self.row += 1
        if block.caption:
            self.merge(top, 0, self.row - 1, 0)

    def _tree(self, block: Block) -> None:
        levels = len(block.headers)
        heads = [*block.headers, *(c.label for c in block.columns)]
        if self.style.rollups:
            heads += block.rollup_headers
        for i, text in enumerate(heads):
            self.put(self.row, i, self.text(text), label=text)
        self.row += 1
        score = block.score_column
        rollup_col = {lvl: levels + len(block.columns) + i for i, lvl in enumerate(range(levels - 1, 0, -1))}

        def place(ind: Indicator, top: int, first_of_parent: bool) -> int:
            if ind.is_leaf:
                if self.style.inserted and ind.key == block.leaves[1].key:
                    self.row += 1  # a blank line inside the table, as published
                top = self.row
                self.put(top, levels - 1, f"{self.text(ind.label)}{self.style.maxima.format(max=ind.max)}",
                         label=ind.label)
                for i, col in enumerate(block.columns, start=levels):
                    name = tree_name(col, ind)
                    self.put(top, i, self.fill.values.get(name), name=name)
                self.row += 1
                return top
            first_row = None
            for n, child in enumerate(ind.children):
                got = place(child, self.row, n == 0)
                first_row = got if first_row is None else first_row
            col = ind.level - 1
            if self.style.shift_second_level and ind.level == 2 and not first_of_parent:
                col = 0
            self.put(first_row, col, f"{self.text(ind.label)}（{ind.max:g}）", label=ind.label)
            self.merge(first_row, col, self.row - 1, col)
            if self.style.rollups:
                name = tree_name(score, ind)
                self.put(first_row, rollup_col[ind.level], self.value(name, "score"), name=name)
            return first_row

        for root in block.roots:
            place(root, self.row, True)
        score_col = levels + block.columns.index(score)
        total_col = levels - 1 if self.style.total_under_leaf else score_col
        self.put(self.row, 0, self.text(block.total_label), label=block.total_label)
        self.merge(self.row, 0, self.row, total_col - 1)
        name = tree_name(score, "total")
        self.put(self.row, total_col, self.value(name, "score"), name=name)
        if block.grade_label:
            self.put(self.row, total_col + 1, self.text(block.grade_label), label=block.grade_label)
            self.put(self.row, total_col + 2, self.value("grade", "grade"), name="grade")
        self.row += 1

    def _indicators(self, block: Block) -> None:
        """The unit's own list of indicators: a header, its rows (一级/二级 labels merged down their
        runs, on every row, or on the first row of a run only, as ``levels`` says), 总分 and the
        grade."""
        rows = self.fill.items.get(block.key) or skeleton_rows(block)
        starts, c = {}, 1 if block.caption else 0
        for col in block.columns:
            starts[col.key] = c
            c += col.span
        top = self.row
        if block.caption:
            self.put(top, 0, self.text(block.caption), label=block.caption)
        for col in block.columns:
            self.put(top, starts[col.key], self.text(col.label, True), label=col.label)
            self.merge(top, starts[col.key], top, starts[col.key] + col.span - 1)
        self.row += 1
        levels = [col for col in block.columns if col.role in ("level1", "level2")]
        runs = {}  # (column key, item) → the item its label's run starts at
        for col in levels:
            above = [x.key for x in levels if x.role == "level1"] if col.role == "level2" else []
            start = 0
            for i, item in enumerate(rows):
                key = (tuple(item.get(k) for k in above), item.get(col.key))
                first = (tuple(rows[start].get(k) for k in above), rows[start].get(col.key))
                if key != first or item.get(col.key) in (None, ""):
                    start = i
                runs[(col.key, i)] = start
        at: dict[int, int] = {}  # item → its sheet row
        for i, item in enumerate(rows):
            if self.style.blank_rows and i == 2:
                self.row += 1  # a blank line inside the table
            at[i] = self.row
            for col in block.columns:
                v = item.get(col.key)
                if col in levels and self.style.levels != "every" and runs[(col.key, i)] != i:
                    v = None  # "as above": merged into the first row of its run, or left blank
                self.put(self.row, starts[col.key], v, name=list_name(block, col.key), item=i)
                self.merge(self.row, starts[col.key], self.row, starts[col.key] + col.span - 1)
            self.row += 1
        if self.style.levels == "merged":
            for col in levels:
                for i in range(len(rows)):
                    if runs[(col.key, i)] == i:
                        last = max(j for j in range(len(rows)) if runs[(col.key, j)] == i)
                        if last > i:
                            self.merge(at[i], starts[col.key], at[last], starts[col.key])
        if block.caption:
            self.merge(top, 0, self.row - 1, 0)
        weight, score = block.role("weight"), block.role("score")
        self.put(self.row, 0, self.text(block.total_label, True), label=block.total_label)
        self.merge(self.row, 0, self.row, starts[weight.key] - 1)
        for name, col in ((list_name(block, "total_weight"), weight), (tree_name(score, "total"), score)):
            self.put(self.row, starts[col.key], self.figure(self.value(name, "score"), "score"), name=name)
        self.row += 1
        if block.grade_label:
            self.put(self.row, 0, self.text(block.grade_label, True), label=block.grade_label)
            self.merge(self.row, 0, self.row, starts[weight.key] - 1)
            self.put(self.row, starts[weight.key], self.value("grade", "grade"), name="grade")
            self.row += 1


_UNITS = {"元": 1, "万元": 10_000}


def _default(template: str | None, year: int, county: str):
    return template.format(year=year, county=county) if template else None


def _parsed(profile: Profile, name: str, value):
    from perfxl.form.layout import layout_for

    slot = layout_for(profile).by_name.get(name)
    got = PARSERS[slot.type if slot else "text"](value)
    return got.value if got.status == "ok" else None


def _parsed_item(profile: Profile, block: str, column: str, value):
    col = next(c for c in profile.block(block).columns if c.key == column)
    got = PARSERS[col.type](value)
    return got.value if got.status == "ok" else None


def restyle(style: Style, **changes) -> Style:
    return replace(style, **changes)
