"""The Flask service through its HTTP interface (test client), and the real start command."""
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import geo
import server
from layers import VIEWS
from tests.conftest import REPO


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return server.create_app({"data_dir": tmp_path_factory.mktemp("store")}).test_client()


def test_no_app_built_at_import():
    assert not hasattr(server, "app") and callable(server.create_app)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_view_and_language(client, view, lang):
    r = client.get(f"/?view={view}&lang={lang}")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    groups = ["规划结构", "行政区划", "交通", "共同富裕", "产业与科创"] if lang == "zh" else \
             ["Plan structure", "Administrative units", "Transport", "Common prosperity", "Industry"]
    for g in groups:                        # layer-control groups (JSON-escaped in the script)
        assert json.dumps(g)[1:-1] in html or g in html
    cfg = page_config(html)
    assert cfg["view"] == view and cfg["lang"] == lang and cfg["visible"] == list(VIEWS[view][2])
    assert {l["id"] for l in cfg["layers"]} == set(geo.LAYER_IDS) | {"projects"}
    # offline: every asset is a local path, and every one of them is served
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if re.match(r"(https?:)?//", a)]
    for a in set(assets):
        assert client.get(a).status_code == 200, a
    assert not re.search(r"https?://(?!127\.0\.0\.1)[\w.-]+/[^\"']*\.(js|css)", html)


def page_config(html: str) -> dict:
    start = html.index("{", html.index("config: ", html.index("window.ZhujiBoot")))
    return json.JSONDecoder().raw_decode(html, start)[0]


def test_default_view_is_axis(client):
    html = client.get("/").get_data(as_text=True)
    assert '"view": "axis"' in html and '"emphasis": "axis"' in html


def test_vendor_route_serves_assets_only(client):
    assert client.get("/static/vendor/leaflet/dist/leaflet.js").status_code == 200
    assert client.get("/static/vendor/leaflet/dist/images/layers.png").status_code == 200
    assert client.get("/static/vendor/leaflet-minimap/example/example_dist.html").status_code == 404
    assert client.get("/static/vendor/leaflet/package.json").status_code == 404
    assert client.get("/static/vendor/left-pad/index.js").status_code == 404
    assert client.get("/static/package.json").status_code == 404


def test_bad_parameters_are_400_with_a_clear_message(client):
    r = client.get("/?view=roads")
    assert r.status_code == 400 and "view 参数无效" in r.get_data(as_text=True) and "expected one of" in r.get_data(as_text=True)
    assert client.get("/?lang=fr").status_code == 400
    r = client.get("/api/layers/roads.geojson")
    assert r.status_code == 404 and "roads" in r.get_json()["description"]


@pytest.mark.parametrize("layer", list(geo.LAYER_IDS))
def test_layer_geojson_cached_with_etag_and_gzip(client, layer):
    r = client.get(f"/api/layers/{layer}.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    doc = r.get_json(force=True)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    data = geo.load()
    assert len(doc["features"]) == len(data.layer(layer))
    assert all({"source", "datum", "accuracy"} <= set(f["properties"]) for f in doc["features"])
    etag = r.headers["ETag"]
    assert "max-age" in r.headers["Cache-Control"]
    assert client.get(f"/api/layers/{layer}.geojson", headers={"If-None-Match": etag}).status_code == 304
    z = client.get(f"/api/layers/{layer}.geojson", headers={"Accept-Encoding": "gzip"})
    assert z.headers["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(z.data)) == doc


def test_layer_list(client):
    rows = client.get("/api/layers").get_json()
    counts = {r["id"]: r["count"] for r in rows}
    assert counts == {"axis": 2, "zones": 6, "towns": 23, "corridors": 33, "clusters": 23, "communities": 11,
                      "projects": 0}


def test_town_page(client):
    r = client.get("/towns/330681109")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "枫桥镇" in html
    assert "创新发展平安产业、文旅产业" in html                     # 专栏10
    assert "田上枫景共富片区" in html and "中心镇" in html and ("示意" in html or "推导" in html)
    assert client.get("/towns/330681109?lang=en").status_code == 200
    assert client.get("/towns/123").status_code == 404


def test_indicators_page(client):
    html = client.get("/indicators").get_data(as_text=True)
    body = html.split('id="indicators"')[1].split("</table>")[0]
    assert body.count("<tr data-no=") == 27           # 26 indicators (no. 12 has two rows)
    assert "粮食综合生产能力" in body and "约束性" in body
    inv = html.split('id="investment"')[1]
    assert "139" in inv and "3006" in inv and "1670" in inv
    j = client.get("/api/indicators.json").get_json()
    assert len({r["no"] for r in j["indicators"]}) == 26


def test_user_text_is_escaped_on_server_pages(data_copy):
    plan, bounds = data_copy
    csv = (plan / "towns.csv").read_text(encoding="utf-8")
    csv = csv.replace("擦亮“大唐袜业”区域公共品牌", "<script>alert(1)</script>擦亮", 1)
    (plan / "towns.csv").write_text(csv, encoding="utf-8")
    c = server.create_app({"plan_dir": plan, "boundaries_dir": bounds, "data_dir": plan.parent}).test_client()
    html = c.get("/towns/330681005").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_basemaps_are_optional_and_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHUJI_MAP_DATA_DIR", str(tmp_path))
    with pytest.raises(geo.DataError, match="key"):
        server.create_app({"basemap": "tianditu"})
    with pytest.raises(geo.DataError, match="unknown basemap"):
        server.create_app({"basemap": "bing"})
    html = server.create_app({"basemap": "tianditu", "tianditu_key": "K123"}).test_client().get("/").get_data(as_text=True)
    assert "tianditu.gov.cn" in html and "tk=K123" in html and '"gcj02": false' in html
    html = server.create_app({"basemap": "gaode"}).test_client().get("/").get_data(as_text=True)
    assert "autonavi" in html and '"gcj02": true' in html


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_command_serves_over_http(tmp_path):
    port = free_port()
    proc, log = _start([sys.executable, "server.py", "--port", str(port)], tmp_path)
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/healthz", proc, log)
        assert json.loads(body)["layers"]["towns"] == 23
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/").read().decode()
        assert "window.ZhujiBoot" in page and "/static/js/main.js" in page
    finally:
        proc.terminate()
        proc.wait(10)


def _start(cmd, data_dir, **env_extra):
    """A server process on the repository, its data in ``data_dir``, its log in a file (a pipe nobody reads
    fills up and blocks the server)."""
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": str(data_dir), **env_extra}
    env.pop("DATABASE_URL", None)
    log = data_dir / "server.log"
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT), log


def test_the_readmes_granian_command_serves_reads_and_writes(tmp_path):
    """The production line of the README, as written (host and port made local): pages, OGC items and a
    token import over real HTTP, through granian's workers."""
    line = next(x for x in (REPO / "README.md").read_text(encoding="utf-8").splitlines() if x.startswith("granian "))
    port = free_port()
    args = line.split()[1:]
    args[args.index("--host") + 1], args[args.index("--port") + 1] = "127.0.0.1", str(port)
    proc, log = _start([str(Path(sys.executable).parent / "granian"), *args], tmp_path, ZHUJI_MAP_TOKEN="g")
    base = f"http://127.0.0.1:{port}"
    try:
        body = _wait_for(f"{base}/healthz", proc, log)
        assert json.loads(body)["layers"]["towns"] == 23
        items = json.loads(urllib.request.urlopen(f"{base}/ogc/collections/towns/items?limit=5").read())
        assert items["numberMatched"] == 23 and len(items["features"]) == 5
        req = urllib.request.Request(f"{base}/api/projects", method="POST", headers={
            "Content-Type": "application/json", "Authorization": "Bearer g"},
            data=json.dumps({"name": "格兰项目", "town": "枫桥镇"}).encode())
        with urllib.request.urlopen(req) as r:
            assert r.status == 201 and json.loads(r.read())["project"]["town_name"] == "枫桥镇"
    finally:
        proc.terminate()      # stops even with a worker still starting (--workers-kill-timeout)
        proc.wait(30)


def _wait_for(url, proc, log_path):
    for _ in range(150):
        try:
            return urllib.request.urlopen(url, timeout=1).read()
        except OSError:
            if proc.poll() is not None:
                pytest.fail(log_path.read_text(encoding="utf-8", errors="replace"))
            time.sleep(0.2)
    pytest.fail(log_path.read_text(encoding="utf-8", errors="replace"))


def test_map_feed_decodes_to_the_stored_projects(tmp_path):
    """The map's columnar feed: coded fields (sector, status, town, year) index their list of values, blanks
    are -1, projects without a position are left out; decoded, every row equals the stored project."""
    import io
    c = server.create_app({"data_dir": tmp_path, "token": "t"}).test_client()
    rows = "编号,项目名称,经度,纬度,所在镇街,领域,总投资（亿元）,建设状态,年份\r\n" \
           "F1,甲,120.41519,29.79038,,交通强省,12.5,在建,2026\r\nF2,乙,120.2,29.7,,民生设施,,,2027\r\n" \
           "F3,丙,120.41519,29.79038,,交通强省,3,前期,2026\r\nF4,丁,,,全市,民生设施,1,在建,2026\r\n"
    r = c.post("/api/projects/import", headers={"Authorization": "Bearer t"},
               data={"file": (io.BytesIO(rows.encode()), "f.csv"), "datum": "wgs84", "year": "2026"})
    assert r.status_code == 200, r.get_json()
    feed = c.get("/api/map/projects.json").get_json()
    stored = {f["properties"]["key"]: f for f in c.get("/api/layers/projects.geojson").get_json()["features"]}

    def value(field, i):
        v, words = feed["columns"][field][i], feed["values"].get(field)
        return v if words is None else (words[v] if v >= 0 else None)

    decoded = {value("key", i): {f: value(f, i) for f in feed["fields"]} for i in range(feed["n"])}
    assert feed["n"] == 3 and len(stored) == 4                  # F4 (全市) has no point on the map
    assert feed["values"]["sector"] == ["交通强省", "民生设施"] and feed["values"]["year"] == [2026, 2027]
    assert feed["columns"]["sector"].count(0) == 2 and feed["columns"]["investment"].count(None) == 1   # F2: no 投资
    for key, row in decoded.items():
        props = stored[key]["properties"]
        assert [row["lon"], row["lat"]] == stored[key]["geometry"]["coordinates"]
        assert {f: row[f] for f in ("name", "sector", "status", "year", "investment", "town_name")} == \
               {f: props.get(f) for f in ("name", "sector", "status", "year", "investment", "town_name")}
