"""The projects API for scripts and the workbench: import a list, create/edit/delete one project, read, audit.

``POST /api/projects/import`` (multipart ``file``; optional ``datum``, ``year``, ``title``, ``sheet``,
``header_row``, ``mapping`` as JSON, ``replace`` = a batch id) applies the same header detection, column
mapping, gazetteer and checks as the browser workbench, and refuses coordinates whose system is stated
neither in the file nor in ``datum``.
"""
from __future__ import annotations

import contextlib
import json

import orjson
import pandas as pd
from flask import Blueprint, Response, g, jsonify, request

from geo.analysis import plan_fit
from geo.errors import ImportFileError
from geo.features import with_provenance
from geo.projects import DatumRequired, canonical_frame, prepare, rejected_csv, rejected_xlsx
from geo.projects.checks import choice_problem
from layers.messages import DEFAULT_LANG, pick_lang

from .auth import require_admin, require_editor
from .errors import ApiError, not_found
from .services import services

bp = Blueprint("projects_api", __name__)


def jsonable(rec: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rec.items()}


def _int(name: str, lo: int, hi: int) -> int | None:
    raw = (request.form.get(name) or request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError(400, f"{name} 应为 {lo}–{hi} 之间的整数：“{raw}”", f"{name} must be a whole number in {lo}–{hi}, "
                       f"got '{raw}'", field=name)
    return int(raw)


def import_options() -> dict:
    """The import's choices from a form (the workbench and scripts send the same fields)."""
    f = request.form
    mapping = None
    if f.get("mapping"):
        try:
            mapping = {str(k): (v or None) for k, v in json.loads(f["mapping"]).items()}
        except (ValueError, AttributeError):
            raise ApiError(400, "mapping 应为JSON对象：{列名: 字段}", "mapping must be a JSON object {column: field}",
                           field="mapping") from None
    sheet = f.get("sheet") or None
    return {"datum": f.get("datum") or None, "year": _int("year", 2000, 2100), "title": (f.get("title") or "").strip(),
            "sheet": sheet, "header_row": _int("header_row", 1, 1_048_576), "mapping": mapping,
            "replace": _int("replace", 1, 10**9)}


def uploaded() -> tuple[str, bytes]:
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ApiError(400, "缺少上传文件（multipart 字段 file）", "no file uploaded (multipart field 'file')", field="file")
    return f.filename, f.read()


def run_import(filename: str, content: bytes, *, commit: bool, **options):
    if options.get("replace") and not getattr(g, "is_admin", False):
        raise ApiError(403, "只有管理员可以替换批次", "only an administrator can replace a batch", field="replace")
    try:
        return services().import_file(filename, content, commit=commit, user=g.editor, **options)
    except DatumRequired as exc:
        raise ApiError.from_data_error(exc) from exc
    except ImportFileError as exc:
        raise ApiError.from_data_error(exc) from exc


REJECTED_KEYS = ("row", "column", "reason", "reason_zh", "reason_en")   # reason: "zh / en"; and each half


def import_body(res) -> dict:
    saved = res.saved or {}
    body = {"imported": len(res.accepted), "received": res.received, "import_id": saved.get("import_id"),
            "rejected": [{k: r.get(k) for k in REJECTED_KEYS} for r in res.rejected],
            "warnings": res.warnings, "skipped": res.skipped, "inserted": saved.get("inserted"),
            "updated": saved.get("updated"), "format": res.format, "title": res.batch.get("title"),
            "year": res.batch.get("year")}
    if res.rejected and saved:
        body["rejected_xlsx"] = f"/api/projects/imports/{saved['import_id']}/rejected.xlsx"
        body["rejected_csv"] = f"/api/projects/imports/{saved['import_id']}/rejected.csv"
    if saved.get("updated"):
        body["note"] = (f"{saved['updated']}个项目已存在（同一年份的编号或名称），已用本次数据替换 / {saved['updated']} "
                        "project(s) already stored (same year and id or name) were replaced, not duplicated")
    return body


@bp.post("/api/projects/import")
@require_editor
def import_projects():
    filename, content = uploaded()
    return jsonify(import_body(run_import(filename, content, commit=True, **import_options())))


def _import_or_404(import_id: int) -> dict:
    rec = services().store.import_record(import_id)
    if rec is None:
        raise not_found(f"导入批次{import_id}不存在", f"no import batch {import_id}")
    return rec


@bp.get("/api/projects/imports/<int:import_id>")
def import_record(import_id):
    rec = _import_or_404(import_id)
    for k in ("rejected", "warnings", "skipped", "columns", "mapping"):
        rec[k] = json.loads(rec.pop(f"{k}_json") or "null")
    return jsonify(jsonable(rec))


def _rejected_of(import_id: int) -> tuple[list[dict], list[str]]:
    rec = _import_or_404(import_id)
    return json.loads(rec["rejected_json"] or "[]"), json.loads(rec["columns_json"] or "[]")


def _file_lang() -> str:
    return pick_lang(request.args.get("lang")) or DEFAULT_LANG


@bp.get("/api/projects/imports/<int:import_id>/rejected.csv")
def rejected_rows_csv(import_id):
    """The rows to fix, headers and reasons in the reader's language (``?lang=``, 中文 by default)."""
    rows, cols = _rejected_of(import_id)
    return Response(rejected_csv(rows, cols, _file_lang()), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=rejected-import-{import_id}.csv"})


@bp.get("/api/projects/imports/<int:import_id>/rejected.xlsx")
def rejected_rows_xlsx(import_id):
    rows, cols = _rejected_of(import_id)
    return Response(rejected_xlsx(rows, cols, _file_lang()), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f"attachment; filename=rejected-import-{import_id}.xlsx"})


def check_choices(payload: dict, old: dict | None = None) -> None:
    """领域 and 建设状态 are chosen from the allowed values (400 naming the field and the choices); a value the
    project already had (an older list's word) may stay on an edit that does not touch it."""
    sectors = list(services().data.investment["sector"])
    for field in ("sector", "status"):
        value = str(payload.get(field) or "").strip()
        problem = choice_problem(field, value, sectors)
        if problem and not (old is not None and value == (old.get(field) or "")):
            raise ApiError(400, *problem, field=field)


def one_project(payload, year: int | None = None, old: dict | None = None):
    """One project from a JSON body, through the same checks and join as an import."""
    if not isinstance(payload, dict):
        raise ApiError(400, "请求体应为JSON对象", "the body must be a JSON object")
    check_choices(payload, old)
    try:
        res = prepare(canonical_frame([payload]), services().data, datum=payload.get("datum") or None,
                      filename="request", year=year)
    except ImportFileError as exc:
        raise ApiError.from_data_error(exc) from exc
    if res.rejected:
        bad = res.rejected[0]
        raise ApiError(400, bad["reason_zh"], bad["reason_en"], field=bad.get("column"))
    acc = res.accepted
    acc["extra"] = orjson.dumps(payload["extra"]).decode() if isinstance(payload.get("extra"), dict) else ""
    return res


@bp.post("/api/projects")
@require_editor
def create_project():
    res = one_project(request.get_json(silent=True))
    rec = services().store.upsert_one(res.accepted, actor=g.editor, action="create")
    return jsonify(project=jsonable(rec), warnings=res.warnings), 201


@bp.put("/api/projects/<path:key>")
@require_editor
def edit_project(key):
    store = services().store
    old = store.get(key)
    if old is None:
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    payload = request.get_json(silent=True)
    res = one_project(payload, year=old["year"], old=old)
    if old["located_by"] in SEAT and same_place(res.accepted, old):
        # the editor sends back the town seat it showed: the project is still placed by its words, as on import
        with contextlib.suppress(ApiError):               # (unless its words no longer name a town)
            res = one_project({**payload, "lon": "", "lat": "", "x": "", "y": ""}, year=old["year"], old=old)
    if isinstance(payload, dict) and "extra" not in payload:
        res.accepted["extra"] = old["extra"] or ""        # the officer's other columns are kept on an edit
    keep_provenance(res.accepted, old)
    rec = store.upsert_one(res.accepted, actor=g.editor, action="edit", old_key=key)
    return jsonify(project=jsonable(rec), warnings=res.warnings)


SEAT = ("town", "village")
POSITION = ("lon", "lat", "datum_input", "located_by", "accuracy", "geometry_wkt")


def same_place(acc: pd.DataFrame, old: dict, tolerance: float = 1e-6) -> bool:
    """Whether the edit leaves the project where it was (within ~0.1 m; no point before and after counts)."""
    new = acc.iloc[0]
    if pd.isna(new["lon"]) or old["lon"] is None:
        return pd.isna(new["lon"]) and old["lon"] is None and new["located_by"] == old["located_by"]
    return abs(new["lon"] - old["lon"]) < tolerance and abs(new["lat"] - old["lat"]) < tolerance


def keep_provenance(acc: pd.DataFrame, old: dict) -> None:
    """An edit does not rewrite where a project came from: its list row always, and while the position stays,
    how it was given (input datum, located by, accuracy, the original geometry) — the edit itself is in the
    history and the audit trail. A moved point is the editor's, as entered."""
    acc["source_row"] = old["source_row"]
    if same_place(acc, old):
        for c in POSITION:
            acc[c] = old[c]


@bp.delete("/api/projects/<path:key>")
@require_editor
def delete_project(key):
    if not services().store.delete(key, actor=g.editor):
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    return jsonify(deleted=key)


@bp.get("/api/projects/<path:key>")
def get_project(key):
    rec = services().store.get(key)
    if rec is None:
        raise not_found(f"项目“{key}”不存在", f"no project '{key}'")
    rec["extra"] = json.loads(rec["extra"]) if rec.get("extra") else {}
    frame = with_provenance(pd.DataFrame([rec]))
    frame["plan_fit"] = plan_fit(frame, services().data)
    return jsonify(jsonable(frame.iloc[0].to_dict()))


@bp.get("/api/audit")
@require_admin
def audit_log():
    raw = request.args.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise ApiError(400, f"limit 应为1–10000之间的整数：“{raw}”", f"limit must be an integer in 1–10000, got '{raw}'",
                       field="limit")
    return jsonify([jsonable(r) for r in services().store.audit_log(int(raw))])
