"""One error shape for every JSON answer under /api and /ogc, HTML error pages everywhere else.

    {"code": "InvalidParameterValue", "status": 400, "description": "中文 / English",
     "zh": "中文", "en": "English", "field": "bbox", "row": null}

``code`` and ``description`` are what OGC API clients read; ``zh``/``en`` and ``field``/``row`` are
for people and scripts. A 500 never shows a traceback, only that it was logged.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from geo.errors import DataError, StoreError
from geo.projects.store import ConflictError
from layers.messages import both

log = logging.getLogger("zhuji_map")
JSON_PREFIXES = ("/api/", "/ogc")
CODES = {507: "InsufficientStorage", 400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
         405: "MethodNotAllowed", 409: "Conflict", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
         429: "TooManyRequests", 500: "ServerError", 503: "ServiceUnavailable"}


class ApiError(Exception):
    """Raised anywhere in a request: becomes the error shape (JSON or HTML page) with this status."""

    def __init__(self, status: int, zh: str, en: str, *, field: str | None = None, row: int | None = None,
                 headers: dict | None = None, **extra):
        super().__init__(f"{zh} / {en}")
        self.status, self.zh, self.en, self.field, self.row = status, zh, en, field, row
        self.headers, self.extra = headers or {}, extra

    @classmethod
    def from_data_error(cls, exc: DataError, status: int = 400) -> ApiError:
        zh, en = exc.where_in("zh"), exc.where_in("en")
        return cls(status, f"{zh}：{exc.zh}" if zh else exc.zh, f"{en}: {exc.en}" if en else exc.en,
                   field=exc.field, row=exc.row)

    def body(self) -> dict:
        return {"code": CODES.get(self.status, "Error"), "status": self.status,
                "description": f"{self.zh} / {self.en}", "zh": self.zh, "en": self.en,
                "field": self.field, "row": self.row, **self.extra}


def not_found(zh: str, en: str) -> ApiError:
    return ApiError(404, zh, en)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path.endswith((".json", ".geojson"))


def respond(err: ApiError) -> Response:
    if wants_json():
        resp = current_app.json.response(err.body())
    else:
        lang = "en" if request.args.get("lang") == "en" else "zh"
        html = render_template("error.html", err=err, lang=lang)
        resp = Response(html, mimetype="text/html")
    resp.status_code = err.status
    resp.headers.update(err.headers)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    zh, en = both(f"error.{status}") if f"error.{status}" in _KNOWN else (exc.name, exc.name)
    headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else {}
    return respond(ApiError(status, zh, en, headers=headers))


def _too_large(exc: HTTPException) -> Response:
    mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 2**20
    return respond(ApiError(413, f"上传文件超过{mb:g}MB上限", f"the upload exceeds the {mb:g} MB limit"))


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return respond(ApiError(500, *both("error.500")))


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, respond)
    app.register_error_handler(DataError, lambda exc: respond(ApiError.from_data_error(exc)))
    app.register_error_handler(StoreError, lambda exc: respond(ApiError.from_data_error(exc, getattr(exc, "status", 500))))
    app.register_error_handler(ConflictError, lambda exc: respond(ApiError.from_data_error(exc, 409)))
    app.register_error_handler(413, _too_large)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


_KNOWN = {f"error.{s}" for s in (400, 401, 403, 404, 405, 409, 413, 429, 500, 503)}
