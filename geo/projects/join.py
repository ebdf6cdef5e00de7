"""Step "join": each project's town, zones, cluster, nearest transport item and axis branch.

Distances are in metres (CGCS2000 Gauss-Krüger) to schematic lines, so they are indicative only.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from ..derive import METRIC, WGS84
from ..load import PlanData

JOIN_COLUMNS = ("town_code", "town_name", "zones", "cluster", "corridor_id", "corridor_name", "corridor_status",
                "corridor_distance_m", "axis_branch", "axis_distance_m")


class _JoinIndex:
    """Spatial indexes of the plan layers, built once per PlanData."""

    def __init__(self, data: PlanData):
        towns = data.towns
        self.town_codes = towns["code"].to_numpy()
        self.town_tree = shapely.STRtree(towns.to_crs(METRIC).geometry.values)   # everything in metres
        k = data.corridors[data.corridors["location_confidence"] != "unlocated"]
        # plain object arrays: picking from them shares the 33 strings instead of making one per project
        self.corr = {c: k[c].to_numpy(dtype=object) for c in ("id", "name", "status")}
        self.corr_geoms = k.to_crs(METRIC).geometry.values
        self.corr_tree = shapely.STRtree(self.corr_geoms)
        self.axis_names = data.axis["short_name"].to_numpy()
        self.axis_geoms = data.axis.to_crs(METRIC).geometry.values
        self.axis_tree = shapely.STRtree(self.axis_geoms)
        self.to_metric = Transformer.from_crs(WGS84, METRIC, always_xy=True)
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
    out = df.copy()
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
    out.loc[one, "town_name"] = out.loc[one, "town_code"].map(J.town_names)
    out.loc[multi, "town_name"] = named[multi].map(lambda cs: "、".join(J.town_names[c] for c in cs))
    codes = out["town_codes"].fillna("")
    for col, table in (("zones", J.zones), ("cluster", J.clusters)):
        out[col] = codes.map({cs: "；".join(dict.fromkeys(x for c in cs.split(";") if c for x in table.get(c, "").split("；")
                                                         if x)) for cs in codes.unique()})
    return out


def _measure(out: pd.DataFrame, mask: pd.Series, J: _JoinIndex, named: pd.Series) -> None:
    """Point-in-town and nearest lines for rows with a real position (the slow part: vectorised)."""
    sub = out[mask]
    mx, my = J.to_metric.transform(sub["lon"].to_numpy(dtype=float), sub["lat"].to_numpy(dtype=float))
    pm = shapely.points(mx, my)
    # GEOS releases the GIL: the nearest-corridor search (the slowest) is split in two to use both cores
    half = len(pm) // 2
    nearest = lambda tree, part: tree.query_nearest(part, return_distance=True, all_matches=False)
    with ThreadPoolExecutor(2) as ex:
        f_c1, f_c2 = ex.submit(nearest, J.corr_tree, pm[:half]), ex.submit(nearest, J.corr_tree, pm[half:])
        f_town = ex.submit(J.town_tree.query, pm, predicate="intersects")
        f_axis = ex.submit(nearest, J.axis_tree, pm)
        ((cp1, ci1), cd1), ((cp2, ci2), cd2) = f_c1.result(), f_c2.result()
        (pi, ti), ((ap, ai), ad) = f_town.result(), f_axis.result()
    cp, ci, cd = np.concatenate([cp1, cp2 + half]), np.concatenate([ci1, ci2]), np.concatenate([cd1, cd2])
    town = np.full(len(sub), None, dtype=object)
    town[pi[::-1]] = J.town_codes[ti[::-1]]           # on a shared border the first town listed wins
    town = pd.Series(town, index=sub.index)
    hint = named[mask].map(lambda c: c[0] if c and len(c) == 1 else None)
    town = town.where(town.notna(), hint)             # on a gap of a replaced boundary file, keep the town written
    nearest = ci[np.argsort(cp)]
    out.loc[mask, "town_code"] = town
    for col in ("id", "name", "status"):
        out.loc[mask, f"corridor_{col}"] = J.corr[col][nearest]
    out.loc[mask, "corridor_distance_m"] = np.round(cd[np.argsort(cp)], 0)
    out.loc[mask, "axis_branch"] = J.axis_names[ai[np.argsort(ap)]]
    out.loc[mask, "axis_distance_m"] = np.round(ad[np.argsort(ap)], 0)
