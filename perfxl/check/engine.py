"""The rule engine: the settings, and one pass of every rule over many workbooks.

Rules live in :mod:`perfxl.check.rules`, one small function each, registered with
:func:`perfxl.check.catalogue.rule`; the docstring is the rule's page (what it checks, why it
matters, how to fix it).  A rule receives a :class:`Context` that holds every cell of every
workbook being checked (one profile at a time), so the county summary checks hundreds of
workbooks with one pass per rule rather than one per file.  Rules pick their cells with
:meth:`Context.mask` (``ctx.mask(kind="derived", type="score")``) and read them with
:meth:`Context.array`, :meth:`Context.numbers` and ``rules.common.rows_at``: the cells' columns
are arrays made once per check and shared (:class:`Cells`), so a rule with nothing to do costs
microseconds and one workbook alone is checked in a few milliseconds, not the fifty that a
pandas comparison, ``loc`` and ``groupby`` in each of sixty rules cost.  ``ctx.cells`` is the same
cells as a pandas frame, made (and pandas imported) only if a rule asks for it: validating
imports no pandas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace

import numpy as np

from perfxl.findings import Finding, show, sort_findings  # noqa: F401 (show: the rules' view)
from perfxl.form.profile import Profile
from perfxl.lazy import module
from perfxl.read.workbook import RECORD_COLUMNS, Report, cell_arrays, cells_frame

from .catalogue import GROUPS, REGISTRY, Rule, catalogue, rule  # noqa: F401 (the engine's API)

pd = module("pandas")  # only for a frame a caller gives or a rule asks for


@dataclass
class Settings:
    """Everything a finance office may tune, with the defaults a careful reviewer uses."""

    select: list[str] = field(default_factory=list)  # code prefixes; empty = all
    ignore: list[str] = field(default_factory=list)  # code prefixes; ignore wins
    severity: dict[str, str] = field(default_factory=dict)  # code → error/warning/info
    money_tolerance: float = 0.01  # 元: money is shown to the fen
    rate_tolerance: float = 0.0001  # 0.01 percentage point: rates are shown to 2 decimals
    score_tolerance: float = 0.005
    full_marks_rate: float = 0.99  # below this rate a full mark on its indicator is doubtful
    amount_tolerance: float = 1.0  # 元: an amount named in a text may be rounded to the yuan
    placeholders: list[str] = field(
        default_factory=lambda: ["无", "暂无", "没有", "无问题", "/", "／", "-", "—", "－", "*", "…"]
    )
    lang: str = "zh"

    @classmethod
    def names(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    def enabled(self, code: str) -> bool:
        chosen = not self.select or any(code.startswith(p) for p in self.select)
        return chosen and not any(code.startswith(p) for p in self.ignore)


class Cells:
    """Every cell of some workbooks of one profile, as the reader gives them (RECORD_COLUMNS, the
    workbooks' cells one after another): as arrays for the rules (:func:`cell_arrays`), and as
    a pandas frame (CELL_COLUMNS + ``workbook``, :func:`cells_frame`) when that is asked for."""

    def __init__(self, profile: Profile, columns: list[list], paths: list[str], counts: list[int]):
        self.profile, self.columns = profile, columns
        names = sorted(set(paths))
        code = {p: i for i, p in enumerate(names)}
        self.workbook = (np.repeat(np.array([code[p] for p in paths], dtype=np.int64), counts), names)
        self._arrays: dict | None = None
        self._frame = None

    def __len__(self) -> int:
        return len(self.workbook[0])

    @property
    def arrays(self) -> dict[str, tuple[np.ndarray, list | None]]:
        if self._arrays is None:
            self._arrays = cell_arrays(self.profile, self.columns, self.workbook)
        return self._arrays

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            codes, names = self.workbook
            self._frame = cells_frame(self.profile, self.columns, pd.Categorical.from_codes(codes, pd.Index(names)))
        return self._frame


class Context:
    """What a rule sees: the profile, the settings, and every cell of every workbook (``cells``:
    :class:`Cells`, or a pandas frame of CELL_COLUMNS + ``workbook``)."""

    def __init__(self, profile: Profile, settings: Settings, cells, running: Rule | None = None,
                 readings: dict | None = None):
        self.profile, self.settings = profile, settings
        self.rule = running  # the rule running now
        self.readings = readings or {}  # workbook → its LabelReading, if typed by hand
        self._source = cells
        self._shared: dict = {}
        self._arrays: dict = {}  # column → its values as an array
        self._masks: dict = {}  # (column, values) → where the cells hold them

    @property
    def cells(self) -> pd.DataFrame:
        """The cells as a pandas frame (CELL_COLUMNS + ``workbook``), indexed 0…n-1."""
        got = self._arrays.get("frame")
        if got is None:
            got = self._source.frame if isinstance(self._source, Cells) else self._source
            index = got.index  # the cells are addressed by position
            if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
                got = got.reset_index(drop=True)
            self._arrays["frame"] = got
        return got

    def __len__(self) -> int:
        return len(self._source)

    def typed_by_hand(self) -> pd.Series:
        """Which cells are of workbooks typed by hand (read by their labels: no template, so no
        formulas to keep), as a mask over the cells."""
        return pd.Series(self.mask(workbook=list(self.readings)), index=self.cells.index)

    # --- the cells as arrays -----------------------------------------------------------------
    # Most rules start by picking cells (the derived scores, the money typed as text…).  Done
    # with pandas (comparisons aligned on the index, ``loc``) that costs about a millisecond a
    # rule whatever the number of cells, which for one workbook is most of its check; the cells
    # do not change during a check, so each column is taken out once as a numpy array (a
    # category's codes) and the masks the rules ask for are shared.
    def mask(self, **where) -> np.ndarray:
        """Which cells hold the given values, as a boolean array over the cells:
        ``ctx.mask(kind="derived", type="score")``; a list, tuple or set for any of several:
        ``ctx.mask(status=("blank", "na"))``."""
        out = np.ones(len(self), dtype=bool)
        for column, wanted in where.items():
            out &= self._holds(column, wanted)
        return out

    def _holds(self, column: str, wanted) -> np.ndarray:
        many = isinstance(wanted, list | tuple | set | frozenset)
        key = (column, frozenset(wanted) if many else wanted)
        hit = self._masks.get(key)
        if hit is None:
            values = list(wanted) if many else [wanted]
            array, categories = self.coded()[column]
            if categories is not None:  # compared by the codes
                position = self._positions(column, categories)
                found = [position[v] for v in values if v in position]
                hit = array == found[0] if len(found) == 1 else np.isin(array, found)
            else:
                hit = np.zeros(len(array), dtype=bool)
                for v in values:
                    hit |= array == v
            self._masks[key] = hit
        return hit

    def _positions(self, column: str, categories: list) -> dict:
        key = ("positions", column)
        if key not in self._arrays:
            self._arrays[key] = {v: i for i, v in enumerate(categories)}
        return self._arrays[key]

    def coded(self) -> dict[str, tuple[np.ndarray, list | None]]:
        """Every column of the cells as an array: a category's codes (-1 where missing) with its
        categories, else its values with None."""
        got = self._arrays.get("coded")
        if got is None:
            if isinstance(self._source, Cells):
                got = self._source.arrays
            else:  # a frame: its columns taken out
                got = {}
                for name, column in self.cells.items():
                    if isinstance(column.dtype, pd.CategoricalDtype):
                        got[name] = (column.array.codes, column.array.categories.tolist())
                    else:
                        got[name] = (column.to_numpy(), None)
            self._arrays["coded"] = got
        return got

    def array(self, column: str) -> np.ndarray:
        """A column of the cells as a numpy array (texts, values and categories as objects; a
        missing text NaN, as pandas has it)."""
        got = self._arrays.get(column)
        if got is None:
            got, categories = self.coded()[column]
            if categories is not None:  # code -1 (missing) takes the NaN put at the end
                got = np.array([*categories, math.nan], dtype=object)[got]
            self._arrays[column] = got
        return got

    def numbers(self, column: str = "value") -> np.ndarray:
        """The numbers of a column as floats; text, dates, blanks and booleans NaN (as
        :func:`perfxl.check.rules.common.numeric`)."""
        key = ("numbers", column)
        got = self._arrays.get(key)
        if got is None:
            got = self._arrays[key] = np.array(
                [v if type(v) in (float, int) else math.nan for v in self.array(column).tolist()], dtype=float)
        return got

    # --- selecting cells ---------------------------------------------------------------------
    def shared(self, derive: Callable[[Context], object]):
        """``derive(self)``, worked out once per check for all the rules that need it (e.g. the
        leaf scores with their explanations): the cells and settings do not change meanwhile."""
        if derive not in self._shared:
            self._shared[derive] = derive(self)
        return self._shared[derive]

    def workbooks(self) -> list[str]:
        """The workbooks being checked, by name (in order)."""
        codes, names = self.coded()["workbook"]
        return [names[code] for code in np.unique(codes).tolist() if code >= 0]

    def per_workbook(self, name: str, column: str = "value") -> pd.Series:
        """One named field's value (or other column) for each workbook, indexed by workbook."""
        at = np.flatnonzero(self.mask(name=name))
        workbooks = pd.Index(self.array("workbook")[at], dtype=object, name="workbook")
        return pd.Series(self.array(column)[at], index=workbooks, name=column)

    # --- making findings ---------------------------------------------------------------------
    def text(self, zh: str, en: str) -> str:
        return en if self.settings.lang == "en" else zh

    def finding(self, row, zh: str, en: str, *, expected="", actual="", hint_zh="",
                hint_en="", field_name: str | None = None) -> Finding:
        """A finding of the running rule about the cell described by ``row``."""
        assert self.rule is not None
        return Finding(
            workbook=row["workbook"], sheet=row["sheet"], cell=row["cell"],
            code=self.rule.code, name=self.rule.name, severity=self.rule.severity,
            message=self.text(zh, en), expected=str(expected), actual=str(actual),
            hint=self.text(hint_zh, hint_en), field=field_name if field_name is not None
            else row["name"], title=self.rule.summary(self.settings.lang),
        )


def batch_cells(reports: Iterable[Report]) -> dict[str, tuple[Profile, Cells]]:
    """Every report's cells, one :class:`Cells` per profile (its ``frame`` has a ``workbook``
    column)."""
    groups: dict[str, list[Report]] = {}
    for report in reports:
        groups.setdefault(report.profile.id, []).append(report)
    out = {}
    for pid, group in groups.items():
        counts = [len(r.columns[0]) for r in group]
        columns = [[None] * sum(counts) for _ in RECORD_COLUMNS]  # each filled in place, never grown
        at = 0
        for report, n in zip(group, counts, strict=True):
            for column, cells in zip(columns, report.columns, strict=True):
                column[at:at + n] = cells
            at += n
        out[pid] = (group[0].profile, Cells(group[0].profile, columns, [r.path for r in group], counts))
    return out


def run_rules(profile: Profile, cells, settings: Settings,
              readings: dict | None = None) -> Iterator[Finding]:
    """Every enabled rule over ``cells`` (:class:`Cells`, or a frame of CELL_COLUMNS +
    ``workbook``); ``readings`` maps each workbook typed by hand to how it was read by its labels
    (:class:`perfxl.read.labels.LabelReading`)."""
    ctx = Context(profile, settings, cells, readings=readings or {})
    for r in catalogue():
        if not settings.enabled(r.code):
            continue
        severity = settings.severity.get(r.code, r.severity)
        ctx.rule = r if severity == r.severity else replace(r, severity=severity)
        yield from r.func(ctx)


def check(reports: Iterable[Report], settings: Settings | None = None) -> list[Finding]:
    """Every finding over ``reports``, errors first within each workbook."""
    settings = settings or Settings()
    findings: list[Finding] = []
    reports = list(reports)
    readings = by_labels(reports)
    for profile, cells in batch_cells(reports).values():
        findings.extend(run_rules(profile, cells, settings, readings))
    return sort_findings(findings)


def by_labels(reports: Iterable[Report]) -> dict:
    """How each workbook typed by hand was read, by its path (the rest were templates)."""
    return {r.path: r.labels for r in reports if r.labels is not None}
