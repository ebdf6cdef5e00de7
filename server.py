"""诸暨“十五五”规划一张图 — the Flask service.

    python server.py [--host 127.0.0.1] [--port 5000] [--dev]
    zhuji-map serve [...]

Built by an app factory (`create_app`): nothing is loaded at import time. Layer GeoJSON is built
once at start, kept as bytes and gzip bytes with an ETag; the map page is built once per view and
language. Works with no internet: every browser asset comes from static/.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import sys
import threading
import tomllib

import pandas as pd
from pathlib import Path

from flask import Flask, Response, abort, g, jsonify, render_template, request, send_from_directory

import hmac

import geo
from geo import projects as P
from geo.geojson import dumps, feature_collection
from geo.projects.store import Store, default_url
from layers import BY_ID, DEFAULT_VIEW, LAYERS, VIEWS
from layers.render import UI, build_page

ROOT = Path(__file__).resolve().parent
STATIC = ROOT / "static"
ASSETS = ROOT / "assets"          # npm packages (package.json), installed by `npm ci --prefix assets`
VENDOR = ASSETS / "node_modules"
VENDOR_SUFFIXES = {".js", ".css", ".png", ".svg", ".gif", ".jpg", ".woff", ".woff2", ".ttf", ".eot"}
log = logging.getLogger("zhuji_map")

# Optional basemaps. 天地图 (CGCS2000 ≈ WGS84) needs a key; Gaode tiles are GCJ-02, so overlays are
# shifted into GCJ-02 in the browser when it is on.
BASEMAPS = {
    "tianditu": lambda key: [
        {"name": "天地图 矢量", "attribution": "天地图", "subdomains": "01234567",
         "url": f"https://t{{s}}.tianditu.gov.cn/DataServer?T=vec_w&x={{x}}&y={{y}}&l={{z}}&tk={key}"},
        {"name": "天地图 注记", "attribution": "天地图", "subdomains": "01234567",
         "url": f"https://t{{s}}.tianditu.gov.cn/DataServer?T=cva_w&x={{x}}&y={{y}}&l={{z}}&tk={key}"}],
    "tianditu-img": lambda key: [
        {"name": "天地图 影像", "attribution": "天地图", "subdomains": "01234567",
         "url": f"https://t{{s}}.tianditu.gov.cn/DataServer?T=img_w&x={{x}}&y={{y}}&l={{z}}&tk={key}"},
        {"name": "天地图 影像注记", "attribution": "天地图", "subdomains": "01234567",
         "url": f"https://t{{s}}.tianditu.gov.cn/DataServer?T=cia_w&x={{x}}&y={{y}}&l={{z}}&tk={key}"}],
    "osm": lambda key: [{"name": "OpenStreetMap", "attribution": "© OpenStreetMap contributors",
                         "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "subdomains": "abc"}],
    "gaode": lambda key: [{"name": "高德地图", "attribution": "© 高德 AutoNavi (GCJ-02)", "subdomains": "1234",
                           "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"}],
}


def load_config(overrides: dict | None = None) -> dict:
    """Defaults ← config file (ZHUJI_MAP_CONFIG, TOML) ← environment ← explicit overrides."""
    cfg = {"basemap": "none", "tianditu_key": "", "plan_dir": None, "boundaries_dir": None, "data_dir": None,
           "database_url": None, "token": "", "max_upload_mb": 20, "max_rows": 200_000}
    path = os.environ.get("ZHUJI_MAP_CONFIG")
    if path:
        with open(path, "rb") as f:
            cfg.update(tomllib.load(f))
    for key in cfg:
        env = os.environ.get(f"ZHUJI_MAP_{key.upper()}")
        if env:
            cfg[key] = env
    cfg["database_url"] = cfg["database_url"] or os.environ.get("DATABASE_URL")
    cfg.update(overrides or {})
    return cfg


def basemaps_for(cfg: dict) -> tuple[list[dict], bool]:
    names = [n.strip() for n in str(cfg.get("basemap") or "none").split(",") if n.strip() and n.strip() != "none"]
    out, gcj = [], False
    for n in names:
        if n not in BASEMAPS:
            raise ValueError(f"底图“{n}”未知，可选：none, {', '.join(BASEMAPS)} / unknown basemap '{n}'")
        if n.startswith("tianditu") and not cfg.get("tianditu_key"):
            raise ValueError("天地图底图需要密钥（ZHUJI_MAP_TIANDITU_KEY）/ the 天地图 basemap needs a key")
        out += BASEMAPS[n](cfg.get("tianditu_key"))
        gcj = gcj or n == "gaode"
    if gcj and len(names) > 1:
        raise ValueError("高德底图（GCJ-02）不能与其他底图同时使用 / Gaode (GCJ-02) cannot be combined with other basemaps")
    return out, gcj


class Cached:
    """A response body kept ready: raw bytes, gzip bytes and a strong ETag."""

    def __init__(self, body: bytes, mimetype: str):
        self.body, self.mimetype = body, mimetype
        self.gz = gzip.compress(body, 6)
        self.etag = hashlib.sha256(body).hexdigest()[:32]

    def response(self, max_age: int = 300) -> Response:
        if request.if_none_match.contains(self.etag):
            resp = Response(status=304)
        else:
            use_gz = "gzip" in request.headers.get("Accept-Encoding", "")
            resp = Response(self.gz if use_gz else self.body, mimetype=self.mimetype)
            if use_gz:
                resp.headers["Content-Encoding"] = "gzip"
        resp.set_etag(self.etag)
        resp.headers["Vary"] = "Accept-Encoding"
        resp.headers["Cache-Control"] = f"public, max-age={max_age}"
        return resp


class ResponseCache:
    """WSGI middleware: complete read responses (status, headers, body — gzip or not) kept by URL.

    A hit skips Flask altogether. Entries are tied to the data version of what they show (projects
    change on import; plan layers only on restart), so a write is never served stale beyond the
    store's version TTL. Only GET responses carrying an ETag and a Content-Length are kept."""

    PREFIXES = ("/ogc/collections/", "/api/layers/", "/api/map/")

    def __init__(self, app, version_for, max_entries: int = 2048, max_bytes: int = 4 * 2**20):
        self.app, self.version_for = app, version_for
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: dict = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.PREFIXES):
            return self.app(environ, start_response)
        key = (path, environ.get("QUERY_STRING", ""), "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
               "html" in environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_HOST", ""))
        version = self.version_for(path)
        hit = self.entries.get(key)
        if hit is not None and hit[0] == version:
            _, status, headers, body, etag = hit
            inm = environ.get("HTTP_IF_NONE_MATCH")
            if inm and etag in inm:
                start_response("304 NOT MODIFIED", [h for h in headers if h[0] in ("ETag", "Cache-Control", "Vary")])
                return [b""]
            start_response(status, headers)
            return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        h = dict(captured.get("headers") or [])
        if (captured.get("status", "").startswith("200") and "ETag" in h and "Content-Length" in h
                and int(h["Content-Length"]) <= self.max_bytes and not environ.get("HTTP_IF_NONE_MATCH")):
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            with self.lock:
                if len(self.entries) >= self.max_entries:
                    self.entries.pop(next(iter(self.entries)))
                self.entries[key] = (version, captured["status"], captured["headers"], body, h["ETag"])
            return [body]
        return result


def _vendor_packages() -> set[str]:
    return set(json.loads((ASSETS / "package.json").read_text(encoding="utf-8"))["dependencies"])


def create_app(config: dict | None = None) -> Flask:
    cfg = load_config(config)
    app = Flask(__name__, static_folder=None, template_folder=str(ROOT / "templates"))
    app.config["ZHUJI"] = cfg
    missing = [p for p in _vendor_packages() if not (VENDOR / p / "package.json").exists()]
    if missing:
        raise RuntimeError("浏览器资源未安装，请运行 `npm ci --prefix assets` / browser assets missing "
                           f"({', '.join(sorted(missing))}); run `npm ci --prefix assets`")
    basemaps, gcj02 = basemaps_for(cfg)

    data = geo.load(cfg.get("plan_dir"), cfg.get("boundaries_dir"))
    geo.validate(data)                       # refuse to serve data that fails validation
    for p in data.problems:                  # e.g. a refused replacement file: derived data stays in use
        log.warning("%s", p)

    id_field = {"towns": "code"}
    layer_cache = {lid: Cached(dumps(feature_collection(data.layer(lid), id_field.get(lid, "id"))),
                               "application/geo+json") for lid in geo.LAYER_IDS}
    county = data.county.assign(role="county")[["code", "name", "role", "geometry"]]
    nb = data.neighbours.assign(role="neighbour")[["code", "name", "role", "geometry"]]
    nb["geometry"] = nb.geometry.simplify(0.002)   # context only: ~200 m is plenty at county scale
    context = Cached(dumps(feature_collection(pd.concat([nb, county], ignore_index=True), "code")), "application/geo+json")
    minx, miny, maxx, maxy = data.county.total_bounds
    bounds = [[miny, minx], [maxy, maxx]]
    centre = ((miny + maxy) / 2, (minx + maxx) / 2)
    accuracy = {lid: set(data.layer(lid)["accuracy"]) for lid in geo.LAYER_IDS}
    pages: dict[tuple[str, str], Cached] = {}
    lock = threading.Lock()
    vendor_ok = _vendor_packages()

    def page(view: str, lang: str) -> Cached:
        key = (view, lang)
        if key not in pages:
            with lock:
                if key not in pages:
                    html = build_page(view=view, lang=lang, centre=centre, bounds=bounds, basemaps=basemaps,
                                      gcj02=gcj02, layer_accuracy=accuracy)
                    pages[key] = Cached(html.encode("utf-8"), "text/html")
        return pages[key]

    page(DEFAULT_VIEW, "zh")   # the first visitor should not wait for Folium

    def params() -> tuple[str, str]:
        view = request.args.get("view", DEFAULT_VIEW)
        lang = request.args.get("lang", "zh")
        if view not in VIEWS:
            abort(400, description=f"view 参数无效：“{view}”，可选 {', '.join(VIEWS)} / invalid view '{view}'; "
                                   f"expected one of {', '.join(VIEWS)}")
        if lang not in UI:
            abort(400, description=f"lang 参数无效：“{lang}”，可选 zh, en / invalid lang '{lang}'; expected zh or en")
        return view, lang

    @app.errorhandler(400)
    @app.errorhandler(404)
    def http_error(err):
        if request.path.startswith("/api/"):
            return jsonify(error=err.description, status=err.code), err.code
        return Response(f"{err.code} {err.description}", status=err.code, mimetype="text/plain")

    @app.get("/")
    def index():
        return page(*params()).response(max_age=60)

    @app.get("/api/layers")
    def layer_list():
        view, lang = params()
        return jsonify([{
            "id": d.id, "title": d.zh if lang == "zh" else d.en,
            "count": store.count() if d.id == "projects" else len(data.layer(d.id)),
            "accuracy": sorted(accuracy.get(d.id, [])), "geometry_source": data.geometry_sources.get(d.id, "project store"),
            "url": f"/api/layers/{d.id}.geojson"} for d in LAYERS])

    @app.get("/api/layers/<layer_id>.geojson")
    def layer_geojson(layer_id):
        if layer_id == "projects":
            return app.extensions["zhuji_projects_layer"]().response(max_age=0)
        if layer_id not in layer_cache:
            abort(404, description=f"图层“{layer_id}”不存在 / no layer '{layer_id}'; layers: {', '.join(geo.LAYER_IDS)}")
        return layer_cache[layer_id].response()

    @app.get("/api/context.geojson")
    def context_geojson():
        return context.response(max_age=3600)

    @app.get("/api/indicators.json")
    def indicators_json():
        return jsonify(indicators=data.indicators.to_dict("records"), investment=data.investment.to_dict("records"),
                       investment_totals=data.investment_totals.to_dict("records"))

    @app.get("/indicators")
    def indicators():
        _, lang = params()
        return render_template("indicators.html", lang=lang, ui=UI[lang], indicators=data.indicators.to_dict("records"),
                               investment=data.investment.to_dict("records"),
                               totals=data.investment_totals.iloc[0].to_dict())

    @app.get("/towns/<code>")
    def town(code):
        _, lang = params()
        t = data.towns[data.towns["code"] == code]
        if t.empty:
            abort(404, description=f"镇街代码“{code}”不存在 / no town with code '{code}'")
        fields = BY_ID["towns"].popup
        projects = store.projects(town_code=code)[["key", "name", "sector", "status", "year", "investment"]]
        return render_template("town.html", lang=lang, ui=UI[lang], t=t.iloc[0].to_dict(), fields=fields,
                               projects=projects.to_dict("records"))

    @app.get("/favicon.ico")
    def favicon():
        return Response(status=204)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", layers={lid: len(data.layer(lid)) for lid in geo.LAYER_IDS},
                       problems=[p.to_dict() for p in data.problems])

    @app.get("/static/<name>")
    def static_file(name):
        if name not in ("app.js", "app.css"):
            abort(404, description="not found")
        return send_from_directory(STATIC, name, max_age=300)

    @app.get("/static/vendor/<package>/<path:path>")
    def vendor(package, path):
        # only the browser assets of the packages in assets/package.json (not their demo pages)
        if package not in vendor_ok or Path(path).suffix.lower() not in VENDOR_SUFFIXES:
            abort(404, description="not found")
        return send_from_directory(VENDOR / package, path, max_age=86400)

    # ------------------------------------------------------------------ projects
    store = Store(cfg["database_url"] or default_url(cfg.get("data_dir")))
    log.info("project store: %s", store.describe())
    app.config["MAX_CONTENT_LENGTH"] = int(float(cfg["max_upload_mb"]) * 1024 * 1024)
    max_rows = int(cfg["max_rows"])
    token = str(cfg.get("token") or "")
    projects_cache: dict[str, tuple[int, Cached]] = {}

    def editor(fn):
        """Writes need `Authorization: Bearer <token>`; without a configured token, writes are off."""
        from functools import wraps

        @wraps(fn)
        def wrapped(*a, **kw):
            given = request.headers.get("Authorization", "")
            given = given[7:].strip() if given.lower().startswith("bearer ") else ""
            if not token:
                return jsonify(error="写入未启用：服务未配置编辑令牌（ZHUJI_MAP_TOKEN）/ writes are disabled: no editor "
                                     "token is configured (ZHUJI_MAP_TOKEN)"), 401, {"WWW-Authenticate": "Bearer"}
            if not given or not hmac.compare_digest(given.encode(), token.encode()):
                return jsonify(error="需要有效的编辑令牌：Authorization: Bearer <token> / a valid editor token is "
                                     "required: Authorization: Bearer <token>"), 401, {"WWW-Authenticate": "Bearer"}
            g.token = given
            return fn(*a, **kw)
        return wrapped

    def projects_layer() -> Cached:
        v = store.version()
        hit = projects_cache.get("all")
        if hit is None or hit[0] != v:
            hit = (v, Cached(dumps(feature_collection(app.extensions["zhuji_catalog"].projects_frame(), "key")),
                             "application/geo+json"))
            projects_cache["all"] = hit
        return hit[1]

    map_fields = ["lon", "lat", "key", "name", "sector", "status", "town_name", "located_by"]

    def projects_feed() -> Cached:
        """What the map needs to draw and filter 100,000 projects: rows, not GeoJSON (¼ of the bytes)."""
        v = store.version()
        hit = projects_cache.get("feed")
        if hit is None or hit[0] != v:
            f = app.extensions["zhuji_catalog"].projects_frame()
            rows = f[map_fields].astype(object).where(f[map_fields].notna(), None)
            body = dumps({"fields": map_fields, "rows": rows.to_numpy().tolist()})
            hit = (v, Cached(body, "application/json"))
            projects_cache["feed"] = hit
        return hit[1]

    @app.get("/api/map/projects.json")
    def map_projects():
        return projects_feed().response(max_age=0)

    @app.errorhandler(413)
    def too_large(err):
        return jsonify(error=f"上传文件超过{cfg['max_upload_mb']}MB上限 / upload exceeds the {cfg['max_upload_mb']} MB limit"), 413

    @app.post("/api/projects/import")
    @editor
    def import_projects():
        f = request.files.get("file")
        if f is None or not f.filename:
            return jsonify(error="缺少上传文件（multipart 字段 file）/ no file uploaded (multipart field 'file')"), 400
        try:
            df, fmt = P.read_rows(f.filename, f.read())
            result = P.prepare(df, data, datum=request.form.get("datum", "wgs84"), filename=f.filename, max_rows=max_rows)
            del df   # keep peak memory to one copy of the rows while they are stored
        except P.ImportFileError as exc:
            return jsonify(error=str(exc), imported=0, rejected=[], warnings=[]), 400
        try:
            saved = store.import_rows(result.accepted, token=g.token, filename=f.filename, fmt=fmt,
                                      received=result.received, rejected=result.rejected, warnings=result.warnings)
        except Exception:  # the transaction rolled back: nothing of this upload is stored
            log.exception("import failed")
            return jsonify(error="导入失败，本次上传未写入任何数据 / the import failed; nothing of this upload was stored",
                           imported=0), 500
        body = {"imported": len(result.accepted), "received": result.received,
                "rejected": [{"row": r["row"], "reason": r["reason"]} for r in result.rejected],
                "warnings": result.warnings, "inserted": saved["inserted"], "updated": saved["updated"],
                "import_id": saved["import_id"], "format": fmt}
        if result.rejected:
            body["rejected_csv"] = f"/api/projects/imports/{saved['import_id']}/rejected.csv"
        if saved["updated"]:
            body["note"] = (f"{saved['updated']}个项目已存在（同一编号或名称），已用本次数据替换 / {saved['updated']} "
                            "project(s) already stored (same id or name) were replaced, not duplicated")
        return jsonify(body)

    def import_or_404(import_id: int) -> dict:
        rec = store.import_record(import_id)
        if rec is None:
            abort(404, description=f"导入记录{import_id}不存在 / no import {import_id}")
        return rec

    @app.get("/api/projects/imports/<int:import_id>")
    def import_record(import_id):
        rec = import_or_404(import_id)
        rec["rejected"] = json.loads(rec.pop("rejected_json") or "[]")
        rec["warnings"] = json.loads(rec.pop("warnings_json") or "[]")
        return jsonify(rec)

    @app.get("/api/projects/imports/<int:import_id>/rejected.csv")
    def rejected_csv(import_id):
        rec = import_or_404(import_id)
        body = P.rejected_csv(json.loads(rec["rejected_json"] or "[]"))
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=rejected-import-{import_id}.csv"})

    def one_project(payload: dict, key: str | None = None):
        if not isinstance(payload, dict):
            return None, (jsonify(error="请求体应为JSON对象 / the body must be a JSON object"), 400)
        row = pd.DataFrame([{k: "" if v is None else str(v) for k, v in payload.items()}])
        if key is not None and key.startswith("id:") and not payload.get("id"):
            row["id"] = key[3:]
        row["_row"] = 1
        try:
            res = P.prepare(row, data, datum=payload.get("datum") or "wgs84", filename="request")
        except P.ImportFileError as exc:
            return None, (jsonify(error=str(exc)), 400)
        if res.rejected:
            return None, (jsonify(error=res.rejected[0]["reason"]), 400)
        return res, None

    @app.post("/api/projects")
    @editor
    def create_project():
        res, err = one_project(request.get_json(silent=True))
        if err:
            return err
        rec = store.upsert_one(res.accepted, token=g.token, action="create")
        return jsonify(project=_jsonable(rec), warnings=res.warnings), 201

    @app.put("/api/projects/<path:key>")
    @editor
    def edit_project(key):
        if store.get(key) is None:
            abort(404, description=f"项目“{key}”不存在 / no project '{key}'")
        res, err = one_project(request.get_json(silent=True), key)
        if err:
            return err
        if res.accepted.at[0, "key"] != key:
            store.delete(key, token=g.token)
        rec = store.upsert_one(res.accepted, token=g.token, action="edit")
        return jsonify(project=_jsonable(rec), warnings=res.warnings)

    @app.delete("/api/projects/<path:key>")
    @editor
    def delete_project(key):
        if not store.delete(key, token=g.token):
            abort(404, description=f"项目“{key}”不存在 / no project '{key}'")
        return jsonify(deleted=key)

    @app.get("/api/projects/<path:key>")
    def get_project(key):
        rec = store.get(key)
        if rec is None:
            abort(404, description=f"项目“{key}”不存在 / no project '{key}'")
        from geo.features import with_provenance
        return jsonify(_jsonable(with_provenance(pd.DataFrame([rec])).iloc[0].to_dict()))

    @app.get("/api/projects/summary")
    def projects_summary():
        return jsonify(P.summaries(store.projects(), data))

    @app.get("/api/audit")
    def audit_log():
        return jsonify([_jsonable(r) for r in store.audit_log(int(request.args.get("limit", 100)))])

    @app.get("/projects")
    def projects_page():
        _, lang = params()
        return render_template("projects.html", lang=lang, ui=UI[lang], s=P.summaries(store.projects(), data))

    # ------------------------------------------------------------------ OGC API and downloads
    from geo.export import CRS_CHOICES, FORMATS, export
    from geo.features import Catalog, parse_bbox
    from ogc import ogc_blueprint
    catalog = Catalog(data, store)
    app.register_blueprint(ogc_blueprint(catalog))

    @app.errorhandler(geo.DataError)
    def data_error(exc):
        return jsonify(error=str(exc)), 400

    @app.get("/api/export/<layer>.<fmt>")
    def download(layer, fmt):
        if layer not in catalog.collections:
            abort(404, description=f"图层“{layer}”不存在 / no layer '{layer}'")
        if fmt not in FORMATS:
            abort(404, description=f"格式“{fmt}”不支持 / unsupported format '{fmt}'; formats: {', '.join(FORMATS)}")
        crs = request.args.get("crs", "EPSG:4326").upper()
        if crs not in CRS_CHOICES:
            raise geo.DataError(f"crs 不支持：“{crs}”，可选 {', '.join(CRS_CHOICES)}",
                                f"unsupported crs '{crs}'; expected one of {', '.join(CRS_CHOICES)}", field="crs")
        props = {k: v for k, v in request.args.items() if k not in ("crs", "bbox", "town")}
        g = catalog.query(layer, bbox=parse_bbox(request.args.get("bbox")), props=props, town=request.args.get("town"))
        body, name, mime = export(g, layer, fmt, CRS_CHOICES[crs])
        from urllib.parse import quote
        resp = Response(body, mimetype=mime, headers={
            "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"})
        resp.add_etag()
        resp.headers["Cache-Control"] = "public, max-age=60"
        return resp.make_conditional(request)

    app.wsgi_app = ResponseCache(app.wsgi_app, lambda path: store.version() if "projects" in path else 0)
    app.extensions["zhuji_data"] = data
    app.extensions["zhuji_catalog"] = catalog
    app.extensions["zhuji_store"] = store
    app.extensions["zhuji_projects_layer"] = projects_layer
    return app


def _jsonable(rec: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Serve the Zhuji planning map")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")), help="port (default $PORT or 5000)")
    p.add_argument("--basemap", default=None, help="none (default), tianditu, tianditu-img, osm or gaode")
    p.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    p.add_argument("--dev", action="store_true", help="Flask's development server with reloader")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app({"basemap": args.basemap} if args.basemap else None)
    print(f"诸暨规划一张图: http://{args.host}:{args.port}/", flush=True)
    if args.dev:
        app.run(host=args.host, port=args.port, debug=True)
    else:
        from waitress import serve
        serve(app, host=args.host, port=args.port, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
