"""Holding under hostile files, wrong boundary files, big stores and concurrent writes: every failure a
clear answer naming its cause, never a crash or a 500 (issue 14's defects, one regression test each)."""
import io
import subprocess
import sys
import threading
import zipfile

import geopandas as gpd
import pytest
from shapely.affinity import translate
from shapely.geometry import LineString

import geo
import server
from tests.test_projects import AUTH, FENGQIAO, TOKEN, csv_bytes


@pytest.fixture(scope="module")
def data():
    return geo.load()


def served(plan, bounds, tmp_path):
    return server.create_app({"plan_dir": plan, "boundaries_dir": bounds, "data_dir": tmp_path}).test_client()


# ---------------------------------------------------------------- boundary files that are slightly wrong

def test_towns_file_offset_by_two_km_is_refused_and_start_up_goes_on(data, data_copy, tmp_path):
    plan, bounds = data_copy
    t = data.towns[["code", "name", "geometry"]].to_crs(4549)
    t["geometry"] = t.geometry.map(lambda g: translate(g, 2500, 0))
    t.to_file(bounds / "towns.gpkg", driver="GPKG")
    c = served(plan, bounds, tmp_path)
    health = c.get("/healthz").get_json()
    msg = " ".join(p["message"] for p in health["problems"])
    assert "towns.gpkg" in msg and "超出诸暨市域1公里以上" in msg and "more than 1 km outside" in msg
    towns = c.get("/api/layers/towns.geojson").get_json()["features"]
    assert {f["properties"]["accuracy"] for f in towns} == {"derived"}        # the derived towns stay in use


def test_towns_file_of_points_is_refused(data, data_copy, tmp_path):
    plan, bounds = data_copy
    pts = gpd.GeoDataFrame(data.towns[["code", "name"]], geometry=data.towns.representative_point(), crs=4326)
    pts.to_file(bounds / "towns.geojson", driver="GeoJSON")
    health = served(plan, bounds, tmp_path).get("/healthz").get_json()
    assert any("几何类型应为面" in p["message"] and "Point" in p["message"] for p in health["problems"])


def test_file_in_an_unknown_crs_is_refused(data, data_copy, tmp_path):
    plan, bounds = data_copy
    t = data.towns[["code", "name", "geometry"]].to_crs(4549)
    t.to_file(bounds / "towns.shp")
    (bounds / "towns.prj").write_text('LOCAL_CS["site grid",UNIT["metre",1]]', encoding="utf-8")
    health = served(plan, bounds, tmp_path).get("/healthz").get_json()
    assert any("towns.shp" in p["message"] for p in health["problems"])
    assert health["layers"]["towns"] == 23


def test_corridor_line_running_past_the_county_is_cut_at_its_edge(data, data_copy, tmp_path):
    plan, bounds = data_copy
    start = data.towns.set_index("short_name").loc["暨阳", ["seat_lon", "seat_lat"]].astype(float)
    line = LineString([(start.iloc[0], start.iloc[1]), (121.5, 30.5)])               # on to beyond Shaoxing
    gpd.GeoDataFrame({"id": ["S1"], "name": ["S211"]}, geometry=[line], crs=4326).to_file(bounds / "corridors.geojson")
    c = served(plan, bounds, tmp_path)
    assert c.get("/healthz").get_json()["problems"] == []
    s1 = next(f for f in c.get("/api/layers/corridors.geojson").get_json()["features"] if f["id"] == "S1")
    assert s1["properties"]["accuracy"] == "official"
    geom = gpd.GeoSeries.from_wkt([LineString(s1["geometry"]["coordinates"]).wkt], crs=4326).to_crs(4549).iloc[0]
    county = data.county.to_crs(4549).geometry.iloc[0]
    assert county.buffer(1001).contains(geom) and geom.length > 10_000


# ---------------------------------------------------------------- hostile and awkward upload files

@pytest.fixture
def client(tmp_path):
    return server.create_app({"token": TOKEN, "data_dir": tmp_path, "max_upload_mb": 2}).test_client()


def post(client, content, name, **form):
    return client.post("/api/projects/import", headers=AUTH,
                       data={"file": (io.BytesIO(content), name), "datum": "wgs84", "year": "2026", **form})


def cell_bomb() -> bytes:
    """A 2 KB workbook with one value in XFD1048576: a dense reader would allocate 512 GB."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "所在镇街"])
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_cell_bomb_is_a_clear_400_and_the_service_stays_up(client):
    bomb = cell_bomb()
    assert len(bomb) < 10_000
    r = post(client, bomb, "bomb.xlsx")
    assert r.status_code == 400 and "XFD1048576" in r.get_json()["description"]
    assert client.get("/healthz").status_code == 200


def test_repeated_and_blank_headers_with_a_rejected_row_are_explained(client):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "所在镇街", "备注", "备注", None])
    ws.append(["甲项目", "枫桥镇", "一", "二", "有值"])
    ws.append(["乙项目", "不存在镇", "三", "四", ""])
    buf = io.BytesIO()
    wb.save(buf)
    r = post(client, buf.getvalue(), "dup.xlsx")
    body = r.get_json()
    assert r.status_code == 200 and body["imported"] == 1 and body["rejected"][0]["row"] == 3
    assert any("备注 (2)" in w["message"] for w in body["warnings"])


def test_fractional_year_and_whole_metre_coordinates_are_answered_not_crashed(client):
    r = post(client, csv_bytes([["Y1", "半年项目", *FENGQIAO, "", "", "", "", "2025.5"]]), "y.csv")
    assert r.status_code == 200 and "2025.5" in r.get_json()["rejected"][0]["reason"]
    r = post(client, csv_bytes([["M1", "整米", "520000", "3295000", "", "", "", "", ""]]), "m.csv", datum="gk")
    assert r.status_code == 200 and r.get_json()["imported"] == 1


def test_nul_bytes_and_control_characters_are_stored_the_same_on_both_stores(store_url, tmp_path):
    c = server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path}).test_client()
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"项目名称": "名称\u0000带空字符\u0007"},
                                                      "geometry": {"type": "Point", "coordinates": list(FENGQIAO)}}]}
    import json
    r = post(c, json.dumps(doc).encode(), "nul.geojson")
    assert r.status_code == 200 and r.get_json()["imported"] == 1
    r = post(c, csv_bytes([["N2", "名称\x00", *FENGQIAO, "", "", "", "", ""]]), "nul.csv")     # a CSV with NUL: not text
    assert r.status_code == 400 and "CSV" in r.get_json()["zh"]
    names = [f["properties"]["name"] for f in c.get("/api/layers/projects.geojson").get_json()["features"]]
    assert names == ["名称带空字符"]


def test_two_imports_at_once_give_the_right_counts(store_url, tmp_path):
    # two app instances, as two gunicorn workers: only the database's own locking keeps them apart
    apps = [server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path}) for _ in range(2)]
    app = apps[0]
    rows = [[f"C{i}", f"并发项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(300)]
    results = []

    def run(a):
        results.append(post(a.test_client(), csv_bytes(rows), "c.csv").get_json())

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r["inserted"], r["updated"]) for r in results) == [(0, 300), (300, 0)]
    assert app.extensions["zhuji"].store.count() == 300


def test_the_map_feed_of_another_worker_follows_an_import(store_url, tmp_path):
    """Two app instances, as two workers: one imports; the other's map feed, asked for while its copy of the
    projects is rebuilt, shows the new project as soon as that copy is in (not the older copy for good)."""
    import time
    a, b = (server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path}) for _ in range(2))
    row = lambda i: [f"W{i}", f"工作进程项目{i}", *FENGQIAO, "", "", "", "", ""]
    assert post(a.test_client(), csv_bytes([row(1)]), "w1.csv").status_code == 200
    feed = lambda: sorted(b.test_client().get("/api/map/projects.json").get_json()["columns"]["name"])

    def shown_within_seconds(names):          # another worker sees a write within VERSION_TTL and a rebuild
        deadline = time.monotonic() + 10
        while (got := feed()) != names and time.monotonic() < deadline:
            time.sleep(0.02)                  # poll interval: the rebuild it waits for needs the GIL too
        return got
    assert shown_within_seconds(["工作进程项目1"]) == ["工作进程项目1"]
    assert post(a.test_client(), csv_bytes([row(2)]), "w2.csv").status_code == 200
    assert shown_within_seconds(["工作进程项目1", "工作进程项目2"]) == ["工作进程项目1", "工作进程项目2"]


def held_reads(monkeypatch):
    """Reads of the whole store for the projects' copy wait until ``go`` is set; ``started``: one began."""
    import threading

    from geo.projects import snapshot
    real, started, go = snapshot.read_frame, threading.Event(), threading.Event()

    def held(store):
        started.set()
        assert go.wait(30)
        return real(store)
    monkeypatch.setattr(snapshot, "read_frame", held)
    return started, go


def test_a_worker_starts_with_the_projects_copy_and_map_feed_made_and_a_fork_waits_for_them(tmp_path, monkeypatch):
    """As a worker starts, its copy of the projects and the map's feed are made in the background: its first
    visitor is not kept waiting (the feed is answered without reading the store). A fork (gunicorn --preload)
    waits until that is done, so that no worker inherits it half made."""
    import threading

    from geo.projects import snapshot
    from web import services as svc
    url = f"sqlite:///{tmp_path / 'projects.sqlite'}"
    a = server.create_app({"token": TOKEN, "database_url": url, "data_dir": tmp_path})
    assert post(a.test_client(), csv_bytes([["K1", "开机即备项目", *FENGQIAO, "", "", "", "", ""]]), "k.csv").status_code == 200
    started, go = held_reads(monkeypatch)
    b = server.create_app({"token": TOKEN, "database_url": url, "data_dir": tmp_path})
    assert started.wait(30), "the warm-up reads the store as the app starts"
    forking = threading.Thread(target=svc._before_fork)
    forking.start()
    forking.join(0.5)
    assert forking.is_alive(), "a fork waits while the warm-up runs"
    go.set()
    forking.join(30)
    assert not forking.is_alive() and not svc._warming

    def whole_store(*a):
        raise AssertionError("the first request read the store")
    monkeypatch.setattr(snapshot, "read_frame", whole_store)
    assert b.test_client().get("/api/map/projects.json").get_json()["columns"]["name"] == ["开机即备项目"]


def test_a_write_answers_without_waiting_for_the_copy_and_the_next_answer_shows_it(tmp_path, monkeypatch):
    """A write's answer does not wait for this process's copy of the projects to be made again (a 100,000-row
    import into 1,000,000 projects answered after 27 s instead of 5), nor starts making it; the next answer
    made from the copy makes it and waits for it, so it shows the write."""
    import threading

    a = server.create_app({"token": TOKEN, "database_url": f"sqlite:///{tmp_path / 'p.sqlite'}", "data_dir": tmp_path})
    row = lambda i: [f"R{i}", f"即答项目{i}", *FENGQIAO, "", "", "", "", ""]
    names = lambda: sorted(a.test_client().get("/api/map/projects.json").get_json()["columns"]["name"])
    assert post(a.test_client(), csv_bytes([row(1)]), "r1.csv").status_code == 200
    assert names() == ["即答项目1"]                                  # this process has its copy
    started, go = held_reads(monkeypatch)
    answer, shown = {}, {}
    writer = threading.Thread(target=lambda: answer.update(r=post(a.test_client(), csv_bytes([row(2)]), "r2.csv")))
    writer.start()
    writer.join(15)
    assert not writer.is_alive() and answer["r"].status_code == 200, "answered while the copy is made again"
    assert not started.is_set(), "the write itself does not read the store for the copy"
    reader = threading.Thread(target=lambda: shown.update(names=names()))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive(), "the next answer waits for the rebuild"
    go.set()
    reader.join(30)
    assert shown["names"] == ["即答项目1", "即答项目2"]


FORK_WHILE_WARMING = '''
import os, sys, threading
import server
from geo.projects import snapshot
real, started, go = snapshot.read_frame, threading.Event(), threading.Event()

def held(store):
    started.set()
    go.wait(30)
    return real(store)

snapshot.read_frame = held
app = server.create_app({"database_url": sys.argv[1], "data_dir": sys.argv[2]})
assert started.wait(30)
threading.Timer(0.3, go.set).start()    # the warm-up goes on while the fork below waits for it
pid = os.fork()
if pid == 0:                            # the worker: its copy whole, its lock free
    snap = app.extensions["zhuji"].snapshot
    os._exit(0 if snap._current[0] is not None and not snap._lock.locked() else 3)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
'''


def test_a_preload_master_forks_its_workers_only_once_the_warm_up_is_done(tmp_path):
    """gunicorn --preload: the master makes the app (and starts its warm-up), then forks the workers. A fork
    during the warm-up waits for it: a worker never inherits the copy's lock held and the copy half made."""
    from tests.conftest import REPO
    r = subprocess.run([sys.executable, "-c", FORK_WHILE_WARMING, f"sqlite:///{tmp_path / 'p.sqlite'}", str(tmp_path)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


def test_csv_exports_neutralise_formulas(client):
    post(client, csv_bytes([["F1", "=HYPERLINK(\"http://evil\")", *FENGQIAO, "", "@SUM(1)", "", "", ""]]), "f.csv")
    text = client.get("/api/export/projects.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and "'@SUM(1)" in text
    z = client.get("/api/export/projects.shp")
    assert z.status_code == 200 and zipfile.ZipFile(io.BytesIO(z.data)).namelist()


# ---------------------------------------------------------------- the store failing, and heavy readers

def test_a_corrupt_store_file_leaves_the_plan_layers_served_and_says_what_to_do(tmp_path):
    (tmp_path / "projects.sqlite").write_bytes(b"not a database " * 200)
    c = server.create_app({"token": TOKEN, "data_dir": tmp_path}).test_client()
    problems = " ".join(p["message"] for p in c.get("/healthz").get_json()["problems"])
    assert "项目库文件已损坏" in problems and str(tmp_path / "projects.sqlite") in problems and "backup" in problems
    assert c.get("/api/layers/towns.geojson").status_code == 200 and c.get("/").status_code == 200
    assert c.get("/api/layers/projects.geojson").get_json()["features"] == []
    assert c.get("/api/work/table.json", headers=AUTH).get_json()["rows"] == []           # the workbench's table
    r = c.post("/api/projects", json={"name": "x", "town": "枫桥镇"}, headers=AUTH)
    assert r.status_code == 503 and "项目库文件已损坏" in r.get_json()["zh"]


@pytest.mark.parametrize("message, status, words", [
    ("database or disk is full", 507, "磁盘已满"), ("database is locked", 409, "另一项写入正在进行")])
def test_a_full_disk_or_a_locked_store_is_named_and_nothing_is_stored(client, monkeypatch, message, status, words):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import geo.projects.batches as gb

    def failing(*a, **kw):
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError(message))
    monkeypatch.setattr(gb, "_to_history", failing)        # inside the write transaction
    r = post(client, csv_bytes([["K1", "甲", *FENGQIAO, "", "", "", "", ""]]), "k.csv")
    body = r.get_json()
    assert r.status_code == status and words in body["zh"] and "projects.sqlite" in body["zh"]
    assert client.application.extensions["zhuji"].store.count() == 0


def test_downloads_are_built_a_few_at_a_time_and_served_again_from_memory(client):
    exports = client.application.extensions["zhuji"].exports
    assert client.get("/api/export/towns.gpkg").status_code == 200          # built, kept
    for _ in range(2):
        exports.slots.acquire()                                            # every slot busy
    try:
        assert client.get("/api/export/towns.gpkg").status_code == 200      # kept: no slot needed
        r = client.get("/api/export/towns.shp")
        assert r.status_code == 503 and r.headers["Retry-After"] and "几秒后重试" in r.get_json()["zh"]
    finally:
        exports.slots.release()
        exports.slots.release()


def test_many_distinct_reads_keep_the_response_cache_within_its_budget(tmp_path):
    app = server.create_app({"data_dir": tmp_path, "cache_mb": 1})
    c = app.test_client()
    for i in range(400):
        assert c.get(f"/ogc/collections/towns/items?limit={1 + i % 23}&offset={i // 23}").status_code == 200
    cache = app.wsgi_app
    assert 0 < cache.used <= 1 * 2**20 and len(cache.entries) < 400


def test_the_cache_answers_each_client_in_the_format_it_negotiated(tmp_path):
    c = server.create_app({"data_dir": tmp_path}).test_client()
    url = "/ogc/collections/towns/items?limit=2"
    r = c.get(url, headers={"Accept": "application/json, text/html;q=0.9"})
    assert r.mimetype == "application/geo+json"
    r = c.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.mimetype == "text/html" and "Accept" in r.headers["Vary"]


def test_writes_are_refused_before_their_body_is_read(tmp_path):
    app = server.create_app({"data_dir": tmp_path, "token": TOKEN})

    class Exploding(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            raise AssertionError("the body was read before the caller was known")

    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/projects/import", "CONTENT_TYPE": "multipart/form-data; boundary=x",
           "CONTENT_LENGTH": str(10**8), "wsgi.input": io.BufferedReader(Exploding()), "SERVER_NAME": "localhost",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    status = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    assert status[0].startswith("401") and ("令牌" in body.decode() or "登录" in body.decode())


def test_wrong_tokens_are_rate_limited_and_logged(tmp_path, caplog):
    c = server.create_app({"data_dir": tmp_path, "token": TOKEN}).test_client()
    codes = [c.post("/api/projects", json={"name": "x"}, headers={"Authorization": f"Bearer guess{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    assert sum("failed token" in r.getMessage() for r in caplog.records) == 10


def test_security_headers(tmp_path):
    c = server.create_app({"data_dir": tmp_path}).test_client()
    for path in ("/", "/api/layers", "/towns/330681109"):
        h = c.get(path).headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
        assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "SAMEORIGIN"
        assert h["Referrer-Policy"] == "same-origin"
    assert "'sha256-" in c.get("/").headers["Content-Security-Policy"]      # Folium's inline scripts, by hash


@pytest.mark.postgis
def test_edits_made_directly_in_postgis_show_within_a_second(postgis_url, tmp_path):
    import time

    import psycopg

    from geo.projects import Store
    Store(postgis_url).clear()
    app = server.create_app({"token": TOKEN, "database_url": postgis_url, "data_dir": tmp_path})
    c = app.test_client()
    assert post(c, csv_bytes([["Q1", "原名", *FENGQIAO, "", "", "", "", ""]]), "q.csv").status_code == 200
    with psycopg.connect(postgis_url) as conn:                  # as QGIS would: straight into the table
        conn.execute("UPDATE projects SET name = 'QGIS改名' WHERE key = '2026/id:Q1'")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        names = [f["properties"]["name"] for f in c.get("/ogc/collections/projects/items").get_json(force=True)["features"]]
        if names == ["QGIS改名"]:
            break
    assert names == ["QGIS改名"] and time.monotonic() < deadline


def test_csp_lets_in_tiles_of_configured_basemaps_only(tmp_path):
    maps = [{"name": "内网影像", "url": "http://10.0.0.5/wmts/{z}/{x}/{y}.png", "datum": "cgcs2000"},
            {"name": "天地图", "url": ["https://t{s}.tianditu.gov.cn/vec_w/{z}/{x}/{y}", "https://t{s}.tianditu.gov.cn/cva_w/{z}/{x}/{y}"],
             "subdomains": "01234567", "datum": "cgcs2000"}]
    csp = server.create_app({"data_dir": tmp_path, "basemaps": maps}).test_client().get("/").headers["Content-Security-Policy"]
    img = next(d for d in csp.split("; ") if d.startswith("img-src"))
    assert "http://10.0.0.5" in img and "https://*.tianditu.gov.cn" in img
    plain = server.create_app({"data_dir": tmp_path}).test_client().get("/").headers["Content-Security-Policy"]
    assert next(d for d in plain.split("; ") if d.startswith("img-src")) == "img-src 'self' data: blob:"


# ---------------------------------------------------------------- further regressions (audit of issue 14)
def xlsx(rows, header=None) -> bytes:
    from openpyxl import Workbook

    from tests.test_projects import HEADER
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def gk_whole_metres():
    from geo.crs import transformer
    e, n = transformer(4326, 4549).transform(*FENGQIAO)
    return round(e), round(n)                       # the usual EPSG:4549 export: whole metres, number cells


def test_whole_metres_and_a_fractional_year_in_a_workbook_and_from_the_shell(client, tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import REPO
    e, n = gk_whole_metres()
    book = xlsx([["G1", "整米坐标", e, n, "", "", 1.5, "在建", 2026], ["G2", "半年项目", e + 50, n, "", "", 1, "在建", 2025.5]])
    body = post(client, book, "gk.xlsx", datum="gk").get_json()
    assert body["imported"] == 1 and body["rejected"][0]["row"] == 3 and "2025.5" in body["rejected"][0]["reason"]
    placed = client.get("/api/layers/projects.geojson").get_json()["features"]
    assert [f["properties"]["town_name"] for f in placed] == ["枫桥镇"]
    for name, content in (("gk.xlsx", book), ("gk.csv", csv_bytes([["G1", "整米坐标", e, n, "", "", "", "", ""]]))):
        (tmp_path / name).write_bytes(content)
        r = subprocess.run([sys.executable, "cli.py", "projects", "import", str(tmp_path / name), "--datum", "gk",
                            "--year", "2026"], cwd=REPO, capture_output=True, text=True,
                           env={**__import__("os").environ, "ZHUJI_MAP_DATA_DIR": str(tmp_path / "cli")})
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert json.loads(r.stdout.strip().splitlines()[-1])["imported"] == 1


def test_projects_are_served_by_area_without_reading_the_whole_store(store_url, tmp_path, monkeypatch, data):
    from geo.projects import query
    from geo.projects.store import Store
    app = server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path})
    c = app.test_client()
    seat = data.towns.set_index("short_name").loc["安华"]
    far = (float(seat.seat_lon), float(seat.seat_lat))
    rows = [[f"A{i}", f"枫桥项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(30)] + \
           [[f"B{i}", f"南部项目{i}", *far, "", "", "", "", ""] for i in range(30)]
    assert post(c, csv_bytes(rows), "many.csv").get_json()["imported"] == 60

    def whole_layer(*a, **kw):
        raise AssertionError("the whole projects layer was read to answer one page")
    monkeypatch.setattr(Store, "projects", whole_layer)
    monkeypatch.setattr(query, "frame", whole_layer)
    r = c.get("/ogc/collections/projects/items?bbox=120.40,29.78,120.43,29.80&limit=10")
    assert r.status_code == 200
    page = r.get_json(force=True)
    assert page["numberMatched"] == 30 and len(page["features"]) == 10
    assert all(f["properties"]["name"].startswith("枫桥项目") for f in page["features"])
    if store_url.startswith("sqlite"):      # the page's keys come from the (lon, lat, key) index alone
        store = app.extensions["zhuji"].store
        where, params = query._where(store, bbox=(120.40, 29.78, 120.43, 29.80))
        with store.engine.connect() as conn:
            from sqlalchemy import text
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN QUERY PLAN " + query.page_sql(store, where)),
                                                         {**params, "limit": 100, "offset": 0}))
        assert "USING COVERING INDEX projects_bbox_idx (lon>? AND lon<?)" in plan, plan


def test_every_page_of_a_box_gives_the_same_count_and_the_last_one_needs_no_count_query(store_url, tmp_path,
                                                                                       monkeypatch):
    """numberMatched is the same on every page of a box; a page that is not full gives it itself (offset +
    returned), so only full pages and pages past the end ask the database to count the box again."""
    from geo.projects import query
    app = server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path})
    c = app.test_client()
    rows = [[f"A{i}", f"枫桥项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(25)]
    assert post(c, csv_bytes(rows), "many.csv").get_json()["imported"] == 25
    counted, real = [], query.count
    monkeypatch.setattr(query, "count", lambda *a, **kw: counted.append(1) or real(*a, **kw))
    box = "/ogc/collections/projects/items?bbox=120.40,29.78,120.43,29.80&limit=10&offset="
    got = {}
    for offset in (0, 10, 20, 30):
        counted.clear()
        page = c.get(box + str(offset)).get_json(force=True)
        got[offset] = (page["numberMatched"], len(page["features"]), len(counted))
    assert got == {0: (25, 10, 1), 10: (25, 10, 1), 20: (25, 5, 0), 30: (25, 0, 1)}
    counted.clear()
    few = c.get("/ogc/collections/projects/items?bbox=120.40,29.78,120.43,29.80&limit=100").get_json(force=True)
    assert (few["numberMatched"], len(few["features"]), counted) == (25, 25, [])
    none = c.get("/ogc/collections/projects/items?bbox=119.0,29.0,119.01,29.01&limit=10").get_json(force=True)
    assert (none["numberMatched"], none["features"]) == (0, [])


def test_a_page_and_its_count_come_from_one_snapshot_while_another_import_commits(store_url, tmp_path, data,
                                                                                 monkeypatch):
    """An import committed between reading a page and counting its box does not reach the count: the page
    and its numberMatched are read in one transaction (SQLite: BEGIN before the driver's cursor; PostgreSQL:
    REPEATABLE READ)."""
    from geo.projects import ImportOptions, Store, import_file, query
    app = server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path})
    c = app.test_client()
    assert post(c, csv_bytes([[f"A{i}", f"枫桥项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(25)]),
                "a.csv").get_json()["imported"] == 25
    more = csv_bytes([[f"B{i}", f"枫桥新项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(5)])
    real, other = query.count, Store(store_url)

    def count_after_an_import(*a, **kw):
        assert import_file("b.csv", more, data, store=other, options=ImportOptions(user="t", datum="wgs84", year=2026)).saved
        return real(*a, **kw)
    monkeypatch.setattr(query, "count", count_after_an_import)
    box = "/ogc/collections/projects/items?bbox=120.40,29.78,120.43,29.80&limit=10"
    first = c.get(box).get_json(force=True)
    assert first.get("numberMatched") == 25, first             # as when the page was read
    monkeypatch.setattr(query, "count", real)
    assert c.get(box + "&offset=10").get_json(force=True)["numberMatched"] == 30


def test_reads_are_answered_while_a_write_is_held_open(store_url, tmp_path, monkeypatch):
    import geo.projects.batches as gb
    app = server.create_app({"token": TOKEN, "database_url": store_url, "data_dir": tmp_path})
    post(app.test_client(), csv_bytes([["K1", "已有项目", *FENGQIAO, "", "", "", "", ""]]), "k.csv")
    inside, release = threading.Event(), threading.Event()

    def holding(real):
        def held(*args, **kw):                  # the import stops inside its write transaction
            inside.set()
            assert release.wait(60)
            return real(*args, **kw)
        return held
    monkeypatch.setattr(gb, "_to_history", holding(gb._to_history))     # inside the write transaction
    result = {}
    writer = threading.Thread(target=lambda: result.update(r=post(app.test_client(), csv_bytes(
        [[f"W{i}", f"写入中{i}", *FENGQIAO, "", "", "", "", ""] for i in range(5)]), "w.csv")))
    writer.start()
    try:
        assert inside.wait(60)
        answers = {}
        paths = ("/healthz", "/ogc/collections/projects/items?limit=5", "/api/map/projects.json",
                 "/api/stats?town=330681109", "/api/layers")
        readers = [threading.Thread(target=lambda p=p: answers.update({p: app.test_client().get(p).status_code}))
                   for p in paths]
        for r in readers:
            r.start()
        for r in readers:
            r.join(30)                          # a guard against hanging the suite, not a speed measure
        assert answers == dict.fromkeys(paths, 200)
        assert writer.is_alive()                # ... and all of it while the write was still open
    finally:
        release.set()
        writer.join(60)
    assert result["r"].status_code == 200 and result["r"].get_json()["imported"] == 5


def test_every_crs_and_format_stays_within_the_download_budget(tmp_path):
    app = server.create_app({"data_dir": tmp_path, "export_cache_mb": 1, "cache_mb": 1})
    c = app.test_client()
    for layer in ("towns", "corridors", "clusters"):
        for fmt in ("gpkg", "shp", "csv"):
            for crs in ("EPSG:4326", "EPSG:4490", "EPSG:4549"):
                assert c.get(f"/api/export/{layer}.{fmt}?crs={crs}").status_code == 200
        for crs in ("4490", "4549"):
            assert c.get(f"/ogc/collections/{layer}/items?limit=100&crs=http://www.opengis.net/def/crs/EPSG/0/{crs}").status_code == 200
    exports = app.extensions["zhuji"].exports
    assert 0 < exports.used <= 2**20 and app.wsgi_app.used <= 2**20


def test_a_large_body_without_credentials_is_refused_by_the_server_itself(tmp_path):
    """Waitress refuses a body over the upload limit before the app (or a temp file) sees it."""
    import shutil
    import socket
    import tempfile

    from tests.live import start_server
    proc, url = start_server({"ZHUJI_MAP_MAX_UPLOAD_MB": "1"})
    try:
        host, port = url.removeprefix("http://").split(":")
        free = shutil.disk_usage(tempfile.gettempdir()).free
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.sendall(b"POST /api/projects/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                      b"Content-Length: 52428800\r\n\r\n" + b"x" * 65536)
            answer = s.recv(4096).decode("latin-1")
        assert answer.split(" ")[1] in ("401", "413"), answer[:200]
        assert free - shutil.disk_usage(tempfile.gettempdir()).free < 10 * 2**20     # nothing buffered to disk
    finally:
        proc.terminate()
        proc.wait(10)


def test_no_token_material_in_the_audit_trail(tmp_path):
    import hashlib
    import re
    app = server.create_app({"data_dir": tmp_path, "token": TOKEN})
    c = app.test_client()
    post(c, csv_bytes([["T1", "审计", *FENGQIAO, "", "", "", "", ""]]), "t.csv")
    from web.users import Users
    Users(app.extensions["zhuji"].store.engine).add("root", "a-long-password-1", role="admin", display_name="管理员")
    login = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    c.post("/login", data={"username": "root", "password": "a-long-password-1", "csrf_token": csrf})
    text = c.get("/api/audit").get_data(as_text=True)
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    assert "import" in text and TOKEN not in text
    assert not any(digest[i:i + 8] in text for i in range(57))
    assert not re.search(r"[0-9a-f]{12,}", text), "no hash-like strings in the audit answer"


@pytest.mark.postgis
def test_a_write_waiting_on_a_postgis_lock_gives_up_with_409_and_stores_nothing(postgis_url, tmp_path, monkeypatch):
    """Another writer (another host, or a GIS technician's open edit) holds the lock: the import waits
    lock_timeout, then answers 409 with the reason; nothing of it is stored."""
    import psycopg

    from geo.projects import store as store_module
    from geo.projects.store import ADVISORY_LOCK, Store
    Store(postgis_url).clear()
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_MS", 300)
    c = server.create_app({"token": TOKEN, "database_url": postgis_url, "data_dir": tmp_path}).test_client()
    with psycopg.connect(postgis_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK,))
        r = post(c, csv_bytes([["L1", "锁等待", *FENGQIAO, "", "", "", "", ""]]), "l.csv")
    body = r.get_json()
    assert r.status_code == 409 and "暂时被占用" in body["zh"] and "nothing was stored" in body["en"]
    assert Store(postgis_url).count() == 0
    assert post(c, csv_bytes([["L1", "锁等待", *FENGQIAO, "", "", "", "", ""]]), "l.csv").status_code == 200   # released
