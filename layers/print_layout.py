"""The printed sheet around the map, laid out as lizmap/QWC2 print templates do: title and subtitle on top,
the map frame with a scale bar and a north arrow (北), the legend beside it (landscape) or below it
(portrait), and the 制图单位 / 制图日期 / 审图号 / 数据来源 / 示意 lines at the foot.

Positions are millimetres on the page, origin bottom-left, drawn on one transparent "sheet" axes that
spans the page; ``page()`` gives the boxes, so a test can find each region in a rendered page. A3 is the
A4 layout enlarged by √2 (paper sizes, margins and type alike).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import Bbox

from .messages import t
from .print_style import LegendItem, LegendSection, fill, marker_area, mixed_point, stroke, text_width

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
# A4 millimetres; A3 multiplies them by √2
MARGIN, TITLE_H, FOOTER_H, LEGEND_W, LEGEND_H, COLUMN_MIN_W = 8.0, 17.0, 15.0, 62.0, 52.0, 58.0
PT_MM = 25.4 / 72
INK, NOTE_INK, FRAME_PT = "#1b2631", "#922b21", 0.8


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Page:
    size: str
    orientation: str
    width: float              # mm
    height: float
    k: float                  # 1 for A4, √2 for A3
    frame: Box
    title: Box
    map: Box
    legend: Box
    footer: Box

    @property
    def inches(self) -> tuple[float, float]:
        return self.width / 25.4, self.height / 25.4

    @property
    def symbol_scale(self) -> float:
        """Lines, points and names grow less than the paper: an A3 map shows more, not just bigger."""
        return math.sqrt(self.k)

    def rect(self, box: Box) -> list[float]:
        """``box`` as a figure-fraction rectangle [left, bottom, width, height]."""
        return [box.x / self.width, box.y / self.height, box.w / self.width, box.h / self.height]


@dataclass(frozen=True)
class Furniture:
    title: str
    subtitle: str | None
    legend: list[LegendSection]
    metres_per_mm: float      # on the ground, at the map's centre
    north: float              # true north, degrees clockwise from the sheet's up
    footer: list[tuple[str, str]]   # (text, colour) lines
    lang: str


def page(size: str, orientation: str) -> Page:
    short, long_ = PAPER_MM[size]
    k = short / PAPER_MM["A4"][0]
    w, h = (long_, short) if orientation == "landscape" else (short, long_)
    m, th, fh = MARGIN * k, TITLE_H * k, FOOTER_H * k
    frame = Box(m, m, w - 2 * m, h - 2 * m)
    title, footer = Box(m, h - m - th, frame.w, th), Box(m, m, frame.w, fh)
    mid_y, mid_h = m + fh, frame.h - th - fh
    if orientation == "landscape":
        lw = LEGEND_W * k
        legend, map_ = Box(frame.x1 - lw, mid_y, lw, mid_h), Box(m, mid_y, frame.w - lw, mid_h)
    else:
        lh = LEGEND_H * k
        legend, map_ = Box(m, mid_y, frame.w, lh), Box(m, mid_y + lh, frame.w, mid_h - lh)
    return Page(size, orientation, w, h, k, frame, title, map_, legend, footer)


def sheet(fig, pg: Page):
    """A transparent axes over the whole page in millimetres, above the map."""
    ax = fig.add_axes([0, 0, 1, 1], zorder=5)
    ax.set_xlim(0, pg.width)
    ax.set_ylim(0, pg.height)
    ax.set_axis_off()
    ax.patch.set_visible(False)
    return ax


def draw(ax, pg: Page, f: Furniture) -> list[Bbox]:
    """Everything but the map; returns the display boxes the map's names must keep clear of."""
    _frame_lines(ax, pg)
    _titles(ax, pg, f)
    _legend(ax, pg, f.legend, f.lang)
    _footer(ax, pg, f.footer)
    return [_scale_bar(ax, pg, f.metres_per_mm), _north_arrow(ax, pg, f.north, f.lang)]


def _frame_lines(ax, pg: Page) -> None:
    fr, lw = pg.frame, FRAME_PT * pg.k
    ax.add_patch(Rectangle((fr.x, fr.y), fr.w, fr.h, fill=False, lw=lw * 1.5, ec=INK))
    for box in (pg.map, pg.legend):
        ax.add_patch(Rectangle((box.x, box.y), box.w, box.h, fill=False, lw=lw, ec=INK))


def _measure(ax, text: str, size: float) -> float:
    """Width of ``text`` at ``size`` pt, in mm."""
    return text_width(text, size, ax.figure.canvas.get_renderer()) * PT_MM


def _fit(ax, text: str, size: float, width: float, smallest: float) -> float:
    while size > smallest and _measure(ax, text, size) > width:
        size -= 0.5
    return size


def _text(ax, x, y, text, size, **kw):
    return ax.text(x, y, text, fontsize=size, color=kw.pop("color", INK), parse_math=False, **kw)


def _titles(ax, pg: Page, f: Furniture) -> None:
    b, k = pg.title, pg.k
    width = b.w - 8 * k
    if f.subtitle:
        _text(ax, b.x + b.w / 2, b.y + b.h * 0.64, f.title, _fit(ax, f.title, 17 * k, width, 9 * k), ha="center", va="center")
        _text(ax, b.x + b.w / 2, b.y + b.h * 0.22, f.subtitle, _fit(ax, f.subtitle, 9.5 * k, width, 6 * k),
              ha="center", va="center", color="#424949")
    else:
        _text(ax, b.x + b.w / 2, b.y + b.h / 2, f.title, _fit(ax, f.title, 18 * k, width, 9 * k), ha="center", va="center")


# ---------------------------------------------------------------- legend
def _legend_rows(sections: list[LegendSection], lang: str) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("head", t("map.legend", lang))]
    for sec in sections:
        rows.append(("title", sec.title))
        rows += [("item", item) for item in sec.items]
    return rows


ROW_H = {"head": 2.1, "title": 1.75, "item": 1.6}       # × font size


def _flow(rows, size: float, col_h: float, ncols: int) -> list[list] | None:
    """Rows into columns top to bottom; None when they do not fit. A section title never ends a column."""
    cols, cur, used = [], [], 0.0
    for i, (kind, val) in enumerate(rows):
        h = ROW_H[kind] * size * PT_MM
        orphan = kind == "title" and i + 1 < len(rows) and used + h + ROW_H["item"] * size * PT_MM > col_h
        if used + h > col_h or orphan:
            cols.append(cur)
            cur, used = [], 0.0
            if len(cols) == ncols:
                return None
        cur.append((kind, val, h))
        used += h
    cols.append(cur)
    return cols


def _legend(ax, pg: Page, sections: list[LegendSection], lang: str) -> None:
    b, k = pg.legend, pg.k
    pad = 3 * k
    ncols = max(1, int((b.w - pad) // (COLUMN_MIN_W * k)))
    rows, col_h = _legend_rows(sections, lang), b.h - 2 * pad
    col_w = (b.w - pad) / ncols
    size = 8.5 * k
    cols = _flow(rows, size, col_h, ncols)
    while size > 5 * k and (cols is None or (size > 6.5 * k and _widest(ax, rows, size) > col_w - pad)):
        size -= 0.25 * k              # smaller type before cutting labels short, down to 6.5 pt
        cols = _flow(rows, size, col_h, ncols)
    if cols is None:                      # still too many: list what fits and say how many are left out
        n = _fitting(rows, size, col_h, ncols)
        left = sum(1 for kind, _ in rows[n - 1:] if kind == "item")
        cols = _flow([*rows[:n - 1], ("title", t("print.more", lang, n=left))], size, col_h, ncols) or []
    for c, col in enumerate(cols):
        x, y = b.x + pad + c * col_w, b.y1 - pad
        for kind, val, h in col:
            _legend_row(ax, kind, val, x, y - h / 2, col_w - pad, size, pg.symbol_scale)
            y -= h


def _widest(ax, rows, size: float) -> float:
    """The widest row in mm: a title, or an entry with its swatch."""
    swatch = 2.2 * size * PT_MM + 4
    return max((_measure(ax, v, size) if kind == "title" else _measure(ax, v.label, size) + swatch)
               for kind, v in rows if kind != "head")


def _fitting(rows, size, col_h, ncols) -> int:
    n = len(rows)
    while n > 1 and _flow(rows[:n], size, col_h, ncols) is None:
        n -= 1
    return n


def _legend_row(ax, kind: str, val, x: float, y: float, width: float, size: float, scale: float) -> None:
    if kind == "head":
        _text(ax, x, y, val, size * 1.25, va="center")
    elif kind == "title":
        _text(ax, x, y, _clipped(ax, val, size, width), size, va="center", color="#2c3e50")
    else:
        sw = 2.2 * size * PT_MM
        _swatch(ax, val, x + 1, y, sw, size * 0.9 * PT_MM, scale)
        _text(ax, x + sw + 3, y, _clipped(ax, val.label, size, width - sw - 3), size, va="center")


def _clipped(ax, text: str, size: float, width: float) -> str:
    if _measure(ax, text, size) <= width:
        return text
    while len(text) > 1 and _measure(ax, text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _swatch(ax, item: LegendItem, x: float, y: float, w: float, h: float, scale: float) -> None:
    """The entry's symbol drawn with the same converters as the map."""
    s = stroke(item.style, scale)
    if item.kind == "polygon":
        ax.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=fill(item.style), edgecolor=s["color"], lw=s["linewidth"],
                               linestyle=s["linestyle"], joinstyle="round"))
    elif item.kind == "line":
        ax.add_line(Line2D([x, x + w], [y, y], color=s["color"], lw=s["linewidth"], linestyle=s["linestyle"],
                           solid_capstyle="round", dash_capstyle="round"))
    if item.kind == "point" or item.dot:
        st = item.style if item.kind == "point" else mixed_point(item.style)
        ps = stroke(st, scale)
        ax.scatter([x + w / 2], [y], s=marker_area(st, scale), c=[fill(st)], edgecolors=[ps["color"]], linewidths=ps["linewidth"])


# ---------------------------------------------------------------- scale bar, north arrow, footer
def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``metres``."""
    p = 10 ** math.floor(math.log10(metres))
    return max(m * p for m in (1, 2, 5) if m * p <= metres)


def _scale_bar(ax, pg: Page, metres_per_mm: float) -> Bbox:
    b, k = pg.map, pg.k
    length = nice_length(b.w * 0.22 * metres_per_mm)
    km = length >= 1000
    unit, div = ("km", 1000) if km else ("m", 1)
    bar_mm, bar_h, size = length / metres_per_mm, 1.4 * k, 7 * k
    x0, y0 = b.x + 6 * k, b.y + 6 * k
    bg = Rectangle((x0 - 3 * k, y0 - 5.5 * k), bar_mm + 6 * k + _measure(ax, f" {unit}", size), 9.5 * k,
                   facecolor=(1, 1, 1, 0.85), edgecolor="#7f8c8d", lw=0.4, zorder=1)
    ax.add_patch(bg)
    for i in range(4):
        ax.add_patch(Rectangle((x0 + i * bar_mm / 4, y0), bar_mm / 4, bar_h, facecolor=INK if i % 2 == 0 else "white",
                               edgecolor=INK, lw=0.5, zorder=2))
    for frac in (0, 0.5, 1):
        value = f"{length * frac / div:g}" + (f" {unit}" if frac == 1 else "")
        _text(ax, x0 + frac * bar_mm, y0 - 1.2 * k, value, size, ha="left" if frac == 1 else "center", va="top", zorder=2)
    return bg.get_window_extent(ax.figure.canvas.get_renderer())


def _north_arrow(ax, pg: Page, north: float, lang: str) -> Bbox:
    b, k = pg.map, pg.k
    cx, cy, h, w = b.x1 - 10 * k, b.y1 - 17 * k, 12 * k, 6.5 * k
    bg = Rectangle((cx - 7 * k, cy - h / 2 - 3 * k), 14 * k, h + 13 * k, facecolor=(1, 1, 1, 0.85), edgecolor="none", zorder=1)
    ax.add_patch(bg)
    a = math.radians(north)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])      # clockwise
    tip, left, right, notch = (0, h / 2), (-w / 2, -h / 2), (w / 2, -h / 2), (0, -h / 4)
    for half, colour in (((tip, left, notch), INK), ((tip, right, notch), "white")):
        pts = np.array(half) @ rot.T + (cx, cy)
        ax.add_patch(Polygon(pts, closed=True, facecolor=colour, edgecolor=INK, lw=0.7, joinstyle="miter", zorder=2))
    tx, ty = np.array([0, h / 2 + 4 * k]) @ rot.T + (cx, cy)
    _text(ax, tx, ty, t("print.north", lang), 11 * k, ha="center", va="center", zorder=2)
    return bg.get_window_extent(ax.figure.canvas.get_renderer())


def _wrap(ax, text: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` mm; breaks anywhere (Chinese has no spaces to break at)."""
    lines, cur = [], ""
    for ch in text:
        if cur and _measure(ax, cur + ch, size) > width:
            lines.append(cur)
            cur = ch.lstrip()
        else:
            cur += ch
    return [*lines, cur] if cur else lines


def _footer(ax, pg: Page, footer: list[tuple[str, str]]) -> None:
    b, k = pg.footer, pg.k
    pad, size = 2.5 * k, 7 * k
    while True:
        lines = [(ln, c) for text, c in footer for ln in _wrap(ax, text, size, b.w - 2 * pad)]
        step = size * 1.4 * PT_MM
        if step * len(lines) <= b.h - 2 * pad or size <= 4.5 * k:
            break
        size -= 0.25 * k
    y = b.y1 - pad - step / 2
    for text, colour in lines:
        _text(ax, b.x + pad, y, text, size, va="center", color=colour)
        y -= step
