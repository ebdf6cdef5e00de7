"""The project officer's workbench over HTTP: accounts, sessions, CSRF, tokens, preview and commit,
every column kept, several towns and the whole city, lists by year with replace and roll back."""
import datetime as dt
import io
import re
import subprocess
import sys

import openpyxl
import pytest

import server
from tests.conftest import REPO
from tests.test_projects import FENGQIAO, csv_bytes

PASSWORD = "officer-pass-123"
LIST_HEADER = ["序号", "项目名称", "所在镇街", "建设地点", "领域", "总投资（万元）", "2026年计划投资（万元）", "责任单位", "建设性质"]


def officer_list(rows=None) -> bytes:
    """A 2026 list as it comes from the office: a title, a 单位 line, the header, a 合计 row; GBK."""
    rows = rows or [
        ["1", "杜黄新村田园综合体", "枫桥镇", "枫桥镇杜黄新村", "农业农村优先", "32000", "11000", "枫桥镇人民政府", "新建"],
        ["2", "枫江村珍珠小镇", "", "山下湖镇枫江村", "文化旅游融合", "50000", "20000", "山下湖镇人民政府", "续建"],
        ["3", "浦阳江综合治理", "店口镇、姚江镇", "", "水网安澜提升", "120000", "30000", "市水利局", "续建"],
        ["4", "全市智慧路灯", "全市", "", "民生设施", "25000", "8000", "市建设局", "新建"],
        ["5", "=HYPERLINK(\"http://x\")", "", "火星村", "民生设施", "1000", "500", "@某单位", "新建"],
    ]
    buf = io.StringIO()
    import csv
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows([["2026年诸暨市重大项目计划表"], ["单位：万元"], LIST_HEADER, *rows, ["", "合计", "", "", "", "228000", "69500", "", ""]])
    return buf.getvalue().encode("gbk")


@pytest.fixture
def app(store_url, tmp_path):
    app = server.create_app({"database_url": store_url, "data_dir": tmp_path, "token": "bootstrap-secret"})
    s = app.extensions["zhuji"]
    s.users.add("officer", PASSWORD, "editor", "王科员")
    s.users.add("chief", PASSWORD, "admin", "李科长")
    return app


def csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def sign_in(client, name="officer") -> str:
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf(client)})
    assert r.status_code == 303, r.data[:300]
    return csrf(client, "/account")


def upload(client, token, content=None, name="2026年重大项目.csv"):
    r = client.post("/api/work/uploads", data={"file": (io.BytesIO(content or officer_list()), name)},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["upload_id"]


def test_sign_in_sets_a_safe_session_and_wrong_passwords_are_refused(app):
    c = app.test_client()
    assert c.get("/work").headers["Location"].startswith("/login?next=/work")
    r = c.post("/login", data={"username": "officer", "password": "wrong", "csrf_token": csrf(c)})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    assert c.post("/login", data={"username": "officer", "password": PASSWORD}).status_code == 400   # no CSRF token
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": csrf(c)})
    cookie = r.headers["Set-Cookie"]
    assert r.status_code == 303 and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert c.get("/work").status_code == 200
    https = app.test_client()
    r = https.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                   data={"username": "officer", "password": PASSWORD, "csrf_token": csrf(https)})
    assert "Secure" in r.headers["Set-Cookie"]                        # over HTTPS the cookie says so
    assert app.extensions["zhuji"].store.audit_log()[0]["actor"] == "officer"


def test_failed_sign_ins_are_rate_limited(app):
    c = app.test_client()
    token = csrf(c)
    codes = [c.post("/login", data={"username": "officer", "password": f"bad{i}", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token},
               environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 429                                       # even the right password waits
    ok = app.test_client()
    assert ok.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": csrf(ok)},
                   environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 303


def test_browser_writes_need_the_csrf_token_and_nothing_changes_without(app):
    c = app.test_client()
    token = sign_in(c)
    body = {"name": "无令牌项目", "town": "枫桥镇", "year": 2026}
    r = c.post("/api/projects", json=body)
    assert r.status_code == 400 and r.get_json()["field"] == "csrf_token" and "CSRF" in r.get_json()["zh"]
    assert app.extensions["zhuji"].store.count() == 0
    r = c.post("/api/projects", json=body, headers={"X-CSRFToken": token})
    assert r.status_code == 201 and r.get_json()["project"]["updated_by"] == "officer"


def test_expired_session_and_changed_password_end_the_session(app):
    c = app.test_client()
    token = sign_in(c)
    app.extensions["zhuji"].users.set_password("officer", "another-pass-456")
    r = c.post("/api/projects", json={"name": "x", "town": "枫桥镇"}, headers={"X-CSRFToken": token})
    assert r.status_code == 401 and "登录" in r.get_json()["zh"]
    c2 = app.test_client()
    sign_in(c2, "chief")
    app.permanent_session_lifetime = dt.timedelta(seconds=-1)          # every cookie is now past its age
    assert c2.get("/work").headers["Location"].startswith("/login")


def test_personal_tokens_are_shown_once_stored_hashed_and_revocable(app):
    c = app.test_client()
    token = sign_in(c)
    html = c.post("/account/tokens", data={"name": "年度导入脚本", "csrf_token": token}).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">([^<]+)</code>', html).group(1)
    store = app.extensions["zhuji"].store
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_sha256, prefix FROM api_tokens").fetchall()
    assert secret not in str(stored) and stored[0][1] == secret[:12]
    script = app.test_client()
    r = script.post("/api/projects/import", headers={"Authorization": f"Bearer {secret}"},
                    data={"file": (io.BytesIO(officer_list()), "list.csv")})
    assert r.status_code == 200 and r.get_json()["imported"] == 4
    assert store.audit_log()[0]["actor"] == "officer"                  # the trail names the person
    users = app.extensions["zhuji"].users
    tid = users.tokens_of(users.get(users.by_name("officer")["id"]))[0]["id"]
    c.post(f"/account/tokens/{tid}/revoke", data={"csrf_token": token})
    r = script.post("/api/projects", json={"name": "x", "town": "枫桥"}, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401 and "撤销" in r.get_json()["zh"]


def test_preview_stores_nothing_and_commit_stores_what_was_previewed(app):
    c = app.test_client()
    token = sign_in(c)
    uid = upload(c, token)
    p = c.post("/api/work/preview", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()
    assert p["title"] == "2026年诸暨市重大项目计划表" and p["year"] == 2026 and p["header_rows"] == [3]
    assert p["mapping"]["2026年计划投资（万元）"] == "investment_year" and p["mapping"]["责任单位"] is None
    assert (p["received"], p["accepted"]) == (5, 4) and [s["row"] for s in p["skipped"]] == [9]
    assert p["rejected"][0]["row"] == 8 and p["rejected"][0]["column"] == "建设地点" and "火星村" in p["rejected"][0]["reason"]
    rows = {r["name"]: r for r in p["rows"]}
    assert rows["杜黄新村田园综合体"]["town"] == "枫桥镇" and rows["枫江村珍珠小镇"]["town"] == "山下湖镇"
    assert rows["浦阳江综合治理"]["lon"] is None and rows["全市智慧路灯"]["town"] == "全市"
    assert app.extensions["zhuji"].store.count() == 0
    r = c.post("/api/work/commit", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()
    assert r["imported"] == 4 and r["rejected_xlsx"]
    stored = {p["name"]: p for p in app.extensions["zhuji"].store.projects().to_dict("records")}
    assert stored["浦阳江综合治理"]["investment"] == pytest.approx(12.0)         # 万元 → 亿元
    assert stored["浦阳江综合治理"]["town_codes"] == "330681104;330681106"
    assert stored["杜黄新村田园综合体"]["accuracy"].startswith("按村社区所在镇街驻地示意")
    s = c.get("/api/projects/summary").get_json()
    towns = {t["town"]: t for t in s["towns"]}
    assert towns["店口镇"]["shared_projects"] == 1 and towns["姚江镇"]["shared_projects"] == 1
    assert s["citywide"]["projects"] == 1 and s["total"]["projects"] == 4


def test_every_column_is_kept_with_its_type_and_exported_under_the_officers_headers(app):
    c = app.test_client()
    token = sign_in(c)
    uid = upload(c, token)
    batch = c.post("/api/work/commit", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()["import_id"]
    key = next(k for k in app.extensions["zhuji"].store.projects()["key"] if "杜黄新村" in k)
    rec = c.get(f"/api/projects/{key}").get_json()
    assert rec["extra"] == {"序号": 1, "责任单位": "枫桥镇人民政府"}              # a number stays a number
    x = c.get(f"/api/work/table.xlsx?batch={batch}&town=330681104")
    ws = openpyxl.load_workbook(io.BytesIO(x.data)).active
    header = [v.value for v in ws[1]]
    assert header[:len(LIST_HEADER)] == LIST_HEADER                    # the officer's columns, in their order
    assert ws.max_row == 2 and ws.cell(2, 2).value == "浦阳江综合治理"     # the filter: 店口 (a shared project)
    assert ws.cell(2, header.index("总投资（万元）") + 1).value == 120000  # a real number, in the list's own unit
    assert ws.cell(2, header.index("所在镇街") + 1).value == "店口镇、姚江镇" and "所在镇街（识别）" in header
    rej = openpyxl.load_workbook(io.BytesIO(c.get(f"/api/projects/imports/{batch}/rejected.xlsx").data)).active
    values = [v.value for v in rej[2]]
    assert "'=HYPERLINK(\"http://x\")" in values and "'@某单位" in values   # never run as a formula in Excel
    text = c.get(f"/api/projects/imports/{batch}/rejected.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text


def test_replace_and_roll_back_a_list_atomically(app):
    c = app.test_client()
    token = sign_in(c, "chief")
    first = c.post("/api/work/commit", json={"upload_id": upload(c, token)}, headers={"X-CSRFToken": token}).get_json()
    fixed = officer_list([["1", "杜黄新村田园综合体（调整）", "枫桥镇", "", "农业农村优先", "40000", "12000", "枫桥镇", "新建"]])
    second = c.post("/api/work/commit", json={"upload_id": upload(c, token, fixed), "replace": first["import_id"]},
                    headers={"X-CSRFToken": token}).get_json()
    store = app.extensions["zhuji"].store
    assert list(store.projects()["name"]) == ["杜黄新村田园综合体（调整）"]
    status = {b["id"]: b["status"] for b in store.batches()}
    assert status == {first["import_id"]: "replaced", second["import_id"]: "active"}
    r = c.post(f"/api/work/batches/{second['import_id']}/rollback", headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json()["restored"] == 4
    assert sorted(store.projects()["name"]) == sorted(["杜黄新村田园综合体", "枫江村珍珠小镇", "浦阳江综合治理", "全市智慧路灯"])
    assert {b["id"]: b["status"] for b in store.batches()}[first["import_id"]] == "active"
    again = c.post(f"/api/work/batches/{second['import_id']}/rollback", headers={"X-CSRFToken": token})
    assert again.status_code == 409 and "已撤销" in again.get_json()["zh"]


def test_editors_cannot_roll_back_or_read_the_audit_trail(app):
    c = app.test_client()
    token = sign_in(c)
    batch = c.post("/api/work/commit", json={"upload_id": upload(c, token)}, headers={"X-CSRFToken": token}).get_json()
    assert c.post(f"/api/work/batches/{batch['import_id']}/rollback", headers={"X-CSRFToken": token}).status_code == 403
    assert c.get("/api/audit").status_code == 403
    assert app.test_client().get("/api/audit").status_code == 401
    assert app.extensions["zhuji"].store.count() == 4


def test_rename_onto_an_existing_project_is_refused(app):
    c = app.test_client()
    token = sign_in(c)
    for name in ("甲项目", "乙项目"):
        assert c.post("/api/projects", json={"name": name, "town": "枫桥镇", "year": 2026},
                      headers={"X-CSRFToken": token}).status_code == 201
    r = c.put("/api/projects/2026/name:乙项目", json={"name": "甲项目", "town": "枫桥镇"}, headers={"X-CSRFToken": token})
    assert r.status_code == 409 and "甲项目" in r.get_json()["zh"]
    assert sorted(app.extensions["zhuji"].store.projects()["name"]) == ["乙项目", "甲项目"]


def test_coordinates_without_a_system_wait_for_the_officers_choice(app):
    c = app.test_client()
    token = sign_in(c)
    content = csv_bytes([["G1", "高德取点", *FENGQIAO, "", "", "", "", "2026"]])
    uid = upload(c, token, content, "gaode.csv")
    p = c.post("/api/work/preview", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()
    assert p["needs_datum"] and p["accepted"] == 0 and p["columns"][:2] == ["编号", "项目名称"]
    r = c.post("/api/work/commit", json={"upload_id": uid}, headers={"X-CSRFToken": token})
    assert r.status_code == 400 and r.get_json()["field"] == "datum"
    p = c.post("/api/work/preview", json={"upload_id": uid, "datum": "gcj02"}, headers={"X-CSRFToken": token}).get_json()
    assert not p["needs_datum"] and p["rows"][0]["accuracy"] == "上报坐标（GCJ-02 已转换）"


def test_reads_need_sign_in_when_public_read_is_off(store_url, tmp_path):
    app = server.create_app({"database_url": store_url, "data_dir": tmp_path, "public_read": False})
    c = app.test_client()
    assert c.get("/").headers["Location"].startswith("/login")
    assert c.get("/api/layers/towns.geojson").status_code == 401
    assert c.get("/ogc/collections").status_code == 401
    assert c.get("/login").status_code == 200 and c.get("/healthz").status_code == 200


def test_users_are_managed_from_the_command_line(tmp_path):
    import os
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = lambda *a, stdin="": subprocess.run([sys.executable, "cli.py", "users", *a], cwd=REPO, env=env, input=stdin,
                                              capture_output=True, text=True)
    assert run("add", "zhang", "--role", "admin", "--password-stdin", stdin="zhang-pass-1\n").returncode == 0
    short = run("add", "li", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "至少8个字符" in short.stderr
    assert run("disable", "zhang").returncode == 0
    listing = run("list").stdout
    assert "zhang" in listing and "disabled" in listing and "admin" in listing
    assert run("passwd", "nobody", "--password-stdin", stdin="whatever-1\n").returncode == 1


def commit(client, token, content, name="list.csv", **options):
    r = client.post("/api/work/commit", json={"upload_id": upload(client, token, content, name), **options},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_preview_names_the_rows_that_replace_projects_of_another_list(app):
    c = app.test_client()
    token = sign_in(c)
    first = commit(c, token, csv_bytes([["FQ1", "枫桥古镇保护与活化利用", *FENGQIAO, "枫桥镇", "文化旅游融合", "8.6", "前期", "2026"],
                                        ["FQ2", "枫桥江绿道", *FENGQIAO, "枫桥镇", "", "1.2", "前期", "2026"]]), datum="wgs84")
    again = csv_bytes([["FQ9", "次坞新项目", "", "", "次坞镇", "", "2", "前期", "2026"],
                       ["FQ1", "枫桥古镇保护与活化利用", *FENGQIAO, "枫桥镇", "文化旅游融合", "9.9", "在建", "2026"]])
    uid = upload(c, token, again, "第二批.csv")
    p = c.post("/api/work/preview", json={"upload_id": uid, "datum": "wgs84"}, headers={"X-CSRFToken": token}).get_json()
    assert p["accepted"] == 2 and p["replacing_count"] == 1
    assert p["replacing"] == [{"row": 3, "name": "枫桥古镇保护与活化利用", "key": "2026/id:FQ1",
                               "import_id": first["import_id"], "batch_title": "list", "batch_year": 2026}]
    done = c.post("/api/work/commit", json={"upload_id": uid, "datum": "wgs84"}, headers={"X-CSRFToken": token}).get_json()
    assert (done["inserted"], done["updated"]) == (1, 1) and "替换" in done["note"]
    assert done["replaced"] == [{"row": 3, "key": "2026/id:FQ1", "name": "枫桥古镇保护与活化利用",   # read back after
                                 "import_id": first["import_id"], "batch_title": "list", "batch_year": 2026}]
    stored = app.extensions["zhuji"].store.get("2026/id:FQ1")
    assert (stored["investment"], stored["status"], stored["import_id"]) == (9.9, "在建", done["import_id"])
    # replacing a whole list: its own rows are not "another list's", so they are not counted
    chief = app.test_client()
    token = sign_in(chief, "chief")
    p = chief.post("/api/work/preview", json={"upload_id": upload(chief, token, again), "datum": "wgs84",
                                              "replace": done["import_id"]}, headers={"X-CSRFToken": token}).get_json()
    assert p["replacing_count"] == 0 and p["replacing"] == []


def gcj_fengqiao():
    from geo.datum import wgs84_to_gcj02
    return tuple(round(float(v), 6) for v in wgs84_to_gcj02(*FENGQIAO))


def provenance(client, key):
    p = client.get(f"/api/projects/{key}").get_json()
    return {k: p[k] for k in ("import_id", "source_row", "datum_input", "located_by", "accuracy", "lon", "lat", "source")}


def editor_body(p, **changes):
    """What the workbench's edit form sends: every field as shown, the position in WGS84."""
    return {"datum": "wgs84", "id": p["project_id"], "name": p["name"], "sector": p["sector"] or "",
            "status": p["status"] or "", "nature": p["nature"] or "", "year": p["year"], "investment": p["investment"],
            "investment_year": p["investment_year"] or "", "town": p["town_input"] or "",
            "location": p["location_text"] or "", "lon": p["lon"] or "", "lat": p["lat"] or "", **changes}


def test_an_edit_keeps_where_the_project_came_from_unless_it_moves(app):
    import csv as csvmod
    c = app.test_client()
    token = sign_in(c)
    gx, gy = gcj_fengqiao()
    batch = commit(c, token, csv_bytes([["FQ0", "枫桥镇文化中心", *FENGQIAO, "", "", "", "", ""],
                                        ["FQ1", "枫桥古镇保护与活化利用", gx, gy, "枫桥镇", "文化旅游融合", "8.6", "前期", "2026"],
                                        ["CW1", "次坞镇驻地项目", "", "", "次坞镇", "", "1", "前期", "2026"]]),
                   datum="gcj02")["import_id"]
    key = "2026/id:FQ1"
    before = provenance(c, key)
    assert (before["source_row"], before["datum_input"], before["accuracy"]) == (3, "gcj02", "上报坐标（GCJ-02 已转换）")
    assert before["source"] == f"项目清单导入（批次{batch}，第3行）"
    p = c.get(f"/api/projects/{key}").get_json()
    r = c.put(f"/api/projects/{key}", json=editor_body(p, status="在建", investment="9.9"), headers={"X-CSRFToken": token})
    assert r.status_code == 200, r.get_json()
    after = c.get(f"/api/projects/{key}").get_json()
    assert provenance(c, key) == before and (after["status"], after["investment"]) == ("在建", 9.9)
    # a script sends the GCJ-02 values it has, with a token: the same place, the same provenance
    script = app.test_client().put(f"/api/projects/{key}", headers={"Authorization": "Bearer bootstrap-secret"},
                                   json={"id": "FQ1", "name": "枫桥古镇保护与活化利用", "lon": gx, "lat": gy, "datum": "gcj02",
                                         "town": "枫桥镇", "status": "在建", "investment": 9.5})
    assert script.status_code == 200 and provenance(c, key) == before
    rows = {r["key"]: r for r in csvmod.DictReader(io.StringIO(c.get("/api/export/projects.csv").data.decode("utf-8-sig")))}
    assert (rows[key]["source_row"], rows[key]["datum_input"]) == ("3", "gcj02")
    # a project placed at its town's seat stays a seat (no distances pretended)
    seat_key = "2026/id:CW1"
    seat = c.get(f"/api/projects/{seat_key}").get_json()
    assert c.put(f"/api/projects/{seat_key}", json=editor_body(seat, investment="1.5"),
                 headers={"X-CSRFToken": token}).status_code == 200
    again = c.get(f"/api/projects/{seat_key}").get_json()
    assert again["located_by"] == "town" and again["lon"] == seat["lon"] and again["datum_input"] == seat["datum_input"]
    assert again["accuracy"] == seat["accuracy"] and again["corridor_distance_m"] is None and again["source_row"] == 4
    # moving the point is a new position: it is now the editor's, in WGS84; the list row stays the origin
    moved = c.put(f"/api/projects/{key}", json=editor_body(after, lon=round(after["lon"] + 0.003, 6)),
                  headers={"X-CSRFToken": token})
    assert moved.status_code == 200
    now = provenance(c, key)
    assert (now["datum_input"], now["accuracy"], now["source_row"], now["import_id"]) == ("wgs84", "上报坐标（WGS84）", 3, batch)
    store = app.extensions["zhuji"].store
    assert [h["action"] for h in store.history_of(key)] == ["edit", "edit", "edit"]
    assert [a["action"] for a in store.audit_log()[:4]] == ["edit", "edit", "edit", "edit"]


def test_amounts_converted_from_wan_yuan_are_clean_when_stored_and_exported(app):
    c = app.test_client()
    token = sign_in(c)
    rows = [["1", "枫桥古镇保护与活化利用", "枫桥镇", "", "文化旅游融合", "68000", "86000", "枫桥镇", "新建"],
            ["2", "店口铜材项目", "店口镇", "", "先进制造业基地", "1234.5678", "0.3", "店口镇", "新建"]]
    batch = commit(c, token, officer_list(rows))["import_id"]
    stored = {p["name"]: p for p in app.extensions["zhuji"].store.projects().to_dict("records")}
    fq, dk = stored["枫桥古镇保护与活化利用"], stored["店口铜材项目"]
    assert (fq["investment"], fq["investment_year"]) == (6.8, 8.6)            # not 6.800000000000001
    assert (dk["investment"], dk["investment_year"]) == (0.1235, 0.0)          # 1 万元 precision
    assert repr(c.get("/api/projects/2026/name:枫桥古镇保护与活化利用").get_json()["investment"]) == "6.8"
    ws = openpyxl.load_workbook(io.BytesIO(c.get(f"/api/work/table.xlsx?batch={batch}").data)).active
    header = [v.value for v in ws[1]]
    values = {ws.cell(r, 2).value: ws.cell(r, header.index("2026年计划投资（万元）") + 1).value for r in (2, 3)}
    assert values["枫桥古镇保护与活化利用"] == 86000 and repr(values["店口铜材项目"]) in ("0", "0.0")
    text = c.get("/api/work/table.csv").data.decode("utf-8-sig")
    assert ",6.8," in text and ",8.6," in text and "0000000" not in text


def test_rejected_rows_file_and_reasons_in_the_users_language(app):
    c = app.test_client()
    token = sign_in(c)
    rows = [["1", "", "枫桥镇", "", "民生设施", "1000", "500", "x", "新建"],
            ["2", "有名项目", "枫桥镇", "", "民生设施", "1000", "500", "x", "新建"]]
    uid = upload(c, token, officer_list(rows))
    p = c.post("/api/work/preview", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()
    bad = p["rejected"][0]
    assert bad["reason"] == "字段“项目名称”：项目名称为空 / column '项目名称': project name is blank"   # the API: both
    assert (bad["reason_zh"], bad["reason_en"]) == ("字段“项目名称”：项目名称为空", "column '项目名称': project name is blank")
    unit = next(w for w in p["warnings"] if "万元" in w["message"])
    assert unit["message_zh"].endswith("已换算为亿元") and "converted" in unit["message_en"]
    assert "/" not in unit["message_zh"] and "万元" in unit["message_en"]
    assert all(s["reason_zh"] and s["reason_en"] for s in p["skipped"])
    batch = c.post("/api/work/commit", json={"upload_id": uid}, headers={"X-CSRFToken": token}).get_json()["import_id"]
    zh = openpyxl.load_workbook(io.BytesIO(c.get(f"/api/projects/imports/{batch}/rejected.xlsx").data)).active
    assert [v.value for v in zh[1]][:3] == ["原行号", "原因", "序号"] and zh.cell(2, 2).value == "字段“项目名称”：项目名称为空"
    en = openpyxl.load_workbook(io.BytesIO(c.get(f"/api/projects/imports/{batch}/rejected.xlsx?lang=en").data)).active
    assert [v.value for v in en[1]][:2] == ["Row", "Reason"] and en.cell(2, 2).value == "column '项目名称': project name is blank"
    text = c.get(f"/api/projects/imports/{batch}/rejected.csv").data.decode("utf-8-sig")
    assert text.startswith("原行号,原因,") and "blank" not in text


def test_editors_are_told_who_can_roll_back_and_see_who_uploaded(app):
    c = app.test_client()
    token = sign_in(c)
    commit(c, token, officer_list())
    html = c.get("/work/batches").get_data(as_text=True)
    assert 'class="zj-rollback"' not in html and 'id="admin-only"' in html
    note = re.search(r'<p[^>]*id="admin-only"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "只有管理员" in note and "李科长" in note                       # the admins by name
    row = re.search(r'<tr data-id="\d+".*?</tr>', html, re.S).group(0)
    assert "王科员" in row and ">officer<" not in row                        # the uploader's display name
    listed = c.get("/api/work/batches").get_json()[0]
    assert (listed["actor"], listed["actor_name"]) == ("officer", "王科员")
    chief = app.test_client()
    sign_in(chief, "chief")
    html = chief.get("/work/batches").get_data(as_text=True)
    assert 'class="zj-rollback"' in html and 'id="admin-only"' not in html
    en = c.get("/work/batches?lang=en").get_data(as_text=True)
    assert "Only an administrator" in en


def test_sector_and_status_must_be_allowed_values(app):
    c = app.test_client()
    token = sign_in(c)
    h = {"X-CSRFToken": token}
    assert c.post("/api/projects", json={"name": "甲项目", "town": "枫桥镇", "year": 2026, "status": "前期",
                                         "sector": "交通"}, headers=h).status_code == 201
    key = "2026/name:甲项目"
    r = c.put(f"/api/projects/{key}", json={"name": "甲项目", "town": "枫桥镇", "status": "竣工"}, headers=h)
    body = r.get_json()
    assert r.status_code == 400 and body["field"] == "status"
    assert body["zh"].startswith("建设状态“竣工”") and "前期" in body["zh"] and "在建" in body["zh"]
    assert "status" in body["en"] and "在建" in body["en"]
    r = c.put(f"/api/projects/{key}", json={"name": "甲项目", "town": "枫桥镇", "sector": "火星产业"}, headers=h)
    assert r.status_code == 400 and r.get_json()["field"] == "sector" and "交通强省" in r.get_json()["zh"]
    bad = c.post("/api/projects", json={"name": "乙项目", "town": "枫桥镇", "status": "竣工"}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["field"] == "status"
    stored = app.extensions["zhuji"].store.get(key)
    assert stored["status"] == "前期" and stored["sector"].startswith("交通强省")
    ok = c.put(f"/api/projects/{key}", json={"name": "甲项目", "town": "枫桥镇", "status": "在建",
                                             "sector": stored["sector"]}, headers=h)
    assert ok.status_code == 200 and app.extensions["zhuji"].store.get(key)["status"] == "在建"
    assert app.extensions["zhuji"].store.count() == 1
