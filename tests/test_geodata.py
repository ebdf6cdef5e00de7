"""The planning geodata core against the plan's own text and the geometry rules."""
import re
from collections import Counter

import geopandas as gpd
import pandas as pd
import shapely

import geo
from geo.derive import METRIC
from tests.plan_text import PLAN, paragraphs, section

TOWNS_ISSUE = {
    "街道": ["暨阳", "陶朱", "浣东", "暨南", "大唐"],
    "镇": ["店口", "枫桥", "牌头", "次坞", "山下湖", "璜山", "应店街", "姚江", "安华", "浬浦", "东白湖", "五泄", "岭北",
          "陈宅", "同山", "赵家", "马剑"],
    "乡": ["东和"],
}


def test_23_towns_with_codes_and_types(data):
    t = data.towns
    assert len(t) == 23 and t["code"].is_unique and t["name"].is_unique
    assert all(re.fullmatch(r"330681\d{3}", c) for c in t["code"])
    for typ, shorts in TOWNS_ISSUE.items():
        assert sorted(t.loc[t["type"] == typ, "short_name"]) == sorted(shorts)
    assert t.set_index("short_name").loc["东白湖", "code"] == "330681124"   # NBS, not AreaCity's 123


def test_every_zhuanlan10_text_attached_to_its_town(data):
    texts = paragraphs("专栏 10", "（二）推动中心城区", r"^(\S+?(?:街道|镇|乡))。(.*)$")
    assert len(texts) == 23
    by_name = data.towns.set_index("name")
    for name, text in texts.items():
        assert by_name.loc[name, "positioning"] == text, name
        assert by_name.loc[name, "positioning_source"].startswith("专栏10")


def test_roles_from_the_plan(data):
    roles = data.towns.set_index("short_name")["roles"]
    assert "中心镇" in roles["店口"] and "市域副城" in roles["店口"]
    assert "中心镇" in roles["枫桥"]
    assert "融义先行区" in roles["安华"]


def test_clusters_follow_zhuanlan13_and_link_to_towns(data):
    plan = paragraphs("专栏 13", "推动公共服务设施共享", r"^(\S+?共富片区)。(.*)$")
    c = data.clusters
    assert list(c["name"]) == list(plan)            # all 23, in plan order
    assert len(c) == 23
    for name, text in plan.items():
        assert c.set_index("name").loc[name, "description"].startswith(text[:20])
    assert set(c["host_town_code"]) <= set(data.towns["code"])
    # low-confidence assignments keep their flag and alternatives; 悠闲三都 is no longer one of them:
    # its 三都社区 and 青龙谷村 are in 陶朱街道 (NBS 2023, issue 10)
    low = c[c["host_confidence"] == "low"]
    assert len(low) == 7 and (low["host_resolved"] == "no").all() and (low["host_alternatives"] != "").all()
    assert c.set_index("name").loc["十亩悦享共富片区", "host_town"] == "马剑镇"
    assert c.set_index("name").loc["悠闲三都共富片区", "host_town_code"] == "330681003"
    # the town layer lists what it hosts
    assert data.towns.set_index("short_name").loc["马剑", "clusters"] == "十亩悦享共富片区"


def test_zones_and_communities(data):
    names = ["智能视觉之城", "海归小镇", "高湖未来新区", "篮球中心片区", "西施故里片区", "临杭产业园区"]
    z = data.zones
    assert list(z["name"]) == names
    text = section("专栏3", "专栏 4")
    for _, r in z.iterrows():
        assert f"{r['name']}。{r['direction']}" in text
        assert all(h in set(data.towns["code"]) for h in r["host_town_codes"].split(";"))
    m = data.communities
    assert Counter(m["kind"]) == {"未来产业社区": 8, "科技创新重大平台": 3}
    assert set(m["host_town_code"]) <= set(data.towns["code"])
    assert "临杭产业园区" in data.towns.set_index("short_name").loc["店口", "zones"]


def test_every_zhuanlan12_item_with_status_as_written(data):
    text = re.sub(r"\s+", "", section("专栏 12", "（四）完善现代化基础设施体系"))
    text = text.replace("（一期）一檀溪村", "（一期）—檀溪村")           # OCR dash (reference README)
    k = data.corridors[data.corridors["in_plan"] == "yes"]
    assert set(k["status"]) == {"在建", "实施", "前期", "研究"}
    for _, r in k.iterrows():
        name = re.sub(r"\s+", "", r["name"])
        if name in ("湄池站恢复客运功能", "牌头站恢复客运功能"):   # one item in the plan, split in two
            assert f"湄池、牌头站恢复客运功能（{r['status']}）" in text
        else:
            assert f"{name}（{r['status']}）" in text, name
        assert r["category"] in text
    assert len(re.findall(r"（(?:在建|实施|前期|研究)）", text)) == len(k) - 1
    for _, r in k.iterrows():       # plan_text reads as a quotation, so it must be one (the whole item)
        quoted = re.sub(r"\s+", "", r["plan_text"].split("：", 1)[1])
        assert quoted in text, r["id"]
    for rid in ("R3", "R4"):
        assert "两处" in k.set_index("id").loc[rid, "location_note"]   # the map shows one item as two stations
    framing = data.corridors[data.corridors["in_plan"] == "no"]
    assert (framing["status"] == "现状").all() and len(framing) >= 5


def test_axis_two_branches(data):
    a = data.axis.set_index("id")
    assert list(a.index) == ["NS", "EW"]
    assert "融杭通金" in a.loc["NS", "name"] and "枫桥经验" in a.loc["EW", "name"]
    assert {"店口镇", "暨阳街道"} <= set(a.loc["NS", "towns"].split("；"))
    assert "枫桥镇" in a.loc["EW", "towns"] and "杜黄新村" in a.loc["EW", "villages"]
    assert "枫江村（山下湖镇" in a.loc["EW", "villages"]          # 330681108238 (NBS 2023), not "not found"
    for b in data.axis_doc["branches"]:
        assert b["plan_text"].replace(" ", "") in PLAN.replace(" ", "")


def test_indicators_and_investment(data):
    ind = data.indicators
    assert sorted(set(ind["no"].astype(int))) == list(range(1, 27))
    assert set(ind["attribute"]) == {"预期性", "约束性"}
    assert ind.set_index("no").loc["26", "value_2025"] == "42700"
    inv, tot = data.investment, data.investment_totals.iloc[0]
    assert len(inv) == int(tot["sectors"]) == 10
    for col in ("projects", "total_investment_yi", "period_investment_yi"):
        assert inv[col].astype(int).sum() == int(tot[col])
    assert (int(tot["projects"]), int(tot["total_investment_yi"]), int(tot["period_investment_yi"])) == (139, 3006, 1670)
    assert "139 个重大项目，总投资 3006 亿元" in PLAN


def test_every_feature_has_provenance(data):
    for lid in geo.LAYER_IDS:
        g = data.layer(lid)
        assert g.crs.to_epsg() == 4326
        assert g["source"].str.len().min() > 0 and set(g["datum"]) and set(g["accuracy"]) <= {"official", "derived", "schematic"}


def test_geometry_valid_inside_and_tiling(data):
    errors, warnings = geo.validate(data)
    assert errors == [] and warnings == []
    county = data.county.to_crs(METRIC).geometry.iloc[0]
    t = data.towns.to_crs(METRIC)
    assert t.is_valid.all() and not t.is_empty.any()
    assert abs(t.area.sum() - county.area) / county.area < 0.005
    union = t.union_all()
    assert (t.area.sum() - union.area) / county.area < 0.005            # no overlaps
    assert abs(union.area - county.area) / county.area < 0.005          # no gaps
    seats = gpd.points_from_xy(data.towns["seat_lon"].astype(float), data.towns["seat_lat"].astype(float))
    for geom, seat, name in zip(data.towns.geometry, seats, data.towns["name"]):
        assert geom.contains(seat), name
    for lid in ("zones", "corridors", "axis", "communities"):
        g = data.layer(lid).to_crs(METRIC)
        assert g.within(county.buffer(1)).all(), lid


def test_county_outline_area_and_datum(data):
    c = data.county
    area = c.to_crs(METRIC).area.iloc[0] / 1e6
    assert 2300 < area < 2330                                    # official 2,311 km²
    minx, _, _, maxy = c.total_bounds                            # converted (WGS84) bounds, reference README
    assert abs(minx - 119.8841) < 2e-4 and abs(maxy - 29.9844) < 2e-4
    assert "GCJ-02 converted to WGS84" in c["source"].iloc[0]
    assert len(data.neighbours) == 8


def test_a6_lies_within_its_two_towns_not_at_the_city_centre(data):
    # 檀溪村 330681104285 is in 店口镇 and 三江村 330681109299 in 枫桥镇 (NBS 2023); it was a point on the 暨阳 seat.
    # Its course is unknown, so only its two ends are drawn (no line anybody could take for the road).
    a6 = data.corridors.set_index("id").to_crs(METRIC).loc["A6", "geometry"]
    t = data.towns.set_index("short_name").to_crs(METRIC)
    assert a6.geom_type == "MultiPoint" and len(a6.geoms) == 2
    assert a6.within(t.loc["店口", "geometry"].union(t.loc["枫桥", "geometry"]))
    assert a6.intersects(t.loc["店口", "geometry"]) and a6.intersects(t.loc["枫桥", "geometry"])
    seat = data.towns.set_index("short_name").loc["暨阳", ["seat_lon", "seat_lat"]].astype(float)
    centre = gpd.GeoSeries(gpd.points_from_xy([seat["seat_lon"]], [seat["seat_lat"]]), crs=4326).to_crs(METRIC)
    assert a6.distance(centre.iloc[0]) > 10_000
    assert "走向未知" in data.corridors.set_index("id").loc["A6", "source"]


def test_no_two_lines_share_one_polyline(data):
    """Corridors ∪ axis: no identical geometry, and no two lines run along the same stretch."""
    lines = pd.concat([data.corridors[["id", "geometry"]], data.axis[["id", "geometry"]]]).to_crs(METRIC)
    geoms = list(zip(lines["id"], lines.geometry))
    for i, (a, ga) in enumerate(geoms):
        for b, gb in geoms[i + 1:]:
            assert not ga.equals(gb), (a, b)
            if ga.geom_type.endswith("LineString") and gb.geom_type.endswith("LineString"):
                overlap = ga.intersection(gb.buffer(1))        # a shared stretch, not a crossing
                assert overlap.length < 50, (a, b, overlap.length)


def test_the_g60_branch_follows_g60_not_the_railway(data):
    a = data.axis.set_index("id").to_crs(METRIC)
    k = data.corridors.set_index("id").to_crs(METRIC)
    ns, rail, g60 = a.loc["NS", "geometry"], k.loc["X1", "geometry"], k.loc["X3", "geometry"]
    assert ns.hausdorff_distance(rail) > 3000                 # it was the railway's very polyline
    t = data.towns.set_index("short_name").to_crs(METRIC)
    assert ns.intersects(t.loc["大唐", "geometry"]) and ns.intersects(t.loc["店口", "geometry"])
    south = shapely.box(*t.loc[["牌头", "安华"]].total_bounds)          # the stem, where G60 runs
    assert ns.intersection(south).hausdorff_distance(g60.intersection(south)) < 2000
    assert "大唐街道" in a.loc["NS", "towns"]


def test_stacked_points_are_set_apart_so_each_can_be_clicked(data):
    pts = []
    for lid in ("corridors", "communities"):
        g = data.layer(lid).to_crs(METRIC)
        for ident, geom in zip(g["id"], g.geometry):
            pts += [(f"{lid}:{ident}", p) for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Point"]
    z = data.zones
    labels = gpd.GeoSeries(gpd.points_from_xy(z["label_lon"], z["label_lat"]), crs=4326).to_crs(METRIC)
    pts += [(f"zones:{i}", p) for i, p in zip(z["id"], labels)]
    close = [(a, b) for i, (a, pa) in enumerate(pts) for b, pb in pts[i + 1:] if pa.distance(pb) < 100]
    assert close == []
    moved = data.corridors.set_index("id").loc["T1", "source"]
    assert "错开" in moved                                     # the popup says why it is not on the seat


def test_zones_are_areas_of_their_host_towns(data):
    z, t = data.zones.set_index("id"), data.towns.set_index("code")
    assert set(z.geom_type) == {"MultiPolygon"}
    for zid, r in z.iterrows():
        hosts = shapely.union_all(list(t.loc[r["host_town_codes"].split(";"), "geometry"]))
        assert r.geometry.symmetric_difference(hosts).area < 1e-8, zid
        assert r.geometry.contains(shapely.Point(r["label_lon"], r["label_lat"])), zid
        assert r["accuracy"] == "schematic" and "示意" in r["source"]
    assert z.loc["Z1", "host_resolved"] == "no"               # shown as unresolved on the map


def test_pinyin_search_keys_are_those_of_the_full_phrase_dictionary(data):
    """The service loads pypinyin without its phrase dictionary (43 MB a process); for every name searched by
    pinyin (towns, clusters, zones, communities) that must give the keys the dictionary gives."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from geo.load import pinyin_keys
    names = [*data.towns["short_name"], *data.clusters["name"], *data.zones["name"], *data.communities["name"]]
    code = ("import json, sys; from geo.load import pinyin_keys; "
            "print(json.dumps([pinyin_keys(n) for n in json.loads(sys.stdin.read())]))")
    env = {**os.environ, "PYPINYIN_NO_PHRASES": ""}           # empty: pypinyin loads its phrases
    full = json.loads(subprocess.run([sys.executable, "-c", code], input=json.dumps(names), env=env, text=True,
                                     cwd=Path(__file__).parents[1], capture_output=True, check=True).stdout)
    assert "pypinyin.phrases_dict" not in sys.modules
    assert [pinyin_keys(n) for n in names] == full
    searched = [*data.towns["search"], *data.clusters["search"], *data.zones["search"], *data.communities["search"]]
    assert all(k in s for k, s in zip(full, searched))
