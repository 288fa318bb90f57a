"""The package is laid out by what it does: each room imports only the rooms below it.

The rooms, lowest first (README, Layout): the floor modules at the top of the package (errors,
findings, numbers, bulk, lazy), then ooxml, form, read, check, notes, batch, county; the
command line and the public API above them all.  Imports inside functions count too: a
lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import perfxl

PACKAGE = Path(perfxl.__file__).parent
ROOMS = ["ooxml", "form", "read", "check", "notes", "batch", "county"]
TOP = {"cli", "__init__", "__main__"}  # above every room


def rank(module: str) -> int:
    """0 for the floor, 1… for the rooms in order, above them the command line and the API."""
    parts = module.split(".")[1:]  # without "perfxl"
    if not parts or parts[0] in TOP:
        return len(ROOMS) + 1
    if parts[0] in ROOMS:
        return ROOMS.index(parts[0]) + 1
    return 0


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 2:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """Every perfxl module ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("perfxl")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("perfxl"):
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules()}
    return found


def test_no_room_imports_a_room_above_it():
    upward = []
    for name, path in sorted(modules().items()):
        for target in sorted(imports_of(name, path)):
            if rank(target) > rank(name):
                upward.append(f"{name} imports {target}")
    assert upward == []


def test_notes_know_nothing_of_the_rules_and_ooxml_nothing_of_forms():
    for name, path in modules().items():
        targets = imports_of(name, path)
        if name.startswith("perfxl.notes"):
            assert not {t for t in targets if t.startswith("perfxl.check")}, name
        if name.startswith("perfxl.ooxml"):
            assert not {t for t in targets if t.startswith(("perfxl.form", "perfxl.read"))}, name


def test_the_floor_modules_import_no_room():
    for name, path in modules().items():
        if rank(name) == 0 and name != "perfxl":
            assert {t for t in imports_of(name, path) if rank(t) > 0} == set(), name


def test_only_the_command_line_imports_click():
    users = [name for name, path in modules().items()
             if any(isinstance(node, ast.Import | ast.ImportFrom)
                    and ("click" in [a.name for a in getattr(node, "names", [])]
                         or getattr(node, "module", None) == "click")
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert users == ["perfxl.cli"]


def test_every_room_says_what_it_does_and_what_it_may_import():
    for room in ROOMS:
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8")))
        assert doc and doc.startswith(f"{room} — ") and "May import" in doc, room


def test_the_public_api_resolves_name_by_name():
    for name in perfxl.__all__:
        assert getattr(perfxl, name) is not None, name
    with pytest.raises(AttributeError):
        perfxl.no_such_thing  # noqa: B018


HEAVY = ("numpy", "pandas", "xlsxwriter", "openpyxl")


def loaded_after(*args: str) -> set[str]:
    """The heavy libraries really imported (not merely registered for a lazy import) by a run
    of the command line with ``args``."""
    probe = ("import sys, atexit\n"
             "def loaded():\n"
             f"    return [m for m in {HEAVY!r} if m in sys.modules\n"
             "            and type(sys.modules[m]).__name__ != '_LazyModule']\n"
             "atexit.register(lambda: print('@@', *loaded()))\n"
             "from perfxl.cli import main\n"
             f"sys.argv = ['perfxl', *{list(args)!r}]\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=PACKAGE.parent)
    line = [x for x in done.stdout.splitlines() if x.startswith("@@")][-1]
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["template", "--fields"], ["rules"], ["rules", "P001"], ["profiles"],
                                  ["template", "--profile", "cz-2020", "--fields"]])
def test_commands_that_read_no_workbook_import_neither_numpy_nor_pandas(args):
    assert loaded_after(*args) & {"numpy", "pandas"} == set()


def test_validate_imports_no_workbook_writer():
    seed = PACKAGE.parent / "samples" / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"
    assert loaded_after("validate", str(seed)) & {"xlsxwriter", "openpyxl"} == set()


@pytest.mark.parametrize("folder", ["seed", "national", "typed"])
def test_validating_a_folder_checks_it_without_pandas(folder):
    # the rules read the cells as arrays: a clerk's validate waits for no pandas import
    assert loaded_after("validate", "--format", "json", str(PACKAGE.parent / "samples" / folder)) & {"pandas"} == set()


def test_the_readmes_library_example_runs(tmp_path, monkeypatch):
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Library", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samples").symlink_to(PACKAGE.parent / "samples")
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "汇总.xlsx").stat().st_size > 0


def test_every_room_names_each_of_its_modules():
    """A room's docstring is its table of contents: a module added without a word there is missed."""
    for room in ROOMS:
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8")))
        own = sorted(p.stem for p in (PACKAGE / room).glob("*.py") if p.stem != "__init__")
        own += sorted(p.name for p in (PACKAGE / room).iterdir() if (p / "__init__.py").exists())
        assert [m for m in own if f":mod:`.{m}`" not in doc] == [], room
