"""Taking perfxl's notes out of a workbook: exactly, or one by one by their marks.

When every part perfxl edited is as it left it, the record kept in the results sheet is
replayed backwards and gives back the original bytes.  Otherwise (the unit saved the workbook
in Excel or LibreOffice) perfxl's things are found by their marks and removed one by one: its
conditional formats, comments and note shapes, differential formats, and the results sheet.
"""

from __future__ import annotations

import hashlib
import json
import re

from perfxl.ooxml import spreadsheet as ox
from perfxl.ooxml import xmlspan as xs
from perfxl.ooxml.opc import Package

from .read import AUTHOR, Book, Sheet, may_hold_marks, outline, priorities, results_sheet, styles

_MARKED = re.compile(rb'(?:"|&quot;)perfxl(?:"|&quot;)')
_STATE = re.compile(rb"<px:state>(.*?)</px:state>", re.S)
_TEXT_RUN = re.compile(rb"<(?:[\w.\-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.\-]+:)?t>", re.S)
_DXF_REF = re.compile(rb"(\s\w*[dD]xfId\s*=\s*[\"'])(\d+)")
_XF_REF = re.compile(rb"(<(?:[\w.\-]+:)?(?:c|row|col)\s[^>]*?\s(?:s|style)\s*=\s*[\"'])(\d+)")  # a cell format used
_TITLE = re.compile(rb"<vt:lpstr>(.*?)</vt:lpstr>", re.S)
_SIZE = re.compile(rb"<vt:vector\s[^>]*?size=\"(\d+)\"")
_COUNT = re.compile(rb"<vt:i4>(\d+)</vt:i4>")


def strip(pkg: Package) -> bool:
    """Take perfxl's notes out of the package; True when there were any."""
    book = outline(pkg)
    hit = results_sheet(pkg, book)
    if hit is not None:
        state = _state(pkg.read(hit[1].part))
        if state is not None and _undo(pkg, state):
            return True
    if hit is None:
        sheets = {s.part.lower() for s in book.sheets} if may_hold_marks(pkg, book) else ()
        if not any(b"perfxl" in pkg.read(name) for name in pkg.parts()
                   if "comment" in name or name in sheets):
            return False  # the common first run: nothing of perfxl's anywhere
    return _strip_found(pkg, book, hit)


def untouched_copy(pkg: Package) -> bool:
    """Whether the package is a copy perfxl wrote and nobody has changed since: its record
    says "copy" and every part perfxl edited or created is as perfxl left it."""
    book = outline(pkg)
    hit = results_sheet(pkg, book)
    state = _state(pkg.read(hit[1].part)) if hit is not None else None
    return bool(state and state.get("copy")) and _as_left(pkg, state)


def _state(data: bytes) -> dict | None:
    m = _STATE.search(data)
    if not m:
        return None
    try:
        return json.loads(xs.unescape(m.group(1)))
    except ValueError:
        return None


def _as_left(pkg: Package, state: dict) -> bool:
    """Whether every part perfxl edited or created is as perfxl left it."""
    parts, created = state.get("parts", {}), state.get("created", {})
    if state.get("v") == 3:  # CRC-32 and size, as the zip's directory gives them
        digest_of = pkg.digest
        key = "digest"
    elif state.get("v") == 2:  # the first notes perfxl wrote kept SHA-1 digests
        def digest_of(part):
            return hashlib.sha1(pkg.read(part)).hexdigest()
        key = "sha1"
    else:
        return False
    if any(not pkg.has(part) or digest_of(part) != entry.get(key) for part, entry in parts.items()):
        return False
    return not any(digest and pkg.has(part) and digest_of(part) != digest
                   for part, digest in created.items())


def _undo(pkg: Package, state: dict) -> bool:
    """Replay the recorded splices backwards, if every edited part is as perfxl left it."""
    if not _as_left(pkg, state):
        return False
    parts, created = state.get("parts", {}), state.get("created", {})
    for part, entry in parts.items():
        pkg.write(part, xs.undo(pkg.read(part), entry["undo"]))
        if isinstance(entry.get("zip"), dict):  # its zip entry as it was: given back too
            pkg.restore_entry(part, entry["zip"])
    for part in created:
        pkg.delete(part)
    return True


def _strip_found(pkg: Package, book: Book, hit) -> bool:
    """Remove perfxl's things found by their marks (the parts were rewritten by someone)."""
    changed, dxfs = False, set()
    for sheet in book.sheets:
        if sheet.part and (hit is None or sheet.part != hit[1].part):
            changed |= _strip_sheet(pkg, sheet.part, dxfs)
    xfs: set[int] = set()
    if hit is not None:
        data = pkg.read(hit[1].part)
        dxfs.update(int(d) for d in re.findall(rb'\sdxfId="(\d+)"', data))
        xfs.update(int(m[1]) for m in _XF_REF.findall(data))
        _drop_results(pkg, book, *hit)
        changed = True
    if dxfs:
        changed |= _drop_dxfs(pkg, book, dxfs)
    if xfs:
        changed |= _drop_xfs(pkg, book, xfs)
    return changed


def _strip_sheet(pkg: Package, part: str, dxfs: set) -> bool:
    data = pkg.read(part)
    rels = pkg.rels(part)
    if b"perfxl" not in data and not any(
            b"perfxl" in pkg.read(r.target) for r in rels
            if r.type.endswith("/comments") and pkg.has(r.target)):
        return False
    top = xs.root(data)
    kids = xs.kids(data, top)
    patch = xs.Patch(data)
    cut = []  # spans of perfxl's rules and their priorities
    for cf in (k for k in kids if k.name == "conditionalFormatting"):
        rules = [r for r in xs.kids(data, cf) if r.name == "cfRule"]
        ours = [r for r in rules if _MARKED.search(data, r.start, r.end)]
        dxfs.update(int(r.get("dxfId")) for r in ours if (r.get("dxfId") or "").isdigit())
        cut += [(r.start, r.end, r.get("priority")) for r in ours]
        if ours and len(ours) == len(rules):
            patch.replace(cf.start, cf.end, b"")
        else:
            for r in ours:
                patch.replace(r.start, r.end, b"")
    _unshift_priorities(data, kids, cut, patch)
    gone_rels, gone_cells = [], set()
    for rel in rels:
        if rel.type.endswith("/comments") and pkg.has(rel.target):
            cells, empty = _strip_comments(pkg, rel.target)
            gone_cells |= cells
            if empty:
                gone_rels.append(rel)
    legacy = xs.find(kids, "legacyDrawing")
    vml = next((r for r in rels if legacy is not None and r.id == legacy.get("id")), None)
    if (vml is not None and gone_cells and pkg.has(vml.target)
            and _strip_vml(pkg, vml.target, gone_cells)):
        gone_rels.append(vml)
        patch.replace(legacy.start, legacy.end, b"")
    ox.drop_rels(pkg, part, gone_rels)
    if patch.edits:
        pkg.write(part, patch.apply()[0])
    return bool(patch.edits or gone_cells)


def _unshift_priorities(data: bytes, kids: list, cut: list, patch: xs.Patch) -> None:
    """perfxl's rules took priorities 1..k and pushed the unit's down by k: if they still
    read so, move the unit's back up."""
    k = len(cut)
    if not k or sorted(str(p) for _s, _e, p in cut) != sorted(str(n) for n in range(1, k + 1)):
        return
    theirs = [m for m in priorities(data, kids)
              if not any(s <= m.start() < e for s, e, _p in cut)]
    if theirs and min(int(m.group(1)) for m in theirs) > k:
        for m in theirs:
            patch.replace(m.start(1), m.end(1), str(int(m.group(1)) - k).encode())


def _strip_comments(pkg: Package, part: str) -> tuple[set, bool]:
    """Drop perfxl's comments (renumbering the others' authors); return their cells and
    whether no comment is left.  Ours are by the author perfxl, or, where a program dropped
    the authors (LibreOffice does), begin with "perfxl:"."""
    data = pkg.read(part)
    kids = xs.kids(data, xs.root(data))
    holder = xs.find(kids, "authors")
    authors = [a for a in xs.kids(data, holder) if a.name == "author"] if holder else []
    ours = [i for i, a in enumerate(authors)
            if xs.unescape(data[a.open_end:a.close_start]) == AUTHOR]
    holder = xs.find(kids, "commentList")
    patch, cells, left = xs.Patch(data), set(), 0
    for c in xs.kids(data, holder) if holder is not None else []:
        aid = int(c.get("authorId", "0") or 0)
        text = "".join(xs.unescape(t) for t in _TEXT_RUN.findall(data, c.open_end, c.close_start))
        if aid in ours or text.startswith(AUTHOR + ":"):
            patch.replace(c.start, c.end, b"")
            cells.add(c.get("ref", "").upper())
            continue
        left += 1
        shift = sum(1 for i in ours if i < aid)
        span = xs.attr_value_span(data, c, "authorId")
        if shift and span:
            patch.replace(*span, str(aid - shift).encode())
    if not cells and not ours:
        return set(), False
    for i in ours:
        patch.replace(authors[i].start, authors[i].end, b"")
    pkg.write(part, patch.apply()[0])
    return cells, left == 0


def _strip_vml(pkg: Package, part: str, cells: set) -> bool:
    """Drop the note shapes of ``cells``; True when no shape is left."""
    data = pkg.read(part)
    top = xs.root(data)
    patch, left = xs.Patch(data), 0
    where = {ox.parse_cell(c) for c in cells}
    for shape in xs.kids(data, top):
        if shape.name != "shape":
            continue
        body = data[shape.start:shape.end]
        row = re.search(rb"<(?:\w+:)?Row>\s*(\d+)\s*<", body)
        col = re.search(rb"<(?:\w+:)?Column>\s*(\d+)\s*<", body)
        if b"Note" in body and row and col and (int(row[1]), int(col[1])) in where:
            patch.replace(shape.start, shape.end, b"")
        else:
            left += 1
    pkg.write(part, patch.apply()[0])
    return left == 0


def _drop_results(pkg: Package, book: Book, index: int, sheet: Sheet) -> None:
    """Remove the results sheet from workbook.xml, shifting sheet indexes back."""
    data = book.data
    patch = xs.Patch(data)
    patch.replace(sheet.span.start, sheet.span.end, b"")
    names = xs.find(book.kids, "definedNames")
    if names is not None:
        items = xs.kids(data, names)
        dropped = 0
        for dn in items:
            span = xs.attr_value_span(data, dn, "localSheetId")
            if span and int(data[span[0]:span[1]]) == index:
                patch.replace(dn.start, dn.end, b"")
                dropped += 1
            elif span and int(data[span[0]:span[1]]) > index:
                patch.replace(*span, str(int(data[span[0]:span[1]]) - 1).encode())
        if dropped == len(items):
            patch.replace(names.start, names.end, b"")
    views = xs.find(book.kids, "bookViews")
    for view in xs.kids(data, views) if views else []:
        for attr in ("activeTab", "firstSheet"):
            span = xs.attr_value_span(data, view, attr)
            if span and int(data[span[0]:span[1]]) > index:
                patch.replace(*span, str(int(data[span[0]:span[1]]) - 1).encode())
    pkg.write(book.part, patch.apply()[0])
    ox.drop_rels(pkg, sheet.part, pkg.rels(sheet.part))  # printer settings a program added
    ox.drop_rels(pkg, book.part, [r for r in book.rels if r.id == sheet.rid])
    _drop_title(pkg, sheet.name)


def _drop_title(pkg: Package, name: str) -> None:
    """Take the sheet's name out of docProps/app.xml, where Excel lists the sheets it saved."""
    rel = next((r for r in pkg.rels("") if r.type.endswith("/extended-properties")), None)
    data = pkg.read(rel.target) if rel is not None and pkg.has(rel.target) else b""
    titles = re.search(rb"<TitlesOfParts>.*?</TitlesOfParts>", data, re.S)
    pairs = re.search(rb"<HeadingPairs>.*?</HeadingPairs>", data, re.S)
    if not titles or not pairs:
        return
    items = list(_TITLE.finditer(data, titles.start(), titles.end()))
    index = next((i for i, m in enumerate(items) if xs.unescape(m.group(1)) == name), None)
    if index is None:
        return
    patch = xs.Patch(data)
    patch.replace(items[index].start(), items[index].end(), b"")
    size = _SIZE.search(data, titles.start(), titles.end())
    if size:
        patch.replace(size.start(1), size.end(1), str(int(size.group(1)) - 1).encode())
    seen = 0  # the heading pairs count the titles group by group (sheets, then names)
    for count in _COUNT.finditer(data, pairs.start(), pairs.end()):
        seen += int(count.group(1))
        if index < seen:
            patch.replace(count.start(1), count.end(1), str(int(count.group(1)) - 1).encode())
            break
    pkg.write(rel.target, patch.apply()[0])


def _style_list(pkg: Package, book: Book, holder_name: str, item_name: str):
    """One list of styles.xml (``dxfs`` of ``dxf``, ``cellXfs`` of ``xf``): the part's name and
    bytes, the root's children, the list and its items; None when there is no such list."""
    found = styles(pkg, book)
    if found is None:
        return None
    part, data, _top, kids = found
    holder = xs.find(kids, holder_name)
    if holder is None:
        return None
    return part, data, kids, holder, [x for x in xs.kids(data, holder) if x.name == item_name]


def _drop_dxfs(pkg: Package, book: Book, ours: set) -> bool:
    """Remove perfxl's differential formats that nothing else uses.  A program that re-saved
    the workbook may have put them before the unit's own (LibreOffice does), so every
    reference to a later one is renumbered."""
    found = _style_list(pkg, book, "dxfs", "dxf")
    if found is None:
        return False
    part, data, kids, holder, items = found
    styles_refs = xs.find(kids, "tableStyles")  # the only place in styles.xml using dxf ids
    others = [n for n in pkg.parts() if n.startswith("xl/") and n.endswith(".xml")
              and n != part.lower() and "sharedstrings" not in n]
    used = {int(m[1]) for name in others for m in _DXF_REF.findall(pkg.read(name))}
    if styles_refs is not None:
        used.update(int(m[1]) for m in _DXF_REF.findall(data, styles_refs.start, styles_refs.end))
    gone = sorted(i for i in ours if i < len(items) and i not in used)
    if not gone:
        return False
    patch, new_index = _cut(data, holder, items, gone)

    def renumber(m):
        return m.group(1) + str(new_index.get(int(m.group(2)), m.group(2))).encode()

    if styles_refs is not None:
        patch.replace(styles_refs.start, styles_refs.end,
                      _DXF_REF.sub(renumber, data[styles_refs.start:styles_refs.end]))
    pkg.write(part, patch.apply()[0])
    if any(new != old for old, new in new_index.items()):  # some moved down
        for name in others:
            text = pkg.read(name)
            if _DXF_REF.search(text):
                pkg.write(name, _DXF_REF.sub(renumber, text))
    return True


def _drop_xfs(pkg: Package, book: Book, ours: set) -> bool:
    """Remove the results sheet's wrapped-text cell format (the cell formats its cells used that
    wrap text and that no other sheet uses), renumbering the cells that use a later one."""
    book.styles = None  # styles.xml may have changed since it was last taken apart
    found = _style_list(pkg, book, "cellXfs", "xf")
    if found is None:
        return False
    part, data, _kids, holder, items = found
    sheets = [s.part for s in book.sheets if s.part and pkg.has(s.part)]
    used = {int(m[1]) for name in sheets for m in _XF_REF.findall(pkg.read(name))}
    gone = sorted(i for i in ours if 0 < i < len(items) and i not in used
                  and b'wrapText="1"' in data[items[i].start:items[i].end])
    if not gone:
        return False
    patch, new_index = _cut(data, holder, items, gone)
    pkg.write(part, patch.apply()[0])
    if any(new != old for old, new in new_index.items()):  # a later format moved down
        def renumber(m):
            return m.group(1) + str(new_index.get(int(m.group(2)), m.group(2))).encode()

        for name in sheets:
            text = pkg.read(name)
            pkg.write(name, _XF_REF.sub(renumber, text))
    return True


def _cut(data: bytes, holder: xs.Span, items: list, gone: list[int]) -> tuple[xs.Patch, dict[int, int]]:
    """A patch taking the ``gone`` children (by index) out of ``holder``, its count lowered to
    match, and where each child that stays now stands."""
    new_index, n = {}, 0
    for i in range(len(items)):
        if i not in gone:
            new_index[i], n = n, n + 1
    patch = xs.Patch(data)
    for i in gone:
        patch.replace(items[i].start, items[i].end, b"")
    span = xs.attr_value_span(data, holder, "count")
    if span:
        patch.replace(*span, str(len(items) - len(gone)).encode())
    return patch, new_index
