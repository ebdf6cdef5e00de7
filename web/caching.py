"""Responses kept ready: a body with its gzip twin and ETag (``Cached``), and whole read responses kept in
front of Flask (``ResponseCache``), each tied to the data version it shows. Both are bounded in bytes: the
response cache evicts the least recently used answers when its budget is reached, so no sequence of
distinct anonymous requests can grow a worker's memory beyond it.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

from flask import Response, request


class Cached:
    """A response body kept ready: raw bytes, gzip bytes, a strong ETag and any headers of its own."""

    def __init__(self, body: bytes, mimetype: str, headers: dict | None = None):
        self.body, self.mimetype, self.headers = body, mimetype, headers or {}
        self.gz = gzip.compress(body, 6)
        self.etag = hashlib.sha256(body).hexdigest()[:32]

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gz)

    def response(self, max_age: int = 300) -> Response:
        if request.if_none_match.contains(self.etag):
            resp = Response(status=304)
        else:
            use_gz = "gzip" in request.headers.get("Accept-Encoding", "")
            resp = Response(self.gz if use_gz else self.body, mimetype=self.mimetype)
            if use_gz:
                resp.headers["Content-Encoding"] = "gzip"
        resp.set_etag(self.etag)
        resp.headers["Vary"] = "Accept-Encoding"
        resp.headers["Cache-Control"] = f"public, max-age={max_age}"
        resp.headers.update(self.headers)
        return resp


def negotiated(environ) -> str:
    """What the client will get: HTML or JSON, as the OGC API decides it (f= first, then Accept)."""
    qs = environ.get("QUERY_STRING", "")
    if "f=html" in qs:
        return "html"
    if "f=json" in qs or "f=geojson" in qs:
        return "json"
    accept = environ.get("HTTP_ACCEPT", "")
    best = None
    for part in accept.split(","):
        kind = part.split(";")[0].strip()
        q = 1.0
        for p in part.split(";")[1:]:
            if p.strip().startswith("q="):
                try:
                    q = float(p.strip()[2:])
                except ValueError:
                    q = 0.0
        if kind in ("text/html", "application/json", "application/geo+json") and (best is None or q > best[1]):
            best = (kind, q)
    return "html" if best and best[0] == "text/html" else "json"


class ResponseCache:
    """WSGI middleware: complete read responses (status, headers, body) kept by URL and negotiated format.
    A hit skips Flask. Entries are tied to the data version of what they show; only GET responses with an
    ETag and a Content-Length are kept; the total is bounded by ``budget`` bytes (least recently used out)."""

    PREFIXES = ("/ogc/collections/", "/api/layers/", "/api/map/")

    def __init__(self, app, version_for, budget: int = 64 * 2**20, max_entry: int = 4 * 2**20):
        self.app, self.version_for = app, version_for
        self.budget, self.max_entry = budget, max_entry
        self.entries: OrderedDict = OrderedDict()
        self.used = 0
        self.lock = threading.Lock()

    def _key(self, environ) -> tuple:
        return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""), negotiated(environ), environ.get("HTTP_HOST", ""))

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.PREFIXES) or "HTTP_AUTHORIZATION" in environ:
            return self.app(environ, start_response)
        key, version = self._key(environ), self.version_for(path)
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None and hit[0] == version:
                self.entries.move_to_end(key)
        if hit is not None and hit[0] == version:
            return self._replay(hit, environ, start_response)
        return self._fill(key, version, environ, start_response)

    @staticmethod
    def _replay(hit, environ, start_response):
        _, status, headers, body, etag = hit
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and etag in inm:
            start_response("304 NOT MODIFIED", [h for h in headers if h[0] in ("ETag", "Cache-Control", "Vary")])
            return [b""]
        start_response(status, headers)
        return [body]

    def _fill(self, key, version, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        h = dict(captured.get("headers") or [])
        if not (captured.get("status", "").startswith("200") and "ETag" in h and "Content-Length" in h
                and int(h["Content-Length"]) <= self.max_entry and not environ.get("HTTP_IF_NONE_MATCH")):
            return result
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        if self.version_for(environ.get("PATH_INFO", "")) == version:   # what the body shows may have moved on
            self._store(key, (version, captured["status"], captured["headers"], body, h["ETag"]))
        return [body]

    def _store(self, key, entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.used -= len(old[3])
            self.entries[key] = entry
            self.used += len(entry[3])
            while self.used > self.budget and self.entries:
                _, gone = self.entries.popitem(last=False)
                self.used -= len(gone[3])


class ExportCache:
    """Finished downloads kept per data version within a byte budget, and the slots for building new ones."""

    def __init__(self, budget: int, slots: int):
        self.budget, self.used, self.items = budget, 0, OrderedDict()
        self.lock, self.slots = threading.Lock(), threading.BoundedSemaphore(slots)

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key, value: tuple[bytes, str, str]) -> None:
        if len(value[0]) > self.budget // 4:          # a very large file is not kept: built again if asked
            return
        with self.lock:
            self.items[key] = value
            self.used += len(value[0])
            while self.used > self.budget and self.items:
                _, old = self.items.popitem(last=False)
                self.used -= len(old[0])
