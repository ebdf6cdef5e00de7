"""Questions asked of the plan and the projects: what is here, what is in this area, how do the lists
compare with 专栏8. Pure functions over PlanData and the projects frame; no HTTP.

Distances are measured in CGCS2000 Gauss-Krüger metres (EPSG:4549) to lines that are schematic, so a
distance band around an axis branch is indicative, and every answer says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, shape

from .crs import reproject
from .errors import DataError
from .load import PlanData

MAX_AREA_FACTOR = 4.0        # a drawn area larger than four counties is a mistake, not a question
MAX_RADIUS_M = 60_000
MAX_BAND_KM = 30
NEAR = (118.0, 28.0, 122.5, 31.5)       # Zhuji and its surroundings: metric work is meaningful there


def check_point(lon: float, lat: float) -> None:
    if not (np.isfinite(lon) and np.isfinite(lat) and NEAR[0] <= lon <= NEAR[2] and NEAR[1] <= lat <= NEAR[3]):
        raise DataError(f"点（{lon}, {lat}）不在诸暨附近（经度118–122.5，纬度28–31.5）",
                        f"the point ({lon}, {lat}) is not near Zhuji (lon 118–122.5, lat 28–31.5)", field="lon")


@dataclass
class Area:
    geometry: object            # WGS84
    label_zh: str
    label_en: str
    kind: str
    towns: tuple[str, ...] = ()  # for town/zone/cluster areas: the towns, so multi-town projects can count


def _metric(geom):
    return reproject(geom, 4326, 4549)


def _wgs84(geom):
    return reproject(geom, 4549, 4326)


def _check_drawn(geom, data: PlanData) -> None:
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise DataError("范围应为多边形", "the area must be a polygon", field="geometry")
    x0, y0, x1, y1 = geom.bounds
    if not (NEAR[0] <= x0 and x1 <= NEAR[2] and NEAR[1] <= y0 and y1 <= NEAR[3]):
        raise DataError("范围不在诸暨附近（经度118–122.5，纬度28–31.5）", "the area is not near Zhuji "
                        "(lon 118–122.5, lat 28–31.5)", field="geometry")
    if not geom.is_valid:
        from shapely.validation import explain_validity
        raise DataError(f"所画范围自相交或无效（{explain_validity(geom)}），请重新绘制",
                        f"the drawn area crosses itself or is invalid ({explain_validity(geom)}); draw it again",
                        field="geometry")
    county = _metric(data.outline).area
    if _metric(geom).area > MAX_AREA_FACTOR * county:
        raise DataError(f"所画范围过大（超过市域面积的{MAX_AREA_FACTOR:g}倍），请缩小范围",
                        f"the drawn area is too large (over {MAX_AREA_FACTOR:g}× the county); draw a smaller one",
                        field="geometry")


def drawn_area(geojson: dict | str, data: PlanData) -> Area:
    import orjson
    try:
        doc = orjson.loads(geojson) if isinstance(geojson, (str, bytes)) else geojson
        geom = shape(doc.get("geometry", doc) if isinstance(doc, dict) else doc)
    except (ValueError, TypeError, AttributeError, orjson.JSONDecodeError, shapely.errors.GEOSException) as exc:
        raise DataError("范围不是有效的GeoJSON几何", f"the area is not a valid GeoJSON geometry ({exc})",
                        field="geometry") from None
    _check_drawn(geom, data)
    return Area(geom, "所画范围", "drawn area", "polygon")


def circle_area(lon: float, lat: float, radius_m: float) -> Area:
    check_point(lon, lat)
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise DataError(f"半径应在0–{MAX_RADIUS_M // 1000}公里之间", f"the radius must be within 0–{MAX_RADIUS_M // 1000} km",
                        field="radius")
    geom = _wgs84(_metric(Point(lon, lat)).buffer(radius_m, 64))
    return Area(geom, f"半径{radius_m / 1000:g}公里圆", f"circle of {radius_m / 1000:g} km", "circle")


def named_area(kind: str, ident: str, data: PlanData) -> Area:
    """A town (code), a zone or a cluster (id): the area the map draws for it."""
    frames = {"town": (data.towns, "code"), "zone": (data.zones, "id"), "cluster": (data.clusters, "id")}
    if kind not in frames:
        raise DataError(f"范围类型“{kind}”未知", f"unknown area kind '{kind}'", field="kind")
    frame, key = frames[kind]
    hit = frame[frame[key] == ident]
    if hit.empty:
        raise DataError(f"{ {'town': '镇街', 'zone': '片区', 'cluster': '共富片区'}[kind]}“{ident}”不存在",
                        f"no {kind} '{ident}'", field=kind)
    r = hit.iloc[0]
    towns = {"town": [r.get("code")], "zone": str(r.get("host_town_codes", "")).split(";"),
             "cluster": [r.get("host_town_code")]}[kind]
    return Area(r.geometry, r["name"], r["name"], kind, tuple(t for t in towns if t))


def axis_band(branch: str, km: float, data: PlanData) -> Area:
    if not 0 < km <= MAX_BAND_KM:
        raise DataError(f"带宽应在0–{MAX_BAND_KM}公里之间", f"the band must be within 0–{MAX_BAND_KM} km", field="km")
    a = data.axis[data.axis["id"] == branch]
    if a.empty:
        raise DataError(f"发展轴分支“{branch}”不存在（NS 或 EW）", f"no axis branch '{branch}' (NS or EW)", field="axis")
    band = _metric(a.geometry.iloc[0]).buffer(km * 1000).intersection(_metric(data.outline))
    name = a["short_name"].iloc[0]
    return Area(_wgs84(band), f"{name}发展轴两侧{km:g}公里（示意线）", f"{km:g} km either side of the {name} branch "
                f"(schematic line)", "axis_band")


# ---------------------------------------------------------------- projects in an area

def inside(area: Area, projects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(projects with a point inside the area, projects without a point that belong to the area's towns)."""
    has = projects["lon"].notna().to_numpy()
    mask = np.zeros(len(projects), dtype=bool)
    if has.any():
        shapely.prepare(area.geometry)
        mask[has] = shapely.contains_xy(area.geometry, projects["lon"].to_numpy()[has], projects["lat"].to_numpy()[has])
    nopoint = projects[~has]
    if area.towns:
        codes = nopoint["town_codes"].astype(object).fillna("").str.split(";")
        mine = codes.map(lambda cs: bool(set(cs) & set(area.towns)))
        shared = nopoint.loc[mine.astype(bool)]
    else:
        shared = nopoint.iloc[0:0]
    return projects[mask], shared


def _money(s: pd.Series) -> float:
    return round(float(pd.to_numeric(s, errors="coerce").sum()), 2)


def totals(df: pd.DataFrame) -> dict:
    return {"projects": len(df), "investment_yi": _money(df["investment"]),
            "investment_year_yi": _money(df["investment_year"])}


def breakdown(df: pd.DataFrame, by: str, empty: str = "（未填）") -> list[dict]:
    """Count and investment per value of ``by`` (blank: ``empty``), largest investment first. Summed with
    bincount over the column's category codes (the snapshot keeps repeated words as categories), not a
    frame per group: a statistic over 100,000 projects costs milliseconds."""
    col = df[by] if isinstance(df[by].dtype, pd.CategoricalDtype) else df[by].astype("category")
    codes, labels = col.cat.codes.to_numpy(), [*map(str, col.cat.categories), ""]
    idx = np.where(codes < 0, len(labels) - 1, codes)
    count = np.bincount(idx, minlength=len(labels))
    money = {m: np.bincount(idx, weights=np.nan_to_num(pd.to_numeric(df[m], errors="coerce").to_numpy(dtype=float)),
                            minlength=len(labels)) for m in ("investment", "investment_year")}
    acc: dict[str, list] = {}
    for k, label in enumerate(labels):
        if count[k]:
            a = acc.setdefault(label or empty, [0, 0.0, 0.0])
            a[0] += int(count[k])
            a[1] += money["investment"][k]
            a[2] += money["investment_year"][k]
    out = [{"key": k, "projects": n, "investment_yi": round(float(inv), 2), "investment_year_yi": round(float(iy), 2)}
           for k, (n, inv, iy) in acc.items()]
    return sorted(out, key=lambda r: (-r["investment_yi"], str(r["key"])))


def by_membership(df: pd.DataFrame, col: str, outside: str, citywide: str) -> list[dict]:
    """Projects per zone or cluster (a '；' list, derived from the project's towns): a project of several
    counts under each. One whose towns host none is labelled ``outside``; a city-wide project (no town)
    ``citywide``; only a project with no town and not city-wide stays （未填）."""
    value = df[col].astype(object).fillna("")
    has_town = df["town_codes"].astype(object).fillna("") != ""
    none = np.where(has_town, outside, np.where(df["located_by"].astype(object) == "citywide", citywide, ""))
    key = value.where(value != "", pd.Series(none, index=df.index, dtype=object))
    return breakdown(df.assign(_m=key.str.split("；")).explode("_m"), "_m")


def axis_bands(df: pd.DataFrame, km: float, data: PlanData) -> list[dict]:
    """Each branch's band on its own, exactly as /api/stats?axis=…&km=… counts it: a project near the
    junction lies in both bands, so the rows need not add up to the projects near the axis."""
    out = []
    for branch, name in zip(data.axis["id"], data.axis["short_name"]):
        inner, _ = inside(axis_band(branch, km, data), df)
        out.append({"key": name, "axis": branch, **totals(inner)})
    return out


def statistics(df: pd.DataFrame) -> dict:
    return {**totals(df),
            "by_sector": breakdown(df, "sector"), "by_status": breakdown(df, "status"),
            "by_year": breakdown(df.assign(year=df["year"].astype("string")), "year")}


def in_town(df: pd.DataFrame, code: str) -> pd.Series:
    """Projects of a town: its own, and those of several towns that include it."""
    return (df["town_code"].astype(object) == code) | \
        df["town_codes"].astype(object).fillna("").str.split(";").map(lambda cs: code in cs).astype(bool)


def filter_projects(df: pd.DataFrame, *, year=None, sector=None, status=None, town=None) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    if year not in (None, ""):
        mask &= df["year"] == int(year)
    for col, v in (("sector", sector), ("status", status)):
        if v not in (None, ""):
            mask &= df[col] == v
    if town:
        mask &= in_town(df, town)
    return df[mask]


def area_statistics(area: Area, projects: pd.DataFrame) -> dict:
    inner, shared = inside(area, projects)
    return {"area": {"kind": area.kind, "zh": area.label_zh, "en": area.label_en,
                     "geometry": shapely.geometry.mapping(area.geometry)},
            **statistics(inner),
            "shared": {"projects": len(shared), "investment_yi": _money(shared["investment"]),
                       "note_zh": "跨镇街项目（未落点），涉及本范围内的镇街，投资未拆分，未计入上列合计",
                       "note_en": "projects of several towns (no point) that include this area's towns; investment not "
                                  "split, not in the totals above"},
            "unlocated_elsewhere": int(projects["lon"].isna().sum() - len(shared)),
            "projects_list": inner.sort_values("investment", ascending=False)}


# ---------------------------------------------------------------- what is here

BANDS_KM = (2, 5, 10)


def band_label(metres: float) -> str:
    km = metres / 1000
    for b in BANDS_KM:
        if km <= b:
            return f"{b}公里以内"
    return f"{BANDS_KM[-1]}公里以外"


def identify(lon: float, lat: float, data: PlanData, projects, radius_m: float = 1000) -> dict:
    """Everything at a point, across layers: its town, zones and cluster, the distance band to each axis
    branch, transport items within ``radius_m``, and the projects nearby (nearest first). ``projects``: a
    frame of projects, or a function giving those in a lon/lat box (the store's spatial index)."""
    from .projects.join import join_index, town_index
    check_point(lon, lat)
    if not 0 < radius_m <= 20_000:
        raise DataError("查询半径应在0–20公里之间", "the radius must be within 0–20 km", field="radius")
    J = join_index(data)
    x, y = J.to_metric.transform(lon, lat)
    p = Point(x, y)
    k = int(town_index(np.array([x]), np.array([y]), J)[0])
    town = data.towns.iloc[k] if k >= 0 else None
    zones = data.zones[data.zones.geometry.contains(Point(lon, lat))]
    return {
        "point": [lon, lat],
        "town": None if town is None else {"code": town["code"], "name": town["name"], "accuracy": town["accuracy"]},
        "zones": [{"id": z["id"], "name": z["name"]} for _, z in zones.iterrows()],
        "clusters": [] if town is None else [c for c in str(town["clusters"]).split("；") if c],
        "axis": [{"id": a, "name": n, "distance_m": round(float(d)), "band": band_label(d)}
                 for a, n, d in zip(data.axis["id"], data.axis["short_name"], shapely.distance(J.axis_geoms, p))],
        "corridors": _near_corridors(J, p, radius_m),
        "projects": _near_projects(projects, x, y, radius_m, J),
        "radius_m": radius_m,
        "note_zh": "距离按示意线量算，仅供参考", "note_en": "distances are to schematic lines; indicative only",
    }


def _near_corridors(J, p, radius_m: float) -> list[dict]:
    d = shapely.distance(J.corr_geoms, p)
    idx = np.flatnonzero(d <= radius_m)
    c = J.corr
    return sorted(({"id": i, "name": n, "status": s, "distance_m": round(float(dd))}
                   for i, n, s, dd in zip(c["id"][idx], c["name"][idx], c["status"][idx], d[idx])),
                  key=lambda r: r["distance_m"])


def _near_projects(projects, x: float, y: float, radius_m: float, J, limit: int = 20) -> list[dict]:
    # only the points in a lon/lat box around the click are read and projected to metres (100,000
    # projections per click cost more than the rest of the answer); a degree of latitude is ≥ 110.5 km
    # here and the box has 10 % to spare, so it always holds the circle
    lon0, lat0 = J.to_metric.transform(x, y, direction="INVERSE")
    dlat = 1.1 * radius_m / 110_500
    dlon = dlat / max(np.cos(np.radians(lat0)), 0.1)
    if callable(projects):
        projects = projects((lon0 - dlon, lat0 - dlat, lon0 + dlon, lat0 + dlat))
    lon, lat = projects["lon"].to_numpy(dtype=float), projects["lat"].to_numpy(dtype=float)
    pts = projects[(np.abs(lon - lon0) <= dlon) & (np.abs(lat - lat0) <= dlat)]
    if pts.empty:
        return []
    px, py = J.to_metric.transform(pts["lon"].to_numpy(), pts["lat"].to_numpy())
    d = np.hypot(px - x, py - y)
    idx = np.flatnonzero(d <= radius_m)
    idx = idx[np.argsort(d[idx])][:limit]
    sub = pts.iloc[idx]
    return [{"key": k, "name": n, "sector": s, "year": None if pd.isna(yr) else int(yr), "distance_m": round(float(dd)),
             "accuracy": a} for k, n, s, yr, dd, a in zip(sub["key"], sub["name"], sub["sector"], sub["year"], d[idx],
                                                          sub["accuracy"])]


# ---------------------------------------------------------------- plan-fit hints (never an official review)

def zone_sectors(data: PlanData) -> dict[str, set[str]]:
    """Zone name → the 专栏8 sectors its lead industry (专栏3) corresponds to (an inference, data/plan)."""
    df = pd.read_csv(data.plan_dir / "zone_sectors.csv", dtype=str, keep_default_na=False)
    names = dict(zip(data.zones["id"], data.zones["name"]))
    return {names[r["zone_id"]]: set(r["sectors"].split(";")) for _, r in df.iterrows()}


PLAN_FIT_INPUTS = ["zones", "sector", "cluster", "axis_branch", "axis_distance_m"]


def plan_fit(df: pd.DataFrame, data: PlanData) -> pd.Series:
    """A one-line hint per project: its zones and cluster, whether its sector matches a zone's lead
    industry, how far the (schematic) axis is. Worded as a hint for reading, not a compliance finding."""
    keys = df[PLAN_FIT_INPUTS].astype(object).where(df.notna(), None)
    return pd.Series(plan_hints(keys.itertuples(index=False, name=None), data), index=df.index, dtype=object)


def plan_hints(records, data: PlanData) -> list[str]:
    """``plan_fit`` of records (zones, sector, cluster, axis branch, distance to it), a missing value None."""
    fits = zone_sectors(data)

    def hint(zones: str, sector: str, cluster: str, axis: str, dist) -> str:
        zs = [z for z in str(zones or "").split("；") if z]
        parts = []
        if zs:
            match = [z for z in zs if sector in fits.get(z, set())]
            parts.append(f"位于{'、'.join(zs)}；领域{'与' + '、'.join(match) + '主导产业相符' if match else '与片区主导产业不同'}")
        else:
            parts.append("不在六大片区所在镇街")
        if cluster:
            parts.append(f"共富片区：{cluster}")
        if dist is not None and dist == dist:
            parts.append(f"距{axis}发展轴约{dist / 1000:.1f}公里（示意线）")
        return "；".join(parts) + "。（提示，非审查结论）"

    return [hint(*r) for r in records]
