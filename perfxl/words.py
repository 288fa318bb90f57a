"""Words in two languages that no one module owns: counts said in English, and the Chinese of
the command-line library's own messages.

perfxl speaks Chinese by default and English with ``--lang en``.  Click (the command-line
library) words its own messages — "Usage:", "Options", "Show this message and exit.", "Error:
Missing argument …" — in English through :mod:`gettext`; :data:`CLICK_ZH` is their Chinese, by
click's message text, which :mod:`perfxl.cli` gives click to speak with.  A message missing here
stays English (``tests/test_cli.py`` checks that every message click can show is listed).
"""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A count in English: "1 workbook", "2 workbooks", "0 errors"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# click's messages (the msgids of its gettext calls) → Chinese.  Placeholders keep click's names.
CLICK_ZH = {
    # help pages
    "Usage:": "用法：",
    "Options": "选项",
    "Positional arguments": "参数",  # click ≥ 8.5, where an argument has help
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不询问，直接确认。",
    # errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 '{command} {option}' 查看帮助。",
    "Aborted!": "已中止。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Value must be an iterable.": "值必须是一组数据。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的首字符无效（{option}）",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} 不是有效的是/否值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{filename!r} 无法写入（没有权限）。",
    "{name} {filename!r} is not executable.": "{filename!r} 无法执行。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Choice({choices})": "选项（{choices}）",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "提醒：命令 {name!r} 已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "提醒：{param_type} {name!r} 已弃用。{extra_message}",
    # messages with a singular and a plural in English: one Chinese text serves both
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{len_type} values are required, but {len_value} was given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
}
CLICK_ZH_PLURAL = {  # the plural msgid → Chinese
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "(Did you mean one of: {possibilities}?)": "（是不是要用以下之一：{possibilities}？）",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合以下任一格式：{formats}。",
    "{len_type} values are required, but {len_value} were given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
}
# click's words for kinds of values (metavars) and usage pieces, which it writes without gettext
METAVARS_ZH = {
    "[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]...", "FILE": "文件", "DIRECTORY": "文件夹",
    "PATH": "路径", "PATHS": "路径", "CODE": "规则编号", "INTEGER": "整数", "FLOAT": "数值", "TEXT": "文字",
    "BOOLEAN": "是/否",
}
