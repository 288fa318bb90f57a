"""The command line: a thin layer over the library, and the only module that imports click.

It speaks one language at a time: Chinese by default, English with ``--lang en`` (or
``PERFXL_LANG=en``) — its own words, every --help text and click's own ("Usage:", "Show this
message and exit.", "Error: …").  A command's docstring is its help in Chinese, a line ``---``,
and in English; an option gives both texts in one line: ``@option("--x", help=("中文", "English"))``.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import inspect
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

import click

from perfxl.errors import PerfxlError, UnreadableWorkbook
from perfxl.words import CLICK_ZH, CLICK_ZH_PLURAL, METAVARS_ZH, count

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

# ----------------------------------------------------------------------------- the language
SPOKEN: contextvars.ContextVar[str] = contextvars.ContextVar("perfxl_lang", default="")


def _lang() -> str:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.obj and "lang" in ctx.obj:
            return ctx.obj["lang"]
        ctx = ctx.parent
    return SPOKEN.get() or _env_lang()


def _env_lang() -> str:
    return _language_named(os.environ.get("PERFXL_LANG", ""))


def _language_named(name: str) -> str:
    return "en" if name.strip().lower().startswith("en") else "zh"


def _t(key: str):
    return TEXT[_lang()][key]


ENGLISH: dict[str, str] = {}  # a help text in Chinese → the same in English


def two(zh: str, en: str) -> str:
    """A help text in Chinese, its English noted beside it for --lang en."""
    ENGLISH[zh] = en
    return zh


def said(text: str | None) -> str:
    """A help text in the language spoken."""
    text = text or ""
    return ENGLISH.get(text, text) if _lang() == "en" else text


def option(*decls, help: tuple[str, str], **kwargs):
    """``click.option`` with its help in both languages: ``help=("中文", "English")``."""
    return click.option(*decls, help=two(*help), **kwargs)


class Argument(click.Argument):
    """An argument whose kind of value (PATHS…) is named in the language spoken."""

    def make_metavar(self, *args, **kwargs) -> str:
        return _metavar(super().make_metavar(*args, **kwargs))


def argument(*decls, **kwargs):
    """``click.argument``, its value named in the language spoken (usage line, error messages)."""
    return click.argument(*decls, cls=Argument, **kwargs)


def _page(doc: str | None) -> str:
    """A command's help in the language spoken: its docstring's Chinese half (before the line
    ``---``) or its English half (after it)."""
    parts = re.split(r"^---[ \t]*$", inspect.cleandoc(doc or ""), maxsplit=1, flags=re.M)
    zh, en = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (parts[0], parts[0])
    return en if _lang() == "en" else zh


def _metavar(text: str) -> str:
    """A kind of value (FILE, INTEGER, PATHS…) as click names it, in Chinese when spoken."""
    if _lang() == "en":
        return text
    for english, chinese in METAVARS_ZH.items():
        text = re.sub(rf"(?<![\w-]){re.escape(english)}(?![\w])", chinese, text)
    return text


@contextlib.contextmanager
def _click_speaking(lang: str):
    """Click's own messages in ``lang`` while the command line runs.

    Click words them through gettext's module-level functions, which each of its modules
    imported as ``_`` and ``ngettext``; gettext gives them a catalogue only from .mo files found
    by environment variables, so for Chinese perfxl hands those modules two functions reading
    :data:`perfxl.words.CLICK_ZH` instead, and takes them back afterwards."""
    if lang != "zh":
        yield
        return

    def zh(message: str) -> str:
        return CLICK_ZH.get(message, message)

    def zh_n(singular: str, plural: str, n: int) -> str:
        return CLICK_ZH.get(singular, singular) if n == 1 else CLICK_ZH_PLURAL.get(plural, plural)

    swapped = []
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "click" or name.startswith("click.")):
            continue
        for attr, ours in (("_", zh), ("ngettext", zh_n)):
            original = getattr(module, attr, None)
            if original is gettext.gettext or original is gettext.ngettext:
                swapped.append((module, attr, original))
                setattr(module, attr, ours)
    try:
        yield
    finally:
        for module, attr, original in reversed(swapped):
            setattr(module, attr, original)


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_WIDE = "\u2e80-\u9fff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(  # a word or one Chinese character, with the punctuation that may not part from it
    rf"[（《「『【“‘(]*(?:[^\s{_WIDE}]+|[{_WIDE}])[）》」』】”’，。、；：！？)]*\s*")


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns: paragraphs (parted by blank lines) filled again,
    broken at spaces or between Chinese characters, never before closing punctuation."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for part in paragraph.splitlines():  # a line break in the source is a space in English
            part = part.strip()
            wide = joined[-1:] and _width(joined[-1]) == 2 and _width(part[:1]) == 2
            joined += part if not joined or wide else " " + part
        line = ""
        for word in _TOKEN.findall(joined):
            if line and _width(line + word.rstrip()) > width:
                lines.append(line.rstrip())
                line = word
            else:
                line += word
        lines.append(line.rstrip())
        lines.append("")
    return lines[:-1] or [""]


class HelpFormatter(click.HelpFormatter):
    """Click's help layout, with Chinese text wrapped and aligned by the columns it takes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None and _lang() == "zh":
            prefix = CLICK_ZH["Usage:"]
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        colon = "：" if _lang() == "zh" else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in _wrap(text, max(self.width - self.current_indent, 20)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((_width(a) for a, _ in rows), default=0), col_max) + col_spacing
        room = max(self.width - first_col - 2 - self.current_indent, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap(second, room)
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


HELP_OPTION = two("显示本帮助并退出。", "Show this message and exit.")


class Command(click.Command):
    """A command whose docstring is its help in Chinese, a line ``---``, and in English."""

    context_class = Context

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = _page(self.help).partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help."""
        text = " ".join(_page(self.short_help or self.help).split())
        found = re.match(r"(.+?(?:。|(?<!e\.g)\.(?=\s|$)))", text)
        return found.group(1) if found else text

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [_metavar(piece) for piece in super().collect_usage_pieces(ctx)]

    def get_help_option(self, ctx: click.Context):
        found = super().get_help_option(ctx)
        if found is not None:
            found.help = HELP_OPTION  # click words it once, in the language of its first use
        return found

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                names, text = record
                if param.help and text.startswith(param.help):  # click adds [default: …] after it
                    text = said(param.help) + text[len(param.help):]
                rows.append((_metavar(names), text))
        if rows:
            with formatter.section(CLICK_ZH["Options"] if _lang() == "zh" else "Options"):
                formatter.write_dl(rows)


class Group(Command, click.Group):
    """The ``perfxl`` command: it settles the language before click reads the command line."""

    command_class = Command

    def main(self, args=None, *rest, **kwargs):
        args = list(sys.argv[1:] if args is None else args)
        spoken = SPOKEN.set(self._language(args))
        try:
            with _click_speaking(SPOKEN.get()):
                return super().main(args, *rest, **kwargs)
        finally:
            SPOKEN.reset(spoken)

    def _language(self, args: list[str]) -> str:
        """--lang as given before the command's name, else PERFXL_LANG, else Chinese."""
        for at, arg in enumerate(args):
            if arg == "--lang" and at + 1 < len(args):
                return _language_named(args[at + 1])
            if arg.startswith("--lang="):
                return _language_named(arg.partition("=")[2])
            if arg in self.commands:
                break
        return _env_lang()

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str()) for name, cmd in sorted(self.commands.items())
                if not cmd.hidden]
        if rows:
            with formatter.section(CLICK_ZH["Commands"] if _lang() == "zh" else "Commands"):
                formatter.write_dl(rows)


class Fail(click.ClickException):
    """A user-facing failure: the message, no traceback, exit code 2."""

    exit_code = 2


def _profile(name: str):
    from perfxl.form.profile import ProfileError, load_profile

    try:
        return load_profile(name)
    except ProfileError as exc:
        raise Fail(str(exc)) from exc


password_option = option(
    "--password", envvar="PERFXL_PASSWORD", default=None,
    help=("打开加密工作簿的密码（也可用环境变量 PERFXL_PASSWORD）；文件本身不会被改动",
          "password of encrypted workbooks (or the variable PERFXL_PASSWORD); the file itself is never changed"))
jobs_option = option("--jobs", type=int, default=None,
                     help=("并行进程数（默认等于 CPU 数）", "worker processes (default: one per CPU)"))
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


timeout_option = option("--timeout", type=float, default=120.0, show_default=True, callback=_seconds,
                        help=("每个文件的读取时限（秒）", "seconds allowed to read each file"))
memory_option = option("--memory", type=int, default=1536, show_default=True, callback=_megabytes,
                       help=("每个读取进程的内存上限（MB，0 为不设上限）",
                             "memory limit of each reading process (MB; 0 for none)"))
inside_option = option("--allow-inside-inputs", "allow_inside", is_flag=True,
                       help=("允许把输出写在输入文件夹之内（perfxl 下次运行时会认出并跳过自己写出的文件）",
                             "allow outputs inside an input folder (perfxl recognises and skips its own "
                             "outputs on the next run)"))
config_option = option(
    "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=("配置文件（默认向上查找 perfxl.toml 或 pyproject.toml 的 [tool.perfxl]）",
          "configuration file (default: perfxl.toml, or [tool.perfxl] in pyproject.toml, looked for upward)"))


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
              else f"removed {count(len(removed), 'temporary file')} left by an interrupted run"), err=True)


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


def _version(ctx: click.Context, _param, shown: bool) -> None:
    if not shown or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("perfxl")
    except PackageNotFoundError:  # run from a source tree that was never installed
        number = "?"
    click.echo(f"perfxl，版本 {number}" if _lang() == "zh" else f"perfxl, version {number}")
    ctx.exit()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@option("--lang", type=click.Choice(["zh", "en"]), default=None,
        help=("提示语言：zh 中文（默认），en 英文；也可用环境变量 PERFXL_LANG",
              "language: zh Chinese (default), en English; or the variable PERFXL_LANG"))
@option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
        help=("显示版本并退出。", "Show the version and exit."))
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    """perfxl：财政支出绩效自评表的模板、校验、批注与汇总。

    ---

    perfxl: the fill-in template, checks, notes and county summary of the self-evaluation form
    of fiscal spending performance (财政支出绩效自评表).
    """
    ctx.obj = {"lang": _language_named(lang) if lang else SPOKEN.get() or _env_lang()}


@main.command()
@option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
        help=("输出格式：table（默认）或 json", "output: table (default) or json"))
def profiles(fmt):
    """列出可用的表样：编号、名称、年度和用途。

    ---

    List the form profiles perfxl knows: id, name, default year and purpose.
    """
    from perfxl.form.profile import available_profiles

    rows = []
    for pid in available_profiles():
        p = _profile(pid)
        rows.append({"id": p.id, "name": p.name, "year": p.default_year, "version": p.version,
                     "purpose": p.purpose, "basis": p.basis,
                     "sheets": [s.name for s in p.sheets], "grades": [g.label for g in p.grades]})
    if fmt == "json":
        click.echo(json.dumps({"profiles": rows}, ensure_ascii=False, indent=2))
        return
    zh = _lang() == "zh"
    click.echo("\t".join(["编号", "名称", "默认年度", "用途"] if zh else ["id", "name", "default year", "purpose"]))
    for r in rows:
        click.echo("\t".join([r["id"], r["name"], str(r["year"]), r["purpose"]]))



@main.command()
@option("--profile", "profile_name", default="gd-2020", show_default=True,
        help=("表样编号（perfxl profiles 列出全部）或表样文件路径",
              "form profile: its id (perfxl profiles lists them) or a profile file"))
@option("--year", type=int, default=None,
        help=("资金安排年份（默认取表样设定）", "funding year (default: the profile's)"))
@option("--county", default=None, help=("县（区）名称", "county (district) name"))
@option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
        help=("输出的 .xlsx 文件", "the .xlsx file to write"))
@option("--fields", "list_fields", is_flag=True,
        help=("列出全部字段而不生成模板", "list every field instead of writing the template"))
@option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
        help=("--fields 的输出格式：table（默认）或 json", "output of --fields: table (default) or json"))
def template(profile_name, year, county, output, list_fields, fmt):
    """生成填报模板（或用 --fields 列出字段）。

    ---

    Write the fill-in template (or list its fields with --fields).
    """
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
@argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
        help=("输出格式：text（默认）或 json", "output: text (default) or json"))
@option("--select", multiple=True,
        help=("只运行这些规则（编号前缀，可多次给出）", "run only these rules (code prefixes; may be repeated)"))
@option("--ignore", multiple=True,
        help=("不运行这些规则（编号前缀；优先于 --select）", "skip these rules (code prefixes; wins over --select)"))
@config_option
@option("--annotate", is_flag=True,
        help=("把批注写回工作簿（原地、原子地写入）", "write the notes into the workbooks (in place, atomically)"))
@option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
        help=("把批注写入此文件夹中的副本（保留原文件夹结构），原文件不动",
              "write the notes into copies in this folder (keeping the folders); the files stay untouched"))
@inside_option
@jobs_option
@timeout_option
@memory_option
@password_option
def validate(paths, fmt, select, ignore, config, annotate, out_dir, allow_inside, jobs, timeout, memory,
             password):
    """校验工作簿（文件或文件夹）。退出码：0 无错误，1 有错误，2 用法错误或有文件未能处理（无法读取或批注未写入）。

    ---

    Check workbooks (files or folders). Exit codes: 0 no errors, 1 errors found, 2 a usage
    error or a file not processed (unreadable, or its notes not written).
    """
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
        if done.comments:
            _say(f"已写入批注 → {done.path}（{done.comments} 处）" if _lang() == "zh"
                 else f"notes written → {done.path} ({count(done.comments, 'cell')})", err=True)
        else:  # a clean workbook gets its results sheet: a receipt that it was checked
            _say(f"已写入校验结果（未发现问题） → {done.path}" if _lang() == "zh"
                 else f"results sheet written (no findings) → {done.path}", err=True)


@main.command()
@argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@option("--keep-explanations", is_flag=True,
        help=("保留结果表中单位填写的说明", "keep the explanations the unit typed in the results sheet"))
@option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
        help=("把清理后的副本写入此文件夹，原文件不动",
              "write cleaned copies into this folder; the files stay untouched"))
@inside_option
def clean(paths, keep_explanations, out_dir, allow_inside):
    """去掉 perfxl 写入的全部批注、高亮和结果表，还原工作簿。退出码：0 完成，2 有文件无法处理。

    ---

    Remove every note, highlight and results sheet perfxl wrote, giving the workbook back as it
    was. Exit codes: 0 done, 2 a file could not be processed.
    """
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
@argument("code", required=False)
def rules(code):
    """列出全部校验规则；给出编号（如 F001）则显示该规则的说明。

    ---

    List every rule; with a code (e.g. F001), show that rule's page.
    """
    from perfxl.check.catalogue import GROUPS, catalogue
    from perfxl.findings import SEVERITY_LABELS

    labels = SEVERITY_LABELS[_lang()]
    catalogue_ = catalogue()
    if code:
        found = [r for r in catalogue_ if r.code == code.upper() or r.name == code]
        if not found:
            raise Fail(f"没有规则 {code}" if _lang() == "zh" else f"no rule {code}")
        r = found[0]
        head = f"{r.code} {r.name}（{labels[r.severity]}）" if _lang() == "zh" else \
            f"{r.code} {r.name} ({labels[r.severity]})"
        import shutil

        width = min(shutil.get_terminal_size((100, 24)).columns, 100)
        page = "\n".join(_wrap(r.page(_lang()), width - 1))  # filled again: Chinese lines part anywhere
        page = re.sub(r"\*\*(.+?)\*\*", lambda m: click.style(m.group(1), bold=True), page)
        click.echo(f"{head}\n\n{page}")  # headings in bold (plain when not a terminal)
        return
    group = None
    for r in catalogue_:
        if r.group != group:
            group = r.group
            names = GROUPS.get(group, (group, group))
            click.secho(f"{group}  {names[0] if _lang() == 'zh' else names[1]}", bold=True)
        click.echo(f"  {r.code}  {r.name:<28} {labels[r.severity]:<4} {r.summary(_lang())}")


MAP_TEXT = {
    "zh": {
        "labels": "{path}：没有模板标记，按标签读取——表样 {profile}（{name}），对上 {found}/{total} 个标签",
        "template": "{path}：按模板读取（{how}）——表样 {profile}（{name}）",
        "names": "定义名称", "layout": "表样位置",
        "sheets": "表样所在工作表：{sheets}", "ignored": "其余工作表未读取：{sheets}",
        "header": ["字段", "标签单元格", "取值单元格", "原文", "取值", "读取方式"],
        "how": {"names": "定义名称", "layout": "表样位置", "colon": "冒号后", "right": "标签右侧",
                "below": "标签下方", "column": "行列交叉", "title": "标题", "missing": "未找到",
                "computed": "表中未列，按公式计算"},
        "units": "金额单位：{line}",
        "missing": "未找到的标签（{n} 个）：", "unmatched": "表中未认出的文字（{n} 处，可能是标签的其他写法）：",
        "twice": "出现两处且不一致：{label}（{cell} 与 {other}）",
        "not_read": "{path}：未能读取——{reason}",
        "nearest": "与各表样对照（按对上的标签比例）：",
        "nearest_line": "  {profile}（{name}）：对上 {found}/{total} 个标签（{share:.0%}）",
        "found": "    对上：", "lacks": "    缺少：",
    },
    "en": {
        "labels": "{path}: no template marks, read by labels — form {profile} ({name}), "
                  "{found} of {total} labels found",
        "template": "{path}: read as a template ({how}) — form {profile} ({name})",
        "names": "defined names", "layout": "the template's layout",
        "sheets": "sheets holding the form: {sheets}", "ignored": "other sheets, not read: {sheets}",
        "header": ["field", "label cell", "value cell", "text", "value", "how"],
        "how": {"names": "defined name", "layout": "layout", "colon": "after colon", "right": "right of label",
                "below": "below label", "column": "row × column", "title": "title", "missing": "not found",
                "computed": "not in the sheet: computed"},
        "units": "unit: {line}",
        "missing": "labels not found ({n}):",
        "unmatched": "texts in the tables matching no label ({n}, other spellings?):",
        "twice": "found twice, different values: {label} ({cell} and {other})",
        "not_read": "{path}: not read — {reason}",
        "nearest": "against each form (share of its labels found):",
        "nearest_line": "  {profile} ({name}): {found} of {total} labels ({share:.0%})",
        "found": "    found: ", "lacks": "    missing: ",
    },
}


@main.command(name="map")
@argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
        help=("输出格式：text（默认）或 json", "output format: text (default) or json"))
def map_command(path, fmt):
    """显示工作簿是如何读取的：每个字段的标签位置、取值位置与取值，未找到的标签和未认出的文字。

    退出码：0 已读取，2 未能读取（并列出与各表样对照时对上和缺少的标签）。

    ---

    Show how a workbook was read: each field's label cell, value cell and value, the labels not
    found and the texts not understood.

    Exit codes: 0 read, 2 not read (with the labels each form found and missed).
    """
    from perfxl.read.fieldmap import as_dicts, field_map, nearest_forms
    from perfxl.read.guard import open_checked
    from perfxl.read.workbook import read_report

    words = MAP_TEXT[_lang()]
    try:
        open_checked(path)
        report = read_report(path)
    except PerfxlError as exc:
        reason = exc.message_en if _lang() == "en" else exc.message
        nearest = []
        if not isinstance(exc, UnreadableWorkbook):
            try:
                nearest = nearest_forms(path)
            except Exception:  # the reason above is the answer then
                nearest = []
        if fmt == "json":
            click.echo(json.dumps({"path": str(path), "read": False, "reason": reason, "nearest": [
                {"profile": p, "name": n, "share": round(s, 4), "found": f, "missing": m}
                for p, n, s, f, m in nearest]}, ensure_ascii=False, indent=2))
        else:
            click.echo(words["not_read"].format(path=path, reason=reason))
            if nearest:
                click.echo(words["nearest"])
            for p, n, s, f, m in nearest:
                click.echo(words["nearest_line"].format(profile=p, name=n, found=len(f), total=len(f) + len(m),
                                                        share=s))
                sep = "、" if _lang() == "zh" else ", "
                none = "（无）" if _lang() == "zh" else "(none)"
                click.echo(words["found"] + (sep.join(f) or none))
                click.echo(words["lacks"] + (sep.join(m) or none))
        sys.exit(2)
    rows = field_map(report)
    reading = report.labels
    if fmt == "json":
        doc = {"path": str(path), "read": True, "read_by": report.read_by, "profile": report.profile.id,
               "fields": as_dicts(rows)}
        if reading is not None:
            doc.update({"labels_found": reading.found, "labels_total": reading.total, "sheets": reading.sheets,
                        "ignored_sheets": reading.ignored, "units": reading.units,
                        "missing_labels": reading.missing_labels,
                        "not_found": [{"label": i.label, "field": i.field, "sheet": i.sheet, "cell": i.cell}
                                      for i in reading.issues if i.kind == "missing"],
                        "found_twice": [{"label": i.label, "field": i.field, "cell": f"{i.sheet}!{i.cell}",
                                         "other": f"{i.other_sheet}!{i.other_cell}", "value": i.value,
                                         "other_value": i.other_value}
                                        for i in reading.issues if i.kind == "twice"],
                        "unmatched": [{"sheet": s, "cell": c, "text": t} for s, c, t in reading.unmatched]})
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    p = report.profile
    if reading is not None:
        click.secho(words["labels"].format(path=path, profile=p.id, name=p.name, found=reading.found,
                                           total=reading.total), bold=True)
        click.echo(words["sheets"].format(sheets="、".join(reading.sheets)))
        if reading.ignored:
            click.echo(words["ignored"].format(sheets="、".join(reading.ignored)))
        for line in reading.units:
            click.echo(words["units"].format(line=line))
    else:
        how = words["layout"] if any(r.how == "layout" for r in rows) else words["names"]
        click.secho(words["template"].format(path=path, how=how, profile=p.id, name=p.name), bold=True)
    click.echo("\t".join(words["header"]))
    for r in rows:
        raw = r.raw.replace("\n", " ")
        raw = raw if len(raw) <= 30 else raw[:29] + "…"
        value = r.value.replace("\n", " ")
        value = value if len(value) <= 30 else value[:29] + "…"
        click.echo("\t".join([r.label, r.label_cell or "—", r.value_cell or "—", raw, value,
                              words["how"].get(r.how, r.how)]))
    if reading is None:
        return
    missing = [i for i in reading.issues if i.kind == "missing"]
    if missing:
        click.secho(words["missing"].format(n=len(missing)), fg="red")
        for i in missing:
            also = f"（{'、'.join(i.spellings)}）" if i.spellings else ""
            click.echo(f"  {i.label}{also}  → {i.sheet}!{i.cell}")
    for i in (i for i in reading.issues if i.kind == "twice"):
        click.secho(words["twice"].format(label=i.label, cell=f"{i.sheet}!{i.cell}",
                                          other=f"{i.other_sheet}!{i.other_cell}"), fg="red")
    if reading.unmatched:
        click.secho(words["unmatched"].format(n=len(reading.unmatched)), fg="yellow")
        for sheet, cell, text in reading.unmatched:
            click.echo(f"  {sheet}!{cell}  {text}")


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
@argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help=("汇总工作簿（.xlsx）", "the summary workbook (.xlsx)"))
@option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
        help=("同时写出 JSON（供其他系统使用）", "also write the summary as JSON (for other systems)"))
@option("--unit", type=click.Choice(["万元", "元"]), default="万元", show_default=True,
        help=("汇总工作簿中的金额单位（JSON 始终以元为单位）",
              "unit of the amounts in the summary workbook (the JSON is always in 元)"))
@option("--budget", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=("预算清单（.xlsx 或 .csv：部门、项目、批复预算；表头写“（万元）”或表上注明“单位：万元”的"
              "按万元读），用于核对",
              "budget list (.xlsx or .csv: department, project, approved budget; in 万元 where its header "
              "or a line above says so) to reconcile with"))
@option("--annotate-to", type=click.Path(file_okay=False, path_type=Path),
        help=("把有问题的工作簿批注后另存到此文件夹（保留原文件夹结构），便于退回修改",
              "write annotated copies of the workbooks with findings into this folder (keeping the "
              "folders), to send back"))
@inside_option
@jobs_option
@timeout_option
@memory_option
@option("--select", multiple=True, help=("只运行这些规则（编号前缀）", "run only these rules (code prefixes)"))
@option("--ignore", multiple=True, help=("不运行这些规则（编号前缀）", "skip these rules (code prefixes)"))
@config_option
@password_option
def summarize(paths, output, json_path, unit, budget, annotate_to, allow_inside, jobs, timeout, memory, select,
              ignore, config, password):
    """汇总文件夹或压缩包中的全部工作簿。

    退出码：0 全部读取且无错误，1 有错误，2 有文件未能处理（无法读取、批注副本未写出）或用法错误。

    ---

    Summarise every workbook of folders or zips for the county. Exit codes: 0 all read and no
    errors, 1 errors found, 2 a file not processed (unreadable, an annotated copy not written) or
    a usage error.
    """
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
        write_summary(county, output, lang=_lang(), unit=unit)
        if json_path:
            _write_text(json_path, json.dumps(county_json(county), ensure_ascii=False, indent=2))
    except (OSError, PerfxlError) as exc:
        raise Fail(exc.text(_lang()) if isinstance(exc, PerfxlError) else f"{exc}") from exc
    for failure in county.annotate_failures:
        _say(f"{failure.path}: {failure.reason if _lang() == 'zh' else failure.reason_en}", err=True)
    t = county.totals
    if county.skipped:
        _say(f"已跳过 {len(county.skipped)} 个不是报送自评表的文件，见汇总表“未能处理”" if _lang() == "zh"
             else f"{count(len(county.skipped), 'file')} that are not submitted forms skipped (see Failures)",
             err=True)
    left, copies = t.get("left_out", 0), len(county.annotate_failures)
    not_written = f"{count(copies, 'annotated copy', 'annotated copies')} not written, " if copies else ""
    zh = (f"共 {t['workbooks']} 个文件，{t['projects']} 个项目计入汇总"
          f"{f'（{left} 份未计入，原因见汇总表“备注”列）' if left else ''}，{t['errors']} 个错误，"
          f"{t['unreadable']} 个无法读取，{f'{copies} 个批注副本未写出，' if copies else ''}"
          f"用时 {t['seconds']:.1f} 秒 → {output}")
    en = (f"{count(t['workbooks'], 'file')}, {count(t['projects'], 'project')} counted"
          f"{f' ({left} left out, see the Note column)' if left else ''}, "
          f"{count(t['errors'], 'error')}, {t['unreadable']} unreadable, "
          f"{not_written}{t['seconds']:.1f} s → {output}")
    _say(zh if _lang() == "zh" else en, bold=True)
    _say_other_groups(county)
    if t["unreadable"] or county.annotate_failures:
        sys.exit(2)
    sys.exit(1 if t["errors"] else 0)


def _say_other_groups(county) -> None:
    """Workbooks of another county or year: named, as they are in none of the figures."""
    ours = next((g for g in county.groups if g["counted"]), None)
    others = [g for g in county.groups if not g["counted"]]
    if ours is None or not others:
        return
    n = sum(g["workbooks"] for g in others)
    if _lang() == "zh":
        items = "；".join(f"{p}（{g['county']}{g['year'] or ''}年度）" for g in others for p in g["paths"])
        _say(f"注意：{n} 份自评表不属于{ours['county']}{ours['year'] or ''}年度，未计入汇总：{items}", fg="yellow")
    else:
        items = "; ".join(f"{p} ({' '.join(str(v) for v in (g['county'], g['year']) if v)})"
                          for g in others for p in g["paths"])
        _say(f"Note: {count(n, 'workbook')} not of {ours['county']} {ours['year'] or ''} and not counted: "
             f"{items}", fg="yellow")


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
