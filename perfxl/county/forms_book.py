"""The summary workbook's sheets for a county whose units used more than one form.

A county may receive the national table (cz-2020) from some departments, a provincial variant
from others and the Guangdong form from a few.  Their own figures do not line up (实际到位率 is
gd-2020's, 执行率's score cz-2020's), so 汇总表 and 部门汇总 show what every form has side by side
(COMMON_FIGURES: budget, spending, execution rate, score, grade, all in 元), 等次分布 shows each
form's grades by its own band names, and each form's own detail — its indicator list, or its own
funds figures — has a sheet of its own.  The book's helpers (:class:`perfxl.county.book._Book`)
do the writing; a county of one classic form never comes here.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from perfxl.form.layout import layout_for
from perfxl.form.profile import load_profile

from .book import EN as BOOK_EN
from .book import MUTED_NOTE, _counted, _duplicate, _num, _records, _s, _sum, _v
from .model import project_records

EN = {
    "表样": "Form", "预算数": "Budget", "执行数": "Spent", "执行率": "Execution rate",
    "自评等次分布（按表样）": "– Grades by form", "指标明细": "Indicators", "资金明细": "Figures",
    "表样明细": "– Detail of form", "表样 {id}：{name}": "Form {id}: {name}",
}


def _t(book, text: str) -> str:
    return EN.get(text, book.t(text)) if book.lang == "en" else text


def book_words(book, key: str) -> str:
    return BOOK_EN[key] if book.lang == "en" else MUTED_NOTE


def projects(book) -> None:
    """汇总表: one row per project, the figures every form has, printed as the one-form table is
    (备注 says why a row is not counted; the counts of findings and the file for the screen)."""
    columns = [("序号", "int"), ("部门", "text"), ("项目名称", "wrap"), (_t(book, "表样"), "center"),
               (_t(book, "预算数"), "money"), (_t(book, "执行数"), "money"), (_t(book, "执行率"), "rate"),
               ("自评得分", "score"), ("自评等次", "center"), ("备注", "remark"), ("错误", "int"),
               ("警告（未说明）", "int"), ("警告（已说明）", "int"), ("源文件", "link"), ("主要问题", "plain")]
    printed = 10
    records = book.project_records
    note_key = "excluded_en" if book.lang == "en" else "excluded"
    rows = []
    for i, rec in enumerate(records):
        note = _s(rec.get(note_key)) or _s(rec.get("excluded")) or _duplicate(rec, book.lang)
        rows.append([i + 1, _v(rec.get("department")), _v(rec.get("project")), _v(rec.get("profile")),
                     book.money(rec.get("budget_total")), book.money(rec.get("spent_total")),
                     *(_v(rec.get(k)) for k in ("execution_rate", "score_total", "grade")), note,
                     *(_v(rec.get(k)) for k in ("errors", "warnings_open", "warnings_explained", "path",
                                                "main_problem"))])
    counted = [_counted(rec.get("counted")) for rec in records]
    first, end = 3, 3 + len(rows)
    excluded = [first + i for i, ok in enumerate(counted) if not ok]
    s = {c: sum(_num(r[c]) for r, ok in zip(rows, counted, strict=True) if ok) for c in (4, 5, 10, 11, 12)}
    f = {c: _sum(xl_col_to_name(c), first, end - 1, excluded, s[c]) for c in s}
    total = ["", book.t("合计"), book.t("计入 {n} 个项目").format(n=sum(counted)), "", f[4], f[5],
             _v(book.c.totals.get("execution_rate")), _v(book.c.totals.get("mean_score")), "", "",
             f[10], f[11], f[12], "", ""]
    ws = book.sheet("汇总表")
    end = book.table(ws, "项目汇总表", columns, rows, variants=["" if ok else "muted" for ok in counted],
                     total=total, freeze_col=3, printed=printed)
    if excluded:
        book.note_rows(ws, end + 1, printed - 1, [book_words(book, "muted_note")])


def departments(book) -> None:
    """部门汇总: per department, the figures every form has; the rate from the summed money."""
    c = book.c
    columns = [("部门", "text"), ("项目数", "int"), (_t(book, "预算数"), "money"), (_t(book, "执行数"), "money"),
               (_t(book, "执行率"), "rate"), ("平均得分", "score"), ("错误数", "int"), ("排名", "int")]
    rows = [[_v(rec.get("department")), _v(rec.get("projects")), book.money(rec.get("budget_total")),
             book.money(rec.get("spent_total")),
             *(_v(rec.get(k)) for k in ("execution_rate", "mean_score", "errors", "rank"))]
            for rec in _records(c.departments)]
    first, end = 3, 3 + len(rows)
    s = {i: sum(_num(r[i]) for r in rows) for i in (1, 2, 3, 6)}
    f = {i: _sum(xl_col_to_name(i), first, end - 1, [], s[i]) for i in s}
    total = [book.t("合计"), f[1], f[2], f[3], _v(c.totals.get("execution_rate")), _v(c.totals.get("mean_score")),
             f[6], ""]
    ws = book.sheet("部门汇总")
    end = book.table(ws, "部门汇总表", columns, rows, total=total, freeze_col=1)
    book.note_rows(ws, end + 2, len(columns) - 1, book.counted_notes())


def grades(book) -> None:
    """等次分布, one sheet per form: each form's grades by its own band names (优秀/良好… and
    优/良/中/差 are not merged), as the one-form sheet shows them."""
    for form in book.c.profiles:
        book.grades(form)


def details(book) -> None:
    """One sheet per form: its indicator list (one row per indicator), or its own figures."""
    c = book.c
    for form in c.profiles:
        profile = load_profile(form["id"])
        if form["id"] in c.details:
            _indicator_sheet(book, profile, c.details[form["id"]])
        else:
            _figure_sheet(book, profile)


def _indicator_sheet(book, profile, frame) -> None:
    block = profile.blocks("indicators")[0]
    kinds = {"score": "score"}
    # One row per indicator (thousands in a county): the project names it, 汇总表 links its file.
    columns = [("序号", "int"), ("部门", "text"), ("项目名称", "wrap"),
               *((col.label, kinds.get(col.type, "wrap" if col.role in ("name", "reason") else "text"))
                 for col in block.columns)]
    # Column by column (a county's indicators are thousands of rows; to_dict per row costs more).
    values = [[_s(v) or None for v in frame[key].tolist()] if key in frame else [None] * len(frame)
              for key in ("department", "project")]
    for col in block.columns:
        listed = frame[col.key].tolist() if col.key in frame else [None] * len(frame)
        values.append([_cell(v, col.type) for v in listed])
    rows = [[i + 1, *cells] for i, cells in enumerate(zip(*values, strict=True))]
    name = f"{_t(book, '指标明细')}（{profile.id}）"
    book.table(book.wb.add_worksheet(name), f"{_t(book, '表样明细')} {profile.id}", columns, rows, freeze_col=3)


def _figure_sheet(book, profile) -> None:
    slots = {s.name: s for s in layout_for(profile).slots}
    seen, figures = set(), []
    for key, name in profile.figures.items():
        if name in slots and name not in seen:
            seen.add(name)
            slot = slots[name]
            kind = {"money": "money", "rate": "rate", "score": "score"}.get(slot.type, "center")
            figures.append((key, slot.label, kind))
    columns = [("序号", "int"), ("部门", "text"), ("项目名称", "wrap"), *((label, kind) for _, label, kind in figures),
               ("源文件", "link")]
    mine = [r for r in project_records(book.c) if r.get("profile") == profile.id]
    figures = [f for f in figures if not mine or f[0] in mine[0]]  # figures the summary carries
    columns = [("序号", "int"), ("部门", "text"), ("项目名称", "wrap"), *((label, kind) for _, label, kind in figures),
               ("源文件", "link")]
    rows = [[i + 1, _v(rec.get("department")), _v(rec.get("project")),
             *(book.money(rec.get(k)) if kind == "money" else _v(rec.get(k)) for k, _, kind in figures),
             _v(rec.get("path"))] for i, rec in enumerate(mine)]
    variants = ["" if _counted(rec.get("counted")) else "muted" for rec in mine]
    name = f"{_t(book, '资金明细')}（{profile.id}）"
    book.table(book.wb.add_worksheet(name), f"{_t(book, '表样明细')} {profile.id}", columns, rows,
               variants=variants, freeze_col=3)


def _cell(value, type_: str):
    value = _v(value)
    if type_ == "score":
        return value if isinstance(value, int | float) else _s(value) or None
    return _s(value) or None

