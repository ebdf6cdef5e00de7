"""Feature collections for the OGC API and the downloads: one provider per collection, kept apart
from the web layer (as pygeoapi does). Filtering happens here; serialisation to a CRS too.
"""
from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import registry
from .crs import decimals, to_output_crs
from .errors import DataError
from .geojson import dumps, feature_collection
from .load import PlanData
from .projects import query as pq

WGS84_NAME = "WGS84 (EPSG:4326)"


def _source(import_id, source_row) -> str:
    dash = lambda v: "—" if v is None else str(int(v))
    return f"项目清单导入（批次{dash(import_id)}，第{dash(source_row)}行）"


def with_provenance(df):
    """Projects: where each position comes from, in words (``accuracy`` is set on import: 上报坐标（GCJ-02
    已转换）, 镇街驻地示意…, never "official"); stored in WGS84."""
    df = df.copy()
    df["datum"] = WGS84_NAME
    df["source"] = [_source(None if pd.isna(i) else i, None if pd.isna(r) else r)
                    for i, r in zip(df["import_id"], df["source_row"])]
    if "accuracy" not in df or df["accuracy"].isna().all():
        df["accuracy"] = ""
    return df


# The properties of a project feature, in order: the stored columns but ``extra``, then the provenance.
_PROPS = [c for c in pq.PROJECT_COLUMNS if c != "extra"]
_AT = {c: i for i, c in enumerate(pq.PROJECT_COLUMNS)}


def _project_features(rows: list[tuple], precision: int) -> list[bytes]:
    """A page of projects in WGS84 straight from the database's rows: what projects_frame + _encode give,
    without building frames for 100 rows (which cost ~10× the query itself)."""
    out = []
    ix, iy, ii, ir = _AT["lon"], _AT["lat"], _AT["import_id"], _AT["source_row"]
    at = [_AT[c] for c in _PROPS]
    for r in rows:
        # the driver gives Python values already (no numpy scalars to unwrap); orjson writes NaN as null
        props = dict(zip(_PROPS, map(r.__getitem__, at)))
        props["accuracy"] = props["accuracy"] or ""
        props["datum"], props["source"] = WGS84_NAME, _source(r[ii], r[ir])
        x, y = r[ix], r[iy]
        geom = None if x is None or y is None else {"type": "Point", "coordinates": [round(x, precision),
                                                                                      round(y, precision)]}
        out.append(dumps({"type": "Feature", "id": props["key"], "properties": props, "geometry": geom}))
    return out


def _encode(g: gpd.GeoDataFrame, key: str, epsg: int | None) -> list[bytes]:
    """Features as GeoJSON bytes, coordinates in the output CRS's own axis order."""
    out = g.copy()
    out[out.geometry.name] = to_output_crs(g.geometry, epsg).values
    fc = feature_collection(out.set_crs(None, allow_override=True) if epsg else out, key, precision=decimals(epsg))
    return [dumps(f) for f in fc["features"]]


def _table(g: gpd.GeoDataFrame, n: int) -> tuple[list[str], Iterable[tuple]]:
    """A page as an HTML table: the first n columns and their rows."""
    cols = [k for k in g.columns if k != g.geometry.name][:n]
    return cols, g[cols].itertuples(index=False, name=None)


class PlanCollection:
    """A plan layer: small and fixed at start, so held in memory, each feature serialised once per CRS."""

    def __init__(self, spec: registry.LayerSpec, frame: gpd.GeoDataFrame, catalog: Catalog):
        self.id, self.title, self.key = spec.id, spec.zh, spec.key
        self.description, self.description_en = spec.description_zh, spec.description
        self._frame, self.catalog, self._encoded = frame, catalog, {}
        geom = frame.geometry.name
        self._queryables = [c for c in frame.columns if c != geom and c not in spec.internal]

    def version(self) -> int:
        return 0

    def queryables(self) -> list[str]:
        return self._queryables

    def bounds(self):
        return tuple(self._frame.total_bounds)

    def select(self, bbox=None, props: dict | None = None, town: str | None = None) -> np.ndarray:
        return self.catalog._select(self.id, self._frame, bbox=bbox, props=props, town=town)

    def page(self, offset: int, limit: int, **filters) -> tuple[int, gpd.GeoDataFrame]:
        pos = self.select(**filters)
        return len(pos), self._frame.iloc[pos[offset:offset + limit]]

    def table(self, rows: gpd.GeoDataFrame, n: int = 12) -> tuple[list[str], Iterable[tuple]]:
        return _table(rows, n)

    def encode(self, rows: gpd.GeoDataFrame, epsg: int | None) -> list[bytes]:
        if epsg not in self._encoded:
            self._encoded[epsg] = _encode(self._frame, self.key, epsg)
        return [self._encoded[epsg][i] for i in self._frame.index.get_indexer(rows.index)]

    def feature(self, fid: str) -> gpd.GeoDataFrame:
        return self._frame[self._frame[self.key].astype(str) == fid]

    def export(self, **filters) -> gpd.GeoDataFrame:
        return self._frame.iloc[self.select(**filters)]


class ProjectsCollection:
    """The projects: read from the store a page or an area at a time (its spatial index), never held whole."""

    def __init__(self, spec: registry.LayerSpec, store, catalog: Catalog):
        self.id, self.title, self.key = spec.id, spec.zh, spec.key
        self.description, self.description_en = spec.description_zh, spec.description
        self.store, self.catalog = store, catalog
        self._bounds = (None, None)

    def version(self) -> int:
        return self.store.version()

    def queryables(self) -> list[str]:
        return pq.QUERYABLE

    def bounds(self):
        v = self.version()
        if self._bounds[0] != v:
            self._bounds = (v, pq.bounds(self.store))
        return self._bounds[1] or tuple(self.catalog.data.county.total_bounds)

    def _filters(self, bbox=None, props=None, town=None) -> dict:
        return {"bbox": bbox, "props": props, "town": self.catalog.town_code(town) if town else None}

    def page(self, offset: int, limit: int, **filters) -> tuple[int, list[tuple]]:
        """The matching count and one page as row tuples (PROJECT_COLUMNS order)."""
        return pq.counted_page(self.store, offset, limit, **self._filters(**filters))

    def table(self, rows: list[tuple], n: int = 12) -> tuple[list[str], Iterable[tuple]]:
        return _table(projects_frame(pd.DataFrame(rows, columns=pq.PROJECT_COLUMNS)), n)

    def encode(self, rows, epsg: int | None) -> list[bytes]:
        """Row tuples (a page) or a frame of projects (one feature) as GeoJSON features in the output CRS."""
        if isinstance(rows, list):
            if epsg in (None, 4326):
                return _project_features(rows, decimals(epsg))
            rows = projects_frame(pd.DataFrame(rows, columns=pq.PROJECT_COLUMNS))
        return _encode(rows, self.key, epsg)

    def feature(self, fid: str) -> gpd.GeoDataFrame:
        rec = self.store.get(fid)
        return projects_frame(pd.DataFrame([rec] if rec else [], columns=pq.PROJECT_COLUMNS))

    def export(self, **filters) -> gpd.GeoDataFrame:
        return projects_frame(pq.frame(self.store, **self._filters(**filters)))


def projects_frame(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """Stored rows as features: a point where the project has one (none for several towns or the city)."""
    pts = gpd.points_from_xy(df["lon"], df["lat"])
    pts[df["lon"].isna().to_numpy()] = None
    return with_provenance(gpd.GeoDataFrame(df.drop(columns=["extra"]), geometry=pts, crs=4326))


class Catalog:
    """All collections: the plan layers (fixed at start) and the projects (read from the store)."""

    def __init__(self, data: PlanData, store=None):
        self.data, self.store = data, store
        self.collections = {}
        for spec in registry.LAYERS:
            if not spec.stored:
                frame = data.layer(spec.id).drop(columns=["search"], errors="ignore").reset_index(drop=True)
                self.collections[spec.id] = PlanCollection(spec, frame, self)
            elif store is not None and store.engine is not None:     # (an unavailable store has no projects)
                self.collections[spec.id] = ProjectsCollection(spec, store, self)

    def get(self, cid: str):
        if cid not in self.collections:
            raise KeyError(cid)
        return self.collections[cid]

    def query(self, cid: str, **filters) -> gpd.GeoDataFrame:
        return self.get(cid).export(**filters)

    def _select(self, cid: str, g: gpd.GeoDataFrame, *, bbox=None, props: dict | None = None,
                town: str | None = None) -> np.ndarray:
        """Row positions of a plan layer matching a lon/lat bbox, property equality and a town."""
        mask = np.ones(len(g), dtype=bool)
        if bbox is not None:
            hit = np.zeros(len(g), dtype=bool)
            hit[g.sindex.query(shapely.box(*bbox), predicate="intersects")] = True
            mask &= hit
        for k, v in (props or {}).items():
            mask &= _equals(g, cid, k, v)
        if town:
            code = self.town_code(town)
            col = registry.spec(cid).town_column
            if col is not None:
                mask &= g[col].fillna("").astype(str).str.split(";").map(lambda xs: code in xs).to_numpy(dtype=bool)
            else:   # corridors: the ones that serve the town (towns.corridors, path-based for schematic lines)
                names = set(filter(None, self.data.towns.set_index("code").at[code, "corridors"].split("；")))
                mask &= g["name"].isin(names).to_numpy()
        return np.flatnonzero(mask)

    def town_code(self, town: str) -> str:
        t = self.data.towns
        for col in ("code", "name", "short_name"):
            hit = t.loc[t[col] == town, "code"]
            if len(hit):
                return hit.iloc[0]
        raise DataError(f"镇街“{town}”不存在", f"no town '{town}' (give a code or a name)", field="town")


def _equals(g: gpd.GeoDataFrame, cid: str, k: str, v) -> np.ndarray:
    if k not in g.columns or k == g.geometry.name:
        raise DataError(f"属性“{k}”不存在", f"no property '{k}' in {cid}", field=k)
    col = g[k]
    if pd.api.types.is_float_dtype(col):   # 12 matches 12.0
        num = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
        return (col == num).to_numpy() if pd.notna(num) else np.zeros(len(g), dtype=bool)
    text = col.astype(str) if col.dtype != object else col.fillna("").astype(str)
    return (text == str(v)).to_numpy()
