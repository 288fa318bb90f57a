"""The fill-in workbook a profile makes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from perfxl.form.layout import layout_for
from perfxl.form.template import write_template


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_inputs_give_the_same_bytes(tmp_path, profile):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(profile, a, year=2021, county="和平县")
    write_template(profile, b, year=2021, county="和平县")
    assert sha(a) == sha(b)


def test_template_is_protected_with_unlocked_inputs_names_and_properties(tmp_path, profile):
    path = tmp_path / "t.xlsx"
    write_template(profile, path, year=2020, county="和平县")
    wb = openpyxl.load_workbook(path)
    assert [ws.title for ws in wb] == [s.name for s in profile.sheets]
    assert all(ws.protection.sheet and not ws.protection.password for ws in wb)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"perfxl_profile": "gd-2020", "perfxl_profile_version": profile.version}
    layout = layout_for(profile)
    assert set(wb.defined_names) >= {s.name for s in layout.slots}
    for slot in layout.slots:
        cell = wb[slot.sheet][slot.cell]
        if slot.kind == "input":
            assert cell.protection.locked is False, slot.name
        else:
            assert cell.protection.locked is not False, slot.name
            assert str(cell.value).startswith("="), slot.name
    assert wb["封面"]["A1"].value == "和平县 2020 年财政支出绩效自评报告"


def test_scores_carry_their_maximum_in_validation(tmp_path, profile):
    path = tmp_path / "t.xlsx"
    write_template(profile, path)
    ws = openpyxl.load_workbook(path)["自评得分"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    implementation = next(s for s in layout_for(profile).slots if s.name == "score_implementation")
    dv = rules[implementation.cell]
    assert dv.type == "decimal" and dv.operator in (None, "between")  # between is the default
    assert (float(dv.formula1), float(dv.formula2)) == (0.0, 15.0)
    assert "15" in dv.prompt


def test_the_committed_template_is_the_one_perfxl_writes(tmp_path, profile):
    committed = Path(__file__).resolve().parents[2] / "workbook_templates" / "gd-2020.xlsx"
    fresh = write_template(profile, tmp_path / "gd-2020.xlsx")
    assert sha(fresh) == sha(committed), "regenerate: perfxl template -o workbook_templates/gd-2020.xlsx"


def _page_of(pages, text: str) -> int:
    found = [i for i, p in enumerate(pages) if "".join(text.split()) in "".join(p.raw.split())]
    assert found, text
    return found[0]


def test_the_template_prints_every_table_whole_on_a4(tmp_path, profile, printed):
    """The blank form on paper: A4, no table cut across pages; the score table, longer than a
    page with rows for 100 characters, breaks only between its top-level groups, with its
    headings again on each page."""
    pages = printed(write_template(profile, tmp_path / "自评表.xlsx"))
    assert all(p.a4_landscape or p.a4_portrait for p in pages)
    assert pages[0].a4_portrait and "填报日期" in pages[0].text  # the cover
    layout = layout_for(profile)
    for sl in layout.sheets:  # every table's heading row and last labelled row on one page
        for block, first, after in sl.blocks:
            if block.kind not in ("grid", "list"):
                continue
            labels = [st for st in sl.statics if first <= st.row < after and st.text.strip()
                      and not st.text.strip().isdigit()]
            top, bottom = labels[0].text, max(labels, key=lambda st: st.row).text
            assert _page_of(pages, top) == _page_of(pages, bottom), (sl.sheet.name, block.key, top, bottom)
    # every page ends where perfxl broke it (never inside a table), none where it ran out of room
    book = openpyxl.load_workbook(tmp_path / "自评表.xlsx")
    breaks = {ws.title: [b.id for b in ws.row_breaks.brk] for ws in book}
    assert len(pages) == sum(len(b) + 1 for b in breaks.values())
    for sl in layout.sheets:
        for block, first, after in sl.blocks:
            inside = [b for b in breaks[sl.sheet.name] if first < b < after]
            assert block.kind == "tree" or not inside, (sl.sheet.name, block.kind, inside)
    tree = profile.tree
    for group in tree.roots:  # a top-level indicator with all its leaves, under the headings
        page = pages[_page_of(pages, f"{group.label}（{group.max:g}）")]
        for leaf in (i for i in tree.leaves if i.key in {d.key for d in _under(group)}):
            assert f"{leaf.label}（{leaf.max:g}分）" in page.text, leaf.label
        assert tree.headers[0] in page.text and tree.score_column.label.split("（")[0] in page.text


def _under(indicator):
    yield indicator
    for child in indicator.children:
        yield from _under(child)


def test_a_100_character_explanation_prints_whole(tmp_path, profile, printed):
    """Every explanation and problem row typed to the form's limit of 100 characters is on the
    paper to its last character: the rows are tall enough, nothing is cut off."""
    from perfxl.form.template import Fill, write_workbook

    fill = Fill()
    limits = {}
    for i, leaf in enumerate(profile.tree.leaves):
        text = f"第{i:02d}项" + "资金使用规范进度符合要求" * 8
        fill.values[f"note_{leaf.key}"] = (text[:96] + f"止{i:02d}项")[:100]
        limits[leaf.key] = fill.values[f"note_{leaf.key}"]
    fill.items["problems"] = [{"problem": ("问题" * 50)[:97] + f"尾{n}号", "plan": ("改进" * 50)[:97] + f"末{n}号"}
                              for n in range(5)]
    path = write_workbook(profile, tmp_path / "满.xlsx", fill=fill)
    # Excel does not grow a row for its text on opening: the row must be that tall already.
    # A 10-point Chinese character is 13.4 px wide, a line 13.5 pt; a column of width w is
    # 7w + 5 px in Excel's default font.
    ws = openpyxl.load_workbook(path)["自评得分"]
    layout = layout_for(profile)
    for slot in (s for s in layout.slots if s.name.startswith("note_") and s.section == "tree"):
        px = 7 * ws.column_dimensions[get_column_letter(slot.col + 1)].width + 5
        lines = -(-100 * 13.4 // (px - 8))
        assert (ws.row_dimensions[slot.row + 1].height or 15) >= lines * 13.5, slot.name
    raw = "".join("".join(p.raw.split()) for p in printed(path))
    for key, text in limits.items():
        assert len(text) == 100 and text in raw, key
    for n in range(5):
        assert f"尾{n}号" in raw and f"末{n}号" in raw
