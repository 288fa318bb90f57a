"""``python -m perfxl``: the same command line as the ``perfxl`` script."""

from perfxl.cli import run

run()
