"""Plan analysis: identify, statistics for any area, the 专栏8 reconciliation and 表1 monitoring, checked
against expectations worked out by hand from the fixtures."""
import io

import openpyxl
import pytest

import geo
import server
from geo.indicators import Rule, status_in
from tests.test_projects import AUTH, TOKEN, csv_bytes

HEADER = ["编号", "项目名称", "经度", "纬度", "所在镇街", "领域", "总投资（亿元）", "2026年计划投资（亿元）", "年份"]


@pytest.fixture(scope="module")
def data():
    return geo.load()


@pytest.fixture
def client(tmp_path):
    return server.create_app({"token": TOKEN, "data_dir": tmp_path}).test_client()


def seat(data, short):
    t = data.towns.set_index("short_name").loc[short]
    return float(t.seat_lon), float(t.seat_lat)


def upload(client, rows, year, name="list.csv", header=HEADER):
    r = client.post("/api/projects/import", headers=AUTH,
                    data={"file": (io.BytesIO(csv_bytes(rows, header=header)), name), "datum": "wgs84", "year": str(year)})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def fixture_lists(client, data):
    """Two years. 2026: three projects in 枫桥, one in 赵家, one rejected (bad lon) carrying 5 亿; 2027: one of
    the 枫桥 projects again (same id) and a new one in 店口."""
    fq, zj, dk = seat(data, "枫桥"), seat(data, "赵家"), seat(data, "店口")
    upload(client, [["F1", "枫桥甲", *fq, "", "文化旅游融合", "10", "2", "2026"],
                    ["F2", "枫桥乙", fq[0] + 0.002, fq[1], "", "文化旅游融合", "6", "1.5", "2026"],
                    ["F3", "枫桥丙", fq[0], fq[1] + 0.002, "", "民生设施", "4", "1", "2026"],
                    ["Z1", "赵家甲", *zj, "", "农业农村优先", "3", "0.5", "2026"],
                    ["BAD", "坏坐标", "东经120", "29.7", "", "民生设施", "5", "1", "2026"]], 2026)
    upload(client, [["F1", "枫桥甲", *fq, "", "文化旅游融合", "10", "3", "2027"],
                    ["D1", "店口甲", *dk, "", "先进制造业基地", "20", "8", "2027"]], 2027, header=HEADER)


def test_statistics_for_a_town_a_circle_and_a_year(client, data):
    fixture_lists(client, data)
    s = client.get("/api/stats?town=330681109").get_json()            # 枫桥: F1(2026), F2, F3, F1(2027)
    assert s["projects"] == 4 and s["investment_yi"] == pytest.approx(10 + 6 + 4 + 10)
    assert {r["key"]: (r["projects"], r["investment_yi"]) for r in s["by_sector"]} == {
        "文化旅游融合": (3, 26.0), "民生设施": (1, 4.0)}
    assert {r["key"]: r["projects"] for r in s["by_year"]} == {"2026": 3, "2027": 1}
    s = client.get("/api/stats?town=330681109&year=2026").get_json()
    assert s["projects"] == 3 and s["investment_year_yi"] == pytest.approx(2 + 1.5 + 1)
    fq = seat(data, "枫桥")
    s = client.get(f"/api/stats?circle={fq[0]},{fq[1]},100").get_json()   # 100 m: F1 in both years only
    assert s["projects"] == 2 and {r["name"] for r in s["list"]} == {"枫桥甲"}
    x = client.get(f"/api/stats.xlsx?circle={fq[0]},{fq[1]},100")
    ws = openpyxl.load_workbook(io.BytesIO(x.data)).active
    assert ws.max_row == 3 and ws.cell(1, 2).value == "项目名称"


def test_axis_band_and_a_drawn_polygon(client, data):
    fixture_lists(client, data)
    band = client.get("/api/stats?axis=EW&km=3").get_json()          # the E–W branch runs through 枫桥's seat
    names = {r["name"] for r in band["list"]}
    assert {"枫桥甲", "枫桥乙", "枫桥丙"} <= names and "店口甲" not in names and "示意" in band["area"]["zh"]
    fq = seat(data, "枫桥")
    square = {"type": "Polygon", "coordinates": [[[fq[0] - .001, fq[1] - .001], [fq[0] + .003, fq[1] - .001],
                                                   [fq[0] + .003, fq[1] + .001], [fq[0] - .001, fq[1] + .001],
                                                   [fq[0] - .001, fq[1] - .001]]]}
    s = client.post("/api/stats", json={"geometry": square, "year": 2026}).get_json()
    assert {r["name"] for r in s["list"]} == {"枫桥甲", "枫桥乙"}                   # 丙 is 0.002° north, outside
    bowtie = {"type": "Polygon", "coordinates": [[[120, 29.5], [120.5, 29.9], [120.5, 29.5], [120, 29.9], [120, 29.5]]]}
    r = client.post("/api/stats", json={"geometry": bowtie})
    assert r.status_code == 400 and "自相交" in r.get_json()["zh"] and r.get_json()["field"] == "geometry"
    huge = {"type": "Polygon", "coordinates": [[[118.5, 28.5], [122, 28.5], [122, 31], [118.5, 31], [118.5, 28.5]]]}
    r = client.post("/api/stats", json={"geometry": huge})
    assert r.status_code == 400 and "过大" in r.get_json()["zh"]


def test_identify_lists_everything_at_a_point(client, data):
    fixture_lists(client, data)
    fq = seat(data, "枫桥")
    r = client.get(f"/api/identify?lon={fq[0]}&lat={fq[1]}&radius=500").get_json()
    assert r["town"]["name"] == "枫桥镇" and "田上枫景共富片区" in r["clusters"]
    ew = next(a for a in r["axis"] if a["id"] == "EW")
    assert ew["distance_m"] <= 500 and ew["band"] == "2公里以内"
    assert [p["name"] for p in r["projects"]][:2] == ["枫桥甲", "枫桥甲"]          # both years, nearest first
    assert all(c["distance_m"] <= 500 for c in r["corridors"])
    assert client.get("/api/identify?lon=x&lat=1").status_code == 400


def test_reconciliation_with_rejected_rows_and_two_years(client, data):
    fixture_lists(client, data)
    r = client.get("/api/projects/reconciliation.json").get_json()
    assert r["years"] == [2026, 2027]
    tot = r["totals"]
    assert tot["by_year"]["2026"] == {"projects": 4, "investment_yi": 23.0, "investment_year_yi": 5.0}
    assert tot["by_year"]["2027"] == {"projects": 2, "investment_yi": 30.0, "investment_year_yi": 11.0}
    cum = tot["cumulative"]["2027"]
    assert cum["distinct_projects"] == 5                               # F1 is one project in two lists
    assert cum["investment_year_yi"] == pytest.approx(16.0)
    assert cum["share_of_period"] == pytest.approx(16.0 / 1670, abs=1e-4)    # against 1670 亿元, not 139 projects
    assert tot["plan"] == {"projects": 139, "investment_yi": 3006.0, "period_investment_yi": 1670.0}
    assert r["rejected"] == {"2026": {"rows": 1, "investment_yi": 5.0}}
    wl = next(s for s in r["sectors"] if s["sector"] == "文化旅游融合")
    assert wl["cumulative"]["2027"]["distinct_projects"] == 2 and wl["plan"]["projects"] > 0
    page = client.get("/projects").get_data(as_text=True)
    assert "合计" in page and "1670" in page and "未导入的行" in page and "5.0 亿元" in page
    assert "差额" not in page


def rule(kind, **kw):
    base = {"no": 0, "sub_item": "", "kind": kind, "unit": "%", "base": None, "base_year": None, "target": None,
            "direction": "up", "tolerance": 0.0, "source": ""}
    return Rule(**{**base, **kw})


@pytest.mark.parametrize("kind, kw, actuals, gdp, expected", [
    ("annual_rate", {"target": 6.5, "tolerance": 0.5}, {2026: 6.1}, {}, "on"),
    ("annual_rate", {"target": 6.5, "tolerance": 0.5}, {2026: 5.9}, {}, "risk"),
    ("annual_rate", {"target": 6.5, "tolerance": 0.5}, {2026: 5.0}, {}, "off"),
    ("level", {"base": 5.7, "base_year": 2025, "target": 8}, {2026: 6.2}, {}, "on"),      # path 6.16
    ("level", {"base": 5.7, "base_year": 2025, "target": 8}, {2026: 6.1}, {}, "risk"),    # 0.40 of 0.46 done
    ("level", {"base": 5.7, "base_year": 2025, "target": 8}, {2026: 5.8}, {}, "off"),
    ("level", {"base": 1.55, "base_year": 2025, "target": 1.53, "direction": "down"}, {2026: 1.546}, {}, "on"),
    ("level", {"base": 1.55, "base_year": 2025, "target": 1.53, "direction": "down"}, {2026: 1.56}, {}, "off"),
    ("keep", {"base": 42700, "base_year": 2025, "target": 42700}, {2027: 42700}, {}, "on"),
    ("keep", {"base": 42700, "base_year": 2025, "target": 42700}, {2027: 42600}, {}, "off"),
    ("cumulative", {"target": 14}, {2026: 3.0, 2027: 2.7}, {}, "on"),                   # 5.7 ≥ 5.6
    ("cumulative", {"target": 14}, {2026: 2.0, 2027: 2.6}, {}, "risk"),                 # 4.6 ≥ 0.8 × 5.6
    ("cumulative", {"target": 14}, {2026: 1.0, 2027: 1.0}, {}, "off"),
    ("same_as", {"target": 1, "tolerance": 0.5}, {2026: 6.3}, {2026: 6.2}, "on"),
    ("same_as", {"target": 1, "tolerance": 0.5}, {2026: 5.9}, {2026: 6.2}, "risk"),
    ("same_as", {"target": 1, "tolerance": 0.5}, {2026: 5.0}, {2026: 6.2}, "off"),
    ("qualitative", {}, {2026: 1.0}, {}, "manual"),
])
def test_each_monitoring_rule(kind, kw, actuals, gdp, expected):
    year = max(actuals)
    assert status_in(rule(kind, **kw), year, actuals, gdp) == expected


def test_indicator_values_entered_with_history_and_binding_flags(client):
    post = lambda **b: client.post("/api/indicators/values", json=b, headers=AUTH)
    assert post(no=26, year=2026, value=42600, unit="万斤", source="统计公报").status_code == 201
    assert post(no=26, year=2026, value=42800, unit="万斤", source="更正：农业农村局").status_code == 201
    rows = {(r["no"], r["sub_item"]): r for r in client.get("/api/indicators/status.json").get_json()["indicators"]}
    assert rows[(26, "")]["actuals"] == {"2026": 42800.0} and rows[(26, "")]["status"] == "on"
    history = client.get("/api/indicators/26/history").get_json()
    assert [h["value"] for h in history] == [42800.0, 42600.0] and history[1]["current"] is False
    assert post(no=26, year=2027, value=42000, unit="万斤", source="统计公报").status_code == 201
    row = {r["no"]: r for r in client.get("/api/indicators/status.json").get_json()["indicators"]}[26]
    assert row["status"] == "off" and row["binding_off_track"] is True                # 约束性, below the target
    page = client.get("/indicators").get_data(as_text=True)
    assert "约束性指标滞后" in page and "保持目标值" in page
    for bad, field in (({"value": "很多"}, "value"), ({"unit": "%"}, "unit"), ({"year": 2031}, "year"),
                       ({"no": 99}, "sub_item"), ({"source": ""}, "source")):
        r = post(**{"no": 26, "year": 2028, "value": 1, "unit": "万斤", "source": "x", **bad})
        assert r.status_code == 400 and r.get_json()["field"] == field, bad
    assert client.post("/api/indicators/values", json={"no": 1, "year": 2026, "value": 6, "source": "x"}).status_code == 401


def test_indicator_upload_names_the_bad_cell_and_stores_nothing(client):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年主要指标实绩"])
    ws.append(["序号", "分项", "年份", "数值", "单位", "来源"])
    ws.append([1, None, 2026, 6.4, "%", "统计公报"])
    ws.append([12, "注册护士数（人）", 2026, 4.9, "人", "卫健局"])
    ws.append([9, None, 2026, "六点一", "%", "经信局"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/indicators/upload", headers=AUTH, data={"file": (io.BytesIO(buf.getvalue()), "实绩.xlsx")})
    body = r.get_json()
    assert r.status_code == 400 and body["row"] == 5 and body["field"] == "数值" and "六点一" in body["zh"]
    status = client.get("/api/indicators/status.json").get_json()["indicators"]
    assert all(not r["actuals"] for r in status)                          # one bad cell: nothing stored
    ws.cell(5, 4).value = 6.1
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/indicators/upload", headers=AUTH, data={"file": (io.BytesIO(buf.getvalue()), "实绩.xlsx")})
    assert r.status_code == 200 and r.get_json()["recorded"] == 3


def test_the_analysis_api_is_in_the_openapi_document(client):
    doc = client.get("/ogc/api").get_json(force=True)
    assert {"/api/stats", "/api/identify"} <= set(doc["paths"])
