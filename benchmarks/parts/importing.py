"""CSV project lists through geo.projects.import_file() — read, validate, join, store — each in a fresh
process (its peak RSS is the import's own): into SQLite, and into PostGIS (the store's COPY path)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .. import pg
from ..common import RESULTS, WORK, Sizes, check, load1, say
from ..data import import_in_child, synthetic_csv

TITLE = "Import and join (CSV → validated, joined, stored)"


def one(n: int, store: str) -> dict:
    csv = synthetic_csv(n)
    before = load1()
    if store == "sqlite":
        tmp = Path(tempfile.mkdtemp(dir=WORK))
        try:
            r = import_in_child(csv, f"sqlite:///{tmp / 'p.sqlite'}")
        finally:
            shutil.rmtree(tmp)
    else:
        r = import_in_child(csv, pg.cluster().fresh_db(f"projects_{n}"))   # kept: the postgis part reuses it
    r.update(load1_before=before, load1_after=load1(), csv_mb=round(csv.stat().st_size / 2**20, 1), rows_asked=n)
    say(f"  import {store:7} {n:>9,}: read {r.get('read_s')} s, validate {r.get('validate_s')} s, join {r.get('join_s')} s, "
        f"store {r.get('store_s')} s, total {r['total_s']} s, peak {r['peak_rss_mb']} MB")
    return r


def profile_import(n: int, quick: bool) -> dict:
    out = (RESULTS / "quick" if quick else RESULTS) / f"profile-import-{n}.html"
    tmp = Path(tempfile.mkdtemp(dir=WORK))
    try:
        r = import_in_child(synthetic_csv(n), f"sqlite:///{tmp / 'p.sqlite'}", profile=out)
    finally:
        shutil.rmtree(tmp)
    say(f"  profile of the {n:,}-row SQLite import: {out.relative_to(RESULTS.parent.parent)} (+ .txt), {r['total_s']} s profiled")
    return {"rows": n, "html": str(out.relative_to(RESULTS.parent.parent)), "total_s": r["total_s"]}


def run(sz: Sizes, profile: bool = False) -> dict:
    out = {"sqlite": {str(n): one(n, "sqlite") for n in sz.import_rows},
           "postgis": {str(n): one(n, "postgis") for n in sz.pg_import_rows}}
    if profile:
        out["profile"] = profile_import(max(sz.import_rows), sz.quick)
    out["checks"] = checks(out, sz)
    return out


def checks(res: dict, sz: Sizes) -> list[dict]:
    mid, big = sz.import_rows[-2], sz.import_rows[-1]
    a, b = res["sqlite"].get(str(mid), {}), res["sqlite"].get(str(big), {})
    c = res["postgis"].get(str(sz.pg_import_rows[-1]), {})
    return [check(f"SQLite, {mid:,} rows", a.get("total_s"), "≤ 1 s", a.get("total_s", 1e9) <= 1, " s"),
            check(f"SQLite, {big:,} rows", b.get("total_s"), "≤ 10 s", b.get("total_s", 1e9) <= 10, " s"),
            check(f"SQLite, {big:,} rows: peak memory", b.get("peak_rss_mb"), "≤ 1,024 MB",
                  b.get("peak_rss_mb", 1e9) <= 1024, " MB"),
            check(f"PostGIS, {sz.pg_import_rows[-1]:,} rows", c.get("total_s"), "≤ 10 s", c.get("total_s", 1e9) <= 10, " s")]


def markdown(res: dict) -> list[str]:
    L = ["| store | rows | CSV MB | read s | validate s | join s | store s | total s | peak MB | load1 |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for store in ("sqlite", "postgis"):
        for n, v in res.get(store, {}).items():
            L.append(f"| {store} | {int(n):,} | {v['csv_mb']} | {v.get('read_s')} | {v.get('validate_s')} | {v.get('join_s')} | "
                     f"{v.get('store_s')} | {v['total_s']} | {v['peak_rss_mb']} | {v['load1_before']}→{v['load1_after']} |")
    if res.get("profile"):
        L += ["", f"Profile of the {res['profile']['rows']:,}-row SQLite import (pyinstrument): `{res['profile']['html']}` "
              "and its `.txt` twin."]
    return L
