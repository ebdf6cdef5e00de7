"""GeoDataFrame → RFC 7946 FeatureCollection (WGS84, lon/lat, no `crs` member)."""
from __future__ import annotations

import math
from decimal import Decimal

import geopandas as gpd
import orjson
import pandas as pd
import shapely


def _clean(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):          # numpy scalars
        return v.item()
    if v is pd.NaT:
        return None
    return v


def feature_collection(gdf: gpd.GeoDataFrame, id_field: str = "id", *, exclude=(), precision: int = 6) -> dict:
    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf   # no CRS: as given
    cols = [c for c in gdf.columns if c != gdf.geometry.name and c not in exclude]
    geoms = [orjson.loads(shapely.to_geojson(shapely.set_precision(g, 10 ** -precision) if g is not None else g))
             if g is not None else None for g in gdf.geometry]
    feats = []
    for rec, geom in zip(gdf[cols].itertuples(index=False, name=None), geoms):
        props = {c: _clean(v) for c, v in zip(cols, rec)}
        feats.append({"type": "Feature", "id": props.get(id_field), "properties": props, "geometry": geom})
    return {"type": "FeatureCollection", "features": feats}


def _default(v):
    if isinstance(v, Decimal):                # a NUMERIC column (e.g. one a DBA or QGIS made in PostGIS)
        return float(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(f"cannot serialise {type(v).__name__}")


def dumps(obj) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY, default=_default)
