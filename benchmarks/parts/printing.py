"""Printed maps over HTTP (GET /api/print.pdf|png, README "打印/导出地图"), with the projects of the map part in
the store: the first print of each worker after start (fonts, layers and the projects' copy read once; one
request per worker at the same time, since a sync worker takes one at a time) and the median of the next ones."""
from __future__ import annotations

import struct
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from ..common import Sizes, check, load1, say, stop
from ..data import sqlite_store
from ..servers import start_ours

WORKERS = 2

TITLE = "Printed maps (HTTP print endpoint)"
PRINTS = {  # label -> (path, target seconds or None)
    "A4 PDF": ("/api/print.pdf?view=axis&size=A4", 2.0),
    "A3 PNG 300 dpi": ("/api/print.png?view=axis&size=A3&orientation=landscape&dpi=300", 5.0),
    "A4 PDF with a 范围统计 area": ("/api/print.pdf?view=axis&size=A4&area_axis=EW&area_km=5&year=2026", None),
}


def describe(body: bytes) -> str:
    if body.startswith(b"%PDF"):
        return "PDF"
    if body.startswith(b"\x89PNG"):
        w, h = struct.unpack(">II", body[16:24])
        return f"PNG {w}×{h}"
    return f"unexpected: {body[:20]!r}"


def one(base: str, path: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    r = requests.get(base + path, timeout=300)
    secs = round(time.perf_counter() - t, 3)
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
    return secs, r.content


def run(sz: Sizes) -> dict:
    server = start_ours(sqlite_store(sz.map_points), workers=WORKERS)
    out = {"projects": sz.map_points, "repeats": sz.print_repeats, "prints": {}}
    try:
        for label, (path, _) in PRINTS.items():
            before = load1()
            with ThreadPoolExecutor(WORKERS) as ex:             # each worker's first, at once
                first = max(secs for secs, _ in ex.map(one, [server.url] * WORKERS, [path] * WORKERS))
            times = []
            for _ in range(sz.print_repeats):
                secs, body = one(server.url, path)
                times.append(secs)
            warm = sorted(times)[len(times) // 2]
            out["prints"][label] = {"path": path, "first_s": first, "median_s": warm, "times": times,
                                    "kb": round(len(body) / 1024, 1), "file": describe(body),
                                    "load1_before": before, "load1_after": load1()}
            say(f"  print {label}: first {first} s, median {warm} s, {describe(body)}, {len(body) / 1024:.0f} KB")
    finally:
        stop(server.proc)
    out["checks"] = [check(f"{label}: median of {sz.print_repeats} after each worker's first", v["median_s"], f"≤ {t:g} s",
                           v["median_s"] <= t, " s")
                     for label, v in out["prints"].items() if (t := PRINTS[label][1])]
    return out


def markdown(res: dict) -> list[str]:
    L = [f"{res['projects']:,} projects in the store (SQLite); gunicorn, {WORKERS} workers. *first s*: the slower of "
         f"the {WORKERS} workers' first prints, made at the same time.", "",
         "| print | request | first s | median s | file | KB | load1 |", "|---|---|---|---|---|---|---|"]
    for k, v in res["prints"].items():
        L.append(f"| {k} | `{v['path']}` | {v['first_s']} | {v['median_s']} | {v['file']} | {v['kb']:,} | "
                 f"{v['load1_before']}→{v['load1_after']} |")
    return L
