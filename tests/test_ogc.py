"""OGC API – Features and downloads, read by GDAL (ogrinfo/ogr2ogr/pyogrio) as a GIS client would."""
import io
import json
import re
import shutil
import subprocess
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer

import geo
import server
from tests.live import import_projects, start_server
from tests.test_projects import excel_gbk_139
from web.ogc import api as ogc

COLLECTIONS = ["axis", "zones", "towns", "corridors", "clusters", "communities", "projects"]
C4549 = "http://www.opengis.net/def/crs/EPSG/0/4549"
C4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


def gdal(*args) -> str:
    assert shutil.which(args[0]), f"{args[0]} missing: apt-get install gdal-bin"
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def live():
    proc, url = start_server()
    assert import_projects(url, excel_gbk_139(), "p.csv")["imported"] == 139
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return server.create_app({"data_dir": tmp_path_factory.mktemp("store")}).test_client()


@pytest.fixture(scope="module")
def data():
    return geo.load()


@pytest.mark.gdal
def test_gdal_reads_every_collection_through_oapif(live):
    listing = gdal("ogrinfo", "-ro", f"OAPIF:{live}/ogc")
    for cid in COLLECTIONS:
        assert re.search(rf"\d+: {cid} \(title:", listing), cid
    expected = {"axis": 2, "zones": 6, "towns": 23, "corridors": 33, "clusters": 23, "communities": 11, "projects": 139}
    for cid, n in expected.items():
        out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live}/ogc", cid)
        assert f"Feature Count: {n}" in out, cid


@pytest.mark.gdal
def test_ogr2ogr_writes_23_towns_with_chinese_attributes(live, data, tmp_path):
    out = tmp_path / "out.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live}/ogc", "towns")
    g = gpd.read_file(out, layer="towns").set_index("code")
    assert len(g) == 23 and g.crs.to_epsg() == 4326
    assert g.loc["330681109", "name"] == "枫桥镇"
    assert g.loc["330681109", "positioning"].startswith("创新发展平安产业、文旅产业")
    ref = data.towns.set_index("code").geometry
    for code, geom in g.geometry.items():
        assert geom.hausdorff_distance(ref[code]) < 1e-6, code      # round trip within 1e-6°
    gdal("ogr2ogr", "-f", "GPKG", str(tmp_path / "p.gpkg"), f"OAPIF:{live}/ogc", "projects")
    p = gpd.read_file(tmp_path / "p.gpkg")
    assert len(p) == 139 and p["town_name"].str.endswith(("镇", "街道", "乡")).all()


@pytest.mark.gdal
@pytest.mark.parametrize("layer", COLLECTIONS)
def test_every_download_opens_in_gdal_with_the_crs_it_claims(live, layer, tmp_path, data):
    import urllib.request
    for fmt in ("geojson", "gpkg", "shp", "csv", "kml"):
        for crs in (("EPSG:4326", "EPSG:4490", "EPSG:4549") if fmt in ("gpkg", "shp", "csv") else ("EPSG:4326",)):
            url = f"{live}/api/export/{layer}.{fmt}?crs={crs}"
            resp = urllib.request.urlopen(url)
            name = re.search(r"filename=([^;]+);", resp.headers["Content-Disposition"]).group(1)
            assert name.startswith(f"zhuji-{layer}-") and (crs.replace(":", "") in name or "WGS84" in name)
            body = resp.read()
            path = tmp_path / name
            path.write_bytes(body)
            if fmt == "shp":
                z = zipfile.ZipFile(io.BytesIO(body))
                names = z.namelist()
                assert any(n.endswith(".prj") for n in names) and any(n.endswith(".cpg") for n in names)
                z.extractall(tmp_path / "shp")
                files = sorted((tmp_path / "shp").glob(f"{name[:-4]}*.shp"))
                assert (tmp_path / "shp" / files[0].with_suffix(".cpg").name).read_text().strip().upper() == "UTF-8"
            elif fmt == "csv":
                assert body.startswith(b"\xef\xbb\xbf")      # Excel opens UTF-8 with BOM
                files = [path]
            else:
                files = [path]
            total = 0
            for f in files:
                src = f"CSV:{f}" if fmt == "csv" else str(f)
                info = gdal("ogrinfo", "-ro", "-so", "-al", src)
                total += sum(int(n) for n in re.findall(r"Feature Count: (\d+)", info))
                if fmt in ("gpkg", "shp"):
                    assert pyogrio.read_info(f)["crs"] == crs, (layer, fmt, crs)
            assert total == len(data.layer(layer)) if layer != "projects" else total == 139, (layer, fmt, crs)


@pytest.mark.gdal
def test_chinese_attributes_and_coordinates_in_downloads(live, data, tmp_path):
    import urllib.request
    body = urllib.request.urlopen(f"{live}/api/export/communities.gpkg?crs=EPSG:4549").read()
    (tmp_path / "c.gpkg").write_bytes(body)
    g = gpd.read_file(tmp_path / "c.gpkg").set_index("id")
    assert g.crs.to_epsg() == 4549 and g.loc["F1", "name"] == "同山烧白酒产业带及产业社区"
    seat = data.towns.set_index("short_name").loc["同山"]
    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(float(seat.seat_lon), float(seat.seat_lat))
    assert abs(g.loc["F1"].geometry.x - e) < 0.01 and abs(g.loc["F1"].geometry.y - n) < 0.01
    shp = zipfile.ZipFile(io.BytesIO(urllib.request.urlopen(f"{live}/api/export/towns.shp?crs=EPSG:4490").read()))
    shp.extractall(tmp_path / "s")
    t = gpd.read_file(next((tmp_path / "s").glob("*.shp")))
    assert t.crs.to_epsg() == 4490 and "枫桥镇" in set(t["name"])
    gj = json.loads(urllib.request.urlopen(f"{live}/api/export/towns.geojson").read())
    assert "crs" not in gj and gj["features"][0]["geometry"]["coordinates"][0][0][0][0] > 100   # lon first


def test_download_filters(client):
    def count(q):
        r = client.get(f"/api/export/corridors.geojson?{q}")
        assert r.status_code == 200, r.get_data(as_text=True)
        return len(r.get_json()["features"])
    assert count("status=在建") == 5
    assert count("category=高速公路&status=实施") == 4
    assert count("town=枫桥") == count("town=330681109") > 0
    assert count("bbox=120.35,29.75,120.5,29.85") < 33
    assert client.get("/api/export/corridors.geojson?nosuch=1").status_code == 400
    assert client.get("/api/export/corridors.gpkg?crs=EPSG:3857").status_code == 400
    assert client.get("/api/export/corridors.dwg").status_code == 404


def test_items_paging_numbers_and_links(client):
    r = client.get("/ogc/collections/towns/items?limit=10")
    doc = r.get_json(force=True)
    assert doc["numberMatched"] == 23 and doc["numberReturned"] == 10
    seen = [f["id"] for f in doc["features"]]
    nxt = next(l["href"] for l in doc["links"] if l["rel"] == "next")
    while nxt:
        doc = client.get(nxt.replace("http://localhost", "")).get_json(force=True)
        seen += [f["id"] for f in doc["features"]]
        assert any(l["rel"] == "prev" for l in doc["links"])
        nxt = next((l["href"] for l in doc["links"] if l["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 23


def test_items_filters_bbox_crs_and_datetime(client, data):
    seat = data.towns.set_index("short_name").loc["枫桥"]
    lon, lat = float(seat.seat_lon), float(seat.seat_lat)
    doc = client.get(f"/ogc/collections/towns/items?bbox={lon - .001},{lat - .001},{lon + .001},{lat + .001}").get_json(force=True)
    assert [f["id"] for f in doc["features"]] == ["330681109"]
    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(lon, lat)
    q = f"bbox={n - 50},{e - 50},{n + 50},{e + 50}&bbox-crs={C4549}"            # northing first, as EPSG:4549 says
    assert [f["id"] for f in client.get(f"/ogc/collections/towns/items?{q}").get_json(force=True)["features"]] == ["330681109"]
    r = client.get(f"/ogc/collections/communities/items/F1?crs={C4549}")
    assert r.headers["Content-Crs"] == f"<{C4549}>"
    tong = data.towns.set_index("short_name").loc["同山"]
    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(float(tong.seat_lon), float(tong.seat_lat))
    assert r.get_json(force=True)["geometry"]["coordinates"] == pytest.approx([n, e], abs=0.002)
    r = client.get(f"/ogc/collections/communities/items/F1?crs={C4490}")
    assert r.get_json(force=True)["geometry"]["coordinates"] == pytest.approx([float(tong.seat_lat), float(tong.seat_lon)], abs=1e-7)
    assert client.get("/ogc/collections/towns/items?datetime=2026-01-01T00:00:00Z/..").status_code == 200
    assert client.get("/ogc/collections/corridors/items?status=研究").get_json(force=True)["numberMatched"] == 4
    for bad in ("limit=0", "limit=x", "offset=-1", "bbox=1,2,3", "crs=EPSG:3857", "bbox-crs=x&bbox=1,2,3,4",
                "datetime=yesterday", "nosuch=1", "f=xml"):
        r = client.get(f"/ogc/collections/towns/items?{bad}")
        assert r.status_code == 400 and r.get_json()["description"], bad
    assert client.get("/ogc/collections/nosuch/items").status_code == 404
    assert client.get("/ogc/collections/towns/items/999").status_code == 404


def test_http_caching_gzip_and_streaming(client, monkeypatch):
    r = client.get("/ogc/collections/towns/items?limit=5")
    assert client.get("/ogc/collections/towns/items?limit=5", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert "max-age" in r.headers["Cache-Control"]
    z = client.get("/ogc/collections/towns/items?limit=5", headers={"Accept-Encoding": "gzip"})
    import gzip
    assert z.headers["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(z.data)) == r.get_json(force=True)
    monkeypatch.setattr(ogc, "STREAM_ABOVE", 5)
    s = client.get("/ogc/collections/towns/items?limit=20")
    assert s.is_streamed and len(json.loads(s.get_data())["features"]) == 20
    html = client.get("/ogc/collections/towns/items?f=html").get_data(as_text=True)
    assert "暨阳街道" in html and "<table>" in html


def test_openapi_document_validates(client):
    from openapi_spec_validator import validate
    doc = client.get("/ogc/api").get_json(force=True)
    validate(doc)
    assert "/ogc/collections/projects/items" in doc["paths"] and doc["servers"][0]["url"] == "http://localhost"


def test_landing_and_conformance(client):
    land = client.get("/ogc").get_json(force=True)
    rels = {l["rel"] for l in land["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = client.get("/ogc/conformance").get_json(force=True)["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    cols = client.get("/ogc/collections").get_json(force=True)["collections"]
    assert [c["id"] for c in cols] == COLLECTIONS
    assert all(C4549 in c["crs"] and C4490 in c["crs"] for c in cols)


def test_cli_export_same_options(tmp_path, data):
    import sys

    from tests.conftest import REPO
    out = tmp_path / "c.gpkg"
    r = subprocess.run([sys.executable, "cli.py", "export", "corridors", "--format", "gpkg", "--crs", "epsg:4549",
                        "--where", "status=在建", "-o", str(out)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    g = gpd.read_file(out)
    assert g.crs.to_epsg() == 4549 and len(g) == 5 and set(g["status"]) == {"在建"}
    r = subprocess.run([sys.executable, "cli.py", "export", "towns", "--town", "不存在", "-o", str(tmp_path / "x")],
                       cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 1 and "不存在" in r.stderr and "no town" in r.stderr


def test_collection_page_tells_a_gis_technician_what_to_do(client):
    html = client.get("/ogc/collections/towns?f=html").get_data(as_text=True)
    assert "23个镇街及专栏10功能定位" in html and "derived polygons" not in html          # Chinese UI, Chinese words
    assert "CGCS2000 高斯-克吕格 3°带 中央经线120°（EPSG:4549）" in html
    for fmt in ("gpkg", "shp", "csv"):
        for code in ("4490", "4549"):
            assert f'href="/api/export/towns.{fmt}?crs=EPSG:{code}"' in html
    assert "添加WFS/OGC API要素图层" in html
    landing = client.get("/ogc?f=html").get_data(as_text=True)
    assert "this document" not in landing and "接口说明（OpenAPI）" in landing
    assert client.get("/ogc/collections/towns").get_json()["description_en"].startswith("23 towns")


def test_cgcs2000_files_name_their_wgs84_attributes_and_open_in_older_gis(client, tmp_path):
    import sqlite3
    (tmp_path / "t.gpkg").write_bytes(client.get("/api/export/towns.gpkg?crs=EPSG:4549").data)
    fields = list(pyogrio.read_info(tmp_path / "t.gpkg")["fields"])
    assert "source_datum" in fields and "datum" not in fields
    with sqlite3.connect(tmp_path / "t.gpkg") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200       # GeoPackage 1.2
    (tmp_path / "w.gpkg").write_bytes(client.get("/api/export/towns.gpkg?crs=EPSG:4326").data)
    assert "datum" in list(pyogrio.read_info(tmp_path / "w.gpkg")["fields"])   # WGS84 file: the name is true


def test_project_pages_from_database_rows_equal_the_layer_download(tmp_path):
    """OGC pages of projects are written straight from the database rows; every feature equals the one the
    layer download (built from frames) gives — blanks, numbers, times and provenance alike."""
    c = server.create_app({"data_dir": tmp_path, "token": "t"}).test_client()
    rows = ("编号,项目名称,经度,纬度,所在镇街,领域,总投资（亿元）,建设状态,年份\r\n"
            "R1,甲,120.41519,29.79038,,交通强省,12.5,在建,2026\r\nR2,乙,120.2,29.7,,,,,\r\n"
            "R3,丙,,,枫桥镇,民生设施,0.1,前期,2027\r\n")
    r = c.post("/api/projects/import", headers={"Authorization": "Bearer t"},
               data={"file": (io.BytesIO(rows.encode()), "r.csv"), "datum": "wgs84", "year": "2026"})
    assert r.status_code == 200, r.get_json()
    page = c.get("/ogc/collections/projects/items?limit=10").get_json()["features"]
    layer = {f["properties"]["key"]: f for f in c.get("/api/layers/projects.geojson").get_json()["features"]}
    assert len(page) == 3
    for f in page:
        want = layer[f["id"]]
        assert f["geometry"] == want["geometry"]
        assert f["properties"] == {k: v for k, v in want["properties"].items() if k != "extra"}
