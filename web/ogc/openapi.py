"""The service's OpenAPI 3.0 document: the OGC API – Features under /ogc (generated from the catalog's
collections and queryables) and the analysis API (/api/stats, /api/identify), with the one error shape."""
from __future__ import annotations

from geo.crs import OGC_URIS
from geo.features import Catalog

GEOJSON, JSON, HTML = "application/geo+json", "application/json", "text/html"
MAX_LIMIT, DEFAULT_LIMIT = 10_000, 10
ERROR = {"type": "object", "required": ["code", "status", "description", "zh", "en"],
         "properties": {"code": {"type": "string"}, "status": {"type": "integer"}, "description": {"type": "string"},
                        "zh": {"type": "string"}, "en": {"type": "string"},
                        "field": {"type": "string", "nullable": True}, "row": {"type": "integer", "nullable": True}}}


def param(name, schema, desc, where="query", required=False, explode=None) -> dict:
    p = {"name": name, "in": where, "required": required, "schema": schema, "description": desc}
    if explode is not None:
        p["style"], p["explode"] = "form", explode
    return p


def ok(desc: str, *types: str) -> dict:
    return {"description": desc, "content": {t: {"schema": {"type": "object"} if t != HTML else {"type": "string"}}
                                             for t in types}}


def errors(*codes: str) -> dict:
    text = {"400": "bad parameter (names the field)", "401": "sign-in or token required", "404": "not found"}
    return {c: {"description": text[c], "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


F = param("f", {"type": "string", "enum": ["json", "html"]}, "output format")


def _ogc_top() -> dict:
    def op(summary, oid, desc):
        return {"get": {"summary": summary, "operationId": oid, "parameters": [F],
                        "responses": {"200": ok(desc, JSON, HTML), **errors("400")}}}
    return {"/ogc": op("Landing page", "landing", "landing page"),
            "/ogc/conformance": op("Conformance classes", "conformance", "conformance"),
            "/ogc/collections": op("Collections", "collections", "collections")}


def _ogc_collection(cid: str, c) -> dict:
    crs_enum = {"type": "string", "enum": list(OGC_URIS)}
    q = [param(k, {"type": "string"}, f"equality filter on {k}") for k in c.queryables()]
    items = [F, param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "page size"),
             param("offset", {"type": "integer", "minimum": 0, "default": 0}, "start index"),
             param("bbox", {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}, "bounding box",
                   explode=False),
             param("bbox-crs", crs_enum, "CRS of bbox (axis order of that CRS)"),
             param("crs", crs_enum, "output CRS (axis order of that CRS)"),
             param("datetime", {"type": "string"}, "accepted; the data has no time dimension")] + q
    base = f"/ogc/collections/{cid}"
    return {
        base: {"get": {"summary": c.title, "operationId": f"describe_{cid}", "parameters": [F],
                       "responses": {"200": ok("collection", JSON, HTML), **errors("400", "404")}}},
        f"{base}/queryables": {"get": {"summary": f"Queryables of {cid}", "operationId": f"queryables_{cid}",
                                       "responses": {"200": ok("queryables", "application/schema+json"),
                                                     **errors("404")}}},
        f"{base}/items": {"get": {"summary": f"Features of {cid}", "operationId": f"items_{cid}", "parameters": items,
                                  "responses": {"200": ok("features", GEOJSON, HTML), **errors("400", "404")}}},
        f"{base}/items/{{featureId}}": {"get": {
            "summary": f"One feature of {cid}", "operationId": f"item_{cid}",
            "parameters": [F, param("featureId", {"type": "string"}, "feature id", "path", True),
                           param("crs", crs_enum, "output CRS")],
            "responses": {"200": ok("feature", GEOJSON, HTML), **errors("400", "404")}}},
    }


def _analysis() -> dict:
    filters = [param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "list year"),
               param("sector", {"type": "string"}, "专栏8 sector"), param("status", {"type": "string"}, "status")]
    area = [param("town", {"type": "string"}, "town code"), param("zone", {"type": "string"}, "zone id (Z1…Z6)"),
            param("cluster", {"type": "string"}, "cluster id (C01…C23)"),
            param("axis", {"type": "string", "enum": ["NS", "EW"]}, "axis branch: a band either side of it"),
            param("km", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 30}, "band width in km"),
            param("circle", {"type": "string"}, "lon,lat,radius in metres"),
            param("bbox", {"type": "string"}, "minlon,minlat,maxlon,maxlat"),
            param("geometry", {"type": "string"}, "a GeoJSON polygon")]
    return {
        "/api/stats": {"get": {"summary": "Projects inside an area: count and investment by sector, status and year",
                               "operationId": "area_statistics", "parameters": area + filters,
                               "responses": {"200": ok("statistics", JSON), **errors("400")}}},
        "/api/identify": {"get": {"summary": "Everything at a point: town, zones, cluster, axis bands, transport, projects",
                                  "operationId": "identify",
                                  "parameters": [param("lon", {"type": "number"}, "longitude (WGS84)", required=True),
                                                 param("lat", {"type": "number"}, "latitude (WGS84)", required=True),
                                                 param("radius", {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                                                  "maximum": 20000}, "search radius in metres")] + filters,
                                  "responses": {"200": ok("what is here", JSON), **errors("400")}}},
    }


def openapi_document(catalog: Catalog, root: str) -> dict:
    paths = {**_ogc_top(), **_analysis()}
    for cid, c in catalog.collections.items():
        paths.update(_ogc_collection(cid, c))
    return {"openapi": "3.0.3",
            "info": {"title": "诸暨“十五五”规划一张图 API", "version": "0.2.0",
                     "description": "OGC API – Features (plan layers of the Zhuji 15th Five-Year Plan and imported "
                                    "projects) and the analysis API. Errors have one shape: Error."},
            "servers": [{"url": root}], "paths": paths, "components": {"schemas": {"Error": ERROR}}}
