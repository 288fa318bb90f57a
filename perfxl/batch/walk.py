"""Walk: every file under the folders a user gives, each with what it is, none left out.

A county's inbox holds more than workbooks: zips of them, archives perfxl cannot open (.rar,
.7z), the unit's report as a .docx, Excel's lock files, links a sync client left dangling,
folders the clerk may not list.  :func:`walk` names each file it finds with its :data:`kind`
and gives every problem (a folder that cannot be listed, a link to nothing) as an entry of its
own, so that the callers can account for every file: a project row, a failure row, or a note
that it was skipped.  A file is known by its identity on disk (device and inode), so the same
file reached twice (a folder and a file in it, a link) is given once.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods"}
# archives perfxl does not open: named, with what to do instead
OTHER_ARCHIVES = {".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zipx", ".cab", ".arj",
                  ".lzh", ".z", ".001", ".iso"}
# workbooks in a format perfxl does not read: named, with what to do instead
OTHER_WORKBOOKS = {".xlsb", ".xltx", ".xltm", ".xlt", ".numbers", ".wps"}
UNSUPPORTED = ("perfxl 不能读取 {ext} 格式的工作簿：请用 Excel 或 WPS 打开，另存为 Excel 工作簿（.xlsx）后重新报送",
               "perfxl cannot read {ext} workbooks: open it in Excel or WPS and save it as an Excel "
               "workbook (.xlsx)")
# what operating systems and Office leave beside files: never a submission, never mentioned
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "__macosx"}


def suffix(name: str) -> str:
    """A file name's suffix as Windows sees it: trailing blanks and dots do not count
    ("报表.xlsx " is a workbook)."""
    return os.path.splitext(name.rstrip(" .\t"))[1].lower()


def kind(name: str) -> str:
    """What a file is by its name: "hidden" (a lock file, a system file, a hidden file — never
    a submission), "workbook", "zip", "archive" (one perfxl does not open), "unsupported" (a
    workbook in a format perfxl does not read) or "other"."""
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered in SYSTEM_FILES:
        return "hidden"
    ext = suffix(name)
    if ext in WORKBOOK_SUFFIXES:
        return "workbook"
    if ext == ".zip":
        return "zip"
    if ext in OTHER_WORKBOOKS:
        return "unsupported"
    if ext in OTHER_ARCHIVES or lowered.endswith((".tar.gz", ".tar.bz2", ".tar.xz")):
        return "archive"
    return "other"


@dataclass
class Entry:
    path: Path
    kind: str  # see kind(); or "broken", with the reason
    reason: str = ""
    reason_en: str = ""


def broken_link(path: Path) -> tuple[str, str]:
    """Why a link cannot be followed."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "链接（快捷方式）指向自身，形成循环，无法打开", "the link points back to itself (a loop)"
        return ("链接（快捷方式）指向的文件不存在，未能读取：请报送原文件",
                "the link points to a file that does not exist: send the file itself")
    return "", ""


def walk(root: Path) -> Iterator[Entry]:
    """Every file under the folder ``root``, depth first, in name order (as sorting the paths
    would give), links to folders followed once.  Folders that cannot be listed and links that
    lead nowhere are entries of kind "broken"."""
    seen: set[tuple[int, int]] = set()
    yield from _visit(Path(root), seen)


def _visit(folder: Path, seen: set) -> Iterator[Entry]:
    try:
        found = os.stat(folder)
        if (found.st_dev, found.st_ino) in seen:  # a link back to a folder already walked
            return
        seen.add((found.st_dev, found.st_ino))
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        reason = "没有权限" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        yield Entry(folder, "broken", f"无法打开文件夹（{reason}），其中的文件未能处理",
                    f"cannot list the folder ({exc.strerror or exc}); the files in it were not processed")
        return
    for e in entries:
        path = Path(e.path)
        try:
            is_dir, is_file = e.is_dir(), e.is_file()
        except OSError:
            is_dir = is_file = False
        if is_dir:
            if e.name.lower() != "__macosx":
                yield from _visit(path, seen)
            continue
        if not is_file:
            if e.is_symlink():
                zh, en = broken_link(path)
                yield Entry(path, "broken", zh, en)
            elif kind(e.name) != "hidden":  # a pipe, a socket, a device: not a file to read
                yield Entry(path, "broken", "不是普通文件，无法读取", "not a regular file")
            continue
        yield Entry(path, kind(e.name))


def identity(path: Path) -> tuple[int, int] | None:
    """The file's identity on disk (device, inode), or None when it cannot be had."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if found.st_ino else None


class Once:
    """Files given once each, however often they are reached."""

    def __init__(self) -> None:
        self.seen: set = set()

    def first(self, path: Path) -> bool:
        key = identity(path) or os.path.abspath(path)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def files(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """The paths a user gave, folders walked: each file once, in the order given."""
    once = Once()
    for p in map(Path, paths):
        if p.is_dir():
            for entry in walk(p):
                if entry.kind in ("broken", "hidden") or once.first(entry.path):
                    yield entry
        elif once.first(p):
            if p.is_symlink() and not p.exists():
                zh, en = broken_link(p)
                yield Entry(p, "broken", zh, en)
            else:  # named by the user: read, whatever its name says
                found = kind(p.name)
                yield Entry(p, found if found in ("zip", "archive", "unsupported") else "workbook")


def shown(path: str | Path) -> str:
    """A path as it can be shown and written anywhere (console, JSON, a workbook): a name that
    is not valid UTF-8 (copied from an old Chinese Windows, say) is read as GB18030 when it is
    that, else its odd bytes are written as \\xNN."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    return os.sep.join(_shown_part(part) for part in os.fsencode(text).split(os.fsencode(os.sep)))


def _shown_part(raw: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")
