"""The one record every check produces, and the views every output takes of it.

A finding says what is wrong, where (workbook, sheet, cell), what the figure should be and
how sure we are.  The console report, the JSON, the notes written into workbooks and the county
summary are all views of a list of these.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from dataclasses import field as dataclass_field

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "error", "warning": "warning", "info": "info"},
}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in one workbook, at one place."""

    workbook: str
    sheet: str
    cell: str
    code: str
    name: str
    severity: str
    message: str
    expected: str = ""
    actual: str = ""
    hint: str = ""
    field: str = ""  # the defined name or key the finding is about (keys explanations)
    explained: str = dataclass_field(default="", compare=False)  # the unit's explanation of a warning
    rejected: str = dataclass_field(default="", compare=False)  # an explanation written for an error: not accepted
    title: str = dataclass_field(default="", compare=False)  # the rule in words, in the message's language

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def key(self) -> tuple[str, str]:
        """What an explanation is attached to: the rule and the field it is about."""
        return (self.code, self.field or self.cell)

    def to_dict(self) -> dict:
        return asdict(self)


def sort_findings(findings):
    """Errors first, then warnings, then notes; within each in sheet and cell order."""
    return sorted(
        findings,
        key=lambda f: (f.workbook, _RANK[f.severity], f.sheet, _cell_key(f.cell), f.code),
    )


_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _cell_key(cell: str) -> tuple[int, int]:
    letters = "".join(filter(str.isalpha, cell))
    digits = "".join(filter(str.isdigit, cell))
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return (int(digits) if digits else 0, col)


def explain(findings, explanations: dict[str, dict]) -> list[Finding]:
    """Mark the warnings a unit explained (``explanations``: workbook → {(code, field): text}).

    Only warnings can be explained; an error stands whatever is written beside it, and what was
    written is kept as ``rejected`` so every view can say it was not accepted.
    """
    out = []
    for f in findings:
        text = explanations.get(f.workbook, {}).get(f.key)
        if text and f.severity == "warning":
            f = replace(f, explained=text)
        elif text and f.is_error:
            f = replace(f, rejected=text)
        out.append(f)
    return out


def show(value, type_: str = "", unit: str = "") -> str:
    """A value as the form shows it: 2,700,000.00, 100.60%, 88, 2021-04-01; money on a form
    that prints 万元 (``unit``) in 万元: 120.50 万元."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "（空）"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if type_ == "rate":
            return f"{value * 100:.2f}%"
        if type_ == "money" and unit == "万元":  # to the yuan, at least two decimals
            whole, fraction = f"{value / 10_000:,.6f}".split(".")
            return f"{whole}.{fraction.rstrip('0').ljust(2, '0')} 万元"
        if type_ in ("money", "number"):
            return f"{value:,.2f}"
        if type_ == "score":  # to the hundredth, as scores are given (执行率 × 10 = 9.40)
            return f"{round(value, 2):g}"
        return f"{value:g}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
