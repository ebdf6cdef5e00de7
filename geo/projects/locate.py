"""Step "locate": where each row is, in WGS84, and what that position is worth.

Coordinates are never taken in a silent datum: the system comes from the row (坐标系 column), a
coordinate header ("经度（GCJ-02）"), the format (GeoJSON is WGS84) or the officer's choice; a file with
coordinates and none of these is refused with the choices (``DatumRequired``). Rows without coordinates
are located by their 所在镇街 / 建设地点 text through the NBS gazetteer: one town or village → the town
seat (a schematic point, said so); several towns or the whole city → no point at all, all towns kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import transformer
from ..datum import bd09_to_wgs84, gcj02_to_wgs84
from ..derive import METRIC, WGS84
from ..errors import ImportFileError
from ..load import PlanData
from .rowlog import RowLog
from .values import spread, to_floats

# the systems an officer chooses from (key → label); "gk" is CGCS2000 3° Gauss-Krüger zone 40 (CM 120°E)
DATUM_LABELS = {
    "wgs84": ("WGS84 / GPS", "WGS84 / GPS"),
    "cgcs2000": ("CGCS2000 / 天地图", "CGCS2000 / Tianditu"),
    "gcj02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (Gaode/Amap, Tencent)"),
    "bd09": ("BD-09（百度地图）", "BD-09 (Baidu)"),
    "gk": ("CGCS2000 3°带高斯-克吕格平面坐标（米，含或不含带号40）", "CGCS2000 3° Gauss-Krüger metres (zone 40, with or "
           "without the zone prefix)"),
}
DATUMS = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs 84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84", "gps": "wgs84",
    "cgcs2000": "cgcs2000", "cgcs 2000": "cgcs2000", "epsg:4490": "cgcs2000", "4490": "cgcs2000", "2000": "cgcs2000",
    "天地图": "cgcs2000", "国家2000": "cgcs2000", "2000坐标系": "cgcs2000",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "火星": "gcj02", "火星坐标": "gcj02", "高德": "gcj02",
    "amap": "gcj02", "gaode": "gcj02", "腾讯": "gcj02", "tencent": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "百度": "bd09", "baidu": "bd09",
    "gk": "gk", "gauss-kruger": "gk", "gauss-krüger": "gk", "高斯": "gk", "高斯-克吕格": "gk", "高斯克吕格": "gk",
    "epsg:4549": "gk", "4549": "gk", "epsg:4528": "gk", "4528": "gk", "cgcs2000-gk": "gk",
}
ACCURACY = {"wgs84": "上报坐标（WGS84）", "cgcs2000": "上报坐标（CGCS2000）", "gcj02": "上报坐标（GCJ-02 已转换）",
            "bd09": "上报坐标（BD-09 已转换）", "gk": "上报坐标（CGCS2000 高斯-克吕格 已转换）",
            "geojson": "上报几何（GeoJSON，WGS84）", "town": "镇街驻地示意（非项目位置）",
            "village": "按村社区所在镇街驻地示意（非项目位置）", "multi": "跨镇街项目（未落点）",
            "citywide": "全市性项目（未落点）"}


class DatumRequired(ImportFileError):
    """The file has coordinates but says nothing about their system: the officer must choose one."""

    def __init__(self, filename: str):
        choices_zh = "；".join(f"{k}＝{v[0]}" for k, v in DATUM_LABELS.items())
        choices_en = "; ".join(f"{k} = {v[1]}" for k, v in DATUM_LABELS.items())
        super().__init__(f"文件中有坐标，但没有说明坐标系，请选择：{choices_zh}",
                         f"the file has coordinates but does not say in which system; choose one: {choices_en}",
                         file=filename, field="datum")
        self.choices = list(DATUM_LABELS)


def parse_datum(text: str | None) -> str | None:
    if text is None or str(text).strip() == "":
        return None
    key = DATUMS.get(str(text).strip().lower())
    if key is None:
        raise ImportFileError(f"坐标系“{text}”无法识别，可选：{'、'.join(DATUM_LABELS)}",
                              f"unknown coordinate system '{text}'; expected one of {', '.join(DATUM_LABELS)}",
                              field="datum")
    return key


@dataclass
class Located:
    lon: pd.Series
    lat: pd.Series
    wkt: pd.Series              # the original geometry when it is not a point (GeoJSON)
    datum: pd.Series            # system of the row's coordinates ("" when it had none)
    located_by: pd.Series       # coordinates | geojson | town | village | multi | citywide
    town_codes: pd.Series       # towns named by the row's text (list), or None
    village: pd.Series          # village named, or ""


def locate(df: pd.DataFrame, data: PlanData, default_datum: str | None, log: RowLog, filename: str = "") -> Located:
    x, y, wkt = _numbers(df, log)
    has_xy = x.notna() & y.notna() & log.ok
    row_datum = _datums(df, default_datum, has_xy, log, filename)
    lon, lat = _to_wgs84(x, y, row_datum, has_xy, log)
    by = pd.Series(np.where(has_xy, "coordinates", ""), index=df.index, dtype=object)
    if "_geometry" in df.columns:
        by[has_xy & (df["_geometry"] != "")] = "geojson"
    codes, village = _by_text(df, data, lon, lat, by, log)
    converted = ((x - lon).abs() > 1e-9) | ((y - lat).abs() > 1e-9)          # datum, swap or metres
    _inside_county(data, lon, lat, _as_typed(df), converted, log)
    return Located(lon, lat, wkt, row_datum.where(has_xy, ""), by, codes, village)


def _number(col: pd.Series) -> pd.Series:
    return to_floats(col.str.replace(",", "", regex=False).str.strip())


def _numbers(df: pd.DataFrame, log: RowLog) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The row's two coordinates as floats (lon/lat columns, else X/Y metres, else a GeoJSON geometry)."""
    gk = (df["lon"] == "") & (df["lat"] == "") & (df["x"] != "")
    num = {col: _number(df[col]) if (df[col] != "").any() else pd.Series(np.nan, index=df.index)
           for col in ("lon", "lat", "x", "y")}
    x = num["lon"].where(~gk, num["y"])                 # Chinese survey tables: X is the northing, Y the easting
    y = num["lat"].where(~gk, num["x"])
    for col in ("lon", "lat", "x", "y"):
        bad = (df[col] != "") & num[col].isna()
        log.reject(bad, lambda i, c=col: f"“{df.at[i, c]}”不是数字", lambda i, c=col: f"'{df.at[i, c]}' is not a number", col)
    wkt = pd.Series("", index=df.index)
    if "_geometry" in df.columns:
        _geojson_points(df, x, y, wkt, log)
    log.reject(x.isna() ^ y.isna(), "坐标不完整（只填了一个）", "only one of the two coordinates is given", "lon")
    return x, y, wkt


def _geojson_points(df, x, y, wkt, log: RowLog) -> None:
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
        x[i], y[i] = p.x, p.y
        if geom.geom_type != "Point":
            wkt[i] = geom.wkt


def _datums(df: pd.DataFrame, default: str | None, has_xy: pd.Series, log: RowLog, filename: str) -> pd.Series:
    text = df["datum"].str.strip().str.lower()
    row = text.map(DATUMS)
    log.reject((text != "") & row.isna(), lambda i: f"坐标系“{df.at[i, 'datum']}”无法识别（可选：{'、'.join(DATUM_LABELS)}）",
               lambda i: f"unknown coordinate system '{df.at[i, 'datum']}' (expected {', '.join(DATUM_LABELS)})", "datum")
    if "_geometry" in df.columns:
        default = default or "wgs84"                     # RFC 7946: GeoJSON is WGS84
    row = row.where(text != "", default)
    if (has_xy & log.ok & row.isna()).any():
        raise DatumRequired(filename)
    return row.fillna("")


def _to_wgs84(x: pd.Series, y: pd.Series, datum: pd.Series, has: pd.Series, log: RowLog):
    lon, lat = x.copy(), y.copy()
    metres = has & ((x.abs() > 180) | (y.abs() > 180))      # (a latitude of 120 is a swapped longitude)
    degrees = has & ~metres
    log.reject(metres & (datum != "gk"), "数值是平面坐标（米），不是经纬度；若为高斯-克吕格坐标请选择“gk”",
               "the values are projected metres, not degrees; choose 'gk' if they are Gauss-Krüger", "lon")
    log.reject(degrees & (datum == "gk"), "坐标系选的是高斯-克吕格（米），但数值是经纬度",
               "Gauss-Krüger (metres) was chosen, but the values are degrees", "lon")
    swapped = degrees & log.ok & x.between(27, 32) & y.between(118, 123)
    log.warning(swapped, "经纬度填反，已自动交换", "longitude and latitude were swapped; corrected")
    lon[swapped], lat[swapped] = y[swapped], x[swapped]
    _gauss_kruger(lon, lat, metres & log.ok, log)
    for key, fn in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        m = degrees & log.ok & (datum == key)
        if m.any():
            lon[m], lat[m] = fn(lon[m].to_numpy(), lat[m].to_numpy())
    return lon.where(has & log.ok), lat.where(has & log.ok)


def _gauss_kruger(lon: pd.Series, lat: pd.Series, mask: pd.Series, log: RowLog) -> None:
    """CGCS2000 3° zone 40 (CM 120°E) metres, easting with (EPSG:4528) or without (EPSG:4549) the zone
    prefix; whichever value is the northing (3.0–3.6 million m here) is taken as such."""
    if not mask.any():
        return
    a, b = lon[mask], lat[mask]
    north_first = a.between(3.0e6, 3.6e6) & ~b.between(3.0e6, 3.6e6)
    e, n = a.where(~north_first, b), b.where(~north_first, a)
    in_zone = n.between(3.0e6, 3.6e6)
    for code, m in (("EPSG:4528", in_zone & (e - 4.05e7).abs().lt(5e5)), ("EPSG:4549", in_zone & e.between(3e5, 7e5))):
        idx = m[m].index
        if len(idx):
            lon[idx], lat[idx] = transformer(code, "EPSG:4326").transform(e[idx].to_numpy(), n[idx].to_numpy())
    outside = in_zone & ((e - 4.05e7).abs().lt(5e5) | e.between(3e5, 7e5))
    log.reject(mask & ~outside.reindex(mask.index, fill_value=False),
               "平面坐标不在 CGCS2000 3°带第40带（中央经线120°）的诸暨范围内",
               "the metres are not in CGCS2000 3° zone 40 (CM 120°E) around Zhuji", "lon")


def _by_text(df, data: PlanData, lon, lat, by: pd.Series, log: RowLog) -> tuple[pd.Series, pd.Series]:
    """What the row's 所在镇街/建设地点 text names (through the NBS gazetteer); rows without coordinates are
    located by it: one town or village → that town's seat (schematic); several towns or the city → no point."""
    text = (df["town"] + " " + df["location"]).str.strip()
    which, distinct = pd.factorize(text)                  # each distinct text resolved and described once
    found = [data.gazetteer.resolve(s) if s else None for s in distinct]
    res = spread(which, found, df.index)
    kind = spread(which, (r.kind if r is not None else "" for r in found), df.index)
    codes = spread(which, (list(r.town_codes) if r is not None and r.kind in ("town", "village", "multi") else None
                           for r in found), df.index)
    village = spread(which, ((r.village.village_name if r is not None and r.village else "") or "" for r in found),
                     df.index)
    nocoord = lon.isna() & log.ok
    log.reject(nocoord & (text == ""), "没有坐标，也没有所在镇街或建设地点", "no coordinates and no town or location",
               "lon")
    bad = nocoord & kind.isin(["unknown", "ambiguous"])
    for field, written in (("town", df["town"] != ""), ("location", df["town"] == "")):   # name the column used
        log.reject(bad & written, lambda i: f"没有坐标，且{res[i].zh}", lambda i: f"no coordinates, and {res[i].en}", field)
    seat = data.towns.set_index("code")[["seat_lon", "seat_lat"]].astype(float)
    single = nocoord & log.ok & kind.isin(["town", "village"])
    lon[single] = codes[single].map(lambda c: seat.at[c[0], "seat_lon"])
    lat[single] = codes[single].map(lambda c: seat.at[c[0], "seat_lat"])
    by[single] = kind[single]
    unplaced = nocoord & log.ok & kind.isin(["multi", "citywide"])
    by[unplaced] = kind[unplaced]
    name_of = dict(zip(data.towns["code"], data.towns["name"]))
    log.warning(single, lambda i: f"无坐标：按{'村（社区）“' + village[i] + '”所在' if village[i] else ''}镇街"
                                  f"（{name_of[codes[i][0]]}）驻地示意，非项目位置",
                lambda i: f"no coordinates: shown at the seat of {name_of[codes[i][0]]}"
                          f"{' (where ' + village[i] + ' is)' if village[i] else ''}; not the project's site")
    unknown = lon.notna() & log.ok & (kind == "unknown")
    log.warning(unknown, lambda i: f"“{text[i]}”中没有识别到镇街或村名，所在镇街按坐标确定",
                lambda i: f"no town or village recognised in '{text[i]}'; the town is taken from the coordinates")
    multi = unplaced & (kind == "multi")
    log.warning(multi, lambda i: f"跨镇街项目（{'、'.join(name_of[c] for c in codes[i])}）：不在地图上落点，计入所涉各镇街",
                lambda i: f"a project of several towns ({', '.join(name_of[c] for c in codes[i])}): no point on the map, "
                          "counted for each of them")
    log.warning(unplaced & (kind == "citywide"), "全市性项目：不在地图上落点，单列统计",
                "a city-wide project: no point on the map, counted on its own line")
    return codes, village


def _as_typed(df: pd.DataFrame) -> pd.Series:
    """The row's coordinates as the officer typed them ("120.159695, 30.271671"; X/Y metres), "" when none."""
    xy = df["lon"].str.strip() + ", " + df["lat"].str.strip()
    gk = "X=" + df["x"].str.strip() + ", Y=" + df["y"].str.strip()
    return xy.where((df["lon"] != "") | (df["lat"] != ""), gk.where((df["x"] != "") | (df["y"] != ""), ""))


def _inside_county(data: PlanData, lon, lat, typed: pd.Series, converted: pd.Series, log: RowLog) -> None:
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
    # the values as typed, so the officer finds the cell; then where they land in WGS84 when that differs
    wgs = lambda i: f"{lon[i]:.6f}, {lat[i]:.6f}"
    said = lambda i: typed[i] or wgs(i)
    zh_then = lambda i: f"，换算为WGS84：{wgs(i)}" if typed[i] and converted[i] else ""
    en_then = lambda i: f"; in WGS84: {wgs(i)}" if typed[i] and converted[i] else ""
    log.reject(outside, lambda i: f"位置（{said(i)}{zh_then(i)}）在诸暨市域外，距市界约{dist[i]:.1f}公里",
               lambda i: f"point ({said(i)}{en_then(i)}) is outside Zhuji, about {dist[i]:.1f} km from the border",
               "lon")
