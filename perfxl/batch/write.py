"""Writing, isolated like reading: notes into workbooks, copies beside them, cleaning.

Every per-file write (annotate in place, an annotated copy, clean) runs in the worker processes
of :mod:`perfxl.batch.isolate`, bounded in time and memory like a read: a workbook whose odd
package (no ``[Content_Types].xml``, a comment author that is not a number, a part in an
unexpected encoding) makes the package code raise, or that hangs it, fails alone with a plain
reason, and the batch goes on.  A worker stopped in the middle of a write leaves no temporary
file: its own are removed by name (they carry its pid).

Where the outputs go is checked here too, before anything is read: an output that is one of
the inputs is refused, and one inside an input folder unless the user asks for it
(``--allow-inside-inputs``); annotated copies keep the folders they came from, and two that
would have one name get two.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from perfxl.errors import PerfxlError, WriteError
from perfxl.ooxml.atomic import Fingerprint, os_words, temporary_owner

from .isolate import Failure, map_isolated
from .own import own_output_file
from .validate import Limits
from .walk import files, shown, suffix

NOTES_NEED_XLSX = ("批注只能写入 .xlsx/.xlsm 工作簿：请用 Excel 或 WPS 打开此文件，"
                   "“另存为” Excel 工作簿（.xlsx）后再运行",
                   "notes can only be written into .xlsx/.xlsm workbooks: open the file in Excel or "
                   "WPS and save it as an Excel workbook (.xlsx), then run again")
ONTO_ITSELF = ("副本会写到原文件上，未写入：请另选一个文件夹存放副本",
               "the copy would be written over the original; nothing was written: choose another folder")
ALLOW_FLAG = "--allow-inside-inputs"


# ----------------------------------------------------------------------------- the work


@dataclass(frozen=True)
class NoteJob:
    """One workbook's notes to write: into ``source`` itself, or into the copy ``target``."""

    source: str
    findings: list
    target: str | None
    checked_at: str
    lang: str
    expect: Fingerprint | None = None


def _annotate(job: NoteJob):
    """Runs in a worker: the notes written, or the reason they could not be."""
    from perfxl.notes.annotate import annotate_workbook  # the package code: only when writing

    if job.target is not None:
        _folder_for(job.target)
        if _same_file(job.source, job.target):
            raise WriteError(ONTO_ITSELF[0], message_en=ONTO_ITSELF[1])
    return annotate_workbook(Path(job.source), job.findings, checked_at=job.checked_at,
                             lang=job.lang, expect=job.expect,
                             out=Path(job.target) if job.target is not None else None)


@dataclass(frozen=True)
class CleanJob:
    source: str
    target: str | None  # the cleaned copy, or None: in place
    keep_explanations: bool


def _clean(job: CleanJob) -> bool:
    """Runs in a worker: whether the workbook changed."""
    from perfxl.notes.annotate import clean_workbook
    from perfxl.read.guard import open_checked

    open_checked(job.source)  # the same plain reason as validate for a file that is not sound
    if job.target is not None:
        _folder_for(job.target)
        if _same_file(job.source, job.target):
            raise WriteError(ONTO_ITSELF[0], message_en=ONTO_ITSELF[1])
    return clean_workbook(job.source, out=job.target, keep_explanations=job.keep_explanations)


def _folder_for(target: str) -> None:
    """The folder a copy goes into, made; or a plain reason why it cannot be."""
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    except OSError as exc:
        zh, en = os_words(exc)
        raise WriteError(f"无法创建文件夹 {os.path.dirname(target)}：{zh}",
                         message_en=f"cannot create the folder {os.path.dirname(target)}: {en}") from exc


def _tidy(job, pid: int) -> None:
    """Remove the temporary file a stopped worker (``pid``) left beside its target."""
    target = job.target or job.source
    folder = Path(target) if Path(target).is_dir() else Path(target).parent
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        ours, owner = temporary_owner(name)
        if ours and owner == pid:
            with contextlib.suppress(OSError):
                os.unlink(folder / name)


def run_jobs(func, jobs: list, limits: Limits | None):
    """``(job, result or Failure)`` for every job, each in a worker (see the module's notes)."""
    limits = limits or Limits()
    yield from map_isolated(func, jobs, jobs=limits.jobs, timeout=limits.timeout,
                            memory_mb=limits.memory_mb, isolate=limits.isolate, after_kill=_tidy,
                            task="write")


def annotate_many(jobs: list[NoteJob], limits: Limits | None = None):
    """Yield ``(job, AnnotateResult or Failure)`` for every job, in order."""
    yield from run_jobs(_annotate, jobs, limits)


def clean_many(jobs: list[CleanJob], limits: Limits | None = None):
    """Yield ``(job, changed or Failure)`` for every job, in order."""
    yield from run_jobs(_clean, jobs, limits)


def annotate_results(results: list, out_dir: Path | None, checked_at: str, lang: str,
                     limits: Limits | None = None):
    """Write each checked workbook's findings into it, or into a copy under ``out_dir``; yield
    ``(result, AnnotateResult)`` for each written.  One that cannot be written keeps the reason
    on its result (``write_error``), the others go on."""
    todo = [r for r in results if r.status in ("ok", "errors")]
    targets = copy_targets([r.path for r in todo], out_dir) if out_dir is not None else [None] * len(todo)
    jobs, owners = [], []
    for r, target in zip(todo, targets, strict=True):
        if suffix(r.file) not in (".xlsx", ".xlsm"):
            r.write_error, r.write_error_en = NOTES_NEED_XLSX
            continue
        jobs.append(NoteJob(r.file, r.findings, None if target is None else str(target), checked_at,
                            lang, r.fingerprint))
        owners.append(r)
    for r, (_, got) in zip(owners, annotate_many(jobs, limits), strict=True):
        if isinstance(got, Failure):
            r.write_error, r.write_error_en = got.reason_zh, got.reason_en
            continue
        r.findings = got.findings
        yield r, got


def clean_paths(paths: Iterable[str | Path], out_dir: Path | None, keep_explanations: bool,
                limits: Limits | None = None):
    """Clean every .xlsx/.xlsm under ``paths`` (into copies under ``out_dir`` when given), each
    in a worker; yield ``(path as shown, changed or Failure)``: a folder that cannot be listed
    and a link to nothing are failures too."""
    entries = [e for e in files(paths) if e.kind == "broken"
               or (e.kind == "workbook" and suffix(e.path.name) in (".xlsx", ".xlsm"))]
    names = [shown(e.path) for e in entries]
    workbooks = [(e, name) for e, name in zip(entries, names, strict=True) if e.kind == "workbook"]
    targets = copy_targets([name for _, name in workbooks], out_dir) if out_dir is not None else []
    jobs = [CleanJob(str(e.path), str(targets[i]) if targets else None, keep_explanations)
            for i, (e, _) in enumerate(workbooks)]
    done = dict(zip((id(e) for e, _ in workbooks),
                    (got for _, got in clean_many(jobs, limits)), strict=True))
    for e, name in zip(entries, names, strict=True):
        yield name, done[id(e)] if e.kind == "workbook" else Failure(name, e.reason, e.reason_en)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ----------------------------------------------------------------------------- where copies go


def copy_targets(shown: list[str], folder: Path) -> list[Path]:
    """Where each workbook's annotated copy goes in ``folder``: under its path relative to what
    all of them share (a zip's members under the archive's name), so two files of one name from
    two folders stay two; names that would still meet (a zip and a folder of one name, names
    that differ in case only) get " (2)", " (3)"…  Inputs given as absolute and relative paths,
    or on two drives, are placed alike."""
    relative = _relative_all([p.replace(".zip/", "/").replace(".ZIP/", "/") for p in shown])
    taken: set[str] = set()
    out = []
    for rel in relative:
        parts = _parts(rel)
        target = PurePosixPath(*parts)
        n = 1
        while _key(target) in taken:
            n += 1
            stem, ext = os.path.splitext(parts[-1])
            target = PurePosixPath(*parts[:-1], f"{stem} ({n}){ext}")
        taken.add(_key(target))
        out.append(folder.joinpath(*target.parts))
    return out


def _relative_all(paths: list[str]) -> list[str]:
    absolute = [os.path.abspath(p) for p in paths]
    try:
        root = os.path.commonpath([os.path.dirname(p) for p in absolute]) if absolute else ""
        return [os.path.relpath(p, root) for p in absolute]
    except ValueError:  # two drives (Windows): each under its drive's letter
        out = []
        for p in absolute:
            drive, rest = os.path.splitdrive(p)
            out.append(os.path.join(drive.strip(":\\/").replace("\\", "_") or "_", rest.lstrip("\\/")))
        return out


_NOT_ON_WINDOWS = re.compile(r'[\\:*?"<>|\x00-\x1f]')


def _parts(rel: str) -> list[str]:
    """A relative path as names every system can hold: no "..", no characters Windows refuses
    (a name shown as "\xff" from a name that was not UTF-8 keeps its letters), no trailing
    blanks or dots."""
    names = [p for p in re.split(r"[/\\]" if os.sep == "\\" else "/", rel) if p not in ("", ".", "..")]
    names = [_NOT_ON_WINDOWS.sub("_", p).rstrip(" .\t") or "_" for p in names]
    return names or ["workbook.xlsx"]


def _key(path: PurePosixPath) -> str:
    return unicodedata.normalize("NFC", str(path)).casefold()


# ----------------------------------------------------------------------------- outputs vs inputs


class OutputRefused(PerfxlError):
    """An output that would overwrite or mix into the submissions."""


def check_outputs(inputs: Iterable[str | Path], *, files: Iterable[Path | None] = (),
                  folders: Iterable[Path | None] = (), allow_inside: bool = False) -> None:
    """Refuse outputs that would destroy or mix into the submissions.

    ``files`` are output files (a summary, a JSON), ``folders`` output folders (annotated
    copies), ``inputs`` the paths the user gave.  An output file that is an input (given, or a
    file already in an input folder, unless perfxl wrote it) is always refused; so is a
    copies folder that is an input folder (the copies would land on the originals).  Anything
    else inside an input folder is refused unless ``allow_inside``."""
    given = [Path(p) for p in inputs]
    folders_in = [_real(p) for p in given if p.is_dir()]
    inputs_real = {_real(p) for p in given if not p.is_dir()}
    outs = [p for p in files if p is not None]
    for out in outs:
        real = _real(out)
        among = real in inputs_real or any(_same_file(str(out), str(p)) for p in given if not p.is_dir()) \
            or (os.path.isfile(real) and any(_inside(real, folder) for folder in folders_in))
        if among and not own_file(out):  # a summary perfxl wrote last time may be written again
            raise OutputRefused(f"输出文件 {out} 是输入文件之一，写出会覆盖报送文件：请换一个文件名或位置",
                                message_en=f"the output file {out} is one of the inputs: writing "
                                "it would destroy a submission; choose another name or place")
        if os.path.isdir(real):
            raise OutputRefused(f"输出文件 {out} 是一个已有的文件夹：请给出文件名",
                                message_en=f"the output {out} is an existing folder: give a file name")
    if len(outs) != len({_real(p) for p in outs}):
        raise OutputRefused("两个输出文件是同一个文件：请给出不同的文件名",
                            message_en="two outputs name the same file: give them different names")
    for kind_, outputs in (("file", outs), ("folder", [p for p in folders if p is not None])):
        for out in outputs:
            real = _real(out)
            for folder in folders_in:
                if kind_ == "folder" and real == folder:
                    raise OutputRefused(f"副本文件夹 {out} 就是输入文件夹：副本会覆盖原文件，请另选一个文件夹",
                                        message_en=f"the copies folder {out} is an input folder: the "
                                        "copies would overwrite the originals; choose another folder")
                if _inside(real, folder) and not allow_inside:
                    raise OutputRefused(
                        f"{out} 位于输入文件夹 {folder} 之内：写在这里会混进报送文件。请写到输入文件夹之外，"
                        f"或确需如此时加 {ALLOW_FLAG}（perfxl 下次运行时会认出并跳过自己写的文件）",
                        message_en=f"{out} lies inside the input folder {folder}, among the "
                        f"submissions: write it elsewhere, or add {ALLOW_FLAG} if you mean it "
                        "(perfxl recognises and skips its own outputs on the next run)")


def own_file(path: Path) -> bool:
    """Whether the file at ``path`` is one perfxl wrote as an output: a summary workbook (its
    document properties say so) or a summary's JSON (its schema says so)."""
    try:
        if suffix(path.name) == ".json":
            with open(path, "rb") as fh:
                head = fh.read(4096)
            return b'"schema": "perfxl.summary/' in head or b'"schema": "perfxl.validate/' in head
        return own_output_file(path) is not None
    except Exception:  # anything unreadable is not known to be perfxl's
        return False


def _real(p: Path) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(p)))


def _inside(path: str, folder: str) -> bool:
    try:
        return path != folder and os.path.commonpath([path, folder]) == folder
    except ValueError:  # two drives
        return False
