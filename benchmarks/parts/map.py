"""The map page in headless Chromium (Debian's /usr/bin/chromium through Playwright): the load event and
every layer drawn (window.ZhujiMap.drawnAt); with many projects also drawn, clustered and clickable after
the load event, and a filter change (sector, status, year) re-drawn (ZhujiMap.filterMs, static/js/filters.js)."""
from __future__ import annotations

from ..common import Sizes, check, load1, say, stop
from ..data import sqlite_store
from ..servers import start_ours

TITLE = "Map page in headless Chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const sum = (k) => res.reduce((a, r) => a + (r[k] || 0), nav[k] || 0);
  const p = ZhujiMap.layers.projects;
  return {load_ms: nav.loadEventEnd, drawn_ms: ZhujiMap.drawnAt, transfer_bytes: sum('transferSize'),
          decoded_bytes: sum('decodedBodySize'), requests: res.length + 1, errors: ZhujiMap.errors.length,
          projects_placed: p ? p.count : 0, clusters_drawn: document.querySelectorAll('.zj-cluster').length};
}"""

# a click on a cluster disc: the map starts to zoom into it (Leaflet fires zoomstart/movestart at once)
CLICK = """() => new Promise((done) => {
  const icon = document.querySelector('.leaflet-marker-icon.zj-cluster');
  if (!icon) return done(null);
  const t0 = performance.now();
  ZhujiMap.map.once('movestart zoomstart', () => done(performance.now() - t0));
  icon.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  setTimeout(() => done(-1), 3000);
})"""

FILTER = """async (key) => {
  const sel = document.querySelector(`#zj-filters-projects select[name="${key}"]`);
  if (!sel || sel.options.length < 2) return null;
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const value = sel.options[1].value, t0 = performance.now();
  sel.value = value; sel.dispatchEvent(new Event('change'));
  const filter_ms = ZhujiMap.filterMs;
  await frame();
  const painted_ms = performance.now() - t0;
  sel.value = ''; sel.dispatchEvent(new Event('change'));
  const reset_ms = ZhujiMap.filterMs;
  await frame();
  return {key, value, filter_ms, painted_ms, reset_ms, shown: ZhujiMap.layers.projects.shown};
}"""


def visit(browser, url: str, interact: bool) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    before = load1()
    page.goto(url, wait_until="load")
    page.wait_for_function("window.ZhujiMap && ZhujiMap.ready", timeout=120_000)
    m = page.evaluate(MEASURE)
    m["drawn_after_load_ms"] = m["drawn_ms"] - m["load_ms"]
    if interact:
        m["filters"] = [f for f in (page.evaluate(FILTER, k) for k in ("sector", "status", "year")) if f]
        m["click_response_ms"] = page.evaluate(CLICK)
    m["load1_before"], m["load1_after"] = before, load1()
    ctx.close()
    return m


def summary(samples: list[dict], n: int) -> dict:
    med = lambda k: sorted(s[k] for s in samples)[len(samples) // 2]
    out = {"projects": n, "load_ms": round(med("load_ms"), 1), "drawn_ms": round(med("drawn_ms"), 1),
           "drawn_after_load_ms": round(med("drawn_after_load_ms"), 1), "transfer_kb": round(med("transfer_bytes") / 1024, 1),
           "decoded_kb": round(med("decoded_bytes") / 1024, 1), "requests": med("requests"),
           "errors": max(s["errors"] for s in samples), "clusters_drawn": med("clusters_drawn"), "samples": samples}
    if n:
        filters = [f for s in samples for f in s.get("filters", [])]
        top = lambda k: round(max(f[k] for f in filters), 1) if filters else None
        out["filter_ms_max"], out["filter_painted_ms_max"] = top("filter_ms"), top("painted_ms")
        clicks = [s.get("click_response_ms") for s in samples]
        out["click_response_ms"] = None if None in clicks or -1 in clicks else round(max(clicks), 1)
    return out


def run(sz: Sizes) -> dict:
    from playwright.sync_api import sync_playwright
    out = {"repeats": sz.map_repeats, "pages": {}}
    for label, n in (("default view", 0), (f"with {sz.map_points:,} projects", sz.map_points)):
        server = start_ours(sqlite_store(n))
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                visits = [visit(b, f"{server.url}/", bool(n)) for _ in range(sz.map_repeats + 1)]
                b.close()
        finally:
            stop(server.proc)
        r = out["pages"][label] = summary(visits[1:], n)        # the first visit warms the server's caches
        say(f"  map {label}: load {r['load_ms']} ms, drawn {r['drawn_ms']} ms ({r['drawn_after_load_ms']} ms after load), "
            f"{r['transfer_kb']} KB; filters ≤ {r.get('filter_ms_max')} ms; click {r.get('click_response_ms')} ms")
    out["checks"] = checks(out)
    return out


def checks(res: dict) -> list[dict]:
    d = res["pages"].get("default view", {})
    h = next((v for v in res["pages"].values() if v["projects"]), {})
    n = f"{h.get('projects', 0):,}"
    drawn = h.get("drawn_after_load_ms")
    clickable = drawn is not None and h.get("click_response_ms") is not None and h.get("clusters_drawn", 0) > 0
    return [check("default view: load event", d.get("load_ms"), "≤ 300 ms", d.get("load_ms", 1e9) <= 300, " ms"),
            check("default view: every layer drawn", d.get("drawn_ms"), "≤ 500 ms", d.get("drawn_ms", 1e9) <= 500, " ms"),
            check(f"{n} projects: drawn, clustered and clickable after the load event", drawn, "≤ 1,000 ms",
                  clickable and drawn <= 1000, " ms"),
            check(f"{n} projects: filter change (sector, status, year) re-drawn, slowest", h.get("filter_ms_max"),
                  "≤ 100 ms", (h.get("filter_ms_max") or 1e9) <= 100, " ms")]


def markdown(res: dict) -> list[str]:
    L = [f"Median of {res['repeats']} warm visits (1400×900).", "",
         "| page | load event ms | layers drawn ms | drawn after load ms | cluster click responds ms | filter re-drawn ms "
         "(painted) | transferred KB | decoded KB | requests |", "|---|---|---|---|---|---|---|---|---|"]
    for k, v in res["pages"].items():
        f = f"{v['filter_ms_max']} ({v['filter_painted_ms_max']})" if "filter_ms_max" in v else "–"
        L.append(f"| {k} | {v['load_ms']} | {v['drawn_ms']} | {v['drawn_after_load_ms']} | {v.get('click_response_ms', '–')} | "
                 f"{f} | {v['transfer_kb']} | {v['decoded_kb']} | {v['requests']} |")
    return L
