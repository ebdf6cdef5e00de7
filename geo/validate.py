"""Validation that fails loudly: counts and codes, geometry, containment, tiling, links to towns."""
from __future__ import annotations

from collections import Counter

import geopandas as gpd
from shapely.validation import explain_validity

from . import gazetteer
from .derive import METRIC
from .errors import DataError, ValidationError
from .load import LAYER_IDS, PlanData

EXPECTED_TYPES = {"街道": 5, "镇": 17, "乡": 1}       # the city's official list (reference README)
INSIDE_TOLERANCE_M = 1000   # authoritative boundaries and the Amap outline differ by generalisation
TILING_TOLERANCE = 0.005    # areas sum to the outline within 0.5%


def validate(data: PlanData, *, raise_errors: bool = True) -> tuple[list[DataError], list[DataError]]:
    """Return (errors, warnings); raise ValidationError listing every error unless told not to."""
    errors: list[DataError] = []
    warnings: list[DataError] = list(data.problems)
    err = lambda layer, zh, en: errors.append(DataError(zh, en, layer=layer))
    warn = lambda layer, zh, en: warnings.append(DataError(zh, en, layer=layer))
    _check_towns_table(data.towns, err)
    county = data.county.to_crs(METRIC).geometry.iloc[0]
    for layer in LAYER_IDS:
        _check_geometry(layer, data.layer(layer), county, err)
    if not errors:
        _check_tiling(data.towns, county, err, warn)
    _check_hosts(data, err)
    errors += gazetteer.check_town_codes(data.towns, data.villages)
    if errors and raise_errors:
        raise ValidationError(errors)
    return errors, warnings


def _check_towns_table(t, err) -> None:
    if len(t) != 23:
        err("towns", f"镇街数量为{len(t)}，应为23", f"{len(t)} towns, expected 23")
    for col in ("code", "name"):
        for v, n in Counter(t[col]).items():
            if n > 1:
                err("towns", f"{col} “{v}” 重复{n}次", f"{col} '{v}' appears {n} times")
    types = dict(Counter(t["type"]))
    if types != EXPECTED_TYPES:
        err("towns", f"镇街类型构成为{types}，应为5街道、17镇、1乡", f"town types {types}, expected 5 街道, 17 镇, 1 乡")


def _check_geometry(layer: str, gdf, county, err) -> None:
    """WGS84, no empty or invalid geometry, everything inside the county (with a tolerance)."""
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        err(layer, "坐标参考系缺失或不是 EPSG:4326", "CRS missing or not EPSG:4326")
        return
    for ident, geom in zip(gdf.iloc[:, 0], gdf.geometry):
        if geom is None or geom.is_empty:
            err(layer, f"{ident}：几何为空", f"{ident}: empty geometry")
        elif not geom.is_valid:
            err(layer, f"{ident}：几何无效（{explain_validity(geom)}）", f"{ident}: invalid geometry ({explain_validity(geom)})")
    inside = county.buffer(INSIDE_TOLERANCE_M)
    for ident, geom in zip(gdf.iloc[:, 0], gdf.to_crs(METRIC).geometry):
        if geom is not None and not geom.is_empty and not inside.contains(geom):
            err(layer, f"{ident}：超出诸暨市域（容差{INSIDE_TOLERANCE_M}米）",
                f"{ident}: outside the county (tolerance {INSIDE_TOLERANCE_M} m)")


def _check_tiling(t, county, err, warn) -> None:
    """Towns tile the outline and contain their own seats (an official file is trusted over the outline)."""
    tm = t.to_crs(METRIC)
    total, outline = tm.area.sum(), county.area
    union = tm.union_all()
    overlap = total - union.area
    gap = outline - union.intersection(county).area
    report = warn if (t["accuracy"] == "official").any() else err
    if abs(total - outline) / outline > TILING_TOLERANCE:
        report("towns", f"镇街面积之和{total / 1e6:.1f}km²与市域{outline / 1e6:.1f}km²相差超过0.5%",
               f"town areas sum to {total / 1e6:.1f} km², county is {outline / 1e6:.1f} km² (>0.5% apart)")
    if overlap / outline > TILING_TOLERANCE:
        report("towns", f"镇街之间重叠{overlap / 1e6:.2f}km²", f"towns overlap by {overlap / 1e6:.2f} km²")
    if gap / outline > TILING_TOLERANCE:
        report("towns", f"镇街之间有空隙{gap / 1e6:.2f}km²", f"gaps between towns total {gap / 1e6:.2f} km²")
    seats = gpd.GeoSeries(gpd.points_from_xy(t["seat_lon"].astype(float), t["seat_lat"].astype(float)), crs=4326)
    for name, geom, seat, acc in zip(t["name"], t.geometry, seats, t["accuracy"]):
        if not geom.contains(seat):
            (warn if acc == "official" else err)(
                "towns", f"{name}驻地点不在其面内（驻地坐标可能为估计值）",
                f"the seat of {name} is not inside its polygon (the seat may be an estimate)")


def _check_hosts(data: PlanData, err) -> None:
    codes = set(data.towns["code"])
    for layer, col in (("clusters", "host_town_code"), ("zones", "host_town_codes"), ("communities", "host_town_code")):
        for ident, v in zip(data.layer(layer)["id"], data.layer(layer)[col]):
            for c in filter(None, v.split(";")):
                if c not in codes:
                    err(layer, f"{ident}：所在镇街 {c} 不存在", f"{ident}: host town {c} does not exist")
