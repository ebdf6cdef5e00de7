"""Optional basemaps. None by default: the map then needs no other host at all.

天地图 (CGCS2000 ≈ WGS84) needs a key; Gaode tiles are GCJ-02, so overlays are shifted into
GCJ-02 in the browser when it is on.
"""
from __future__ import annotations

from geo.errors import DataError

_TDT = "https://t{{s}}.tianditu.gov.cn/DataServer?T={layer}&x={{x}}&y={{y}}&l={{z}}&tk={key}"
BASEMAPS = {
    "tianditu": lambda key: [
        {"name": "天地图 矢量", "attribution": "天地图", "subdomains": "01234567", "url": _TDT.format(layer="vec_w", key=key)},
        {"name": "天地图 注记", "attribution": "天地图", "subdomains": "01234567", "url": _TDT.format(layer="cva_w", key=key)}],
    "tianditu-img": lambda key: [
        {"name": "天地图 影像", "attribution": "天地图", "subdomains": "01234567", "url": _TDT.format(layer="img_w", key=key)},
        {"name": "天地图 影像注记", "attribution": "天地图", "subdomains": "01234567", "url": _TDT.format(layer="cia_w", key=key)}],
    "osm": lambda key: [{"name": "OpenStreetMap", "attribution": "© OpenStreetMap contributors",
                         "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "subdomains": "abc"}],
    "gaode": lambda key: [{"name": "高德地图", "attribution": "© 高德 AutoNavi (GCJ-02)", "subdomains": "1234",
                           "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                                  "&x={x}&y={y}&z={z}"}],
}


def basemaps_for(cfg: dict) -> tuple[list[dict], bool]:
    """(tile layers, whether overlays must be shifted into GCJ-02)."""
    names = [n.strip() for n in str(cfg.get("basemap") or "none").split(",") if n.strip() and n.strip() != "none"]
    out, gcj = [], False
    for n in names:
        if n not in BASEMAPS:
            raise DataError(f"底图“{n}”未知，可选：none, {', '.join(BASEMAPS)}",
                            f"unknown basemap '{n}'; expected none, {', '.join(BASEMAPS)}", field="basemap")
        if n.startswith("tianditu") and not cfg.get("tianditu_key"):
            raise DataError("天地图底图需要密钥（ZHUJI_MAP_TIANDITU_KEY）", "the 天地图 basemap needs a key "
                            "(ZHUJI_MAP_TIANDITU_KEY)", field="tianditu_key")
        out += BASEMAPS[n](cfg.get("tianditu_key"))
        gcj = gcj or n == "gaode"
    if gcj and len(names) > 1:
        raise DataError("高德底图（GCJ-02）不能与其他底图同时使用", "Gaode (GCJ-02) cannot be combined with other basemaps",
                        field="basemap")
    return out, gcj
