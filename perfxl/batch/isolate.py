"""Isolate: run readers over a batch in worker processes, so one bad file fails alone.

No static check catches everything: a 1.5 KB xlsx with one value in cell XFD1048576 makes
python-calamine try to allocate 512 GB and abort the whole Python process.  So readers run in
worker processes.  Design:

- A small pool of our own (``multiprocessing.Process`` + one duplex ``Pipe`` per worker, start
  method 'fork' on Linux, 'spawn' elsewhere).  ``concurrent.futures`` is not used because a
  dead worker breaks its whole pool and loses the other items.
- Each worker is reused across items and holds at most one item at a time: the parent sends
  ``(index, item)``, the worker answers ``(index, result)``.  With one item in flight a death
  or timeout is blamed on exactly the right item and no pipe can fill up both ways; the round
  trip (~0.05 ms per item measured, 2 workers, trivial func) is far below reading any
  workbook, so items are not chunked.
- Each worker sets ``RLIMIT_AS`` (where :mod:`resource` exists) to ``memory_mb`` — the whole
  address space, including what a forked worker inherits; it is raised to what the worker
  already maps + 64 MB if that is more.  Python allocations past it raise MemoryError (reported
  for that item); native ones (Rust, C) abort the worker.
- The parent waits on every busy worker's pipe and process sentinel with the nearest deadline
  as timeout.  A worker that exits or is killed (abort, segfault, OOM killer) or overruns the
  per-item wall ``timeout`` is killed, its item gets a :class:`Failure`, and a fresh worker
  takes its place; every other item goes on.
- A worker's stderr goes to a private temporary file (truncated per item), so a crashing
  native reader prints nothing on the clerk's screen; its first lines become ``Failure.detail``
  and turn e.g. "memory allocation of N bytes failed" into a plain reason.  The file's name
  carries the parent's pid (``perfxl-worker-<pid>-….log``), so a later run can tell the log of
  a killed run (see :mod:`perfxl.batch.debris`) from one in use.
- Workers never outlive perfxl.  A forked worker closes the parent's ends of every pipe it
  inherited (its own and the other workers'), so the parent's death is an end of file in
  ``recv``; on Linux the kernel also kills it when the parent dies (``PR_SET_PDEATHSIG``),
  which reaches a worker stuck in native code too; elsewhere a watcher thread exits when the
  parent's pid changes.
- Results are yielded in INPUT ORDER (deterministic output), as soon as the head of the line
  is done.  Closing the generator early kills the workers.
- ``func`` and items must be picklable (module-level function) for the 'spawn' fallback;
  workers are daemonic, so ``func`` must not start processes of its own.  A forked worker has
  only the forking thread: ``func`` must not rely on threads the parent started.
- Call :func:`perfxl.guard.open_checked` inside ``func``, so that sniffing (pure Python, but
  it parses hostile OLE directories) also runs under the timeout.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from perfxl.errors import PerfxlError
from perfxl.read.guard import size_text

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

_MB = 1 << 20


@dataclass(frozen=True)
class Failure:
    """Why one item of a batch produced no result; ``detail`` is technical, for logs only."""

    item: Any
    reason_zh: str
    reason_en: str
    detail: str = ""

    def __post_init__(self):  # one line each: a reason is a row of a table, a line on screen
        object.__setattr__(self, "reason_zh", one_line(self.reason_zh))
        object.__setattr__(self, "reason_en", one_line(self.reason_en))

    def text(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh


def one_line(text: str) -> str:
    """``text`` with every run of line breaks (and the blanks around them) made one space."""
    return re.sub(r"\s*[\r\n\v\f\x85\u2028\u2029]+\s*", " ", text).strip() if text else text


# Exceptions a damaged or oddly built file raises in the libraries perfxl reads and writes it
# with (its XML, its zip, its text): the file's fault, said so, never "internal error".
_DAMAGE_MODULES = ("python_calamine", "pyo3_runtime", "zipfile", "zlib", "isal", "lxml", "xml",
                   "olefile", "msoffcrypto", "struct")
_DAMAGE_TYPES = (UnicodeError, EOFError, KeyError, IndexError, ValueError)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` says the file is damaged or built in a way perfxl cannot follow."""
    module = type(exc).__module__ or ""
    return isinstance(exc, _DAMAGE_TYPES) or module.split(".")[0] in _DAMAGE_MODULES


def _call(func: Callable[[Any], Any], item: Any, memory_mb: int) -> Any:
    try:
        return func(item)
    except PerfxlError as exc:
        return Failure(item, exc.message, exc.message_en)
    except MemoryError:
        return Failure(item, f"内存不足：读取该文件所需内存超过上限（{memory_mb} MB），"
                             "文件可能过大、已损坏或是恶意构造",
                       f"out of memory: reading the file needs more than {memory_mb} MB; it may "
                       "be too large, damaged or malicious")
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # also pyo3's PanicException (a Rust panic in a reader)
        text = f"{type(exc).__name__}: {exc}"[:500]
        if is_damage(exc):
            return Failure(item, f"文件已损坏或结构异常，无法处理（{text}）；如 Excel 或 WPS 能打开它，"
                                 "请另存为 .xlsx 后重新报送",
                           f"the file is damaged or built in an unusual way and cannot be processed "
                           f"({text}); if Excel or WPS opens it, save it again as .xlsx")
        return Failure(item, f"内部错误：{text}", f"internal error: {text}")


def _limit_memory(memory_mb: int) -> None:
    if resource is None or not memory_mb:
        return
    try:
        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        mapped = 0
    soft = max(int(memory_mb) * _MB, mapped + 64 * _MB)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _die_with(parent: int, inherited: list[int]) -> None:
    """Make sure this worker ends when ``parent`` does (see the module's notes)."""
    for fd in inherited:  # the parent's ends of the pipes, copied by fork: no EOF while held
        with contextlib.suppress(OSError):
            os.close(fd)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before we asked to be told
        os._exit(0)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="perfxl-parent").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _worker_main(conn, func: Callable[[Any], Any], memory_mb: int, log_path: str,
                 parent: int | None = None, inherited: tuple[int, ...] = ()) -> None:
    """A worker's whole life: take one item, answer with its result or Failure, repeat."""
    if parent is not None:
        _die_with(parent, list(inherited))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the parent made of it
    with contextlib.suppress(OSError):
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    # Crash notes go to the private log too: a fork inherits faulthandler pointing at the
    # parent's terminal (pytest does this), and Rust prints a stack unless told not to.
    faulthandler.enable(file=2)  # fd 2: sys.stderr may be a wrapper with no fileno (click tests)
    os.environ["RUST_BACKTRACE"] = "0"
    # What the worker inherited is never garbage here: the collector leaves it alone, so its
    # pages stay shared with the parent instead of being copied when a collection walks them.
    gc.freeze()
    gc.enable()  # whatever the parent had it doing: a worker's failures may leave cycles
    _limit_memory(memory_mb)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, item = msg
        with contextlib.suppress(OSError):
            os.ftruncate(2, 0)
        result = _call(func, item, memory_mb)
        try:
            conn.send((index, result))
        except OSError:  # the parent is gone
            return
        except Exception as exc:  # the result could not be pickled
            try:
                conn.send((index, Failure(item, f"内部错误：结果无法传回（{type(exc).__name__}）",
                                          f"internal error: result not picklable ({exc})")))
            except OSError:
                return


LOG_PREFIX = "perfxl-worker-"  # + the parent's pid + "-" + random + ".log", in TMPDIR


class _Worker:
    def __init__(self, ctx, func: Callable[[Any], Any], memory_mb: int,
                 others: Iterable[_Worker] = ()):
        fd, self.log = tempfile.mkstemp(prefix=f"{LOG_PREFIX}{os.getpid()}-", suffix=".log")
        os.close(fd)
        try:
            self.conn, child = ctx.Pipe()
            # What a forked worker must close: the parent's ends of its own and the others'
            # pipes.  A spawned one inherits nothing but its own end.
            forked = ctx.get_start_method() == "fork"
            inherited = tuple(c.fileno() for c in (self.conn, *(w.conn for w in others))) if forked else ()
            self.proc = ctx.Process(target=_worker_main, daemon=True,
                                    args=(child, func, memory_mb, self.log, os.getpid(), inherited))
            self.proc.start()
            child.close()
        except BaseException:  # interrupted while being made: leave no log behind
            with contextlib.suppress(OSError):
                os.unlink(self.log)
            raise
        # Items handed over and not yet answered, oldest first, with the deadline of the one
        # being worked on (the others wait in the pipe, so the worker never waits for us).
        self.jobs: deque[list] = deque()

    def note(self) -> str:
        """What the worker wrote to stderr for its last item, first lines first (a native
        reader's own crash message comes before faulthandler's dump)."""
        try:
            with open(self.log, "rb") as fh:
                text = fh.read(4000).decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join([line.strip() for line in text.splitlines() if line.strip()][:5])

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log)


def _death(item: Any, exitcode: int | None, note: str, memory_mb: int, task: str = "read") -> Failure:
    """Why a worker died with ``item`` in hand, in words; ``task`` "write" when it was writing."""
    failure = _died(item, exitcode, note, memory_mb)
    if task != "write":
        return failure
    return Failure(item, failure.reason_zh.replace("读取", "写入"),
                   failure.reason_en.replace("reading", "writing").replace("reader", "writer"), failure.detail)


def _died(item: Any, exitcode: int | None, note: str, memory_mb: int) -> Failure:
    detail = f"{note} (exit code {exitcode})".strip()
    alloc = re.search(r"memory allocation of (\d+) bytes failed", note)
    if alloc:
        need = size_text(int(alloc.group(1)))
        return Failure(item, f"内存不足：读取该文件时试图一次分配 {need} 内存（上限 {memory_mb} MB），"
                             "读取已中止；文件可能已损坏或是恶意构造（如数据写到了极远的单元格）",
                       f"out of memory: reading the file tried to allocate {need} at once (limit "
                       f"{memory_mb} MB); the file may be damaged or malicious", detail)
    sig = -exitcode if exitcode is not None and exitcode < 0 else 0
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = str(sig)
    if sig == getattr(signal, "SIGKILL", -1):
        return Failure(item, "读取进程被系统强行终止（通常是内存耗尽）",
                       "the reading process was killed by the system (usually out of memory)",
                       detail)
    if sig == signal.SIGABRT:
        return Failure(item, "读取程序异常中止（abort），文件可能已损坏或占用内存过多",
                       "the reader aborted; the file may be damaged or need too much memory",
                       detail)
    if sig:
        return Failure(item, f"读取程序崩溃（{name}），文件可能已损坏",
                       f"the reader crashed ({name}); the file may be damaged", detail)
    return Failure(item, f"读取进程意外退出（退出码 {exitcode}）",
                   f"the reading process exited unexpectedly (exit code {exitcode})", detail)


_IN_FLIGHT = 2  # items a worker holds at once: the one it works on and the next


class _Pool:
    def __init__(self, func: Callable[[Any], Any], jobs: int, timeout: float | None,
                 memory_mb: int, after_kill: Callable[[Any, int], None] | None = None,
                 task: str = "read"):
        self.ctx = multiprocessing.get_context(_start_method())
        self.func, self.jobs, self.timeout, self.memory_mb = func, jobs, timeout, memory_mb
        self.after_kill, self.task = after_kill, task
        self.workers: list[_Worker] = []
        self.items: list[Any] = []

    def run(self, items: list[Any]) -> Iterator[tuple[Any, Any]]:
        self.items = items
        pending, done, head = deque(range(len(items))), {}, 0
        while head < len(items):
            self._dispatch(items, pending, done)
            busy = [w for w in self.workers if w.jobs]
            if busy:
                nearest = min(w.jobs[0][1] for w in busy)
                left = None if nearest == float("inf") else max(0.0, nearest - time.monotonic())
                ready = set(wait([h for w in busy for h in (w.conn, w.proc.sentinel)], left))
                for w in busy:
                    if w.conn in ready or w.proc.sentinel in ready:
                        self._collect(w, items, pending, done)
                now = time.monotonic()
                for w in busy:
                    if w.jobs and now >= w.jobs[0][1]:
                        index = w.jobs[0][0]
                        done[index] = Failure(
                            items[index],
                            f"处理超时：超过 {self.timeout:g} 秒仍未完成，已中止（文件可能过大或结构异常）",
                            f"timed out after {self.timeout:g} s and was stopped (the file may "
                            "be too large or malformed)", w.note())
                        w.jobs.popleft()
                        self._retire(w, pending)
                        self._killed(w, [index])
            while head in done:
                yield items[head], done.pop(head)
                head += 1

    def _dispatch(self, items: list[Any], pending: deque, done: dict) -> None:
        for w in [w for w in self.workers if not w.jobs and not w.proc.is_alive()]:
            self._retire(w, pending)
        while pending:
            # An idle worker first, then a second item to a busy one, so none waits for us.
            idle = next((w for w in self.workers if not w.jobs), None)
            if idle is None and len(self.workers) < self.jobs:
                idle = _Worker(self.ctx, self.func, self.memory_mb, self.workers)
                self.workers.append(idle)
            if idle is None:
                idle = next((w for w in self.workers if len(w.jobs) < _IN_FLIGHT), None)
                if idle is None:
                    return
            index = pending.popleft()
            try:
                idle.conn.send((index, items[index]))
            except Exception as exc:  # a dead pipe, or an item that cannot be pickled
                done[index] = Failure(items[index], f"内部错误：无法交给读取进程（{type(exc).__name__}）",
                                      f"internal error: cannot hand the item to a worker ({exc})")
                self._retire(idle, pending)
                continue
            idle.jobs.append([index, self._deadline() if not idle.jobs else float("inf")])

    def _deadline(self) -> float:
        return float("inf") if self.timeout is None else time.monotonic() + self.timeout

    def _collect(self, w: _Worker, items: list[Any], pending: deque, done: dict) -> None:
        dead = False
        try:
            while w.jobs and w.conn.poll():
                index, result = w.conn.recv()
                done[index] = result
                w.jobs.popleft()
                if w.jobs:  # the next item in the pipe starts now
                    w.jobs[0][1] = self._deadline()
        except Exception:  # EOF: the worker died (maybe mid-answer)
            dead = True
        if dead or not w.proc.is_alive():
            w.proc.join(timeout=5)
            if w.jobs:
                index = w.jobs.popleft()[0]
                done[index] = _death(items[index], w.proc.exitcode, w.note(), self.memory_mb, self.task)
                self._retire(w, pending)
                self._killed(w, [index])
            else:
                self._retire(w, pending)

    def _retire(self, w: _Worker, pending: deque) -> None:
        """Stop a worker; items it was handed but had not started go back to the queue."""
        pending.extendleft(reversed([index for index, _ in w.jobs]))
        w.jobs.clear()
        w.stop()
        self.workers.remove(w)

    def close(self) -> None:
        for w in self.workers:
            if not w.jobs:
                with contextlib.suppress(Exception):
                    w.conn.send(None)
        deadline = time.monotonic() + 2
        for w in self.workers:
            if not w.jobs:
                w.proc.join(timeout=max(0.0, deadline - time.monotonic()))
            w.stop()
            self._killed(w, [index for index, _ in w.jobs])
        self.workers.clear()

    def _killed(self, w: _Worker, indexes: list[int]) -> None:
        """Let the caller tidy after items a worker was stopped (or died) in the middle of."""
        if self.after_kill is None:
            return
        for index in indexes:
            with contextlib.suppress(Exception):
                self.after_kill(self.items[index], w.proc.pid)


def _start_method() -> str:
    """'fork' on Linux (fast, nothing to re-import); 'spawn' elsewhere (macOS, Windows)."""
    linux = sys.platform.startswith("linux")
    return "fork" if linux and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def map_isolated(func: Callable[[Any], Any], items: Iterable[Any], *, jobs: int | None = None,
                 timeout: float | None = 60.0, memory_mb: int = 1024, isolate: bool = True,
                 after_kill: Callable[[Any, int], None] | None = None,
                 task: str = "read") -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, func(item) or Failure)`` for every item, in input order.

    ``func`` runs in reused worker processes (``jobs`` of them, default: the CPUs available),
    each limited to ``memory_mb`` of address space (0: no limit) and ``timeout`` seconds per
    item (None: no timeout).  A crash, timeout or memory overrun fails that item only.
    PerfxlError becomes a Failure with its message; an exception that says the file is damaged
    (:func:`is_damage`) a plain reason saying so; any other "内部错误：<type>: <msg>".  With
    ``isolate=False`` everything runs in this process (no limits), for tests and tiny batches.
    ``after_kill(item, pid)`` is called for an item whose worker died or was stopped while it
    held it (a timeout, a crash, the batch interrupted), e.g. to remove what it half wrote.
    ``task`` "write" words a worker's death as a write's ("写入进程…") rather than a read's.
    """
    todo = list(items)
    if not isolate:
        for item in todo:
            yield item, _call(func, item, memory_mb)
        return
    if not todo:
        return
    pool = _Pool(func, max(1, min(jobs or _cpu_count(), len(todo))), timeout, memory_mb, after_kill, task)
    try:
        yield from pool.run(todo)
    finally:
        pool.close()
