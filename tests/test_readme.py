"""The README's examples are what perfxl prints: every ``$ perfxl validate …`` in its console
blocks is run on the shipped samples and its lines compared with the ones the README shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _examples() -> list[tuple[str, list[str]]]:
    """Each ``$ perfxl validate`` line of a console block with the lines shown under it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ perfxl validate "):
                continue
            shown = []
            for after in lines[i + 1:]:
                if after.startswith("$") or not after.strip():
                    break
                shown.append(after)
            if shown and not any(s.strip().startswith("…") for s in shown):  # an elided one is not compared
                out.append((line[2:].split("  #")[0].strip(), shown))
    return out


EXAMPLES = _examples()


def test_the_readme_shows_validate_examples():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_each_validate_example_prints_what_the_readme_shows(command, shown, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(main, args)
    printed = [line.rstrip() for line in result.output.splitlines() if line.strip()]
    assert printed == [line.rstrip() for line in shown], "\n".join(printed)
