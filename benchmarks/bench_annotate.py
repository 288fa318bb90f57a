"""Writing the notes into one sample workbook, against merely reading it with python-calamine.

For each workbook (by default the seed report and the county sample with the most findings)
the findings are those ``perfxl validate`` gives; then, interleaved in the same run:

* calamine: ``from_path`` and ``to_python`` of every sheet (the baseline);
* annotate: ``annotate_workbook`` writing an annotated copy beside, without the disk flush;
* annotate, flushed: the same with the flush to disk the CLI does (fsync of file and folder);
* the file system alone: the same bytes written the same atomic way (temporary file, replace)
  without any of perfxl's work, so the share that is the disk's, not perfxl's, is in view (and
  perfxl's own, the difference, printed under it).

Prints medians and ratios.  Target: annotating ≤ 2× the calamine read.

The first line says which Python ran (the ratio depends on it: see ``interpreter.py``).

    python3 benchmarks/bench_annotate.py [WORKBOOK ...] [--runs 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from interpreter import interpreter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfxl.batch.validate import validate_paths
from perfxl.notes.annotate import annotate_workbook
from perfxl.ooxml.atomic import atomic_write

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"
WHEN = "2024-05-01 10:00"


def default_workbooks() -> list[Path]:
    """The seed, and the county sample with the most findings (ties: the first by name)."""
    county = sorted((ROOT / "samples" / "county").rglob("*.xlsx"))
    results = validate_paths(county)
    most = max(results, key=lambda r: len(r.findings))
    return [SEED, Path(most.path)]


def medians(fns: dict, runs: int) -> dict:
    """Median seconds of each function; the runs interleaved so that the machine's load
    drifting during the benchmark weighs on all of them alike."""
    for fn in fns.values():
        fn()  # warm up imports and caches
    times = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench(src: Path, runs: int, tmp: Path) -> float:
    findings = validate_paths([src])[0].findings
    out = tmp / "annotated"
    annotate_workbook(src, findings, out=out, checked_at=WHEN, durable=False)
    written = (out / src.name).read_bytes()

    def read():
        book = CalamineWorkbook.from_path(str(src))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()

    t = medians({
        "read": read,
        "annotate": lambda: annotate_workbook(src, findings, out=out, checked_at=WHEN,
                                              durable=False),
        "flushed": lambda: annotate_workbook(src, findings, out=out, checked_at=WHEN),
        "disk": lambda: atomic_write(tmp / "disk-only.xlsx", data=written, durable=False),
    }, runs)
    base = t["read"]
    print(f"{src.name}: {src.stat().st_size:,} bytes, {len(findings)} findings; "
          f"medians of {runs} runs")
    print(f"  calamine read, every sheet      {base * 1000:7.3f} ms")
    own = t["annotate"] - t["disk"]
    print(f"  annotate (no disk flush)        {t['annotate'] * 1000:7.3f} ms  "
          f"ratio {t['annotate'] / base:5.2f}x  (target <= 2x)")
    print(f"    of which the file system      {t['disk'] * 1000:7.3f} ms  "
          f"ratio {t['disk'] / base:5.2f}x  (the same bytes written and replaced, no perfxl work)")
    print(f"    and perfxl's own work         {own * 1000:7.3f} ms  "
          f"ratio {own / base:5.2f}x  (the difference of the two lines above)")
    print(f"  annotate, flushed as the CLI    {t['flushed'] * 1000:7.3f} ms  "
          f"ratio {t['flushed'] / base:5.2f}x")
    return t["annotate"] / base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbooks", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(interpreter())
    with tempfile.TemporaryDirectory() as tmp:
        for src in args.workbooks or default_workbooks():
            bench(src, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
