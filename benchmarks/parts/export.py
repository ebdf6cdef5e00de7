"""Downloads of the projects layer in each format and CRS (geo.export, in this process)."""
from __future__ import annotations

import time

from ..common import Sizes, load1, say
from ..data import sqlite_store

TITLE = "Export of the projects layer"
FORMATS = (("geojson", 4326), ("gpkg", 4490), ("shp", 4549), ("csv", 4490), ("kml", 4326))


def run(sz: Sizes) -> dict:
    import geo
    from geo.export import export
    from geo.features import Catalog
    from geo.projects.store import Store
    data_dir = sqlite_store(sz.export_points)
    g = Catalog(geo.load(), Store(f"sqlite:///{data_dir / 'projects.sqlite'}")).query("projects")
    out = {"features": len(g), "formats": {}, "checks": []}
    for fmt, epsg in FORMATS:
        before, t = load1(), time.perf_counter()
        body, _, _ = export(g, "projects", fmt, epsg)
        r = out["formats"][fmt] = {"seconds": round(time.perf_counter() - t, 2), "mb": round(len(body) / 2**20, 1),
                                   "crs": f"EPSG:{epsg}", "load1_before": before, "load1_after": load1()}
        say(f"  export {fmt:8} {r['seconds']:>6} s  {r['mb']:>7} MB")
    return out


def markdown(res: dict) -> list[str]:
    L = [f"{res['features']:,} projects; no target in issue 15 (kept to see regressions).", "",
         "| format | CRS | seconds | MB | load1 |", "|---|---|---|---|---|"]
    for k, v in res["formats"].items():
        L.append(f"| {k} | {v['crs']} | {v['seconds']} | {v['mb']} | {v['load1_before']}→{v['load1_after']} |")
    return L
