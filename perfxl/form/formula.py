"""Formula: the small expression language of derived figures, compiled to Excel and evaluated.

A profile writes a derived figure over the keys of one table as ``in_place / invested`` or
``min(rate * weight, weight)``: keys, numbers, ``+ - * /``, ``min()`` and ``max()``, nothing
else.  :class:`Formula` checks the text once, writes it into the template as an Excel formula
(a division over a zero base shows blank, never ``#DIV/0!``), and evaluates it over plain
floats or whole numpy/pandas columns (missing → NaN, x ÷ 0 → NaN).
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from functools import cached_property

from perfxl.lazy import module
from perfxl.numbers import sheet_number

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_EXCEL_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
np = module("numpy")  # whole columns only (a county's rates): one workbook's floats need none
_FUNCS = {"min": ("minimum", "MIN"), "max": ("maximum", "MAX")}  # numpy's: NaN (unknown) stays unknown


@dataclass(frozen=True)
class Formula:
    """A derived figure over the keys of one table: ``in_place / invested``.

    The same expression is written into the template as an Excel formula and evaluated by the
    reader over plain floats or whole pandas columns (missing → NaN, x ÷ 0 → NaN).
    """

    text: str
    tree: ast.expr = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> Formula:
        try:
            node = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise ValueError(f"公式无法解析：{text!r}") from exc
        for sub in ast.walk(node):
            ok = isinstance(
                sub,
                ast.BinOp | ast.UnaryOp | ast.Name | ast.Constant | ast.Call | ast.Load
                | ast.operator | ast.unaryop,
            )
            if not ok or (isinstance(sub, ast.Constant) and not isinstance(sub.value, int | float)):
                raise ValueError(f"公式只能使用键名、数字、+ - * /、min()、max()：{text!r}")
            if isinstance(sub, ast.BinOp) and type(sub.op) not in _EXCEL_OPS:
                raise ValueError(f"公式只能使用 + - * /：{text!r}")
            if isinstance(sub, ast.Call) and (
                not isinstance(sub.func, ast.Name) or sub.func.id not in _FUNCS
            ):
                raise ValueError(f"公式只能调用 min() 或 max()：{text!r}")
        return cls(text, node)

    @cached_property
    def names(self) -> set[str]:
        calls = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return {
            n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in calls
        }

    @cached_property
    def divides(self) -> bool:
        """Whether the figure can be blank: a division over a zero base shows blank."""
        return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(self.tree))

    def evaluate(self, values):
        """Evaluate over a mapping of key → float (or numpy/pandas column)."""
        if all(type(values[k]) in (float, int) or values[k] is None for k in self.names):
            return self.evaluate_floats(values)  # one workbook: plain floats, no numpy
        with np.errstate(divide="ignore", invalid="ignore"):
            result = self._eval(self.tree, values)
        if isinstance(result, float | int | np.floating):
            result = float(result)
            return math.nan if math.isinf(result) else result
        return np.where(np.isinf(result), np.nan, result)

    def evaluate_floats(self, values) -> float:
        """:meth:`evaluate` over plain floats (or None), which the caller vouches for."""
        result = self._compiled(values)
        return math.nan if math.isinf(result) else result

    def evaluate_sheet(self, values):
        """What the template's Excel formula computes, as a spreadsheet does, over cells that
        may hold text: ``values`` maps each key to a float, None (a blank cell), a str (a text
        cell, or the blank text a rate over a zero base shows) or a :class:`SheetError`.

        A text takes part in ``+ − ×`` only when it reads as a plain number
        (:func:`perfxl.numbers.sheet_number`), else the result is #VALUE!; a division is written
        ``IF(N(base)=0,"",…)`` and N() of a text is 0, so a text base shows blank; min() and max()
        skip texts and blanks of the cells they name.  Returns a float, "" or a SheetError."""
        try:
            if isinstance(self.tree, ast.Name):  # =A1: a blank shows 0, a text itself
                value = values[self.tree.id]
                return 0.0 if value is None else value
            return self._sheet(self.tree, values)
        except SheetError as exc:
            return exc

    def _sheet(self, node, values):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            return -_operand(self._sheet(node.operand, values))
        if isinstance(node, ast.Call):
            found = []
            for arg in node.args:
                value = self._sheet(arg, values)
                if isinstance(value, SheetError):
                    raise value
                if isinstance(arg, ast.Name):  # a cell named: texts and blanks are skipped
                    if isinstance(value, float | int) and not isinstance(value, bool):
                        found.append(float(value))
                else:  # a value computed: it must be a number
                    found.append(_operand(value))
            return (min if node.func.id == "min" else max)(found) if found else 0.0
        left, right = self._sheet(node.left, values), self._sheet(node.right, values)
        if isinstance(node.op, ast.Div):
            if _n(right) == 0:
                return ""
            return _operand(left) / _operand(right)
        return _BINOPS[type(node.op)](_operand(left), _operand(right))

    def _eval(self, node, values):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            value = values[node.id]
            return math.nan if value is None else value
        if isinstance(node, ast.UnaryOp):
            return -self._eval(node.operand, values)
        if isinstance(node, ast.Call):
            fn = getattr(np, _FUNCS[node.func.id][0])
            args = [self._eval(a, values) for a in node.args]
            out = args[0]
            for arg in args[1:]:
                out = fn(out, arg)
            return out
        left, right = self._eval(node.left, values), self._eval(node.right, values)
        if isinstance(node.op, ast.Div):
            return np.divide(left, right) if not _is_zero_scalar(right) else math.nan
        return _BINOPS[type(node.op)](left, right)

    @cached_property
    def _compiled(self):
        """The expression as a Python function of plain floats (unknown → NaN, x ÷ 0 → NaN)."""
        # Safe to compile: parse() admits only names, numbers, + - * / and min()/max().
        return eval(f"lambda v: {self._python(self.tree)}", dict(_SCALAR))

    def _python(self, node) -> str:
        if isinstance(node, ast.Constant):
            return repr(float(node.value))
        if isinstance(node, ast.Name):
            return f"_n(v[{node.id!r}])"
        if isinstance(node, ast.UnaryOp):
            return f"(-{self._python(node.operand)})"
        if isinstance(node, ast.Call):
            return f"_{node.func.id}({', '.join(self._python(a) for a in node.args)})"
        left, right = self._python(node.left), self._python(node.right)
        if isinstance(node.op, ast.Div):
            return f"_div({left}, {right})"
        return f"({left} {_EXCEL_OPS[type(node.op)]} {right})"

    def to_excel(self, refs: dict[str, str]) -> str:
        """The Excel formula, with each key replaced by its cell reference."""
        return "=" + self._excel(self.tree, refs)

    def _excel(self, node, refs) -> str:
        if isinstance(node, ast.Constant):
            return repr(node.value)
        if isinstance(node, ast.Name):
            return refs[node.id]
        if isinstance(node, ast.UnaryOp):
            return "-" + self._excel(node.operand, refs)
        if isinstance(node, ast.Call):
            args = ",".join(self._excel(a, refs) for a in node.args)
            return f"{_FUNCS[node.func.id][1]}({args})"
        left, right = self._excel(node.left, refs), self._excel(node.right, refs)
        if isinstance(node.op, ast.Div):
            # A rate over an empty or zero base is shown blank, never #DIV/0!.
            return f'IF(N({right})=0,"",{left}/{right})'
        return f"({left}{_EXCEL_OPS[type(node.op)]}{right})"


class SheetError(Exception):
    """An Excel error value a formula shows (#VALUE!), raised while it propagates."""

    def __init__(self, code: str = "#VALUE!"):
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return self.code


def _operand(value) -> float:
    """A cell's value as ``+ − × ÷`` take it: blank 0, a text only when it reads as a number."""
    if value is None:
        return 0.0
    if isinstance(value, SheetError):
        raise value
    if isinstance(value, str):
        number = sheet_number(value)
        if number is None:
            raise SheetError("#VALUE!")
        return number
    return float(value)


def _n(value) -> float:
    """Excel's N(): a number itself, a text or a blank 0, an error passed on."""
    if isinstance(value, SheetError):
        raise value
    if value is None or isinstance(value, str):
        return 0.0
    return float(value)


def _scalar_min(*args: float) -> float:
    return math.nan if any(math.isnan(a) for a in args) else min(args)


def _scalar_max(*args: float) -> float:
    return math.nan if any(math.isnan(a) for a in args) else max(args)


_SCALAR = {
    "_n": lambda x: math.nan if x is None else float(x),
    "_div": lambda a, b: math.nan if b == 0 else a / b,
    "_min": _scalar_min,
    "_max": _scalar_max,
    "__builtins__": {},
}


def _is_zero_scalar(value) -> bool:
    return isinstance(value, float | int) and value == 0
