"""A workbook typed by hand (no template), read by its labels and checked, against python-calamine
reading the same file — the seed report typed into the Guangdong form (gd-2020) and the sample
county's national-form workbook typed by hand (cz-2020, with its indicator list), or the
workbooks named.

For each, three lines, each the median of interleaved runs in one process:

* read: ``read_report`` of the workbook (recognising its form among every profile, finding
  each field by its label) against calamine reading every sheet;
* read and checked, one file: the same plus every rule (``check``) — the rules' pandas pass
  costs about the same for one workbook as for many, so this is the worst case;
* read and checked, a county: ``--county N`` copies read one by one and checked in one pass, as
  ``perfxl summarize`` does, per workbook, against calamine reading each copy.

Target: a hand-made workbook read and checked ≤ 5× a calamine read of the same file.

The first line says which Python ran (the ratio depends on it: see ``interpreter.py``).

    python3 benchmarks/bench_labels.py [WORKBOOK ...] [--runs 200] [--county 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench_read import calamine_all_sheets, medians
from interpreter import interpreter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's perfxl, not an installed copy

from perfxl.check.engine import check  # noqa: E402
from perfxl.read.workbook import read_report  # noqa: E402

DEFAULTS = [ROOT / "samples" / "typed" / "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx",
            ROOT / "samples" / "typed" / "乡村道路亮化工程项目（中央补助资金）（手工录入）.xlsx"]


def read_and_check(path: Path) -> None:
    check([read_report(path)])


def county(path: Path, n: int) -> tuple[float, float]:
    """Seconds per workbook: calamine reading n copies; perfxl reading n copies and checking them
    in one pass (each copy under a name of its own)."""
    start = time.perf_counter()
    for _ in range(n):
        calamine_all_sheets(path)
    base = (time.perf_counter() - start) / n
    start = time.perf_counter()
    reports = [replace(read_report(path), path=f"{i}-{path.name}", _frame=None) for i in range(n)]
    check(reports)
    ours = (time.perf_counter() - start) / n
    return base, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workbooks", nargs="*", type=Path, default=DEFAULTS)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--county", type=int, default=300)
    args = parser.parse_args()
    print(interpreter())
    for path in args.workbooks:
        report = read_report(path)
        print(f"workbook                    {path.name}  (read by {report.read_by}, {report.profile.id}, "
              f"{len(report.records)} cells)")
        base, read, both = medians([calamine_all_sheets, read_report, read_and_check], path, args.runs)
        print(f"calamine, all sheets        {base * 1000:8.2f} ms")
        print(f"perfxl read ({report.read_by + ')':<15}{read * 1000:8.2f} ms  {read / base:6.2f}×")
        print(f"perfxl read and checked     {both * 1000:8.2f} ms  {both / base:6.2f}×  (one file alone)")
        base_n, ours_n = county(path, args.county)
        print(f"a county of {args.county}: calamine {base_n * 1000:.2f} ms, perfxl read and checked "
              f"{ours_n * 1000:.2f} ms per workbook  {ours_n / base_n:6.2f}×  (target ≤ 5×)")


if __name__ == "__main__":
    main()
