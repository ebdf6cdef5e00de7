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
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": tempfile.mkdtemp(prefix="zhuji-browser-"), "ZHUJI_MAP_TOKEN": TOKEN,
           **(env_extra or {})}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode()) from None
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


