"""Summarize: compute the county summary from a folder (or zips) of submissions.

The workbooks come from :func:`perfxl.inputs.gather`; every one is read in an isolated worker
(one bad file fails alone), then the whole county is checked in one pass of the rules over one
set of frames per profile, and the summary is computed from the recomputed figures — never from
cached values, never the mean of rates.  A budget list is matched by :mod:`perfxl.reconcile`.
The summary's outputs besides the workbook (:mod:`perfxl.summary_book`) live here too: the
annotated copies to send back to the units and the JSON for other systems.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from perfxl.batch.inputs import gather
from perfxl.batch.isolate import Failure as Failed
from perfxl.batch.isolate import map_isolated
from perfxl.batch.own import OwnOutput
from perfxl.batch.validate import Limits, plain, read_many
from perfxl.bulk import collector_paused
from perfxl.check.engine import Settings, batch_cells, run_rules
from perfxl.errors import PerfxlError
from perfxl.findings import Finding, explain, sort_findings
from perfxl.form.layout import grid_name, layout_for
from perfxl.read.workbook import Report

from .model import DEPARTMENT_COLUMNS, PROJECT_COLUMNS, County, Failure
from .reconcile import name_key, read_budget, reconcile

MONEY = ["budget_total", "invested_total", "in_place_total", "spent_total", "balance_total"]
FIGURES = [*MONEY, "rate_in_place", "rate_spent", "rate_budget", "score_total"]
UNGRADED = "未评定"


# ----------------------------------------------------------------------------- the county


def summarize(paths: Iterable[str | Path], *, settings: Settings | None = None,
              limits: Limits | None = None, budget: Path | None = None,
              annotate_to: Path | None = None, progress: Callable[[int, int], None] | None = None,
              checked_at: str = "", lang: str = "zh") -> County:
    """The county summary of every workbook under ``paths``.

    With ``annotate_to``, every workbook with findings is also written there, annotated, under
    its path as shown (zip members under the archive's name), never outside that folder.
    """
    started = time.monotonic()
    settings = settings or Settings()
    # a bad list fails before the long read, read as any workbook is: checked, in a worker
    approved = read_budget_isolated(Path(budget), limits) if budget else None
    inputs = gather(paths)
    try:
        with collector_paused():  # a county's reports and frames: many objects, no cycles
            by_real = {str(s.path): s for s in inputs.sources}
            reports: list[Report] = []
            failures, skipped = list(inputs.failures), list(inputs.skipped)
            fingerprints: dict = {}
            total = len(inputs.sources)
            for done, (path, got) in enumerate(read_many([s.path for s in inputs.sources], limits,
                                                         fingerprints), 1):
                source = by_real[path]
                if isinstance(got, Report):
                    got.path = source.shown
                    got.source = str(source.path)
                    reports.append(got)
                elif isinstance(got, OwnOutput):
                    skipped.append(Failure(source.shown, got.reason_zh, got.reason_en))
                else:
                    failures.append(Failure(source.shown, got.reason_zh, got.reason_en))
                if progress:
                    progress(done, total)
            mtimes = {s.shown: s.mtime for s in inputs.sources}
            county = build_county(reports, failures, settings, approved=approved, mtimes=mtimes)
        county.checked_at = checked_at
        county.skipped = sorted(skipped, key=lambda f: f.path)
        county.totals["skipped"] = len(skipped)
        if annotate_to is not None:
            county.annotate_failures = annotate_copies(county, reports, Path(annotate_to), lang, limits,
                                                       fingerprints)
        county.totals["not_written"] = len(county.annotate_failures)
    finally:
        inputs.close()
    county.totals["seconds"] = round(time.monotonic() - started, 2)
    return county


def annotate_copies(county: County, reports: list[Report], folder: Path, lang: str = "zh",
                    limits: Limits | None = None, fingerprints: dict | None = None) -> list[Failure]:
    """Annotated copies of every workbook with findings, ready to send back to the unit: each
    under its path as shown (a zip's members under the archive's name; two of one name stay
    two), written in worker processes (one that cannot be written fails alone), never over a
    submission."""
    from perfxl.batch.write import NoteJob, annotate_many, copy_targets

    by_wb: dict[str, list[Finding]] = {}
    for f in county.findings:
        by_wb.setdefault(f.workbook, []).append(f)
    failures = []
    flagged = [r for r in reports if by_wb.get(r.path)]
    submitted = {_real(r.source or r.path) for r in reports}
    jobs, shown = [], []
    for report, target in zip(flagged, copy_targets([r.path for r in flagged], folder), strict=True):
        source = report.source or report.path
        if _real(target) in submitted:
            failures.append(Failure(report.path, f"批注副本未能写出：{target} 是一份报送文件，不能覆盖",
                                    f"annotated copy not written: {target} is a submission"))
            continue
        jobs.append(NoteJob(source, by_wb[report.path], str(target), county.checked_at, lang,
                            (fingerprints or {}).get(source)))
        shown.append(report.path)
    for path, (_, got) in zip(shown, annotate_many(jobs, limits), strict=True):
        if isinstance(got, Failed):
            failures.append(Failure(path, f"批注副本未能写出：{got.reason_zh}",
                                    f"annotated copy not written: {got.reason_en}"))
    return failures


def _real(path) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


def read_budget_isolated(path: Path, limits: Limits | None = None) -> pd.DataFrame:
    """The budget list, checked and read in a worker process like any submitted workbook: a
    list that would crash its reader (a value in XFD1048576) is a plain error, not the end."""
    limits = limits or Limits()
    (_, got), = map_isolated(_read_budget, [str(path)], jobs=1, timeout=limits.timeout,
                             memory_mb=limits.memory_mb, isolate=limits.isolate)
    if isinstance(got, Failed):
        raise PerfxlError(f"预算清单无法读取：{got.reason_zh}", path=str(path),
                          message_en=f"cannot read the budget list: {got.reason_en}")
    return got


def _read_budget(path: str) -> pd.DataFrame:
    """Runs in a worker: a workbook list goes through the hostile-file checks first."""
    if not path.lower().endswith((".csv", ".txt")):
        from perfxl.read.guard import open_checked

        open_checked(path)
    return read_budget(Path(path))


def build_county(reports: list[Report], failures: list[Failure], settings: Settings, *,
                 approved: pd.DataFrame | None = None, mtimes: dict[str, float] | None = None) -> County:
    findings: list[Finding] = []
    for profile, cells in batch_cells(reports).values():
        findings.extend(run_rules(profile, cells, settings))
    findings = sort_findings(explain(findings, {r.path: r.explanations for r in reports}))
    profile = reports[0].profile if reports else None
    projects = _projects(reports, findings, mtimes or {})
    counted = projects[projects["counted"]]
    grades = _grades(counted, [g.label for g in profile.grades] if profile else [])
    county = County(
        title=_title(reports),
        profile=",".join(sorted({r.profile.id for r in reports})),
        projects=projects,
        departments=_departments(counted, profile),
        grades=grades,
        score_bins=_score_bins(counted, profile),
        findings=findings,
        failures=sorted(failures, key=lambda f: f.path),
        totals=_totals(projects, counted, grades, failures, profile),
        top_findings=_top_findings(findings),
        reconciliation=reconcile(counted, approved) if approved is not None else None,
    )
    from .narrative import narrate

    county.narrative = narrate(county)
    return county


def _title(reports: list[Report]) -> str:
    counties = Counter(c for c in (str(r.figure("county") or "").strip() for r in reports) if c)
    years = Counter(y for y in (r.figure("year") for r in reports) if isinstance(y, int))
    county = counties.most_common(1)[0][0] if counties else ""
    year = years.most_common(1)[0][0] if years else ""
    return f"{county}{year}{'年度' if year else ''}财政支出绩效自评汇总".strip()


def _projects(reports: list[Report], findings: list[Finding], mtimes: dict[str, float]) -> pd.DataFrame:
    by_wb: dict[str, list[Finding]] = {}
    for f in findings:
        by_wb.setdefault(f.workbook, []).append(f)
    rows = []
    problems = next((b for b in reports[0].profile.blocks("list") if b.explains), None) if reports else None
    for r in reports:
        fig = r.figures()
        own = by_wb.get(r.path, [])
        first = r.first_text(problems.key, problems.columns[0].key) if problems else ""
        rows.append({
            "department": str(fig.get("department") or "").strip(),
            "project": str(fig.get("project") or "").strip(),
            "path": r.path,
            "year": fig.get("year"),
            "fill_date": fig.get("fill_date") if isinstance(fig.get("fill_date"), dt.date) else None,
            **{k: _num(fig.get(k)) for k in FIGURES},
            "grade": fig.get("grade") or UNGRADED,
            "errors": sum(f.severity == "error" for f in own),
            "warnings_open": sum(f.severity == "warning" and not f.explained for f in own),
            "warnings_explained": sum(f.severity == "warning" and bool(f.explained) for f in own),
            "main_problem": first,
            "duplicate": "",
            "counted": True,
            "_mtime": mtimes.get(r.path, 0.0),
        })
    frame = pd.DataFrame(rows, columns=[*PROJECT_COLUMNS, "invested_total", "_mtime"])
    frame = frame.astype({"counted": bool, "errors": int, "warnings_open": int, "warnings_explained": int,
                          **{k: float for k in FIGURES}, "_mtime": float})
    _mark_duplicates(frame)
    return frame.drop(columns="_mtime").sort_values(["department", "project", "path"],
                                                    ignore_index=True)


def _num(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def _mark_duplicates(frame: pd.DataFrame) -> None:
    """The same department + project twice: the later one (填报日期, then file time) counts."""
    if frame.empty:
        return
    dates = [d.toordinal() if isinstance(d, dt.date) else -1 for d in frame["fill_date"]]
    paths, mtimes = frame["path"].tolist(), frame["_mtime"].tolist()
    groups: dict[str, list[int]] = {}
    for at, (department, project) in enumerate(zip(frame["department"], frame["project"], strict=True)):
        groups.setdefault(name_key(department) + "\x00" + name_key(project), []).append(at)
    duplicate, counted = frame["duplicate"].tolist(), frame["counted"].tolist()
    for same in groups.values():
        if len(same) < 2:
            continue
        ranked = sorted(same, key=lambda at: (dates[at], mtimes[at], paths[at]))
        for at in ranked:
            others = "、".join(Path(paths[other]).name for other in ranked if other != at)
            if at == ranked[-1]:
                duplicate[at] = f"与 {others} 重复，以本表为准"
            else:
                duplicate[at] = f"与 {others} 重复，未计入汇总"
                counted[at] = False
    if duplicate != frame["duplicate"].tolist():
        frame["duplicate"], frame["counted"] = duplicate, counted


def _rate_formulas(profile) -> dict[str, tuple]:
    """Each rate figure's formula and the figures it divides (e.g. in_place / invested)."""
    if profile is None:
        return {}
    slots = {s.name: s for s in layout_for(profile).slots}
    figure_of = {name: key for key, name in profile.figures.items()}
    out = {}
    for key, name in profile.figures.items():
        slot = slots.get(name)
        if slot is None or slot.section != "grid" or key in MONEY:
            continue
        block = profile.block(slot.block)
        row = next(r for r in block.rows if r.key == slot.grid_row)
        if row.formula is not None:
            refs = {k: figure_of.get(grid_name(block, k, slot.grid_col)) for k in row.formula.names}
            if all(refs.values()):
                out[key] = (row.formula, refs)
    return out


def weighted_rates(projects: pd.DataFrame, profile, by: str | None = None) -> pd.DataFrame:
    """Rates from summed amounts with the form's own formulas: funds-weighted, never the mean
    of project rates.  Each rate sums only the projects whose figures it needs are all known,
    so an unreadable amount leaves its project out of that rate instead of counting as 0.
    """
    groups = projects.groupby(by, sort=True) if by else None
    out = pd.DataFrame(index=groups.size().index if by else [0])
    for key, (formula, refs) in _rate_formulas(profile).items():
        cols = list(dict.fromkeys(refs.values()))
        known = projects[projects[cols].notna().all(axis=1)]
        sums = known.groupby(by, sort=True)[cols].sum() if by else known[cols].sum().to_frame().T
        sums = sums.reindex(out.index)
        out[key] = formula.evaluate({k: sums[c].to_numpy(float) for k, c in refs.items()})
    return out


def _departments(counted: pd.DataFrame, profile) -> pd.DataFrame:
    if counted.empty:
        return pd.DataFrame(columns=DEPARTMENT_COLUMNS)
    grouped = counted.groupby("department", sort=True)
    frame = grouped[MONEY].sum(min_count=1)
    frame["projects"] = grouped.size()
    frame["mean_score"] = grouped["score_total"].mean()
    frame["errors"] = grouped["errors"].sum()
    frame = frame.join(weighted_rates(counted, profile, by="department")).reset_index()
    frame["rank"] = frame["mean_score"].rank(ascending=False, method="min").astype("Int64")
    return frame[DEPARTMENT_COLUMNS].sort_values(["rank", "department"], ignore_index=True)


def _grades(counted: pd.DataFrame, bands: list[str]) -> pd.DataFrame:
    order = bands + ([UNGRADED] if (counted["grade"] == UNGRADED).any() else [])
    grouped = counted.groupby("grade")
    frame = pd.DataFrame({
        "grade": order,
        "projects": [int(grouped.size().get(g, 0)) for g in order],
        "budget_total": [float(counted.loc[counted["grade"] == g, "budget_total"].sum()) for g in order],
        "spent_total": [float(counted.loc[counted["grade"] == g, "spent_total"].sum()) for g in order],
    })
    return frame


def _score_bins(counted: pd.DataFrame, profile) -> pd.DataFrame:
    mins = sorted({g.min for g in profile.grades}, reverse=True) if profile else [90, 80, 70, 60, 0]
    labels, counts, upper = [], [], None
    scores = counted["score_total"].dropna()
    for low in mins:
        label = f"{low:g}–{upper:g}" if upper is not None else f"{low:g}–100"
        if low == 0:
            label = f"{upper:g} 以下" if upper is not None else "全部"
        in_band = (scores >= low) & ((scores < upper) if upper is not None else True)
        labels.append(label)
        counts.append(int(in_band.sum()))
        upper = low
    return pd.DataFrame({"band": labels, "projects": counts})


def _totals(projects, counted, grades, failures, profile) -> dict:
    budget, spent = counted["budget_total"].sum(), counted["spent_total"].sum()
    in_place = counted["in_place_total"].sum()
    scores = counted["score_total"].dropna()
    rates = {k: plain(float(v)) for k, v in weighted_rates(counted, profile).iloc[0].items()}
    return {
        **rates,
        "workbooks": int(len(projects) + len(failures)),
        "projects": len(counted),
        "departments": int(counted["department"].nunique()),
        "budget_total": float(budget),
        "in_place_total": float(in_place),
        "spent_total": float(spent),
        "execution_rate": _execution_rate(counted),
        "mean_score": float(scores.mean()) if len(scores) else None,
        "median_score": float(scores.median()) if len(scores) else None,
        "share_with_errors": float((projects["errors"] > 0).mean()) if len(projects) else None,
        "errors": int(projects["errors"].sum()),
        "warnings_open": int(projects["warnings_open"].sum()),
        "unreadable": len(failures),
        "duplicates": int((~projects["counted"]).sum()),
        "by_grade": {g: int(n) for g, n in zip(grades["grade"], grades["projects"], strict=True)},
    }


def _execution_rate(counted: pd.DataFrame) -> float | None:
    """Σ spent ÷ Σ budget over the projects where both are known (funds-weighted)."""
    known = counted[counted["spent_total"].notna() & counted["budget_total"].notna()]
    budget = known["budget_total"].sum()
    return float(known["spent_total"].sum() / budget) if budget > 0 else None


def _top_findings(findings: list[Finding]) -> pd.DataFrame:
    if not findings:
        return pd.DataFrame(columns=["code", "name", "severity", "count", "workbooks"])
    frame = pd.DataFrame([(f.code, f.name, f.severity, f.workbook) for f in findings],
                         columns=["code", "name", "severity", "workbook"])
    top = frame.groupby(["code", "name", "severity"]).agg(count=("workbook", "size"),
                                                         workbooks=("workbook", "nunique"))
    return top.reset_index().sort_values(["count", "code"], ascending=[False, True], ignore_index=True)


# ----------------------------------------------------------------------------- JSON


def county_json(county: County) -> dict:
    """The summary for other systems (schema ``perfxl.summary/1``, documented in README.md)."""
    def records(frame: pd.DataFrame | None):
        if frame is None:
            return None
        out = []
        for row in frame.to_dict("records"):
            out.append({k: plain(v) for k, v in row.items()})
        return out

    return {
        "schema": "perfxl.summary/1",
        "title": county.title,
        "profile": county.profile,
        "checked_at": county.checked_at,
        "totals": {k: plain(v) for k, v in county.totals.items() if k != "seconds"},
        "projects": records(county.projects),
        "departments": records(county.departments),
        "grades": records(county.grades),
        "findings": [f.to_dict() for f in county.findings],
        "failures": [{"path": f.path, "reason": f.reason} for f in county.failures]
        + [{"path": f.path, "reason": f.reason} for f in county.annotate_failures],
        "skipped": [{"path": f.path, "reason": f.reason} for f in county.skipped],
        "reconciliation": records(county.reconciliation),
        "narrative": county.narrative,
    }
