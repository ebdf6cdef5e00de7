import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"           # Debian's package; never a browser that Playwright downloads
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required for the browser tests (apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def data():
    import geo
    return geo.load()


@pytest.fixture
def data_copy(tmp_path):
    """A private copy of data/plan and data/boundaries that a test may change."""
    plan = tmp_path / "plan"
    bounds = tmp_path / "boundaries"
    shutil.copytree(REPO / "data" / "plan", plan)
    shutil.copytree(REPO / "data" / "boundaries", bounds)
    return plan, bounds


# ---------------------------------------------------------------- PostGIS for the store tests

def _start_postgis():
    """A throwaway PostgreSQL cluster (Debian's postgresql + postgis packages), or $ZHUJI_TEST_DATABASE_URL."""
    import glob
    import os
    import socket
    import subprocess
    import tempfile

    url = os.environ.get("ZHUJI_TEST_DATABASE_URL")
    if url:
        return url, None
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.fail("PostgreSQL + PostGIS are needed for the store tests: apt-get install postgresql postgis "
                    "(or set ZHUJI_TEST_DATABASE_URL)", pytrace=False)
    bindir = Path(bins[-1]).parent
    d = tempfile.mkdtemp(prefix="zhuji-pg-")
    as_user = []
    if os.geteuid() == 0:                       # initdb refuses to run as root
        import shutil
        shutil.chown(d, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True)
    run(str(bindir / "initdb"), "-D", f"{d}/data", "-A", "trust", "-U", "postgres", "-E", "UTF8")
    run(str(bindir / "pg_ctl"), "-D", f"{d}/data", "-w", "-l", f"{d}/log",
        "-o", f"-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "zhuji_test")
    stop = lambda: subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", f"{d}/data", "-m", "fast", "stop"],
                                  capture_output=True)
    return f"postgresql://postgres@127.0.0.1:{port}/zhuji_test", stop


@pytest.fixture(scope="session")
def postgis_url():
    url, stop = _start_postgis()
    yield url
    if stop:
        stop()


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'projects.sqlite'}"
    url = request.getfixturevalue("postgis_url")
    from geo.projects.store import Store
    from web.users import Users
    store = Store(url)
    store.clear()
    Users(store.engine)                              # the accounts' tables exist; empty them too
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM api_tokens")
        conn.exec_driver_sql("DELETE FROM users")
    return url
