"""The county summary at scale, against baselines measured in the same run.

Generates N workbooks with the sample generator, then prints:
  * summarize of N workbooks against reading every sheet of the same files with python-calamine
    alone (target ≤ 3×) and against a naive loop of
    ``pandas.read_excel(f, sheet_name=None, engine="openpyxl")`` (target ≤ 0.2×);
  * peak memory (resident, whole process tree) of ``perfxl summarize`` at a large county
    against a small one (target ≤ 1.3×).

With ``--form national`` the county is on the national table (samples/generate_national.py):
1,000 national-form workbooks summarised against the calamine floor (issue 16: ≤ 3×).

    python3 benchmarks/bench_summarize.py [--n 1000] [--small 200] [--large 2000] [--jobs J]
                                          [--form gd|national] [--no-memory]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from interpreter import interpreter
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's perfxl, not an installed copy


def generator():
    spec = importlib.util.spec_from_file_location("perfxl_samples_generate", ROOT / "samples" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def national_generator():
    sys.path.insert(0, str(ROOT / "samples"))
    spec = importlib.util.spec_from_file_location("perfxl_samples_national", ROOT / "samples" / "generate_national.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def county(folder: Path, n: int, form: str = "gd") -> list[Path]:
    marker = folder / f".n{n}"
    if not marker.exists():
        if form == "national":
            national_generator().generate_national(folder, n_workbooks=n, seed=2025)
        else:
            generator().generate_county(folder, n_workbooks=n, seed=2023)
        marker.touch()
    return sorted(folder.rglob("*.xlsx"))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def calamine_all(files: list[Path]) -> None:
    for f in files:
        book = CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def pandas_naive(files: list[Path]) -> None:
    for f in files:
        pd.read_excel(f, sheet_name=None, engine="openpyxl")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def peak_memory(folder: Path, jobs: int | None, out: Path, extra: list[str] | None = None) -> tuple[int, float]:
    """Peak resident memory of ``perfxl summarize`` (all its processes) and its wall time."""
    cmd = [sys.executable, "-m", "perfxl.cli", "summarize", str(folder), "-o", str(out), *(extra or [])]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0

    def poll():
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=poll)
    thread.start()
    proc.wait()
    thread.join()
    return peak, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "perfxl-bench")
    parser.add_argument("--form", choices=["gd", "national"], default="gd")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    args = parser.parse_args()

    from perfxl.batch.validate import Limits
    from perfxl.county.book import write_summary
    from perfxl.county.summarize import summarize

    prefix = "county" if args.form == "gd" else "national"
    files = county(args.cache / f"{prefix}{args.n}", args.n, args.form)
    out = args.cache / "summary.xlsx"
    print(interpreter())
    print(f"{len(files)} workbooks ({args.form} form), {os.cpu_count()} CPUs")

    def ours():
        result = summarize([args.cache / f"{prefix}{args.n}"], limits=Limits(jobs=args.jobs))
        write_summary(result, out)

    for f in files:  # every file in the page cache first: the first timed run must not pay the disk alone
        f.read_bytes()
    t_ours = timed(ours)
    t_cal = timed(lambda: calamine_all(files))
    t_pd = timed(lambda: pandas_naive(files))
    print(f"perfxl summarize (read, check, write)  {t_ours:7.2f} s")
    print(f"calamine, every sheet of every file     {t_cal:7.2f} s   ratio {t_ours / t_cal:5.2f}×  (target ≤ 3×)")
    print(f"pandas.read_excel(openpyxl) naive loop  {t_pd:7.2f} s   ratio {t_ours / t_pd:5.2f}×  (target ≤ 0.2×)")

    if args.no_memory:
        return
    small, large = (args.cache / f"{prefix}{n}" for n in (args.small, args.large))
    county(small, args.small, args.form)
    county(large, args.large, args.form)
    mem_s, sec_s = peak_memory(small, args.jobs, out)
    mem_l, sec_l = peak_memory(large, args.jobs, out)
    print(f"peak memory, {args.small} workbooks   {mem_s / 2**20:8.1f} MiB ({sec_s:.1f} s)")
    print(f"peak memory, {args.large} workbooks  {mem_l / 2**20:8.1f} MiB ({sec_l:.1f} s)   "
          f"ratio {mem_l / mem_s:5.2f}×  (target ≤ 1.3×)")


if __name__ == "__main__":
    main()
