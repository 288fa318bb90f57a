"""Validate workbooks: find the files, read each, run the rules, keep one result per file.

A file that cannot be read is a result too (status ``unreadable`` with its reason), never an
exception that stops the rest; so is a folder that cannot be listed or a link to nothing.  A
workbook perfxl wrote itself (a county summary, an annotated copy nobody changed) is
``skipped`` with the reason, neither checked nor counted as unreadable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from perfxl.check.engine import Settings, check
from perfxl.errors import NotAForm, UnreadableWorkbook
from perfxl.findings import Finding, explain
from perfxl.form.layout import layout_for
from perfxl.form.profile import available_profiles, load_profile
from perfxl.notes import RESULT_NAMES
from perfxl.ooxml.atomic import Fingerprint
from perfxl.read.decrypt import decrypted
from perfxl.read.guard import open_checked, vetted
from perfxl.read.workbook import LABELS_NOTE, Report, read_report

from .isolate import Failure, map_isolated
from .own import OwnOutput, own_output_file
from .walk import UNSUPPORTED, WORKBOOK_SUFFIXES, files, shown, suffix

__all__ = ["WORKBOOK_SUFFIXES", "Limits", "OwnOutput", "WorkbookResult", "collect_paths",
           "read_checked", "read_many", "validate_paths"]


@dataclass
class WorkbookResult:
    path: str  # as shown to the user
    status: str  # ok | errors | unreadable | skipped
    profile: str | None = None
    figures: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    reason_en: str = ""
    read_by: str = "template"  # "labels": typed by hand, read by the labels of its form
    reading: object = None  # then how (perfxl.read.labels.LabelReading)
    source: str = ""  # the file on disk, when ``path`` is not its name as the system spells it
    fingerprint: Fingerprint | None = None  # the file as read, for the notes written into it
    write_error: str = ""  # why the notes could not be written (then the file is not done)
    write_error_en: str = ""
    located: list[str] = field(default_factory=list)  # how the form was found, where not by its marks

    @property
    def file(self) -> str:
        return self.source or self.path

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
    """Files as given, and every workbook under the folders given, in a stable order, each
    file once."""
    return [e.path for e in files(paths) if e.kind == "workbook"]


ARCHIVE_NOT_OPENED = ("压缩包未打开：validate 只校验工作簿；请解压后再校验（perfxl summarize 可直接汇总 .zip）",
                      "archive not opened: validate checks workbooks only; unpack it first (perfxl "
                      "summarize opens .zip files itself)")


@dataclass
class Limits:
    """How each file is read: in worker processes, each bounded in time and memory."""

    jobs: int | None = None  # worker processes; None = one per CPU
    timeout: float = 120.0  # seconds per file
    memory_mb: int = 1536  # address space per worker
    isolate: bool = True
    password: str | None = None  # to open password-protected workbooks


def read_checked(path: str, password: str | None = None) -> tuple | OwnOutput:
    """Read one workbook after the hostile-file checks (runs in a worker process).

    Returns what pickles cheaply: the profile id, the cells as columns, the template version, the
    reader's notes, the unit's explanations, for a workbook typed by hand how its labels were
    read, and the file's fingerprint (the bytes read); the parent rebuilds the :class:`Report`.
    A workbook perfxl wrote itself is an :class:`OwnOutput` instead.
    """
    fingerprint = None
    try:
        with vetted(path, encrypted_ok=True) as found:  # each file read once
            kind = found.kind
            if kind != "encrypted":
                fingerprint = Fingerprint.of(found.data, os.stat(path)) if found.data is not None \
                    else Fingerprint.of_file(path)
                try:
                    report = read_report(path, package=found.zip, parts=found.parts, data=found.data)
                except NotAForm:  # perfxl's own summary is not a form either: told by its marks
                    own = own_output_file(path, found.data)
                    if own is not None:
                        return own
                    raise
                explanations = _explanations(path, report.sheet_names)
                if isinstance(explanations, OwnOutput):
                    return explanations
        if kind == "encrypted":
            with decrypted(path, password) as readable:
                open_checked(readable)
                report = read_report(readable)
                explanations = {}  # notes are never written into encrypted files
    except OSError as exc:
        raise UnreadableWorkbook(f"无法打开文件：{exc.strerror or exc}", path=path,
                                 message_en=f"cannot open the file: {exc.strerror or exc}") from exc
    return (report.profile.id, report.columns, report.template_version, report.notes, explanations,
            report.labels, fingerprint)


def _explanations(path: str, sheet_names: list[str]) -> dict | OwnOutput:
    """What the unit wrote in 说明 on a results sheet perfxl added on an earlier run (or, for a
    copy perfxl wrote that nobody changed since, that it is perfxl's own output)."""
    if not set(RESULT_NAMES.values()) & set(sheet_names) or not path.lower().endswith((".xlsx", ".xlsm")):
        return {}
    from perfxl.notes.annotate import read_notes  # the package-editing code: only for annotated files

    typed, copy = read_notes(path)
    return OwnOutput.COPY if copy else typed


def read_many(paths: Iterable[str | Path], limits: Limits | None = None,
              fingerprints: dict | None = None):
    """Yield ``(path, Report, Failure or OwnOutput)`` for every path, in order, one bad file
    failing alone; ``fingerprints`` (when given) gets each file's as read, by path."""
    limits = limits or Limits()
    items = [str(p) for p in paths]
    reader = partial(read_checked, password=limits.password) if limits.password else read_checked
    for pid in available_profiles() if items else ():  # built here once: forked readers inherit them
        with contextlib.suppress(Exception):  # a broken profile is reported where a file uses it
            layout_for(load_profile(pid))
    for path, got in map_isolated(reader, items, jobs=limits.jobs, timeout=limits.timeout,
                                  memory_mb=limits.memory_mb, isolate=limits.isolate):
        if isinstance(got, Failure | OwnOutput):
            yield path, got
        else:
            pid, columns, version, notes, explanations, labels, fingerprint = got
            if fingerprints is not None:
                fingerprints[path] = fingerprint
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
    workbooks = []
    for entry in files(paths):
        name = shown(entry.path)
        if entry.kind == "broken":
            results[name] = WorkbookResult(name, "unreadable", reason=entry.reason,
                                           reason_en=entry.reason_en, source=str(entry.path))
        elif entry.kind in ("zip", "archive", "unsupported"):  # not opened here, and said so
            ext = suffix(entry.path.name)
            zh, en = ARCHIVE_NOT_OPENED if entry.kind != "unsupported" else (
                UNSUPPORTED[0].format(ext=ext), UNSUPPORTED[1].format(ext=ext))
            results[name] = WorkbookResult(name, "unreadable", reason=zh, reason_en=en, source=str(entry.path))
        elif entry.kind == "workbook":
            results[name] = WorkbookResult(name, "unreadable", source=str(entry.path))  # till read
            workbooks.append(entry.path)
    by_file = {r.file: r for r in results.values()}
    fingerprints: dict = {}
    for path, got in read_many(workbooks, limits, fingerprints):
        result = by_file[path]
        if isinstance(got, Failure | OwnOutput):
            result.status = "skipped" if isinstance(got, OwnOutput) else "unreadable"
            result.reason, result.reason_en = got.reason_zh, got.reason_en
            continue
        got.path = result.path
        reports.append(got)
        result.status, result.profile, result.figures = "ok", got.profile.id, plain(got.figures())
        result.read_by, result.reading = got.read_by, got.labels
        result.located = [n for n in got.notes if not n.startswith(LABELS_NOTE)]  # the reading says that one
        result.fingerprint = fingerprints.get(path)
    for r in results.values():
        if r.source == r.path:
            r.source = ""
    known = {r.path: r.explanations for r in reports} | (explanations or {})
    for f in explain(check(reports, settings), known):
        results[f.workbook].findings.append(f)
    for r in results.values():
        if r.status == "ok" and r.errors:
            r.status = "errors"
    return list(results.values())


def plain(v):
    """A value as JSON can hold it: NaN and NA → None, dates → ISO text, numpy → Python."""
    if v is None or _is_na(v) or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if hasattr(v, "item") and not isinstance(v, str | bytes):  # numpy scalars
        return plain(v.item())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def _is_na(value) -> bool:
    """Whether ``value`` is pandas' NA, told without importing pandas (validating never does)."""
    kind = type(value)
    return kind.__name__ == "NAType" and kind.__module__.startswith("pandas")
