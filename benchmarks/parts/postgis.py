"""Ours on PostGIS (DATABASE_URL) beside tipg on the same projects table of the same database: OGC items,
limit=100, random bboxes from one pre-generated list (wrk's threads walk disjoint slices: no URL twice, so
no response-cache hit); requests per second, each worker's RSS afterwards, the first request after start."""
from __future__ import annotations

import time

import requests

from .. import pg
from ..common import WORK, Sizes, check, say, stop, worker_rss, wrk
from ..data import bbox_file, lua_script
from ..servers import TIPG_COLLECTION, start_ours, start_tipg

TITLE = "PostGIS: ours beside tipg on the same table"
PATHS = {"ours": "/ogc/collections/projects/items?limit=100&bbox=", "tipg": f"/collections/{TIPG_COLLECTION}/items?limit=100&bbox="}


def first_request(server, path: str, bbox: str) -> dict:
    t = time.perf_counter()
    r = requests.get(f"{server.url}{path}{bbox}", timeout=120)
    ms = round((time.perf_counter() - t) * 1000, 1)
    body = r.json() if r.ok else {}
    return {"first_request_ms": ms, "status": r.status_code, "features": len(body.get("features", []))}


def measure(name: str, server, sz: Sizes, bboxes) -> dict:
    """First request straight after start, then wrk at 1 and 8 connections; RSS of each worker after."""
    lines = bboxes.read_text().split()
    out = {"started_s": server.started_s, **first_request(server, PATHS[name], lines[-1])}
    out["same_bbox_features"] = first_request(server, PATHS[name], lines[-2])["features"]
    out["runs"], used = [], 0
    for conns in (1, 8):          # the second run starts where the first stopped: no response-cache hit
        r = wrk(server.url + PATHS[name], conns, sz.pg_seconds, script=lua_script(),
                script_args=(PATHS[name], bboxes, min(conns, 2), used))
        used += r["requests"] + 2 * conns          # wrk counts answered requests; those cut off at the end too
        r["wrapped"] = used > len(lines) - 2
        out["runs"].append(r)
        say(f"  {name:5} c={conns}: {r['rps']:>8.1f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  non-2xx {r['non_2xx']}"
            f"  load {r['load1_before']}→{r['load1_after']}")
    out["worker_rss_mb"] = worker_rss(server.pid)
    say(f"  {name}: started in {out['started_s']} s, first request {out['first_request_ms']} ms "
        f"({out['features']} features), worker RSS {out['worker_rss_mb']} MB")
    return out


def run(sz: Sizes) -> dict:
    url = pg.projects_db(sz.pg_points)
    c = pg.cluster()
    db = url.rsplit("/", 1)[1]
    c.psql("SELECT sum(lon) FROM projects", db)          # both servers find the table in PostgreSQL's cache
    bboxes = bbox_file(sz.bboxes)
    out = {"points": c.count(db), "seconds_per_run": sz.pg_seconds, "bboxes": sz.bboxes}
    for name in ("ours", "tipg"):
        server = start_ours(WORK / "store-postgis", database_url=url) if name == "ours" else start_tipg(url)
        try:
            out[name] = measure(name, server, sz, bboxes)
        finally:
            stop(server.proc)
    out["checks"] = checks(out)
    return out


def _rps(side: dict, conns: int):
    return next((r["rps"] for r in side.get("runs", []) if r["connections"] == conns), None)


def checks(res: dict) -> list[dict]:
    o, t = res.get("ours", {}), res.get("tipg", {})
    ratio = round(_rps(o, 8) / _rps(t, 8), 2) if _rps(o, 8) and _rps(t, 8) else None
    bad = sum(r["non_2xx"] for r in o.get("runs", []))
    rss = max(o.get("worker_rss_mb") or [0]) or None
    n = f"{res['points']:,}"
    return [check(f"{n} projects, random bboxes, 8 conns: ours ÷ tipg req/s", ratio, "≥ 2×", (ratio or 0) >= 2 and not bad, "×"),
            check("ours: largest worker RSS after the run", rss, "≤ 500 MB", (rss or 1e9) <= 500, " MB"),
            check("ours: first request after start", o.get("first_request_ms"), "≤ 1,000 ms",
                  o.get("status") == 200 and o.get("first_request_ms", 1e9) <= 1000, " ms")]


def markdown(res: dict) -> list[str]:
    L = [f"{res['points']:,} projects in PostGIS; OGC items limit=100 over {res['bboxes']:,} distinct random bboxes "
         f"(0.5–5 km a side), the same list for both; wrk {res['seconds_per_run']} s per run; 2 workers each "
         "(gunicorn sync / uvicorn).", "",
         "| server | conns | req/s | p50 ms | p99 ms | non-2xx | start s | first request ms | features (same bbox) | "
         "worker RSS MB | load1 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("ours", "tipg"):
        s = res.get(name, {})
        for r in s.get("runs", []):
            L.append(f"| {name} | {r['connections']} | {r['rps']:,.1f} | {r['p50_ms']} | {r['p99_ms']} | {r['non_2xx']} | "
                     f"{s['started_s']} | {s['first_request_ms']} | {s['features']} ({s['same_bbox_features']}) | "
                     f"{', '.join(map(str, s['worker_rss_mb']))} | {r['load1_before']}→{r['load1_after']} |")
    return L
