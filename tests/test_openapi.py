"""The OpenAPI document describes every API route, and the service answers as it says: schemathesis
generates requests from the document for every operation (anonymous, then as an editor) and checks
there is no 5xx and no mismatch (status code, content type, headers, body schema); hypothesis throws
odd paths and query strings at the HTML pages."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import server
from tests.live import TOKEN, import_projects, start_server

# routes that are not API operations: pages, static files, tiles, sign-in forms
NOT_API = re.compile(r"^/(static|tiles|favicon\.ico|account|admin|login|logout|work(/|$)|towns/|analysis|projects$|indicators$|$)")


def flask_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if NOT_API.match(rule.rule) or rule.rule == "/ogc/":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def doc_routes(doc) -> set[tuple[str, str]]:
    # the document names a collection's paths per collection; Flask has one rule for all
    generic = {r"/ogc/collections/[a-z_]+/items/\{featureId\}": "/ogc/collections/{cid}/items/{fid}",
               r"/ogc/collections/[a-z_]+/items": "/ogc/collections/{cid}/items",
               r"/ogc/collections/[a-z_]+/queryables": "/ogc/collections/{cid}/queryables",
               r"/ogc/collections/[a-z_]+": "/ogc/collections/{cid}"}
    out = set()
    for path, ops in doc["paths"].items():
        for pattern, flask_path in generic.items():
            if re.fullmatch(pattern, path):
                path = flask_path
                break
        out |= {(path, m) for m in ops if m in ("get", "post", "put", "delete")}
    return out


def test_every_api_route_is_in_the_document(tmp_path):
    from openapi_spec_validator import validate
    app = server.create_app({"data_dir": tmp_path})
    doc = app.test_client().get("/api/openapi.json").get_json()
    validate(doc)
    assert doc == app.test_client().get("/ogc/api").get_json(force=True)       # one document, two addresses
    assert flask_routes(app) - doc_routes(doc) == set(), "routes the document does not describe"
    assert doc_routes(doc) - flask_routes(app) == set(), "the document describes routes that do not exist"


def checks():
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    return [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
            response_schema_conformance]


SLOW = ("print", "export", "rejected", "work_table_file", "area_export")      # each call draws or writes a file


def exercise(operation, headers, examples, failures, calls):
    """Run one operation's generated cases; record each kind of failure once, with an example."""
    from schemathesis.core.failures import FailureGroup
    slow = operation.definition.raw.get("operationId", "").startswith(SLOW)

    @settings(max_examples=3 if slow else examples, deadline=None, suppress_health_check=list(HealthCheck),
              database=None, derandomize=True)
    @given(case=operation.as_strategy())
    def run(case):
        resp = case.call(headers=headers)
        calls.append(resp.status_code)
        try:
            case.validate_response(resp, checks=checks(), headers=headers)
        except FailureGroup as group:
            for exc in group.exceptions:
                what = (operation.label, resp.status_code, str(exc).splitlines()[0])
                failures.setdefault(what, f"{case.method} {case.formatted_path} {case.query} {case.body!r:.80}")
    run()


def fuzz(url, headers=None, examples=12):
    import schemathesis
    schema = schemathesis.openapi.from_url(url + "/api/openapi.json")
    failures, calls = {}, []
    for result in schema.get_all_operations():
        exercise(result.ok(), headers, examples, failures, calls)
    return [f"{op} → {status}: {msg}  e.g. {example}" for (op, status, msg), example in failures.items()], calls


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def live(request):
    """The service as it runs (waitress over HTTP; responses read as a client reads them, gzip and all), with
    the 139 projects of a real list stored, on each kind of store."""
    from tests.test_projects import excel_gbk_139
    env = {}
    if request.param == "postgis":
        from geo.projects.store import Store
        env["DATABASE_URL"] = url = request.getfixturevalue("postgis_url")
        Store(url).clear()
    proc, url = start_server(env)
    assert import_projects(url, excel_gbk_139(), "projects-2026.csv")["imported"] == 139
    yield url
    proc.terminate()
    proc.wait(10)


def test_fuzz_every_operation_anonymously(live):
    failures, calls = fuzz(live)
    assert failures == [], "\n".join(failures[:30])
    assert {200, 400, 401} <= set(calls) and len(calls) > 400           # it really exercised the API


def test_fuzz_every_operation_as_an_editor(live):
    failures, calls = fuzz(live, headers={"Authorization": f"Bearer {TOKEN}"}, examples=8)
    assert failures == [], "\n".join(failures[:30])
    assert {200, 400} <= set(calls) and 401 not in calls


PAGES = ["/", "/towns/330681109", "/towns/{x}", "/analysis", "/projects", "/indicators", "/login", "/work",
         "/work/projects", "/work/upload", "/work/batches", "/account", "/ogc/collections/{x}/items/{x}", "/{x}"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(page=st.sampled_from(PAGES), segment=TEXT.filter(lambda s: "/" not in s and s not in (".", "..")),
       query=st.dictionaries(st.sampled_from(["view", "lang", "f", "year", "key", "replace", "next", "q", "page", "x"]),
                             TEXT, max_size=4))
def test_pages_never_answer_5xx_to_odd_paths_and_queries(page_client, page, segment, query):
    resp = page_client.get(page.replace("{x}", segment or "x"), query_string=query)
    assert resp.status_code < 500, (page, segment, query, resp.status_code)


@pytest.fixture(scope="module")
def page_client(tmp_path_factory):
    return server.create_app({"data_dir": tmp_path_factory.mktemp("pages")}).test_client()
