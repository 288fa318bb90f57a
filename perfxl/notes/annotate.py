"""Findings written back into the workbook they are about, and taken out again.

What perfxl adds, and how it knows its own:

* a results sheet, first, named 校验结果: its ``sheetPr codeName`` is ``perfxl`` (left out in
  .xlsm files, where a code name means a VBA module) and its header row carries the hidden
  columns 规则代码/字段, so it is found again even after Excel or LibreOffice re-saved it;
* a note on each flagged cell, written by the author ``perfxl`` (in the sheet's own comments
  part when the unit has notes there, beside theirs);
* a highlight that is a conditional format whose formula carries the mark ``N("perfxl")=0``,
  styled by differential formats appended last to styles.xml (a styles part of perfxl's own
  when the workbook has none), so the cell's own style is never touched.

Every edit to a part perfxl does not own is a splice recorded with the bytes it replaced, and
the record (plus a digest of each edited part) is kept in the results sheet.  Taking the notes
out replays the record backwards, which gives back the original bytes, as long as nobody else
rewrote the parts meanwhile; if someone did (the unit saved in Excel), perfxl finds its things by
the marks above and removes them one by one instead.  Annotating is always: take out the old
notes, then write the new ones, so doing it twice gives the same bytes as doing it once; and
when the results sheet already lists exactly the findings to write, its 校验时间 is kept rather
than the new one, so that holds for two checks a minute apart too.

The modules, in the order the data flows through them:

* :mod:`perfxl.annotate` (this one): the public API and the result record;
* :mod:`perfxl.notes_read`: perfxl's marks and labels, the workbook's outline, and the results
  sheet read back (the explanations the unit typed);
* :mod:`perfxl.notes_strip`: taking the notes out, by the record or by the marks;
* :mod:`perfxl.notes_add`: writing highlights, comments and note shapes;
* :mod:`perfxl.notes_sheet`: writing the results sheet and the record.

Below them, :mod:`perfxl.ooxml` (edits and cell references), :mod:`perfxl.opc` (the zip) and
:mod:`perfxl.xmlspan` (XML edited as text).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfxl.bulk import without_collector
from perfxl.errors import PerfxlError, UnreadableWorkbook, WriteError
from perfxl.findings import Finding, sort_findings
from perfxl.ooxml.atomic import Fingerprint, atomic_write
from perfxl.ooxml.opc import Package

from .add import add_notes
from .read import HEADERS, RESULT_NAMES, explanations, read_results, row_finding
from .sheet import finding_lines
from .strip import strip, untouched_copy

__all__ = ["RESULT_NAMES", "AnnotateResult", "annotate_workbook", "clean_workbook",
           "read_explanations", "read_notes"]

# Another program (Excel, WPS, a sync client) saved the workbook after perfxl read it: writing
# now would put the old content back over that save.
CHANGED = {
    "annotate": ("检查期间文件已被修改，未写入批注，请重新运行",
                 "the file was changed while it was being checked; no notes were written: run again"),
    "copy": ("检查期间文件已被修改，未写出批注副本，请重新运行",
             "the file was changed while it was being checked; no annotated copy was written: run again"),
    "clean": ("清理期间文件已被修改，未清理，请重新运行",
              "the file was changed while it was being cleaned; nothing was removed: run again"),
}


@dataclass
class AnnotateResult:
    path: Path  # the file written (the input itself unless ``out`` was given)
    errors: int = 0
    warnings: int = 0  # warnings still open
    explained: int = 0  # warnings the unit explained
    infos: int = 0
    comments: int = 0  # cells that got a note
    highlights: int = 0  # cells highlighted
    explanations: dict = field(default_factory=dict)  # (code, field) -> text, honoured
    rejected: dict = field(default_factory=dict)  # explanations typed for errors: not honoured
    findings: list = field(default_factory=list)  # the findings, ``explained`` filled in
    changed: bool = False  # whether the file's bytes changed


# ---------------------------------------------------------------- public API


@without_collector  # thousands of small objects a workbook, none in cycles
def annotate_workbook(path, findings: list[Finding], *, out: Path | None = None,
                      checked_at: str, lang: str = "zh", durable: bool = True,
                      expect: Fingerprint | None = None) -> AnnotateResult:
    """Write ``findings`` into the workbook at ``path`` (in place, or a copy in ``out``).

    When the results sheet already lists exactly these findings (explanations and status
    included), the time it gives is kept rather than ``checked_at``, so checking an unchanged
    workbook again leaves it byte for byte as it was.

    ``expect`` is the file as it was when the findings were made (see
    :class:`~perfxl.ooxml.atomic.Fingerprint`): if the file opened here is not that one, or
    stops being the one opened before the replace, nothing is written (:data:`CHANGED`).  A
    copy is marked as perfxl's own output, so a later run can tell it from a submission."""
    path = path if isinstance(path, Path) else Path(path)
    lang = lang if lang in HEADERS else "zh"
    with _opened(path) as pkg:
        dest = _dest(path, out, pkg.stat)
        read = pkg.fingerprint()
        if expect is not None and (read.size, read.digest) != (expect.size, expect.digest):
            raise _changed("annotate" if dest == path else "copy", path)
        listed = read_results(pkg)
        # a copy stays marked as one when annotated again in place, as long as nobody changed it
        copy = dest != path or (listed is not None and untouched_copy(pkg))
        strip(pkg)
        result = AnnotateResult(dest)
        result.findings = _explain(findings, explanations(listed), result)
        if listed and listed["checked_at"] and listed["lang"] == lang and (
                listed["lines"] == finding_lines(result.findings, result, lang)):
            checked_at = listed["checked_at"]  # nothing new to report: the file stays as it is
        add_notes(pkg, result.findings, result, checked_at, lang, copy=copy)
        result.changed = pkg.changed
        data = pkg.to_bytes() if result.changed or dest != path else None
    if data is not None:  # the source is closed by now, so it can be replaced (Windows too)
        atomic_write(dest, data=data, durable=durable,
                     before_replace=_unchanged(read, "annotate", path) if dest == path else None)
    return result


def _changed(step: str, path: Path) -> WriteError:
    zh, en = CHANGED[step]
    return WriteError(zh, path=str(path), message_en=en)


def _unchanged(read: Fingerprint, step: str, path: Path):
    """A check, just before the replace, that the file is still the one read."""
    def check(target: str) -> None:
        if not read.matches(target):
            raise _changed(step, path)
    return check


def _unopenable(path: Path, exc: UnreadableWorkbook) -> PerfxlError:
    """Why a workbook that is not a readable zip cannot be opened, as precisely as its bytes
    tell: missing, a folder, locked, encrypted (which is not a zip at all), or ``exc``."""
    from perfxl.read.guard import sniff

    try:
        kind = sniff(path)
    except PerfxlError as precise:  # missing, a folder, no permission
        return precise
    if kind == "encrypted":
        return UnreadableWorkbook("加密的工作簿无法写入批注：请去掉打开密码后再写入（校验本身可用 --password 完成）",
                                  path=str(path), message_en="notes cannot be written into an encrypted "
                                  "workbook: remove its password first (checking works with --password)")
    return exc


def read_explanations(path) -> dict[tuple[str, str], str]:
    """The explanations typed into an annotated workbook's results sheet, by (code, field)."""
    return read_notes(path)[0]


def read_notes(path) -> tuple[dict[tuple[str, str], str], bool]:
    """The explanations typed into an annotated workbook's results sheet, and whether the
    workbook is a copy perfxl wrote (``--out``, ``--annotate-to``) that nobody has changed
    since: perfxl's own output, not a submission."""
    with _opened(Path(path)) as pkg:
        return explanations(read_results(pkg)), untouched_copy(pkg)


@without_collector
def clean_workbook(path, *, out=None, keep_explanations: bool = False) -> bool:
    """Remove every note perfxl wrote; True when the workbook changed.

    With ``keep_explanations`` the results sheet stays, listing only the findings the unit
    explained, so a later check still finds the explanations."""
    path = Path(path)
    with _opened(path) as pkg:
        dest = _dest(path, out, pkg.stat)
        kept = read_results(pkg) if keep_explanations else None
        read = pkg.fingerprint()
        strip(pkg)
        if kept and kept["rows"]:
            rows = [r for r in kept["rows"] if r["explanation"]]
            if rows:
                typed = {(r["code"], r["field"]): r["explanation"] for r in rows}
                result = AnnotateResult(dest)
                findings = _explain([row_finding(r, path.name) for r in rows], typed, result)
                add_notes(pkg, findings, result, kept["checked_at"], kept["lang"], notes=False)
        changed = pkg.changed
        data = pkg.to_bytes() if changed or dest != path else None
    if data is not None:
        atomic_write(dest, data=data, before_replace=_unchanged(read, "clean", path)
                     if dest == path else None)
    return changed


def _explain(findings: list[Finding], typed: dict, result: AnnotateResult) -> list[Finding]:
    """The findings in order, explanations honoured for warnings (and notes), never for
    errors; the counts go into ``result``."""
    out = []
    for f in sort_findings(findings):
        text = (typed.get(f.key) or f.explained or "").strip()
        if f.is_error:
            if text:
                result.rejected[f.key] = text
            if f.explained or f.rejected != text:
                f = replace(f, explained="", rejected=text)
            result.errors += 1
        else:
            if f.explained != text:
                f = replace(f, explained=text)
            if text:
                result.explanations[f.key] = text
            if f.severity == "info":
                result.infos += 1
            elif text:
                result.explained += 1
            else:
                result.warnings += 1
        out.append(f)
    return out


@contextmanager
def _opened(path: Path):
    """The package at ``path``; errors found deep inside it are reported with the file."""
    try:
        pkg = Package(path)
    except UnreadableWorkbook as exc:
        raise _unopenable(path, exc) from exc
    try:
        with pkg:
            yield pkg
    except PerfxlError as exc:
        if exc.path is None:
            exc.path = str(path)
        raise


def _dest(path: Path, out, source: os.stat_result) -> Path:
    """Where to write: ``out`` is a folder (same file name inside) or, when it names a
    workbook file, the copy itself.  ``source`` is the stat of the workbook at ``path``."""
    if out is None:
        return path
    out = os.fspath(out)
    folder = os.path.splitext(out)[1].lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm")
    if folder or os.path.isdir(out):  # a folder: the same file name inside it
        out = os.path.join(out, path.name)
    try:  # the same file under this or another name (a link, another spelling of the folder)
        return path if os.path.samestat(os.stat(out), source) else Path(out)
    except OSError:  # not there yet: a new file (in a folder made for it, if need be)
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        return Path(out)
