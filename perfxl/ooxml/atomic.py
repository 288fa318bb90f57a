"""Write a file so that it is either wholly the new version or wholly the old one.

The new content goes to a temporary file in the same folder (so the final rename never crosses
a file system), is flushed to disk, then replaces the target in one ``os.replace``.  Whatever
fails on the way, the original is left as it was and the temporary file is removed.

The temporary file is hidden and named as perfxl's: ``.NAME.PID-xxxxxxxx.perfxl-tmp`` (NAME cut
short when the whole would pass the 255 bytes a file name may hold), so that one a killed run
left behind can be told and removed by a later run (:func:`temporary_owner`).  Just before the
replace, the caller may check that the file is still the one it read (:class:`Fingerprint`):
another program's save in the meantime is then kept, not overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import random
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from perfxl.errors import WriteError

LOCKED = "文件正被其他程序（如 Excel/WPS）打开或锁定，请关闭后重试"
LOCKED_EN = "the file is open or locked by another program (Excel/WPS?); close it and retry"


def atomic_write(path, write_fn: Callable[[Path], None] | None = None, *, data: bytes | None = None,
                 durable: bool = True, before_replace: Callable[[str], None] | None = None) -> None:
    """Put a new version of ``path`` in place: ``data`` itself, or what ``write_fn(tmp_path)``
    writes to the temporary file.

    ``durable`` flushes the file and its folder to disk (turned off only to time the work
    itself).  ``before_replace(target)`` runs last, just before the replace, and may raise to
    leave the target as it is.  Raises :class:`WriteError` with a message naming the file."""
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
            fd = None
        else:
            os.close(fd)
            fd = None  # closed: its number may be another file's by the time write_fn fails
            write_fn(Path(tmp))
            with open(tmp, "rb+") as stream:
                _keep_mode(stream.fileno(), tmp, mode)
                if durable:
                    os.fsync(stream.fileno())
        fd = None
        if before_replace is not None:
            before_replace(target)
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
        cause = _os_error(exc)
        if cause is not None and not isinstance(exc, WriteError):
            zh, en = os_words(cause)
            raise WriteError(f"写入失败：{zh}", path=target, message_en=f"write failed: {en}") from exc
        raise


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc``: itself, or the one a library wrapped (xlsxwriter's
    FileCreateError holds it as its argument and its context)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
        exc = inner or exc.__cause__ or exc.__context__
        seen += 1
    return None


_WORDS = {
    errno.ENOSPC: ("磁盘空间不足", "no space left on the disk"),
    getattr(errno, "EDQUOT", -1): ("超出磁盘配额", "disk quota exceeded"),
    errno.EFBIG: ("文件过大，超出系统允许的大小", "file too large for the system"),
    errno.EROFS: ("所在磁盘是只读的", "the disk is read-only"),
    errno.EACCES: ("没有写入权限", "permission denied"),
    errno.EPERM: ("没有写入权限", "permission denied"),
    errno.ENAMETOOLONG: ("文件名过长", "file name too long"),
}


def os_words(exc: OSError) -> tuple[str, str]:
    """What an OSError means, in Chinese and in English, without the traceback's words."""
    zh_en = _WORDS.get(exc.errno)
    if zh_en:
        return zh_en
    text = exc.strerror or str(exc) or type(exc).__name__
    return text, text


_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(
    os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


TEMP_SUFFIX = ".perfxl-tmp"
# .NAME.PID-xxxxxxxx.perfxl-tmp; before the pid was added: .NAME.xxxxxxxx.perfxl-tmp
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?:(?P<pid>\d{1,10})-)?[0-9a-f]{8}\.perfxl-tmp$", re.S)
_NAME_MAX = 255  # bytes in one file name, on every file system a workbook lives on


def temporary_name(name: str, pid: int | None = None) -> str:
    """The name of a temporary file beside ``name``: hidden, perfxl's, at most 255 bytes."""
    tail = f".{os.getpid() if pid is None else pid}-{random.getrandbits(32):08x}{TEMP_SUFFIX}"
    room = _NAME_MAX - 1 - len(tail.encode())
    while len(os.fsencode(name)) > room:  # cut whole characters off the end
        name = name[:-1]
    return f".{name}{tail}"


def temporary_owner(name: str) -> tuple[bool, int | None]:
    """Whether ``name`` is one of perfxl's temporary files, and the pid that made it (None for
    the older names without one)."""
    m = TEMP_NAME.match(name)
    if not m:
        return False, None
    return True, int(m.group("pid")) if m.group("pid") else None


def _create_beside(folder: str, name: str, mode: int) -> tuple[int, str]:
    """A new file next to ``name`` (hidden, marked as perfxl's), open for writing, created
    with ``mode`` (less the umask)."""
    for _ in range(100):  # the name need not be secret: O_EXCL and O_NOFOLLOW keep it ours
        tmp = os.path.join(folder, temporary_name(name))
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


@dataclass(frozen=True)
class Fingerprint:
    """A file as it was read: its size, modification time and a digest of its bytes."""

    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, data, found: os.stat_result) -> Fingerprint:
        return cls(len(data), found.st_mtime_ns, _digest(data))

    @classmethod
    def of_file(cls, path) -> Fingerprint:
        with open(path, "rb") as fh:
            found = os.fstat(fh.fileno())
            digest = hashlib.blake2b(digest_size=16)
            size = 0
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        return cls(size, found.st_mtime_ns, digest.hexdigest())

    def matches(self, path) -> bool:
        """Whether the file at ``path`` still holds the bytes read (a file saved again with
        the same bytes matches: nothing would be lost)."""
        try:
            if self.size > _WHOLE:
                return os.stat(path).st_size == self.size and Fingerprint.of_file(path).digest == self.digest
            with open(path, "rb") as fh:  # one read: a workbook as submitted is a few MB at most
                data = fh.read(self.size + 1)
        except OSError:
            return False
        return len(data) == self.size and _digest(data) == self.digest


_WHOLE = 64 << 20  # files up to this size are read whole to be compared, larger ones in pieces


def _digest(data) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
