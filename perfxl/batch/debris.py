"""Debris: what a killed perfxl left behind, removed by a later run.

A run that is killed (the machine shut down, the window closed, ``kill -9``) cannot tidy up:
a hidden temporary file may be left beside a workbook it was writing
(``.NAME.PID-xxxxxxxx.perfxl-tmp``, see :mod:`perfxl.ooxml.atomic`), and in the system's
temporary folder the logs of its worker processes (``perfxl-worker-PID-….log``), the members of
the zips it had unpacked (``perfxl-PID-…/``) and decrypted copies (``perfxl-decrypted-PID-…``).
Each name carries the pid of the process that made it, so a later run removes only:

* files and folders of exactly those names (nothing else is ever touched);
* older than the run itself;
* whose process is gone — or, for names from before the pid was part of them, older than a
  day (a run that old is not still going).

Folders are looked through where perfxl is about to work: the input folders (in place
annotation writes beside each workbook), the folders copies go to, and the temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from perfxl.ooxml.atomic import temporary_owner

from .inputs import TEMP_PREFIX
from .isolate import LOG_PREFIX

UNOWNED_AGE = 24 * 3600  # seconds: a name without a pid is debris only when this old
_RANDOM = r"[a-z0-9_]{8}"  # what tempfile adds to a prefix: exactly this, nothing else
_IN_TEMP = re.compile(
    rf"^(?:{re.escape(LOG_PREFIX)}(?:(?P<log>\d+)-)?{_RANDOM}\.log"
    rf"|perfxl-decrypted-(?:(?P<plain>\d+)-)?{_RANDOM}(?:\.\w+)?"
    rf"|{re.escape(TEMP_PREFIX)}(?:(?P<dir>\d+)-)?{_RANDOM})$")


def alive(pid: int) -> bool:
    """Whether a process ``pid`` is running on this machine (True when it cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill would end it on Windows: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def _stale(found: os.stat_result, pid: int | None, since: float) -> bool:
    if found.st_mtime >= since:
        return False
    if pid is None:
        return found.st_mtime < since - UNOWNED_AGE
    return not alive(pid)


def sweep(trees: Iterable[str | Path] = (), files: Iterable[str | Path] = (), *, since: float,
          temp: bool = True) -> list[str]:
    """Remove the debris of killed runs (see the module's notes); the paths removed.

    ``trees`` are folders looked through with their subfolders, ``files`` files whose folder
    is looked through (not its subfolders), ``since`` when this run started (``time.time()``);
    ``temp`` looks in the system's temporary folder too."""
    removed: list[str] = []
    for tree in trees:
        for folder, dirs, names in os.walk(tree, onerror=lambda exc: None):
            dirs.sort()
            for name in names:
                _beside(os.path.join(folder, name), since, removed)
    for folder in dict.fromkeys(os.path.dirname(os.path.abspath(p)) for p in files):
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(folder)):
                _beside(os.path.join(folder, name), since, removed)
    if temp:
        _in_temp(since, removed)
    return removed


def _beside(path: str, since: float, removed: list[str]) -> None:
    ours, pid = temporary_owner(os.path.basename(path))
    if not ours:
        return
    try:
        found = os.lstat(path)
        if stat.S_ISREG(found.st_mode) and _stale(found, pid, since):
            os.unlink(path)
            removed.append(path)
    except OSError:
        pass


def _in_temp(since: float, removed: list[str]) -> None:
    folder = tempfile.gettempdir()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = _IN_TEMP.match(name)
        if not m:
            continue
        owner = m.group("log") or m.group("plain") or m.group("dir")
        path = os.path.join(folder, name)
        try:
            found = os.lstat(path)
            if not _stale(found, int(owner) if owner else None, since):
                continue
            if stat.S_ISDIR(found.st_mode):
                shutil.rmtree(path)
            elif stat.S_ISREG(found.st_mode):
                os.unlink(path)
            else:
                continue
            removed.append(path)
        except OSError:
            continue
