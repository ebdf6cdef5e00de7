"""Project lists (专栏8 and this year's lists): read, validate, locate, spatially join.

Every row received is accounted for: it is either accepted (possibly with warnings) or rejected
with a reason naming the row and field. Row numbers are those a user sees in Excel (header = 1).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from pyproj import Transformer

from ..catalog import PlanData
from ..datum import gcj02_to_wgs84
from ..derive import METRIC, WGS84, short_name
from ..errors import DataError, ImportFileError

MAX_ROWS_DEFAULT = 200_000

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
DATUMS = {"wgs84": "wgs84", "wgs-84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84", "gps": "wgs84",
          "cgcs2000": "cgcs2000", "epsg:4490": "cgcs2000", "4490": "cgcs2000", "2000": "cgcs2000",
          "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "火星": "gcj02", "火星坐标": "gcj02",
          "高德": "gcj02", "amap": "gcj02", "gaode": "gcj02", "腾讯": "gcj02"}
OUTPUT_COLUMNS = ["key", "project_id", "name", "sector", "status", "year", "investment", "town_input", "lon", "lat",
                  "datum_input", "located_by", "geometry_wkt", "town_code", "town_name", "zones", "cluster",
                  "corridor_id", "corridor_name", "corridor_status", "corridor_distance_m", "axis_branch",
                  "axis_distance_m", "warnings", "source_row", "extra"]


def _norm_header(h: str) -> str:
    h = str(h).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", h)


HEADER_MAP = {_norm_header(s): canon for canon, syns in SYNONYMS.items() for s in syns}


@dataclass
class ImportResult:
    received: int
    accepted: pd.DataFrame
    rejected: list[dict] = field(default_factory=list)     # {row, reason, values}
    warnings: list[dict] = field(default_factory=list)     # {row, message}
    format: str = ""
    timings: dict = field(default_factory=dict)            # seconds per phase (validate, join)


# ------------------------------------------------------------------ reading

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


# ------------------------------------------------------------------ validation and location

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


class _Rows:
    """Collects rejections and warnings by row while vectorised checks run."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.ok = pd.Series(True, index=df.index)
        self.reasons: dict[int, str] = {}
        self.warn: dict[int, list[str]] = {}

    def reject(self, mask, zh, en, field_name=None):
        mask = mask & self.ok
        for i in self.df.index[mask]:
            where = f"字段“{field_name}”：" if field_name else ""
            self.reasons[i] = f"{where}{zh(i) if callable(zh) else zh} / {en(i) if callable(en) else en}"
        self.ok &= ~mask

    def warning(self, mask, zh, en):
        for i in self.df.index[mask & self.ok]:
            self.warn.setdefault(i, []).append(f"{zh(i) if callable(zh) else zh} / {en(i) if callable(en) else en}")


_GK = {"EPSG:4549": Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True),
       "EPSG:4528": Transformer.from_crs("EPSG:4528", "EPSG:4326", always_xy=True)}


def prepare(df: pd.DataFrame, data: PlanData, *, datum: str = "wgs84", filename: str = "",
            max_rows: int = MAX_ROWS_DEFAULT) -> ImportResult:
    import time
    t0 = time.perf_counter()
    received = len(df)
    if received > max_rows:
        raise ImportFileError(f"行数{received}超过上限{max_rows}，请拆分文件", f"{received} rows exceed the limit of "
                              f"{max_rows}; split the file", file=filename)
    default_datum = DATUMS.get(str(datum).strip().lower())
    if default_datum is None:
        raise ImportFileError(f"坐标系“{datum}”不支持，应为 WGS84、CGCS2000 或 GCJ-02",
                              f"datum '{datum}' is not supported; expected WGS84, CGCS2000 or GCJ-02", file=filename)
    orig = df.reset_index(drop=True)
    df = canonical_columns(orig, filename)
    R = _Rows(df)
    row = df["_row"]

    R.reject(df["name"] == "", "项目名称为空", "project name is blank", "项目名称")

    # geometry from GeoJSON: points as they are, polygons/lines kept with a representative point
    lon = pd.to_numeric(df["lon"].str.replace(",", "", regex=False), errors="coerce")
    lat = pd.to_numeric(df["lat"].str.replace(",", "", regex=False), errors="coerce")
    wkt = pd.Series("", index=df.index)
    if "_geometry" in df.columns:
        for i, g in df["_geometry"].items():
            if not g:
                continue
            try:
                geom = shapely.from_geojson(g)
            except shapely.errors.GEOSException:
                R.reject(df.index == i, "几何无效", "invalid geometry", "geometry")
                continue
            if geom.is_empty:
                continue
            p = geom if geom.geom_type == "Point" else geom.representative_point()
            lon[i], lat[i] = p.x, p.y
            if geom.geom_type != "Point":
                wkt[i] = geom.wkt
    for col, val, zh in (("lon", lon, "经度"), ("lat", lat, "纬度")):
        bad = (df[col] != "") & val.isna()
        R.reject(bad, lambda i, c=col: f"“{df.at[i, c]}”不是数字", lambda i, c=col: f"'{df.at[i, c]}' is not a number", zh)
    R.reject(lon.isna() ^ lat.isna(), "经纬度不完整（只有一个）", "only one of lon/lat is given", "经度/纬度")

    dtext = df["datum"].str.lower()
    row_datum = dtext.map(DATUMS).where(dtext != "", default_datum)
    R.reject(row_datum.isna(), lambda i: f"坐标系“{df.at[i, 'datum']}”不支持（WGS84/CGCS2000/GCJ-02）",
             lambda i: f"datum '{df.at[i, 'datum']}' not supported (WGS84/CGCS2000/GCJ-02)", "坐标系")

    has = lon.notna() & lat.notna() & R.ok
    # swapped lon/lat (lat written in the lon column)
    swapped = has & lon.between(27, 32) & lat.between(118, 123)
    lon, lat = lon.where(~swapped, lat), lat.where(~swapped, lon)
    R.warning(swapped, "经纬度填反，已自动交换", "lon and lat were swapped; corrected")

    # Gauss-Krüger metres: CGCS2000 3° zone 40 (CM 120°E), with or without the zone prefix
    proj = has & ((lon.abs() > 180) | (lat.abs() > 90))
    if proj.any():
        x, y = lon.where(proj), lat.where(proj)
        swap = proj & x.between(3.0e6, 3.6e6) & ~y.between(3.0e6, 3.6e6)
        x, y = x.where(~swap, lat), y.where(~swap, lon)      # northing written first
        for code, mask in (("EPSG:4528", proj & (x - 4.05e7).abs().lt(5e5) & y.between(3.0e6, 3.6e6)),
                           ("EPSG:4549", proj & x.between(3e5, 7e5) & y.between(3.0e6, 3.6e6))):
            if mask.any():
                gx, gy = _GK[code].transform(x[mask].to_numpy(), y[mask].to_numpy())
                lon[mask], lat[mask] = gx, gy
                R.warning(mask, f"平面坐标（米）按 CGCS2000 高斯-克吕格 {code} 转换为经纬度",
                          f"projected metres converted from CGCS2000 Gauss-Krüger {code}")
                proj &= ~mask
        R.reject(proj, "坐标是米制平面坐标，但不是 CGCS2000 3°带 中央经线120°（EPSG:4549）；请提供经纬度",
                 "coordinates look like projected metres but not CGCS2000 3° zone CM 120°E (EPSG:4549); give lon/lat",
                 "经度/纬度")

    gcj = has & (row_datum == "gcj02") & R.ok
    if gcj.any():
        gx, gy = gcj02_to_wgs84(lon[gcj].to_numpy(), lat[gcj].to_numpy())
        lon[gcj], lat[gcj] = gx, gy

    # town by name: used for placement when there are no coordinates, and checked against the point
    towns = data.towns
    names = {**dict(zip(towns["name"], towns["code"])), **dict(zip(towns["short_name"], towns["code"]))}
    town_code_in = _map_unique(df["town"], lambda s: names.get(s) or names.get(short_name(s)) if s else None)
    unknown_town = (df["town"] != "") & town_code_in.isna()
    nocoord = lon.isna() & lat.isna() & R.ok
    R.reject(nocoord & (df["town"] == ""), "没有坐标，也没有所在镇街", "no coordinates and no town", "经度/纬度")
    R.reject(nocoord & unknown_town, lambda i: f"没有坐标，且镇街“{df.at[i, 'town']}”不存在（应为23个镇街之一）",
             lambda i: f"no coordinates and town '{df.at[i, 'town']}' does not exist (expected one of the 23 towns)",
             "所在镇街")
    by_town = nocoord & R.ok
    seat = towns.set_index("code")[["seat_lon", "seat_lat"]].astype(float)
    lon[by_town] = town_code_in[by_town].map(seat["seat_lon"])
    lat[by_town] = town_code_in[by_town].map(seat["seat_lat"])
    R.warning(by_town, lambda i: f"无坐标，已按“{df.at[i, 'town']}”驻地定位（located_by=town）",
              lambda i: f"no coordinates; placed at the seat of {df.at[i, 'town']} (located_by=town)")
    R.warning(unknown_town & ~nocoord, lambda i: f"镇街“{df.at[i, 'town']}”不存在，已按坐标确定镇街",
              lambda i: f"town '{df.at[i, 'town']}' does not exist; town taken from the coordinates")

    # inside Zhuji
    county = data.outline
    ok_xy = R.ok & lon.notna()
    inside = pd.Series(False, index=df.index)
    inside[ok_xy] = shapely.contains_xy(county, lon[ok_xy].to_numpy(), lat[ok_xy].to_numpy())
    outside = ok_xy & ~inside
    if outside.any():
        pts = gpd.GeoSeries(gpd.points_from_xy(lon[outside], lat[outside]), crs=WGS84, index=df.index[outside])
        border = gpd.GeoSeries([county.boundary], crs=WGS84).to_crs(METRIC).iloc[0]
        dist = pts.to_crs(METRIC).distance(border) / 1000
        R.reject(outside, lambda i: f"位置（{lon[i]:.5f}, {lat[i]:.5f}）在诸暨市域外，距市界约{dist[i]:.1f}公里",
                 lambda i: f"point ({lon[i]:.5f}, {lat[i]:.5f}) is outside Zhuji, about {dist[i]:.1f} km from the border",
                 "经度/纬度")

    inv = pd.to_numeric(df["investment"].str.replace(",", "", regex=False), errors="coerce")
    R.reject((df["investment"] != "") & inv.isna(), lambda i: f"“{df.at[i, 'investment']}”不是数字（亿元）",
             lambda i: f"'{df.at[i, 'investment']}' is not a number (100 million yuan)", "总投资(亿元)")
    R.reject(inv < 0, "总投资不能为负", "investment cannot be negative", "总投资(亿元)")
    year = pd.to_numeric(df["year"], errors="coerce")
    R.reject((df["year"] != "") & ~year.between(1990, 2100), lambda i: f"年份“{df.at[i, 'year']}”无效",
             lambda i: f"year '{df.at[i, 'year']}' is invalid", "年份")

    sectors = list(data.investment["sector"])
    sector = _map_unique(df["sector"], lambda s: _match_sector(s, sectors))
    R.warning((df["sector"] != "") & sector.isna(), lambda i: f"领域“{df.at[i, 'sector']}”不在专栏8十大领域中",
              lambda i: f"sector '{df.at[i, 'sector']}' is not one of the 10 专栏8 sectors")

    key = np.where(df["id"] != "", "id:" + df["id"], "name:" + df["name"].str.replace(r"\s+", "", regex=True))
    key = pd.Series(key, index=df.index)
    dup = R.ok & key.duplicated() & (df["name"] != "")
    if dup.any():
        first_of = {k: i for i, k in key[~key.duplicated()].items()}
        R.reject(dup, lambda i: f"与第{row[first_of[key[i]]]}行重复（同一编号或项目名称）",
                 lambda i: f"duplicate of row {row[first_of[key[i]]]} (same id or project name)", "编号/项目名称")

    acc = df.index[R.ok]
    out = pd.DataFrame({
        "key": key[acc], "project_id": df.loc[acc, "id"], "name": df.loc[acc, "name"],
        "sector": sector[acc].fillna(df.loc[acc, "sector"]), "status": df.loc[acc, "status"],
        "year": year[acc].astype("Int64"), "investment": inv[acc], "town_input": df.loc[acc, "town"],
        "lon": lon[acc].round(7), "lat": lat[acc].round(7),
        "datum_input": row_datum[acc], "located_by": np.where(by_town[acc], "town", "coordinates"),
        "geometry_wkt": wkt[acc], "source_row": row[acc], "extra": df.loc[acc, "_extra"],
    })
    t1 = time.perf_counter()
    out = spatial_join(out, data, town_code_in[acc])
    t2 = time.perf_counter()
    mismatch = (town_code_in[acc].notna() & (town_code_in[acc] != out["town_code"]))
    for i in out.index[mismatch]:
        R.warn.setdefault(i, []).append(f"坐标位于{out.at[i, 'town_name']}，与填写的“{df.at[i, 'town']}”不一致 / the point lies "
                                        f"in {out.at[i, 'town_name']}, not in '{df.at[i, 'town']}' as written")
    out["warnings"] = ""
    if R.warn:
        w = pd.Series({i: "；".join(m) for i, m in R.warn.items()})
        w = w[w.index.isin(out.index)]
        out.loc[w.index, "warnings"] = w
    rejected = [{"row": int(row[i]), "reason": R.reasons[i],
                 "values": {c: orig.at[i, c] for c in orig.columns if not c.startswith("_")}}
                for i in sorted(R.reasons, key=lambda i: row[i])]
    warnings = [{"row": int(row[i]), "message": m} for i in sorted(R.warn, key=lambda i: row[i]) for m in R.warn[i]]
    return ImportResult(received=received, accepted=out[OUTPUT_COLUMNS].reset_index(drop=True), rejected=rejected,
                        warnings=warnings, timings={"validate_s": t1 - t0 + (time.perf_counter() - t2), "join_s": t2 - t1})


def _map_unique(col: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (a million rows name only a few dozen towns or sectors)."""
    uniq = {v: fn(v) for v in col.unique()}
    return col.map(uniq)


def _match_sector(text: str, sectors: list[str]):
    if not text:
        return None
    t = re.sub(r"[\s（）()]", "", text)
    for s in sectors:
        core = re.sub(r"[\s（）()]", "", s)
        if t == core or (len(t) >= 2 and (core.startswith(t) or t.startswith(core[:4]))):
            return s
    return None


class _JoinIndex:
    """Spatial indexes of the plan layers, built once per PlanData."""

    def __init__(self, data: PlanData):
        towns = data.towns
        self.town_codes = towns["code"].to_numpy()
        self.town_tree = shapely.STRtree(towns.to_crs(METRIC).geometry.values)   # everything in metres
        k = data.corridors[data.corridors["location_confidence"] != "unlocated"]
        self.corr = k[["id", "name", "status"]].reset_index(drop=True)
        self.corr_tree = shapely.STRtree(k.to_crs(METRIC).geometry.values)
        self.axis_names = data.axis["short_name"].to_numpy()
        self.axis_tree = shapely.STRtree(data.axis.to_crs(METRIC).geometry.values)
        self.to_metric = Transformer.from_crs(WGS84, METRIC, always_xy=True)
        self.zones = {c: "；".join(data.zones.loc[data.zones["host_town_codes"].str.split(";").map(lambda xs: c in xs), "name"])
                      for c in towns["code"]}
        self.clusters = data.clusters.groupby("host_town_code")["name"].agg("；".join).to_dict()
        self.town_names = dict(zip(towns["code"], towns["name"]))


def _join_index(data: PlanData) -> _JoinIndex:
    idx = getattr(data, "_join_index", None)
    if idx is None:
        idx = _JoinIndex(data)
        data._join_index = idx
    return idx


def spatial_join(df: pd.DataFrame, data: PlanData, town_hint: pd.Series | None = None) -> pd.DataFrame:
    """Town, zones, cluster; nearest corridor and axis branch with distances in metres."""
    from concurrent.futures import ThreadPoolExecutor
    out = df.copy()
    cols = ("town_code", "town_name", "zones", "cluster", "corridor_id", "corridor_name", "corridor_status",
            "corridor_distance_m", "axis_branch", "axis_distance_m")
    if out.empty:
        for c in cols:
            out[c] = pd.Series(dtype=object)
        return out
    J = _join_index(data)
    x, y = out["lon"].to_numpy(dtype=float), out["lat"].to_numpy(dtype=float)
    mx, my = J.to_metric.transform(x, y)
    pm = shapely.points(mx, my)
    # GEOS releases the GIL: the nearest-corridor search (the slowest) is split in two to use both cores
    half = len(pm) // 2
    nearest = lambda tree, part: tree.query_nearest(part, return_distance=True, all_matches=False)
    with ThreadPoolExecutor(2) as ex:
        f_c1, f_c2 = ex.submit(nearest, J.corr_tree, pm[:half]), ex.submit(nearest, J.corr_tree, pm[half:])
        f_town = ex.submit(J.town_tree.query, pm, predicate="intersects")
        f_axis = ex.submit(nearest, J.axis_tree, pm)
        ((cp1, ci1), cd1), ((cp2, ci2), cd2) = f_c1.result(), f_c2.result()
        (pi, ti), ((ap, ai), ad) = f_town.result(), f_axis.result()
    cp, ci, cd = np.concatenate([cp1, cp2 + half]), np.concatenate([ci1, ci2]), np.concatenate([cd1, cd2])
    town = np.full(len(out), None, dtype=object)
    town[pi[::-1]] = J.town_codes[ti[::-1]]           # on a shared border the first town listed wins
    town = pd.Series(town, index=out.index)
    if town_hint is not None:   # on a gap of a replaced boundary file, keep the town the user wrote
        fill = town.isna() & town_hint.notna()
        town[fill] = town_hint[fill]
    out["town_code"] = town
    out["town_name"] = town.map(J.town_names)
    out["zones"] = town.map(J.zones).fillna("")
    out["cluster"] = town.map(J.clusters).fillna("")
    c = J.corr.iloc[ci[np.argsort(cp)]].reset_index(drop=True)
    out["corridor_id"], out["corridor_name"], out["corridor_status"] = (c["id"].to_numpy(), c["name"].to_numpy(),
                                                                        c["status"].to_numpy())
    out["corridor_distance_m"] = np.round(cd[np.argsort(cp)], 0)
    out["axis_branch"] = J.axis_names[ai[np.argsort(ap)]]
    out["axis_distance_m"] = np.round(ad[np.argsort(ap)], 0)
    return out


def rejected_csv(rejected: list[dict]) -> bytes:
    """Rejected rows with their reason, UTF-8 with BOM so Excel opens it, to fix and re-upload."""
    cols: list[str] = []
    for r in rejected:
        cols += [c for c in r["values"] if c not in cols]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["原行号/row", "原因/reason", *cols])
    for r in rejected:
        w.writerow([r["row"], r["reason"], *[r["values"].get(c, "") for c in cols]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def content_key(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def summaries(df: pd.DataFrame, data: PlanData) -> dict:
    """Per town and per sector, the sector table reconciled with the plan's 专栏8 figures."""
    inv = pd.to_numeric(df["investment"], errors="coerce") if len(df) else pd.Series(dtype=float)
    d = df.assign(investment=inv)
    towns = data.towns[["code", "name"]]
    by_town = d.groupby("town_code").agg(projects=("key", "size"), investment=("investment", "sum"))
    town_rows = [{"town_code": c, "town": n, "projects": int(by_town.at[c, "projects"]) if c in by_town.index else 0,
                  "investment_yi": round(float(by_town.at[c, "investment"]), 2) if c in by_town.index else 0.0}
                 for c, n in zip(towns["code"], towns["name"])]
    by_sector = d.groupby(d["sector"].replace("", "（未填）")).agg(projects=("key", "size"), investment=("investment", "sum"))
    plan = data.investment.set_index("sector")
    sector_rows = []
    for s in list(plan.index) + [x for x in by_sector.index if x not in plan.index]:
        got = by_sector.loc[s] if s in by_sector.index else None
        row = {"sector": s, "projects": int(got["projects"]) if got is not None else 0,
               "investment_yi": round(float(got["investment"]), 2) if got is not None else 0.0,
               "in_plan": s in plan.index}
        if s in plan.index:
            row.update(plan_projects=int(plan.at[s, "projects"]), plan_investment_yi=float(plan.at[s, "total_investment_yi"]),
                       plan_period_investment_yi=float(plan.at[s, "period_investment_yi"]))
            row["project_gap"] = row["projects"] - row["plan_projects"]
        sector_rows.append(row)
    tot = data.investment_totals.iloc[0]
    return {"towns": town_rows, "sectors": sector_rows,
            "total": {"projects": int(len(d)), "investment_yi": round(float(inv.sum()), 2) if len(d) else 0.0,
                      "plan_projects": int(tot["projects"]), "plan_investment_yi": float(tot["total_investment_yi"]),
                      "plan_period_investment_yi": float(tot["period_investment_yi"])}}
