"""诸暨“十五五”规划一张图 — the Flask service.

    python server.py [--host 127.0.0.1] [--port 5000] [--config zhuji.toml] [--dev]
    zhuji-map serve [...]

``create_app`` only wires: configuration → services → blueprints → middleware. Nothing is loaded at
import time; everything the service serves is built once by ``web.services.Services``.
"""
from __future__ import annotations

import argparse
import logging
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from geo.paths import REPO
from web import BLUEPRINTS, auth, config, converters, errors, i18n, security
from web.caching import ResponseCache
from web.jsonio import OrjsonProvider
from web.services import Services

log = logging.getLogger("zhuji_map")


def create_app(overrides: dict | None = None, *, config_file: str | None = None) -> Flask:
    cfg = config.load(overrides, config_file=config_file)
    app = Flask(__name__, static_folder=None, template_folder=str(REPO / "templates"))
    app.json = OrjsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = int(cfg["max_upload_mb"] * 1024 * 1024)
    services = Services(cfg)
    app.extensions["zhuji"] = services
    converters.init_app(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    errors.register(app)
    auth.init_app(app, cfg)
    i18n.init_app(app)
    security.init_app(app, services.basemaps)
    app.wsgi_app = ResponseCache(app.wsgi_app, services.version_for, budget=cfg["cache_mb"] * 2**20)
    if cfg["proxies"]:          # behind nginx: the visitor's scheme, host and address, not the proxy's
        n = cfg["proxies"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Serve the Zhuji planning map", epilog="settings:\n" + config.describe(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=None, help="TOML configuration file (also $ZHUJI_MAP_CONFIG)")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=None, help="port (default $PORT or 5000)")
    p.add_argument("--basemap", default=None, help="none (default), tianditu, tianditu-img, osm or gaode")
    p.add_argument("--threads", type=int, default=None, help="waitress worker threads (default 8)")
    p.add_argument("--dev", action="store_true", help="Flask's development server with reloader")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)     # PDF font subsetting: ~18 KB of INFO per print
    overrides = {"host": args.host, "port": args.port, "basemap": args.basemap, "threads": args.threads}
    try:
        app = create_app(overrides, config_file=args.config)
    except config.ConfigError as exc:
        print(f"配置错误 / configuration error:\n{exc}", file=sys.stderr)
        return 2
    cfg = app.extensions["zhuji"].config
    print(f"诸暨规划一张图: http://{cfg['host']}:{cfg['port']}/", flush=True)
    if args.dev:
        app.run(host=cfg["host"], port=cfg["port"], debug=True)
    else:
        from waitress import serve
        # the server's body limit is the upload limit: nobody can make waitress buffer a gigabyte to disk
        serve(app, host=cfg["host"], port=cfg["port"], threads=cfg["threads"],
              max_request_body_size=int(cfg["max_upload_mb"] * 2**20) + 64 * 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
