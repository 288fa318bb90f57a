"""年度指标值 and 实际完成值 the way units write them.

An indicator of the national self-evaluation table carries its target as text: ``≥95%``,
``≥120公里``, ``≤1万元``, ``≤5天``, ``=100%``, ``不低于90%``, ``30万元以内``, ``95%以上``, full-width
``≥９５％``, or words (``明显改善``, ``达到预期``, ``按期完成``).  Its result is a number with or
without the unit (``98.5%``, ``118``, ``1.2万人次``), or — wrongly, for a quantitative target — a
word (``完成``, ``已完成``, ``达标``).

:func:`read_measure` turns one such text into a :class:`Measure`: how it compares (positive
``≥``, reverse ``≤``, equal ``=``, or none for a bare number), the number in its unit's base
(``1万元`` → 10,000 元, ``1.2万人次`` → 12,000 人次) and the unit.  A text that is not exactly
one comparison of one number and a short unit (a date such as ``2025年12月底前``, a sentence, a
word) is qualitative: only its words count.  Which nature a profile gives a bare number, and how
each nature is scored, is the profile's business (``[scoring]``), not this module's.

Like :mod:`perfxl.numbers`, nothing here raises on a cell's content and nothing unreadable
becomes a number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

POSITIVE, REVERSE, EQUAL, QUALITATIVE = "positive", "reverse", "equal", "qualitative"
NATURES = (POSITIVE, REVERSE, EQUAL, QUALITATIVE)


class Measure(NamedTuple):
    """One 年度指标值 or 实际完成值, read.

    ``kind`` is "number" (a quantity: ``value`` in ``unit``'s base), "word" (text that is not a
    quantity) or "blank".  ``comparison`` is the nature the text itself states (positive,
    reverse, equal) or "" for a bare number or a word.  ``text`` is the normalised text.
    """

    kind: str
    value: float | None = None
    unit: str = ""
    comparison: str = ""
    text: str = ""
    scaled: bool = False  # a fraction taken as percent points (0.98 against a % target)
    written: str = ""  # the quantity as written, without its comparison: 1.2万人次


BLANK = Measure("blank")

# Comparison words, longest first so that 大于等于 wins over 大于.  A clerk writes the symbol, a
# two-character ASCII spelling or the words; 达到 (reach) reads as "at least".
_PREFIXES = sorted({
    "≥": POSITIVE, ">=": POSITIVE, "=>": POSITIVE, "≧": POSITIVE, ">": POSITIVE, "大于等于": POSITIVE,
    "大于或等于": POSITIVE, "不低于": POSITIVE, "不少于": POSITIVE, "不小于": POSITIVE, "至少": POSITIVE,
    "大于": POSITIVE, "高于": POSITIVE, "超过": POSITIVE, "多于": POSITIVE, "达到": POSITIVE,
    "≤": REVERSE, "<=": REVERSE, "=<": REVERSE, "≦": REVERSE, "<": REVERSE, "小于等于": REVERSE,
    "小于或等于": REVERSE, "不高于": REVERSE, "不超过": REVERSE, "不多于": REVERSE, "不大于": REVERSE,
    "小于": REVERSE, "低于": REVERSE, "少于": REVERSE, "控制在": REVERSE, "最多": REVERSE,
    "=": EQUAL, "==": EQUAL, "等于": EQUAL,
}.items(), key=lambda kv: -len(kv[0]))
_SUFFIXES = sorted({
    "及以上": POSITIVE, "以上": POSITIVE, "及以下": REVERSE, "以下": REVERSE, "以内": REVERSE,
}.items(), key=lambda kv: -len(kv[0]))
_APPROX = ("大约", "约", "近", "共", "累计", "达")  # before a result's number: 约120公里
_NUMBER = re.compile(r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[-+]?\.[0-9]+", re.ASCII)
_MULTIPLIERS = {"万": 4, "亿": 8}  # 1.2万人次; not 千 (千米, 千克 are units)
_MONEY = {"元": 0, "万元": 4, "亿元": 8, "千元": 3}
# A unit is short and names a quantity; these characters make the text something else (a date,
# a deadline, a sentence).
_NOT_A_UNIT = re.compile(r"[0-9前后底内外完成达到实现改善提升明显有效，,。；;：:、]")
_MAX_UNIT = 6
_SYMBOLS = str.maketrans({"≧": "≥", "≦": "≤", "＝": "=", "％": "%", "﹪": "%", "‰": "‰",
                          "\u3000": " ", "～": "~"})
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@lru_cache(maxsize=65536)  # a county's labels and words recur in every workbook
def normalize(text: str) -> str:
    """NFKC (full-width to half-width), the comparison symbols unified, no spaces at all."""
    text = unicodedata.normalize("NFKC", text).translate(_SYMBOLS).translate(_ZERO_WIDTH)
    return "".join(text.split())


def read_measure(raw: object) -> Measure:
    """A 年度指标值 or 实际完成值 as a :class:`Measure` (never raises)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return BLANK
    if isinstance(raw, bool):
        return Measure("word", text=str(raw))
    if isinstance(raw, int | float):  # a number cell: a bare quantity
        value = float(raw)
        if not math.isfinite(value):
            return BLANK
        return Measure("number", value, "", "", _plain(value), written=_plain(value))
    text = str(raw)
    if len(text) > 200:  # a paragraph, never a quantity
        return Measure("word", text=text.strip())
    return _read_text(text)


@lru_cache(maxsize=8192)  # a county's targets recur (≥95%, 100%, 按期完成…)
def _read_text(text: str) -> Measure:
    norm = normalize(text)
    if not norm:
        return BLANK
    comparison, rest = "", norm
    for word, nature in _PREFIXES:
        if rest.startswith(word):
            comparison, rest = nature, rest[len(word):]
            break
    for word, nature in _SUFFIXES:
        if rest.endswith(word) and len(rest) > len(word):
            if comparison and comparison != nature:
                return Measure("word", text=norm)  # "≥95%以下": contradicts itself
            comparison, rest = nature, rest[: -len(word)]
            break
    if not comparison:
        for word in _APPROX:
            if rest.startswith(word) and len(rest) > len(word) and rest[len(word)].isdigit():
                rest = rest[len(word):]
                break
    m = _NUMBER.match(rest)
    if m is None or m.start() != 0:
        return Measure("word", text=norm)
    written = rest
    value = float(m.group(0).replace(",", ""))
    unit = rest[m.end():]
    for trail in ("左右",):
        if unit.endswith(trail):
            unit = unit[: -len(trail)]
    value, unit = _base(value, unit)
    if unit is None:
        return Measure("word", text=norm)
    return Measure("number", value, unit, comparison, norm, written=written)


def _base(value: float, unit: str) -> tuple[float, str | None]:
    """The quantity in its unit's base: 1万元 → (10000, 元), 1.2万人次 → (12000, 人次), 95% →
    (95, %); None as the unit when the rest is not a unit (a date, a sentence)."""
    if unit in _MONEY:
        return value * 10 ** _MONEY[unit], "元"
    if unit[:1] in _MULTIPLIERS and (len(unit) == 1 or not _NOT_A_UNIT.search(unit[1:])):
        scaled = value * 10 ** _MULTIPLIERS[unit[0]]
        rest = unit[1:]
        if rest in _MONEY:
            return scaled * 10 ** _MONEY[rest], "元"
        return scaled, rest
    if len(unit) > _MAX_UNIT or _NOT_A_UNIT.search(unit):
        return value, None
    return value, unit


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def same_unit(target: Measure, result: Measure) -> bool:
    """Whether a result is in the target's unit: the same unit once normalised, or none given
    on one side (a bare 118 against ≥120公里 is read in 公里)."""
    return not target.unit or not result.unit or target.unit == result.unit


def aligned(target: Measure, result: Measure) -> Measure:
    """The result in the target's terms: a bare fraction against a percentage target is taken as
    percent points (0.98 against ≥95% is 98%), as clerks type rates both ways."""
    if (target.unit == "%" and not result.unit and result.value is not None
            and 0 < result.value <= 1.5 and target.value is not None and target.value > 1.5):
        return result._replace(value=round(result.value * 100, 10), unit="%", scaled=True)
    if not result.unit and target.unit:
        return result._replace(unit=target.unit)
    return result


def nature_of(target: Measure, bare: str = POSITIVE) -> str:
    """The nature a target states: its comparison, ``bare`` for a bare number, else qualitative."""
    if target.kind == "number":
        return target.comparison or bare
    return QUALITATIVE if target.kind == "word" else ""


def show_measure(measure: Measure) -> str:
    """A quantity as the clerk wrote it, without its comparison: 95%, 120公里, 47.82万元."""
    if measure.kind != "number" or measure.value is None:
        return measure.text
    return measure.written or f"{_plain(round(measure.value, 10))}{measure.unit}"
