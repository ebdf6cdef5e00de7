"""The area a question is about, from request parameters: a drawn GeoJSON polygon, a bbox, a circle, a
town, a zone, a cluster or a band either side of an axis branch. One parser for /api/stats, its exports
and the printed 范围统计, so the screen and the paper answer the same question."""
from __future__ import annotations

from collections.abc import Mapping

import shapely

from .analysis import Area, axis_band, circle_area, drawn_area, named_area
from .crs import parse_bbox
from .errors import DataError
from .load import PlanData

KEYS = ("geometry", "bbox", "circle", "town", "zone", "cluster", "axis", "km")


def number(params: Mapping, name: str) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise DataError(f"{name} 应为数字：“{raw}”", f"{name} must be a number, got '{raw}'", field=name) from None


def area_from(params: Mapping, data: PlanData) -> Area:
    if params.get("geometry"):
        return drawn_area(params["geometry"], data)
    if params.get("bbox"):
        return drawn_area(shapely.geometry.mapping(shapely.box(*parse_bbox(params["bbox"]))), data)
    if params.get("circle"):
        try:
            lon, lat, r = (float(v) for v in str(params["circle"]).split(","))
        except ValueError:
            raise DataError("circle 应为 经度,纬度,半径（米）", "circle must be lon,lat,radius_m", field="circle") from None
        return circle_area(lon, lat, r)
    for kind in ("town", "zone", "cluster"):
        if params.get(kind):
            return named_area(kind, str(params[kind]), data)
    if params.get("axis"):
        return axis_band(str(params["axis"]), number(params, "km") or 5, data)
    raise DataError("请给出范围：geometry、bbox、circle、town、zone、cluster 或 axis（及 km）",
                    "give an area: geometry, bbox, circle, town, zone, cluster or axis (with km)", field="geometry")
