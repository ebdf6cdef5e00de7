"""GCJ-02 (火星坐标, used by Amap/Gaode and Tencent) and BD-09 (Baidu) <-> WGS84.

GCJ-02 is an obfuscation of WGS84, not a datum pyproj knows, so the public-domain forward
formula is used and inverted by fixed-point iteration (converges to < 1e-9° in a few rounds).
Over Zhuji the offset is about 0.5 km (GCJ − WGS ≈ +0.0044° lon, −0.0025° lat).
"""
from __future__ import annotations

import numpy as np

_A = 6378245.0                  # Krasovsky 1940 semi-major axis used by the formula
_EE = 0.00669342162296594323    # its first eccentricity squared


def _delta(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * np.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, iterations: int = 6):
    gl, ga = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wl, wa = gl.copy(), ga.copy()
    for _ in range(iterations):
        fl, fa = wgs84_to_gcj02(wl, wa)
        wl, wa = wl - (fl - gl), wa - (fa - ga)
    return wl, wa


def geometry_gcj02_to_wgs84(geom):
    """Convert every vertex of a shapely geometry from GCJ-02 to WGS84."""
    import shapely

    def conv(coords):
        x, y = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, conv)


# BD-09 (Baidu) is GCJ-02 shifted once more by Baidu's public formula.
_X_PI = np.pi * 3000.0 / 180.0


def gcj02_to_bd09(lon, lat):
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat, iterations: int = 4):
    """Baidu's approximate inverse, then refined by fixed-point iteration of the forward formula."""
    bl, ba = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = bl - 0.0065, ba - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gl, ga = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        fl, fa = gcj02_to_bd09(gl, ga)
        gl, ga = gl - (fl - bl), ga - (fa - ba)
    return gl, ga


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
