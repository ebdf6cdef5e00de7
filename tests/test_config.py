"""One configuration for the server and the CLI: defaults ← TOML file ← environment ← command line."""
import json
import subprocess
import sys

import pytest

import server
from tests.conftest import REPO
from tests.test_projects import FENGQIAO, csv_bytes
from web import config


def run_cli(*args, env=None):
    import os
    return subprocess.run([sys.executable, "cli.py", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_cli_and_server_read_the_same_toml_file(tmp_path, monkeypatch):
    store = tmp_path / "store"
    toml = tmp_path / "zhuji.toml"
    toml.write_text(f'data_dir = "{store}"\ntoken = "from-the-file"\nmax_rows = 50\n', encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ZHUJI_MAP_DATA_DIR", raising=False)
    (tmp_path / "p.csv").write_bytes(csv_bytes([["C1", "配置测试项目", *FENGQIAO, "枫桥镇", "", "", "", ""]]))
    r = run_cli("--config", str(toml), "projects", "import", str(tmp_path / "p.csv"), "--datum", "wgs84", "--year", "2026")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["imported"] == 1
    app = server.create_app(config_file=str(toml))                  # the server reads what the CLI wrote
    assert app.extensions["zhuji"].config["max_rows"] == 50
    names = [f["properties"]["name"] for f in app.test_client().get("/api/layers/projects.geojson").get_json()["features"]]
    assert names == ["配置测试项目"]
    auth = {"Authorization": "Bearer from-the-file"}                  # the token comes from the file too
    assert app.test_client().delete("/api/projects/2026/id:C1", headers=auth).status_code == 200


def test_environment_beats_the_file_and_arguments_beat_both(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('port = 7000\nbasemap = "osm"\n', encoding="utf-8")
    cfg = config.load(config_file=str(toml), environ={"PORT": "7100"})
    assert cfg["port"] == 7100 and cfg["basemap"] == "osm"
    assert config.load({"port": 7200}, config_file=str(toml), environ={"PORT": "7100"})["port"] == 7200


def test_cli_reads_the_plan_dir_from_the_environment(data_copy):
    plan, bounds = data_copy
    text = (plan / "clusters.csv").read_text(encoding="utf-8")
    (plan / "clusters.csv").write_text(text.replace(",330681111,马剑镇,", ",330681999,马剑镇,", 1), encoding="utf-8")
    r = run_cli("data", "check", env={"ZHUJI_MAP_PLAN_DIR": str(plan), "ZHUJI_MAP_BOUNDARIES_DIR": str(bounds)})
    assert r.returncode == 1 and "330681999" in r.stderr


def test_every_bad_key_is_named_at_start(tmp_path):
    toml = tmp_path / "bad.toml"
    toml.write_text('prot = 5000\nmax_rows = "many"\nmax_upload_mb = -1\n', encoding="utf-8")
    with pytest.raises(config.ConfigError) as e:
        config.load(config_file=str(toml), environ={})
    msg = str(e.value)
    assert "prot" in msg and "port" in msg                 # unknown key, with the likely meant one
    assert "max_rows" in msg and "many" in msg             # wrong type
    assert "max_upload_mb" in msg
    assert msg.index("未知设置") < msg.index("unknown setting")
    r = subprocess.run([sys.executable, "server.py", "--config", str(toml)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 2 and "prot" in r.stderr and "Traceback" not in r.stderr


def test_unreadable_config_file_is_named(tmp_path):
    with pytest.raises(config.ConfigError, match="nosuch.toml"):
        config.load(config_file=str(tmp_path / "nosuch.toml"), environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 1", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="TOML"):
        config.load(config_file=str(broken), environ={})


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_links_and_cookies_follow_the_forwarded_scheme_and_host(tmp_path, proxies):
    """With `proxies = 1` (nginx in front) the OGC links name the address people use and the session cookie
    is Secure over HTTPS; without it, forwarded headers are not trusted (anyone could send them)."""
    app = server.create_app({"data_dir": tmp_path, "proxies": proxies})
    c = app.test_client()
    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "map.zhuji.gov", "X-Forwarded-For": "10.1.2.3"}
    links = {link["rel"]: link["href"] for link in c.get("/ogc/?f=json", headers=fwd).get_json()["links"]}
    expected = "https://map.zhuji.gov/ogc" if proxies else "http://localhost/ogc"
    assert links["self"].startswith(expected), links["self"]
    page = c.get("/login", headers=fwd)
    cookie = page.headers.get("Set-Cookie", "")
    assert page.status_code == 200 and cookie, "the sign-in page sets the session (CSRF) cookie"
    assert ("Secure" in cookie) == bool(proxies)
