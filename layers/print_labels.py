"""Names on the printed map — axis branches, zones, towns, neighbours, corridors — none over another.

Candidates are tried in priority order, each at its anchors in turn; a name is kept only where its box,
as the renderer measures it, stays inside the map frame and clear of every name and map furniture
already placed (the greedy collision check print templates use). Names run along lines where the line
is long and straight enough for them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.transforms import Bbox, offset_copy
from shapely.ops import polylabel

from .messages import t
from .print_map import Drawn, Projected
from .print_style import LABEL_POINT, MIXED_POINT, PT_PER_PX, label_font, stroke, text_width, texts

MAX_PROJECT_NAMES = 40        # more project points than this: the names would only fight each other
MAX_SYMBOLS = 300             # more points than this in a layer: names may cover them, or there would be none
PAD_PT = 2.0
ALONG = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)   # where on a line its name is tried
# the axis meets in the busy city centre: its names go out along the branches first
AXIS_ALONG = (0.75, 0.25, 0.7, 0.3, 0.8, 0.2, 0.65, 0.35, 0.85, 0.15, 0.6, 0.4, 0.9, 0.1, 0.55, 0.45, 0.5)
MAX_BEND = 35.0               # degrees between neighbouring glyphs of a curved name


@dataclass(frozen=True)
class Anchor:
    x: float
    y: float
    ha: str = "center"
    dx: float = 0.0           # offset in points
    dy: float = 0.0
    rotation: float = 0.0


@dataclass
class Label:
    text: str
    priority: float
    kind: str                 # print_style.LABEL key: size, colour, weight
    anchors: tuple[Anchor, ...] = ()
    line: object = None       # a line the name runs along, where it fits
    along: tuple[float, ...] = ALONG
    clearance: float = 0.0    # half the line's width (pt): the name may also run beside the line


def candidates(drawn: list[Drawn], proj: Projected, ext, lang: str, emphasis: str | None, scale: float) -> list[Label]:
    box = shapely.box(*ext)
    out = _neighbour_labels(proj, ext)
    for d in drawn:
        f, lid = d.frame, d.defn.id
        names = texts(f[d.defn.label_field])
        if lid == "towns":
            on = texts(f["axis_branches"]).astype(bool) if emphasis == "axis" else np.zeros(len(f), bool)
            out += [Label(n, 1.8 if o else 2, "axis" if o else "default", _inside_area(x, y, sx, sy))
                    for n, o, x, y, sx, sy in zip(names, on, f["anchor_x"], f["anchor_y"], f["seat_x"], f["seat_y"])]
        elif d.defn.label_point:
            unresolved = (f["host_resolved"] == "no").to_numpy() if "host_resolved" in f.columns else np.zeros(len(f), bool)
            note = f" ({t('map.unresolved', lang)})" if lang == "en" else f"（{t('map.unresolved', lang)}）"
            out += [Label(n + (note if u else ""), 1, "zone", _beside(x, y, LABEL_POINT["radius"] * scale))
                    for n, u, x, y in zip(names, unresolved, f["label_x"], f["label_y"])]
        elif d.defn.kind == "line":       # the axis: named as its legend entry (融杭通金 G60 / 枫桥经验 接绍)
            out += [Label(_class_label(d, g.cls, lang), 0, "axis_line", line=_clip(geom, box), along=AXIS_ALONG,
                          clearance=stroke(g.style, scale)["linewidth"] / 2)
                    for g in d.groups for geom in f.geometry.to_numpy()[g.rows]]
        else:
            out += _feature_labels(d, names, box, scale)
    return [lab for lab in out if lab.text.strip()]


def _feature_labels(d: Drawn, names, box, scale: float) -> list[Label]:
    """Corridors along their lines and beside their points; communities and (a few) projects beside theirs."""
    if d.defn.id == "projects" and len(d.frame) > MAX_PROJECT_NAMES:
        return []
    priority = {"corridors": 3, "communities": 4}.get(d.defn.id, 6)
    radius = (MIXED_POINT if d.defn.kind == "mixed" else d.defn.style).get("radius", 6) * scale
    out = []
    for name, geom in zip(names, d.frame.geometry):
        if geom.geom_type in ("LineString", "MultiLineString"):
            out.append(Label(name, priority, "line", line=_clip(geom, box)))
        elif geom.geom_type in ("Polygon", "MultiPolygon"):      # clusters: inside the area
            p = shapely.point_on_surface(shapely.intersection(geom, box))
            out.append(Label(name, priority + 2, "default", (Anchor(p.x, p.y),)))
        else:
            c = shapely.centroid(geom)
            out.append(Label(name, priority + 2, "line" if d.defn.kind == "mixed" else "default", _beside(c.x, c.y, radius)))
    return out


def _inside_area(x: float, y: float, seat_x: float, seat_y: float) -> tuple[Anchor, ...]:
    """A town's name: at the point farthest inside it, a line above or below that, or at its seat."""
    return Anchor(x, y), Anchor(x, y, dy=10), Anchor(x, y, dy=-10), Anchor(seat_x, seat_y)


def _class_label(d: Drawn, cls: tuple, lang: str) -> str:
    if cls[0] != "entry":
        return ""
    entry = d.defn.legend[cls[1]]
    return entry.en if lang == "en" else entry.zh


def _beside(x: float, y: float, radius_px: float) -> tuple[Anchor, ...]:
    """Right of a point, then left, above, below: clear of its symbol (radius in px at this page's scale)."""
    off = radius_px * PT_PER_PX + PAD_PT + 1
    return (Anchor(x, y, "left", off), Anchor(x, y, "right", -off), Anchor(x, y, "center", 0, off + 4),
            Anchor(x, y, "center", 0, -off - 4))


def _clip(geom, box):
    g = shapely.intersection(geom, box)
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "LineString"]
    return max(parts, key=lambda p: p.length) if parts else None


def _neighbour_labels(proj: Projected, ext) -> list[Label]:
    w, h = ext[2] - ext[0], ext[3] - ext[1]
    inner = shapely.box(ext[0] + w * 0.04, ext[1] + h * 0.04, ext[2] - w * 0.04, ext[3] - h * 0.04)
    out = []
    for name, geom in zip(proj.neighbours["name"], proj.neighbours.geometry):
        part = shapely.intersection(geom, inner)
        polys = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and p.area > 0]
        if polys:
            p = polylabel(max(polys, key=lambda q: q.area), max(w, h) / 500)
            out.append(Label(name, 1.5, "neighbour", (Anchor(p.x, p.y),)))
    return out


def symbol_boxes(ax, drawn: list[Drawn], scale: float) -> list[Bbox]:
    """Display boxes of the point symbols drawn (a few hundred at most), which names must not cover."""
    out = []
    for d in drawn:
        pts = [(shapely.get_coordinates(d.frame.geometry.to_numpy()[d.points]),
                (MIXED_POINT if d.defn.kind == "mixed" else d.defn.style).get("radius", 6))]
        if d.defn.label_point:
            pts.append((d.frame[["label_x", "label_y"]].to_numpy(dtype=float), LABEL_POINT["radius"]))
        for xy, radius in pts:
            if 0 < len(xy) <= MAX_SYMBOLS:
                r = radius * PT_PER_PX * scale * ax.figure.dpi / 72
                out += [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(xy)]
    return out


# ---------------------------------------------------------------- placement
Placement = tuple[tuple[str, Anchor], ...]      # one text, or one glyph after another along a bend


def place(ax, labels: list[Label], avoid: list[Bbox], scale: float) -> int:
    """Draw every label that fits; returns how many were placed. A line's name, placed before the names
    of places, takes the stretch that hides the fewest of them."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer).padded(-PAD_PT)
    placed = Boxes(avoid)
    ordered = sorted(labels, key=lambda lab: lab.priority)
    later = None
    for i, lab in enumerate(ordered):
        size, colour, bold = label_font(lab.kind, scale)
        fits = []
        for option in _placements(ax, renderer, lab, size):
            boxes = [_box(ax, renderer, part, a, size) for part, a in option]
            if all(_inside(bb, frame) and not placed.hit(bb, PAD_PT) for bb in boxes):
                fits.append((option, boxes))
                if lab.line is None:
                    break
        if fits and lab.line is not None:
            later = later if later is not None else Boxes([_box(ax, renderer, x.text, x.anchors[0], label_font(x.kind, scale)[0])
                                                       for x in ordered[i + 1:] if x.anchors])
            fits.sort(key=lambda fit: sum(later.count(b) for b in fit[1]))
        if fits:
            option, boxes = fits[0]
            for part, a in option:
                _text(ax, part, a, size, colour, bold)
            placed.add(boxes)
    return len(placed) - len(avoid)


class Boxes:
    """Display boxes as one array, so that a candidate is tested against hundreds of them at once
    (``Bbox.overlaps`` one by one took a fifth of a print); edges that touch count as overlapping."""

    def __init__(self, boxes: list[Bbox]):
        self._a = np.zeros((0, 4))
        self.add(boxes)

    def add(self, boxes: list[Bbox]) -> None:
        e = np.array([b.extents for b in boxes], dtype=float).reshape(-1, 4)
        e = np.column_stack([np.minimum(e[:, 0], e[:, 2]), np.minimum(e[:, 1], e[:, 3]),
                             np.maximum(e[:, 0], e[:, 2]), np.maximum(e[:, 1], e[:, 3])])
        self._a = np.vstack([self._a, e])

    def _overlapping(self, bb: Bbox, pad: float) -> np.ndarray:
        x0, y0, x1, y1 = bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad
        a = self._a
        return (x0 <= a[:, 2]) & (a[:, 0] <= x1) & (y0 <= a[:, 3]) & (a[:, 1] <= y1)

    def hit(self, bb: Bbox, pad: float = 0.0) -> bool:
        return bool(self._overlapping(bb, pad).any())

    def count(self, bb: Bbox) -> int:
        return int(self._overlapping(bb, 0.0).sum())

    def __len__(self) -> int:
        return len(self._a)


def _box(ax, renderer, text: str, a: Anchor, size: float) -> Bbox:
    """The display box of ``text`` at anchor ``a``, from character advances (no text laid out)."""
    px = ax.figure.dpi / 72
    w, h = text_width(text, size, renderer) * px, size * 1.1 * px
    x0 = {"left": 0.0, "center": -w / 2, "right": -w}[a.ha]
    corners = np.array([[x0, -h / 2], [x0 + w, -h / 2], [x0 + w, h / 2], [x0, h / 2]])
    r = math.radians(a.rotation)
    corners = corners @ np.array([[math.cos(r), math.sin(r)], [-math.sin(r), math.cos(r)]])
    cx, cy = ax.transData.transform((a.x, a.y)) + np.array([a.dx, a.dy]) * px
    return Bbox.from_extents(cx + corners[:, 0].min(), cy + corners[:, 1].min(), cx + corners[:, 0].max(), cy + corners[:, 1].max())


def _placements(ax, renderer, lab: Label, size: float) -> list[Placement]:
    if lab.anchors:
        return [((lab.text, a),) for a in lab.anchors]
    if lab.line is None:
        return []
    x0, x1 = ax.get_xlim()
    metres = (x1 - x0) / ax.get_window_extent(renderer).width * ax.figure.dpi / 72      # per point
    width = lambda s: text_width(s, size, renderer) * metres
    need = width(lab.text) * 1.1
    out = [((lab.text, a),) for a in _along(lab.line, need, lab.along)]
    out += _curved(lab.line, lab.text, [width(ch) * 1.04 for ch in lab.text], lab.along)
    if lab.clearance:                     # beside the line, on either side
        off = (lab.clearance + size * 0.75) * metres
        out += [((lab.text, a),) for side in (off, -off) for a in _along(lab.line, need, lab.along, side)]
    return out


def _text(ax, text: str, a: Anchor, size: float, colour: str, bold: bool) -> None:
    """A white halo and, over it, the name as real text (path effects would turn the name into outlines
    that no PDF reader can search or copy)."""
    halo = [patheffects.Stroke(linewidth=2.5, foreground="white")]
    if bold:          # CJK fonts seldom ship a bold face: a thin outline in the text colour reads as bold
        halo.append(patheffects.Stroke(linewidth=0.5, foreground=colour))
    transform = offset_copy(ax.transData, fig=ax.figure, x=a.dx, y=a.dy, units="points") if a.dx or a.dy else ax.transData
    kw = {"fontsize": size, "ha": a.ha, "va": "center", "rotation": a.rotation, "rotation_mode": "anchor",
          "transform": transform, "clip_on": False, "parse_math": False}
    ax.text(a.x, a.y, text, color=colour if bold else "white", zorder=20, path_effects=halo, **kw)
    ax.text(a.x, a.y, text, color=colour, zorder=21, **kw)


def _inside(bb: Bbox, frame: Bbox) -> bool:
    return bb.x0 >= frame.x0 and bb.y0 >= frame.y0 and bb.x1 <= frame.x1 and bb.y1 <= frame.y1


def _upright(angle: float) -> float:
    return angle - 180 if angle > 90 else angle + 180 if angle <= -90 else angle


def _heading(line, a: float, b: float) -> float:
    p, q = line.interpolate(a), line.interpolate(b)
    return math.degrees(math.atan2(q.y - p.y, q.x - p.x))


def _along(line, need: float, where: tuple[float, ...], offset: float = 0.0) -> list[Anchor]:
    """Anchors where a name ``need`` metres long lies on a nearly straight stretch, rotated to it
    (and ``offset`` metres to its left)."""
    out = []
    for f in where:
        d = f * line.length
        a, b = d - need / 2, d + need / 2
        if a < 0 or b > line.length or line.interpolate(a).distance(line.interpolate(b)) < 0.95 * need:
            continue
        m, heading = line.interpolate(d), _heading(line, a, b)
        h = math.radians(heading)
        out.append(Anchor(m.x - offset * math.sin(h), m.y + offset * math.cos(h), rotation=_upright(heading)))
    return out


def _curved(line, text: str, widths: list[float], where: tuple[float, ...]) -> list[Placement]:
    """One glyph after another along a bent line (Chinese reads well glyph by glyph), where no bend
    between two glyphs is sharper than MAX_BEND."""
    total, out = sum(widths), []
    for f in where:
        start = f * line.length - total / 2
        if start < 0 or start + total > line.length:
            continue
        if abs(_upright(_heading(line, start, start + total)) - _heading(line, start, start + total)) > 1:
            ln, s0 = shapely.reverse(line), line.length - start - total      # run left to right
        else:
            ln, s0 = line, start
        option, prev, edge = [], None, s0
        for ch, w in zip(text, widths):
            angle = _heading(ln, edge, edge + w)
            if prev is not None and abs((angle - prev + 180) % 360 - 180) > MAX_BEND:
                break
            m = ln.interpolate(edge + w / 2)
            option.append((ch, Anchor(m.x, m.y, rotation=angle)))
            prev, edge = angle, edge + w
        if len(option) == len(text):
            out.append(tuple(option))
    return out
