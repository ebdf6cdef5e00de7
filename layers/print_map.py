"""The map frame's content: plan layers, projects and context in EPSG:4549, drawn in their web styles.

EPSG:4549 (CGCS2000 3° Gauss-Krüger, CM 120°E) rather than Web Mercator: Zhuji (119.9–120.5°E) lies on
its central meridian, so the scale is true to a few parts per million across the county and one scale bar
holds everywhere on the sheet, where Web Mercator is 15 % too large at 29.7°N. It is also the CRS of
Zhejiang's survey data, which planners compare printed maps with. The plan layers are projected once
per process (they change only on restart); projects are projected per print, after filtering.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from shapely.ops import polylabel

from geo.crs import transformer
from geo.registry import PLAN_LAYER_IDS

from . import print_clusters
from .definitions import BY_ID, VIEWS, LayerDef
from .print_style import COUNTY, LABEL_POINT, NEIGHBOUR, PT_PER_PX, StyleGroup, fill, marker_area, point_style, stroke, style_groups, texts

CRS = 4549
SIMPLIFY_M = 5.0            # far below a 300-dpi pixel at county scale (~20 m)
COUNTY_MARGIN = 0.04        # default extent: the county and 4 % around it
COUNTY_Z, NEIGHBOUR_Z, LABEL_POINT_Z = 425, 350, 470   # above the area fills, below the lines (web: 350)
SCHEMATIC = {"schematic", "derived"}      # plan layers' ``accuracy`` of geometry that is not surveyed
REPORTED = {"coordinates", "geojson"}     # projects' ``located_by`` of a position the project list gave


@dataclass
class Projected:
    layers: dict[str, gpd.GeoDataFrame]
    county: gpd.GeoDataFrame
    neighbours: gpd.GeoDataFrame


@dataclass
class Drawn:
    defn: LayerDef
    frame: gpd.GeoDataFrame          # the features inside the extent, EPSG:4549
    groups: list[StyleGroup]

    def schematic(self) -> np.ndarray:
        """Per feature: is its geometry derived or schematic? (projects: placed at a town seat or the like)"""
        f = self.frame
        acc = pd.Series(texts(f["accuracy"])) if "accuracy" in f.columns else None
        out = np.zeros(len(f), dtype=bool) if acc is None else (acc.isin(SCHEMATIC) | acc.str.contains("示意")).to_numpy()
        if "located_by" in f.columns:
            out = out | ~f["located_by"].isin(REPORTED).to_numpy()
        return out

    @cached_property
    def kinds(self) -> np.ndarray:
        """Per feature, shapely's geometry type id (0 point, 1 line, 3 polygon, 4–6 their multi-parts)."""
        return shapely.get_type_id(self.frame.geometry.to_numpy())

    @cached_property
    def points(self) -> np.ndarray:
        """Per feature: is it a point or multi-point?"""
        return np.isin(self.kinds, (0, 4))

    def has_points(self, group: StyleGroup) -> bool:
        return bool(self.points[group.rows].any())

    def crowded(self) -> bool:
        """So many projects on the sheet that crowded patches are merged (layers/print_clusters.py)."""
        return bool(self.defn.cluster) and len(self.frame) > print_clusters.CLUSTER_ABOVE


_cache: dict[tuple[str, int], tuple[weakref.ref, object]] = {}
_cache_lock = threading.Lock()


def _once_per(obj, make):
    """``make(obj)``, computed once per object (by identity) while the object lives."""
    with _cache_lock:
        key = (make.__name__, id(obj))
        hit = _cache.get(key)
        if hit is None or hit[0]() is not obj:
            for k in [k for k, (ref, _) in _cache.items() if ref() is None]:      # objects gone since
                del _cache[k]
            hit = (weakref.ref(obj), make(obj))
            _cache[key] = hit
        return hit[1]


def projected(data) -> Projected:
    """The plan layers of ``data`` (geo's PlanData) in EPSG:4549, once per PlanData object."""
    return _once_per(data, _project)


def _project(data) -> Projected:
    layers = {}
    for lid in PLAN_LAYER_IDS:
        g = data.layer(lid).to_crs(CRS)
        g["geometry"] = g.geometry.simplify(SIMPLIFY_M)
        if BY_ID[lid].label_point:
            fx, fy = BY_ID[lid].label_point
            pts = gpd.GeoSeries(gpd.points_from_xy(g[fx], g[fy]), crs=4326).to_crs(CRS)
            g["label_x"], g["label_y"] = pts.x.to_numpy(), pts.y.to_numpy()
        layers[lid] = g
    towns = layers["towns"]
    anchors = np.array([_anchor(geom) for geom in towns.geometry]).reshape(-1, 2)
    towns["anchor_x"], towns["anchor_y"] = anchors[:, 0], anchors[:, 1]     # where the name goes
    seats = gpd.GeoSeries(gpd.points_from_xy(towns["seat_lon"], towns["seat_lat"]), crs=4326).to_crs(CRS)
    towns["seat_x"], towns["seat_y"] = seats.x.to_numpy(), seats.y.to_numpy()  # or, when that is taken, here
    county = data.county.to_crs(CRS)
    neighbours = data.neighbours.to_crs(CRS)
    neighbours["geometry"] = neighbours.geometry.simplify(4 * SIMPLIFY_M)
    return Projected(layers, county, neighbours)


def project_points(frame) -> np.ndarray:
    """Every project of ``frame`` (the services' compact copy, lon/lat columns) as a shapely point in
    EPSG:4549, aligned with its rows; made once per copy (it is replaced whole when the data changes), since
    100,000 points took a sixth of each print to project and build."""
    return _once_per(frame, _project_points)


def _project_points(frame) -> np.ndarray:
    x, y = transformer(4326, CRS).transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return shapely.points(x, y)


def _anchor(geom, tolerance: float = 50.0) -> tuple[float, float]:
    """Where an area's name goes: the point farthest inside its largest part."""
    parts = shapely.get_parts(geom)
    part = max(parts, key=lambda p: p.area)
    p = polylabel(part, tolerance)
    return p.x, p.y


def default_bbox(data) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = data.county.total_bounds
    mx, my = (x1 - x0) * COUNTY_MARGIN, (y1 - y0) * COUNTY_MARGIN
    return x0 - mx, y0 - my, x1 + mx, y1 + my


def extent(bbox: tuple[float, ...], aspect: float) -> tuple[float, float, float, float]:
    """The lon/lat ``bbox`` in EPSG:4549, widened on one side to the map frame's ``aspect`` (width/height)."""
    box = shapely.segmentize(shapely.box(*bbox), 0.01)           # projected edges curve slightly
    x0, y0, x1, y1 = gpd.GeoSeries([box], crs=4326).to_crs(CRS).total_bounds
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        x0, x1 = (x0 + x1) / 2 - h * aspect / 2, (x0 + x1) / 2 + h * aspect / 2
    else:
        y0, y1 = (y0 + y1) / 2 - w / aspect / 2, (y0 + y1) / 2 + w / aspect / 2
    return float(x0), float(y0), float(x1), float(y1)


def extent_4326(ext, margin: float = 0.02) -> tuple[float, float, float, float]:
    """The projected extent's lon/lat bounds, a little wider (points just outside still show their edge)."""
    box = shapely.segmentize(shapely.box(*ext), (ext[2] - ext[0]) / 20)
    x0, y0, x1, y1 = gpd.GeoSeries([box], crs=CRS).to_crs(4326).total_bounds
    return x0 - margin, y0 - margin, x1 + margin, y1 + margin


def select(spec, proj: Projected, projects: gpd.GeoDataFrame | None, ext) -> list[Drawn]:
    """The layers of ``spec`` in the legend's order, each with the features inside the extent and their styles."""
    box = shapely.box(*ext)
    emphasis = VIEWS[spec.view][3]
    out = []
    for lid in spec.layer_ids():                  # the definitions' order (the legend's); drawing goes by pane
        defn = BY_ID[lid]
        frame = projects if lid == "projects" else proj.layers[lid]
        if frame is None:
            continue
        if defn.split_by:
            frame = frame[frame[defn.split_by].isin(spec.shown_values(lid))]
        frame = frame[shapely.intersects(frame.geometry.values, box)]
        if len(frame):
            out.append(Drawn(defn, frame, style_groups(defn, frame, emphasis)))
    return out


# ---------------------------------------------------------------- drawing
def draw_context(ax, proj: Projected, ext, scale: float) -> None:
    clip = shapely.box(*ext).buffer((ext[2] - ext[0]) * 0.05)
    nb = [shapely.intersection(g, clip) for g in proj.neighbours.geometry]
    _polygons(ax, [g for g in nb if not g.is_empty], NEIGHBOUR, NEIGHBOUR_Z, scale)
    _polygons(ax, list(proj.county.geometry), COUNTY, COUNTY_Z, scale)


def draw_layers(ax, drawn: list[Drawn], scale: float) -> None:
    for d in drawn:
        geoms, kinds = d.frame.geometry.to_numpy(), d.kinds
        alone = _draw_clusters(ax, d, scale) if d.crowded() else None
        for g in d.groups:
            rows = g.rows if alone is None else np.asarray(g.rows)[alone[g.rows]]
            _polygons(ax, geoms[rows][np.isin(kinds[rows], (3, 6))], g.style, d.defn.pane, scale)
            _lines(ax, geoms[rows][np.isin(kinds[rows], (1, 5))], g.style, d.defn.pane, scale)
            pts = geoms[rows][np.isin(kinds[rows], (0, 4))]
            if len(pts):
                _points(ax, shapely.get_coordinates(pts), point_style(d.defn, g.style), d.defn.pane, scale)
            if d.defn.label_point:
                xy = d.frame[["label_x", "label_y"]].to_numpy()[rows]
                _points(ax, xy, {**LABEL_POINT, "fillColor": g.style.get("color")}, LABEL_POINT_Z, scale)


def _draw_clusters(ax, d: Drawn, scale: float) -> np.ndarray:
    """The crowded patches as neutral discs with their count; returns, per feature, whether it is alone
    in its patch (and so drawn as itself)."""
    g = d.frame.geometry.to_numpy()
    xy = np.column_stack([shapely.get_x(g), shapely.get_y(g)])         # one point per project
    c = print_clusters.cluster(xy, print_clusters.CELL_MM * print_clusters.metres_per_mm(ax))
    st, z = print_clusters.STYLE, d.defn.pane / 100 + 0.001
    s = stroke(st, scale)
    sizes = [marker_area({"radius": print_clusters.radius_px(n)}, scale) for n in c.counts]
    ax.scatter(c.xy[:, 0], c.xy[:, 1], s=sizes, c=[fill(st)], edgecolors=[s["color"]], linewidths=s["linewidth"],
               zorder=z)
    ax.add_artist(print_clusters.Counts(c.xy, c.counts, 9 * PT_PER_PX * scale, z + 0.0001))
    return c.alone


def polygon_path(geom) -> Path:
    """One compound path per (multi)polygon; rings oriented so that nonzero filling leaves holes open."""
    verts, codes = [], []
    for ring in shapely.get_rings(shapely.get_parts(shapely.orient_polygons(geom))):
        xy = shapely.get_coordinates(ring)
        c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
        c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
        verts.append(xy)
        codes.append(c)
    return Path(np.concatenate(verts), np.concatenate(codes))


def _polygons(ax, geoms, style: dict, z: float, scale: float) -> None:
    if not len(geoms):
        return
    s = stroke(style, scale)
    patches = [PathPatch(polygon_path(g)) for g in geoms]
    ax.add_collection(PatchCollection(patches, facecolors=[fill(style)], edgecolors=[s["color"]], linewidths=s["linewidth"],
                                      linestyles=[s["linestyle"]], joinstyle="round", capstyle="round", zorder=z / 100),
                      autolim=False)


def _lines(ax, geoms, style: dict, z: float, scale: float) -> None:
    if not len(geoms):
        return
    s = stroke(style, scale)
    segments = [shapely.get_coordinates(part) for g in geoms for part in shapely.get_parts(g)]
    ax.add_collection(LineCollection(segments, colors=[s["color"]], linewidths=s["linewidth"], linestyles=[s["linestyle"]],
                                     capstyle="round", joinstyle="round", zorder=z / 100), autolim=False)


RASTER_ABOVE = 3000     # more points than this in one style: in a PDF they become one image (at the sheet's
#                         dpi) instead of thousands of vector discs that take seconds to write and to open


def _points(ax, xy: np.ndarray, style: dict, z: float, scale: float) -> None:
    s = stroke(style, scale)
    ax.scatter(xy[:, 0], xy[:, 1], s=marker_area(style, scale), c=[fill(style)], edgecolors=[s["color"]],
               linewidths=s["linewidth"], zorder=z / 100, plotnonfinite=False, rasterized=len(xy) > RASTER_ABOVE)
