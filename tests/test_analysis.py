"""Plan analysis: identify, statistics for any area, the 专栏8 reconciliation and 表1 monitoring, checked
against expectations worked out by hand from the fixtures."""
import io
import itertools
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from html.parser import HTMLParser

import openpyxl
import pytest
import shapely

import geo
import server
from geo.indicators import STATUS, Rule, status_in
from layers import BY_ID
from layers.messages import t
from tests.conftest import REPO
from tests.live import import_projects, start_server
from tests.test_projects import AUTH, TOKEN, csv_bytes
from tests.test_workbench import PASSWORD, sign_in

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
    # the projects around a click come from the store's spatial index, with the map's filters
    near = lambda q: [(p["name"], p["year"]) for p in client.get(f"/api/identify?lon={fq[0]}&lat={fq[1]}&radius=500&{q}")
                      .get_json()["projects"]]
    assert near("year=2027") == [("枫桥甲", 2027)]
    assert sorted(near("sector=%E6%B0%91%E7%94%9F%E8%AE%BE%E6%96%BD")) == [("枫桥丙", 2026)]        # 民生设施
    assert near("year=2026&status=%E5%9C%A8%E5%BB%BA") == []                                       # 在建: none
    assert client.get("/api/identify?lon=120.2&lat=29.7&year=x").status_code == 400


@pytest.mark.parametrize("radius", [300, 1000, 5000])
def test_identify_lists_every_project_inside_its_circle_and_none_outside(client, data, radius):
    """The projects around a click are read from the store within a lon/lat box: the box must hold the whole
    circle. Projects 1 % inside the radius (east, north, north-east, south-west) are listed, 1 % outside not."""
    from pyproj import Transformer
    to_m, to_ll = Transformer.from_crs(4326, 4549, always_xy=True), Transformer.from_crs(4549, 4326, always_xy=True)
    x, y = to_m.transform(*seat(data, "枫桥"))
    rows = []
    for k, (dx, dy) in enumerate([(1, 0), (0, 1), (0.7071, 0.7071), (-0.7071, -0.7071), (-1, 0)]):
        for tag, f in (("in", 0.99), ("out", 1.01)):
            lon, lat = to_ll.transform(x + dx * f * radius, y + dy * f * radius)
            rows.append([f"{tag}{k}", f"{tag}{k}", f"{lon:.7f}", f"{lat:.7f}", "", "民生设施", "1", "", "2026"])
    upload(client, rows, 2026)
    lon, lat = to_ll.transform(x, y)
    r = client.get(f"/api/identify?lon={lon:.7f}&lat={lat:.7f}&radius={radius}").get_json()
    assert sorted(p["name"] for p in r["projects"]) == [f"in{k}" for k in range(5)]
    assert all(radius * 0.98 <= p["distance_m"] <= radius for p in r["projects"])


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


# ---------------------------------------------------------------- the trial's findings (dashboard, 表1, pages)

def junction(data):
    """Where the two axis branches meet (the city centre): a project there lies in both bands."""
    ns, ew = data.axis.set_index("id").geometry[["NS", "EW"]]
    return shapely.ops.nearest_points(ns, ew)[0].coords[0]


def test_dashboard_counts_each_axis_band_as_the_area_statistics_do(client, data):
    fixture_lists(client, data)
    upload(client, [["J1", "交汇点项目", *junction(data), "", "民生设施", "7", "2", "2026"]], 2026)
    for year in ("", "2026", "2027"):
        by_axis = {r["axis"]: r for r in client.get(f"/api/dashboard.json?km=5&year={year}").get_json()["by_axis"]}
        assert set(by_axis) == set(data.axis["id"])
        for branch in data.axis["id"]:
            s = client.get(f"/api/stats?axis={branch}&km=5&year={year}").get_json()
            row = by_axis[branch]
            assert (row["projects"], row["investment_yi"], row["investment_year_yi"]) == (
                s["projects"], s["investment_yi"], s["investment_year_yi"]), (year, branch)
    lists = {b: {r["key"] for r in client.get(f"/api/stats?axis={b}&km=5&year=2026").get_json()["list"]}
             for b in data.axis["id"]}
    both = set.intersection(*lists.values())
    assert any(k.endswith("J1") for k in both)                   # near the junction: in both bands
    rows = client.get("/api/dashboard.json?km=5&year=2026").get_json()["by_axis"]
    assert sum(r["projects"] for r in rows) == len(set.union(*lists.values())) + len(both)
    page = client.get("/analysis").get_data(as_text=True)
    assert t("ana.axis_overlap") in page.split('id="chart-by_axis"')[1].split("</div>\n")[0]   # said under the chart


def test_dashboard_names_projects_outside_every_zone(client, data):
    fixture_lists(client, data)
    upload(client, [["C1", "全市性项目甲", "", "", "全市", "民生设施", "2", "1", "2026"]], 2026)
    towns = data.towns.set_index("short_name")
    placed = {"枫桥": 3, "赵家": 1}                                   # the 2026 list with a point (fixture_lists)
    for lang in ("zh", "en"):
        d = client.get(f"/api/dashboard.json?year=2026&lang={lang}").get_json()
        for key, col, outside in (("by_zone", "zones", "ana.outside_zones"), ("by_cluster", "clusters", "ana.outside_clusters")):
            expected = Counter({t("ana.citywide", lang): 1})
            for short, n in placed.items():
                for z in [z for z in towns.at[short, col].split("；") if z] or [t(outside, lang)]:
                    expected[z] += n
            assert {r["key"]: r["projects"] for r in d[key]} == dict(expected), (lang, key)
        assert not {"（未填）", "(blank)"} & {r["key"] for r in d["by_zone"] + d["by_cluster"]}


def test_the_axis_chart_says_what_it_counts(client):
    html = client.get("/analysis").get_data(as_text=True)
    title = re.search(r'<h2 id="title-by_axis">(.*?)</h2>', html).group(1)
    assert title == t("ana.by_axis_km", km=5)
    assert "各分支分别统计" in title
    assert t("ana.by_axis") not in re.sub(r"<script.*?</script>", "", html, flags=re.S)    # the old "（带内）" title
    en = client.get("/analysis?lang=en").get_data(as_text=True)
    assert re.search(r'<h2 id="title-by_axis">(.*?)</h2>', en).group(1) == t("ana.by_axis_km", "en", km=5)


def summary_counts(html: str) -> dict[str, int]:
    box = html.split('id="ind-summary"')[1].split("</section>")[0]
    return {k: int(n) for k, n in re.findall(r'data-status="(\w*)"[^>]*>.*?<b class="zj-count">(\d+)</b>', box, re.S)}


def test_indicator_summary_counts_lists_and_filters_by_status(client):
    for no, year, value, unit in ((26, 2026, 42000, "万斤"), (22, 2026, 99, "%"), (1, 2026, 5.9, "%"), (2, 2026, 6.2, "%")):
        r = client.post("/api/indicators/values", headers=AUTH,
                        json={"no": no, "year": year, "value": value, "unit": unit, "source": "统计公报"})
        assert r.status_code == 201
    rows = client.get("/api/indicators/status.json").get_json()["indicators"]
    counts = Counter(r["status"] for r in rows)
    assert counts["off"] and counts["risk"]                      # the page has something to report
    html = client.get("/indicators").get_data(as_text=True)
    assert summary_counts(html) == {"": len(rows), **{k: counts.get(k, 0) for k in STATUS}}
    table = html.split('id="indicators"')[1].split("</table>")[0]
    ids = {i: (int(n), s) for n, s, i in re.findall(r'<tr data-no="(\d+)" data-sub="([^"]*)" id="([^"]+)"', table)}
    box = html.split('id="ind-attention"')[1].split("</ul>")[0]
    links = re.findall(r'<li data-status="(\w+)"[^>]*>.*?href="#([^"]+)"(.*?)</li>', box, re.S)
    want = {(r["no"], r["sub_item"]) for r in rows if r["status"] in ("off", "risk")}
    assert {ids[a] for _, a, _ in links} == want
    assert [s for s, _, _ in links] == sorted((s for s, _, _ in links), key=["off", "risk"].index)   # 滞后 first
    binding = {(r["no"], r["sub_item"]) for r in rows if r["attribute"] == "约束性"}
    for _, anchor, rest in links:
        assert ("约束性" in rest) == (ids[anchor] in binding), anchor
    for status in STATUS:
        page = client.get(f"/indicators?status={status}").get_data(as_text=True)
        shown = re.findall(r'<tr data-no="(\d+)" data-sub="([^"]*)" id="[^"]+"', page.split('id="indicators"')[1])
        assert {(int(n), s) for n, s in shown} == {(r["no"], r["sub_item"]) for r in rows if r["status"] == status}
        assert summary_counts(page) == summary_counts(html)      # the summary always counts every indicator
    assert client.get("/indicators?status=late").status_code == 400


class Links(HTMLParser):
    """The hrefs of the first <nav> of a page (the top navigation), paths only."""

    def __init__(self):
        super().__init__()
        self.depth, self.done, self.hrefs = 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "nav" and not self.done:
            self.depth += 1
        elif tag == "a" and self.depth:
            self.hrefs.append(dict(attrs)["href"].split("?")[0])

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth, self.done = 0, True


def top_nav(html: str) -> list[str]:
    p = Links()
    p.feed(html)
    return p.hrefs


def test_every_page_has_the_same_top_navigation(tmp_path):
    app = server.create_app({"token": TOKEN, "data_dir": tmp_path})
    app.extensions["zhuji"].users.add("officer", PASSWORD, "editor", "王科员")
    c = app.test_client()
    pages = ["/analysis", "/projects", "/indicators", "/towns/330681109", "/towns/999", "/login", "/ogc/collections?f=html"]
    common = ["/", "/analysis", "/projects", "/indicators", "/work"]
    for path in pages:
        assert top_nav(c.get(path).get_data(as_text=True)) == [*common, "/login"], path
    sign_in(c)
    for path in [*pages, "/work", "/account"]:
        r = c.get(path)
        assert r.status_code in (200, 404) and top_nav(r.get_data(as_text=True)) == [*common, "/account"], path
    html = c.get("/analysis").get_data(as_text=True)
    assert re.search(r'<a href="/analysis\?lang=zh" aria-current="page">', html)


def outside_details(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<details.*?</details>", " ", body, flags=re.S))


def test_town_page_says_in_chinese_where_it_comes_from_and_folds_the_notes(client, data):
    towns = data.towns.set_index("code")
    geonames = next(c for c, s in towns["seat_source"].items() if s.startswith("GeoNames"))
    estimate = next(c for c, s in towns["seat_source"].items() if s.startswith("ESTIMATE"))
    boundary = BY_ID["towns"].provenance[""][0]
    for code in (geonames, estimate):
        town = towns.loc[code]
        html = client.get(f"/towns/{code}").get_data(as_text=True)
        text = outside_details(html)
        assert boundary in text
        assert town.seat_source not in text and town.source.split(" / ")[1] not in text and town.datum not in text
        assert not re.search(r"[A-Za-z]{2,}[ ,.()]+[A-Za-z]{2,}[ ,.()]+[A-Za-z]{2,}", text), text   # no English prose
        fold = re.search(r'<details class="zj-tech">\s*<summary>(.*?)</summary>(.*?)</details>', html, re.S)
        assert fold and fold.group(1) == t("map.tech")
        for value in (town.seat_source, town.seat_basis, town.source, town.datum):
            assert value.replace("'", "&#39;") in fold.group(2)
    km = re.search(r"±(\d+) km", towns.at[estimate, "seat_source"]).group(1)
    assert t("town.seat_estimate", km=km) in outside_details(client.get(f"/towns/{estimate}").get_data(as_text=True))
    conf = t("conf." + towns.at[geonames, "seat_confidence"])
    assert t("town.seat_geonames", conf=conf) in outside_details(client.get(f"/towns/{geonames}").get_data(as_text=True))


# ---------------------------------------------------------------- the same pages in Chromium

@pytest.fixture(scope="module")
def site():
    from tests.test_projects import excel_gbk_139
    d = tempfile.mkdtemp(prefix="zhuji-analysis-")
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": d}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "cli.py", "users", "add", "chief", "--role", "admin", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, cwd=REPO, env=env, check=True, capture_output=True)
    proc, url = start_server({"ZHUJI_MAP_DATA_DIR": d})
    assert import_projects(url, excel_gbk_139(), "projects-2026.csv")["imported"] == 139
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def tab(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    page.close()


OVERFLOW = """() => [...document.querySelectorAll('.zj-chart-box')].flatMap((box) => {
  const b = box.getBoundingClientRect();
  return [...box.querySelectorAll('svg text')].filter((t) => t.textContent.trim()).map((t) => t.getBoundingClientRect())
    .filter((r) => r.right > b.right + 0.5 || r.left < b.left - 0.5).map((r) => `${box.id}: ${r.left}-${r.right} of ${b.left}-${b.right}`);
})"""


@pytest.mark.browser
def test_charts_keep_their_labels_inside_and_the_pages_fit_a_phone(tab, site):
    tab.goto(site + "/analysis")
    tab.wait_for_selector("body[data-dashboard]", timeout=15000)
    assert tab.locator("#chart-by_zone svg text", has_text="不在六大片区").count() >= 1     # 139 projects: some outside
    assert tab.evaluate(OVERFLOW) == []
    tab.set_viewport_size({"width": 390, "height": 844})
    for path, ready in (("/analysis", "body[data-dashboard]"), ("/indicators", "body[data-charts]"),
                        ("/projects", "body"), ("/towns/330681109", "body")):
        tab.goto(site + path)
        tab.wait_for_selector(ready, timeout=15000)
        assert tab.evaluate("document.scrollingElement.scrollWidth") <= 390, path
        assert tab.evaluate(OVERFLOW) == [], path
    assert tab.errors == []


def js_number(v) -> str:
    """A number as JavaScript prints it in a chart label (1186.6, 100)."""
    return repr(v).removesuffix(".0") if isinstance(v, float) else str(v)


@pytest.mark.browser
def test_the_axis_chart_follows_the_band_and_agrees_with_the_area_statistics(tab, site, data):
    tab.goto(site + "/analysis")
    tab.wait_for_selector("body[data-dashboard]", timeout=15000)
    assert tab.inner_text("#title-by_axis") == t("ana.by_axis_km", km=5)
    assert tab.locator("#chart-by_axis + p").inner_text() == t("ana.axis_overlap")     # said under the chart
    tab.fill("#ana-filters input[name=km]", "3")
    tab.press("#ana-filters input[name=km]", "Enter")
    tab.wait_for_selector("body[data-dashboard*='km=3']", timeout=15000)
    assert tab.inner_text("#title-by_axis") == t("ana.by_axis_km", km=3)
    labels = tab.eval_on_selector_all("#chart-by_axis svg text", "ts => ts.map((t) => t.textContent)")
    for branch, name in zip(data.axis["id"], data.axis["short_name"]):
        s = tab.evaluate(f"fetch('/api/stats?axis={branch}&km=3').then((r) => r.json())")
        assert name in labels and f"{js_number(s['investment_yi'])}（{s['projects']}）" in labels, (branch, labels)
    assert tab.url.rstrip("/").endswith("/analysis") and tab.errors == []              # Enter did not reload


@pytest.mark.browser
def test_indicator_types_stay_on_one_line(tab, site):
    for width in (1400, 1024):
        tab.set_viewport_size({"width": width, "height": 900})
        tab.goto(site + "/indicators")
        tab.wait_for_selector("body[data-charts]", timeout=15000)
        lines = tab.evaluate("""() => [...document.querySelectorAll('#indicators tbody tr')].map((tr) => {
          const r = document.createRange(); r.selectNodeContents(tr.cells[1]);
          return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size; })""")
        assert lines and set(lines) == {1}, (width, lines)


def log_in(tab, site):
    tab.goto(site + "/login")
    tab.fill("input[name=username]", "chief")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("#login-form button[type=submit]")
    tab.wait_for_url("**/work")


def save_value(tab, key, value):
    """Enter a 2026 value through the form and wait for the page to report it saved."""
    tab.evaluate("window.notReloaded = true")
    form = tab.locator("#value-form")
    form.locator("select[name=key]").select_option(key)
    form.locator("select[name=year]").select_option("2026")
    form.locator("input[name=value]").fill(value)
    form.locator("input[name=source]").fill("生态环境局")
    form.locator("input[name=source]").scroll_into_view_if_needed()
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("body[data-saved]", timeout=10000)
    assert tab.evaluate("window.notReloaded") is True             # updated in place, not reloaded to the top
    return tab.evaluate("document.body.dataset.saved")


def in_view(tab, locator) -> bool:
    box, view = locator.bounding_box(), tab.viewport_size
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= view["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= view["width"])


@pytest.mark.browser
def test_saving_a_value_stays_at_the_indicator(tab, site):
    log_in(tab, site)
    tab.goto(site + "/indicators")
    tab.wait_for_selector("body[data-charts]", timeout=15000)
    anchor = save_value(tab, "22|", "97")
    row = tab.locator(f"tr#{anchor}")
    assert row.get_attribute("data-no") == "22"
    assert "97" in row.inner_text()
    note = row.locator(".zj-saved-note")
    assert note.inner_text() == t("ind.saved_row", year=2026, value=97) and in_view(tab, note)
    assert in_view(tab, row)                                                           # the edited row is in view
    assert tab.evaluate("location.hash") == f"#{anchor}"                               # a reload comes back here
    rows = tab.evaluate("fetch('/api/indicators/status.json').then((r) => r.json())")["indicators"]
    counts = Counter(r["status"] for r in rows)
    assert summary_counts(tab.content()) == {"": len(rows), **{k: counts.get(k, 0) for k in STATUS}}
    assert "约束性" in tab.locator("#ind-attention").inner_text()    # 22 (优良水体比例) is binding and now off track
    tab.evaluate("window.scrollTo(0, 0); history.replaceState(null, '', location.pathname)")
    assert not in_view(tab, row)
    tab.click(f"#ind-attention a[href$='#{anchor}']")
    assert tab.evaluate("location.hash") == f"#{anchor}" and in_view(tab, row) and tab.errors == []


@pytest.mark.browser
def test_saving_on_a_phone_under_a_filter_that_hides_the_row(tab, site):
    """Filtered to 暂无数据, a first value moves 23 (森林覆盖率) out of the filter: the page shows every
    indicator instead, at the row, with the note, and still without a reload."""
    tab.set_viewport_size({"width": 390, "height": 844})
    log_in(tab, site)
    tab.goto(site + "/indicators?status=none")
    tab.wait_for_selector("body[data-charts]", timeout=15000)
    assert tab.locator("tr#ind-23").count() == 1 and tab.locator("tr#ind-22").count() == 0
    anchor = save_value(tab, "23|", "56.5")
    assert anchor == "ind-23"
    assert "status=" not in tab.url and tab.locator("tr#ind-22").count() == 1          # the whole table now
    assert tab.locator("#ind-summary a[data-status=''][aria-current]").count() == 1
    note = tab.locator("tr#ind-23 .zj-saved-note")
    assert note.inner_text() == t("ind.saved_row", year=2026, value=56.5) and in_view(tab, note)
    assert tab.evaluate("document.scrollingElement.scrollWidth") <= 390 and tab.errors == []


NAV = """() => [...document.querySelectorAll('nav.zj-page-nav a')].map((a) => {
  const r = a.getBoundingClientRect();
  return { text: a.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
           current: a.getAttribute('aria-current') };
})"""


@pytest.mark.browser
def test_the_top_navigation_fits_a_phone_and_marks_the_page(tab, site):
    tab.set_viewport_size({"width": 390, "height": 844})
    names = [t(k) for k in ("nav.map", "nav.analysis", "nav.projects", "nav.indicators", "nav.work", "nav.login")]
    for path, current in (("/analysis", "nav.analysis"), ("/projects", "nav.projects"),
                          ("/indicators", "nav.indicators"), ("/towns/330681109", None), ("/login", "nav.login")):
        tab.goto(site + path)
        links = tab.evaluate(NAV)
        assert [a["text"] for a in links] == names, path
        assert [a["text"] for a in links if a["current"] == "page"] == ([t(current)] if current else []), path
        for a in links:
            assert a["left"] >= 0 and a["right"] <= 390 and a["bottom"] - a["top"] >= 32, (path, a)   # a finger's tap
        for a, b in itertools.pairwise(links):
            assert b["left"] >= a["right"] or b["top"] >= a["bottom"] - 1, (path, a, b)               # none overlap
    assert tab.errors == []
