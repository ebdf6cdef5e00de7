"""A real server process on a free port (as `python server.py` starts it) for browser and GDAL tests."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from tests.conftest import REPO

TOKEN = "browser-test-token"


def start_server(env_extra=None):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="zhuji-browser-")
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": data_dir, "ZHUJI_MAP_TOKEN": TOKEN}
    env.pop("DATABASE_URL", None)              # SQLite in the data dir unless the caller asks for PostGIS
    env.update(env_extra or {})
    # the log goes to a file: a pipe nobody reads fills up and then blocks the server mid-request
    log_path = os.path.join(data_dir, "server.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                with open(log_path, encoding="utf-8", errors="replace") as log:
                    raise RuntimeError(log.read()) from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def import_projects(url, content, name):
    boundary = "----zhujitest"
    fields = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                     for k, v in (("datum", "wgs84"), ("year", "2026")))      # as a script states them
    body = (f"{fields}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url + "/api/projects/import", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {TOKEN}"})
    return json.loads(urllib.request.urlopen(req).read())


