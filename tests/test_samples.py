"""The sample generator: deterministic, big enough, and its manifest tells the truth."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CODES = {
    "V001", "V002", "V003", "V004", "F001", "F002", "F004", "D001", "D002", "S001", "S002", "S003",
    "T001", "T002", "T003", "T004", "T005", "P001", "P002", "P003", "P004", "P005", "P006",
    "P007", "P008",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("perfxl_samples_generate",
                                                  SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_typed_national(out: Path) -> None:
    sys.path.insert(0, str(SAMPLES))
    try:
        from generate_typed import write_typed_national
    finally:
        sys.path.remove(str(SAMPLES))
    write_typed_national(out)


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run1")
    gen.write_seed(out / "seed")
    gen.write_typed_seed(out / "typed")
    _write_typed_national(out / "typed")
    gen.generate_county(out / "county")
    return out


def test_two_runs_give_the_same_bytes(county, tmp_path):
    gen.write_seed(tmp_path / "seed")
    gen.write_typed_seed(tmp_path / "typed")
    _write_typed_national(tmp_path / "typed")
    gen.generate_county(tmp_path / "county")
    assert _digests(tmp_path) == _digests(county)


def test_a_county_of_44_workbooks_in_at_least_10_departments(county):
    paths = sorted((county / "county").rglob("*.xlsx"))
    assert len(paths) >= 40
    assert len({p.parent.name for p in paths}) >= 10
    assert all(p.parent.name.startswith("示例县") for p in paths)


def _check_manifest(folder: Path) -> dict:
    manifest = json.loads((folder / "MANIFEST.json").read_text("utf-8"))
    listed = [e["file"] for e in manifest["files"]]
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.xlsx"))
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed)
    for e in manifest["files"]:
        assert e["file"] == f"{e['department']}/{Path(e['file']).name}"
        assert e["clean"] == (not e["mistakes"])
        for m in e["mistakes"]:
            assert set(m) == {"code", "field", "severity", "expected"}
            assert m["code"] in CODES
            assert m["severity"] == ("warning" if m["code"].startswith("P") else "error")
    return manifest


def test_the_manifest_lists_every_file(county):
    manifest = _check_manifest(county / "county")
    mistaken = [e for e in manifest["files"] if e["mistakes"]]
    assert 10 <= len(mistaken) <= 16
    assert all(1 <= len({m["code"] for m in e["mistakes"]}) <= 3 for e in mistaken)
    assert {m["code"] for e in mistaken for m in e["mistakes"]} == CODES - {"F002"}
    assert any(e["messy"] for e in manifest["files"] if e["clean"])
    (orig, copy), = manifest["duplicates"]
    by_file = {e["file"]: e for e in manifest["files"]}
    assert by_file[orig]["project"] == by_file[copy]["project"]
    assert by_file[copy]["duplicate_of"] == orig


def test_the_committed_manifest_lists_every_committed_file():
    if not (SAMPLES / "county" / "MANIFEST.json").is_file():
        pytest.skip("samples not generated")
    _check_manifest(SAMPLES / "county")


def test_the_committed_samples_are_what_the_generator_writes(county):
    for folder in ("seed", "typed"):
        assert _digests(SAMPLES / folder) == _digests(county / folder), folder


def test_the_seed_report_is_typed_in_as_published(county):
    book = CalamineWorkbook.from_path(str(county / "seed" / gen.SEED_FILE))
    cover = book.get_sheet_by_name("封面").to_python()
    assert cover[0][0] == "和平县 2020 年财政支出 绩效自评报告"
    assert [row[1] for row in cover[1:7]][:5] == [
        "和平县电子政务外网网络畅通服务项目", "和平县", "和平县政务服务数据管理局", "吴小婷",
        "0762-5662199"]
    overview = book.get_sheet_by_name("项目概况").to_python()
    funds = {row[1]: row[3:6] for row in overview if row[1] in ("预算安排", "实际支出", "资金结余")}
    assert funds["预算安排"] == [2700000.0, "", 2700000.0]
    assert funds["实际支出"] == [2683950.0, "", 2683950.0]
    assert funds["资金结余"][0] == 16050.0
    scores = book.get_sheet_by_name("自评得分").to_python()
    total = next(row for row in scores if row[0] == "合计")
    assert total[3] == 88.0 and "良好" in total
    assert any(row[2].startswith("经济效益") and row[3] == "" and row[4] == "" for row in scores)
