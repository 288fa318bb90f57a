"""perfxl.guard: hostile files are refused with a plain reason (the corpus runs isolated)."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfxl.batch.isolate import Failure, map_isolated
from perfxl.errors import UnreadableWorkbook
from perfxl.read.guard import (
    READABLE_KINDS,
    Limits,
    check_package,
    open_checked,
    parse_xml,
    safe_xml_parser,
    sniff,
)

import hostile

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"  # ../shared beside the clone


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*")
                  if p.is_file() and p.parent.name != "licences" and p.name != "MANIFEST.txt")


def refused(path: Path, limits: Limits | None = None) -> UnreadableWorkbook:
    with pytest.raises(UnreadableWorkbook) as info:
        open_checked(path, limits)
    assert info.value.path == str(path)
    assert info.value.message and info.value.message_en != info.value.message
    return info.value


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A real workbook written by openpyxl, with enough in it to cut in half."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "绩效自评表"
    for r in range(1, 200):
        ws.append([f"项目{r}", r * 1.5, f"指标说明 {r} " * 5])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- sniff


def test_empty_file(tmp_path: Path):
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    assert sniff(path) == "empty"
    assert refused(path).message == "文件为空（0 字节）"


def test_truncated_zip(book: Path):
    assert open_checked(book) == "xlsx"
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    err = refused(book)
    assert err.message == "压缩包已损坏或不完整（文件可能未保存完或传输中断）"
    with pytest.raises(UnreadableWorkbook, match="压缩包已损坏"):
        check_package(book)


@pytest.mark.parametrize(("content", "kind", "says"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf", "（看起来是 PDF 文件）"),
    ("项目名称,预算数\n道路维护,120.5\n".encode("gb18030"), "text", "纯文本或 CSV"),
    ("\ufeff项目名称\t预算数\n".encode(), "text", "纯文本或 CSV"),
    ("项目名称\t预算数\r\n道路\t1\r\n".encode("utf-16"), "text", "纯文本或 CSV"),  # "Unicode 文本"
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "text", "网页（HTML）"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
     "text", "Excel 2003 XML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unknown", "PNG 图片"),
    (b"Rar!\x1a\x07\x00" + bytes(50), "unknown", "RAR 压缩包"),
    (bytes(range(256)) * 4, "unknown", "无法识别"),
])
def test_not_a_workbook_renamed_xlsx(tmp_path: Path, content: bytes, kind: str, says: str):
    path = tmp_path / "报表.xlsx"
    path.write_bytes(content)
    assert sniff(path) == kind
    err = refused(path)
    assert says in err.message
    assert err.message.startswith("不是 Excel 工作簿")


def test_pdf_message_is_plain(tmp_path: Path):
    path = tmp_path / "a.xls"
    path.write_bytes(b"%PDF-1.4\n")
    assert refused(path).message == "不是 Excel 工作簿（看起来是 PDF 文件）"


def build(kind: str, tmp_path: Path) -> Path:
    h = hostile
    if kind == "xlsx":
        return h.xlsx(tmp_path / "a.xls")  # the name does not matter
    if kind == "xlsm":
        return h.xlsx(tmp_path / "a.xlsx", main=h.XLSM_MAIN, extra={"xl/vbaProject.bin": b"vba"})
    if kind == "strict":
        return h.xlsx(tmp_path / "a.xlsx", ns=h.STRICT)
    if kind == "xlsb":
        path = tmp_path / "a.xlsb"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("[Content_Types].xml", '<Override PartName="/xl/workbook.bin" Content'
                        'Type="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>')
            zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
        return path
    if kind == "xls":
        return h.cfb(tmp_path / "a.xlsx", {"Workbook": h.biff()})
    if kind == "et":
        return h.cfb(tmp_path / "a.et", {"Workbook": h.biff(), "ETExtData": b"\x09\x08"})
    if kind == "encrypted":
        return h.encrypted_xlsx(tmp_path / "a.xlsx")
    if kind == "ods":
        path = tmp_path / "a.xlsx"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", "<office:document-content/>")
        return path
    if kind == "zip":
        path = tmp_path / "a.xlsx"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("word/document.xml", "<w:document/>")
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["xlsx", "xlsm", "strict", "xlsb", "xls", "et", "encrypted",
                                  "ods", "zip"])
def test_sniff_kinds(tmp_path: Path, kind: str):
    path = build(kind, tmp_path)
    assert sniff(path) == kind
    if kind in READABLE_KINDS:
        assert open_checked(path) == kind
    else:
        refused(path)


def test_word_document_is_named(tmp_path: Path):
    assert "Word 文档" in refused(build("zip", tmp_path)).message
    doc = hostile.cfb(tmp_path / "b.xls", {"WordDocument": b"x"})
    assert "Word 97-2003" in refused(doc).message


def test_old_biff_and_damaged_ole(tmp_path: Path):
    old = tmp_path / "old.xls"
    old.write_bytes(b"\x09\x04\x06\x00\x00\x00\x10\x00" + bytes(100))
    assert sniff(old) == "xls"
    assert "Excel 4.0" in refused(old).message
    whole = hostile.cfb(tmp_path / "cut.xls", {"Workbook": hostile.biff()}).read_bytes()
    (tmp_path / "cut.xls").write_bytes(whole[:700])
    assert "已损坏" in refused(tmp_path / "cut.xls").message


def test_missing_and_folder(tmp_path: Path):
    with pytest.raises(UnreadableWorkbook, match="文件不存在"):
        open_checked(tmp_path / "nope.xlsx")
    with pytest.raises(UnreadableWorkbook, match="文件夹"):
        sniff(tmp_path)


# ----------------------------------------------------------------------------- encryption


def test_encrypted_xlsx(tmp_path: Path):
    path = hostile.encrypted_xlsx(tmp_path / "加密.xlsx")
    assert sniff(path) == "encrypted"
    assert refused(path).message.startswith("文件已加密（设有打开密码），请去掉密码后重新报送")


def test_encrypted_xls_filepass(tmp_path: Path):
    path = hostile.cfb(tmp_path / "加密.xls", {"Workbook": hostile.biff(encrypted=True)})
    assert sniff(path) == "encrypted"
    assert "已加密" in refused(path).message


@pytest.mark.parametrize("name", ["calamine/pass_protected.xlsx", "excelize/encryptAES.xlsx",
                                  "excelize/encryptSHA512.xlsx", "poi/protected_passtika.xlsx",
                                  "poi/password.xls", "poi/35897-type4.xls",
                                  "poi/xor-encryption-abc.xls"])
def test_encrypted_corpus(name: str):
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} absent")
    assert sniff(path) == "encrypted"
    assert "已加密" in refused(path).message


# ----------------------------------------------------------------------------- bombs


def test_zip_bomb_refused_from_directory_alone(tmp_path: Path):
    path = hostile.xlsx(tmp_path / "bomb.xlsx", zeros_mb=300)
    assert path.stat().st_size < 2 << 20
    start = time.perf_counter()
    err = refused(path, Limits(max_part_mb=100))
    assert time.perf_counter() - start < 1.0
    assert err.message == "疑似压缩炸弹：xl/worksheets/sheet1.xml 解压后 300 MB，超过上限 100 MB"
    assert "zip bomb" in err.message_en


def test_declared_gigabyte(tmp_path: Path):
    path = hostile.declare_size(hostile.xlsx(tmp_path / "a.xlsx"), "xl/worksheets/sheet1.xml",
                                1 << 30)
    assert refused(path).message == (
        "疑似压缩炸弹：xl/worksheets/sheet1.xml 解压后 1.0 GB，超过上限 200 MB")


def test_compression_ratio(tmp_path: Path):
    path = hostile.xlsx(tmp_path / "a.xlsx", zeros_mb=5)
    err = refused(path)
    assert "压缩比" in err.message and "超过上限 200:1" in err.message
    check_package(path, Limits(max_ratio=5000))  # a looser limit lets it through


def test_total_members_names_overlap(tmp_path: Path):
    many = hostile.xlsx(tmp_path / "many.xlsx",
                        extra={f"xl/media/image{i}.png": bytes(2000) for i in range(30)})
    assert "文件数过多" in refused(many, Limits(max_members=20)).message
    err = refused(many, Limits(max_total_mb=0.03, max_part_mb=1))
    assert "全部内容解压后共" in err.message
    for bad in ("../../etc/passwd", "/abs/x.xml", "C:\\x.xml"):
        path = hostile.xlsx(tmp_path / "bad.xlsx", extra={bad: "x"})
        assert "异常的文件名" in refused(path).message
    over = hostile.overlapping(hostile.xlsx(tmp_path / "over.xlsx"))
    assert "相互重叠" in refused(over).message


def test_backslash_names_are_fine(tmp_path: Path):
    path = hostile.xlsx(tmp_path / "wps.xlsx", extra={"docProps\\app.xml": "<Properties/>"})
    assert open_checked(path) == "xlsx"


def test_entity_bomb(tmp_path: Path):
    with pytest.raises(UnreadableWorkbook, match="实体炸弹") as info:
        parse_xml(hostile.BILLION_LAUGHS, part="xl/sharedStrings.xml", path="a.xlsx")
    assert "xl/sharedStrings.xml" in info.value.message and info.value.path == "a.xlsx"
    utf16 = hostile.BILLION_LAUGHS.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(UnreadableWorkbook, match="实体炸弹"):
        parse_xml(utf16)
    # the parser alone never expands it: it keeps entity references, or libxml2 refuses
    from lxml import etree

    try:
        root = etree.fromstring(hostile.BILLION_LAUGHS, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        assert "amplification" in str(exc)
    else:
        assert len(etree.tostring(root)) < 1000
    path = hostile.xlsx(tmp_path / "laughs.xlsx",
                        extra={"xl/sharedStrings.xml": hostile.BILLION_LAUGHS})
    err = refused(path)
    assert err.message.startswith("疑似 XML 实体炸弹：xl/sharedStrings.xml")


def test_external_entity_not_resolved(tmp_path: Path):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<r>&x;</r>")
    with pytest.raises(UnreadableWorkbook):
        parse_xml(xxe)
    from lxml import etree

    assert b"root:" not in etree.tostring(etree.fromstring(xxe, safe_xml_parser()))


def test_parse_xml_plain_and_malformed():
    root = parse_xml(hostile.SHEET.encode(), part="xl/worksheets/sheet1.xml")
    assert root.tag.endswith("worksheet")
    with pytest.raises(UnreadableWorkbook, match="格式错误"):
        parse_xml(b"<worksheet><sheetData>", part="xl/worksheets/sheet1.xml")


def test_limits_defaults():
    lim = Limits()
    assert (lim.max_part_mb, lim.max_total_mb, lim.max_ratio, lim.ratio_min_part_mb) == (
        200, 500, 200, 1)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_a_kind_or_a_reason(tmp_path_factory, data):
    """Random bytes, or a real workbook with bytes flipped or cut: never anything but these."""
    where = tmp_path_factory.mktemp("fuzz")
    base = data.draw(st.sampled_from([
        hostile.xlsx(where / "a.xlsx").read_bytes(),
        hostile.cfb(where / "a.xls", {"Workbook": hostile.biff(), "x": b"1"}).read_bytes()]))
    blob = data.draw(st.one_of(
        st.binary(max_size=3000),
        st.builds(lambda cut, flips: _mutate(base[:cut], flips),
                  st.integers(0, len(base)),
                  st.lists(st.tuples(st.integers(0, len(base)), st.integers(0, 255)),
                           max_size=8))))
    path = tmp_path_factory.mktemp("fuzz") / "f.xlsx"
    path.write_bytes(blob)
    try:
        assert open_checked(path) in READABLE_KINDS
    except UnreadableWorkbook as exc:
        assert exc.message and exc.message_en


def _mutate(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, value in flips:
        if at < len(out):
            out[at] = value
    return bytes(out)


# ----------------------------------------------------------------------------- the corpus


@pytest.mark.skipif(not corpus_files(), reason="no ../shared/corpus")
def test_corpus_every_file_ends_with_a_result_or_a_reason():
    files = corpus_files()
    kinds = {}
    for path in files:
        try:
            kinds[path] = open_checked(path)
        except UnreadableWorkbook as exc:
            kinds[path] = exc.message
    assert sum(k in READABLE_KINDS for k in kinds.values()) > len(files) // 2
    items = [str(p) for p in files]
    results = list(map_isolated(hostile.read_workbook, items, timeout=30, memory_mb=1024))
    assert [item for item, _ in results] == items
    for item, result in results:
        if isinstance(result, Failure):
            assert result.reason_zh and "Traceback" not in result.reason_zh, item
        else:
            kind, sheets = result
            assert kind in READABLE_KINDS and isinstance(sheets, list), item
    outcome = dict(results)
    bomb = str(CORPUS / "poi/poc-xmlbomb.xlsx")
    if bomb in outcome:
        assert "实体炸弹" in outcome[bomb].reason_zh
