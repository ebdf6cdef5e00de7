"""Geometry files under data/boundaries/: the committed outline and derived geometry, and
authoritative replacements dropped in by GIS staff (Shapefile, GeoPackage or GeoJSON, any CRS).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .derive import METRIC, WGS84, short_name, to_multipolygon
from .errors import DataError, ReplacementError
from .paths import COUNTY_DIR, DERIVED_DIR, rel

OVERRIDE_EXTS = (".gpkg", ".shp", ".geojson", ".json")
# File-name stems that replace a layer: `towns.gpkg`, `towns_2025.shp`, `乡镇.geojson` ...
OVERRIDE_STEMS = {"towns": ("towns", "乡镇", "镇街"), "zones": ("zones", "片区"), "corridors": ("corridors", "交通")}
# Columns GIS staff commonly use for the join key (compared case-insensitively).
CODE_COLUMNS = ("code", "代码", "行政区划代码", "区划代码", "xzqdm", "xzqhdm", "adcode", "pac", "gb", "qhdm", "id")
NAME_COLUMNS = ("name", "名称", "name_zh", "xzqmc", "乡镇", "镇街", "乡镇名称", "mc", "zlmc")
ACCURACY = ("official", "derived", "schematic")


def read_geojson(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    if not path.exists():
        raise DataError("缺少几何文件，请运行 `zhuji-map data build`",
                        "geometry file is missing; run `zhuji-map data build`", file=rel(path), layer=layer)
    gdf = gpd.read_file(path, engine="pyogrio")
    return gdf.set_crs(WGS84, allow_override=True)


def read_county(bdir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    d = Path(bdir) / COUNTY_DIR
    return read_geojson(d / "zhuji.geojson", layer="county"), read_geojson(d / "neighbours.geojson", layer="county")


def read_derived(bdir: Path, layer: str) -> tuple[gpd.GeoDataFrame, dict]:
    path = Path(bdir) / DERIVED_DIR / f"{layer}.geojson"
    gdf = read_geojson(path, layer=layer)
    meta = json.loads(path.read_text(encoding="utf-8")).get("zhuji_build", {})
    gdf.attrs["path"] = rel(path)
    return gdf, meta


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, meta: dict | None = None) -> None:
    """RFC 7946 GeoJSON (WGS84, lon/lat, no `crs`), 6 decimals, written atomically."""
    doc = json.loads(gdf.to_crs(WGS84).to_json(drop_id=True, to_wgs84=False))
    doc.pop("crs", None)
    if meta:
        doc["zhuji_build"] = meta
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    atomic_write(Path(path), text)


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these files are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- authoritative replacement

def find_override(bdir: Path, layer: str) -> Path | None:
    stems = OVERRIDE_STEMS[layer]
    hits = sorted(p for p in Path(bdir).iterdir()
                  if p.is_file() and p.suffix.lower() in OVERRIDE_EXTS
                  and any(p.stem.lower() == s or p.stem.lower().startswith(s + "_") for s in stems))
    if len(hits) > 1:
        names = "、".join(p.name for p in hits)
        raise ReplacementError(f"有多个替换文件：{names}；请只保留一个",
                               f"several replacement files: {', '.join(p.name for p in hits)}; keep exactly one",
                               file=rel(Path(bdir)), layer=layer)
    return hits[0] if hits else None


def _read_any(path: Path, layer: str) -> gpd.GeoDataFrame:
    encodings = [None]
    if path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
        encodings = ["utf-8", "gbk"]  # a Shapefile without .cpg from Chinese GIS software is often GBK
    last = None
    for enc in encodings:
        try:
            kw = {"encoding": enc} if enc else {}
            return gpd.read_file(path, engine="pyogrio", **kw)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, UnicodeDecodeError,
                pyogrio.errors.FieldError, ValueError) as exc:
            last = exc
    raise ReplacementError("无法读取该文件（应为Shapefile、GeoPackage或GeoJSON）",
                           f"cannot read the file (expected Shapefile, GeoPackage or GeoJSON): {last}",
                           file=rel(path), layer=layer)


def _find_column(gdf: gpd.GeoDataFrame, candidates) -> str | None:
    lower = {c.lower(): c for c in gdf.columns if c != "geometry"}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def datum_label(crs) -> str:
    epsg = crs.to_epsg()
    label = f"{crs.name} (EPSG:{epsg})" if epsg else crs.name
    return "WGS84 (EPSG:4326)" if epsg == 4326 else f"{label} → WGS84 (EPSG:4326)"


def read_override(path: Path, layer: str, expected: pd.DataFrame, *, key: str, name_col: str = "name",
                  require_all: bool, outline=None) -> gpd.GeoDataFrame:
    """Read an authoritative file and join it to the plan's features.

    ``expected`` has the plan's ``key`` (e.g. town code) and ``name_col``. Returns a GeoDataFrame
    (WGS84) with ``key``, geometry, ``source``, ``datum``, ``accuracy``. Raises ReplacementError
    listing every mismatch (missing / extra / duplicate) by name and code.
    """
    where = rel(path)
    gdf = _read_any(path, layer)
    _check_file(gdf, where, layer)
    datum = datum_label(gdf.crs)
    try:
        gdf = gdf.to_crs(WGS84)
    except Exception as exc:   # pyproj cannot transform from this CRS
        raise ReplacementError(f"无法从文件的坐标系（{gdf.crs.name}）转换到WGS84，已拒绝",
                               f"cannot transform the file's CRS ({gdf.crs.name}) to WGS84; refused ({exc})",
                               file=where, layer=layer) from exc
    if outline is not None:
        gdf = _fit_county(gdf, layer, outline, where)
    # Shapefiles mix Polygon and MultiPolygon; one type per layer keeps exports and joins simple.
    gdf["geometry"] = gdf.geometry.map(lambda g: to_multipolygon(g) if g.geom_type.endswith("Polygon") else g)
    gdf[key] = _match_keys(gdf, expected, key, name_col, require_all, where, layer)
    acc_col = _find_column(gdf, ("accuracy",))
    accuracy = gdf[acc_col].where(gdf[acc_col].isin(ACCURACY), "official") if acc_col else "official"
    out = gpd.GeoDataFrame({key: gdf[key], "source": f"authoritative file {path.name}", "datum": datum,
                            "accuracy": accuracy}, geometry=gdf.geometry, crs=WGS84)
    out.attrs["path"] = where
    return out


KINDS = {"towns": ("Polygon", "MultiPolygon"), "zones": ("Polygon", "MultiPolygon"),
         "corridors": ("LineString", "MultiLineString", "Point", "MultiPoint")}
KIND_ZH = {"towns": "面", "zones": "面", "corridors": "线或点"}
OUTSIDE_M = 1000       # authoritative boundaries and the Amap outline differ by generalisation, not by more


def _fit_county(gdf: gpd.GeoDataFrame, layer: str, outline, where: str) -> gpd.GeoDataFrame:
    """The right geometry type, and inside the county: areas must lie within 1 km of the outline (an
    offset file is refused); lines of a corridor that runs on beyond the county are cut at its edge."""
    bad = gdf[~gdf.geom_type.isin(KINDS[layer])]
    if len(bad):
        raise ReplacementError(f"几何类型应为{KIND_ZH[layer]}，文件中有{bad.geom_type.iloc[0]}（第{bad.index[0] + 1}个要素）",
                               f"geometry must be {'/'.join(KINDS[layer])}; the file has {bad.geom_type.iloc[0]} "
                               f"(feature {bad.index[0] + 1})", file=where, layer=layer)
    metric = gdf.to_crs(METRIC)
    county = gpd.GeoSeries([outline], crs=WGS84).to_crs(METRIC).iloc[0]
    if layer == "corridors":
        inside = metric.geometry.intersection(county)
        return gdf.set_geometry(gpd.GeoSeries(inside, crs=METRIC).to_crs(WGS84).values)
    far = [(i, g.difference(county).area) for i, g in zip(gdf.index, metric.geometry)
           if not county.buffer(OUTSIDE_M).contains(g)]
    if far:
        i, area = max(far, key=lambda t: t[1])
        raise ReplacementError(f"{len(far)}个要素超出诸暨市域1公里以上（如第{i + 1}个，市域外约{area / 1e6:.2f}平方公里）；"
                               "可能坐标系不对或整体偏移，已拒绝",
                               f"{len(far)} feature(s) lie more than 1 km outside the county (e.g. feature {i + 1}, "
                               f"about {area / 1e6:.2f} km² outside); the CRS may be wrong or the file offset; refused",
                               file=where, layer=layer)
    return gdf


def _check_file(gdf: gpd.GeoDataFrame, where: str, layer: str) -> None:
    """A CRS that says what the numbers mean, features, and valid geometry."""
    if gdf.crs is None:
        raise ReplacementError("文件没有坐标参考系（如Shapefile缺少 .prj），无法确定坐标含义，已拒绝；"
                               "请导出时附带坐标系（例如 EPSG:4490 或 EPSG:4549）",
                               "the file has no coordinate reference system (e.g. a Shapefile without .prj), so its "
                               "coordinates cannot be interpreted; refused. Export it with its CRS (e.g. EPSG:4490 or EPSG:4549)",
                               file=where, layer=layer)
    if len(gdf) == 0:
        raise ReplacementError("文件中没有要素", "the file has no features", file=where, layer=layer)
    if gdf.crs.is_geographic:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ReplacementError("文件声明为经纬度坐标，但坐标值是米级投影坐标；请检查坐标系（高斯-克吕格应为 EPSG:4549）",
                                   "the file claims geographic coordinates but holds projected metres; check its CRS "
                                   "(Gauss-Krüger zone 40 is EPSG:4549)", file=where, layer=layer)
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            raise ReplacementError(f"第{i + 1}个要素没有几何", f"feature {i + 1} has no geometry",
                                   file=where, row=i + 1, layer=layer)
        if not geom.is_valid:
            from shapely.validation import explain_validity
            raise ReplacementError(f"第{i + 1}个要素几何无效：{explain_validity(geom)}",
                                   f"feature {i + 1} has invalid geometry: {explain_validity(geom)}",
                                   file=where, row=i + 1, layer=layer)


def _match_keys(gdf, expected: pd.DataFrame, key: str, name_col: str, require_all: bool, where: str,
                layer: str) -> list:
    """Each feature's plan key, by code column or name column; every mismatch named at once."""
    code_col = _find_column(gdf, CODE_COLUMNS if key == "code" else ("id", "编号"))
    nm_col = _find_column(gdf, NAME_COLUMNS)
    if code_col is None and nm_col is None:
        raise ReplacementError(f"找不到连接字段：需要代码列（{'/'.join(CODE_COLUMNS[:4])}…）"
                               f"或名称列（{'/'.join(NAME_COLUMNS[:4])}…）",
                               f"no join column: need a code column ({', '.join(CODE_COLUMNS[:4])} …) "
                               f"or a name column ({', '.join(NAME_COLUMNS[:4])} …)", file=where, layer=layer)
    by_key = {str(k): str(k) for k in expected[key]}
    by_name = {}
    for k, n in zip(expected[key], expected[name_col]):
        by_name[str(n)] = by_name[short_name(str(n))] = str(k)
    label = dict(zip(expected[key].astype(str), expected[name_col].astype(str)))
    keys, extra = [], []
    for i, row in gdf.iterrows():
        k = None
        if code_col is not None and str(row[code_col]).strip() not in ("", "None", "nan"):
            k = by_key.get(_norm_code(row[code_col], key))
        if k is None and nm_col is not None:
            k = by_name.get(str(row[nm_col]).strip())
        if k is None:
            shown = " ".join(str(row[c]) for c in (nm_col, code_col) if c is not None)
            extra.append(f"第{i + 1}个要素/feature {i + 1}: {shown}")
        keys.append(k)
    dup = sorted({k for k in keys if k is not None and keys.count(k) > 1})
    missing = [k for k in by_key if k not in keys] if require_all else []
    _refuse_mismatch(extra, dup, missing, label, where, layer)
    return keys


def _norm_code(v, key: str) -> str:
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s[:9] if key == "code" and s.isdigit() and len(s) == 12 else s  # 12-digit NBS → 9-digit


def _refuse_mismatch(extra: list, dup: list, missing: list, label: dict, where: str, layer: str) -> None:
    zh, en = [], []
    if extra:
        zh.append("无法对应到规划中的要素：" + "；".join(extra))
        en.append("not matched to any plan feature: " + "; ".join(extra))
    if dup:
        zh.append("重复：" + "、".join(f"{label[k]}（{k}）" for k in dup))
        en.append("duplicated: " + ", ".join(f"{label[k]} ({k})" for k in dup))
    if missing:
        zh.append("缺少：" + "、".join(f"{label[k]}（{k}）" for k in missing))
        en.append("missing: " + ", ".join(f"{label[k]} ({k})" for k in missing))
    if zh:
        raise ReplacementError("替换文件与规划要素不一致，已拒绝，继续使用推导几何。" + "；".join(zh),
                               "the replacement file does not match the plan's features; refused, derived geometry "
                               "stays in use. " + "; ".join(en), file=where, layer=layer)
