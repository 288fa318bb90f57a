"""Fixtures: the profile, a builder of filled workbooks, and LibreOffice when present."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from perfxl.check.engine import Settings, check
from perfxl.form.profile import load_profile
from perfxl.form.template import write_workbook
from perfxl.read.workbook import read_report

from builders import clean_fill
from typed import Style, type_form

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"
CORPUS = ROOT.parent / "shared" / "corpus"

@pytest.fixture
def profile():
    return load_profile("gd-2020")


@pytest.fixture
def make(tmp_path, profile):
    """``make(change)`` writes the clean project after ``change(fill)`` and returns its path."""
    counter = iter(range(1000))

    def build(change=None, name: str | None = None) -> Path:
        fill = copy.deepcopy(clean_fill())
        if change is not None:
            change(fill)
        path = tmp_path / (name or f"wb{next(counter)}.xlsx")
        write_workbook(profile, path, year=2023, county="示例县", fill=fill)
        return path

    return build


@pytest.fixture
def typed(tmp_path, profile):
    """``typed(change, style)`` types the clean project by hand (no template) as ``style`` says,
    after ``change(fill)``; returns the :class:`typed.Typed` (its path and where each value went)."""
    counter = iter(range(1000))

    def build(change=None, style: Style | None = None, *, of=None, soffice: str | None = None, **kw):
        fill = copy.deepcopy(clean_fill())
        if change is not None:
            change(fill)
        style = style or Style("printed")
        path = tmp_path / f"typed{next(counter)}-{style.name}.xlsx"
        return type_form(of or profile, fill, style, path, soffice=soffice, **kw)

    return build


@pytest.fixture
def findings_of():
    """``findings_of(path)`` → the findings of one workbook, as (code, cell) pairs and records."""

    def run(path: Path, **settings):
        return check([read_report(path)], Settings(**settings))

    return run


@pytest.fixture
def run(monkeypatch, tmp_path):
    """``run(*args)``: the command line as a user runs it, from an empty folder (no perfxl.toml)."""
    from click.testing import CliRunner

    from perfxl.cli import main

    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def soffice():
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice is not installed")
    return exe


@pytest.fixture
def to_xls(soffice, tmp_path):
    """``to_xls(path)``: the workbook saved as a legacy .xls by LibreOffice (as it saves, without
    recalculating); skipped without LibreOffice."""
    import subprocess

    def convert(path: Path) -> Path:
        out = tmp_path / "xls"
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo-user').as_uri()}", "--headless",
                        "--convert-to", "xls", "--outdir", str(out), str(path)],
                       check=True, capture_output=True, timeout=180)
        return out / (Path(path).stem + ".xls")

    return convert
