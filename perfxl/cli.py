"""The command line: a thin layer over the library, and the only module that imports click."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .errors import PerfxlError
from .layout import layout_for
from .profile import ProfileError, load_profile

TEXT = {
    "zh": {
        "wrote": "已生成 {path}（表样 {profile}，{n} 个字段）",
        "kind": {"input": "填报", "derived": "公式"},
        "fields_header": ["定义名称", "工作表", "单元格", "标签", "类别", "类型", "满分"],
    },
    "en": {
        "wrote": "wrote {path} (profile {profile}, {n} fields)",
        "kind": {"input": "input", "derived": "derived"},
        "fields_header": ["name", "sheet", "cell", "label", "kind", "type", "max"],
    },
}


def _lang() -> str:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.obj and "lang" in ctx.obj:
            return ctx.obj["lang"]
        ctx = ctx.parent
    return "zh"


def _t(key: str):
    return TEXT[_lang()][key]


class Fail(click.ClickException):
    """A user-facing failure: the message, no traceback, exit code 2."""

    exit_code = 2


def _profile(name: str):
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise Fail(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="提示语言 / message language (默认 zh，或环境变量 PERFXL_LANG)")
@click.version_option(package_name="perfxl")
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    """perfxl：财政支出绩效自评表的模板、校验、批注与汇总。"""
    ctx.obj = {"lang": lang or os.environ.get("PERFXL_LANG", "zh")}


@main.command()
@click.option("--profile", "profile_name", default="gd-2020", show_default=True,
              help="表样编号或表样文件路径")
@click.option("--year", type=int, default=None, help="资金安排年份（默认取表样设定）")
@click.option("--county", default=None, help="县（区）名称")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="输出的 .xlsx 文件")
@click.option("--fields", "list_fields", is_flag=True, help="列出全部字段而不生成模板")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def template(profile_name, year, county, output, list_fields, fmt):
    """生成填报模板（或用 --fields 列出字段）。"""
    from .template import write_template

    profile = _profile(profile_name)
    if list_fields:
        _print_fields(profile, fmt)
        return
    if output is None:
        raise Fail("请用 -o 指定输出文件，例如 -o 模板.xlsx" if _lang() == "zh"
                   else "give the output file with -o, e.g. -o template.xlsx")
    try:
        write_template(profile, output, year=year, county=county)
    except (OSError, PerfxlError) as exc:
        raise Fail(f"{output}: {exc}") from exc
    n = len(layout_for(profile).slots)
    click.echo(_t("wrote").format(path=output, profile=profile.id, n=n))


def _print_fields(profile, fmt: str) -> None:
    rows = []
    for s in layout_for(profile).slots:
        cell = s.cell if s.last_row is None else f"{s.cell}:{s.cell.rstrip('0123456789')}" \
            f"{s.last_row + 1}"
        rows.append({"name": s.name, "sheet": s.sheet, "cell": cell, "label": s.label,
                     "kind": s.kind, "type": s.type, "max": s.max})
    if fmt == "json":
        click.echo(json.dumps({"profile": profile.id, "version": profile.version,
                               "fields": rows}, ensure_ascii=False, indent=2))
        return
    kinds = _t("kind")
    click.echo("\t".join(_t("fields_header")))
    for r in rows:
        mx = "" if r["max"] is None else f"{r['max']:g}"
        click.echo("\t".join([r["name"], r["sheet"], r["cell"], r["label"], kinds[r["kind"]],
                              r["type"], mx]))


STYLE = {"header": {"bold": True}, "error": {"fg": "red"}, "warning": {"fg": "yellow"},
         "explained": {"fg": "cyan"}, "total": {"bold": True}, "ok": {"fg": "green"}}


def _settings(config, select, ignore):
    from .config import load_settings

    try:
        settings, _ = load_settings(config, select=select, ignore=ignore, lang=_lang())
    except PerfxlError as exc:
        raise Fail(exc.text(_lang())) from exc
    return settings


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="输出格式：text（默认）或 json")
@click.option("--select", multiple=True, help="只运行这些规则（编号前缀，可多次给出）")
@click.option("--ignore", multiple=True, help="不运行这些规则（编号前缀；优先于 --select）")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="配置文件（默认向上查找 perfxl.toml 或 pyproject.toml 的 [tool.perfxl]）")
def validate(paths, fmt, select, ignore, config):
    """校验工作簿（文件或文件夹）。退出码：0 无错误，1 有错误，2 用法错误或文件无法读取。"""
    from .output import console_lines, to_json
    from .validate import collect_paths, validate_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise Fail(("找不到：" if _lang() == "zh" else "not found: ") + "、".join(missing))
    if not collect_paths(paths):
        raise Fail("没有找到工作簿（.xlsx/.xlsm/.xls）" if _lang() == "zh"
                   else "no workbooks found (.xlsx/.xlsm/.xls)")
    settings = _settings(config, select, ignore)
    results = validate_paths(paths, settings)
    if fmt == "json":
        click.echo(to_json(results))
    else:
        color = None if sys.stdout.isatty() else False
        for text, kind in console_lines(results, _lang()):
            click.secho(text, color=color, **STYLE.get(kind, {}))
    if any(r.status == "unreadable" for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.errors for r in results) else 0)


@main.command()
@click.argument("code", required=False)
def rules(code):
    """列出全部校验规则；给出编号（如 F001）则显示该规则的说明。"""
    from .check import GROUPS, catalogue
    from .findings import SEVERITY_LABELS

    labels = SEVERITY_LABELS[_lang()]
    catalogue_ = catalogue()
    if code:
        found = [r for r in catalogue_ if r.code == code.upper() or r.name == code]
        if not found:
            raise Fail(f"没有规则 {code}" if _lang() == "zh" else f"no rule {code}")
        r = found[0]
        click.echo(f"{r.code} {r.name}（{labels[r.severity]}）：{r.summary(_lang())}\n")
        click.echo(r.doc)
        return
    group = None
    for r in catalogue_:
        if r.group != group:
            group = r.group
            names = GROUPS.get(group, (group, group))
            click.secho(f"{group}  {names[0] if _lang() == 'zh' else names[1]}", bold=True)
        click.echo(f"  {r.code}  {r.name:<28} {labels[r.severity]:<4} {r.summary(_lang())}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
