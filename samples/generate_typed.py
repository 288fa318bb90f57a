"""A national-form workbook typed by hand (no template), for ``samples/typed/``.

The sample county's 住房和城乡建设局 did not use perfxl's template for one of its 2023 projects
funded from above: it typed the printed 项目支出绩效自评表 (财预〔2020〕10号) into a sheet of its own,
as units do — the year under the title as （2023年度）, 项目资金 in 万元 with the caption merged down
its side, the row labels merged across two columns, 执行率 and 得分 typed as text (``96.00%``), 其中：
当年财政拨款 for 本年, the 一级/二级 labels merged down their runs, 总分 and 自评等级 under the
分值 column, and the person who filled it in on a line at the bottom.  perfxl reads it by its
labels as the national form (cz-2020); one deliberate mistake is in it: 村道照明覆盖率 reached 93 %
of a ≥ 95 % target and still took its full 10 points (I002 at H14: at most 9.79).

Same inputs, same bytes (xlsxwriter, the document date fixed).

    python3 samples/generate.py        # writes it with every other sample
"""

from __future__ import annotations

from pathlib import Path

TYPED_NATIONAL_FILE = "乡村道路亮化工程项目（中央补助资金）（手工录入）.xlsx"
PROJECT = "乡村道路亮化工程项目（中央补助资金）"
DEPARTMENT = "示例县住房和城乡建设局"

WIDTHS = (10, 10, 14, 22, 14, 12, 8, 8, 16, 16)
# 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施
INDICATORS = [
    ("产出指标", "数量指标", "新建路灯数量", "≥600盏", "580盏", 20, 19.33, "2个村的线路施工未完成，已列入下年计划。"),
    ("", "", "村道照明覆盖率", "≥95%", "93%", 10, 10, ""),  # the deliberate mistake: at most 9.79
    ("", "质量指标", "工程验收合格率", "=100%", "100%", 10, 10, ""),
    ("", "时效指标", "完工时间", "2023年11月底前", "按期完成", 5, 5, ""),
    ("", "成本指标", "每盏路灯综合成本", "≤0.5万元", "0.49万元", 5, 5, ""),
    ("效益指标", "社会效益指标", "群众夜间出行安全", "明显改善", "达成", 20, 18, "个别路段照度偏低，下年调整灯具。"),
    ("", "可持续影响指标", "路灯管护机制", "长效运行", "基本达成", 10, 7, "管护经费尚未全部落实，已报县政府。"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "94%", 10, 10, ""),
]


def write_typed_national(out_dir: str | Path) -> Path:
    """The national form typed by hand into one sheet, as the printed form lays it out."""
    import xlsxwriter

    from perfxl.form.template import FIXED_DATE

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / TYPED_NATIONAL_FILE
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"author": DEPARTMENT, "created": FIXED_DATE})
    ws = wb.add_worksheet("自评表")
    cell = wb.add_format({"text_wrap": True, "valign": "vcenter", "font_size": 10, "border": 1})
    centre = wb.add_format({"text_wrap": True, "valign": "vcenter", "align": "center", "font_size": 10,
                            "border": 1})
    plain = wb.add_format({"valign": "vcenter", "font_size": 10})
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)

    def put(row: int, col: int, value, fmt=cell, *, to: tuple[int, int] | None = None):
        if to is not None and to != (row, col):
            ws.merge_range(row, col, to[0], to[1], value, fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        else:
            ws.write_string(row, col, value, fmt)

    put(0, 0, "项目支出绩效自评表", title, to=(0, 9))
    ws.set_row(0, 30)
    put(1, 0, "（2023年度）", wb.add_format({"align": "center", "font_size": 11}), to=(1, 9))
    put(2, 0, "项目名称", centre)
    put(2, 1, PROJECT, to=(2, 9))
    put(3, 0, "主管部门", centre)
    put(3, 1, DEPARTMENT, to=(3, 4))
    put(3, 5, "实施单位", centre)
    put(3, 6, "示例县市政设施服务中心", to=(3, 9))
    # 项目资金（万元）: the caption merged down its side, the row labels across two columns
    put(4, 0, "项目资金\n（万元）", centre, to=(8, 0))
    put(4, 1, "", centre, to=(4, 2))
    for col, text in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率"], start=3):
        put(4, col, text, centre)
    put(4, 8, "得分", centre, to=(4, 9))
    funds = [("年度资金总额", 320, 300, 288, 10, "96.00%", "9.6"),
             ("其中：当年财政拨款", 320, 300, 288, "", "", ""),
             ("上年结转资金", "", "", "", "", "", ""),
             ("其他资金", "", "", "", "", "", "")]
    for r, (label, *values) in enumerate(funds, start=5):
        put(r, 1, label, centre, to=(r, 2))
        for col, value in enumerate(values[:5], start=3):
            put(r, col, value)
        put(r, 8, values[5], to=(r, 9))
    put(9, 0, "年度总体目标", centre, to=(10, 0))
    put(9, 1, "预期目标", centre, to=(9, 4))
    put(9, 5, "实际完成情况", centre, to=(9, 9))
    put(10, 1, "新建路灯600盏，主要村道夜间照明覆盖率达到95%以上，群众夜间出行安全明显改善。", to=(10, 4))
    put(10, 5, "新建路灯580盏，村道照明覆盖率93%，群众满意度94%。", to=(10, 9))
    ws.set_row(10, 42)
    first = 12
    put(11, 0, "绩效指标", centre, to=(first + len(INDICATORS) - 1, 0))
    for col, text in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                               start=1):
        put(11, col, text, centre)
    put(11, 8, "偏差原因分析及改进措施", centre, to=(11, 9))
    for col in (0, 1):  # 一级 and 二级 merged down their runs, as printed
        runs: list[list[int]] = []
        for i, row in enumerate(INDICATORS):
            if row[col] or not runs:
                runs.append([i, i])
            else:
                runs[-1][1] = i
        for top, bottom in runs:
            put(first + top, col + 1, INDICATORS[top][col], centre, to=(first + bottom, col + 1))
    for i, (_, _, name, target, actual, weight, score, reason) in enumerate(INDICATORS):
        r = first + i
        for col, value in enumerate([name, target, actual, weight, score], start=3):
            put(r, col, value)
        put(r, 8, reason, to=(r, 9))
        if reason:
            ws.set_row(r, 28)
    total = first + len(INDICATORS)
    put(total, 0, "总分", centre, to=(total, 5))
    put(total, 6, 100)
    put(total, 7, 93.93)
    put(total, 8, "", to=(total, 9))
    put(total + 1, 0, "自评等级", centre, to=(total + 1, 5))
    put(total + 1, 6, "优", centre, to=(total + 1, 9))
    put(total + 3, 0, "填表人：周敏", plain, to=(total + 3, 3))
    put(total + 3, 4, "联系电话：0762-3123456", plain, to=(total + 3, 6))
    put(total + 3, 7, "填报日期：2024年2月20日", plain, to=(total + 3, 9))
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    wb.close()
    return path
