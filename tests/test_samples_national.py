"""The national and Sichuan sample generators: deterministic, and the committed samples are theirs."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _load():
    sys.path.insert(0, str(SAMPLES))
    spec = importlib.util.spec_from_file_location("perfxl_samples_national", SAMPLES / "generate_national.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national")
    gen.generate_national(out / "national")
    gen.generate_sichuan(out / "sichuan")
    return out


def test_two_runs_give_the_same_bytes(fresh, tmp_path):
    gen.generate_national(tmp_path / "national")
    gen.generate_sichuan(tmp_path / "sichuan")
    assert _digests(tmp_path) == _digests(fresh)


@pytest.mark.parametrize("name", ["national", "sichuan"])
def test_the_committed_samples_are_the_generators(fresh, name):
    if not (SAMPLES / name / "MANIFEST.json").is_file():
        pytest.skip("samples not generated")
    assert _digests(SAMPLES / name) == _digests(fresh / name), "regenerate: python3 samples/generate.py"


def test_the_manifest_lists_every_file_and_says_what_is_wrong(fresh):
    for name in ("national", "sichuan"):
        manifest = json.loads((fresh / name / "MANIFEST.json").read_text("utf-8"))
        listed = sorted(e["file"] for e in manifest["files"])
        assert listed == sorted(p.relative_to(fresh / name).as_posix() for p in (fresh / name).rglob("*.xlsx"))
        for e in manifest["files"]:
            assert e["clean"] == (not e["mistakes"])
            for m in e["mistakes"]:
                assert set(m) == {"code", "field", "severity", "expected"}
    national = json.loads((fresh / "national" / "MANIFEST.json").read_text("utf-8"))
    assert len(national["duplicates"]) == 1
    assert sum(bool(e["messy"]) for e in national["files"] if e["clean"]) >= 6


def test_a_county_of_any_size_for_the_benchmarks(tmp_path):
    paths = gen.generate_national(tmp_path / "big", n_workbooks=60, seed=7)
    assert len(paths) == 60 and len({p.name for p in paths}) == 60
