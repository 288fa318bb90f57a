"""Sample workbooks for perfxl: the seed report typed into the form, and a fictional county.

``python3 samples/generate.py`` writes, under ``samples/``:

* ``seed/和平县电子政务外网网络畅通服务项目.xlsx`` — the published 2020 report of 和平县
  (``../shared/seed``) typed into the gd-2020 form exactly as printed: every figure, score
  and explanation, blanks where the report has blanks.  Its names are public record.
* ``typed/和平县电子政务外网网络畅通服务项目（手工录入）.xlsx`` — the same report typed by hand
  into one sheet the way a unit does without perfxl's template: line by line as published
  (``项目名称：…`` on the cover, ``100. 60%`` as typed, the flattened indicator table); perfxl
  reads it by its labels.
* ``county/<部门>/<项目名称>.xlsx`` — the 2023 submissions of the fictional 示例县: clean
  workbooks (some typed the messy ways staff type that the form's formulas do not mind: a date
  as text, a phone number in parentheses, inserted detail rows), workbooks with deliberate
  mistakes covering the reviewer's checks (FORMS.md §4) — among them an amount typed as text
  (``193万元``), which Excel's SUM skips — and one project submitted twice.  The formulas'
  cached results are what Excel computes from the cells as typed.
* ``county/MANIFEST.json`` — for every county file, its department, project, whether it is
  clean, and its deliberate mistakes as ``{code, field, severity, expected}`` records.

Everything is drawn from :class:`random.Random` with a fixed seed and the writer fixes the
document dates, so two runs give the same bytes.  People are named by role only (财务股经办人,
项目负责人); phone numbers are made up but well formed.

``generate_county(out_dir, n_workbooks, seed)`` is the same county at any size, for benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# The samples are this checkout's: its perfxl writes them, not a copy installed elsewhere (an
# editable install of another worktree would write that tree's bytes here).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from perfxl.form.profile import load_profile
from perfxl.form.template import Fill, write_workbook

HERE = Path(__file__).resolve().parent
PROFILE_ID = "gd-2020"
COUNTY = "示例县"
YEAR = 2023

# ============================================================================ (a) the seed report

SEED_FILE = "和平县电子政务外网网络畅通服务项目.xlsx"
SEED_PROJECT = "和平县电子政务外网网络畅通服务项目"
SEED_DEPARTMENT = "和平县政务服务数据管理局"
SEED_UNIT_PROFILE = "\n".join((
    (
        "和平县政务服务数据管理局于2019年3月挂牌成立并投入运行，系县政府正科级组成部"
        "门，内设办公室、政务服务管理股、政务数据管理股、效能监督股4个职能股室。由于政府"
        "机构改革仍在进行中，原县行政服务中心和信息中心划转政数局后的机构设置问题还没具体"
        "明确，目前这两个中心仍按原模式保持运行，事业单位机构改革尚未开展。其中政务大厅共"
        "进驻单位37个，业务事项774项，设综合服务窗口9个(含受件、出件)，专业窗口9"
        "个(含收费、公积金)。主要职责是："
    ),
    (
        "(一)负责全县政务服务体系建设的协调和指导工作。负责统筹管理下属事业单位。"
    ),
    (
        "(二)贯彻落实上级有关政务服务工作政策法规。组织拟订全县政务服务和政务信息化相关"
        "政策、管理办法并组织实施。"
    ),
    (
        "(三)统筹推进全县“数字政府”改革建设，拟订建设规划和年度建设计划并组织实施。负"
        "责信息网络基础设施建设的规划、协调和管理，推进政务信息网络的资源共享和互联互通，"
        "统筹政务数据资源的采集、分类、管理、分析和应用工作。"
    ),
    (
        "(四)负责对县级政务信息化项目建设实施集约化管理。负责对县财政资金建设的政务信息"
        "系统项目立项审批，加强宏观管理和统筹协调。"
    ),
    (
        "(五)负责全县行政审批制度改革、审批服务便民化相关工作，组织实施全县政务服务事项"
        "目录管理和标准化建设。负责全县政务服务工作有关数据和情况的收集、汇总、上报。"
    ),
    (
        "(六)统筹协调县级部门业务应用系统建设，统筹管理政务云平台和电子政务外网，指导镇"
        "村两级和县直各单位网上政务应用和建设，促进电子信息技术普及应用。"
    ),
    (
        "(七)负责政务服务、电子政务标准体系建设和相关标准规范的制定，推进全县政务服务和"
        "电子政务标准化工作。"
    ),
    (
        "(八)统筹全县电子政务基础设施、信息系统、数据资源等安全保障工作。负责信息网络设"
        "施和运营体系建设的管理，并监督管理县级信息系统和数据库安全。"
    ),
    (
        "(九)负责全县政务服务效能监督工作。统筹推进全县政务服务体系建设，指导各镇公共服"
        "务中心及其管理的公共服务站开展工作。协调各镇和各部门，为企业群众提供优质服务。"
    ),
    (
        "(十)负责县级政务服务大厅的建设、运行、管理和监督考核，审查集中受理、办理政务服"
        "务事项的相关工作。对进入或者退出政务服务大厅集中受理、办理的部门和服务事项进行审"
        "核。"
    ),
    (
        "(十一)负责县12345政府服务热线的规划建设、运作管理和监督考核。"
    ),
    (
        "(十二)负责县公共资源交易、网上中介服务超市的监督和管理工作。"
    ),
    (
        "(十三)负责县、镇、村(居)一网式综合服务平台的相关管理、协调、监督和考核工作。"
    ),
))
SEED_CONTENT = "\n".join((
    (
        "和平县电子政务外网是广东省电子政务外网的组成部分，主要满足各级政府部门社会管理、"
        "公共服务等方面的需求。和平县电子政务外网总体框架从纵向上划分为核心交换区与市政务"
        "外网相连、县直单位政务外网区、行政村政务外网区；横向上划分为政务外网数据中心、政"
        "务外网办公区和互联网访问用户。"
    ),
    (
        "根据项目规划，和平县电子政务外网将上联市电子政务外网，横向联接各县直行局，边界通"
        "过防火墙联接互联网。重点实现市级城域网和市-县广域网，实现县直部分行局和辖区行政"
        "村电子政务外网连接；建设有统一的数据中心和服务体系；通过推进应用服务系统建设，实"
        "现信息共享、业务协同和网上服务等建设内容。"
    ),
    (
        "和平县电子政务外网网络畅通服务项目为县内 93 个县直单位（1000M）、17 "
        "个镇（1000M）、262 个村居（100M）接入省、市电子政务外网，提供网络服"
        "务，实现县内部门之间互联互通；提供 2 条 3000M 互联网专线，实现和平县电"
        "子政务外网用户同意互联网访问出口；提供一条 5G 专线做临时应急使用；提供相应的"
        "网管软件及管理服务器、入侵检测系统（IDS）和互联网审计系统，实现日常网络管理。"
        "视业务情况，提供不少于 1 名技术人员驻点，提供技术咨询、机房巡查、网信安全等售"
        "后服务支撑及管理。"
    ),
))
SEED_BASIS = (
    "《和平县财政局与中国移动通信集团广东有限公司河源分公司签订和平县基层公共服务平台"
    "网络畅通项目合同》《委托拨付和平县基层公共服务平台网络畅通项目 2020 年上半"
    "年使用费账户的说明》《关于恳请支付和平县基层公共服务平台网络畅通项目 2020 "
    "年上半年使用费的函》"
)
SEED_SCORES = {
    "demo": (1, (
        "本项目规划设计严格遵循国际、国家和地区的有关标准和规范进行。项目立项后，根据现状"
        "与需求以及财力等情况进行认真细致的可行性广泛性研究论证，并广泛听取有关行业技术专"
        "家的意见，编制项目方案进行评审。"
    )),
    "procedure": (2, "本项目严格遵循有关标准和规范进行申报审批"),
    "organization": (1, (
        "本项目由和平县政务服务数据管理局统一组织建设及推广实施。为顺利完成项目的需求分析"
        "、设计开发和部署实施等工作，政数局成立项目推进小组，由主管领导总体负责，采用点面"
        "结合的原则，在全局推广，相关人员协助。"
    )),
    "measures": (1, (
        "《和平县电子政务外网网络畅通服务项目方案》《政务服务能力提升改革建设工作方案》"
    )),
    "completeness": (5, "在项目实施方案里明确了绩效评估的方法、标准、程序"),
    "scientific": (5, "根据项目的特点，采用科学的方法设置绩效评价方法、标准、程序。"),
    "measurable": (5, (
        "通过定量定性对比分析，对项目一定经营期间的经营效益和经营者业绩做出客观、公正和准"
        "确的综合评判。"
    )),
    "funds_in_place": (3, "县财政局根据预算金额拨款至本单位零余额账户"),
    "funds_paid": (3, "本单位根据合同金额足额支付项目资金"),
    "compliance": (4, "项目资金按照相关规定及程序转账支付"),
    "implementation": (15, (
        "委托第三方出设计方案、立项、专家评审、财政局备案、公开招标、签订合同、实施项目"
    )),
    "supervision": (5, (
        "借助于专业化监督机构，对整个项目进行风险分析和跟踪，并提出防范措施；长期的合作关"
        "系；项目全过程的监督：监督分为定期阶段评估和终审评估，它们贯穿于项目的全过程，从"
        "规划、准备、实施到系统运行。"
    )),
    "quantity": (5, (
        "为县内 93 个县直单位 (1000M) 、 17 个镇 (1000M) 、 2"
        "62 个村居 (100M) 接入省、市电子政务外网，提供网络服务。"
    )),
    "quality": (5, "重点领域和高频事项基本实现 “一门、一网、一次” 目标"),
    "cost": (5, "网络费共 2683950 元"),
    "timeliness": (5, "支出费用限于当年度"),
    "economic": (None, ""),
    "social": (6, (
        "为县直各单位、各镇公共服务中心、各村公共服务站提供网络服务，重点领域和高频事项基"
        "本实现 “一门、一网、一次” 。"
    )),
    "ecological": (None, ""),
    "sustainable": (6, (
        "项目支出有利于提升政府办公效率，强化全县数据创新开发及整合，落实重点领域和高频事"
        "项基本实现 “一门、一网、一次”"
    )),
    "beneficiary": (6, "服务对象较为满意"),
}


def seed_fill() -> Fill:
    """The seed report as its unit typed it (scores and texts exactly as published)."""
    values: dict[str, object] = {
        "title": "和平县 2020 年财政支出 绩效自评报告",
        "project_name": SEED_PROJECT,
        "county": "和平县",
        "department": SEED_DEPARTMENT,
        "filler": "吴小婷",
        "filler_phone": "0762-5662199",
        "fill_date": dt.date(2021, 4, 1),
        "project_name_overview": SEED_PROJECT,
        "fund_year": "2020年",
        "department_overview": SEED_DEPARTMENT,
        "contact": "张彩红",
        "contact_phone": "5662720",
        "address": "和平县阳明镇商务中心二楼",
        "unit_profile": SEED_UNIT_PROFILE,
        "content": SEED_CONTENT,
        "funds_budget_local": 2700000,
        "funds_invested_local": 2683950,
        "funds_in_place_local": 2700000,
        "funds_spent_local": 2683950,
    }
    for key, (score, note) in SEED_SCORES.items():
        if score is not None:
            values[f"score_{key}"] = score
        if note:
            values[f"note_{key}"] = note
    detail = [{"item": "和平县基层公共服务平台网络费", "budget": 2700000, "spent": 2683950,
               "basis": SEED_BASIS}]
    return Fill(values=values, items={"detail": detail, "problems": []})


def write_seed(out_dir: str | Path) -> Path:
    """Write the seed report into ``out_dir``; return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_workbook(load_profile(PROFILE_ID), out / SEED_FILE, year=2020, county="和平县",
                          fill=seed_fill())


# ================================================================ (a′) the seed report typed by hand

TYPED_FILE = "和平县电子政务外网网络畅通服务项目（手工录入）.xlsx"
_SCORE_ROWS = [  # the indicator table as published: flattened, a 二级 label in the 一级 column
    ("绩效目标(20)", "前期工作(5)", "项目论证 (1 分)", "demo"),
    ("", "", "申报程序 (2 分)", "procedure"),
    None,  # a blank line inside the table, as published
    ("", "", "组织机构 (1分)", "organization"),
    ("", "", "制度措施 (1分)", "measures"),
    ("绩效目标设置 (15)", "", "完整性 (5分)", "completeness"),
    ("", "", "科学性 (5分)", "scientific"),
    ("", "", "可衡量性 (5分)", "measurable"),
    ("绩效监督实施过程 (30)", "", "资金到位 (3分)", "funds_in_place"),
    ("", "", "资金支付 (3分)", "funds_paid"),
    ("", "", "支出规范性 (4分)", "compliance"),
    ("", "", "实施程序 (15分)", "implementation"),
    ("", "", "项目监管 (5分)", "supervision"),
    None,
    ("项目绩效结果(50)", "项目产出结果(20)", "数量(5分)", "quantity"),
    ("", "", "质量(5分)", "quality"),
    ("", "", "成本(5分)", "cost"),
    ("", "", "时效(5分)", "timeliness"),
    ("项目效益结果(24)", "社会效益(6分)", "经济效益(6分)", "economic"),
    ("", "", "社会效益(6分)", "social"),
    ("", "", "生态效益(6分)", "ecological"),
    ("", "", "可持续影响(6分)", "sustainable"),
    ("", "满意度(6)", "服务对象满意度(6分)", "beneficiary"),
]


def typed_seed_rows() -> list[list]:
    """The seed report as a unit types it into one sheet, line by line as published: the cover
    written ``标签：值``, the funds table with its 行次 column and the rates as typed (``100. 60%``),
    the detail with its numbered rows and ``...``, the flattened indicator table, the remarks."""
    def funds(label: str, code: str, amount) -> list:
        return ["", label, code, amount, "", amount]

    rows: list[list] = [
        ["和平县 2020 年财政支出 绩效自评报告"], [],
        [f"项目名称：{SEED_PROJECT}"], [], ["县（区）：和平县"], [],
        [f"本级项目主管部门：（公章）{SEED_DEPARTMENT}"], ["(一级预算单位)"], [],
        ["填报人姓名：吴小婷"], [], ["联系电话：0762-5662199"], [], ["填报日期：2021 年 4 月 1 日"], [],
        ["一、项目概况"], [],
        ["项目名称", SEED_PROJECT, "", "", "", "资金安排年份", "2020年"],
        ["项目主管部门", SEED_DEPARTMENT, "联系人", "张彩红", "电话", 5662720, "手机", ""],
        ["", "", "地址", "和平县阳明镇商务中心二楼", "", "", "邮编", ""],
        ["内容", "项目概况"],
        ["项目主管单位基本情况", SEED_UNIT_PROFILE],
        [], ["项目实施主要内容", SEED_CONTENT],
        ["项目资金安排和使用情况", "投入指标", "行次", "合 计", "上级财政资金", "本级财政资金"],
        funds("预算安排", "(1)", 2700000), funds("实际投入", "(2)", 2683950),
        funds("实际到位", "(3)", 2700000), funds("实际支出", "(4)", 2683950),
        funds("资金结余", "(5)=(3)-(4)", 16050), funds("实际到位率", "(6)=(3) ÷ (2)", "100. 60%"),
        funds("支出实现率", "(7)=(4) ÷ (3)", "99. 41%"), funds("预算完成率", "(8)=(4) ÷ (1)", "99. 41%"),
        [],
        ["", "资金实际支出明细内容 (至主要末级经济科目)", "项目预算支出", "项目资金实际支出",
         "资金支出依据 (相关的资金管理办法、批复文件、流水账号等)"],
        ["", "合 计", 2700000, 2683950, "/"],
        [1, "和平县基层公共服务平台网络费", 2700000, 2683950, SEED_BASIS],
        [2], [3], [4], ["..."], [],
        ["二、自评得分及情况说明"], [],
        ["一级指标", "二级指标", "三级指标", "自评得分", "自评情况说明 (每项指标描述在 100 字以内)"],
    ]
    for line in _SCORE_ROWS:
        if line is None:
            rows.append([])
            continue
        first, second, third, key = line
        score, note = SEED_SCORES[key]
        rows.append([first, second, third, "" if score is None else score, note])
    rows += [
        ["合计", "", 88, "自评等次", "良好"], [],
        ["备注：1. 可另附详细补充说明，并附上述有关佐证材料复印件。"], [],
        ["2. 自评得分：90-100 优秀、80-89 良好、70-79 中等、60-69 及格、59 及以下不及格。"], [],
        ["三、存在问题及改进意见"], [],
        ["提示: 针对支出项目，就存在问题及建议如实填写，注意限项限字。"], [],
        ["序号", "主要问题及原因 (限 5 条 100 字以内)", "改进计划或建议 (限 5 条 100 字以内)"],
        [1], [2], [3], [4], [5], [],
        ["备注: 可另附详细补充说明。"],
    ]
    return rows


TYPED_WIDTHS = (18, 22, 16, 12, 44, 12, 10, 10)


def write_typed_seed(out_dir: str | Path) -> Path:
    """The seed report typed by hand into one sheet (no template), read by its labels.

    As a unit lays it out: the title, cover lines, headings, remarks and the two long texts
    written across the sheet (merged), the funds table's caption merged down its side, rows as
    high as their text, printed landscape one page wide."""
    import math

    import xlsxwriter

    from perfxl.form.template import FIXED_DATE

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / TYPED_FILE
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"author": "和平县政务服务数据管理局", "created": FIXED_DATE})
    ws = wb.add_worksheet("绩效自评报告")
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 10})
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    for col, width in enumerate(TYPED_WIDTHS):
        ws.set_column(col, col, width, wrap)
    rows = typed_seed_rows()
    last = len(TYPED_WIDTHS) - 1
    funds = next(r for r, row in enumerate(rows) if row[:1] == ["项目资金安排和使用情况"])
    for r, row in enumerate(rows):
        filled = [c for c, v in enumerate(row) if v != ""]
        if r == 0:
            ws.merge_range(r, 0, r, last, row[0], title)
            ws.set_row(r, 30)
            continue
        if filled == [0] and isinstance(row[0], str):  # a line of its own: across the sheet
            ws.merge_range(r, 0, r, last, row[0], wrap)
        elif len(row) == 2 and isinstance(row[1], str) and len(row[1]) > 100:  # a long text
            ws.write(r, 0, row[0], wrap)
            ws.merge_range(r, 1, r, last, row[1], wrap)
        elif r == funds:
            ws.merge_range(r, 0, r + 8, 0, row[0], wrap)
            for c, value in enumerate(row[1:], start=1):
                ws.write(r, c, value, wrap)
        else:
            for c in filled:
                ws.write(r, c, row[c], wrap)
        lines = 1
        for c in filled:
            text = str(row[c])
            merged = (len(row) == 2 and c == 1 and len(text) > 100) or filled == [0]
            width = sum(TYPED_WIDTHS[c:]) if merged else TYPED_WIDTHS[c]
            per_line = max(1, int(width / 1.9))
            lines = max(lines, sum(math.ceil(max(1, len(part)) / per_line) for part in text.split("\n")))
        if lines > 1:
            ws.set_row(r, 13.5 * lines)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    wb.close()
    return path


# ============================================================================ (b) the county

# Project kinds decide the detail rows and the wording of quality and economic effects.
DETAIL_ITEMS = {
    "工程": ["工程建设费", "勘察设计费", "工程监理费", "设备购置及安装费", "工程检测及审计费",
             "其他工程费用", "前期工作费"],
    "补助": ["补助资金发放", "委托代发手续费", "宣传印刷费", "信息系统维护费", "对象核查工作经费",
             "其他商品和服务支出"],
    "服务": ["委托业务费", "劳务费", "专用材料费", "印刷费", "培训费", "差旅费", "办公费"],
    "设备": ["专用设备购置", "信息网络及软件购置更新", "安装调试费", "运行维护费", "操作培训费",
             "其他商品和服务支出"],
}
QUALITY_FULL = {
    "工程": ["工程竣工验收合格率100%，未发生质量安全事故。", "工程质量符合设计和规范要求，一次验收合格。"],
    "补助": ["补助对象精准识别，资金足额发放到户，发放准确率100%。",
             "补助资金通过社保卡“一卡通”发放，无错发漏发。"],
    "服务": ["服务内容符合合同和行业规范要求，年度考核合格。", "委托服务按合同约定完成，成果经验收合格。"],
    "设备": ["设备经验收全部合格，投入使用后运行稳定。", "设备采购符合技术参数要求，完好率100%。"],
}
ECONOMIC_FULL = {
    "工程": "项目建成后改善了生产生活条件，带动了周边经济发展。",
    "补助": "补助资金直接增加了受益群众收入，减轻了家庭负担。",
    "服务": "项目实施降低了群众和企业的办事成本，经济效益逐步显现。",
    "设备": "设备投入使用后提高了工作效率，节约了运行成本。",
}

# (name, short name, street, unit profile, social effect, sustainable effect, projects)
# project: (name, kind, output, unit, planned low, planned high)
DEPARTMENTS = [
    ("示例县教育局", "县教育局", "人民路 32 号", (
        "示例县教育局是县人民政府主管全县教育工作的工作部门，内设办公室、基础教育股、计划财务股、"
        "人事股、教育督导室 5 个股室，全县共有中小学 46 所、幼儿园 21 所，在校学生 5.2 万人。"
        "\n主要职责是：贯彻执行国家教育方针政策，统筹规划全县各级各类教育发展；管理县级教育经费，"
        "指导学校基础设施建设；负责教师队伍建设和学生资助工作。"),
     "改善了学校办学条件，促进了城乡教育均衡发展。", "建立了校舍和设备长效管护机制，效益可持续发挥。", [
        ("义务教育薄弱环节改善与能力提升项目", "工程", "改造提升农村学校", "所", 4, 15),
        ("学前教育发展专项资金项目", "补助", "补助普惠性幼儿园", "所", 8, 30),
        ("学生资助补助资金项目", "补助", "资助家庭经济困难学生", "人次", 800, 5000),
        ("中小学教师能力素质提升培训项目", "服务", "培训中小学教师", "人次", 300, 2000),
        ("农村义务教育学生营养改善计划项目", "补助", "惠及农村义务教育学生", "人", 3000, 12000),
        ("县第二中学教学楼建设项目", "工程", "新建教学楼建筑面积", "平方米", 4000, 12000),
        ("教育信息化设备采购项目", "设备", "配备交互式教学一体机", "台", 80, 400),
    ]),
    ("示例县卫生健康局", "县卫生健康局", "健康路 8 号", (
        "示例县卫生健康局负责全县卫生健康事业发展，内设办公室、医政医管股、基层卫生健康股、"
        "疾病预防控制股、规划财务股 5 个股室，管理县级公立医院 3 家、乡镇卫生院 14 家。"
        "\n主要职责是：拟订全县卫生健康事业发展规划，统筹医疗卫生资源配置，组织实施基本公共卫生服务，"
        "负责疾病预防控制和卫生应急工作。"),
     "提升了基层医疗卫生服务能力，群众就医更加便捷。", "纳入年度卫生健康工作常态化管理，效益持续显现。", [
        ("基本公共卫生服务项目", "服务", "为辖区常住居民建立规范化电子健康档案", "份", 50000, 180000),
        ("基层医疗卫生机构能力建设项目", "设备", "为乡镇卫生院配置医疗设备", "台（套）", 20, 120),
        ("县人民医院发热门诊改造项目", "工程", "改造发热门诊业务用房", "平方米", 600, 2500),
        ("计划生育家庭奖励扶助项目", "补助", "发放奖励扶助金", "人", 1500, 6000),
        ("村卫生站标准化建设项目", "工程", "完成村卫生站标准化建设", "个", 10, 45),
        ("家庭医生签约服务项目", "服务", "完成重点人群家庭医生签约", "人", 8000, 30000),
    ]),
    ("示例县农业农村局", "县农业农村局", "丰收大道 16 号", (
        "示例县农业农村局负责全县农业农村工作，内设办公室、计划财务股、农田建设管理股、种植业管理股、"
        "畜牧兽医股、乡村振兴股 6 个股室，下属事业单位 4 个。\n主要职责是：统筹研究和组织实施"
        "“三农”工作发展规划，负责耕地和农田建设管理、农产品质量安全监管、农业防灾减灾和乡村振兴工作。"),
     "夯实了农业生产基础，促进了农民增收和乡村振兴。", "建立了“建管并重”的长效机制，项目效益可持续。", [
        ("高标准农田建设项目", "工程", "建成高标准农田", "亩", 3000, 20000),
        ("耕地地力保护补贴项目", "补助", "发放耕地地力保护补贴面积", "亩", 80000, 260000),
        ("农村人居环境整治提升项目", "工程", "完成村庄人居环境整治", "个", 10, 60),
        ("动物防疫补助项目", "服务", "开展重大动物疫病强制免疫", "万头（羽）次", 20, 120),
        ("农机购置与应用补贴项目", "补助", "补贴农业机械", "台（套）", 150, 900),
        ("乡村振兴驻镇帮镇扶村项目", "工程", "实施帮扶产业项目", "个", 5, 30),
        ("农产品质量安全监管项目", "服务", "完成农产品质量安全抽检", "批次", 500, 3000),
    ]),
    ("示例县交通运输局", "县交通运输局", "站前路 5 号", (
        "示例县交通运输局负责全县公路、水路交通运输行业管理，内设办公室、规划建设股、公路养护股、"
        "运输管理股、财务审计股 5 个股室，全县公路通车里程 2136 公里。\n主要职责是：组织拟订"
        "全县交通运输发展规划，负责农村公路建设和养护管理，指导城乡客运和物流发展。"),
     "改善了群众出行条件，方便了农产品运输。", "落实“路长制”养护责任，道路设施长期发挥效益。", [
        ("农村公路安全生命防护工程项目", "工程", "完成农村公路安全生命防护工程", "公里", 20, 150),
        ("农村公路日常养护项目", "服务", "养护农村公路", "公里", 300, 1500),
        ("县道X123线路面改造工程项目", "工程", "改造县道路面", "公里", 3, 25),
        ("城乡公交运营补贴项目", "补助", "保障城乡公交线路运营", "条", 8, 30),
        ("危旧桥梁改造项目", "工程", "改造危旧桥梁", "座", 2, 12),
        ("农村客运站点建设项目", "工程", "建设农村客运候车亭", "个", 20, 80),
    ]),
    ("示例县水利局", "县水利局", "滨江路 21 号", (
        "示例县水利局负责全县水资源管理和水利工程建设，内设办公室、水利工程建设股、"
        "水资源管理股、河湖管理股、水土保持股 5 个股室，管理中小型水库 48 宗。"
        "\n主要职责是：保障水资源合理开发利用，组织实施水利工程建设与运行管理，"
        "指导水旱灾害防御和农村水利工作，落实河长制工作。"),
     "提升了防洪减灾能力，保障了群众生命财产和饮水安全。", "明确了工程管护主体和经费，效益可持续发挥。", [
        ("中小河流治理项目", "工程", "治理河长", "公里", 3, 20),
        ("小型水库除险加固项目", "工程", "完成小型水库除险加固", "宗", 2, 12),
        ("农村供水保障工程项目", "工程", "新建改造农村供水管网", "公里", 20, 120),
        ("山洪灾害防治非工程措施运行维护项目", "服务", "维护山洪灾害监测站点", "个", 40, 160),
        ("河长制工作经费项目", "服务", "开展河湖巡查", "次", 500, 3000),
        ("水土保持综合治理项目", "工程", "治理水土流失面积", "平方公里", 3, 15),
    ]),
    ("示例县民政局", "县民政局", "和平路 12 号", (
        "示例县民政局负责全县社会救助、养老服务、儿童福利和基层社会治理工作，内设办公室、"
        "社会救助股、养老服务股、社会事务股 4 个股室，下属县社会福利院等事业单位 3 个。"
        "\n主要职责是：拟订并组织实施社会救助政策，统筹推进养老服务体系建设，"
        "负责困难群众基本生活保障。"),
     "保障了困难群众基本生活，兜牢了民生底线。", "建立了动态管理和定期核查机制，保障长效运行。", [
        ("城乡居民最低生活保障资金项目", "补助", "保障城乡低保对象", "人", 3000, 12000),
        ("特困人员救助供养项目", "补助", "供养特困人员", "人", 400, 1500),
        ("困难残疾人生活补贴和重度残疾人护理补贴项目", "补助", "发放两项补贴", "人", 2000, 8000),
        ("敬老院改造提升项目", "工程", "改造提升敬老院", "所", 2, 8),
        ("孤儿和事实无人抚养儿童基本生活保障项目", "补助", "保障儿童", "人", 80, 400),
        ("社区居家养老服务站建设项目", "工程", "建成社区居家养老服务站", "个", 5, 20),
    ]),
    ("示例县自然资源局", "县自然资源局", "新城大道 66 号", (
        "示例县自然资源局负责全县自然资源统一管理和国土空间用途管制，内设办公室、国土空间规划股、"
        "耕地保护股、地质矿产股、执法监察股 5 个股室，下设自然资源所 14 个。\n主要职责是："
        "履行全民所有自然资源资产所有者职责，负责国土空间规划、耕地保护和地质灾害防治工作。"),
     "守住了耕地保护红线，保障了群众生命财产安全。", "成果纳入自然资源“一张图”，持续服务管理决策。", [
        ("年度国土变更调查项目", "服务", "完成年度国土变更调查图斑核查", "个", 2000, 9000),
        ("地质灾害防治项目", "工程", "治理地质灾害隐患点", "处", 5, 25),
        ("不动产登记信息平台运维项目", "设备", "保障不动产登记系统稳定运行", "个工作日", 240, 250),
        ("国土空间总体规划编制项目", "服务", "完成规划编制成果", "项", 1, 3),
        ("耕地保护与补充耕地项目", "工程", "新增耕地", "亩", 200, 1500),
        ("自然资源执法监测项目", "服务", "完成卫片执法图斑核查", "宗", 300, 1500),
    ]),
    ("示例县住房和城乡建设局", "县住房和城乡建设局", "建设路 9 号", (
        "示例县住房和城乡建设局负责全县住房保障和城乡建设管理，内设办公室、村镇建设股、"
        "住房保障股、建筑市场监管股、城市建设股 5 个股室。\n主要职责是：承担保障城乡居民"
        "住房的责任，组织实施城镇老旧小区改造和农村危房改造，负责市政公用设施建设和管理。"),
     "改善了城乡居民居住条件和人居环境。", "落实了物业管理和设施管护责任，改造成果长期保持。", [
        ("城镇老旧小区改造项目", "工程", "改造老旧小区", "个", 3, 15),
        ("农村危房改造项目", "补助", "完成农村危房改造", "户", 50, 300),
        ("县城污水管网建设项目", "工程", "新建污水管网", "公里", 5, 30),
        ("城市生活垃圾收运处理项目", "服务", "收运处理生活垃圾", "吨", 20000, 60000),
        ("公共租赁住房保障项目", "补助", "发放租赁补贴", "户", 200, 900),
        ("市政道路维修养护项目", "服务", "维修养护市政道路", "公里", 10, 60),
    ]),
    ("示例县文化广电旅游体育局", "县文化广电旅游体育局", "文化路 18 号", (
        "示例县文化广电旅游体育局负责全县文化、广电、旅游和体育工作，内设办公室、公共服务股、"
        "文物保护股、旅游发展股、体育股 5 个股室，下属县图书馆、文化馆等事业单位 5 个。"
        "\n主要职责是：统筹规划文化广电旅游体育事业发展，推进公共文化服务体系建设，"
        "负责文物保护和全民健身工作。"),
     "丰富了群众精神文化生活，提升了公共文化服务水平。", "纳入基本公共文化服务目录，实现常态化运行。", [
        ("公共文化服务体系建设项目", "服务", "开展文化惠民演出", "场", 40, 200),
        ("农村应急广播体系建设项目", "设备", "建设村级应急广播终端", "个", 100, 600),
        ("全民健身设施建设项目", "工程", "建设村级健身路径", "个", 10, 50),
        ("文物保护与修缮项目", "工程", "修缮县级以上文物保护单位", "处", 1, 5),
        ("乡村旅游发展专项项目", "服务", "打造乡村旅游精品线路", "条", 2, 8),
        ("县图书馆数字化提升项目", "设备", "新增数字资源", "TB", 5, 30),
    ]),
    ("示例县人力资源和社会保障局", "县人力资源和社会保障局", "民生路 3 号", (
        "示例县人力资源和社会保障局负责全县就业创业、社会保险和劳动关系工作，内设办公室、"
        "就业促进股、社会保险股、劳动关系股、人才开发股 5 个股室，下属县社会保险基金管理中心等"
        "事业单位 3 个。\n主要职责是：拟订并组织实施就业创业政策，统筹城乡社会保障体系建设，"
        "负责劳动保障监察。"),
     "促进了城乡劳动者就业增收，稳定了就业大局。", "形成了“培训—就业—服务”一体化长效机制。", [
        ("就业专项资金项目", "补助", "发放就业补贴", "人次", 1000, 6000),
        ("职业技能提升行动项目", "服务", "开展职业技能培训", "人次", 800, 5000),
        ("城乡居民基本养老保险补助项目", "补助", "为城乡居民发放基础养老金", "人", 30000, 90000),
        ("公益性岗位补贴项目", "补助", "开发安置公益性岗位", "个", 100, 600),
        ("劳动保障监察执法项目", "服务", "办结劳动保障监察案件", "宗", 50, 300),
        ("返乡入乡创业扶持项目", "补助", "扶持创业实体", "户", 30, 200),
    ]),
    ("示例县生态环境分局", "县生态环境分局", "环城东路 27 号", (
        "示例县生态环境分局负责全县生态环境监督管理，内设办公室、环境监测站、综合执法队、"
        "水气土管理股 4 个机构。\n主要职责是：组织实施大气、水、土壤污染防治，"
        "负责生态环境监测和执法，监督饮用水水源地保护，推进农村环境综合整治。"),
     "改善了区域生态环境质量，保障了群众饮水安全。", "建立了监测、执法和整治联动的长效机制。", [
        ("大气污染防治项目", "服务", "开展大气污染源专项执法检查", "次", 100, 500),
        ("农村生活污水治理项目", "工程", "完成自然村生活污水治理", "个", 20, 100),
        ("饮用水水源地保护项目", "工程", "完成饮用水水源地规范化建设", "个", 2, 10),
        ("生态环境监测能力建设项目", "设备", "建设空气质量自动监测站", "个", 1, 6),
        ("土壤污染防治项目", "服务", "完成重点地块土壤污染状况调查", "个", 5, 30),
    ]),
    ("示例县应急管理局", "县应急管理局", "安康路 11 号", (
        "示例县应急管理局负责全县应急管理和安全生产监督管理，内设办公室、应急指挥股、"
        "安全生产监管股、防灾减灾股 4 个股室，下属县应急救援指挥中心。\n主要职责是："
        "组织编制应急预案和开展应急演练，负责安全生产综合监管和自然灾害防治工作。"),
     "提升了应急处置和防灾减灾能力，安全生产形势平稳。", "建立了物资储备轮换和装备维护制度，持续发挥作用。", [
        ("应急物资储备项目", "设备", "储备应急物资", "件（套）", 2000, 10000),
        ("森林防灭火能力建设项目", "设备", "配备森林防灭火装备", "台（套）", 100, 600),
        ("安全生产监管执法项目", "服务", "开展安全生产检查", "家次", 300, 1500),
        ("基层应急管理能力提升项目", "服务", "开展应急演练", "场", 20, 100),
        ("自然灾害综合风险普查成果应用项目", "服务", "核查风险普查调查对象", "个", 3000, 12000),
    ]),
    ("示例县市场监督管理局", "县市场监督管理局", "商贸街 7 号", (
        "示例县市场监督管理局负责全县市场综合监督管理，内设办公室、食品安全股、"
        "特种设备安全股、计量标准股、知识产权股 5 个股室，下设基层市场监管所 12 个。"
        "\n主要职责是：负责市场主体登记和信用监管，组织实施食品安全、特种设备和计量监督管理。"),
     "保障了群众“舌尖上的安全”，营造了公平有序的市场环境。", "形成了抽检、执法和信用监管的常态化机制。", [
        ("食品安全抽检监测项目", "服务", "完成食品安全抽检", "批次", 500, 2500),
        ("特种设备安全监察项目", "服务", "检查特种设备使用单位", "家次", 100, 600),
        ("计量检定设备更新项目", "设备", "更新计量标准器具", "台（套）", 10, 60),
        ("知识产权保护专项项目", "服务", "办结知识产权案件", "宗", 10, 60),
        ("市场主体信用监管项目", "服务", "开展“双随机、一公开”抽查", "户次", 300, 1500),
    ]),
    ("示例县林业局", "县林业局", "林苑路 2 号", (
        "示例县林业局负责全县林业资源保护和生态建设，内设办公室、造林绿化股、资源管理股、"
        "森林保护股 4 个股室，管理国有林场 2 个，全县森林覆盖率 73.6%。\n主要职责是："
        "组织实施造林绿化和森林抚育，负责生态公益林管护、林业有害生物防治和古树名木保护。"),
     "巩固了森林资源保护成果，提升了林区群众收入。", "落实了护林员和管护责任制，效益可持续。", [
        ("森林生态效益补偿项目", "补助", "补偿生态公益林面积", "万亩", 20, 80),
        ("林业有害生物防治项目", "服务", "防治松材线虫病面积", "亩", 2000, 15000),
        ("造林与森林抚育项目", "工程", "完成造林和森林抚育", "亩", 3000, 20000),
        ("国有林场基础设施建设项目", "工程", "建设林区防火道路", "公里", 5, 30),
        ("古树名木保护项目", "服务", "挂牌保护古树名木", "株", 100, 600),
    ]),
    ("示例县政务服务数据管理局", "县政务服务数据管理局", "行政服务中心 3 楼", (
        "示例县政务服务数据管理局负责全县政务服务和政务数据管理，内设办公室、政务服务管理股、"
        "政务数据管理股、效能监督股 4 个股室，管理县政务服务中心。\n主要职责是：统筹推进"
        "“数字政府”建设，管理电子政务外网和政务云平台，负责政务服务事项标准化和 12345 热线工作。"),
     "提升了政务服务效率，群众和企业办事更加便利。", "平台统一运维、持续迭代，效益长期发挥。", [
        ("电子政务外网运行维护项目", "服务", "保障县直单位和村居接入政务外网", "个", 200, 400),
        ("数字政府建设项目", "设备", "上线政务服务事项", "项", 500, 1500),
        ("政务服务中心运行保障项目", "服务", "办理政务服务事项", "万件", 10, 50),
        ("12345政务服务便民热线项目", "服务", "受理群众诉求", "件", 10000, 50000),
        ("政务云平台租赁项目", "服务", "为县级部门提供云主机", "台", 50, 300),
    ]),
    ("示例县工业和信息化局", "县工业和信息化局", "工业大道 1 号", (
        "示例县工业和信息化局负责全县工业经济运行和信息化建设，内设办公室、经济运行股、"
        "产业发展股、信息化股 4 个股室，管理县产业园区服务中心。\n主要职责是：拟订工业和"
        "信息化发展规划，推进产业园区建设和企业技术改造，负责中小企业发展和通信基础设施协调。"),
     "促进了工业企业转型升级，增强了县域经济实力。", "培育了一批骨干企业，形成持续增长动能。", [
        ("产业园区基础设施建设项目", "工程", "建设园区道路和配套管网", "公里", 2, 12),
        ("工业企业技术改造奖补项目", "补助", "奖补技术改造企业", "家", 5, 30),
        ("中小企业公共服务平台项目", "服务", "为中小企业提供公共服务", "家次", 200, 1200),
        ("5G基站配套建设项目", "工程", "协调建设5G基站", "座", 30, 150),
        ("专精特新企业培育项目", "补助", "培育专精特新中小企业", "家", 3, 15),
    ]),
]
TOWNS = ["城关镇", "东山镇", "西河镇", "南岭镇", "北坪镇", "青石镇", "白沙镇", "龙潭乡", "桃源乡",
         "石门乡", "黄坑镇", "大坝镇"]
AREA_CODE = "0762"
POSTCODE = "517300"
DECIMAL_UNITS = {"公里", "平方公里", "万亩", "万件", "TB", "万头（羽）次"}

# Explanations (自评情况说明) for an indicator at full marks; {…} are filled per project.
FULL_NOTES = {
    "demo": ["项目立项前开展了需求调研和可行性论证，经局党组会议集体研究决定。",
             "项目经专家论证和部门集体决策，立项依据充分。",
             "立项符合国家和省、市相关政策要求，论证程序完整。"],
    "procedure": ["项目按规定程序申报，经县财政局审核后纳入年度部门预算。",
                  "严格按照项目申报程序报批，申报材料齐全。",
                  "按预算管理要求编报项目，履行了县政府审批程序。"],
    "organization": ["成立了由分管领导任组长的项目工作领导小组，明确责任股室和责任人。",
                     "由{short}牵头组织实施，各股室分工协作，职责明确。"],
    "measures": ["制定了项目实施方案和专项资金管理办法，制度健全。",
                 "印发《{name}实施方案》，建立了资金管理和监督制度。"],
    "completeness": ["绩效目标涵盖产出、效益和满意度指标，内容完整。",
                     "年初申报时设置了完整的绩效目标和指标体系。"],
    "scientific": ["绩效指标与项目内容和预算规模相匹配，设置合理。",
                   "指标值参考历年完成情况和行业标准设定，科学合理。"],
    "measurable": ["绩效指标以定量指标为主，均可量化考核。", "各项指标均设置了明确的目标值，便于考核。"],
    "funds_in_place": ["项目资金全部按时到位，实际到位率{rate_in}。",
                       "财政资金及时拨付到位，实际到位率{rate_in}。"],
    "funds_paid": ["资金按合同和进度及时支付，支出实现率{rate_sp}。",
                   "项目资金按规定程序支付，支出进度符合要求。"],
    "compliance": ["资金支出符合财务管理制度规定，票据齐全，无截留挪用。",
                   "严格执行国库集中支付制度，支出规范。"],
    "implementation": ["项目按照立项、采购、合同签订、实施、验收的程序执行。",
                       "按政府采购规定确定实施单位，项目实施程序规范。"],
    "supervision": ["局纪检组和计财股对项目实施全过程监督，定期检查。",
                    "建立项目进度台账，定期督导检查，监管到位。"],
    "quantity": ["计划{what}{qty}{unit}，实际完成{qty}{unit}，完成率100%。"],
    "quality": [],  # by kind, QUALITY_FULL
    "cost": ["项目实际支出{spent_text}，未超出预算。", "严格控制成本，实际支出控制在预算{budget_text}以内。",
             "项目成本控制在预算范围内，无超支。"],
    "timeliness": ["项目在计划时间内完成，资金在年度内支付。", "各项工作均按时间节点完成。"],
    "economic": [],  # by kind, ECONOMIC_FULL
    "social": ["{social}"],
    "ecological": ["项目实施过程中落实了环境保护措施，未对生态环境造成不良影响。",
                   "项目注重节能环保，符合绿色发展要求。"],
    "sustainable": ["{sustainable}"],
    "beneficiary": ["通过问卷调查，服务对象满意度为{sat}%。", "抽样回访服务对象，满意度达{sat}%。"],
}
# Why points were taken off; the note reads "<reason>，扣N分。".
DEDUCT_REASONS = {
    "demo": "项目前期论证不够充分，未组织专家论证",
    "procedure": "项目申报时间较晚，申报材料不够完整",
    "organization": "项目实施初期责任分工不够明确",
    "measures": "项目管理制度有待完善，部分环节缺少制度约束",
    "completeness": "绩效目标设置不够完整，缺少满意度指标",
    "scientific": "部分指标值设置偏低，未能充分体现项目产出",
    "measurable": "部分绩效指标为定性描述，难以量化考核",
    "funds_in_place": "资金实际到位率{rate_in}，部分资金未能及时到位",
    "funds_paid": "支出实现率{rate_sp}，部分资金年底前未支付完毕",
    "compliance": "个别支出凭证附件不齐全，报账手续不够规范",
    "implementation": "项目实施进度滞后于计划，部分工作延期完成",
    "supervision": "项目过程监管记录不够完整，跟踪检查不够及时",
    "quantity": "计划{what}{qty}{unit}，实际完成{actual}{unit}，完成率{done}",
    "quality": "部分工作质量有待提高，验收中发现少量问题已整改",
    "cost": "部分支出单价偏高，成本控制有待加强",
    "timeliness": "部分任务未能在计划时间节点内完成",
    "economic": "项目经济效益尚未充分显现",
    "social": "项目宣传不够，群众知晓率不高",
    "ecological": "项目生态效益评估依据不足",
    "sustainable": "项目长效管护机制尚未健全",
    "beneficiary": "服务对象满意度调查结果为{sat}%，未达到95%的目标",
}
# The most a generated unit takes off an indicator (a share of its maximum).
DEDUCT_CAPS = {
    "demo": 0.5, "procedure": 1, "organization": 0.5, "measures": 0.5, "completeness": 2,
    "scientific": 2, "measurable": 2, "compliance": 1.5, "implementation": 5, "supervision": 2,
    "quantity": 2, "quality": 2, "cost": 2, "timeliness": 2, "economic": 3, "social": 2,
    "ecological": 2, "sustainable": 3, "beneficiary": 2,
}
NOT_APPLICABLE = {
    "economic": "本项目为公益性项目，不直接产生经济效益，该指标不适用，未评分。",
    "ecological": "本项目不涉及生态环境领域，该指标不适用，未评分。",
}
# 三、存在问题及改进意见: (主要问题及原因, 改进计划或建议) by the indicator that lost points.
PROBLEMS = {
    "demo": ("项目前期论证不充分，立项前未组织专家论证。", "今后项目立项前组织专家开展可行性论证，提高决策科学性。"),
    "procedure": ("项目申报时间较晚，申报材料不够完整。", "提前谋划项目，按时限要求完整报送申报材料。"),
    "organization": ("项目实施初期责任分工不明确，影响工作推进。", "明确责任股室和责任人，建立工作例会制度。"),
    "measures": ("项目管理制度不够健全，部分环节缺少制度约束。", "修订完善项目和资金管理办法，补齐制度短板。"),
    "completeness": ("绩效目标设置不够完整，缺少满意度等指标。", "按绩效目标管理要求设置产出、效益和满意度指标。"),
    "scientific": ("部分绩效指标值设置偏低，未能充分反映项目产出。", "参考历史数据和行业标准合理设定指标值。"),
    "measurable": ("部分绩效指标为定性描述，难以量化考核。", "细化量化绩效指标，明确目标值和评价标准。"),
    "funds_in_place": ("部分资金未能及时到位，实际到位率{rate_in}，影响项目进度。",
                       "加强与财政部门沟通，争取资金按进度及时拨付到位。"),
    "funds_paid": ("部分资金年底前未支付完毕，支出实现率{rate_sp}，原因是部分款项未达到支付条件。",
                   "加快项目实施和结算进度，按合同约定及时支付资金。"),
    "compliance": ("个别支出凭证附件不齐全，报账手续不够规范。", "加强财务人员业务培训，严格审核报账资料。"),
    "implementation": ("受天气和征地等因素影响，项目实施进度滞后于计划。", "倒排工期，加强督导，确保项目按期完成。"),
    "supervision": ("项目过程监管记录不完整，跟踪检查不够及时。", "建立项目全过程监管台账，定期开展跟踪检查。"),
    "quantity": ("计划{what}{qty}{unit}，实际完成{actual}{unit}，年度任务未全部完成。",
                 "加快推进剩余任务，确保年度目标全面完成。"),
    "quality": ("部分工作质量不够高，验收中发现少量问题。", "加强质量管控，严格验收标准，及时整改问题。"),
    "cost": ("部分支出单价偏高，成本控制不够严格。", "开展市场询价，严格执行支出标准，控制项目成本。"),
    "timeliness": ("部分任务未能在计划时间节点内完成。", "制定详细进度计划，按节点督促落实。"),
    "economic": ("项目经济效益尚未充分显现。", "加强项目后续运营管理，跟踪评估经济效益。"),
    "social": ("项目宣传力度不够，群众知晓率不高。", "通过多种渠道加强政策宣传，提高群众知晓率。"),
    "ecological": ("项目生态效益缺少评估依据。", "建立生态效益监测评估机制。"),
    "sustainable": ("项目建成后的长效管护机制尚未健全。", "明确管护主体和经费来源，建立长效管护机制。"),
    "beneficiary": ("服务对象满意度为{sat}%，未达到95%的目标。", "加强与服务对象沟通，改进服务方式，提高满意度。"),
}
IMPLEMENTATION = {
    "工程": "项目按规定履行招标程序，由中标单位组织施工，监理单位全程监理，完工后组织竣工验收。",
    "补助": "补助对象按照“个人申请、村级评议、镇级审核、县级审批”的程序确定，资金通过社保卡发放到户。",
    "服务": "项目通过政府采购确定服务单位，按合同约定提供服务，主管股室定期考核。",
    "设备": "项目通过政府采购确定供应商，设备到货后组织安装调试和验收。",
}
QUALITY_TARGET = {"工程": "工程验收合格率100%", "补助": "补助发放准确率100%",
                  "服务": "服务考核合格率100%", "设备": "设备验收合格率100%"}
VENDORS = {
    "工程": ["示例县城乡建设工程有限公司", "南岭建设集团有限公司", "岭南工程监理咨询有限公司"],
    "补助": ["示例县农村商业银行", "示例县邮政储蓄银行"],
    "服务": ["东山信息技术有限公司", "示例县宏达服务有限公司", "南粤会计师事务所"],
    "设备": ["示例县宏达物资有限公司", "东山信息技术有限公司", "粤创科技有限公司"],
}
LONG_NOTE = (
    "项目严格按照《中华人民共和国政府采购法》及其实施条例的规定，经县财政局备案后委托招标代理机构"
    "公开招标确定实施单位，签订合同后组织实施，实施过程中委托第三方全程监督，完成后由主管部门、"
    "实施单位和第三方联合验收，并委托会计师事务所开展结算审计，实施程序规范完整。"
)
SIX_PROBLEMS = [
    ("部分资金年底前未支付完毕，支出实现率偏低。", "加快结算进度，按合同约定及时支付。"),
    ("项目前期论证不充分，未组织专家论证。", "立项前组织专家开展可行性论证。"),
    ("绩效目标设置不够完整，缺少满意度指标。", "按要求设置完整的绩效指标体系。"),
    ("项目实施进度滞后于计划。", "倒排工期，加强督导。"),
    ("项目过程监管记录不完整。", "建立全过程监管台账。"),
    ("部分支出凭证附件不齐全。", "加强财务人员业务培训，严格审核报账资料。"),
]

# The deliberate mistakes, one kind per mistaken workbook, cycled when the county is large.
MISTAKE_KINDS = [
    "rate_typed_over", "stale_balance+early_date", "detail_total_typed_over",
    "detail_short+title_year", "score_over_max+long_note", "rollup_typed_over", "grade_typed_over",
    "unparseable_amount+bad_date", "ref_error+full_marks_low_rate", "filler_phone",
    "six_problems+text_amount", "no_problems", "all_full_marks", "placeholder_problems",
    "amount_as_text", "spent_over_in_place+full_marks",
]
# Numbers typed as text (2,700,000, 270万元, full-width digits) are not messy but mistakes now:
# the form's own SUM skips them (V004), so they are deliberate mistakes, not clean files.
MESSY_KINDS = ["date_text", "detail_6_rows", "phone_parens"]
SOURCES = ("upper", "local")
STAGES = ("budget", "invested", "in_place", "spent")


@dataclass
class Sample:
    """One county workbook: what goes into it and what the manifest says about it."""

    department: str
    project: str
    file: str  # relative to the county folder
    values: dict[str, object]
    items: dict[str, list[dict[str, object]]]
    typed_over: dict[str, object] = field(default_factory=dict)
    stale: dict[str, object] = field(default_factory=dict)
    mistakes: list[dict[str, object]] = field(default_factory=list)
    messy: list[str] = field(default_factory=list)
    duplicate_of: str | None = None

    def fill(self) -> Fill:
        return Fill(values=self.values, items=self.items, typed_over=self.typed_over,
                    stale=self.stale)

    def entry(self) -> dict[str, object]:
        return {"file": self.file, "department": self.department, "project": self.project,
                "clean": not self.mistakes, "mistakes": self.mistakes, "messy": self.messy,
                "duplicate_of": self.duplicate_of}


def _mistake(code: str, name: str, severity: str, expected: object = None) -> dict[str, object]:
    if isinstance(expected, float) and expected.is_integer():
        expected = int(expected)
    return {"code": code, "field": name, "severity": severity, "expected": expected}


def _yuan(cents: int) -> int | float:
    """An amount as a clerk types it: whole yuan as an integer, else to the fen."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def _yuan_text(cents: int, rng: random.Random) -> str:
    """An amount inside a sentence: ' 2683950 元' (the seed's way), '2,683,950元', '268.395万元'."""
    form = rng.random()
    if cents % 10000 == 0 and form < 0.25:
        return f"{(Decimal(cents) / Decimal(1_000_000)).normalize():f}万元"
    yuan = _yuan(cents)
    if form < 0.55:
        return f"{yuan:,}元" if isinstance(yuan, int) else f"{yuan:,.2f}元"
    return f" {yuan} 元" if isinstance(yuan, int) else f" {yuan:.2f} 元"


def _pct(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 10) if den else None


def _qty(rng: random.Random, lo: float, hi: float, unit: str) -> float | int:
    if unit in DECIMAL_UNITS:
        return round(rng.uniform(lo, hi), 1)
    return rng.randint(int(lo), int(hi))


def _qty_text(q: float | int) -> str:
    return str(q) if isinstance(q, int) else f"{q:.1f}"


# ----------------------------------------------------------------------------- funds


@dataclass
class Funds:
    """The funds table in fen, by source (a source not used is absent) and stage."""

    cells: dict[str, dict[str, int]]

    def total(self, stage: str) -> int:
        return sum(src[stage] for src in self.cells.values())

    @property
    def rate_in_place(self) -> float | None:
        return _rate(self.total("in_place"), self.total("invested"))

    @property
    def rate_spent(self) -> float | None:
        return _rate(self.total("spent"), self.total("in_place"))

    @property
    def balance(self) -> int:
        return self.total("in_place") - self.total("spent")


def _draw_funds(rng: random.Random, *, r_in: str = "any", r_sp: str = "any",
                upper: bool | None = None, invested_is_spent: bool = False) -> Funds:
    """Budget 10万–5000万 元; in place and spent consistent; rates kept clear of 99%."""
    while True:
        yuan = math.exp(rng.uniform(math.log(1e5), math.log(5e7)))
        step = 1000 if yuan < 1e6 else 10000
        budget = round(yuan / step) * step * 100
        with_upper = rng.random() < 0.3 if upper is None else upper
        shares = {"local": budget}
        if with_upper:
            up = round(budget * rng.uniform(0.3, 0.8) / 100_000) * 100_000
            shares = {"upper": up, "local": budget - up}
        full = r_in == "high" or (r_in == "any" and rng.random() < 0.85)
        ratio_in = 1.0 if full else rng.uniform(0.90, 0.975)
        if r_sp == "partial":
            ratio_sp = rng.uniform(0.9925, 0.9965)
        elif r_sp == "high" or (r_sp == "any" and rng.random() < 0.45):
            ratio_sp = 1.0 if rng.random() < 0.3 else rng.uniform(0.9925, 0.9995)
        else:
            ratio_sp = rng.uniform(0.85, 0.98)
        cents_precision = rng.random() < 0.2
        cells = {}
        for src, b in shares.items():
            in_place = b if ratio_in == 1.0 else round(b * ratio_in / 10000) * 10000
            spent = in_place if ratio_sp == 1.0 else round(in_place * ratio_sp)
            if not cents_precision:
                spent = round(spent / 100) * 100
            invested = spent if invested_is_spent else b
            cells[src] = {"budget": b, "invested": invested, "in_place": in_place,
                          "spent": spent}
        funds = Funds(cells)
        rates = (funds.rate_in_place, funds.rate_spent)
        if all(r is not None and not 0.987 <= r < 0.992 for r in rates):
            return funds


def _funds_values(funds: Funds) -> dict[str, object]:
    return {f"funds_{stage}_{src}": _yuan(cells[stage])
            for src, cells in funds.cells.items() for stage in STAGES}


# ----------------------------------------------------------------------------- detail rows


def _split(rng: random.Random, total: int, k: int, unit: int) -> list[int]:
    """``total`` fen in ``k`` parts, rounded to ``unit`` fen, the first part the largest."""
    weights = [rng.uniform(0.3, 1.0) for _ in range(k)]
    weights[0] += 1.5
    parts = [int(total * w / sum(weights) / unit) * unit for w in weights[1:]]
    return [total - sum(parts), *parts]


def _basis(rng: random.Random, kind: str, fund: str, short: str) -> str:
    n = rng.randint(3, 98)
    choices = [
        f"《关于下达{YEAR}年{fund}的通知》（示财{rng.choice('农社教建行')}〔{YEAR}〕{n}号）",
        f"与{rng.choice(VENDORS[kind])}签订的合同（编号：SLX-{YEAR}-{rng.randint(1, 300):03d}）",
        f"国库集中支付凭证号 {YEAR}{rng.randint(10_000_000, 99_999_999)}",
        f"《{short}{fund}管理办法》及验收资料",
    ]
    first = rng.choice(choices)
    if rng.random() < 0.4:
        second = rng.choice([c for c in choices if c != first])
        return f"{first}；{second}"
    return first


def _detail_rows(rng: random.Random, kind: str, funds: Funds, k: int, fund: str,
                 short: str) -> list[dict[str, object]]:
    budget, spent = funds.total("budget"), funds.total("spent")
    k = max(1, min(k, len(DETAIL_ITEMS[kind]), budget // 1_000_000))  # ≥ 1 万 a row
    names = [DETAIL_ITEMS[kind][0], *rng.sample(DETAIL_ITEMS[kind][1:], k - 1)]
    budgets = _split(rng, budget, k, 10000)
    spents = [int(b * spent / budget) // 100 * 100 for b in budgets[1:]]
    spents = [spent - sum(spents), *spents]
    return [{"item": name, "budget": _yuan(b), "spent": _yuan(s),
             "basis": _basis(rng, kind, fund, short)}
            for name, b, s in zip(names, budgets, spents, strict=True)]


# ----------------------------------------------------------------------------- scores


def _allocate(rng: random.Random, rest: float, candidates: list[str], n: int,
              must: tuple[str, ...] = ()) -> dict[str, float]:
    """Spread ``rest`` points over about ``n`` of ``candidates`` in half points, within caps."""
    others = [k for k in candidates if k not in must]
    n = max(len(must), min(n, len(candidates), int(rest * 2)))
    chosen = [*must, *rng.sample(others, n - len(must))]
    pool = [k for k in others if k not in chosen]
    out = dict.fromkeys(chosen, 0.5)
    rest -= 0.5 * len(chosen)
    while rest > 1e-9:
        room = [k for k in out if out[k] + 0.5 <= DEDUCT_CAPS[k]]
        if room:
            out[rng.choice(room)] += 0.5
        else:
            out[pool.pop(rng.randrange(len(pool)))] = 0.5
        rest -= 0.5
    return out


def _scores(rng: random.Random, leaves: list, ctx: dict[str, object], *, funds: Funds,
            kind: str, deduct: float | None = None, n_leaves: int | None = None,
            must: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
            honest_funds: bool = True, allow_na: bool = False,
            ) -> tuple[dict[str, object], dict[str, float], dict[str, object]]:
    """Leaf scores and notes: (values, points taken off by leaf, formatting context).

    A rate below 99% costs its indicator points (资金到位, 资金支付) unless ``honest_funds``
    is off; the rest of ``deduct`` is spread over other indicators, each explained.
    """
    mandatory: dict[str, float] = {}
    if honest_funds and funds.rate_in_place is not None and funds.rate_in_place < 0.99:
        r = funds.rate_in_place
        mandatory["funds_in_place"] = 0.5 if r >= 0.97 else (1.0 if r >= 0.94 else 1.5)
    if honest_funds and funds.rate_spent is not None and funds.rate_spent < 0.99:
        r = funds.rate_spent
        mandatory["funds_paid"] = (0.5 if r >= 0.97 else 1.0 if r >= 0.93 else
                                   1.5 if r >= 0.89 else 2.0)
    if deduct is None:  # a total of 70–98, mostly 88–96
        band = rng.random()
        deduct = (rng.randint(8, 24) if band < 0.6 else rng.randint(25, 40) if band < 0.85
                  else rng.randint(41, 60) if band < 0.95 else rng.randint(4, 7)) / 2
    deduct = max(deduct, sum(mandatory.values()))
    rest = deduct - sum(mandatory.values())
    na: str | None = None
    if allow_na and rest >= 8 and rng.random() < 0.3:
        na = rng.choice(["economic", "ecological"])
        rest -= 6
    candidates = [k for k in DEDUCT_CAPS if k not in exclude and k != na]
    if n_leaves is None:
        n_leaves = math.ceil(rest / 2) + rng.randint(0, 2)
    deductions = dict(mandatory)
    if rest > 0:
        deductions.update(_allocate(rng, rest, candidates, n_leaves, must))
    ctx = dict(ctx)
    ctx["sat"] = rng.randint(86, 94) if "beneficiary" in deductions else rng.randint(95, 99)
    planned = ctx["qty_value"]
    if "quantity" in deductions:
        actual = planned * rng.uniform(0.85, 0.97)
        actual = round(actual, 1) if isinstance(planned, float) else max(1, int(actual))
        if actual >= planned:
            actual = planned - (0.1 if isinstance(planned, float) else 1)
        ctx["actual"] = _qty_text(actual)
        ctx["done"] = f"{actual / planned * 100:.1f}%"
    values: dict[str, object] = {}
    for leaf in leaves:
        key = leaf.key
        if key == na:
            values[f"note_{key}"] = NOT_APPLICABLE[key]
            continue
        d = deductions.get(key, 0)
        score = leaf.max - d
        values[f"score_{key}"] = int(score) if float(score).is_integer() else score
        if d:
            note = DEDUCT_REASONS[key].format(**ctx) + f"，扣{d:g}分。"
        else:
            pool = (QUALITY_FULL[kind] if key == "quality" else [ECONOMIC_FULL[kind]]
                    if key == "economic" else FULL_NOTES[key])
            note = rng.choice(pool).format(**ctx)
        values[f"note_{key}"] = note
    if na:
        deductions[na] = 6
    return values, deductions, ctx


def _problems(rng: random.Random, deductions: dict[str, float], ctx: dict[str, object],
              n: int | None = None) -> list[dict[str, object]]:
    keys = sorted((k for k in deductions if k not in NOT_APPLICABLE or deductions[k] < 6),
                  key=lambda k: (-deductions[k], k))
    n = min(len(keys), rng.randint(1, 3) if n is None else n)
    rows = []
    for key in keys[:n]:
        problem, plan = PROBLEMS[key]
        rows.append({"problem": problem.format(**ctx), "plan": plan.format(**ctx)})
    return rows


# ----------------------------------------------------------------------------- one workbook


def _fund_name(project: str) -> str:
    base = project.removesuffix("项目")
    return base if base.endswith("资金") else f"{base}资金"


def _landline(rng: random.Random) -> str:
    return f"{rng.randint(2, 8)}{rng.randint(0, 999_999):06d}"


def _build(rng: random.Random, leaves: list, dept: tuple, spec: tuple, project: str,
           mistake: str | None, messy: list[str]) -> Sample:
    """One county workbook: a consistent report, then its deliberate mistake or messy typing."""
    department, short, street, unit_profile, social, sustainable, _ = dept
    _, kind, what, unit, lo, hi = spec
    fund = _fund_name(project)
    qty = _qty(rng, lo, hi, unit)
    funds_kw: dict[str, object] = {}
    if mistake == "rate_typed_over":
        funds_kw = {"r_in": "high", "r_sp": "partial", "upper": False, "invested_is_spent": True}
    elif mistake == "ref_error+full_marks_low_rate":
        funds_kw = {"r_in": "low", "r_sp": "high"}
    elif mistake in ("no_problems", "all_full_marks"):
        funds_kw = {"r_in": "high", "r_sp": "high"}
    elif mistake == "unparseable_amount+bad_date":
        funds_kw = {"upper": False}
    elif mistake == "spent_over_in_place+full_marks":
        funds_kw = {"r_in": "high", "r_sp": "high", "upper": False}
    funds = _draw_funds(rng, **funds_kw)
    if mistake == "six_problems+text_amount":  # the figures of FORMS.md's example
        funds = Funds({"local": {"budget": 148_000_000, "invested": 148_000_000,
                                 "in_place": 148_000_000, "spent": 145_000_000}})
    k = 6 if "detail_6_rows" in messy else rng.choice([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5])
    if mistake == "detail_short+title_year":
        k = max(k, 2) + 1
    detail = _detail_rows(rng, kind, funds, k, fund, short)

    ctx = {"name": project, "short": short, "what": what, "qty": _qty_text(qty), "qty_value": qty,
           "unit": unit,
           "rate_in": _pct(funds.rate_in_place), "rate_sp": _pct(funds.rate_spent),
           "spent_text": _yuan_text(funds.total("spent"), rng),
           "budget_text": _yuan_text(funds.total("budget"), rng),
           "social": social, "sustainable": sustainable}
    score_kw: dict[str, object] = {"allow_na": mistake is None}
    if mistake is not None:  # amounts in the texts only where the mistake is about them
        score_kw["exclude"] = ("cost",)
    if mistake == "score_over_max+long_note":
        score_kw["exclude"] = ("cost", "quality", "implementation")
    elif mistake == "rollup_typed_over":
        score_kw.update(must=(rng.choice(["quantity", "quality", "timeliness"]),),
                        deduct=rng.randint(8, 20) / 2)
    elif mistake == "grade_typed_over":
        score_kw["deduct"] = 15
    elif mistake == "ref_error+full_marks_low_rate":
        score_kw["honest_funds"] = False
    elif mistake == "six_problems+text_amount":
        score_kw.update(deduct=rng.randint(16, 24) / 2, n_leaves=6)
    elif mistake == "no_problems":
        score_kw.update(deduct=2, n_leaves=1, must=("quality",))
    elif mistake == "all_full_marks":
        score_kw["deduct"] = 0
    elif mistake == "spent_over_in_place+full_marks":
        score_kw["exclude"] = ("cost", "funds_in_place", "funds_paid")
    scores, deductions, ctx = _scores(rng, leaves, ctx, funds=funds, kind=kind, **score_kw)
    if mistake is not None and "cost" not in deductions:
        scores["note_cost"] = FULL_NOTES["cost"][2]

    paragraphs = [
        f"{project}是{short}{YEAR}年度部门预算安排的项目支出，资金来源为"
        f"{'上级补助资金和本级配套资金' if 'upper' in funds.cells else '本级财政资金'}。",
        f"项目主要内容：{what}{ctx['qty']}{unit}。{IMPLEMENTATION[kind]}",
        f"年度绩效目标：{what}{ctx['qty']}{unit}；{QUALITY_TARGET[kind]}；服务对象满意度不低于95%。",
    ]
    if mistake is None and rng.random() < 0.5:
        paragraphs[0] = paragraphs[0][:-1] + f"，全年预算安排{ctx['budget_text']}。"
    mobile = f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}"
    values: dict[str, object] = {
        "title": f"{COUNTY} {YEAR} 年财政支出绩效自评报告",
        "project_name": project,
        "county": COUNTY,
        "department": department,
        "filler": "财务股经办人",
        "filler_phone": f"{AREA_CODE}-{_landline(rng)}",
        "fill_date": dt.date(YEAR + 1, 1, 8) + dt.timedelta(days=rng.randint(0, 100)),
        "project_name_overview": project,
        "fund_year": rng.choice([f"{YEAR}年", YEAR, f"{YEAR}年"]),
        "department_overview": department,
        "contact": "项目负责人",
        "contact_phone": f"{AREA_CODE}-{_landline(rng)}",
        "mobile": mobile if rng.random() < 0.6 else None,
        "address": f"{COUNTY}城关镇{street}",
        "postcode": POSTCODE,
        "unit_profile": unit_profile,
        "content": "\n".join(paragraphs),
        **_funds_values(funds),
        **scores,
    }
    values = {k: v for k, v in values.items() if v is not None}
    problems = [] if mistake in ("no_problems", "all_full_marks") else _problems(
        rng, deductions, ctx)
    sample = Sample(department, project, f"{department}/{project}.xlsx", values,
                    {"detail": detail, "problems": problems}, messy=list(messy))
    if mistake:
        _MISTAKES[mistake](sample, rng, funds, deductions)
    for how in messy:
        _MESSY[how](sample, rng, funds)
    return sample


def _rate_typed_over(s: Sample, rng, funds: Funds, deductions) -> None:
    name, rate = "funds_rate_in_place_total", funds.rate_in_place
    s.typed_over[name] = 0.99
    s.mistakes += [_mistake("V001", name, "error", rate), _mistake("F001", name, "error", rate)]


def _stale_balance(s: Sample, rng, funds: Funds, deductions) -> None:
    name = "funds_balance_total"
    s.stale[name] = _yuan(funds.balance + rng.randint(5, 50) * 100_000)
    s.values["fill_date"] = dt.date(YEAR, 11, 20)
    s.mistakes += [_mistake("F001", name, "error", _yuan(funds.balance)),
                   _mistake("P007", "fill_date", "warning")]


def _detail_total_typed_over(s: Sample, rng, funds: Funds, deductions) -> None:
    name, budget = "detail_total_budget", funds.total("budget")
    s.typed_over[name] = _yuan(budget + rng.randint(2, 30) * 1_000_000)
    s.mistakes += [_mistake("V001", name, "error", _yuan(budget)),
                   _mistake("D001", name, "error", _yuan(budget))]


def _detail_short(s: Sample, rng, funds: Funds, deductions) -> None:
    s.items["detail"].pop()  # a row left out of the detail
    s.values["title"] = f"{COUNTY} {YEAR - 1} 年财政支出绩效自评报告"  # last year's cover
    s.mistakes += [
        _mistake("D002", "detail_total_spent", "error", _yuan(funds.total("spent"))),
        _mistake("P008", "title", "warning", f"{COUNTY} {YEAR} 年财政支出绩效自评报告"),
    ]


def _score_over_max(s: Sample, rng, funds: Funds, deductions) -> None:
    s.values["score_quality"] = 6  # 满分 5
    s.values["note_implementation"] = LONG_NOTE
    s.mistakes += [_mistake("S001", "score_quality", "error"),
                   _mistake("T004", "note_implementation", "error")]


def _rollup_typed_over(s: Sample, rng, funds: Funds, deductions) -> None:
    name = "score_output"
    lost = sum(deductions.get(k, 0) for k in ("quantity", "quality", "cost", "timeliness"))
    s.typed_over[name] = 20
    s.mistakes += [_mistake("V001", name, "error", 20 - lost),
                   _mistake("S002", name, "error", 20 - lost)]


def _grade_typed_over(s: Sample, rng, funds: Funds, deductions) -> None:
    s.typed_over["grade"] = "优秀"  # the total is 85: 良好
    s.mistakes += [_mistake("V001", "grade", "error", "良好"),
                   _mistake("S003", "grade", "error", "良好")]


def _unparseable(s: Sample, rng, funds: Funds, deductions) -> None:
    name, budget = "funds_budget_local", funds.cells["local"]["budget"]
    s.values[name] = f"约{round(budget / 1_000_000)}万"
    s.values["fill_date"] = f"{YEAR + 1}年2月30日"
    s.mistakes += [_mistake("V002", name, "error", _yuan(budget)),
                   _mistake("T003", "fill_date", "error"),
                   # what the form shows from the text: 合计 = E9+F9 is #VALUE!, and (8) over it
                   _mistake("V003", "funds_budget_total", "error"),
                   _mistake("V003", "funds_rate_budget_total", "error")]


def _ref_error(s: Sample, rng, funds: Funds, deductions) -> None:
    name, rate = "funds_rate_spent_total", funds.rate_spent
    s.typed_over[name] = "#REF!"
    s.mistakes += [_mistake("V003", name, "error", rate), _mistake("V001", name, "error", rate),
                   _mistake("P003", "score_funds_in_place", "warning")]


def _amount_as_text(s: Sample, rng, funds: Funds, deductions) -> None:
    """The first detail row's spending typed as text: Excel's SUM skips it in the 合计."""
    row = s.items["detail"][0]
    cents = round(row["spent"] * 100)
    wan = (Decimal(cents) / Decimal(1_000_000)).normalize()
    row["spent"] = f"{wan:f}万元" if cents % 10_000 == 0 else f"{row['spent']:,}"
    s.mistakes += [_mistake("V004", "detail_spent", "error", _yuan(cents)),
                   _mistake("D001", "detail_total_spent", "error", _yuan(funds.total("spent")))]


def _spent_over_in_place(s: Sample, rng, funds: Funds, deductions) -> None:
    """Less in place (and invested) than was spent, with full marks on 资金支付."""
    spent = funds.cells["local"]["spent"]
    in_place = spent - max(1, round(spent * rng.uniform(0.02, 0.06) / 1_000_000)) * 1_000_000
    s.values["funds_in_place_local"] = s.values["funds_invested_local"] = _yuan(in_place)
    s.mistakes += [_mistake("F004", "funds_spent_total", "error", f"≤ {in_place / 100:,.2f}"),
                   _mistake("P003", "score_funds_paid", "warning")]


def _filler_phone(s: Sample, rng, funds: Funds, deductions) -> None:
    del s.values["filler"]
    s.values["filler_phone"] = "12345"
    s.mistakes += [_mistake("T001", "filler", "error"),
                   _mistake("T002", "filler_phone", "error")]


def _six_problems(s: Sample, rng, funds: Funds, deductions) -> None:
    s.items["problems"] = [{"problem": p, "plan": q} for p, q in SIX_PROBLEMS]
    s.values["note_cost"] = "项目资金共 1500000 元，成本控制在预算范围内。"
    s.mistakes += [_mistake("T005", "problems_problem", "error"),
                   _mistake("P006", "note_cost", "warning", _yuan(funds.total("spent")))]


def _no_problems(s: Sample, rng, funds: Funds, deductions) -> None:
    del s.values["note_quality"]
    s.mistakes += [_mistake("P001", "problems_problem", "warning"),
                   _mistake("P002", "score_quality", "warning")]


def _all_full(s: Sample, rng, funds: Funds, deductions) -> None:
    s.mistakes.append(_mistake("P004", "score_total", "warning"))


def _placeholder(s: Sample, rng, funds: Funds, deductions) -> None:
    s.items["problems"] = [{"problem": "无", "plan": "无"}]
    s.mistakes += [_mistake("P005", "problems_problem", "warning"),
                   _mistake("P001", "problems_problem", "warning")]


_MISTAKES = dict(zip(MISTAKE_KINDS, [
    _rate_typed_over, _stale_balance, _detail_total_typed_over, _detail_short, _score_over_max,
    _rollup_typed_over, _grade_typed_over, _unparseable, _ref_error, _filler_phone,
    _six_problems, _no_problems, _all_full, _placeholder, _amount_as_text, _spent_over_in_place,
], strict=True))


def _messy_date(s: Sample, rng, funds: Funds) -> None:
    d = s.values["fill_date"]
    s.values["fill_date"] = f"{d.year}年{d.month}月{d.day}日"


def _messy_phone(s: Sample, rng, funds: Funds) -> None:
    s.values["contact_phone"] = f"({AREA_CODE}){_landline(rng)}"


_MESSY = dict(zip(MESSY_KINDS, [_messy_date, lambda s, rng, funds: None, _messy_phone], strict=True))


# ----------------------------------------------------------------------------- the county


def _project_names(rng: random.Random, projects: list[tuple], n: int) -> list[tuple[str, tuple]]:
    """``n`` distinct project names of one department; beyond its list, per town and batch."""
    base = rng.sample(projects, len(projects))
    out = []
    for i in range(n):
        spec = base[i % len(base)]
        j = i // len(base)
        if j == 0:
            name = spec[0]
        else:
            town = TOWNS[(j - 1) % len(TOWNS)]
            batch = (j - 1) // len(TOWNS)
            name = f"{town}{spec[0]}" + (f"（第{batch + 1}批）" if batch else "")
        out.append((name, spec))
    return out


def plan_county(n_workbooks: int = 44, seed: int = 2023) -> list[Sample]:
    """The county's workbooks, not yet written: departments, projects, mistakes, messy typing."""
    if n_workbooks < 1:
        raise ValueError("n_workbooks must be at least 1")
    rng = random.Random(seed)
    leaves = load_profile(PROFILE_ID).tree.leaves
    n_dup = n_workbooks // 44 if n_workbooks >= 44 else int(n_workbooks >= 8)
    n_orig = n_workbooks - n_dup
    n_depts = min(len(DEPARTMENTS), max(min(11, math.ceil(n_orig / 2)), math.ceil(n_orig / 3.6)))
    counts = [min(2, n_orig // n_depts + (i < n_orig % n_depts)) for i in range(n_depts)]
    cap = 6 if n_orig <= 6 * n_depts else math.ceil(n_orig / n_depts) + 3
    while sum(counts) < n_orig:
        i = rng.choice([i for i, c in enumerate(counts) if c < cap])
        counts[i] += 1
    planned = []  # (department, project name, project spec)
    for dept, count in zip(DEPARTMENTS, counts, strict=False):
        planned += [(dept, name, spec) for name, spec in _project_names(rng, dept[6], count)]

    n_mistakes = min(n_orig, round(n_orig * len(MISTAKE_KINDS) / 43))
    mistaken = rng.sample(range(n_orig), n_mistakes)
    mistakes = {i: MISTAKE_KINDS[j % len(MISTAKE_KINDS)] for j, i in enumerate(mistaken)}
    clean = [i for i in range(n_orig) if i not in mistakes]
    n_messy = min(len(clean) - n_dup, round(n_orig * 10 / 43))
    chosen = rng.sample(clean, len(clean))
    messy: dict[int, list[str]] = {}
    for j, i in enumerate(chosen[:n_messy]):
        kinds = [MESSY_KINDS[j % len(MESSY_KINDS)]]
        if j % 3 == 2:
            kinds.append(MESSY_KINDS[(j + 2) % len(MESSY_KINDS)])
        messy[i] = kinds
    originals = chosen[n_messy:n_messy + n_dup]

    samples = []
    for i, (dept, name, spec) in enumerate(planned):
        sample_rng = random.Random(f"{seed}/{i}")
        samples.append(_build(sample_rng, leaves, dept, spec, name, mistakes.get(i),
                              messy.get(i, [])))
    for i in sorted(originals):
        orig = samples[i]
        copy = Sample(orig.department, orig.project,
                      f"{orig.department}/{orig.project}（修改稿）.xlsx", dict(orig.values),
                      {k: [dict(r) for r in v] for k, v in orig.items.items()},
                      duplicate_of=orig.file)
        copy.values["fill_date"] = orig.values["fill_date"] + dt.timedelta(
            days=random.Random(f"{seed}/dup/{i}").randint(7, 21))
        samples.append(copy)
    return samples


def _clear_previous(out: Path) -> None:
    """Remove the workbooks an earlier run listed in its manifest (and nothing else)."""
    manifest = out / "MANIFEST.json"
    if not manifest.is_file():
        return
    try:
        files = [e["file"] for e in json.loads(manifest.read_text("utf-8"))["files"]]
    except (ValueError, KeyError, TypeError):
        return
    for rel in files:
        path = out / rel
        if path.resolve().is_relative_to(out.resolve()):
            path.unlink(missing_ok=True)
            if path.parent != out and path.parent.is_dir() and not any(path.parent.iterdir()):
                path.parent.rmdir()


def generate_county(out_dir: str | Path, n_workbooks: int = 44, seed: int = 2023) -> list[Path]:
    """Write the county's workbooks and ``MANIFEST.json`` into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    profile = load_profile(PROFILE_ID)
    samples = sorted(plan_county(n_workbooks, seed), key=lambda s: s.file)
    paths = []
    for s in samples:
        path = out / s.file
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_workbook(profile, path, year=YEAR, county=COUNTY, fill=s.fill()))
    manifest = {
        "profile": PROFILE_ID, "county": COUNTY, "year": YEAR, "seed": seed,
        "n_workbooks": len(samples),
        "files": [s.entry() for s in samples],
        "duplicates": [[s.duplicate_of, s.file] for s in samples if s.duplicate_of],
    }
    (out / "MANIFEST.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成 perfxl 样例工作簿（种子报告、示例县、全国表样与四川表样示例）。")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="输出目录（默认 samples/）：写入 seed/ 与 county/")
    parser.add_argument("-n", type=int, default=44, help="示例县工作簿数量（默认 44）")
    parser.add_argument("--seed", type=int, default=2023, help="随机种子（默认 2023）")
    args = parser.parse_args(argv)
    seed_path = write_seed(args.out / "seed")
    typed_path = write_typed_seed(args.out / "typed")
    from generate_typed import write_typed_national  # a national-form workbook typed by hand

    write_typed_national(args.out / "typed")
    paths = generate_county(args.out / "county", args.n, args.seed)
    print(f"wrote {seed_path}, {typed_path} and {len(paths)} county workbooks under {args.out / 'county'}")
    from generate_national import generate_national, generate_sichuan  # the national form's county

    national = generate_national(args.out / "national")
    sichuan = generate_sichuan(args.out / "sichuan")
    print(f"wrote {len(national)} national-form and {len(sichuan)} Sichuan workbooks under {args.out}")


if __name__ == "__main__":
    main()
