"""Read a filled workbook into a typed report: every value with its sheet, cell and raw text.

Values come from python-calamine.  Where a cell is comes from the workbook's own defined names
(so rows the unit inserted are followed), falling back to the profile's layout for copies that
lost them (.xls re-saves, retyped forms).  Whether a derived cell still holds its formula comes
from a light scan of the sheet XML, because calamine gives cached values only.  Derived figures
are then recomputed from the inputs: the cached value is kept beside, never trusted.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from .derive import derive
from .errors import NotAForm, UnreadableWorkbook
from .layout import PROFILE_NAME, VERSION_NAME, Slot, layout_for
from .numbers import parse
from .profile import Profile, available_profiles, load_profile

CELL_COLUMNS = [
    "name", "section", "block", "sheet", "cell", "row", "col", "label", "kind", "type", "max",
    "max_length", "required", "grid_row", "grid_col", "indicator", "column", "item", "raw",
    "value", "status", "has_formula", "expected",
]
NUMERIC = ("money", "rate", "score", "number")


@dataclass
class Report:
    """One workbook as read: its profile, its identity and one frame of every cell perfxl knows."""

    path: str
    profile: Profile
    cells: pd.DataFrame
    template_version: str | None = None
    notes: list[str] = field(default_factory=list)  # how the workbook was located (fallbacks)

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
        """One row per indicator (and the total): score, its cell, recomputed value, note."""
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

    def value(self, name: str):
        row = self.cells[self.cells["name"] == name]
        return None if row.empty else row["value"].iloc[0]

    def figures(self) -> dict[str, object]:
        """The key figures (project, department, budget, spending, score, grade…).

        Derived figures are the recomputed ones, never the cached values.
        """
        out = {"project": self.figure("project"), "department": self.figure("department"),
               "year": self.figure("year"), "fill_date": self.figure("date")}
        by_name = self.cells.drop_duplicates("name").set_index("name")
        for key, name in self.profile.figures.items():
            if name in by_name.index:
                row = by_name.loc[name]
                out[key] = row["expected"] if row["kind"] == "derived" else row["value"]
        return out

    def figure(self, role: str):
        """A value by its role in the profile (project, department, year, date, title)."""
        key = self.profile.roles.get(role)
        return self.value(key) if key else None


# ----------------------------------------------------------------------------- the package


def parse_xml(data: bytes):  # TODO(lead): use guard.parse_xml once it lands
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


@dataclass
class Package:
    """What the workbook's XML says that calamine does not: names, properties, formulas."""

    names: dict[str, str] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)
    sheet_parts: dict[str, str] = field(default_factory=dict)
    zip: zipfile.ZipFile | None = None

    def formulas(self, sheet: str) -> tuple[set[str], set[str]] | None:
        """Cells holding a formula, and cells holding an error value, on ``sheet``."""
        part = self.sheet_parts.get(sheet)
        if self.zip is None or part is None:
            return None
        data = self.zip.read(part)
        with_f, errors = set(), set()
        for m in _CELL.finditer(data):
            attrs, body = m.group(1), m.group(3) or b""
            ref = _ATTR_R.search(attrs)
            if not ref:
                continue
            if _F_TAG.search(body):
                with_f.add(ref.group(1).decode())
            if _T_ERR.search(attrs):
                errors.add(ref.group(1).decode())
        return with_f, errors


_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_T_ERR = re.compile(rb'\bt="e"')
_F_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_package(path: Path) -> Package:
    pkg = Package()
    if not zipfile.is_zipfile(path):
        return pkg
    try:
        zf = zipfile.ZipFile(path)
        names = set(zf.namelist())
        book = parse_xml(zf.read("xl/workbook.xml"))
        rels = parse_xml(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise UnreadableWorkbook(f"工作簿结构不完整：{exc}", message_en=f"broken package: {exc}") \
            from exc
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else str(
            PurePosixPath("xl") / target)
        targets[rel.get("Id")] = _normalise(target)
    for el in book.iter():
        tag = _local(el.tag) if isinstance(el.tag, str) else ""
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            if rid in targets and targets[rid] in names:
                pkg.sheet_parts[el.get("name")] = targets[rid]
        elif tag == "definedName" and el.get("localSheetId") is None:
            pkg.names[el.get("name")] = (el.text or "").strip()
    if "docProps/custom.xml" in names:
        for prop in parse_xml(zf.read("docProps/custom.xml")):
            value = next(iter(prop), None)
            if value is not None:
                pkg.props[prop.get("name")] = (value.text or "").strip()
    pkg.zip = zf
    return pkg


def _normalise(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    return "/".join(parts)


_REF = re.compile(r"^=?'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def _resolve(ref: str) -> tuple[str, int, int, int | None] | None:
    """``'项目概况'!$B$19:$B$22`` → (sheet, row, col, last_row), zero-based."""
    m = _REF.match(ref)
    if not m:
        return None
    sheet = m.group(1).replace("''", "'")
    row, col = xl_cell_to_rowcol(m.group(2) + m.group(3))
    last = int(m.group(5)) - 1 if m.group(5) else None
    return sheet, row, col, last


# ----------------------------------------------------------------------------- reading


def identify(pkg: Package, sheet_names: list[str]) -> tuple[Profile, str | None, list[str]]:
    """Which profile a workbook was made from: its property, its name, or its sheet names."""
    notes = []
    pid = pkg.props.get(PROFILE_NAME) or pkg.names.get(PROFILE_NAME, "").strip('="')
    version = pkg.props.get(VERSION_NAME) or pkg.names.get(VERSION_NAME, "").strip('="') or None
    if pid:
        if pid not in available_profiles():
            raise NotAForm(f"表样 {pid!r} 不是本程序认识的表样（可用："
                           f"{'、'.join(available_profiles())}）",
                           message_en=f"unknown form profile {pid!r}")
        return load_profile(pid), version, notes
    for candidate in available_profiles():
        profile = load_profile(candidate)
        if all(s.name in sheet_names for s in profile.sheets):
            notes.append(f"未找到表样标记，按工作表名称认定为 {candidate}")
            return profile, None, notes
    raise NotAForm("不是绩效自评表：没有表样标记，工作表名称也对不上任何表样",
                   message_en="not a recognised self-evaluation form")


def read_report(path: str | Path, profile: Profile | None = None) -> Report:
    """Read one filled workbook.  Raises UnreadableWorkbook or NotAForm with a clear reason."""
    path = Path(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own exception types and plain ones
        raise UnreadableWorkbook(f"无法读取工作簿：{exc}", path=str(path),
                                 message_en=f"cannot read workbook: {exc}") from exc
    pkg = read_package(path)
    try:
        found, version, notes = identify(pkg, book.sheet_names)
        profile = profile or found
        frame = _read_cells(profile, book, pkg, notes)
    except (NotAForm, UnreadableWorkbook) as exc:
        exc.path = exc.path or str(path)
        raise
    finally:
        if pkg.zip is not None:
            pkg.zip.close()
    return Report(str(path), profile, frame, version, notes)


def _read_cells(profile: Profile, book, pkg: Package, notes: list[str]) -> pd.DataFrame:
    layout = layout_for(profile)
    grids: dict[str, list[list]] = {}
    formulas: dict[str, tuple[set[str], set[str]] | None] = {}

    def grid(sheet: str) -> list[list]:
        if sheet not in grids:
            if sheet not in book.sheet_names:
                raise NotAForm(f"缺少工作表“{sheet}”", message_en=f"sheet {sheet!r} is missing")
            grids[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            formulas[sheet] = pkg.formulas(sheet)
        return grids[sheet]

    def at(sheet: str, row: int, col: int):
        rows = grid(sheet)
        if row < len(rows) and col < len(rows[row]):
            return rows[row][col]
        return ""

    records = []
    located_by_layout = 0
    for slot in layout.slots:
        place = _resolve(pkg.names[slot.name]) if slot.name in pkg.names else None
        if place is None:
            located_by_layout += 1
            place = (slot.sheet, slot.row, slot.col, slot.last_row)
        sheet, row, col, last = place
        if slot.section == "list" and slot.kind == "input":
            area = layout.lists[slot.block]
            rows = _list_rows(grid(sheet), row, last if last is not None else row, area,
                              col - area.columns[slot.column])
            for i, r in enumerate(rows):
                records.append(_record(slot, sheet, r, col, at(sheet, r, col), formulas, i))
        else:
            records.append(_record(slot, sheet, row, col, at(sheet, row, col), formulas, -1))
    if located_by_layout:
        notes.append(f"{located_by_layout} 个字段未找到定义名称，按表样位置读取")
    frame = pd.DataFrame.from_records(records, columns=CELL_COLUMNS)
    _recompute(profile, frame)
    return frame


def _list_rows(rows: list[list], first: int, last: int, area, offset: int) -> list[int]:
    """The item rows of an open list: the named range, plus rows typed just below it.

    A unit that inserts a row right after the last item row is outside the defined name's
    range; such rows are followed until an empty row or the text that follows the list.
    """
    cols = [c + offset for c in area.columns.values()] + [offset]
    out = list(range(first, last + 1))
    r = last + 1
    while r < len(rows):
        cells = [rows[r][c] if c < len(rows[r]) else "" for c in cols]
        texts = [str(v).strip() for v in cells if v not in ("", None)]
        if not texts[1 if cells[-1] != "" else 0:] or (area.stop_text and any(
                t.startswith(area.stop_text[:4]) for t in texts)):
            break
        out.append(r)
        r += 1
    return out


def _record(slot: Slot, sheet: str, row: int, col: int, raw, formulas, item: int) -> tuple:
    parsed = parse(slot.type, raw)
    cell = xl_rowcol_to_cell(row, col)
    found = formulas.get(sheet)
    has_formula = None if found is None else cell in found[0]
    status = parsed.status
    if found is not None and cell in found[1] and status != "error":
        status, parsed_value = "error", None  # calamine shows error cells as empty text
    else:
        parsed_value = parsed.value
    return (
        slot.name, slot.section, slot.block, sheet, cell, row, col, slot.label, slot.kind,
        slot.type, slot.max, slot.max_length, slot.required, slot.grid_row, slot.grid_col,
        slot.indicator, slot.column, item, parsed.raw, parsed_value, status, has_formula, None,
    )


def _recompute(profile: Profile, frame: pd.DataFrame) -> None:
    """Fill ``expected`` on every derived cell from the inputs (cached values are not used)."""
    inputs = frame[(frame["kind"] == "input") & (frame["item"] < 0)]
    numbers = dict(zip(inputs["name"], inputs["value"], strict=True))
    items: dict[str, dict[str, list]] = {}
    listed = frame[frame["item"] >= 0]
    for (block, column), part in listed.groupby(["block", "column"], sort=False):
        items.setdefault(block, {})[column] = list(part["value"])
    expected = derive(profile, numbers, items)
    derived = frame["kind"] == "derived"
    frame.loc[derived, "expected"] = frame.loc[derived, "name"].map(expected)
