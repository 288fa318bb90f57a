"""What perfxl's notes look like, and reading them back from a workbook.

The marks and labels every other notes module shares, the workbook's outline (its sheets and
their parts, from workbook.xml), and perfxl's results sheet: found by its code name or by its
name and header row, and read back for the explanations the unit typed in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfxl.findings import SEVERITY_LABELS, Finding
from perfxl.ooxml import spreadsheet as ox
from perfxl.ooxml import xmlspan as xs
from perfxl.ooxml.opc import Package

from . import RESULT_NAMES

AUTHOR = "perfxl"
CODE_NAME = "perfxl"
MARK = 'N("perfxl")=0'  # always true; says "this conditional format is perfxl's"
STATE_URI = "{8E6C1F0A-3B57-4C2D-9A61-7065726678C1}"
HEADERS = {  # the columns of the results sheet; the last two (hidden) key the explanations
    "zh": ["序号", "级别", "规则", "工作表", "单元格", "问题", "应为", "实际", "如何改正", "说明",
           "状态", "规则代码", "字段"],
    "en": ["No.", "Severity", "Rule", "Sheet", "Cell", "Problem", "Expected", "Actual",
           "How to fix", "Explanation", "Status", "Code", "Field"],
}
COLUMNS = ["no", "severity", "rule", "sheet", "cell", "message", "expected", "actual", "hint",
           "explanation", "status", "code", "field"]  # HEADERS by what they hold
TEXT = {
    "zh": {"title": "财政支出绩效自评校验结果", "checked": "校验时间", "error": "错误",
           "open": "警告（未说明）", "explained": "警告（已说明）", "info": "提示",
           "todo": "未解决", "done": "已说明", "rejected": "说明未采纳（错误须改正）",
           "expected": "应为", "actual": "实际",
           "hint": "提示", "footer": "&C第 &P 页，共 &N 页",
           "help": "请在“说明”列写明警告的原因，保存后再次校验即记为已说明；"
                   "错误须改正表内数据，不能以说明代替。"},
    "en": {"title": "Performance self-evaluation: check results", "checked": "Checked at",
           "error": "Errors", "open": "Warnings (open)", "explained": "Warnings (explained)",
           "info": "Notes", "todo": "open", "done": "explained",
           "rejected": "not accepted (an error must be corrected)", "expected": "expected",
           "actual": "actual", "hint": "hint", "footer": "&CPage &P of &N",
           "help": "Write the reason for a warning in the Explanation column and save; the next "
                   "check marks it explained. Errors must be corrected, not explained."},
}
# perfxl's highlight fills (error, warning), as its differential formats in styles.xml give them:
# the warning's amber is plainly not the template's pale yellow input tint (FFF2CC)
FILLS = ("FFFFC7CE", "FFFFC20F")  # an amber whose code no common colour contains
KNOWN_FILLS = (*FILLS, "FFFFEB9C")  # and the warning's yellow of the notes perfxl wrote before
HEADER_ROW = 9
_CODE_NAME = re.compile(rb"<(?:[\w.\-]+:)?sheetPr\b[^>]*?\scodeName=[\"']"
                        + CODE_NAME.encode() + rb"[\"']")
# a conditional format's priority: perfxl's go first, pushing the unit's down (and back up)
# (the literal first, then the look back for the space before it: a search the regex engine can
# run at memchr speed rather than trying every byte of the sheet's tail)
PRIORITY = re.compile(rb"priority(?<=\spriority)\s*=\s*[\"'](\d+)")


def priorities(data: bytes, kids: list):
    """The priority attributes of a worksheet's conditional-format rules: in its
    conditionalFormatting children and (Excel 2010's own rules) in its extLst."""
    for el in kids:
        if el.name in ("conditionalFormatting", "extLst"):
            yield from PRIORITY.finditer(data, el.start, el.end)


# ---------------------------------------------------------------- the workbook's outline

_UNSEEN = object()  # the results sheet not looked for yet


@dataclass
class Sheet:
    name: str
    part: str  # "" for a sheet whose part is missing or not a worksheet
    rid: str
    span: xs.Span


@dataclass
class Book:
    part: str
    data: bytes
    top: xs.Span
    kids: list
    sheets: list[Sheet]
    ns: str  # main namespace (transitional or strict)
    rel_ns: str
    rels: list
    results: object = None  # the results sheet, once looked for: (index, Sheet) or None
    marked: bool | None = None  # whether styles.xml holds perfxl's fills, once looked at
    styles: tuple | None = None  # styles.xml as :func:`styles` last read it

    def target(self, kind: str) -> str | None:
        return next((r.target for r in self.rels if r.type.endswith("/" + kind)), None)


def outline(pkg: Package) -> Book:
    part = pkg.main_part()
    data = pkg.read(part)
    cached = getattr(pkg, "_perfxl_book", None)
    if cached is not None and cached.data is data:  # workbook.xml unchanged since parsed
        return cached
    top = xs.root(data)
    kids = xs.kids(data, top)
    strict = xs.prefix_for(data, top, ox.NS_MAIN_STRICT) is not None
    rels = pkg.rels(part)
    by_id = {r.id: r for r in rels}
    sheets = []
    holder = xs.find(kids, "sheets")
    for el in xs.kids(data, holder) if holder else []:
        if el.name != "sheet":
            continue
        rid = el.get("id", "")
        rel = by_id.get(rid)
        ok = rel is not None and rel.type.endswith("/worksheet") and pkg.has(rel.target)
        sheets.append(Sheet(el.get("name", ""), rel.target if ok else "", rid, el))
    pkg._perfxl_book = Book(part, data, top, kids, sheets,
                            ox.NS_MAIN_STRICT if strict else ox.NS_MAIN,
                            ox.NS_REL_STRICT if strict else ox.NS_REL, rels, _UNSEEN)
    return pkg._perfxl_book


def results_sheet(pkg: Package, book: Book) -> tuple[int, Sheet] | None:
    """perfxl's results sheet: by its code name, or by its name and header row."""
    if book.results is _UNSEEN:  # looked for once per reading of workbook.xml
        book.results = _find_results(pkg, book)
    return book.results


def styles(pkg: Package, book: Book) -> tuple[str, bytes, xs.Span, list] | None:
    """styles.xml: its part name, bytes, root and the root's children from ``cellXfs`` on (the
    cell formats, the differential formats and what follows them); None when the workbook has
    no styles part.
    Taken apart once for each version of the part."""
    part = book.target("styles")
    if not part or not pkg.has(part):
        return None
    data = pkg.read(part)
    if book.styles is None or book.styles[1] is not data:
        top = xs.root(data)
        book.styles = (part, data, top, xs.kids_from(data, top, "cellXfs"))
    return book.styles


def may_hold_marks(pkg: Package, book: Book) -> bool:
    """Whether perfxl's results sheet or highlights may be in the workbook.

    Both always use perfxl's two highlight fills in its differential formats (the results
    sheet's counts are painted in them), and every program that re-saves a workbook keeps the
    differential formats in use; so a workbook whose dxfs hold neither fill has neither, and its
    sheets need not be read to look for them.  (Notes are found in the comments parts.)"""
    if book.marked is None:
        found = styles(pkg, book)
        if found is None:  # cannot tell: look everywhere
            book.marked = True
        else:
            data, holder = found[1], xs.find(found[3], "dxfs")
            dxfs = data[holder.start: holder.end].upper() if holder is not None else b""
            book.marked = any(f[2:].encode() in dxfs for f in KNOWN_FILLS)
    return book.marked


def _find_results(pkg: Package, book: Book) -> tuple[int, Sheet] | None:
    if not may_hold_marks(pkg, book):
        return None
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


def read_results(pkg: Package) -> dict | None:
    """What the results sheet lists: ``rows`` (one dict a finding), ``lines`` (the texts of
    every row below the header, in the header's column order), ``checked_at`` and ``lang``;
    None when there is no results sheet."""
    book = outline(pkg)
    hit = results_sheet(pkg, book)
    if hit is None:
        return None
    cells = ox.sheet_texts(pkg, hit[1].part, book.target("sharedStrings"))
    head = _header(cells)
    if head is None:
        return None
    row_no, lang, col = head
    names = dict(zip(COLUMNS, HEADERS[lang], strict=True))
    rows, lines = [], []
    for r in sorted(k for k in cells if k > row_no):
        line = cells[r]
        texts = [line.get(col.get(n), "") for n in names.values()]
        if any(texts):
            lines.append(texts)
        get = {key: line.get(col.get(n), "").strip() for key, n in names.items()}
        code = get["code"] or get["rule"].split(" ")[0]
        if not code:
            continue
        rows.append({
            "severity": _severity(get["severity"]), "code": code,
            "name": get["rule"].partition(" ")[2], "sheet": get["sheet"],
            "cell": get["cell"], "message": get["message"], "expected": get["expected"],
            "actual": get["actual"], "hint": get["hint"], "explanation": get["explanation"],
            "field": get["field"] if names["field"] in col else get["cell"],
        })
    checked = next((v for ln in cells.values() if ln.get(0) == TEXT[lang]["checked"]
                    for c, v in sorted(ln.items()) if c and v), "")
    return {"rows": rows, "lines": lines, "checked_at": checked, "lang": lang}


def explanations(listed: dict | None) -> dict[tuple[str, str], str]:
    """The explanations typed into a results sheet (as :func:`read_results` read it), by
    (code, field)."""
    if not listed:
        return {}
    return {(r["code"], r["field"]): r["explanation"] for r in listed["rows"] if r["explanation"]}


def _severity(label: str) -> str:
    for labels in SEVERITY_LABELS.values():
        for sev, text in labels.items():
            if label == text:
                return sev
    return "warning"


def row_finding(row: dict, workbook: str) -> Finding:
    return Finding(workbook, row["sheet"], row["cell"], row["code"], row["name"],
                   row["severity"], row["message"], row["expected"], row["actual"],
                   hint=row.get("hint", ""), field=row["field"] if row["field"] != row["cell"] else "",
                   title=row["name"])


def _header(cells: dict) -> tuple[int, str, dict] | None:
    for r in sorted(cells):
        texts = {v: c for c, v in cells[r].items()}
        for lang, names in HEADERS.items():  # the explanation and code columns, old sheets too
            if names[COLUMNS.index("explanation")] in texts and names[COLUMNS.index("code")] in texts:
                return r, lang, {n: texts[n] for n in names if n in texts}
    return None
