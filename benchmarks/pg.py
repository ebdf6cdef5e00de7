"""A throwaway PostgreSQL + PostGIS cluster for the benchmark run (as tests/conftest.py starts one):
initdb in a temporary directory, trust authentication on 127.0.0.1, started once when a part first needs
it and stopped by the postmaster's PID at the end of the run. Needs Debian's postgresql and postgis."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .common import alive, free_port, say


class Cluster:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL + PostGIS are needed: apt-get install postgresql postgis")
        self.bindir = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="zhuji-bench-pg-"))
        self.as_user = []
        if os.geteuid() == 0:                     # initdb refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.pid = None

    def _run(self, *cmd):
        return subprocess.run([*self.as_user, *map(str, cmd)], check=True, capture_output=True, text=True)

    def start(self) -> Cluster:
        d = self.dir
        self._run(self.bindir / "initdb", "-D", d / "data", "-A", "trust", "-U", "postgres", "-E", "UTF8")
        opts = (f"-p {self.port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c shared_buffers=512MB -c max_connections=200 -c max_wal_size=4GB")
        self._run(self.bindir / "pg_ctl", "-D", d / "data", "-w", "-l", d / "log", "-o", opts, "start")
        self.pid = int((d / "data" / "postmaster.pid").read_text().split()[0])
        say(f"  PostgreSQL {self.bindir.parent.name} started (pid {self.pid}, port {self.port})")
        return self

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self._run(self.bindir / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", db,
                         "-Atc", sql).stdout.strip()

    def fresh_db(self, db: str) -> str:
        self.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{db}"')
        return self.url(db)

    def count(self, db: str) -> int | None:
        """Projects stored in db, or None when there is no such database or table yet."""
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") != "1":
            return None
        n = self.psql("SELECT to_regclass('public.projects') IS NOT NULL", db)
        return int(self.psql("SELECT count(*) FROM projects", db)) if n == "t" else None

    def stop(self) -> None:
        """Fast shutdown by the postmaster's PID (SIGINT), then the directory goes."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
                for _ in range(300):
                    if not alive(self.pid):
                        break
                    time.sleep(0.1)
                else:
                    os.kill(self.pid, signal.SIGKILL)
            say(f"  PostgreSQL stopped (pid {self.pid})")
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)


_cluster: Cluster | None = None


def cluster() -> Cluster:
    """The run's cluster, started on first use."""
    global _cluster
    if _cluster is None:
        _cluster = Cluster().start()
    return _cluster


def shutdown() -> None:
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None


def projects_db(n: int) -> str:
    """A database holding n synthetic projects (made by the import part, or here), its URL."""
    from .data import import_in_child, synthetic_csv
    c, db = cluster(), f"projects_{n}"
    if c.count(db) != n:
        r = import_in_child(synthetic_csv(n), c.fresh_db(db))
        say(f"  seeded PostGIS with {r['imported']:,} projects in {r['total_s']} s")
        c.psql("VACUUM ANALYZE projects", db)
    return c.url(db)
