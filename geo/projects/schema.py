"""Create (and bring up to date) the store's tables, indexes and triggers, on SQLite and PostGIS alike.

- PostGIS: a generated ``geom geometry(Point,4326)`` column with a GiST index, so QGIS/ArcGIS can open
  the table directly.
- Both: ``data_version`` is bumped by a trigger on every change to ``projects``, so edits made directly
  in the database (a GIS technician in QGIS) show in the service within a second.
- Older stores get the columns they lack (``ALTER TABLE … ADD COLUMN``); nothing is dropped.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

from sqlalchemy import inspect, text
from sqlalchemy.exc import SAWarning

from .store import data_version, metadata

_PG_TRIGGER = """
CREATE OR REPLACE FUNCTION zhuji_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE data_version SET v = v + 1 WHERE id = 1; RETURN NULL; END $$;
DROP TRIGGER IF EXISTS projects_version ON projects;
CREATE TRIGGER projects_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
FOR EACH STATEMENT EXECUTE FUNCTION zhuji_bump_version();
"""
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS projects_version_{op} AFTER {op.upper()} ON projects "
    "BEGIN UPDATE data_version SET v = v + 1 WHERE id = 1; END"
    for op in ("insert", "update", "delete")
]
# An R*Tree kept by triggers was the spatial index once; filling it cost ~30 µs a row (a minute for
# 1,000,000 projects) while the (lon, lat) B-tree below answers a bbox as fast. Stores that have it lose it.
BULK_CACHE_KIB = 128 * 1024      # SQLite page cache during a large write (given back afterwards)
_SQLITE_RETIRED = ["DROP TRIGGER IF EXISTS projects_rtree_insert", "DROP TRIGGER IF EXISTS projects_rtree_update",
                   "DROP TRIGGER IF EXISTS projects_rtree_delete", "DROP TABLE IF EXISTS projects_rtree"]


@contextmanager
def bulk(store, conn):
    """A large write on SQLite: its triggers fire per row (100,000 version bumps for one import), so inside
    the write's transaction they are dropped, the version is bumped once, and they are put back — all or
    nothing with the write itself. PostgreSQL's trigger is per statement already."""
    if store.kind != "sqlite":
        yield
        return
    for op in ("insert", "update", "delete"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS projects_version_{op}")
    # a page cache big enough for the table's indexes: with SQLite's 2 MB default, a million new keys
    # evict and re-read index pages all the time (measured: 26 s → 12 s for 1,000,000 rows)
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
    conn.exec_driver_sql("UPDATE data_version SET v = v + 1 WHERE id = 1")
    for sql in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(sql)


REBUILD_FROM = 20_000     # SQLite: a write of at least this many rows, and at least as many as the table holds …


@contextmanager
def indexes_rebuilt(store, conn, rows: int):
    """… fills ``projects`` with its secondary indexes dropped and builds them afterwards, in the same
    transaction: SQLite builds an index from sorted keys in one pass, where a row-by-row insert into three
    B-trees touches pages all over them (1,000,000 rows into an empty store: 9 → 3 s). WAL readers keep
    the last committed snapshot, indexes included, until the commit."""
    if store.kind != "sqlite" or rows < REBUILD_FROM or rows < _count(conn):
        yield
        return
    found = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'projects' "
                                 "AND sql IS NOT NULL").all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in found:
        conn.exec_driver_sql(sql)


def _count(conn) -> int:
    return conn.exec_driver_sql("SELECT count(*) FROM projects").scalar_one()


def create(store) -> None:
    with store.engine.begin() as conn:
        if store.kind == "postgresql":
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        metadata.create_all(conn)
        _add_missing_columns(conn)
        if conn.execute(data_version.select()).first() is None:
            conn.execute(data_version.insert().values(id=1, v=1))
        if store.kind == "postgresql":
            conn.execute(text("ALTER TABLE projects ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
                              "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"))
            conn.execute(text("CREATE INDEX IF NOT EXISTS projects_geom_idx ON projects USING GIST (geom)"))
            conn.exec_driver_sql(_PG_TRIGGER)
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS projects_lonlat_idx ON projects (lon, lat)")
        else:
            for sql in _SQLITE_RETIRED + _SQLITE_TRIGGERS:
                conn.exec_driver_sql(sql)
            # the key in the bbox index: a page finds its 100 keys in the index alone and reads only those rows
            # (query.counted_page); stores made before it lose the (lon, lat) index it replaces
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS projects_bbox_idx ON projects (lon, lat, key)")
            conn.exec_driver_sql("DROP INDEX IF EXISTS projects_lonlat_idx")


def _add_missing_columns(conn) -> None:
    insp = inspect(conn)
    for table in metadata.sorted_tables:
        with warnings.catch_warnings():          # SQLAlchemy does not know PostGIS's geometry type: harmless here
            warnings.simplefilter("ignore", SAWarning)
            have = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name not in have:
                kind = col.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{col.name}" {kind}')
