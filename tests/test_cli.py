"""The command line as a user meets it: messages, exit codes, JSON, configuration."""

from __future__ import annotations

import inspect
import json
import re

import click
import pytest
from click.testing import CliRunner

from perfxl.cli import ENGLISH, main
from perfxl.words import CLICK_ZH, CLICK_ZH_PLURAL


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no configuration file found upward unless a test writes one

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_template_writes_the_workbook(run, tmp_path):
    result = run("template", "--year", 2021, "--county", "和平县", "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 0, result.output
    assert "已生成" in result.output and (tmp_path / "t.xlsx").stat().st_size > 5000


def test_template_without_output_says_how(run):
    result = run("template")
    assert result.exit_code == 2 and "-o" in result.output


def test_fields_listing_as_json(run):
    result = run("template", "--fields", "--format", "json")
    doc = json.loads(result.output)
    by_name = {f["name"]: f for f in doc["fields"]}
    assert by_name["score_implementation"]["max"] == 15
    assert by_name["funds_rate_in_place_total"] == {
        "name": "funds_rate_in_place_total", "sheet": "项目概况", "cell": "D14",
        "label": "实际到位率（合计）", "kind": "derived", "type": "rate", "max": None,
    }


def test_unknown_profile_is_a_usage_error(run, tmp_path):
    result = run("template", "--profile", "xx-0", "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 2 and "未知的表样" in result.output


def test_validate_clean_exits_0_errors_exit_1(run, make):
    clean = make()
    assert run("validate", clean).exit_code == 0
    bad = make(lambda f: f.values.update(score_funds_paid=4))
    result = run("validate", bad)
    assert result.exit_code == 1
    assert "错误 S001 自评得分!D11" in result.output
    assert "共 1 个工作簿：1 个错误" in result.output


def test_validate_orders_errors_before_warnings(run, make):
    path = make(lambda f: (f.values.update(score_funds_paid=4), f.items.__setitem__("problems", [])))
    lines = [ln for ln in run("validate", path).output.splitlines() if ln.startswith("  ")]
    assert lines[0].lstrip().startswith("错误") and lines[-1].lstrip().startswith("警告")


def test_validate_json_follows_the_schema(run, make):
    path = make(lambda f: f.values.update(score_funds_paid=4))
    doc = json.loads(run("validate", "--format", "json", path).output)
    assert doc["schema"] == "perfxl.validate/1"
    wb = doc["workbooks"][0]
    assert wb["status"] == "errors" and wb["profile"] == "gd-2020"
    assert {"project", "department", "budget_total", "spent_total", "score_total", "grade"} <= set(wb["figures"])
    assert wb["figures"]["score_total"] == 97
    finding = next(f for f in wb["findings"] if f["code"] == "S001")
    assert set(finding) == {"workbook", "sheet", "cell", "code", "name", "severity", "message", "expected",
                            "actual", "hint", "field", "explained", "rejected", "title"}
    assert finding["title"] == "三级指标得分超出 0 至满分的范围"


def test_an_unreadable_file_exits_2_and_the_rest_is_checked(run, make, tmp_path):
    good = make()
    (tmp_path / "坏文件.xlsx").write_text("这不是工作簿", encoding="utf-8")
    result = run("validate", tmp_path)
    assert result.exit_code == 2
    assert "坏文件.xlsx" in result.output and "无法读取" in result.output
    assert good.name in result.output


def test_missing_path_is_named(run):
    result = run("validate", "nowhere.xlsx")
    assert result.exit_code == 2 and "nowhere.xlsx" in result.output


def test_english_on_request(run, make):
    result = run("--lang", "en", "validate", make(lambda f: f.values.update(score_funds_paid=4)))
    assert "error S001" in result.output and "1 workbook: 1 error, 0 warnings" in result.output


def test_rules_lists_the_catalogue_and_shows_a_page(run):
    listing = run("rules").output
    assert "P001" in listing and "problems-missing" in listing and "有失分但“存在问题及改进意见”未填写" in listing
    page = run("rules", "P001").output
    assert page.startswith("P001 problems-missing（警告）")
    for heading in ("检查什么。", "为什么重要。", "如何改正。"):
        assert heading in page
    assert "How to fix" not in page and "**" not in page


def test_a_rule_page_in_english_is_english_only(run):
    listing = run("--lang", "en", "rules").output
    assert "Points were not awarded" in listing and "有失分但" not in listing
    page = run("--lang", "en", "rules", "P001").output
    assert page.startswith("P001 problems-missing (warning)")
    for heading in ("What it checks.", "Why it matters.", "How to fix."):
        assert heading in page
    assert "检查什么" not in page and "如何改正" not in page


def test_an_unknown_rule_is_a_usage_error_as_the_readme_says(run):
    from pathlib import Path

    result = run("rules", "X999")
    assert result.exit_code == 2 and "X999" in result.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `perfxl rules"))
    assert "2 no rule of that code (a usage error)" in row.split("|")[-2]


def test_config_in_pyproject_selects_and_ignores(run, make, tmp_path):
    path = make(lambda f: f.values.update(score_funds_paid=4, filler_phone="12345"))
    (tmp_path / "pyproject.toml").write_text('[tool.perfxl]\nignore = ["S001"]\n', encoding="utf-8")
    out = run("validate", path).output
    assert "S001" not in out and "T002" in out
    selected = run("validate", "--select", "S", path)  # the file's ignore still wins over --select
    assert "T002" not in selected.output and "S001" not in selected.output
    assert selected.exit_code == 0


def test_perfxl_toml_thresholds_and_severity(run, make, tmp_path):
    path = make(lambda f: f.values.update(funds_invested_local=1_950_000))  # 实际到位率 98.31%
    assert "P003" in run("validate", path).output
    (tmp_path / "perfxl.toml").write_text("full_marks_rate = 0.98\n", encoding="utf-8")
    assert "P003" not in run("validate", path).output
    (tmp_path / "perfxl.toml").write_text('[severity]\nP003 = "error"\n', encoding="utf-8")
    result = run("validate", path)
    assert "错误 P003" in result.output and result.exit_code == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("full_marks_rate = ", "配置文件无法读取"), ("colour = 1", "未知的配置项"),
     ('select = ["Q"]', "不对应任何规则"), ('[severity]\nP003 = "fatal"', "severity"),
     ('money_tolerance = "a"', "类型不对")],
)
def test_a_bad_config_file_is_named_with_its_cause(run, make, tmp_path, text, message):
    (tmp_path / "perfxl.toml").write_text(text, encoding="utf-8")
    result = run("validate", make())
    assert result.exit_code == 2
    assert "perfxl.toml" in result.output and message in result.output


def test_every_command_and_option_is_documented_in_both_languages():
    """A command's docstring is its Chinese help, a line ``---`` and its English help; an
    option's help is given as a pair (``help=("中文", "English")``)."""
    for name, command in [("", main), *main.commands.items()]:
        zh, en = ([*re.split(r"^---[ \t]*$", inspect.cleandoc(command.help), maxsplit=1, flags=re.M), ""])[:2]
        assert re.search("[\u4e00-\u9fff]", zh) and en.strip()[:1].isascii() and en.strip()[:1].isalpha(), \
            f"perfxl {name}: help not in two halves"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"perfxl {name} {param.opts[0]} has no help"
                assert param.help in ENGLISH, f"perfxl {name} {param.opts[0]}: help has no English text"


CLICKS_ENGLISH = ("Usage", "Options", "Commands", "Show this message", "Show the version", "[default",
                  "[required]", "Error:", "Try '", "Missing argument", "No such", "Invalid value")


def _helps(run, *before):
    yield run(*before, "--help").output
    for name in main.commands:
        yield run(*before, name, "--help").output


def test_help_is_chinese_by_default_clicks_own_words_included(run):
    for page in _helps(run):
        assert page.startswith("用法：") and "选项：" in page and "显示本帮助并退出。" in page
        assert not [w for w in CLICKS_ENGLISH if w in page], page
        for line in page.splitlines():  # "  --jobs 整数   并行进程数…": kinds of values in Chinese too
            names = line.strip().split("  ")[0]
            assert not re.search(r"(?<![-\w])[A-Z]{3,}\b", names), line
    assert "[默认：120.0]" in run("validate", "--help").output
    assert "汇总工作簿（.xlsx）  [必填]" in run("summarize", "--help").output


@pytest.mark.parametrize("how", ["option", "environment"])
def test_lang_en_gives_english_help_everywhere(run, monkeypatch, how):
    before = ("--lang", "en") if how == "option" else ()
    if how == "environment":
        monkeypatch.setenv("PERFXL_LANG", "en")
    pages = list(_helps(run, *before))
    for page in pages:
        assert page.startswith("Usage:") and "Options:" in page and "Show this message and exit." in page
        assert "用法" not in page and "选项" not in page and "显示本帮助" not in page
    assert "worker processes (default: one per CPU)" in " ".join(pages[-1].split())  # validate --jobs
    assert "Commands:" in pages[0] and "Summarise every workbook of folders or zips" in pages[0]


def test_clicks_own_errors_are_chinese_and_english_with_lang_en(run, tmp_path):
    missing = run("validate")
    assert missing.exit_code == 2
    assert "错误：缺少参数 '路径...'" in missing.output and "用法：" in missing.output
    assert "没有命令 'nosuch'" in run("nosuch").output
    assert "'--format' 的值无效：'yaml' 不是 'table', 'json' 之一" in run("template", "--format", "yaml").output
    assert "'路径...' 的值无效：" in run("summarize", tmp_path / "nothere", "-o", tmp_path / "s.xlsx").output
    english = run("--lang", "en", "validate")
    assert "Error: Missing argument 'PATHS...'" in english.output and "Usage:" in english.output


def test_every_message_click_can_show_a_user_has_its_chinese():
    """Click's messages are read from its source, so a click that words a new one fails here
    rather than printing English to a Chinese user."""
    import ast
    from pathlib import Path

    for_programmers = {"Could not determine name for option with declarations {decls!r}",
                       "Name '{name}' defined twice", "Arguments take exactly one parameter declaration, got "
                       "{length}: {decls}.", "Boolean option {decl!r} cannot use the same flag for true/false.",
                       "{editor}: Editing failed", "{editor}: Editing failed: {e}", "Windows error: {error}",
                       "Unknown color {colour!r}", "Unknown standard stream '{name}'", "d",
                       "No options defined but a name was passed ({name}). Did you mean to declare an argument "
                       "instead? Did you mean to pass '--{name}'?"}
    missing = []
    for source in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if not texts or texts[0] in for_programmers or "shell completion" in texts[0].lower():
                    continue
                if texts[0] not in CLICK_ZH or (len(texts) == 2 and texts[1] not in CLICK_ZH_PLURAL):
                    missing.append((source.name, texts))
    assert missing == []


def test_english_counts_are_singular_for_one(run, make):
    one = run("--lang", "en", "validate", make()).output
    assert "1 workbook: 0 errors, 0 warnings (0 more explained), 0 unreadable" in one
    two = run("--lang", "en", "validate", make(name="a.xlsx"), make(name="b.xlsx")).output
    assert "2 workbooks: 0 errors" in two


def test_a_workbook_calamine_cannot_read_says_what_to_do(run, make, tmp_path):
    """A part declared in another encoding (GBK) is not what calamine reads: the unit is told
    to save the file again from Excel or WPS, not only calamine's own words."""
    import zipfile

    good = make()
    odd = tmp_path / "非标准编码.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="GBK"',
                                                    1).encode("gbk")
            dst.writestr(info, data)
    result = run("validate", odd)
    assert result.exit_code == 2
    assert "非标准编码.xlsx" in result.output and "另存为 .xlsx" in result.output


def test_a_template_read_by_its_layout_says_so(run, make, tmp_path):
    """A template whose defined names were lost (re-saved by another program) is still read where
    the template puts each field — and the reviewer is told, on the console and in the JSON."""
    import json

    import openpyxl

    wb = openpyxl.load_workbook(make())
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.save(tmp_path / "无名称.xlsx")
    out = run("validate", tmp_path / "无名称.xlsx").output
    assert "个字段未找到定义名称，按表样位置读取" in out.splitlines()[1]
    assert "lost their defined names" in run("--lang", "en", "validate", tmp_path / "无名称.xlsx").output
    doc = json.loads(run("validate", "--format", "json", tmp_path / "无名称.xlsx").output)
    assert doc["workbooks"][0]["located"][0].endswith("个字段未找到定义名称，按表样位置读取")
