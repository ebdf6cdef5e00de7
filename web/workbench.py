"""The project officer's workbench: upload a list with a preview, the project table, the lists by year.

Pages (HTML) and the JSON they call. An upload is kept between preview and commit (web/uploads.py);
preview and commit run the same ``import_file()``, so what was previewed is what is stored.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, g, jsonify, render_template, request

from geo.projects import DATUM_LABELS
from geo.projects.checks import STATUSES
from geo.projects.columns import FIELDS
from geo.projects.report import csv_bytes, xlsx_bytes
from layers.messages import catalog

from .auth import current_user, require
from .errors import ApiError
from .i18n import request_lang
from .projects_api import REJECTED_KEYS, import_body, run_import
from .services import services
from .tables import TABLE_FIELDS, export_frame, filtered, table_rows

bp = Blueprint("workbench", __name__)
# the words the workbench's JavaScript shows (templates/work/ui.html); the map's disc hints are shared
UI_KEYS = ("work.", "up.", "tbl.", "bat.", "col.", "auth.", "map.loading", "map.cluster_hint", "map.stack_hint",
          "map.stack_title")


def _page(template: str, **ctx):
    s = services()
    lang = request_lang()
    return render_template(template, user=current_user(), fields=FIELDS, datums=DATUM_LABELS,
                           ui=catalog(lang, UI_KEYS),
                           sectors=list(s.data.investment["sector"]), towns=s.data.towns[["code", "name"]].values.tolist(),
                           **ctx)


@bp.get("/work")
@bp.get("/work/batches")
@require("editor")
def batches_page():
    names, admins = _people()
    return _page("work/batches.html", batches=services().store.batches(), names=names, admins="、".join(admins))


def _people() -> tuple[dict[str, str], list[str]]:
    """Account name → display name (who uploaded a list, as colleagues know them); the active admins' names."""
    accounts = services().users.listing()
    names = {u["username"]: u["display_name"] for u in accounts if u["display_name"]}
    return names, [u["display_name"] or u["username"] for u in accounts if u["role"] == "admin" and u["active"]]


@bp.get("/work/upload")
@require("editor")
def upload_page():
    return _page("work/upload.html", replace=request.args.get("replace", type=int))


@bp.get("/work/projects")
@require("editor")
def table_page():
    # 领域 and 建设状态 are chosen, not typed: the values the API accepts (geo/projects/checks.py)
    return _page("work/projects.html", table_fields=TABLE_FIELDS,
                 choices={"sector": list(services().data.investment["sector"]), "status": STATUSES})


# ---------------------------------------------------------------- upload → preview → commit

@bp.post("/api/work/uploads")
@require("editor")
def save_upload():
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ApiError(400, "缺少上传文件（multipart 字段 file）", "no file uploaded (multipart field 'file')", field="file")
    uid = services().uploads.save(g.editor, f.filename, f.read())
    return jsonify(upload_id=uid, filename=f.filename), 201


def _options(body: dict) -> dict:
    def number(name, lo, hi):
        v = body.get(name)
        if v in (None, ""):
            return None
        if not str(v).isdigit() or not lo <= int(v) <= hi:
            raise ApiError(400, f"{name} 应为 {lo}–{hi} 之间的整数：“{v}”", f"{name} must be a whole number in {lo}–{hi}",
                           field=name)
        return int(v)
    mapping = body.get("mapping")
    if mapping is not None and not isinstance(mapping, dict):
        raise ApiError(400, "mapping 应为对象：{列名: 字段}", "mapping must be an object {column: field}", field="mapping")
    return {"datum": body.get("datum") or None, "sheet": body.get("sheet") or None, "mapping": mapping,
            "header_row": number("header_row", 1, 1_048_576), "year": number("year", 2000, 2100),
            "title": str(body.get("title") or "").strip(), "replace": number("replace", 1, 10**9)}


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("upload_id"):
        raise ApiError(400, "请求体应为JSON对象，含 upload_id", "the body must be a JSON object with upload_id",
                       field="upload_id")
    return body


@bp.post("/api/work/preview")
@require("editor")
def preview():
    body = _body()
    filename, content = services().uploads.load(str(body["upload_id"]), g.editor)
    options = _options(body)
    res = run_import(filename, content, commit=False, **options)
    return jsonify({**preview_body(res), **replacing(res, options["replace"])})


def replacing(res, replace: int | None) -> dict:
    """The rows that will replace a project already stored from another list (same year and 编号, or name):
    said before the commit, with the list each one is in now. Rows of a list being replaced whole are not."""
    acc = res.accepted
    found = services().store.existing(acc["key"], except_batch=replace) if len(acc) else []
    row_of = dict(zip(acc["key"], acc["source_row"].astype(int)))
    rows = sorted(({"row": int(row_of[p["key"]]), **p} for p in found), key=lambda r: r["row"])
    return {"replacing_count": len(rows), "replacing": rows[:1000]}


@bp.post("/api/work/commit")
@require("editor")
def commit():
    body = _body()
    uploads = services().uploads
    filename, content = uploads.load(str(body["upload_id"]), g.editor)
    res = run_import(filename, content, commit=True, **_options(body))
    uploads.delete(str(body["upload_id"]))
    out = import_body(res)
    if out.get("updated"):            # the done page names what was replaced, and the list each one was in
        out["replaced"] = services().store.replaced_in(out["import_id"])
    return jsonify(out)


def preview_body(res) -> dict:
    t, m, acc = res.table, res.mapped, res.accepted
    rows = [{"row": int(r.source_row), "name": r.name, "lon": _num(r.lon), "lat": _num(r.lat), "town": r.town_name,
             "located_by": r.located_by, "accuracy": r.accuracy, "warning": r.warnings}
            for r in acc[["source_row", "name", "lon", "lat", "town_name", "located_by", "accuracy", "warnings"]]
            .itertuples(index=False)]
    return {"filename": t.filename, "format": t.format, "sheets": t.sheets, "sheet": t.sheet, "header_rows": t.header_rows,
            "title": res.batch.get("title"), "year": res.batch.get("year"), "columns": m.columns, "mapping": m.mapping,
            "needs_datum": res.needs_datum, "datum": res.batch.get("datum") or None, "received": res.received,
            "accepted": len(acc), "rejected": [{k: r.get(k) for k in REJECTED_KEYS} for r in res.rejected],
            "skipped": res.skipped, "warnings": res.warnings[:1000], "rows": rows}


def _num(v):
    return None if v is None or v != v else float(v)


# ---------------------------------------------------------------- the project table

@bp.get("/api/work/table.json")
@require("editor")
def table_json():
    return services().cached_table(table_rows).response(max_age=0)


@bp.get("/api/work/table.<fmt>")
@require("editor")
def table_export(fmt):
    if fmt not in ("xlsx", "csv"):
        raise ApiError(404, f"格式“{fmt}”不支持（xlsx/csv）", f"unsupported format '{fmt}' (xlsx or csv)")
    s = services()
    rows = filtered(s.store.projects(), request.args)
    frame = export_frame(rows, s.store, request.args.get("batch", type=int))
    name = f"重大项目-{request.args.get('year') or '全部'}.{fmt}"
    body = xlsx_bytes(frame, "重大项目") if fmt == "xlsx" else csv_bytes(frame)
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv"
    return Response(body, headers={"Content-Type": mime,
                                   "Content-Disposition": f"attachment; filename=projects.{fmt}; filename*=UTF-8''{quote(name)}"})


# ---------------------------------------------------------------- lists (batches)

@bp.get("/api/work/batches")
@require("editor")
def batches_json():
    out, names = [], _people()[0]
    for b in services().store.batches():
        b = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in b.items()}
        b["actor_name"] = names.get(b["actor"], b["actor"])
        b["columns"] = json.loads(b.pop("columns_json") or "[]")
        b["mapping"] = json.loads(b.pop("mapping_json") or "{}")
        out.append(b)
    return jsonify(out)


@bp.post("/api/work/batches/<int:import_id>/rollback")
@require("admin")
def rollback(import_id):
    return jsonify(services().store.rollback_batch(import_id, actor=g.editor))
