"""URL converters: numbers in paths are ids, and ids have at most 9 digits, so an absurd number is a 404
rather than an overflow inside the store (PostgreSQL's integer columns are 32-bit)."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class BoundedInt(IntegerConverter):
    regex = r"\d{1,9}"


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their rules are built with these converters."""
    app.url_map.converters["int"] = BoundedInt
