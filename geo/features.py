"""Feature collections for the OGC API and the downloads: one provider per collection, kept apart
from the web layer (as pygeoapi does). Filtering happens here; serialisation to a CRS too.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import registry
from .crs import decimals, to_output_crs
from .errors import DataError
from .geojson import dumps, feature_collection
from .load import PlanData


def with_provenance(df):
    """Projects: where each position comes from, in words (``accuracy`` is set on import: 上报坐标（GCJ-02
    已转换）, 镇街驻地示意…, never "official"); stored in WGS84."""
    df = df.copy()
    df["datum"] = "WGS84 (EPSG:4326)"
    df["source"] = ("项目清单导入（批次" + df["import_id"].astype("Int64").astype(str).replace("<NA>", "—") + "，第"
                    + df["source_row"].astype("Int64").astype(str).replace("<NA>", "—") + "行）")
    if "accuracy" not in df or df["accuracy"].isna().all():
        df["accuracy"] = ""
    return df


@dataclass
class Collection:
    id: str
    title: str
    description: str
    key: str
    frame: Callable[[], gpd.GeoDataFrame]       # the current GeoDataFrame (WGS84)
    version: Callable[[], object]               # changes when the data changes (ETags)

    def queryables(self) -> list[str]:
        g = self.frame()
        cached = g.attrs.get("_queryables")
        if cached is None:   # per frame: the projects frame is rebuilt when the data changes
            geom = g.geometry.name
            cached = g.attrs["_queryables"] = [c for c in g.columns if c != geom and c not in ("search", "extra")]
        return cached


class Catalog:
    """All collections: the plan layers (fixed at start) and projects (from the store, cached per version)."""

    def __init__(self, data: PlanData, store=None):
        self.data, self.store = data, store
        self._projects: tuple[object, gpd.GeoDataFrame] | None = None
        self._lock = threading.Lock()
        self._encoded: dict = {}
        self.collections = {}
        for spec in registry.LAYERS:
            if not spec.stored:
                frame = self._plan_frame(spec.id)
                self.collections[spec.id] = Collection(spec.id, spec.zh, spec.description, spec.key,
                                                       (lambda g=frame: g), (lambda: 0))
            elif store is not None:
                self.collections[spec.id] = Collection(spec.id, spec.zh, spec.description, spec.key,
                                                       self.projects_frame, store.version)

    def _plan_frame(self, lid: str) -> gpd.GeoDataFrame:
        g = self.data.layer(lid).drop(columns=["search"], errors="ignore").reset_index(drop=True)
        return g

    def projects_frame(self) -> gpd.GeoDataFrame:
        v = self.store.version()
        hit = self._projects
        if hit is None or hit[0] != v:
            with self._lock:
                df = self.store.projects()
                pts = gpd.points_from_xy(df["lon"], df["lat"])
                pts[df["lon"].isna().to_numpy()] = None          # multi-town / city-wide: no point, not a fake one
                g = gpd.GeoDataFrame(df.drop(columns=["extra"]), geometry=pts, crs=4326)
                g = with_provenance(g)
                hit = self._projects = (v, g)
        return hit[1]

    def get(self, cid: str) -> Collection:
        if cid not in self.collections:
            raise KeyError(cid)
        return self.collections[cid]

    def select(self, cid: str, *, bbox=None, props: dict | None = None, town: str | None = None) -> np.ndarray:
        """Row positions matching a lon/lat bbox, property equality and a town (code or name)."""
        g = self.get(cid).frame()
        mask = np.ones(len(g), dtype=bool)
        if bbox is not None:
            xy = g.attrs.get("_xy")
            if xy is None and len(g) and (g.geom_type == "Point").all():
                xy = g.attrs["_xy"] = (g.geometry.x.to_numpy(), g.geometry.y.to_numpy())
            if xy is not None:        # points: two comparisons beat a tree walk
                x, y = xy
                mask &= (x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])
            else:
                hit = np.zeros(len(g), dtype=bool)
                hit[g.sindex.query(shapely.box(*bbox), predicate="intersects")] = True
                mask &= hit
        for k, v in (props or {}).items():
            if k not in g.columns or k == g.geometry.name:
                raise DataError(f"属性“{k}”不存在", f"no property '{k}' in {cid}", field=k)
            col = g[k]
            text = col.astype(str) if col.dtype != object else col.fillna("").astype(str)
            if pd.api.types.is_float_dtype(col):   # 12 matches 12.0
                num = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
                mask &= (col == num).to_numpy() if pd.notna(num) else np.zeros(len(g), dtype=bool)
            else:
                mask &= (text == str(v)).to_numpy()
        if town:
            code = self.town_code(town)
            col = registry.spec(cid).town_column
            if col is not None:
                mask &= g[col].fillna("").astype(str).str.split(";").map(lambda xs: code in xs).to_numpy(dtype=bool)
            else:   # corridors: the ones that serve the town (towns.corridors, path-based for schematic lines)
                names = set(filter(None, self.data.towns.set_index("code").at[code, "corridors"].split("；")))
                mask &= g["name"].isin(names).to_numpy()
        return np.flatnonzero(mask)

    def query(self, cid: str, **filters) -> gpd.GeoDataFrame:
        g = self.get(cid).frame()
        return g.iloc[self.select(cid, **filters)]

    def encoded(self, cid: str, epsg: int | None) -> list[bytes]:
        """Every feature of a collection pre-serialised as GeoJSON bytes in the output CRS, cached per
        data version: an items page is then a join of slices, not a serialisation."""
        c = self.get(cid)
        key = (cid, epsg)
        v = c.version()
        hit = self._encoded.get(key)
        if hit is None or hit[0] != v:
            g = c.frame()
            out = g.copy()
            out[out.geometry.name] = to_output_crs(g.geometry, epsg).values
            fc = feature_collection(out.set_crs(None, allow_override=True) if epsg else out, c.key,
                                    precision=decimals(epsg))
            hit = (v, [dumps(f) for f in fc["features"]])
            self._encoded[key] = hit
        return hit[1]

    def town_code(self, town: str) -> str:
        t = self.data.towns
        for col in ("code", "name", "short_name"):
            hit = t.loc[t[col] == town, "code"]
            if len(hit):
                return hit.iloc[0]
        raise DataError(f"镇街“{town}”不存在", f"no town '{town}' (give a code or a name)", field="town")
