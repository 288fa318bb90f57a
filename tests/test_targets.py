"""年度指标值 and 实际完成值 as units write them: every example of issue 16, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfxl.targets import (
    EQUAL,
    POSITIVE,
    QUALITATIVE,
    REVERSE,
    aligned,
    nature_of,
    read_measure,
    same_unit,
    show_measure,
)

FULLWIDTH = str.maketrans("0123456789.%=<>", "０１２３４５６７８９．％＝＜＞")


@pytest.mark.parametrize(("text", "comparison", "value", "unit"), [
    ("≥95%", POSITIVE, 95, "%"),
    ("≥120公里", POSITIVE, 120, "公里"),
    ("≤1万元", REVERSE, 10_000, "元"),  # money in 元 whatever it is typed in
    ("≤5天", REVERSE, 5, "天"),
    ("=100%", EQUAL, 100, "%"),
    ("＝１００％", EQUAL, 100, "%"),  # full-width
    (">=95%", POSITIVE, 95, "%"),
    ("≧95%", POSITIVE, 95, "%"),
    ("不低于90%", POSITIVE, 90, "%"),
    ("大于等于80%", POSITIVE, 80, "%"),
    ("不高于3天", REVERSE, 3, "天"),
    ("不超过30万元", REVERSE, 300_000, "元"),
    ("30万元以内", REVERSE, 300_000, "元"),
    ("95%以上", POSITIVE, 95, "%"),
    ("5天以下", REVERSE, 5, "天"),
    ("≥ 1.2万人次", POSITIVE, 12_000, "人次"),
    ("≥100台（套）", POSITIVE, 100, "台(套)"),
    ("≤500元/人", REVERSE, 500, "元/人"),
    ("≥1年", POSITIVE, 1, "年"),
    ("120公里", "", 120, "公里"),  # bare: the profile decides (national: at least)
    ("2,500个", "", 2500, "个"),
    ("约120公里", "", 120, "公里"),
])
def test_a_quantitative_target_is_its_comparison_number_and_unit(text, comparison, value, unit):
    m = read_measure(text)
    assert (m.kind, m.comparison, m.value, m.unit) == ("number", comparison, pytest.approx(value), unit)


@pytest.mark.parametrize("text", ["明显改善", "达到预期", "有效提升", "按期完成", "2025年12月底前",
                                  "12月底前完成", "长效运行", "≥95%以下"])
def test_words_dates_and_contradictions_are_qualitative(text):
    m = read_measure(text)
    assert m.kind == "word" and nature_of(m) == QUALITATIVE


@pytest.mark.parametrize("text", ["完成", "已完成", "达标", "是"])
def test_a_word_result_is_a_word(text):
    assert read_measure(text).kind == "word"


def test_a_number_cell_is_a_bare_quantity_and_blank_is_blank():
    assert read_measure(126.0) == read_measure("126")._replace(text="126")
    assert read_measure(None).kind == read_measure("  ").kind == "blank"


def test_a_bare_number_takes_the_profiles_nature():
    assert nature_of(read_measure("100%"), POSITIVE) == POSITIVE
    assert nature_of(read_measure("100%"), EQUAL) == EQUAL
    assert nature_of(read_measure("≤5天"), POSITIVE) == REVERSE


def test_a_fraction_against_a_percentage_is_percent_points():
    target = read_measure("≥95%")
    assert aligned(target, read_measure("0.98")).value == pytest.approx(98)
    assert aligned(target, read_measure("98")).unit == "%"
    assert aligned(read_measure("≥1%"), read_measure("0.8")).value == 0.8  # 0.8 of 1%: not scaled


def test_units_compare_after_conversion():
    assert same_unit(read_measure("≤1万元"), read_measure("9800元"))
    assert same_unit(read_measure("≥120公里"), read_measure("118"))
    assert not same_unit(read_measure("≥120公里"), read_measure("118个"))


@given(st.sampled_from(["≥", "≤", "=", "不低于", "不高于", ""]),
       st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
       st.sampled_from(["%", "公里", "个", "人次", "天", "年", "万元", "元", ""]),
       st.booleans())
def test_any_comparison_number_and_unit_reads_back(sign, number, unit, fullwidth):
    text = f"{sign}{number}{unit}"
    if fullwidth:
        text = text.translate(FULLWIDTH)
    m = read_measure(text)
    scale = 10_000 if unit == "万元" else 1
    assert m.kind == "number"
    assert m.value == pytest.approx(float(number) * scale)
    assert m.unit == ("元" if unit == "万元" else unit)
    want = {"≥": POSITIVE, "不低于": POSITIVE, "≤": REVERSE, "不高于": REVERSE, "=": EQUAL, "": ""}
    assert m.comparison == want[sign]


@given(st.text(max_size=40))
def test_any_text_reads_without_raising_and_a_number_is_never_invented(text):
    m = read_measure(text)
    assert m.kind in ("number", "word", "blank")
    if m.kind == "number":
        assert any(ch.isdigit() for ch in text)
    assert show_measure(m) is not None


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_number_cell_reads(value):
    m = read_measure(value)
    assert m.kind in ("number", "blank")
