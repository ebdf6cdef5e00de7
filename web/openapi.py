"""The service's one OpenAPI 3.0 document: every JSON, GeoJSON and file route — the OGC API – Features
under /ogc (generated from the catalog's collections and queryables), the layers and map data, downloads,
the projects and workbench APIs, analysis, 表1 monitoring and print — with the one error shape.

Served at /ogc/api (the OGC service-desc) and /api/openapi.json. tests/test_openapi.py checks every
route of the app is described here and fuzzes them all against it (schemathesis)."""
from __future__ import annotations

from geo.crs import OGC_URIS
from geo.export import FORMATS as EXPORT_FORMATS
from geo.features import Catalog
from layers.definitions import LAYERS
from layers.print_spec import FORMATS as PRINT_FORMATS
from layers.print_spec import ORIENTATIONS, SIZES

GEOJSON, JSON, HTML = "application/geo+json", "application/json", "text/html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LIMIT, DEFAULT_LIMIT = 10_000, 10
ERROR = {"type": "object", "required": ["code", "status", "description", "zh", "en"],
         "properties": {"code": {"type": "string"}, "status": {"type": "integer"}, "description": {"type": "string"},
                        "zh": {"type": "string"}, "en": {"type": "string"},
                        "field": {"type": "string", "nullable": True}, "row": {"type": "integer", "nullable": True}}}
ERROR_TEXT = {"400": "bad parameter or input (names the field, row and column)", "401": "sign-in or token required",
              "403": "the account's role does not allow this", "404": "not found",
              "409": "conflict: another write is running, or the name is taken (nothing was stored)",
              "413": "the upload exceeds the upload limit", "429": "too many failed attempts; wait",
              "503": "busy or the project store is unavailable (Retry-After)", "507": "the disk is full (nothing stored)"}
OBJ, ARR = {"type": "object"}, {"type": "array", "items": {"type": "object"}}
NUM, INT, STR = {"type": "number"}, {"type": "integer"}, {"type": "string"}
BREAKDOWN = {"type": "array", "items": {"type": "object", "required": ["key", "projects", "investment_yi"],
                                        "properties": {"key": STR, "projects": INT, "investment_yi": NUM,
                                                       "investment_year_yi": NUM}}}
SCHEMAS = {
    "Error": ERROR,
    "FeatureCollection": {"type": "object", "required": ["type", "features"],
                          "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": ARR}},
    "Statistics": {"type": "object", "required": ["area", "projects", "investment_yi", "by_sector", "by_status", "by_year"],
                   "properties": {"area": OBJ, "projects": INT, "investment_yi": NUM, "investment_year_yi": NUM,
                                  "by_sector": BREAKDOWN, "by_status": BREAKDOWN, "by_year": BREAKDOWN,
                                  "shared": OBJ, "list": ARR}},
    "Identify": {"type": "object", "required": ["point", "town", "zones", "axis", "corridors", "projects"],
                 "properties": {"point": {"type": "array", "items": NUM}, "town": {"type": "object", "nullable": True},
                                "zones": ARR, "clusters": {"type": "array", "items": STR}, "axis": ARR,
                                "corridors": ARR, "projects": ARR}},
}


def param(name, schema, desc, where="query", required=False, explode=None) -> dict:
    p = {"name": name, "in": where, "required": required, "schema": schema, "description": desc}
    if explode is not None:
        p["style"], p["explode"] = "form", explode
    return p


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema_for(mime: str, schema: dict | None) -> dict:
    if mime == HTML:
        return STR
    if mime.split(";")[0].endswith("json"):
        return schema or OBJ
    return {"type": "string", "format": "binary"}         # files: GeoPackage, zip, CSV, XLSX, PDF, PNG


def ok(desc: str, *types: str, schema: dict | None = None) -> dict:
    return {"description": desc, "content": {t: {"schema": _schema_for(t, schema)} for t in types}}


def errors(*codes: str) -> dict:
    return {c: {"description": ERROR_TEXT[c], "content": {JSON: {"schema": ref("Error")}}} for c in codes}


def get(summary: str, oid: str, params: list, responses: dict, **extra) -> dict:
    return {"get": {"summary": summary, "operationId": oid, "parameters": params, "responses": responses, **extra}}


EDITOR = {"security": [{"bearer": []}, {"session": []}]}      # these also answer 429 after repeated bad tokens
LANG = param("lang", {"type": "string", "enum": ["zh", "en"]}, "language of titles (default zh)")
F = param("f", {"type": "string", "enum": ["json", "html"]}, "output format")
YEAR = param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "list year")
PROJECT_FILTERS = [YEAR, param("sector", STR, "专栏8 sector"), param("status", STR, "status")]


# ---------------------------------------------------------------- OGC API – Features

def _ogc_top() -> dict:
    def op(summary, oid, desc):
        return get(summary, oid, [F], {"200": ok(desc, JSON, HTML), **errors("400")})
    return {"/ogc": op("Landing page", "landing", "landing page"),
            "/ogc/conformance": op("Conformance classes", "conformance", "conformance"),
            "/ogc/collections": op("Collections", "collections", "collections"),
            "/ogc/api": get("This document", "openapi_ogc", [F], {
                "200": ok("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", HTML), **errors("400")})}


def _items_params(c) -> list:
    crs_enum = {"type": "string", "enum": list(OGC_URIS)}
    return [F, param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "page size"),
            param("offset", {"type": "integer", "minimum": 0, "default": 0}, "start index"),
            param("bbox", {"type": "array", "items": NUM, "minItems": 4, "maxItems": 6}, "bounding box", explode=False),
            param("bbox-crs", crs_enum, "CRS of bbox (axis order of that CRS)"),
            param("crs", crs_enum, "output CRS (axis order of that CRS)"),
            param("datetime", STR, "accepted; the data has no time dimension")] + \
        [param(k, STR, f"equality filter on {k}") for k in c.queryables()]


def _ogc_collection(cid: str, c) -> dict:
    base = f"/ogc/collections/{cid}"
    crs = param("crs", {"type": "string", "enum": list(OGC_URIS)}, "output CRS")
    return {
        base: get(c.title, f"describe_{cid}", [F], {"200": ok("collection", JSON, HTML), **errors("400", "404")}),
        f"{base}/queryables": get(f"Queryables of {cid}", f"queryables_{cid}", [],
                                  {"200": ok("queryables", "application/schema+json"), **errors("404")}),
        f"{base}/items": get(f"Features of {cid}", f"items_{cid}", _items_params(c),
                             {"200": ok("features", GEOJSON, HTML, schema=ref("FeatureCollection")),
                              **errors("400", "404", "503")}),
        f"{base}/items/{{featureId}}": get(f"One feature of {cid}", f"item_{cid}",
                                           [F, param("featureId", STR, "feature id", "path", True), crs],
                                           {"200": ok("feature", GEOJSON, HTML), **errors("400", "404", "503")}),
    }


# ---------------------------------------------------------------- layers, map data, downloads

def _layers() -> dict:
    ids = [d.id for d in LAYERS]
    layer = param("layer_id", {"type": "string", "enum": ids}, "layer id", "path", True)
    lst = {"type": "array", "items": {"type": "object", "required": ["id", "title", "count", "url"],
                                      "properties": {"id": STR, "title": STR, "count": INT, "url": STR}}}
    health = {"type": "object", "required": ["status", "layers"], "properties": {"status": STR, "layers": OBJ,
                                                                                 "problems": ARR}}
    return {
        "/api/layers": get("The map's layers with their counts", "layers", [LANG], {"200": ok("layers", JSON, schema=lst),
                                                                                  **errors("400")}),
        "/api/layers/{layer_id}.geojson": get("One layer as GeoJSON (WGS84)", "layer_geojson", [layer], {
            "200": ok("the layer", GEOJSON, schema=ref("FeatureCollection")), **errors("404", "503")}),
        "/api/map/projects.json": get("The projects' compact map feed: one array per field; sector, status, town, "
                                      "located_by and year as indices into values[field] (-1: blank)", "map_projects", [], {
            "200": ok("feed", JSON, schema={"type": "object", "required": ["n", "fields", "columns", "values"],
                                            "properties": {"n": INT, "fields": {"type": "array", "items": STR},
                                                           "columns": {"type": "object", "additionalProperties": {"type": "array"}},
                                                           "values": {"type": "object", "additionalProperties": {"type": "array"}}}}),
            **errors("503")}),
        "/api/context.geojson": get("County outline and neighbours", "context", [],
                                    {"200": ok("context", GEOJSON, schema=ref("FeatureCollection"))}),
        "/healthz": get("Health: the plan layers loaded and any refused boundary file", "health", [],
                        {"200": ok("health", JSON, schema=health)}),
        "/api/openapi.json": get("This document", "openapi", [], {"200": ok("OpenAPI 3.0", JSON)}),
    }


def _downloads() -> dict:
    fmts = {v[1].split(";")[0] for v in EXPORT_FORMATS.values()}
    params = [param("layer", {"type": "string", "enum": [d.id for d in LAYERS]}, "layer id", "path", True),
              param("fmt", {"type": "string", "enum": list(EXPORT_FORMATS)}, "file format", "path", True),
              param("crs", {"type": "string", "enum": ["4326", "4490", "4549", "EPSG:4490", "EPSG:4549"]},
                    "output CRS (GeoJSON and KML are always WGS84)"),
              param("bbox", STR, "minlon,minlat,maxlon,maxlat (WGS84)"), param("town", STR, "town name or code")]
    return {"/api/export/{layer}.{fmt}": get("Download a layer (GeoJSON, GeoPackage, zipped Shapefile, CSV, KML)",
                                             "export", params, {"200": ok("the file", *sorted(fmts)),
                                                                **errors("400", "404", "503")})}


# ---------------------------------------------------------------- projects and the workbench

def _body(schema: dict, *types: str) -> dict:
    return {"required": True, "content": {t: {"schema": schema} for t in (types or (JSON,))}}


FILE_FORM = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"}, "datum": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09", "gk"]},
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100}, "title": STR, "sheet": STR,
    "header_row": {"type": "integer", "minimum": 1}, "mapping": {"type": "string", "description": "JSON {column: field}"},
    "replace": {"type": "integer", "minimum": 1}}}
PROJECT = {"type": "object", "description": "a project: name (required), sector, status, investment (亿元), lon/lat or "
           "town, year…", "properties": {"name": STR, "sector": STR, "status": STR, "investment": NUM, "lon": NUM,
                                         "lat": NUM, "town": STR, "year": INT, "datum": STR}}
KEY = param("key", STR, "project key, e.g. 2026/id:A-01", "path", True)
IMPORT_ID = param("import_id", {"type": "integer", "minimum": 0}, "import (list) number (≤ 9 digits)", "path", True)
WRITE_ERRORS = ("400", "401", "403", "409", "413", "503", "507")


def _projects() -> dict:
    edit = {"summary": "Edit a project", "operationId": "edit_project", "parameters": [KEY], "requestBody": _body(PROJECT),
            "responses": {"200": ok("the stored project", JSON), **errors(*WRITE_ERRORS, "404")}, **EDITOR}
    delete = {"summary": "Delete a project", "operationId": "delete_project", "parameters": [KEY],
              "responses": {"200": ok("deleted", JSON), **errors("401", "403", "404", "409", "503", "507")}, **EDITOR}
    return {
        "/api/projects": {"post": {"summary": "Add one project", "operationId": "create_project", "parameters": [],
                                   "requestBody": _body(PROJECT), **EDITOR,
                                   "responses": {"201": ok("the stored project", JSON), **errors(*WRITE_ERRORS)}}},
        "/api/projects/{key}": {**get("One project with its plan-fit hint and its list's other columns", "get_project",
                                      [KEY], {"200": ok("project", JSON), **errors("404", "503")}),
                                "put": edit, "delete": delete},
        "/api/projects/import": {"post": {"summary": "Import a list (CSV, XLSX, GeoJSON); every row accounted for",
                                          "operationId": "import_projects", "parameters": [], **EDITOR,
                                          "requestBody": _body(FILE_FORM, "multipart/form-data"),
                                          "responses": {"200": ok("import report", JSON), **errors(*WRITE_ERRORS)}}},
        "/api/projects/imports/{import_id}": get("One import's record", "import_record", [IMPORT_ID],
                                                 {"200": ok("import", JSON), **errors("404", "503")}),
        "/api/projects/imports/{import_id}/rejected.csv": get("Rejected rows of an import (CSV)", "rejected_csv",
                                                              [IMPORT_ID], {"200": ok("rows", "text/csv"), **errors("404", "503")}),
        "/api/projects/imports/{import_id}/rejected.xlsx": get("Rejected rows of an import (XLSX)", "rejected_xlsx",
                                                               [IMPORT_ID], {"200": ok("rows", XLSX), **errors("404", "503")}),
        "/api/projects/summary": get("Projects per town and sector", "projects_summary", [],
                                     {"200": ok("summary", JSON), **errors("503")}),
        "/api/audit": get("The audit trail (admins)", "audit", [param("limit", {"type": "integer", "minimum": 1,
                                                                                  "maximum": 10000}, "entries")],
                          {"200": ok("entries", JSON, schema=ARR), **errors("400", "401", "403", "503")}, **EDITOR),
    }


def _workbench() -> dict:
    table = [param(k, STR, d) for k, d in (("q", "words in name, id or town"), ("sector", "sector"), ("status", "status"),
                                           ("town", "town code"))] + \
        [YEAR, param("batch", {"type": "integer", "minimum": 0}, "list (import) number")]
    upload = {"type": "object", "required": ["upload_id"], "properties": {
        "upload_id": STR, **{k: v for k, v in FILE_FORM["properties"].items() if k != "file"},
        "mapping": {"type": "object", "additionalProperties": {"type": "string", "nullable": True}}}}

    def post(summary, oid, body, code="200", params=()):
        return {"post": {"summary": summary, "operationId": oid, "parameters": list(params), **EDITOR,
                         **({"requestBody": body} if body else {}),
                         "responses": {code: ok(summary, JSON), **errors(*WRITE_ERRORS, "404")}}}
    return {
        "/api/work/table.json": get("The project table (filtered)", "work_table", table,
                                    {"200": ok("rows", JSON), **errors("400", "401", "403", "503")}, **EDITOR),
        "/api/work/table.{fmt}": get("The project table as a file", "work_table_file",
                                     [param("fmt", {"type": "string", "enum": ["xlsx", "csv"]}, "format", "path", True), *table],
                                     {"200": ok("file", XLSX, "text/csv"), **errors("400", "401", "403", "404", "503")}, **EDITOR),
        "/api/work/batches": get("Imported lists (batches)", "batches", [],
                                 {"200": ok("batches", JSON, schema=ARR), **errors("401", "403", "503")}, **EDITOR),
        "/api/work/uploads": post("Keep an uploaded file for preview", "save_upload",
                                  _body({"type": "object", "required": ["file"], "properties": {
                                      "file": {"type": "string", "format": "binary"}}}, "multipart/form-data"), "201"),
        "/api/work/preview": post("Preview an upload: mapping, checks, locations; nothing stored", "preview", _body(upload)),
        "/api/work/commit": post("Store a previewed upload as a list", "commit", _body(upload)),
        "/api/work/batches/{import_id}/rollback": post("Roll a list back (admins)", "rollback", None, params=[IMPORT_ID]),
    }


# ---------------------------------------------------------------- analysis, 表1 monitoring, print

def _area(data) -> list:
    def ids(frame, col):
        return {"type": "string", "enum": sorted(frame[col].astype(str))}
    return [param("town", ids(data.towns, "code"), "town code"), param("zone", ids(data.zones, "id"), "zone id"),
            param("cluster", ids(data.clusters, "id"), "cluster id"), *AREA]


AREA = [param("axis", {"type": "string", "enum": ["NS", "EW"]}, "axis branch: a band either side of it"),
        param("km", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 30}, "band width in km"),
        param("circle", STR, "lon,lat,radius in metres"), param("bbox", STR, "minlon,minlat,maxlon,maxlat"),
        param("geometry", STR, "a GeoJSON polygon (WGS84)")]
AREA_BODY = {"type": "object", "description": "the area parameters and project filters, geometry as a GeoJSON object",
             "properties": {"geometry": OBJ, "town": STR, "zone": STR, "cluster": STR, "axis": STR, "km": NUM,
                            "circle": STR, "bbox": STR, "year": INT, "sector": STR, "status": STR}}


def _analysis(data) -> dict:
    area = _area(data)
    stats = {"200": ok("statistics", JSON, schema=ref("Statistics")), **errors("400", "503")}
    fmt = param("fmt", {"type": "string", "enum": ["xlsx", "csv"]}, "format", "path", True)
    files = {"200": ok("projects in the area", XLSX, "text/csv"), **errors("400", "404", "503")}
    return {
        "/api/stats": {**get("Projects inside an area: count and investment by sector, status and year",
                             "area_statistics", area + PROJECT_FILTERS, stats),
                       "post": {"summary": "The same, the area in a JSON body", "operationId": "area_statistics_post",
                                "parameters": [], "requestBody": _body(AREA_BODY), "responses": stats}},
        "/api/stats.{fmt}": {**get("The projects inside an area as XLSX/CSV", "area_export", [fmt, *area, *PROJECT_FILTERS], files),
                             "post": {"summary": "The same, the area in a JSON body", "operationId": "area_export_post",
                                      "parameters": [fmt], "requestBody": _body(AREA_BODY), "responses": files}},
        "/api/identify": get("Everything at a point: town, zones, cluster, axis bands, transport, projects", "identify",
                             [param("lon", {"type": "number", "minimum": 118, "maximum": 122.5}, "longitude (WGS84)", required=True),
                              param("lat", {"type": "number", "minimum": 28, "maximum": 31.5}, "latitude (WGS84)", required=True),
                              param("radius", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 20000},
                                    "search radius in metres")] + PROJECT_FILTERS,
                             {"200": ok("what is here", JSON, schema=ref("Identify")), **errors("400", "503")}),
        "/api/dashboard.json": get("Projects by zone, axis branch, cluster, town and sector", "dashboard",
                                   [*PROJECT_FILTERS, param("km", {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                                                   "maximum": 30}, "axis band (km)")],
                                   {"200": ok("dashboard", JSON), **errors("400", "503")}),
        "/api/projects/reconciliation.json": get("Imported lists against 专栏8, per year and cumulated", "reconciliation",
                                                 [], {"200": ok("reconciliation", JSON), **errors("503")}),
    }


def _indicators() -> dict:
    entry = {"type": "object", "required": ["no", "year", "value", "source"], "properties": {
        "no": INT, "sub_item": STR, "year": {"type": "integer", "minimum": 2026, "maximum": 2030}, "value": STR,
        "unit": STR, "source": STR}}
    upload = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
    return {
        "/api/indicators.json": get("表1 indicators and 专栏8 investment as planned", "indicators", [], {"200": ok("plan", JSON)}),
        "/api/indicators/status.json": get("表1 indicators: actuals, progress, on track / at risk / off track", "indicator_status",
                                           [], {"200": ok("status", JSON), **errors("503")}),
        "/api/indicators/{no}/history": get("Every value entered for an indicator, newest first", "indicator_history",
                                            [param("no", {"type": "integer", "minimum": 0}, "indicator number", "path", True),
                                             param("sub_item", STR, "sub-item")],
                                            {"200": ok("history", JSON, schema=ARR), **errors("404", "503")}),
        "/api/indicators/values": {"post": {"summary": "Record one yearly value", "operationId": "indicator_value",
                                            "parameters": [], "requestBody": _body(entry), **EDITOR,
                                            "responses": {"201": ok("recorded", JSON), **errors(*WRITE_ERRORS)}}},
        "/api/indicators/upload": {"post": {"summary": "Record yearly values from CSV/XLSX", "operationId": "indicator_upload",
                                            "parameters": [], "requestBody": _body(upload, "multipart/form-data"), **EDITOR,
                                            "responses": {"200": ok("recorded", JSON), **errors(*WRITE_ERRORS)}}},
    }


def _print() -> dict:
    opts = [param("view", {"type": "string", "enum": ["axis", "transport", "prosperity", "industry"]}, "view"),
            param("bbox", STR, "minlon,minlat,maxlon,maxlat (WGS84)"), param("layers", STR, "toggle keys, comma-separated"),
            param("size", {"type": "string", "enum": list(SIZES)}, "paper"),
            param("orientation", {"type": "string", "enum": list(ORIENTATIONS)}, "orientation"),
            param("dpi", {"type": "integer", "minimum": 72, "maximum": 300}, "PNG resolution"),
            param("title", STR, "title"), param("subtitle", STR, "subtitle"), param("approval", STR, "审图号"),
            param("lang", {"type": "string", "enum": ["zh", "en"]}, "language"), *PROJECT_FILTERS]
    files = {"200": ok("the map", "application/pdf", "image/png"), **errors("400", "404", "503")}
    body = {"type": "object", "properties": {p["name"]: p["schema"] for p in opts} |
            {"format": {"type": "string", "enum": list(PRINT_FORMATS)}, "layers": {"type": "array", "items": STR}}}
    return {"/api/print.{fmt}": get("Print the map (PDF, PNG)", "print", [
                param("fmt", {"type": "string", "enum": list(PRINT_FORMATS)}, "format", "path", True), *opts], files),
            "/api/print": {"post": {"summary": "Print the map, parameters in a JSON body", "operationId": "print_post",
                                    "parameters": [], "requestBody": _body(body), "responses": files}}}


def _rate_limited(paths: dict) -> dict:
    for ops in paths.values():
        for op in ops.values():
            if "security" in op:
                op["responses"].update(errors("429"))
    return paths


def openapi_document(catalog: Catalog, root: str) -> dict:
    paths = {**_ogc_top(), **_layers(), **_downloads(), **_projects(), **_workbench(), **_analysis(catalog.data), **_indicators(),
             **_print()}
    for cid, c in catalog.collections.items():
        paths.update(_ogc_collection(cid, c))
    security = {"bearer": {"type": "http", "scheme": "bearer", "description": "a token from /account"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "signed-in browser session; writes also need the X-CSRFToken header"}}
    return {"openapi": "3.0.3",
            "info": {"title": "诸暨“十五五”规划一张图 API", "version": "0.3.0",
                     "description": "OGC API – Features (plan layers of the Zhuji 15th Five-Year Plan and imported "
                                    "projects), downloads, projects and workbench, analysis, 表1 monitoring and print. "
                                    "Reads are open unless the service is configured otherwise; writes need an editor. "
                                    "Errors have one shape: Error (中文 first, English too)."},
            "servers": [{"url": root}], "paths": _rate_limited(paths),
            "components": {"schemas": SCHEMAS, "securitySchemes": security}}
