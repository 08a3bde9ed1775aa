"""Fit geometry to a map view: clip to the view plus a margin, simplify, trim coordinates.

The map payload is a budget (DESIGN "Rendering"): a view of Japan should not carry the
coastline of Chile. Lines and polygons are clipped to a window around the view, simplified in
proportion to the view's width and rounded to the precision that width can show; points are
only rounded. Fitting is idempotent: fitting an already fitted list to the same view changes
nothing but takes little time, so callers may fit large layers once and cache the result.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import shapely

__all__ = ["VIEW_MARGIN", "cut_out", "fit_to_view", "view_window"]

BBox = tuple[float, float, float, float]

#: Extra room on each side of the view, as a fraction of its width and height.
VIEW_MARGIN = 0.5
#: Simplification tolerance is the view width divided by this (about a pixel on a wide map).
_PIXELS = 3000
#: Points keep at most this many decimals (about 100 m; DESIGN: at most 3 decimals).
_POINT_DECIMALS = 3


def view_window(bbox: BBox, margin: float = VIEW_MARGIN) -> BBox:
    """Return ``bbox`` grown by ``margin`` of its size on each side, within ±180/±90.

    Examples
    --------
    >>> view_window((122, 24, 146.5, 46), margin=0.5)
    (109.75, 13.0, 158.75, 57.0)
    """
    west, south, east, north = bbox
    dx, dy = (east - west) * margin, (north - south) * margin
    return (
        max(west - dx, -180.0),
        max(south - dy, -90.0),
        min(east + dx, 180.0),
        min(north + dy, 90.0),
    )


def _tolerance(bbox: BBox) -> float:
    """Simplification tolerance in degrees for a view."""
    return max(bbox[2] - bbox[0], 1e-6) / _PIXELS


def _decimals(bbox: BBox) -> int:
    """Decimals that keep about a tenth of the simplification tolerance."""
    return max(2, min(6, math.ceil(-math.log10(_tolerance(bbox))) + 1))


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every coordinate (x and y only; a third value is dropped)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


#: Lists of at least this many features keep their shapely geometries (:func:`_to_shapely`).
SHAPES_MIN_FEATURES = 100
_SHAPES_KEPT = 8
_shapes_lock = threading.Lock()
_shapes: OrderedDict[int, tuple[list[dict[str, Any]], int, np.ndarray]] = OrderedDict()


def _to_shapely(features: list[dict[str, Any]]) -> np.ndarray:
    """The features' geometries as a new shapely array (None for missing geometry).

    A layer's feature list is fitted to many boxes (every region of the app); the array of
    the last few long lists is kept, by the list's identity (the entry holds the list, so
    its id is never reused while kept) and length, so a new box only clips. Feature lists
    are never changed in place once loaded.
    """
    with _shapes_lock:  # the app's sessions fit in threads of one process
        kept = _shapes.get(id(features))
        if kept is not None and kept[0] is features and kept[1] == len(features):
            _shapes.move_to_end(id(features))
            return kept[2].copy()
    texts = [json.dumps(f["geometry"]) if f.get("geometry") else None for f in features]
    geoms = shapely.from_geojson(texts, on_invalid="ignore")
    if len(features) >= SHAPES_MIN_FEATURES:
        with _shapes_lock:
            _shapes[id(features)] = (features, len(features), geoms.copy())
            while len(_shapes) > _SHAPES_KEPT:
                _shapes.popitem(last=False)
    return geoms


def _rebuild(features: list[dict[str, Any]], geoms: np.ndarray) -> list[dict[str, Any]]:
    """New features with the given geometries (same properties objects), empties dropped."""
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    texts = shapely.to_geojson(geoms[keep])
    kept = [f for f, k in zip(features, keep, strict=True) if k]
    out = []
    for feature, text in zip(kept, texts, strict=True):
        new = {k: v for k, v in feature.items() if k != "geometry"}
        new["geometry"] = json.loads(text)
        out.append(new)
    return out


def fit_to_view(
    features: list[dict[str, Any]], bbox: BBox, *, margin: float = VIEW_MARGIN
) -> list[dict[str, Any]]:
    """Clip, simplify and round features for a map view of ``bbox``.

    Parameters
    ----------
    features : list of dict
        GeoJSON features in longitude/latitude.
    bbox : (west, south, east, north)
        The view.
    margin : float
        Keep this fraction of the view's size beyond each side (for panning).

    Returns
    -------
    list of dict
        New feature dicts (sharing the ``properties`` objects of the input): lines and
        polygons, then points, each in input order; features that fall outside the window
        or have no geometry are dropped.

    Examples
    --------
    >>> ring = [[0, 0], [50, 0], [50, 50], [0, 50], [0, 0]]
    >>> square = {"type": "Feature", "properties": {},
    ...           "geometry": {"type": "Polygon", "coordinates": [ring]}}
    >>> out = fit_to_view([square], (0, 0, 10, 10))
    >>> shapely.bounds(shapely.from_geojson(json.dumps(out[0]["geometry"]))).tolist()
    [0.0, 0.0, 15.0, 15.0]
    """
    if not features:
        return []
    window = view_window(bbox, margin)
    is_point = [(f.get("geometry") or {}).get("type") == "Point" for f in features]
    if any(is_point):  # points skip shapely: a 200,000-point layer is a numpy mask
        points = _fit_points([f for f, p in zip(features, is_point, strict=True) if p], window)
        others = [f for f, p in zip(features, is_point, strict=True) if not p]
        fitted = fit_to_view(others, bbox, margin=margin) if others else []
        return fitted + [f for f in points if f is not None]
    geoms = _to_shapely(features)
    points = np.isin(shapely.get_type_id(geoms), (0, 4))  # Point, MultiPoint
    shapes = ~points & ~shapely.is_missing(geoms)
    if shapes.any():
        clipped = _clip(geoms[shapes], window)
        simple = shapely.simplify(clipped, _tolerance(bbox), preserve_topology=True)
        geoms[shapes] = _round(simple, _decimals(bbox))
    if points.any():
        inside = shapely.intersects(geoms[points], shapely.box(*window))
        moved = np.where(inside, geoms[points], None)
        geoms[points] = _round(moved, _POINT_DECIMALS)
    return _rebuild(features, geoms)


def _clip(geoms: np.ndarray, window: BBox) -> np.ndarray:
    """The geometries clipped to the window.

    ``clip_by_rect`` is fast, but GEOS fails on some valid shapes ("Invalid number of points
    in LinearRing", seen with a 1:50m country and a window reaching the pole); those few are
    cut with a full intersection instead, and kept whole if even that fails.
    """
    try:
        return shapely.clip_by_rect(geoms, *window)
    except shapely.errors.GEOSException:
        box = shapely.box(*window)
        out = np.empty(len(geoms), dtype=object)
        for i, geom in enumerate(geoms):
            try:
                out[i] = shapely.clip_by_rect(geom, *window)
            except shapely.errors.GEOSException:
                try:
                    out[i] = shapely.intersection(geom, box)
                except shapely.errors.GEOSException:
                    out[i] = geom
        return out


def _fit_points(points: list[dict[str, Any]], window: BBox) -> list[dict[str, Any] | None]:
    """Point features inside the window, rounded; None for those outside (same order)."""
    xy = np.array([f["geometry"]["coordinates"][:2] for f in points], dtype=float)
    west, south, east, north = window
    inside = (xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north)
    rounded = np.round(xy, _POINT_DECIMALS).tolist()
    return [
        {**{k: v for k, v in f.items() if k != "geometry"},
         "geometry": {"type": "Point", "coordinates": xy_}} if keep else None
        for f, xy_, keep in zip(points, rounded, inside.tolist(), strict=True)
    ]  # fmt: skip


def cut_out(features: list[dict[str, Any]], hole: BBox) -> list[dict[str, Any]]:
    """Remove a rectangle from every geometry (for a coarse backdrop around a detailed view).

    Examples
    --------
    >>> square = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]}
    >>> out = cut_out([{"type": "Feature", "properties": {}, "geometry": square}], (0, 0, 2, 4))
    >>> float(shapely.area(shapely.from_geojson(json.dumps(out[0]["geometry"]))))
    8.0
    """
    if not features:
        return []
    geoms = _to_shapely(features)
    return _rebuild(features, shapely.difference(geoms, shapely.box(*hole)))
