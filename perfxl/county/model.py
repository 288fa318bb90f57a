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
    "excluded", "excluded_en", "county", "duplicate_en",
]
DEPARTMENT_COLUMNS = [
    "department", "projects", "budget_total", "in_place_total", "spent_total", "balance_total",
    "rate_in_place", "rate_spent", "rate_budget", "mean_score", "errors", "rank",
]
# The figures every profile has (issue #16), shown side by side when a county mixes forms; the
# projects and departments frames carry them after their own columns (with the form's id).
COMMON_FIGURES = ["budget_total", "spent_total", "execution_rate", "score_total", "grade"]
PROJECT_EXTRA = ["profile", "execution_rate"]
DEPARTMENT_EXTRA = ["execution_rate"]
RECONCILE_COLUMNS = ["department", "project", "approved", "submitted", "difference", "status", "path"]


@dataclass
class County:
    """Everything the county summary shows.

    ``projects``: one row per workbook read (PROJECT_COLUMNS + PROJECT_EXTRA; rates are fractions,
    money in 元, ``duplicate`` is "" or a note such as "与 xx.xlsx 重复，以本表为准").  ``counted``
    declares the one set of projects every total, rate, department and grade figure is computed
    over; a project left out (the earlier copy of a duplicate, a workbook of another county or
    year, a project whose amounts or score cannot be read) is listed with the reason in
    ``excluded`` (and ``excluded_en``), never added to some figures and not to others.
    ``departments``: per department over counted projects (DEPARTMENT_COLUMNS + DEPARTMENT_EXTRA; rates recomputed
    from the sums, never the mean of project rates; rank 1 = highest mean score).
    ``grades``: one row per grade band in the profile's order plus "未评定" when any project has
    no grade: columns grade, band (its scores in the form's words, "80–89"), projects,
    budget_total, spent_total.
    ``score_bins``: columns band ("90–100", "80–89", …, "59 及以下"), projects.
    ``findings``: every finding, workbook = the path shown to the user.
    ``failures``: every file that could not be read or is not a recognised form.
    ``skipped``: every file under the inputs that is not a submission (perfxl's own summary or
    unchanged annotated copy, a file that is not a workbook), with the reason.
    ``annotate_failures``: the annotated copies (``--annotate-to``) that could not be written.
    ``reconciliation``: None without --budget, else RECONCILE_COLUMNS; status one of
    "一致", "预算不一致", "未报送", "不在预算清单".
    ``totals``: projects (counted), workbooks, budget_total, in_place_total, spent_total,
    execution_rate (Σ spent ÷ Σ budget), the form's rates over the sums, mean_score,
    median_score (all over the counted projects), share_with_errors, errors, warnings_open
    (over every workbook read), left_out, duplicates, by_grade {grade: count}, seconds.
    ``groups``: the workbooks by county and year ({county, year, workbooks, counted}); only the
    summary's own county and year are counted, the title names it.
    ``top_findings``: columns code, name, severity, count, workbooks — the most frequent first.
    ``narrative``: the paragraphs for the county's own report (基本情况, 自评结果, 存在问题, 整改建议).
    ``profiles``: the forms read, in id order: each one's id, name, grade bands and whether it has
    every figure of the funds-and-tree form (``classic``: its summary is laid out as before).
    ``details``: per form whose units list their own indicators, one row per indicator of each
    counted project (department, project, path, then the form's own indicator columns, levels
    carried down).

    A county of one form with the classic figures is summarised as it always was; a county that
    mixes forms (or one without those figures) shows the figures every form has side by side
    (COMMON_FIGURES), each form's own detail on a sheet of its own, and each form's grades by its
    own band names (``grades`` has a ``profile`` column; ``totals["by_profile"]``).
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
    profiles: list[dict] = field(default_factory=list)
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    annotate_failures: list[Failure] = field(default_factory=list)  # copies not written
    skipped: list[Failure] = field(default_factory=list)  # not submissions (perfxl's own, a .docx)
    groups: list[dict] = field(default_factory=list)

    @property
    def mixed(self) -> bool:
        """Whether the summary shows the common figures (several forms, or a form without the
        classic funds figures) rather than the classic layout."""
        return len(self.profiles) > 1 or any(not p["classic"] for p in self.profiles)


def project_records(county: County) -> list[dict]:
    """The projects as one dict per row, the plain values ``to_dict("records")`` gives, made a
    column at a time (a county has thousands of projects; the summary's views each want them)."""
    frame = county.projects
    if frame is None or not len(frame):
        return []
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True))
            for row in zip(*(frame[name].tolist() for name in names), strict=True)]
