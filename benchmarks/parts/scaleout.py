"""Requests per second with 1 and 2 gunicorn workers, on SQLite and on PostGIS (the same projects in each):
a cached page (towns, limit=100) and distinct random-bbox pages of the projects layer (every one computed)."""
from __future__ import annotations

from .. import pg
from ..common import BBOX, WORK, Sizes, check, say, stop, wrk
from ..data import bbox_file, lua_script, sqlite_store
from ..servers import start_ours

TITLE = "Scale-out: 1 and 2 gunicorn workers, SQLite and PostGIS"
ITEMS = "/ogc/collections/projects/items?limit=100&bbox="
CACHED = f"/ogc/collections/towns/items?limit=100&bbox={BBOX}"


def one(store: str, workers: int, sz: Sizes) -> list[dict]:
    if store == "sqlite":
        server = start_ours(sqlite_store(sz.scale_points), workers=workers)
    else:
        server = start_ours(WORK / "store-postgis", database_url=pg.projects_db(sz.scale_points), workers=workers)
    out = []
    try:
        for query, kw in (("towns limit=100 (cached)", {}),
                          ("projects, distinct random bboxes", {"script": lua_script(),
                                                                "script_args": (ITEMS, bbox_file(sz.bboxes), 2)})):
            r = wrk(server.url + (CACHED if not kw else ITEMS), 8, sz.scale_seconds, **kw)
            r.update(store=store, workers=workers, query=query)
            out.append(r)
            say(f"  {store:7} {workers} worker(s) {query:34} {r['rps']:>8.1f} req/s  p99 {r['p99_ms']} ms  "
                f"non-2xx {r['non_2xx']}  load {r['load1_before']}→{r['load1_after']}")
    finally:
        stop(server.proc)
    return out


def run(sz: Sizes) -> dict:
    runs = [r for store in ("sqlite", "postgis") for w in (1, 2) for r in one(store, w, sz)]
    out = {"points": sz.scale_points, "seconds_per_run": sz.scale_seconds, "runs": runs}
    out["checks"] = checks(out)
    return out


def gain(res: dict, store: str, query: str):
    rps = {r["workers"]: r["rps"] for r in res["runs"] if r["store"] == store and r["query"] == query}
    return round(rps[2] / rps[1], 2) if rps.get(1) and rps.get(2) else None


def checks(res: dict) -> list[dict]:
    out = []
    for store in ("sqlite", "postgis"):
        g = gain(res, store, "projects, distinct random bboxes")
        out.append(check(f"{store}: 2 workers ÷ 1 worker, distinct bbox pages", g, "none set (issue 15 asks for the figure)",
                         None, "×"))
    bad = sum(r["non_2xx"] for r in res["runs"])
    out.append(check("every answer 2xx", bad, "0 non-2xx", bad == 0))
    return out


def markdown(res: dict) -> list[str]:
    L = [f"{res['points']:,} projects in each store; wrk, 8 connections, {res['seconds_per_run']} s per run.", "",
         "| store | query | 1 worker req/s | 2 workers req/s | 2 ÷ 1 | p99 ms (1 / 2 workers) | load1 (2 workers) |",
         "|---|---|---|---|---|---|---|"]
    for store in ("sqlite", "postgis"):
        for query in dict.fromkeys(r["query"] for r in res["runs"]):
            by = {r["workers"]: r for r in res["runs"] if r["store"] == store and r["query"] == query}
            if 1 in by and 2 in by:
                L.append(f"| {store} | {query} | {by[1]['rps']:,.0f} | {by[2]['rps']:,.0f} | {gain(res, store, query)}× | "
                         f"{by[1]['p99_ms']} / {by[2]['p99_ms']} | {by[2]['load1_before']}→{by[2]['load1_after']} |")
    return L
