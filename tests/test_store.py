"""The project store itself (geo/projects/store.py, schema.py, batches.py): what a large import does to the
database's triggers and indexes, on SQLite and PostGIS alike."""
import json
import re
import sqlite3

import pandas as pd
import pytest
from sqlalchemy import text

from geo.projects import ImportOptions, Store, import_file, query

CSV = "编号,项目名称,经度,纬度,领域,总投资（亿元）\r\n" + "".join(
    f"S{i},项目{i},{120.2 + i * 0.001:.4f},{29.7 + i * 0.0005:.4f},交通强省,{i % 7 + 1}\r\n" for i in range(300))


def triggers(store) -> set[str]:
    with store.engine.connect() as conn:
        if store.kind == "sqlite":
            q = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            q = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'projects'::regclass AND NOT tgisinternal"
        return {r[0] for r in conn.exec_driver_sql(q)}


def version(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT v FROM data_version")).scalar_one()


def test_a_large_import_bumps_the_version_once_and_leaves_the_triggers_in_place(store_url, data):
    """SQLite fires triggers per row, so a bulk import turns them off inside its own transaction: afterwards
    they are all back, and an edit made directly in the database (QGIS) still moves the version."""
    store = Store(store_url)
    before, v0 = triggers(store), version(store)
    res = import_file("s.csv", CSV.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    assert len(res.accepted) == 300 and store.count() == 300
    assert triggers(store) == before and before
    v1 = version(store)                                  # one import, one new version, not 300 (no stored key
    assert v1 == v0 + 1                                  # in the batch: a plain INSERT, one statement trigger)
    with store.engine.begin() as conn:                   # as QGIS would: straight into the table
        conn.execute(text("UPDATE projects SET name = '直接修改' WHERE key = '2026/id:S1'"))
    assert version(store) == v1 + 1


def test_awkward_values_are_stored_as_given(store_url, data):
    """A batch is staged from Arrow blocks — PostGIS as CSV written by Arrow (COPY), SQLite by ADBC into a side
    file: texts with quotes, commas, line breaks and nothing in them, blank and fractional numbers come back
    the same from both."""
    store = Store(store_url)
    csv = ("编号,项目名称,经度,纬度,领域,总投资（亿元）,建设内容\r\n"
           'Q1,"引号""逗号,项目",120.41519,29.79038,交通强省,0.3,"第一行\n第二行"\r\n'
           "Q2,空白项目,120.2,29.7,,,\r\n"
           "Q3,NULL,120.2001,29.7001,民生设施,12.345678,\\N\r\n")
    res = import_file("q.csv", csv.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    assert len(res.accepted) == 3, res.rejected
    got = {k: store.get(f"2026/id:{k}") for k in ("Q1", "Q2", "Q3")}
    assert got["Q1"]["name"] == '引号"逗号,项目' and got["Q3"]["name"] == "NULL"
    assert got["Q1"]["investment"] == pytest.approx(0.3) and got["Q3"]["investment"] == pytest.approx(12.345678)
    assert got["Q2"]["investment"] is None and got["Q2"]["sector"] in (None, "")
    assert got["Q2"]["status"] == res.accepted.set_index("project_id").at["Q2", "status"]     # "" stays ""
    assert json.loads(got["Q1"]["extra"]) == {"建设内容": "第一行\n第二行"}
    assert json.loads(got["Q3"]["extra"]) == {"建设内容": "\\N"}
    assert (got["Q1"]["lon"], got["Q1"]["lat"], got["Q1"]["year"]) == (120.41519, 29.79038, 2026)
    assert got["Q1"]["source_row"] == 2 and got["Q3"]["source_row"] == 4


def test_the_compact_copy_holds_what_the_store_holds_across_its_chunks(store_url, data, monkeypatch):
    """The copy statistics, print and identify read (snapshot.read_frame) comes through the driver's cursor
    in chunks: values and types are those of the table, categories span every chunk, and a number column
    holding a text or a text column holding nothing (edits made directly in the database) read as missing."""
    from geo.projects import snapshot
    monkeypatch.setattr(snapshot, "CHUNK", 7)                    # 300 rows: 43 chunks
    store = Store(store_url)
    import_file("s.csv", CSV.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    with store.engine.begin() as conn:                           # as QGIS might leave them
        conn.execute(text("UPDATE projects SET zones = NULL"))
        if store.kind == "sqlite":
            conn.execute(text("UPDATE projects SET investment = '约3亿' WHERE key = '2026/id:S5'"))
    df = snapshot.read_frame(store).set_index("key")
    assert df["zones"].isna().all() and df["zones"].dtype == "category"
    assert len(df) == 300 and df.index.is_monotonic_increasing
    assert str(df["year"].dtype) == "Int64" and df["lon"].dtype == "float64"
    assert df["sector"].dtype == "category" and list(df["sector"].cat.categories) == ["交通强省"]
    with store.engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT key, investment FROM projects WHERE key <> '2026/id:S5'")).all())
    assert df["investment"].drop("2026/id:S5").to_dict() == pytest.approx(stored)
    assert df.at["2026/id:S12", "lat"] == pytest.approx(29.706) and df.at["2026/id:S12", "name"] == "项目12"
    if store.kind == "sqlite":
        assert pd.isna(df.at["2026/id:S5", "investment"])

def test_a_failed_import_leaves_the_triggers_as_they_were(tmp_path, data, monkeypatch):
    """The triggers are dropped inside the write's transaction: a failure half-way puts them back with it."""
    from geo.projects import batches
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    before = triggers(store)

    def boom(*a, **kw):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(batches, "_to_history", boom)
    with pytest.raises(Exception, match="disk full|磁盘"):
        import_file("s.csv", CSV.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    assert triggers(store) == before and store.count() == 0


def attached(store) -> set[str]:
    conns = [store.engine.connect() for _ in range(3)]           # several of the pool's connections at once
    try:
        return {r[1] for c in conns for r in c.exec_driver_sql("PRAGMA database_list")}
    finally:
        for c in conns:
            c.close()


def test_sqlite_stages_a_batch_in_a_side_file_that_is_gone_afterwards(tmp_path, data, monkeypatch):
    """SQLite: ADBC writes an import's rows into a side file next to the store before the write, which
    attaches it; afterwards — stored or failed — neither the file nor the attachment is left."""
    from geo.projects import batches
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    seen, real = [], batches.store_batch

    def spy(store_, conn, rows, batch, **kw):
        seen.append((kw["side"], kw["side"].exists(), {r[1] for r in conn.exec_driver_sql("PRAGMA database_list")}))
        return real(store_, conn, rows, batch, **kw)
    monkeypatch.setattr(batches, "store_batch", spy)
    opts = ImportOptions(datum="wgs84", year=2026)
    import_file("s.csv", CSV.encode(), data, store=store, options=opts)
    side, existed, dbs = seen[0]
    assert existed and side.parent.parent == tmp_path and "ingest" in dbs
    assert store.count() == 300 and not side.parent.exists() and "ingest" not in attached(store)

    def boom(*a, **kw):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(batches, "_to_history", boom)
    with pytest.raises(Exception, match="disk full|磁盘"):
        import_file("s2.csv", re.sub(r",项目(\d)", r",改名\1", CSV).encode(), data, store=store, options=opts)
    assert not seen[1][0].parent.exists() and "ingest" not in attached(store)
    assert store.count() == 300 and store.get("2026/id:S1")["name"] == "项目1"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("p.sqlite")) == []


def test_an_old_store_with_an_rtree_is_brought_up_to_date(tmp_path, data):
    """Stores made when the spatial index was an R*Tree, or the (lon, lat) B-tree, get the (lon, lat, key)
    index instead and keep every project."""
    path = tmp_path / "old.sqlite"
    store = Store(f"sqlite:///{path}")
    import_file("s.csv", CSV.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    store.engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("CREATE VIRTUAL TABLE projects_rtree USING rtree(id, minx, maxx, miny, maxy)")
        db.execute("CREATE TRIGGER projects_rtree_insert AFTER INSERT ON projects "
                   "BEGIN INSERT INTO projects_rtree VALUES (new.rowid, new.lon, new.lon, new.lat, new.lat); END")
        db.execute("DROP INDEX projects_bbox_idx")
        db.execute("CREATE INDEX projects_lonlat_idx ON projects (lon, lat)")
    reopened = Store(f"sqlite:///{path}")
    assert "projects_rtree_insert" not in triggers(reopened) and reopened.count() == 300
    with sqlite3.connect(path) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "projects_rtree" not in names and "projects_lonlat_idx" not in names and "projects_bbox_idx" in names
    assert query.count(reopened, bbox=(120.19, 29.6, 120.25, 29.9)) == 51       # S0…S50, through the index


@pytest.mark.postgis
def test_a_forked_worker_opens_its_own_connections(postgis_url):
    """As gunicorn --preload does: the parent has used the store, then forks; parent and child both keep
    working, each on its own connection (a shared socket fails with 'connection in transaction status')."""
    import os
    store = Store(postgis_url)
    store.clear()
    assert store.count() == 0                        # the parent's pool now holds an open connection
    pid = os.fork()
    if pid == 0:                                     # the worker: query a few times, report by exit code
        code = 1
        try:
            code = 0 if all(store.count() == 0 for _ in range(5)) else 3
        finally:
            os._exit(code)
    for _ in range(5):
        assert store.count() == 0
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.count() == 0


def test_a_large_write_gives_its_page_cache_back(tmp_path, data, monkeypatch):
    """The bulk write widens SQLite's page cache for itself only: its connection goes back to the pool as it was."""
    from contextlib import contextmanager

    from geo.projects import batches
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    seen, real = [], batches.bulk

    @contextmanager
    def spy(store, conn):
        with real(store, conn):
            raw = conn.connection.driver_connection
            seen.append((raw, raw.execute("PRAGMA cache_size").fetchone()[0]))
            yield
    monkeypatch.setattr(batches, "bulk", spy)
    import_file("s.csv", CSV.encode(), data, store=store, options=ImportOptions(datum="wgs84", year=2026))
    (raw, during), = seen
    assert during < -100_000                                 # KiB: a big cache while writing …
    assert raw.execute("PRAGMA cache_size").fetchone()[0] == -2000   # … SQLite's default again afterwards



def indexes(conn) -> dict[str, str]:
    return dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name = 'projects' AND sql IS NOT NULL").all())


def test_a_big_write_into_a_small_table_builds_its_indexes_afterwards(tmp_path, data, monkeypatch):
    """SQLite: a batch at least as big as the table goes in with the secondary indexes dropped, and they are
    built again in the same transaction: afterwards the same indexes answer a bbox; a failure half-way leaves
    them as they were; a smaller batch into a bigger table keeps them throughout."""
    from contextlib import contextmanager

    from geo.projects import batches, schema
    monkeypatch.setattr(schema, "REBUILD_FROM", 1)
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with store.engine.connect() as conn:
        before = indexes(conn)
    seen, real, fail = [], batches.indexes_rebuilt, []

    @contextmanager
    def spy(store_, conn, rows):
        with real(store_, conn, rows):
            seen.append(set(indexes(conn)))                 # while the rows go in
            if fail:
                raise OSError("disk full (simulated)")
            yield
    monkeypatch.setattr(batches, "indexes_rebuilt", spy)
    opts = ImportOptions(datum="wgs84", year=2026)
    import_file("s.csv", CSV.encode(), data, store=store, options=opts)
    assert seen == [set()] and {"projects_bbox_idx", "ix_projects_town_code", "ix_projects_import_id"} <= set(before)
    with store.engine.connect() as conn:
        assert indexes(conn) == before
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT key FROM projects WHERE lon BETWEEN 120.2 AND 120.3 "
                                    "AND lat BETWEEN 29.7 AND 29.8").all()
    assert "COVERING INDEX projects_bbox_idx" in " ".join(r[3] for r in plan)

    small = "".join(CSV.splitlines(keepends=True)[:11])          # 10 rows into a table of 300
    import_file("small.csv", re.sub(r",项目(\d)", r",小批\1", small).encode(), data, store=store, options=opts)
    assert seen[1] == set(before) and store.get("2026/id:S1")["name"] == "小批1"

    fail.append(True)                                              # dropped, then the write fails
    with pytest.raises(Exception, match="disk full|磁盘"):
        import_file("s.csv", CSV.encode(), data, store=store, options=opts)
    with store.engine.connect() as conn:
        assert seen[2] == set() and indexes(conn) == before and store.count() == 300
