"""Inputs: gather the submitted workbooks from files, folders and .zip archives.

A county's submissions arrive as loose files, folders of them, or zips a clerk forwards whole.
:func:`gather` turns them into :class:`Source` files in a stable order, extracting archive
members (GBK names as Chinese Windows writes them, refused when their path would leave the
extraction folder) after :func:`perfxl.guard.check_package` has looked at each archive; an
archive or member that cannot be used becomes a :class:`~perfxl.county.Failure`, not an error.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from perfxl.errors import PerfxlError
from perfxl.read.guard import Limits as PackageLimits
from perfxl.read.guard import check_package

from .isolate import one_line
from .walk import UNSUPPORTED, files, kind, shown, suffix


@dataclass
class Failure:
    """A submission that could not be used, with the reason a clerk reads (未能处理)."""

    path: str
    reason: str
    reason_en: str = ""

    def __post_init__(self):  # one line each: a reason is a row of a table, a line on screen
        self.reason, self.reason_en = one_line(self.reason), one_line(self.reason_en)


@dataclass
class Source:
    """One submitted workbook: where it is on disk and how the user knows it."""

    path: Path  # a real file (extracted from a zip when it came in one)
    shown: str  # as the user knows it: folder/file, or archive.zip/member
    mtime: float = 0.0


@dataclass
class Inputs:
    sources: list[Source] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)  # not submissions: said so, not failed
    tempdir: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        if self.tempdir is not None:
            self.tempdir.cleanup()


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's real name: UTF-8 when flagged, else the GBK that Chinese Windows writes."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_relative(name: str) -> PurePosixPath | None:
    """A member name as a path that stays inside the folder it is extracted to (or None)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or re.match(r"^[A-Za-z]:", parts[0]):
        return None
    clean = [unicodedata.normalize("NFC", p) for p in parts]
    return PurePosixPath(*clean)


ARCHIVE_LIMITS = PackageLimits(max_members=100_000, max_total_mb=8192)  # a county's submissions
TEMP_PREFIX = "perfxl-"  # + the pid + "-" + random: a folder in TMPDIR for the zips' members

NOT_A_WORKBOOK = ("不是工作簿文件（{ext}），未汇总", "not a workbook ({ext}): not summarised")
OTHER_ARCHIVE = ("perfxl 不能打开 {ext} 压缩包，其中的文件未能处理：请解压后再汇总，或改用 .zip 压缩",
                 "perfxl cannot open {ext} archives, so the files in it were not processed: unpack "
                 "it first, or send a .zip")
TOO_DEEP = ("压缩包中的压缩包里又有压缩包，perfxl 只打开一层：请解压后再汇总",
            "an archive inside an archive inside an archive: perfxl opens one level only; unpack it first")


def gather(paths: Iterable[str | Path], limits: PackageLimits = ARCHIVE_LIMITS) -> Inputs:
    """Files, folders (recursively) and .zip archives of submissions, in a stable order.

    Every file under the inputs ends up in exactly one list: a source to read, a failure (an
    archive perfxl does not open, a folder it cannot list, a link to nothing), or skipped with a
    note (not a workbook); hidden, lock and system files are left out unmentioned."""
    inputs = Inputs()
    taken: set[str] = set()
    for entry in files(paths):
        name = _unique(shown(entry.path), taken)
        if entry.kind == "workbook":
            inputs.sources.append(Source(entry.path, name, _mtime(entry.path)))
        elif entry.kind == "zip":
            _extract(entry.path, name, inputs, limits, depth=0)
        else:
            _account(entry.kind, entry.path.name, name, inputs, entry.reason, entry.reason_en)
    return inputs


def _unique(name: str, taken: set[str]) -> str:
    """Two files can show as one name only when one's name is not UTF-8: tell them apart."""
    out, n = name, 1
    while out in taken:
        n += 1
        out = f"{name} ({n})"
    taken.add(out)
    return out


def _account(kind_: str, name: str, shown_as: str, inputs: Inputs, reason: str = "",
             reason_en: str = "") -> None:
    """A file that is not read: a failure, a skipped file, or (hidden) nothing at all."""
    ext = suffix(name) or name
    if kind_ == "broken":
        inputs.failures.append(Failure(shown_as, reason, reason_en))
    elif kind_ in ("archive", "unsupported"):
        zh, en = OTHER_ARCHIVE if kind_ == "archive" else UNSUPPORTED
        inputs.failures.append(Failure(shown_as, zh.format(ext=ext), en.format(ext=ext)))
    elif kind_ == "other":
        inputs.skipped.append(Failure(shown_as, NOT_A_WORKBOOK[0].format(ext=ext),
                                      NOT_A_WORKBOOK[1].format(ext=ext)))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _folder(inputs: Inputs) -> Path:
    """A new folder in this run's private temporary folder."""
    if inputs.tempdir is None:
        inputs.tempdir = tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    root = Path(inputs.tempdir.name)
    folder = root / f"{sum(1 for _ in root.iterdir()):04d}"
    folder.mkdir()
    return folder


def _extract(archive: Path, shown_as: str, inputs: Inputs, limits: PackageLimits, depth: int) -> None:
    """The workbooks in a zip, extracted; a zip inside it is opened too (one level)."""
    try:
        check_package(archive, limits)
        zf = zipfile.ZipFile(archive)
    except (PerfxlError, OSError, zipfile.BadZipFile) as exc:
        reason = exc.message if isinstance(exc, PerfxlError) else f"压缩包无法打开：{exc}"
        inputs.failures.append(Failure(shown_as, reason, str(exc)))
        return
    root = _folder(inputs)
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: zip_member_name(i)):
            if info.is_dir():
                continue
            name = zip_member_name(info)
            shown_member = f"{shown_as}/{name}"
            rel = safe_relative(name)
            if rel is None:
                inputs.failures.append(Failure(shown_member, "压缩包内的文件路径不安全（含 .. 或绝对路径），已跳过",
                                               "unsafe path inside the archive, skipped"))
                continue
            found = kind(rel.name)
            if found == "hidden" or any(kind(p) == "hidden" and p.lower() == "__macosx" for p in rel.parts):
                continue
            if found == "zip" and depth > 0:
                inputs.failures.append(Failure(shown_member, *TOO_DEEP))
                continue
            if found not in ("workbook", "zip"):
                _account(found, rel.name, shown_member, inputs)
                continue
            target = root / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (OSError, zipfile.BadZipFile, RuntimeError, zlib.error, EOFError) as exc:
                inputs.failures.append(Failure(shown_member, f"无法从压缩包中取出：{exc}", str(exc)))
                continue
            if found == "zip":
                _extract(target, shown_member, inputs, limits, depth + 1)
                continue
            stamp = dt.datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
            inputs.sources.append(Source(target, shown_member, stamp))
