"""Recompute every derived figure of a form from its inputs, the way the form defines them.

Used twice: the template writer stores these as the formulas' cached values, and the reader
recomputes them from what the unit typed (a formula's cached value is never trusted).
Blank inputs count as 0 in sums and differences, as in Excel; a rate over a zero or blank base
is blank (``None``), as the template's ``IF(N(base)=0,"",…)`` shows it.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .formula import SheetError
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
    grids, totals, roots, leaves, adds, total_name, listed = _plan(profile)
    out: dict[str, object] = {}
    for cells, steps, *_ in grids:
        cell = {key: _num(inputs.get(name)) for key, name in cells}
        for key, formula, along, _ in steps:  # every cell a float: _num's or a formula's
            cell[key] = formula.evaluate_floats({k: cell[at] for k, at in along})
        for key, _, _, name in steps:
            out[name] = _clean(cell[key])
    for block, column, name in totals:
        out[name] = _clean(math.fsum(_num(v) for v in items.get(block, {}).get(column, [])))

    def rollup(node) -> float:
        name, children = node
        if children is None:
            return _num(inputs.get(name))
        value = math.fsum(rollup(c) for c in children)
        out[name] = _clean(value)
        return value

    if listed is None:
        total = math.fsum(rollup(r) for r in roots)
        scores = list(map(inputs.get, leaves))
    else:  # the unit's own indicator list: Σ分值 and Σ得分 down its columns
        block, weight, score, weight_name, adds_max = listed
        columns = items.get(block, {})
        out[weight_name] = _clean(math.fsum(_num(v) for v in columns.get(weight, [])) + adds_max)
        scores = columns.get(score, [])
        total = math.fsum(_num(v) for v in scores)
    for add in adds:  # e.g. the national table's 执行率 score, outside the indicators
        total += _num(out.get(add, inputs.get(add)))
    out[total_name] = _clean(total)
    any_score = any(isinstance(v, int | float) and not math.isnan(v) for v in scores)
    out["grade"] = profile.grade_for(round(total, 10)) if any_score and not math.isnan(total) else None
    return out


@lru_cache(maxsize=16)
def _plan(profile: Profile) -> tuple:
    """What :func:`derive` computes, with every name worked out once per profile: each grid's
    inputs and its formulas in order, the list totals, the indicator tree as (name, children),
    the leaves, what is added to the total and the total's name."""
    grids = []
    for block in profile.blocks("grid"):
        cells = tuple(((r.key, c.key), grid_name(block, r.key, c.key)) for r in block.rows for c in block.columns)
        steps = tuple(
            ((rk, ck), rule.formula,
             tuple((k, (k, ck) if rule.axis == "column" else (rk, k)) for k in rule.formula.names),
             grid_name(block, rk, ck))
            for (rk, ck), rule in _grid_order(block))
        # a rate (a formula that divides) shows blank over a zero base; the formulas that use it
        # name it as N(cell) — counted as 0, as the template's Excel formulas do
        blankable = frozenset((rk, ck) for (rk, ck), rule in _grid_order(block) if rule.formula.divides)
        grids.append((cells, steps, blankable))
    totals = tuple((block.key, c.key, list_name(block, f"total_{c.key}"))
                   for block in profile.blocks("list") for c in block.columns if c.sum and block.total)
    scored = profile.scored
    score = scored.score_column
    adds = tuple(add["name"] for add in scored.total_adds)
    if scored.kind == "indicators":
        listed = (scored.key, scored.role("weight").key, score.key, list_name(scored, "total_weight"),
                  math.fsum(float(a.get("max", 0)) for a in scored.total_adds))
        return tuple(grids), totals, (), (), adds, tree_name(score, "total"), listed

    def node(ind):
        return tree_name(score, ind), None if ind.is_leaf else tuple(node(c) for c in ind.children)

    return (tuple(grids), totals, tuple(node(r) for r in scored.roots),
            tuple(tree_name(score, i) for i in scored.leaves), adds, tree_name(score, "total"), None)


def _as_n(value):
    """Excel's N() of a cell: a number itself, a blank or a text 0, an error passed on."""
    if value is None or isinstance(value, str):
        return 0.0
    return value


def derive_as_typed(profile: Profile, inputs: dict[str, object], items: dict[str, dict[str, list]]):
    """Derived values by defined name as the template's own formulas compute them in Excel from
    the cells as typed, a number typed as text included (the figures of the printed form).

    ``inputs`` maps input names to what their cells hold: a float, None (blank), a str (a text,
    perhaps a number typed as text) or a :class:`~perfxl.form.formula.SheetError`; ``items`` an
    open list's columns alike.  SUM skips every text, ``+ − ×`` take a text only when it reads as
    a plain number (else #VALUE!), a rate over a text base is blank (the template writes
    ``IF(N(base)=0,"",…)``).  Each value is a float, "" (blank text) or an error value such as
    "#VALUE!"; for cells that hold numbers only, the same floats as :func:`derive`.
    """
    grids, totals, roots, leaves, adds, total_name, listed = _plan(profile)
    out: dict[str, object] = {}
    computed: dict[str, object] = {}  # the grid's figures as computed, errors as errors (not their text)
    for cells, steps, blankable in grids:
        cell = {key: inputs.get(name) for key, name in cells}
        for key, formula, along, name in steps:
            cell[key] = computed[name] = formula.evaluate_sheet(
                {k: _as_n(cell[at]) if at in blankable else cell[at] for k, at in along})
            out[name] = _shown(cell[key])
    for block, column, name in totals:
        out[name] = _shown(_sheet_sum(items.get(block, {}).get(column, [])))

    def rollup(node):
        name, children = node
        if children is None:
            return inputs.get(name)
        value = _sheet_sum([rollup(c) for c in children])
        out[name] = _shown(value)
        return value

    if listed is None:
        total = _sheet_sum([rollup(r) for r in roots])
        scores = list(map(inputs.get, leaves))
    else:  # the unit's own indicator list: SUM down its 分值 and 得分 columns
        block, weight, score, weight_name, adds_max = listed
        columns = items.get(block, {})
        out[weight_name] = _shown(_sheet_add(_sheet_sum(columns.get(weight, [])), adds_max))
        scores = columns.get(score, [])
        total = _sheet_sum(scores)
    for add in adds:  # +N(the execution score): an error there is the total's error
        total = _sheet_add(total, computed.get(add, inputs.get(add)))
    out[total_name] = _shown(total)
    counted = sum(isinstance(v, float | int) and not isinstance(v, bool) for v in scores)
    if not counted:  # IF(COUNT(leaves)=0,"",…)
        out["grade"] = ""
    elif isinstance(total, SheetError):
        out["grade"] = str(total)
    else:
        bands = sorted(profile.grades, key=lambda g: -g.min)
        out["grade"] = next((g.label for g in bands[:-1] if total >= g.min), bands[-1].label)
    return out


def _sheet_sum(values) -> float | SheetError:
    """SUM over cells: numbers added, texts and blanks skipped, an error passed on."""
    numbers = []
    for v in values:
        if isinstance(v, SheetError):
            return v
        if isinstance(v, float | int) and not isinstance(v, bool) and not math.isnan(v):
            numbers.append(float(v))
    return math.fsum(numbers)


def _sheet_add(total, extra):
    """``total + N(extra)``, errors passed on."""
    if isinstance(total, SheetError):
        return total
    if isinstance(extra, SheetError):
        return extra
    return total + (float(extra) if isinstance(extra, float | int) and not isinstance(extra, bool) else 0.0)


def _shown(value) -> object:
    """A computed value as a cell shows it: a number rounded as :func:`derive` rounds, "" or the
    error's text."""
    if isinstance(value, SheetError):
        return str(value)
    return _clean(value) if isinstance(value, float) else value


@lru_cache(maxsize=16)
def formula_sources(profile: Profile) -> dict[str, frozenset[str]]:
    """For each derived figure, the input names its formula takes its value from, however
    indirectly (an open list's column is one name for all its rows)."""
    grids, totals, roots, leaves, adds, total_name, listed = _plan(profile)
    out: dict[str, frozenset[str]] = {}
    for cells, steps, *_ in grids:
        of = {key: frozenset({name}) for key, name in cells}
        for key, _, along, name in steps:
            of[key] = frozenset().union(*(of[at] for _, at in along))
            out[name] = of[key]
    for block, column, name in totals:
        out[name] = frozenset({list_name(block, column)})

    def rollup(node) -> frozenset[str]:
        name, children = node
        if children is None:
            return frozenset({name})
        got = frozenset().union(*(rollup(c) for c in children))
        out[name] = got
        return got

    if listed is None:
        total = frozenset().union(*(rollup(r) for r in roots))
    else:  # an indicator list: its 分值 and 得分 columns, each one name for all its rows
        block, weight, score, weight_name, _ = listed
        out[weight_name] = frozenset({list_name(block, weight)})
        total = frozenset({list_name(block, score)})
        leaves = (list_name(block, score),)
    for add in adds:
        total |= out.get(add, frozenset({add}))
    out[total_name] = total
    out["grade"] = total | frozenset(leaves)
    return out


@lru_cache(maxsize=16)
def formula_inputs(profile: Profile) -> frozenset[str]:
    """The input names some derived figure of the template is computed from."""
    return frozenset().union(*formula_sources(profile).values())
