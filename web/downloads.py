"""Downloads for GIS staff: any layer in any supported format and CRS, filtered like the map."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from geo.crs import parse_bbox, parse_export_crs
from geo.export import FORMATS, export

from .errors import not_found
from .services import services

bp = Blueprint("downloads", __name__)
RESERVED = ("crs", "bbox", "town")


@bp.get("/api/export/<layer>.<fmt>")
def download(layer, fmt):
    catalog = services().catalog
    if layer not in catalog.collections:
        raise not_found(f"图层“{layer}”不存在", f"no layer '{layer}'; layers: {', '.join(catalog.collections)}")
    if fmt not in FORMATS:
        raise not_found(f"格式“{fmt}”不支持", f"unsupported format '{fmt}'; formats: {', '.join(FORMATS)}")
    epsg = parse_export_crs(request.args.get("crs"))
    props = {k: v for k, v in request.args.items() if k not in RESERVED}
    rows = catalog.query(layer, bbox=parse_bbox(request.args.get("bbox")), props=props, town=request.args.get("town"))
    body, name, mime = export(rows, layer, fmt, epsg)
    resp = Response(body, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"})
    resp.add_etag()
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp.make_conditional(request)
