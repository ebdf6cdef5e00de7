"""The plan's attribute tables under data/plan/: read, check shape, report bad rows precisely.

Each table is plain CSV (UTF-8) or YAML so a GIS technician can edit it; every value names its
source (专栏 / section of the plan) in a ``source`` column.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import yaml

from .errors import DataError
from .paths import PLAN_DIR, rel

# table -> (required columns, columns that must not be blank)
SCHEMAS: dict[str, tuple[list[str], list[str]]] = {
    "towns": (["code", "name", "short_name", "type", "pinyin", "seat_lon", "seat_lat", "seat_source",
               "seat_confidence", "positioning", "positioning_source"],
              ["code", "name", "short_name", "type", "pinyin", "seat_lon", "seat_lat", "positioning"]),
    "town_roles": (["town", "role", "source"], ["town", "role", "source"]),
    "zones": (["id", "name", "lead_industry", "direction", "source", "host_town_codes", "host_confidence",
               "centre_lon", "centre_lat", "centre_source"], ["id", "name", "direction", "host_town_codes"]),
    "corridors": (["id", "name", "category", "status", "in_plan", "plan_text", "source", "geometry_kind",
                   "path", "location_confidence", "location_note"],
                  ["id", "name", "category", "status", "path", "geometry_kind"]),
    "clusters": (["id", "name", "description", "source", "host_town_code", "host_confidence"],
                 ["id", "name", "description", "host_town_code"]),
    "communities": (["id", "kind", "name", "description", "source", "host_town_code", "host_confidence",
                     "lon", "lat"], ["id", "kind", "name", "host_town_code"]),
    "places": (["id", "name", "lon", "lat", "source", "confidence"], ["id", "name", "lon", "lat"]),
    "villages": (["code", "name", "town_code", "town_name", "source", "edition"],
                 ["code", "name", "town_code", "town_name", "source", "edition"]),
    "indicators": (["no", "category", "name", "value_2025", "target_2030", "five_year", "attribute", "source"],
                   ["no", "category", "name", "attribute"]),
    "investment": (["no", "sector", "projects", "total_investment_yi", "period_investment_yi", "source"],
                   ["sector", "projects", "total_investment_yi", "period_investment_yi"]),
    "investment_totals": (["sectors", "projects", "total_investment_yi", "period_investment_yi", "source"],
                          ["projects", "total_investment_yi", "period_investment_yi"]),
}

TOWN_CODE = re.compile(r"^330681\d{3}$")
CATEGORIES = ("铁路及轨道交通", "高速公路", "国省道", "干线公路及快速路", "内河航运", "通用机场", "枢纽",
              "现状铁路", "现状高速公路")   # 专栏12 order, then the framing lines
STATUSES = ("在建", "实施", "前期", "研究", "现状")
CONFIDENCE = ("high", "medium", "low", "unlocated")
# Zhuji's extent with a margin: a coordinate outside it is a typo, not a place in the county.
LON_RANGE, LAT_RANGE = (119.7, 120.7), (29.2, 30.1)


def read_table(name: str, plan_dir: Path | None = None) -> pd.DataFrame:
    path = Path(plan_dir or PLAN_DIR) / f"{name}.csv"
    if not path.exists():
        raise DataError(f"缺少规划属性表 {name}.csv", f"plan attribute table {name}.csv is missing",
                        file=rel(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as exc:
        raise DataError("无法读取表格，应为UTF-8编码的CSV", f"cannot read the table, expected UTF-8 CSV ({exc})",
                        file=rel(path)) from exc
    required, nonblank = SCHEMAS[name]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"缺少列：{'、'.join(missing)}", f"missing column(s): {', '.join(missing)}", file=rel(path))
    df = df.apply(lambda s: s.str.strip())
    for i, row in df.iterrows():
        for col in nonblank:
            if not row[col]:
                raise DataError("该值不能为空", "this value must not be blank", file=rel(path), row=i + 2, field=col)
    df.attrs["path"] = rel(path)
    return df


def row_error(df: pd.DataFrame, index: int, field: str, zh: str, en: str) -> DataError:
    return DataError(zh, en, file=df.attrs.get("path"), row=index + 2, field=field)


def parse_coord(df: pd.DataFrame, index: int, lon_field: str, lat_field: str, *, optional=False):
    """(lon, lat) as floats inside Zhuji's extent, or None when blank and optional."""
    lon_s, lat_s = df.at[index, lon_field], df.at[index, lat_field]
    if optional and not lon_s and not lat_s:
        return None
    for field, text, (lo, hi) in ((lon_field, lon_s, LON_RANGE), (lat_field, lat_s, LAT_RANGE)):
        try:
            v = float(text)
        except ValueError:
            raise row_error(df, index, field, f"“{text}”不是数字，应为WGS84十进制度",
                            f"'{text}' is not a number; expected WGS84 decimal degrees") from None
        if not lo <= v <= hi:
            raise row_error(df, index, field, f"{v} 超出诸暨范围（{lo}–{hi}）",
                            f"{v} is outside Zhuji's range ({lo}–{hi})")
    return float(lon_s), float(lat_s)


def read_axis(plan_dir: Path | None = None) -> dict:
    path = Path(plan_dir or PLAN_DIR) / "axis.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError("无法读取发展轴定义", f"cannot read the axis definition ({exc})", file=rel(path)) from exc
    branches = (doc or {}).get("branches") or []
    for i, b in enumerate(branches):
        for key in ("id", "name", "plan_text", "path", "members"):
            if not b.get(key):
                raise DataError(f"第{i + 1}条分支缺少“{key}”", f"branch {i + 1} lacks '{key}'", file=rel(path), field=key)
    doc["_path"] = rel(path)
    return doc
