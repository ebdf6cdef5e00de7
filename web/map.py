"""The map page and what it loads: layer data, context outline, static files and npm assets."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, send_from_directory

from geo.registry import LAYERS, PLAN_LAYER_IDS
from layers import VIEWS

from .assets import STATIC, VENDOR, is_served
from .errors import ApiError, not_found
from .i18n import request_lang
from .openapi import openapi_document
from .services import MAP_FEED, services
from .tiles import RULE as TILE_RULE
from .tiles import tile

bp = Blueprint("map", __name__)
bp.add_url_rule(TILE_RULE, view_func=tile)          # offline basemap tiles (web/tiles.py)
STATIC_FILES = ("app.css", "discs.css", "pages.css", "work.css")


def request_view() -> str:
    view = request.args.get("view", "axis")
    if view not in VIEWS:
        raise ApiError(400, f"view 参数无效：“{view}”，可选 {', '.join(VIEWS)}",
                       f"invalid view '{view}'; expected one of {', '.join(VIEWS)}", field="view")
    return view


@bp.get("/")
def index():
    view, lang = request_view(), request_lang()
    return services().page(view, lang).response(max_age=60)


@bp.get("/api/layers")
def layer_list():
    lang, s = request_lang(), services()
    return jsonify([{
        "id": d.id, "title": d.zh if lang == "zh" else d.en,
        "count": s.store.count() if d.stored else len(s.data.layer(d.id)),
        "accuracy": sorted(s.accuracy.get(d.id, [])),
        "geometry_source": s.data.geometry_sources.get(d.id, "project store"),
        "url": f"/api/layers/{d.id}.geojson"} for d in LAYERS])


@bp.get("/api/layers/<layer_id>.geojson")
def layer_geojson(layer_id):
    s = services()
    if layer_id == "projects":
        return Response(s.projects_geojson(), mimetype="application/geo+json", headers={"Cache-Control": "no-cache"})
    if layer_id not in s.layers:
        raise not_found(f"图层“{layer_id}”不存在", f"no layer '{layer_id}'; layers: {', '.join(PLAN_LAYER_IDS)}, projects")
    return s.layers[layer_id].response()


@bp.get(MAP_FEED)
def map_projects():
    return services().projects_feed().response(max_age=0)


@bp.get("/api/context.geojson")
def context_geojson():
    return services().context.response(max_age=3600)


@bp.get("/api/openapi.json")
def openapi_json():
    """The whole service's API description (the OGC API's service-desc at /ogc/api is the same document)."""
    return jsonify(openapi_document(services().catalog, request.host_url.rstrip("/")))


@bp.get("/healthz")
def healthz():
    s = services()
    return jsonify(status="ok", layers={lid: len(s.data.layer(lid)) for lid in PLAN_LAYER_IDS},
                   problems=[p.to_dict() for p in s.data.problems])


@bp.get("/favicon.ico")
def favicon():
    return Response(status=204)


@bp.get("/static/<path:name>")
def static_file(name):
    if name not in STATIC_FILES and not (name.startswith("js/") and name.endswith(".js") and ".." not in name):
        raise not_found(f"文件“{name}”不存在", f"no file '{name}'")
    return send_from_directory(STATIC, name, max_age=300)


@bp.get("/static/vendor/<package>/<path:path>")
def vendor(package, path):
    if not is_served(package, path, services().vendor_packages):
        raise not_found(f"文件“{package}/{path}”不存在", f"no file '{package}/{path}'")
    return send_from_directory(VENDOR / package, path, max_age=86400)
