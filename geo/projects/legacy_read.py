"""Reading project files the old way (row 1 is the header); replaced by read.py/header.py/columns.py."""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import orjson
import pandas as pd

from ..errors import ImportFileError

# canonical column -> accepted headers (compared after normalising: lower case, no spaces, ASCII brackets)
SYNONYMS = {
    "id": ["编号", "项目编号", "项目代码", "id", "project_id", "code"],
    "name": ["项目名称", "名称", "项目", "name", "project", "project_name", "title"],
    "lon": ["经度", "东经", "lon", "lng", "long", "longitude", "x"],
    "lat": ["纬度", "北纬", "lat", "latitude", "y"],
    "town": ["所在镇街", "镇街", "乡镇", "所在乡镇", "乡镇街道", "镇乡街道", "所在地", "town"],
    "sector": ["领域", "所属领域", "行业", "类别", "项目类别", "sector", "category"],
    "investment": ["总投资(亿元)", "总投资", "投资(亿元)", "投资额(亿元)", "总投资额(亿元)", "investment",
                   "total_investment", "investment_yi"],
    "status": ["建设状态", "状态", "项目状态", "建设性质", "status"],
    "year": ["年份", "年度", "计划年度", "year"],
    "datum": ["坐标系", "坐标系统", "datum", "crs"],
}
def _norm_header(h: str) -> str:
    h = str(h).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", h)


HEADER_MAP = {_norm_header(s): canon for canon, syns in SYNONYMS.items() for s in syns}


def decode_bytes(content: bytes, filename: str) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM) or GBK/GB18030 as Excel in China saves CSV."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8"), "utf-8-sig"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ImportFileError("无法识别文件编码，应为UTF-8或GBK", "cannot decode the file; expected UTF-8 or GBK",
                              file=filename) from exc


def decode_text(content: bytes, filename: str) -> str:
    return decode_bytes(content, filename)[0]


def read_rows(filename: str, content: bytes) -> tuple[pd.DataFrame, str]:
    """The file as a table of strings with a ``_row`` column (the row number a user sees)."""
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if ext in ("xlsx", "xlsm", "xls"):
        return _read_excel(filename, content), "xlsx"
    if ext in ("geojson", "json"):
        return _read_geojson(filename, content), "geojson"
    if ext in ("csv", "txt", ""):
        text, encoding = decode_bytes(content, filename)
        utf8 = content[3:] if encoding == "utf-8-sig" else content if encoding == "utf-8" else None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
            sep = dialect.delimiter
        except csv.Error:
            sep = ","
        df = _read_csv(text, sep, filename, utf8)
        df["_row"] = np.arange(2, len(df) + 2)
        return df, "csv"
    raise ImportFileError(f"不支持的文件类型“.{ext}”，应为CSV、XLSX或GeoJSON",
                          f"unsupported file type '.{ext}'; expected CSV, XLSX or GeoJSON", file=filename)


def _read_csv(text: str, sep: str, filename: str, utf8: bytes | None = None) -> pd.DataFrame:
    """pyarrow's multithreaded reader when it can parse the file; pandas' own parser otherwise."""
    try:
        import pyarrow  # noqa: F401
        df = pd.read_csv(io.BytesIO(utf8 if utf8 is not None else text.encode("utf-8")), dtype=str,
                         keep_default_na=False, sep=sep, engine="pyarrow")
        return df.fillna("")
    except ImportError:
        pass
    except Exception:  # pyarrow is stricter (ragged rows…); let pandas explain or accept it
        pass
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError(f"CSV格式错误：{exc}", f"malformed CSV: {exc}", file=filename) from exc


def _read_excel(filename: str, content: bytes) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)   # cached values, never formulas
    except Exception as exc:  # calamine raises its own error types
        raise ImportFileError("无法读取Excel文件（应为.xlsx）", f"cannot read the Excel file (expected .xlsx): {exc}",
                              file=filename) from exc
    if not rows:
        raise ImportFileError("工作表为空", "the first sheet is empty", file=filename)
    header = [str(h).strip() for h in rows[0]]

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return str(v)

    body = [[cell(v) for v in r] + [""] * (len(header) - len(r)) for r in rows[1:]]
    df = pd.DataFrame([r[:len(header)] for r in body], columns=header, dtype=str)
    df["_row"] = np.arange(2, len(df) + 2)
    keep = df.drop(columns="_row").apply(lambda s: s.str.strip() != "").any(axis=1)
    return df[keep].reset_index(drop=True)


def _read_geojson(filename: str, content: bytes) -> pd.DataFrame:
    try:
        doc = orjson.loads(decode_text(content, filename))
    except orjson.JSONDecodeError as exc:
        raise ImportFileError(f"GeoJSON格式错误：{exc}", f"malformed GeoJSON: {exc}", file=filename) from exc
    feats = doc.get("features") if isinstance(doc, dict) else None
    if feats is None:
        raise ImportFileError("GeoJSON应为FeatureCollection", "GeoJSON must be a FeatureCollection", file=filename)
    recs = []
    for i, f in enumerate(feats, 1):
        props = {k: "" if v is None else str(v) for k, v in ((f or {}).get("properties") or {}).items()}
        geom = (f or {}).get("geometry")
        props["_geometry"] = orjson.dumps(geom).decode() if geom else ""
        props["_row"] = i
        recs.append(props)
    df = pd.DataFrame(recs, dtype=str).fillna("")
    df["_row"] = df["_row"].astype(int)
    return df


def canonical_columns(df: pd.DataFrame, filename: str) -> pd.DataFrame:
    """Columns renamed to canonical names; several synonyms of one field (e.g. GeoJSON features that
    say 项目名称 or name) are merged, first non-blank wins. Unknown columns are kept in ``_extra``."""
    sources: dict[str, list[str]] = {}
    extras = []
    for col in df.columns:
        if col.startswith("_"):
            continue
        canon = HEADER_MAP.get(_norm_header(col))
        if canon:
            sources.setdefault(canon, []).append(col)
        else:
            extras.append(col)
    if "name" not in sources:
        raise ImportFileError("缺少“项目名称”列（或 name）", "no project-name column (项目名称 or name)", file=filename)
    has_xy = {"lon", "lat"} <= set(sources) or "_geometry" in df.columns
    if not has_xy and "town" not in sources:
        raise ImportFileError("缺少位置列：需要“经度/纬度”（lon/lat）或“所在镇街”（town）",
                              "no location columns: need 经度/纬度 (lon/lat) or 所在镇街 (town)", file=filename)
    out = pd.DataFrame(index=df.index)
    for canon in SYNONYMS:
        cols = sources.get(canon, [])
        if not cols:
            out[canon] = ""
            continue
        merged = df[cols[0]].fillna("").astype(str).str.strip()
        for c in cols[1:]:
            v = df[c].fillna("").astype(str).str.strip()
            merged = merged.where(merged != "", v)
        out[canon] = merged
    for c in df.columns:
        if c.startswith("_"):
            out[c] = df[c]
    out["_extra"] = ([orjson.dumps(dict(zip(extras, vals))).decode() for vals in df[extras].itertuples(index=False, name=None)]
                     if extras else "")
    return out


