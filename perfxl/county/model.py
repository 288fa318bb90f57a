"""The county summary as data: what ``perfxl summarize`` computes and every output shows.

:func:`perfxl.summarize.summarize` fills a :class:`County`; the summary workbook
(:mod:`perfxl.summary_book`) and the JSON are views of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from perfxl.batch.inputs import Failure
from perfxl.findings import Finding

PROJECT_COLUMNS = [
    "department", "project", "path", "year", "fill_date", "budget_total", "in_place_total",
    "spent_total", "balance_total", "rate_in_place", "rate_spent", "rate_budget", "score_total",
    "grade", "errors", "warnings_open", "warnings_explained", "main_problem", "duplicate", "counted",
]
DEPARTMENT_COLUMNS = [
    "department", "projects", "budget_total", "in_place_total", "spent_total", "balance_total",
    "rate_in_place", "rate_spent", "rate_budget", "mean_score", "errors", "rank",
]
RECONCILE_COLUMNS = ["department", "project", "approved", "submitted", "difference", "status", "path"]


@dataclass
class County:
    """Everything the county summary shows.

    ``projects``: one row per workbook read (PROJECT_COLUMNS; rates are fractions, money in 元,
    ``duplicate`` is "" or a note such as "与 xx.xlsx 重复，以本表为准", ``counted`` is False for
    the earlier copy of a duplicate, which is listed but not added up).
    ``departments``: per department over counted projects (DEPARTMENT_COLUMNS; rates recomputed
    from the sums, never the mean of project rates; rank 1 = highest mean score).
    ``grades``: one row per grade band in the profile's order plus "未评定" when any project has
    no grade: columns grade, projects, budget_total, spent_total.
    ``score_bins``: columns band ("90–100", "80–89.99", …, "60 以下"), projects.
    ``findings``: every finding, workbook = the path shown to the user.
    ``failures``: every file that could not be read or is not a recognised form.
    ``skipped``: every file under the inputs that is not a submission (perfxl's own summary or
    unchanged annotated copy, a file that is not a workbook), with the reason.
    ``annotate_failures``: the annotated copies (``--annotate-to``) that could not be written.
    ``reconciliation``: None without --budget, else RECONCILE_COLUMNS; status one of
    "一致", "预算不一致", "未报送", "不在预算清单".
    ``totals``: projects, workbooks, budget_total, in_place_total, spent_total,
    execution_rate (Σ spent ÷ Σ budget), in_place_rate, mean_score, median_score,
    share_with_errors, by_grade {grade: count}, seconds.
    ``top_findings``: columns code, name, severity, count, workbooks — the most frequent first.
    ``narrative``: the paragraphs for the county's own report (基本情况, 自评结果, 存在问题, 整改建议).
    """

    title: str
    profile: str
    projects: pd.DataFrame
    departments: pd.DataFrame
    grades: pd.DataFrame
    score_bins: pd.DataFrame
    findings: list[Finding]
    failures: list[Failure]
    totals: dict
    top_findings: pd.DataFrame
    reconciliation: pd.DataFrame | None = None
    narrative: list[str] = field(default_factory=list)
    checked_at: str = ""
    annotate_failures: list[Failure] = field(default_factory=list)  # copies not written
    skipped: list[Failure] = field(default_factory=list)  # not submissions (perfxl's own, a .docx)


def project_records(county: County) -> list[dict]:
    """The projects as one dict per row, the plain values ``to_dict("records")`` gives, made a
    column at a time (a county has thousands of projects; the summary's views each want them)."""
    frame = county.projects
    if frame is None or not len(frame):
        return []
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True))
            for row in zip(*(frame[name].tolist() for name in names), strict=True)]
