"""OGC API – Features (Part 1 Core, Part 2 CRS by reference) under /ogc.

The web layer only: collections and filtering come from geo.features.Catalog (the providers).
Responses are pre-serialised per feature, so a page is a join of bytes; large pages stream.
"""
from __future__ import annotations

import hashlib
import zlib
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, abort, jsonify, render_template_string, request
from markupsafe import Markup, escape

from geo.errors import DataError
from geo.geojson import dumps
from geo.features import CRS84, SUPPORTED_CRS, Catalog, bbox_to_4326, crs_uri, parse_bbox, parse_crs

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GEOJSON = "application/geo+json"
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"}
MAX_LIMIT, DEFAULT_LIMIT = 10_000, 10
STREAM_ABOVE = 2000   # features; larger pages are streamed

HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"><style>body{max-width:1100px;margin:20px auto;padding:0 16px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}</style>
</head><body><p><a href="/ogc?f=html">OGC API – Features</a> · <a href="/">地图 / map</a></p><h1>{{ title }}</h1>
{{ body }}</body></html>"""


def _html(title: str, body: str) -> Response:
    # `body` is assembled from escape()d values only, so it is marked safe as a whole
    return Response(render_template_string(HTML, title=title, body=Markup(body)), mimetype="text/html")


def wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson"):
            raise DataError(f"f 参数无效：“{f}”（json/html）", f"invalid f '{f}'; expected json or html", field="f")
        return f == "html"
    best = request.accept_mimetypes.best_match(["application/json", GEOJSON, "text/html"])
    return best == "text/html"


def ogc_blueprint(catalog: Catalog) -> Blueprint:
    bp = Blueprint("ogc", __name__, url_prefix="/ogc")

    def base() -> str:
        return request.host_url.rstrip("/") + "/ogc"

    def collection_doc(cid: str) -> dict:
        c = catalog.get(cid)
        g = c.frame()
        minx, miny, maxx, maxy = (g.total_bounds if len(g) else catalog.data.county.total_bounds)
        return {
            "id": cid, "title": c.title, "description": c.description, "itemType": "feature",
            "extent": {"spatial": {"bbox": [[round(minx, 6), round(miny, 6), round(maxx, 6), round(maxy, 6)]], "crs": CRS84},
                       "temporal": {"interval": [[None, None]]}},
            "crs": list(SUPPORTED_CRS), "storageCrs": CRS84,
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base()}/collections/{cid}"},
                {"rel": "items", "type": GEOJSON, "title": c.title, "href": f"{base()}/collections/{cid}/items"},
                {"rel": "items", "type": "text/html", "href": f"{base()}/collections/{cid}/items?f=html"},
                {"rel": "describedby", "type": "application/schema+json", "href": f"{base()}/collections/{cid}/queryables"},
            ],
        }

    def cached_json(doc: dict) -> Response:
        body = dumps(doc)
        etag = hashlib.sha256(body).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            resp = Response(status=304)
        else:
            resp = Response(body, mimetype="application/json")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "public, max-age=60"
        return resp

    @bp.errorhandler(DataError)
    def bad_request(exc: DataError):
        return jsonify(code="InvalidParameterValue", description=str(exc)), 400

    @bp.get("")
    @bp.get("/")
    def landing():
        doc = {"title": "诸暨“十五五”规划一张图 OGC API – Features",
               "description": "Zhuji 15th Five-Year Plan layers (plan attributes, provenance, accuracy) and projects",
               "links": [
                   {"rel": "self", "type": "application/json", "href": f"{base()}"},
                   {"rel": "alternate", "type": "text/html", "href": f"{base()}?f=html"},
                   {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": f"{base()}/api"},
                   {"rel": "conformance", "type": "application/json", "href": f"{base()}/conformance"},
                   {"rel": "data", "type": "application/json", "href": f"{base()}/collections"},
               ]}
        if wants_html():
            items = "".join(f'<li><a href="{escape(l["href"])}">{escape(l["rel"])}</a></li>' for l in doc["links"])
            return _html(doc["title"], f"<p>{escape(doc['description'])}</p><ul>{items}</ul>"
                                       f'<p><a href="{base()}/collections?f=html">collections</a></p>')
        return cached_json(doc)

    @bp.get("/conformance")
    def conformance():
        if wants_html():
            return _html("Conformance", "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in CONFORMANCE) + "</ul>")
        return cached_json({"conformsTo": CONFORMANCE})

    @bp.get("/collections")
    def collections():
        docs = [collection_doc(cid) for cid in catalog.collections]
        if wants_html():
            rows = "".join(f'<tr><td><a href="{base()}/collections/{escape(d["id"])}/items?f=html">{escape(d["id"])}</a></td>'
                           f'<td>{escape(d["title"])}</td><td>{escape(d["description"])}</td></tr>' for d in docs)
            return _html("Collections", f"<table>{rows}</table>")
        return cached_json({"collections": docs, "links": [
            {"rel": "self", "type": "application/json", "href": f"{base()}/collections"}]})

    def get_collection(cid: str):
        try:
            return catalog.get(cid)
        except KeyError:
            abort(404, description=f"集合“{cid}”不存在 / no collection '{cid}'; collections: {', '.join(catalog.collections)}")

    @bp.get("/collections/<cid>")
    def collection(cid):
        get_collection(cid)
        doc = collection_doc(cid)
        if wants_html():
            return _html(doc["title"], f"<p>{escape(doc['description'])}</p>"
                                       f'<p><a href="{base()}/collections/{escape(cid)}/items?f=html">items</a></p>')
        return cached_json(doc)

    @bp.get("/collections/<cid>/queryables")
    def queryables(cid):
        c = get_collection(cid)
        return cached_json({"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object",
                            "title": c.title, "properties": {q: {"type": "string"} for q in c.queryables()}})

    def parse_int(name: str, default: int, lo: int, hi: int) -> int:
        raw = request.args.get(name)
        if raw is None:
            return default
        try:
            v = int(raw)
        except ValueError:
            raise DataError(f"{name} 应为整数：“{raw}”", f"{name} must be an integer, got '{raw}'", field=name) from None
        if not lo <= v <= hi:
            raise DataError(f"{name} 应在 {lo}–{hi} 之间", f"{name} must be between {lo} and {hi}", field=name)
        return v

    def check_datetime(value: str | None) -> None:
        """Accepted gracefully: the collections have no time dimension, so a valid interval filters nothing."""
        import datetime as dt
        if not value:
            return
        for part in value.split("/"):
            if part in ("..", ""):
                continue
            try:
                dt.datetime.fromisoformat(part.replace("Z", "+00:00"))
            except ValueError:
                raise DataError(f"datetime 无效：“{value}”", f"invalid datetime '{value}' (RFC 3339 or interval)",
                                field="datetime") from None

    @bp.get("/collections/<cid>/items")
    def items(cid):
        c = get_collection(cid)
        args = request.args
        html = wants_html()
        limit = parse_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = parse_int("offset", 0, 0, 10**9)
        out_epsg = parse_crs(args.get("crs"), "crs")
        bbox = parse_bbox(args.get("bbox"))
        bbox_epsg = parse_crs(args.get("bbox-crs"), "bbox-crs")
        if args.get("bbox-crs") and bbox is None:
            raise DataError("给出了 bbox-crs 但没有 bbox", "bbox-crs given without bbox", field="bbox-crs")
        check_datetime(args.get("datetime"))
        qset = set(c.queryables())
        props = {}
        for k in args:
            if k in RESERVED:
                continue
            if k not in qset:
                raise DataError(f"未知参数“{k}”", f"unknown parameter '{k}'; queryables: {', '.join(sorted(qset))}", field=k)
            props[k] = args.get(k)
        version = c.version()
        etag = hashlib.sha256(f"{cid}|{version}|{request.query_string.decode()}|{html}".encode()).hexdigest()[:32]
        if request.if_none_match.contains(etag):
            r = Response(status=304)
            r.set_etag(etag)
            return r
        pos = catalog.select(cid, bbox=bbox_to_4326(bbox, bbox_epsg) if bbox else None, props=props)
        matched = len(pos)
        page = pos[offset:offset + limit]
        if html:
            g = c.frame().iloc[page]
            cols = [k for k in g.columns if k != g.geometry.name][:12]
            head = "".join(f"<th>{escape(k)}</th>" for k in cols)
            rows = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else v)}</td>" for v in r) + "</tr>"
                           for r in g[cols].itertuples(index=False, name=None))
            return _html(f"{c.title} ({matched})", f"<table><tr>{head}</tr>{rows}</table>")
        feats = catalog.encoded(cid, out_epsg)

        def link(rel, off):
            q = {k: v for k, v in args.items()}
            q.update(offset=off, limit=limit)
            return {"rel": rel, "type": GEOJSON, "href": f"{base()}/collections/{cid}/items?{urlencode(q)}"}

        links = [link("self", offset), {"rel": "collection", "type": "application/json", "href": f"{base()}/collections/{cid}"}]
        if offset + limit < matched:
            links.append(link("next", offset + limit))
        if offset > 0:
            links.append(link("prev", max(0, offset - limit)))
        head = b'{"type":"FeatureCollection","features":['
        tail = (b'],"numberMatched":' + str(matched).encode() + b',"numberReturned":' + str(len(page)).encode()
                + b',"links":' + orjson.dumps(links) + b"}")
        gz = "gzip" in request.headers.get("Accept-Encoding", "")

        def chunks():
            yield head
            for i in range(0, len(page), 500):
                part = page[i:i + 500]
                yield (b"," if i else b"") + b",".join(feats[j] for j in part)
            yield tail

        def gzipped(gen):
            z = zlib.compressobj(6, zlib.DEFLATED, 31)
            for ch in gen:
                out = z.compress(ch)
                if out:
                    yield out
            yield z.flush()

        if len(page) > STREAM_ABOVE:
            resp = Response(gzipped(chunks()) if gz else chunks(), mimetype=GEOJSON)
        else:
            body = b"".join(chunks())
            resp = Response(zlib.compress(body, 6, wbits=31) if gz else body, mimetype=GEOJSON)
        if gz:
            resp.headers["Content-Encoding"] = "gzip"
        resp.set_etag(etag)
        resp.headers["Vary"] = "Accept-Encoding, Accept"
        resp.headers["Cache-Control"] = "public, max-age=60"
        resp.headers["Content-Crs"] = f"<{crs_uri(out_epsg)}>"
        return resp

    @bp.get("/collections/<cid>/items/<path:fid>")
    def item(cid, fid):
        c = get_collection(cid)
        out_epsg = parse_crs(request.args.get("crs"), "crs")
        g = c.frame()
        hits = (g[c.key].astype(str) == fid).to_numpy().nonzero()[0]
        if not len(hits):
            abort(404, description=f"要素“{fid}”不存在 / no feature '{fid}' in {cid}")
        i = int(hits[0])
        if wants_html():
            row = g.iloc[i]
            rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape('' if v is None else v)}</td></tr>"
                           for k, v in row.items() if k != g.geometry.name)
            return _html(str(row.get("name", fid)), f"<table>{rows}</table>")
        feat = orjson.loads(catalog.encoded(cid, out_epsg)[i])
        feat["links"] = [{"rel": "self", "type": GEOJSON, "href": f"{base()}/collections/{cid}/items/{fid}"},
                         {"rel": "collection", "type": "application/json", "href": f"{base()}/collections/{cid}"}]
        resp = Response(orjson.dumps(feat), mimetype=GEOJSON)
        resp.headers["Content-Crs"] = f"<{crs_uri(out_epsg)}>"
        resp.headers["Cache-Control"] = "public, max-age=60"
        resp.add_etag()
        return resp.make_conditional(request)

    @bp.get("/api")
    def openapi():
        return cached_json(openapi_document(catalog, base()))

    return bp


def openapi_document(catalog: Catalog, base: str) -> dict:
    def param(name, schema, desc, where="query", required=False, explode=None):
        p = {"name": name, "in": where, "required": required, "schema": schema, "description": desc}
        if explode is not None:
            p["style"], p["explode"] = "form", explode
        return p

    crs_enum = {"type": "string", "enum": list(SUPPORTED_CRS)}
    common = [param("f", {"type": "string", "enum": ["json", "html"]}, "output format")]
    paths = {
        "/": {"get": {"summary": "Landing page", "operationId": "landing", "parameters": common,
                      "responses": {"200": {"description": "landing page"}}}},
        "/conformance": {"get": {"summary": "Conformance classes", "operationId": "conformance", "parameters": common,
                                 "responses": {"200": {"description": "conformance"}}}},
        "/collections": {"get": {"summary": "Collections", "operationId": "collections", "parameters": common,
                                 "responses": {"200": {"description": "collections"}}}},
    }
    for cid, c in catalog.collections.items():
        q = [param(k, {"type": "string"}, f"equality filter on {k}") for k in c.queryables()]
        paths[f"/collections/{cid}"] = {"get": {"summary": c.title, "operationId": f"describe_{cid}", "parameters": common,
                                                "responses": {"200": {"description": "collection"}}}}
        paths[f"/collections/{cid}/items"] = {"get": {
            "summary": f"Features of {cid}", "operationId": f"items_{cid}",
            "parameters": common + [
                param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "page size"),
                param("offset", {"type": "integer", "minimum": 0, "default": 0}, "start index"),
                param("bbox", {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}, "bounding box", explode=False),
                param("bbox-crs", crs_enum, "CRS of bbox (axis order of that CRS)"),
                param("crs", crs_enum, "output CRS (axis order of that CRS)"),
                param("datetime", {"type": "string"}, "accepted; the data has no time dimension"),
            ] + q,
            "responses": {"200": {"description": "features", "content": {GEOJSON: {"schema": {"type": "object"}}}},
                          "400": {"description": "bad parameter"}}}}
        paths[f"/collections/{cid}/items/{{featureId}}"] = {"get": {
            "summary": f"One feature of {cid}", "operationId": f"item_{cid}",
            "parameters": common + [param("featureId", {"type": "string"}, "feature id", "path", True),
                                    param("crs", crs_enum, "output CRS")],
            "responses": {"200": {"description": "feature"}, "404": {"description": "not found"}}}}
    return {"openapi": "3.0.3",
            "info": {"title": "诸暨“十五五”规划一张图 OGC API – Features", "version": "0.1.0",
                     "description": "Plan layers of the Zhuji 15th Five-Year Plan and imported projects"},
            "servers": [{"url": base}], "paths": paths}
