"""Create (and bring up to date) the store's tables, indexes and triggers, on SQLite and PostGIS alike.

- PostGIS: a generated ``geom geometry(Point,4326)`` column with a GiST index, so QGIS/ArcGIS can open
  the table directly.
- Both: ``data_version`` is bumped by a trigger on every change to ``projects``, so edits made directly
  in the database (a GIS technician in QGIS) show in the service within a second.
- Older stores get the columns they lack (``ALTER TABLE … ADD COLUMN``); nothing is dropped.
"""
from __future__ import annotations

import warnings

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
] + [
    # the spatial index of the points, kept by triggers (so edits made in QGIS are indexed too)
    "CREATE VIRTUAL TABLE IF NOT EXISTS projects_rtree USING rtree(id, minx, maxx, miny, maxy)",
    "CREATE TRIGGER IF NOT EXISTS projects_rtree_insert AFTER INSERT ON projects WHEN new.lon IS NOT NULL "
    "BEGIN INSERT INTO projects_rtree VALUES (new.rowid, new.lon, new.lon, new.lat, new.lat); END",
    "CREATE TRIGGER IF NOT EXISTS projects_rtree_update AFTER UPDATE OF lon, lat ON projects "
    "BEGIN DELETE FROM projects_rtree WHERE id = old.rowid; INSERT INTO projects_rtree SELECT new.rowid, new.lon, "
    "new.lon, new.lat, new.lat WHERE new.lon IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS projects_rtree_delete AFTER DELETE ON projects "
    "BEGIN DELETE FROM projects_rtree WHERE id = old.rowid; END",
    # a store made before the index existed: index what is there
    "INSERT INTO projects_rtree SELECT rowid, lon, lon, lat, lat FROM projects WHERE lon IS NOT NULL "
    "AND rowid NOT IN (SELECT id FROM projects_rtree)",
]


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
        else:
            for sql in _SQLITE_TRIGGERS:
                conn.exec_driver_sql(sql)
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS projects_lonlat_idx ON projects (lon, lat)")


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
