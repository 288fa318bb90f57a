"""Modules imported when first used, so a command that never needs them never waits for them.

``perfxl --help``, ``perfxl rules`` and ``perfxl template --fields`` need neither numpy nor
pandas (about a third of a second to import on an office PC), yet the rule modules and the
formula language use them in their function bodies.  ``module("pandas")`` gives a module whose
import runs at its first attribute access, through the standard library's
:class:`importlib.util.LazyLoader`; a module already imported is returned as it is.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    """``import name``, carried out when the module is first used."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    lazy = importlib.util.module_from_spec(spec)
    sys.modules[name] = lazy
    loader.exec_module(lazy)
    return lazy
