"""Form profiles: the form described as data, loaded and checked.

A profile (``perfxl/profiles/<id>.toml``) lists the sheets of a form and, in each, its blocks
(fields, long texts, a fixed grid such as the funds table, open lists such as the expenditure
detail, and the indicator tree).  Nothing about a particular province's form lives in code: the
template writer, the reader and the rules only walk these dataclasses.  Derived figures (a
grid's rates, a column's formula) are :class:`~perfxl.formula.Formula` expressions.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .formula import Formula

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FIELD_TYPES = {"text", "date", "phone", "year", "postcode", "money", "rate", "score", "number"}
BLOCK_KINDS = {"heading", "fields", "longtext", "grid", "list", "tree", "indicators"}
# What each column of an indicator list holds (``role``): the levels, the indicator, its target and
# result, its weight and score, the deviation reason, and where a variant has them, the nature
# (指标性质) and the unit (度量单位).
INDICATOR_ROLES = ("level1", "level2", "name", "nature", "unit", "target", "actual", "weight", "score",
                   "reason")
MONEY_UNITS = {"": 0, "元": 0, "万元": 4}  # the unit amounts are typed in on a block → power of ten


class ProfileError(ValueError):
    """A profile file that cannot describe a form; the message names the file and the cause."""


# --------------------------------------------------------------------------- profile model


@dataclass
class Field:
    """One fill-in or derived value with a fixed place: a cover line, a funds cell, a score."""

    key: str
    label: str
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    default: str | None = None
    hint: str | None = None
    same_as: str | None = None
    choices: list[str] = field(default_factory=list)


@dataclass
class Column:
    key: str
    label: str
    type: str = "text"
    formula: Formula | None = None
    span: int = 1
    sum: bool = False
    max_length: int | None = None
    explains: bool = False
    typed: bool = False  # the type was written out (a grid's text column: not the block's type)
    role: str = ""  # an indicator list's column: one of INDICATOR_ROLES
    natures: dict[str, str] = field(default_factory=dict)  # 指标性质 as written → nature
    hint: str | None = None


@dataclass
class Row:
    key: str
    label: str
    code: str = ""
    formula: Formula | None = None
    type: str | None = None


@dataclass(frozen=True)
class GridRule:
    """A derived grid cell: ``formula`` over the cells along ``axis`` ("row": the other columns
    of its row; "column": the other rows of its column); ``blank`` cells are not on the form."""

    formula: Formula | None
    axis: str = "row"
    blank: bool = False
    input: bool = False  # typed by the unit although its row or column has a formula


@dataclass
class Indicator:
    key: str
    label: str
    max: float
    parent: str | None = None
    children: list[Indicator] = field(default_factory=list)
    level: int = 1

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Grade:
    label: str
    min: float


@dataclass
class Band:
    """A qualitative indicator's completion (达成, 部分达成, 未达成): the share of its weight a
    score in this band may have, and the words a result states it with."""

    label: str
    low: float
    high: float
    words: list[str] = field(default_factory=list)


@dataclass
class Scoring:
    """How an indicator list is scored (``[scoring]``): every number a province sets is here.

    ``below`` is the most a positive or equal indicator earns when its result falls short of
    the target, ``over`` the most a reverse one earns when its result overruns; both are
    formulas over ``actual``, ``target`` and ``weight``.  ``bare`` is the nature of a target
    written as a bare number.  ``weights_total`` is what the indicators' 分值 add up to, and
    ``level1_weights`` what each 一级指标's do, where the form fixes them.
    """

    weights_total: float | None = None
    level1_weights: dict[str, float] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)  # 一级 → its 二级 labels
    bare: str = "positive"
    below: Formula | None = None
    equal_below: Formula | None = None
    over: Formula | None = None
    decimals: int = 2
    bands: list[Band] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)  # template text a unit must replace
    cost_level2: list[str] = field(default_factory=list)  # 二级 labels of cost indicators
    satisfaction_level1: list[str] = field(default_factory=list)
    hearsay: list[str] = field(default_factory=list)  # "no complaints" is not a survey
    far_beyond: float | None = None  # a result this share past its target wants a 偏差原因 (0.3: 30 %)

@dataclass(eq=False)  # hashed by identity: derived facts are cached per block
class Block:
    kind: str
    key: str = ""
    text: str = ""
    style: str = ""
    caption: str = ""
    labels: bool = True
    rows: list = field(default_factory=list)  # fields: list of key lists; grid: list[Row]
    fields: list[Field] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    type: str = "money"
    row_header: str = ""
    code_header: str = ""
    min_rows: int = 1
    max_rows: int | None = None
    total: str = ""
    number_header: str = ""
    explains: bool = False
    headers: list[str] = field(default_factory=list)
    rollup_headers: list[str] = field(default_factory=list)
    total_label: str = "合计"
    grade_label: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    cells: dict[tuple[str, str], GridRule] = field(default_factory=dict)
    total_adds: list[dict] = field(default_factory=list)  # tree: figures added to the total
    unit: str = ""  # the money unit the block is typed and printed in (元, 万元); figures stay in 元
    label_span: int = 1  # grid: sheet columns the row labels take
    row_height: float | None = None  # list, indicators: the height of an item row
    skeleton: list[dict] = field(default_factory=list)  # indicators: the rows the blank form prints
    merge_levels: bool = False  # indicators: the 一级/二级 labels merged down as printed

    def cell_rule(self, row: Row, column: Column) -> GridRule | None:
        """How a grid cell is made, or None for an input.

        A cell of its own in ``cells`` wins (a formula over its row's columns, a fixed value,
        or blank); then the row's formula (over the rows of its column: (5) = (3) − (4)); then
        the column's (over the columns of its row: 合计 = 上级 + 本级).
        """
        own = self.cells.get((row.key, column.key))
        if own is not None:
            return None if own.input else own
        if row.formula is not None:
            return GridRule(row.formula, "column")
        if column.formula is not None:
            return GridRule(column.formula, "row")
        return None

    def cell_type(self, row: Row, column: Column) -> str:
        if row.type:
            return row.type
        return column.type if column.type != "text" or column.typed else self.type

    @property
    def roots(self) -> list[Indicator]:
        return [i for i in self.indicators if i.parent is None]

    @property
    def leaves(self) -> list[Indicator]:
        return [i for i in self.indicators if i.is_leaf]

    def block_max(self, key: str) -> float:
        """The maximum of one indicator of this tree."""
        return next(i.max for i in self.indicators if i.key == key)

    @property
    def score_column(self) -> Column:
        if self.kind == "indicators":
            return self.role("score")
        return next(c for c in self.columns if c.type == "score")

    def role(self, role: str) -> Column | None:
        """An indicator list's column holding ``role`` (INDICATOR_ROLES), or None."""
        return next((c for c in self.columns if c.role == role), None)


@dataclass
class Sheet:
    key: str
    name: str
    widths: list[float]
    blocks: list[Block]

    @property
    def width(self) -> int:
        return len(self.widths)


@dataclass
class LabelHints:
    """How a workbook typed by hand in the printed form's layout is read by its labels (the
    ``[labels]`` table; every key optional): the share of the form's labels a workbook must
    hold to be taken for this form, other spellings of labels, instructions printed inside value
    cells (dropped from the value), the unit of amounts when the form declares none, and where
    a field's value is looked for beside its label."""

    threshold: float = 0.4
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # label → other spellings
    printed: list[str] = field(default_factory=list)  # e.g. "（公章）" before a department's name
    money_unit: str = "元"
    places: list[str] = field(default_factory=lambda: ["colon", "right"])  # colon | right | below
    # a field printed without a label of its own, found by the shape of the text it stands in
    # when its label is not there: field key → shapes such as "（{value}年度）"
    shapes: dict[str, list[str]] = field(default_factory=dict)
    unprinted: list[str] = field(default_factory=list)  # fields perfxl adds that the printed form lacks


LABEL_PLACES = {"colon", "right", "below"}
LABEL_MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}  # declared on a typed form


@dataclass(eq=False)
class Profile:
    id: str
    version: str
    name: str
    sheets: list[Sheet]
    grades: list[Grade]
    default_year: int
    default_county: str
    roles: dict[str, str]
    source: str = ""
    checks: dict = field(default_factory=dict)  # cross-table checks the rules read
    figures: dict[str, str] = field(default_factory=dict)  # key figure → defined name
    by_labels: LabelHints = field(default_factory=LabelHints)  # reading hand-typed workbooks
    purpose: str = ""  # what the form is for, in a sentence (perfxl profiles)
    basis: str = ""  # the document that sets the form out
    scoring: Scoring | None = None  # an indicator list's scoring ([scoring])

    def blocks(self, kind: str | None = None) -> list[Block]:
        return [b for s in self.sheets for b in s.blocks if kind is None or b.kind == kind]

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks() if b.key == key)

    @property
    def tree(self) -> Block:
        return self.blocks("tree")[0]

    @property
    def has_tree(self) -> bool:
        return bool(self.blocks("tree"))

    @property
    def scored(self) -> Block:
        """The block whose scores make the total: the fixed indicator tree or the unit's list."""
        return (self.blocks("tree") or self.blocks("indicators"))[0]

    @property
    def fields(self) -> dict[str, Field]:
        return {f.key: f for b in self.blocks() if b.kind in ("fields", "longtext") for f in b.fields}

    def grade_for(self, total: float) -> str | None:
        """The band of a total: half-open, so 89.5 is 良好 and 90 is 优秀."""
        if total is None or (isinstance(total, float) and math.isnan(total)):
            return None
        for grade in sorted(self.grades, key=lambda g: -g.min):
            if total >= grade.min:
                return grade.label
        return None


# --------------------------------------------------------------------------- loading


def profiles_dir() -> Path:
    return Path(__file__).parent / "profiles"


@lru_cache(maxsize=1)
def available_profiles() -> list[str]:
    """The ids of the profiles shipped with perfxl (read once: the folder is part of the install)."""
    return sorted(p.stem for p in profiles_dir().glob("*.toml"))


@lru_cache(maxsize=16)
def load_profile(name_or_path: str = "gd-2020") -> Profile:
    """Load a shipped profile by id, or a profile file by path, and check it."""
    path = Path(name_or_path)
    if not path.suffix:
        path = profiles_dir() / f"{name_or_path}.toml"
        if not path.exists():
            known = "、".join(available_profiles())
            raise ProfileError(f"未知的表样 {name_or_path!r}（可用：{known}）")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: 无法读取表样文件：{exc}") from exc
    try:
        profile = _build(data, str(path))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ProfileError):
            raise
        raise ProfileError(f"{path}: 表样格式错误：{exc}") from exc
    problems = check_profile(profile)
    if problems:
        raise ProfileError(f"{path}: 表样自相矛盾：\n  " + "\n  ".join(problems))
    return profile


def _formula(value) -> Formula | None:
    return Formula.parse(value) if value else None


def _build(data: dict, source: str) -> Profile:
    head = data["profile"]
    sheets = []
    for s in data["sheets"]:
        blocks = []
        for b in s.get("blocks", []):
            kind = b["kind"]
            if kind not in BLOCK_KINDS:
                raise ValueError(f"未知的区块类型 {kind!r}（可用：{sorted(BLOCK_KINDS)}）")
            block = Block(
                kind=kind,
                key=b.get("key", ""),
                text=b.get("text", ""),
                style=b.get("style", ""),
                caption=b.get("caption", ""),
                labels=b.get("labels", True),
                fields=[Field(**f) for f in b.get("fields", [])],
                columns=[
                    Column(**{**c, "formula": _formula(c.get("formula")), "typed": "type" in c})
                    for c in b.get("columns", [])
                ],
                type=b.get("type", "money"),
                row_header=b.get("row_header", ""),
                code_header=b.get("code_header", ""),
                min_rows=b.get("min_rows", 1),
                max_rows=b.get("max_rows"),
                total=b.get("total", ""),
                number_header=b.get("number_header", ""),
                explains=b.get("explains", False),
                headers=b.get("headers", []),
                rollup_headers=b.get("rollup_headers", []),
                total_label=b.get("total_label", "合计"),
                grade_label=b.get("grade_label", ""),
                indicators=[Indicator(**i) for i in b.get("indicators", [])],
                cells={(c["row"], c["column"]): _grid_cell(c) for c in b.get("cells", [])},
                total_adds=b.get("total_adds", []),
                unit=b.get("unit", ""),
                label_span=b.get("label_span", 1),
                row_height=b.get("row_height"),
                skeleton=b.get("skeleton", []),
                merge_levels=b.get("merge_levels", False),
            )
            if kind == "grid":
                block.rows = [Row(**{**r, "formula": _formula(r.get("formula"))}) for r in b["rows"]]
            elif kind == "fields":
                block.rows = b["rows"]
            if kind == "tree":
                _link_tree(block)
            blocks.append(block)
        sheets.append(Sheet(s["key"], s["name"], s["widths"], blocks))
    grades = [Grade(g["label"], float(g["min"])) for g in data.get("grades", [])]
    roles = {k[: -len("_field")]: v for k, v in head.items() if k.endswith("_field")}
    return Profile(
        id=head["id"],
        version=str(head["version"]),
        name=head["name"],
        sheets=sheets,
        grades=grades,
        default_year=int(head["default_year"]),
        default_county=head.get("default_county", ""),
        roles=roles,
        source=source,
        checks=data.get("checks", {}),
        figures=data.get("figures", {}),
        by_labels=LabelHints(**data.get("labels", {})),
        purpose=head.get("purpose", ""),
        basis=head.get("basis", ""),
        scoring=_scoring(data["scoring"]) if "scoring" in data else None,
    )


def _scoring(spec: dict) -> Scoring:
    known = {"weights_total", "level1_weights", "levels", "bare", "below", "equal_below", "over",
             "decimals", "bands", "instructions", "cost_level2", "satisfaction_level1", "hearsay",
             "far_beyond"}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"scoring 中有未知的键 {sorted(unknown)}")
    below = _formula(spec.get("below"))
    return Scoring(
        weights_total=float(spec["weights_total"]) if "weights_total" in spec else None,
        level1_weights={k: float(v) for k, v in spec.get("level1_weights", {}).items()},
        levels={k: list(v) for k, v in spec.get("levels", {}).items()},
        bare=spec.get("bare", "positive"),
        below=below,
        equal_below=_formula(spec.get("equal_below")) or below,
        over=_formula(spec.get("over")),
        decimals=int(spec.get("decimals", 2)),
        bands=[Band(b["label"], float(b["low"]), float(b["high"]), list(b.get("words", [])))
               for b in spec.get("bands", [])],
        instructions=list(spec.get("instructions", [])),
        cost_level2=list(spec.get("cost_level2", [])),
        satisfaction_level1=list(spec.get("satisfaction_level1", [])),
        hearsay=list(spec.get("hearsay", [])),
        far_beyond=float(spec["far_beyond"]) if "far_beyond" in spec else None,
    )


def _grid_cell(spec: dict) -> GridRule:
    if spec.get("input"):
        return GridRule(None, input=True)
    if spec.get("blank"):
        return GridRule(None, blank=True)
    if "value" in spec:
        return GridRule(Formula.parse(repr(float(spec["value"]))))
    return GridRule(Formula.parse(spec["formula"]), spec.get("axis", "row"))


def _link_tree(block: Block) -> None:
    by_key = {i.key: i for i in block.indicators}
    for ind in block.indicators:
        if ind.parent is not None:
            if ind.parent not in by_key:
                raise ValueError(f"指标 {ind.key} 的上级 {ind.parent!r} 不存在")
            by_key[ind.parent].children.append(ind)
    for ind in block.indicators:
        depth, node = 1, ind
        while node.parent is not None:
            node, depth = by_key[node.parent], depth + 1
            if depth > len(block.indicators):
                raise ValueError(f"指标 {ind.key} 的上级关系成环")
        ind.level = depth


def check_profile(profile: Profile) -> list[str]:
    """Every way a profile can contradict itself, as readable sentences (empty when sound)."""
    problems: list[str] = []
    keys: dict[str, str] = {}

    def claim(key: str, where: str) -> None:
        if key in keys:
            problems.append(f"键 {key!r} 重复（{keys[key]} 与 {where}）")
        keys[key] = where

    for sheet in profile.sheets:
        for block in sheet.blocks:
            where = f"工作表“{sheet.name}”的 {block.kind} 区块"
            for f in block.fields:
                claim(f.key, where)
                if f.type not in FIELD_TYPES:
                    problems.append(f"字段 {f.key} 的类型 {f.type!r} 未知")
            if block.kind == "fields":
                listed = [k for row in block.rows for k in row]
                declared = [f.key for f in block.fields]
                if sorted(listed) != sorted(declared):
                    problems.append(f"{where}：rows 所列字段与已声明字段不一致")
                problems += [
                    f"{where}：一行 {len(row)} 个字段无法均分 {sheet.width} 列"
                    for row in block.rows
                    if sheet.width % len(row) or sheet.width // len(row) < (2 if block.labels else 1)
                ]
            if block.kind in ("grid", "list", "tree"):
                claim(block.key, where)
            if block.kind == "grid":
                problems += _check_grid(block, sheet, where)
            if block.kind == "list":
                span = sum(c.span for c in block.columns) + 1
                if span != sheet.width:
                    what = "标题列" if block.caption else "序号列"
                    problems.append(f"{where}：{what}加各列共 {span} 列，与表宽 {sheet.width} 不符")
            if block.kind == "tree":
                problems += _check_tree(block, sheet, where)
            if block.kind == "indicators":
                claim(block.key, where)
                problems += _check_indicators(block, sheet, where, profile)
            if block.kind in ("grid", "list", "indicators") and block.unit and block.unit not in MONEY_UNITS:
                problems.append(f"{where}：金额单位 {block.unit!r} 未知（可用：元、万元）")
    for f in profile.fields.values():
        if f.same_as and f.same_as not in profile.fields:
            problems.append(f"字段 {f.key} 的 same_as {f.same_as!r} 不存在")
    for role, key in profile.roles.items():
        if key not in profile.fields:
            problems.append(f"profile.{role}_field 指向不存在的字段 {key!r}")
    problems += _check_grades(profile.grades)
    problems += _check_label_hints(profile.by_labels)
    for key in [*profile.by_labels.shapes, *profile.by_labels.unprinted]:
        if key not in profile.fields:
            problems.append(f"labels 中提到的字段 {key!r} 不存在")
    if len(profile.blocks("tree")) + len(profile.blocks("indicators")) != 1:
        problems.append("表样必须恰有一个指标树（tree）或指标表（indicators）区块")
    if profile.blocks("indicators") and (profile.scoring is None or profile.scoring.below is None):
        problems.append("有指标表（indicators）的表样须有评分规则（[scoring]，"
                        "至少有 below：正向指标未达标时的得分公式）")
    if profile.scoring is not None:
        problems += _check_scoring(profile.scoring, profile)
    return problems


def _check_grid(block: Block, sheet: Sheet, where: str) -> list[str]:
    problems = []
    width = block.label_span + bool(block.caption) + bool(block.code_header) + sum(c.span for c in block.columns)
    if width != sheet.width:
        problems.append(f"{where}：表格共 {width} 列，与表宽 {sheet.width} 不符")
    row_keys = {r.key for r in block.rows}
    col_keys = {c.key for c in block.columns}
    for r in block.rows:
        if r.formula and not r.formula.names <= row_keys:
            problems.append(f"{where}：行 {r.key} 的公式引用了不存在的行 {r.formula.names - row_keys}")
    for c in block.columns:
        if c.formula and not c.formula.names <= col_keys:
            problems.append(f"{where}：列 {c.key} 的公式引用了不存在的列 {c.formula.names - col_keys}")
    for (r, c), rule in block.cells.items():
        if r not in row_keys or c not in col_keys:
            problems.append(f"{where}：单元格 ({r}, {c}) 不在表中")
        elif rule.formula is not None:
            keys = col_keys if rule.axis == "row" else row_keys
            if not rule.formula.names <= keys:
                problems.append(f"{where}：单元格 ({r}, {c}) 的公式引用了不存在的键 {rule.formula.names - keys}")
    return problems


def _check_tree(block: Block, sheet: Sheet, where: str) -> list[str]:
    problems = []
    if not any(c.type == "score" for c in block.columns):
        problems.append(f"{where}：指标树缺少得分列（type = \"score\"）")
    width = len(block.headers) + len(block.columns) + len(block.rollup_headers)
    if width != sheet.width:
        problems.append(f"{where}：指标树共 {width} 列，与表宽 {sheet.width} 不符")
    for ind in block.indicators:
        if ind.max < 0:
            problems.append(f"指标 {ind.label} 的分值为负")
        if ind.children:
            total = sum(c.max for c in ind.children)
            if not math.isclose(total, ind.max, abs_tol=1e-9):
                names = "、".join(f"{c.label}{c.max:g}" for c in ind.children)
                problems.append(
                    f"指标 {ind.label}（{ind.max:g} 分）的下级分值合计 {total:g} 分（{names}）"
                )
        if ind.level > len(block.headers):
            problems.append(f"指标 {ind.label} 的层级 {ind.level} 超出表头 {len(block.headers)} 级")
        if ind.is_leaf and ind.level == 1:
            problems.append(f"一级指标 {ind.label} 没有下级指标")
    adds = sum(float(a.get("max", 0)) for a in block.total_adds)
    total = sum(i.max for i in block.leaves) + adds
    if not math.isclose(total, 100, abs_tol=1e-9):
        extra = f"（另加 {adds:g} 分）" if adds else ""
        problems.append(f"全部末级指标分值合计 {total - adds:g} 分{extra}，应为 100 分")
    return problems


def _check_label_hints(hints: LabelHints) -> list[str]:
    problems = []
    if not 0 < hints.threshold <= 1:
        problems.append(f"labels.threshold 应在 0 与 1 之间（现为 {hints.threshold}）")
    if hints.money_unit not in LABEL_MONEY_UNITS:
        problems.append(f"labels.money_unit {hints.money_unit!r} 未知（可用：{'、'.join(LABEL_MONEY_UNITS)}）")
    unknown = [p for p in hints.places if p not in LABEL_PLACES]
    if unknown or not hints.places:
        problems.append(f"labels.places {hints.places!r} 无效（可用：{'、'.join(sorted(LABEL_PLACES))}）")
    for label, others in hints.synonyms.items():
        if not isinstance(others, list) or not all(isinstance(o, str) for o in others):
            problems.append(f"labels.synonyms 中“{label}”的其他写法应为文字列表")
    for key, shapes in hints.shapes.items():
        if not isinstance(shapes, list) or not all(isinstance(s, str) and s.count("{value}") == 1 for s in shapes):
            problems.append(f"labels.shapes 中“{key}”应为文字列表，每项恰含一个 {{value}}")
    return problems


def _check_indicators(block: Block, sheet: Sheet, where: str, profile: Profile) -> list[str]:
    problems = []
    roles = [c.role for c in block.columns]
    for c in block.columns:
        if c.role not in INDICATOR_ROLES:
            problems.append(f"{where}：列 {c.key} 的 role {c.role!r} 未知（可用：{'、'.join(INDICATOR_ROLES)}）")
    for role in ("name", "target", "actual", "weight", "score"):
        if roles.count(role) != 1:
            problems.append(f"{where}：指标表须恰有一列 role = {role!r}")
    for role in ("weight", "score"):
        column = block.role(role)
        if column is not None and column.type != "score":
            problems.append(f"{where}：{column.label} 列的类型应为 score")
    width = bool(block.caption) + sum(c.span for c in block.columns)
    if width != sheet.width:
        problems.append(f"{where}：指标表共 {width} 列，与表宽 {sheet.width} 不符")
    keys = {c.key for c in block.columns}
    for row in block.skeleton:
        extra = set(row) - keys - {"rows"}
        if extra:
            problems.append(f"{where}：skeleton 行中有不是列的键 {sorted(extra)}")
    for add in block.total_adds:
        if "name" not in add:
            problems.append(f"{where}：total_adds 的每项须有 name（加入总分的得分）")
    return problems


def _check_scoring(scoring: Scoring, profile: Profile) -> list[str]:
    problems = []
    allowed = {"actual", "target", "weight"}
    for name, formula in (("below", scoring.below), ("equal_below", scoring.equal_below),
                          ("over", scoring.over)):
        if formula is not None and not formula.names <= allowed:
            problems.append(f"scoring.{name} 只能用 actual、target、weight：{formula.text!r}")
    if scoring.bare not in ("positive", "reverse", "equal"):
        problems.append(f"scoring.bare {scoring.bare!r} 应为 positive、reverse 或 equal")
    for band in scoring.bands:
        if not 0 <= band.low <= band.high <= 1:
            problems.append(f"定性档次 {band.label} 的范围 {band.low:g}–{band.high:g} 应在 0 至 1 之间")
    if scoring.bands and (min(b.low for b in scoring.bands) != 0 or max(b.high for b in scoring.bands) != 1):
        problems.append("定性档次须覆盖 0 至 1（分值的 0% 至 100%）")
    if scoring.level1_weights and scoring.weights_total is not None:
        total = sum(scoring.level1_weights.values())
        if not math.isclose(total, scoring.weights_total, abs_tol=1e-9):
            problems.append(f"一级指标分值合计 {total:g}，与指标分值合计 {scoring.weights_total:g} 不符")
    blocks = profile.blocks("indicators")
    if blocks and scoring.weights_total is not None:
        adds = sum(float(a.get("max", 0)) for a in blocks[0].total_adds)
        if not math.isclose(scoring.weights_total + adds, 100, abs_tol=1e-9):
            problems.append(f"指标分值合计 {scoring.weights_total:g} 分加 {adds:g} 分，应为 100 分")
    return problems


def _check_grades(grades: list[Grade]) -> list[str]:
    if not grades:
        return ["表样没有等次（grades）"]
    mins = sorted(g.min for g in grades)
    problems = []
    if mins[0] != 0:
        problems.append(f"等次未覆盖 0 分：最低的下限是 {mins[0]:g}")
    if mins[-1] > 100:
        problems.append(f"等次下限 {mins[-1]:g} 超过 100 分")
    if len(set(mins)) != len(mins):
        problems.append("两个等次的下限相同")
    return problems
