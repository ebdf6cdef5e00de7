"""Feature collections for the OGC API and the downloads: one provider per collection, kept apart
from the web layer (as pygeoapi does). Filtering happens here; serialisation to a CRS too.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .catalog import LAYER_IDS, PlanData
from .errors import DataError
from .geojson import dumps, feature_collection

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SUPPORTED_CRS = {  # URI -> EPSG code (None = CRS84, lon/lat)
    CRS84: None,
    "http://www.opengis.net/def/crs/EPSG/0/4326": 4326,
    "http://www.opengis.net/def/crs/EPSG/0/4490": 4490,
    "http://www.opengis.net/def/crs/EPSG/0/4549": 4549,
}
EXPORT_CRS = {"EPSG:4326": 4326, "EPSG:4490": 4490, "EPSG:4549": 4549}
KEY = {"towns": "code", "projects": "key"}                     # feature id column; others: "id"
# how a feature relates to a town, for the `town` filter (column holding one or more ';'-separated codes)
TOWN_COLUMN = {"towns": "code", "clusters": "host_town_code", "zones": "host_town_codes",
               "communities": "host_town_code", "projects": "town_code", "axis": "town_codes"}
TITLES = {"axis": ("智创云廊发展轴", "Y-shaped 智创云廊 development axis (七(三)); schematic"),
          "zones": ("六大片区", "Six zones of 专栏3; schematic points"),
          "towns": ("镇街", "23 towns and streets with 专栏10 positioning; derived polygons unless replaced"),
          "corridors": ("交通项目", "专栏12 transport items and existing lines; schematic"),
          "clusters": ("共富片区", "23 common-prosperity clusters of 专栏13; host-town polygons"),
          "communities": ("未来产业社区与科创平台", "专栏4 communities and 专栏6 platforms; schematic points"),
          "projects": ("重大项目", "Imported project lists, joined with town, zone, cluster, corridor and axis")}


def parse_crs(value: str | None, param: str = "crs") -> int | None:
    """A supported CRS URI (or EPSG:nnnn) → EPSG code, None for CRS84; DataError otherwise."""
    if value is None or value == "":
        return None
    v = value.strip()
    if v in SUPPORTED_CRS:
        return SUPPORTED_CRS[v]
    if v.upper() in EXPORT_CRS:
        return EXPORT_CRS[v.upper()]
    raise DataError(f"{param} 不支持：“{value}”；可选 {', '.join(SUPPORTED_CRS)}",
                    f"unsupported {param} '{value}'; supported: {', '.join(SUPPORTED_CRS)}", field=param)


def crs_uri(epsg: int | None) -> str:
    return CRS84 if epsg is None else f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"


_transformers: dict = {}


def _tf(src, dst, always_xy=True) -> Transformer:
    k = (src, dst, always_xy)
    if k not in _transformers:
        _transformers[k] = Transformer.from_crs(src, dst, always_xy=always_xy)
    return _transformers[k]


def to_output_crs(geoms: gpd.GeoSeries, epsg: int | None) -> gpd.GeoSeries:
    """Coordinates in the CRS's own axis order (OGC API Part 2): 4326/4490 lat,lon; 4549 northing,easting."""
    if epsg is None:
        return geoms
    t = _tf(4326, epsg)
    north_first = CRS.from_epsg(epsg).axis_info[0].direction == "north"

    def conv(coords):
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([y, x] if north_first else [x, y])

    return gpd.GeoSeries(shapely.transform(geoms.values, conv), index=geoms.index)


def bbox_to_4326(bbox: tuple[float, ...], epsg: int | None) -> tuple[float, float, float, float]:
    """A bbox given in ``epsg`` (axis order of that CRS, as OGC API Part 2 says) → lon/lat bbox."""
    if epsg is None:
        return bbox
    a1, b1, a2, b2 = bbox
    north_first = CRS.from_epsg(epsg).axis_info[0].direction == "north"
    (x1, y1, x2, y2) = (b1, a1, b2, a2) if north_first else (a1, b1, a2, b2)
    t = _tf(epsg, 4326)
    xs, ys = t.transform([x1, x2, x1, x2], [y1, y1, y2, y2])
    return min(xs), min(ys), max(xs), max(ys)


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        vals = []
    if len(vals) == 6:
        vals = [vals[0], vals[1], vals[3], vals[4]]
    if len(vals) != 4 or vals[0] > vals[2] or vals[1] > vals[3]:
        raise DataError(f"bbox 无效：“{text}”，应为 minx,miny,maxx,maxy", f"invalid bbox '{text}'; expected minx,miny,maxx,maxy",
                        field="bbox")
    return tuple(vals)


def with_provenance(df):
    """Projects: a point placed at its town seat is schematic; one with coordinates is as given."""
    df = df.copy()
    df["accuracy"] = np.where(df["located_by"] == "town", "schematic", "official")
    df["datum"] = "WGS84 (EPSG:4326)"
    df["source"] = "project list import (" + df["datum_input"].fillna("").astype(str) + ")"
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
        plan = {lid: self._plan_frame(lid) for lid in LAYER_IDS}
        self.collections = {lid: Collection(lid, TITLES[lid][0], TITLES[lid][1], KEY.get(lid, "id"),
                                            (lambda g=plan[lid]: g), (lambda: 0)) for lid in LAYER_IDS}
        if store is not None:
            self.collections["projects"] = Collection("projects", *TITLES["projects"], "key", self.projects_frame,
                                                      store.version)

    def _plan_frame(self, lid: str) -> gpd.GeoDataFrame:
        g = self.data.layer(lid).drop(columns=["search"], errors="ignore").reset_index(drop=True)
        return g

    def projects_frame(self) -> gpd.GeoDataFrame:
        v = self.store.version()
        hit = self._projects
        if hit is None or hit[0] != v:
            with self._lock:
                df = self.store.projects()
                g = gpd.GeoDataFrame(df.drop(columns=["extra"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
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
            col = TOWN_COLUMN.get(cid)
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
                                    precision=3 if epsg == 4549 else 7)
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
