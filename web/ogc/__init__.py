"""OGC API – Features under /ogc: a thin Flask adapter over the plain operations in ``api.py``."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from geo.errors import DataError

from ..services import services
from . import api

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def _wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson"):
            raise DataError(f"f 参数无效：“{f}”（json/html）", f"invalid f '{f}'; expected json or html", field="f")
        return f == "html"
    best = request.accept_mimetypes.best_match(["application/json", api.GEOJSON, "text/html"])
    return best == "text/html"


def _request() -> api.ApiRequest:
    return api.ApiRequest(args=request.args, base=request.host_url.rstrip("/") + "/ogc", html=_wants_html(),
                          etags=request.if_none_match.contains,
                          gzip="gzip" in request.headers.get("Accept-Encoding", ""),
                          render=render_template, query_string=request.query_string.decode())


def _respond(result: api.Result) -> Response:
    status, headers, body = result
    resp = Response(body, status=status)
    for k, v in headers.items():
        resp.headers[k] = v
    return resp


def _route(rule: str, operation, endpoint: str) -> None:
    def view(**kw):
        return _respond(operation(services().catalog, _request(), **kw))
    bp.add_url_rule(rule, endpoint, view, methods=["GET"])


_route("", api.landing, "landing")
_route("/", api.landing, "landing_slash")
_route("/conformance", api.conformance, "conformance")
_route("/collections", api.collections, "collections")
_route("/collections/<cid>", api.collection, "collection")
_route("/collections/<cid>/queryables", api.queryables, "queryables")
_route("/collections/<cid>/items", api.items, "items")
_route("/collections/<cid>/items/<path:fid>", api.item, "item")
_route("/api", api.openapi, "openapi")
