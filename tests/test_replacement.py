"""Authoritative files dropped into data/boundaries/ replace derived geometry with no code change."""
import subprocess
import sys

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

import geo
from tests.conftest import REPO


def authoritative_towns(data, crs):
    """The towns as a GIS department would hand them over: its own CRS, its own column names."""
    t = data.towns[["code", "name", "geometry"]].rename(columns={"code": "XZQDM", "name": "XZQMC"})
    t["XZQDM"] = t["XZQDM"] + "000"          # 12-digit statistical code, as many files carry it
    return gpd.GeoDataFrame(t, crs=4326).to_crs(crs)


def links(d):
    cols = ["code", "clusters", "zones", "communities", "platforms", "axis_branches", "corridors"]
    return d.towns[cols].sort_values("code").reset_index(drop=True)


@pytest.mark.parametrize("crs,filename,driver", [
    ("EPSG:4549", "towns.gpkg", "GPKG"),          # CGCS2000 3° Gauss-Krüger CM 120°E
    ("EPSG:4490", "towns.shp", "ESRI Shapefile"),  # CGCS2000 geographic
    ("EPSG:4490", "乡镇_2025.geojson", "GeoJSON"),
])
def test_replacement_in_cgcs2000_gives_same_joins(data, data_copy, crs, filename, driver):
    plan, bounds = data_copy
    authoritative_towns(data, crs).to_file(bounds / filename, driver=driver)
    d = geo.load(plan, bounds)
    assert d.problems == []
    assert set(d.towns["accuracy"]) == {"official"}
    assert filename in d.geometry_sources["towns"] and "authoritative" in d.geometry_sources["towns"]
    assert crs.split(":")[1] in d.towns["datum"].iloc[0]
    # coordinates survive the round trip through CGCS2000
    a = d.towns.set_index("code").geometry
    b = data.towns.set_index("code").geometry
    for code in b.index:
        assert a[code].equals_exact(b[code], tolerance=1e-6)
    # clusters follow the authoritative town polygons; every join is unchanged
    assert (d.clusters["accuracy"] == "derived").all()
    assert "official town geometry" in d.clusters["source"].iloc[0]
    assert links(d).equals(links(data))
    errors, _ = geo.validate(d)
    assert errors == []


def test_gbk_shapefile_without_cpg_joined_by_short_name(data, data_copy):
    plan, bounds = data_copy
    t = gpd.GeoDataFrame({"名称": data.towns["short_name"]}, geometry=data.towns.geometry, crs=4326).to_crs(4490)
    t.to_file(bounds / "towns.shp", encoding="gbk")
    (bounds / "towns.cpg").unlink(missing_ok=True)
    d = geo.load(plan, bounds)
    assert d.problems == [] and set(d.towns["accuracy"]) == {"official"}


def refused(d, *needles):
    assert set(d.towns["accuracy"]) == {"derived"}, "derived geometry must stay in use"
    assert len(d.problems) == 1 and isinstance(d.problems[0], geo.ReplacementError)
    msg = str(d.problems[0])
    for n in needles:
        assert n in msg, msg
    return msg


def test_no_crs_is_refused(data, data_copy):
    plan, bounds = data_copy
    authoritative_towns(data, "EPSG:4549").to_file(bounds / "towns.shp")
    (bounds / "towns.prj").unlink()
    msg = refused(geo.load(plan, bounds), "没有坐标参考系", "no coordinate reference system", "towns.shp")
    assert msg.index("没有坐标参考系") < msg.index("no coordinate reference system")   # Chinese first


def test_projected_coordinates_in_plain_geojson_are_refused(data, data_copy):
    plan, bounds = data_copy
    gk = authoritative_towns(data, "EPSG:4549")
    gk.set_crs(4326, allow_override=True).to_file(bounds / "towns.geojson")   # metres labelled as degrees
    refused(geo.load(plan, bounds), "EPSG:4549")


def test_unknown_names_missing_and_duplicate_codes_are_named(data, data_copy):
    plan, bounds = data_copy
    t = authoritative_towns(data, "EPSG:4490")
    t.loc[0, ["XZQDM", "XZQMC"]] = ["", "不存在镇"]                       # 暨阳 becomes unknown → also missing
    t.loc[2, "XZQDM"] = t.loc[1, "XZQDM"]                                  # 陶朱 duplicates 浣东's code
    t.loc[2, "XZQMC"] = "浣东街道"
    t.to_file(bounds / "towns.gpkg")
    msg = refused(geo.load(plan, bounds), "不存在镇", "重复", "浣东街道（330681002）", "缺少", "暨阳街道（330681001）",
                  "陶朱街道（330681003）", "missing", "duplicated")
    assert "derived geometry stays in use" in msg


def test_broken_geometry_is_refused(data, data_copy):
    plan, bounds = data_copy
    t = authoritative_towns(data, "EPSG:4326")
    x, y = data.towns["seat_lon"].astype(float)[0], data.towns["seat_lat"].astype(float)[0]
    bowtie = Polygon([(x, y), (x + .01, y + .01), (x + .01, y), (x, y + .01)])
    t.loc[5, "geometry"] = bowtie
    t.to_file(bounds / "towns.gpkg")
    refused(geo.load(plan, bounds), "几何无效", "invalid geometry", "第6个要素")


def test_two_replacement_files_are_ambiguous(data, data_copy):
    plan, bounds = data_copy
    authoritative_towns(data, "EPSG:4490").to_file(bounds / "towns.gpkg")
    authoritative_towns(data, "EPSG:4490").to_file(bounds / "towns_v2.geojson")
    refused(geo.load(plan, bounds), "多个替换文件", "keep exactly one")


def test_partial_corridor_replacement(data, data_copy):
    plan, bounds = data_copy
    line = data.corridors.set_index("id").loc[["H4"], ["geometry"]].reset_index()
    line["accuracy"] = "official"
    gpd.GeoDataFrame(line, crs=4326).to_crs(4549).to_file(bounds / "corridors.gpkg")
    d = geo.load(plan, bounds)
    k = d.corridors.set_index("id")
    assert k.loc["H4", "accuracy"] == "official" and k.loc["H1", "accuracy"] == "schematic"
    assert len(d.corridors) == len(data.corridors)


def test_data_check_reports_refused_file_and_fails(data, data_copy):
    plan, bounds = data_copy
    authoritative_towns(data, "EPSG:4549").to_file(bounds / "towns.shp")
    (bounds / "towns.prj").unlink()
    r = subprocess.run([sys.executable, "cli.py", "data", "check", "--plan-dir", str(plan), "--boundaries-dir", str(bounds)],
                       cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 1
    assert "没有坐标参考系" in r.stderr and "towns           23" in r.stdout
