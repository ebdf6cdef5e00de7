"""Benchmarks, side by side with pygeoapi and an nginx ceiling, in one run on this machine.

    python benchmarks/run.py              # everything (about 15 minutes); results/*.json + BENCHMARKS.md
    python benchmarks/run.py --only ogc --duration 5

Every load generator targets 127.0.0.1 only, is bounded in time and stops by itself; servers are
started here and stopped by PID. The machine is shared: the 1-minute load average is printed before
and after each run. Numbers are figures to compare within one run, not assertions.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
WORK = BENCH / ".work"                 # generated data, venvs and configs (git-ignored)
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))

N_POINTS = 100_000
BBOX = "120.15,29.65,120.35,29.80"     # the central city and its surroundings
QUERIES = {"limit=100": "limit=100", "limit=1000": "limit=1000", "bbox,limit=100": f"limit=100&bbox={BBOX}"}
COLLECTIONS = ("towns", "projects")


def say(*a):
    print(*a, flush=True)


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.args}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def stop(proc: subprocess.Popen | None):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---------------------------------------------------------------- data

def synthetic_csv(n: int, path: Path, seed: int = 2026) -> Path:
    """n project rows at random points inside the county, as a CSV an officer would upload."""
    import numpy as np
    import pandas as pd
    import shapely

    import geo
    if path.exists():
        return path
    data = geo.load()
    outline = data.outline
    minx, miny, maxx, maxy = outline.bounds
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while sum(len(x) for x in xs) < n:
        x = rng.uniform(minx, maxx, n)
        y = rng.uniform(miny, maxy, n)
        ok = shapely.contains_xy(outline, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    sectors = list(data.investment["sector"])
    df = pd.DataFrame({
        "编号": [f"B{i:07d}" for i in range(n)], "项目名称": [f"基准项目{i}" for i in range(n)],
        "经度": np.round(x, 6), "纬度": np.round(y, 6), "领域": rng.choice(sectors, n),
        "总投资（亿元）": np.round(rng.uniform(0.1, 50, n), 2), "建设状态": rng.choice(["在建", "新开工", "前期"], n),
        "年份": 2026})
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8")
    return path


def import_one(csv_path: str, db_url: str) -> dict:
    """One import in this (fresh) process through the service's own import_file(): phases and peak memory."""
    import geo
    from geo.projects import ImportOptions, Store, import_file
    data = geo.load()
    store = Store(db_url)
    t0 = time.perf_counter()
    path = Path(csv_path)
    res = import_file(path.name, path.read_bytes(), data, store=store, options=ImportOptions(max_rows=10**8))
    total = time.perf_counter() - t0
    return {"rows": res.received, "imported": len(res.accepted), "read_s": round(res.timings["read_s"], 3),
            "validate_s": round(res.timings["validate_s"], 3), "join_s": round(res.timings["join_s"], 3),
            "store_s": round(res.timings["store_s"], 3), "total_s": round(total, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def store_with(n: int, name: str) -> Path:
    """A data dir whose SQLite store holds n synthetic projects."""
    d = WORK / name
    if (d / "projects.sqlite").exists():
        return d
    d.mkdir(parents=True, exist_ok=True)
    if n:
        csv = synthetic_csv(n, WORK / f"projects-{n}.csv")
        out = subprocess.run([sys.executable, __file__, "import-one", str(csv), f"sqlite:///{d / 'projects.sqlite'}"],
                             capture_output=True, text=True, check=True)
        say("  seeded", name, out.stdout.strip().splitlines()[-1])
    return d


# ---------------------------------------------------------------- servers

def start_ours(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--preload",
                             "--log-level", "warning", "server:create_app()"], cwd=REPO, env=env)
    wait_http(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def pygeoapi_python() -> str | None:
    for exe in ("python3.13", "python3.12"):
        path = shutil.which(exe)
        if path:
            r = subprocess.run([path, "-c", "import sys; print(sys.version_info >= (3, 12))"], capture_output=True, text=True,
                               env={**os.environ, "PYENV_VERSION": ""})
            if r.stdout.strip() == "True":
                return path
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for v in sorted(pyenv.glob("3.1[2-9]*"), reverse=True):
        if (v / "bin" / "python").exists():
            return str(v / "bin" / "python")
    return None


def pygeoapi_venv() -> Path:
    venv = WORK / "venv-pygeoapi"
    if not (venv / "bin" / "pygeoapi").exists():
        py = pygeoapi_python()
        if py is None:
            raise RuntimeError("pygeoapi needs Python ≥ 3.12 and none was found")
        subprocess.run([py, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "pygeoapi", "gunicorn"], check=True)
    return venv


def start_pygeoapi(port: int, towns: Path, projects: Path) -> subprocess.Popen:
    venv = pygeoapi_venv()
    cfg_dir = WORK / "pygeoapi"
    cfg_dir.mkdir(exist_ok=True)
    res = lambda name, path, id_field: {
        "type": "collection", "title": name, "description": name, "keywords": [name],
        "extents": {"spatial": {"bbox": [119.88, 29.35, 120.54, 29.99],
                                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "providers": [{"type": "feature", "name": "GeoJSON", "data": str(path), "id_field": id_field}]}
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "limits": {"default_items": 10, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "https://example.org/terms",
                                        "url": "https://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                     "provider": {"name": "bench", "url": "https://example.org"},
                     "contact": {"name": "bench", "position": "bench", "address": "bench", "city": "bench",
                                 "stateorprovince": "bench", "postalcode": "0", "country": "CN", "phone": "0",
                                 "fax": "0", "email": "bench@example.org", "url": "https://example.org",
                                 "hours": "0", "instructions": "none", "role": "pointOfContact"}},
        "resources": {"towns": res("towns", towns, "code"), "projects": res("projects", projects, "key")},
    }
    import yaml
    (cfg_dir / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg_dir / "config.yml"), "PYGEOAPI_OPENAPI": str(cfg_dir / "openapi.yml"),
           "PYENV_VERSION": ""}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(cfg_dir / "config.yml"),
                    "--output-file", str(cfg_dir / "openapi.yml")], check=True, env=env, capture_output=True)
    proc = subprocess.Popen([str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
                             "warning", "pygeoapi.flask_app:APP"], env=env, cwd=cfg_dir)
    wait_http(f"http://127.0.0.1:{port}/collections/towns/items?f=json&limit=1", proc)
    return proc


def start_nginx(port: int, root: Path) -> subprocess.Popen:
    prefix = WORK / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  types {{ application/geo+json json; }}
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ default_type application/geo+json; }} }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix)])
    wait_http(f"http://127.0.0.1:{port}/towns-limit=100.json", proc)
    return proc


def wrk(url: str, conns: int, duration: int, close: bool = False) -> dict:
    cmd = ["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    if close:
        cmd += ["-H", "Connection: close"]
    before = load1()
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    after = load1()

    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return round(v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v, 3)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": ms(50), "p99_ms": ms(99),
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errs.group(1) if errs else "",
            "load1_before": before, "load1_after": after}


# ---------------------------------------------------------------- sections

def bench_ogc(duration: int) -> dict:
    if not shutil.which("wrk") or not shutil.which("nginx"):
        raise RuntimeError("wrk and nginx are needed: apt-get install wrk nginx-light")
    data_dir = store_with(N_POINTS, "store-100k")
    p_ours, p_py, p_ng = free_port(), free_port(), free_port()
    procs = []
    try:
        procs.append(start_ours(data_dir, p_ours))
        ours = f"http://127.0.0.1:{p_ours}"
        # the same data for pygeoapi (its GeoJSON provider reads a file) and the same bytes for nginx
        towns = WORK / "pygeoapi-towns.geojson"
        towns.write_bytes(urllib.request.urlopen(f"{ours}/api/layers/towns.geojson").read())
        projects = WORK / "pygeoapi-projects.geojson"
        projects.write_bytes(urllib.request.urlopen(f"{ours}/api/layers/projects.geojson").read())
        root = WORK / "nginx-root"
        root.mkdir(parents=True, exist_ok=True)
        for c in COLLECTIONS:
            for qn, q in QUERIES.items():
                (root / f"{c}-{qn}.json").write_bytes(urllib.request.urlopen(f"{ours}/ogc/collections/{c}/items?{q}").read())
        procs.append(start_nginx(p_ng, root))
        try:
            procs.append(start_pygeoapi(p_py, towns, projects))
            py = f"http://127.0.0.1:{p_py}"
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:   # recorded, not hidden
            say("  pygeoapi could not start:", exc)
            py = None
        runs = []
        for c in COLLECTIONS:
            for qn, q in QUERIES.items():
                targets = [("ours", f"{ours}/ogc/collections/{c}/items?{q}", False)]
                if py:
                    targets.append(("pygeoapi", f"{py}/collections/{c}/items?{q}&f=json", False))
                targets += [("nginx keep-alive", f"http://127.0.0.1:{p_ng}/{c}-{qn}.json", False),
                            ("nginx close", f"http://127.0.0.1:{p_ng}/{c}-{qn}.json", True)]
                for conns in (1, 8):
                    for name, url, close in targets:
                        r = wrk(url, conns, duration, close)
                        r.update(server=name, collection=c, query=qn, connections=conns)
                        runs.append(r)
                        say(f"  {c:8} {qn:15} c={conns} {name:17} {r['rps']:>10.1f} req/s  p50 {r['p50_ms']} ms"
                            f"  p99 {r['p99_ms']} ms  load {r['load1_before']}→{r['load1_after']}")
        sizes = {f"{c}-{qn}": (root / f"{c}-{qn}.json").stat().st_size for c in COLLECTIONS for qn in QUERIES}
        return {"duration_s": duration, "runs": runs, "response_bytes": sizes, "points": N_POINTS}
    finally:
        for p in reversed(procs):
            stop(p)


def bench_map(repeats: int = 3) -> dict:
    from playwright.sync_api import sync_playwright
    out = {}
    for label, n in (("default view", 0), (f"with {N_POINTS:,} projects", N_POINTS)):
        data_dir = store_with(n, "store-100k" if n else "store-empty")
        port = free_port()
        proc = start_ours(data_dir, port)
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"])
                samples = []
                for i in range(repeats + 1):            # the first visit warms the server's page cache
                    ctx = b.new_context(viewport={"width": 1400, "height": 900})
                    page = ctx.new_page()
                    before = load1()
                    page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
                    page.wait_for_function("window.ZhujiMap && ZhujiMap.ready", timeout=60000)
                    m = page.evaluate("""() => {
                        const nav = performance.getEntriesByType('navigation')[0];
                        const res = performance.getEntriesByType('resource');
                        const sum = (k) => res.reduce((a, r) => a + (r[k] || 0), nav[k] || 0);
                        return {load_ms: nav.loadEventEnd, drawn_ms: ZhujiMap.drawnAt,
                                transfer_bytes: sum('transferSize'), decoded_bytes: sum('decodedBodySize'),
                                requests: res.length + 1};
                    }""")
                    m["load1_before"], m["load1_after"] = before, load1()
                    if i:
                        samples.append(m)
                    ctx.close()
                b.close()
            med = lambda k, samples=samples: sorted(s[k] for s in samples)[len(samples) // 2]
            out[label] = {"load_ms": round(med("load_ms"), 1), "drawn_ms": round(med("drawn_ms"), 1),
                          "transfer_kb": round(med("transfer_bytes") / 1024, 1),
                          "decoded_kb": round(med("decoded_bytes") / 1024, 1), "requests": med("requests"),
                          "samples": samples, "projects": n}
            say(f"  map {label}: load {out[label]['load_ms']} ms, drawn {out[label]['drawn_ms']} ms, "
                f"{out[label]['transfer_kb']} KB transferred ({out[label]['decoded_kb']} KB decoded)")
        finally:
            stop(proc)
    return out


def bench_import() -> dict:
    out = {}
    for n in (10_000, 100_000, 1_000_000):
        csv = synthetic_csv(n, WORK / f"projects-{n}.csv")
        db = Path(tempfile.mkdtemp(dir=WORK)) / "p.sqlite"
        before = load1()
        r = subprocess.run([sys.executable, __file__, "import-one", str(csv), f"sqlite:///{db}"], capture_output=True,
                           text=True, timeout=600)
        if r.returncode:
            raise RuntimeError(r.stderr)
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res.update(load1_before=before, load1_after=load1(), csv_mb=round(csv.stat().st_size / 2**20, 1))
        shutil.rmtree(db.parent)
        out[str(n)] = res
        say(f"  import {n:>9,}: read {res['read_s']} s, validate {res['validate_s']} s, join {res['join_s']} s, "
            f"store {res['store_s']} s, total {res['total_s']} s, peak {res['peak_rss_mb']} MB")
    return out


def bench_export() -> dict:
    import geo
    from geo.export import export
    from geo.features import Catalog
    from geo.projects.store import Store
    data_dir = store_with(N_POINTS, "store-100k")
    cat = Catalog(geo.load(), Store(f"sqlite:///{data_dir / 'projects.sqlite'}"))
    g = cat.query("projects")
    out = {}
    for fmt, epsg in (("geojson", 4326), ("gpkg", 4490), ("shp", 4549), ("csv", 4490), ("kml", 4326)):
        before = load1()
        t = time.perf_counter()
        body, _, _ = export(g, "projects", fmt, epsg)
        secs = time.perf_counter() - t
        out[fmt] = {"seconds": round(secs, 2), "mb": round(len(body) / 2**20, 1), "crs": f"EPSG:{epsg}",
                    "features": len(g), "load1_before": before, "load1_after": load1()}
        say(f"  export {fmt:8} {out[fmt]['seconds']:>6} s  {out[fmt]['mb']:>7} MB")
    return out


# ---------------------------------------------------------------- report

def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "cpu": cpu,
            "memory_gb": round(mem, 1), "python": platform.python_version(), "platform": platform.platform()}


def ratio(a, b):
    return round(a / b, 1) if a and b else None


def markdown(res: dict) -> str:
    m = res.get("machine", {})
    L = [f"Machine: {m.get('cpus')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, Python {m.get('python')}, "
         f"{m.get('platform')}; run {m.get('date')}. Shared machine: compare figures within this run only.", ""]
    ogc = res.get("ogc")
    if ogc:
        L += ["## OGC API items (gunicorn, 2 workers; wrk, "
              f"{ogc['duration_s']} s per run; {ogc['points']:,}-point projects layer)", "",
              "| collection | query | conns | ours req/s | pygeoapi req/s | nginx keep-alive | nginx close | ours ÷ pygeoapi "
              "| ours ÷ nginx close | ours p50 / p99 ms | pygeoapi p50 / p99 ms | load1 |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        idx = {(r["collection"], r["query"], r["connections"], r["server"]): r for r in ogc["runs"]}
        for c in COLLECTIONS:
            for q in QUERIES:
                for conns in (1, 8):
                    g = lambda s, key=(c, q, conns): idx.get((*key, s), {})
                    o, p, nk, nc = g("ours"), g("pygeoapi"), g("nginx keep-alive"), g("nginx close")
                    L.append(f"| {c} | {q} | {conns} | {o.get('rps', 0):,.0f} | {p.get('rps', 0):,.1f} | "
                             f"{nk.get('rps', 0):,.0f} | {nc.get('rps', 0):,.0f} | {ratio(o.get('rps'), p.get('rps'))}× | "
                             f"{round(100 * o['rps'] / nc['rps']) if o.get('rps') and nc.get('rps') else '–'}% | "
                             f"{o.get('p50_ms')} / {o.get('p99_ms')} | {p.get('p50_ms')} / {p.get('p99_ms')} | "
                             f"{o.get('load1_before')}→{o.get('load1_after')} |")
        L += ["", "Response sizes (bytes, identical for ours and nginx): " +
              ", ".join(f"{k} {v:,}" for k, v in ogc["response_bytes"].items()), ""]
    mp = res.get("map")
    if mp:
        L += ["## Map page in headless Chromium (median of 3 warm visits)", "",
              "| page | load event ms | layers drawn ms | transferred KB | decoded KB | requests |", "|---|---|---|---|---|---|"]
        for k, v in mp.items():
            L.append(f"| {k} | {v['load_ms']} | {v['drawn_ms']} | {v['transfer_kb']} | {v['decoded_kb']} | {v['requests']} |")
        L.append("")
    im = res.get("import")
    if im:
        L += ["## Import and join (CSV → validated, joined, stored in SQLite)", "",
              "| rows | CSV MB | read s | validate s | join s | store s | total s | peak MB |", "|---|---|---|---|---|---|---|---|"]
        for n, v in im.items():
            L.append(f"| {int(n):,} | {v['csv_mb']} | {v['read_s']} | {v['validate_s']} | {v['join_s']} | {v['store_s']} | "
                     f"{v['total_s']} | {v['peak_rss_mb']} |")
        L.append("")
    ex = res.get("export")
    if ex:
        L += [f"## Export of {N_POINTS:,} projects", "", "| format | CRS | seconds | MB |", "|---|---|---|---|"]
        for k, v in ex.items():
            L.append(f"| {k} | {v['crs']} | {v['seconds']} | {v['mb']} |")
        L.append("")
    L += targets(res)
    return "\n".join(L)


def targets(res: dict) -> list[str]:
    L = ["## Targets", "", "| target | figure | met |", "|---|---|---|"]
    ogc = res.get("ogc")
    if ogc:
        idx = {(r["collection"], r["query"], r["connections"], r["server"]): r["rps"] for r in ogc["runs"]}
        t = lambda c, s: idx.get((c, "limit=100", 8, s))
        r1, r2 = ratio(t("towns", "ours"), t("towns", "pygeoapi")), t("towns", "ours") and t("towns", "nginx close") and \
            round(100 * t("towns", "ours") / t("towns", "nginx close"))
        r3 = ratio(t("projects", "ours"), t("projects", "pygeoapi"))
        L += [f"| towns items, 8 conns: ≥ 10× pygeoapi | {r1}× | {'yes' if r1 and r1 >= 10 else 'no'} |",
              f"| towns items, 8 conns: ≥ 20% of nginx (Connection: close) | {r2}% | {'yes' if r2 and r2 >= 20 else 'no'} |",
              f"| 100k points, limit=100: ≥ 300× pygeoapi | {r3}× | {'yes' if r3 and r3 >= 300 else 'no'} |"]
    mp = res.get("map")
    if mp:
        d = mp.get("default view", {})
        h = next((v for k, v in mp.items() if k != "default view"), {})
        L += [f"| map load event ≤ 500 ms (default) | {d.get('load_ms')} ms | {'yes' if d.get('load_ms', 1e9) <= 500 else 'no'} |",
              f"| layers drawn ≤ 1 s (default) | {d.get('drawn_ms')} ms | {'yes' if d.get('drawn_ms', 1e9) <= 1000 else 'no'} |",
              f"| layers drawn ≤ 3 s with 100k projects | {h.get('drawn_ms')} ms | {'yes' if h.get('drawn_ms', 1e9) <= 3000 else 'no'} |"]
    im = res.get("import")
    if im:
        a, b = im.get("100000", {}), im.get("1000000", {})
        L += [f"| import + join 100k rows ≤ 3 s | {a.get('total_s')} s | {'yes' if a.get('total_s', 1e9) <= 3 else 'no'} |",
              f"| import + join 1M rows ≤ 20 s at ≤ 2 GB | {b.get('total_s')} s, {b.get('peak_rss_mb')} MB | "
              f"{'yes' if b.get('total_s', 1e9) <= 20 and b.get('peak_rss_mb', 1e9) <= 2048 else 'no'} |"]
    return L + [""]


BEGIN, END = "<!-- results: written by benchmarks/run.py -->", "<!-- end of results -->"


def write_report(res: dict) -> None:
    path = REPO / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{BEGIN}\n{markdown(res)}\n{END}"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = ("# Benchmarks\n\nRun: `python benchmarks/run.py` (see README). Everything between the markers is "
               "rewritten by each run; the notes after it are kept.\n\n" + block + "\n\n## Notes\n")
    path.write_text(new, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=["ogc", "map", "import", "export"],
                    choices=["ogc", "map", "import", "export"])
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (≤ 30)")
    args = ap.parse_args(argv)
    if args.duration > 30:
        ap.error("--duration is at most 30 s")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    res = {"machine": machine()}
    say(f"machine: {res['machine']}  load1 {load1()}")
    for section in args.only:
        say(f"== {section}  (load1 {load1()})")
        fn = {"ogc": lambda: bench_ogc(args.duration), "map": bench_map, "import": bench_import, "export": bench_export}[section]
        res[section] = fn()
        (RESULTS / f"{section}.json").write_text(json.dumps(res[section], ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / "machine.json").write_text(json.dumps(res["machine"], indent=1), encoding="utf-8")
    full = {"machine": res["machine"]}
    for section in ("ogc", "map", "import", "export"):    # sections not rerun keep their last figures
        f = RESULTS / f"{section}.json"
        if f.exists():
            full[section] = json.loads(f.read_text(encoding="utf-8"))
    write_report(full)
    say("\n" + markdown(full))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "import-one":
        print(json.dumps(import_one(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    sys.exit(main())
