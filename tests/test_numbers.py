"""Cell values as finance staff type them: every example from FORMS.md §6 and the parser brief."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from perfxl.numbers import (
    PARSERS,
    Parsed,
    normalize_text,
    parse,
    parse_money,
    parse_number,
    parse_rate,
    text_length,
)

FULLWIDTH = str.maketrans("0123456789,.-%", "０１２３４５６７８９，．－％")
NUMERIC_KINDS = ("money", "rate", "score", "number")
D = dt.date


def check(kind: str, raw, status: str, value=None, note: str | None = None) -> Parsed:
    got = parse(kind, raw)
    assert got.status == status, got
    if status == "ok":
        assert got.value == (pytest.approx(value) if isinstance(value, float) else value), got
        assert type(got.value) is type(value), got
    else:
        assert got.value is None, got
    if note is not None:
        assert note in got.note.split(", "), got
    return got


@pytest.mark.parametrize(("raw", "value", "note"), [
    ("2,700,000", 2700000.0, None),
    ("2，700，000", 2700000.0, "fullwidth"),
    ("270万元", 2700000.0, "万元"),
    ("270万", 2700000.0, "万"),
    ("270 万元", 2700000.0, "万元"),
    ("2700000元", 2700000.0, None),
    ("￥2,700,000.00", 2700000.0, "fullwidth"),
    ("¥2,700,000.00", 2700000.0, None),
    ("RMB 2,700,000", 2700000.0, None),
    ("２７０万", 2700000.0, "fullwidth"),
    (" 16050 ", 16050.0, None),
    ("(1,000)", -1000.0, "negative in parentheses"),
    ("（1,000）", -1000.0, "negative in parentheses"),
    ("-1000", -1000.0, None),
    ("－1000", -1000.0, "fullwidth"),
    ("1.2e6", 1200000.0, None),
    ("0.07万元", 700.0, "万元"),  # exact, not 700.0000000000001
    ("1.5亿元", 150000000.0, "亿元"),
    ("0", 0.0, None),
    (2700000.0, 2700000.0, None),
    (2700000, 2700000.0, None),
    (-1000.5, -1000.5, None),
])
def test_money_ok(raw, value, note):
    got = check("money", raw, "ok", value, note)
    assert got.value == value  # exactly


@pytest.mark.parametrize("raw", [
    "约270万", "270万左右", "2,70,000", "1,5", "12 34", "abc", "1.2.3", "--5", "-(1,000)",
    "5%", "2700000人", "万元", ".", "1e999", "¥", "0x10", "1_000", "٣", "inf", "nan",
    True, False, dt.date(2021, 4, 1), float("inf"),
])
def test_money_invalid_is_never_zero(raw):
    check("money", raw, "invalid")


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", " \xa0\n", None, float("nan")])
@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_blank(kind, raw):
    check(kind, raw, "blank")


@pytest.mark.parametrize("raw", ["/", "／", "无", "-", "—", "－", "——", "N/A", "n/a", "不适用", "*",
                                 " / "])
@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_not_applicable(kind, raw):
    assert check(kind, raw, "na").raw == raw


@pytest.mark.parametrize("raw", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!",
                                 "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA", "  #REF! "])
@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_excel_error(kind, raw):
    check(kind, raw, "error")


@pytest.mark.parametrize(("raw", "value", "note"), [
    ("99.41%", 0.9941, "percent"),
    ("99.41 %", 0.9941, "percent"),
    ("100. 60%", 1.006, "percent"),  # a space after the decimal point, from a PDF copy
    ("１００．６０％", 1.006, "percent"),
    ("99.41", 0.9941, "percent"),  # text without %: percent points above 2
    ("0.9941", 0.9941, "fraction"),
    ("100%", 1.0, "percent"),
    ("0%", 0.0, "percent"),
    ("-5%", -0.05, "percent"),
    (0.9941, 0.9941, "fraction"),
    (99.41, 0.9941, "percent"),
    (100, 1.0, "percent"),
    (1, 1.0, "fraction"),
    (2.0, 2.0, "fraction"),  # threshold: only abs(value) > 2 is percent points
    (2.5, 0.025, "percent"),
    (0, 0.0, "fraction"),
])
def test_rate(raw, value, note):
    got = check("rate", raw, "ok", value, note)
    assert got.value == value  # exactly: 99.41 -> 0.9941, not 0.9941000000000001


@pytest.mark.parametrize("raw", ["99.41%%", "%", "约99%", "99.41‰", "九十", True])
def test_rate_invalid(raw):
    check("rate", raw, "invalid")


@pytest.mark.parametrize(("raw", "value"), [
    ("5", 5.0), ("5分", 5.0), ("5 分", 5.0), ("4.5", 4.5), ("４．５", 4.5), (4.5, 4.5), (10, 10.0),
    ("0", 0.0),
])
def test_score(raw, value):
    check("score", raw, "ok", value)


@pytest.mark.parametrize("raw", ["五分", "5分5", "满分", "4.5.1", False])
def test_score_invalid(raw):
    check("score", raw, "invalid")


@pytest.mark.parametrize(("raw", "value"), [
    ("1,234.5", 1234.5), ("１２３４", 1234.0), ("3万", 30000.0), (42, 42.0), ("(12)", -12.0),
])
def test_number(raw, value):
    check("number", raw, "ok", value)


@pytest.mark.parametrize("raw", ["¥12", "12元", "12个", "12%", True])
def test_number_has_no_currency_or_units(raw):
    check("number", raw, "invalid")


@pytest.mark.parametrize("raw", [
    2020, 2020.0, "2020", "2020年", "2020 年", "２０２０年", "2020年度", "2020.0",
])
def test_year(raw):
    check("year", raw, "ok", 2020)


@pytest.mark.parametrize("raw", [
    1989, 2101, 2020.5, "1989年", "2020年4月", "二〇二〇年", "20", True, dt.date(2020, 1, 1),
])
def test_year_invalid(raw):
    check("year", raw, "invalid")


@pytest.mark.parametrize(("raw", "value", "note"), [
    (dt.datetime(2021, 4, 1, 9, 30), D(2021, 4, 1), None),
    (D(2021, 4, 1), D(2021, 4, 1), None),
    (44287.0, D(2021, 4, 1), "excel serial"),
    (44287, D(2021, 4, 1), "excel serial"),
    (44287.75, D(2021, 4, 1), "excel serial"),
    (20210401.0, D(2021, 4, 1), "yyyymmdd"),
    ("2021 年 4 月 1 日", D(2021, 4, 1), None),
    ("2021年4月1日", D(2021, 4, 1), None),
    ("2021-04-01", D(2021, 4, 1), None),
    ("2021/4/1", D(2021, 4, 1), None),
    ("2021.4.1", D(2021, 4, 1), None),
    ("2021.04.01", D(2021, 4, 1), None),
    ("20210401", D(2021, 4, 1), None),
    ("２０２１年４月１日", D(2021, 4, 1), "fullwidth"),
    ("２０２１－０４－０１", D(2021, 4, 1), "fullwidth"),
    ("2021-04-01 00:00:00", D(2021, 4, 1), None),
])
def test_date(raw, value, note):
    check("date", raw, "ok", value, note)


@pytest.mark.parametrize("raw", [
    "2021-02-30", "2021年13月1日", "20210230", "1899-12-31", "2021年4月", "四月一日", "44287",
    1000.0, 3e6, dt.datetime(1905, 7, 12), dt.time(9, 30), True,
])
def test_date_invalid(raw):
    check("date", raw, "invalid")


@pytest.mark.parametrize(("raw", "value"), [
    ("  项目 概况\u3000", "项目 概况"),
    ("\xa0优\xa0", "优"),
    ("ＡＢＣ", "ＡＢＣ"),  # text is kept as typed, only stripped
    (2700000.0, "2700000"),
    (0.5, "0.5"),
    (42, "42"),
    (True, "TRUE"),
    (dt.datetime(2021, 4, 1), "2021-04-01"),
    ("暂无", "暂无"),  # a placeholder, but text: a rule warns about it
])
def test_text(raw, value):
    check("text", raw, "ok", value)
    check("grade", raw, "ok", value)


@pytest.mark.parametrize(("raw", "value"), [
    ("0762-5662199", "0762-5662199"),
    ("(0762)5662199", "0762-5662199"),
    ("（0762）5662199", "0762-5662199"),
    ("0762 5662199", "0762-5662199"),
    ("07625662199", "0762-5662199"),
    ("010-62345678", "010-62345678"),
    ("02087654321", "020-87654321"),
    ("5662720", "5662720"),
    ("56627200", "56627200"),
    ("13812345678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    (5662720.0, "5662720"),
    (13812345678.0, "13812345678"),
    (7625662199.0, "0762-5662199"),  # a number cell dropped the area code's 0
])
def test_phone(raw, value):
    check("phone", raw, "ok", value)


@pytest.mark.parametrize("raw", [
    "12345", "0762-123", "1381234567", "138123456789", "0762-5662199转8001", "电话5662720",
    "0762-5662199/13812345678", "(0762", "0762)5662199", "(13812345678)", "0123456", 5662720.5,
    -5662720.0, True,
])
def test_phone_invalid(raw):
    check("phone", raw, "invalid")


@pytest.mark.parametrize(("raw", "value"), [
    (517200.0, "517200"), (517200, "517200"), ("517200", "517200"), (" 517200 ", "517200"),
    ("５１７２００", "517200"), (10010.0, "010010"),
])
def test_postcode(raw, value):
    check("postcode", raw, "ok", value)


@pytest.mark.parametrize("raw", [
    "51720", "5172000", "517 200", "邮编517200", 517200.5, 1234.0, True,
])
def test_postcode_invalid(raw):
    check("postcode", raw, "invalid")


@pytest.mark.parametrize(("raw", "text"), [
    (2700000.0, "2700000"), (0.9941, "0.9941"), (-3.0, "-3"), (True, "TRUE"), ("  x ", "  x "),
    (dt.date(2021, 4, 1), "2021-04-01"), (None, ""), (float("nan"), ""),
])
def test_raw_is_the_text_as_found(raw, text):
    assert parse_money(raw).raw == text


@pytest.mark.parametrize(("s", "normal"), [
    ("２７０万元", "270万元"), ("１００．６０％", "100.60%"), ("（1,000）", "(1,000)"),
    ("ＡＢＣ", "ABC"),
    ("\u3000绩效\xa0", "绩效"), ("财政支出绩效自评", "财政支出绩效自评"), ("\ufeff5", "5"),
])
def test_normalize_text(s, normal):
    assert normalize_text(s) == normal


@pytest.mark.parametrize(("s", "n"), [
    ("", 0), ("  ", 0), ("绩效目标", 4), (" 绩效目标\u3000", 4), ("一行\r\n两行", 4), ("a\nb", 2),
    ("项目 A", 4),
])
def test_text_length(s, n):
    assert text_length(s) == n


def test_parse_dispatch():
    assert set(PARSERS) == {"money", "rate", "score", "number", "year", "date", "text", "phone",
                            "postcode", "grade"}
    assert parse("money", "270万") == parse_money("270万")
    with pytest.raises(ValueError, match="kind"):
        parse("colour", "red")


def test_parsed_is_frozen():
    with pytest.raises(AttributeError):
        parse_money("1").value = 2  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------------

amounts = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@given(amounts)
@example(2700000.0)
@example(-0.004)
def test_thousands_separators_round_trip(x):
    text = f"{x:,.2f}"
    assert parse_money(text).value == round(x, 2)
    assert parse_number(text).value == round(x, 2)


@given(amounts)
def test_fullwidth_digits_round_trip(x):
    got = parse_money(f"{x:,.2f}".translate(FULLWIDTH))
    assert got.status == "ok"
    assert got.value == round(x, 2)
    assert "fullwidth" in got.note


@given(st.integers(min_value=0, max_value=10**9))
def test_wan_yuan_is_ten_thousand(n):
    assert parse_money(f"{n}万元").value == n * 10000
    assert parse_money(f"{n}万").value == n * 10000


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_decimal_wan_yuan_is_exact(d):
    assert parse_money(f"{d}万元").value == float(d * 10000)


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_percent_text_is_a_fraction(p):
    got = parse_rate(f"{p:.2f}%")
    assert got.value == pytest.approx(float(f"{p:.2f}") / 100, rel=1e-12, abs=1e-15)
    assert got.note == "percent"


# text staff could plausibly type, to push the parsers harder than random unicode does
typed = st.text(alphabet="0123456789 ,.-+()%/¥￥万元亿年月日号分eE:T#!０１２３，．％－（）\u3000",
                max_size=20)


@given(st.one_of(st.text(), typed))
def test_parsers_never_raise_and_ok_always_has_a_value(s):
    for kind, parser in PARSERS.items():
        got = parser(s)
        assert got.status in {"blank", "na", "ok", "invalid", "error"}, kind
        assert (got.value is None) == (got.status != "ok"), (kind, got)
        assert got.raw == s


@given(st.one_of(st.text(), typed))
def test_unparseable_text_is_never_zero(s):
    for kind in NUMERIC_KINDS:
        got = parse(kind, s)
        if got.value == 0:
            assert "0" in normalize_text(s), (kind, got)
        if got.status == "ok":
            assert math.isfinite(got.value)
