"""Notes written back into workbooks: lossless, idempotent, reversible, atomic."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from perfxl.errors import UnreadableWorkbook, WriteError
from perfxl.findings import Finding
from perfxl.notes import add as notes_add
from perfxl.notes.annotate import annotate_workbook, clean_workbook, read_explanations
from perfxl.ooxml import atomic
from perfxl.ooxml import spreadsheet as ooxml

from richbook import build

# openpyxl, used here to look at the results, warns about every extension it cannot keep
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"  # ../shared beside the clone
SOFFICE = shutil.which("soffice")
T1, T2 = "表1 项目资金", "表2 绩效指标"
WHEN = "2024-05-01 10:00"
# xlsxwriter's part names in the rich workbook
SHEET = {"封面": "xl/worksheets/sheet1.xml", T1: "xl/worksheets/sheet2.xml",
         T2: "xl/worksheets/sheet3.xml"}


def findings(name="rich.xlsx"):
    return [
        Finding(name, T1, "E4", "W201", "执行率偏低", "warning", "县级资金执行率 54.55% 低于 60%",
                "≥60%", "54.55%", field="rate_county"),
        Finding(name, T1, "D5", "E101", "合计", "error", "合计应等于各项之和", "720.00", "700.00"),
        Finding(name, T1, "D4", "W202", "已有批注", "warning", "单元格已有单位批注"),
        Finding(name, "封面", "C3", "E102", "项目名称", "error", "项目名称与预算库不一致"),
        Finding(name, T2, "B3", "W301", "指标值", "warning", "年度指标值为 1，请核对", hint="百分比"),
        Finding(name, "", "", "I900", "整体", "info", "本表未填写联系人"),
    ]


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def names(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


@pytest.fixture
def rich(tmp_path) -> Path:
    return build(tmp_path / "rich.xlsx")


@pytest.fixture
def original(rich, tmp_path) -> Path:
    keep = tmp_path / "orig" / rich.name
    keep.parent.mkdir()
    shutil.copy(rich, keep)
    return keep


# ---------------------------------------------------------------- perfxl's elements, removed
# An independent reading of "what perfxl added": the test strips it from a touched part with
# lxml and compares canonical XML with the original.

NS = {"m": ooxml.NS_MAIN, "r": ooxml.NS_REL, "p": ooxml.NS_PKG_REL,
      "ct": "http://schemas.openxmlformats.org/package/2006/content-types"}


def c14n(el) -> bytes:
    return etree.tostring(el, method="c14n")


def without_perfxl(name: str, data: bytes, n_ours_dxf: int) -> bytes:
    root = etree.fromstring(data)
    if name == "[Content_Types].xml":
        for el in root.findall("ct:Override", NS):
            if "perfxl" in el.get("PartName"):
                root.remove(el)
    elif name.endswith(".rels"):
        for el in root.findall("p:Relationship", NS):
            if el.get("Id").startswith("perfxl"):
                root.remove(el)
    elif name == "xl/workbook.xml":
        sheets = root.find("m:sheets", NS)
        sheets.remove(sheets[0])
        names = root.find("m:definedNames", NS)  # the results table's heading row, printed on each page
        ours = [dn for dn in names if dn.get("name") == "_xlnm.Print_Titles" and dn.get("localSheetId") == "0"]
        assert [dn.text for dn in ours] == ["'校验结果'!$9:$9"]
        names.remove(ours[0])
        if not len(names):
            root.remove(names)
        for dn in root.iterfind(".//m:definedName[@localSheetId]", NS):
            dn.set("localSheetId", str(int(dn.get("localSheetId")) - 1))
        for view in root.iterfind(".//m:workbookView", NS):
            view.set("activeTab", str(int(view.get("activeTab")) - 1))
    elif name == "xl/styles.xml":
        dxfs = root.find("m:dxfs", NS)
        for dxf in list(dxfs)[-n_ours_dxf:]:
            dxfs.remove(dxf)
        dxfs.set("count", str(len(dxfs)))
        xfs = root.find("m:cellXfs", NS)  # and the results sheet's wrapped-text cell format
        ours = list(xfs)[-1]
        assert ours.find("m:alignment", NS).get("wrapText") == "1"
        xfs.remove(ours)
        xfs.set("count", str(len(xfs)))
    elif name.startswith("xl/worksheets/"):
        ours = [cf for cf in root.findall("m:conditionalFormatting", NS)
                if 'N("perfxl")' in cf.findtext(".//m:formula", "", NS)]
        for cf in ours:
            root.remove(cf)
        for rule in root.iterfind(".//{*}cfRule"):
            rule.set("priority", str(int(rule.get("priority")) - len(ours)))
        for el in root.findall("m:legacyDrawing", NS):
            if el.get(f"{{{ooxml.NS_REL}}}id").startswith("perfxl"):
                root.remove(el)
    elif name.startswith("xl/comments"):
        authors = root.find("m:authors", NS)
        index = [a.text for a in authors].index("perfxl")
        authors.remove(authors[index])
        for c in root.findall("m:commentList/m:comment", NS):
            if c.get("authorId") == str(index):
                c.getparent().remove(c)
    return c14n(root)


def assert_lossless(before: Path, after: Path) -> None:
    """Parts perfxl does not own: byte-identical.  Parts it touched: equal once its own
    elements are taken out.  New parts: all perfxl's."""
    old, new = parts(before), parts(after)
    assert names(after)[: len(old)] == names(before), "original parts keep their order"
    touched = {n for n in old if old[n] != new[n]}
    allowed = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
               "xl/styles.xml"} | set(SHEET.values()) | {
        n for n in old if n.startswith(("xl/comments", "xl/drawings/vmlDrawing",
                                        "xl/worksheets/_rels/"))}
    assert touched <= allowed, touched - allowed
    for n in touched:
        if n.endswith(".vml"):  # perfxl's note shapes are appended just before </xml>
            head = old[n][: old[n].rindex(b"</xml>")]
            assert new[n].startswith(head) and new[n].endswith(b"</xml>")
            added = etree.fromstring(
                b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-'
                b'com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
                + new[n][len(head):])
            assert len(added) and all(
                el.tag == "{urn:schemas-microsoft-com:vml}shape"
                and el.find("{*}ClientData").get("ObjectType") == "Note" for el in added)
            continue
        assert without_perfxl(n, new[n], len(notes_add.DXFS)) == c14n(
            etree.fromstring(_with_active_tab(n, old[n]))), n
    for n in set(new) - set(old):
        assert "perfxl" in n or n.startswith("xl/worksheets/_rels/"), n
        if n.endswith(".rels"):
            assert all(r.get("Id").startswith("perfxl") for r in etree.fromstring(new[n]))


def _with_active_tab(name: str, data: bytes) -> bytes:
    # the original may leave activeTab out (meaning 0); make it explicit to compare
    if name != "xl/workbook.xml":
        return data
    root = etree.fromstring(data)
    for view in root.iterfind(".//m:workbookView", NS):
        view.set("activeTab", view.get("activeTab", "0"))
    return etree.tostring(root)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("vba", [False, True], ids=["xlsx", "xlsm"])
def test_lossless_part_by_part(tmp_path, vba):
    src = build(tmp_path / ("rich.xlsm" if vba else "rich.xlsx"), vba=vba, active=2 if vba else None)
    result = annotate_workbook(src, findings(src.name), out=tmp_path / "out", checked_at=WHEN)
    out = tmp_path / "out" / src.name
    assert result.path == out and result.changed
    assert (result.errors, result.warnings, result.explained, result.infos) == (2, 3, 0, 1)
    assert result.highlights == 5
    assert result.comments == 4  # D4 keeps the unit's own note only
    assert_lossless(src, out)
    new = parts(out)
    if vba:
        assert new["xl/vbaProject.bin"] == parts(src)["xl/vbaProject.bin"]
        assert b"codeName" not in new["xl/worksheets/perfxl_results1.xml"]
    wb = openpyxl.load_workbook(out, keep_vba=vba)
    assert wb.sheetnames == ["校验结果", "封面", T1, T2]
    assert wb[T1]["D4"].comment.author == "李科长"  # the unit's note, untouched
    assert wb[T1]["D5"].comment.author == "perfxl"
    assert "E101" in wb[T1]["D5"].comment.text and "720.00" in wb[T1]["D5"].comment.text
    assert wb["封面"]["B3"].comment.author == "perfxl"  # C3 lies in the merged B3:F3
    assert wb["封面"]["A3"].comment.text == "填写项目全称"
    assert wb[T1]["E5"].value == "=IF(C5=0,0,D5/C5)"
    cached = openpyxl.load_workbook(out, data_only=True)
    assert cached[T1]["E5"].value == 0.9  # formulas keep their cached values
    rows = list(wb["校验结果"].iter_rows(min_row=10, values_only=True))
    assert [r[11] for r in rows] == ["E102", "E101", "W202", "W201", "W301", "I900"]
    link = wb["校验结果"]["E11"].hyperlink
    assert link.location == f"'{T1}'!D5"
    assert wb.active.title == (T2 if vba else "封面")  # the tab the unit had open


def test_twice_equals_once(rich, tmp_path):
    annotate_workbook(rich, findings(), out=tmp_path / "a", checked_at=WHEN)
    once = (tmp_path / "a" / "rich.xlsx").read_bytes()
    annotate_workbook(tmp_path / "a" / "rich.xlsx", findings(), out=tmp_path / "b",
                      checked_at=WHEN)
    assert (tmp_path / "b" / "rich.xlsx").read_bytes() == once
    result = annotate_workbook(tmp_path / "a" / "rich.xlsx", findings(), checked_at=WHEN)
    assert not result.changed
    assert (tmp_path / "a" / "rich.xlsx").read_bytes() == once
    # the same inputs give the same bytes
    annotate_workbook(rich, findings(), out=tmp_path / "c", checked_at=WHEN)
    assert (tmp_path / "c" / "rich.xlsx").read_bytes() == once


def test_twice_equals_once_with_a_real_clock(rich, tmp_path):
    """The CLI passes the current time: a run that finds what the results sheet already lists
    keeps that sheet's time, so the file stays byte for byte as it was; any difference (a
    finding fewer, an explanation typed) writes the new time."""
    annotate_workbook(rich, findings(), checked_at="2024-04-01 09:30")
    once = rich.read_bytes()
    result = annotate_workbook(rich, findings(), checked_at="2024-04-02 10:00")
    assert not result.changed and rich.read_bytes() == once
    annotate_workbook(rich, findings(), out=tmp_path / "copy", checked_at="2024-04-02 10:00")
    copy, annotated = parts(tmp_path / "copy" / "rich.xlsx"), parts(rich)
    results = next(n for n in annotated if "perfxl_results" in n)  # the copy is marked as one
    assert copy.pop(results).replace(b'"copy":true,', b"") == annotated.pop(results)
    assert copy == annotated
    result = annotate_workbook(rich, findings()[1:], checked_at="2024-04-02 10:00")
    assert result.changed
    assert openpyxl.load_workbook(rich)["校验结果"]["C2"].value == "2024-04-02 10:00"
    _type_explanation(rich, "W301", "指标值按年度口径填写")
    annotate_workbook(rich, findings()[1:], checked_at="2024-04-03 11:00")
    ws = openpyxl.load_workbook(rich)["校验结果"]
    assert ws["C2"].value == "2024-04-03 11:00" and ws["C5"].value == 1


def test_fix_then_rerun_restores_the_cell(rich, original):
    first = [f for f in findings() if f.sheet != T2]
    fix = Finding("rich.xlsx", T2, "B3", "W301", "指标值", "warning", "年度指标值为 1")
    annotate_workbook(rich, [*first, fix], checked_at=WHEN)
    assert parts(rich)[SHEET[T2]] != parts(original)[SHEET[T2]]
    wb = openpyxl.load_workbook(rich)
    assert wb[T2]["B3"].comment.author == "perfxl"
    annotate_workbook(rich, first, checked_at="2024-05-02 09:00")  # the unit fixed B3
    new, old = parts(rich), parts(original)
    assert new[SHEET[T2]] == old[SHEET[T2]]
    assert new["xl/worksheets/_rels/sheet3.xml.rels"] == old["xl/worksheets/_rels/sheet3.xml.rels"]
    wb = openpyxl.load_workbook(rich)
    assert wb[T2]["B3"].comment is None
    assert not any("B3" in str(cf.sqref) for cf in wb[T2].conditional_formatting)
    assert wb[T1]["D5"].comment.author == "perfxl"  # what still stands stays noted


def test_clean_restores_every_part(rich, original):
    annotate_workbook(rich, findings(), checked_at=WHEN)
    assert clean_workbook(rich) is True
    assert names(rich) == names(original)
    assert parts(rich) == parts(original)
    assert clean_workbook(rich) is False  # nothing left to remove


SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").rglob("*.xlsx"))


def _noted(path: Path) -> list[Finding]:
    """A note on every sheet of the workbook (an error, a warning) and one on the whole."""
    with zipfile.ZipFile(path) as zf:
        names_ = re.findall(rb'<sheet [^>]*name="([^"]+)"', zf.read("xl/workbook.xml"))
    out = [Finding(path.name, "", "", "I900", "整体", "info", "本表未填写联系人")]
    for i, name in enumerate(n.decode() for n in names_):
        out += [Finding(path.name, name, "B2", f"E{i:03d}", "错误", "error", "应为 1", "1", "2"),
                Finding(path.name, name, "C3", f"W{i:03d}", "警告", "warning", "请核对")]
    return out


def test_clean_gives_back_the_bytes_of_every_sample(tmp_path):
    """Annotated, then cleaned: every sample workbook is its own bytes again, not only its
    parts (issue #15, point 9: a cleaned county sample used to grow from 19,126 to 21,224 bytes)."""
    assert len(SAMPLES) > 40
    for src in SAMPLES:
        path = tmp_path / src.name
        shutil.copy(src, path)
        annotate_workbook(path, _noted(path), checked_at=WHEN)
        assert path.read_bytes() != src.read_bytes()
        assert clean_workbook(path) is True
        assert path.read_bytes() == src.read_bytes(), src


def test_clean_gives_back_the_bytes_openpyxl_wrote(original, tmp_path):
    path = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(original).save(path)
    before = path.read_bytes()
    annotate_workbook(path, findings(), checked_at=WHEN)
    clean_workbook(path)
    assert path.read_bytes() == before


def test_clean_of_parts_another_deflater_packed_gives_back_the_parts_no_larger(original, tmp_path,
                                                                            monkeypatch):
    """Excel deflates with code of its own, which zlib cannot repeat: the parts come back
    exactly, the file is not byte for byte the same, and it does not grow."""
    import zlib

    path = tmp_path / "other.xlsx"
    with monkeypatch.context() as m:  # a deflate no zlib level repeats: other memory, other strategy
        m.setattr(zipfile, "_get_compressor", lambda *_: zlib.compressobj(9, zlib.DEFLATED, -15, 9,
                                                                          zlib.Z_FILTERED))
        with zipfile.ZipFile(original) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                info.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(info, zin.read(info))
    before = path.read_bytes()
    annotate_workbook(path, findings(), checked_at=WHEN)
    clean_workbook(path)
    assert parts(path) == parts(original)
    assert path.read_bytes() != before and len(path.read_bytes()) <= len(before) * 1.02


def test_clean_to_out_leaves_input(rich, original, tmp_path):
    annotate_workbook(rich, findings(), checked_at=WHEN)
    annotated = rich.read_bytes()
    clean_workbook(rich, out=tmp_path / "clean")
    assert rich.read_bytes() == annotated
    assert parts(tmp_path / "clean" / "rich.xlsx") == parts(original)


def _type_explanation(path: Path, code: str, text: str) -> None:
    """What a unit does in Excel, done to the XML: type ``text`` into 说明 on ``code``'s row."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    for k, (info, data) in enumerate(items):
        if info.filename.endswith("perfxl_results1.xml"):
            root = etree.fromstring(data)
            for row in root.iterfind(".//m:row", NS):
                if any(t.text == code for t in row.iterfind("m:c/m:is/m:t", NS)):
                    ref = f"J{row.get('r')}"  # the 说明 column: a blank cell of its own format
                    cell = next(c for c in row.iterfind("m:c", NS) if c.get("r") == ref)
                    cell.set("t", "inlineStr")
                    etree.SubElement(etree.SubElement(cell, f"{{{ooxml.NS_MAIN}}}is"),
                                     f"{{{ooxml.NS_MAIN}}}t").text = text
            items[k] = (info, etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                             standalone=True))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, data)


def test_explanations_last_warnings_only(rich, original):
    annotate_workbook(rich, findings(), checked_at=WHEN)
    _type_explanation(rich, "W201", "县级配套资金年底才到位")
    _type_explanation(rich, "E101", "我们认为没问题")
    assert read_explanations(rich) == {("W201", "rate_county"): "县级配套资金年底才到位",
                                       ("E101", "D5"): "我们认为没问题"}
    result = annotate_workbook(rich, findings(), checked_at="2024-05-02 09:00")
    assert result.explanations == {("W201", "rate_county"): "县级配套资金年底才到位"}
    assert result.rejected == {("E101", "D5"): "我们认为没问题"}
    assert (result.errors, result.warnings, result.explained) == (2, 2, 1)
    by_code = {f.code: f for f in result.findings}
    assert by_code["W201"].explained and not by_code["E101"].explained
    ws = openpyxl.load_workbook(rich)["校验结果"]
    status = {r[11]: (r[9], r[10]) for r in ws.iter_rows(min_row=10, values_only=True)}
    assert status["W201"] == ("县级配套资金年底才到位", "已说明")
    assert status["E101"] == ("我们认为没问题", "说明未采纳（错误须改正）")  # kept, and said to be refused
    assert by_code["E101"].rejected == "我们认为没问题"
    assert ws["C5"].value == 1  # warnings explained
    # the explanation lasts through another run, and clean still gives back the original
    annotate_workbook(rich, findings(), checked_at="2024-05-03 09:00")
    assert read_explanations(rich)[("W201", "rate_county")] == "县级配套资金年底才到位"
    clean_workbook(rich)
    assert parts(rich) == parts(original)


def test_explanation_typed_in_a_resaved_workbook(rich, tmp_path):
    """The unit saves in a program that rewrites every part (openpyxl stands in for Excel):
    perfxl finds its notes by their marks, and the explanation still counts."""
    annotate_workbook(rich, findings(), checked_at=WHEN)
    wb = openpyxl.load_workbook(rich)
    ws = wb["校验结果"]
    row = next(r for r in range(10, 20) if ws.cell(r, 12).value == "W201")
    ws.cell(row, 10).value = "资金年底到位"
    resaved = tmp_path / "resaved.xlsx"
    wb.save(resaved)
    fewer = [f for f in findings() if f.code != "E101"]  # the unit fixed D5
    result = annotate_workbook(resaved, fewer, checked_at="2024-05-02")
    assert result.explanations == {("W201", "rate_county"): "资金年底到位"}
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames.count("校验结果") == 1 and wb.sheetnames[0] == "校验结果"
    assert wb[T1]["D5"].comment is None
    assert wb[T1]["E4"].comment.author == "perfxl"
    assert wb[T1]["D4"].comment.author == "李科长"
    assert clean_workbook(resaved)
    wb = openpyxl.load_workbook(resaved)
    assert wb.sheetnames == ["封面", T1, T2]
    assert [c.comment.author for ws in wb for row in ws.iter_rows() for c in row if c.comment] == [
        "张会计", "李科长"]
    for n, data in parts(resaved).items():
        assert b"perfxl" not in data, n


def test_keep_explanations(rich):
    annotate_workbook(rich, findings(), checked_at=WHEN)
    _type_explanation(rich, "W201", "资金年底到位")
    assert clean_workbook(rich, keep_explanations=True)
    wb = openpyxl.load_workbook(rich)
    assert wb.sheetnames == ["校验结果", "封面", T1, T2]
    assert not any(c.comment and c.comment.author == "perfxl"
                   for ws in wb for row in ws.iter_rows() for c in row)
    assert read_explanations(rich) == {("W201", "rate_county"): "资金年底到位"}
    assert annotate_workbook(rich, findings(), checked_at=WHEN).explained == 1


def test_failure_mid_write_leaves_original(rich, monkeypatch):
    before = rich.read_bytes()

    real, calls = os.write, []

    def broken(fd, data):  # the disk fills up half way through the new file
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real(fd, data[: len(data) // 2])

    monkeypatch.setattr(atomic.os, "write", broken)
    with pytest.raises(WriteError) as caught:
        annotate_workbook(rich, findings(), checked_at=WHEN)
    assert "写入失败" in caught.value.message and str(rich) in caught.value.text()
    assert rich.read_bytes() == before
    assert sorted(p.name for p in rich.parent.iterdir()) == ["logo.png", "rich.xlsx"]


def test_crash_mid_write_leaves_original(rich, monkeypatch):
    before = rich.read_bytes()

    def crash(self, dest):
        raise RuntimeError("boom")

    monkeypatch.setattr(ooxml.Package, "save", crash)
    with pytest.raises(RuntimeError):
        annotate_workbook(rich, findings(), checked_at=WHEN)
    assert rich.read_bytes() == before
    assert sorted(p.name for p in rich.parent.iterdir()) == ["logo.png", "rich.xlsx"]


def test_locked_file_gives_a_clear_message(rich, monkeypatch):
    before = rich.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(atomic.os, "replace", locked)
    with pytest.raises(WriteError) as caught:
        annotate_workbook(rich, findings(), checked_at=WHEN)
    assert caught.value.message == atomic.LOCKED
    assert "Excel/WPS" in caught.value.text() and str(rich) in caught.value.text()
    assert rich.read_bytes() == before
    assert sorted(p.name for p in rich.parent.iterdir()) == ["logo.png", "rich.xlsx"]


def test_atomic_write_keeps_mode(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic.atomic_write(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o640, 0o664, 0o600, 0o444 | 0o200])
def test_atomic_write_of_bytes_keeps_mode_whatever_the_umask(tmp_path, mode):
    """The new file is made with the original's mode, and set to it when the umask took
    bits away (0o664 under the usual 022); a new file gets the usual 0o666 less the umask."""
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    target.chmod(mode)
    atomic.atomic_write(target, data=b"new")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == mode
    fresh = tmp_path / "fresh.bin"
    atomic.atomic_write(fresh, data=b"new")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~atomic._umask()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".perfxl-tmp")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anything")
def test_a_read_only_file_is_left_alone(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")
    target.chmod(0o444)
    with pytest.raises(WriteError, match="只读"):
        atomic.atomic_write(target, data=b"new")
    assert target.read_bytes() == b"old"


def test_a_missing_workbook_is_named_as_missing(tmp_path):
    with pytest.raises(UnreadableWorkbook) as caught:
        annotate_workbook(tmp_path / "没有这个文件.xlsx", [], checked_at=WHEN)
    assert caught.value.message == "文件不存在" and "没有这个文件.xlsx" in caught.value.text()


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(UnreadableWorkbook):
        annotate_workbook(bad, [], checked_at=WHEN)
    assert bad.read_bytes() == b"this is not a zip"


def test_no_findings_still_reports_the_check(rich, original):
    result = annotate_workbook(rich, [], checked_at=WHEN)
    assert result.errors == result.warnings == 0
    ws = openpyxl.load_workbook(rich)["校验结果"]
    assert ws["C2"].value == WHEN and ws["C3"].value == 0
    clean_workbook(rich)
    assert parts(rich) == parts(original)


def test_english_labels(rich):
    annotate_workbook(rich, findings(), checked_at=WHEN, lang="en")
    wb = openpyxl.load_workbook(rich)
    assert wb.sheetnames[0] == "Check results"
    assert wb["Check results"]["A9"].value == "No."
    annotate_workbook(rich, findings(), checked_at=WHEN)  # a later Chinese run replaces it
    assert openpyxl.load_workbook(rich).sheetnames[0] == "校验结果"


def _reopen(path: Path, with_openpyxl: bool = True) -> None:
    if with_openpyxl:
        assert openpyxl.load_workbook(path).sheetnames[0] == "校验结果"
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    assert book.sheet_names[0] == "校验结果"


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    return path


@pytest.mark.parametrize("name", [
    "poi/59388.xlsx",  # WPS, with comments
    "sheetjs/wps_fn.xlsx",  # WPS, richData and a table
    "poi/decimal-format.xlsx",  # WPS
    "poi/CVLKRA-KYC_Download_File_Structure_V3.1.xlsx",  # WPS, a real form
    # relationships prefix ns: not r:; an empty styleSheet openpyxl cannot read at all
    "calamine/nonstandard-xml-ns-prefix.xlsx",
    "poi/SimpleStrict.xlsx",  # Strict OOXML namespaces (openpyxl sees no sheets in it)
    "sheetjs/wps_image.xlsx",  # WPS in-cell images (cellimages.xml), 1.7 MB
    "excelize/MergeCell.xlsx",
    "poi/57893-many-merges.xlsx",
    "calamine/issue_261_fixed_by_excel.xlsx",  # saved by Excel
])
def test_other_writers(name, tmp_path):
    src = tmp_path / Path(name).name
    shutil.copy(_corpus(name), src)
    before = parts(src)
    book = CalamineWorkbook.from_path(str(src))
    first = book.sheet_names[0]
    found = [Finding(src.name, first, "A1", "E1", "x", "error", "第一格有误", "1", "2"),
             Finding(src.name, first, "B2", "W1", "y", "warning", "第二格请核对")]
    annotate_workbook(src, found, checked_at=WHEN)
    # openpyxl: no sheets seen in Strict files, no styles in the empty styleSheet, and
    # minutes for the 50 000 merges
    _reopen(src, with_openpyxl=not any(k in name for k in ("nonstandard", "Strict", "merges")))
    annotate_workbook(src, found, checked_at=WHEN)
    assert clean_workbook(src)
    after = parts(src)
    assert set(after) == set(before)
    assert all(after[n] == before[n] for n in before), [n for n in before if after[n] != before[n]]


def _soffice(tmp_path: Path, kind: str, outdir: Path, src: Path) -> None:
    # a private profile: another LibreOffice running on the machine must not take the job
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    kind, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=300)


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed")
def test_libreoffice_resaved(rich, tmp_path):
    lo = tmp_path / "lo"
    _soffice(tmp_path, "xlsx", lo, rich)
    resaved = lo / "rich.xlsx"
    annotate_workbook(resaved, findings(), checked_at=WHEN)
    _reopen(resaved)
    # LibreOffice rewrites perfxl's notes too (drops code names, comment authors, the
    # record); the next run still finds and replaces them
    _soffice(tmp_path, "xlsx", lo / "2", resaved)
    again = lo / "2" / "rich.xlsx"
    result = annotate_workbook(again, findings()[:2], checked_at=WHEN)
    assert result.comments == 2
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames.count("校验结果") == 1
    notes = sorted(c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                   if c.comment and c.comment.text.startswith("perfxl:"))
    assert notes == ["D5", "E4"]
    assert clean_workbook(again)
    for n, data in parts(again).items():
        assert b"perfxl" not in data, n
    assert openpyxl.load_workbook(again).sheetnames == ["封面", T1, T2]


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed")
def test_pdf_of_annotated_workbook(rich, tmp_path):
    annotate_workbook(rich, findings(), checked_at=WHEN)
    _soffice(tmp_path, "pdf", tmp_path / "pdf", rich)
    pdf = tmp_path / "pdf" / "rich.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())) >= 4


@pytest.mark.parametrize("name", [
    "poi/poc-xmlbomb.xlsx", "poi/poc-shared-strings.xlsx",  # entity bombs, never expanded
    "poi/xlsx-corrupted.xlsx", "excelize/encryptAES.xlsx", "calamine/pass_protected.xlsx",
])
def test_hostile_files(name, tmp_path):
    src = tmp_path / "h.xlsx"
    shutil.copy(_corpus(name), src)
    before = src.read_bytes()
    try:
        annotate_workbook(src, [Finding("h", "Sheet1", "A1", "E1", "x", "error", "m")],
                          checked_at=WHEN)
    except UnreadableWorkbook as exc:
        assert str(src) in exc.text()
        assert src.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["h.xlsx"]


def test_dtd_refused(rich):
    items = parts(rich)
    items["xl/workbook.xml"] = items["xl/workbook.xml"].replace(
        b"?>", b'?><!DOCTYPE workbook [<!ENTITY a "aaaa">]>', 1)
    with zipfile.ZipFile(rich, "w") as zf:
        for n, data in items.items():
            zf.writestr(n, data)
    with pytest.raises(UnreadableWorkbook, match="DTD"):
        annotate_workbook(rich, findings(), checked_at=WHEN)


def _rewrite(path: Path, change) -> None:
    items = parts(path)
    change(items)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in items.items():
            zf.writestr(n, data)


def test_clean_by_marks_when_the_record_no_longer_fits(rich, original):
    """Someone touched workbook.xml after perfxl: the exact record cannot be replayed, so
    perfxl removes its things by their marks, and still gives back every other part as it was;
    it also takes the results sheet out of app.xml, where Excel lists the sheets."""
    annotate_workbook(rich, findings(), checked_at=WHEN)

    def touch(items):
        items["xl/workbook.xml"] = items["xl/workbook.xml"].replace(b"<sheets>", b"<sheets> ")
        app = items["docProps/app.xml"]
        app = app.replace(b"<vt:i4>3</vt:i4>", b"<vt:i4>4</vt:i4>", 1)
        items["docProps/app.xml"] = app.replace(
            b'<vt:vector size="8" baseType="lpstr">',
            '<vt:vector size="9" baseType="lpstr"><vt:lpstr>校验结果</vt:lpstr>'.encode())

    _rewrite(rich, touch)
    assert clean_workbook(rich)
    new, old = parts(rich), parts(original)
    assert set(new) == set(old)
    assert [n for n in old if new[n] != old[n]] == ["xl/workbook.xml"]
    assert new["xl/workbook.xml"] == old["xl/workbook.xml"].replace(
        b"<sheets>", b"<sheets> ").replace(b'windowHeight="9660"', b'windowHeight="9660" activeTab="0"')


def test_a_note_added_to_perfxls_comments_part_survives(rich):
    """Another program added the unit's own note into the comments part perfxl created: that
    part is no longer perfxl's alone, so the next run removes only perfxl's notes from it."""
    annotate_workbook(rich, findings(), checked_at=WHEN)
    ours = next(n for n in parts(rich) if "perfxl_comments" in n)

    def add_note(items):
        items[ours] = items[ours].replace(b"<author>perfxl</author>", "<author>perfxl</author>"
                                          "<author>王五</author>".encode()).replace(
            b"</commentList>", '<comment ref="A1" authorId="1"><text><t>单位自己的批注</t></text>'
            "</comment></commentList>".encode())

    _rewrite(rich, add_note)
    annotate_workbook(rich, findings(), checked_at=WHEN)
    wb = openpyxl.load_workbook(rich)
    assert wb[T2]["A1"].comment.text == "单位自己的批注"
    assert wb[T2]["B3"].comment.author == "perfxl"
    clean_workbook(rich)
    wb = openpyxl.load_workbook(rich)
    assert wb[T2]["A1"].comment.author == "王五" and wb[T2]["B3"].comment is None


def _marks(path: Path) -> dict[str, tuple[int, int]]:
    """Per sheet part: perfxl's highlight rules and perfxl's notes on its cells."""
    wb_parts = parts(path)
    out = {}
    for sheet, part in SHEET.items():
        data = wb_parts[part]
        notes = openpyxl.load_workbook(path)[sheet]
        authored = sum(1 for row in notes.iter_rows() for c in row
                       if c.comment is not None and c.comment.author == "perfxl")
        out[sheet] = (data.count(b'N("perfxl")=0'), authored)
    return out


@pytest.mark.parametrize("cells", ["all", "D4"], ids=["notes and highlights",
                                                       "a highlight only"])
def test_a_results_sheet_deleted_by_the_unit_leaves_no_double_notes(rich, cells):
    """The unit deleted 校验结果 (and saved): the highlights and notes perfxl left on the
    sheets are found by their marks and replaced, not written a second time.  D4 carries the
    unit's own note, so there perfxl leaves only a highlight: no note of perfxl's gives it away."""
    chosen = [f for f in findings() if cells == "all" or f.cell == cells]
    annotate_workbook(rich, chosen, checked_at=WHEN)
    once = _marks(rich)
    assert sum(h for h, _n in once.values()) > 0
    assert sum(n for _h, n in once.values()) == (0 if cells == "D4" else 4)

    def delete_results(items):
        wb = items["xl/workbook.xml"]
        items["xl/workbook.xml"] = re.sub('<sheet name="校验结果"[^>]*/>'.encode(), b"", wb)
        results = next(n for n in items if "perfxl_results" in n)
        del items[results]

    _rewrite(rich, delete_results)
    annotate_workbook(rich, chosen, checked_at=WHEN)
    assert _marks(rich) == once
    assert sum(n.startswith("xl/worksheets/perfxl_results") for n in names(rich)) == 1


def _inflated(monkeypatch) -> list[str]:
    """The parts the package inflates from here on, in order."""
    from perfxl.ooxml.opc import Package

    inflated = []
    original = Package.original

    def spy(self, part):
        inflated.append(part)
        return original(self, part)

    monkeypatch.setattr(Package, "original", spy)
    return inflated


def test_a_workbook_never_annotated_is_read_only_where_it_is_flagged(rich, monkeypatch):
    """With none of perfxl's highlight fills in styles.xml there can be no results sheet or
    highlight of perfxl's: sheets without findings are not even inflated."""
    assert b"FFC7CE" not in parts(rich)["xl/styles.xml"].upper()
    inflated = _inflated(monkeypatch)
    only_t1 = [f for f in findings() if f.sheet == T1]
    annotate_workbook(rich, only_t1, checked_at=WHEN)
    assert SHEET[T1] in inflated
    assert SHEET["封面"] not in inflated and SHEET[T2] not in inflated
    # annotated again: the results sheet (first) holds the record that takes the notes out
    inflated.clear()
    annotate_workbook(rich, only_t1, checked_at=WHEN)
    assert SHEET["封面"] not in inflated and SHEET[T2] not in inflated


def test_the_units_own_cells_in_perfxls_colours_are_not_taken_for_its_marks(rich, monkeypatch):
    """Excel's built-in 'Bad' and 'Neutral' cell styles fill with the very colours perfxl
    highlights in; used on the unit's own cells (a fill in styles.xml, not a differential
    format), they do not make perfxl read every sheet looking for highlights of its own."""

    def bad_style_fills(items):
        items["xl/styles.xml"] = items["xl/styles.xml"].replace(
            b'<fgColor rgb="FFDDEBF7"/>', b'<fgColor rgb="FFFFC7CE"/>')

    _rewrite(rich, bad_style_fills)
    assert b"FFFFC7CE" in parts(rich)["xl/styles.xml"]
    inflated = _inflated(monkeypatch)
    annotate_workbook(rich, [f for f in findings() if f.sheet == T1], checked_at=WHEN)
    assert SHEET[T1] in inflated
    assert SHEET["封面"] not in inflated and SHEET[T2] not in inflated


def _without_styles(path: Path) -> Path:
    """A workbook as minimal writers make it: no styles part at all (and so no cell styles)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    items = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>项目</t></is></c><c r="B1"><v>100</v></c></row>'
        "</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in items.items():
            zf.writestr(name, text.encode())
    return path


def test_a_workbook_without_styles_gets_perfxls_own_and_gives_it_back(tmp_path):
    src = _without_styles(tmp_path / "minimal.xlsx")
    before = parts(src)
    found = [Finding(src.name, "数据", "B1", "E1", "x", "error", "金额有误", "90", "100"),
             Finding(src.name, "数据", "A1", "W1", "y", "warning", "请核对")]
    result = annotate_workbook(src, found, checked_at=WHEN)
    assert (result.comments, result.highlights) == (2, 2)
    after = parts(src)
    styles = [n for n in after if n not in before and "styles" in n]
    assert len(styles) == 1 and b"FFFFC7CE" in after[styles[0]]
    assert Path(styles[0]).name.encode() in after["xl/_rels/workbook.xml.rels"]
    assert f"/{styles[0]}".encode() in after["[Content_Types].xml"]
    _reopen(src)
    once = src.read_bytes()
    annotate_workbook(src, found, checked_at=WHEN)
    assert src.read_bytes() == once
    assert clean_workbook(src)
    assert parts(src) == before
