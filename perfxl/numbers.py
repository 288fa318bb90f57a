"""Cell values the way finance staff type them.

The self-evaluation workbooks are filled in by hand.  A budget of 2.7 million 元 arrives as
2700000.0, '2,700,000', '2，700，000', '270万元' or '２７０万'; an execution rate as 0.9941,
99.41, '99.41 %' or '100. 60%' (copied out of a PDF); a date as a datetime, an Excel serial
number or '2021 年 4 月 1 日'.  Staff type numbers as text because the cell was formatted as
text, because the figure was pasted from Word, or because a Chinese input method was on.
A blank cell, 0, '/' and '无' mean different things, and '#REF!' left in a cell is not a number.

Each parser turns one raw cell (as python-calamine returns it) into a :class:`Parsed`: the
value, a status (blank, na, ok, invalid, error), the text as found, and a note on any
conversion applied.  Nothing unparseable ever becomes 0: it is "invalid", kept raw, for a
rule to report.  The parsers run on every cell of hundreds of workbooks, so they are plain
functions over precompiled regexes with a fast path for numeric cells.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple


class Parsed(NamedTuple):
    """One cell, parsed: ``value`` is None unless ``status`` is "ok".

    A named tuple (immutable, and about four times cheaper to make than a frozen dataclass:
    one is made for every cell of every workbook)."""

    value: object
    status: str  # "blank" | "na" | "ok" | "invalid" | "error"
    raw: str
    note: str = ""


EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})
# Marks for "not applicable", compared after normalize_text() and upper(): '／' → '/', '－' → '-'.
NA_MARKS = frozenset({"/", "\\", "无", "-", "--", "—", "——", "–", "―", "N/A", "NA", "*",
                      "不适用", "不涉及"})
YEARS = range(1990, 2101)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_NUM = (r"(?:[0-9]{1,3}(?:\s*,\s*[0-9]{3})+|[0-9]+)(?:\s*\.\s*[0-9]*)?(?:[eE][-+]?[0-9]{1,2})?"
        r"|\.\s*[0-9]+(?:[eE][-+]?[0-9]{1,2})?")  # exponent ≤ 2 digits: no underflow to 0
_SEP = re.compile(r"[\s,]+")
# unit → (power of ten, note)
_UNITS = {"万元": (4, "万元"), "萬元": (4, "万元"), "万": (4, "万"), "萬": (4, "万"),
          "亿元": (8, "亿元"), "億元": (8, "亿元"), "亿": (8, "亿"), "億": (8, "亿"),
          "千元": (3, "千元"), "元": (0, ""), "分": (0, ""), "%": (-2, "percent")}


def _pattern(units: str, currency: bool = False) -> re.Pattern:
    cur = r"(?:(?:¥|RMB|人民币)\s*(?P<s2>[-+])?\s*)?" if currency else ""
    return re.compile(rf"(?P<s1>[-+])?\s*{cur}(?P<num>{_NUM})\s*(?P<unit>{units})?",
                      re.ASCII | re.IGNORECASE)


_MONEY = _pattern("万元|萬元|亿元|億元|千元|元|万|萬|亿|億", currency=True)
_NUMBER = _pattern("万|萬|亿|億")
_RATE = _pattern("%")
_SCORE = _pattern("分")
_YEAR = re.compile(r"([0-9]{4})(?:\s*\.\s*0*)?\s*(?:年度?)?", re.ASCII)
_DATE = re.compile(r"([0-9]{4})\s*[年./-]\s*([0-9]{1,2})\s*[月./-]\s*([0-9]{1,2})\s*[日号]?"
                   r"(?:[\sT]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]*)?)?)?", re.ASCII)
_YYYYMMDD = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # 1900 date system (Lotus leap-year bug included)
_SERIALS = ((dt.date(YEARS.start, 1, 1) - _EXCEL_EPOCH).days,
            (dt.date(YEARS.stop, 1, 1) - _EXCEL_EPOCH).days)
_PHONE_CHARS = re.compile(r"[0-9()\s-]+", re.ASCII)
_AREA = re.compile(r"\(\s*(0[0-9]{2,3})\s*\)|(0[0-9]{2,3})[\s-]", re.ASCII)
_MOBILE = re.compile(r"1[0-9]{10}", re.ASCII)
_LOCAL = re.compile(r"[2-9][0-9]{6,7}", re.ASCII)
_NONDIGIT = re.compile(r"[^0-9]", re.ASCII)
_POSTCODE = re.compile(r"[0-9]{6}", re.ASCII)


def normalize_text(s: str) -> str:
    """NFKC (full-width digits, letters, punctuation to half-width), no zero-width marks, strip."""
    if s.isascii():
        return s.strip()
    return unicodedata.normalize("NFKC", s).translate(_ZERO_WIDTH).strip()


def text_length(s: str) -> int:
    """Characters the form counts: surrounding whitespace and line breaks do not count."""
    s = (s if isinstance(s, str) else _cell_text(s)).strip()
    return len(s) - s.count("\r") - s.count("\n")


def _cell_text(raw: object) -> str:
    """The cell as a clerk sees it: 2700000.0 → '2700000', True → 'TRUE', NaN → ''."""
    if isinstance(raw, str):
        return raw
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if raw != raw:
            return ""
        return str(int(raw)) if raw.is_integer() and abs(raw) < 1e16 else repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw)


def _join(*notes: str) -> str:
    return ", ".join(n for n in notes if n)


_Kind = Callable[[object], "tuple[object, str] | None"]  # -> (value, note), or None: invalid


def _run(raw: object, kind: _Kind) -> Parsed:
    """The frame every parser shares: blank, error and n/a first, then the kind's own rules.

    ``kind`` gets a text cell as its normalised text, any other cell (number, bool, date) as is.
    """
    if isinstance(raw, str):
        norm = normalize_text(raw)
        if not norm:
            return Parsed(None, "blank", raw)
        upper = norm.upper()
        if upper in EXCEL_ERRORS:
            return Parsed(None, "error", raw)
        if upper in NA_MARKS:
            return Parsed(None, "na", raw)
        got = kind(norm)
        if got is None:
            return Parsed(None, "invalid", raw)
        return Parsed(got[0], "ok", raw, _join(got[1], "fullwidth" if norm != raw.strip() else ""))
    if raw is None or (type(raw) is float and raw != raw):
        return Parsed(None, "blank", "")
    got = kind(raw)
    text = _cell_text(raw)
    return Parsed(None, "invalid", text) if got is None else Parsed(got[0], "ok", text, got[1])


def _real(raw: object) -> float | None:
    """A numeric cell as a finite float; None for booleans, dates, infinities."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    try:
        v = float(raw)
    except OverflowError:
        return None
    return v if math.isfinite(v) else None


def _scaled(num: str, exp: int, negative: bool) -> float | None:
    """'2, 700 .5' times 10**exp (exact, through Decimal); None if not finite."""
    num = _SEP.sub("", num)
    v = float(num) if exp == 0 else float(Decimal(num).scaleb(exp))
    return (-v if negative else v) if math.isfinite(v) else None


def _amount(pattern: re.Pattern) -> _Kind:
    def kind(v: object) -> tuple[float, str] | None:
        if not isinstance(v, str):
            x = _real(v)
            return None if x is None else (x, "")
        negative = note = ""
        if v[0] == "(" and v[-1] == ")":  # accountants' negative: (1,000)
            v, negative, note = v[1:-1].strip(), "-", "negative in parentheses"
        m = pattern.fullmatch(v)
        if m is None:
            return None
        signs = [s for s in (m["s1"], m.groupdict().get("s2")) if s]
        if len(signs) + bool(negative) > 1:  # '-(1,000)', '-¥-5'
            return None
        exp, unit = _UNITS[m["unit"]] if m["unit"] else (0, "")
        x = _scaled(m["num"], exp, "-" in signs or bool(negative))
        return None if x is None else (x, _join(note, unit))
    return kind


_money, _number, _score, _percent = map(_amount, (_MONEY, _NUMBER, _SCORE, _RATE))


def _rate(v: object) -> tuple[float, str] | None:
    got = _percent(v)
    if got is None or "percent" in got[1]:  # '99.41%'
        return got
    if abs(got[0]) <= 2:
        return got[0], _join(got[1], "fraction")
    return float(Decimal(repr(got[0])).scaleb(-2)), _join(got[1], "percent")  # 99.41


def _year(v: object) -> tuple[int, str] | None:
    if isinstance(v, str):
        m = _YEAR.fullmatch(v)
        year = int(m[1]) if m else None
    else:
        x = _real(v)
        year = int(x) if x is not None and x.is_integer() and abs(x) < 1e6 else None
    return (year, "") if year in YEARS else None


def _ymd(y: str, m: str, d: str) -> dt.date | None:
    try:
        day = dt.date(int(y), int(m), int(d))
    except ValueError:  # '2021-02-30'
        return None
    return day if day.year in YEARS else None


def _date(v: object) -> tuple[dt.date, str] | None:
    if isinstance(v, str):
        m = _DATE.fullmatch(v) or _YYYYMMDD.fullmatch(v)
        day = _ymd(*m.groups()) if m else None
        return None if day is None else (day, "")
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return (v, "") if v.year in YEARS else None
    x = _real(v)
    if x is not None and x.is_integer() and 19_900_101 <= x <= 21_001_231:  # 20210401 as number
        day = _ymd(*_YYYYMMDD.fullmatch(str(int(x))).groups())
        return None if day is None else (day, "yyyymmdd")
    if x is not None and _SERIALS[0] <= x < _SERIALS[1]:
        return _EXCEL_EPOCH + dt.timedelta(days=int(x)), "excel serial"
    return None


def _phone(v: object) -> tuple[str, str] | None:
    if not isinstance(v, str):  # a number cell: 0762… lost its leading 0
        x = _real(v)
        if x is None or not x.is_integer() or not 0 < x < 1e12:
            return None
        digits = str(int(x))
        got = _phone(digits)
        if got is None and len(digits) in (10, 11):
            got = _phone("0" + digits)
            return None if got is None else (got[0], "leading zero restored")
        return got
    if v.startswith("+86"):
        v = v[3:].lstrip(" -")
    if not _PHONE_CHARS.fullmatch(v):
        return None
    m = _AREA.match(v)
    if ("(" in v or ")" in v) and not (m and m[1] and v.count("(") == v.count(")") == 1):
        return None  # parentheses only around an area code
    digits = _NONDIGIT.sub("", v)
    if _MOBILE.fullmatch(digits):
        return digits, ""
    if m:
        area = m[1] or m[2]
    elif digits[:1] == "0":  # 010 and 02x are three-digit area codes, the rest four
        area = digits[:3] if digits[1:2] in ("1", "2") else digits[:4]
    else:
        area = ""
    local = digits[len(area):]
    if not _LOCAL.fullmatch(local):
        return None
    return (f"{area}-{local}" if area else local), ""


def _postcode(v: object) -> tuple[str, str] | None:
    if isinstance(v, str):
        return (v, "") if _POSTCODE.fullmatch(v) else None
    x = _real(v)
    if x is None or not x.is_integer() or not 10_000 <= x < 1_000_000:
        return None
    code = str(int(x))  # a number cell drops the leading 0 of 010010
    return (code, "") if len(code) == 6 else ("0" + code, "leading zero restored")


def _text(v: object) -> tuple[str, str]:
    return (v if isinstance(v, str) else _cell_text(v)), ""  # parse_text keeps text as typed


def _plain_float(raw: object) -> Parsed | None:
    """The common case of a number cell holding a finite float: no rules to apply."""
    if type(raw) is float and math.isfinite(raw):
        return Parsed(raw, "ok", str(int(raw)) if raw.is_integer() and abs(raw) < 1e16 else repr(raw))
    return None


def parse_money(raw: object) -> Parsed:
    """元 as a float: '2,700,000', '270万元', '￥2,700,000.00', '(1,000)' → -1000.0."""
    return _plain_float(raw) or _run(raw, _money)


def parse_number(raw: object) -> Parsed:
    """A plain float, as tolerant as money but without currency words (万/亿 still scale)."""
    return _plain_float(raw) or _run(raw, _number)


def parse_rate(raw: object) -> Parsed:
    """A fraction (0.9941 is 99.41%); above 2 in absolute value a figure is percent points."""
    return _run(raw, _rate)


def parse_score(raw: object) -> Parsed:
    """A score as a float: '5', '5分', '４．５'."""
    return _plain_float(raw) or _run(raw, _score)


def parse_year(raw: object) -> Parsed:
    """A year as an int within 1990..2100: 2020, '2020年', '２０２０年度'."""
    return _run(raw, _year)


def parse_date(raw: object) -> Parsed:
    """A datetime.date from a date cell, an Excel serial, 20210401 or text like '2021年4月1日'."""
    return _run(raw, _date)


def parse_text(raw: object) -> Parsed:
    """Text stripped of surrounding whitespace, as typed (not normalised); numbers as shown."""
    if isinstance(raw, str) and len(raw) > 24:
        text = raw.strip()
        if len(text) > 24:  # longer than any error value or n/a mark: no normalising needed
            return Parsed(text, "ok", raw)
    got = _run(raw, _text)
    return Parsed(raw.strip(), "ok", raw) if got.status == "ok" and isinstance(raw, str) else got


def parse_phone(raw: object) -> Parsed:
    """'0762-5662199', '(0762)5662199' → '0762-5662199'; '5662720'; '+86 138 1234 5678'."""
    return _run(raw, _phone)


def parse_postcode(raw: object) -> Parsed:
    """Six digits as a string; 517200.0 from a number cell → '517200'."""
    return _run(raw, _postcode)


# Text a spreadsheet's arithmetic (+ − × ÷) takes as a number, as Excel's VALUE() does: ASCII
# digits, thousands commas in threes, a decimal point, an exponent, a sign, a percent sign and
# spaces around.  万, 元, 分 and full-width digits are text to it, and SUM skips every text.
_SHEET_NUMBER = re.compile(r" *([-+]?)((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
                           r"([eE][-+]?[0-9]{1,3})? *(%?) *", re.ASCII)


def sheet_number(text: str) -> float | None:
    """The number a spreadsheet formula makes of a text cell in ``+`` or ``/`` (``"2,700,000"``
    → 2700000.0; ``"270万元"`` → None: #VALUE!)."""
    m = _SHEET_NUMBER.fullmatch(text)
    if m is None:
        return None
    value = float(m[2].replace(",", "") + (m[3] or ""))
    value = -value if m[1] == "-" else value
    return value / 100 if m[4] else value


PARSERS: dict[str, Callable[[object], Parsed]] = {
    "money": parse_money, "rate": parse_rate, "score": parse_score, "number": parse_number,
    "year": parse_year, "date": parse_date, "text": parse_text, "phone": parse_phone,
    "postcode": parse_postcode, "grade": parse_text,
}


# Money on a form that prints its amounts in 万元 (项目资金（万元）): a bare figure is 万元, a figure
# with its unit written out (1,205,000元, 120.5万元) is what it says; the value is always 元.
MONEY_SCALES = {"": 0, "元": 0, "万元": 4}
_UNIT_WORD = re.compile(r"[元万萬亿億]")


def _money_scaled(exp: int) -> _Kind:
    def kind(v: object) -> tuple[float, str] | None:
        if isinstance(v, str) and _UNIT_WORD.search(v):
            return _money(v)  # the unit as written wins
        got = _money(v)
        if got is None:
            return None
        return float(Decimal(repr(got[0])).scaleb(exp)), _join(got[1], "万元")
    return kind


def money_parser(unit: str = "") -> Callable[[object], Parsed]:
    """The parser of amounts typed on a form in ``unit`` ("" or 元: parse_money; 万元: a bare
    120.5 is 1,205,000 元)."""
    exp = MONEY_SCALES[unit]
    if not exp:
        return parse_money
    parser = _SCALED_PARSERS.get(exp)
    if parser is None:
        kind = _money_scaled(exp)

        def parser(raw: object) -> Parsed:
            return _run(raw, kind)

        parser.__doc__ = f"元 from an amount typed in 10^{exp} 元."
        _SCALED_PARSERS[exp] = parser
    return parser


_SCALED_PARSERS: dict[int, Callable[[object], Parsed]] = {}


def parse(kind: str, raw: object) -> Parsed:
    """Parse ``raw`` as ``kind`` (a key of PARSERS)."""
    try:
        parser = PARSERS[kind]
    except KeyError:
        raise ValueError(f"unknown value kind {kind!r}") from None
    return parser(raw)
