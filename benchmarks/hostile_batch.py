"""``perfxl summarize`` over a folder of every hostile file plus good workbooks.

Builds the inbox of tests/hostile_batch.py (empty, truncated, renamed text and PDF, encrypted,
.xlsm, strict OOXML, not a form, another profile, an old template version, a zip bomb, an XML
entity bomb, a million-row sheet, #REF!, legacy .xls and WPS .et when ../shared/corpus is
there), runs the real command line on it, and prints the wall time, the peak resident memory
of the whole process tree (target ≤ 1 GB) and what became of every file.

    python3 benchmarks/hostile_batch.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]  # this checkout's perfxl

from bench_summarize import peak_memory  # noqa: E402

from hostile_batch import build  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "收件箱"
        made = build(inbox)
        out = Path(tmp) / "汇总.xlsx"
        peak, seconds = peak_memory(inbox, None, out, extra=["--json", str(out.with_suffix(".json"))])
        doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        print(f"{len(made)} files, {seconds:.1f} s wall, peak memory {peak / 2**20:.0f} MiB (target ≤ 1024)")
        read = {Path(p["path"]).name for p in doc["projects"]}
        reasons = {Path(f["path"]).name: f["reason"] for f in doc["failures"]}
        for name, what in made.items():
            outcome = "summarised" if name in read else f"refused: {reasons.get(name, '?')}"
            print(f"  {name:<14} {what:<40} {outcome}")


if __name__ == "__main__":
    main()
