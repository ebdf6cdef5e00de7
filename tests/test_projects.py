"""Project import over HTTP against SQLite and PostGIS: formats, bad input, auth, joins, atomicity."""
import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

import geo
import server
from geo.datum import wgs84_to_bd09, wgs84_to_gcj02

TOKEN = "test-editor-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FENGQIAO = (120.41519, 29.79038)
HEADER = ["编号", "项目名称", "经度", "纬度", "所在镇街", "领域", "总投资（亿元）", "建设状态", "年份"]


@pytest.fixture
def app(store_url):
    return server.create_app({"token": TOKEN, "database_url": store_url, "max_upload_mb": 2, "max_rows": 5000})


@pytest.fixture
def client(app):
    return app.test_client()


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(client, content, name="projects.csv", headers=AUTH, **form):
    """As a script would: the coordinates' system stated (WGS84 unless said otherwise), the list's year 2026."""
    form = {"datum": "wgs84", "year": "2026", **form}
    form = {k: v for k, v in form.items() if v is not None}
    return client.post("/api/projects/import", data={"file": (io.BytesIO(content), name), **form}, headers=headers)


def accounted(r, received):
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["imported"] + len(body["rejected"]) == received == body["received"]
    return body


def stored(client):
    return client.get("/api/layers/projects.geojson").get_json()["features"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(client, encoding):
    body = accounted(upload(client, csv_bytes([["P1", "枫桥镇文旅项目", *FENGQIAO, "枫桥镇", "文化旅游融合", "3.5", "在建", "2026"]],
                                              encoding=encoding)), 1)
    assert body["imported"] == 1 and body["rejected"] == []
    p = stored(client)[0]["properties"]
    assert p["name"] == "枫桥镇文旅项目" and p["town_name"] == "枫桥镇" and p["sector"] == "文化旅游融合"
    assert p["investment"] == 3.5 and p["year"] == 2026 and p["project_id"] == "P1"


def test_english_headers_and_synonyms(client):
    content = csv_bytes([["Pearl hub", "120.35296", "29.85668", "Shanxiahu", "先进制造", "1,200"]],
                        header=["name", "lng", "lat", "town", "sector", "investment"])
    body = accounted(upload(client, content), 1)
    p = stored(client)[0]["properties"]
    assert p["town_name"] == "山下湖镇" and p["sector"] == "先进制造业基地" and p["investment"] == 1200
    assert any("Shanxiahu" in w["message"] for w in body["warnings"])     # unknown town text, point decides


def test_xlsx_first_sheet_values_never_formulas(client, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["X1", "店口铜产业项目", 120.35087, 29.94017, "店口镇", "先进制造业基地", 12.5, "在建", 2026])
    ws.append(["X2", "公式项目", 120.35087, 29.94017, "店口镇", "先进制造业基地", "=B2&\"x\"", "前期", 2027])
    wb.create_sheet("其他").append(["ignored"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    accounted(upload(client, path.read_bytes(), "p.xlsx"), 2)
    props = {f["properties"]["project_id"]: f["properties"] for f in stored(client)}
    assert props["X1"]["investment"] == 12.5 and props["X1"]["town_name"] == "店口镇"
    assert "X2" in props and props["X2"]["investment"] is None      # a formula is never taken as a value
    assert not any(str(v).startswith("=") for p in props.values() for v in p.values())


def test_geojson_points_and_polygons(client):
    x, y = FENGQIAO
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"项目名称": "点项目", "领域": "民生设施"},
         "geometry": {"type": "Point", "coordinates": [x, y]}},
        {"type": "Feature", "properties": {"name": "面项目"},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + .01, y], [x + .01, y + .01], [x, y + .01], [x, y]]]}}]}
    accounted(upload(client, json.dumps(doc, ensure_ascii=False).encode(), "p.geojson"), 2)
    props = {f["properties"]["name"]: f["properties"] for f in stored(client)}
    assert props["面项目"]["geometry_wkt"].startswith("POLYGON")
    assert x < props["面项目"]["lon"] < x + .01 and props["点项目"]["geometry_wkt"] in ("", None)


def test_every_bad_row_is_explained_and_counted(client):
    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(*FENGQIAO)
    rows = [
        ["B1", "", *FENGQIAO, "", "", "", "", ""],                               # blank name
        ["B2", "市外项目", "121.2", "29.9", "", "", "", "", ""],                  # outside Zhuji
        ["B3", "错误数字", "东经120", "29.7", "", "", "", "", ""],                # not a number
        ["B4", "无坐标无镇", "", "", "", "", "", "", ""],                         # nothing to locate by
        ["B5", "无坐标错镇", "", "", "不存在镇", "", "", "", ""],                  # unknown town
        ["B6", "米制坐标", f"{e:.2f}", f"{n:.2f}", "", "", "", "", ""],        # metres, but WGS84 was stated
        ["B7", "负投资", *FENGQIAO, "", "", "-3", "", ""],
        ["B8", "只有经度", "120.4", "", "", "", "", "", ""],
        ["S1", "填反", str(FENGQIAO[1]), str(FENGQIAO[0]), "", "", "", "", ""],  # swapped → fixed
        ["T1", "按镇定位", "", "", "次坞镇", "", "", "", ""],                     # → seat, located_by=town
        ["T1", "重复编号", *FENGQIAO, "", "", "", "", ""],                       # duplicate id
    ]
    body = accounted(upload(client, csv_bytes(rows)), len(rows))
    reasons = {r["row"]: r["reason"] for r in body["rejected"]}
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9, 12}
    assert "项目名称为空" in reasons[2] and "project name is blank" in reasons[2]
    assert "诸暨市域外" in reasons[3] and "outside Zhuji" in reasons[3]
    assert "东经120" in reasons[4] and "经度" in reasons[4]
    assert "没有坐标" in reasons[5] and "不存在镇" in reasons[6]
    assert "平面坐标" in reasons[7] and "gk" in reasons[7] and "负" in reasons[8] and "只填了一个" in reasons[9]
    assert "与第11行重复" in reasons[12] and "duplicate of row 11" in reasons[12]
    assert {r["row"]: r["column"] for r in body["rejected"]}[4] == "经度"      # the officer's own column
    warns = " ".join(w["message"] for w in body["warnings"])
    assert "swapped" in warns and "（次坞镇）驻地示意" in warns
    props = {f["properties"]["project_id"]: f["properties"] for f in stored(client)}
    assert props["S1"]["lon"] == pytest.approx(FENGQIAO[0]) and props["S1"]["town_name"] == "枫桥镇"
    assert props["T1"]["located_by"] == "town" and props["T1"]["town_name"] == "次坞镇"
    assert props["T1"]["accuracy"] == "镇街驻地示意（非项目位置）" and props["S1"]["accuracy"] == "上报坐标（WGS84）"
    assert props["T1"]["corridor_distance_m"] is None          # a seat is not the site: no distance pretended
    # the rejected rows come back as a CSV to fix and re-upload
    rej = client.get(body["rejected_csv"])
    text = rej.data.decode("utf-8-sig")
    assert rej.data.startswith(b"\xef\xbb\xbf") and "市外项目" in text and text.count("\r\n") == 1 + 9


def test_a_list_checked_in_parts_gives_what_it_gives_in_one_piece(data, monkeypatch):
    """A long list is located, checked and joined CHUNK rows at a time (memory): rows repeating a row of an
    earlier part are still refused, and every accepted row, reason and warning is as in one piece."""
    from geo.projects import ImportOptions, import_file, pipeline
    rows = [["R1", "重复名", *FENGQIAO, "", "交通", "1", "前期", ""],
            ["R2", "", *FENGQIAO, "", "", "", "", ""],
            ["R3", "按镇定位", "", "", "次坞镇", "", "", "", ""],
            ["R4", "填反", str(FENGQIAO[1]), str(FENGQIAO[0]), "", "某领域", "2", "规划中", "2025"],
            ["R5", "跨镇", "", "", "枫桥镇、次坞镇", "", "", "", ""],
            ["R1", "重复编号", *FENGQIAO, "", "", "", "", ""],
            ["", "重复名", "120.2", "29.7", "", "", "", "", ""],
            ["", "重复名", "120.21", "29.71", "", "", "", "", ""],
            ["R9", "年份错", *FENGQIAO, "", "", "", "", "二〇二六"],
            ["R3", "重复编号在后", "", "", "店口镇", "", "-1", "", ""]]
    content = csv_bytes(rows)

    def run(chunk):
        monkeypatch.setattr(pipeline, "CHUNK", chunk)
        return import_file("p.csv", content, data, options=ImportOptions(datum="wgs84", year=2026, isolate=False))
    whole, parts = run(100_000), run(3)
    assert [r["row"] for r in parts.rejected] == [3, 7, 9, 10, 11] and "与第2行重复" in parts.rejected[1]["reason"]
    assert parts.rejected == whole.rejected and parts.warnings == whole.warnings
    pd.testing.assert_frame_equal(parts.accepted, whole.accepted)
    assert len(parts.accepted) == 5 and parts.accepted["warnings"].str.len().gt(0).sum() >= 3
    monkeypatch.setattr(pipeline, "MAX_RUNS", 0)                  # every row picked, none sliced: the same
    pd.testing.assert_frame_equal(run(100_000).accepted, whole.accepted)


def test_runs_of_accepted_rows_share_the_texts_as_read_and_rows_refused_are_left_out():
    """A part's accepted rows are taken as slices where they run together: the texts are the list's own
    buffers, not a copy (1,000,000 rows: ≈100 MB less); the values are those picked one by one."""
    from geo.projects.pipeline import MAX_RUNS, _picker

    def buffer(s):
        return [c.buffers()[2].address for c in s.array.__arrow_array__().chunks]
    file = pd.Series([f"项目{i}" for i in range(200)], dtype="str")            # a column of the whole file
    part = file.iloc[100:150]                                                 # a part of it, as prepare cuts it
    ok = np.ones(50, dtype=bool)
    ok[[3, 4, 20]] = False
    for column in (part, file):
        taken = _picker(part.index, ok)(column)
        assert taken.tolist() == part[ok].tolist() and list(taken.index) == list(part.index[ok])
        assert set(buffer(taken)) == set(buffer(file))                       # shared, not copied
    numbers = pd.Series(np.arange(200.0))                                     # numbers are picked: the same values
    assert _picker(part.index, ok)(numbers).tolist() == numbers[part.index[ok]].tolist()
    scattered = np.arange(50) % 2 == 0                                        # more runs than MAX_RUNS
    assert (scattered[:-1] != scattered[1:]).sum() > MAX_RUNS
    assert _picker(part.index, scattered)(file).tolist() == part[scattered].tolist()
    assert _picker(part.index, np.zeros(50, dtype=bool))(part).empty


def test_datum_field_gcj02_bd09_and_gauss_kruger_in_whole_metres(client):
    gx, gy = wgs84_to_gcj02(np.array([FENGQIAO[0]]), np.array([FENGQIAO[1]]))
    accounted(upload(client, csv_bytes([["D1", "高德坐标", f"{gx[0]:.7f}", f"{gy[0]:.7f}", "", "", "", "", ""]]),
                     datum="GCJ-02"), 1)
    bx, by = wgs84_to_bd09(FENGQIAO[0], FENGQIAO[1])
    accounted(upload(client, csv_bytes([["D2", "百度坐标", f"{bx:.7f}", f"{by:.7f}", "", "", "", "", ""]]), datum="BD-09"), 1)
    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(*FENGQIAO)
    accounted(upload(client, csv_bytes([["D3", "高斯整米", str(round(e)), str(round(n)), "", "", "", "", ""],
                                        ["D4", "带号", str(40_000_000 + round(e)), str(round(n)), "", "", "", "", ""]]),
                     datum="gk"), 2)
    p = {f["properties"]["project_id"]: f["properties"] for f in stored(client)}
    for pid, system in (("D1", "GCJ-02"), ("D2", "BD-09")):
        assert abs(p[pid]["lon"] - FENGQIAO[0]) < 1e-6 and abs(p[pid]["lat"] - FENGQIAO[1]) < 1e-6, pid
        assert system in p[pid]["accuracy"] and "已转换" in p[pid]["accuracy"]
    for pid in ("D3", "D4"):                                   # whole metres: within a metre of the point
        assert abs(p[pid]["lon"] - FENGQIAO[0]) < 1e-5 and abs(p[pid]["lat"] - FENGQIAO[1]) < 1e-5, pid
    r = upload(client, csv_bytes([["D5", "x", *FENGQIAO, "", "", "", "", ""]]), datum="Beijing54")
    assert r.status_code == 400 and "Beijing54" in r.get_json()["description"]
    r = upload(client, csv_bytes([["D6", "x", *FENGQIAO, "", "", "", "", ""]]), datum=None)
    assert r.status_code == 400 and r.get_json()["field"] == "datum" and "GCJ-02" in r.get_json()["zh"]


def test_join_results_at_every_town_seat(client):
    data = geo.load()
    rows = [[f"S{t.code}", f"{t.short_name}驻地项目", t.seat_lon, t.seat_lat, "", "", "", "", ""] for t in data.towns.itertuples()]
    accounted(upload(client, csv_bytes(rows)), 23)
    props = {f["properties"]["project_id"]: f["properties"] for f in stored(client)}
    for t in data.towns.itertuples():
        p = props[f"S{t.code}"]
        assert p["town_code"] == t.code, t.name
        assert p["cluster"] == t.clusters
    dk = props["S330681104"]                       # 店口镇
    assert "临杭产业园区" in dk["zones"] and dk["cluster"] == "白塔望优共富片区"
    fq = props["S330681109"]                       # 枫桥镇: the E–W axis and S211 pass its seat (each in its lane)
    assert fq["axis_branch"] == "枫桥经验" and fq["axis_distance_m"] <= 500 and fq["corridor_distance_m"] <= 500
    zj = props["S330681110"]                       # 赵家镇: off the axis, some km away
    assert zj["axis_distance_m"] > 1000 and zj["corridor_name"]


def test_reimport_does_not_duplicate(client):
    content = csv_bytes([["R1", "甲", *FENGQIAO, "", "", "", "", ""], ["", "乙", *FENGQIAO, "", "", "", "", ""]])
    first = accounted(upload(client, content), 2)
    again = accounted(upload(client, content), 2)
    assert first["inserted"] == 2 and again["inserted"] == 0 and again["updated"] == 2 and "replaced" in again["note"]
    assert len(stored(client)) == 2


def test_auth_no_token_wrong_token_and_nothing_changes(client, app):
    content = csv_bytes([["A1", "甲", *FENGQIAO, "", "", "", "", ""]])
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        r = upload(client, content, headers=headers)
        assert r.status_code == 401 and "Bearer" in r.get_json()["description"]
        assert client.post("/api/projects", json={"name": "x", "town": "枫桥"}, headers=headers).status_code == 401
        assert client.delete("/api/projects/2026/id:A1", headers=headers).status_code == 401
    assert stored(client) == [] and app.extensions["zhuji"].store.audit_log() == []
    assert client.get("/api/projects/summary").status_code == 200           # reads are open


def test_writes_disabled_without_configured_token(store_url):
    c = server.create_app({"database_url": store_url, "token": ""}).test_client()
    r = upload(c, csv_bytes([["A1", "甲", *FENGQIAO, "", "", "", "", ""]]), headers={"Authorization": "Bearer "})
    assert r.status_code == 401 and "ZHUJI_MAP_TOKEN" in r.get_json()["description"]


def test_audit_records_every_write(client, app):
    accounted(upload(client, csv_bytes([["A1", "甲", *FENGQIAO, "", "", "", "", ""]])), 1)
    r = client.post("/api/projects", json={"id": "A2", "name": "乙", "lon": FENGQIAO[0], "lat": FENGQIAO[1],
                                           "datum": "wgs84", "year": 2026}, headers=AUTH)
    assert r.status_code == 201
    r = client.put("/api/projects/2026/id:A2", json={"id": "A2", "name": "乙（改）", "town": "赵家"}, headers=AUTH)
    assert r.status_code == 200 and r.get_json()["project"]["town_name"] == "赵家镇"
    assert client.delete("/api/projects/2026/id:A1", headers=AUTH).status_code == 200
    assert client.delete("/api/projects/2026/id:A1", headers=AUTH).status_code == 404
    log = app.extensions["zhuji"].store.audit_log()
    assert [a["action"] for a in log] == ["delete", "edit", "create", "import"]
    assert {a["actor"] for a in log} == {"bootstrap-token"} and log[-1]["rows"] == 1
    assert TOKEN not in str(log)                               # no token material in the trail
    bad = client.post("/api/projects", json={"name": "外", "lon": 121.5, "lat": 29.9, "datum": "wgs84"}, headers=AUTH)
    assert bad.status_code == 400 and "outside Zhuji" in bad.get_json()["description"]


def test_interrupted_import_leaves_nothing_half_written(client, app, monkeypatch):
    import geo.projects.staging as gs
    store = app.extensions["zhuji"].store
    accounted(upload(client, csv_bytes([["K1", "已有项目", *FENGQIAO, "", "", "", "", ""]])), 1)
    monkeypatch.setattr(gs, "BATCH", 10)
    calls = {"n": 0}

    def failing_on_third(real):
        def failing(*args, **kw):
            calls["n"] += 1
            if calls["n"] == 3:                    # after 20 of the 51 rows are staged
                raise RuntimeError("disk full (simulated)")
            return real(*args, **kw)
        return failing

    # the rows are staged in Arrow blocks (SQLite: into a side file before the write; PostGIS: COPY inside it)
    monkeypatch.setattr(gs, "arrow_block", failing_on_third(gs.arrow_block))
    rows = [[f"N{i}", f"新项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(50)] + \
           [["K1", "已有项目（改）", *FENGQIAO, "", "", "", "", ""]]
    r = upload(client, csv_bytes(rows))
    assert r.status_code == 500 and "nothing was stored" in r.get_json()["description"]
    after = stored(client)
    assert len(after) == 1 and after[0]["properties"]["name"] == "已有项目"
    assert [a["action"] for a in store.audit_log()] == ["import"]


def test_limits(client):
    big = csv_bytes([[f"L{i}", "x" * 200, *FENGQIAO, "", "", "", "", ""] for i in range(12000)])
    r = upload(client, big)
    assert r.status_code == 413 and "MB" in r.get_json()["description"]
    many = csv_bytes([[f"M{i}", f"项目{i}", *FENGQIAO, "", "", "", "", ""] for i in range(5001)])
    r = upload(client, many)
    assert r.status_code == 400 and "5001" in r.get_json()["description"] and "5000" in r.get_json()["description"]
    for bad, name in ((b"\x00\x01garbage", "p.xlsx"), (b"not json", "p.geojson"), (b"a;b", "p.doc"),
                      (csv_bytes([["1"]], header=["序号"]), "p.csv")):
        r = upload(client, bad, name)
        assert r.status_code == 400 and r.get_json()["description"], name
    assert client.post("/api/projects/import", headers=AUTH).status_code == 400
    assert stored(client) == []


def excel_gbk_139():
    """A 139-row list as Excel in China saves 'CSV (逗号分隔)': GBK, CRLF, Chinese headers."""
    data = geo.load()
    rows, n = [], 0
    rng = np.random.default_rng(7)
    for sector, count in zip(data.investment["sector"], data.investment["projects"].astype(int)):
        for k in range(count):
            t = data.towns.iloc[n % 23]
            n += 1
            rows.append([f"ZJ-2026-{n:03d}", f"{t.short_name}{sector}重大项目{k + 1}",
                         f"{float(t.seat_lon) + rng.uniform(-.005, .005):.6f}",
                         f"{float(t.seat_lat) + rng.uniform(-.005, .005):.6f}", t.name, sector, f"{rng.uniform(1, 40):.2f}",
                         ["在建", "新开工", "前期"][n % 3], "2026"])
    rows[5][1] = '<script>alert("x")</script>诸暨项目'
    return csv_bytes(rows, encoding="gbk")


def test_139_row_gbk_csv_in_one_step(client):
    body = accounted(upload(client, excel_gbk_139(), "2026年重大项目.csv"), 139)
    assert body["imported"] == 139 and body["rejected"] == []
    assert len(stored(client)) == 139
    s = client.get("/api/projects/summary").get_json()
    assert s["total"]["projects"] == 139 == s["total"]["plan_projects"]
    assert all(r["project_gap"] == 0 for r in s["sectors"] if r["in_plan"])
    assert sum(t["projects"] for t in s["towns"]) == 139
    page = client.get("/projects").get_data(as_text=True)
    assert "139" in page and "交通强省" in page
    town = client.get("/towns/330681109").get_data(as_text=True)        # the town page lists its projects
    assert "town-projects" in town and "枫桥先进制造业基地重大项目11" in town
    assert "&lt;script&gt;" in client.get("/towns/330681102").get_data(as_text=True)   # row 7 is in 应店街, escaped


def test_token_and_data_dir_from_the_config_file(tmp_path, monkeypatch):
    cfg = tmp_path / "zhuji-map.toml"
    cfg.write_text(f'token = "from-config"\ndata_dir = "{tmp_path / "store"}"\n', encoding="utf-8")
    monkeypatch.setenv("ZHUJI_MAP_CONFIG", str(cfg))
    monkeypatch.delenv("ZHUJI_MAP_TOKEN", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    c = server.create_app().test_client()
    r = upload(c, csv_bytes([["C1", "甲", *FENGQIAO, "", "", "", "", ""]]), headers={"Authorization": "Bearer from-config"})
    assert r.status_code == 200 and r.get_json()["imported"] == 1
    assert (tmp_path / "store" / "projects.sqlite").exists()            # created on first start
    import sqlite3
    assert sqlite3.connect(tmp_path / "store" / "projects.sqlite").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_point_outside_zhuji_is_quoted_as_typed(client):
    typed = ("120.159695", "30.271671")                   # GCJ-02 from Gaode: 杭州, not 诸暨
    body = accounted(upload(client, csv_bytes([["O1", "杭州取点", *typed, "", "", "", "", ""]]), datum="gcj02"), 1)
    reason = body["rejected"][0]["reason"]
    assert "120.159695, 30.271671" in reason and "诸暨市域外" in reason
    assert reason.index("120.159695") < reason.index("WGS84")        # as typed first, the converted values after
    swapped = accounted(upload(client, csv_bytes([["O2", "填反", typed[1], typed[0], "", "", "", "", ""]]),
                               datum="gcj02"), 1)
    assert "30.271671, 120.159695" in swapped["rejected"][0]["reason"]   # the cells as the officer filled them


def test_the_configured_row_limit_holds_beyond_the_default(data):
    """max_rows from the configuration is the limit at every step, above the built-in 200,000 too."""
    from geo.projects import ImportOptions, Limits, import_file
    n = 200_001
    body = "编号,项目名称,经度,纬度\r\n" + "".join(f"M{i},项目{i},120.41519,29.79038\r\n" for i in range(n))
    opts = ImportOptions(datum="wgs84", year=2026, limits=Limits(max_rows=n, max_bytes=2**26))
    assert len(import_file("m.csv", body.encode(), data, options=opts).accepted) == n


@pytest.mark.parametrize("cells", [["12", "", "1e3", "-0.5", ".5", "5.", "120.4151900", "nan", "inf", "-0"],
                                   ["12", " 7 ", "abc", "", "1,5", "三", "0x10", "1_000", "+3"]])
def test_numbers_are_read_as_pandas_reads_them_on_the_fast_path_and_off_it(cells):
    """values.to_floats casts a clean column with Arrow at once and gives anything else to pandas:
    either way each cell reads as ``pd.to_numeric(errors="coerce")`` reads it (a blank: missing)."""
    from geo.projects.values import to_floats
    col = pd.Series(cells * 3, dtype="str", index=range(5, 5 + 3 * len(cells)))
    got = to_floats(col)
    expected = pd.to_numeric(col.replace("", np.nan), errors="coerce").astype(float)
    assert got.dtype == float and got.index.equals(col.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
