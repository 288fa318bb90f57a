"""Settings from ``perfxl.toml`` or ``[tool.perfxl]`` in ``pyproject.toml``, found upward.

Command-line flags win over the file; the file wins over the defaults of :class:`Settings`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from perfxl.errors import PerfxlError
from perfxl.findings import SEVERITIES

from .engine import REGISTRY, Settings, catalogue

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(PerfxlError):
    """A configuration file perfxl cannot use."""


def find_config(start: Path | None = None) -> tuple[Path, dict] | None:
    """The nearest ``perfxl.toml``, or ``pyproject.toml`` with a ``[tool.perfxl]`` table."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        own = folder / "perfxl.toml"
        if own.is_file():
            return own, _load(own)
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _load(project).get("tool", {}).get("perfxl")
            if table is not None:
                return project, table
    return None


def _load(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"配置文件无法读取：{exc}", path=str(path),
                          message_en=f"cannot read the configuration: {exc}") from exc


def settings_from(table: dict, source: str = "", base: Settings | None = None) -> Settings:
    """Settings from a configuration table, each key checked with a message naming it."""
    catalogue()
    settings = base or Settings()
    known = Settings.names() - {"lang"}
    for key, value in table.items():
        key_ = key.replace("-", "_")
        if key_ not in known:
            raise ConfigError(f"未知的配置项 {key!r}（可用：{'、'.join(sorted(known))}）",
                              path=source, message_en=f"unknown setting {key!r}")
        current = getattr(settings, key_)
        if isinstance(current, float) and isinstance(value, int | float) and value >= 0:
            value = float(value)
        elif isinstance(current, list) and isinstance(value, list) and all(
                isinstance(v, str) for v in value):
            pass
        elif key_ == "severity" and isinstance(value, dict):
            for code, sev in value.items():
                if code not in REGISTRY or sev not in SEVERITIES:
                    raise ConfigError(f"severity 配置有误：{code} = {sev!r}（规则编号须存在，"
                                      f"级别为 error/warning/info）", path=source,
                                      message_en=f"bad severity entry {code} = {sev!r}")
        else:
            raise ConfigError(f"配置项 {key} 的值 {value!r} 类型不对", path=source,
                              message_en=f"setting {key} has the wrong type: {value!r}")
        setattr(settings, key_, value)
    for prefix in settings.select + settings.ignore:
        if not any(code.startswith(prefix) for code in REGISTRY):
            raise ConfigError(f"select/ignore 中的 {prefix!r} 不对应任何规则", path=source,
                              message_en=f"{prefix!r} in select/ignore matches no rule")
    return settings


def load_settings(config: Path | None = None, **flags) -> tuple[Settings, str | None]:
    """Settings from ``config`` (or the one found upward), then the command-line ``flags``."""
    if config is not None:
        table = _load(config)
        if config.name == "pyproject.toml":
            table = table.get("tool", {}).get("perfxl", {})
        found: tuple[Path, dict] | None = (config, table)
    else:
        found = find_config()
    settings = settings_from(found[1], str(found[0])) if found else Settings()
    overrides = {k: v for k, v in flags.items() if v not in (None, (), [])}
    if overrides:
        settings = settings_from({k: list(v) if isinstance(v, tuple) else v
                                  for k, v in overrides.items() if k != "lang"}, "命令行",
                                 settings)
        settings.lang = overrides.get("lang", settings.lang)
    return settings, str(found[0]) if found else None
