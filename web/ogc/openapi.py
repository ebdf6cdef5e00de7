"""The OpenAPI 3.0 document of the OGC API, generated from the catalog's collections and queryables."""
from __future__ import annotations

from geo.crs import OGC_URIS
from geo.features import Catalog

GEOJSON = "application/geo+json"
MAX_LIMIT, DEFAULT_LIMIT = 10_000, 10


def openapi_document(catalog: Catalog, base: str) -> dict:
    def param(name, schema, desc, where="query", required=False, explode=None):
        p = {"name": name, "in": where, "required": required, "schema": schema, "description": desc}
        if explode is not None:
            p["style"], p["explode"] = "form", explode
        return p

    crs_enum = {"type": "string", "enum": list(OGC_URIS)}
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
