"""Project storage: embedded SQLite (WAL) by default, PostGIS when DATABASE_URL points to one.

One code path (SQLAlchemy Core) for both. Each upload is one transaction: all its valid rows are
committed together or none. Every write is recorded in the ``audit`` table.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
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

from ..errors import StoreError
from ..paths import REPO

log = logging.getLogger("zhuji_map")

metadata = MetaData()
projects = Table(
    "projects", metadata,
    Column("key", String, primary_key=True),          # "id:<编号>" or "name:<项目名称>": re-import replaces
    Column("project_id", String), Column("name", String, nullable=False), Column("sector", String),
    Column("status", String), Column("year", Integer), Column("investment", Float), Column("town_input", String),
    Column("lon", Float, nullable=False), Column("lat", Float, nullable=False), Column("datum_input", String),
    Column("located_by", String), Column("geometry_wkt", Text), Column("town_code", String, index=True),
    Column("town_name", String), Column("zones", String), Column("cluster", String), Column("corridor_id", String),
    Column("corridor_name", String), Column("corridor_status", String), Column("corridor_distance_m", Float),
    Column("axis_branch", String), Column("axis_distance_m", Float), Column("warnings", Text),
    Column("source_row", Integer), Column("extra", Text), Column("import_id", Integer),
    Column("updated_at", DateTime(timezone=True)),
)
imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("at", DateTime(timezone=True)),
    Column("token_id", String), Column("filename", String), Column("format", String), Column("received", Integer),
    Column("imported", Integer), Column("inserted", Integer), Column("updated", Integer),
    Column("rejected", Integer), Column("rejected_json", Text), Column("warnings_json", Text),
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True), Column("at", DateTime(timezone=True)),
    Column("token_id", String), Column("action", String), Column("target", String), Column("rows", Integer),
    Column("detail", Text),
)
PROJECT_COLUMNS = [c.name for c in projects.columns]
BATCH = 50_000
VERSION_TTL = 0.5


def token_id(token: str | None) -> str:
    """Which token wrote: a short hash, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else "cli"


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


class Store:
    def __init__(self, url: str | None = None):
        self.url = _sqlalchemy_url(url or default_url())
        self.engine = create_engine(self.url, future=True, pool_pre_ping=True)
        self.kind = self.engine.dialect.name          # sqlite | postgresql
        self._version, self._version_at = 0, -1e9
        if self.kind == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _):
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.execute("PRAGMA temp_store=MEMORY")
                cur.close()
        with self.engine.begin() as conn:
            if self.kind == "postgresql":
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            metadata.create_all(conn)
            if self.kind == "postgresql":   # a real geometry column for QGIS/ArcGIS connecting directly
                conn.execute(text("ALTER TABLE projects ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
                                  "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"))
                conn.execute(text("CREATE INDEX IF NOT EXISTS projects_geom_idx ON projects USING GIST (geom)"))

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ---------------------------------------------------------------- writes
    def import_rows(self, rows: pd.DataFrame, *, token: str | None, filename: str, fmt: str, received: int,
                    rejected: list[dict], warnings: list[dict]) -> dict:
        """Insert-or-replace all rows of one upload in one transaction; returns counts and the import id.

        One upsert (`INSERT … ON CONFLICT(key) DO UPDATE`, the same on SQLite and PostgreSQL) fed in
        batches: executemany on SQLite, COPY into a temporary staging table on PostgreSQL. How many keys
        were already stored is the difference of two counts. (Arrow ADBC ingest into SQLite was tried:
        ~3× faster, but a second SQLite library in the process breaks POSIX file locks — refused.)"""
        try:
            return self._import_rows(rows, token=token, filename=filename, fmt=fmt, received=received,
                                     rejected=rejected, warnings=warnings)
        except Exception as exc:   # the transaction rolled back, whatever failed
            log.exception("import of %s failed", filename)
            raise StoreError(f"导入失败，本次上传未写入任何数据（{type(exc).__name__}: {exc}）",
                             f"the import failed; nothing of this upload was stored ({type(exc).__name__}: {exc})",
                             file=filename) from exc

    def _import_rows(self, rows: pd.DataFrame, *, token, filename, fmt, received, rejected, warnings) -> dict:
        n = len(rows)
        cols = [c for c in PROJECT_COLUMNS if c in rows.columns and c not in ("import_id", "updated_at")]
        cols += ["import_id", "updated_at"]
        with self.engine.begin() as conn:
            before = conn.execute(select(func.count()).select_from(projects)).scalar_one()
            stamp = now()
            import_id = conn.execute(insert(imports).values(
                at=stamp, token_id=token_id(token), filename=filename, format=fmt, received=received,
                imported=n, rejected=len(rejected), rejected_json=orjson.dumps(rejected).decode(),
                warnings_json=orjson.dumps(warnings).decode())).inserted_primary_key[0]
            stamp = stamp.strftime("%Y-%m-%d %H:%M:%S.%f") if self.kind == "sqlite" else stamp.isoformat()
            for start in range(0, n, BATCH):
                self._stage_batch(conn, cols, rows.iloc[start:start + BATCH], {"import_id": import_id, "updated_at": stamp})
            after = conn.execute(select(func.count()).select_from(projects)).scalar_one()
            existing = before + n - after
            conn.execute(update(imports).where(imports.c.id == import_id).values(inserted=n - existing,
                                                                                 updated=existing))
            self._audit(conn, token, "import", filename, n,
                        {"import_id": import_id, "received": received, "rejected": len(rejected),
                         "inserted": n - existing, "updated": existing})
        return {"import_id": import_id, "inserted": n - existing, "updated": existing}

    def _stage_batch(self, conn, cols: list[str], part: pd.DataFrame, consts: dict) -> None:
        """Upsert one batch inside the caller's transaction."""
        collist = ", ".join(cols)
        upsert = f"ON CONFLICT (key) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols if c != 'key')}"
        raw = conn.connection.driver_connection
        if self.kind == "postgresql":
            conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS staging ON COMMIT DROP AS "
                                 f"SELECT {collist} FROM projects WITH NO DATA")
            conn.exec_driver_sql("TRUNCATE staging")
            with raw.cursor() as cur, cur.copy(f"COPY staging ({collist}) FROM STDIN") as cp:
                for row in _tuples(part, cols, consts):
                    cp.write_row(row)
            conn.exec_driver_sql(f"INSERT INTO projects ({collist}) SELECT {collist} FROM staging {upsert}")
        else:
            cur = raw.cursor()
            cur.executemany(f"INSERT INTO projects ({collist}) VALUES ({', '.join('?' * len(cols))}) {upsert}",
                            _tuples(part, cols, consts))
            cur.close()

    def upsert_one(self, row: pd.DataFrame, *, token: str | None, action: str) -> dict:
        rec = _records(row)[0]
        rec["updated_at"] = now()
        with self.engine.begin() as conn:
            existed = conn.execute(delete(projects).where(projects.c.key == rec["key"])).rowcount
            conn.execute(insert(projects), [rec])
            self._audit(conn, token, action, rec["key"], 1, {"name": rec["name"], "replaced": bool(existed)})
        return rec

    def delete(self, key: str, *, token: str | None) -> bool:
        with self.engine.begin() as conn:
            n = conn.execute(delete(projects).where(projects.c.key == key)).rowcount
            if n:
                self._audit(conn, token, "delete", key, n, {})
        return bool(n)

    def _audit(self, conn, token, action, target, rows, detail) -> None:
        self._version_at = -1e9   # this process sees its own write at once
        conn.execute(insert(audit).values(at=now(), token_id=token_id(token), action=action, target=target,
                                          rows=rows, detail=orjson.dumps(detail).decode()))

    # ---------------------------------------------------------------- reads
    def projects(self, **filters) -> pd.DataFrame:
        q = select(*[projects.c[c] for c in PROJECT_COLUMNS])
        for col in ("sector", "status", "town_code", "corridor_status"):
            if filters.get(col):
                q = q.where(projects.c[col] == filters[col])
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

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(projects)).scalar_one()

    def version(self) -> int:
        """Changes whenever anything is written (the audit id); used for cache ETags. Read at most every
        VERSION_TTL seconds: another worker's write shows within that time, and a hot read path does not
        query the database on every request. Writes through this object are seen at once."""
        now_ = time.monotonic()
        if now_ - self._version_at > VERSION_TTL:
            with self.engine.connect() as conn:
                self._version = conn.execute(select(func.coalesce(func.max(audit.c.id), 0))).scalar_one()
            self._version_at = now_
        return self._version

    def import_record(self, import_id: int) -> dict | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(imports).where(imports.c.id == import_id)).mappings().first()
        return dict(r) if r else None

    def audit_log(self, limit: int = 100) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]

    def clear(self) -> None:
        """Tests only: empty every table."""
        with self.engine.begin() as conn:
            for t in (projects, imports, audit):
                conn.execute(delete(t))


def _tuples(df: pd.DataFrame, cols: list[str], consts: dict | None = None) -> list[tuple]:
    """Row tuples with None for missing values, built column by column (fast for large batches);
    ``consts`` are the same for every row (import id, time stamp)."""
    consts = consts or {}
    arrays = []
    for c in cols:
        if c in consts:
            arrays.append([consts[c]] * len(df))
            continue
        s = df[c]
        missing = s.isna().to_numpy()
        if c in ("year", "source_row"):
            a = pd.to_numeric(s, errors="coerce").fillna(0).astype("int64").to_numpy().astype(object)
        elif pd.api.types.is_float_dtype(s):
            a = s.to_numpy(dtype=object)
        else:
            a = None
            if not missing.any():   # text without gaps: Arrow hands over Python strings directly
                arrays.append(s.tolist())
                continue
            a = s.to_numpy(dtype=object)
        if missing.any():
            a[missing] = None
        arrays.append(a.tolist())
    return list(zip(*arrays))


def _records(df: pd.DataFrame) -> list[dict]:
    cols = [c for c in PROJECT_COLUMNS if c in df.columns]
    out = df[cols].astype(object).where(df[cols].notna(), None)
    for k in ("year", "source_row"):
        if k in out:
            out[k] = [None if v is None else int(v) for v in out[k]]
    return out.to_dict("records")
