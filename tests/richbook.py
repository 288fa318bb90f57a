"""Workbooks with everything perfxl must carry through untouched, built with xlsxwriter.

Several sheets, an image, a chart, sparklines (a 2010 extension), data validation, a conditional
format, merged cells, the unit's own comments, defined names (some local to a sheet), custom
properties and formulas with cached values; optionally a VBA project (.xlsm).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import xlsxwriter

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"  # ../shared beside the clone


def xml_parts(path: Path):
    """(name, bytes) of each XML part of a workbook (under 2 MB); nothing, or what came before,
    when the zip will not open or a part will not read."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with zf:
        for info in zf.infolist():
            if info.filename.endswith((".xml", ".rels")) and info.file_size < 2_000_000:
                try:
                    yield info.filename, zf.read(info)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
                    return


def tiny_png(path: Path, width: int = 8, height: int = 6) -> Path:
    """A small red PNG written by hand (Pillow is not needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                     chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def vba_bin(folder: Path) -> Path:
    """A vbaProject.bin: from a corpus .xlsm when there is one, else opaque bytes (perfxl
    copies the part without reading it)."""
    path = folder / "vbaProject.bin"
    for xlsm in sorted(CORPUS.glob("**/*.xlsm")) if CORPUS.is_dir() else []:
        import zipfile

        try:
            with zipfile.ZipFile(xlsm) as zf:
                path.write_bytes(zf.read("xl/vbaProject.bin"))
                return path
        except (KeyError, zipfile.BadZipFile):
            continue
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    return path


def build(path: Path, *, vba: bool = False, active: int | None = None) -> Path:
    """Write the rich workbook to ``path`` (.xlsx, or .xlsm with ``vba``)."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "绩效自评", "author": "某县财政局", "company": "某县"})
    wb.set_custom_property("填报单位", "某县农业农村局")
    wb.set_custom_property("版本", 3)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    pct = wb.add_format({"num_format": "0.00%", "border": 1})

    cover = wb.add_worksheet("封面")
    cover.merge_range("A1:F1", "财政支出绩效自评表", head)
    cover.write("A3", "项目名称")
    cover.merge_range("B3:F3", "高标准农田建设")
    cover.write("A4", "主管部门")
    cover.write("B4", "某县农业农村局")
    cover.set_column("A:A", 14)
    cover.write_comment("A3", "填写项目全称", {"author": "张会计"})

    t1 = wb.add_worksheet("表1 项目资金")
    t1.write_row("A1", ["资金来源", "年初预算", "全年预算", "全年执行", "执行率"], head)
    rows = [("中央资金", 500, 480, 470), ("省级资金", 200, 210, 190), ("县级资金", 100, 110, 60)]
    for i, (name, a, b, c) in enumerate(rows, start=2):
        t1.write(f"A{i}", name)
        t1.write_number(f"B{i}", a, money)
        t1.write_number(f"C{i}", b, money)
        t1.write_number(f"D{i}", c, money)
        t1.write_formula(f"E{i}", f"=IF(C{i}=0,0,D{i}/C{i})", pct, round(c / b, 6))
    t1.write("A5", "合计", head)
    for col, total in zip("BCD", (800, 800, 720), strict=True):
        t1.write_formula(f"{col}5", f"=SUM({col}2:{col}4)", money, total)
    t1.write_formula("E5", "=IF(C5=0,0,D5/C5)", pct, 0.9)
    t1.merge_range("A7:E7", "说明：执行率低于 60% 的须说明原因", None)
    t1.data_validation("D2:D4", {"validate": "decimal", "criteria": ">=", "value": 0,
                                 "error_message": "执行数不能为负"})
    t1.conditional_format("E2:E4", {"type": "cell", "criteria": "<", "value": 0.6,
                                    "format": wb.add_format({"font_color": "#C00000"})})
    t1.write_comment("D4", "县级资金拨付滞后", {"author": "李科长"})
    t1.insert_image("G2", str(tiny_png(path.parent / "logo.png")))
    t1.add_sparkline("F2", {"range": "'表1 项目资金'!B2:D2"})
    t1.set_column("A:E", 12)
    t1.activate() if active == 1 else None

    t2 = wb.add_worksheet("表2 绩效指标")
    t2.write_row("A1", ["指标", "年度指标值", "实际完成值", "分值", "得分"], head)
    inds = [("新建高标准农田（亩）", 10000, 9500, 20, 19), ("项目验收合格率", 1, 1, 20, 20),
            ("受益农户满意度", 0.9, 0.93, 10, 10)]
    for i, (name, goal, done, full, got) in enumerate(inds, start=2):
        t2.write_row(f"A{i}", [name, goal, done, full])
        t2.write_formula(f"E{i}", f"=MIN(D{i},D{i}*C{i}/B{i})", None, got)
    t2.write_formula("E5", "=SUM(E2:E4)", None, 49)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "得分", "categories": "='表2 绩效指标'!$A$2:$A$4",
                      "values": "='表2 绩效指标'!$E$2:$E$4"})
    t2.insert_chart("G2", chart)
    t2.activate() if active == 2 else None

    wb.define_name("项目名称", "='封面'!$B$3")
    wb.define_name("执行率合计", "='表1 项目资金'!$E$5")
    wb.define_name("'表2 绩效指标'!总分", "='表2 绩效指标'!$E$5")
    wb.define_name("'表1 项目资金'!合计行", "='表1 项目资金'!$A$5:$E$5")
    t2.print_area("A1:E5")
    if vba:
        wb.add_vba_project(str(vba_bin(path.parent)))
        wb.set_vba_name("ThisWorkbook")
    wb.close()
    return path
