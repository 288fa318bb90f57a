"""The rule catalogue: every rule's code, name, severity, summary and page, without running any.

A rule is registered with :func:`rule` where it is declared (in :mod:`perfxl.check.rules`),
its docstring being its page in two languages: the Chinese page (a first line, then
**检查什么。** / **为什么重要。** / **如何改正。**), a line holding only ``---``, and the English
page (a first line, then **What it checks.** / **Why it matters.** / **How to fix.**).  Listing the
catalogue (``perfxl rules``) imports the rule modules but not pandas: they import it lazily
(:mod:`perfxl.lazy`), and only running the rules (:mod:`.engine`) needs it.
"""

from __future__ import annotations

import inspect
import re
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
        """The whole docstring: both pages."""
        return inspect.cleandoc(self.func.__doc__ or "")

    def page(self, lang: str = "zh") -> str:
        """The rule's page in one language: the Chinese half of the docstring, or the English
        half with ``lang="en"`` (a docstring not yet split in two is both)."""
        zh, en = split_page(self.doc)
        return en if lang == "en" else zh

    def summary(self, lang: str = "zh") -> str:
        if lang == "zh":
            return self.summary_zh
        page = self.page("en")
        return page.splitlines()[0] if page else ""

    @property
    def group(self) -> str:
        return self.code.rstrip("0123456789")


HEADINGS = {
    "zh": ("**检查什么。**", "**为什么重要。**", "**如何改正。**"),
    "en": ("**What it checks.**", "**Why it matters.**", "**How to fix.**"),
}
_SPLIT = re.compile(r"^---[ \t]*$", re.M)


def split_page(doc: str) -> tuple[str, str]:
    """A rule's docstring as (Chinese page, English page): the two halves around the line
    ``---``; without one, the whole text is both."""
    parts = _SPLIT.split(doc, maxsplit=1)
    if len(parts) == 1:
        return doc, doc
    return parts[0].strip(), parts[1].strip()


REGISTRY: dict[str, Rule] = {}
GROUPS = {
    "V": ("单元格取值", "cell values"),
    "F": ("资金", "funds"),
    "D": ("支出明细", "expenditure detail"),
    "S": ("得分", "scores"),
    "I": ("绩效指标", "indicators"),
    "T": ("封面与文字", "cover and text"),
    "P": ("合理性", "plausibility"),
    "L": ("按标签读取", "reading by labels"),
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
