"""Where every part of a profile lands on its sheets.

The layout is computed from the profile alone, row by row, so the template writer, the field
listing and the reader's fallback all agree on the cells.  Each fill-in or derived value is a
:class:`Slot` with a workbook-level defined name; labels, headers and remarks are
:class:`Static` text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from perfxl.ooxml.cells import cell_name

from .profile import Block, Column, Indicator, Profile, Sheet

PROFILE_NAME = "perfxl_profile"
VERSION_NAME = "perfxl_profile_version"


@dataclass
class Slot:
    """One named cell (or, for an open list, one named column range)."""

    name: str
    sheet: str
    row: int  # zero-based
    col: int
    label: str
    kind: str  # "input" | "derived"
    type: str
    block: str
    section: str  # fields | grid | list | tree
    max: float | None = None
    max_length: int | None = None
    formula: str | None = None  # the Excel formula, derived slots only
    last_row: int | None = None  # list column ranges
    span: int = 1
    height: float | None = None
    required: bool = False
    grid_row: str = ""
    grid_col: str = ""
    indicator: str = ""
    column: str = ""
    hint: str | None = None
    default: str | None = None
    same_as: str | None = None
    style: str = ""  # a block style laid over the input/derived look (e.g. the cover title)
    unit: str = ""  # money typed in this unit on the form (万元); "" = 元

    @property
    def cell(self) -> str:
        return cell_name(self.row, self.col)

    @property
    def ref(self) -> str:
        """The range a defined name points at, absolute and sheet-qualified."""
        first = cell_name(self.row, self.col, row_abs=True, col_abs=True)
        if self.last_row is not None:
            last = cell_name(self.last_row, self.col, row_abs=True, col_abs=True)
            return f"'{self.sheet}'!{first}:{last}"
        return f"'{self.sheet}'!{first}"


@dataclass
class Static:
    sheet: str
    row: int
    col: int
    text: str
    style: str
    last_row: int | None = None
    last_col: int | None = None
    height: float | None = None


@dataclass
class ListArea:
    """An open list: its item rows as laid out, and the text that follows it (a stop mark)."""

    key: str
    sheet: str
    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, int]  # column key → first sheet column
    total_row: int | None = None
    stop_text: str | None = None


@dataclass
class SheetLayout:
    sheet: Sheet
    statics: list[Static] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    rows: int = 0
    blocks: list[tuple[Block, int, int]] = field(default_factory=list)  # each block's rows: first, after


@dataclass(eq=False)  # one per profile and row counts, cached: compared by identity
class Layout:
    profile: Profile
    sheets: list[SheetLayout]
    lists: dict[str, ListArea]

    @cached_property  # a layout is built whole and never changed; the reader asks per record
    def slots(self) -> list[Slot]:
        return [s for sl in self.sheets for s in sl.slots]

    @cached_property
    def by_name(self) -> dict[str, Slot]:
        return {s.name: s for s in self.slots}


def grid_name(block: Block, row: str, col: str) -> str:
    return f"{block.key}_{row}_{col}"


def tree_name(column: Column | str, ind: Indicator | str) -> str:
    col = column if isinstance(column, str) else column.key
    key = ind if isinstance(ind, str) else ind.key
    return f"{col}_{key}"


def list_name(block: Block | str, column: str) -> str:
    return f"{block if isinstance(block, str) else block.key}_{column}"


def layout_for(profile: Profile, rows: dict[str, int] | None = None) -> Layout:
    """The layout of ``profile``, with ``rows`` item rows in the named open lists."""
    return _layout(profile, tuple(sorted((rows or {}).items())))


@lru_cache(maxsize=64)
def _layout(profile: Profile, rows: tuple) -> Layout:
    counts = dict(rows)
    sheets = []
    lists: dict[str, ListArea] = {}
    for sheet in profile.sheets:
        sl = SheetLayout(sheet)
        row = 0
        for block in sheet.blocks:
            first = row
            row = _LAYOUT[block.kind](sl, block, row, lists, profile, counts)
            sl.blocks.append((block, first, row))
        sl.rows = row
        # A list stops where the next text below it begins.
        for area in lists.values():
            if area.sheet == sheet.name and area.stop_text is None:
                below = [s for s in sl.statics if s.row > area.last_row]
                if below:
                    area.stop_text = min(below, key=lambda s: (s.row, s.col)).text
        sheets.append(sl)
    return Layout(profile, sheets, lists)


def _heading(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    height = 20 if block.style == "section" else 32 if block.style == "title" else (
        30 if len(block.text) > 60 else None)
    sl.statics.append(
        Static(sl.sheet.name, row, 0, block.text, block.style or "section",
               last_col=sl.sheet.width - 1, height=height)
    )
    return row + 1


def _fields(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    fields = {f.key: f for f in block.fields}
    width = sl.sheet.width
    for keys in block.rows:
        per = width // len(keys)
        for i, key in enumerate(keys):
            f = fields[key]
            col = i * per
            if block.labels:
                sl.statics.append(Static(sl.sheet.name, row, col, f.label, "label"))
                col += 1
            sl.slots.append(
                Slot(
                    name=f.key, sheet=sl.sheet.name, row=row, col=col, label=f.label,
                    kind="input", type=f.type, block=block.key or "fields", section="fields",
                    max_length=f.max_length, span=per - block.labels, required=f.required,
                    hint=f.hint, default=f.default, same_as=f.same_as,
                    height=40 if block.style == "title" else 24, style=block.style,
                )
            )
        row += 1
    return row


def _longtext(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    width = sl.sheet.width
    if block.caption:
        sl.statics.append(Static(sl.sheet.name, row, 0, "内容", "header"))
        sl.statics.append(Static(sl.sheet.name, row, 1, block.caption, "header", last_col=width - 1))
        row += 1
    for f in block.fields:
        sl.statics.append(Static(sl.sheet.name, row, 0, f.label, "label"))
        sl.slots.append(
            Slot(
                name=f.key, sheet=sl.sheet.name, row=row, col=1, label=f.label, kind="input",
                type=f.type, block=block.key or "longtext", section="fields",
                max_length=f.max_length, span=width - 1, height=block.row_height or 150,
                required=f.required, hint=f.hint, default=f.default,
            )
        )
        row += 1
    return row


def _grid(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    name = sl.sheet.name
    col0 = 1 if block.caption else 0
    wide = block.label_span - 1  # row labels over more than one sheet column
    first_data = col0 + 1 + wide + bool(block.code_header)
    starts, at = {}, first_data  # each column's first sheet column (a column may span several)
    for c in block.columns:
        starts[c.key] = at
        at += c.span
    sl.statics.append(Static(name, row, col0, block.row_header, "header", last_col=col0 + wide if wide else None))
    if block.code_header:
        sl.statics.append(Static(name, row, col0 + 1 + wide, block.code_header, "header"))
    for c in block.columns:
        sl.statics.append(Static(name, row, starts[c.key], c.label, "header",
                                 last_col=starts[c.key] + c.span - 1 if c.span > 1 else None))
    if block.caption:
        sl.statics.append(
            Static(name, row, 0, block.caption + _unit_line(block, "\n"), "label",
                   last_row=row + len(block.rows))
        )
    refs = {}
    for r_i, r in enumerate(block.rows, start=row + 1):
        for c in block.columns:
            ref = cell_name(r_i, starts[c.key])
            rule = block.cell_rule(r, c)
            # A rate over a zero base shows blank; counted as 0 where another formula uses it.
            blankable = rule is not None and rule.formula is not None and rule.formula.divides
            refs[(r.key, c.key)] = f"N({ref})" if blankable else ref
    for r_i, r in enumerate(block.rows, start=row + 1):
        sl.statics.append(Static(name, r_i, col0, r.label, "label", last_col=col0 + wide if wide else None))
        if block.code_header:
            sl.statics.append(Static(name, r_i, col0 + 1 + wide, r.code, "code"))
        for c in block.columns:
            c_i = starts[c.key]
            rule = block.cell_rule(r, c)
            if rule is not None and rule.blank:
                sl.statics.append(Static(name, r_i, c_i, "", "code",
                                         last_col=c_i + c.span - 1 if c.span > 1 else None))
                continue
            excel = None
            if rule is not None:
                names = rule.formula.names
                excel = rule.formula.to_excel(
                    {k: refs[(k, c.key)] for k in names} if rule.axis == "column"
                    else {k: refs[(r.key, k)] for k in names})
            sl.slots.append(
                Slot(
                    name=grid_name(block, r.key, c.key), sheet=name, row=r_i, col=c_i,
                    label=f"{r.label}（{c.label.replace(' ', '')}）",
                    kind="derived" if rule else "input", type=block.cell_type(r, c),
                    block=block.key, section="grid", formula=excel,
                    grid_row=r.key, grid_col=c.key, span=c.span,
                    unit=block.unit if block.cell_type(r, c) == "money" else "",
                )
            )
    return row + 1 + len(block.rows)


def _list(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    name = sl.sheet.name
    n_rows = max(block.min_rows, counts.get(block.key, 0))
    starts, col = {}, 1
    for c in block.columns:
        starts[c.key] = col
        col += c.span
    if not block.caption:
        unit = _unit_line(block, "\n" * bool(block.number_header))
        sl.statics.append(Static(name, row, 0, block.number_header + unit, "header"))
    for c in block.columns:
        sl.statics.append(
            Static(name, row, starts[c.key], c.label, "header",
                   last_col=starts[c.key] + c.span - 1)
        )
    header_row = row
    row += 1
    total_row = None
    if block.total:
        total_row = row
        row += 1
    first, last = row, row + n_rows - 1
    if block.caption:  # the form's title of the table, down its first column (年度总体目标)
        sl.statics.append(Static(name, header_row, 0, block.caption, "label", last_row=last))
    else:
        for i in range(n_rows):
            sl.statics.append(Static(name, first + i, 0, str(i + 1), "number"))
    _open_columns(sl, block, "list", first, last, starts)
    if total_row is not None:
        text_cols = [c for c in block.columns if not c.sum]
        label_col = starts[text_cols[0].key] if text_cols else 0
        sl.statics.append(Static(name, total_row, label_col, block.total, "label",
                                 last_col=label_col + (text_cols[0].span - 1 if text_cols else 0)))
        for c in block.columns:
            if c.sum:
                top = cell_name(first, starts[c.key])
                bottom = cell_name(last, starts[c.key])
                sl.slots.append(
                    Slot(
                        name=list_name(block, f"total_{c.key}"), sheet=name, row=total_row,
                        col=starts[c.key], label=f"{block.total.replace(' ', '')}（{c.label}）",
                        kind="derived", type=c.type, block=block.key, section="list",
                        formula=f"=SUM({top}:{bottom})", column=c.key,
                        unit=block.unit if c.type == "money" else "",
                    )
                )
    lists[block.key] = ListArea(block.key, name, header_row, first, last, starts, total_row)
    return last + 1


def _unit_line(block: Block, before: str) -> str:
    """The money unit a table is printed in, as the form says it: （单位：元）; nothing when the
    caption says it already (项目资金（万元）)."""
    if not block.unit or f"（{block.unit}）" in block.caption or f"({block.unit})" in block.caption:
        return ""
    return f"{before}（单位：{block.unit}）"


def _tree(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    name = sl.sheet.name
    levels = len(block.headers)
    for i, text in enumerate(block.headers + [c.label for c in block.columns]
                             + block.rollup_headers):
        sl.statics.append(Static(name, row, i, text, "header"))
    row += 1
    score = block.score_column
    score_col = levels + block.columns.index(score)
    rollup_col = {lvl: levels + len(block.columns) + i
                  for i, lvl in enumerate(range(levels - 1, 0, -1))}
    cell_of: dict[str, str] = {}

    def place(ind: Indicator, top: int) -> int:
        """Lay out ``ind`` from row ``top``; return the row after its last leaf."""
        if ind.is_leaf:
            sl.statics.append(Static(name, top, levels - 1, f"{ind.label}（{ind.max:g}分）", "label"))
            for c_i, c in enumerate(block.columns, start=levels):
                sl.slots.append(
                    Slot(
                        name=tree_name(c, ind), sheet=name, row=top, col=c_i,
                        label=f"{ind.label}（{c.label.split('（')[0]}）", kind="input",
                        type=c.type, block=block.key, section="tree",
                        max=ind.max if c is score else None, max_length=c.max_length,
                        indicator=ind.key, column=c.key,
                    )
                )
            cell_of[ind.key] = cell_name(top, score_col)
            return top + 1
        bottom = top
        for child in ind.children:
            bottom = place(child, bottom)
        col = ind.level - 1
        sl.statics.append(Static(name, top, col, f"{ind.label}（{ind.max:g}）", "label",
                                 last_row=bottom - 1))
        r_col = rollup_col[ind.level]
        cell_of[ind.key] = cell_name(top, r_col)
        children = ",".join(cell_of[c.key] for c in ind.children)
        sl.slots.append(
            Slot(
                name=tree_name(score, ind), sheet=name, row=top, col=r_col, last_row=None,
                label=f"{ind.label}（{score.label}）", kind="derived", type="score",
                block=block.key, section="tree", max=ind.max, indicator=ind.key,
                column=score.key, formula=f"=SUM({children})", height=None,
            )
        )
        if bottom - 1 > top:
            sl.statics.append(Static(name, top, r_col, "", "merge", last_row=bottom - 1))
        return bottom

    for root in block.roots:
        row = place(root, row)
    total = tree_name(score, "total")
    roots = ",".join(cell_of[r.key] for r in block.roots)
    adds = "".join(f"+N({a['name']})" for a in block.total_adds)  # defined names, any sheet
    sl.statics.append(Static(name, row, 0, block.total_label, "label", last_col=score_col - 1))
    sl.slots.append(
        Slot(
            name=total, sheet=name, row=row, col=score_col, label=block.total_label,
            kind="derived", type="score", block=block.key, section="tree", max=100,
            indicator="total", column=score.key, formula=f"=SUM({roots}){adds}",
        )
    )
    if block.grade_label:
        leaves = ",".join(cell_of[i.key] for i in block.leaves)
        sl.statics.append(Static(name, row, score_col + 1, block.grade_label, "label"))
        sl.slots.append(
            Slot(
                name="grade", sheet=name, row=row, col=score_col + 2, label=block.grade_label,
                kind="derived", type="grade", block=block.key, section="tree",
                formula=_grade_formula(profile, cell_name(row, score_col), leaves),
                span=sl.sheet.width - score_col - 2, indicator="grade",
            )
        )
    return row + 1


def _open_columns(sl: SheetLayout, block: Block, section: str, first: int, last: int, starts: dict) -> None:
    """An open list's input columns: one slot each, its defined name over the item rows."""
    for c in block.columns:
        sl.slots.append(
            Slot(
                name=list_name(block, c.key), sheet=sl.sheet.name, row=first, col=starts[c.key],
                last_row=last, label=c.label, kind="input", type=c.type, block=block.key,
                section=section, max_length=c.max_length, span=c.span, column=c.key,
                height=block.row_height, hint=c.hint, unit=block.unit if c.type == "money" else "",
            )
        )


def _grade_formula(profile: Profile, total_cell: str, scores: str) -> str:
    """The grade of the total by the profile's half-open bands, blank until a score is given."""
    bands = sorted(profile.grades, key=lambda g: -g.min)
    expr = f'"{bands[-1].label}"'
    for g in reversed(bands[:-1]):
        expr = f'IF({total_cell}>={g.min:g},"{g.label}",{expr})'
    return f'=IF(COUNT({scores})=0,"",{expr})'


def skeleton_rows(block: Block) -> list[dict[str, str]]:
    """The rows an indicator list prints on the blank form, one dict (column key → text) each."""
    rows = []
    for group in block.skeleton:
        labels = {k: v for k, v in group.items() if k != "rows"}
        rows += [dict(labels) for _ in range(int(group.get("rows", 1)))]
    return rows


def _indicators(sl: SheetLayout, block: Block, row: int, lists, profile, counts) -> int:
    """The unit's own list of indicators: a header, any number of item rows (the blank form's
    skeleton: 产出指标/数量指标…), then the 总分 row (Σ分值 and Σ得分 with what the funds table
    adds: the execution score) and the grade."""
    name = sl.sheet.name
    col0 = 1 if block.caption else 0
    starts, col = {}, col0
    for c in block.columns:
        starts[c.key] = col
        col += c.span
    header_row = row
    for c in block.columns:
        sl.statics.append(Static(name, row, starts[c.key], c.label, "header",
                                 last_col=starts[c.key] + c.span - 1 if c.span > 1 else None))
    n_rows = max(block.min_rows, len(skeleton_rows(block)), counts.get(block.key, 0))
    first, last = row + 1, row + n_rows
    if block.caption:
        sl.statics.append(Static(name, header_row, 0, block.caption, "label", last_row=last))
    _open_columns(sl, block, "indicators", first, last, starts)
    weight, score = block.role("weight"), block.role("score")
    total_row = last + 1
    label_end = starts[weight.key] - 1
    sl.statics.append(Static(name, total_row, 0, block.total_label, "label",
                             last_col=label_end if label_end > 0 else None))

    def column_range(column) -> str:
        at = starts[column.key]
        return f"{cell_name(first, at)}:{cell_name(last, at)}"

    adds_max = sum(float(a.get("max", 0)) for a in block.total_adds)
    adds = "".join(f"+N({a['name']})" for a in block.total_adds)  # defined names, any sheet
    sl.slots.append(
        Slot(
            name=list_name(block, "total_weight"), sheet=name, row=total_row, col=starts[weight.key],
            label=f"{block.total_label}（{weight.label}）", kind="derived", type="score",
            block=block.key, section="indicators", indicator="weights", column=weight.key,
            formula=f"=SUM({column_range(weight)})" + (f"+{adds_max:g}" if adds_max else ""),
        )
    )
    sl.slots.append(
        Slot(
            name=tree_name(score, "total"), sheet=name, row=total_row, col=starts[score.key],
            label=f"{block.total_label}（{score.label}）", kind="derived", type="score",
            block=block.key, section="indicators", max=100, indicator="total", column=score.key,
            formula=f"=SUM({column_range(score)}){adds}",
        )
    )
    after = starts[score.key] + score.span
    if after < sl.sheet.width:  # the rest of the 总分 row is not filled in
        sl.statics.append(Static(name, total_row, after, "", "code",
                                 last_col=sl.sheet.width - 1 if sl.sheet.width - 1 > after else None))
    row = total_row + 1
    if block.grade_label:
        sl.statics.append(Static(name, row, 0, block.grade_label, "label",
                                 last_col=label_end if label_end > 0 else None))
        sl.slots.append(
            Slot(
                name="grade", sheet=name, row=row, col=starts[weight.key], label=block.grade_label,
                kind="derived", type="grade", block=block.key, section="indicators",
                formula=_grade_formula(profile, cell_name(total_row, starts[score.key]), column_range(score)),
                span=sl.sheet.width - starts[weight.key], indicator="grade",
            )
        )
        row += 1
    lists[block.key] = ListArea(block.key, name, header_row, first, last, starts, total_row)
    return row


OPEN_LISTS = ("list", "indicators")  # sections whose input columns run down any number of rows

_LAYOUT = {
    "heading": _heading,
    "fields": _fields,
    "longtext": _longtext,
    "grid": _grid,
    "list": _list,
    "tree": _tree,
    "indicators": _indicators,
}
