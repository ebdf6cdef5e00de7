"""Crowded project points on paper, as on the screen: where thousands of projects share a sheet they are
merged into small neutral discs with the count (static/js/projects.js draws the same), and a point alone
in its patch keeps its sector colour. A sheet with a few hundred projects shows every one of them.

Merging is by a square grid on the paper (CELL_MM a side), so the same map state always prints the same
discs; each disc sits at the mean position of the projects it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
