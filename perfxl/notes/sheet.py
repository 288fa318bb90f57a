"""perfxl's results sheet: written first in the workbook, with the record that undoes the run.

The sheet lists every finding — the rule in words, where, what is wrong, what the figure should
be, how to fix it, the explanation the unit typed and its status — under a header block of
counts; its hidden columns 规则代码/字段 are what the next run reads the explanations by.  Its text
wraps in its columns (rows as tall as their text) and it prints on A4 landscape, fitted to the
page's width.  The record of this run's splices (:meth:`perfxl.ooxml.Edits.finish`) is kept in
the sheet's extLst.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from perfxl.findings import SEVERITY_LABELS
from perfxl.ooxml import spreadsheet as ox
from perfxl.ooxml import xmlspan as xs

from .read import CODE_NAME, HEADER_ROW, HEADERS, RESULT_NAMES, STATE_URI, TEXT, Book

# 序号 级别 规则 工作表 单元格 问题 应为 实际 如何改正 说明 状态 | 规则代码 字段 (hidden)
WIDTHS = [5, 6, 20, 10, 8, 36, 12, 12, 26, 22, 8, 9, 12]
LETTERS = "ABCDEFGHIJKLM"
WRAPPED = (2, 5, 6, 7, 8, 9)  # the columns whose text may take several lines
LINE = 15.0  # points a line of the workbook's 11-point text takes
_LOCAL_ID = re.compile(rb"localSheetId(?<=\slocalSheetId)\s*=\s*[\"'](\d+)")  # literal first: fast


def add_results(pkg, book, edits, findings, result, dxf, checked_at, lang, wrap=None,
                copy: bool = False) -> None:
    """The results sheet, placed first, and the record that undoes this run (marked
    ``"copy"`` in a copy perfxl writes beside the submission)."""
    name = _free_name({s.name.lower() for s in book.sheets}, RESULT_NAMES[lang])
    part = ox.free_part(pkg, "xl/worksheets/perfxl_results{}.xml")
    rid = edits.relate(book.part, "worksheet", part, book.rel_ns)
    edits.types.append((part, ox.CT_WORKSHEET))
    _insert_sheet(book, edits, name, rid)
    edits.created.append(part)
    state = edits.finish()  # the results sheet itself is perfxl's: no record of it is needed
    if copy:
        state["copy"] = True
    ext = (f'<extLst><ext uri="{STATE_URI}" xmlns:px="urn:perfxl:state">'
           f"<px:state>{xs.esc(_STATE_JSON.encode(state))}</px:state></ext></extLst>")
    pkg.write(part, _results_xml(book, findings, result, dxf, checked_at, lang, _is_xlsm(book),
                                 ext, wrap).encode())


_STATE_JSON = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), sort_keys=True,
                               check_circular=False)  # a tree of dicts and lists, made here


def _insert_sheet(book: Book, edits: ox.Edits, name: str, rid: str) -> None:
    """Put the results sheet first in workbook.xml and shift every sheet index by one."""
    data, top = book.data, book.top
    patch = edits.patch(book.part)
    enc = xs.encoder(data)
    holder = xs.find(book.kids, "sheets")
    next_id = max((int(s.span.get("sheetId", "0") or 0) for s in book.sheets), default=0) + 1
    attr = ox.rel_id_attr(data, top, book.rel_ns, rid)
    patch.insert(holder.open_end, enc(
        f'<{holder.prefix.decode()}sheet name="{xs.esc(name, attr=True)}" sheetId="{next_id}" '
        f"{attr}/>"))
    names = xs.find(book.kids, "definedNames")
    if names is not None:
        for m in _LOCAL_ID.finditer(data, names.start, names.end):
            if data.rfind(b"<", 0, m.start()) > data.rfind(b">", 0, m.start()):  # in a tag
                patch.replace(m.start(1), m.end(1), str(int(m.group(1)) + 1).encode())
    _print_titles(book, patch, enc, holder.prefix.decode(), names, name)
    views = xs.find(book.kids, "bookViews")
    for view in xs.kids(data, views) if views else []:
        if view.name != "workbookView":
            continue
        span = xs.attr_value_span(data, view, "activeTab")
        if span:
            patch.replace(*span, str(int(data[span[0]:span[1]]) + 1).encode())
        else:  # the tab the unit had open stays open
            patch.insert(view.start + 1 + len(view.qname) + len(view.attrs_raw),
                         b' activeTab="1"')
        span = xs.attr_value_span(data, view, "firstSheet")
        if span and int(data[span[0]:span[1]]):
            patch.replace(*span, str(int(data[span[0]:span[1]]) + 1).encode())


def _print_titles(book: Book, patch, enc, prefix: str, names, name: str) -> None:
    """The results table's heading row printed at the top of every page (Excel's
    ``_xlnm.Print_Titles`` of the sheet, first: local sheet 0); ``definedNames`` made where the
    workbook has none, in its place after ``sheets``. The run's record takes it out again."""
    quoted = "'" + name.replace("'", "''") + "'"
    title = (f'<{prefix}definedName name="_xlnm.Print_Titles" localSheetId="0">'
             f"{xs.esc(quoted)}!${HEADER_ROW}:${HEADER_ROW}</{prefix}definedName>")
    if names is not None and not names.empty:
        patch.insert(names.open_end, enc(title))
    elif names is not None:  # <definedNames/>
        patch.replace(names.start, names.end, enc(f"<{prefix}definedNames>{title}</{prefix}definedNames>"))
    else:
        after = next(el for el in (xs.find(book.kids, k) for k in ("externalReferences", "functionGroups", "sheets"))
                     if el is not None)
        patch.insert(after.end, enc(f"<{prefix}definedNames>{title}</{prefix}definedNames>"))


def _is_xlsm(book: Book) -> bool:
    return any(r.type.endswith("/vbaProject") for r in book.rels)


def _results_xml(book, findings, result, dxf, checked_at, lang, xlsm, ext: str = "", wrap=None) -> str:
    """The results sheet's XML; ``ext`` (the record of the run) goes last in it; ``wrap`` is the
    cell format that wraps text (None: the workbook has no cell formats to add it to)."""
    t = TEXT[lang]
    # the header block: labels over A:B (merged), figures in C; title, help and headings fixed
    rows = [[t["checked"], None, checked_at],
            [t["error"], None, result.errors], [t["open"], None, result.warnings],
            [t["explained"], None, result.explained], [t["info"], None, result.infos]]
    links, linked, sev_rows = [], [], {"error": [], "warning": []}
    sheets = {s.name.strip().lower(): s.name for s in book.sheets}
    for i, f in enumerate(findings, 1):
        r = HEADER_ROW + i
        rows.append(_finding_row(i, f, result, lang))
        cell = ox.norm_range(f.cell) if f.sheet else None
        target_sheet = sheets.get(f.sheet.strip().lower())  # no link to a sheet not there
        if cell and target_sheet:
            target = "'" + target_sheet.replace("'", "''") + "'!" + cell
            links.append(f'<hyperlink ref="E{r}" location="{xs.esc(target, attr=True)}" '
                         f'display="{xs.esc(cell, attr=True)}"/>')
            linked.append(f"E{r}")
        if f.severity in sev_rows:
            sev_rows[f.severity].append(f"B{r} K{r}")
    last = HEADER_ROW + len(findings)
    title, help_and_heads, cols, merges = _fixed(lang, wrap)
    body = title + "".join(_row(n, vals) for n, vals in enumerate(rows[:5], 2)) + help_and_heads + (
        "".join(_row(n, vals, wrap, _height(vals)) for n, vals in enumerate(rows[5:], HEADER_ROW + 1)))
    formats = [(f"A1 A{HEADER_ROW}:M{HEADER_ROW}", dxf + 2), ("A3", dxf), ("A4", dxf + 1)]
    formats += [(" ".join(sev_rows["error"]), dxf), (" ".join(sev_rows["warning"]), dxf + 1)]
    if findings:
        formats += [(f"J{HEADER_ROW + 1}:J{last}", dxf + 3)]
    if links:
        formats += [(" ".join(linked), dxf + 4)]
    cf = "".join(f'<conditionalFormatting sqref="{ref}"><cfRule type="expression" dxfId="{d}" '
                 f'priority="{n}"><formula>TRUE</formula></cfRule></conditionalFormatting>'
                 for n, (ref, d) in enumerate((x for x in formats if x[0]), 1))
    code = "" if xlsm else f' codeName="{CODE_NAME}"'
    return (
        xs.XML_DECL.decode() +
        f'<worksheet xmlns="{book.ns}" xmlns:r="{book.rel_ns}">'
        f'<sheetPr{code}><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:M{max(last, HEADER_ROW)}"/>'
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{HEADER_ROW}" '
        f'topLeftCell="A{HEADER_ROW + 1}" activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="J{HEADER_ROW + 1}" '
        f'sqref="J{HEADER_ROW + 1}"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f"<sheetData>{body}</sheetData>{merges}{cf}"
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{xs.esc(TEXT[lang]['footer'])}</oddFooter></headerFooter>"
        f"{ext}</worksheet>"
    )


@lru_cache(maxsize=8)
def _fixed(lang: str, wrap: int | None = None) -> tuple[str, str, str, str]:
    """The parts of the results sheet that are the same every time: the title row, the help
    and heading rows, the columns and the merged cells."""
    t = TEXT[lang]
    hidden = ' hidden="1"'  # the key columns perfxl reads explanations by
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"'
                   f'{hidden if i > 11 else ""}/>' for i, w in enumerate(WIDTHS, 1))
    merges = ["A1:K1", *(f"A{r}:B{r}" for r in range(2, 7)), "A7:K7"]
    merged = (f'<mergeCells count="{len(merges)}">'
              + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    visible = sum(WIDTHS[:11])
    help_lines = _lines(t["help"], visible) if wrap is not None else 1
    heads = _row(HEADER_ROW, HEADERS[lang], wrap, _height(HEADERS[lang]) if wrap is not None else None)
    return (_row(1, [t["title"]]), _row(7, [t["help"]], wrap, LINE * help_lines + 2 if help_lines > 1 else None)
            + heads, cols, merged)


def _lines(text: str, width: float) -> int:
    """Lines a text takes wrapped in a column ``width`` characters wide (a Chinese character
    is two)."""
    room = max(width - 1, 1)
    return sum(max(1, -(-_width(line) // room)) for line in text.split("\n"))


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"
               else 1 for ch in text)


def _height(values: list) -> float | None:
    """A finding row's height: the tallest of its wrapped texts (None: one line, the default)."""
    most = max((_lines(_text(values[c]), WIDTHS[c]) for c in WRAPPED if c < len(values)), default=1)
    return LINE * most + 2 if most > 1 else None


def finding_lines(findings, result, lang: str) -> list[list[str]]:
    """The texts of the rows :func:`add_results` writes below the header, one a finding, as
    :func:`perfxl.notes_read.read_results` reads them back (``lines``)."""
    return [[_text(v) for v in _finding_row(i, f, result, lang)]
            for i, f in enumerate(findings, 1)]


def _finding_row(i: int, f, result, lang: str) -> list:
    """Finding number ``i``'s row: the columns of ``HEADERS``."""
    t = TEXT[lang]
    cell = ox.norm_range(f.cell) if f.sheet else None
    status = "" if f.severity == "info" and not f.explained else (
        t["done"] if f.explained else t["rejected"] if f.is_error and f.rejected else t["todo"])
    typed = result.rejected.get(f.key, "") if f.is_error else f.explained
    return [i, SEVERITY_LABELS[lang][f.severity], f"{f.code} {f.title or f.name}".strip(), f.sheet,
            cell or f.cell, f.message, f.expected, f.actual, f.hint, typed, status, f.code,
            f.field or f.cell]


def _text(value) -> str:
    if type(value) is not str:
        value = "" if value is None else str(value)
    return value if len(value) <= 32767 else value[:32767]  # Excel's limit for one cell


def _row(n: int, values: list, style: int | None = None, height: float | None = None) -> str:
    """Row ``n``: its values (a cell of the ``style`` cell format, when given), ``height`` points
    tall when given."""
    tall = f' ht="{height:g}" customHeight="1"' if height else ""
    cells = [f'<row r="{n}"{tall}>']
    add, esc = cells.append, xs.esc
    s = "" if style is None else f' s="{style}"'
    for letter, v in zip(LETTERS, values, strict=False):
        if v is None:
            continue
        if type(v) is int:
            add(f'<c r="{letter}{n}"{s}><v>{v}</v></c>')
            continue
        v = _text(v)
        if not v:
            if s:  # a blank cell still wraps what the unit types into it (说明)
                add(f'<c r="{letter}{n}"{s}/>')
            continue
        space = ' xml:space="preserve"' if "\n" in v or v[0].isspace() or v[-1].isspace() else ""
        add(f'<c r="{letter}{n}"{s} t="inlineStr"><is><t{space}>{esc(v)}</t></is></c>')
    add("</row>")
    return "".join(cells)


def _free_name(used: set, name: str) -> str:
    # a sheet of the unit's own already has the name: never take it over
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{name} ({n})"
    return candidate
