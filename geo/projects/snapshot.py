"""A compact, read-only copy of the projects table for statistics, identify and the map: built from the
store in chunks, strings as categories where they repeat, and replaced whole when the data changes.

Readers never wait on a write: when the store's version moves on, the next reader starts a rebuild in a
background thread and keeps answering from the previous copy until the new one is swapped in (seconds).
A write does not hold up its own answer to make the copy again (a 100,000-row import into a store of
1,000,000 answered after 27 s instead of 5 when it did), nor starts a rebuild that competes with the
requests that follow (OGC pages read the store, not the copy): the process's next reader of the copy makes
it, and waits for it, so what this process answers next shows its own write.
"""
from __future__ import annotations

import logging
import threading
from decimal import Decimal

import pandas as pd
import pyarrow as pa

log = logging.getLogger("zhuji_map")
COLUMNS = ["key", "project_id", "name", "sector", "status", "nature", "year", "investment", "investment_year",
           "town_name", "town_code", "town_codes", "location_text", "lon", "lat", "located_by", "accuracy", "zones",
           "cluster", "corridor_name", "corridor_distance_m", "axis_branch", "axis_distance_m", "import_id"]
CATEGORIES = ["sector", "status", "nature", "town_name", "town_code", "town_codes", "located_by", "accuracy", "zones",
              "cluster", "corridor_name", "axis_branch"]
FLOATS = ("investment", "investment_year", "lon", "lat", "corridor_distance_m", "axis_distance_m")
NUMBERS = (*FLOATS, "year", "import_id")
CHUNK = 100_000


def read_frame(store) -> pd.DataFrame:
    """The whole table in chunks of rows (memory stays near the final, compact size). Rows come from the
    driver's own cursor into Arrow columns: SQLAlchemy's rows built into a frame took 3.5 of the 4.2 s a
    worker's first copy of 100,000 projects took (sqlite3's fetch alone is 0.8 s)."""
    chunks, last = [], ""
    sql = f"SELECT {', '.join(COLUMNS)} FROM projects WHERE key > {_param(store)} ORDER BY key LIMIT {CHUNK}"
    with store.engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        try:
            while rows := cur.execute(sql, (last,)).fetchall():
                chunks.append(_arrow_chunk(rows))
                last = rows[-1][0]
        finally:
            cur.close()
    if not chunks:
        return _compact(pd.DataFrame(columns=COLUMNS))
    table = pa.concat_tables(chunks).unify_dictionaries()     # categories of different chunks: one dictionary
    return _compact(table.to_pandas())


def _param(store) -> str:
    return "?" if store.kind == "sqlite" else "%s"


def _arrow_chunk(rows: list[tuple]) -> pa.Table:
    """Rows as Arrow columns; repeated texts dictionary-encoded (pandas categories)."""
    cols = {}
    for name, values in zip(COLUMNS, zip(*rows)):
        arr = _numbers(values) if name in NUMBERS else _texts(values)
        cols[name] = arr.dictionary_encode() if name in CATEGORIES else arr
    return pa.table(cols)


def _texts(values: tuple) -> pa.Array:
    """Texts (a column of nothing but NULLs too); anything else SQLite may hold in a text column as its text."""
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([v if v is None or isinstance(v, str) else str(v) for v in values], pa.string())


def _numbers(values: tuple) -> pa.Array:
    """Numbers as floats; where one is not a number (SQLite keeps a text it cannot convert), it is missing."""
    try:
        return pa.array(values, type=pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([float(v) if isinstance(v, (int, float, Decimal)) else None for v in values], pa.float64())


def _compact(df: pd.DataFrame) -> pd.DataFrame:
    for c in FLOATS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in ("year", "import_id"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    for c in CATEGORIES:
        df[c] = df[c].astype("category")
    return df


class Snapshot:
    def __init__(self, store):
        self.store = store
        self._current: tuple[int | None, pd.DataFrame | None] = (None, None)
        self._lock = threading.Lock()
        self._building = False                             # a background rebuild runs
        self._again = False                                # the rebuild reads the store once more after this
        self._own_write = False                            # this process wrote since its copy was made

    def frame(self) -> pd.DataFrame:
        return self.versioned()[1]

    def versioned(self) -> tuple[int | None, pd.DataFrame]:
        """The copy to answer from and the data version it holds: older than the store's while a newer copy
        is built in the background (what is made from the copy is kept by this version, not the store's)."""
        if self.store.engine is None:          # the store is unavailable: no projects, the reason is in /healthz
            return None, _compact(pd.DataFrame(columns=COLUMNS))
        current = self._current
        if current[0] == self.store.version():
            return current
        if current[1] is None or self._own_write:   # the very first copy, or one that must show this process's write
            return self._refreshed()
        self._start_background()
        return current

    def after_write(self) -> None:
        """This process has written: its next reader of the copy makes it again and waits for it."""
        self._own_write = True

    def _refreshed(self) -> tuple[int, pd.DataFrame]:
        """Made now; a reader asking meanwhile waits for the lock, then has it."""
        with self._lock:
            version = self.store.version()
            if self._current[0] != version:
                self._current = (version, read_frame(self.store))
            self._own_write = False
            return self._current

    def _start_background(self) -> None:
        """A rebuild in a background thread (one at a time; asked for while one runs, it reads once more)."""
        with self._lock:
            self._again = True
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._rebuild, name="projects-snapshot", daemon=True).start()

    def _rebuild(self) -> None:
        while True:
            with self._lock:                   # deciding to stop and saying so at once: no request is lost
                if not self._again:
                    self._building = False
                    return
                self._again = False
            try:
                version = self.store.version()
                df = read_frame(self.store)
                with self._lock:               # a copy made since (after this process's own write) is newer: kept
                    if self._current[0] is None or version >= self._current[0]:
                        self._current = (version, df)
            except Exception:
                log.exception("rebuilding the projects snapshot failed")
