"""GCJ-02 (火星坐标, used by Amap/Gaode) <-> WGS84.

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
