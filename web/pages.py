"""Pages for reading: a town, the 表1 indicators, the project summary. Every page has a JSON twin."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from geo.projects import summaries
from layers import BY_ID

from .errors import not_found
from .i18n import request_lang
from .services import services

bp = Blueprint("pages", __name__)


@bp.get("/towns/<code>")
def town(code):
    request_lang()
    s = services()
    t = s.data.towns[s.data.towns["code"] == code]
    if t.empty:
        raise not_found(f"镇街代码“{code}”不存在", f"no town with code '{code}'")
    projects = s.store.projects(town_code=code)[["key", "name", "sector", "status", "year", "investment"]]
    return render_template("town.html", t=t.iloc[0].to_dict(), fields=BY_ID["towns"].popup,
                           projects=projects.to_dict("records"))


@bp.get("/api/indicators.json")
def indicators_json():
    d = services().data
    return jsonify(indicators=d.indicators.to_dict("records"), investment=d.investment.to_dict("records"),
                   investment_totals=d.investment_totals.to_dict("records"))


@bp.get("/api/projects/summary")
def projects_summary():
    s = services()
    return jsonify(summaries(s.projects(), s.data))
