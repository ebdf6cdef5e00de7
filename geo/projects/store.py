"""Project storage: embedded SQLite (WAL) by default, PostGIS when DATABASE_URL points to one.

One code path (SQLAlchemy Core) for both. Every upload is a batch (清单批次) with a year and a title,
stored in one transaction: all its valid rows or none. A row an import or an edit replaces is kept in
``project_history``, so a batch can be rolled back and an edit undone. Writes are serialised per store
(a process lock, plus ``BEGIN IMMEDIATE`` on SQLite and an advisory lock on PostgreSQL), so counts are
right when two imports run at once. Every write is recorded in ``audit`` with who did it.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path

import orjson
import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from ..errors import DataError
from ..paths import REPO

log = logging.getLogger("zhuji_map")
metadata = MetaData()
projects = Table(
    "projects", metadata,
    Column("key", String, primary_key=True),          # "<year>/id:<编号>" or "<year>/name:<项目名称>"
    Column("project_id", String), Column("name", String, nullable=False), Column("sector", String),
    Column("status", String), Column("nature", String), Column("year", Integer), Column("investment", Float),
    Column("investment_year", Float), Column("town_input", String), Column("location_text", String),
    Column("lon", Float), Column("lat", Float), Column("datum_input", String), Column("located_by", String),
    Column("accuracy", String), Column("geometry_wkt", Text), Column("town_code", String, index=True),
    Column("town_codes", String), Column("town_name", String), Column("zones", String), Column("cluster", String),
    Column("corridor_id", String), Column("corridor_name", String), Column("corridor_status", String),
    Column("corridor_distance_m", Float), Column("axis_branch", String), Column("axis_distance_m", Float),
    Column("warnings", Text), Column("source_row", Integer), Column("extra", Text),
    Column("import_id", Integer, index=True), Column("updated_at", DateTime(timezone=True)), Column("updated_by", String),
)
imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("at", DateTime(timezone=True)),
    Column("actor", String), Column("filename", String), Column("format", String), Column("title", String),
    Column("year", Integer), Column("sheet", String), Column("header_rows", String), Column("datum", String),
    Column("columns_json", Text), Column("mapping_json", Text), Column("received", Integer), Column("imported", Integer),
    Column("inserted", Integer), Column("updated", Integer), Column("rejected", Integer), Column("rejected_json", Text),
    Column("warnings_json", Text), Column("skipped_json", Text), Column("status", String),
    Column("replaced_by", Integer),
)
history = Table(
    "project_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("key", String, index=True),
    Column("import_id", Integer), Column("data", Text), Column("superseded_at", DateTime(timezone=True)),
    Column("superseded_by", Integer, index=True), Column("action", String), Column("actor", String),
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("at", DateTime(timezone=True)),
    Column("actor", String), Column("action", String), Column("target", String), Column("rows", Integer),
    Column("detail", Text),
)
data_version = Table("data_version", metadata, Column("id", Integer, primary_key=True), Column("v", Integer))
PROJECT_COLUMNS = [c.name for c in projects.columns]
BATCH = 50_000
VERSION_TTL = 0.5
ATTACHED = "ingest"                 # SQLite: the name a write's side file (staged rows) is attached under
ADVISORY_LOCK = 26_681_330          # one writer per PostGIS store (any constant shared by every worker)
LOCK_TIMEOUT_MS = 15_000            # PostGIS: a write that waits longer for a lock (another writer, a row a
#                                     GIS technician holds in an open QGIS edit) gives up with a 409


class ConflictError(DataError):
    """A write that would overwrite something else (a rename onto an existing project…): HTTP 409."""


def explain(exc: Exception, where: str):
    from .failures import explain as _explain
    return _explain(exc, where)


def default_url(data_dir: str | os.PathLike | None = None) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    d = Path(data_dir or os.environ.get("ZHUJI_MAP_DATA_DIR") or REPO / "instance")
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / 'projects.sqlite'}"


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def now():
    return dt.datetime.now(dt.UTC)


def _sqlite_pragmas(engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(conn, _):
        cur = conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000", "temp_store=MEMORY"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()
        conn.isolation_level = None      # we issue BEGIN ourselves (IMMEDIATE for writes)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def _forget_connections_after_fork(engine) -> None:
    """gunicorn --preload forks workers from a process that has opened the store: a worker must not use the
    parent's pooled connections (two processes on one PostgreSQL socket break both), so it opens its own.
    ``close=False`` leaves the parent's connections to the parent (SQLAlchemy's advice for forking)."""
    ref = weakref.ref(engine)

    def in_child():
        e = ref()
        if e is not None:
            e.dispose(close=False)
    os.register_at_fork(after_in_child=in_child)


class Store:
    def __init__(self, url: str | None = None):
        self.url = _sqlalchemy_url(url or default_url())
        # a pooled PostgreSQL connection may have been closed by the server: ping it before use (a file need not be)
        self.engine = create_engine(self.url, future=True, pool_pre_ping=not self.url.startswith("sqlite"))
        self.kind = self.engine.dialect.name          # sqlite | postgresql
        self._version, self._version_at = 0, -1e9
        self._lock = threading.Lock()
        self.after_write: list = []                     # callbacks once a write is committed
        if self.kind == "sqlite":
            _sqlite_pragmas(self.engine)
        _forget_connections_after_fork(self.engine)
        from .schema import create
        create(self)

    def describe(self) -> str:
        """The store as a person finds it: the SQLite file's path, or the database without its password."""
        if self.kind == "sqlite":
            return str(self.engine.url.database)
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def writing(self, attach: Path | None = None):
        """One writer at a time for this store, in one transaction; a failure is explained (full disk,
        locked, corrupt …) and nothing of the write is kept. ``attach``: a SQLite file the write reads from
        (a batch's staged rows), attached as ``ATTACHED`` for the transaction."""
        try:
            with self._writing(attach) as conn:
                yield conn
        except (DataError, KeyError, ValueError):
            raise
        except DBAPIError as exc:
            raise explain(exc, self.describe()) from exc
        for fn in self.after_write:
            fn()

    @contextmanager
    def _writing(self, attach: Path | None = None):
        with self._lock, self.engine.connect() as conn, _attached(conn, attach):
            conn.info["write"] = True
            try:
                with conn.begin():
                    if self.kind == "postgresql":
                        conn.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK})
                    yield conn
            finally:
                conn.info.pop("write", None)
        self._version_at = -1e9   # this process sees its own write at once

    def audit(self, actor: str | None, action: str, target: str, rows: int, detail: dict, conn=None) -> None:
        values = {"at": now(), "actor": actor or "cli", "action": action, "target": target, "rows": rows,
                  "detail": orjson.dumps(detail).decode()}
        if conn is not None:
            conn.execute(insert(audit).values(**values))
            return
        with self.writing() as c:
            c.execute(insert(audit).values(**values))

    # ---------------------------------------------------------------- batches
    def import_batch(self, rows: pd.DataFrame, batch: dict, *, actor: str | None, replace: int | None = None) -> dict:
        """Store one upload as a batch in one transaction; ``replace`` a batch of the same list atomically."""
        from . import batches, staging
        try:
            with staging.side_file(self, rows) as side, self.writing(attach=side) as conn:
                return batches.store_batch(self, conn, rows, batch, actor=actor, replace=replace, side=side)
        except DataError:
            raise
        except Exception as exc:   # the transaction rolled back, whatever failed
            log.exception("import of %s failed", batch.get("filename"))
            raise explain(exc, self.describe()) from exc

    def rollback_batch(self, import_id: int, *, actor: str | None) -> dict:
        from . import batches
        with self.writing() as conn:
            return batches.rollback(self, conn, import_id, actor=actor)

    def batches(self, *, full: bool = False) -> list[dict]:
        cols = [c for c in imports.columns if full or c.name not in ("rejected_json", "warnings_json", "skipped_json")]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(*cols).order_by(imports.c.id.desc())).mappings()]

    def import_record(self, import_id: int) -> dict | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(imports).where(imports.c.id == import_id)).mappings().first()
        return dict(r) if r else None

    # ---------------------------------------------------------------- single projects
    def upsert_one(self, row: pd.DataFrame, *, actor: str | None, action: str, old_key: str | None = None) -> dict:
        """Create (``old_key`` None) or edit one project; its previous version goes to history."""
        from . import batches
        rec = _records(row)[0]
        rec.update(updated_at=now(), updated_by=actor)
        with self.writing() as conn:
            return batches.upsert_one(self, conn, rec, actor=actor, action=action, old_key=old_key)

    def delete(self, key: str, *, actor: str | None) -> bool:
        from . import batches
        with self.writing() as conn:
            return batches.delete_one(self, conn, key, actor=actor)

    # ---------------------------------------------------------------- reads
    def projects(self, **filters) -> pd.DataFrame:
        q = select(*[projects.c[c] for c in PROJECT_COLUMNS])
        for col in ("sector", "status", "town_code", "corridor_status", "year", "import_id"):
            if filters.get(col) not in (None, ""):
                q = q.where(projects.c[col] == filters[col])
        if filters.get("town_in"):
            code = filters["town_in"]
            q = q.where((projects.c.town_code == code) | projects.c.town_codes.contains(code))
        bbox = filters.get("bbox")
        if bbox:
            minx, miny, maxx, maxy = bbox
            q = q.where(projects.c.lon.between(minx, maxx), projects.c.lat.between(miny, maxy))
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(projects.c.key)).all()
        return pd.DataFrame(rows, columns=PROJECT_COLUMNS)

    def get(self, key: str) -> dict | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(projects).where(projects.c.key == key)).mappings().first()
        return dict(r) if r else None

    def existing(self, keys, *, except_batch: int | None = None) -> list[dict]:
        """The stored projects these keys would replace (with the list each is in now), leaving out those of
        ``except_batch`` (a list being replaced as a whole). What a preview shows before anything is changed."""
        keys, out = list(dict.fromkeys(keys)), []
        cols = [projects.c.key, projects.c.name, projects.c.import_id, imports.c.title, imports.c.year]
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 1000):
                q = (select(*cols).select_from(projects.outerjoin(imports, imports.c.id == projects.c.import_id))
                     .where(projects.c.key.in_(keys[start:start + 1000])))
                if except_batch is not None:
                    q = q.where((projects.c.import_id != except_batch) | projects.c.import_id.is_(None))
                out += [{"key": r.key, "name": r.name, "import_id": r.import_id, "batch_title": r.title,
                         "batch_year": r.year} for r in conn.execute(q)]
        return out

    def replaced_in(self, import_id: int, limit: int = 1000) -> list[dict]:
        """What a stored list replaced of other lists (same year and id or name), by its row in the file, with
        the list each project was in before: what the done page names, read back from the history."""
        before = history.outerjoin(imports, imports.c.id == history.c.import_id).outerjoin(
            projects, (projects.c.key == history.c.key) & (projects.c.import_id == import_id))
        q = (select(history.c.key, history.c.import_id, history.c.data, imports.c.title, imports.c.year,
                    projects.c.source_row).select_from(before)
             .where(history.c.superseded_by == import_id, history.c.action == "import")
             .order_by(projects.c.source_row, history.c.id).limit(limit))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [{"row": r.source_row, "key": r.key, "name": orjson.loads(r.data).get("name"), "import_id": r.import_id,
                 "batch_title": r.title, "batch_year": r.year} for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(projects)).scalar_one()

    def version(self) -> int:
        """Bumped by a trigger on every change to the projects table — an import, an edit, or a GIS
        technician editing the table directly in QGIS. Read at most every VERSION_TTL seconds."""
        now_ = time.monotonic()
        if now_ - self._version_at > VERSION_TTL:
            with self.engine.connect() as conn:
                self._version = conn.execute(select(data_version.c.v).where(data_version.c.id == 1)).scalar_one()
            self._version_at = now_
        return self._version

    def audit_log(self, limit: int = 100) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]

    def history_of(self, key: str) -> list[dict]:
        with self.engine.connect() as conn:
            q = select(history).where(history.c.key == key).order_by(history.c.id.desc())
            return [dict(r) for r in conn.execute(q).mappings()]

    def clear(self) -> None:
        """Tests only: empty every table."""
        with self.writing() as conn:
            for t in (projects, imports, audit, history):
                conn.execute(delete(t))



@contextmanager
def _attached(conn, path: Path | None):
    """SQLite: ``path`` attached as ``ATTACHED`` around a transaction (ATTACH cannot run inside one, so it goes
    to the driver before SQLAlchemy begins); detached afterwards, or the connection is dropped from the pool."""
    if path is None:
        yield
        return
    raw = conn.connection.driver_connection
    raw.execute(f"ATTACH DATABASE ? AS {ATTACHED}", (str(path),))
    try:
        yield
    finally:
        try:
            raw.execute(f"DETACH DATABASE {ATTACHED}")
        except Exception:       # noqa: BLE001 — a connection still holding the file must not be reused
            conn.invalidate()


def _records(df: pd.DataFrame) -> list[dict]:
    cols = [c for c in PROJECT_COLUMNS if c in df.columns]
    out = df[cols].astype(object).where(df[cols].notna(), None)
    for k in ("year", "source_row", "import_id"):
        if k in out:
            out[k] = [None if v is None else int(v) for v in out[k]]
    return out.to_dict("records")


def update_values(conn, table: Table, where, **values) -> int:
    return conn.execute(update(table).where(where).values(**values)).rowcount
