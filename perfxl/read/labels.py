"""Read a workbook typed by hand, field by field, by the labels of its form.

Given where the form stands (:func:`perfxl.read.recognise.locate`), each part of the profile is
found by its labels and its values where the printed form puts them:

* a field: ``项目名称：XXX`` in one cell, or the value to the right of its label (the first filled
  cell before the next label; blank there when the unit left it blank), or below it where the
  profile says so;
* the funds table (a grid): its header row by the column labels, each row by its label, each
  value where the row meets the column — a 行次 column, a caption merged down the side and rows
  inserted between are passed over;
* an open list (detail, problems): its header row, then every row below it with anything in it,
  numbered rows left blank included, up to the next table, heading or remark;
* the indicator tree: its header row, each leaf by the label nearest the values in its row (a
  flattened table may put a 二级 label in the 一级 column, and merged 一级/二级 cells are blank
  below their first row), the 合计 and 自评等次 to the right of their labels.

Amounts are converted to the form's unit where the workbook declares another (``单位：万元`` over
a table, ``（万元）`` in a header or a row's label).  The result is the template reader's records
exactly — slot, sheet, row, column, item, raw text, value, status, whether the cell holds a
formula, the recomputed figure — so every rule runs unchanged and names the cell where the value
stands.  What cannot be found is never a 0: its record has the status ``missing`` (unknown to the
recomputation) and the reading says what label was searched for; a label found twice with
different values is said too (rules L001–L003 report both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from perfxl.form.derive import derive
from perfxl.form.layout import OPEN_LISTS, grid_name, layout_for, list_name, tree_name
from perfxl.form.profile import Block, Indicator, Profile
from perfxl.numbers import PARSERS, Parsed
from perfxl.ooxml.cells import cell_name

from .recognise import (
    Area,
    Match,
    Page,
    all_keys,
    block_terms,
    declared_unit,
    heading_key,
    label_key,
    sections,
    shape,
    shape_patterns,
    spellings,
    squash,
    unit_factor,
)
from .workbook import _EXPECTED, _parse, _record

MISSING = "missing"  # a record's status: the label was not found, the value is unknown
_WAN = ("万元", "万", "亿", "千元")  # a unit typed with the amount: never converted twice
_FILLERS = {"...", "…", "……", "......", "。。。", "⋯", "⋯⋯", "等"}


@dataclass
class Issue:
    """Something the reading could not settle: a label not found, or found twice."""

    kind: str  # "missing" | "twice"
    field: str  # the slot (or block) it is about: what an explanation is attached to
    label: str  # the label searched for, as the form prints it
    spellings: tuple[str, ...]  # other spellings searched for
    required: bool
    sheet: str
    cell: str  # where it is reported: the value's cell, else the part of the form it belongs to
    other_sheet: str = ""
    other_cell: str = ""
    value: str = ""
    other_value: str = ""
    what: str = ""  # field | row | column | leaf | table | list | tree


@dataclass
class Place:
    """How one value was found (``perfxl map``): its label's cell, its value's cell, the text."""

    name: str
    label: str
    item: int
    label_cell: str  # 'Sheet!A1', or '' (a table cell: its row and column labels)
    value_cell: str
    raw: str
    how: str  # colon | right | below | column | title | missing | computed (a derived figure not typed)


@dataclass
class LabelReading:
    """How a workbook was read by its labels: the profile, how sure, where, and what was not."""

    profile: str
    score: float
    found: int
    total: int
    sheets: list[str]  # the sheets that hold the form
    ignored: list[str]  # the others, left alone
    spots: list[tuple] = field(default_factory=list)  # what `places` shows, compact (it travels)
    issues: list[Issue] = field(default_factory=list)
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)  # sheet, cell, text
    missing_labels: list[str] = field(default_factory=list)  # labels of the form not in the workbook
    units: list[str] = field(default_factory=list)  # unit declarations followed: 'Sheet!A5 单位：万元'

    @property
    def places(self) -> list[Place]:
        """How each value was found (``perfxl map``)."""
        out = []
        for name, label, item, sheet, label_at, value_at, raw, how in self.spots:
            out.append(Place(name, label, item, f"{sheet}!{cell_name(*label_at)}" if label_at else "",
                             f"{sheet}!{cell_name(*value_at)}" if value_at else "", _text(raw), how))
        return out


@dataclass(slots=True)
class Spot:
    """Where a slot's value stands (or, when missing, where its absence is reported)."""

    page: Page
    row: int
    col: int
    raw: object = ""
    how: str = MISSING
    label: tuple[int, int] | None = None
    factor: float = 1.0  # money: 元 per unit of the amount typed here (10,000 for 万元)

    @property
    def found(self) -> bool:
        return self.how != MISSING

    @property
    def cell(self) -> str:
        return cell_name(self.row, self.col)


@dataclass
class _Table:
    area: Area
    header: int  # the header's first row
    bottom: int  # its last row
    cols: dict[int, int]  # group index → column
    start: int  # first body row
    end: int  # after the last body row


def read_by_labels(profile: Profile, found: Match, formulas) -> tuple[list[tuple], LabelReading]:
    """The records of every slot (the template reader's RECORD_COLUMNS) and the reading.

    ``formulas(sheet)`` gives (cells holding a formula, cells holding an error) of a sheet, or
    None when that cannot be told (.xls)."""
    reader = _Reader(profile, found)
    reader.run()
    return reader.records(formulas), reader.reading()


class _Reader:
    def __init__(self, profile: Profile, found: Match):
        self.profile = profile
        self.match = found
        self.layout = layout_for(profile)
        self.spots: dict[str, Spot] = {}
        self.items: dict[str, list[Spot]] = {}  # list column slot name → its item spots
        self.issues: list[Issue] = []
        self.unmatched: list[tuple[Page, int, int]] = []
        self.units: list[str] = []
        self.claimed: set[tuple[int, int, int]] = set()
        self.labels = all_keys(profile)
        self.stops = _stop_keys(profile)
        self._fields_seen: list[tuple] = []
        self._indexes: dict[int, dict] = {}  # id(area) → key → where it stands (whole or before ':')
        self._units: dict[tuple, tuple[float, str | None]] = {}
        self._named: dict[int, dict[str, list[int]]] = {}  # page → key → rows holding it

    # ------------------------------------------------------------------ walking the profile
    def run(self) -> None:
        for sheet, section in zip(self.profile.sheets, sections(self.profile), strict=True):
            area = self.match.areas.get(section.key)
            for block in sheet.blocks:
                if block.kind in ("fields", "longtext"):
                    self._fields(block, area, section.key)
                elif block.kind == "grid":
                    self._grid(block, area, section.key)
                elif block.kind == "list":
                    self._list(block, area, section.key)
                elif block.kind == "tree":
                    self._tree(block, area, section.key)
                elif block.kind == "indicators":
                    self._indicators(block, area, section.key)
                elif block.kind != "heading":  # a kind this reader does not know: said, never 0
                    self._missing("table", block.key, block.caption or block.key, True, self._anchor(section.key))
        self._duplicate_fields()

    def _anchor(self, section: str) -> tuple[Page, int, int]:
        """Where something missing from a section is reported: its heading, its first row."""
        area = self.match.areas.get(section)
        if area is not None:
            r, c = area.anchor or (area.top, 0)
            return area.page, r, c
        page = next((p for p in self.match.pages if p.name in self.match.sheets), self.match.pages[0])
        return page, 0, 0

    def _missing(self, what: str, field_name: str, label: str, required: bool, at: tuple[Page, int, int]):
        page, r, c = at
        others = tuple(sorted({s for k, v in self.profile.by_labels.synonyms.items()
                               if label_key(k) == label_key(label) for s in v}))
        self.issues.append(Issue("missing", field_name, label, others, required, page.name,
                                 cell_name(r, c), what=what))

    # ------------------------------------------------------------------ fields
    def _fields(self, block: Block, area: Area | None, section: str) -> None:
        hints = self.profile.by_labels
        for f in block.fields:
            slot_label = f.label
            if area is None:
                self.spots[f.key] = Spot(*self._anchor(section))
                if f.key not in hints.unprinted:
                    self._missing("field", f.key, slot_label, f.required, self._anchor(section))
                continue
            if not block.labels:
                spot = self._titled(f, area)
                occurrences = []
            else:
                occurrences = self._occurrences(area, spellings(self.profile, f.label))
                spot = self._value_of(area.page, occurrences[0]) if occurrences else None
            if spot is None and f.key in hints.shapes:  # '（2025年度）' under the title
                spot = self._shaped(f, area)
            if spot is None:
                self.spots[f.key] = Spot(*self._anchor(section))
                if f.key not in hints.unprinted:  # perfxl's own field, not on the printed form: not asked for
                    self._missing("field", f.key, slot_label, f.required, self._anchor(section))
                continue
            if spot.label is not None:
                self.claimed.add((area.page.index, *spot.label))
            self.spots[f.key] = spot
            self._fields_seen.append((f, area, spellings(self.profile, f.label) if block.labels else None))

    def _occurrences(self, area: Area, keys: frozenset[str]) -> list[tuple[int, int, str]]:
        """The cells of ``area`` holding one of ``keys``, whole or before a colon, not yet taken."""
        index = self._indexes.get(id(area))
        if index is None:
            index = self._indexes[id(area)] = _index(area)
        page = area.page
        found = [at for k in keys for at in index.get(k, ())]
        return sorted(at for at in found if (page.index, at[0], at[1]) not in self.claimed)

    def _value_of(self, page: Page, at: tuple[int, int, str]) -> Spot:
        r, c, kind = at
        if kind == "colon":  # '项目名称：XXX'; '项目名称：' with the name in the next cell
            typed = page.colons[r][c][1]
            right = self._right(page, r, c) if not typed else None
            if right is not None and right.raw != "":
                return right
            if typed or page.span_end(r, c) > c:  # a line written across: the value goes after the colon
                return Spot(page, r, c, typed, "colon", (r, c))
            return right
        places = [p for p in self.profile.by_labels.places if p != "colon"] or ["right"]
        first = None
        for place in places:
            spot = self._right(page, r, c) if place == "right" else self._below(page, r, c)
            if spot is not None and spot.raw != "":
                return spot
            first = first or spot
        return first or Spot(page, r, page.span_end(r, c) + 1, "", "right", (r, c))

    def _right(self, page: Page, r: int, c: int) -> Spot:
        """The value right of the label at (r, c): the first filled cell before another label,
        else the blank cell just right of the label."""
        start = page.span_end(r, c) + 1
        row = page.rows[r]
        for c2 in range(start, len(row)):
            if (r, c2) in page.covered:
                continue
            v = row[c2]
            if v == "" or v is None:
                continue
            if self._is_label(page, r, c2):
                break
            return Spot(page, r, c2, v, "right", (r, c))
        return Spot(page, r, start, "", "right", (r, c))

    def _below(self, page: Page, r: int, c: int) -> Spot | None:
        below = page.span_bottom(r, c) + 1
        v = page.value(below, c)
        if v == "" or v is None or self._is_label(page, below, c):
            return None
        return Spot(page, below, c, v, "below", (r, c))

    def _is_label(self, page: Page, r: int, c: int) -> bool:
        key = page.keys[r].get(c) if r < len(page.keys) else None
        if key is not None and key in self.labels:
            return True
        colon = page.colons[r].get(c) if r < len(page.colons) else None
        return colon is not None and colon[0] in self.labels

    def _titled(self, f, area: Area) -> Spot | None:
        """A label-less field (the report's title) found by the shape of its default."""
        pattern = shape(f.default) if f.default else None
        if pattern is None:
            return None
        page = area.page
        for r in area.rows:
            for c, k in sorted(page.keys[r].items()):
                if pattern.fullmatch(k) and (page.index, r, c) not in self.claimed:
                    return Spot(page, r, c, page.rows[r][c], "title", (r, c))
        return None

    def _shaped(self, f, area: Area) -> Spot | None:
        """A field printed without a label, found by the shape of the text it stands in (the
        profile's ``[labels.shapes]``): the first text of that shape whose value reads as the
        field's type, in its part of the form, else above it on the same sheet."""
        patterns = shape_patterns(tuple(self.profile.by_labels.shapes[f.key]))
        parser = PARSERS[f.type]
        page = area.page
        above = [a for a in self.match.spare if a.page is page and a.top < area.top]
        for where in (area, *above):
            for r in where.rows:
                for c, v in enumerate(page.rows[r]):
                    if type(v) is not str or not v or len(v) > 60 or (page.index, r, c) in self.claimed:
                        continue
                    text = squash(v)
                    for pattern in patterns:
                        m = pattern.fullmatch(text)
                        if m and parser(m.group(1)).status == "ok":
                            self.claimed.add((page.index, r, c))
                            return Spot(page, r, c, m.group(1), "title", (r, c))
        return None

    def _duplicate_fields(self) -> None:
        """A field's label found again in its part of the form, with a different value."""
        for f, area, keys in self._fields_seen:
            if keys is None:
                continue
            spot = self.spots[f.key]
            for at in self._occurrences(area, keys):
                other = self._value_of(area.page, at)
                self.claimed.add((area.page.index, at[0], at[1]))
                if _differ(f.type, spot.raw, other.raw):
                    self._twice("field", f.key, f.label, spot, other)
                    break

    def _twice(self, what: str, name: str, label: str, spot: Spot, other: Spot) -> None:
        self.issues.append(Issue("twice", name, label, (), True, spot.page.name, spot.cell,
                                 other.page.name, other.cell, _text(spot.raw), _text(other.raw),
                                 what=what))

    # ------------------------------------------------------------------ tables
    def _table(self, block: Block, area: Area | None, groups: list[frozenset[str]]) -> _Table | None:
        """A table's header row (the row holding most of its column labels, at least two):
        in its section's part of the form first, else anywhere the form stands."""
        need = min(2, len(groups))
        candidates = [area] if area is not None else []
        found = _best_header(candidates, groups, need, self._rows_named)
        if found is None:
            others = [a for a in self.match.areas.values() if a is not area] + self.match.spare
            found = _best_header(others, groups, need, self._rows_named)
        if found is None:
            return None
        where, r, cols, bottom = found
        end = self._body_end(where, bottom + 1, block)
        return _Table(where, r, bottom, cols, bottom + 1, end)

    def _rows_named(self, page: Page) -> dict[str, list[int]]:
        """The rows of a page where each key stands as a whole cell, in order (built once)."""
        got = self._named.get(page.index)
        if got is None:
            got = self._named[page.index] = {}
            for r, keys in enumerate(page.keys):
                for k in keys.values():
                    rows = got.setdefault(k, [])
                    if not rows or rows[-1] != r:
                        rows.append(r)
        return got

    def _body_end(self, area: Area, start: int, block: Block) -> int:
        """Where a table's body ends: another table's header or caption (a row of nothing but
        labels of other parts of the form), a heading or a remark."""
        foreign = _foreign_keys(self.profile, block)
        page = area.page
        heads, remarks = self.stops
        for r in range(start, min(area.bottom, len(page.rows))):
            keys = page.keys[r]
            if keys:
                others = sum(1 for k in keys.values() if k in foreign)
                if others >= 2 or (others == len(keys) and _only_labels(page, r)):
                    return r
            first = next((v for v in page.rows[r] if type(v) is str and v.strip()), None)
            if first is not None and (heading_key(first) in heads
                                      or any(label_key(first).startswith(m) for m in remarks)):
                return r
        return min(area.bottom, len(page.rows))

    def _unit(self, table: _Table, block: Block, *cells: tuple[int, int]) -> tuple[float, str | None]:
        """The factor from the unit an amount was typed in to 元 for a cell whose row label and
        column header are ``cells`` (a unit declared there, else over the table, else the form's
        own), and the unit declared, if any."""
        key = (id(table), cells)
        got = self._units.get(key)
        if got is None:
            got = self._units[key] = self._declared(table, block, cells)
        return got

    def _declared(self, table: _Table, block: Block, cells) -> tuple[float, str | None]:
        # An amount typed in the unit the form prints is what the template holds in its cell
        # (the block's unit: 万元 on the national table); one typed in another unit is scaled.
        form = _form_unit(self.profile, block)
        held = unit_factor(block.unit or "元")
        page = table.area.page
        for r, c in cells:
            unit = declared_unit(page.value(r, c))
            if unit:
                return unit_factor(unit) / unit_factor(form) * held, unit
        key = (id(table), None)
        if key not in self._units:
            self._units[key] = (held, None)
            for r in range(max(table.area.top, table.header - 3), table.bottom + 1):
                unit = next((u for v in (page.rows[r] if r < len(page.rows) else []) if isinstance(v, str)
                             and len(v.strip()) <= 30 and (u := declared_unit(v))), None)
                if unit:  # '单位：万元' over the table, '合计（万元）' in its header
                    self._units[key] = (unit_factor(unit) / unit_factor(form) * held, unit)
                    break
        return self._units[key]

    def _note_unit(self, page: Page, unit: str | None, block: Block) -> None:
        form = _form_unit(self.profile, block)
        if unit and unit != form:
            title = block.caption or _list_title(block).split('、')[0]
            line = f"{page.name}：{title} 按“{unit}”填写（表样为{form}），已换算为元"
            if line not in self.units:
                self.units.append(line)

    # ------------------------------------------------------------------ the funds grid
    def _grid(self, block: Block, area: Area | None, section: str) -> None:
        heads = [h for h in (block.row_header, block.code_header) if h]
        groups = [spellings(self.profile, h) for h in heads] + [spellings(self.profile, c.label) for c in block.columns]
        table = self._table(block, area, groups)
        anchor = self._anchor(section)
        if table is not None and len(table.cols) < len(groups) and not _any_row(table, block, self.profile):
            table = None  # another table's header sharing a few column labels (分值, 得分), no row of this one
        if table is None:
            self._missing("table", block.key, block.caption or block.key, True, anchor)
            for r in block.rows:
                for c in block.columns:
                    if not _blank(block, r, c):
                        self.spots[grid_name(block, r.key, c.key)] = Spot(*anchor)
            return
        page = table.area.page
        here = (page, table.header, min(table.cols.values()))
        col_of = {c.key: table.cols.get(len(heads) + i) for i, c in enumerate(block.columns)}
        data_cols = [c for c in col_of.values() if c is not None]
        first_data = min(data_cols) if data_cols else len(page.rows[table.header])
        row_of: dict[str, int] = {}
        label_at: dict[str, tuple[int, int]] = {}
        twice: dict[str, int] = {}
        rows_by_key = _by_key(self.profile, block)
        header_keys = {k for g in groups for k in g}
        for r in range(table.start, table.end):
            for c, key in sorted(page.keys[r].items()):
                if c >= first_data:
                    break
                hit = rows_by_key.get(key)
                if hit is not None:
                    if hit.key in row_of:
                        twice.setdefault(hit.key, r)
                    else:
                        row_of[hit.key] = r
                        label_at[hit.key] = (r, c)
                        self.claimed.add((page.index, r, c))
                    break
                if not _is_code(page.rows[r][c]) and key not in header_keys:
                    self.unmatched.append((page, r, c))
        for column in block.columns:
            if col_of[column.key] is None and any(not _blank(block, r, column) and block.cell_rule(r, column) is None
                                                  for r in block.rows):
                self._missing("column", grid_name(block, "*", column.key), column.label, True, here)
        for row in block.rows:
            if row.key not in row_of and any(block.cell_rule(row, c) is None for c in block.columns):
                self._missing("row", grid_name(block, row.key, "*"), row.label, True, here)
        for row in block.rows:
            for column in block.columns:
                if _blank(block, row, column):
                    continue
                name = grid_name(block, row.key, column.key)
                r, c = row_of.get(row.key), col_of[column.key]
                if r is None or c is None:
                    self.spots[name] = Spot(*here)
                    continue
                factor, unit = 1.0, None
                if block.cell_type(row, column) == "money":
                    factor, unit = self._unit(table, block, (r, _label_col(page, r, first_data)), (table.header, c))
                    self._note_unit(page, unit, block)
                self.spots[name] = Spot(page, r, c, page.value(r, c), "column", label_at[row.key], factor)
                if row.key in twice:
                    r2 = twice[row.key]
                    if _differ(block.cell_type(row, column), page.value(r, c), page.value(r2, c)):
                        self._twice("row", name, f"{row.label}（{column.label.replace(' ', '')}）",
                                    self.spots[name], Spot(page, r2, c, page.value(r2, c), "column"))

    # ------------------------------------------------------------------ open lists
    def _columns(self, block: Block, table: _Table, here: tuple) -> dict[str, int | None]:
        """Each column of a list by its key: where its header stands, or None (and said)."""
        cols = {c.key: table.cols.get(i) for i, c in enumerate(block.columns)}
        for c in block.columns:
            if cols[c.key] is None:
                self._missing("column", list_name(block, c.key), c.label, True, here)
        return cols

    def _list(self, block: Block, area: Area | None, section: str) -> None:
        groups = [spellings(self.profile, c.label) for c in block.columns]
        if block.number_header:
            groups.append(spellings(self.profile, block.number_header))
        table = self._table(block, area, groups)
        if table is None:
            anchor = self._anchor(section)
            self._missing("list", block.key, _list_title(block), True, anchor)
            for c in block.columns:
                if c.sum and block.total:
                    self.spots[list_name(block, f"total_{c.key}")] = Spot(*anchor)
            return
        page = table.area.page
        here = (page, table.header, min(table.cols.values()))
        cols = self._columns(block, table, here)
        placed = [c for c in cols.values() if c is not None]
        number = table.cols.get(len(block.columns)) if block.number_header else None
        if number is None and placed and min(placed) > 0:
            number = min(placed) - 1
        sums = [cols[c.key] for c in block.columns if c.sum and cols[c.key] is not None]
        total_keys = spellings(self.profile, block.total) if block.total else frozenset()
        total_row = None
        rows = []
        for r in range(table.start, table.end):
            keys = page.keys[r]
            if total_keys and total_row is None and any(
                    k in total_keys and (not sums or c < min(sums)) for c, k in keys.items()):
                total_row = r
                continue
            content = any(_filled(page.value(r, c)) for c in placed)
            mark = page.value(r, number) if number is not None else ""
            if not content:
                if _text(mark).strip() in _FILLERS or not _filled(mark):
                    continue
                if not _numbered(mark):
                    break  # a line of text under the list: the list has ended
            rows.append(r)
        if not rows:  # where the first item would be typed: a gap the rules can point at
            rows = [table.start + 1 if total_row == table.start else table.start]
        for c in block.columns:
            name = list_name(block, c.key)
            col = cols[c.key]
            spots = []
            for r in rows:
                if col is None:
                    spots.append(Spot(*here))
                    continue
                factor = 1.0
                if c.type == "money":
                    factor, unit = self._unit(table, block, (table.header, col))
                    self._note_unit(page, unit, block)
                spots.append(Spot(page, r, col, page.value(r, col), "column", (table.header, col), factor))
            self.items[name] = spots
            if c.sum and block.total:
                total = list_name(block, f"total_{c.key}")
                if total_row is not None and col is not None:
                    factor = self._unit(table, block, (table.header, col))[0] if c.type == "money" else 1.0
                    self.spots[total] = Spot(page, total_row, col, page.value(total_row, col), "column",
                                             (table.header, col), factor)
                else:
                    self.spots[total] = Spot(*here)
        heads = {k for g in groups for k in g} | (spellings(self.profile, block.caption) if block.caption else set())
        for c, key in page.keys[table.header].items():
            if key not in heads and not declared_unit(page.value(table.header, c)):
                self.unmatched.append((page, table.header, c))

    # ------------------------------------------------------------------ the unit's indicator list
    def _indicators(self, block: Block, area: Area | None, section: str) -> None:
        """A list of indicators the unit writes itself (national table): its header row by the
        column labels, then every row with anything in a column of the list — blank rows passed
        over, a 一级/二级 label merged down (blank below its first row, as the template reads it)
        or left blank for "as above" read as the cell holds it — up to the 总分 row, which holds
        Σ分值 and the total, and the grade after it; a row of another part of the form (评价结论)
        or another table's header ends the list too."""
        sp = self.profile
        groups = [spellings(sp, c.label) for c in block.columns]
        table = self._table(block, area, groups)
        weight, score = block.role("weight"), block.role("score")
        weight_total, score_total = list_name(block, "total_weight"), tree_name(score, "total")
        if table is None:
            anchor = self._anchor(section)
            self._missing("indicators", block.key, block.caption or _list_title(block), True, anchor)
            for c in block.columns:  # unknown, never an empty list: totals over it are unknown too
                self.items[list_name(block, c.key)] = [Spot(*anchor)]
            for name in (weight_total, score_total, *(("grade",) if block.grade_label else ())):
                self.spots[name] = Spot(*anchor)
            return
        page = table.area.page
        here = (page, table.header, min(table.cols.values()))
        col_of = self._columns(block, table, here)
        placed = sorted(c for c in col_of.values() if c is not None)
        values_from = min((col_of[c.key] for c in (weight, score) if col_of[c.key] is not None),
                          default=len(page.rows[table.header]))
        total_keys = spellings(sp, block.total_label) if block.total_label else frozenset()
        grade_keys = spellings(sp, block.grade_label) if block.grade_label else frozenset()
        own = _own_keys(sp, block)
        foreign = _foreign_keys(sp, block)
        rows: list[int] = []
        total_at = grade_at = None
        ends = total_keys | grade_keys
        names = [col_of[c.key] for c in map(block.role, ("name", "level2", "level1"))  # where a
                 if c is not None and col_of[c.key] is not None]                      # subtotal says so
        for r in range(table.start, table.end):
            keys = page.keys[r]
            if keys:
                if not ends.isdisjoint(keys.values()):
                    total_at = next(((r, c) for c, k in sorted(keys.items()) if k in total_keys and c < values_from),
                                    None)
                    grade_at = next(((r, c) for c, k in sorted(keys.items()) if k in grade_keys), None)
                    if total_at or grade_at:
                        break
                first = min(keys)
                if keys[first] in foreign and first <= placed[0]:
                    break  # another part of the form (评价结论 …): the list has ended
                if len(keys) >= 3 and len(_hits(keys, groups)) >= 3:
                    continue  # the header again (a page break typed in)
            if any(k in foreign for k, _v in page.colons[r].values()):
                break  # '填表人：…  填报日期：…' under the list: no 总分 row was typed
            cells = page.rows[r]
            if any(c < len(cells) and _filled(cells[c]) for c in placed):
                if _subtotal(cells, names):
                    continue  # '产出指标小计': the unit's own subtotal, not an indicator
                rows.append(r)
        if not rows:  # where the first indicator would be typed: a gap the rules can point at
            rows = [table.start]
        for c in block.columns:
            col = col_of[c.key]
            last = page.span_end(table.header, col) if col is not None else None
            spots = []
            for r in rows:
                if col is None:
                    spots.append(Spot(*here))
                    continue
                at = col
                if not _filled(page.value(r, col)) and last > col:  # typed in a cell the header spans
                    at = next((c2 for c2 in range(col + 1, last + 1) if _filled(page.value(r, c2))), col)
                spots.append(Spot(page, r, at, page.value(r, at), "column", (table.header, col)))
            self.items[list_name(block, c.key)] = spots
        if total_at is not None:
            r, c = total_at
            w, s = col_of[weight.key], col_of[score.key]
            stop = grade_at[1] if grade_at is not None and grade_at[0] == r and grade_at[1] > c else None
            typed = [c2 for c2 in range(page.span_end(r, c) + 1, stop or len(page.rows[r]))
                     if (r, c2) not in page.covered and _filled(page.value(r, c2)) and not self._is_label(page, r, c2)]

            def at(col: int | None) -> Spot:
                if col is None:
                    return Spot(*here)
                return Spot(page, r, col, page.value(r, col) if col in typed else "", "column", total_at)

            if not typed:  # the row printed, its figures left blank: perfxl's recomputation stands
                self._blank_total(score_total, block.total_label, page, r, s if s is not None else c)
            if s in typed or len(typed) != 1:  # Σ分值 and 总分 under their columns (or not typed)
                self.spots[score_total], self.spots[weight_total] = at(s), at(w)
            else:  # one figure on the row: the total, wherever the unit put it
                self.spots[score_total] = Spot(page, r, typed[0], page.value(r, typed[0]), "right", total_at)
                self.spots[weight_total] = at(w) if w != typed[0] else Spot(*here)
            if grade_at is None and grade_keys:
                for r2 in range(r, min(r + 4, len(page.rows))):
                    grade_at = next(((r2, c2) for c2, k in sorted(page.keys[r2].items()) if k in grade_keys), None)
                    if grade_at:
                        break
        else:  # no 总分 row typed: the totals are perfxl's recomputation (as for the tree)
            self.spots[score_total] = Spot(*here)
            self.spots[weight_total] = Spot(*here)
        if total_at is None or grade_at is None:  # said where the rows would be: under the last indicator
            self._no_total(block, score_total if total_at is None else "", grade_at is not None,
                           (page, rows[-1] + 1, min(placed)))
        if block.grade_label:
            self.spots["grade"] = self._right(page, *grade_at) if grade_at else Spot(*here)
        heads = {k for g in groups for k in g} | own
        for c, key in page.keys[table.header].items():
            if key not in heads:
                self.unmatched.append((page, table.header, c))

    def _blank_total(self, name: str, label: str, page: Page, r: int, c: int) -> None:
        """The 总分 (合计) row printed with nothing typed on it: said at its cell (a warning)."""
        self.issues.append(Issue("missing", name, label, (), False, page.name, cell_name(r, c), what="blank"))

    def _no_total(self, block: Block, name: str, grade_found: bool, at: tuple[Page, int, int]) -> None:
        """No 总分 (合计) or 自评等级 row under the list (or tree): said where it belongs (warnings)."""
        if block.total_label and name:
            self._missing("field", name, block.total_label, False, at)
        if block.grade_label and not grade_found:
            self._missing("field", "grade", block.grade_label, False, at)

    # ------------------------------------------------------------------ the indicator tree
    def _tree(self, block: Block, area: Area | None, section: str) -> None:
        sp = self.profile
        levels = len(block.headers)
        groups = ([spellings(sp, h) for h in block.headers] + [spellings(sp, c.label) for c in block.columns]
                  + [spellings(sp, h) for h in block.rollup_headers])
        table = self._table(block, area, groups)
        score = block.score_column
        anchor = self._anchor(section)
        if table is None:
            self._missing("tree", block.key, "、".join(block.headers) or block.key, True, anchor)
            for ind in block.indicators:
                for c in block.columns if ind.is_leaf else [score]:
                    self.spots[tree_name(c, ind)] = Spot(*anchor)
            self.spots[tree_name(score, "total")] = Spot(*anchor)
            if block.grade_label:
                self.spots["grade"] = Spot(*anchor)
            return
        page = table.area.page
        here = (page, table.header, min(table.cols.values()))
        leaf_header = table.cols.get(levels - 1)
        leaf_here = (page, table.header, leaf_header) if leaf_header is not None else here
        col_of = {c.key: table.cols.get(levels + i) for i, c in enumerate(block.columns)}
        rollup_of = {levels - 1 - i: table.cols.get(levels + len(block.columns) + i)
                     for i in range(len(block.rollup_headers))}
        for c in block.columns:
            if col_of[c.key] is None:
                self._missing("column", tree_name(c, "*"), c.label, True, here)
        values = [c for c in col_of.values() if c is not None]
        first_value = min(values) if values else len(page.rows[table.header])
        by_key = _by_key(sp, block)
        known = {k for g in groups for k in g} | set(by_key)
        total_keys = spellings(sp, block.total_label) if block.total_label else frozenset()
        grade_keys = spellings(sp, block.grade_label) if block.grade_label else frozenset()
        row_of: dict[str, int] = {}
        label_at: dict[str, tuple[int, int]] = {}
        twice: dict[str, int] = {}
        carried: dict[int, str] = {}
        total_at = grade_at = None
        for r in range(table.start, table.end):
            cells = sorted((c, k) for c, k in page.keys[r].items() if c < first_value)
            if total_keys and any(k in total_keys for _, k in cells):
                total_at = (r, next(c for c, k in cells if k in total_keys))
                grade = next(((r, c) for c, k in page.keys[r].items() if k in grade_keys), None)
                grade_at = grade
                break
            for c, k in cells:
                carried[c] = k
            context = set(carried.values()) | {k for _, k in cells}
            leaf = None
            for c, k in reversed(cells):
                candidates = [i for i in by_key.get(k, []) if i.is_leaf]
                if candidates:
                    leaf = _choose(candidates, context, row_of, sp)
                    self.claimed.add((page.index, r, c))
                    leaf_cell = (r, c)
                    break
            for _, k in cells:
                for ind in by_key.get(k, []):
                    if not ind.is_leaf and ind.key not in row_of:
                        row_of[ind.key] = r
            if leaf is not None:
                if leaf.key in row_of:
                    twice.setdefault(leaf.key, r)
                else:
                    row_of[leaf.key] = r
                    label_at[leaf.key] = leaf_cell
            else:
                self.unmatched.extend((page, r, c) for c, k in cells if k not in known)
        if grade_at is None and grade_keys:
            for r in range(table.start, min(table.end + 3, len(page.rows))):
                grade_at = next(((r, c) for c, k in page.keys[r].items() if k in grade_keys), None)
                if grade_at:
                    break
        for ind in block.indicators:
            if ind.is_leaf:
                if ind.key not in row_of:
                    self._missing("leaf", tree_name(score, ind), _leaf_title(block, ind), True, leaf_here)
                for c in block.columns:
                    name, r, col = tree_name(c, ind), row_of.get(ind.key), col_of[c.key]
                    if r is None or col is None:
                        self.spots[name] = Spot(*leaf_here)
                        continue
                    self.spots[name] = Spot(page, r, col, page.value(r, col), "column", label_at[ind.key])
                    if ind.key in twice and _differ(c.type, page.value(r, col), page.value(twice[ind.key], col)):
                        r2 = twice[ind.key]
                        self._twice("leaf", name, f"{ind.label}（{c.label.split('（')[0]}）", self.spots[name],
                                    Spot(page, r2, col, page.value(r2, col), "column"))
            else:
                r, col = row_of.get(ind.key), rollup_of.get(ind.level)
                name = tree_name(score, ind)
                self.spots[name] = Spot(page, r, col, page.value(r, col), "column") \
                    if r is not None and col is not None else Spot(*here)
        total = tree_name(score, "total")
        if total_at is not None:
            r, c = total_at
            under = col_of.get(score.key)
            if under is not None and under > c and _filled(page.value(r, under)) and not self._is_label(page, r, under):
                self.spots[total] = Spot(page, r, under, page.value(r, under), "right", total_at)
            else:
                self.spots[total] = self._right(page, r, c)
            spot = self.spots[total]
            if spot.how != MISSING and not _filled(spot.raw):
                self._blank_total(total, block.total_label, page, spot.row, spot.col)
        else:
            self.spots[total] = Spot(*here)
        if total_at is None or grade_at is None:
            below = max(row_of.values(), default=table.header) + 1
            self._no_total(block, total if total_at is None else "", grade_at is not None,
                           (page, below, min(table.cols.values())))
        if block.grade_label:
            self.spots["grade"] = self._right(page, *grade_at) if grade_at else Spot(*here)

    # ------------------------------------------------------------------ records
    def records(self, formulas) -> list[tuple]:
        printed = self.profile.by_labels.printed
        found_on: dict[str, object] = {}
        records: list[tuple] = []
        numbers: dict[str, object] = {}
        items: dict[str, dict[str, list]] = {}
        derived: list[int] = []
        unknown = ("invalid", "error", MISSING)
        for index, slot, listed, parser in _plan(self.layout):
            spots = self.items.get(slot.name, ()) if listed else (self.spots.get(slot.name),)
            column = items.setdefault(slot.block, {}).setdefault(slot.column, []) if listed else None
            for i, spot in enumerate(spots):
                if spot is None:  # a slot the reading never met (a block kind it does not read)
                    spot = Spot(*self._anchor(self.profile.sheets[0].key))
                sheet = spot.page.name
                if sheet not in found_on:
                    found_on[sheet] = formulas(sheet)
                parsed = _parsed(slot.type, parser, spot, printed)
                record = _record(index, parsed, sheet, spot.row, spot.col, cell_name(spot.row, spot.col),
                                 found_on[sheet] if spot.how != MISSING else None, i if listed else -1)
                known = math.nan if record[7] in unknown else record[6]
                if listed:
                    column.append(known)
                elif slot.kind == "derived":
                    derived.append(len(records))
                else:
                    numbers[slot.name] = known
                records.append(record)
        expected = derive(self.profile, numbers, items)
        slots = self.layout.slots
        for at in derived:
            record = records[at]
            records[at] = (*record[:_EXPECTED], expected.get(slots[record[0]].name), *record[_EXPECTED + 1:])
        return records

    def reading(self) -> LabelReading:
        m = self.match
        places = []
        for slot in self.layout.slots:
            listed = slot.section in OPEN_LISTS and slot.kind == "input"
            spots = self.items.get(slot.name, []) if listed else [self.spots.get(slot.name)]
            for i, spot in enumerate(spots):
                if spot is None:
                    continue
                how = spot.how if spot.found or slot.kind == "input" else "computed"
                places.append((slot.name, slot.label, i if listed else -1, spot.page.name, spot.label,
                               (spot.row, spot.col) if spot.found else None, spot.raw, how))
        unmatched = sorted({(p.name, cell_name(r, c), _text(p.rows[r][c])) for p, r, c in self.unmatched},
                           key=lambda x: (x[0], _order(x[1])))
        return LabelReading(self.profile.id, round(m.score, 4), len(m.found), len(m.found) + len(m.missing),
                            m.sheets, [p.name for p in m.pages if p.name not in m.sheets], places,
                            self.issues, unmatched, list(m.missing), self.units)


# --------------------------------------------------------------------------- helpers


def _best_header(areas: list[Area], groups: list[frozenset[str]], need: int, rows_named):
    """The row of ``areas`` naming most of a table's column groups (at least ``need``), the first
    of equals; with the row above or below when the header is written over two rows."""
    best = None
    wanted = _group_index(tuple(groups))
    for area in areas:
        page = area.page
        named = rows_named(page)
        rows = sorted({r for k in wanted for r in named.get(k, ()) if area.top <= r < area.bottom})
        for r in rows:
            keys = page.keys[r]
            if len(keys) < need:
                continue
            cols = _hits(keys, groups)
            if len(cols) >= need and (best is None or len(cols) > len(best[2])):
                best = (area, r, cols)
    if best is None:
        return None
    area, r, cols = best
    bottom = r
    for r2 in (r + 1, r - 1):  # a header over two rows (a merged group label above its columns)
        if area.top <= r2 < min(area.bottom, len(area.page.rows)):
            more = {i: c for i, c in _hits(area.page.keys[r2], groups).items() if i not in cols}
            if more and len(more) + len(cols) <= len(groups):
                cols.update(more)
                bottom = max(bottom, r2)
    return area, min(r, bottom), cols, bottom


def _hits(keys: dict[int, str], groups: list[frozenset[str]]) -> dict[int, int]:
    """Which of a table's column groups a row's cells name: group index → the first column
    naming it (each column naming one group, the first it matches that is not yet named)."""
    where = _group_index(tuple(groups))
    out: dict[int, int] = {}
    for c in sorted(c for c, k in keys.items() if k in where):
        for i in where[keys[c]]:
            if i not in out:
                out[i] = c
                break
    return out


@lru_cache(maxsize=256)
def _group_index(groups: tuple[frozenset[str], ...]) -> dict[str, tuple[int, ...]]:
    """Each key of a table's column groups → the groups it belongs to, in order."""
    out: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        for k in g:
            out.setdefault(k, []).append(i)
    return {k: tuple(v) for k, v in out.items()}


def _only_labels(page: Page, r: int) -> bool:
    """Whether every filled cell of row ``r`` holds a label (no number, no value beside it)."""
    keys = page.keys[r]
    return all(c in keys for c, v in enumerate(page.rows[r]) if _filled(v))


def _any_row(table: _Table, block: Block, profile: Profile) -> bool:
    """Whether any row label of a grid stands in the rows under ``table``'s header."""
    rows_by_key = _by_key(profile, block)
    page = table.area.page
    return any(k in rows_by_key for r in range(table.start, table.end) for k in page.keys[r].values())


def _choose(candidates: list[Indicator], context: set[str], row_of: dict, profile: Profile) -> Indicator:
    """Of leaves spelt alike, the one whose parents the row's labels name (then: not yet found)."""
    if len(candidates) == 1:
        return candidates[0]
    by_key = {i.key: i for i in profile.tree.indicators}

    def named(ind: Indicator) -> int:
        n, node = 0, ind
        while node.parent is not None:
            node = by_key[node.parent]
            n += bool(spellings(profile, node.label) & context)
        return n

    return max(candidates, key=lambda i: (named(i), i.key not in row_of))


@lru_cache(maxsize=256)
def _by_key(profile: Profile, block: Block) -> dict:
    """A grid's rows by the keys of their labels (each key: the first row spelt so), or a tree's
    indicators (each key: every indicator spelt so)."""
    out: dict = {}
    if block.kind == "grid":
        for row in block.rows:
            for k in spellings(profile, row.label):
                out.setdefault(k, row)
    else:
        for ind in block.indicators:
            for k in spellings(profile, ind.label):
                out.setdefault(k, []).append(ind)
    return out


@lru_cache(maxsize=256)
def _own_keys(profile: Profile, block: Block) -> frozenset[str]:
    return frozenset(k for t in block_terms(profile, block, "") for k in t.keys)


@lru_cache(maxsize=256)
def _foreign_keys(profile: Profile, block: Block) -> frozenset[str]:
    """The labels of the profile that are not the block's own: another part of the form."""
    return all_keys(profile) - _own_keys(profile, block)


def _index(area: Area) -> dict[str, list[tuple[int, int, str]]]:
    """Where each key stands in ``area``: before a colon ('项目名称：XXX') or as the whole cell."""
    page, out = area.page, {}
    for r in area.rows:
        colons = page.colons[r]
        for c, (k, _) in colons.items():
            out.setdefault(k, []).append((r, c, "colon"))
        for c, k in page.keys[r].items():
            if c not in colons:
                out.setdefault(k, []).append((r, c, "whole"))
    return out


def _stop_keys(profile: Profile) -> tuple[frozenset[str], tuple[str, ...]]:
    """Headings (by heading_key) and the first characters of remarks: where a list ends."""
    heads, remarks = set(), []
    for block in profile.blocks("heading"):
        heads.add(heading_key(block.text))
        key = label_key(block.text)
        if block.style == "remark" and len(key) >= 4:
            remarks.append(key[:4])
    return frozenset(heads), tuple(remarks)


@lru_cache(maxsize=256)
def _form_unit(profile: Profile, block: Block) -> str:
    """The unit the form prints a table's amounts in: the block's ``unit``, else what its caption
    or headers declare, else the profile's ``[labels] money_unit``."""
    if block.unit:
        return block.unit
    for text in (block.caption, *(c.label for c in block.columns), block.row_header):
        unit = declared_unit(text)
        if unit:
            return unit
    return profile.by_labels.money_unit


def _label_col(page: Page, r: int, first_data: int) -> int:
    cols = [c for c in page.keys[r] if c < first_data]
    return cols[0] if cols else 0


def _subtotal(cells: list, columns: list[int]) -> bool:
    """Whether a row of an indicator list is a subtotal the unit typed ('小计', '产出指标合计'):
    its first label among the name, 二级 and 一级 columns ends so."""
    text = next((cells[c] for c in columns if c < len(cells) and type(cells[c]) is str and cells[c].strip()), "")
    text = "".join(text.split())
    return text.endswith(("小计", "合计"))


def _blank(block: Block, row, column) -> bool:
    rule = block.cell_rule(row, column)
    return rule is not None and rule.blank


def _is_code(v) -> bool:
    """A 行次 such as (1) or (5)=(3)-(4): no label of its own."""
    return isinstance(v, str) and not label_key(v)


def _filled(v) -> bool:
    return not (v is None or v == "" or (isinstance(v, str) and not v.strip()))


def _numbered(v) -> bool:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return True
    return isinstance(v, str) and v.strip().rstrip(".、").isdigit()


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _differ(type_: str, a, b) -> bool:
    """Whether two values of one field say different things (as parsed; texts without spaces)."""
    pa, pb = PARSERS[type_](a), PARSERS[type_](b)
    if pa.status == "ok" and pb.status == "ok":
        if isinstance(pa.value, str):
            return "".join(pa.value.split()) != "".join(str(pb.value).split())
        return pa.value != pb.value
    if pa.status in ("blank", "na") or pb.status in ("blank", "na"):
        return False  # a label printed twice with the value written once
    return _text(a).strip() != _text(b).strip()


@lru_cache(maxsize=16)
def _plan(layout) -> tuple:
    """Each slot with its index, whether it is an open list's column, and its parser."""
    return tuple((i, s, s.section in OPEN_LISTS and s.kind == "input", PARSERS[s.type])
                 for i, s in enumerate(layout.slots))


def _parsed(type_: str, parser, spot: Spot, printed: list[str]) -> Parsed:
    if spot.how == MISSING:
        return _NOT_FOUND
    raw = spot.raw
    if printed and type(raw) is str and raw.strip():
        if not _squeezed(raw, printed):  # only what the form prints: '（公章）', '    年  月  日'
            return Parsed(None, "blank", raw)
        if type_ in ("text", "grade"):
            cleaned = raw
            for mark in printed:
                cleaned = cleaned.replace(mark, "")
            if cleaned != raw:
                got = parser(cleaned)
                return Parsed(got.value, got.status, raw, got.note)
    got = _parse(parser, raw)
    if spot.factor != 1.0 and type_ == "money" and got.status == "ok" and not any(u in got.note for u in _WAN):
        value = float(Decimal(repr(got.value)) * Decimal(repr(spot.factor)))  # typed in 万元: in 元
        return Parsed(value, "ok", got.raw, ", ".join(x for x in (got.note, "unit") if x))
    return got


_NOT_FOUND = Parsed(None, MISSING, "")


def _squeezed(raw: str, printed: list[str]) -> str:
    """A cell's text without whitespace and without what the form prints in it."""
    return _squeeze(raw, tuple(printed)) if len(raw) <= 64 else _squeeze.__wrapped__(raw, tuple(printed))


@lru_cache(maxsize=1 << 14)
def _squeeze(raw: str, printed: tuple[str, ...]) -> str:
    out = "".join(raw.split())
    for mark in printed:
        out = out.replace("".join(mark.split()), "")
    return out


def _list_title(block: Block) -> str:
    return "、".join(c.label.split("（")[0] for c in block.columns)


def _leaf_title(block: Block, ind: Indicator) -> str:
    return f"{ind.label}（{ind.max:g}分）"


def _order(cell: str) -> tuple[int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits or 0), letters
