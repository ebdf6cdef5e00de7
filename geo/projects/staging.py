"""A batch's rows on their way into ``projects``: a staging table that the write copies from in one statement
(``batches.store_batch``), the batch's import id and time stamp added by that statement.

- SQLite: Arrow's ADBC SQLite driver binds the rows from Arrow arrays in C into a side file next to the store,
  *before* the write transaction (readers and other writers are not held up meanwhile); the write attaches it
  and the file is deleted afterwards. Row tuples made in Python and bound by sqlite3 took 2 of the 5.5 s an
  import of 100,000 rows took. ADBC has its own copy of SQLite: it alone has the side file open while writing
  it and closes it before the store's connection attaches it, because two SQLite libraries must never have one
  file open at once (POSIX locks are per process; that is why the store itself is never written through ADBC).
- PostgreSQL: the same Arrow blocks written as CSV by Arrow and sent with ``COPY`` inside the transaction.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import DateTime, Float, Integer

from .store import BATCH, PROJECT_COLUMNS, projects

CONSTS = ("import_id", "updated_at", "updated_by")              # the same for every row: set by the copy
ROW_COLUMNS = [c for c in PROJECT_COLUMNS if c not in CONSTS]


def _arrow_type(col) -> pa.DataType:
    if isinstance(col.type, Integer):
        return pa.int64()
    if isinstance(col.type, Float):
        return pa.float64()
    assert not isinstance(col.type, DateTime), col.name          # only the consts are times
    return pa.string()


SCHEMA = pa.schema([(c, _arrow_type(projects.c[c])) for c in ROW_COLUMNS])


def arrow_block(rows: pd.DataFrame) -> pa.Table:
    """Rows as Arrow columns of the staging table's types; a missing value (None, NaN, NA) is null, "" stays "".
    Whole numbers written with a fraction (year "2026.0" from a spreadsheet) are made integers."""
    cols = {}
    for f in SCHEMA:
        s = rows[f.name]
        if pa.types.is_integer(f.type):
            s = pd.to_numeric(s, errors="coerce").astype("Int64")
        cols[f.name] = pa.array(s, type=f.type, from_pandas=True)
    return pa.table(cols, schema=SCHEMA)


def _blocks(rows: pd.DataFrame) -> Iterator[pa.RecordBatch]:
    """The rows in key order (bytewise, as the database compares them): the primary key's B-tree then grows
    at its end instead of being split all over (1,000,000 rows: 13.9 → 10.4 s to copy into ``projects``)."""
    order = pc.sort_indices(pa.array(rows["key"], type=pa.string(), from_pandas=True)).to_numpy()
    for start in range(0, len(rows), BATCH):
        yield from arrow_block(rows.iloc[order[start:start + BATCH]]).to_batches()


@contextmanager
def side_file(store, rows: pd.DataFrame) -> Iterator[Path | None]:
    """SQLite: the rows in a side file (table ``staging``) for the write to attach, removed afterwards.
    PostgreSQL: None (the rows are copied inside the transaction)."""
    if store.kind != "sqlite":
        yield None
        return
    db = store.engine.url.database
    where = Path(db).parent if db and db != ":memory:" else None      # same disk as the store: room for it
    folder = Path(tempfile.mkdtemp(prefix=".import-", dir=where))
    try:
        path = folder / "staging.sqlite"
        _write_side(path, rows)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_side(path: Path, rows: pd.DataFrame) -> None:
    import adbc_driver_sqlite.dbapi as adbc
    reader = pa.RecordBatchReader.from_batches(SCHEMA, _blocks(rows))
    with adbc.connect(str(path), autocommit=True) as conn, conn.cursor() as cur:
        for pragma in ("journal_mode = OFF", "synchronous = OFF"):        # a throwaway file: no journal, no fsync
            cur.execute(f"PRAGMA {pragma}")
        cur.adbc_ingest("staging", reader, mode="create")


def copy_pg(conn, rows: pd.DataFrame) -> str:
    """PostgreSQL: the rows into a temporary table ``staging`` by COPY of Arrow-written CSV (every text
    quoted, "" an empty text, a missing value empty: NULL). Formatting rows in Python took 40 % of an import."""
    cols = ", ".join(ROW_COLUMNS)
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS staging ON COMMIT DROP AS "
                         f"SELECT {cols} FROM projects WITH NO DATA")
    conn.exec_driver_sql("TRUNCATE staging")
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY staging ({cols}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')") as cp:
        for block in _blocks(rows):
            buf = pa.BufferOutputStream()
            pacsv.write_csv(pa.Table.from_batches([block]), buf,
                            pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            cp.write(buf.getvalue().to_pybytes())
    return "staging"
