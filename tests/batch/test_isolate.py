"""perfxl.batch.isolate: a batch survives any item — crashes, memory hogs, hangs and errors."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from perfxl.batch.isolate import Failure, map_isolated
from perfxl.read.guard import open_checked

import hostile


def test_batch_survives_crashes_hogs_hangs_and_errors():
    items = ["ok-1", "abort", "ok-2", "oom", "ok-3", "sleep", "perfxl", "boom", "segv",
             "exit", "bug", "ok-4"]
    start = time.monotonic()
    results = list(map_isolated(hostile.hostile_task, items, jobs=2, timeout=1.5,
                                memory_mb=512))
    assert time.monotonic() - start < 15
    assert [item for item, _ in results] == items  # input order
    got = dict(results)
    for item in ("ok-1", "ok-2", "ok-3", "ok-4"):
        assert got[item][0] == f"ok:{item}"
        assert got[item][1] != os.getpid()
    failures = {item: r for item, r in results if isinstance(r, Failure)}
    assert set(failures) == {"abort", "oom", "sleep", "perfxl", "boom", "segv", "exit", "bug"}
    assert "异常中止" in failures["abort"].reason_zh
    assert failures["oom"].reason_zh.startswith("内存不足") and "512 MB" in failures["oom"].reason_zh
    assert "超时" in failures["sleep"].reason_zh and "1.5 秒" in failures["sleep"].reason_zh
    assert failures["perfxl"].reason_zh == "文件为空（0 字节）"
    assert failures["perfxl"].reason_en == "the file is empty (0 bytes)"
    # what a damaged file makes a library raise is the file's fault; anything else is perfxl's
    assert failures["boom"].reason_zh.startswith("文件已损坏或结构异常，无法处理（ValueError: unexpected）")
    assert failures["bug"].reason_zh == "内部错误：TypeError: unexpected"
    assert "崩溃（SIGSEGV）" in failures["segv"].reason_zh
    assert "退出码 3" in failures["exit"].reason_zh
    for f in failures.values():
        assert "Traceback" not in f.reason_zh + f.reason_en and f.text("en") == f.reason_en


def test_calamine_abort_on_far_cell_is_one_failure(tmp_path: Path):
    """1.5 KB that makes calamine allocate 512 GB and abort: only that item fails."""
    far = hostile.xlsx(tmp_path / "far.xlsx", sheet=hostile.FAR_SHEET)
    good = hostile.xlsx(tmp_path / "good.xlsx")
    assert open_checked(far) == "xlsx"  # no static check can see this one coming
    items = [str(good), str(far), str(good)]
    results = list(map_isolated(hostile.read_workbook, items, jobs=1, memory_mb=1024))
    assert results[0][1] == ("xlsx", [("Sheet1", 1)])
    assert results[2][1] == results[0][1]
    failure = results[1][1]
    assert isinstance(failure, Failure)
    assert failure.reason_zh.startswith("内存不足") and "512.0 GB" in failure.reason_zh
    assert "memory allocation" in failure.detail and "stack backtrace" not in failure.detail


def test_workers_are_reused_and_isolated():
    results = list(map_isolated(hostile.hostile_task, [f"ok-{i}" for i in range(20)], jobs=1))
    pids = {r[1] for _, r in results}
    assert len(pids) == 1 and os.getpid() not in pids


def test_isolate_false_runs_in_process():
    results = dict(map_isolated(hostile.hostile_task, ["ok-1", "perfxl", "bug"],
                                isolate=False))
    assert results["ok-1"][1] == os.getpid()
    assert results["perfxl"].reason_zh == "文件为空（0 字节）"
    assert results["bug"].reason_zh.startswith("内部错误：TypeError")
    assert list(map_isolated(hostile.hostile_task, [])) == []


def test_spawn_fallback(monkeypatch):
    """What macOS and Windows get: workers that import func by name instead of forking."""
    import perfxl.batch.isolate

    monkeypatch.setattr(perfxl.batch.isolate, "_start_method", lambda: "spawn")
    results = dict(map_isolated(hostile.hostile_task, ["ok-1", "abort", "ok-2"], jobs=1))
    assert results["ok-1"][0] == "ok:ok-1" and results["ok-2"][0] == "ok:ok-2"
    assert "异常中止" in results["abort"].reason_zh


def test_closing_early_stops_the_workers():
    before = set(multiprocessing.active_children())
    gen = map_isolated(hostile.hostile_task, ["ok-1", "sleep-2", "sleep-3"], jobs=3)
    assert next(gen)[0] == "ok-1"
    assert len(set(multiprocessing.active_children()) - before) == 3
    start = time.monotonic()
    gen.close()
    assert time.monotonic() - start < 5
    assert set(multiprocessing.active_children()) <= before


def test_an_item_waiting_behind_a_crash_is_read_by_a_fresh_worker():
    """A worker holds the next item while it works; if it dies, that item is not lost."""
    items = ["ok-0", "abort-1", "ok-2", "exit-3", "ok-4", "ok-5"]
    got = dict(map_isolated(hostile.hostile_task, items, jobs=1, timeout=20))
    assert isinstance(got["abort-1"], Failure) and isinstance(got["exit-3"], Failure)
    assert all(got[i][0] == f"ok:{i}" for i in ("ok-0", "ok-2", "ok-4", "ok-5"))
