"""How long a command takes from the shell, against bare Python and against pandas' import.

Each command is started as a user starts it (the installed ``perfxl`` script when it is a
Python script that runs this checkout, else ``python -m perfxl`` from the checkout), the runs
of every line interleaved so that a busy moment of the machine weighs on all alike, and medians
compared as ratios (issue 13):

- ``perfxl --help``, ``perfxl template --fields``, ``perfxl rules`` ≤ 5× ``python -c pass``;
- ``perfxl validate SEED`` ≤ 1.5× ``python -c "import pandas, python_calamine"``.

It also prints which of the heavy libraries each command imported, since that is what decides
its start-up: none for the first three, and no xlsxwriter or openpyxl for validate.

Every line runs with its bytecode cached, as a user's installed perfxl has it (pip compiles it on
install).  A session with PYTHONDONTWRITEBYTECODE set (this build machine's sessions have it)
would otherwise compile each of perfxl's modules from source at every start — about 0.15 s of
``validate`` — so the commands get a bytecode cache of their own in a temporary folder (never in
the tree), written by the first run of each line, which is not counted; the script says so.

    python3 benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interpreter import interpreter

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "seed" / "和平县电子政务外网网络畅通服务项目.xlsx"
HEAVY = ("numpy", "pandas", "python_calamine", "xlsxwriter", "openpyxl", "lxml")


def environment() -> tuple[dict[str, str], str]:
    """The commands' environment, and a line saying how it differs from this one's: bytecode
    written (to a cache of the benchmark's own) where this session does not write it."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is None:
        return env, ""
    cache = Path(tempfile.gettempdir()) / "perfxl-bench-pycache"
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env, f"PYTHONDONTWRITEBYTECODE is set here: the commands cache their bytecode in {cache}"


def perfxl_command() -> list[str]:
    """The installed script run by this Python (a pyenv shim or a wrapper would add its own
    start-up to every line) when it runs this checkout's perfxl, else the module (run from the
    checkout: a worktree's code, where the installed script would run another checkout's)."""
    script = shutil.which("perfxl")
    if script and installed_here():
        with open(script, "rb") as fh:
            first = fh.readline()
        if first.startswith(b"#!") and b"python" in first:
            return [sys.executable, script]
    return [sys.executable, "-m", "perfxl"]


def installed_here() -> bool:
    """Whether the perfxl this Python imports from elsewhere (as the installed script does) is
    this checkout's."""
    done = subprocess.run([sys.executable, "-c", "import perfxl; print(perfxl.__file__)"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    found = done.stdout.strip()
    return bool(found) and Path(found).resolve().parent == (ROOT / "perfxl").resolve()


def lines() -> list[tuple[str, list[str], str]]:
    perfxl = perfxl_command()
    return [
        ("python -c pass", [sys.executable, "-c", "pass"], ""),
        ("python -c 'import pandas, python_calamine'", [sys.executable, "-c", "import pandas, python_calamine"], ""),
        ("perfxl --help", [*perfxl, "--help"], "python -c pass"),
        ("perfxl template --fields", [*perfxl, "template", "--fields"], "python -c pass"),
        ("perfxl rules", [*perfxl, "rules"], "python -c pass"),
        ("perfxl validate SEED", [*perfxl, "validate", str(SEED)],
         "python -c 'import pandas, python_calamine'"),
    ]


def imported(command: list[str]) -> list[str]:
    """The heavy libraries a command imports (run once more, with the interpreter reporting)."""
    if command[0] != sys.executable or command[1] == "-c":
        return []
    loaded = ("def _loaded(m):\n    found = sys.modules.get(m)\n"
              "    return found is not None and type(found).__name__ != '_LazyModule'\n")
    probe = ("import sys, runpy, atexit\n" + loaded + "sys.argv = sys.argv[1:]; "
             f"atexit.register(lambda: print('\\n@@', *[m for m in {HEAVY!r} if _loaded(m)], "
             "file=sys.stderr)); runpy.run_path(sys.argv[0], run_name='__main__')"
             if command[1] != "-m" else
             "import sys, runpy, atexit\n" + loaded + "sys.argv = ['perfxl', *sys.argv[1:]]; "
             f"atexit.register(lambda: print('\\n@@', *[m for m in {HEAVY!r} if _loaded(m)], "
             "file=sys.stderr)); runpy.run_module('perfxl', run_name='__main__')")
    args = command[1:] if command[1] != "-m" else command[3:]
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                          env=environment()[0], cwd=ROOT)
    last = [line for line in done.stderr.splitlines() if line.startswith("@@")]
    return last[-1].split()[1:] if last else ["?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(interpreter())
    env, note = environment()
    if note:
        print(note)
    table = lines()
    times: dict[str, list[float]] = {name: [] for name, _, _ in table}
    for _ in range(args.runs + 1):
        for name, command, _ in table:
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(spent[1:]) for name, spent in times.items()}  # the first warms caches
    targets = {"python -c pass": 5.0, "python -c 'import pandas, python_calamine'": 1.5}
    print(f"medians of {args.runs} runs, each started as from the shell")
    for name, command, base in table:
        line = f"  {name:<44} {median[name] * 1000:7.0f} ms"
        if base:
            ratio = median[name] / median[base]
            line += f"  ratio {ratio:5.2f}x  (target <= {targets[base]:g}x of {base})"
            heavy = imported(command)
            line += f"  imports: {', '.join(heavy) or 'none of ' + '/'.join(HEAVY[:2])}"
        print(line)


if __name__ == "__main__":
    main()
