"""Downloads for GIS staff: GeoJSON (RFC 7946), GeoPackage, zipped Shapefile, CSV (Excel-ready), KML."""
from __future__ import annotations

import datetime as dt
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

from . import registry
from .crs import EPSG, decimals
from .errors import DataError
from .geojson import dumps, feature_collection
from .projects.report import csv_bytes

FORMATS = {  # name -> (extension, mimetype, label); GeoJSON and KML are WGS84 by their specs
    "gpkg": ("gpkg", "application/geopackage+sqlite3", "GeoPackage"),
    "shp": ("zip", "application/zip", "Shapefile (zip)"),
    "geojson": ("geojson", "application/geo+json", "GeoJSON"),
    "csv": ("csv", "text/csv; charset=utf-8", "CSV (Excel)"),
    "kml": ("kml", "application/vnd.google-earth.kml+xml", "KML"),
}
WGS84_ONLY = ("geojson", "kml")


def browser_formats() -> list[dict]:
    return [{"code": f, "label": v[2], "wgs84Only": f in WGS84_ONLY} for f, v in FORMATS.items()]


def filename(layer: str, fmt: str, epsg: int, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    crs = "WGS84" if fmt in WGS84_ONLY else f"EPSG{epsg}"
    return f"zhuji-{layer}-{today:%Y%m%d}-{crs}.{FORMATS[fmt][0]}"


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL writers accept: text stays text, numbers stay numbers, dates as ISO text."""
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype(str)
        elif out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else
                                (v.isoformat() if hasattr(v, "isoformat") else str(v)))
    return out


def _dbf_names(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    names, used = {}, set()
    for c in gdf.columns:
        if c == gdf.geometry.name:
            continue
        n, i = c[:10], 1
        while n.lower() in used:
            i += 1
            n = f"{c[:10 - len(str(i))]}{i}"
        used.add(n.lower())
        names[c] = n
    return gdf.rename(columns=names), names


WGS84_ATTRIBUTES = {"lon": "lon_wgs84", "lat": "lat_wgs84", "datum": "source_datum"}


def _wgs84_attributes_named(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """In a CGCS2000 file, attributes that hold WGS84 positions, or the datum a source was given in, say so
    by their names, so nobody takes them for the file's own coordinates."""
    return gdf.rename(columns={k: v for k, v in WGS84_ATTRIBUTES.items() if k in gdf.columns and v not in gdf.columns})


def _csv(gdf: gpd.GeoDataFrame, epsg: int) -> bytes:
    """UTF-8 with BOM so Excel opens it, formulas neutralised; WKT, plus lon/lat (or x/y) columns for points."""
    out = gdf.to_crs(epsg)
    table = pd.DataFrame(out.drop(columns=out.geometry.name))
    places = decimals(epsg)
    if (out.geom_type == "Point").all() and len(out):
        table["x" if epsg == 4549 else "lon"] = out.geometry.x.round(places)
        table["y" if epsg == 4549 else "lat"] = out.geometry.y.round(places)
    table["wkt"] = out.geometry.to_wkt(rounding_precision=places)
    table["crs"] = f"EPSG:{epsg}"
    return csv_bytes(table)


def export(gdf: gpd.GeoDataFrame, layer: str, fmt: str, epsg: int = 4326) -> tuple[bytes, str, str]:
    """(body, file name, mimetype). GeoJSON and KML are always WGS84 (their specs say so)."""
    if fmt not in FORMATS:
        raise DataError(f"格式“{fmt}”不支持，可选 {', '.join(FORMATS)}", f"unsupported format '{fmt}'; "
                        f"expected one of {', '.join(FORMATS)}", field="format")
    if epsg not in EPSG.values():
        raise DataError(f"坐标系 EPSG:{epsg} 不支持", f"unsupported CRS EPSG:{epsg}; expected 4326, 4490 or 4549", field="crs")
    name, mime = filename(layer, fmt, epsg), FORMATS[fmt][1]
    spec = registry.spec(layer)
    gdf = _plain(gdf.drop(columns=list(spec.internal), errors="ignore"))
    if epsg != 4326:
        gdf = _wgs84_attributes_named(gdf)
    if fmt == "geojson":
        return dumps(feature_collection(gdf, spec.key)), name, mime
    if fmt == "csv":
        return _csv(gdf, epsg), name, mime
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if fmt == "shp":
            return _shapefile(gdf.to_crs(epsg), tmp, name[:-4]), name, mime
        path = tmp / name
        if fmt == "gpkg":
            # GeoPackage 1.2: what GDAL < 3.7, older QGIS and ArcGIS read without a warning
            pyogrio.write_dataframe(gdf.to_crs(epsg), path, layer=layer, driver="GPKG", dataset_options={"VERSION": "1.2"})
        else:
            pyogrio.write_dataframe(gdf.to_crs(4326), path, layer=layer, driver="KML", encoding="utf-8")
        return path.read_bytes(), name, mime


def _to_multi(g):
    if g is None or g.geom_type.startswith("Multi"):
        return g
    return {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}[g.geom_type]([g])


def _shapefile(gdf: gpd.GeoDataFrame, tmp: Path, stem: str) -> bytes:
    """Zipped Shapefile: one geometry type per file, so a mixed layer becomes one file per type; DBF
    names are cut to 10 characters, listed in fields.csv; texts over 254 bytes are cut (use GeoPackage)."""
    out, fields = _dbf_names(gdf)
    kinds = out.geom_type.str.replace("Multi", "", regex=False)
    # features without geometry (a project of several towns) go with the first type, as null shapes
    kinds = kinds.fillna(kinds.dropna().iloc[0] if kinds.notna().any() else "Point")
    for kind in sorted(kinds.unique()):
        suffix = "" if kinds.nunique() == 1 else f"_{kind.lower()}s"
        part = out[kinds == kind]
        multi = part.geom_type.str.startswith("Multi").any()
        if multi:                                             # one shape type per file: promote singles
            part = part.set_geometry(part.geometry.map(_to_multi))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # truncation is documented in fields.csv
            pyogrio.write_dataframe(part, tmp / f"{stem}{suffix}.shp", driver="ESRI Shapefile", encoding="UTF-8",
                                    geometry_type=f"Multi{kind}" if multi else kind)
    (tmp / "fields.csv").write_text("\ufeffshapefile_field,field\r\n" + "".join(f"{a},{b}\r\n" for b, a in fields.items()),
                                    encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(tmp.iterdir()):
            zf.write(p, p.name)
    return buf.getvalue()
