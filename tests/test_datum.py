"""GCJ-02 (Gaode/Tencent) and BD-09 (Baidu) against published reference points, and round trips."""
import numpy as np
import pytest

from geo.datum import bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02

# (wgs lon, wgs lat, gcj lon, gcj lat) from googollee/eviltransform's test suite
GCJ_REFERENCE = [(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),      # Shanghai
                 (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),      # Shenzhen
                 (116.377817, 39.911954, 116.38404722455657, 39.91334545536069)]      # Beijing
# wandergis/coordtransform's example: GCJ-02 (116.404, 39.915) → BD-09
BD_REFERENCE = (116.404, 39.915, 116.41036949371029, 39.92133699351021)


@pytest.mark.parametrize("wlon, wlat, glon, glat", GCJ_REFERENCE)
def test_gcj02_matches_the_published_points(wlon, wlat, glon, glat):
    x, y = wgs84_to_gcj02(wlon, wlat)
    assert float(x) == pytest.approx(glon, abs=1e-8) and float(y) == pytest.approx(glat, abs=1e-8)
    x, y = gcj02_to_wgs84(glon, glat)                 # the inverse by iteration: within a millimetre
    assert float(x) == pytest.approx(wlon, abs=1e-8) and float(y) == pytest.approx(wlat, abs=1e-8)


def test_bd09_matches_the_published_point_and_round_trips():
    glon, glat, blon, blat = BD_REFERENCE
    x, y = gcj02_to_bd09(glon, glat)
    assert float(x) == pytest.approx(blon, abs=1e-9) and float(y) == pytest.approx(blat, abs=1e-9)
    x, y = bd09_to_gcj02(blon, blat)
    assert float(x) == pytest.approx(glon, abs=1e-8) and float(y) == pytest.approx(glat, abs=1e-8)


def test_round_trips_over_zhuji():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(119.9, 120.5, 500), rng.uniform(29.4, 30.0, 500)
    for fwd, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        x, y = back(*fwd(lon, lat))
        assert np.abs(x - lon).max() < 1e-8 and np.abs(y - lat).max() < 1e-8
    gx, gy = wgs84_to_gcj02(lon, lat)                   # the offset the officers' points carry: about half a km
    metres = np.hypot((gx - lon) * 96_500, (gy - lat) * 111_000)
    assert metres.min() > 300 and metres.max() < 800
