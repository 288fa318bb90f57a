"""The zip under every annotated workbook: read as stored, written back losing nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from perfxl.errors import UnreadableWorkbook
from perfxl.opc import Package, _directory

from richbook import build

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
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

