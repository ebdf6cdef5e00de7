"""One JSON error shape under /api and /ogc (404, 405, 500 included), HTML error pages elsewhere."""
import pytest

import server


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = server.create_app({"data_dir": tmp_path_factory.mktemp("store"), "token": "errors-test-token"})
    app.testing = False            # let the error handlers answer, as in production
    return app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


ADMIN = {"Authorization": "Bearer errors-test-token"}


def check_shape(r, status, code):
    assert r.status_code == status and r.mimetype == "application/json", r.data[:200]
    body = r.get_json()
    assert set(body) >= {"code", "status", "description", "zh", "en", "field", "row"}
    assert body["code"] == code and body["status"] == status
    assert body["description"] == f"{body['zh']} / {body['en']}"
    assert "\\u" not in r.get_data(as_text=True)          # readable in a terminal
    return body


@pytest.mark.parametrize("path", ["/api/nosuch", "/api/layers/nosuch.geojson", "/ogc/nosuch",
                                  "/ogc/collections/nosuch", "/ogc/collections/towns/items/nosuch"])
def test_404_is_json_under_api_and_ogc(client, path):
    body = check_shape(client.get(path), 404, "NotFound")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["zh"])


def test_405_is_json_and_names_the_allowed_methods(client):
    r = client.post("/api/layers")
    check_shape(r, 405, "MethodNotAllowed")
    assert "GET" in r.headers["Allow"]
    check_shape(client.delete("/ogc/collections"), 405, "MethodNotAllowed")


def test_400_names_the_field(client):
    body = check_shape(client.get("/ogc/collections/towns/items?limit=x"), 400, "InvalidParameterValue")
    assert body["field"] == "limit"
    body = check_shape(client.get("/api/audit?limit=x", headers=ADMIN), 400, "InvalidParameterValue")   # was a 500
    assert body["field"] == "limit" and "limit" in body["en"]


def test_500_is_json_for_api_clients_and_never_a_traceback(app, client, monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("secret internal detail")
    monkeypatch.setattr(app.extensions["zhuji"].store, "audit_log", boom)
    r = client.get("/api/audit", headers={"Accept": "text/html", **ADMIN})
    body = check_shape(r, 500, "ServerError")
    assert "secret internal detail" not in r.get_data(as_text=True) and "Traceback" not in body["description"]


def test_html_routes_get_html_error_pages(app, client, monkeypatch):
    r = client.get("/towns/999999999")
    assert r.status_code == 404 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "镇街代码“999999999”不存在" in html and "no town with code" in html and "<!doctype html>" in html
    r = client.get("/no/such/page?lang=en")
    assert r.status_code == 404 and r.mimetype == "text/html" and "Not found" in r.get_data(as_text=True)
    assert client.get("/?view=roads").status_code == 400
    monkeypatch.setattr(app.extensions["zhuji"].store, "batches", lambda **kw: 1 / 0)
    r = client.get("/projects")
    assert r.status_code == 500 and r.mimetype == "text/html" and "ZeroDivision" not in r.get_data(as_text=True)


def test_user_text_in_error_pages_is_escaped(client):
    r = client.get("/towns/<img src=x onerror=alert(1)>")          # the code is echoed in the message
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
