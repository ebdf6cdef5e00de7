"""The request's language (``?lang=zh|en``, zh by default) and ``_()`` for templates, from layers.messages."""
from __future__ import annotations

import datetime as dt

from flask import Flask, g, request

from layers.messages import DEFAULT_LANG, LANGS, t

from .errors import ApiError

CHINA = dt.timezone(dt.timedelta(hours=8))


def request_lang() -> str:
    """The ``lang`` parameter, checked; 400 with a clear message when it is not a UI language."""
    lang = request.args.get("lang", DEFAULT_LANG)
    if lang not in LANGS:
        raise ApiError(400, f"lang 参数无效：“{lang}”，可选 zh, en", f"invalid lang '{lang}'; expected zh or en",
                       field="lang")
    g.lang = lang
    return lang


def _current() -> str:
    lang = g.get("lang") or request.args.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def local_time(value) -> str:
    """A stored UTC time as the time in China (UTC+8), to the minute."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    from .auth import current_user
    app.jinja_env.filters["dt"] = local_time
    app.jinja_env.globals["current_user"] = current_user

    @app.context_processor
    def inject():
        lang = _current()
        return {"lang": lang, "_": lambda key, **kw: t(key, lang, **kw)}
