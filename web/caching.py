"""Responses kept ready: a body with its gzip twin and ETag (``Cached``), and whole read responses
kept in front of Flask (``ResponseCache``), each tied to the data version it shows."""
from __future__ import annotations

import gzip
import hashlib
import threading

from flask import Response, request


class Cached:
    """A response body kept ready: raw bytes, gzip bytes and a strong ETag."""

    def __init__(self, body: bytes, mimetype: str):
        self.body, self.mimetype = body, mimetype
        self.gz = gzip.compress(body, 6)
        self.etag = hashlib.sha256(body).hexdigest()[:32]

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
        return resp


class ResponseCache:
    """WSGI middleware: complete read responses (status, headers, body — gzip or not) kept by URL.

    A hit skips Flask altogether. Entries are tied to the data version of what they show (projects
    change on import; plan layers only on restart), so a write is never served stale beyond the
    store's version TTL. Only GET responses carrying an ETag and a Content-Length are kept."""

    PREFIXES = ("/ogc/collections/", "/api/layers/", "/api/map/")

    def __init__(self, app, version_for, max_entries: int = 2048, max_bytes: int = 4 * 2**20):
        self.app, self.version_for = app, version_for
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: dict = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.PREFIXES):
            return self.app(environ, start_response)
        key = (path, environ.get("QUERY_STRING", ""), "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
               "html" in environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_HOST", ""))
        version = self.version_for(path)
        hit = self.entries.get(key)
        if hit is not None and hit[0] == version:
            _, status, headers, body, etag = hit
            inm = environ.get("HTTP_IF_NONE_MATCH")
            if inm and etag in inm:
                start_response("304 NOT MODIFIED", [h for h in headers if h[0] in ("ETag", "Cache-Control", "Vary")])
                return [b""]
            start_response(status, headers)
            return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        h = dict(captured.get("headers") or [])
        if (captured.get("status", "").startswith("200") and "ETag" in h and "Content-Length" in h
                and int(h["Content-Length"]) <= self.max_bytes and not environ.get("HTTP_IF_NONE_MATCH")):
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            with self.lock:
                if len(self.entries) >= self.max_entries:
                    self.entries.pop(next(iter(self.entries)))
                self.entries[key] = (version, captured["status"], captured["headers"], body, h["ETag"])
            return [body]
        return result
