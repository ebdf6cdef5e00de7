"""Step "locate": every row's WGS84 point, from its coordinates (whatever datum they are in) or its town.

Coordinates may come in WGS84, CGCS2000, GCJ-02 (Gaode/Tencent), swapped lon/lat, or CGCS2000
Gauss-Krüger metres (zone 40, with or without the zone prefix); GeoJSON geometries keep their shape
with a representative point. Rows with no coordinates are placed at their town's seat.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

from ..datum import gcj02_to_wgs84
from ..derive import METRIC, WGS84, short_name
from ..load import PlanData
from .rowlog import RowLog

DATUMS = {"wgs84": "wgs84", "wgs-84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84", "gps": "wgs84",
          "cgcs2000": "cgcs2000", "epsg:4490": "cgcs2000", "4490": "cgcs2000", "2000": "cgcs2000",
          "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "火星": "gcj02", "火星坐标": "gcj02",
          "高德": "gcj02", "amap": "gcj02", "gaode": "gcj02", "腾讯": "gcj02"}
_GK = {"EPSG:4549": Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True),
       "EPSG:4528": Transformer.from_crs("EPSG:4528", "EPSG:4326", always_xy=True)}


@dataclass
class Located:
    lon: pd.Series
    lat: pd.Series
    wkt: pd.Series              # the original geometry when it is not a point
    datum: pd.Series            # wgs84 | cgcs2000 | gcj02 per row
    by_town: pd.Series          # placed at the town seat (no coordinates)
    town_code: pd.Series        # the town the row names, if it names one


def locate(df: pd.DataFrame, data: PlanData, default_datum: str, log: RowLog) -> Located:
    lon, lat, wkt = _numbers(df, log)
    row_datum = _datums(df, default_datum, log)
    has = lon.notna() & lat.notna() & log.ok
    lon, lat = _unswap(lon, lat, has, log)
    _gauss_kruger(lon, lat, has, log)
    gcj = has & (row_datum == "gcj02") & log.ok
    if gcj.any():
        lon[gcj], lat[gcj] = gcj02_to_wgs84(lon[gcj].to_numpy(), lat[gcj].to_numpy())
    town_code, by_town = _by_town(df, data, lon, lat, log)
    _inside_county(data, lon, lat, log)
    return Located(lon, lat, wkt, row_datum, by_town, town_code)


def _numbers(df: pd.DataFrame, log: RowLog) -> tuple[pd.Series, pd.Series, pd.Series]:
    lon = pd.to_numeric(df["lon"].str.replace(",", "", regex=False), errors="coerce")
    lat = pd.to_numeric(df["lat"].str.replace(",", "", regex=False), errors="coerce")
    wkt = pd.Series("", index=df.index)
    if "_geometry" in df.columns:
        _geojson_points(df, lon, lat, wkt, log)
    for col, val, zh in (("lon", lon, "经度"), ("lat", lat, "纬度")):
        bad = (df[col] != "") & val.isna()
        log.reject(bad, lambda i, c=col: f"“{df.at[i, c]}”不是数字", lambda i, c=col: f"'{df.at[i, c]}' is not a number", zh)
    log.reject(lon.isna() ^ lat.isna(), "经纬度不完整（只有一个）", "only one of lon/lat is given", "经度/纬度")
    return lon, lat, wkt


def _geojson_points(df, lon, lat, wkt, log: RowLog) -> None:
    """Points as they are; polygons and lines keep their shape (WKT) with a representative point."""
    for i, g in df["_geometry"].items():
        if not g:
            continue
        try:
            geom = shapely.from_geojson(g)
        except shapely.errors.GEOSException:
            log.reject(df.index == i, "几何无效", "invalid geometry", "geometry")
            continue
        if geom.is_empty:
            continue
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        lon[i], lat[i] = p.x, p.y
        if geom.geom_type != "Point":
            wkt[i] = geom.wkt


def _datums(df: pd.DataFrame, default_datum: str, log: RowLog) -> pd.Series:
    text = df["datum"].str.lower()
    row_datum = text.map(DATUMS).where(text != "", default_datum)
    log.reject(row_datum.isna(), lambda i: f"坐标系“{df.at[i, 'datum']}”不支持（WGS84/CGCS2000/GCJ-02）",
               lambda i: f"datum '{df.at[i, 'datum']}' not supported (WGS84/CGCS2000/GCJ-02)", "坐标系")
    return row_datum


def _unswap(lon, lat, has, log: RowLog):
    """Latitude written in the longitude column (and the other way round) is fixed with a warning."""
    swapped = has & lon.between(27, 32) & lat.between(118, 123)
    log.warning(swapped, "经纬度填反，已自动交换", "lon and lat were swapped; corrected")
    return lon.where(~swapped, lat), lat.where(~swapped, lon)


def _gauss_kruger(lon, lat, has, log: RowLog) -> None:
    """CGCS2000 3° zone 40 (CM 120°E) metres, with or without the zone prefix, converted in place."""
    proj = has & ((lon.abs() > 180) | (lat.abs() > 90))
    if not proj.any():
        return
    x, y = lon.where(proj), lat.where(proj)
    swap = proj & x.between(3.0e6, 3.6e6) & ~y.between(3.0e6, 3.6e6)
    x, y = x.where(~swap, lat), y.where(~swap, lon)      # northing written first
    for code, mask in (("EPSG:4528", proj & (x - 4.05e7).abs().lt(5e5) & y.between(3.0e6, 3.6e6)),
                       ("EPSG:4549", proj & x.between(3e5, 7e5) & y.between(3.0e6, 3.6e6))):
        if mask.any():
            lon[mask], lat[mask] = _GK[code].transform(x[mask].to_numpy(), y[mask].to_numpy())
            log.warning(mask, f"平面坐标（米）按 CGCS2000 高斯-克吕格 {code} 转换为经纬度",
                        f"projected metres converted from CGCS2000 Gauss-Krüger {code}")
            proj &= ~mask
    log.reject(proj, "坐标是米制平面坐标，但不是 CGCS2000 3°带 中央经线120°（EPSG:4549）；请提供经纬度",
               "coordinates look like projected metres but not CGCS2000 3° zone CM 120°E (EPSG:4549); give lon/lat",
               "经度/纬度")


def map_unique(col: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (a million rows name only a few dozen towns or sectors)."""
    return col.map({v: fn(v) for v in col.unique()})


def _by_town(df: pd.DataFrame, data: PlanData, lon, lat, log: RowLog) -> tuple[pd.Series, pd.Series]:
    """The town a row names; rows without coordinates are placed at its seat."""
    towns = data.towns
    names = {**dict(zip(towns["name"], towns["code"])), **dict(zip(towns["short_name"], towns["code"]))}
    code_in = map_unique(df["town"], lambda s: names.get(s) or names.get(short_name(s)) if s else None)
    unknown = (df["town"] != "") & code_in.isna()
    nocoord = lon.isna() & lat.isna() & log.ok
    log.reject(nocoord & (df["town"] == ""), "没有坐标，也没有所在镇街", "no coordinates and no town", "经度/纬度")
    log.reject(nocoord & unknown, lambda i: f"没有坐标，且镇街“{df.at[i, 'town']}”不存在（应为23个镇街之一）",
               lambda i: f"no coordinates and town '{df.at[i, 'town']}' does not exist (expected one of the 23 towns)",
               "所在镇街")
    by_town = nocoord & log.ok
    seat = towns.set_index("code")[["seat_lon", "seat_lat"]].astype(float)
    lon[by_town] = code_in[by_town].map(seat["seat_lon"])
    lat[by_town] = code_in[by_town].map(seat["seat_lat"])
    log.warning(by_town, lambda i: f"无坐标，已按“{df.at[i, 'town']}”驻地定位（located_by=town）",
                lambda i: f"no coordinates; placed at the seat of {df.at[i, 'town']} (located_by=town)")
    log.warning(unknown & ~nocoord, lambda i: f"镇街“{df.at[i, 'town']}”不存在，已按坐标确定镇街",
                lambda i: f"town '{df.at[i, 'town']}' does not exist; town taken from the coordinates")
    return code_in, by_town


def _inside_county(data: PlanData, lon, lat, log: RowLog) -> None:
    county = data.outline
    ok = log.ok & lon.notna()
    inside = pd.Series(False, index=lon.index)
    inside[ok] = shapely.contains_xy(county, lon[ok].to_numpy(), lat[ok].to_numpy())
    outside = ok & ~inside
    if not outside.any():
        return
    pts = gpd.GeoSeries(gpd.points_from_xy(lon[outside], lat[outside]), crs=WGS84, index=lon.index[outside])
    border = gpd.GeoSeries([county.boundary], crs=WGS84).to_crs(METRIC).iloc[0]
    dist = pts.to_crs(METRIC).distance(border) / 1000
    log.reject(outside, lambda i: f"位置（{lon[i]:.5f}, {lat[i]:.5f}）在诸暨市域外，距市界约{dist[i]:.1f}公里",
               lambda i: f"point ({lon[i]:.5f}, {lat[i]:.5f}) is outside Zhuji, about {dist[i]:.1f} km from the border",
               "经度/纬度")
