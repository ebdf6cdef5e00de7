"""Offline basemap tiles: /tiles/<name>/{z}/{x}/{y}.png from an MBTiles file in ``basemap_dir``.

Registered on the map blueprint (web/map.py). A tile the file does not have is a 404 (Leaflet then
leaves that square empty); tiles carry an ETag and may be kept by the browser for an hour.
"""
from __future__ import annotations

import hashlib

from flask import Response, request

from geo.mbtiles import mimetype

from .basemaps import offline
from .errors import not_found
from .services import services

RULE = "/tiles/<name>/<int:z>/<int:x>/<int:y>.<ext>"
EXTS = ("png", "jpg", "jpeg", "webp")


def tile(name: str, z: int, x: int, y: int, ext: str) -> Response:
    source = offline(services().basemaps, name) if ext in EXTS else None
    if source is None:
        raise not_found(f"离线底图“{name}”不存在", f"no offline basemap '{name}'")
    data = source.tile(z, x, y)
    if data is None:
        raise not_found(f"离线底图“{name}”没有瓦片 {z}/{x}/{y}", f"offline basemap '{name}' has no tile {z}/{x}/{y}")
    etag = hashlib.blake2b(data, digest_size=12).hexdigest()
    resp = Response(status=304) if request.if_none_match.contains(etag) else Response(data, mimetype=mimetype(data, ext))
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp
