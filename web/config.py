"""One configuration for the server and the CLI: defaults ← TOML file ← environment ← command line.

Every setting is declared once below (name, default, type, help), as Datasette does. ``load()``
checks the whole configuration at start and raises ConfigError listing every bad key at once.
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from geo.errors import DataError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str
    env: tuple[str, ...] = ()          # extra environment names besides ZHUJI_MAP_<NAME>


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", str, "address to listen on (0.0.0.0 serves the intranet)", ("HOST",)),
    Setting("port", 5000, int, "port to listen on", ("PORT",)),
    Setting("threads", 8, int, "waitress worker threads"),
    Setting("basemap", "none", str, "none, tianditu, tianditu-img, osm or gaode (comma-separated)"),
    Setting("tianditu_key", "", str, "天地图 key, required for the tianditu basemaps"),
    Setting("basemaps", [], list, "more basemaps: TOML [[basemaps]] tables (name, url, datum, …; see README); "
            "environment: a JSON list"),
    Setting("basemap_dir", None, Path, "offline basemaps: *.mbtiles files shown in the switcher (default data/basemap)"),
    Setting("plan_dir", None, Path, "plan attribute tables (default data/plan)"),
    Setting("boundaries_dir", None, Path, "geometry files (default data/boundaries)"),
    Setting("data_dir", None, Path, "directory of the SQLite project store (default instance/)"),
    Setting("database_url", None, str, "postgresql://… to keep projects in PostGIS instead", ("DATABASE_URL",)),
    Setting("token", "", str, "bootstrap editor token for scripts (Authorization: Bearer …); unset = read-only"),
    Setting("max_upload_mb", 20.0, float, "largest upload in MB (the server refuses larger bodies before reading them)"),
    Setting("max_rows", 200_000, int, "most rows per upload"),
    Setting("max_parse_seconds", 60.0, float, "time limit for parsing one uploaded workbook"),
    Setting("max_parse_memory_mb", 1024, int, "memory limit for parsing one uploaded workbook"),
    Setting("public_read", True, bool, "false: everything, reads included, needs sign-in or a token"),
    Setting("secret_key", "", str, "key that signs session cookies (default: made once, kept in data_dir/secret_key)"),
    Setting("session_hours", 8, int, "how long a sign-in lasts"),
    Setting("print_unit", "诸暨市发展和改革局", str, "制图单位 printed on maps"),
    Setting("cache_mb", 64, int, "memory budget of the response cache per worker (MB)"),
    Setting("export_cache_mb", 128, int, "memory budget of cached downloads per worker (MB)"),
    Setting("max_exports", 2, int, "downloads built at the same time per worker (more wait their turn)"),
    Setting("proxies", 0, int, "reverse proxies in front (nginx): trust that many X-Forwarded-For/-Proto/-Host hops"),
)
BY_NAME = {s.name: s for s in SETTINGS}


class ConfigError(DataError):
    """One or more settings are wrong; the message lists each with what is expected."""


def _convert(s: Setting, value: Any, origin: str) -> Any:
    if value is None or (isinstance(value, str) and value == "" and s.type is not str):
        return s.default
    try:
        if s.type is list:          # a TOML array of tables, or JSON in the environment
            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, list):
                raise ValueError(value)
        if s.type is bool and isinstance(value, str):
            if value.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(value)
            return value.lower() in ("1", "true", "yes", "on")
        if s.type is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return s.type(value)
    except (TypeError, ValueError):
        raise ConfigError(f"设置“{s.name}”的值“{value}”无效（{origin}），应为{_TYPE_ZH[s.type]}",
                          f"setting '{s.name}' has an invalid value '{value}' ({origin}); expected {s.type.__name__}",
                          field=s.name) from None


_TYPE_ZH = {str: "文本", int: "整数", float: "数字", bool: "true/false", Path: "路径", list: "列表（TOML 表数组或 JSON）"}


def _from_file(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件：{exc.strerror}", f"cannot read the config file: {exc.strerror}",
                          file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件不是有效的TOML：{exc}", f"the config file is not valid TOML: {exc}", file=path) from exc
    return doc.get("zhuji_map", doc)      # a [zhuji_map] table or top-level keys


def _unknown(key: str, origin: str) -> ConfigError:
    near = get_close_matches(key, BY_NAME, n=1)
    hint_zh, hint_en = (f"；是否应为“{near[0]}”？", f"; did you mean '{near[0]}'?") if near else ("", "")
    return ConfigError(f"未知设置“{key}”（{origin}）{hint_zh}", f"unknown setting '{key}' ({origin}){hint_en}", field=key)


def load(overrides: dict | None = None, *, config_file: str | None = None, environ=None) -> dict:
    """The checked configuration as a plain dict of every setting."""
    environ = os.environ if environ is None else environ
    raw: dict[str, tuple[Any, str]] = {s.name: (s.default, "default") for s in SETTINGS}
    path = config_file or environ.get("ZHUJI_MAP_CONFIG")
    problems: list[ConfigError] = []
    if path:
        for k, v in _from_file(path).items():
            if k in BY_NAME:
                raw[k] = (v, f"配置文件 / config file {path}")
            else:
                problems.append(_unknown(k, f"配置文件 / config file {path}"))
    for s in SETTINGS:
        for name in (f"ZHUJI_MAP_{s.name.upper()}", *s.env):
            if environ.get(name):
                raw[s.name] = (environ[name], f"环境变量 / environment {name}")
                break
    for k, v in (overrides or {}).items():
        if k not in BY_NAME:
            problems.append(_unknown(k, "参数 / argument"))
        elif v is not None:
            raw[k] = (v, "参数 / argument")
    cfg = {}
    for name, (value, origin) in raw.items():
        try:
            cfg[name] = _convert(BY_NAME[name], value, origin)
        except ConfigError as exc:
            problems.append(exc)
    _check_ranges(cfg, problems)
    if problems:
        raise ConfigError("配置有误：\n" + "\n".join(f"  - {p.zh}" for p in problems),
                          "invalid configuration:\n" + "\n".join(f"  - {p.en}" for p in problems))
    return cfg


def _check_ranges(cfg: dict, problems: list) -> None:
    for name, lo in (("port", 1), ("threads", 1), ("max_rows", 1)):
        if isinstance(cfg.get(name), int) and cfg[name] < lo:
            problems.append(ConfigError(f"设置“{name}”应不小于{lo}", f"setting '{name}' must be at least {lo}", field=name))
    if isinstance(cfg.get("max_upload_mb"), float) and not 0 < cfg["max_upload_mb"] <= 2048:
        problems.append(ConfigError("设置“max_upload_mb”应在0–2048之间", "setting 'max_upload_mb' must be in 0–2048",
                                    field="max_upload_mb"))


def describe() -> str:
    """The settings table for `--help` and the docs."""
    return "\n".join(f"  {s.name:<16} {s.default!s:<12} {s.help}" for s in SETTINGS)
