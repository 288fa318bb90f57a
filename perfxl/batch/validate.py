"""Validate workbooks: find the files, read each, run the rules, keep one result per file.

A file that cannot be read is a result too (status ``unreadable`` with its reason), never an
exception that stops the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from perfxl.check.engine import Settings, check
from perfxl.errors import UnreadableWorkbook
from perfxl.findings import Finding, explain
from perfxl.form.layout import layout_for
from perfxl.form.profile import available_profiles, load_profile
from perfxl.notes import RESULT_NAMES
from perfxl.read.decrypt import decrypted
from perfxl.read.guard import open_checked, vetted
from perfxl.read.workbook import Report, read_report

from .isolate import Failure, map_isolated

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods"}


@dataclass
class WorkbookResult:
    path: str
    status: str  # ok | errors | unreadable
    profile: str | None = None
    figures: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    reason_en: str = ""
    read_by: str = "template"  # "labels": typed by hand, read by the labels of its form
    reading: object = None  # then how (perfxl.read.labels.LabelReading)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" and not f.explained for f in self.findings)

    @property
    def explained(self) -> int:
        return sum(f.severity == "warning" and bool(f.explained) for f in self.findings)


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every workbook under the folders given, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES
                and not f.name.startswith(("~$", ".~", "."))
            ))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


@dataclass
class Limits:
    """How each file is read: in worker processes, each bounded in time and memory."""

    jobs: int | None = None  # worker processes; None = one per CPU
    timeout: float = 120.0  # seconds per file
    memory_mb: int = 1536  # address space per worker
    isolate: bool = True
    password: str | None = None  # to open password-protected workbooks


def read_checked(path: str, password: str | None = None) -> tuple:
    """Read one workbook after the hostile-file checks (runs in a worker process).

    Returns what pickles cheaply: the profile id, the cells as columns, the template version, the
    reader's notes, the unit's explanations and, for a workbook typed by hand, how its labels
    were read; the parent rebuilds the :class:`Report`.
    """
    try:
        with vetted(path, encrypted_ok=True) as found:  # each file read once
            kind = found.kind
            if kind != "encrypted":
                report = read_report(path, package=found.zip, parts=found.parts, data=found.data)
                explanations = _explanations(path, report.sheet_names)
        if kind == "encrypted":
            with decrypted(path, password) as readable:
                open_checked(readable)
                report = read_report(readable)
                explanations = {}  # notes are never written into encrypted files
    except OSError as exc:
        raise UnreadableWorkbook(f"无法打开文件：{exc.strerror or exc}", path=path,
                                 message_en=f"cannot open the file: {exc.strerror or exc}") from exc
    return (report.profile.id, report.columns, report.template_version, report.notes, explanations,
            report.labels)


def _explanations(path: str, sheet_names: list[str]) -> dict:
    """What the unit wrote in 说明 on a results sheet perfxl added on an earlier run."""
    if not set(RESULT_NAMES.values()) & set(sheet_names) or not path.lower().endswith((".xlsx", ".xlsm")):
        return {}
    from perfxl.notes.annotate import read_explanations  # the package-editing code: only for annotated files

    return read_explanations(path)


def read_many(paths: Iterable[str | Path], limits: Limits | None = None):
    """Yield ``(path, Report or Failure)`` for every path, in order, one bad file failing alone."""
    limits = limits or Limits()
    items = [str(p) for p in paths]
    reader = partial(read_checked, password=limits.password) if limits.password else read_checked
    for pid in available_profiles() if items else ():  # built here once: forked readers inherit them
        with contextlib.suppress(Exception):  # a broken profile is reported where a file uses it
            layout_for(load_profile(pid))
    for path, got in map_isolated(reader, items, jobs=limits.jobs, timeout=limits.timeout,
                                  memory_mb=limits.memory_mb, isolate=limits.isolate):
        if isinstance(got, Failure):
            yield path, got
        else:
            pid, columns, version, notes, explanations, labels = got
            # The columns are kept as they arrive: the reader shares sheet names and statuses
            # within a file and pickle sends each shared object once, so interning the texts here
            # too saved under 1% of the memory of 2,000 workbooks, for a pass over every cell.
            yield path, Report(path, load_profile(pid), columns, version, notes, explanations=explanations,
                               read_by="labels" if labels is not None else "template", labels=labels)


def validate_paths(paths: Iterable[str | Path], settings: Settings | None = None,
                   explanations: dict[str, dict] | None = None,
                   limits: Limits | None = None) -> list[WorkbookResult]:
    """One result per workbook; ``explanations`` maps a path to {(code, field): text}."""
    settings = settings or Settings()
    results: dict[str, WorkbookResult] = {}
    reports: list[Report] = []
    for path, got in read_many(collect_paths(paths), limits):
        if isinstance(got, Failure):
            results[path] = WorkbookResult(path, "unreadable", reason=got.reason_zh,
                                           reason_en=got.reason_en)
            continue
        reports.append(got)
        results[path] = WorkbookResult(path, "ok", got.profile.id, plain(got.figures()),
                                       read_by=got.read_by, reading=got.labels)
    known = {r.path: r.explanations for r in reports} | (explanations or {})
    for f in explain(check(reports, settings), known):
        results[f.workbook].findings.append(f)
    for r in results.values():
        if r.status == "ok" and r.errors:
            r.status = "errors"
    return list(results.values())


def plain(v):
    """A value as JSON can hold it: NaN and NA → None, dates → ISO text, numpy → Python."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if hasattr(v, "item") and not isinstance(v, str | bytes):  # numpy scalars
        return plain(v.item())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v
