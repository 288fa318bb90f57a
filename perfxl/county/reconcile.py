"""Reconcile: the finance system's budget list against the projects that were submitted.

:func:`read_budget` reads the list (CSV in UTF-8 or GB18030, or a workbook) by its column
headers; :func:`reconcile` matches it to the counted projects by department + project name and
names every budgeted project with no submission, every submission not in the list, and every
budget that differs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pandas as pd

from perfxl.errors import PerfxlError

from .model import RECONCILE_COLUMNS


def name_key(text) -> str:
    """A name as it is matched (department, project, column header): NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


_BUDGET_HEADERS = {
    "department": ("部门", "单位", "预算单位", "主管部门", "department"),
    "project": ("项目", "项目名称", "project"),
    "approved": ("批复预算", "预算", "预算数", "金额", "预算金额", "年初预算", "approved", "budget"),
}


_WAN = re.compile(r"万元")


def read_budget(path: Path) -> pd.DataFrame:
    """The finance system's list of approved projects: department, project, approved budget, in
    元.  The header row may stand under a title (the first rows are searched for it); amounts are
    in 万元 where the amount's header or a line above the table says so (批复预算（万元）,
    单位：万元), else in 元 — an amount typed with its unit (47.82万元) is read as typed."""
    from perfxl.numbers import parse_money

    try:
        if path.suffix.lower() == ".csv":
            raw = None
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    raw = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False, header=None)
                    break
                except UnicodeDecodeError:
                    continue
            if raw is None:
                raise ValueError("无法识别文件编码")
        else:
            raw = pd.read_excel(path, dtype=str, engine="calamine", keep_default_na=False, header=None)
    except Exception as exc:
        raise PerfxlError(f"预算清单无法读取：{exc}", path=str(path),
                          message_en=f"cannot read the budget list: {exc}") from exc
    rows = raw.values.tolist()
    at = next((i for i, row in enumerate(rows[:10]) if _header_columns(row)), None)
    if at is None:
        head = [str(c) for c in rows[0] if str(c).strip()] if rows else []
        missing = next(names[0] for key, names in _BUDGET_HEADERS.items()
                       if not any(_matches(c, names) for c in head))
        raise PerfxlError(f"预算清单缺少“{missing}”列（现有列：{'、'.join(head)}）",
                          path=str(path), message_en=f"the budget list has no {missing} column")
    columns = _header_columns(rows[at])
    above = " ".join(str(c) for row in rows[:at] for c in row)
    per = 10_000 if _WAN.search(str(rows[at][columns["approved"]])) or _WAN.search(above) else 1
    frame = pd.DataFrame({key: [row[i] if i < len(row) else "" for row in rows[at + 1:]]
                          for key, i in columns.items()})[list(_BUDGET_HEADERS)]

    def amount(v):
        parsed = parse_money(v)
        if parsed.value is None or parsed.note:  # typed with its own unit (万元, 元): as typed
            return parsed.value
        return parsed.value * per

    frame["approved"] = frame["approved"].map(amount)
    frame = frame[frame["project"].map(lambda v: str(v).strip() != "")]
    return frame.reset_index(drop=True)


def _matches(cell, names) -> bool:
    key = name_key(cell)
    return key in names or any(n in key for n in names)


def _header_columns(row: list) -> dict[str, int]:
    """The department, project and amount columns of a header row ({} when it is none):
    exact names first, then a header containing one (批复预算（万元）)."""
    keys = [name_key(c) for c in row]
    out = {}
    for key, names in _BUDGET_HEADERS.items():
        found = next((i for i, k in enumerate(keys) if k in names and i not in out.values()), None)
        if found is None:
            found = next((i for i, k in enumerate(keys) if k and any(n in k for n in names)
                          and i not in out.values()), None)
        if found is None:
            return {}
        out[key] = found
    return out


def reconcile(counted: pd.DataFrame, approved: pd.DataFrame, tolerance: float = 0.01) -> pd.DataFrame:
    """Budgeted projects with no submission, submissions not in the list, budget differences."""
    left = approved.assign(_key=approved["department"].map(name_key) + "\x00" + approved["project"].map(name_key))
    right = counted.assign(_key=counted["department"].map(name_key) + "\x00" + counted["project"].map(name_key))
    merged = left.merge(right[["_key", "department", "project", "budget_total", "path"]], on="_key",
                        how="outer", suffixes=("_list", ""), indicator=True)
    rows = []
    for _, m in merged.iterrows():
        approved_v, submitted = m.get("approved"), m.get("budget_total")
        if m["_merge"] == "left_only":
            status = "未报送"
        elif m["_merge"] == "right_only":
            status = "不在预算清单"
        elif isinstance(approved_v, float) and isinstance(submitted, float) and \
                abs(approved_v - submitted) <= tolerance:
            status = "一致"
        else:
            status = "预算不一致"
        both = m["_merge"] == "both"
        rows.append({
            "department": m["department_list"] if m["_merge"] != "right_only" else m["department"],
            "project": m["project_list"] if m["_merge"] != "right_only" else m["project"],
            "approved": approved_v if m["_merge"] != "right_only" else None,
            "submitted": submitted if m["_merge"] != "left_only" else None,
            "difference": (submitted - approved_v) if both and _is_num(submitted) and _is_num(approved_v)
            else None,
            "status": status,
            "path": m["path"] if m["_merge"] != "left_only" else "",
        })
    order = {"预算不一致": 0, "未报送": 1, "不在预算清单": 2, "一致": 3}
    frame = pd.DataFrame(rows, columns=RECONCILE_COLUMNS)
    return frame.sort_values(["status", "department", "project"], key=lambda s: s.map(order)
                             if s.name == "status" else s, ignore_index=True)


def _is_num(v) -> bool:
    return isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v))
