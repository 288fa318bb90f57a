"""Writing perfxl's notes into a workbook: highlights, comments with their note shapes, and
(through :mod:`perfxl.notes_sheet`) the results sheet.

Every edit to a part the unit owns is a splice recorded in an :class:`~perfxl.ooxml.Edits`, so
that :mod:`perfxl.notes_strip` can undo it exactly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from perfxl.findings import SEVERITY_LABELS, Finding
from perfxl.ooxml import spreadsheet as ox
from perfxl.ooxml import xmlspan as xs
from perfxl.ooxml.opc import Package

from .read import AUTHOR, FILLS, MARK, TEXT, Book, outline, priorities, styles
from .sheet import add_results

# Highlight colours and the results sheet's looks, as differential formats (dxf) appended to
# styles.xml in this order: error, warning, heading, input column, link.
DXFS = (
    '<dxf><font><color rgb="FF9C0006"/></font>'
    f'<fill><patternFill><bgColor rgb="{FILLS[0]}"/></patternFill></fill></dxf>',
    '<dxf><font><color rgb="FF7F3F00"/></font>'
    f'<fill><patternFill><bgColor rgb="{FILLS[1]}"/></patternFill></fill></dxf>',
    '<dxf><font><b/></font><fill><patternFill><bgColor rgb="FFD9E1F2"/></patternFill></fill></dxf>',
    '<dxf><fill><patternFill><bgColor rgb="FFE2EFDA"/></patternFill></fill></dxf>',
    '<dxf><font><u/><color rgb="FF0563C1"/></font></dxf>',
)
# The results sheet's cell format: text wrapped in its column, from the top of the cell.
WRAP_XF = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
           '<alignment vertical="top" wrapText="1"/></xf>')
# The least a styles part holds (one font, the two fills every workbook has, one border, the
# Normal style and perfxl's wrapped text), then perfxl's formats: for a workbook without one.
_STYLES = (
    '<styleSheet xmlns="{ns}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
    '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
    'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
    'fillId="0" borderId="0" xfId="0"/>' + WRAP_XF + '</cellXfs><cellStyles count="1"><cellStyle '
    'name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="{n}">{dxfs}</dxfs></styleSheet>'
)
# Worksheet children in schema order: new elements must go where Excel expects them.
_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
]
_RANK = {name: i for i, name in enumerate(_ORDER)}
_MERGE_REF = re.compile(  # the literal first, then the look back: a fast search
    rb"ref(?<=\sref)\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?")
_IDMAP = re.compile(rb"<o:idmap\b[^>]*?\sdata=[\"']([\d,\s]+)")
_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}


def add_notes(pkg: Package, findings: list[Finding], result, checked_at: str, lang: str,
              notes: bool = True, copy: bool = False) -> None:
    """Write ``findings`` (explained already) into the package: with ``notes``, highlights and
    comments on the cells, then the results sheet.  Counts go into ``result``, an
    :class:`~perfxl.annotate.AnnotateResult`.  ``copy`` marks the record as that of a copy
    perfxl wrote (not the submission itself)."""
    book = outline(pkg)
    edits = ox.Edits(pkg)
    dxf, wrap = _add_dxfs(pkg, book, edits)
    if notes:
        by_sheet = defaultdict(list)
        for f in findings:
            if f.sheet and ox.norm_range(f.cell):
                by_sheet[f.sheet.strip().lower()].append(f)
        for index, sheet in enumerate(book.sheets):
            items = by_sheet.get(sheet.name.strip().lower())
            if items and sheet.part:
                c, h = _add_sheet_notes(pkg, book, edits, sheet, index, items, dxf, lang)
                result.comments += c
                result.highlights += h
    add_results(pkg, book, edits, findings, result, dxf, checked_at, lang, wrap, copy=copy)


def _add_dxfs(pkg: Package, book: Book, edits: ox.Edits) -> tuple[int, int | None]:
    """Append perfxl's differential formats to styles.xml, and its wrapped-text cell format;
    the index of the first format and that of the cell format (None when the styles part has
    no cell formats to add it to).  A workbook with no styles part (some minimal writers make
    none, and then no cell names a style) gets one of perfxl's own, holding the default style
    and perfxl's formats."""
    found = styles(pkg, book)  # what comes before the dxfs is not perfxl's business
    if found is None:
        # where the convention puts it (openpyxl looks nowhere else), unless that name is taken
        part = "xl/styles.xml" if not pkg.has("xl/styles.xml") else ox.free_part(
            pkg, "xl/perfxl_styles{}.xml")
        edits.create(part, (xs.XML_DECL.decode() + _STYLES.format(ns=book.ns, dxfs="".join(DXFS),
                                                                  n=len(DXFS))).encode(),
                     ox.CT_STYLES)
        edits.relate(book.part, "styles", part, book.rel_ns)
        return 0, 1
    part, data, top, kids = found
    patch = edits.patch(part)
    enc = xs.encoder(data)
    p = top.prefix
    wrap = _add_wrap_xf(data, kids, patch, enc, p)
    ours = xs.prefixed("".join(DXFS), p)
    holder = xs.find(kids, "dxfs")
    if holder is None:
        after = ("tableStyles", "colors", "extLst")
        pos = next((k.start for k in kids if k.name in after), top.close_start)
        patch.insert(pos, enc(f'<{p.decode()}dxfs count="{len(DXFS)}">{ours}</{p.decode()}dxfs>'))
        return 0, wrap
    base = sum(1 for d in xs.kids(data, holder) if d.name == "dxf")
    span = xs.attr_value_span(data, holder, "count")
    attrs_end = holder.start + 1 + len(holder.qname) + len(holder.attrs_raw)
    if span:  # counts are shifted, never recomputed, so the shift can be undone exactly
        old = data[span[0]:span[1]]
        patch.replace(*span, str(int(old) + len(DXFS) if old.isdigit() else base + len(
            DXFS)).encode())
    else:
        patch.insert(attrs_end, f' count="{base + len(DXFS)}"'.encode())
    if holder.empty:  # <dxfs count="0"/> opens up
        patch.replace(attrs_end, holder.end, b">" + enc(ours) + b"</" + holder.qname + b">")
    else:
        patch.insert(holder.close_start, enc(ours))
    return base, wrap


def _add_wrap_xf(data: bytes, kids: list, patch, enc, p: bytes) -> int | None:
    """Append the results sheet's wrapped-text cell format to cellXfs (its count shifted, as
    the dxfs' is, so that the splice undoes exactly); its index, or None without a cellXfs."""
    holder = xs.find(kids, "cellXfs")
    if holder is None or holder.empty:
        return None
    base = sum(1 for x in xs.kids(data, holder) if x.name == "xf")
    span = xs.attr_value_span(data, holder, "count")
    if span:
        old = data[span[0]:span[1]]
        patch.replace(*span, str(int(old) + 1 if old.isdigit() else base + 1).encode())
    patch.insert(holder.close_start, enc(xs.prefixed(WRAP_XF, p)))
    return base


def _add_sheet_notes(pkg, book, edits, sheet, index, items, dxf, lang) -> tuple[int, int]:
    """Highlights and notes on one worksheet; (notes, highlighted cells)."""
    data = pkg.read(sheet.part)
    top = xs.root(data)
    kids = xs.kids_from(data, top, "sheetData")  # everything perfxl touches comes after it
    enc = xs.encoder(data)
    merged = _merges(data, kids)
    cells: dict[str, list[Finding]] = defaultdict(list)
    for f in items:
        cells[_anchor(ox.norm_range(f.cell), merged)].append(f)
    # highlights: one conditional format per severity.  They go first and take precedence
    # over the unit's own rules (whose priorities shift down, order kept), so a flagged cell
    # shows perfxl's colour even where the unit's format would paint it too.
    rank = {"error": 0, "warning": 1}
    worst = {c: min(rank.get(f.severity, 9) for f in fs) for c, fs in cells.items()}
    groups = [(k, sorted((c for c, w in worst.items() if w == k), key=ox.range_key))
              for k in rank.values()]
    groups = [(k, refs) for k, refs in groups if refs]
    p = top.prefix.decode()
    xml = [f'<{p}conditionalFormatting sqref="{" ".join(refs)}"><{p}cfRule type="expression" '
           f'dxfId="{dxf + k}" priority="{n}"><{p}formula>{xs.esc(MARK)}</{p}formula>'
           f"</{p}cfRule></{p}conditionalFormatting>" for n, (k, refs) in enumerate(groups, 1)]
    patch = edits.patch(sheet.part)
    if xml:
        for m in priorities(data, kids):
            patch.replace(m.start(1), m.end(1), str(int(m.group(1)) + len(xml)).encode())
        first = xs.find(kids, "conditionalFormatting")
        pos = first.start if first else _position(kids, "conditionalFormatting", top)
        patch.insert(pos, enc("".join(xml)))
    lit = sum(1 for w in worst.values() if w < 9)
    # notes, except on cells that already carry the unit's own note
    rels = pkg.rels(sheet.part)
    comments = next((r for r in rels if r.type.endswith("/comments") and pkg.has(r.target)), None)
    theirs = _comment_cells(pkg.read(comments.target)) if comments else set()
    noted = [(c, fs) for c, fs in sorted(cells.items(), key=lambda x: ox.range_key(x[0]))
             if c.split(":")[0] not in theirs]
    if not noted:
        return 0, lit
    _add_comments(pkg, book, edits, sheet, comments, noted, lang)
    legacy = xs.find(kids, "legacyDrawing")
    vml = next((r for r in rels if legacy is not None and r.id == legacy.get("id")
                and pkg.has(r.target)), None)
    if vml is not None:
        _add_shapes(pkg, edits, vml.target, index, noted)
    else:
        part = ox.free_part(pkg, "xl/drawings/perfxl_vmlDrawing{}.vml")
        _new_shapes(edits, part, index, noted)
        rid = edits.relate(sheet.part, "vmlDrawing", part, book.rel_ns)
        attr = ox.rel_id_attr(data, top, book.rel_ns, rid)
        patch.insert(_position(kids, "legacyDrawing", top), enc(f"<{p}legacyDrawing {attr}/>"))
    return len(noted), lit


def _add_comments(pkg, book, edits, sheet, rel, noted, lang) -> None:
    """The notes on the ``noted`` cells: after the unit's own in the sheet's comments part
    (``rel``), or in a part of perfxl's own when the sheet has none."""
    if rel is None:
        part = ox.free_part(pkg, "xl/perfxl_comments{}.xml")
        body = "".join(_comment(c, fs, 0, lang, "") for c, fs in noted)
        edits.create(part, xs.XML_DECL + (
            f'<comments xmlns="{book.ns}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>").encode(), ox.CT_COMMENTS)
        edits.relate(sheet.part, "comments", part, book.rel_ns)
        return
    data = pkg.read(rel.target)
    top = xs.root(data)
    kids = xs.kids(data, top)
    enc, p = xs.encoder(data), top.prefix.decode()
    patch = edits.patch(rel.target)
    authors = xs.find(kids, "authors")
    aid = sum(1 for a in xs.kids(data, authors) if a.name == "author") if authors else 0
    _append(patch, authors, top.open_end, f"<{p}author>{AUTHOR}</{p}author>", enc, p + "authors")
    body = "".join(_comment(c, fs, aid, lang, p) for c, fs in noted)
    _append(patch, xs.find(kids, "commentList"), authors.end if authors else top.open_end, body,
            enc, p + "commentList")


def _append(patch: xs.Patch, holder: xs.Span | None, where: int, xml: str, enc, qname: str):
    """Add ``xml`` as the last children of ``holder``; a missing holder is made at ``where``,
    an empty one (``<x/>``) opens up."""
    if holder is None:
        patch.insert(where, enc(f"<{qname}>{xml}</{qname}>"))
    elif holder.empty:
        patch.replace(holder.start, holder.end, enc(f"<{qname}>{xml}</{qname}>"))
    else:
        patch.insert(holder.close_start, enc(xml))


def _comment(cell: str, fs: list[Finding], aid: int, lang: str, p: str) -> str:
    text = "\n\n".join(_note_text(f, lang) for f in fs)
    head, tail = _comment_frame(p)
    return (f'<{p}comment ref="{cell.split(":")[0]}" authorId="{aid}">{head}{xs.esc(text)}'
            f"{tail}")


@lru_cache(maxsize=8)
def _comment_frame(p: str) -> tuple[str, str]:
    """A note's markup around its text (the same for every note): the author's name in bold,
    then the text, in 9-point 宋体."""
    font = f'<{p}rPr><{p}sz val="9"/><{p}rFont val="宋体"/><{p}charset val="134"/></{p}rPr>'
    bold = font.replace(f"<{p}sz ", f"<{p}b/><{p}sz ")
    return (f"<{p}text><{p}r>{bold}<{p}t>{AUTHOR}:</{p}t></{p}r><{p}r>{font}"
            f'<{p}t xml:space="preserve">\n', f"</{p}t></{p}r></{p}text></{p}comment>")


def _note_text(f: Finding, lang: str) -> str:
    t = TEXT[lang]
    label = SEVERITY_LABELS[lang][f.severity]
    lines = [f"[{label} {f.code}] {f.message}"]
    if f.expected or f.actual:
        lines.append(f"{t['expected']}：{f.expected}　{t['actual']}：{f.actual}")
    if f.hint:
        lines.append(f"{t['hint']}：{f.hint}")
    return "\n".join(lines)


def _new_shapes(edits, part: str, index: int, noted) -> None:
    # each drawing numbers its shapes in its own block of 1024 (the idmap): take a block no
    # other drawing in the workbook uses
    taken = _idmap_blocks(edits)
    block = index + 1
    while block in taken:
        block += 1
    taken.add(block)
    shapes = "".join(_shape(1024 * block + i + 1, c, fs, i + 1)
                     for i, (c, fs) in enumerate(noted))
    edits.create(part, (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
        f"</o:shapelayout>{_SHAPETYPE}{shapes}</xml>").encode(), ox.CT_VML)


def _idmap_blocks(edits) -> set[int]:
    """The shape-id blocks the workbook's drawings use (read once a run; the caller adds
    the ones it takes)."""
    if edits.vml_blocks is None:
        pkg = edits.pkg
        edits.vml_blocks = {int(n) for name in pkg.parts() if name.endswith(".vml")
                            for m in _IDMAP.finditer(pkg.read(name))
                            for n in m.group(1).split(b",") if n.strip()}
    return edits.vml_blocks


def _add_shapes(pkg, edits, part: str, index: int, noted) -> None:
    """perfxl's note shapes, added after the unit's own in their drawing."""
    data = pkg.read(part)
    top = xs.root(data)
    known = {k: xs.prefix_for(data, top, uri) for k, uri in _VML_NS.items()}
    first = max((int(n) for n in re.findall(rb"_x0000_s(\d+)", data)), default=0)
    if not first:
        m = re.search(rb"idmap[^>]*data=\"(\d+)", data)
        first = 1024 * int(m.group(1) if m else index + 1)
    xml = "" if b"_x0000_t202" in data else _SHAPETYPE
    xml += "".join(_shape(first + i + 1, c, fs, i + 1) for i, (c, fs) in enumerate(noted))
    if any(known[k] != (k + ":").encode() for k in _VML_NS):
        # the drawing binds v/o/x otherwise: declare them on a wrapper of perfxl's own shapes
        decl = " ".join(f'xmlns:{k}="{u}"' for k, u in _VML_NS.items())
        xml = xml.replace("<v:shape ", f"<v:shape {decl} ").replace(
            "<v:shapetype ", f"<v:shapetype {decl} ")
    edits.patch(part).insert(top.close_start, xml.encode("ascii", "xmlcharrefreplace"))


_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
              'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
              '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(sid: int, cell: str, fs: list[Finding], z: int) -> str:
    row, col = ox.parse_cell(cell.split(":")[0])
    lines = sum(2 + len(f.message) // 24 for f in fs)
    height = min(max(lines, 4), 16)
    top = max(row - 1, 0)
    anchor = f"{col + 1}, 15, {top}, 10, {col + 4}, 15, {top + height}, 4"
    return (f'<v:shape id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:80pt;margin-top:2pt;width:200pt;height:{height * 15}pt;z-index:{z};"
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row>"
            f"<x:Column>{col}</x:Column></x:ClientData></v:shape>")



# ---------------------------------------------------------------- small helpers


def _position(kids: list, name: str, top: xs.Span) -> int:
    """Where a new ``name`` child goes: before the first later sibling in schema order."""
    rank = _RANK[name]
    seen_data = False
    for el in kids:
        if el.name == "sheetData":
            seen_data = True
            continue
        if seen_data and _RANK.get(el.name, len(_RANK)) > rank:
            return el.start
    return top.close_start


def _merges(data: bytes, kids: list) -> list[tuple[int, int, int, int]]:
    holder = xs.find(kids, "mergeCells")
    if holder is None:
        return []
    out = []
    for c1, r1, c2, r2 in _MERGE_REF.findall(data, holder.start, holder.end):
        r1 = int(r1)
        out.append((r1 - 1, ox.col_number(c1), int(r2 or r1) - 1, ox.col_number(c2 or c1)))
    return out


def _anchor(ref: str, merged) -> str:
    """A cell inside a merged area is shown (and highlighted) at the area's top-left cell."""
    if ":" in ref:
        return ref
    row, col = ox.parse_cell(ref)
    for r1, c1, r2, c2 in merged:
        if r1 <= row <= r2 and c1 <= col <= c2:
            return f"{ox.col_letter(c1)}{r1 + 1}"
    return ref


def _comment_cells(data: bytes) -> set[str]:
    return {m.group(1).decode().upper()
            for m in re.finditer(rb"<(?:[\w.\-]+:)?comment\s[^>]*?\bref=[\"']([A-Za-z]+\d+)", data)}
