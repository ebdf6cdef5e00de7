"""Downloads for GIS staff: any layer in any supported format and CRS, filtered like the map.

Building a download costs CPU and memory, so at most ``max_exports`` are built at once per worker (more get a
503 with Retry-After at once, keeping the worker's threads free), and finished files are kept per data
version within a byte budget, so the same download asked again is served from memory.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from geo.crs import parse_bbox, parse_export_crs
from geo.export import FORMATS, export

from .errors import ApiError, not_found
from .services import services

bp = Blueprint("downloads", __name__)
RESERVED = ("crs", "bbox", "town")


def _build(layer: str, fmt: str, epsg: int, args) -> tuple[bytes, str, str]:
    catalog = services().catalog
    props = {k: v for k, v in args.items() if k not in RESERVED}
    rows = catalog.query(layer, bbox=parse_bbox(args.get("bbox")), props=props, town=args.get("town"))
    return export(rows, layer, fmt, epsg)


@bp.get("/api/export/<layer>.<fmt>")
def download(layer, fmt):
    catalog = services().catalog
    if layer not in catalog.collections:
        raise not_found(f"图层“{layer}”不存在", f"no layer '{layer}'; layers: {', '.join(catalog.collections)}")
    if fmt not in FORMATS:
        raise not_found(f"格式“{fmt}”不支持", f"unsupported format '{fmt}'; formats: {', '.join(FORMATS)}")
    epsg = parse_export_crs(request.args.get("crs"))
    cache = services().exports
    key = (layer, fmt, epsg, tuple(sorted(request.args.items(multi=True))), catalog.get(layer).version())
    hit = cache.get(key)
    if hit is None:
        if not cache.slots.acquire(blocking=False):
            raise ApiError(503, "下载任务较多，请几秒后重试", "too many downloads are being built; try again in a few seconds",
                           headers={"Retry-After": "5"})
        try:
            hit = _build(layer, fmt, epsg, request.args)
        finally:
            cache.slots.release()
        cache.put(key, hit)
    body, name, mime = hit
    resp = Response(body, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"})
    resp.add_etag()
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp.make_conditional(request)
