"""Step "join": each project's town, zones, cluster, nearest transport item and axis branch.

Distances are in metres (CGCS2000 Gauss-Krüger) to schematic lines, so they are indicative only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..crs import reproject, transformer
from ..load import PlanData
from .values import lookup, shared_texts

JOIN_COLUMNS = ("town_code", "town_name", "zones", "cluster", "corridor_id", "corridor_name", "corridor_status",
                "corridor_distance_m", "axis_branch", "axis_distance_m")


class _JoinIndex:
    """Spatial indexes of the plan layers, built once per PlanData."""

    def __init__(self, data: PlanData):
        towns = data.towns
        # everything in metres, through the one cached transformer (each to_crs made its own: 0.06–0.1 s apiece)
        self.to_metric = transformer(4326, 4549)
        self.town_codes = towns["code"].to_numpy()
        self.town_geoms = reproject(towns.geometry.values)
        shapely.prepare(self.town_geoms)
        self.town_bounds = shapely.bounds(self.town_geoms)
        k = data.corridors[data.corridors["location_confidence"] != "unlocated"]
        # plain object arrays: picking from them shares the 33 strings instead of making one per project
        self.corr = {c: k[c].to_numpy(dtype=object) for c in ("id", "name", "status")}
        self.corr_geoms = reproject(k.geometry.values)
        self.corr_segments = _segments(self.corr_geoms)
        self.axis_names = data.axis["short_name"].to_numpy()
        self.axis_geoms = reproject(data.axis.geometry.values)
        self.axis_segments = _segments(self.axis_geoms)
        self.zones = dict(zip(towns["code"], towns["zones"]))          # what each town hosts (geo.load)
        self.clusters = dict(zip(towns["code"], towns["clusters"]))
        self.town_names = dict(zip(towns["code"], towns["name"]))


def join_index(data: PlanData) -> _JoinIndex:
    idx = getattr(data, "_join_cache", None)
    if idx is None:
        idx = _JoinIndex(data)
        data._join_cache = idx
    return idx


def spatial_join(df: pd.DataFrame, data: PlanData, named: pd.Series | None = None,
                 located_by: pd.Series | None = None) -> pd.DataFrame:
    """Town, zones and cluster of every row; nearest transport item and axis branch (metres) for rows with a
    real position. ``named``: towns the row's text names (lists); ``located_by``: how the row was placed."""
    out = df.copy(deep=False)     # copy-on-write: the caller's frame stays as it was, its columns are not copied
    for c in JOIN_COLUMNS + ("town_codes",):    # distances as numbers (NaN: none), not a boxed float per row
        out[c] = pd.Series(np.nan if c.endswith("_m") else None, index=out.index, dtype=float if c.endswith("_m") else object)
    if out.empty:
        return out
    J = join_index(data)
    named = named if named is not None else pd.Series(None, index=out.index, dtype=object)
    by = located_by if located_by is not None else pd.Series("coordinates", index=out.index)
    measured = by.isin(["coordinates", "geojson"]) & out["lon"].notna()
    if measured.any():
        _measure(out, measured, J, named)
    seat = by.isin(["town", "village"])
    out.loc[seat, "town_code"] = named[seat].map(lambda c: c[0])
    out.loc[measured | seat, "town_codes"] = out.loc[measured | seat, "town_code"]
    multi = by == "multi"
    out.loc[multi, "town_codes"] = named[multi].map(";".join)
    out.loc[by == "citywide", "town_name"] = "全市"
    one = measured | seat
    out.loc[one, "town_name"] = lookup(out.loc[one, "town_code"], J.town_names)
    out.loc[multi, "town_name"] = named[multi].map(lambda cs: "、".join(J.town_names[c] for c in cs))
    codes = out["town_codes"].fillna("")
    for col, table in (("zones", J.zones), ("cluster", J.clusters)):
        out[col] = lookup(codes, lambda cs, table=table: "；".join(dict.fromkeys(
            x for c in cs.split(";") if c for x in table.get(c, "").split("；") if x)))
    for col in ("town_code", "town_codes", "town_name"):
        out[col] = shared_texts(out[col])
    return out


def _measure(out: pd.DataFrame, mask: pd.Series, J: _JoinIndex, named: pd.Series) -> None:
    """Point-in-town and nearest lines for rows with a real position (the slow part: vectorised)."""
    sub = out[mask]
    mx, my = J.to_metric.transform(sub["lon"].to_numpy(dtype=float), sub["lat"].to_numpy(dtype=float))
    k = town_index(mx, my, J)
    town = np.full(len(sub), None, dtype=object)
    town[k >= 0] = J.town_codes[k[k >= 0]]
    corridor, cd = _nearest(mx, my, J.corr_segments)
    axis, ad = _nearest(mx, my, J.axis_segments)
    town = pd.Series(town, index=sub.index, dtype=object)
    hint = pd.Series(None, index=sub.index, dtype=object)
    one = named[mask].dropna()                        # rows whose text names towns (lists): few, or none
    hint[one.index] = one.map(lambda c: c[0] if c and len(c) == 1 else None).astype(object)
    town = town.where(town.notna(), hint)             # on a gap of a replaced boundary file, keep the town written
    out.loc[mask, "town_code"] = town
    for col in ("id", "name", "status"):
        out.loc[mask, f"corridor_{col}"] = J.corr[col][corridor]
    out.loc[mask, "corridor_distance_m"] = np.round(cd, 0)
    out.loc[mask, "axis_branch"] = J.axis_names[axis]
    out.loc[mask, "axis_distance_m"] = np.round(ad, 0)


def town_index(x: np.ndarray, y: np.ndarray, J: _JoinIndex) -> np.ndarray:
    """Index of the town each point lies in (−1: none; on a shared border the first town listed wins): each
    prepared polygon tested on the points inside its bounds, 10× faster than a tree query of point objects."""
    out = np.full(len(x), -1)
    for k in range(len(J.town_geoms) - 1, -1, -1):
        x0, y0, x1, y1 = J.town_bounds[k]
        near = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        out[near[shapely.intersects_xy(J.town_geoms[k], x[near], y[near])]] = k
    return out


def _segments(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every line of ``geoms`` as its straight pieces (start, end, owner); a point is a piece of length 0."""
    start, end, owner = [], [], []
    for k, g in enumerate(geoms):
        for part in shapely.get_parts(g):
            c = shapely.get_coordinates(part)
            start.append(c[:-1] if len(c) > 1 else c)
            end.append(c[1:] if len(c) > 1 else c)
            owner += [k] * len(start[-1])
    return np.concatenate(start), np.concatenate(end), np.asarray(owner)


def _nearest(x: np.ndarray, y: np.ndarray, segments) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the nearest geometry (on a tie the first listed) and the distance to it. The plan's
    schematic lines have a few dozen pieces, so measuring every point against each piece with numpy is 6×
    faster than GEOS's tree search point by point (7.5 µs a point: 8 s for 1,000,000 projects)."""
    best, who = np.full(len(x), np.inf), np.zeros(len(x), dtype=np.int64)
    for (ax, ay), (bx, by), k in zip(*segments):
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2, 0, 1) if length2 > 0 else 0.0
        d2 = (ax + t * dx - x) ** 2 + (ay + t * dy - y) ** 2
        closer = d2 < best
        best[closer], who[closer] = d2[closer], k
    return who, np.sqrt(best)
