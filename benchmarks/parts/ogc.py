"""OGC API – Features items, ours (granian, 2 workers, SQLite; gunicorn's sync workers on the towns too)
beside pygeoapi and nginx serving the same bytes; then the projects layer right after a new import (first
requests: every URL distinct, so no response-cache hit hides the work an import brings)."""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import requests

from ..common import BBOX, WORK, Sizes, check, say, settled, stop, wrk
from ..data import bbox_file, lua_script, project_frame, sqlite_store
from ..servers import PYGEOAPI_WORKERS, TOKEN, start_nginx, start_ours, start_pygeoapi

TITLE = "OGC API – Features items beside pygeoapi and nginx"
QUERIES = {"limit=100": "limit=100", "limit=1000": "limit=1000", "bbox,limit=100": f"limit=100&bbox={BBOX}"}
COLLECTIONS = ("towns", "projects")
ITEMS = "/ogc/collections/projects/items?limit=100&bbox="


def peers(ours: str, started: list) -> dict:
    """nginx and pygeoapi on the same data as ours (each added to started at once); their base URLs."""
    fetch = lambda path: urllib.request.urlopen(f"{ours}{path}").read()
    towns, projects = WORK / "pygeoapi-towns.geojson", WORK / "pygeoapi-projects.geojson"
    towns.write_bytes(fetch("/api/layers/towns.geojson"))
    projects.write_bytes(fetch("/api/layers/projects.geojson"))
    root = WORK / "nginx-root"
    root.mkdir(parents=True, exist_ok=True)
    for c in COLLECTIONS:
        for qn, q in QUERIES.items():
            (root / f"{c}-{qn}.json").write_bytes(fetch(f"/ogc/collections/{c}/items?{q}"))
    started.append(start_nginx(root, "towns-limit=100.json"))
    urls = {"nginx": started[0].url}
    try:
        started.append(start_pygeoapi(towns, projects))
        urls["pygeoapi"] = started[-1].url
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:   # recorded, not hidden
        say("  pygeoapi could not start:", exc)
    urls["sizes"] = {f"{c}-{qn}": (root / f"{c}-{qn}.json").stat().st_size for c in COLLECTIONS for qn in QUERIES}
    return urls


def compare(ours: str, urls: dict, seconds: int) -> list[dict]:
    """Every collection and query at 1 and 8 connections; ours also with ``Connection: close`` (what nginx
    close is compared with), and gunicorn on the towns (the server the README recommended before)."""
    runs, alone = [], {}
    for c in COLLECTIONS:
        for qn, q in QUERIES.items():
            path = f"/ogc/collections/{c}/items?{q}"
            targets = [("ours", ours + path, False), ("ours close", ours + path, True)]
            if c == "towns":
                targets.append(("gunicorn", urls["gunicorn"] + path, False))
            if "pygeoapi" in urls:
                targets.append(("pygeoapi", f"{urls['pygeoapi']}/collections/{c}/items?{q}&f=json", False))
            targets += [("nginx keep-alive", f"{urls['nginx']}/{c}-{qn}.json", False),
                        ("nginx close", f"{urls['nginx']}/{c}-{qn}.json", True)]
            for conns in (1, 8):
                for name, url, close in targets:
                    r = wrk(url, conns, seconds, close=close)
                    if not r["requests"] and name == "pygeoapi":
                        r.update(_timed_alone(url, conns, alone))
                    r.update(server=name, collection=c, query=qn)
                    runs.append(r)
                    say(f"  {c:8} {qn:15} c={conns} {name:17} {r['rps']:>10.1f} req/s  p50 {r['p50_ms']} ms"
                        f"  p99 {r['p99_ms']} ms  load {r['load1_before']}→{r['load1_after']}")
    return runs


def _timed_alone(url: str, conns: int, seen: dict) -> dict:
    """pygeoapi finished no request within the run (its GeoJSON provider parses the whole file per request):
    one request timed alone instead, and its rate taken as if every worker answered that fast in parallel
    (the most it could do), so the ratio to ours is a floor, not a guess."""
    if url not in seen:
        t = time.perf_counter()
        try:
            ok = requests.get(url, timeout=600).status_code == 200
        except requests.RequestException:      # e.g. its worker killed by gunicorn's timeout
            ok = False
        seen[url] = (max(round(time.perf_counter() - t, 2), 0.01), ok)
    secs, ok = seen[url]
    return {"alone_s": secs, "alone_ok": ok, "rps": round(min(conns, PYGEOAPI_WORKERS) / secs, 3) if ok else 0.0,
            "p50_ms": round(1000 * secs, 1)}


def after_import(server, sz: Sizes) -> list[dict]:
    """A new list imported over HTTP, then at once wrk on the projects layer: distinct random-bbox pages (no
    response-cache hit at all), and one page (limit=100) asked again and again (its first answers rebuilt)."""
    bboxes, lua, out = bbox_file(sz.bboxes), lua_script(), []
    for k, (pages, conns) in enumerate((("distinct bboxes", 1), ("distinct bboxes", 8), ("one page", 1), ("one page", 8))):
        csv = project_frame(100, prefix=f"N{k}", seed=100 + k).to_csv(index=False).encode()
        r = requests.post(f"{server.url}/api/projects/import", headers={"Authorization": f"Bearer {TOKEN}"},
                          files={"file": (f"new-{k}.csv", csv)}, data={"datum": "wgs84", "year": "2026"}, timeout=120)
        r.raise_for_status()
        if pages == "one page":
            w = wrk(server.url + "/ogc/collections/projects/items?limit=100", conns, sz.after_import_seconds)
        else:
            w = wrk(server.url + ITEMS, conns, sz.after_import_seconds, script=lua, script_args=(ITEMS, bboxes, min(conns, 2)))
        w.update(imported=r.json()["imported"], pages=pages)
        out.append(w)
        say(f"  right after an import, {pages}, c={conns}: {w['rps']:.0f} req/s, p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, "
            f"max {w['max_ms']} ms, non-2xx {w['non_2xx']}")
    return out


def run(sz: Sizes) -> dict:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is needed: apt-get install -y wrk nginx")
    store = sqlite_store(sz.ogc_points)
    copy = WORK / "store-ogc-import"                 # the import changes it: a copy of the seeded store
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    ours = start_ours(store, server="granian")
    started = []
    try:
        urls = peers(ours.url, started)
        started.append(start_ours(store))
        urls["gunicorn"] = started[-1].url
        runs = compare(ours.url, urls, sz.ogc_seconds)
    finally:
        for s in [ours, *reversed(started)]:
            stop(s.proc)
    fresh = start_ours(copy, server="granian")
    try:
        say(f"  workers' start-up work done after {settled(fresh.proc.pid):.1f} s")   # the target is about imports
        after = after_import(fresh, sz)
    finally:
        stop(fresh.proc)
    out = {"seconds_per_run": sz.ogc_seconds, "points": sz.ogc_points, "runs": runs, "response_bytes": urls["sizes"],
           "after_import": after}
    out["checks"] = checks(out)
    return out


def _rps(res: dict, c: str, server: str, conns: int = 8, q: str = "limit=100"):
    return next((r["rps"] for r in res["runs"] if (r["collection"], r["query"], r["connections"], r["server"]) ==
                 (c, q, conns, server)), None)


def ratio(a, b):
    return round(a / b, 1) if a and b else None


def checks(res: dict) -> list[dict]:
    n = f"{res['points']:,}"
    r1 = ratio(_rps(res, "towns", "ours"), _rps(res, "towns", "pygeoapi"))
    r3 = ratio(_rps(res, "projects", "ours"), _rps(res, "projects", "pygeoapi"))
    ours, close = _rps(res, "towns", "ours close"), _rps(res, "towns", "nginx close")
    share = round(100 * ours / close) if ours and close else None
    out = [check("towns items limit=100, 8 conns: ours ÷ nginx (both with Connection: close)", share, "≥ 50 %",
                 (share or 0) >= 50, " %"),
           check("towns items limit=100, 8 conns: ours ÷ pygeoapi", r1, "≥ 10×", (r1 or 0) >= 10, "×"),
           check(f"{n} points limit=100, 8 conns: ours ÷ pygeoapi", r3, "≥ 300×", (r3 or 0) >= 300, "×")]
    for a in res["after_import"]:
        ok = a["p99_ms"] is not None and a["p99_ms"] <= 50 and not a["non_2xx"] and a["requests"] > 0
        out.append(check(f"{n} points right after an import, {a['pages']}, {a['connections']} conn(s): p99", a["p99_ms"], "≤ 50 ms",
                         ok, " ms"))
    return out


def markdown(res: dict) -> list[str]:
    L = [f"Ours: granian, 2 workers (gunicorn, 2 sync workers, on the towns); wrk, {res['seconds_per_run']} s per run; "
         f"{res['points']:,}-point projects layer. “close”: every request on a new connection (`Connection: close`).", "",
         "| collection | query | conns | ours req/s | ours close | gunicorn | pygeoapi req/s | nginx keep-alive | nginx close "
         "| ours ÷ pygeoapi | ours close ÷ nginx close | ours p50 / p99 ms | pygeoapi p50 / p99 ms | load1 |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    idx = {(r["collection"], r["query"], r["connections"], r["server"]): r for r in res["runs"]}
    for c in COLLECTIONS:
        for q in QUERIES:
            for conns in (1, 8):
                g = lambda s, key=(c, q, conns): idx.get((*key, s), {})
                o, oc, gu, p, nk, nc = (g(s) for s in ("ours", "ours close", "gunicorn", "pygeoapi", "nginx keep-alive",
                                                        "nginx close"))
                share = f"{round(100 * oc['rps'] / nc['rps'])}%" if oc.get("rps") and nc.get("rps") else "–"
                gun = f"{gu['rps']:,.0f}" if gu else "–"
                L.append(f"| {c} | {q} | {conns} | {o.get('rps', 0):,.0f} | {oc.get('rps', 0):,.0f} | "
                         f"{gun} | {p.get('rps', 0):,.1f} | {nk.get('rps', 0):,.0f} | "
                         f"{nc.get('rps', 0):,.0f} | {ratio(o.get('rps'), p.get('rps'))}× | {share} | {o.get('p50_ms')} / "
                         f"{o.get('p99_ms')} | {p.get('p50_ms')} / {p.get('p99_ms')} | {o.get('load1_before')}→{o.get('load1_after')} |")
    alone = sorted({(r["collection"], r["query"], r["alone_s"], r["alone_ok"]) for r in res["runs"] if "alone_s" in r})
    if alone:
        which = ", ".join(f"{c} {q} (one request alone: {s} s{'' if ok else ', failed'})" for c, q, s, ok in alone)
        L += ["", f"pygeoapi finished no request within a run on: {which}; its req/s there is {PYGEOAPI_WORKERS} "
              "workers answering that fast in parallel (the most it could do), so ours ÷ pygeoapi is a floor."]
    L += ["", "Response sizes (bytes, identical for ours and nginx): " +
          ", ".join(f"{k} {v:,}" for k, v in res["response_bytes"].items()), "",
          f"Right after a new import (100 rows over HTTP; one import before each run), {res['after_import'][0]['seconds']} s "
          "of wrk on the projects layer, limit=100: distinct random bboxes (no response-cache hit) or one page asked again:", "",
          "| pages | conns | req/s | p50 ms | p99 ms | max ms | non-2xx | load1 |", "|---|---|---|---|---|---|---|---|"]
    for a in res["after_import"]:
        L.append(f"| {a['pages']} | {a['connections']} | {a['rps']:,.0f} | {a['p50_ms']} | {a['p99_ms']} | {a['max_ms']} | "
                 f"{a['non_2xx']} | {a['load1_before']}→{a['load1_after']} |")
    return L
