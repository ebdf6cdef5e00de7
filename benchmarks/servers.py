"""The servers compared, each started here on 127.0.0.1 and stopped by PID: ours (gunicorn), pygeoapi and
tipg (each in its own virtual environment made here with pip), and nginx serving the same bytes from disk."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import REPO, WORK, free_port, stop, wait_http

TOKEN = "bench-bootstrap-token-0123456789"     # the service's bootstrap editor token, for imports over HTTP


class Server:
    """A started server: its process, base URL and how long it took to answer."""

    def __init__(self, proc: subprocess.Popen, port: int, started_s: float = 0.0):
        self.proc, self.port, self.started_s = proc, port, round(started_s, 3)
        self.url = f"http://127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid


def _started(proc: subprocess.Popen, port: int, path: str, t0: float) -> Server:
    """Wait until the new server answers path; one that never does is stopped (by PID) before the error."""
    try:
        wait_http(f"http://127.0.0.1:{port}{path}", proc)
    except BaseException:
        stop(proc)
        raise
    return Server(proc, port, time.time() - t0)


def start_ours(data_dir: Path, *, database_url: str | None = None, workers: int = 2, preload: bool = False,
               extra_env: dict | None = None, server: str = "gunicorn") -> Server:
    """Ours as the README deploys it: gunicorn with sync workers (``preload``: the app built in the master
    before the workers fork) or granian (``server="granian"``: a worker per core, one app thread each);
    SQLite in data_dir unless database_url names PostGIS."""
    port = free_port()
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": str(data_dir), "ZHUJI_MAP_TOKEN": TOKEN, **(extra_env or {})}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if server == "granian":
        cmd = [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(workers), "--blocking-threads", "1", "--workers-kill-timeout", "10", "--log-level", "warning",
               "--factory", "server:create_app"]
    else:
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
               "warning", "--timeout", "300", *(["--preload"] if preload else []), "server:create_app()"]
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    return _started(proc, port, "/healthz", t0)


def _venv(name: str, python: str, packages: list[str], probe: str) -> Path:
    venv = WORK / f"venv-{name}"
    if not (venv / "bin" / probe).exists():
        shutil.rmtree(venv, ignore_errors=True)
        env = {**os.environ, "PYENV_VERSION": ""}
        for cmd in ([python, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", "-q", *packages]):
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return venv


def _python312() -> str:
    env = {**os.environ, "PYENV_VERSION": ""}
    for exe in ("python3.13", "python3.12"):
        path = shutil.which(exe)
        if path:
            r = subprocess.run([path, "-c", "import sys; print(sys.version_info >= (3, 12))"], capture_output=True,
                               text=True, env=env)
            if r.stdout.strip() == "True":
                return path
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for v in sorted(pyenv.glob("3.1[2-9]*"), reverse=True):
        if (v / "bin" / "python").exists():
            return str(v / "bin" / "python")
    raise RuntimeError("pygeoapi needs Python ≥ 3.12 and none was found")


def _pygeoapi_config(port: int, towns: Path, projects: Path) -> dict:
    res = lambda name, path, id_field: {
        "type": "collection", "title": name, "description": name, "keywords": [name],
        "extents": {"spatial": {"bbox": [119.88, 29.35, 120.54, 29.99],
                                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "providers": [{"type": "feature", "name": "GeoJSON", "data": str(path), "id_field": id_field}]}
    who = {"name": "bench", "position": "bench", "address": "bench", "city": "bench", "stateorprovince": "bench",
           "postalcode": "0", "country": "CN", "phone": "0", "fax": "0", "email": "bench@example.org",
           "url": "https://example.org", "hours": "0", "instructions": "none", "role": "pointOfContact"}
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "limits": {"default_items": 10, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "https://example.org/terms",
                                        "url": "https://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                     "provider": {"name": "bench", "url": "https://example.org"}, "contact": who},
        "resources": {"towns": res("towns", towns, "code"), "projects": res("projects", projects, "key")},
    }


PYGEOAPI_WORKERS = 2


def start_pygeoapi(towns: Path, projects: Path) -> Server:
    """pygeoapi 0.x with its GeoJSON provider on the same data, gunicorn with 2 workers."""
    import yaml
    venv = _venv("pygeoapi", _python312(), ["pygeoapi", "gunicorn"], "pygeoapi")
    port, cfg_dir = free_port(), WORK / "pygeoapi"
    cfg_dir.mkdir(parents=True, exist_ok=True)
    cfg = cfg_dir / "config.yml"
    cfg.write_text(yaml.safe_dump(_pygeoapi_config(port, towns, projects), allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(cfg_dir / "openapi.yml"), "PYENV_VERSION": ""}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file",
                    str(cfg_dir / "openapi.yml")], check=True, env=env, capture_output=True)
    t0 = time.time()
    proc = subprocess.Popen([str(venv / "bin" / "gunicorn"), "-w", str(PYGEOAPI_WORKERS), "-b", f"127.0.0.1:{port}", "--log-level",
                             "warning", "pygeoapi.flask_app:APP"], env=env, cwd=cfg_dir)
    return _started(proc, port, "/collections/towns/items?f=json&limit=1", t0)


TIPG_COLLECTION = "public.projects"


def start_tipg(database_url: str, workers: int = 2) -> Server:
    """tipg (FastAPI + asyncpg) on our projects table, geom its PostGIS point. Its feature ids are 编号
    (project_id, unique in the generated lists): tipg puts the id into a URL path segment, and our primary
    key ("2026/id:B0000001") holds a slash, which Starlette refuses there (every page a 500)."""
    venv = _venv("tipg", sys.executable, ["tipg", "uvicorn"], "uvicorn")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "TIPG_DB_SCHEMAS": '["public"]',
           "TIPG_DB_TABLES": f'["{TIPG_COLLECTION}"]', "TIPG_TABLE_CONFIG__public_projects__PK": "project_id",
           "TIPG_TABLE_CONFIG__public_projects__GEOMCOL": "geom", "TIPG_MAX_FEATURES_PER_QUERY": "10000"}
    t0 = time.time()
    proc = subprocess.Popen([str(venv / "bin" / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning", "--no-access-log"], env=env, cwd=WORK)
    return _started(proc, port, "/healthz", t0)


def start_nginx(root: Path, probe: str) -> Server:
    """nginx (2 workers) serving root's files as application/geo+json: the ceiling for identical bytes."""
    if not shutil.which("nginx"):
        raise RuntimeError("nginx is needed: apt-get install -y nginx")
    port, prefix = free_port(), WORK / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  types {{ application/geo+json json; }}
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ default_type application/geo+json; }} }}
}}
""")
    t0 = time.time()
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix)])
    return _started(proc, port, f"/{probe}", t0)
