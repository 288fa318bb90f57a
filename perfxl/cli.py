"""The command line: a thin layer over the library, and the only module that imports click."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import click

from perfxl.errors import PerfxlError

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
    from perfxl.form.profile import ProfileError, load_profile

    try:
        return load_profile(name)
    except ProfileError as exc:
        raise Fail(str(exc)) from exc


password_option = click.option(
    "--password", envvar="PERFXL_PASSWORD", default=None,
    help="打开加密工作簿的密码（也可用环境变量 PERFXL_PASSWORD）；文件本身不会被改动")


def _seconds(ctx, param, value):
    import math

    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter("须为大于 0 的秒数" if _lang() == "zh" else "must be a number of seconds above 0")
    return value


def _megabytes(ctx, param, value):
    if value is not None and value < 0:
        raise click.BadParameter("须为 0（不设上限）或正数（MB）" if _lang() == "zh"
                                 else "must be 0 (no limit) or a positive number of MB")
    return value


timeout_option = click.option("--timeout", type=float, default=120.0, show_default=True, callback=_seconds,
                              help="每个文件的读取时限（秒）")
memory_option = click.option("--memory", type=int, default=1536, show_default=True, callback=_megabytes,
                             help="每个读取进程的内存上限（MB，0 为不设上限）")
inside_option = click.option("--allow-inside-inputs", "allow_inside", is_flag=True,
                             help="允许把输出写在输入文件夹之内（perfxl 下次运行时会认出并跳过自己写出的文件）")


def _say(text: str, **style) -> None:
    """A line on the console (stderr with err=True), its control characters made harmless."""
    from perfxl.batch.output import printable

    click.secho(printable(text), **style)


def _swept(*, trees=(), files=()) -> None:
    """Remove what killed runs left (batch.debris) where this run works; say so."""
    import time

    from perfxl.batch.debris import sweep

    removed = sweep(trees, files, since=time.time())  # before this run has written anything
    if removed:
        _say((f"已删除之前中断的运行留下的 {len(removed)} 个临时文件" if _lang() == "zh"
              else f"removed {len(removed)} temporary files left by an interrupted run"), err=True)


def _mkdir(folder: Path | None) -> None:
    """The output folder made, or a plain reason why it cannot be (exit 2)."""
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from perfxl.ooxml.atomic import os_words

        zh, en = os_words(exc)
        if isinstance(exc, FileExistsError | NotADirectoryError):
            zh, en = "该路径（或其上一级）是一个文件，不是文件夹", "it (or a folder above it) is a file"
        raise Fail(f"无法创建输出文件夹 {folder}：{zh}" if _lang() == "zh"
                   else f"cannot create the output folder {folder}: {en}") from exc


def _refuse_outputs(paths, **outputs) -> None:
    from perfxl.batch.write import check_outputs

    try:
        check_outputs(paths, **outputs)
    except PerfxlError as exc:
        raise Fail(exc.text(_lang())) from exc


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
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              help="--fields 的输出格式：table（默认）或 json")
def template(profile_name, year, county, output, list_fields, fmt):
    """生成填报模板（或用 --fields 列出字段）。"""
    profile = _profile(profile_name)
    if list_fields:
        _print_fields(profile, fmt)
        return
    if output is None:
        raise Fail("请用 -o 指定输出文件，例如 -o 模板.xlsx" if _lang() == "zh"
                   else "give the output file with -o, e.g. -o template.xlsx")
    from perfxl.form.template import write_template

    try:
        write_template(profile, output, year=year, county=county)
    except (OSError, PerfxlError) as exc:
        raise Fail(f"{output}: {exc}") from exc
    from perfxl.form.layout import layout_for

    n = len(layout_for(profile).slots)
    click.echo(_t("wrote").format(path=output, profile=profile.id, n=n))


def _print_fields(profile, fmt: str) -> None:
    from perfxl.form.layout import layout_for

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
    from perfxl.check.config import load_settings

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
@click.option("--annotate", is_flag=True, help="把批注写回工作簿（原地、原子地写入）")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="把批注写入此文件夹中的副本（保留原文件夹结构），原文件不动")
@inside_option
@click.option("--jobs", type=int, default=None, help="并行进程数（默认等于 CPU 数）")
@timeout_option
@memory_option
@password_option
def validate(paths, fmt, select, ignore, config, annotate, out_dir, allow_inside, jobs, timeout, memory,
             password):
    """校验工作簿（文件或文件夹）。退出码：0 无错误，1 有错误，2 用法错误或有文件未能处理（无法读取或批注未写入）。"""
    from perfxl.batch.output import console_lines, to_json
    from perfxl.batch.validate import collect_paths, validate_paths

    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise Fail(("找不到：" if _lang() == "zh" else "not found: ") + "、".join(missing))
    if not collect_paths(paths):
        raise Fail("没有找到工作簿（.xlsx/.xlsm/.xls）" if _lang() == "zh"
                   else "no workbooks found (.xlsx/.xlsm/.xls)")
    settings = _settings(config, select, ignore)
    _refuse_outputs(paths, folders=[out_dir], allow_inside=allow_inside)
    _mkdir(out_dir)
    _swept(trees=[p for p in paths if p.is_dir()] + ([out_dir] if out_dir else []),
           files=[p for p in paths if not p.is_dir()])
    limits = _limits(jobs, timeout, memory, password)
    results = validate_paths(paths, settings, limits=limits)
    if annotate or out_dir:
        _write_notes(results, out_dir, limits)
    if fmt == "json":
        click.echo(to_json(results))
    else:
        color = None if sys.stdout.isatty() else False
        for text, kind in console_lines(results, _lang()):
            click.secho(text, color=color, **STYLE.get(kind, {}))
    if any(r.status == "unreadable" or r.write_error for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.errors for r in results) else 0)


def _write_notes(results, out_dir: Path | None, limits) -> None:
    """Write each checked workbook's findings into it (or a copy in ``out_dir``), each in a
    worker process; one that cannot be written is marked on its result and reported with it."""
    from perfxl.batch.write import annotate_results

    for _, done in annotate_results(results, out_dir, checked_at(), _lang(), limits):
        _say(("已写入批注 → {p}（{n} 处）" if _lang() == "zh" else "notes written → {p} ({n} cells)")
             .format(p=done.path, n=done.comments), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--keep-explanations", is_flag=True, help="保留结果表中单位填写的说明")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="把清理后的副本写入此文件夹，原文件不动")
@inside_option
def clean(paths, keep_explanations, out_dir, allow_inside):
    """去掉 perfxl 写入的全部批注、高亮和结果表，还原工作簿。退出码：0 完成，2 有文件无法处理。"""
    from perfxl.batch.write import clean_paths

    _refuse_outputs(paths, folders=[out_dir], allow_inside=allow_inside)
    _mkdir(out_dir)
    _swept(trees=[p for p in paths if p.is_dir()] + ([out_dir] if out_dir else []),
           files=[p for p in paths if not p.is_dir()])
    failed = False
    words = ("已清理", "无需清理") if _lang() == "zh" else ("cleaned", "nothing to clean")
    for path, got in clean_paths(paths, out_dir, keep_explanations):
        if isinstance(got, bool):
            _say(f"{words[0] if got else words[1]}: {path}")
        else:
            _say(f"{path}: {got.text(_lang())}", fg="red", err=True)
            failed = True
    sys.exit(2 if failed else 0)


@main.command()
@click.argument("code", required=False)
def rules(code):
    """列出全部校验规则；给出编号（如 F001）则显示该规则的说明。"""
    from perfxl.check.catalogue import GROUPS, catalogue
    from perfxl.findings import SEVERITY_LABELS

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


def checked_at() -> str:
    """When the check ran: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() \
        else dt.datetime.now().astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _limits(jobs, timeout, memory, password=None):
    from perfxl.batch.validate import Limits

    return Limits(jobs=jobs, timeout=timeout, memory_mb=memory, password=password or None)



@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="汇总工作簿（.xlsx）")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="同时写出 JSON（供其他系统使用）")
@click.option("--budget", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="预算清单（.xlsx 或 .csv：部门、项目、批复预算），用于核对")
@click.option("--annotate-to", type=click.Path(file_okay=False, path_type=Path),
              help="把有问题的工作簿批注后另存到此文件夹（保留原文件夹结构），便于退回修改")
@inside_option
@click.option("--jobs", type=int, default=None, help="并行进程数（默认等于 CPU 数）")
@timeout_option
@memory_option
@click.option("--select", multiple=True, help="只运行这些规则（编号前缀）")
@click.option("--ignore", multiple=True, help="不运行这些规则（编号前缀）")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="配置文件（默认向上查找 perfxl.toml 或 pyproject.toml 的 [tool.perfxl]）")
@password_option
def summarize(paths, output, json_path, budget, annotate_to, allow_inside, jobs, timeout, memory, select,
              ignore, config, password):
    """汇总文件夹或压缩包中的全部工作簿。

    退出码：0 全部读取且无错误，1 有错误，2 有文件未能处理（无法读取、批注副本未写出）或用法错误。"""
    from perfxl.county.book import write_summary
    from perfxl.county.summarize import county_json
    from perfxl.county.summarize import summarize as run_summary

    if output.suffix.lower() != ".xlsx":
        raise Fail(f"汇总表须写成 .xlsx 文件（如 -o 汇总.xlsx），而不是 {output}" if _lang() == "zh"
                   else f"the summary is an .xlsx workbook (e.g. -o summary.xlsx), not {output}")
    if json_path is not None and json_path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".zip"):
        raise Fail(f"--json 写出的是 JSON 文本，请用 .json 文件名，而不是 {json_path}" if _lang() == "zh"
                   else f"--json writes JSON text: give a .json name, not {json_path}")
    settings = _settings(config, select, ignore)
    _refuse_outputs(paths, files=[output, json_path], folders=[annotate_to], allow_inside=allow_inside)
    _mkdir(annotate_to)
    _swept(trees=[p for p in paths if p.is_dir()] + ([annotate_to] if annotate_to else []),
           files=[p for p in paths if not p.is_dir()] + [output] + ([json_path] if json_path else []))
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="读取" if _lang() == "zh" else "reading",
                                    file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        county = run_summary(paths, settings=settings, limits=_limits(jobs, timeout, memory, password),
                             budget=budget, annotate_to=annotate_to, progress=progress,
                             checked_at=checked_at(), lang=_lang())
    except PerfxlError as exc:
        raise Fail(exc.text(_lang())) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    try:
        write_summary(county, output, lang=_lang())
        if json_path:
            _write_text(json_path, json.dumps(county_json(county), ensure_ascii=False, indent=2))
    except (OSError, PerfxlError) as exc:
        raise Fail(exc.text(_lang()) if isinstance(exc, PerfxlError) else f"{exc}") from exc
    for failure in county.annotate_failures:
        _say(f"{failure.path}: {failure.reason if _lang() == 'zh' else failure.reason_en}", err=True)
    t = county.totals
    if county.skipped:
        _say(f"已跳过 {len(county.skipped)} 个不是报送自评表的文件，见汇总表“未能处理”" if _lang() == "zh"
             else f"{len(county.skipped)} files that are not submitted forms were skipped (see Failures)",
             err=True)
    copies = len(county.annotate_failures)
    zh = (f"共 {t['workbooks']} 个文件，{t['projects']} 个项目，{t['errors']} 个错误，"
          f"{t['unreadable']} 个无法读取，{f'{copies} 个批注副本未写出，' if copies else ''}"
          f"用时 {t['seconds']:.1f} 秒 → {output}")
    en = (f"{t['workbooks']} files, {t['projects']} projects, {t['errors']} errors, "
          f"{t['unreadable']} unreadable, {f'{copies} annotated copies not written, ' if copies else ''}"
          f"{t['seconds']:.1f} s → {output}")
    _say(zh if _lang() == "zh" else en, bold=True)
    if t["unreadable"] or county.annotate_failures:
        sys.exit(2)
    sys.exit(1 if t["errors"] else 0)


def _write_text(path: Path, text: str) -> None:
    from perfxl.ooxml.atomic import atomic_write

    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def run() -> None:
    """The ``perfxl`` script: the command line, and a quick exit after it.

    At exit the interpreter's cyclic collector walks every object there is (a tenth of a second
    once pandas is loaded); nothing cyclic needs freeing when the process ends, so the objects
    are frozen out of its sight first.  Files are all closed by then; exit handlers still run.
    """
    import atexit
    import gc
    import signal

    atexit.register(gc.freeze)
    stopped: list[int] = []

    def interrupted(signum, frame):  # SIGTERM tidies up as Ctrl-C does: the same unwinding
        stopped.append(signum)
        raise KeyboardInterrupt

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(getattr(signal, name), interrupted)
    try:
        main()
    except SystemExit:
        if stopped:  # not "errors found" (1): the conventional 128 + the signal
            sys.exit(128 + stopped[0])
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
