"""Basemaps for the map's switcher. None by default: the map then needs no other host at all.

Three sources, in this order (the first one is shown when the page opens; 无底图 is always offered):

- the ``basemap`` shortcuts: tianditu, tianditu-img (need ``tianditu_key``), osm, gaode;
- the ``basemaps`` setting: any XYZ or WMTS (Web Mercator) URL template with its datum, e.g. an
  intranet 天地图 or GeoServer (a TOML array of tables ``[[basemaps]]``, see README);
- raster MBTiles files in ``basemap_dir`` (default data/basemap), served by this app at /tiles/.

Every basemap says its datum. WGS84 and CGCS2000 agree to centimetres at map scale; GCJ-02 (Gaode,
Tencent) is shifted by several hundred metres, so overlays are shifted into GCJ-02 in the browser
while such a basemap is on (static/js/datum.js).
"""
from __future__ import annotations

import re

from geo.mbtiles import scan
from geo.paths import DATA

from .config import ConfigError

DATUMS = ("wgs84", "cgcs2000", "gcj02")
TYPES = ("xyz", "wmts")
KEYS = ("name", "url", "datum", "attribution", "subdomains", "type", "max_zoom", "min_zoom")
MAX_ZOOM = 18
_TDT = "https://t{{s}}.tianditu.gov.cn/DataServer?T={layer}&x={{x}}&y={{y}}&l={{z}}&tk={key}"
# WMTS KVP/RESTful placeholders → Leaflet's (Web Mercator tile matrix sets, where the matrix is the zoom)
WMTS = {"tilematrix": "z", "tilecol": "x", "tilerow": "y"}


def _tdt(ident: str, name: str, layers: tuple[str, str], key: str) -> dict:
    return {"id": ident, "name": name, "datum": "cgcs2000", "attribution": "天地图",
            "layers": [{"url": _TDT.format(layer=x, key=key), "subdomains": "01234567"} for x in layers]}


SHORTCUTS = {
    "tianditu": lambda key: _tdt("tianditu", "天地图 矢量", ("vec_w", "cva_w"), key),
    "tianditu-img": lambda key: _tdt("tianditu-img", "天地图 影像", ("img_w", "cia_w"), key),
    "osm": lambda key: {"id": "osm", "name": "OpenStreetMap", "datum": "wgs84", "attribution": "© OpenStreetMap contributors",
                        "layers": [{"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"}]},
    "gaode": lambda key: {"id": "gaode", "name": "高德地图", "datum": "gcj02", "attribution": "© 高德 AutoNavi (GCJ-02)",
                          "layers": [{"url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                                             "&style=8&x={x}&y={y}&z={z}", "subdomains": "1234"}]},
}


def basemaps_for(cfg: dict) -> tuple[list[dict], bool]:
    """(basemaps in switcher order, whether the first one — shown at start — is GCJ-02).

    Each basemap: ``id``, ``name``, ``datum``, ``attribution``, ``layers`` (Leaflet tile layer options with
    ``url``); an offline one also carries its ``mbtiles`` file (never sent to the browser)."""
    out = _shortcuts(cfg) + [_configured(b, i) for i, b in enumerate(cfg.get("basemaps") or [])]
    taken = {b["id"] for b in out}
    for m in scan(cfg.get("basemap_dir") or DATA / "basemap"):
        layer = {"url": f"/tiles/{m.id}/{{z}}/{{x}}/{{y}}.{m.ext}", "minNativeZoom": m.minzoom,
                 "maxNativeZoom": m.maxzoom, "minZoom": max(0, m.minzoom - 3)}
        if m.bounds:
            w, s, e, n = m.bounds
            layer["bounds"] = [[s, w], [n, e]]
        ident = _unique(f"file-{m.id}", taken)
        out.append({"id": ident, "name": m.name, "datum": "wgs84", "attribution": m.attribution, "layers": [layer],
                    "mbtiles": m})
    return out, bool(out) and out[0]["datum"] == "gcj02"


def _shortcuts(cfg: dict) -> list[dict]:
    names = [n.strip() for n in str(cfg.get("basemap") or "none").split(",") if n.strip() and n.strip() != "none"]
    out = []
    for n in names:
        if n not in SHORTCUTS:
            raise ConfigError(f"底图“{n}”未知，可选：none, {', '.join(SHORTCUTS)}",
                              f"unknown basemap '{n}'; expected none, {', '.join(SHORTCUTS)}", field="basemap")
        if n.startswith("tianditu") and not cfg.get("tianditu_key"):
            raise ConfigError("天地图底图需要密钥（ZHUJI_MAP_TIANDITU_KEY）", "the 天地图 basemap needs a key "
                              "(ZHUJI_MAP_TIANDITU_KEY)", field="tianditu_key")
        out.append(SHORTCUTS[n](cfg.get("tianditu_key")))
    return out


def _bad(i: int, key: str, zh: str, en: str) -> ConfigError:
    return ConfigError(f"底图设置 basemaps 第{i + 1}项的“{key}”{zh}", f"basemaps entry {i + 1}: '{key}' {en}",
                       field=f"basemaps[{i}].{key}")


def _configured(entry, i: int) -> dict:
    """One ``[[basemaps]]`` table → a basemap; every problem names the entry and the key."""
    if not isinstance(entry, dict):
        raise _bad(i, "basemaps", "应为表（[[basemaps]]）", "must be a table ([[basemaps]])")
    unknown = [k for k in entry if k not in KEYS]
    if unknown:
        raise _bad(i, unknown[0], f"未知，可用：{', '.join(KEYS)}", f"is unknown; keys: {', '.join(KEYS)}")
    for key in ("name", "url", "datum"):
        if not entry.get(key):
            raise _bad(i, key, "必填", "is required")
    datum = str(entry["datum"]).lower().replace("-", "").replace("_", "")
    if datum not in DATUMS:
        raise _bad(i, "datum", f"无效：“{entry['datum']}”，可选 WGS84、CGCS2000、GCJ-02",
                   f"is invalid: '{entry['datum']}'; expected WGS84, CGCS2000 or GCJ-02")
    kind = str(entry.get("type", "xyz")).lower()
    if kind not in TYPES:
        raise _bad(i, "type", f"无效：“{entry['type']}”，可选 xyz、wmts", f"is invalid: '{entry['type']}'; expected xyz or wmts")
    urls = entry["url"] if isinstance(entry["url"], list) else [entry["url"]]
    layers = [_layer(i, str(u), kind, entry) for u in urls]
    return {"id": f"cfg-{i + 1}", "name": str(entry["name"]), "datum": datum,
            "attribution": str(entry.get("attribution", "")), "layers": layers}


def _layer(i: int, url: str, kind: str, entry: dict) -> dict:
    if kind == "wmts":
        url = re.sub(r"\{(TileMatrix|TileCol|TileRow)\}", lambda m: "{" + WMTS[m.group(1).lower()] + "}", url,
                     flags=re.IGNORECASE)
    if not re.match(r"^(https?://|/)", url) or not all(p in url for p in ("{z}", "{x}")) or not re.search(r"\{-?y\}", url):
        raise _bad(i, "url", "应为 http(s):// 或 / 开头、含 {z} {x} {y}（WMTS：{TileMatrix} {TileCol} {TileRow}）的地址模板",
                   "must be an http(s):// or /… template with {z} {x} {y} (WMTS: {TileMatrix} {TileCol} {TileRow})")
    layer: dict = {"url": url}
    if entry.get("subdomains"):
        layer["subdomains"] = str(entry["subdomains"])
    for key, option in (("max_zoom", "maxNativeZoom"), ("min_zoom", "minZoom")):
        if key in entry:
            try:
                layer[option] = max(0, min(MAX_ZOOM, int(entry[key])))
            except (TypeError, ValueError):
                raise _bad(i, key, "应为 0–18 的整数", "must be an integer from 0 to 18") from None
    return layer


def _unique(ident: str, taken: set[str]) -> str:
    out, n = ident, 2
    while out in taken:
        out, n = f"{ident}-{n}", n + 1
    taken.add(out)
    return out


def offline(basemaps: list[dict], tiles_id: str):
    """The MBTiles file served as /tiles/<tiles_id>/…, or None."""
    return next((b["mbtiles"] for b in basemaps if "mbtiles" in b and b["mbtiles"].id == tiles_id), None)
