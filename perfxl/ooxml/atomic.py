"""Write a file so that it is either wholly the new version or wholly the old one.

The new content goes to a temporary file in the same folder (so the final rename never crosses
a file system), is flushed to disk, then replaces the target in one ``os.replace``.  Whatever
fails on the way, the original is left as it was and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import random
import stat
from collections.abc import Callable
from pathlib import Path

from perfxl.errors import WriteError

LOCKED = "文件正被其他程序（如 Excel/WPS）打开或锁定，请关闭后重试"
LOCKED_EN = "the file is open or locked by another program (Excel/WPS?); close it and retry"


def atomic_write(path, write_fn: Callable[[Path], None] | None = None, *, data: bytes | None = None,
                 durable: bool = True) -> None:
    """Put a new version of ``path`` in place: ``data`` itself, or what ``write_fn(tmp_path)``
    writes to the temporary file.

    ``durable`` flushes the file and its folder to disk (turned off only to time the work
    itself).  Raises :class:`WriteError` with a message naming the file."""
    target = os.fspath(path)
    try:
        found = os.lstat(target)
        if stat.S_ISLNK(found.st_mode):  # replace the file the link points to, not the link
            target = os.path.realpath(target)
            found = os.stat(target)
        mode = stat.S_IMODE(found.st_mode)
    except OSError:
        mode = None
    else:
        if not _writable(target, found):  # a read-only file says "leave me"
            raise WriteError("文件是只读的，未写入", path=target, message_en="the file is read-only")
    folder, name = os.path.split(os.path.abspath(target))
    try:
        fd, tmp = _create_beside(folder, name, 0o666 if mode is None else mode)
    except PermissionError as exc:
        raise WriteError("没有写入该文件夹的权限", path=target,
                         message_en="no permission to write in this folder") from exc
    except OSError as exc:
        raise WriteError(f"无法在该文件夹中创建文件：{exc.strerror or exc}", path=target,
                         message_en=f"cannot create a file in this folder: {exc}") from exc
    try:
        if data is not None:  # straight through the descriptor just opened
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            _keep_mode(fd, tmp, mode, created=True)
            if durable:
                os.fsync(fd)
            os.close(fd)
        else:
            os.close(fd)
            write_fn(Path(tmp))
            with open(tmp, "rb+") as stream:
                _keep_mode(stream.fileno(), tmp, mode)
                if durable:
                    os.fsync(stream.fileno())
        fd = None
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise WriteError(LOCKED, path=target, message_en=LOCKED_EN) from exc
        if durable:
            _sync_folder(folder)
    except BaseException as exc:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        _remove(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(f"写入失败：{exc.strerror or exc}", path=target,
                             message_en=f"write failed: {exc}") from exc
        raise


_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(
    os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_beside(folder: str, name: str, mode: int) -> tuple[int, str]:
    """A new file next to ``name`` (hidden, marked as perfxl's), open for writing, created
    with ``mode`` (less the umask)."""
    for _ in range(100):  # the name need not be secret: O_EXCL and O_NOFOLLOW keep it ours
        tmp = os.path.join(folder, f".{name}.{random.getrandbits(32):08x}.perfxl-tmp")
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def _writable(target: str, found: os.stat_result) -> bool:
    """Whether we may write ``target``: its owner, with the owner's write bit, may (no system
    call needed); anyone else asks the system."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and found.st_uid == geteuid() and found.st_mode & stat.S_IWUSR:
        return True
    return os.access(target, os.W_OK)


_UMASK: list[int] = []  # the process's umask, read once (reading it means setting it)


def _umask() -> int:
    if not _UMASK:
        umask = os.umask(0o022)
        os.umask(umask)
        _UMASK.append(umask)
    return _UMASK[0]


def _keep_mode(fd: int, tmp: str, mode: int | None, created: bool = False) -> None:
    # the replacement keeps the original's mode, and a new file gets the usual one; a file
    # ``created`` with that mode needs no change unless the umask took bits away from it
    if mode is None:
        if created:
            return
        mode = 0o666 & ~_umask()
    elif created and mode & ~_umask() == mode:
        return
    with contextlib.suppress(OSError):
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        else:  # Windows
            os.chmod(tmp, mode)


def _sync_folder(folder: str) -> None:
    # the rename itself is durable only once the folder entry is on disk (POSIX only)
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
