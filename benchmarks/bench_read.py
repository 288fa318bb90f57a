"""Reading one sample workbook with perfxl's reader against python-calamine alone.

Prints the median time of each over several runs, measured in the same process, and the ratio
(target: the reader within 3× of reading every sheet with calamine).

    python3 benchmarks/bench_read.py [WORKBOOK] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

from perfxl.read import read_report

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "samples" / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"


def calamine_all_sheets(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def median_seconds(fn, path: Path, runs: int) -> float:
    fn(path)  # warm up imports and caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workbook", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    base = median_seconds(calamine_all_sheets, args.workbook, args.runs)
    ours = median_seconds(read_report, args.workbook, args.runs)
    print(f"workbook            {args.workbook.name}")
    print(f"calamine, all sheets {base * 1000:8.2f} ms")
    print(f"perfxl read_report   {ours * 1000:8.2f} ms")
    print(f"ratio                {ours / base:8.2f}×  (target ≤ 3×)")


if __name__ == "__main__":
    main()
