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
        self.corr = k[["id", "name", "status"]].reset_index(drop=True)
        self.corr_tree = shapely.STRtree(k.to_crs(METRIC).geometry.values)
        self.axis_names = data.axis["short_name"].to_numpy()
        self.axis_tree = shapely.STRtree(data.axis.to_crs(METRIC).geometry.values)
        self.to_metric = Transformer.from_crs(WGS84, METRIC, always_xy=True)
        self.zones = dict(zip(towns["code"], towns["zones"]))          # what each town hosts (geo.load)
        self.clusters = dict(zip(towns["code"], towns["clusters"]))
        self.town_names = dict(zip(towns["code"], towns["name"]))


def _join_index(data: PlanData) -> _JoinIndex:
    idx = getattr(data, "_join_index", None)
    if idx is None:
        idx = _JoinIndex(data)
        data._join_index = idx
    return idx


def spatial_join(df: pd.DataFrame, data: PlanData, town_hint: pd.Series | None = None) -> pd.DataFrame:
    """Town, zones, cluster; nearest corridor and axis branch with distances in metres."""
    out = df.copy()
    if out.empty:
        for c in JOIN_COLUMNS:
            out[c] = pd.Series(dtype=object)
        return out
    J = _join_index(data)
    x, y = out["lon"].to_numpy(dtype=float), out["lat"].to_numpy(dtype=float)
    mx, my = J.to_metric.transform(x, y)
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
    town = np.full(len(out), None, dtype=object)
    town[pi[::-1]] = J.town_codes[ti[::-1]]           # on a shared border the first town listed wins
    town = pd.Series(town, index=out.index)
    if town_hint is not None:   # on a gap of a replaced boundary file, keep the town the user wrote
        fill = town.isna() & town_hint.notna()
        town[fill] = town_hint[fill]
    out["town_code"] = town
    out["town_name"] = town.map(J.town_names)
    out["zones"] = town.map(J.zones).fillna("")
    out["cluster"] = town.map(J.clusters).fillna("")
    c = J.corr.iloc[ci[np.argsort(cp)]].reset_index(drop=True)
    out["corridor_id"], out["corridor_name"], out["corridor_status"] = (c["id"].to_numpy(), c["name"].to_numpy(),
                                                                        c["status"].to_numpy())
    out["corridor_distance_m"] = np.round(cd[np.argsort(cp)], 0)
    out["axis_branch"] = J.axis_names[ai[np.argsort(ap)]]
    out["axis_distance_m"] = np.round(ad[np.argsort(ap)], 0)
    return out


