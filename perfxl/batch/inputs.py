"""Inputs: gather the submitted workbooks from files, folders and .zip archives.

A county's submissions arrive as loose files, folders of them, or zips a clerk forwards whole.
:func:`gather` turns them into :class:`Source` files in a stable order, extracting archive
members (GBK names as Chinese Windows writes them, refused when their path would leave the
extraction folder) after :func:`perfxl.guard.check_package` has looked at each archive; an
archive or member that cannot be used becomes a :class:`~perfxl.county.Failure`, not an error.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from perfxl.errors import PerfxlError
from perfxl.read.guard import Limits as PackageLimits
from perfxl.read.guard import check_package

from .validate import WORKBOOK_SUFFIXES, collect_paths


@dataclass
class Failure:
    """A submission that could not be used, with the reason a clerk reads (未能处理)."""

    path: str
    reason: str
    reason_en: str = ""


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


def gather(paths: Iterable[str | Path], limits: PackageLimits = ARCHIVE_LIMITS) -> Inputs:
    """Files, folders (recursively) and .zip archives of submissions, in a stable order."""
    inputs = Inputs()
    for p in map(Path, paths):
        archives = sorted(p.rglob("*.zip")) if p.is_dir() else ([p] if p.suffix.lower() == ".zip" else [])
        for f in collect_paths([p]) if p.is_dir() or p.suffix.lower() != ".zip" else []:
            inputs.sources.append(Source(f, str(f), _mtime(f)))
        for archive in archives:
            _extract(archive, inputs, limits)
    return inputs


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _extract(archive: Path, inputs: Inputs, limits: PackageLimits) -> None:
    try:
        check_package(archive, limits)
        zf = zipfile.ZipFile(archive)
    except (PerfxlError, OSError, zipfile.BadZipFile) as exc:
        reason = exc.message if isinstance(exc, PerfxlError) else f"压缩包无法打开：{exc}"
        inputs.failures.append(Failure(str(archive), reason, str(exc)))
        return
    if inputs.tempdir is None:
        inputs.tempdir = tempfile.TemporaryDirectory(prefix="perfxl-")
    root = Path(inputs.tempdir.name) / f"{len(list(Path(inputs.tempdir.name).iterdir())):04d}"
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: zip_member_name(i)):
            name = zip_member_name(info)
            shown = f"{archive}/{name}"
            if info.is_dir() or PurePosixPath(name).suffix.lower() not in WORKBOOK_SUFFIXES:
                continue
            rel = safe_relative(name)
            if rel is None:
                inputs.failures.append(Failure(shown, "压缩包内的文件路径不安全（含 .. 或绝对路径），已跳过",
                                               "unsafe path inside the archive, skipped"))
                continue
            if rel.name.startswith(("~$", ".")):
                continue
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                inputs.failures.append(Failure(shown, f"无法从压缩包中取出：{exc}", str(exc)))
                continue
            stamp = dt.datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
            inputs.sources.append(Source(target, shown, stamp))
