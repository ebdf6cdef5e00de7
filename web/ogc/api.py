"""OGC API – Features operations as plain functions, as pygeoapi has them:

    operation(catalog, req, ...) -> (status, headers, body)

No Flask here: ``web/ogc/__init__.py`` adapts a Flask request into ``ApiRequest`` and the tuple into a
response. Bad parameters raise DataError (→ 400), unknown ids ApiError(404). Features are serialised
once per CRS by the catalog, so a JSON page is a join of bytes; large pages stream.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

from geo.crs import CHOICES, CRS84, OGC_URIS, bbox_to_4326, crs_uri, parse_bbox, parse_crs
from geo.errors import DataError
from geo.export import FORMATS as EXPORT_FORMATS
from geo.features import Catalog
from geo.geojson import dumps

from ..errors import not_found
from ..openapi import openapi_document

GEOJSON, JSON = "application/geo+json", "application/json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "lang"}
MAX_LIMIT, DEFAULT_LIMIT = 10_000, 10
STREAM_ABOVE = 2000          # features; larger pages are streamed
Result = tuple[int, dict, bytes | Iterator[bytes]]


@dataclass
class ApiRequest:
    args: Mapping[str, str]
    base: str                                   # absolute URL of /ogc
    html: bool                                  # HTML wanted (f=html or Accept)
    etags: Callable[[str], bool]                # does If-None-Match hold this ETag?
    gzip: bool
    render: Callable[..., str]                  # Jinja template → HTML
    query_string: str = ""


def _etag(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _json(req: ApiRequest, doc: dict, mime: str = JSON) -> Result:
    body = dumps(doc)
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=60", "Vary": "Accept"}
    if req.etags(etag):
        return 304, headers, b""
    return 200, {**headers, "Content-Type": mime}, body


# CRS URI → (zh, en) names for the HTML pages
CRS_NAMES = {CRS84: ("WGS84 经纬度（CRS84，经度在前）", "WGS84 lon/lat (CRS84)"),
             **{f"http://www.opengis.net/def/crs/EPSG/0/{c.split(':')[1]}": names for c, names in CHOICES.items()}}


def _html(req: ApiRequest, template: str, **ctx) -> Result:
    return 200, {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept"}, req.render(template, base=req.base, **ctx).encode()


def landing(catalog: Catalog, req: ApiRequest) -> Result:
    b = req.base
    links = [{"rel": "self", "type": JSON, "href": b, "title": "this document"},
             {"rel": "alternate", "type": "text/html", "href": f"{b}?f=html", "title": "HTML"},
             {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": f"{b}/api",
              "title": "OpenAPI"},
             {"rel": "conformance", "type": JSON, "href": f"{b}/conformance", "title": "conformance"},
             {"rel": "data", "type": JSON, "href": f"{b}/collections", "title": "collections"}]
    if req.html:
        return _html(req, "ogc/landing.html", links=links)
    return _json(req, {"title": "诸暨“十五五”规划一张图 OGC API – Features",
                       "description": "Zhuji 15th Five-Year Plan layers (plan attributes, provenance, accuracy) and projects",
                       "links": links})


def conformance(catalog: Catalog, req: ApiRequest) -> Result:
    if req.html:
        return _html(req, "ogc/conformance.html", classes=CONFORMANCE)
    return _json(req, {"conformsTo": CONFORMANCE})


def _collection_doc(catalog: Catalog, cid: str, base: str) -> dict:
    c = catalog.get(cid)
    minx, miny, maxx, maxy = c.bounds()
    href = f"{base}/collections/{cid}"
    return {
        "id": cid, "title": c.title, "description": c.description, "description_en": c.description_en,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [[round(minx, 6), round(miny, 6), round(maxx, 6), round(maxy, 6)]], "crs": CRS84},
                   "temporal": {"interval": [[None, None]]}},
        "crs": list(OGC_URIS), "storageCrs": CRS84,
        "links": [{"rel": "self", "type": JSON, "href": href},
                  {"rel": "items", "type": GEOJSON, "title": c.title, "href": f"{href}/items"},
                  {"rel": "items", "type": "text/html", "href": f"{href}/items?f=html"},
                  {"rel": "describedby", "type": "application/schema+json", "href": f"{href}/queryables"}],
    }


def collections(catalog: Catalog, req: ApiRequest) -> Result:
    docs = [_collection_doc(catalog, cid, req.base) for cid in catalog.collections]
    if req.html:
        return _html(req, "ogc/collections.html", collections=docs)
    return _json(req, {"collections": docs, "links": [{"rel": "self", "type": JSON, "href": f"{req.base}/collections"}]})


def _get(catalog: Catalog, cid: str):
    try:
        return catalog.get(cid)
    except KeyError:
        raise not_found(f"集合“{cid}”不存在", f"no collection '{cid}'; collections: {', '.join(catalog.collections)}") from None


def collection(catalog: Catalog, req: ApiRequest, cid: str) -> Result:
    _get(catalog, cid)
    doc = _collection_doc(catalog, cid, req.base)
    if req.html:
        return _html(req, "ogc/collection.html", c=doc, crs_names=CRS_NAMES, formats=EXPORT_FORMATS,
                     queryables=catalog.get(cid).queryables())
    return _json(req, doc)


def queryables(catalog: Catalog, req: ApiRequest, cid: str) -> Result:
    c = _get(catalog, cid)
    return _json(req, {"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object",
                       "title": c.title, "properties": {q: {"type": "string"} for q in c.queryables()}},
                 "application/schema+json")


def openapi(catalog: Catalog, req: ApiRequest) -> Result:
    root = req.base[: -len("/ogc")] if req.base.endswith("/ogc") else req.base
    return _json(req, openapi_document(catalog, root or "/"), "application/vnd.oai.openapi+json;version=3.0")


def _int(args: Mapping, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        v = int(raw)
    except ValueError:
        raise DataError(f"{name} 应为整数：“{raw}”", f"{name} must be an integer, got '{raw}'", field=name) from None
    if not lo <= v <= hi:
        raise DataError(f"{name} 应在 {lo}–{hi} 之间", f"{name} must be between {lo} and {hi}", field=name)
    return v


def _check_datetime(value: str | None) -> None:
    """Accepted gracefully: the collections have no time dimension, so a valid interval filters nothing."""
    for part in (value or "").split("/"):
        if part in ("..", ""):
            continue
        try:
            dt.datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError:
            raise DataError(f"datetime 无效：“{value}”", f"invalid datetime '{value}' (RFC 3339 or interval)",
                            field="datetime") from None


@dataclass
class _Query:
    limit: int
    offset: int
    out_epsg: int | None
    bbox: tuple | None
    props: dict


def _parse_items_query(c, args: Mapping) -> _Query:
    bbox = parse_bbox(args.get("bbox"))
    bbox_epsg = parse_crs(args.get("bbox-crs"), "bbox-crs")
    if args.get("bbox-crs") and bbox is None:
        raise DataError("给出了 bbox-crs 但没有 bbox", "bbox-crs given without bbox", field="bbox-crs")
    _check_datetime(args.get("datetime"))
    qset = set(c.queryables())
    props = {}
    for k in args:
        if k in RESERVED:
            continue
        if k not in qset:
            raise DataError(f"未知参数“{k}”", f"unknown parameter '{k}'; queryables: {', '.join(sorted(qset))}", field=k)
        props[k] = args.get(k)
    return _Query(limit=_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), offset=_int(args, "offset", 0, 0, 10**9),
                  out_epsg=parse_crs(args.get("crs"), "crs"),
                  bbox=bbox_to_4326(bbox, bbox_epsg) if bbox else None, props=props)


def items(catalog: Catalog, req: ApiRequest, cid: str) -> Result:
    c = _get(catalog, cid)
    q = _parse_items_query(c, req.args)
    etag = _etag(cid, c.version(), req.query_string, req.html, req.gzip)
    if req.etags(etag):
        return 304, {"ETag": f'"{etag}"'}, b""
    matched, rows = c.page(q.offset, q.limit, bbox=q.bbox, props=q.props)
    if req.html:
        cols, table = c.table(rows)
        return _html(req, "ogc/items.html", c=c, matched=matched, cols=cols, rows=table, cid=cid)
    body = _feature_chunks(c.encode(rows, q.out_epsg), _tail(req, cid, q, matched, len(rows)))
    if req.gzip:
        body = _gzipped(body)
    if len(rows) <= STREAM_ABOVE:
        body = b"".join(body)
    headers = {"Content-Type": GEOJSON, "ETag": f'"{etag}"', "Vary": "Accept-Encoding, Accept",
               "Cache-Control": "public, max-age=60", "Content-Crs": f"<{crs_uri(q.out_epsg)}>"}
    if req.gzip:
        headers["Content-Encoding"] = "gzip"
    return 200, headers, body


def _tail(req: ApiRequest, cid: str, q: _Query, matched: int, returned: int) -> bytes:
    def link(rel, off):
        params = {**dict(req.args.items()), "offset": off, "limit": q.limit}
        return {"rel": rel, "type": GEOJSON, "href": f"{req.base}/collections/{cid}/items?{urlencode(params)}"}

    links = [link("self", q.offset), {"rel": "collection", "type": JSON, "href": f"{req.base}/collections/{cid}"}]
    if q.offset + q.limit < matched:
        links.append(link("next", q.offset + q.limit))
    if q.offset > 0:
        links.append(link("prev", max(0, q.offset - q.limit)))
    return (b'],"numberMatched":' + str(matched).encode() + b',"numberReturned":' + str(returned).encode()
            + b',"links":' + orjson.dumps(links) + b"}")


def _feature_chunks(feats: list[bytes], tail: bytes) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    for i in range(0, len(feats), 500):
        yield (b"," if i else b"") + b",".join(feats[i:i + 500])
    yield tail


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    for ch in chunks:
        out = z.compress(ch)
        if out:
            yield out
    yield z.flush()


def item(catalog: Catalog, req: ApiRequest, cid: str, fid: str) -> Result:
    c = _get(catalog, cid)
    out_epsg = parse_crs(req.args.get("crs"), "crs")
    g = c.feature(fid)
    if g.empty:
        raise not_found(f"要素“{fid}”不存在", f"no feature '{fid}' in {cid}")
    if req.html:
        row = g.iloc[0]
        return _html(req, "ogc/item.html", c=c, cid=cid, title=str(row.get("name", fid)),
                     props=[(k, v) for k, v in row.items() if k != g.geometry.name])
    feat = orjson.loads(c.encode(g.iloc[:1], out_epsg)[0])
    feat["links"] = [{"rel": "self", "type": GEOJSON, "href": f"{req.base}/collections/{cid}/items/{fid}"},
                     {"rel": "collection", "type": JSON, "href": f"{req.base}/collections/{cid}"}]
    status, headers, body = _json(req, feat, GEOJSON)
    headers["Content-Crs"] = f"<{crs_uri(out_epsg)}>"
    return status, headers, body
