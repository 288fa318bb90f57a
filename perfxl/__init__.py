"""perfxl — 财政支出绩效自评表的模板、校验、批注与汇总。

The public API is what this package exports (``from perfxl import …``); everything else —
the rooms ``perfxl.form``, ``perfxl.read``, ``perfxl.check``, ``perfxl.notes``,
``perfxl.batch``, ``perfxl.county``, ``perfxl.ooxml`` and their modules — is private by
convention and may change between versions.  The names are imported when first used, so
``import perfxl`` costs nothing and a script pays only for what it calls::

    import perfxl

    results = perfxl.validate_paths(["收件箱/"])              # one WorkbookResult per file
    county = perfxl.summarize(["收件箱/"])                    # the county summary (County)
    perfxl.write_summary(county, "汇总.xlsx")
    profile = perfxl.load_profile("gd-2020")

The modules follow the data: form (profiles, template) → read → check (rules) → notes
(annotate) → batch (many files, isolated) → county (summary); ``perfxl.cli`` is the command
line over them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name → the module that defines it
_API = {
    # form profiles and the fill-in workbook
    "load_profile": "perfxl.form.profile",
    "available_profiles": "perfxl.form.profile",
    "Profile": "perfxl.form.profile",
    "ProfileError": "perfxl.form.profile",
    "write_template": "perfxl.form.template",
    # one workbook read
    "read_report": "perfxl.read.workbook",
    "Report": "perfxl.read.workbook",
    # the rules
    "Settings": "perfxl.check.engine",
    "load_settings": "perfxl.check.config",
    "Finding": "perfxl.findings",
    # validating files and folders
    "validate_paths": "perfxl.batch.validate",
    "WorkbookResult": "perfxl.batch.validate",
    "Limits": "perfxl.batch.validate",
    "to_json": "perfxl.batch.output",
    # notes written back
    "annotate_workbook": "perfxl.notes.annotate",
    "clean_workbook": "perfxl.notes.annotate",
    # the county summary
    "summarize": "perfxl.county.summarize",
    "county_json": "perfxl.county.summarize",
    "write_summary": "perfxl.county.book",
    "County": "perfxl.county.model",
    # errors a caller may catch
    "PerfxlError": "perfxl.errors",
    "UnreadableWorkbook": "perfxl.errors",
    "NotAForm": "perfxl.errors",
    "WriteError": "perfxl.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'perfxl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
