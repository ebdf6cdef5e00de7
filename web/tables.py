"""The project table: the rows the browser filters and sorts, and the same filter on the server for the
export of the selection — in the officer's own Chinese headers and real number types."""
from __future__ import annotations

import json

import pandas as pd

from geo.analysis import PLAN_FIT_INPUTS, in_town, plan_hints
from geo.geojson import dumps
from geo.projects import query
from geo.projects.columns import unit_of
from geo.projects.mapping import MONEY, PER_YI, from_yi

from .caching import Cached

# column → (zh header, en header); the order of the table and of the export
TABLE_FIELDS = {
    "project_id": ("编号", "Id"), "name": ("项目名称", "Name"), "sector": ("领域", "Sector"),
    "status": ("建设状态", "Status"), "nature": ("建设性质", "Type"), "year": ("年份", "Year"),
    "investment": ("总投资（亿元）", "Investment (100M yuan)"),
    "investment_year": ("年度计划投资（亿元）", "Planned this year (100M yuan)"),
    "town_name": ("所在镇街", "Town"), "location_text": ("建设地点", "Location"),
    "accuracy": ("定位", "Position"), "zones": ("片区", "Zone"), "cluster": ("共富片区", "Cluster"),
    "axis_branch": ("最近发展轴", "Nearest axis branch"), "axis_distance_m": ("距发展轴（米）", "To axis (m)"),
    "import_id": ("批次", "List"), "plan_fit": ("规划符合性提示（仅供参考）", "Plan-fit hint (for reading only)"),
}
HIDDEN = ["key", "lon", "lat", "located_by", "town_codes", "town_code", "extra"]


def table_rows(store, data) -> Cached:
    """Every project as a compact row (fields + rows, not GeoJSON): the browser filters 100,000 of them. Made
    from the store's row tuples, with no frame in between (110,000 projects: 8 → 3 s per data version)."""
    names = HIDDEN + [f for f in TABLE_FIELDS if f != "plan_fit"]
    found = query.every_row(store, names) if store.engine is not None else []     # no store: an empty table
    at = [names.index(c) for c in PLAN_FIT_INPUTS]
    hints = plan_hints(([r[i] for i in at] for r in found), data)
    return Cached(dumps({"fields": [*names, "plan_fit"], "rows": [[*r, h] for r, h in zip(found, hints)]}),
                  "application/json")


def filtered(df: pd.DataFrame, args) -> pd.DataFrame:
    """The browser's filters, applied the same way: year, list, sector, status, town (code), words."""
    mask = pd.Series(True, index=df.index)
    for col, param, cast in (("year", "year", int), ("import_id", "batch", int), ("sector", "sector", str),
                             ("status", "status", str)):
        v = args.get(param)
        if v not in (None, ""):
            mask &= df[col] == cast(v)
    if args.get("town"):
        mask &= in_town(df, args["town"])
    q = (args.get("q") or "").strip().lower()
    if q:
        text = (df["name"].fillna("") + " " + df["project_id"].fillna("") + " " + df["town_name"].fillna("")).str.lower()
        mask &= text.str.contains(q, regex=False)
    return df[mask]


STORED = {"id": "project_id", "name": "name", "town": "town_input", "location": "location_text", "sector": "sector",
          "investment": "investment", "investment_year": "investment_year", "status": "status", "nature": "nature",
          "year": "year"}
ADDED = {"town_name": "所在镇街（识别）", "accuracy": "定位", "zones": "片区", "cluster": "共富片区", "axis_branch": "最近发展轴",
         "axis_distance_m": "距发展轴（米）", "import_id": "批次"}


def export_frame(df: pd.DataFrame, store, batch: int | None) -> pd.DataFrame:
    """Chinese headers, every column the officers brought, numbers as numbers. For one list: its own columns in
    its own order and units (coordinates excepted: they are given once, converted, as WGS84), then what the
    service added (the town it recognised, position, zone…)."""
    df = df.copy()
    for c in MONEY:           # amounts stored before they were rounded on conversion: to 1 元, which loses nothing
        df[c] = pd.to_numeric(df[c], errors="coerce").round(8)
    extras = [json.loads(x) if x else {} for x in df["extra"]]
    rec = store.import_record(batch) if batch else None
    if rec is None:
        out = pd.DataFrame({zh: df[c].to_numpy() for c, (zh, _) in TABLE_FIELDS.items() if c in df})
        for n in dict.fromkeys(k for e in extras for k in e):
            out[n if n not in out.columns else f"{n}（原表）"] = [e.get(n) for e in extras]
    else:
        out = _own_columns(df, extras, json.loads(rec["columns_json"] or "[]"), json.loads(rec["mapping_json"] or "{}"))
        for c, zh in ADDED.items():
            out[zh] = df[c].to_numpy()
    out["经度（WGS84）"], out["纬度（WGS84）"] = df["lon"].to_numpy(), df["lat"].to_numpy()
    return out


def _own_columns(df: pd.DataFrame, extras: list[dict], columns: list[str], mapping: dict) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(df)))
    for col in columns:
        field = mapping.get(col)
        if field in STORED:
            values = df[STORED[field]].to_numpy()
            if field in MONEY:                        # back into the officer's unit (stored in 亿元)
                values = from_yi(values, unit_of(col) if unit_of(col) in PER_YI else None)
            out[col] = values
        elif field is None:
            out[col] = [e.get(col) for e in extras]
    return out
