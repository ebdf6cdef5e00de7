"""Crowded project points on paper, as on the screen: where thousands of projects share a sheet they are
merged into small neutral discs with the count (static/js/clusters.js draws the same), and a point alone
in its patch keeps its sector colour. A sheet with a few hundred projects shows every one of them.

Merging is by a square grid on the paper (CELL_MM a side), so the same map state always prints the same
discs; each disc sits at the mean position of the projects it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.font_manager import FontProperties

CLUSTER_ABOVE = 2000      # more projects than this on one sheet: crowded patches are merged
CELL_MM = 8.0             # the patch merged into one disc, on paper (the screen merges within 45 px)
STYLE = {"fillColor": "#34495e", "fillOpacity": 0.78, "color": "#fff", "weight": 2, "radius": 12}   # .zj-cluster
TEXT = "#fff"


@dataclass(frozen=True)
class Clusters:
    alone: np.ndarray        # per point: True where it is the only one in its patch (drawn in its own style)
    xy: np.ndarray           # (n, 2) disc centres, map units
    counts: np.ndarray       # projects per disc (≥ 2)


def cluster(xy: np.ndarray, cell: float) -> Clusters:
    """Points (map units) merged by a grid of ``cell`` map units."""
    ij = np.floor((xy - xy.min(axis=0)) / cell).astype(np.int64)
    _, inverse, counts = np.unique(ij[:, 0] * (int(ij[:, 1].max()) + 1) + ij[:, 1], return_inverse=True,
                                   return_counts=True)
    inverse = inverse.ravel()
    sums = np.stack([np.bincount(inverse, weights=xy[:, k], minlength=len(counts)) for k in (0, 1)], axis=1)
    many = counts > 1
    return Clusters(alone=~many[inverse], xy=(sums / counts[:, None])[many], counts=counts[many])


def radius_px(count: int) -> float:
    """The disc's radius in screen pixels, as the screen's icon sizes (24, 30, 36 px across)."""
    return 12 if count < 10 else 15 if count < 100 else 18


def metres_per_mm(ax) -> float:
    x0, x1 = ax.get_xlim()
    return (x1 - x0) / (ax.get_position().width * ax.figure.get_figwidth() * 25.4)


class Counts(Artist):
    """The discs' counts as real PDF text (searchable, as ``Axes.text``), written in one pass: one ``Text``
    artist per disc costs ≈3 ms (layout, font lookups) and a sheet of 100,000 projects has hundreds of discs.
    Each number is centred on its disc by the width of its digits (measured once per draw)."""

    def __init__(self, xy: np.ndarray, counts: np.ndarray, size: float, zorder: float):
        super().__init__()
        self._xy, self._labels = xy, [str(int(n)) for n in counts]
        self._prop = FontProperties(size=size)
        self.set_zorder(zorder)

    @allow_rasterization
    def draw(self, renderer) -> None:
        if not self.get_visible() or not self._labels:
            return
        metrics = {d: renderer.get_text_width_height_descent(d, self._prop, ismath=False) for d in "0123456789"}
        height = max(h - dsc for _, h, dsc in metrics.values())       # "center_baseline": digits centred
        gc = renderer.new_gc()
        self._set_gc_clip(gc)
        gc.set_foreground(TEXT)
        flip = renderer.get_canvas_width_height()[1] if renderer.flipy() else None    # Agg counts y downwards
        for (x, y), s in zip(self.axes.transData.transform(self._xy), self._labels):
            w, base = sum(metrics[c][0] for c in s), y - height / 2
            renderer.draw_text(gc, x - w / 2, base if flip is None else flip - base, s, self._prop, 0)
        gc.restore()
