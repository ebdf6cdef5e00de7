"""Derived geometry: town polygons tessellated from seats, schematic lines through places.

Pure functions (no file I/O). Metric work is done in CGCS2000 3° Gauss-Krüger CM 120°E (EPSG:4549);
WGS84 and CGCS2000 differ by well under a metre, far below the accuracy of anything derived here.
"""
from __future__ import annotations

import itertools
import re

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.ops import linemerge

from .errors import DataError

WGS84 = "EPSG:4326"
METRIC = "EPSG:4549"
SUFFIX = re.compile(r"(街道|镇|乡)$")


def short_name(name: str) -> str:
    return SUFFIX.sub("", name.strip())


def to_multipolygon(geom):
    if geom is None or geom.is_empty:
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    return to_multipolygon(shapely.union_all(polys)) if polys else geom


def tessellate(generators: gpd.GeoDataFrame, outline, key: str = "code") -> gpd.GeoDataFrame:
    """Voronoi cells of the generator points, clipped to ``outline`` and merged per ``key``.

    ``generators``: points in WGS84 with a ``key`` column (several points may share a key, e.g. a
    town seat and the seat of a former town merged into it). ``outline``: WGS84 polygon.
    The cells tile the outline exactly: no gaps, no overlaps, each generator inside its own cell.
    """
    g = generators.to_crs(METRIC)
    outline_m = gpd.GeoSeries([outline], crs=WGS84).to_crs(METRIC).iloc[0]
    pts = shapely.MultiPoint(list(g.geometry))
    cells = shapely.voronoi_polygons(pts, extend_to=outline_m.envelope.buffer(20_000), ordered=True)
    clipped = [c.intersection(outline_m) for c in cells.geoms]
    out = (gpd.GeoDataFrame({key: g[key].to_numpy()}, geometry=clipped, crs=METRIC)
           .dissolve(by=key, as_index=False))
    out["geometry"] = out.geometry.map(to_multipolygon)
    return out.to_crs(WGS84)


class PathResolver:
    """Turns a path of tokens into coordinates.

    Tokens: a town name (full or short) → its seat; ``#id`` → a row of places.csv;
    ``@county`` → a representative point of a neighbouring county (direction only).
    """

    def __init__(self, seats: dict[str, tuple[float, float]], places: dict[str, tuple[float, float]],
                 neighbours: dict[str, tuple[float, float]]):
        self.seats = {**seats, **{short_name(k): v for k, v in seats.items()}}
        self.places, self.neighbours = places, neighbours

    def point(self, token: str, *, where: str = "") -> tuple[float, float]:
        token = token.strip()
        table, name = ((self.places, token[1:]) if token.startswith("#") else
                       (self.neighbours, token[1:]) if token.startswith("@") else (self.seats, token))
        if name not in table:
            kinds = {"#": "places.csv 中的地点/place in places.csv", "@": "相邻县市/neighbouring county"}
            kind = kinds.get(token[:1], "镇街名称/town name")
            raise DataError(f"路径中的“{token}”无法识别，应为{kind.split('/')[0]}",
                            f"path token '{token}' is unknown; expected a {kind.split('/')[1]}", field=where or "path")
        return table[name]

    def tokens(self, path: str) -> list[str]:
        return [t for t in (p.strip() for p in path.split(";")) if t]

    def geometry(self, path: str, outline, *, where: str = ""):
        """A point for one token, else a line through all tokens clipped to the outline."""
        toks = self.tokens(path)
        if not toks:
            raise DataError("路径为空", "path is empty", field=where or "path")
        coords = [self.point(t, where=where) for t in toks]
        if len(coords) == 1:
            return Point(coords[0])
        return clip_line(LineString(coords), outline)


def clip_line(line: LineString, outline):
    """Clip in metric space so that the cut lies on the outline, then merge touching pieces."""
    s = gpd.GeoSeries([line, outline], crs=WGS84).to_crs(METRIC)
    return gpd.GeoSeries([clip_metric(s.iloc[0], s.iloc[1])], crs=METRIC).to_crs(WGS84).iloc[0]


def clip_metric(line: LineString, outline_m):
    """A metric line clipped to a metric outline, touching pieces merged."""
    cut = line.intersection(outline_m)
    if isinstance(cut, MultiLineString):
        cut = linemerge(cut)
    parts = [g for g in getattr(cut, "geoms", [cut]) if isinstance(g, LineString) and not g.is_empty]
    return parts[0] if len(parts) == 1 else MultiLineString(parts)


def round_geometry(geom, decimals: int = 6):
    """~0.1 m at this latitude: more digits would claim precision nobody has."""
    return shapely.set_precision(geom, 10 ** -decimals) if geom is not None else geom


def mean_point(points: list[tuple[float, float]]) -> Point:
    arr = np.asarray(points, dtype=float)
    return Point(arr[:, 0].mean(), arr[:, 1].mean())


# ---------------------------------------------------------------- lines that do not pretend

LANE_SPACING_M = 500       # schematic lines sharing a stretch are drawn this far apart
SPREAD_RADIUS_M = 350      # points stacked on one spot are set out on a ring of this radius


def segment_key(a, b) -> tuple:
    """The same stretch whichever way a line runs along it (coordinates rounded to ~1 m)."""
    a, b = (round(a[0]), round(a[1])), (round(b[0]), round(b[1]))
    return (a, b) if a <= b else (b, a)


def lane_offsets(lines: dict[str, list[tuple[float, float]]]) -> dict[str, list[float]]:
    """For lines given as metric vertex lists (in a fixed order of precedence), the lateral offset in
    metres of each segment: lines sharing a stretch get lanes side by side, centred on the stretch.
    A segment used by one line only keeps offset 0."""
    users: dict[tuple, list[str]] = {}
    for ident, pts in lines.items():
        for a, b in itertools.pairwise(pts):
            users.setdefault(segment_key(a, b), []).append(ident)
    out = {}
    for ident, pts in lines.items():
        offs = []
        for a, b in itertools.pairwise(pts):
            shared = list(dict.fromkeys(users[segment_key(a, b)]))
            offs.append((shared.index(ident) - (len(shared) - 1) / 2) * LANE_SPACING_M)
        out[ident] = offs
    return out


def offset_vertices(pts: list[tuple[float, float]], offsets: list[float]) -> list[tuple[float, float]]:
    """Each vertex moved by the mean of its segments' offset vectors. The normal is taken on the
    segment's canonical direction, so lines running either way along a stretch keep their lanes."""
    shifts = []
    for (a, b), d in zip(itertools.pairwise(pts), offsets):
        (x1, y1), (x2, y2) = sorted([a, b])
        length = np.hypot(x2 - x1, y2 - y1) or 1.0
        shifts.append(np.array([-(y2 - y1), x2 - x1]) / length * d)
    out = []
    for i, p in enumerate(pts):
        adjacent = [s for j, s in ((i - 1, shifts[i - 1] if i else None), (i, shifts[i] if i < len(shifts) else None))
                    if s is not None]
        shift = np.mean(adjacent, axis=0) if adjacent else np.zeros(2)
        out.append((p[0] + shift[0], p[1] + shift[1]))
    return out


def spread_points(points: list[tuple[float, float]], radius: float = SPREAD_RADIUS_M) -> list[tuple[float, float]]:
    """Metric points that fall on one spot (within 50 m) set out on a ring around it, in order, so each
    can be clicked. Single points stay where they are."""
    groups: dict[tuple, list[int]] = {}
    for i, (x, y) in enumerate(points):
        groups.setdefault((round(x / 50), round(y / 50)), []).append(i)
    out = list(points)
    for members in groups.values():
        if len(members) < 2:
            continue
        cx, cy = np.mean([points[i] for i in members], axis=0)
        for k, i in enumerate(members):
            angle = np.pi / 2 - 2 * np.pi * k / len(members)
            out[i] = (cx + radius * np.cos(angle), cy + radius * np.sin(angle))
    return out
