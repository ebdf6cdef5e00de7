"""Generated data: project lists (CSV, XLSX) at random points in the county, stores seeded through the
service's own import (geo.projects.import_file), and random bounding boxes for wrk."""
from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

from .common import WORK, run_py, say

STATUSES = ["在建", "新开工", "前期"]


def _points(n: int, seed: int):
    import numpy as np
    import shapely

    import geo
    data = geo.load()
    outline = data.outline
    minx, miny, maxx, maxy = outline.bounds
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while sum(len(x) for x in xs) < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        ok = shapely.contains_xy(outline, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    return data, rng, np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def project_frame(n: int, prefix: str = "B", seed: int = 2026):
    """n project rows as an officer would upload them: 编号, name, WGS84 lon/lat, sector, 总投资, status, year."""
    import numpy as np
    import pandas as pd
    data, rng, x, y = _points(n, seed)
    sectors = list(data.investment["sector"])
    return pd.DataFrame({
        "编号": [f"{prefix}{i:07d}" for i in range(n)], "项目名称": [f"基准项目{prefix}{i}" for i in range(n)],
        "经度": np.round(x, 6), "纬度": np.round(y, 6), "领域": rng.choice(sectors, n),
        "总投资（亿元）": np.round(rng.uniform(0.1, 50, n), 2), "建设状态": rng.choice(STATUSES, n),
        "年份": rng.choice([2026, 2027, 2028], n)})


def synthetic_csv(n: int, prefix: str = "B", seed: int = 2026) -> Path:
    path = WORK / f"projects-{prefix}-{n}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        project_frame(n, prefix, seed).to_csv(path, index=False, encoding="utf-8")
    return path


def synthetic_xlsx(n: int) -> Path:
    """An officer's workbook: a title row, the header, n rows (XlsxWriter, a dependency of the service)."""
    path = WORK / f"projects-W-{n}.xlsx"
    if path.exists():
        return path
    import xlsxwriter
    df = project_frame(n, "W", seed=7)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("2026年")
    ws.write_row(0, 0, ["2026年诸暨市重大项目计划表（基准）"])
    ws.write_row(1, 0, list(df.columns))
    for i, row in enumerate(df.itertuples(index=False), start=2):
        ws.write_row(i, 0, [v.item() if hasattr(v, "item") else v for v in row])
    wb.close()
    return path


def import_one(csv_path: str, db_url: str, profile: str = "") -> dict:
    """One import in this (fresh) process through import_file(): phases and peak memory (the child's own)."""
    import geo
    from geo.projects import ImportOptions, Limits, Store, import_file
    data = geo.load()
    store = Store(db_url)
    path = Path(csv_path)
    content = path.read_bytes()
    limits = Limits(max_bytes=2**34, max_rows=10**8, max_cells=10**10, max_uncompressed_bytes=2**34)
    opts = ImportOptions(datum="wgs84", year=2026, limits=limits)
    prof = None
    if profile:
        from pyinstrument import Profiler
        prof = Profiler(interval=0.005)
        prof.start()
    t0 = time.perf_counter()
    res = import_file(path.name, content, data, store=store, options=opts)
    total = time.perf_counter() - t0
    if prof:
        prof.stop()
        Path(profile).write_text(prof.output_html(), encoding="utf-8")
        Path(profile).with_suffix(".txt").write_text(prof.output_text(unicode=True, show_all=False), encoding="utf-8")
    out = {"rows": res.received, "imported": len(res.accepted), "rejected": len(res.rejected), "total_s": round(total, 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "store": store.kind}
    out.update({k: round(v, 3) for k, v in res.timings.items()})
    return out


def import_in_child(csv: Path, db_url: str, profile: Path | None = None) -> dict:
    args = ["import-one", csv, db_url] + ([profile] if profile else [])
    return json.loads(run_py(*args, timeout=1200))


def sqlite_store(n: int) -> Path:
    """A data dir whose SQLite store holds n synthetic projects (kept in .work between runs)."""
    d = WORK / f"store-{n}"
    if (d / "projects.sqlite").exists() and (d / "seeded").exists():
        return d
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    if n:
        r = import_in_child(synthetic_csv(n), f"sqlite:///{d / 'projects.sqlite'}")
        say(f"  seeded SQLite with {r['imported']:,} projects in {r['total_s']} s")
    (d / "seeded").write_text(str(n))
    return d


def bbox_file(n: int, seed: int = 15) -> Path:
    """n distinct random bboxes inside the county (0.5–5 km a side), one `minlon,minlat,maxlon,maxlat` a line.
    The same file drives ours and tipg; wrk's threads walk disjoint slices, so no URL is asked twice."""
    path = WORK / f"bboxes-{n}.txt"
    if path.exists():
        return path
    import numpy as np
    _, rng, x, y = _points(n, seed)
    w = rng.uniform(0.005, 0.05, n)
    h = w * rng.uniform(0.6, 1.4, n)
    lines = (f"{a:.5f},{b:.5f},{c:.5f},{d:.5f}" for a, b, c, d in zip(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    path.write_text("\n".join(lines) + "\n")
    assert len(set(path.read_text().split())) == n and np.isfinite(w).all()
    return path


LUA = """-- each wrk thread walks its own slice of a pre-generated list of paths (from an offset: the paths a
-- run before it on the same server asked are skipped), so no path is asked twice
local counter, threads = 1, {}
function setup(thread)
  thread:set("id", counter); table.insert(threads, thread); counter = counter + 1
end
function init(args)
  local prefix, file, nthreads, offset = args[1], args[2], tonumber(args[3]), tonumber(args[4] or "0")
  paths = {}
  for line in io.lines(file) do paths[#paths + 1] = prefix .. line end
  local per = math.floor((#paths - offset) / nthreads)
  first = offset + (id - 1) * per; i = 0; span = per
end
function request()
  local p = paths[first + (i % span) + 1]; i = i + 1
  return wrk.format("GET", p)
end
"""


def lua_script() -> Path:
    path = WORK / "paths.lua"
    path.write_text(LUA)
    return path


def url_file(name: str, lines: list[str]) -> Path:
    path = WORK / f"{name}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path
