"""A folder of everything a finance office receives that is not a good form, plus good ones.

Used by tests/test_hostile_batch.py and by benchmarks/hostile_batch.py (which measures time and
peak memory of ``perfxl summarize`` over it).
"""

from __future__ import annotations

import copy
import re
import shutil
import zipfile
from pathlib import Path

from perfxl.form.profile import load_profile
from perfxl.form.template import write_workbook

from builders import clean_fill
from hostile import BILLION_LAUGHS, XLSX_MAIN, encrypted_xlsx, xlsx

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOOD = ("好一", "好二", "好三")


def good(path: Path, project: str, change=None) -> Path:
    fill = copy.deepcopy(clean_fill())
    fill.values["project_name"] = fill.values["project_name_overview"] = project
    if change:
        change(fill)
    return write_workbook(load_profile("gd-2020"), path, year=2023, county="示例县", fill=fill)


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy a package, passing each part through ``edit(name, data) -> data | None``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        extra = edit("", b"")
        if extra:
            for name, data in extra.items():
                zout.writestr(name, data)
    return dst


def as_xlsm(src: Path, dst: Path) -> Path:
    def edit(name, data):
        if name == "":
            return {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(508)}
        if name == "[Content_Types].xml":
            data = data.replace(XLSX_MAIN.encode(), b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            return data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                b'vnd.ms-office.vbaProject"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.'
                                b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                b"</Relationships>")
        return data

    return rewrite(src, dst, edit)


def with_property(src: Path, dst: Path, name: str, value: str) -> Path:
    pattern = re.compile(rf'(name="{name}"><vt:lpwstr>)[^<]*'.encode())
    return rewrite(src, dst, lambda n, d: pattern.sub(rb"\g<1>" + value.encode(), d)
                   if n == "docProps/custom.xml" else (None if n == "" else d))


def far_cell(src: Path, dst: Path) -> Path:
    """A good form with one value in the sheet's last cell: calamine tries to allocate 512 GB."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    last = f"xl/worksheets/sheet{len(load_profile('gd-2020').sheets)}.xml"
    return rewrite(src, dst, lambda n, d: None if n == "" else
                   (d.replace(b"</sheetData>", far + b"</sheetData>") if n == last else d))


def million_rows(src: Path, dst: Path, n: int = 1_000_000) -> Path:
    """A good form whose last sheet carries a million more rows (a column beside the problems)."""
    rows = "".join(f'<row r="{r}"><c r="D{r}"><v>{r}</v></c></row>' for r in range(20, n + 20)).encode()
    last = f"xl/worksheets/sheet{len(load_profile('gd-2020').sheets)}.xml"
    return rewrite(src, dst, lambda n, d: None if n == "" else
                   (d.replace(b"</sheetData>", rows + b"</sheetData>") if n == last else d))


def build(folder: Path) -> dict[str, str]:
    """Write the folder; return file name → what it is (good files map to 'good')."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}

    def add(name: str, what: str, path: Path | None = None) -> Path:
        made[name] = what
        return path or folder / name

    for project in GOOD:
        good(add(f"{project}.xlsx", "good"), f"示例县{project}项目")
    template = good(folder / ".base.xlsx", "基底")
    add("空文件.xlsx", "empty").write_bytes(b"")
    add("截断.xlsx", "truncated zip").write_bytes(template.read_bytes()[: template.stat().st_size // 2])
    add("文本改名.xlsx", "text renamed").write_text("项目名称,金额\n道路,100\n", encoding="utf-8")
    add("PDF改名.xlsx", "pdf renamed").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    encrypted_xlsx(add("加密.xlsx", "password-protected"))
    as_xlsm(template, add("带宏.xlsm", "xlsm (a good form with VBA)"))
    made["带宏.xlsm"] = "good"
    xlsx(add("严格格式.xlsx", "strict OOXML, not a form"), ns="http://purl.oclc.org/ooxml/spreadsheetml/main")
    xlsx(add("别的表格.xlsx", "not a perfxl form"))
    with_property(template, add("别的表样.xlsx", "another profile"), "perfxl_profile", "zz-2099")
    with_property(template, add("旧版模板.xlsx", "older template version"), "perfxl_profile_version", "0")
    xlsx(add("压缩炸弹.xlsx", "zip bomb"), zeros_mb=300)  # 300 MB of zeros in ~300 KB
    xlsx(add("实体炸弹.xlsx", "XML entity bomb"), sheet=BILLION_LAUGHS)
    million_rows(template, add("百万行.xlsx", "good: a form with a million more rows"))
    far_cell(template, add("远端单元格.xlsx", "a cell at XFD1048576 (reader abort)"))
    good(add("引用错误.xlsx", "#REF! in cells"), "示例县引用错误项目",
         lambda f: f.stale.update(funds_rate_spent_total="#REF!"))
    made["引用错误.xlsx"] = "good with errors"
    for src, name, what in ((_first(CORPUS / "xlrd", "Formate.xls"), "旧格式.xls", "legacy .xls, not a form"),
                            (_first(CORPUS, "*.et"), "金山.et", "WPS .et, not a form")):
        if src is not None and src.exists():
            shutil.copy(src, add(name, what))
    (folder / ".base.xlsx").unlink()
    return made


def _first(folder: Path, pattern: str) -> Path | None:
    return next(iter(sorted(folder.rglob(pattern))), None) if folder.exists() else None


# ----------------------------------------------------------------------------- packages that
# read fine but break the code that writes notes into them (issue #15, point 1)


def no_content_types(src: Path, dst: Path) -> Path:
    """A package without ``[Content_Types].xml``: calamine reads it, the writer needs it."""
    return rewrite(src, dst, lambda n, d: None if n in ("", "[Content_Types].xml") else d)


def with_comments(src: Path, dst: Path, sheet: str, spoil) -> Path:
    """A form whose sheet carries an old perfxl note and a unit's own note (openpyxl writes
    them), the comments part then passed through ``spoil(xml) -> xml``."""
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.load_workbook(src)
    wb[sheet]["B2"].comment = Comment("perfxl: 旧的批注", "perfxl")
    wb[sheet]["B3"].comment = Comment("单位自己的批注", "张三")
    plain = dst.with_name(f".{dst.name}.plain")
    wb.save(plain)
    rewrite(plain, dst, lambda n, d: None if n == "" else (spoil(d) if "comments/comment" in n else d))
    plain.unlink()
    return dst


def author_not_a_number(xml: bytes) -> bytes:
    return re.sub(rb'(<comment ref="B3" authorId=")\d+', rb"\1x", xml)


def in_gbk(xml: bytes) -> bytes:
    """The part re-encoded in GBK, declared so (an old Chinese writer's habit)."""
    body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml).decode("utf-8")
    return ('<?xml version="1.0" encoding="GBK"?>' + body).encode("gbk")
