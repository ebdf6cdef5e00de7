"""Area statistics (/api/stats) and identify (/api/identify) over HTTP with the map part's projects in the
store: one request at a time on a keep-alive connection, every question a different area or point."""
from __future__ import annotations

import time

import requests

from ..common import Sizes, check, load1, pct, say, stop
from ..data import _points, sqlite_store
from ..servers import start_ours

TITLE = "Analysis: area statistics and identify"
WARM = 2                                       # gunicorn's 2 sync workers each answer one of the first two


def questions(n: int) -> dict[str, list]:
    """n questions of each kind: (method, path, json body or None)."""
    data, rng, xs, ys = _points(n, seed=31)
    towns, zones, clusters = list(data.towns["code"]), list(data.zones["id"]), list(data.clusters["id"])
    named = [f"town={c}" for c in towns] + [f"zone={z}" for z in zones] + [f"cluster={c}" for c in clusters]
    stats, ident = [], []
    for i, (x, y) in enumerate(zip(xs, ys)):
        k = i % 5
        if k == 0:
            stats.append(("GET", f"/api/stats?axis={'EW' if i % 2 else 'NS'}&km={1 + i % 9}", None))
        elif k == 1:
            stats.append(("GET", f"/api/stats?{named[i % len(named)]}&year=2026", None))
        elif k == 2:
            stats.append(("GET", f"/api/stats?circle={x:.5f},{y:.5f},{int(rng.uniform(500, 5000))}", None))
        elif k == 3:
            d = rng.uniform(0.01, 0.08)
            stats.append(("GET", f"/api/stats?bbox={x - d:.5f},{y - d:.5f},{x + d:.5f},{y + d:.5f}", None))
        else:
            d = rng.uniform(0.01, 0.06)
            ring = [[x - d, y - d], [x + d, y - d / 2], [x + d / 2, y + d], [x - d, y + d / 2], [x - d, y - d]]
            stats.append(("POST", "/api/stats", {"geometry": {"type": "Polygon", "coordinates": [ring]}}))
        ident.append(("GET", f"/api/identify?lon={x:.5f}&lat={y:.5f}&radius=1000", None))
    return {"stats": stats, "identify": ident}


def ask(s: requests.Session, base: str, qs: list) -> dict:
    times, before = [], load1()
    for method, path, body in qs:
        t = time.perf_counter()
        r = s.request(method, base + path, json=body, timeout=120)
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
    rest = times[WARM:]                        # the first questions meet each worker cold: reported apart
    return {"requests": len(times), "first_ms": [round(t, 1) for t in times[:WARM]], "p50_ms": pct(rest, 50),
            "p95_ms": pct(rest, 95), "max_ms": round(max(rest), 1), "load1_before": before, "load1_after": load1()}


def run(sz: Sizes) -> dict:
    qs = questions(sz.analysis_requests + WARM)
    server = start_ours(sqlite_store(sz.map_points))
    out = {"projects": sz.map_points}
    try:
        s = requests.Session()
        for kind in ("stats", "identify"):
            out[kind] = ask(s, server.url, qs[kind])
            say(f"  {kind}: first {out[kind]['first_ms']} ms, p50 {out[kind]['p50_ms']} ms, p95 {out[kind]['p95_ms']} ms, "
                f"max {out[kind]['max_ms']} ms over {out[kind]['requests']} questions")
    finally:
        stop(server.proc)
    out["checks"] = [check("/api/stats for an area: p95", out["stats"]["p95_ms"], "≤ 100 ms", out["stats"]["p95_ms"] <= 100, " ms"),
                     check("/api/identify: p95", out["identify"]["p95_ms"], "≤ 50 ms", out["identify"]["p95_ms"] <= 50, " ms")]
    return out


def markdown(res: dict) -> list[str]:
    L = [f"{res['projects']:,} projects in the store; one request at a time, each a different area (axis bands, towns, "
         "zones, clusters, circles, bboxes, drawn polygons) or point (radius 1 km).", "",
         "| route | questions | first two ms | then p50 ms | p95 ms | max ms | load1 |", "|---|---|---|---|---|---|---|"]
    for k in ("stats", "identify"):
        v = res[k]
        L.append(f"| /api/{k} | {v['requests']} | {' / '.join(map(str, v['first_ms']))} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} | "
                 f"{v['load1_before']}→{v['load1_after']} |")
    return L
