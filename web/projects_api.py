"""The projects API for scripts and the map: import a file, create/edit/delete one project, read, audit."""
from __future__ import annotations

import json

import pandas as pd
from flask import Blueprint, Response, g, jsonify, request

from geo.errors import ImportFileError
from geo.features import with_provenance
from geo.projects import prepare, rejected_csv

from .auth import require_editor
from .errors import ApiError, not_found
from .services import services

bp = Blueprint("projects_api", __name__)


def _jsonable(rec: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.items()}


@bp.post("/api/projects/import")
@require_editor
def import_projects():
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ApiError(400, "缺少上传文件（multipart 字段 file）", "no file uploaded (multipart field 'file')", field="file")
    try:
        res = services().import_file(f.filename, f.read(), datum=request.form.get("datum", "wgs84"), user=g.editor)
    except ImportFileError as exc:
        raise ApiError.from_data_error(exc) from exc
    saved = res.saved
    body = {"imported": len(res.accepted), "received": res.received,
            "rejected": [{"row": r["row"], "reason": r["reason"]} for r in res.rejected],
            "warnings": res.warnings, "inserted": saved["inserted"], "updated": saved["updated"],
            "import_id": saved["import_id"], "format": res.format}
    if res.rejected:
        body["rejected_csv"] = f"/api/projects/imports/{saved['import_id']}/rejected.csv"
    if saved["updated"]:
        body["note"] = (f"{saved['updated']}个项目已存在（同一编号或名称），已用本次数据替换 / {saved['updated']} "
                        "project(s) already stored (same id or name) were replaced, not duplicated")
    return jsonify(body)


def _import_or_404(import_id: int) -> dict:
    rec = services().store.import_record(import_id)
    if rec is None:
        raise not_found(f"导入记录{import_id}不存在", f"no import {import_id}")
    return rec


@bp.get("/api/projects/imports/<int:import_id>")
def import_record(import_id):
    rec = _import_or_404(import_id)
    rec["rejected"] = json.loads(rec.pop("rejected_json") or "[]")
    rec["warnings"] = json.loads(rec.pop("warnings_json") or "[]")
    return jsonify(_jsonable(rec))


@bp.get("/api/projects/imports/<int:import_id>/rejected.csv")
def rejected_rows(import_id):
    rec = _import_or_404(import_id)
    return Response(rejected_csv(json.loads(rec["rejected_json"] or "[]")), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=rejected-import-{import_id}.csv"})


def _one_project(payload, key: str | None = None):
    """One project from a JSON body, through the same checks and join as an import."""
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体应为JSON对象", "the body must be a JSON object")
    row = pd.DataFrame([{k: "" if v is None else str(v) for k, v in payload.items()}])
    if key is not None and key.startswith("id:") and not payload.get("id"):
        row["id"] = key[3:]
    row["_row"] = 1
    try:
        res = prepare(row, services().data, datum=payload.get("datum") or "wgs84", filename="request")
    except ImportFileError as exc:
        raise ApiError.from_data_error(exc) from exc
    if res.rejected:
        reason = res.rejected[0]["reason"]
        zh, _, en = reason.partition(" / ")
        raise ApiError(400, zh, en or zh)
    return res


@bp.post("/api/projects")
@require_editor
def create_project():
    res = _one_project(request.get_json(silent=True))
    rec = services().store.upsert_one(res.accepted, token=g.editor, action="create")
    return jsonify(project=_jsonable(rec), warnings=res.warnings), 201


@bp.put("/api/projects/<path:key>")
@require_editor
def edit_project(key):
    store = services().store
    if store.get(key) is None:
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    res = _one_project(request.get_json(silent=True), key)
    if res.accepted.at[0, "key"] != key:
        store.delete(key, token=g.editor)
    rec = store.upsert_one(res.accepted, token=g.editor, action="edit")
    return jsonify(project=_jsonable(rec), warnings=res.warnings)


@bp.delete("/api/projects/<path:key>")
@require_editor
def delete_project(key):
    if not services().store.delete(key, token=g.editor):
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    return jsonify(deleted=key)


@bp.get("/api/projects/<path:key>")
def get_project(key):
    rec = services().store.get(key)
    if rec is None:
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    return jsonify(_jsonable(with_provenance(pd.DataFrame([rec])).iloc[0].to_dict()))


@bp.get("/api/audit")
def audit_log():
    raw = request.args.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise ApiError(400, f"limit 应为1–10000之间的整数：“{raw}”", f"limit must be an integer in 1–10000, got '{raw}'",
                       field="limit")
    return jsonify([_jsonable(r) for r in services().store.audit_log(int(raw))])
