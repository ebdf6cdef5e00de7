"""Pages for reading: a town, the 表1 indicators, the project summary. Every page has a JSON twin."""
from __future__ import annotations

import re

from flask import Blueprint, g, jsonify, render_template, request

from geo.projects import summaries
from layers import BY_ID
from layers.messages import MESSAGES, t

from .auth import current_user
from .errors import not_found
from .i18n import request_lang
from .services import services

bp = Blueprint("pages", __name__)


@bp.app_template_global()
def signed_in() -> bool:
    """Whether the top navigation offers 账户 rather than 登录. Never fails: it also runs on error pages,
    among them the one for a bad token or a store that is down."""
    if "user" not in g and request.headers.get("Authorization"):
        return False           # a script's token is checked (and counted if bad) where it is used, not by a link
    try:
        return current_user() is not None
    except Exception:          # noqa: BLE001 — a navigation link must not turn an error page into a 500
        return False


@bp.get("/towns/<code>")
def town(code):
    lang = request_lang()
    s = services()
    hit = s.data.towns[s.data.towns["code"] == code]
    if hit.empty:
        raise not_found(f"镇街代码“{code}”不存在", f"no town with code '{code}'")
    town = hit.iloc[0].to_dict()
    layer = BY_ID["towns"]
    projects = s.store.projects(town_code=code)[["key", "name", "sector", "status", "year", "investment"]]
    return render_template("town.html", t=town, fields=[f for f in layer.popup if f.kind != "tech"],
                           provenance=provenance_lines(layer, town, lang), tech=tech_notes(layer, town, lang),
                           projects=projects.to_dict("records"))


def provenance_lines(layer, town: dict, lang: str) -> list[str]:
    """Where the town comes from in plain words, as the map's popup says it: the boundary, then the seat."""
    zh_en = layer.provenance.get(town.get(layer.provenance_by or "", ""), layer.provenance[""])
    return [zh_en[1] if lang == "en" else zh_en[0], seat_line(town, lang)]


def seat_line(town: dict, lang: str) -> str:
    """The seat's research note (English, e.g. "GeoNames id 1811267 (Fengqiao)", "ESTIMATE …, ±4 km") as one
    sentence in the reader's language; the note itself stays under 技术说明."""
    source = str(town.get("seat_source") or "")
    if source.startswith("GeoNames"):
        conf = town.get("seat_confidence") or ""
        return t("town.seat_geonames", lang, conf=t(f"conf.{conf}", lang) if f"conf.{conf}" in MESSAGES else conf)
    if source.startswith("ESTIMATE"):
        km = re.search(r"±\s*(\d+(?:\.\d+)?)\s*km", source)
        return t("town.seat_estimate", lang, km=km.group(1)) if km else t("town.seat_rough", lang)
    return t("town.seat_other", lang)


def tech_notes(layer, town: dict, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the technical notes, as the map folds them: the layer's research fields, the seat's
    basis, and source · CRS · accuracy."""
    en = lang == "en"
    notes = [((f.en if en else f.zh), town.get(f.key)) for f in layer.popup if f.kind == "tech"]
    notes += [(t("town.seat_basis", lang), town.get("seat_basis")), (t("map.provenance", lang), town.get("source")),
              (t("dl.crs", lang), town.get("datum")), (t("map.accuracy", lang), town.get("accuracy"))]
    return [(label, str(v)) for label, v in notes if v not in (None, "") and v == v]


@bp.get("/api/indicators.json")
def indicators_json():
    d = services().data
    return jsonify(indicators=d.indicators.to_dict("records"), investment=d.investment.to_dict("records"),
                   investment_totals=d.investment_totals.to_dict("records"))


@bp.get("/api/projects/summary")
def projects_summary():
    s = services()
    return jsonify(summaries(s.projects(), s.data))
