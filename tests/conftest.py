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


class Page:
    """One printed page: its size in points, its text as laid out on the page (``text``) and as
    drawn, a cell's lines one after the other (``raw``), as pdftotext reads them."""

    def __init__(self, width: float, height: float, text: str, raw: str = ""):
        self.width, self.height, self.text, self.raw = width, height, text, raw

    @property
    def a4_landscape(self) -> bool:
        return abs(self.width - 841.9) < 2 and abs(self.height - 595.3) < 2

    @property
    def a4_portrait(self) -> bool:
        return abs(self.width - 595.3) < 2 and abs(self.height - 841.9) < 2


@pytest.fixture
def printed(soffice, tmp_path):
    """``printed(workbook)``: the workbook printed to PDF by LibreOffice, as a list of
    :class:`Page` (needs pdfinfo and pdftotext from poppler as well)."""
    import re
    import subprocess

    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler's pdfinfo and pdftotext are not installed")
    profile_dir = tmp_path / "lo-profile"

    def pages(workbook: Path) -> list[Page]:
        out = tmp_path / "pdf" / workbook.stem
        subprocess.run([soffice, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out), str(workbook)],
                       check=True, capture_output=True, timeout=300)
        pdf = out / f"{workbook.stem}.pdf"
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True,
                              capture_output=True, text=True).stdout
        sizes = [(float(w), float(h)) for w, h in
                 re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
        texts, raws = ([*subprocess.run(["pdftotext", how, str(pdf), "-"], check=True, capture_output=True,
                                         text=True).stdout.split("\f"), *[""] * len(sizes)]
                       for how in ("-layout", "-raw"))
        return [Page(w, h, texts[i], raws[i]) for i, (w, h) in enumerate(sizes)]

    return pages
