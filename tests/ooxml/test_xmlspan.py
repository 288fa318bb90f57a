"""XML parts taken apart as text: the quick scans agree with the full tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfxl.ooxml import xmlspan as xs

from richbook import CORPUS, build, xml_parts

ROOT = Path(__file__).resolve().parents[2]


def reference_children(data: bytes, start: int, end: int) -> list[tuple]:
    """Every child by the full token pattern alone, end tags found by counting nested ones
    of the same name: the way perfxl scanned before the quick paths."""
    out, pos = [], start
    while True:
        m = xs._TOKEN.search(data, pos, end)
        if m is None:
            return out
        pos = m.end()
        if m.group(2) is None:
            continue
        assert not m.group(1), "unbalanced"
        close = pos
        if not m.group(4):
            close = xs._close_of(data, m.group(2), pos, end)
            pos = data.index(b">", close) + 1
        out.append((m.group(2), m.start(), m.end(), m.group(3), close, pos if not m.group(4)
                    else m.end()))


def spans(els) -> list[tuple]:
    return [(e.qname, e.start, e.open_end, e.attrs_raw, e.close_start, e.end) for e in els]


def assert_same_scan(data: bytes) -> int:
    top = xs.root(data)
    if top.empty:
        return 0
    kids = xs.kids(data, top)
    assert spans(kids) == reference_children(data, top.open_end, top.close_start)
    for el in kids:  # and one level down
        if not el.empty:
            assert spans(xs.kids(data, el)) == reference_children(data, el.open_end,
                                                                  el.close_start)
    return len(kids)


TRICKY = [
    b'<a><b x="1>2"/><c y=\'q"\'>t</c><d/></a>',  # quotes holding '>' and '"'
    b"<a><!-- <b> not a child --><b/><?pi x?><![CDATA[<c>]]><c>x</c></a>",
    b'<x:a xmlns:x="u"><x:b  r="1" /><x:b\n r="2"\t/><x:c></x:c></x:a>',
    b"<a><b><b>nested</b><b/></b><b>second</b></a>",  # same name nested
    b"<ws><sheetData><row/></sheetData><dataValidations count=\"1\"><dataValidation/>"
    b"</dataValidations><pageMargins/></ws>",  # end tags found from the parent's end
    b"<ws><sheetData/><mergeCells/><extLst><ext><mergeCells/></ext></extLst></ws>",
    b"<a><_b/><b.c/><b-c/></a>",
    b"<ws><mergeCells><mergeCell/></mergeCells><extLst><ext><mergeCells>x</mergeCells></ext>"
    b"</extLst></ws>",  # the same name again later, inside another element
]


@pytest.mark.parametrize("data", TRICKY, ids=range(len(TRICKY)))
def test_tricky_markup_scans_as_the_full_tokenizer_scans_it(data):
    assert assert_same_scan(data) > 0


def test_unbalanced_markup_is_refused():
    data = b"<a><b></a>"
    with pytest.raises(xs.XmlError):
        xs.kids(data, xs.root(data))


def test_every_part_of_the_samples_and_a_rich_workbook_scans_alike(tmp_path):
    books = [build(tmp_path / "rich.xlsx"), *sorted((ROOT / "samples").rglob("*.xlsx"))[:5]]
    assert sum(assert_same_scan(data) for b in books for _n, data in xml_parts(b)) > 100


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")
def test_every_part_of_the_corpus_scans_alike():
    checked = 0
    for path in sorted(CORPUS.rglob("*.xls[xm]")):
        for name, data in xml_parts(path):
            try:
                expected = reference_children(data, xs.root(data).open_end,
                                              xs.root(data).close_start)
            except (xs.XmlError, AssertionError, ValueError, IndexError):
                continue  # not XML either way finds its way through: nothing to compare
            top = xs.root(data)
            assert spans(xs.kids(data, top)) == expected, (path.name, name)
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("text", [
    "普通文本", "a & b < c > d", 'say "hi"', "tab\there", "line\nbreak", "bell\x07",
    "\ufffe", "全角　空格", "", "&amp;",
])
@pytest.mark.parametrize("attr", [False, True])
def test_escaping_printable_text_quickly_gives_the_same_as_the_full_pass(text, attr):
    expected = xs._BAD_CHARS.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;")
    if attr:
        expected = expected.replace('"', "&quot;")
    assert xs.esc(text, attr=attr) == expected
