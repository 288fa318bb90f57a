"""The zip under every annotated workbook: read as stored, written back losing nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from perfxl.errors import UnreadableWorkbook
from perfxl.ooxml.opc import Package, _directory, _relationships

from richbook import CORPUS, build, xml_parts

FIELDS = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
          "header_offset", "date_time")


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it then writes data descriptors after each part,
    as Java's and some other writers do."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buffer += b
        return len(b)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {i.filename: zf.read(i) for i in zf.infolist()}


def with_descriptors(tmp_path) -> Path:
    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook>" + b"<x/>" * 500 + b"</workbook>")
        zf.writestr("docProps/app.xml", b"<Properties/>")
    path = tmp_path / "descriptors.xlsx"
    path.write_bytes(bytes(sink.buffer))
    return path


def test_directory_read_directly_equals_zipfiles(tmp_path):
    book = build(tmp_path / "rich.xlsx")
    data = book.read_bytes()
    mine = _directory(data)
    theirs = zipfile.ZipFile(book).infolist()
    assert [tuple(getattr(e, f) for f in FIELDS) for e in mine] == \
        [tuple(getattr(i, f) for f in FIELDS) for i in theirs]


def test_parts_after_data_descriptors_are_copied_whole(tmp_path):
    path = with_descriptors(tmp_path)
    before = parts(path.read_bytes())
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(path).infolist())
    with Package(path) as pkg:
        pkg.write("docProps/app.xml", b"<Properties><Pages>1</Pages></Properties>")
        written = pkg.to_bytes()
    assert parts(written) == {**before, "docProps/app.xml": b"<Properties><Pages>1</Pages></Properties>"}
    # the untouched parts moved as they were: header, data and descriptor, byte for byte
    offsets = [i.header_offset for i in zipfile.ZipFile(path).infolist()]
    original = path.read_bytes()
    assert original[offsets[0]:offsets[1]] in written and original[offsets[1]:offsets[2]] in written


def test_bytes_before_the_zip_are_left_to_zipfile(tmp_path):
    book = build(tmp_path / "rich.xlsx")
    prefixed = tmp_path / "prefixed.xlsx"
    prefixed.write_bytes(b"MZ" + b"\0" * 510 + book.read_bytes())  # a self-extractor's stub
    with Package(prefixed) as pkg:
        assert parts(pkg.to_bytes()) == parts(book.read_bytes())


def test_a_truncated_zip_is_refused(tmp_path):
    book = build(tmp_path / "rich.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(book.read_bytes()[:-300])
    with pytest.raises(UnreadableWorkbook):
        Package(cut)


def test_digest_comes_from_the_directory_until_a_part_changes(tmp_path):
    book = build(tmp_path / "rich.xlsx")
    with Package(book) as pkg:
        stored = pkg.digest("xl/workbook.xml")
        data = pkg.read("xl/workbook.xml")
        assert stored == f"{zipfile.crc32(data):08x}/{len(data)}"
        pkg.write("xl/workbook.xml", data + b" ")
        assert pkg.digest("xl/workbook.xml") != stored


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside the clone")
def test_corpus_directories_read_as_zipfile_reads_them():
    compared = 0
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            theirs = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
            continue
        mine = _directory(data)
        assert [tuple(getattr(e, f) for f in FIELDS) for e in mine] == \
            [tuple(getattr(i, f) for f in FIELDS) for i in theirs], path.name
        compared += 1
    assert compared > 10



# ---------------------------------------------------------------- the workbook part


def _with_root_rels(tmp_path, rels: bytes) -> Path:
    path = tmp_path / "rels.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("wb/book.xml", b"<workbook/>")
    return path


OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


@pytest.mark.parametrize("tag, expected", [
    (f'<Relationship Id="rId1" Type="{OFFICE}" Target="xl/workbook.xml"/>', "xl/workbook.xml"),
    (f'<Relationship Target="/xl/workbook.xml" Id="r" Type="{OFFICE}" />', "xl/workbook.xml"),
    (f'<Relationship Type="{OFFICE}" Target="wb/./book.xml" Id="x"/>', "wb/book.xml"),
    (f'<Relationship Id="a" Type="{CORE}" Target="docProps/core.xml"/>'
     f'<Relationship Id="b" Type="{OFFICE}" Target="wb/book.xml"/>', "wb/book.xml"),
    (f"<Relationship Id='b' Type='{OFFICE}' Target='wb/book.xml'/>", "wb/book.xml"),
    (f'<Relationship Id="b" Type="{OFFICE}" Target="wb/bo&#x6F;k.xml"/>', "wb/book.xml"),
    (f'<!-- <Relationship Type="{OFFICE}" Target="nowhere.xml"/> -->'
     f'<Relationship Id="b" Type="{OFFICE}" Target="xl/workbook.xml"/>', "xl/workbook.xml"),
], ids=["usual", "absolute", "dot", "second", "single quotes", "entity", "commented out"])
def test_the_workbook_part_is_found_however_the_root_relationship_is_spelled(tmp_path, tag,
                                                                              expected):
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{tag}</Relationships>').encode()
    with Package(_with_root_rels(tmp_path, rels)) as pkg:
        assert pkg.main_part() == expected
        assert pkg.main_part() == next(r.target for r in pkg.rels("")
                                       if r.type.endswith("/officeDocument"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")
def test_corpus_workbook_parts_agree_with_the_relationships():
    checked = 0
    for path in sorted(CORPUS.rglob("*.xls[xm]")):
        try:
            pkg = Package(path)
        except UnreadableWorkbook:
            continue
        with pkg:
            try:
                full = next((r.target for r in pkg.rels("")
                             if r.type.endswith("/officeDocument") and not r.external), None)
            except UnreadableWorkbook:
                continue
            if full is not None:
                assert pkg.main_part() == full, path
                checked += 1
    assert checked > 20


# ---------------------------------------------------------------- relationships


def _lxml_relationships(data: bytes) -> list[dict[str, str]]:
    from lxml import etree

    return [dict(el.attrib) for el in etree.fromstring(data)
            if type(el.tag) is str and el.tag.rpartition("}")[2] == "Relationship"]


NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


@pytest.mark.parametrize("body", [
    f'<Relationship Id="rId1" Type="{OFFICE}" Target="xl/workbook.xml"/>',
    f"<Relationship Id='a' Type='{CORE}' Target='docProps/core.xml' />"
    f'<Relationship\n Id="b"\tType="{OFFICE}" Target="x.xml"></Relationship>',
    f'<Relationship Id="h" Type="{OFFICE}/hyperlink" Target="http://x/?a=1&amp;b=&lt;2&gt;" '
    'TargetMode="External"/>',
    f'<Relationship Id="q" Type="{OFFICE}" Target="a&gt;b.xml" Note="1 > 0"/>',
    f'<!-- <Relationship Id="old" Type="{OFFICE}" Target="gone.xml"/> -->'
    f'<Relationship Id="new" Type="{OFFICE}" Target="here.xml"/>',
    f'<Relationship Id="t" Type="{OFFICE}" Target="t.xml"/><Other Id="no"/>',
    f'<?pi x?><Relationship Id="p" Type="{OFFICE}" Target="p.xml"/>',
    "",
], ids=["usual", "quotes, spacing, open tag", "entities", "'>' in values", "commented out",
        "another element", "processing instruction", "none"])
def test_relationships_are_read_as_lxml_reads_them(body):

    for root in (f'<Relationships xmlns="{NS_PKG}">{body}</Relationships>',
                 f'<p:Relationships xmlns:p="{NS_PKG}">'
                 f'{body.replace("<Relationship", "<p:Relationship").replace("</Relationship", "</p:Relationship")}'
                 "</p:Relationships>"):
        data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root).encode()
        assert _relationships(data, "x.rels") == _lxml_relationships(data)


def test_relationships_in_another_encoding_are_decoded_as_declared():

    data = (f'<?xml version="1.0" encoding="GBK"?><Relationships xmlns="{NS_PKG}">'
            f'<Relationship Id="a" Type="{OFFICE}" Target="工作簿.xml"/></Relationships>'
            ).encode("gbk")
    assert _relationships(data, "x.rels") == [{"Id": "a", "Type": OFFICE, "Target": "工作簿.xml"}]


def test_relationships_that_are_not_xml_are_refused():

    with pytest.raises(UnreadableWorkbook):
        _relationships(b'<Relationships><Relationship Id="a" Target="x"/>', "x.rels")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")
def test_corpus_relationships_are_read_as_lxml_reads_them():

    checked = 0
    for path in sorted(CORPUS.rglob("*.xls[xm]")):
        for name, data in xml_parts(path):
            if not name.endswith(".rels"):
                continue
            try:
                expected = _lxml_relationships(data)
            except Exception:  # not XML: not this test's
                continue
            assert _relationships(data, name) == expected, (path, name)
            checked += 1
    assert checked > 50


def test_the_usual_relationships_part_is_read_without_lxml(monkeypatch):
    import perfxl.ooxml.opc as opc

    def refuse(*_args):
        raise AssertionError("lxml used for a plain relationships part")

    monkeypatch.setattr(opc, "parse_xml", refuse)
    data = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            f'xmlns="{NS_PKG}"><Relationship Id="rId1" Type="{OFFICE}" Target="xl/workbook.xml"/>'
            "</Relationships>").encode()
    assert opc._relationships(data, "x.rels") == [
        {"Id": "rId1", "Type": OFFICE, "Target": "xl/workbook.xml"}]
