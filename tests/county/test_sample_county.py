"""The sample county: every deliberate mistake is found where it is, and clean files pass."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfxl.batch.validate import Limits, validate_paths

from conftest import SAMPLES

COUNTY = SAMPLES / "county"


@pytest.fixture(scope="module")
def manifest():
    return json.loads((COUNTY / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results():
    """Each workbook's result by its path under samples/county, as the manifest names it."""
    found = validate_paths([COUNTY], limits=Limits(jobs=2))
    return {Path(r.path).relative_to(COUNTY).as_posix(): r for r in found}


def _by_file(results):
    return results


def _number(text: str) -> float | None:
    m = re.fullmatch(r"(-?[\d,]+(?:\.\d+)?)(%?)", text.strip())
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value / 100 if m.group(2) else value


def test_the_county_is_at_least_40_workbooks_from_10_departments(manifest, results):
    files = manifest["files"]
    assert len(files) >= 40 and len({f["department"] for f in files}) >= 10
    assert len(results) == len(files)
    assert all(r.status != "unreadable" for r in results.values())


def test_clean_samples_give_no_findings(manifest, results):
    by_file = _by_file(results)
    for f in manifest["files"]:
        if f["clean"]:
            assert by_file[f["file"]].findings == [], f["file"]


def test_every_deliberate_mistake_is_found_at_its_field_and_nothing_else(manifest, results):
    by_file = _by_file(results)
    for f in manifest["files"]:
        got = {(x.code, x.field) for x in by_file[f["file"]].findings}
        want = {(m["code"], m["field"]) for m in f["mistakes"]}
        assert got == want, f["file"]


def test_every_mistake_says_what_the_figure_should_be(manifest, results):
    by_file = _by_file(results)
    for f in manifest["files"]:
        for m in f["mistakes"]:
            if m["expected"] is None:
                continue
            finding = next(x for x in by_file[f["file"]].findings
                           if (x.code, x.field) == (m["code"], m["field"]))
            assert finding.severity == m["severity"]
            if isinstance(m["expected"], int | float):
                assert _number(finding.expected) == pytest.approx(m["expected"], abs=1e-4), (f["file"], m)
            else:
                assert finding.expected in str(m["expected"]), (f["file"], m, finding.expected)
