"""Longer runs on the largest store: latency percentiles on 1,000,000 projects (distinct random bboxes),
64 connections over 5,000 distinct URLs (memory of each worker before and after), and /healthz answered
while a 100,000-row list is imported over HTTP."""
from __future__ import annotations

import shutil
import threading
import time
from urllib.parse import quote

import requests

from ..common import WORK, Sizes, check, load1, pct, say, stop, worker_rss, wrk
from ..data import _points, bbox_file, lua_script, sqlite_store, synthetic_csv, url_file
from ..servers import TOKEN, start_ours

TITLE = "Soak: the largest store, many connections and URLs, health during an import"
ITEMS = "/ogc/collections/projects/items?limit=100&bbox="


def distinct_urls(n: int) -> list[str]:
    """n different URLs a GIS client and the map ask: bbox pages, offset pages, filtered pages, towns, identify."""
    data, rng, xs, ys = _points(n, seed=64)
    sectors = list(data.investment["sector"])
    out = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        d = rng.uniform(0.003, 0.03)
        box = f"{x - d:.5f},{y - d:.5f},{x + d:.5f},{y + d:.5f}"
        out.append([f"/ogc/collections/projects/items?limit=50&bbox={box}",
                    f"/ogc/collections/projects/items?limit=100&offset={i * 20}",
                    f"/ogc/collections/projects/items?limit=20&sector={quote(sectors[i % len(sectors)])}&bbox={box}",
                    f"/ogc/collections/towns/items?limit=10&bbox={box}",
                    f"/api/identify?lon={x:.5f}&lat={y:.5f}&radius=500"][i % 5])
    assert len(set(out)) == n
    return out


def large_store(server, sz: Sizes) -> dict:
    bboxes = bbox_file(sz.bboxes)
    rss0 = worker_rss(server.pid)
    r = wrk(server.url + ITEMS, 8, sz.soak_seconds, script=lua_script(), script_args=(ITEMS, bboxes, 2))
    r.update(rss_before_mb=rss0, rss_after_mb=worker_rss(server.pid))
    say(f"  {sz.soak_points:,} projects, distinct bboxes, 8 conns: {r['rps']:.0f} req/s, p50 {r['p50_ms']} ms, "
        f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms, RSS {r['rss_before_mb']} → {r['rss_after_mb']} MB")
    return r


def many_urls(server, sz: Sizes) -> dict:
    urls = url_file(f"urls-{sz.soak_urls}", distinct_urls(sz.soak_urls))
    rss0 = worker_rss(server.pid)
    r = wrk(server.url + "/", 64, sz.soak_seconds, script=lua_script(), script_args=("", urls, 2))
    r.update(urls=sz.soak_urls, rss_before_mb=rss0, rss_after_mb=worker_rss(server.pid))
    say(f"  64 conns over {sz.soak_urls:,} URLs: {r['rps']:.0f} req/s, p99 {r['p99_ms']} ms, non-2xx {r['non_2xx']}, "
        f"socket errors '{r['socket_errors']}', RSS {r['rss_before_mb']} → {r['rss_after_mb']} MB")
    return r


def health_during_import(server, n: int) -> dict:
    csv = synthetic_csv(n, prefix="S", seed=99)
    done, result = threading.Event(), {}

    def importer():
        t = time.perf_counter()
        try:
            r = requests.post(f"{server.url}/api/projects/import", headers={"Authorization": f"Bearer {TOKEN}"},
                              files={"file": (csv.name, csv.read_bytes())}, data={"datum": "wgs84", "year": "2027"},
                              timeout=900)
            result.update(status=r.status_code, imported=r.json().get("imported") if r.ok else r.text[:300])
        finally:
            result["import_s"] = round(time.perf_counter() - t, 2)
            done.set()

    threading.Thread(target=importer, daemon=True).start()
    times, failures, before = [], 0, load1()
    while not done.is_set():
        t = time.perf_counter()
        try:
            ok = requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        times.append((time.perf_counter() - t) * 1000)
        failures += not ok
        time.sleep(0.05)
    out = {**result, "rows": n, "polls": len(times), "failures": failures, "p50_ms": pct(times, 50),
           "p99_ms": pct(times, 99), "max_ms": round(max(times), 1) if times else None,
           "load1_before": before, "load1_after": load1()}
    say(f"  /healthz during a {n:,}-row import ({out['import_s']} s, {out.get('imported')} stored): {out['polls']} polls, "
        f"p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, max {out['max_ms']} ms, {failures} failed")
    return out


def run(sz: Sizes) -> dict:
    store = sqlite_store(sz.soak_points)
    out = {"points": sz.soak_points, "seconds_per_run": sz.soak_seconds}
    server = start_ours(store)
    try:
        out["large_store"] = large_store(server, sz)
        out["many_urls"] = many_urls(server, sz)
    finally:
        stop(server.proc)
    copy = WORK / "store-soak-import"                 # the import changes it: a copy of the seeded store
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    server = start_ours(copy)
    try:
        out["health"] = health_during_import(server, sz.soak_import_rows)
    finally:
        stop(server.proc)
        shutil.rmtree(copy, ignore_errors=True)
    out["checks"] = checks(out)
    return out


def checks(res: dict) -> list[dict]:
    a, m, h = res["large_store"], res["many_urls"], res["health"]
    none = "none set (issue 15 asks for the figure)"
    clean = not m["non_2xx"] and not m["socket_errors"] and m["requests"] > 0
    return [check(f"{res['points']:,} projects, distinct bboxes, 8 conns: p99", a["p99_ms"], none, None, " ms"),
            check(f"64 conns over {m['urls']:,} URLs: every answer 2xx, no socket error", m["p99_ms"], "no error", clean, " ms p99"),
            check(f"/healthz during a {h['rows']:,}-row import: p99", h["p99_ms"], none, None, " ms"),
            check(f"/healthz during a {h['rows']:,}-row import: every poll answered, import stored", h["failures"], "0 failed",
                  h["failures"] == 0 and h.get("status") == 200, " failed")]


def markdown(res: dict) -> list[str]:
    a, m, h = res["large_store"], res["many_urls"], res["health"]
    rss = lambda r: f"{', '.join(map(str, r['rss_before_mb']))} → {', '.join(map(str, r['rss_after_mb']))}"
    return [f"SQLite store of {res['points']:,} projects; gunicorn, 2 workers; wrk {res['seconds_per_run']} s per run.", "",
            "| run | conns | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | worker RSS MB before → after | load1 |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| distinct random bboxes, limit=100 | 8 | {a['rps']:,.0f} | {a['p50_ms']} | {a['p99_ms']} | {a['max_ms']} | "
            f"{a['non_2xx']} | {a['socket_errors'] or '–'} | {rss(a)} | {a['load1_before']}→{a['load1_after']} |",
            f"| {m['urls']:,} distinct URLs (bbox, offset, filtered pages; towns; identify) | 64 | {m['rps']:,.0f} | "
            f"{m['p50_ms']} | {m['p99_ms']} | {m['max_ms']} | {m['non_2xx']} | {m['socket_errors'] or '–'} | {rss(m)} | "
            f"{m['load1_before']}→{m['load1_after']} |", "",
            f"/healthz polled every 50 ms while a {h['rows']:,}-row CSV was imported over HTTP ({h['import_s']} s, "
            f"HTTP {h.get('status')}, {h.get('imported')} stored): {h['polls']} polls, p50 {h['p50_ms']} ms, "
            f"p99 {h['p99_ms']} ms, max {h['max_ms']} ms, {h['failures']} failed; load1 {h['load1_before']}→{h['load1_after']}."]
