"""Aggregate dense point layers into grid cells so that a map of 200,000 points stays light.

A layer with more than ``MAX_POINTS`` points in the view is binned on a grid of
``GRID_CELLS`` cells across the view. A cell holding one point keeps that point (with its
full popup and citations); a cell holding several becomes one marker that says how many
features are there and names a few of them. Zooming to a smaller region, or narrowing the
filters, shows them one by one. This is display only: no geometry is derived or stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_POINTS = 3000
"""Up to this many points in view a layer is drawn point by point."""

GRID_CELLS = 160
"""Grid cells across the width of the view when points are aggregated."""

NAMES_SHOWN = 3


@dataclass(frozen=True)
class Cell:
    """Several points of one layer that share a grid cell."""

    lon: float
    lat: float
    count: int
    names: tuple[str, ...]


def aggregate(
    features: list[dict[str, Any]],
    bbox: tuple[float, float, float, float],
    max_points: int = MAX_POINTS,
) -> tuple[list[dict[str, Any]], list[Cell]]:
    """Split a layer's features into those drawn one by one and aggregated cells.

    Parameters
    ----------
    features : list of dict
        GeoJSON features of one layer, already limited to the view.
    bbox : (west, south, east, north)
        The area drawn (the view plus its panning margin); points beyond it are dropped.
    max_points : int
        Layers with at most this many points are returned unchanged.

    Returns
    -------
    (list of dict, list of Cell)
        The features to draw individually (every non-point feature, and points alone in
        their cell), and the cells that hold several points.

    Examples
    --------
    >>> pts = [{"type": "Feature", "properties": {"name": str(i)},
    ...         "geometry": {"type": "Point", "coordinates": [0.01 * (i % 2), 0.0]}}
    ...        for i in range(10)]
    >>> kept, cells = aggregate(pts, (-10, -10, 10, 10), max_points=5)
    >>> len(kept), [c.count for c in cells]
    (0, [10])
    """
    points = [f for f in features if (f.get("geometry") or {}).get("type") == "Point"]
    if len(points) <= max_points:
        return features, []
    others = [f for f in features if (f.get("geometry") or {}).get("type") != "Point"]
    west, south, east, north = bbox
    xy = np.array([f["geometry"]["coordinates"][:2] for f in points], dtype=float)
    inside = (xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north)
    if not inside.all():  # points beyond the box are not drawn at all
        points = [f for f, keep in zip(points, inside.tolist(), strict=True) if keep]
        xy = xy[inside]
        if len(points) <= max_points:
            return others + points, []
    size = max(east - west, 1e-6) / GRID_CELLS
    ix = np.floor((xy[:, 0] - west) / size).astype(np.int64)
    iy = np.floor((xy[:, 1] - south) / size).astype(np.int64)
    keys = ix * 1_000_003 + iy
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    lon = np.bincount(inverse, weights=xy[:, 0]) / counts
    lat = np.bincount(inverse, weights=xy[:, 1]) / counts
    alone = counts[inverse] == 1
    names: dict[int, list[str]] = {}
    for feature, cell, single in zip(points, inverse.tolist(), alone.tolist(), strict=True):
        if not single and len(names.setdefault(cell, [])) < NAMES_SHOWN:
            name = (feature.get("properties") or {}).get("name")
            if name is not None:
                names[cell].append(str(name))
    cells = [
        Cell(round(float(lon[c]), 3), round(float(lat[c]), 3), int(counts[c]),
             tuple(names.get(c, ())))
        for c in np.flatnonzero(counts > 1).tolist()
    ]  # fmt: skip
    kept = others + [f for f, single in zip(points, alone.tolist(), strict=True) if single]
    return kept, cells
