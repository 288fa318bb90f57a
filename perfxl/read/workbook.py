"""Read a filled workbook into a typed report: every value with its sheet, cell and raw text.

Values come from python-calamine.  Where a cell is comes from the workbook's own defined names
(so rows the unit inserted are followed), falling back to the profile's layout for copies that
lost them (.xls re-saves, retyped forms).  Whether a derived cell still holds its formula comes
from a light scan of the sheet XML (:mod:`perfxl.package`), as calamine gives cached values only.  Derived figures
are then recomputed from the inputs: the cached value is kept beside, never trusted.
"""

from __future__ import annotations

import io
import math
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from python_calamine import CalamineWorkbook

from perfxl.errors import NotAForm, UnreadableWorkbook
from perfxl.form.derive import derive, derive_as_typed, formula_inputs
from perfxl.form.formula import SheetError
from perfxl.form.layout import OPEN_LISTS, PROFILE_NAME, VERSION_NAME, layout_for
from perfxl.form.profile import Profile, available_profiles, load_profile
from perfxl.lazy import module
from perfxl.numbers import PARSERS, Parsed, money_parser
from perfxl.ooxml.cells import cell_name

from .package import Package, read_package, resolve

pd = module("pandas")  # the frames (Report.cells, a county's): checking alone needs no pandas

CELL_COLUMNS = [
    "name", "section", "block", "sheet", "cell", "row", "col", "label", "kind", "type", "max",
    "max_length", "required", "grid_row", "grid_col", "indicator", "column", "item", "raw",
    "value", "status", "has_formula", "expected", "as_typed", "unit",
]
NUMERIC = ("money", "rate", "score", "number")


@dataclass
class Report:
    """One workbook as read: its profile, its identity and every cell perfxl knows.

    The cells are kept as plain columns (one sequence per field of RECORD_COLUMNS, one entry per
    cell) and become a pandas frame (CELL_COLUMNS) on first use, so a county of hundreds of
    workbooks is put into one frame at once instead of paying pandas' overhead per file; columns
    travel from the reading processes and join a county's frame cheaper than one tuple per cell.
    """

    path: str
    profile: Profile
    columns: tuple[Sequence, ...]  # RECORD_COLUMNS
    template_version: str | None = None
    notes: list[str] = field(default_factory=list)  # how the workbook was located (fallbacks)
    source: str = ""  # the file on disk when ``path`` is how the user knows it (a zip member)
    sheet_names: list[str] = field(default_factory=list)
    explanations: dict = field(default_factory=dict)  # (code, field) → the unit's explanation
    _frame: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    read_by: str = "template"  # "template" (marks, names or the layout) | "labels" (typed by hand)
    labels: object = None  # how a workbook typed by hand was read (perfxl.read.labels.LabelReading)

    @property
    def cells(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = cells_frame(self.profile, self.columns)
        return self._frame

    @property
    def records(self) -> list[tuple]:
        """One tuple per cell (RECORD_COLUMNS)."""
        return list(zip(*self.columns, strict=True))

    # --- views -------------------------------------------------------------------------------
    def section(self, name: str) -> pd.DataFrame:
        return self.cells[self.cells["section"] == name]

    @property
    def fields(self) -> pd.DataFrame:
        return self.section("fields").set_index("name")

    @property
    def funds(self) -> pd.DataFrame:
        return self.section("grid")

    def items(self, block: str) -> pd.DataFrame:
        """An open list as a wide frame: one row per item, one column per list column."""
        part = self.cells[(self.cells["block"] == block) & (self.cells["item"] >= 0)]
        if part.empty:
            return pd.DataFrame(columns=["row"])
        wide = part.pivot(index="item", columns="column", values="value")
        return wide.rename_axis(index="row", columns=None).reset_index()

    @property
    def details(self) -> pd.DataFrame:
        return self.items("detail")

    @property
    def problems(self) -> pd.DataFrame:
        return self.items("problems")

    @property
    def scores(self) -> pd.DataFrame:
        """One row per indicator of a fixed tree (and the total): score, its cell, recomputed
        value, note.  (A form whose units list their own indicators: :meth:`items`.)"""
        tree = self.profile.tree
        part = self.section("tree")
        score = part[part["column"] == tree.score_column.key].set_index("indicator")
        out = score[["label", "max", "sheet", "cell", "raw", "value", "status", "kind",
                     "has_formula", "expected"]].copy()
        for c in tree.columns:
            if c is not tree.score_column:
                other = part[part["column"] == c.key].set_index("indicator")
                out[c.key] = other["value"]
                out[f"{c.key}_cell"] = other["cell"]
        levels = {i.key: i.level for i in tree.indicators}
        parents = {i.key: i.parent for i in tree.indicators}
        out["level"] = [levels.get(k, 0) for k in out.index]
        out["parent"] = [parents.get(k) for k in out.index]
        return out

    def figures(self) -> dict[str, object]:
        """The key figures (project, department, budget, spending, score, grade…).

        These are the signed form's figures: derived ones as the template's formulas compute
        them from the cells as typed — recomputed, never a formula's cached value.  Where a number
        typed as text makes the form's formula show something else than perfxl reads (SUM skips
        the text; ``+`` gives #VALUE!, a figure the form cannot show: None), the form's figure
        is taken, and the workbook has an error (V004) at the cell typed.  Read from the
        columns, so a county's worth of reports never builds a frame per workbook.
        """
        out: dict[str, object] = {"project": None, "department": None, "year": None, "fill_date": None}
        c = self.columns
        slots, values, expected, typed = c[_SLOT], c[_VALUE], c[_EXPECTED], c[_AS_TYPED]
        for index, key, derived, listed in _figure_slots(self.profile):
            if listed:
                at = _last(slots, index)
            else:  # a single cell
                try:
                    at = slots.index(index)
                except ValueError:
                    continue
            if at is not None:
                out[key] = (expected[at] if typed[at] is None else _figure(typed[at])) if derived else values[at]
        return out

    def first_text(self, block: str, column: str) -> str:
        """The first filled text of an open list's column (e.g. the first 主要问题)."""
        c = self.columns
        slots, items, statuses = c[_SLOT], c[_ITEM], c[_STATUS]
        found = [at for index in _column_slots(self.profile, block, column)
                 for at in _positions(slots, index) if items[at] >= 0 and statuses[at] == "ok"]
        return str(c[_VALUE][min(found)]).strip() if found else ""

    def value(self, name: str):
        """The value of the first cell of the slot called ``name``."""
        c = self.columns
        found = [next(_positions(c[_SLOT], index), None) for index in _named_slots(self.profile, name)]
        found = [at for at in found if at is not None]
        return c[_VALUE][min(found)] if found else None

    def figure(self, role: str):
        """A value by its role in the profile (project, department, year, date, title)."""
        key = self.profile.roles.get(role)
        return self.value(key) if key else None


def _figure(shown):
    """A figure as the form's formula shows it: a number, a grade; blank text or an error value
    (a figure the form does not show) None."""
    if type(shown) is str and (shown == "" or shown.startswith("#")):
        return None
    return shown


@lru_cache(maxsize=16)
def _figure_slots(profile: Profile) -> tuple[tuple[int, str, bool, bool], ...]:
    """What :meth:`Report.figures` takes from which slot, in the order the cells come: (slot
    index, figure, whether the recomputed value, whether the slot is an open list's column, whose
    last cell counts), for the fields of the roles and the figures."""
    wanted = {profile.roles.get(r): r for r in ("project", "department", "year", "date")}
    wanted.pop(None, None)
    keys: dict[str, list[str]] = {}  # a slot may be two figures (预算完成率 is the execution rate)
    for key, name in profile.figures.items():
        keys.setdefault(name, []).append(key)
    out = []
    for index, slot in enumerate(layout_for(profile).slots):
        listed = slot.section in OPEN_LISTS and slot.kind == "input"
        if slot.name in wanted:
            out.append((index, "fill_date" if wanted[slot.name] == "date" else wanted[slot.name], False, listed))
        if slot.name in keys and not listed:  # an item is not a figure
            out += [(index, key, slot.kind == "derived", False) for key in keys[slot.name]]
    return tuple(out)


def _last(values: Sequence, value) -> int | None:
    """Where ``value`` is last in ``values``, or None."""
    at = None
    for at in _positions(values, value):  # noqa: B007 (the last one is kept)
        pass
    return at


@lru_cache(maxsize=256)
def _named_slots(profile: Profile, name: str) -> tuple[int, ...]:
    return tuple(i for i, s in enumerate(layout_for(profile).slots) if s.name == name)


@lru_cache(maxsize=64)
def _column_slots(profile: Profile, block: str, column: str) -> tuple[int, ...]:
    return tuple(i for i, s in enumerate(layout_for(profile).slots) if s.block == block and s.column == column)


def _positions(values: Sequence, value) -> Iterator[int]:
    """Where ``value`` is in ``values``, in order (searched at C speed)."""
    at = -1
    while True:
        try:
            at = values.index(value, at + 1)
        except ValueError:
            return
        yield at


def identify(pkg: Package, sheet_names: list[str]) -> tuple[Profile, str | None, list[str]] | None:
    """Which profile a workbook was made from: its property, its name, or its sheet names;
    None when it carries none of them (a workbook typed by hand: read by its labels)."""
    notes = []
    pid = pkg.props.get(PROFILE_NAME) or pkg.names.get(PROFILE_NAME, "").strip('="')
    version = pkg.props.get(VERSION_NAME) or pkg.names.get(VERSION_NAME, "").strip('="') or None
    if pid:
        if pid not in available_profiles():
            raise NotAForm(f"表样 {pid!r} 不是本程序认识的表样（可用："
                           f"{'、'.join(available_profiles())}）",
                           message_en=f"unknown form profile {pid!r}")
        profile = load_profile(pid)
        if version is not None and version != profile.version:
            raise NotAForm(f"模板版本 {version} 与当前表样 {pid} 的版本 {profile.version} 不符，"
                           "请用最新模板（perfxl template）重新填报",
                           message_en=f"template version {version} is not the current version "
                           f"{profile.version} of {pid}: refill the current template")
        return profile, version, notes
    for candidate in available_profiles():
        profile = load_profile(candidate)
        if all(s.name in sheet_names for s in profile.sheets):
            notes.append(f"未找到表样标记，按工作表名称认定为 {candidate}")
            return profile, None, notes
    return None


def read_report(path: str | Path, profile: Profile | None = None, *,
                package: zipfile.ZipFile | None = None, parts: dict[str, bytes] | None = None,
                data: bytes | None = None) -> Report:
    """Read one filled workbook.  Raises UnreadableWorkbook or NotAForm with a clear reason.

    A workbook made from the template is read by its defined names (or, having lost them, by
    the template's layout); one typed by hand, without the template's marks or layout, by the
    labels of its form (:mod:`perfxl.read.labels`), the form recognised by them when no
    ``profile`` is given.

    ``package`` is the workbook's zip directory, ``parts`` its parts already inflated and
    ``data`` the whole file, when the caller has them (see :func:`perfxl.guard.vetted`)."""
    path = Path(path)
    book = _open_book(path, data)
    pkg = read_package(path, package, parts, data)
    labels = None
    try:
        if profile is None:
            found = identify(pkg, book.sheet_names)
            if found is None:
                profile, labels, records = _read_labels(book, pkg, None)
                version, notes = None, [_labels_note(labels)]
            else:
                profile, version, notes = found
                if _typed_by_hand(profile, book, pkg):  # its marks or sheet names, not its layout
                    if pkg.props.get(PROFILE_NAME) or pkg.names.get(PROFILE_NAME):  # marked: that form
                        profile, labels, records = _read_labels(book, pkg, profile)
                        notes = [*notes, _labels_note(labels)]
                    else:  # a sheet named as a template's is no proof of the form: its labels are
                        profile, labels, records = _read_labels(book, pkg, None)
                        notes = [_labels_note(labels)]
        else:  # a profile given by the caller (a draft, a file of the office's own)
            version, notes = pkg.props.get(VERSION_NAME), []
            if _typed_by_hand(profile, book, pkg):
                profile, labels, records = _read_labels(book, pkg, profile)
                notes = [_labels_note(labels)]
        if labels is None:
            records = _read_cells(profile, book, pkg, notes)
    except (NotAForm, UnreadableWorkbook) as exc:
        exc.path = exc.path or str(path)
        raise
    finally:
        if pkg.zip is not None:
            pkg.zip.close()
    return Report(str(path), profile, as_columns(records), version, notes,
                  sheet_names=list(book.sheet_names), read_by="labels" if labels else "template",
                  labels=labels)


def _typed_by_hand(profile: Profile, book, pkg: Package) -> bool:
    """A workbook with none of the profile's defined names whose sheets do not hold the
    template's labels where its layout puts them."""
    layout = layout_for(profile)
    if any(slot.name in pkg.names for slot in layout.slots):
        return False
    from .recognise import layout_holds, pages_of

    names = {s.sheet.name for s in layout.sheets}
    pages = pages_of(book, only=names)
    return not layout_holds(profile, pages, [st for s in layout.sheets for st in s.statics])


def _read_labels(book, pkg: Package, profile: Profile | None):
    """A workbook typed by hand, read by the labels of its form: (profile, reading, records)."""
    from .labels import read_by_labels
    from .recognise import match, pages_of, recognise

    pages = pages_of(book)
    if profile is None:
        found = recognise(pages, [load_profile(p) for p in available_profiles()])
    else:
        found = match(pages, profile)
    records, reading = read_by_labels(found.profile, found, pkg.formulas)
    return found.profile, reading, records


LABELS_NOTE = "没有模板标记，按标签读取"  # how a note on a workbook read by its labels begins
LOCATED_EN = (  # the reader's notes in English, by their Chinese wording
    (re.compile(r"未找到表样标记，按工作表名称认定为 (.+)"), "no template marks: taken as form {0} by its sheet names"),
    (re.compile(r"(\d+) 个字段未找到定义名称，按表样位置读取"),
     "{0} fields had lost their defined names: read where the template puts them"),
)


def located_en(note: str) -> str:
    """A note of the reader's in English (as written when it has no translation)."""
    for pattern, text in LOCATED_EN:
        m = pattern.fullmatch(note)
        if m:
            return text.format(*m.groups())
    return note


def _labels_note(reading) -> str:
    return (f"{LABELS_NOTE}：表样 {reading.profile}（对上 {reading.found}/{reading.total} 个标签），"
            f"工作表：{'、'.join(reading.sheets)}")


def as_columns(records: list[tuple]) -> tuple[tuple, ...]:
    """Records (one tuple per cell) as columns (one tuple per field of RECORD_COLUMNS)."""
    return tuple(zip(*records, strict=True)) if records else tuple(() for _ in RECORD_COLUMNS)


@lru_cache(maxsize=16)
def slot_table(profile: Profile) -> pd.DataFrame:
    """What the profile fixes about each slot, one row per slot, strings as categories."""
    slots = layout_for(profile).slots
    table = pd.DataFrame([[getattr(s, c if c != "max" else "max") for c in SLOT_COLUMNS] for s in slots],
                         columns=SLOT_COLUMNS)
    for c in ("max", "max_length"):  # numbers even where a profile sets none
        table[c] = table[c].astype(float)
    for c in SLOT_COLUMNS:  # object (pandas 2) or str (pandas 3) columns; not max, required
        if not pd.api.types.is_numeric_dtype(table[c]):
            table[c] = table[c].astype("category")
    return table


def cells_frame(profile: Profile, columns: Sequence[Sequence],
                workbook: Sequence[str] | pd.Categorical | None = None) -> pd.DataFrame:
    """One frame (CELL_COLUMNS, plus ``workbook`` when given: each cell's) of many workbooks'
    cells, given as columns (RECORD_COLUMNS)."""
    if not len(columns[_SLOT]):
        frame = pd.DataFrame.from_records([], columns=RECORD_COLUMNS)
        for c in _CATEGORIES:
            frame[c] = frame[c].astype("category")
        frame["cell"] = pd.Categorical.from_codes(np.zeros(0, dtype=np.int64), [])
        fixed = slot_table(profile).take(frame["slot"].to_numpy()).reset_index(drop=True)
        for c in SLOT_COLUMNS:
            frame[c] = fixed[c]
        frame = frame[CELL_COLUMNS]
        if workbook is not None:
            frame["workbook"] = pd.Categorical(workbook)
        return frame
    # The integer columns are always integers and the texts of _CATEGORIES always texts; every
    # column is made whole here and the frame built once (inserting them one by one costs more).
    given = {c: np.array(v, dtype=np.int64) if c in _INTEGERS else _categorical(v) if c in _CATEGORIES else v
             for c, v in zip(RECORD_COLUMNS, columns, strict=True)}
    # The A1 reference is derived here, once per distinct cell, not carried by every record.
    distinct, codes = _distinct(given["row"] * 16384 + given["col"])
    given["cell"] = pd.Categorical.from_codes(
        codes, [_cell_name(int(k) // 16384, int(k) % 16384) for k in distinct])
    table, slots = slot_table(profile), given["slot"]
    for c in SLOT_COLUMNS:  # what the profile fixes, taken from the slot table by each cell's slot
        fixed = table[c]
        plain = isinstance(fixed.dtype, np.dtype) and fixed.dtype != object
        given[c] = fixed.to_numpy().take(slots) if plain else fixed.array.take(slots)
    if workbook is not None:
        given["workbook"] = pd.Categorical(workbook)
    return pd.DataFrame({c: given[c] for c in [*CELL_COLUMNS, *(["workbook"] if workbook is not None else [])]})


def cell_arrays(profile: Profile, columns: Sequence[Sequence],
                workbook: tuple[np.ndarray, list[str]] | None = None) -> dict[str, tuple[np.ndarray, list | None]]:
    """The cells of :func:`cells_frame`, column by column, without pandas: what the rules read
    (:meth:`perfxl.check.engine.Context.coded`).  A column the frame holds as categories is its
    codes (-1 where there is none) and its categories; any other column the array of its values.
    ``workbook``: each cell's workbook as codes into the names."""
    given = dict(zip(RECORD_COLUMNS, columns, strict=True))
    n = len(given["slot"])
    out: dict[str, tuple[np.ndarray, list | None]] = {}
    for c in _INTEGERS:
        out[c] = (np.array(given[c], dtype=np.int64), None)
    distinct, codes = _distinct(out["row"][0] * 16384 + out["col"][0])
    out["cell"] = (codes, [_cell_name(int(k) // 16384, int(k) % 16384) for k in distinct.tolist()])
    table, slots = _slot_arrays(profile), out["slot"][0]
    for c in SLOT_COLUMNS:  # what the profile fixes, taken by each cell's slot
        values, categories = table[c]
        out[c] = (values.take(slots), categories)
    for c in _CATEGORIES:
        out[c] = _coded(given[c])
    for c in ("raw", "value", "has_formula", "expected", "as_typed"):
        values = np.fromiter(given[c], dtype=object, count=n)
        if c == "has_formula" and all(type(v) is bool for v in given[c]):
            values = values.astype(bool)  # as pandas makes it: a column of booleans only
        out[c] = (values, None)
    if workbook is not None:
        out["workbook"] = workbook
    return {c: out[c] for c in [*CELL_COLUMNS, *(["workbook"] if workbook is not None else [])]}


@lru_cache(maxsize=16)
def _slot_arrays(profile: Profile) -> dict[str, tuple[np.ndarray, list | None]]:
    """:func:`slot_table` as arrays: a text column as codes into its sorted categories, the
    numbers as floats (NaN where none), ``required`` as booleans."""
    slots = layout_for(profile).slots
    out = {}
    for c in SLOT_COLUMNS:
        values = [getattr(s, c) for s in slots]
        if c in ("max", "max_length"):
            out[c] = (np.array([math.nan if v is None else float(v) for v in values], dtype=float), None)
        elif c == "required":
            out[c] = (np.array(values, dtype=bool), None)
        else:
            out[c] = _coded(values)
    return out


def _coded(texts: Sequence) -> tuple[np.ndarray, list]:
    """Texts as codes into their sorted distinct values (-1 for None), as a category has them."""
    categories = sorted({t for t in texts if t is not None})
    position = {t: i for i, t in enumerate(categories)}
    return np.fromiter((position.get(t, -1) for t in texts), dtype=np.int64, count=len(texts)), categories


def _distinct(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)``; for the small keys of a form's cells by marking
    them in a table rather than sorting them all."""
    if not len(key) or key.min() < 0 or key.max() >= 1 << 22:
        return np.unique(key, return_inverse=True)
    present = np.zeros(int(key.max()) + 1, dtype=bool)
    present[key] = True
    distinct = np.flatnonzero(present)
    rank = np.zeros(len(present), dtype=np.int64)
    rank[distinct] = np.arange(len(distinct))
    return distinct, rank[key]


_INTEGERS = ("slot", "row", "col", "item")
_CATEGORIES = ("sheet", "status")  # few distinct values: categories compare fastest


def _categorical(texts: Sequence[str]) -> pd.Categorical:
    """Texts as the categorical ``astype("category")`` makes of them, without a text column first."""
    codes, categories = pd.factorize(np.array(texts, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories)


def _open_book(path: Path, data: bytes | None = None) -> CalamineWorkbook:
    """Open with calamine by the file's name, else by its content (an .xls saved as .xlsx).

    With the file's bytes at hand calamine reads them, by their content: where it reads them at
    all, that is the reader the name picks too (or the one tried next)."""
    if data is not None:
        try:
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # whatever calamine says (a panic too) is said again from the file
            pass
    try:
        return CalamineWorkbook.from_path(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as first:
        try:
            with open(path, "rb") as fh:
                return CalamineWorkbook.from_filelike(fh)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            raise UnreadableWorkbook(
                f"无法读取工作簿：文件内部结构损坏或不合规范，请用 Excel 或 WPS 打开后另存为 .xlsx "
                f"再报送（{first}）", path=str(path),
                message_en=f"cannot read workbook: its inner structure is damaged or not standard; "
                           f"open it in Excel or WPS and save it again as .xlsx ({first})") from first


def _read_cells(profile: Profile, book, pkg: Package, notes: list[str]) -> list[tuple]:
    """Every slot's cells as records, derived ones with their recomputed ``expected``.

    This runs for every workbook of a county, so the work that depends only on the template
    (where each slot is, its parser, its A1 name) is done once per template (:func:`_places`)
    and the inputs for the recomputation are gathered in the same pass as the values.
    """
    layout = layout_for(profile)
    grids: dict[str, list[list]] = {}
    formulas: dict[str, tuple[set[str], set[str]] | None] = {}
    names = set(book.sheet_names)

    def grid(sheet: str) -> list[list]:
        rows = grids.get(sheet)
        if rows is None:
            if sheet not in names:
                raise NotAForm(f"缺少工作表“{sheet}”", message_en=f"sheet {sheet!r} is missing")
            rows = grids[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            formulas[sheet] = pkg.formulas(sheet)
            for (r, c), text in pkg.cached_texts(sheet).items():  # an .xls: calamine reads them as 0
                if r < len(rows) and c < len(rows[r]):
                    rows[r][c] = text
        return rows

    records: list[tuple] = []
    numbers: dict[str, object] = {}  # input figures and list columns, for the recomputation
    items: dict[str, dict[str, list]] = {}
    derived: list[int] = []  # where the derived cells are in ``records``
    texts: list[tuple] = []  # numeric inputs typed as text: (slot, item, the text)
    listed: dict[tuple, list[int]] = {}  # an open list's item rows, found once for all its columns
    places, located_by_layout = _places(layout, pkg)
    for index, slot, parser, sheet, row, col, last, cell, area in places:
        rows = grids.get(sheet) or grid(sheet)
        found = formulas[sheet]
        numeric = slot.type in NUMERIC and slot.kind == "input"
        if area is None:
            raw = rows[row][col] if row < len(rows) and col < len(rows[row]) else ""
            text = numeric and type(raw) is str and raw != ""
            record = _record(index, _parse(parser, raw), sheet, row, col, cell, found, -1, text)
            if slot.kind == "derived":
                derived.append(len(records))
            else:
                numbers[slot.name] = _known(record)
                if text:
                    texts.append((slot, -1, raw))
            records.append(record)
            continue
        column = items.setdefault(slot.block, {}).setdefault(slot.column, [])
        where = (sheet, row, last, slot.block, col - area.columns[slot.column])  # the same for all its columns
        item_rows = listed.get(where)
        if item_rows is None:
            item_rows = listed[where] = _list_rows(rows, row, last if last is not None else row, area, where[-1])
        for i, r in enumerate(item_rows):
            raw = rows[r][col] if r < len(rows) and col < len(rows[r]) else ""
            text = numeric and type(raw) is str and raw != ""
            record = _record(index, _parse(parser, raw), sheet, r, col,
                             _cell_name(r, col), found, i, text)
            column.append(_known(record))
            if text:
                texts.append((slot, i, raw))
            records.append(record)
    if located_by_layout:
        notes.append(f"{located_by_layout} 个字段未找到定义名称，按表样位置读取")
    expected = derive(profile, numbers, items)
    slots = layout.slots
    as_typed = _as_typed(profile, records, derived, numbers, items, texts, expected) if texts else {}
    legacy = pkg.legacy is not None
    for at in derived:
        record = records[at]
        name = slots[record[_SLOT]].name
        record = (*record[:_EXPECTED], expected.get(name), as_typed.get(name))
        if legacy:
            record = _legacy_zero(record)
        records[at] = record
    return records


def _legacy_zero(record: tuple) -> tuple:
    """An .xls formula cell caching 0 where its formula shows a text: LibreOffice saves text
    results so when it has not recalculated.  Where the formula shows blank (a rate over a zero
    base), the 0 is that blank; where it shows a word (the grade), the 0 stands for nothing
    that can be compared: no value, the raw 0 kept (rule V006 says the check was skipped)."""
    if record[_HAS_FORMULA] is not True or record[_RAW] != "0" or record[_STATUS] != "ok":
        return record
    form = record[_EXPECTED] if record[_AS_TYPED] is None else record[_AS_TYPED]
    blank = form is None or form == "" or (type(form) is float and form != form)
    if not blank and not isinstance(form, str):
        return record  # a number: the 0 is a figure
    out = list(record)
    out[_VALUE], out[_STATUS] = None, "blank"
    if blank:
        out[_RAW] = ""
    return tuple(out)


def _as_typed(profile: Profile, records: list[tuple], derived: list[int], numbers: dict,
              items: dict, texts: list[tuple], expected: dict) -> dict[str, object]:
    """The derived figures the workbook's own formulas show where they differ from perfxl's
    reading, because a number was typed as text: only for cells that hold their formula, and
    only when a text is one of the template's formula inputs (most workbooks have none)."""
    used = formula_inputs(profile)
    if not any(slot.name in used for slot, _, _ in texts):
        return {}
    holding = [at for at in derived if records[at][_HAS_FORMULA]]
    if not holding:  # a form typed by hand: what it shows is what was typed
        return {}
    cells = dict(numbers)  # numbers, None for blanks, NaN where unreadable: made what the cells hold
    lists = {block: {column: list(values) for column, values in columns.items()}
             for block, columns in items.items()}
    for slot, item, raw in texts:
        if item < 0:
            cells[slot.name] = raw
        else:
            lists[slot.block][slot.column][item] = raw
    for values in (cells, *(c for columns in lists.values() for c in columns.values())):
        for key, value in (values.items() if isinstance(values, dict) else enumerate(values)):
            if type(value) is float and value != value:  # an error value in an input cell
                values[key] = SheetError("#N/A")
    shown = derive_as_typed(profile, cells, lists)
    slots = layout_for(profile).slots
    out = {}
    for at in holding:
        name = slots[records[at][_SLOT]].name
        value, mine = shown.get(name), expected.get(name)
        if not _same_figure(value, mine):
            out[name] = value
    return out


def _same_figure(shown, expected) -> bool:
    if type(shown) is float and type(expected) is float:
        return abs(shown - expected) <= 1e-9 * max(1.0, abs(expected))
    blank = expected is None or (type(expected) is float and expected != expected)  # 0 ÷ 0
    return shown == expected or (shown == "" and blank)


_PLACES: dict[tuple, tuple] = {}  # (layout, the package's metadata key) → where every slot is


def _places(layout, pkg: Package) -> tuple[tuple, int]:
    """Each slot with its parser, where it is (by the workbook's defined names, else by the
    layout), its A1 name, and for an open list's input column its list area; and how many slots
    had no defined name.  The same for every workbook of one template, so kept per template."""
    key = (layout, pkg.key) if pkg.key is not None else None
    got = _PLACES.get(key) if key is not None else None
    if got is None:
        places, by_layout, names = [], 0, pkg.names
        for index, slot, parser in _plan(layout):
            ref = names.get(slot.name)
            place = resolve(ref) if ref is not None else None
            if place is None:
                by_layout += 1
                place = (slot.sheet, slot.row, slot.col, slot.last_row)
            sheet, row, col, last = place
            sheet = sys.intern(sheet)  # one object per sheet: records share it, pickle sends it once
            listed = slot.section in OPEN_LISTS and slot.kind == "input"
            places.append((index, slot, parser, sheet, row, col, last, _cell_name(row, col),
                           layout.lists[slot.block] if listed else None))
        got = (tuple(places), by_layout)
        if key is not None:
            if len(_PLACES) > 256:
                _PLACES.clear()
            _PLACES[key] = got
    return got


def _known(record: tuple):
    """A record's value as the recomputation takes it: NaN when it could not be read."""
    return math.nan if record[_STATUS] in _UNKNOWN else record[_VALUE]


def _list_rows(rows: list[list], first: int, last: int, area, offset: int) -> list[int]:
    """The item rows of an open list: the named range, plus rows typed just below it.

    A unit that inserts a row right after the last item row is outside the defined name's
    range; such rows are followed until an empty row or the text that follows the list.
    """
    cols = [c + offset for c in area.columns.values()]
    stop = area.stop_text[:4] if area.stop_text else None
    out = list(range(first, last + 1))
    r = last + 1
    while r < len(rows):
        texts = [str(rows[r][c]).strip() for c in [offset, *cols] if c < len(rows[r])]
        content = [t for t in texts[1:] if t]  # the number column alone does not make a row
        if not content or (stop and any(t.startswith(stop) for t in texts if t)):
            break
        out.append(r)
        r += 1
    return out


_cell_name = cell_name


_BLANK = Parsed(None, "blank", "")
_PARSED: dict[tuple, Parsed] = {}  # (parser, short text) → what it parses to


def _parse(parser, raw) -> Parsed:
    """``parser(raw)``; a short text is parsed once per reading process, as the same ones (无,
    department names, phone numbers, 2023年…) recur across a county's workbooks."""
    if raw == "":
        return _BLANK
    if type(raw) is not str or len(raw) > 32:
        return parser(raw)
    key = (parser, raw)
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) >= 50_000:
            _PARSED.clear()
        parsed = _PARSED[key] = parser(raw)
    return parsed


@lru_cache(maxsize=16)
def _plan(layout) -> tuple:
    """Each slot with its index and the parser of its type (money in its form's unit), worked
    out once per layout."""
    return tuple((i, slot, money_parser(slot.unit) if slot.type == "money" else PARSERS[slot.type])
                 for i, slot in enumerate(layout.slots))


def _record(index: int, parsed, sheet: str, row: int, col: int, cell: str, found, item: int,
            text: bool = False) -> tuple:
    has_formula = None if found is None else cell in found[0]
    status = parsed.status
    if found is not None and cell in found[1] and status != "error":
        status, parsed_value = "error", None  # calamine shows error cells as empty text
    else:
        parsed_value = parsed.value
    return (index, sheet, row, col, item, parsed.raw, parsed_value, status, has_formula, None,
            parsed.raw if text else None)


# A record is the variable part of a cell; what the profile fixes (name, label, type…) is looked
# up through its slot, so thousands of workbooks share one copy of it.  ``as_typed`` is what the
# form itself shows where that differs from perfxl's reading: for a numeric input typed as text,
# the text (a spreadsheet's SUM skips it); for a derived cell holding its formula, the figure
# that formula computes from the cells as typed (a number, "" or an error value such as
# "#VALUE!"); None elsewhere, which is nearly everywhere.
RECORD_COLUMNS = ["slot", "sheet", "row", "col", "item", "raw", "value", "status",
                  "has_formula", "expected", "as_typed"]
_SLOT, _ITEM, _RAW, _VALUE, _STATUS, _HAS_FORMULA, _EXPECTED, _AS_TYPED = (
    RECORD_COLUMNS.index(c) for c in ("slot", "item", "raw", "value", "status", "has_formula", "expected",
                                      "as_typed"))
SLOT_COLUMNS = ["name", "section", "block", "label", "kind", "type", "max", "max_length",
                "required", "grid_row", "grid_col", "indicator", "column", "unit"]
_UNKNOWN = ("invalid", "error")  # a figure that could not be read: what depends on it is unknown
