"""How long writing the notes into a workbook takes, against merely reading it with calamine.

Builds a form of realistic size (4 sheets, about 300 filled cells, styles, merged cells,
formulas, validation, defined names), then times, in the same run:

* reading every sheet with python-calamine (``from_path`` + ``to_python`` per sheet);
* ``annotate_workbook`` with about 20 findings, writing an annotated copy (with fsync, as the
  CLI does) and without the disk flush (the work itself).

Prints the medians and the ratios.  Target: annotating ≤ 2× the calamine read.

    python3 benchmarks/bench_annotate.py [--runs 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfxl import opc
from perfxl.annotate import AnnotateResult, _explain, annotate_workbook
from perfxl.findings import Finding
from perfxl.notes_add import add_notes
from perfxl.notes_strip import strip

SHEETS = ["封面", "表1 项目资金", "表2 绩效指标", "表3 自评说明"]


def build(path: Path) -> tuple[Path, list[Finding]]:
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "align": "center"})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    text = wb.add_format({"border": 1, "text_wrap": True})
    findings = []
    for s, name in enumerate(SHEETS):
        ws = wb.add_worksheet(name)
        ws.merge_range("A1:H1", f"{name}（财政支出绩效自评）", head)
        ws.write_row("A2", ["序号", "项目", "年初预算", "全年预算", "全年执行", "执行率",
                            "分值", "得分"], head)
        for r in range(3, 12):
            ws.write(f"A{r}", r - 2, text)
            ws.write(f"B{r}", f"子项目{r - 2}：高标准农田建设及配套设施", text)
            ws.write_number(f"C{r}", 1000 + r, money)
            ws.write_number(f"D{r}", 1100 + r, money)
            ws.write_formula(f"E{r}", f"=D{r}*0.9", money, (1100 + r) * 0.9)
            ws.write_formula(f"F{r}", f"=IF(D{r}=0,0,E{r}/D{r})", None, 0.9)
            ws.write_number(f"G{r}", 10)
            ws.write_number(f"H{r}", 9)
            if r % 2 == 0 or r == 11:
                sev = "error" if r % 4 == 0 else "warning"
                findings.append(Finding(path.name, name, f"E{r}", f"R{s}{r:02d}", "执行数",
                                        sev, f"第{r}行执行数与明细不符（差额 {r * 3.5:.2f} 元）",
                                        f"{(1100 + r) * 0.9:.2f}", f"{(1100 + r) * 0.8:.2f}",
                                        field=f"exec_{s}_{r}"))
        ws.data_validation("C3:D11", {"validate": "decimal", "criteria": ">=", "value": 0})
        ws.conditional_format("F3:F11", {"type": "cell", "criteria": "<", "value": 0.6,
                                         "format": wb.add_format({"font_color": "#C00000"})})
        ws.set_column("B:B", 36)
        wb.define_name(f"合计_{s}", f"='{name}'!$E$11")
        wb.define_name(f"'{name}'!打印", f"='{name}'!$A$1:$H$11")
    wb.close()
    return path, findings


def medians(fns: dict, runs: int) -> dict:
    """Median time of each function; the runs are interleaved so that the machine's load
    drifting during the benchmark weighs on all of them alike."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm up
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, findings = build(Path(tmp) / "form.xlsx")
        out = Path(tmp) / "out"

        def read():
            book = CalamineWorkbook.from_path(str(src))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()

        def annotate(durable=True):
            annotate_workbook(src, findings, out=out, checked_at="2024-05-01 10:00",
                              durable=durable)

        book = CalamineWorkbook.from_path(str(src))
        cells = sum(1 for n in SHEETS for row in book.get_sheet_by_name(n).to_python()
                    for v in row if v not in ("", None))
        # the zip container alone: deflating and writing what annotate produces
        with opc.Package(src) as pkg:
            strip(pkg)
            result = AnnotateResult(src)
            add_notes(pkg, _explain(findings, {}, result), result, "2024-05-01 10:00", "zh")
            t = medians({"read": read, "fast": lambda: annotate(False), "full": annotate,
                         "zip": lambda: (Path(tmp) / "zip-only.xlsx").write_bytes(pkg.to_bytes())}, args.runs)
        t_read, t_fast, t_full, t_zip = t["read"], t["fast"], t["full"], t["zip"]
        print(f"workbook: {len(SHEETS)} sheets, {cells} filled cells, {len(findings)} findings, "
              f"{src.stat().st_size} bytes; medians of {args.runs} runs")
        print(f"calamine read (all sheets):   {t_read * 1000:7.3f} ms")
        print(f"annotate, no fsync:           {t_fast * 1000:7.3f} ms  "
              f"ratio {t_fast / t_read:5.2f}x")
        print(f"annotate, fsync (as the CLI): {t_full * 1000:7.3f} ms  "
              f"ratio {t_full / t_read:5.2f}x")
        print(f"  of which writing the zip:   {t_zip * 1000:7.3f} ms  "
              f"ratio {t_zip / t_read:5.2f}x (deflate + raw copy, no fsync)")


if __name__ == "__main__":
    main()
