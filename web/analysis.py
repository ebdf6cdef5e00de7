"""Plan analysis: what is here, statistics for any area, dashboards, the 专栏8 reconciliation, and 表1
monitoring. Every statistic takes the same year / sector / status filters."""
from __future__ import annotations

from urllib.parse import quote

import orjson
from flask import Blueprint, Response, g, jsonify, render_template, request

from geo import analysis
from geo.areas import area_from, number
from geo.errors import DataError, ImportFileError
from geo.indicators import STATUS, check_entry, evaluate, summarize
from geo.projects import query as pq
from geo.projects.header import read_table
from geo.projects.report import csv_bytes, xlsx_bytes
from geo.reconcile import reconcile
from layers.messages import catalog, t

from .auth import current_user, require
from .errors import ApiError
from .i18n import request_lang
from .services import services
from .tables import TABLE_FIELDS

bp = Blueprint("analysis", __name__)


def _float(name: str, source=None) -> float | None:
    return number(source or request.args, name)


def _filters(params) -> dict:
    year = params.get("year")
    if year not in (None, "") and not str(year).isdigit():
        raise DataError(f"year 应为年份：“{year}”", f"year must be a year, got '{year}'", field="year")
    return {"year": year, "sector": params.get("sector"), "status": params.get("status")}


def _projects(params):
    return analysis.filter_projects(services().projects(), **_filters(params))


@bp.get("/api/identify")
def identify():
    lon, lat = _float("lon"), _float("lat")
    if lon is None or lat is None:
        raise DataError("需要 lon 和 lat", "lon and lat are required", field="lon")
    radius = _float("radius") or 1000
    s, filters = services(), _filters(request.args)
    if s.store.engine is None:                   # the store is unavailable: no projects (the reason: /healthz)
        nearby = _projects(request.args)
    else:                                        # a click reads the few projects around it from the store
        nearby = lambda box: pq.near(s.store, box, **filters)
    return jsonify(analysis.identify(lon, lat, s.data, nearby, radius))


def _stats(params) -> dict:
    return analysis.area_statistics(area_from(params, services().data), _projects(params))


def _params():
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "请求体应为JSON对象", "the body must be a JSON object")
        if isinstance(body.get("geometry"), dict):
            body["geometry"] = orjson.dumps(body["geometry"]).decode()
        return body
    return request.args


@bp.route("/api/stats", methods=["GET", "POST"])
def stats():
    out = _stats(_params())
    rows = out.pop("projects_list")
    out["list"] = [{k: (None if v != v else v) for k, v in r.items()} for r in
                   rows[["key", "name", "sector", "status", "year", "investment", "investment_year", "town_name"]]
                   .head(500).astype(object).to_dict("records")]
    return jsonify(out)


@bp.route("/api/stats.<fmt>", methods=["GET", "POST"])
def stats_export(fmt):
    if fmt not in ("xlsx", "csv"):
        raise ApiError(404, f"格式“{fmt}”不支持（xlsx/csv）", f"unsupported format '{fmt}' (xlsx or csv)")
    out = _stats(_params())
    rows = out["projects_list"]
    frame = rows[[c for c in TABLE_FIELDS if c in rows]].rename(columns={k: v[0] for k, v in TABLE_FIELDS.items()})
    body = xlsx_bytes(frame, "范围内项目") if fmt == "xlsx" else csv_bytes(frame)
    name = f"范围统计-{out['area']['zh']}.{fmt}"
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv"
    return Response(body, headers={"Content-Type": mime, "Content-Disposition":
                                   f"attachment; filename=area.{fmt}; filename*=UTF-8''{quote(name)}"})


# ---------------------------------------------------------------- dashboards and reconciliation

def dashboard(df, band_km: float, lang: str) -> dict:
    """Projects by sector, zone, axis band, cluster and town. An axis band is counted as /api/stats counts it
    (each branch on its own), so the dashboard and the map's 范围统计 give one answer."""
    citywide = t("ana.citywide", lang)
    return {"band_km": band_km, "total": analysis.statistics(df),
            "by_zone": analysis.by_membership(df, "zones", t("ana.outside_zones", lang), citywide),
            "by_cluster": analysis.by_membership(df, "cluster", t("ana.outside_clusters", lang), citywide),
            "by_axis": analysis.axis_bands(df, band_km, services().data),
            "by_town": analysis.breakdown(df, "town_name"), "by_sector": analysis.breakdown(df, "sector")}


@bp.get("/api/dashboard.json")
def dashboard_json():
    return jsonify(dashboard(_projects(request.args), _float("km") or 5, request_lang()))


@bp.get("/analysis")
def analysis_page():
    lang = request_lang()
    years = sorted(int(y) for y in services().projects()["year"].dropna().unique())
    return render_template("analysis.html", years=years, ui=catalog(lang, ("ana.", "col.", "map.loading")))


@bp.get("/api/projects/reconciliation.json")
def reconciliation_json():
    s = services()
    return jsonify(reconcile(s.projects(), s.data, s.store.batches(full=True)))


@bp.get("/projects")
def projects_page():
    request_lang()
    s = services()
    return render_template("projects.html", r=reconcile(s.projects(), s.data, s.store.batches(full=True)))


# ---------------------------------------------------------------- 表1 monitoring

def _status():
    s = services()
    return evaluate(s.rules, s.indicators.current(), s.data.indicators)


@bp.get("/api/indicators/status.json")
def indicators_status():
    return jsonify(indicators=_status(), status_labels=STATUS)


@bp.get("/indicators")
def indicators_page():
    """表1 with a summary on top (how many in each status; the off-track and at-risk ones, linked to their
    rows) and an optional filter ``?status=off|risk|on|manual|none`` (the summary always counts all)."""
    lang = request_lang()
    s = services()
    rows, status = _status(), request.args.get("status", "")
    if status and status not in STATUS:
        raise ApiError(400, f"status 参数无效：“{status}”，可选 {'、'.join(STATUS)}",
                       f"invalid status '{status}'; expected one of {', '.join(STATUS)}", field="status")
    return render_template("indicators.html", rows=[r for r in rows if not status or r["status"] == status],
                           all_rows=rows, summary=summarize(rows), status=status, labels=STATUS, user=current_user(),
                           investment=s.data.investment.to_dict("records"),
                           totals=s.data.investment_totals.iloc[0].to_dict(), ui=catalog(lang, ("ind.",)))


@bp.post("/api/indicators/values")
@require("editor")
def indicator_values():
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(body, dict):
        raise ApiError(400, "请求体应为JSON对象", "the body must be a JSON object")
    entry = check_entry(body, services().rules, {})
    services().indicators.record([entry], actor=g.editor, origin="form")
    return jsonify(recorded=1, entry=entry), 201


FIELDS = {"no": ("序号", "指标序号", "no"), "sub_item": ("分项", "sub_item"), "year": ("年份", "年度", "year"),
          "value": ("数值", "实绩", "实际值", "value"), "unit": ("单位", "unit"), "source": ("来源", "数据来源", "source")}


@bp.post("/api/indicators/upload")
@require("editor")
def indicator_upload():
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ApiError(400, "缺少上传文件（multipart 字段 file）", "no file uploaded (multipart field 'file')", field="file")
    try:
        table = read_table(f.filename, f.read(), services().limits)
    except ImportFileError as exc:
        raise ApiError.from_data_error(exc) from exc
    col = {k: next((c for c in table.columns if c.strip().lower() in names), None) for k, names in FIELDS.items()}
    missing = [FIELDS[k][0] for k in ("no", "year", "value", "source") if col[k] is None]
    if missing:
        raise ApiError(400, f"缺少列：{'、'.join(missing)}", f"missing column(s): {', '.join(missing)}", field=missing[0])
    entries = []
    for _, r in table.df.iterrows():        # every row checked before anything is stored
        raw = {k: (r[c] if c else "") for k, c in col.items()}
        try:
            entries.append(check_entry(raw, services().rules, {"row": int(r["_row"])}))
        except DataError as exc:
            exc.field = col.get(exc.field) or exc.field
            raise ApiError.from_data_error(exc) from exc
    services().indicators.record(entries, actor=g.editor, origin=f.filename)
    return jsonify(recorded=len(entries))


@bp.get("/api/indicators/<int:no>/history")
def indicator_history(no):
    rows = services().indicators.history(no, request.args.get("sub_item", ""))
    return jsonify([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows])
