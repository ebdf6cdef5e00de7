"""The project officer's workbench over HTTP, as a browser does it: an admin made with the CLI
(`zhuji-map users add`), signed in with the CSRF token from the page; a workbook uploaded, previewed and
committed; then the project table (/work/projects in Chromium) filtered (window.ZhujiTable.filterMs)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import requests

from ..common import REPO, WORK, Sizes, check, say, stop
from ..data import sqlite_store, synthetic_xlsx
from ..servers import start_ours
from .map import ARGS

TITLE = "Workbench: a workbook previewed and committed over HTTP; the project table filtered"
USER, PASSWORD = "benchadmin", "bench-admin-pass-1"

FILTER = """async ([id, value]) => {
  const box = document.getElementById(id);
  const t0 = performance.now();
  box.value = value;
  box.dispatchEvent(new Event(id === 'q' ? 'input' : 'change'));
  const filter_ms = ZhujiTable.filterMs, shown = ZhujiTable.shown.length;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const painted_ms = performance.now() - t0;
  box.value = ''; box.dispatchEvent(new Event(id === 'q' ? 'input' : 'change'));
  return {id, value, filter_ms, painted_ms, shown, total: ZhujiTable.rows.length};
}"""


def make_admin(data_dir) -> None:
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    r = subprocess.run([sys.executable, "cli.py", "users", "add", USER, "--role", "admin", "--name", "基准管理员",
                        "--password-stdin"], cwd=REPO, env=env, input=PASSWORD + "\n", capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"zhuji-map users add failed: {r.stderr}")


def sign_in(base: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = lambda path: re.search(r'name="csrf-token" content="([^"]+)"', s.get(base + path).text).group(1)
    r = s.post(base + "/login", data={"username": USER, "password": PASSWORD, "csrf_token": token("/login")},
               allow_redirects=False)
    if r.status_code != 303:
        raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
    return s, token("/work/upload")


def post(s: requests.Session, url: str, csrf: str, **kw) -> tuple[float, dict]:
    t = time.perf_counter()
    r = s.post(url, headers={"X-CSRFToken": csrf}, timeout=600, **kw)
    secs = round(time.perf_counter() - t, 3)
    if not r.ok:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:500]}")
    return secs, r.json()


def upload_preview_commit(base: str, xlsx, n: int) -> tuple[dict, requests.Session]:
    s, csrf = sign_in(base)
    out = {}
    out["upload_s"], up = post(s, base + "/api/work/uploads", csrf, files={"file": (xlsx.name, xlsx.read_bytes())})
    body = {"upload_id": up["upload_id"], "datum": "wgs84", "year": 2026}
    out["preview_s"], p = post(s, base + "/api/work/preview", csrf, json=body)
    out["commit_s"], c = post(s, base + "/api/work/commit", csrf, json=body)
    out.update(rows=n, previewed=p["accepted"], imported=c["imported"], rejected=len(c["rejected"]))
    for k in ("cold", "warm"):
        t = time.perf_counter()
        r = s.get(base + "/api/work/table.json", timeout=300)
        out[f"table_json_{k}_s"], out["table_rows"] = round(time.perf_counter() - t, 3), len(r.json()["rows"])
    say(f"  workbench: {n:,}-row XLSX upload {out['upload_s']} s, preview {out['preview_s']} s ({p['accepted']:,} accepted), "
        f"commit {out['commit_s']} s; table.json {out['table_json_cold_s']} s cold / {out['table_json_warm_s']} s warm")
    return out, s


def table_filters(base: str, session: requests.Session) -> list[dict]:
    from playwright.sync_api import sync_playwright
    cookies = [{"name": c.name, "value": c.value, "url": base} for c in session.cookies]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = b.new_context(viewport={"width": 1400, "height": 900})
        ctx.add_cookies(cookies)
        page = ctx.new_page()
        page.goto(base + "/work/projects")
        page.wait_for_selector("body[data-ready='1']", timeout=180_000)
        choice = lambda id_: page.evaluate(f"() => document.getElementById('{id_}').options[1].value")
        asks = [(i, choice(i)) for i in ("f-sector", "f-status", "f-year")] + [("q", "基准项目w1")]
        out = [page.evaluate(FILTER, list(a)) for a in asks for _ in range(2)]
        b.close()
    say("  table filters: " + ", ".join(f"{f['id']} {f['filter_ms']:.1f} ms ({f['shown']:,}/{f['total']:,})" for f in out))
    return out


def run(sz: Sizes) -> dict:
    d = WORK / "store-workbench"
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(sqlite_store(sz.map_points), d)       # the table holds the map's projects and the new list
    make_admin(d)
    xlsx = synthetic_xlsx(sz.workbench_rows)
    server = start_ours(d)
    try:
        out, session = upload_preview_commit(server.url, xlsx, sz.workbench_rows)
        out["filters"] = table_filters(server.url, session)
    finally:
        stop(server.proc)
    out["xlsx_kb"] = round(xlsx.stat().st_size / 1024, 1)
    out["filter_ms_max"] = round(max(f["filter_ms"] for f in out["filters"]), 1)
    out["checks"] = checks(out)
    return out


def checks(res: dict) -> list[dict]:
    n = f"{res['rows']:,}"
    whole = res["imported"] == res["rows"] and res["previewed"] == res["rows"]
    return [check(f"{n}-row XLSX: preview", res["preview_s"], "none set (issue 15 asks for the figure)", None, " s"),
            check(f"{n}-row XLSX: commit, every row stored", res["commit_s"], "every row stored", whole, " s"),
            check(f"project table ({res['table_rows']:,} rows): slowest filter", res["filter_ms_max"],
                  "≤ 100 ms (as the map's filter)", res["filter_ms_max"] <= 100, " ms")]


def markdown(res: dict) -> list[str]:
    L = [f"{res['rows']:,}-row XLSX ({res['xlsx_kb']} KB), signed in as an admin made with `zhuji-map users add`, "
         "over HTTP with the page's CSRF token.", "",
         "| upload s | preview s | commit s | accepted | stored | table.json cold / warm s | table rows |",
         "|---|---|---|---|---|---|---|",
         f"| {res['upload_s']} | {res['preview_s']} | {res['commit_s']} | {res['previewed']:,} | {res['imported']:,} | "
         f"{res['table_json_cold_s']} / {res['table_json_warm_s']} | {res['table_rows']:,} |", "",
         "| table filter | value | filtered and drawn ms | painted ms | rows shown |", "|---|---|---|---|---|"]
    for f in res["filters"]:
        L.append(f"| {f['id']} | {f['value']} | {f['filter_ms']:.1f} | {f['painted_ms']:.1f} | {f['shown']:,} / {f['total']:,} |")
    return L
