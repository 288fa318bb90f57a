"""Which Python runs a benchmark: the first line each one prints.

perfxl's side of every ratio is Python and the baseline (python-calamine) compiled Rust, so a
ratio depends on the interpreter's build: one with libpython linked in and built with
profile-guided and link-time optimisation (as distributions and python.org ship CPython) runs
perfxl faster than pyenv's default build (libpython shared, neither optimisation).
"""

from __future__ import annotations

import platform
import sys


def interpreter() -> str:
    """The Python's version and path, and (on Linux, where the process's maps tell) whether
    libpython is a shared library loaded beside it or linked into the executable."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            linked = "libpython shared" if "libpython" in maps.read() else "libpython linked in"
    except OSError:
        linked = ""
    return (f"Python {platform.python_version()} ({platform.python_implementation()}"
            f"{', ' + linked if linked else ''}) at {sys.executable}")
