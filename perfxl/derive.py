"""Recompute every derived figure of a form from its inputs, the way the form defines them.

Used twice: the template writer stores these as the formulas' cached values, and the reader
recomputes them from what the unit typed (a formula's cached value is never trusted).
Blank inputs count as 0 in sums and differences, as in Excel; a rate over a zero or blank base
is blank (``None``), as the template's ``IF(N(base)=0,"",…)`` shows it.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .layout import grid_name, list_name, tree_name
from .profile import Profile


def _num(value) -> float:
    """Blank counts as 0 (as in Excel); an unknown figure (NaN: unreadable) stays unknown."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def _clean(value: float) -> float | None:
    """A derived value: None when blank (a rate over a zero base), NaN when unknown."""
    if value is None:
        return None
    return value if math.isnan(value) else round(value, 10)


@lru_cache(maxsize=64)
def _grid_order(block) -> tuple:
    """The grid's derived cells in an order where each comes after the cells it uses."""
    rules = {(r.key, c.key): block.cell_rule(r, c) for r in block.rows for c in block.columns}
    rules = {k: v for k, v in rules.items() if v is not None and not v.blank}

    def uses(key, rule):
        rk, ck = key
        return [(k, ck) if rule.axis == "column" else (rk, k) for k in rule.formula.names]

    done: dict = {}
    visiting: set = set()

    def visit(key):
        if key in done or key not in rules:
            return
        if key in visiting:
            raise ValueError(f"表格公式循环引用：{key}")
        visiting.add(key)
        for dep in uses(key, rules[key]):
            visit(dep)
        visiting.discard(key)
        done[key] = rules[key]

    for key in rules:
        visit(key)
    return tuple(done.items())


def derive(profile: Profile, inputs: dict[str, object], items: dict[str, dict[str, list]]):
    """Derived values by defined name.

    ``inputs`` maps input names to parsed numbers (or None); ``items`` maps an open list's key
    to its columns' parsed values.
    """
    out: dict[str, object] = {}
    for block in profile.blocks("grid"):
        cell = {
            (r.key, c.key): _num(inputs.get(grid_name(block, r.key, c.key)))
            for r in block.rows
            for c in block.columns
        }
        for (rk, ck), rule in _grid_order(block):
            along = {k: cell[(k, ck)] for k in rule.formula.names} if rule.axis == "column" \
                else {k: cell[(rk, k)] for k in rule.formula.names}
            cell[(rk, ck)] = rule.formula.evaluate(along)
        rules = dict(_grid_order(block))
        for (rk, ck) in rules:
            out[grid_name(block, rk, ck)] = _clean(cell[(rk, ck)])
    for block in profile.blocks("list"):
        columns = items.get(block.key, {})
        for c in block.columns:
            if c.sum and block.total:
                out[list_name(block, f"total_{c.key}")] = _clean(
                    math.fsum(_num(v) for v in columns.get(c.key, []))
                )
    tree = profile.tree
    score = tree.score_column
    leaves = [inputs.get(tree_name(score, i)) for i in tree.leaves]

    def rollup(ind) -> float:
        if ind.is_leaf:
            return _num(inputs.get(tree_name(score, ind)))
        value = math.fsum(rollup(c) for c in ind.children)
        out[tree_name(score, ind)] = _clean(value)
        return value

    total = math.fsum(rollup(r) for r in tree.roots)
    for add in tree.total_adds:  # e.g. the national table's 执行率 score, outside the tree
        total += _num(out.get(add["name"], inputs.get(add["name"])))
    out[tree_name(score, "total")] = _clean(total)
    any_score = any(isinstance(v, int | float) and not math.isnan(v) for v in leaves)
    out["grade"] = profile.grade_for(round(total, 10)) if any_score and not math.isnan(total) else None
    return out
