"""Reading projects a page or an area at a time, through the store's spatial index (SQLite: the (lon, lat)
B-tree; PostGIS: GiST), so that serving costs the same with 1,000 or 1,000,000 projects stored."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from ..errors import DataError
from .store import PROJECT_COLUMNS

NUMERIC = {"year": int, "source_row": int, "import_id": int, "investment": float, "investment_year": float,
           "lon": float, "lat": float, "corridor_distance_m": float, "axis_distance_m": float}
QUERYABLE = [c for c in PROJECT_COLUMNS if c not in ("extra", "geometry_wkt", "warnings", "updated_at")]


def _where(store, bbox=None, props: dict | None = None, town: str | None = None) -> tuple[str, dict]:
    clauses, params = [], {}
    if bbox is not None:
        params.update(x1=bbox[0], y1=bbox[1], x2=bbox[2], y2=bbox[3])
        if store.kind == "postgresql":
            clauses.append("p.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)")
        else:
            clauses.append("p.lon BETWEEN :x1 AND :x2 AND p.lat BETWEEN :y1 AND :y2")
    for i, (k, v) in enumerate((props or {}).items()):
        if k not in QUERYABLE:
            raise DataError(f"属性“{k}”不存在", f"no property '{k}' in projects", field=k)
        try:
            params[f"v{i}"] = NUMERIC[k](v) if k in NUMERIC else str(v)
        except (TypeError, ValueError):
            return "1 = 0", {}                       # a number column never equals a word
        clauses.append(f"p.{k} = :v{i}")
    if town:
        params["town"], params["town_like"] = town, f"%{town}%"
        clauses.append("(p.town_code = :town OR p.town_codes LIKE :town_like)")
    return (" AND ".join(clauses) or "1 = 1"), params


def rows(store, conn, sql: str, params: dict) -> list[tuple]:
    """Row tuples of ``sql`` in ``conn``'s transaction. SQLite: straight from the driver's cursor (sqlite3 takes
    the :name parameters itself), as SQLAlchemy's row objects cost a third of a page of 100 projects."""
    if store.kind != "sqlite":
        return [tuple(r) for r in conn.execute(text(sql), params)]
    if not conn.in_transaction():
        conn.begin()                    # BEGIN (the store's listener): what follows reads one snapshot
    return conn.connection.driver_connection.execute(sql, params).fetchall()


def count(store, conn=None, **filters) -> int:
    """How many projects match; in ``conn``'s transaction when given."""
    where, params = _where(store, **filters)
    sql = f"SELECT count(*) FROM projects p WHERE {where}"
    if conn is not None:
        return rows(store, conn, sql, params)[0][0]
    with store.engine.connect() as own:
        return rows(store, own, sql, params)[0][0]


def page_sql(store, where: str) -> str:
    """SQL of one page in key order (parameters :limit, :offset and those of ``where``)."""
    cols = ", ".join(f"p.{c}" for c in PROJECT_COLUMNS)
    if store.kind != "sqlite":
        return f"SELECT {cols} FROM projects p WHERE {where} ORDER BY p.key LIMIT :limit OFFSET :offset"
    # two steps: the page's rows picked from the (lon, lat, key) index alone, then only those rows read; in
    # one step SQLite reads and sorts every row in the box (p99 of a random 0.5–5 km box: 10.7 → 3.9 ms)
    return (f"SELECT {cols} FROM projects p WHERE p.rowid IN (SELECT p.rowid FROM projects p WHERE {where} "
            f"ORDER BY p.key LIMIT :limit OFFSET :offset) ORDER BY p.key")


def counted_page(store, offset: int, limit: int, **filters) -> tuple[int, list[tuple]]:
    """How many projects match and one page of them (row tuples in PROJECT_COLUMNS order), read in one
    transaction, so that the two agree while an import commits. A page that is not full tells the count
    itself: no second scan of the box."""
    where, params = _where(store, **filters)
    with store.engine.connect() as conn:
        if store.kind == "postgresql":       # else each statement sees what was committed before it
            conn.execution_options(isolation_level="REPEATABLE READ")
        page = rows(store, conn, page_sql(store, where), {**params, "limit": limit, "offset": offset})
        if len(page) < limit and (page or offset == 0):
            return offset + len(page), page
        return count(store, conn, **filters), page


def frame(store, **filters) -> pd.DataFrame:
    """Every project matching (for a download): read in one query, bounded by the caller's concurrency."""
    where, params = _where(store, **filters)
    cols = ", ".join(f"p.{c}" for c in PROJECT_COLUMNS)
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {cols} FROM projects p WHERE {where} ORDER BY p.key"), params).all()
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


def every_row(store, names: list[str]) -> list[tuple]:
    """The named columns of every project in key order, as row tuples read through ``rows()`` (the project
    table: 110,000 projects took 4.4 s as SQLAlchemy rows of every column made into a frame, 1.1 s so)."""
    with store.engine.connect() as conn:
        return rows(store, conn, f"SELECT {', '.join('p.' + c for c in names)} FROM projects p ORDER BY p.key", {})


NEAR_COLUMNS = ["key", "name", "sector", "year", "accuracy", "lon", "lat"]


def near(store, bbox: tuple[float, float, float, float], **props) -> pd.DataFrame:
    """The projects with a point in the lon/lat ``bbox`` (blank filters ignored), with the columns the
    identify tool lists: read through the spatial index, so a click costs the same with 1,000 or 1,000,000
    projects stored, and no worker needs its copy of them all to answer it."""
    where, params = _where(store, bbox=bbox, props={k: v for k, v in props.items() if v not in (None, "")})
    cols = ", ".join(f"p.{c}" for c in NEAR_COLUMNS)
    with store.engine.connect() as conn:
        found = rows(store, conn, f"SELECT {cols} FROM projects p WHERE {where}", params)
    # built column by column: a frame made from SQLAlchemy's rows took three quarters of a click's time
    return pd.DataFrame(dict(zip(NEAR_COLUMNS, zip(*found))) if found else {c: [] for c in NEAR_COLUMNS},
                        columns=NEAR_COLUMNS)


def bounds(store) -> tuple[float, float, float, float] | None:
    with store.engine.connect() as conn:
        r = conn.execute(text("SELECT min(lon), min(lat), max(lon), max(lat) FROM projects WHERE lon IS NOT NULL")).one()
    return None if r[0] is None else tuple(float(v) for v in r)


def stream(store, chunk: int = 20_000):
    """All projects, a chunk at a time, in key order (a whole-layer download without holding it in memory)."""
    cols = ", ".join(f"p.{c}" for c in PROJECT_COLUMNS)
    last = ""
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {cols} FROM projects p WHERE p.key > :last ORDER BY p.key LIMIT :n"),
                                {"last": last, "n": chunk}).all()
        if not rows:
            return
        yield pd.DataFrame(rows, columns=PROJECT_COLUMNS)
        last = rows[-1][0]
