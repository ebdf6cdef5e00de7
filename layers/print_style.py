"""Leaflet path options from layers/definitions.py → matplotlib, so a printed layer looks as it does on screen.

A CSS pixel is 1/96 in and a point 1/72 in: widths, dashes and radii are multiplied by 0.75 (times the
page's symbol scale), so a line is as wide on A4 as on a 96-dpi screen. Leaflet's defaults fill in what a
definition leaves out, as they do in the browser. Which legend entry a feature belongs to is found by
comparing its drawn style with the entries' styles, so the legend can list only the classes drawn.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.font_manager import FontProperties

from .definitions import LayerDef
from .messages import t
from .print_clusters import STYLE as CLUSTER_STYLE

PT_PER_PX = 0.75
LEAFLET = {"color": "#3388ff", "weight": 3, "opacity": 1.0, "fillOpacity": 0.2, "radius": 10}
MATCH_KEYS = ("color", "fillColor", "fillOpacity", "dashArray")   # what tells legend classes apart (widths do not)
COLOUR_KEYS = ("color", "fillColor")
# static/js/context.js: the county outline and the neighbours
COUNTY = {"color": "#17202a", "weight": 3, "fill": False}
NEIGHBOUR = {"color": "#b3b6b7", "weight": 1, "fillColor": "#f2f3f4", "fillOpacity": 1}
# static/js/layers.js: points of a mixed layer, and the label point of an area (zones)
MIXED_POINT = {"radius": 7, "color": "#fff", "weight": 1.5}
LABEL_POINT = {"radius": 6, "weight": 2, "color": "#fff", "fillOpacity": 1}
# static/app.css: labels (size px, colour, bold)
LABEL = {"default": (11, "#34495e", False), "axis": (13, "#4a235a", True), "axis_line": (11, "#4a235a", True),
         "zone": (12, "#7d6608", True), "neighbour": (13, "#909497", False), "line": (10, "#1b2631", False)}


@dataclass(frozen=True)
class Emphasis:
    """A view's emphasis on one layer, as static/js/style.js ``styleFor`` draws it: features with a
    non-empty ``column`` get ``on``, the others ``off``; ``label`` names the emphasised class."""
    column: str
    on: dict
    off: dict
    label: str


EMPHASIS = {("axis", "towns"): Emphasis("axis_branches", {"fillColor": "#e8daef", "fillOpacity": 0.55, "weight": 1.8,
                                                          "color": "#6c3483"},
                                        {"fillOpacity": 0.12, "color": "#aab7b8"}, "print.axis_towns")}


@dataclass(frozen=True)
class StyleGroup:
    style: dict            # Leaflet options shared by these features
    cls: tuple             # legend class: ("entry", i), ("emphasis",) or ("other",)
    rows: np.ndarray       # positions in the layer's frame


@dataclass(frozen=True)
class LegendItem:
    label: str
    kind: str              # polygon | line | point
    style: dict
    dot: bool = False      # a line class that also has points (stations, hubs): the point on the swatch


@dataclass(frozen=True)
class LegendSection:
    title: str
    items: tuple[LegendItem, ...]


# ---------------------------------------------------------------- Leaflet options → matplotlib
def style_of(defn: LayerDef, value, emph: Emphasis | None = None, on: bool = False) -> dict:
    s = dict(defn.style)
    if defn.style_by and value in defn.styles:
        s.update(defn.styles[value])
    if emph is not None:
        s.update(emph.on if on else emph.off)
    return {k: v for k, v in s.items() if v is not None}


def point_style(defn: LayerDef, style: dict) -> dict:
    return mixed_point(style) if defn.kind == "mixed" else style


def mixed_point(style: dict) -> dict:
    """A point of a line layer (corridors' stations and hubs): a dot in the line's colour."""
    return {**style, **MIXED_POINT, "fillColor": style.get("color", LEAFLET["color"])}


def rgba(colour, alpha) -> tuple:
    return to_rgba(colour, float(alpha))


def dashes(dash_array: str | None, scale: float):
    """Leaflet ``dashArray`` "10 6" (CSS px) → matplotlib (offset, (on, off, …)) in points (dashes not scaled by width)."""
    if not dash_array:
        return "solid"
    return (0, tuple(float(v) * PT_PER_PX * scale for v in str(dash_array).replace(",", " ").split()))


def stroke(style: dict, scale: float) -> dict:
    """Edge colour (with ``opacity``), width in points and dashes of a path."""
    if style.get("stroke") is False:
        return {"color": (0, 0, 0, 0), "linewidth": 0.0, "linestyle": "solid"}
    return {"color": rgba(style.get("color", LEAFLET["color"]), style.get("opacity", LEAFLET["opacity"])),
            "linewidth": float(style.get("weight", LEAFLET["weight"])) * PT_PER_PX * scale,
            "linestyle": dashes(style.get("dashArray"), scale)}


def fill(style: dict) -> tuple:
    if style.get("fill") is False:
        return (0, 0, 0, 0)
    return rgba(style.get("fillColor", style.get("color", LEAFLET["color"])), style.get("fillOpacity", LEAFLET["fillOpacity"]))


def marker_area(style: dict, scale: float) -> float:
    """scatter's ``s`` (pt²) of a circleMarker of ``radius`` px."""
    return (2 * float(style.get("radius", LEAFLET["radius"])) * PT_PER_PX * scale) ** 2


def label_font(kind: str, scale: float) -> tuple[float, str, bool]:
    px, colour, bold = LABEL[kind]
    return px * PT_PER_PX * scale, colour, bold


_METRICS: dict = {"family": None, "advance": {}}    # character → advance at 1 pt (in pt), for one family


def use_family(family: str) -> None:
    """The family ``text_width`` measures (the one the page is printed in)."""
    if _METRICS["family"] != family:
        _METRICS.update(family=family, advance={})


def text_width(text: str, size: float, renderer) -> float:
    """Width of one line of text in points: the sum of its characters' advances, each measured once per
    process (laying out a string with a CJK font costs milliseconds; Chinese has no kerning to lose)."""
    advance = _METRICS["advance"]
    for ch in text:
        if ch not in advance:
            w, _, _ = renderer.get_text_width_height_descent(ch, FontProperties(size=100), ismath=False)
            advance[ch] = w * 72 / renderer.dpi / 100
    return size * sum(advance[ch] for ch in text)


# ---------------------------------------------------------------- features → styles and legend classes
def texts(values: pd.Series) -> np.ndarray:
    """Each value as text, a missing one as ""; for categories (the projects' copy) converted per distinct
    value, not per row (100,000 projects: 50 ms → under 1 ms, several times per print)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        distinct = np.append(values.cat.categories.astype(str).to_numpy(dtype=object), "")    # code -1: ""
        return distinct[values.cat.codes.to_numpy()]
    return values.fillna("").astype(str).to_numpy(dtype=object)


def style_groups(defn: LayerDef, frame: pd.DataFrame, view_emphasis: str | None) -> list[StyleGroup]:
    """The layer's features grouped by drawn style (one style per style_by value and emphasis flag)."""
    emph = EMPHASIS.get((view_emphasis, defn.id))
    n = len(frame)
    values = texts(frame[defn.style_by]) if defn.style_by in frame.columns else np.full(n, "")
    on = texts(frame[emph.column]).astype(bool) if emph else np.zeros(n, dtype=bool)
    keys = pd.DataFrame({"v": values, "on": on})
    out = []
    for (value, flag), rows in keys.groupby(["v", "on"], sort=False).indices.items():
        cls = ("emphasis",) if flag else _legend_class(defn, value)
        out.append(StyleGroup(style_of(defn, value, emph, bool(flag)), cls, np.asarray(rows)))
    return out


def _legend_class(defn: LayerDef, value) -> tuple:
    style = style_of(defn, value)
    best, score = None, -1
    for i, entry in enumerate(defn.legend):
        keys = [k for k in MATCH_KEYS if k in entry.style]
        shown = {**defn.style, **entry.style}
        if all(_same(k, shown.get(k), style.get(k)) for k in keys) and len(keys) > score:
            best, score = i, len(keys)
    return ("other",) if best is None else ("entry", best)


def _same(key: str, a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if key in COLOUR_KEYS:
        return to_rgba(a) == to_rgba(b)
    if key == "dashArray":
        return str(a).split() == str(b).split()
    return abs(float(a) - float(b)) < 1e-9


def legend_section(defn: LayerDef, classes: dict[tuple, bool], lang: str, view_emphasis: str | None,
                   schematic: bool, crowded: bool = False) -> LegendSection:
    """The legend of one drawn layer: only ``classes`` (class → has points), in the definition's order;
    ``crowded``: its crowded patches were merged into discs with a count (layers/print_clusters.py)."""
    emph = EMPHASIS.get((view_emphasis, defn.id))
    kind = "line" if defn.kind == "mixed" else defn.kind
    items = []
    if ("emphasis",) in classes:
        items.append(LegendItem(t(emph.label, lang), kind, {**defn.style, **emph.on}))
    for i, entry in enumerate(defn.legend):
        if ("entry", i) in classes:
            style = {**defn.style, **entry.style, **(emph.off if emph else {})}
            label = entry.en if lang == "en" else entry.zh
            items.append(LegendItem(label, kind, {k: v for k, v in style.items() if v is not None},
                                    dot=defn.kind == "mixed" and classes[("entry", i)]))
    if ("other",) in classes:
        items.append(LegendItem(t("print.other", lang), kind, dict(defn.style)))
    if crowded:
        items.append(LegendItem(t("print.clustered", lang), "point", {**CLUSTER_STYLE, "radius": 6}))   # a row's height
    title = defn.title(lang) + (t("map.schematic_suffix", lang) if schematic else "")
    return LegendSection(title, tuple(items))


def context_section(lang: str) -> LegendSection:
    return LegendSection(t("print.context", lang), (LegendItem(t("print.county", lang), "line", COUNTY),
                                                    LegendItem(t("print.neighbour", lang), "polygon", NEIGHBOUR)))
