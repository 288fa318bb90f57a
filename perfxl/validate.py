"""Validate workbooks: find the files, read each, run the rules, keep one result per file.

A file that cannot be read is a result too (status ``unreadable`` with its reason), never an
exception that stops the rest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .check import Settings, check
from .errors import PerfxlError
from .findings import Finding
from .read import Report, read_report

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


def read_checked(path: Path) -> Report:
    """Read one workbook after the hostile-file checks."""
    from .guard import open_checked

    open_checked(path)
    return read_report(path)


def validate_paths(paths: Iterable[str | Path], settings: Settings | None = None,
                   explanations: dict[str, dict] | None = None) -> list[WorkbookResult]:
    """One result per workbook; ``explanations`` maps a path to {(code, field): text}."""
    settings = settings or Settings()
    results: dict[str, WorkbookResult] = {}
    reports: list[Report] = []
    for path in collect_paths(paths):
        try:
            report = read_checked(path)
        except PerfxlError as exc:
            results[str(path)] = WorkbookResult(str(path), "unreadable", reason=exc.message,
                                                reason_en=exc.message_en)
            continue
        except OSError as exc:
            results[str(path)] = WorkbookResult(
                str(path), "unreadable", reason=f"无法打开文件：{exc.strerror or exc}",
                reason_en=f"cannot open the file: {exc.strerror or exc}")
            continue
        reports.append(report)
        results[str(path)] = WorkbookResult(str(path), "ok", report.profile.id,
                                            _plain(report.figures()))
    findings = check(reports, settings)
    for f in findings:
        known = (explanations or {}).get(f.workbook, {})
        if f.severity == "warning" and known.get(f.key):
            f = replace(f, explained=known[f.key])
        results[f.workbook].findings.append(f)
    for r in results.values():
        if r.status == "ok" and r.errors:
            r.status = "errors"
    return list(results.values())


def _plain(figures: dict) -> dict:
    """JSON-friendly figures: NaN → None, dates → ISO text."""
    out = {}
    for k, v in figures.items():
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif hasattr(v, "isoformat"):
            v = v.isoformat()
        out[k] = v
    return out
