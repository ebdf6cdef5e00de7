"""The coordinate reference systems the service speaks, defined once, with their axis order.

Storage is WGS84 lon/lat. Output in CGCS2000 (EPSG:4490) and CGCS2000 3° Gauss-Krüger CM 120°E
(EPSG:4549) follows each CRS's own axis order, as OGC API – Features Part 2 requires.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from .errors import DataError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# code → (label zh, label en); the order is the order offered to users
CHOICES: dict[str, tuple[str, str]] = {
    "EPSG:4490": ("CGCS2000 经纬度（EPSG:4490）", "CGCS2000 lon/lat (EPSG:4490)"),
    "EPSG:4549": ("CGCS2000 高斯-克吕格 3°带 中央经线120°（EPSG:4549）", "CGCS2000 Gauss-Krüger CM 120°E (EPSG:4549)"),
    "EPSG:4326": ("WGS84 经纬度（EPSG:4326）", "WGS84 lon/lat (EPSG:4326)"),
}
EPSG = {code: int(code.split(":")[1]) for code in CHOICES}
OGC_URIS = {CRS84: None, **{f"http://www.opengis.net/def/crs/EPSG/0/{n}": n for n in EPSG.values()}}
METRIC_DECIMALS, DEGREE_DECIMALS = 3, 7      # 1 mm in metres; ~1 cm in degrees


def decimals(epsg: int | None) -> int:
    return METRIC_DECIMALS if epsg == 4549 else DEGREE_DECIMALS


def browser_choices(lang: str) -> list[dict]:
    return [{"code": c, "label": zh if lang == "zh" else en} for c, (zh, en) in CHOICES.items()]


def parse_export_crs(value: str | None, default: str = "EPSG:4326") -> int:
    code = (value or default).strip().upper()
    if code not in EPSG:
        raise DataError(f"crs 不支持：“{value}”，可选 {', '.join(EPSG)}",
                        f"unsupported crs '{value}'; expected one of {', '.join(EPSG)}", field="crs")
    return EPSG[code]


def parse_crs(value: str | None, param: str = "crs") -> int | None:
    """An OGC CRS URI (or EPSG:nnnn) → EPSG code, None for CRS84; DataError otherwise."""
    if value is None or value == "":
        return None
    v = value.strip()
    if v in OGC_URIS:
        return OGC_URIS[v]
    if v.upper() in EPSG:
        return EPSG[v.upper()]
    raise DataError(f"{param} 不支持：“{value}”；可选 {', '.join(OGC_URIS)}",
                    f"unsupported {param} '{value}'; supported: {', '.join(OGC_URIS)}", field=param)


def crs_uri(epsg: int | None) -> str:
    return CRS84 if epsg is None else f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"


_transformers: dict = {}


def transformer(src, dst) -> Transformer:
    key = (src, dst)
    if key not in _transformers:
        _transformers[key] = Transformer.from_crs(src, dst, always_xy=True)
    return _transformers[key]


def north_first(epsg: int) -> bool:
    return CRS.from_epsg(epsg).axis_info[0].direction == "north"


def reproject(geoms, src: int = 4326, dst: int = 4549):
    """Shapely geometries (one or an array) from ``src`` to ``dst``, x/y as lon/lat or easting/northing:
    WGS84 to metres by default. One cached transformer per pair (making one takes 0.06–0.1 s)."""
    t = transformer(src, dst)
    return shapely.transform(geoms, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def to_output_crs(geoms: gpd.GeoSeries, epsg: int | None) -> gpd.GeoSeries:
    """Coordinates in the CRS's own axis order: 4326/4490 lat,lon; 4549 northing,easting."""
    if epsg is None:
        return geoms
    t, flip = transformer(4326, epsg), north_first(epsg)

    def conv(coords):
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([y, x] if flip else [x, y])

    return gpd.GeoSeries(shapely.transform(geoms.values, conv), index=geoms.index)


def bbox_to_4326(bbox: tuple[float, ...], epsg: int | None) -> tuple[float, float, float, float]:
    """A bbox given in ``epsg`` (axis order of that CRS, as OGC API Part 2 says) → lon/lat bbox."""
    if epsg is None:
        return bbox
    a1, b1, a2, b2 = bbox
    x1, y1, x2, y2 = (b1, a1, b2, a2) if north_first(epsg) else (a1, b1, a2, b2)
    xs, ys = transformer(epsg, 4326).transform([x1, x2, x1, x2], [y1, y1, y2, y2])
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
    if len(vals) != 4 or not all(np.isfinite(vals)) or vals[0] > vals[2] or vals[1] > vals[3]:
        raise DataError(f"bbox 无效：“{text}”，应为 minx,miny,maxx,maxy",
                        f"invalid bbox '{text}'; expected minx,miny,maxx,maxy", field="bbox")
    return tuple(vals)
