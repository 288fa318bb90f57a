"""Findings written back into the workbook they are about, and taken out again.

What perfxl adds, and how it knows its own:

* a results sheet, first, named 校验结果: its ``sheetPr codeName`` is ``perfxl`` (left out in
  .xlsm files, where a code name means a VBA module) and its header row carries the hidden
  columns 规则代码/字段, so it is found again even after Excel or LibreOffice re-saved it;
* a note on each flagged cell, written by the author ``perfxl`` (in the sheet's own comments
  part when the unit has notes there, beside theirs);
* a highlight that is a conditional format whose formula carries the mark ``N("perfxl")=0``,
  styled by differential formats appended last to styles.xml, so the cell's own style is never
  touched.

Every edit to a part perfxl does not own is a splice recorded with the bytes it replaced, and
the record (plus a digest of each edited part) is kept in the results sheet.  Taking the notes
out replays the record backwards, which gives back the original bytes, as long as nobody else
rewrote the parts meanwhile; if someone did (the unit saved in Excel), perfxl finds its things by
the marks above and removes them one by one instead.  Annotating is always: take out the old
notes, then write the new ones, so doing it twice gives the same bytes as doing it once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ooxml as ox
from .atomic import atomic_write
from .errors import PerfxlError, UnreadableWorkbook
from .findings import SEVERITY_LABELS, Finding, sort_findings

AUTHOR = "perfxl"
CODE_NAME = "perfxl"
MARK = 'N("perfxl")=0'  # always true; says "this conditional format is perfxl's"
_MARKED = re.compile(rb'(?:"|&quot;)perfxl(?:"|&quot;)')
STATE_URI = "{8E6C1F0A-3B57-4C2D-9A61-7065726678C1}"
_STATE = re.compile(rb"<px:state>(.*?)</px:state>", re.S)
RESULT_NAMES = {"zh": "校验结果", "en": "Check results"}
HEADERS = {
    "zh": ["序号", "级别", "规则", "工作表", "单元格", "问题", "应为", "实际", "说明", "状态",
           "规则代码", "字段"],
    "en": ["No.", "Severity", "Rule", "Sheet", "Cell", "Problem", "Expected", "Actual",
           "Explanation", "Status", "Code", "Field"],
}
TEXT = {
    "zh": {"title": "财政支出绩效自评校验结果", "checked": "校验时间", "error": "错误",
           "open": "警告（未说明）", "explained": "警告（已说明）", "info": "提示",
           "todo": "未解决", "done": "已说明", "expected": "应为", "actual": "实际",
           "hint": "提示",
           "help": "请在“说明”列写明警告的原因，保存后再次校验即记为已说明；"
                   "错误须改正表内数据，不能以说明代替。"},
    "en": {"title": "Performance self-evaluation: check results", "checked": "Checked at",
           "error": "Errors", "open": "Warnings (open)", "explained": "Warnings (explained)",
           "info": "Notes", "todo": "open", "done": "explained", "expected": "expected",
           "actual": "actual", "hint": "hint",
           "help": "Write the reason for a warning in the Explanation column and save; the next "
                   "check marks it explained. Errors must be corrected, not explained."},
}
WIDTHS = [6, 8, 20, 14, 9, 44, 12, 12, 32, 9, 12, 16]
HEADER_ROW = 9
# Highlight colours and the results sheet's looks, as differential formats (dxf) appended to
# styles.xml in this order: error, warning, heading, input column, link.
DXFS = (
    '<dxf><font><color rgb="FF9C0006"/></font>'
    '<fill><patternFill><bgColor rgb="FFFFC7CE"/></patternFill></fill></dxf>',
    '<dxf><font><color rgb="FF9C5700"/></font>'
    '<fill><patternFill><bgColor rgb="FFFFEB9C"/></patternFill></fill></dxf>',
    '<dxf><font><b/></font><fill><patternFill><bgColor rgb="FFD9E1F2"/></patternFill></fill></dxf>',
    '<dxf><fill><patternFill><bgColor rgb="FFE2EFDA"/></patternFill></fill></dxf>',
    '<dxf><font><u/><color rgb="FF0563C1"/></font></dxf>',
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
_TEXT_RUN = re.compile(rb"<(?:[\w.\-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.\-]+:)?t>", re.S)
_CODE_NAME = re.compile(rb"<(?:[\w.\-]+:)?sheetPr\b[^>]*?\scodeName=[\"']"
                        + CODE_NAME.encode() + rb"[\"']")
_DXF_REF = re.compile(rb"(\s\w*[dD]xfId\s*=\s*[\"'])(\d+)")
_MERGE_REF = re.compile(
    rb"\sref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?")
_TITLE = re.compile(rb"<vt:lpstr>(.*?)</vt:lpstr>", re.S)
_SIZE = re.compile(rb"<vt:vector\s[^>]*?size=\"(\d+)\"")
_COUNT = re.compile(rb"<vt:i4>(\d+)</vt:i4>")
_IDMAP = re.compile(rb"<o:idmap\b[^>]*?\sdata=[\"']([\d,\s]+)")
_PRIORITY = re.compile(rb"\spriority\s*=\s*[\"'](\d+)")
_LOCAL_ID = re.compile(rb"\slocalSheetId\s*=\s*[\"'](\d+)")
_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}


@dataclass
class AnnotateResult:
    path: Path  # the file written (the input itself unless ``out`` was given)
    errors: int = 0
    warnings: int = 0  # warnings still open
    explained: int = 0  # warnings the unit explained
    infos: int = 0
    comments: int = 0  # cells that got a note
    highlights: int = 0  # cells highlighted
    explanations: dict = field(default_factory=dict)  # (code, field) -> text, honoured
    rejected: dict = field(default_factory=dict)  # explanations typed for errors: not honoured
    findings: list = field(default_factory=list)  # the findings, ``explained`` filled in
    changed: bool = False  # whether the file's bytes changed


# ---------------------------------------------------------------- public API


def annotate_workbook(path, findings: list[Finding], *, out: Path | None = None,
                      checked_at: str, lang: str = "zh", durable: bool = True) -> AnnotateResult:
    """Write ``findings`` into the workbook at ``path`` (in place, or a copy in ``out``)."""
    path = Path(path)
    dest = _dest(path, out)
    with _opened(path) as pkg:
        typed = _explanations(pkg)
        _strip(pkg)
        result = _add(pkg, findings, typed, checked_at, lang)
        result.path = dest
        result.changed = pkg.changed
        if result.changed or dest != path:
            atomic_write(dest, pkg.save, durable=durable)
    return result


def read_explanations(path) -> dict[tuple[str, str], str]:
    """The explanations typed into an annotated workbook's results sheet, by (code, field)."""
    with _opened(Path(path)) as pkg:
        return _explanations(pkg)


def clean_workbook(path, *, out=None, keep_explanations: bool = False) -> bool:
    """Remove every note perfxl wrote; True when the workbook changed.

    With ``keep_explanations`` the results sheet stays, listing only the findings the unit
    explained, so a later check still finds the explanations."""
    path = Path(path)
    dest = _dest(path, out)
    with _opened(path) as pkg:
        kept = _read_results(pkg) if keep_explanations else None
        _strip(pkg)
        if kept and kept["rows"]:
            rows = [r for r in kept["rows"] if r["explanation"]]
            if rows:
                findings = [_row_finding(r, path.name) for r in rows]
                typed = {(r["code"], r["field"]): r["explanation"] for r in rows}
                _add(pkg, findings, typed, kept["checked_at"], kept["lang"], notes=False)
        changed = pkg.changed
        if changed or dest != path:
            atomic_write(dest, pkg.save)
    return changed


@contextmanager
def _opened(path: Path):
    """The package at ``path``; errors found deep inside it are reported with the file."""
    try:
        with ox.Package(path) as pkg:
            yield pkg
    except PerfxlError as exc:
        if exc.path is None:
            exc.path = str(path)
        raise


def _dest(path: Path, out) -> Path:
    """Where to write: ``out`` is a folder (same file name inside) or, when it names a
    workbook file, the copy itself."""
    if out is None:
        return path
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm") or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        out = out / path.name
    same = os.path.abspath(out) == os.path.abspath(path) or (
        out.exists() and os.path.samefile(out, path))
    return path if same else out


# ---------------------------------------------------------------- the workbook's outline


@dataclass
class Sheet:
    name: str
    part: str  # "" for a sheet whose part is missing or not a worksheet
    rid: str
    span: ox.Span


@dataclass
class Book:
    part: str
    data: bytes
    top: ox.Span
    kids: list
    sheets: list[Sheet]
    ns: str  # main namespace (transitional or strict)
    rel_ns: str
    rels: list

    def target(self, kind: str) -> str | None:
        return next((r.target for r in self.rels if r.type.endswith("/" + kind)), None)


def _book(pkg: ox.Package) -> Book:
    part = pkg.main_part()
    data = pkg.read(part)
    cached = getattr(pkg, "_perfxl_book", None)
    if cached is not None and cached.data is data:  # workbook.xml unchanged since parsed
        return cached
    top = ox.root(data)
    kids = ox.kids(data, top)
    strict = ox.prefix_for(data, top, ox.NS_MAIN_STRICT) is not None
    rels = pkg.rels(part)
    by_id = {r.id: r for r in rels}
    sheets = []
    holder = ox.find(kids, "sheets")
    for el in ox.kids(data, holder) if holder else []:
        if el.name != "sheet":
            continue
        rel = by_id.get(el.get("id", ""))
        ok = rel is not None and rel.type.endswith("/worksheet") and pkg.has(rel.target)
        sheets.append(Sheet(el.get("name", ""), rel.target if ok else "", el.get("id", ""), el))
    pkg._perfxl_book = Book(part, data, top, kids, sheets,
                            ox.NS_MAIN_STRICT if strict else ox.NS_MAIN,
                            ox.NS_REL_STRICT if strict else ox.NS_REL, rels)
    return pkg._perfxl_book


def _results_sheet(pkg: ox.Package, book: Book) -> tuple[int, Sheet] | None:
    """perfxl's results sheet: by its code name, or by its name and header row."""
    for i, sheet in enumerate(book.sheets):
        data = pkg.read(sheet.part) if sheet.part else b""
        if data.find(b"codeName", 0, 4096) >= 0 and _CODE_NAME.search(data, 0, 4096):
            return i, sheet
    for i, sheet in enumerate(book.sheets):
        if sheet.part and sheet.name.startswith(tuple(RESULT_NAMES.values())):
            texts = ox.sheet_texts(pkg, sheet.part, book.target("sharedStrings"))
            if _header(texts) is not None:
                return i, sheet
    return None


# ---------------------------------------------------------------- reading the results sheet


def _explanations(pkg: ox.Package) -> dict[tuple[str, str], str]:
    found = _read_results(pkg)
    if not found:
        return {}
    return {(r["code"], r["field"]): r["explanation"] for r in found["rows"] if r["explanation"]}


def _read_results(pkg: ox.Package) -> dict | None:
    book = _book(pkg)
    hit = _results_sheet(pkg, book)
    if hit is None:
        return None
    cells = ox.sheet_texts(pkg, hit[1].part, book.target("sharedStrings"))
    head = _header(cells)
    if head is None:
        return None
    row_no, lang, col = head
    names = HEADERS[lang]
    rows = []
    for r in sorted(k for k in cells if k > row_no):
        line = cells[r]
        get = {n: line.get(col.get(n), "").strip() for n in names}
        code = get[names[10]] or get[names[2]].split(" ")[0]
        if not code:
            continue
        rows.append({
            "severity": _severity(get[names[1]]), "code": code,
            "name": get[names[2]].partition(" ")[2], "sheet": get[names[3]],
            "cell": get[names[4]], "message": get[names[5]], "expected": get[names[6]],
            "actual": get[names[7]], "explanation": get[names[8]],
            "field": get[names[11]] if names[11] in col else get[names[4]],
        })
    checked = next((v for ln in cells.values() if ln.get(0) == TEXT[lang]["checked"]
                    for c, v in sorted(ln.items()) if c and v), "")
    return {"rows": rows, "checked_at": checked, "lang": lang}


def _severity(label: str) -> str:
    for labels in SEVERITY_LABELS.values():
        for sev, text in labels.items():
            if label == text:
                return sev
    return "warning"


def _row_finding(row: dict, workbook: str) -> Finding:
    return Finding(workbook, row["sheet"], row["cell"], row["code"], row["name"],
                   row["severity"], row["message"], row["expected"], row["actual"],
                   field=row["field"] if row["field"] != row["cell"] else "")


def _header(cells: dict) -> tuple[int, str, dict] | None:
    for r in sorted(cells):
        texts = {v: c for c, v in cells[r].items()}
        for lang, names in HEADERS.items():
            if names[8] in texts and names[10] in texts:
                return r, lang, {n: texts[n] for n in names if n in texts}
    return None


# ---------------------------------------------------------------- taking perfxl's notes out


def _strip(pkg: ox.Package) -> bool:
    book = _book(pkg)
    hit = _results_sheet(pkg, book)
    if hit is not None:
        state = _state(pkg.read(hit[1].part))
        if state is not None and _undo(pkg, state):
            return True
    if hit is None and not any(b"perfxl" in pkg.read(name) for name in pkg.parts()
                               if "comment" in name or name in {s.part.lower() for s in book.sheets}):
        return False  # the common first run: nothing of perfxl's anywhere
    return _strip_found(pkg, book, hit)


def _state(data: bytes) -> dict | None:
    m = _STATE.search(data)
    if not m:
        return None
    try:
        return json.loads(ox.unescape(m.group(1)))
    except ValueError:
        return None


def _undo(pkg: ox.Package, state: dict) -> bool:
    """Replay the recorded splices backwards, if every edited part is as perfxl left it."""
    parts, created = state.get("parts", {}), state.get("created", {})
    if state.get("v") != 2:
        return False
    for part, entry in parts.items():
        if not pkg.has(part) or hashlib.sha1(pkg.read(part)).hexdigest() != entry["sha1"]:
            return False
    for part, digest in created.items():
        if digest and pkg.has(part) and hashlib.sha1(pkg.read(part)).hexdigest() != digest:
            return False
    for part, entry in parts.items():
        pkg.write(part, ox.undo(pkg.read(part), entry["undo"]))
    for part in created:
        pkg.delete(part)
    return True


def _strip_found(pkg: ox.Package, book: Book, hit) -> bool:
    """Remove perfxl's things found by their marks (the parts were rewritten by someone)."""
    changed, dxfs = False, set()
    for sheet in book.sheets:
        if sheet.part and (hit is None or sheet.part != hit[1].part):
            changed |= _strip_sheet(pkg, sheet.part, dxfs)
    if hit is not None:
        data = pkg.read(hit[1].part)
        dxfs.update(int(d) for d in re.findall(rb'\sdxfId="(\d+)"', data))
        _drop_results(pkg, book, *hit)
        changed = True
    if dxfs:
        changed |= _drop_dxfs(pkg, book, dxfs)
    return changed


def _strip_sheet(pkg: ox.Package, part: str, dxfs: set) -> bool:
    data = pkg.read(part)
    rels = pkg.rels(part)
    if b"perfxl" not in data and not any(
            b"perfxl" in pkg.read(r.target) for r in rels
            if r.type.endswith("/comments") and pkg.has(r.target)):
        return False
    top = ox.root(data)
    kids = ox.kids(data, top)
    patch = ox.Patch(data)
    cut = []  # spans of perfxl's rules and their priorities
    for cf in (k for k in kids if k.name == "conditionalFormatting"):
        rules = [r for r in ox.kids(data, cf) if r.name == "cfRule"]
        ours = [r for r in rules if _MARKED.search(data, r.start, r.end)]
        dxfs.update(int(r.get("dxfId")) for r in ours if (r.get("dxfId") or "").isdigit())
        cut += [(r.start, r.end, r.get("priority")) for r in ours]
        if ours and len(ours) == len(rules):
            patch.replace(cf.start, cf.end, b"")
        else:
            for r in ours:
                patch.replace(r.start, r.end, b"")
    _unshift_priorities(data, top, cut, patch)
    gone_rels, gone_cells = [], set()
    for rel in rels:
        if rel.type.endswith("/comments") and pkg.has(rel.target):
            cells, empty = _strip_comments(pkg, rel.target)
            gone_cells |= cells
            if empty:
                gone_rels.append(rel)
    legacy = ox.find(kids, "legacyDrawing")
    vml = next((r for r in rels if legacy is not None and r.id == legacy.get("id")), None)
    if (vml is not None and gone_cells and pkg.has(vml.target)
            and _strip_vml(pkg, vml.target, gone_cells)):
        gone_rels.append(vml)
        patch.replace(legacy.start, legacy.end, b"")
    ox.drop_rels(pkg, part, gone_rels)
    if patch.edits:
        pkg.write(part, patch.apply()[0])
    return bool(patch.edits or gone_cells)


def _unshift_priorities(data: bytes, top: ox.Span, cut: list, patch: ox.Patch) -> None:
    """perfxl's rules took priorities 1..k and pushed the unit's down by k: if they still
    read so, move the unit's back up."""
    k = len(cut)
    if not k or sorted(str(p) for _s, _e, p in cut) != sorted(str(n) for n in range(1, k + 1)):
        return
    theirs = [m for m in _PRIORITY.finditer(data, top.open_end, top.close_start)
              if not any(s <= m.start() < e for s, e, _p in cut)]
    if theirs and min(int(m.group(1)) for m in theirs) > k:
        for m in theirs:
            patch.replace(m.start(1), m.end(1), str(int(m.group(1)) - k).encode())


def _strip_comments(pkg: ox.Package, part: str) -> tuple[set, bool]:
    """Drop perfxl's comments (renumbering the others' authors); return their cells and
    whether no comment is left.  Ours are by the author perfxl, or, where a program dropped
    the authors (LibreOffice does), begin with "perfxl:"."""
    data = pkg.read(part)
    kids = ox.kids(data, ox.root(data))
    holder = ox.find(kids, "authors")
    authors = [a for a in ox.kids(data, holder) if a.name == "author"] if holder else []
    ours = [i for i, a in enumerate(authors)
            if ox.unescape(data[a.open_end:a.close_start]) == AUTHOR]
    holder = ox.find(kids, "commentList")
    patch, cells, left = ox.Patch(data), set(), 0
    for c in ox.kids(data, holder) if holder is not None else []:
        aid = int(c.get("authorId", "0") or 0)
        text = "".join(ox.unescape(t) for t in _TEXT_RUN.findall(data, c.open_end, c.close_start))
        if aid in ours or text.startswith(AUTHOR + ":"):
            patch.replace(c.start, c.end, b"")
            cells.add(c.get("ref", "").upper())
            continue
        left += 1
        shift = sum(1 for i in ours if i < aid)
        span = ox.attr_value_span(data, c, "authorId")
        if shift and span:
            patch.replace(*span, str(aid - shift).encode())
    if not cells and not ours:
        return set(), False
    for i in ours:
        patch.replace(authors[i].start, authors[i].end, b"")
    pkg.write(part, patch.apply()[0])
    return cells, left == 0


def _strip_vml(pkg: ox.Package, part: str, cells: set) -> bool:
    """Drop the note shapes of ``cells``; True when no shape is left."""
    data = pkg.read(part)
    top = ox.root(data)
    patch, left = ox.Patch(data), 0
    where = {ox.parse_cell(c) for c in cells}
    for shape in ox.kids(data, top):
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


def _drop_results(pkg: ox.Package, book: Book, index: int, sheet: Sheet) -> None:
    """Remove the results sheet from workbook.xml, shifting sheet indexes back."""
    data = book.data
    patch = ox.Patch(data)
    patch.replace(sheet.span.start, sheet.span.end, b"")
    names = ox.find(book.kids, "definedNames")
    if names is not None:
        items = ox.kids(data, names)
        dropped = 0
        for dn in items:
            span = ox.attr_value_span(data, dn, "localSheetId")
            if span and int(data[span[0]:span[1]]) == index:
                patch.replace(dn.start, dn.end, b"")
                dropped += 1
            elif span and int(data[span[0]:span[1]]) > index:
                patch.replace(*span, str(int(data[span[0]:span[1]]) - 1).encode())
        if dropped == len(items):
            patch.replace(names.start, names.end, b"")
    views = ox.find(book.kids, "bookViews")
    for view in ox.kids(data, views) if views else []:
        for attr in ("activeTab", "firstSheet"):
            span = ox.attr_value_span(data, view, attr)
            if span and int(data[span[0]:span[1]]) > index:
                patch.replace(*span, str(int(data[span[0]:span[1]]) - 1).encode())
    pkg.write(book.part, patch.apply()[0])
    ox.drop_rels(pkg, sheet.part, pkg.rels(sheet.part))  # printer settings a program added
    ox.drop_rels(pkg, book.part, [r for r in book.rels if r.id == sheet.rid])
    _drop_title(pkg, sheet.name)


def _drop_title(pkg: ox.Package, name: str) -> None:
    """Take the sheet's name out of docProps/app.xml, where Excel lists the sheets it saved."""
    rel = next((r for r in pkg.rels("") if r.type.endswith("/extended-properties")), None)
    data = pkg.read(rel.target) if rel is not None and pkg.has(rel.target) else b""
    titles = re.search(rb"<TitlesOfParts>.*?</TitlesOfParts>", data, re.S)
    pairs = re.search(rb"<HeadingPairs>.*?</HeadingPairs>", data, re.S)
    if not titles or not pairs:
        return
    items = list(_TITLE.finditer(data, titles.start(), titles.end()))
    index = next((i for i, m in enumerate(items) if ox.unescape(m.group(1)) == name), None)
    if index is None:
        return
    patch = ox.Patch(data)
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


def _drop_dxfs(pkg: ox.Package, book: Book, ours: set) -> bool:
    """Remove perfxl's differential formats that nothing else uses.  A program that re-saved
    the workbook may have put them before the unit's own (LibreOffice does), so every
    reference to a later one is renumbered."""
    part = book.target("styles")
    if not part or not pkg.has(part):
        return False
    data = pkg.read(part)
    kids = ox.kids(data, ox.root(data))
    holder = ox.find(kids, "dxfs")
    if holder is None:
        return False
    items = [d for d in ox.kids(data, holder) if d.name == "dxf"]
    styles_refs = ox.find(kids, "tableStyles")  # the only place in styles.xml using dxf ids
    others = [n for n in pkg.parts() if n.startswith("xl/") and n.endswith(".xml")
              and n != part.lower() and "sharedstrings" not in n]
    used = {int(m[1]) for name in others for m in _DXF_REF.findall(pkg.read(name))}
    if styles_refs is not None:
        used.update(int(m[1]) for m in _DXF_REF.findall(data, styles_refs.start, styles_refs.end))
    gone = sorted(i for i in ours if i < len(items) and i not in used)
    if not gone:
        return False
    new_index, n = {}, 0
    for i in range(len(items)):
        if i not in gone:
            new_index[i], n = n, n + 1

    def renumber(m):
        return m.group(1) + str(new_index.get(int(m.group(2)), m.group(2))).encode()

    patch = ox.Patch(data)
    for i in gone:
        patch.replace(items[i].start, items[i].end, b"")
    span = ox.attr_value_span(data, holder, "count")
    if span:
        patch.replace(*span, str(len(items) - len(gone)).encode())
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


# ---------------------------------------------------------------- writing the notes


def _add(pkg, findings, typed, checked_at, lang, notes=True) -> AnnotateResult:
    lang = lang if lang in HEADERS else "zh"
    book = _book(pkg)
    edits = ox.Edits(pkg)
    findings, result = _explain(findings, typed)
    dxf = _add_dxfs(pkg, book, edits)
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
    _add_results(pkg, book, edits, findings, result, dxf, checked_at, lang)
    result.findings = findings
    return result


def _explain(findings, typed) -> tuple[list[Finding], AnnotateResult]:
    """Honour explanations for warnings (and notes); never for errors."""
    result = AnnotateResult(Path())
    out = []
    for f in sort_findings(findings):
        text = (typed.get(f.key) or f.explained or "").strip()
        if f.is_error:
            if text:
                result.rejected[f.key] = text
            if f.explained:
                f = replace(f, explained="")
            result.errors += 1
        else:
            if f.explained != text:
                f = replace(f, explained=text)
            if text:
                result.explanations[f.key] = text
            if f.severity == "info":
                result.infos += 1
            elif text:
                result.explained += 1
            else:
                result.warnings += 1
        out.append(f)
    return out, result


def _add_dxfs(pkg: ox.Package, book: Book, edits: ox.Edits) -> int:
    """Append perfxl's differential formats to styles.xml; the index of the first."""
    part = book.target("styles")
    if not part or not pkg.has(part):
        raise UnreadableWorkbook("工作簿缺少样式部件 styles.xml", path=str(pkg.path),
                                 message_en="the workbook has no styles part")
    data = pkg.read(part)
    top = ox.root(data)
    kids = ox.kids(data, top)
    patch = edits.patch(part)
    enc = ox.encoder(data)
    p = top.prefix
    ours = ox.prefixed("".join(DXFS), p)
    holder = ox.find(kids, "dxfs")
    if holder is None:
        after = ("tableStyles", "colors", "extLst")
        pos = next((k.start for k in kids if k.name in after), top.close_start)
        patch.insert(pos, enc(f'<{p.decode()}dxfs count="{len(DXFS)}">{ours}</{p.decode()}dxfs>'))
        return 0
    base = sum(1 for d in ox.kids(data, holder) if d.name == "dxf")
    span = ox.attr_value_span(data, holder, "count")
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
    return base


def _add_sheet_notes(pkg, book, edits, sheet, index, items, dxf, lang) -> tuple[int, int]:
    """Highlights and notes on one worksheet; (notes, highlighted cells)."""
    data = pkg.read(sheet.part)
    top = ox.root(data)
    kids = ox.kids(data, top)
    enc = ox.encoder(data)
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
           f'dxfId="{dxf + k}" priority="{n}"><{p}formula>{ox.esc(MARK)}</{p}formula>'
           f"</{p}cfRule></{p}conditionalFormatting>" for n, (k, refs) in enumerate(groups, 1)]
    patch = edits.patch(sheet.part)
    if xml:
        data_end = next((k.end for k in kids if k.name == "sheetData"), top.open_end)
        for m in _PRIORITY.finditer(data, data_end, top.close_start):
            patch.replace(m.start(1), m.end(1), str(int(m.group(1)) + len(xml)).encode())
        first = ox.find(kids, "conditionalFormatting")
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
    legacy = ox.find(kids, "legacyDrawing")
    vml = next((r for r in rels if legacy is not None and r.id == legacy.get("id")
                and pkg.has(r.target)), None)
    if vml is not None:
        _add_shapes(pkg, edits, vml.target, index, noted)
    else:
        part = ox.free_part(pkg, "xl/drawings/perfxl_vmlDrawing{}.vml")
        _new_shapes(edits, part, index, noted)
        rid = edits.relate(sheet.part, "vmlDrawing", part, book.rel_ns)
        rp = ox.prefix_for(data, top, book.rel_ns)
        attr = f'{rp.decode()}id="{rid}"' if rp else f'xmlns:r="{book.rel_ns}" r:id="{rid}"'
        patch.insert(_position(kids, "legacyDrawing", top), enc(f"<{p}legacyDrawing {attr}/>"))
    return len(noted), lit


def _add_comments(pkg, book, edits, sheet, rel, noted, lang) -> None:
    if rel is None:
        part = ox.free_part(pkg, "xl/perfxl_comments{}.xml")
        body = "".join(_comment(c, fs, 0, lang, "") for c, fs in noted)
        edits.create(part, ox.XML_DECL + (
            f'<comments xmlns="{book.ns}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>").encode(), ox.CT_COMMENTS)
        edits.relate(sheet.part, "comments", part, book.rel_ns)
        return
    data = pkg.read(rel.target)
    top = ox.root(data)
    kids = ox.kids(data, top)
    enc, p = ox.encoder(data), top.prefix.decode()
    patch = edits.patch(rel.target)
    authors = ox.find(kids, "authors")
    aid = sum(1 for a in ox.kids(data, authors) if a.name == "author") if authors else 0
    author = f"<{p}author>{AUTHOR}</{p}author>"
    if authors is None:
        patch.insert(top.open_end, enc(f"<{p}authors>{author}</{p}authors>"))
    elif authors.empty:
        patch.replace(authors.start, authors.end, enc(f"<{p}authors>{author}</{p}authors>"))
    else:
        patch.insert(authors.close_start, enc(author))
    body = "".join(_comment(c, fs, aid, lang, p) for c, fs in noted)
    holder = ox.find(kids, "commentList")
    if holder is None:
        pos = authors.end if authors is not None else top.open_end
        patch.insert(pos, enc(f"<{p}commentList>{body}</{p}commentList>"))
    elif holder.empty:
        patch.replace(holder.start, holder.end, enc(f"<{p}commentList>{body}</{p}commentList>"))
    else:
        patch.insert(holder.close_start, enc(body))


def _comment(cell: str, fs: list[Finding], aid: int, lang: str, p: str) -> str:
    text = "\n\n".join(_note_text(f, lang) for f in fs)
    font = f'<{p}rPr><{p}sz val="9"/><{p}rFont val="宋体"/><{p}charset val="134"/></{p}rPr>'
    bold = font.replace(f"<{p}sz ", f"<{p}b/><{p}sz ")
    return (f'<{p}comment ref="{cell.split(":")[0]}" authorId="{aid}"><{p}text>'
            f"<{p}r>{bold}<{p}t>{AUTHOR}:</{p}t></{p}r><{p}r>{font}"
            f'<{p}t xml:space="preserve">\n{ox.esc(text)}</{p}t></{p}r></{p}text></{p}comment>')


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
    pkg = edits.pkg
    taken = {int(n) for name in pkg.parts() if name.endswith(".vml")
             for m in _IDMAP.finditer(pkg.read(name)) for n in m.group(1).split(b",") if n.strip()}
    block = index + 1
    while block in taken:
        block += 1
    shapes = "".join(_shape(1024 * block + i + 1, c, fs, i + 1)
                     for i, (c, fs) in enumerate(noted))
    edits.create(part, (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
        f"</o:shapelayout>{_SHAPETYPE}{shapes}</xml>").encode(), ox.CT_VML)


def _add_shapes(pkg, edits, part: str, index: int, noted) -> None:
    """perfxl's note shapes, added after the unit's own in their drawing."""
    data = pkg.read(part)
    top = ox.root(data)
    known = {k: ox.prefix_for(data, top, uri) for k, uri in _VML_NS.items()}
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


def _add_results(pkg, book, edits, findings, result, dxf, checked_at, lang) -> None:
    """The results sheet, placed first, and the record that undoes this run."""
    name = _free_name({s.name.lower() for s in book.sheets}, RESULT_NAMES[lang])
    part = ox.free_part(pkg, "xl/worksheets/perfxl_results{}.xml")
    rid = edits.relate(book.part, "worksheet", part, book.rel_ns)
    edits.types.append((part, ox.CT_WORKSHEET))
    _insert_sheet(book, edits, name, rid)
    sheet_xml = _results_xml(book, findings, result, dxf, checked_at, lang, _is_xlsm(book))
    edits.created.append(part)
    state = edits.finish()
    blob = ox.esc(json.dumps(state, ensure_ascii=True, separators=(",", ":"), sort_keys=True))
    ext = (f'<extLst><ext uri="{STATE_URI}" xmlns:px="urn:perfxl:state">'
           f"<px:state>{blob}</px:state></ext></extLst>")
    pkg.write(part, sheet_xml.replace("</worksheet>", ext + "</worksheet>").encode())


def _insert_sheet(book: Book, edits: ox.Edits, name: str, rid: str) -> None:
    """Put the results sheet first in workbook.xml and shift every sheet index by one."""
    data, top = book.data, book.top
    patch = edits.patch(book.part)
    enc = ox.encoder(data)
    holder = ox.find(book.kids, "sheets")
    next_id = max((int(s.span.get("sheetId", "0") or 0) for s in book.sheets), default=0) + 1
    rp = ox.prefix_for(data, top, book.rel_ns)
    attr = f'{rp.decode()}id="{rid}"' if rp else f'xmlns:r="{book.rel_ns}" r:id="{rid}"'
    patch.insert(holder.open_end, enc(
        f'<{holder.prefix.decode()}sheet name="{ox.esc(name, attr=True)}" sheetId="{next_id}" '
        f"{attr}/>"))
    names = ox.find(book.kids, "definedNames")
    if names is not None:
        for m in _LOCAL_ID.finditer(data, names.start, names.end):
            if data.rfind(b"<", 0, m.start()) > data.rfind(b">", 0, m.start()):  # in a tag
                patch.replace(m.start(1), m.end(1), str(int(m.group(1)) + 1).encode())
    views = ox.find(book.kids, "bookViews")
    for view in ox.kids(data, views) if views else []:
        if view.name != "workbookView":
            continue
        span = ox.attr_value_span(data, view, "activeTab")
        if span:
            patch.replace(*span, str(int(data[span[0]:span[1]]) + 1).encode())
        else:  # the tab the unit had open stays open
            patch.insert(view.start + 1 + len(view.qname) + len(view.attrs_raw),
                         b' activeTab="1"')
        span = ox.attr_value_span(data, view, "firstSheet")
        if span and int(data[span[0]:span[1]]):
            patch.replace(*span, str(int(data[span[0]:span[1]]) + 1).encode())


def _is_xlsm(book: Book) -> bool:
    return any(r.type.endswith("/vbaProject") for r in book.rels)


def _results_xml(book, findings, result, dxf, checked_at, lang, xlsm) -> str:
    t, heads = TEXT[lang], HEADERS[lang]
    labels = SEVERITY_LABELS[lang]
    # the header block: labels over A:B (merged), figures in C
    rows = [[t["title"]], [t["checked"], None, checked_at],
            [t["error"], None, result.errors], [t["open"], None, result.warnings],
            [t["explained"], None, result.explained], [t["info"], None, result.infos],
            [t["help"]], [], heads]
    merges = ["A1:J1", *(f"A{r}:B{r}" for r in range(2, 7)), "A7:J7"]
    links, sev_rows = [], {"error": [], "warning": []}
    for i, f in enumerate(findings, 1):
        r = HEADER_ROW + i
        cell = ox.norm_range(f.cell) if f.sheet else None
        status = "" if f.severity == "info" and not f.explained else (
            t["done"] if f.explained else t["todo"])
        typed = result.rejected.get(f.key, "") if f.is_error else f.explained
        rows.append([i, labels[f.severity], f"{f.code} {f.name}".strip(), f.sheet,
                     cell or f.cell, f.message, f.expected, f.actual, typed, status, f.code,
                     f.field or f.cell])
        if cell:
            target = "'" + f.sheet.replace("'", "''") + "'!" + cell
            links.append(f'<hyperlink ref="E{r}" location="{ox.esc(target, attr=True)}" '
                         f'display="{ox.esc(cell, attr=True)}"/>')
        if f.severity in sev_rows:
            sev_rows[f.severity].append(f"B{r} J{r}")
    last = HEADER_ROW + len(findings)
    body = "".join(_row(n, vals) for n, vals in enumerate(rows, 1) if vals)
    formats = [(f"A1 A{HEADER_ROW}:L{HEADER_ROW}", dxf + 2), ("A3", dxf), ("A4", dxf + 1)]
    formats += [(" ".join(sev_rows["error"]), dxf), (" ".join(sev_rows["warning"]), dxf + 1)]
    if findings:
        formats += [(f"I{HEADER_ROW + 1}:I{last}", dxf + 3)]
    if links:
        formats += [(" ".join(f"E{HEADER_ROW + i}" for i, f in enumerate(findings, 1)
                              if f.sheet and ox.norm_range(f.cell)), dxf + 4)]
    cf = "".join(f'<conditionalFormatting sqref="{ref}"><cfRule type="expression" dxfId="{d}" '
                 f'priority="{n}"><formula>TRUE</formula></cfRule></conditionalFormatting>'
                 for n, (ref, d) in enumerate((x for x in formats if x[0]), 1))
    hidden = ' hidden="1"'  # the key columns perfxl reads explanations by
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"'
                   f'{hidden if i > 10 else ""}/>' for i, w in enumerate(WIDTHS, 1))
    code = "" if xlsm else f' codeName="{CODE_NAME}"'
    return (
        ox.XML_DECL.decode() +
        f'<worksheet xmlns="{book.ns}" xmlns:r="{book.rel_ns}">'
        f'<sheetPr{code}><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:L{max(last, HEADER_ROW)}"/>'
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{HEADER_ROW}" '
        f'topLeftCell="A{HEADER_ROW + 1}" activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="I{HEADER_ROW + 1}" '
        f'sqref="I{HEADER_ROW + 1}"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f"<sheetData>{body}</sheetData>"
        f'<mergeCells count="{len(merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + f"</mergeCells>{cf}"
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )


def _row(n: int, values: list) -> str:
    cells = []
    for letter, v in zip("ABCDEFGHIJKL", values, strict=False):
        if v is None or v == "":
            continue
        if type(v) is int:
            cells.append(f'<c r="{letter}{n}"><v>{v}</v></c>')
        else:
            v = str(v)[:32767]  # Excel's limit for one cell
            space = ' xml:space="preserve"' if v != v.strip() or "\n" in v else ""
            cells.append(f'<c r="{letter}{n}" t="inlineStr"><is><t{space}>{ox.esc(v)}</t></is>'
                         "</c>")
    return f'<row r="{n}">{"".join(cells)}</row>'


# ---------------------------------------------------------------- small helpers


def _position(kids: list, name: str, top: ox.Span) -> int:
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
    holder = ox.find(kids, "mergeCells")
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


def _free_name(used: set, name: str) -> str:
    # a sheet of the unit's own already has the name: never take it over
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{name} ({n})"
    return candidate
