"""Views of findings for people and programs: the console report and the JSON document.

The JSON schema (``perfxl.validate/1``) is documented in README.md; keep the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from perfxl.findings import SEVERITY_LABELS, sort_findings
from perfxl.read.workbook import located_en
from perfxl.words import count

from .validate import WorkbookResult

SCHEMA = "perfxl.validate/1"

WORDS = {
    "zh": {
        "unreadable": "无法读取", "expected": "应为", "actual": "实际", "explained": "已说明",
        "rejected": "说明未采纳：错误须改正，不能以说明代替",
        "ok": "未发现问题", "skipped": "已跳过", "not_written": "批注未写入",
        "skipped_total": "，另跳过 {skipped} 个（perfxl 自己写出的文件）",
        "not_written_total": "，{not_written} 个批注未写入",
        "by_labels": "按标签读取：表样 {profile}，对上 {found}/{total} 个标签，工作表 {sheets}",
        "total": "共 {n} 个工作簿：{errors} 个错误，{warnings} 个警告（另有 {explained} 个已说明），"
                 "{unreadable} 个无法读取",
    },
    "en": {
        "unreadable": "unreadable", "expected": "expected", "actual": "actual",
        "explained": "explained", "ok": "no findings", "skipped": "skipped",
        "not_written": "notes not written", "skipped_total": "; {skipped:workbook} skipped (perfxl's own outputs)",
        "not_written_total": ", notes not written into {not_written:workbook}",
        "rejected": "explanation not accepted: an error must be corrected, not explained",
        "by_labels": "read by labels: form {profile}, {found} of {total} labels found, sheets {sheets}",
        "total": "{n:workbook}: {errors:error}, {warnings:warning} ({explained} more explained), "
                 "{unreadable} unreadable",
    },
}


# What a terminal would act on rather than show: control characters (an escape sequence in a
# file name or a cell can recolour, retitle or rewrite the clerk's screen), the marks that turn
# text right to left, and the halves of bytes that were not UTF-8 in a file name.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    r"""``text`` safe to print on a terminal: every character it would act on written as an
    escape (``\x1b``, ``\u202e``; a byte of a name that was not UTF-8 as ``\xNN``)."""
    def escape(m: re.Match) -> str:
        code = ord(m.group())
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


def console_lines(results: Iterable[WorkbookResult], lang: str = "zh"):
    """(text, severity) pairs: each workbook, then its findings errors first, then a total;
    every text printable on a terminal (:func:`printable`)."""
    for text, kind in _lines(results, lang):
        yield printable(text), kind


def _lines(results: Iterable[WorkbookResult], lang: str):
    words, labels = WORDS[lang], SEVERITY_LABELS[lang]
    results = list(results)
    for r in results:
        if r.status in ("unreadable", "skipped"):
            yield f"{r.path}", "header"
            yield f"  {words[r.status]}: {r.reason_en if lang == 'en' else r.reason}", \
                "error" if r.status == "unreadable" else "explained"
            continue
        figs = r.figures
        summary = "，".join(str(x) for x in (figs.get("project"), _score(figs)) if x)
        yield f"{r.path}  {summary}", "header"
        if r.reading is not None:
            yield "  " + reading_line(r.reading, lang), "note"
        for note in r.located:  # a template found by its sheet names, or read by its layout
            yield "  " + (located_en(note) if lang == "en" else note), "note"
        if not r.findings:
            yield f"  {words['ok']}", "ok"
        for f in sort_findings(r.findings):
            where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
            line = f"  {labels[f.severity]} {f.code} {where}  {f.message}"
            if f.expected or f.actual:
                line += f"  [{words['expected']} {f.expected or '—'}｜{words['actual']} " \
                        f"{f.actual or '—'}]"
            if f.explained:
                line += f"  （{words['explained']}：{f.explained}）"
            elif f.rejected:
                line += f"  （{words['rejected']}。单位说明：{f.rejected}）" if lang == "zh" else \
                    f"  ({words['rejected']}; the unit wrote: {f.rejected})"
            yield line, ("explained" if f.explained else f.severity)
        if r.write_error:
            yield f"  {words['not_written']}: {r.write_error_en if lang == 'en' else r.write_error}", "error"
    counts = totals(results)
    if lang == "en":  # "1 workbook: 1 error", "2 workbooks: 0 errors"
        counts = {k: _Count(v) for k, v in counts.items()}
    yield (words["total"].format(**counts) + (words["not_written_total"].format(**counts) if counts["not_written"]
                                              else "")
           + (words["skipped_total"].format(**counts) if counts["skipped"] else "")), "total"


class _Count(int):
    """A count that formats with ``{n:noun}`` as "1 noun" or "2 nouns"."""

    def __format__(self, spec: str) -> str:
        return count(int(self), spec) if spec else super().__format__(spec)


def reading_line(reading, lang: str = "zh") -> str:
    """How a workbook typed by hand was read, in one line (and the units it declared)."""
    sep = "、" if lang == "zh" else ", "
    line = WORDS[lang]["by_labels"].format(profile=reading.profile, found=reading.found,
                                           total=reading.total, sheets=sep.join(reading.sheets))
    if reading.units and lang == "zh":
        line += "；" + "；".join(reading.units)
    elif reading.units:
        line += f"; amounts converted from the unit the workbook declares ({len(reading.units)} tables)"
    return line


def reading_json(reading) -> dict | None:
    """How a workbook typed by hand was read, for the JSON (None: a template)."""
    if reading is None:
        return None
    return {"profile": reading.profile, "labels_found": reading.found, "labels_total": reading.total,
            "sheets": reading.sheets, "ignored_sheets": reading.ignored, "units": reading.units,
            "missing_labels": reading.missing_labels}


def _score(figs: dict) -> str:
    score, grade = figs.get("score_total"), figs.get("grade")
    if score is None:
        return ""
    return f"{round(score, 2):g} {grade or ''}".strip()


def totals(results: list[WorkbookResult]) -> dict[str, int]:
    return {
        "n": sum(r.status != "skipped" for r in results),
        "errors": sum(r.errors for r in results),
        "warnings": sum(r.warnings for r in results),
        "explained": sum(r.explained for r in results),
        "unreadable": sum(r.status == "unreadable" for r in results),
        "skipped": sum(r.status == "skipped" for r in results),
        "not_written": sum(bool(r.write_error) for r in results),
    }


def to_json(results: list[WorkbookResult]) -> str:
    t = totals(results)
    doc = {
        "schema": SCHEMA,
        "totals": {"workbooks": t["n"], "errors": t["errors"], "warnings_open": t["warnings"],
                   "warnings_explained": t["explained"], "unreadable": t["unreadable"],
                   "skipped": t["skipped"], "notes_not_written": t["not_written"]},
        "workbooks": [
            {
                "path": r.path,
                "profile": r.profile,
                "status": r.status,
                "reason": r.reason or None,
                "read_by": r.read_by,
                "reading": reading_json(r.reading),
                "located": r.located,
                "notes_not_written": r.write_error or None,
                "figures": r.figures,
                "counts": {"errors": r.errors, "warnings_open": r.warnings,
                           "warnings_explained": r.explained},
                "findings": [f.to_dict() for f in sort_findings(r.findings)],
            }
            for r in results
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
