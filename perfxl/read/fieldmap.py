"""How a workbook was read, field by field (``perfxl map``): what a user needs to see why a form
was read as it was, or not understood at all.

For every field of the profile (and every row of an open list): its label's cell (when read by
labels), its value's cell, the text there and the value perfxl took; then the labels of the form
not found, and the texts in the form's tables that matched no label (another spelling the
profile could list).  For a workbook not recognised, the nearest forms with the labels found and
missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from perfxl.findings import show
from perfxl.form.layout import layout_for
from perfxl.form.profile import available_profiles, load_profile
from perfxl.ooxml.cells import cell_name


@dataclass
class MapRow:
    name: str  # the defined name of the field
    label: str  # as the form prints it (an open list's row: with its number)
    label_cell: str  # 'Sheet!A1', '' when not read by its label
    value_cell: str  # 'Sheet!A1', '' when not found
    raw: str  # the text in the cell
    value: str  # what perfxl took, as the form shows it
    status: str  # ok | blank | na | invalid | error | missing
    how: str  # names | layout | colon | right | below | column | title | missing | computed


def field_map(report) -> list[MapRow]:
    """One row per cell perfxl read (or looked for) in ``report``."""
    slots = layout_for(report.profile).slots
    places = {}
    if report.labels is not None:
        places = {(p.name, p.item): p for p in report.labels.places}
    located = "layout" if any("按表样位置" in n for n in report.notes) else "names"
    out = []
    for slot, sheet, row, col, item, raw, value, status, _, expected, *_ in report.records:
        s = slots[slot]
        place = places.get((s.name, item))
        label = s.label if item < 0 else f"{s.label}［{item + 1}］"
        if s.kind == "derived" and status == "missing":  # not typed: perfxl's recomputation
            shown = show(expected, s.type, s.unit) if expected is not None else ""
        else:  # as the form shows it (120.50 万元 on a form in 万元)
            shown = "" if status in ("blank", "missing") else show(value, s.type, s.unit)
        cell = f"{sheet}!{cell_name(row, col)}"
        if place is not None:
            out.append(MapRow(s.name, label, place.label_cell, place.value_cell, str(raw), shown, status, place.how))
        else:
            out.append(MapRow(s.name, label, "", cell, str(raw), shown, status, located))
    return out


def as_dicts(rows: list[MapRow]) -> list[dict]:
    return [asdict(r) for r in rows]


def nearest_forms(path: str | Path) -> list[tuple[str, str, float, list[str], list[str]]]:
    """For a workbook not recognised: each profile (id, name) with the share of its labels found,
    the labels found and those missing, nearest first."""
    from python_calamine import CalamineWorkbook

    from .recognise import pages_of, score

    pages = pages_of(CalamineWorkbook.from_path(str(path)))
    out = []
    for pid in available_profiles():
        profile = load_profile(pid)
        share, found, missing = score(profile, pages)
        out.append((profile.id, profile.name, share, found, missing))
    return sorted(out, key=lambda x: -x[2])
