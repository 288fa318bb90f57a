"""Reading one sample workbook with perfxl's reader against python-calamine alone.

Prints the median time of each over several runs, measured in the same process, and the ratio
(target: the reader within 3× of reading every sheet with calamine).  With ``--check`` the rules
run too (read and check against the read alone).  Without a workbook, three lines: the seed
report read; a national-form workbook (samples/national) read and checked alone (issue 16: ≤ 3×);
and the national samples read and checked as one batch, per workbook.

A folder (``--folder samples/national``) is read and checked as validate checks a batch — each
file read, the rules run once over all of them — against calamine reading every file: the cost
per workbook once the rules' fixed cost is shared.  Both figures are printed because they differ:
one workbook alone pays the whole fixed cost of one pass of the rules (a few milliseconds, where
calamine reads a one-sheet workbook in half of one); a batch shares it.

    python3 benchmarks/bench_read.py [WORKBOOK] [--check] [--runs N]
    python3 benchmarks/bench_read.py --folder samples/national [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from interpreter import interpreter
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's perfxl, not an installed copy

from perfxl.check.engine import check  # noqa: E402
from perfxl.read.workbook import read_report  # noqa: E402

DEFAULT = ROOT / "samples" / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"
NATIONAL = next(iter(sorted((ROOT / "samples" / "national").rglob("*.xlsx"))), None)  # the first, by name


def read_and_check(path: Path) -> None:
    check([read_report(path)])


def folder_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.xlsx"))


def calamine_folder(folder: Path) -> None:
    for path in folder_files(folder):
        calamine_all_sheets(path)


def read_and_check_folder(folder: Path) -> None:
    check([read_report(path) for path in folder_files(folder)])


def calamine_all_sheets(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def medians(fns, path: Path, runs: int) -> list[float]:
    """Median seconds of each function, the runs interleaved so that a busy moment of the
    machine weighs on both alike."""
    for fn in fns:
        fn(path)  # warm up imports and caches
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn(path)
            spent.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workbook", nargs="?", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="run the rules too")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--folder", type=Path, default=None, help="read and check a folder as one batch")
    args = parser.parse_args()
    print(interpreter())
    if args.folder:
        folder(args.folder, args.runs)
        return
    runs = [(args.workbook, args.check)] if args.workbook else [(DEFAULT, args.check), (NATIONAL, True)]
    for workbook, checked in runs:
        fn = read_and_check if checked else read_report
        base, ours = medians([calamine_all_sheets, fn], workbook, args.runs)
        print(f"workbook            {workbook.name}{'  (alone)' if checked else ''}")
        print(f"calamine, all sheets {base * 1000:8.2f} ms")
        print(f"perfxl {'read + check' if checked else 'read_report '}  {ours * 1000:8.2f} ms")
        print(f"ratio                {ours / base:8.2f}×  (target ≤ 3×)")
    if not args.workbook and NATIONAL is not None:
        folder(NATIONAL.parents[1], args.runs)


def folder(path: Path, runs: int) -> None:
    """A folder read and checked as one batch, per workbook, against calamine reading each."""
    n = len(folder_files(path))
    base, ours = medians([calamine_folder, read_and_check_folder], path, max(3, runs // 30))
    print(f"folder              {path.name} ({n} workbooks, checked as one batch)")
    print(f"calamine, all sheets {base * 1000 / n:8.2f} ms a workbook")
    print(f"perfxl read + check  {ours * 1000 / n:8.2f} ms a workbook")
    print(f"ratio                {ours / base:8.2f}×  (target ≤ 3×)")


if __name__ == "__main__":
    main()
