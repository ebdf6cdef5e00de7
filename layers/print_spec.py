"""What a printed map shows: ``PrintSpec`` and its parsing from HTTP parameters, a JSON body or the CLI.

Every bad value raises ``DataError`` naming the field and what is allowed (Chinese first), which the
web layer answers as a 400 and the CLI prints.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from geo.areas import KEYS as AREA_KEYS
from geo.errors import DataError

from .definitions import DEFAULT_VIEW, LAYERS, VIEWS
from .messages import LANGS

SIZES = ("A4", "A3")
ORIENTATIONS = ("portrait", "landscape")
FORMATS = ("pdf", "png")
DPI_MIN, DPI_MAX, DPI_DEFAULT = 72, 300, 150
# toggle keys as the web map names them: one per layer, corridors one per status
TOGGLES: tuple[str, ...] = tuple(k for d in LAYERS for k in ([f"{d.id}:{v}" for v in d.split_order] if d.split_by else [d.id]))
SPLIT = {d.id: d.split_order for d in LAYERS if d.split_by}
# EPSG:4549's area of use (CGCS2000 3° zone, CM 120°E): outside it the projected map is not true
BBOX_LIMITS = (118.5, 24.43, 121.5, 35.0)
BBOX_MIN_DEG = 0.005                      # ~500 m: anything smaller has no map to speak of
TEXT_LIMITS = {"title": 80, "subtitle": 120, "unit": 60, "source": 300, "approval": 40,
               "sector": 40, "status": 20, "town": 20}
PARAMS = ("view", "bbox", "layers", "sector", "status", "town", "year", "size", "orientation", "format", "dpi",
          "title", "subtitle", "unit", "source", "approval", "lang", "date")
# 范围统计 on paper: the area of /api/stats (geo/areas.py) under an ``area_`` prefix (``town`` is a filter here)
AREA_PARAMS = tuple(f"area_{k}" for k in AREA_KEYS)
AREA_TEXT_MAX = 20_000                    # a drawn polygon's GeoJSON


@dataclass(frozen=True)
class PrintSpec:
    """A map state to print. ``None`` means the default: the view's layers, the county, today, …"""
    view: str = DEFAULT_VIEW
    bbox: tuple[float, float, float, float] | None = None   # minlon, minlat, maxlon, maxlat (WGS84)
    layers: tuple[str, ...] | None = None                   # toggle keys, e.g. ("towns", "corridors:在建")
    sector: str | None = None                               # project filters (equality)
    status: str | None = None
    town: str | None = None                                 # town name or code
    year: int | None = None
    size: str = "A4"
    orientation: str = "portrait"
    format: str = "pdf"
    dpi: int = DPI_DEFAULT                                  # PNG only
    title: str | None = None
    subtitle: str | None = None
    unit: str | None = None                                 # 制图单位
    source: str | None = None                               # 数据来源
    approval: str | None = None                             # 审图号
    lang: str = "zh"
    date: dt.date | None = None
    area: tuple[tuple[str, str], ...] = ()                 # (key without area_, value): print its statistics

    def toggles(self) -> tuple[str, ...]:
        """The toggle keys drawn, in the web map's order; a bare ``corridors`` means every status."""
        keys = VIEWS[self.view][2] if self.layers is None else self.layers
        wanted = set()
        for k in keys:
            if k in SPLIT:
                wanted.update(f"{k}:{v}" for v in SPLIT[k])
            else:
                wanted.add(k)
        return tuple(k for k in TOGGLES if k in wanted)

    def layer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k.split(":")[0] for k in self.toggles()))

    def shown_values(self, layer_id: str) -> tuple[str, ...]:
        """The split values (corridor statuses) drawn for a split layer."""
        return tuple(k.split(":", 1)[1] for k in self.toggles() if k.startswith(layer_id + ":"))

    def project_filters(self) -> dict:
        return {k: v for k, v in (("sector", self.sector), ("status", self.status), ("year", self.year)) if v is not None}

    @property
    def day(self) -> dt.date:
        return self.date or dt.date.today()

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, format: str | None = None) -> PrintSpec:
        """A spec from query parameters or a JSON object (strings, numbers or lists); ``format`` wins over
        the parameters' own (the URL's extension)."""
        unknown = [k for k in params if k not in PARAMS + AREA_PARAMS]
        if unknown:
            raise DataError(f"未知参数“{unknown[0]}”，可用参数：{', '.join(PARAMS + AREA_PARAMS)}",
                            f"unknown parameter '{unknown[0]}'; parameters: {', '.join(PARAMS + AREA_PARAMS)}",
                            field=unknown[0])
        p = {k: v for k, v in params.items() if v not in (None, "", [])}
        if format is not None:
            p["format"] = format
        values: dict[str, Any] = {}
        for name, parse in _PARSERS.items():
            if name in p:
                values[name] = parse(p[name], name)
        for name, limit in TEXT_LIMITS.items():
            if name in p:
                values[name] = _text(p[name], name, limit)
        area = tuple((k[5:], _area_value(p[k], k)) for k in AREA_PARAMS if k in p)
        return cls(**values, area=area)


def _choice(allowed: tuple[str, ...], *, fold=str.lower):
    def parse(value, name):
        v = str(value).strip()
        hit = next((a for a in allowed if fold(a) == fold(v)), None)
        if hit is None:
            raise DataError(f"{name} 无效：“{value}”，可选 {', '.join(allowed)}",
                            f"invalid {name} '{value}'; expected one of {', '.join(allowed)}", field=name)
        return hit
    return parse


def _int(lo: int, hi: int):
    def parse(value, name):
        try:
            n = int(str(value).strip())
        except ValueError:
            n = None
        if n is None or not lo <= n <= hi:
            raise DataError(f"{name} 无效：“{value}”，应为 {lo}–{hi} 的整数",
                            f"invalid {name} '{value}'; expected an integer from {lo} to {hi}", field=name)
        return n
    return parse


def _bbox(value, name):
    parts = value if isinstance(value, list | tuple) else str(value).split(",")
    try:
        b = tuple(float(v) for v in parts)
    except (TypeError, ValueError):
        b = ()
    x0, y0, x1, y1 = BBOX_LIMITS
    ok = (len(b) == 4 and all(math.isfinite(v) for v in b) and x0 <= b[0] and b[2] <= x1 and y0 <= b[1]
          and b[3] <= y1 and b[2] - b[0] >= BBOX_MIN_DEG and b[3] - b[1] >= BBOX_MIN_DEG)
    if not ok:
        raise DataError(f"bbox 无效：“{value}”，应为 minlon,minlat,maxlon,maxlat（WGS84 经纬度，经度 {x0}–{x1}，"
                        f"纬度 {y0}–{y1}，宽高至少 {BBOX_MIN_DEG}°）",
                        f"invalid bbox '{value}'; expected minlon,minlat,maxlon,maxlat (WGS84, lon {x0}–{x1}, "
                        f"lat {y0}–{y1}, at least {BBOX_MIN_DEG}° wide and high)", field="bbox")
    return b


def _layers(value, name):
    keys = [k.strip() for k in (value if isinstance(value, list | tuple) else str(value).split(",")) if str(k).strip()]
    allowed = (*TOGGLES, *SPLIT)
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise DataError(f"layers 中的图层“{bad[0]}”不存在，可选 {', '.join(allowed)}",
                        f"unknown layer '{bad[0]}' in layers; expected any of {', '.join(allowed)}", field=name)
    return tuple(keys)


def _date(value, name):
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataError(f"date 无效：“{value}”，应为 YYYY-MM-DD", f"invalid date '{value}'; expected YYYY-MM-DD",
                        field=name) from None


def _area_value(value, name):
    import orjson
    v = orjson.dumps(value).decode() if isinstance(value, dict) else str(value).strip()
    if len(v) > AREA_TEXT_MAX:
        raise DataError(f"{name} 过长（最多 {AREA_TEXT_MAX} 个字符）", f"{name} is too long (at most {AREA_TEXT_MAX} characters)",
                        field=name)
    return v


def _text(value, name, limit):
    v = str(value).strip()
    if len(v) > limit or re.search(r"[\x00-\x1f\x7f]", v):
        raise DataError(f"{name} 无效：最多 {limit} 个字符，不含控制字符",
                        f"invalid {name}: at most {limit} characters, no control characters", field=name)
    return v


_PARSERS = {
    "view": _choice(tuple(VIEWS)), "bbox": _bbox, "layers": _layers, "year": _int(1900, 2100),
    "size": _choice(SIZES), "orientation": _choice(ORIENTATIONS), "format": _choice(FORMATS),
    "dpi": _int(DPI_MIN, DPI_MAX), "lang": _choice(LANGS), "date": _date,
}
assert set(_PARSERS) | set(TEXT_LIMITS) == set(PARAMS), "every parameter has one parser"
assert {f.name for f in fields(PrintSpec)} == {*PARAMS, "area"}, "PrintSpec and PARAMS agree"
