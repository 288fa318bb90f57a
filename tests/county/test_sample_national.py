"""The national-form county and the Sichuan workbooks: every deliberate mistake is found where it
is, with what the figure should be, and clean files pass."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfxl.batch.validate import Limits, validate_paths

from conftest import SAMPLES

FOLDERS = {"national": SAMPLES / "national", "sichuan": SAMPLES / "sichuan"}


@pytest.fixture(scope="module", params=sorted(FOLDERS))
def county(request):
    folder = FOLDERS[request.param]
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    found = validate_paths([folder], limits=Limits(jobs=2))
    return request.param, manifest, {Path(r.path).relative_to(folder).as_posix(): r for r in found}


def _number(text: str) -> float | None:
    m = re.fullmatch(r"(?:≤ )?(-?[\d,]+(?:\.\d+)?)(%?)", text.strip())
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value / 100 if m.group(2) else value


def test_the_national_county_is_at_least_30_workbooks_from_8_departments():
    files = json.loads((FOLDERS["national"] / "MANIFEST.json").read_text("utf-8"))["files"]
    assert len(files) >= 30 and len({f["department"] for f in files}) >= 8
    assert len(json.loads((FOLDERS["sichuan"] / "MANIFEST.json").read_text("utf-8"))["files"]) >= 5


def test_every_workbook_is_read_as_its_own_form(county):
    _, manifest, results = county
    assert len(results) == len(manifest["files"])
    assert {r.profile for r in results.values()} == {manifest["profile"]}
    assert all(r.status != "unreadable" for r in results.values())


def test_clean_samples_give_no_findings(county):
    _, manifest, results = county
    clean = [f for f in manifest["files"] if f["clean"]]
    assert clean
    for f in clean:
        assert results[f["file"]].findings == [], f["file"]


def test_every_deliberate_mistake_is_found_at_its_field_and_nothing_else(county):
    _, manifest, results = county
    for f in manifest["files"]:
        got = {(x.code, x.field) for x in results[f["file"]].findings}
        want = {(m["code"], m["field"]) for m in f["mistakes"]}
        assert got == want, f["file"]


def test_every_mistake_says_what_the_figure_should_be(county):
    _, manifest, results = county
    for f in manifest["files"]:
        for m in f["mistakes"]:
            finding = next(x for x in results[f["file"]].findings if (x.code, x.field) == (m["code"], m["field"]))
            assert finding.severity == m["severity"]
            if m["expected"] is None:
                continue
            if isinstance(m["expected"], int | float):
                assert _number(finding.expected) == pytest.approx(m["expected"], abs=1e-4), (f["file"], m)
            else:
                assert finding.expected == m["expected"], (f["file"], m, finding.expected)


def test_the_mistakes_cover_the_new_rules():
    codes = set()
    for folder in FOLDERS.values():
        manifest = json.loads((folder / "MANIFEST.json").read_text("utf-8"))
        codes |= {m["code"] for f in manifest["files"] for m in f["mistakes"]}
    assert {f"I0{n:02d}" for n in range(1, 15)} <= codes
    assert {"T010", "P015", "P016", "P017", "P018", "P004", "V001", "V002", "F001", "S003"} <= codes


def test_a_word_result_carrying_all_ninety_points_is_told_in_plain_words():
    folder = FOLDERS["national"]
    manifest = json.loads((folder / "MANIFEST.json").read_text("utf-8"))
    f = next(f for f in manifest["files"] if any(m["field"] == "indicators_actual:项目成本控制" for m in f["mistakes"]))
    (result,) = validate_paths([folder / f["file"]], limits=Limits(isolate=False))
    words = [x.message for x in result.findings]
    assert any("实际完成值却填“完成”，无法核实得分" in w for w in words)
    assert "产出指标的分值合计 90 分，原则上应为 50 分" in words
    assert "效益指标的分值合计 0 分，原则上应为 30 分" in words
