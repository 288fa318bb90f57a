"""Bulk work: thousands of workbooks' worth of small objects, made and kept, and no cycles.

Python's cyclic collector runs every few hundred new objects, and now and then walks every
object there is.  While a county is read, checked and written that walk finds nothing to free
and costs tens of milliseconds a time, so :func:`collector_paused` holds the collector off for
the duration and lets it run again, as it was, afterwards (anything cyclic made meanwhile is
collected then).
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_collector(fn):
    """``fn`` run with the collector held off (for calls made once a workbook, each making
    thousands of short-lived objects)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with collector_paused():
            return fn(*args, **kwargs)

    return run
