"""The paragraphs a county finance office pastes into its own report, written from the numbers.

Four paragraphs: 基本情况 (what the summary covers), 自评结果 (grades and scores), 存在问题
(the most frequent findings, workbooks with errors, files not processed) and 整改建议 (what to
fix, tied to the top problems).  Money is given in 万元 and every rate with 2 decimals; the
execution rate is Σ spent ÷ Σ budget, never the mean of the project rates.  Works on a County
whose ``narrative`` is still empty, including one with no projects at all.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter

from .model import project_records

# rule code → (中文建议, English suggestion); a code not listed falls back to its letter, then GENERIC
SUGGESTIONS = {
    "P001": ("有失分的项目须在“存在问题及改进意见”中写明失分原因、存在问题和改进措施",
             "where points were lost, state the cause, the problem and the remedy"),
    "P002": ("扣分项须说明原因并列明问题，未评分的指标须注明是否适用及理由",
             "explain every deduction and say whether unscored indicators apply"),
    "P003": ("资金未全部到位或未支出完毕的，资金类指标应如实扣分并说明原因",
             "do not give full marks on funds indicators when funds were not fully in place or spent"),
    "P004": ("对照绩效目标逐项如实打分，避免“满分自评”使自评流于形式",
             "score each indicator against its target instead of giving full marks throughout"),
    "P005": ("“存在问题”不得只填“无”“/”等，应结合项目实际分析问题并提出改进措施",
             "describe real problems instead of writing 无 or /"),
    "P006": ("核对文字中提到的金额与资金表数据，确保前后一致",
             "make amounts named in the text agree with the funds table"),
    "P007": ("自评应在年度结束后开展，填报日期不得早于该年度 12 月 31 日",
             "evaluate after the fiscal year ends"),
    "P008": ("统一报告标题年份与资金安排年份", "make the title year match the funding year"),
    "D": ("支出明细各行之和应等于合计行，并与资金表实际支出一致",
          "make expenditure detail rows add up to the total and agree with the funds table"),
    "F": ("按表内公式核对资金结余、到位率、支出实现率等派生数及资金合计",
          "recompute balances, rates and fund totals as the form defines them"),
    "S": ("逐级核对得分：三级指标不超过分值，各级得分等于下级之和，自评等次与总分档次一致",
          "check scores level by level and make the grade match the total"),
    "T": ("补齐必填项，规范电话、日期、邮编格式，文字和条数控制在限额以内",
          "fill required fields, use valid phone numbers, dates and postcodes, keep text within limits"),
    "V001": ("使用统一下发的模板填报，不要覆盖或删除表内公式",
             "use the issued template and do not overwrite its formulas"),
    "V002": ("金额、比率、得分应填写为数字，不要夹带文字或单位",
             "type amounts, rates and scores as plain numbers"),
    "V003": ("修正表内 #REF!、#DIV/0! 等错误值", "fix error values such as #REF! and #DIV/0!"),
    "I": ("按年度指标值与实际完成值如实计分：未完成目标的按比例扣分并写明偏差原因，各项分值合计符合规定",
          "score each indicator against its target, deduct in proportion and explain shortfalls"),
    "I004": ("定量指标的实际完成值应填写实际数值和单位，不能只写“完成”“达标”",
             "give quantitative results as figures, not as 'done'"),
    "I007": ("按产出 50、效益 30、满意度 10 分配一级指标分值，确需调整的说明理由",
             "weight the first-level indicators 50/30/10 or explain why not"),
    "P015": ("预算执行率偏低或年中调整预算的，在原因栏写明原因", "explain a low execution rate or a budget change"),
    "P016": ("年底调减预算应有依据并说明，不能以调减预算提高执行率",
             "do not cut the budget at year end to make execution look complete"),
    "P017": ("预算执行率偏低或年中调整预算的，在原因栏写明原因", "explain a low execution rate or a budget change"),
    "P018": ("有失分的项目应写明存在问题，不能只写“无”", "where points were lost, write the problems down"),
    "T010": ("年度总体目标要写明任务、产出和效果，不能只写一个数字", "describe the year's goal in words"),
}
GENERIC = ("对照问题清单逐项核实、修改后重新报送", "check each finding in the list, correct it and resubmit")
NUMERALS = "一二三四五六七八九十"


def narrate(county, lang: str = "zh") -> list[str]:
    """The four paragraphs for the county report (Chinese, or short English with lang="en")."""
    f = _facts(county, lang)
    return _english(f) if lang == "en" else _chinese(f)


def rule_title(code: str, name: str = "", lang: str = "zh") -> str:
    """A rule in plain words (its one-line summary from the catalogue), else the name given."""
    from perfxl.check.engine import REGISTRY, catalogue

    if not REGISTRY:
        catalogue()
    found = REGISTRY.get(code)
    return (found.summary(lang) if found else "") or name or code


def suggestion(code: str, lang: str = "zh") -> str:
    pair = SUGGESTIONS.get(code) or SUGGESTIONS.get(code[:1]) or GENERIC
    return pair[1] if lang == "en" else pair[0]


# ---- the facts --------------------------------------------------------------------------
def _facts(county, lang: str) -> dict:
    totals = county.totals or {}
    rows = project_records(county)
    counted = [r for r in rows if _counted(r.get("counted"))]
    scores = [s for s in (_num(r.get("score_total")) for r in counted) if s is not None]

    def total(key, fallback):
        value = _num(totals.get(key))
        return fallback if value is None else value

    budget = total("budget_total", sum(_num(r.get("budget_total")) or 0.0 for r in counted))
    spent = total("spent_total", sum(_num(r.get("spent_total")) or 0.0 for r in counted))
    in_place = total("in_place_total", sum(_num(r.get("in_place_total")) or 0.0 for r in counted))
    grade_rows = _records(county.grades)
    grades = [(str(r.get("grade")), int(_num(r.get("projects")) or 0)) for r in grade_rows]
    forms = list(dict.fromkeys(str(r.get("profile")) for r in grade_rows if r.get("profile")))
    by_form = [(pid, [(str(r.get("grade")), int(_num(r.get("projects")) or 0)) for r in grade_rows
                      if r.get("profile") == pid]) for pid in forms] if len(forms) > 1 else []
    # A form without 实际到位 (the national table): the county's sum of it would say too little.
    in_place_known = not any(_num(r.get("in_place_total")) is None for r in counted)
    if not grades:
        grades = [(str(k), int(v)) for k, v in (totals.get("by_grade") or {}).items()]
    with_errors = sum(1 for r in rows if (_num(r.get("errors")) or 0) > 0)
    share = _num(totals.get("share_with_errors"))
    if share is None:
        share = with_errors / len(rows) if rows else 0.0
    top = [(_text(r.get("code")), rule_title(_text(r.get("code")), _text(r.get("name")), lang),
            int(_num(r.get("count")) or 0), int(_num(r.get("workbooks")) or 0))
           for r in _records(county.top_findings)]
    if not top and county.findings:
        counts = Counter((x.code, x.name) for x in county.findings)
        books = Counter((x.code, x.name) for x in {(y.workbook, y.code, y.name): y for y in county.findings}.values())
        top = [(c, rule_title(c, n, lang), k, books[(c, n)]) for (c, n), k in counts.most_common()]
    departments = [(str(r.get("department")), _num(r.get("mean_score"))) for r in _records(county.departments)]
    left_out = [(_text(r.get("project")) or _name(_text(r.get("path"))),
                 _text(r.get("excluded_en" if lang == "en" else "excluded"))
                 or (lang == "en" and _text(r.get("duplicate_en"))) or _text(r.get("duplicate")))
                for r in rows if not _counted(r.get("counted"))]
    return {
        "received": len(rows) + len(county.failures),
        "read": len(rows),
        "projects": int(total("projects", len(counted))),
        "duplicates": len(rows) - len(counted),
        "left_out": left_out,
        "departments": len(departments) or len({r.get("department") for r in counted}),
        "budget": budget, "in_place": in_place if in_place_known else None, "spent": spent,
        "by_form": [(pid, [(g, n) for g, n in bands if n]) for pid, bands in by_form],
        "rate": _num(totals.get("execution_rate")) if totals.get("execution_rate") is not None
        else (spent / budget if budget else None),
        "mean": total("mean_score", statistics.fmean(scores) if scores else None),
        "median": total("median_score", statistics.median(scores) if scores else None),
        "grades": [(g, n) for g, n in grades if n],
        "errors": sum(x.severity == "error" for x in county.findings),
        "warnings": sum(x.severity == "warning" and not x.explained for x in county.findings),
        "explained": sum(x.severity == "warning" and bool(x.explained) for x in county.findings),
        "with_errors": with_errors, "share": share, "top": top[:5],
        "failures": [x.path for x in county.failures],
        "ranked": sorted((d for d in departments if d[1] is not None), key=lambda d: -d[1]),
    }


# ---- Chinese ----------------------------------------------------------------------------
def _chinese(f: dict) -> list[str]:
    extra = ""
    if f["left_out"]:
        shown = "；".join(f"{name}（{why}）" for name, why in f["left_out"][:5])
        more = f"等 {len(f['left_out'])} 份" if len(f["left_out"]) > 5 else ""
        extra = f"另有 {len(f['left_out'])} 份已读取但未计入汇总：{shown}{more}。"
    if f["projects"]:
        rate = f"{_pct(f['rate'])}%" if f["rate"] is not None else "无法计算（预算安排为 0）"
        basic = (f"一、基本情况。本次共收到项目支出绩效自评表 {f['received']} 份，纳入汇总的有 "
                 f"{f['departments']} 个部门的 {f['projects']} 个项目。{extra}以下数字均按纳入汇总的 "
                 f"{f['projects']} 个项目计算：预算安排 {_wan(f['budget'])} 万元，"
                 f"{'' if f['in_place'] is None else '实际到位 ' + _wan(f['in_place']) + ' 万元，'}实际支出 "
                 f"{_wan(f['spent'])} 万元，按资金加权的预算执行率（Σ实际支出 ÷ Σ预算安排）为 {rate}。")
    else:
        basic = f"一、基本情况。本次共收到项目支出绩效自评表 {f['received']} 份，暂无可纳入汇总的项目。{extra}"

    graded = sum(n for _, n in f["grades"])
    if graded and f["by_form"]:  # several forms, each with its own band names
        parts = "；".join(f"{pid} 表样" + "，".join(f"{g} {n} 个" for g, n in bands) for pid, bands in f["by_form"])
        result = f"二、自评结果。从自评等次看（各表样的等次名称不同，分别统计），{parts}。"
    elif graded:
        parts = "，".join(f"{g} {n} 个（占 {_pct(n / graded)}%）" for g, n in f["grades"])
        result = f"二、自评结果。从自评等次看，{parts}。"
    else:
        result = "二、自评结果。暂无可统计的自评等次。"
    if f["mean"] is not None:
        result += f"项目平均得分 {_fix(f['mean'])} 分，中位数 {_fix(f['median'])} 分。"
    if len(f["ranked"]) >= 2:
        (hi, hs), (lo, ls) = f["ranked"][0], f["ranked"][-1]
        result += f"部门平均得分最高的是{hi}（{_fix(hs)} 分），最低的是{lo}（{_fix(ls)} 分）。"

    if f["errors"] or f["warnings"] or f["explained"]:
        problems = (f"三、存在问题。对已读取的 {f['read']} 份自评表（含未计入汇总的），审核共发现错误 "
                    f"{f['errors']} 处、待说明的警告 {f['warnings']} 处（另有 {f['explained']} 处警告已由单位"
                    f"说明）；{f['with_errors']} 份存在错误，占 {_pct(f['share'])}%。")
        if f["top"]:
            problems += "较为集中的问题有：" + "；".join(
                f"{name}（{code}）{count} 处，涉及 {books} 份" for code, name, count, books in f["top"]) + "。"
    else:
        problems = "三、存在问题。审核未发现错误或警告。"
    if f["failures"]:
        shown = "、".join(_name(p) for p in f["failures"][:3]) + ("等" if len(f["failures"]) > 3 else "")
        problems += f"另有 {len(f['failures'])} 份文件未能处理（{shown}），未纳入汇总。"

    advice = []
    for code, *_ in f["top"]:
        text = suggestion(code)
        if text not in advice:
            advice.append(text)
    if f["failures"]:
        advice.append("未能处理的文件须使用统一模板重新报送")
    if any(why.startswith("重复报送") for _, why in f["left_out"]):
        advice.append("同一项目只报送一份自评表，修改后的版本应替换原文件")
    advice.append(GENERIC[0] if advice else "继续按统一模板规范填报，如实开展绩效自评")
    items = "；".join(f"（{NUMERALS[i] if i < 10 else i + 1}）{a}" for i, a in enumerate(advice[:10]))
    return [basic, result, problems, f"四、整改建议。{items}。"]


# ---- English ----------------------------------------------------------------------------
def _english(f: dict) -> list[str]:
    rate = f"{_pct(f['rate'])}%" if f["rate"] is not None else "n/a"
    left = ""
    if f["left_out"]:
        left = f" {_n(len(f['left_out']), 'more workbook')} read but not counted: " + "; ".join(
            f"{name} ({why})" for name, why in f["left_out"][:5]) + ("; …" if len(f["left_out"]) > 5 else "") + "."
    in_place = "" if f["in_place"] is None else f"in place {_wan(f['in_place'])}, "
    basic = (f"Overview. {_n(f['received'], 'workbook')} received; {_n(f['projects'], 'project')} in "
             f"{_n(f['departments'], 'department')} counted.{left} Over the counted projects: budget "
             f"{_wan(f['budget'])}, {in_place}spent {_wan(f['spent'])} (10,000 yuan); "
             f"execution rate (Σ spent ÷ Σ budget) {rate}.")
    graded = sum(n for _, n in f["grades"])
    if graded and f["by_form"]:
        result = "Results. " + "; ".join(f"form {pid}: " + ", ".join(f"{g} {n}" for g, n in bands)
                                        for pid, bands in f["by_form"]) + "."
    else:
        result = "Results. " + ("; ".join(f"{g}: {n} ({_pct(n / graded)}%)" for g, n in f["grades"])
                               if graded else "No grades to count") + "."
    if f["mean"] is not None:
        result += f" Mean score {_fix(f['mean'])}, median {_fix(f['median'])}."
    problems = (f"Problems. Over the {_n(f['read'], 'workbook')} read: {_n(f['errors'], 'error')}, "
                f"{_n(f['warnings'], 'open warning')} ({f['explained']} explained); "
                f"{_n(f['with_errors'], 'workbook')} ({_pct(f['share'])}%) with errors.")
    if f["top"]:
        problems += " Most frequent: " + "; ".join(
            f"{code} {name.rstrip('.')} ({count} in {_n(books, 'workbook')})"
            for code, name, count, books in f["top"]) + "."
    if f["failures"]:
        problems += f" {_n(len(f['failures']), 'file')} could not be processed."
    advice = "; ".join(dict.fromkeys(suggestion(code, "en") for code, *_ in f["top"])) or GENERIC[1]
    return [basic, result, problems, f"Suggestions. {advice[:1].upper()}{advice[1:]}."]


def _n(count: int, noun: str) -> str:
    from perfxl.words import count as said

    return said(count, noun)


# ---- helpers ----------------------------------------------------------------------------
def _records(frame) -> list[dict]:
    return [] if frame is None or not len(frame) else frame.to_dict("records")


def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _counted(value) -> bool:
    return True if value is None or (isinstance(value, float) and math.isnan(value)) else bool(value)


def _wan(yuan: float) -> str:
    return f"{(yuan or 0.0) / 10000:.2f}"


def _pct(fraction) -> str:
    return f"{(fraction or 0.0) * 100:.2f}"


def _fix(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def _name(path: str) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]
