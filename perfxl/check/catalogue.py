"""The rule catalogue: every rule's code, name, severity, summary and page, without running any.

A rule is registered with :func:`rule` where it is declared (in :mod:`perfxl.check.rules`),
its docstring being its page: what it checks, why it matters, how to fix it.  Listing the
catalogue (``perfxl rules``) imports the rule modules but not pandas: they import it lazily
(:mod:`perfxl.lazy`), and only running the rules (:mod:`.engine`) needs it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfxl.findings import Finding

    from .engine import Context


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary_zh: str
    func: Callable[[Context], Iterable[Finding]]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    def summary(self, lang: str = "zh") -> str:
        if lang == "zh":
            return self.summary_zh
        return self.doc.splitlines()[0] if self.doc else ""

    @property
    def group(self) -> str:
        return self.code.rstrip("0123456789")


REGISTRY: dict[str, Rule] = {}
GROUPS = {
    "V": ("单元格取值", "cell values"),
    "F": ("资金", "funds"),
    "D": ("支出明细", "expenditure detail"),
    "S": ("得分", "scores"),
    "I": ("绩效指标", "indicators"),
    "T": ("封面与文字", "cover and text"),
    "P": ("合理性", "plausibility"),
}


def rule(code: str, name: str, severity: str, summary_zh: str):
    """Register a rule under a stable code, a kebab-case name and a one-line Chinese summary."""

    def register(func):
        if code in REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        REGISTRY[code] = Rule(code, name, severity, summary_zh, func)
        return func

    return register


def catalogue() -> list[Rule]:
    from . import rules  # noqa: F401  (importing registers every rule)

    return [REGISTRY[c] for c in sorted(REGISTRY)]
