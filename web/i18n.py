"""The request's language (``?lang=zh|en``, zh by default) and ``_()`` for templates, from layers.messages."""
from __future__ import annotations

from flask import Flask, g, request

from layers.messages import DEFAULT_LANG, LANGS, t

from .errors import ApiError


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


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject():
        lang = _current()
        return {"lang": lang, "_": lambda key, **kw: t(key, lang, **kw)}
