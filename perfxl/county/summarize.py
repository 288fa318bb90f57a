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

import numpy as np
import pandas as pd

from perfxl.batch.inputs import gather
from perfxl.batch.isolate import Failure as Failed
from perfxl.batch.isolate import map_isolated
from perfxl.batch.own import OwnOutput
from perfxl.batch.validate import Limits, plain, read_many
from perfxl.bulk import collector_paused
from perfxl.check.engine import Settings, batch_cells, by_labels, run_rules
from perfxl.errors import PerfxlError
from perfxl.findings import Finding, explain, sort_findings
from perfxl.form.layout import grid_name, layout_for
from perfxl.read.workbook import Report

from .model import DEPARTMENT_COLUMNS, DEPARTMENT_EXTRA, PROJECT_COLUMNS, PROJECT_EXTRA, County, Failure
from .reconcile import name_key, read_budget, reconcile

MONEY = ["budget_total", "invested_total", "in_place_total", "spent_total", "balance_total"]
FIGURES = [*MONEY, "rate_in_place", "rate_spent", "rate_budget", "score_total", "execution_rate"]
CLASSIC = {*MONEY, "rate_in_place", "rate_spent", "rate_budget", "score_total"}  # the funds-and-tree form's
UNGRADED = "未评定"
# The figures a project must have, readable, to be counted: the amounts the summary adds up
# (the balance and the rates follow from them) and the score the grades count.
NEEDED = ["budget_total", "invested_total", "in_place_total", "spent_total", "score_total"]
NEEDED_EN = {"budget_total": "budget", "invested_total": "funds invested", "in_place_total": "funds in place",
             "spent_total": "spending", "score_total": "score"}


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
            county = build_county(reports, failures, settings, approved=approved, mtimes=mtimes, lang=lang)
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
                 approved: pd.DataFrame | None = None, mtimes: dict[str, float] | None = None,
                 lang: str = "zh") -> County:
    findings: list[Finding] = []
    batches = batch_cells(reports)
    readings = by_labels(reports)
    for profile, cells in batches.values():
        findings.extend(run_rules(profile, cells, settings, readings))
    findings = sort_findings(explain(findings, {r.path: r.explanations for r in reports}))
    read = sorted((p for p, _ in batches.values()), key=lambda p: p.id)
    projects = _projects(reports, findings, mtimes or {})
    # The one set every figure is computed over: each project left out says why.
    groups, main = _groups(projects)
    projects["_other"] = _leave_out_other_groups(projects, main) or False
    _mark_duplicates(projects)
    _leave_out_unreadable(projects, read)
    # the county's own projects first; another county's or year's after them, listed only
    projects = projects.sort_values(["_other", "department", "project", "path"], ignore_index=True) \
        .drop(columns=["_mtime", "_other"])
    counted = projects[projects["counted"]]
    # The forms of the counted projects (a form only left-out workbooks used has no figure here).
    # One form: its own rate formulas and bands, as always.  Several: what every form has.
    forms = [p for p in read if p.id in set(counted["profile"])] or read
    profile = forms[0] if len(forms) == 1 else None
    grades = _grades_by_form(counted, forms)
    county = County(
        title=_title(main),
        profile=",".join(sorted({r.profile.id for r in reports})),
        projects=projects,
        departments=_departments(counted, profile),
        grades=grades,
        score_bins=_score_bins(counted, profile, forms),
        findings=findings,
        failures=sorted(failures, key=lambda f: f.path),
        totals=_totals(projects, counted, grades, failures, profile),
        top_findings=_top_findings(findings),
        reconciliation=reconcile(counted, approved) if approved is not None else None,
        groups=groups,
        profiles=[{"id": p.id, "name": p.name, "grades": [g.label for g in p.grades],
                   "classic": set(p.figures) >= CLASSIC} for p in forms],
        details=_details(batches, counted),
    )
    if len(forms) > 1:
        county.totals["by_profile"] = _by_profile(counted, grades, forms)
    from .narrative import narrate

    county.narrative = narrate(county, lang=lang)
    return county


def _title(main: tuple[str, int | None]) -> str:
    county, year = main
    return f"{county}{year or ''}{'年度' if year else ''}财政支出绩效自评汇总".strip()


def _year(value) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _groups(projects: pd.DataFrame) -> tuple[list[dict], tuple[str, int | None]]:
    """The workbooks by county and year, and the summary's own (county, year): the one the most
    workbooks belong to (ties: the later year, then the county's name).  A workbook naming no
    county (the national table has none) or no year belongs to any — so 36 national-form
    workbooks of 2023 and one 和平县 2020 report make a summary of 2023, not of 和平县 2020."""
    counties, years = projects["county"].tolist(), [_year(y) for y in projects["year"]]
    keys = [(name_key(c), y) for c, y in zip(counties, years, strict=True)]
    spelled: dict[str, Counter] = {}
    for county, (key, _) in zip(counties, keys, strict=True):
        if key:
            spelled.setdefault(key, Counter())[county] += 1
    kinds = Counter(keys)

    def members_of(candidate: tuple[str, int | None]) -> int:
        key, year = candidate
        return sum(n for (k, y), n in kinds.items() if (not k or k == key) and (y is None or y == year))

    key, year = max(kinds, key=lambda c: (members_of(c), c[1] or 0, c[0])) if kinds else ("", None)
    if year is None:  # the most belong to no year in particular: the year most name, if any
        dated = Counter(y for k, y in keys if y is not None and (not k or k == key))
        year = max(dated, key=lambda y: (dated[y], y)) if dated else None
    main = (spelled[key].most_common(1)[0][0] if key else "", year)
    members: dict[tuple, list[str]] = {}
    for k, path in zip(keys, projects["path"], strict=True):
        county_, year_ = k
        if (not county_ or county_ == key) and (year_ is None or year_ == year):
            k = (key, year)  # naming no county (the national table has none) or no year: the summary's own
        members.setdefault(k, []).append(path)
    groups = [{"county": spelled[k].most_common(1)[0][0] if k else "", "year": y, "workbooks": len(paths),
               "counted": (not k or k == key) and (y is None or y == year), "paths": sorted(paths)}
              for (k, y), paths in sorted(members.items(), key=lambda i: (-len(i[1]), i[0][0], i[0][1] or 0))]
    return groups, main


def _leave_out_other_groups(frame: pd.DataFrame, main: tuple[str, int | None]) -> list[bool]:
    """A workbook of another county or year is listed, never added to this one's figures; which
    rows are such workbooks."""
    if frame.empty:
        return []
    other = [False] * len(frame)
    county, year = main
    key = name_key(county)
    excluded, excluded_en, counted = frame["excluded"].tolist(), frame["excluded_en"].tolist(), \
        frame["counted"].tolist()
    for at, (theirs, their_year) in enumerate(zip(frame["county"], frame["year"], strict=True)):
        their_year = _year(their_year)
        other_county = bool(name_key(theirs)) and name_key(theirs) != key
        other_year = their_year is not None and year is not None and their_year != year
        if other_county or other_year:
            their_year = their_year or year  # a workbook naming no county is said as of its year
            excluded[at] = f"属于{theirs}{_of_year(their_year)}，本汇总为{county}{_of_year(year)}"
            excluded_en[at] = f"belongs to {_named(theirs, their_year)}, not to this summary's {_named(county, year)}"
            counted[at] = False
            other[at] = True
    frame["excluded"], frame["excluded_en"], frame["counted"] = excluded, excluded_en, counted
    return other


def _named(county: str, year: int | None) -> str:
    """'和平县 2020', '2025' (a form naming no county), '和平县'."""
    return " ".join(str(v) for v in (county, year) if v)


def _of_year(year: int | None) -> str:
    return f"{year}年度" if year else ""


def _leave_out_unreadable(frame: pd.DataFrame, forms: list) -> None:
    """A project whose amounts or score cannot be read is counted in none of the figures (not
    in some and not others), and says which figure could not be read (its own form's words)."""
    if not forms or frame.empty:
        return
    plans = {p.id: ([k for k in NEEDED if k in p.figures], _figure_labels(p)) for p in forms}
    excluded, excluded_en, counted = frame["excluded"].tolist(), frame["excluded_en"].tolist(), \
        frame["counted"].tolist()
    profiles = frame["profile"].tolist() if "profile" in frame else [forms[0].id] * len(frame)
    values = {k: frame[k].isna().tolist() for k in NEEDED if k in frame}
    for at, pid in enumerate(profiles):
        needed, labels = plans.get(pid, ([], {}))
        gone = [k for k in needed if values[k][at]]
        if gone and counted[at]:
            excluded[at] = "、".join(labels.get(k, k) for k in gone) + "无法识别"
            excluded_en[at] = ", ".join(NEEDED_EN.get(k, k) for k in gone) + " could not be read"
            counted[at] = False
    frame["excluded"], frame["excluded_en"], frame["counted"] = excluded, excluded_en, counted


def _figure_labels(profile) -> dict[str, str]:
    """Each figure's label on the form without the column, e.g. budget_total → 预算安排."""
    slots = {s.name: s for s in layout_for(profile).slots}
    return {key: slots[name].label.split("（")[0] for key, name in profile.figures.items() if name in slots}


def _projects(reports: list[Report], findings: list[Finding], mtimes: dict[str, float]) -> pd.DataFrame:
    by_wb: dict[str, list[Finding]] = {}
    for f in findings:
        by_wb.setdefault(f.workbook, []).append(f)
    rows = []
    for r in reports:
        fig = r.figures()
        own = by_wb.get(r.path, [])
        first = _main_problem(r)
        rows.append({
            "county": str(r.figure("county") or "").strip(),
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
            "duplicate_en": "",
            "counted": True,
            "excluded": "",
            "excluded_en": "",
            "read_by": r.read_by,  # "labels": typed by hand, read by the labels of its form
            "profile": r.profile.id,
            "_mtime": mtimes.get(r.path, 0.0),
        })
    frame = pd.DataFrame(rows, columns=[*PROJECT_COLUMNS, *PROJECT_EXTRA, "invested_total", "read_by", "_mtime"])
    return frame.astype({"counted": bool, "errors": int, "warnings_open": int, "warnings_explained": int,
                         **{k: float for k in FIGURES}, "_mtime": float})


def _main_problem(report: Report) -> str:
    """The first problem a workbook states: its problems list's first row, else the first deviation
    reason of its indicator list, else the text of its problems field."""
    profile = report.profile
    listed = next((b for b in profile.blocks("list") if b.explains), None)
    if listed is not None:
        return report.first_text(listed.key, listed.columns[0].key)
    for block in profile.blocks("indicators"):
        reason = block.role("reason")
        if reason is not None:
            return report.first_text(block.key, reason.key)
    for key in profile.checks.get("problems", []):
        value = report.value(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _num(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def _mark_duplicates(frame: pd.DataFrame) -> None:
    """The same department + project (of the same year) twice: the later one (填报日期, then
    file time) counts.  A project's report of another year is not a copy of it."""
    if frame.empty:
        return
    dates = [d.toordinal() if isinstance(d, dt.date) else -1 for d in frame["fill_date"]]
    paths, mtimes = frame["path"].tolist(), frame["_mtime"].tolist()
    years = [str(y) if isinstance(y, int) else "" for y in frame["year"].tolist()]
    duplicate, counted = frame["duplicate"].tolist(), frame["counted"].tolist()
    duplicate_en = frame["duplicate_en"].tolist()
    excluded, excluded_en = frame["excluded"].tolist(), frame["excluded_en"].tolist()
    groups: dict[str, list[int]] = {}
    for at, (department, project) in enumerate(zip(frame["department"], frame["project"], strict=True)):
        if counted[at]:  # a workbook of another county or year is no copy of this one's
            groups.setdefault(name_key(department) + "\x00" + name_key(project) + "\x00" + years[at], []).append(at)
    for same in groups.values():
        if len(same) < 2:
            continue
        ranked = sorted(same, key=lambda at: (dates[at], mtimes[at], paths[at]))
        for at in ranked:
            others = "、".join(Path(paths[other]).name for other in ranked if other != at)
            others_en = ", ".join(Path(paths[other]).name for other in ranked if other != at)
            if at == ranked[-1]:
                duplicate[at] = f"与 {others} 重复，以本表为准"
                duplicate_en[at] = f"also submitted as {others_en}; this one counts"
            else:
                duplicate[at] = f"与 {others} 重复，未计入汇总"
                duplicate_en[at] = f"also submitted as {others_en}; not counted"
                latest = Path(paths[ranked[-1]]).name
                excluded[at] = f"重复报送，以 {latest} 为准"
                excluded_en[at] = f"submitted twice; {latest} counts"
                counted[at] = False
    if duplicate != frame["duplicate"].tolist():
        frame["duplicate"], frame["duplicate_en"], frame["counted"] = duplicate, duplicate_en, counted
        frame["excluded"], frame["excluded_en"] = excluded, excluded_en


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
        return pd.DataFrame(columns=[*DEPARTMENT_COLUMNS, *DEPARTMENT_EXTRA])
    grouped = counted.groupby("department", sort=True)
    frame = grouped[MONEY].sum(min_count=1)
    frame["projects"] = grouped.size()
    frame["mean_score"] = grouped["score_total"].mean()
    frame["errors"] = grouped["errors"].sum()
    frame = frame.join(weighted_rates(counted, profile, by="department")).reset_index()
    for key in ("rate_in_place", "rate_spent", "rate_budget"):  # a form without them: none
        if key not in frame:
            frame[key] = math.nan
    known = counted[counted["spent_total"].notna() & counted["budget_total"].notna()].groupby("department")
    budget = known["budget_total"].sum().reindex(frame["department"]).to_numpy()
    spent = known["spent_total"].sum().reindex(frame["department"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["execution_rate"] = np.where(budget > 0, spent / np.where(budget > 0, budget, 1), np.nan)
    frame["rank"] = frame["mean_score"].rank(ascending=False, method="min").astype("Int64")
    return frame[[*DEPARTMENT_COLUMNS, *DEPARTMENT_EXTRA]].sort_values(["rank", "department"], ignore_index=True)


def _grades_by_form(counted: pd.DataFrame, forms: list) -> pd.DataFrame:
    """Each form's grade bands by its own names, one form after another (column ``profile``)."""
    if len(forms) <= 1:
        frame = _grades(counted, forms[0] if forms else None)
        return frame.assign(profile=forms[0].id if forms else "")
    parts = [_grades(counted[counted["profile"] == p.id], p).assign(profile=p.id) for p in forms]
    return pd.concat(parts, ignore_index=True)


def _by_profile(counted: pd.DataFrame, grades: pd.DataFrame, forms: list) -> dict:
    out = {}
    for p in forms:
        own = counted[counted["profile"] == p.id]
        scores = own["score_total"].dropna()
        mine = grades[grades["profile"] == p.id]
        out[p.id] = {
            "name": p.name, "projects": len(own), "budget_total": float(own["budget_total"].sum()),
            "spent_total": float(own["spent_total"].sum()), "execution_rate": _execution_rate(own),
            "mean_score": float(scores.mean()) if len(scores) else None,
            "by_grade": {g: int(n) for g, n in zip(mine["grade"], mine["projects"], strict=True)},
        }
    return out


def _details(batches: dict, counted: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per form with an indicator list: one row per indicator of each counted project, the 一级
    and 二级 labels carried down from the merged cells above, label-only rows left out."""
    out = {}
    where = counted.set_index("path")[["department", "project"]]
    for profile, batch in batches.values():
        for block in profile.blocks("indicators"):
            cells = batch.frame
            part = cells.loc[(cells["block"] == block.key) & (cells["item"] >= 0),
                             ["workbook", "item", "column", "value", "status"]]
            part = part[part["workbook"].isin(where.index).to_numpy()]
            keys = [c.key for c in block.columns]
            if part.empty:
                out[profile.id] = pd.DataFrame(columns=["department", "project", "path", "item", *keys])
                continue
            values = part["value"].where((part["status"] == "ok").to_numpy(), None)
            wide = (part.assign(value=values, workbook=part["workbook"].astype(str))
                    .pivot(index=["workbook", "item"], columns="column", values="value")
                    .reindex(columns=keys).reset_index().sort_values(["workbook", "item"], ignore_index=True))
            level1 = block.role("level1").key if block.role("level1") else None
            level2 = block.role("level2").key if block.role("level2") else None
            if level1:
                run = wide[level1].notna().groupby(wide["workbook"]).cumsum()
                wide[level1] = wide.groupby("workbook")[level1].ffill()
                if level2:
                    wide[level2] = wide.groupby([wide["workbook"], run])[level2].ffill()
            figures = [c.key for c in block.columns if c.role in ("name", "target", "actual", "weight", "score")]
            wide = wide[wide[figures].notna().any(axis=1)]
            wide = wide.rename(columns={"workbook": "path"})
            wide.insert(0, "project", wide["path"].map(where["project"]))
            wide.insert(0, "department", wide["path"].map(where["department"]))
            out[profile.id] = wide.sort_values(["department", "project", "path", "item"], ignore_index=True)
    return out


def _grades(counted: pd.DataFrame, profile) -> pd.DataFrame:
    bands = band_labels(profile)
    order = list(bands) + ([UNGRADED] if (counted["grade"] == UNGRADED).any() else [])
    grouped = counted.groupby("grade")
    frame = pd.DataFrame({
        "grade": order,
        "band": [bands.get(g, "") for g in order],
        "projects": [int(grouped.size().get(g, 0)) for g in order],
        "budget_total": [float(counted.loc[counted["grade"] == g, "budget_total"].sum()) for g in order],
        "spent_total": [float(counted.loc[counted["grade"] == g, "spent_total"].sum()) for g in order],
    })
    return frame


def band_labels(profile) -> dict[str, str]:
    """Each grade's scores in the form's own words, highest first: 90–100, 80–89, 70–79, 60–69,
    59 及以下.  The bands are half-open (89.5 is 良好), so "80–89" means from 80 up to 90; with
    fractional lower bounds they are said as such (≥ 85.5 且 < 90)."""
    if profile is None:
        return {}
    bands = sorted(profile.grades, key=lambda g: -g.min)
    whole = all(float(g.min).is_integer() for g in bands)
    top = max(100.0, *(g.min for g in bands))
    out, upper = {}, None
    for g in bands:
        if upper is None:
            out[g.label] = f"{g.min:g}–{top:g}"
        elif g.min <= 0 and whole:
            out[g.label] = f"{upper - 1:g} 及以下"
        elif whole:
            out[g.label] = f"{g.min:g}–{upper - 1:g}"
        else:
            out[g.label] = f"≥ {g.min:g} 且 < {upper:g}"
        upper = g.min
    return out


def _score_bins(counted: pd.DataFrame, profile, forms: list | None = None) -> pd.DataFrame:
    """Counted projects by score band (the grade bands, in the form's words); of several forms,
    by every band edge any of them has."""
    if profile is None and forms:
        return _mixed_score_bins(counted, forms)
    scores = counted["score_total"].dropna()
    labels, counts, upper = [], [], None
    bands = band_labels(profile)
    for g in sorted(profile.grades, key=lambda g: -g.min) if profile else []:
        in_band = (scores >= g.min) & ((scores < upper) if upper is not None else True)
        labels.append(bands[g.label])
        counts.append(int(in_band.sum()))
        upper = g.min
    return pd.DataFrame({"band": labels, "projects": counts})


def _mixed_score_bins(counted: pd.DataFrame, forms: list) -> pd.DataFrame:
    """Score bands of a county of several forms: every band edge any of them has."""
    mins = sorted({g.min for p in forms for g in p.grades}, reverse=True)
    labels, counts, upper = [], [], None
    scores = counted["score_total"].dropna()
    for low in mins:
        label = f"{low:g}–{upper - 1:g}" if upper is not None else f"{low:g}–100"
        if low == 0:
            label = f"{upper - 1:g} 及以下" if upper is not None else "全部"
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
        "duplicates": int(projects["duplicate"].str.endswith("未计入汇总").sum()),
        "left_out": int((~projects["counted"]).sum()),
        "by_grade": _by_grade(grades),
    }


def _by_grade(grades: pd.DataFrame) -> dict[str, int]:
    """Projects per grade name (forms sharing a name such as 优 add up; per form: by_profile)."""
    out: dict[str, int] = {}
    for g, n in zip(grades["grade"], grades["projects"], strict=True):
        out[g] = out.get(g, 0) + int(n)
    return out


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
        "groups": [{k: plain(v) for k, v in g.items()} for g in county.groups],
        "left_out": [{"path": r["path"], "department": r["department"], "project": r["project"],
                      "reason": r["excluded"]} for r in records(county.projects) or [] if not r["counted"]],
        "reconciliation": records(county.reconciliation),
        "narrative": county.narrative,
        "profiles": county.profiles,
        "details": {pid: records(frame) for pid, frame in county.details.items()},
    }
