"""Label points for the map: country names placed and sized by zoom, optional marker labels.

Python picks where a label goes (inside the country, by :func:`shapely.ops.polylabel` on its
largest part) and from which zoom it fits (its width on screen against its name's length);
the browser shows it from that zoom and hides any label that would cover a marker or another
label (``regionmap/static/regionmap.js``). Names are escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.ops import polylabel

from regionmap.popups import feature_name
from regionmap.safe_html import escape_text

__all__ = ["country_labels", "label_name", "marker_labels"]

#: Zoom range in which labels may start showing.
MIN_ZOOM, MAX_ZOOM = 1, 9
#: Approximate width of one character of an 11 px label, in pixels.
_CHAR_PX = 6.2
#: Names longer than this are replaced by Natural Earth's shorter form where there is one.
LONG_NAME = 16
#: Further places a country's label may go when markers cover the first.
MAX_CANDIDATES = 16
#: Cells across each part when looking for further places.
_GRID = 4
#: A label may overhang its country a little (Korea, Denmark): it needs this share of its
#: width inside.
_FIT = 0.6


def _label_points(
    geometry: dict[str, Any], bbox: tuple[float, float, float, float] | None = None
) -> tuple[list[tuple[float, float]], float] | None:
    """Where a shape's label may go, best first, and the area of its largest part.

    The first point is the pole of inaccessibility of the largest part
    (:func:`shapely.ops.polylabel`); the others are points inside the pieces of a 4 x 4 grid
    over each sizeable part, biggest piece first, for the browser to try when markers cover
    the first. Areas are in square degrees scaled by the cosine of the latitude.
    """
    try:
        geom = shapely.make_valid(shape(geometry))
        if bbox is not None:
            geom = shapely.clip_by_rect(geom, *bbox)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None
    polygons = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    polygons = [p for p in polygons if not p.is_empty]
    if not polygons:
        return None
    polygons.sort(key=lambda p: -p.area)
    largest = polygons[0]
    try:
        point = polylabel(largest.simplify(0.05, preserve_topology=True), tolerance=0.05)
    except Exception:
        point = largest.representative_point()
    if not largest.contains(point):
        point = largest.representative_point()
    pieces = []
    for polygon in polygons[:4]:
        if polygon.area < 0.1 * largest.area:
            break
        west, south, east, north = polygon.bounds
        dx, dy = (east - west) / _GRID, (north - south) / _GRID
        for i in range(_GRID):
            for j in range(_GRID):
                cell = shapely.box(west + i * dx, south + j * dy, west + (i + 1) * dx,
                                   south + (j + 1) * dy)  # fmt: skip
                piece = polygon.intersection(cell)
                if not piece.is_empty and piece.area > 0.01 * largest.area:
                    pieces.append((piece.area, piece.representative_point()))
    pieces.sort(key=lambda item: -item[0])
    points = [(point.x, point.y)] + [(p.x, p.y) for _, p in pieces[:MAX_CANDIDATES]]
    return points, largest.area * math.cos(math.radians(point.y))


def _fit_zoom(width_deg: float, text: str) -> float:
    """The zoom from which a label of ``text`` fits across a shape ``width_deg`` wide."""
    label_px = _FIT * (_CHAR_PX * len(text) + 6)
    zoom = math.log2(label_px * 360 / (256 * max(width_deg, 1e-3)))
    return round(min(max(zoom, MIN_ZOOM), MAX_ZOOM), 2)


def label_name(feature: dict[str, Any]) -> str:
    """The name a country label shows: its ``name``, or Natural Earth's shorter one if long.

    Examples
    --------
    >>> label_name({"properties": {"name": "Korea, Republic of", "ne_name": "South Korea"}})
    'South Korea'
    >>> label_name({"properties": {"name": "Japan", "ne_name": "Japan"}})
    'Japan'
    """
    name = feature_name(feature)
    short = (feature.get("properties") or {}).get("ne_name")
    if len(name) > LONG_NAME and isinstance(short, str) and 0 < len(short) < len(name):
        return short
    return name


def country_labels(
    features: Iterable[dict[str, Any]], bbox: tuple[float, float, float, float] | None = None
) -> list[list[Any]]:
    """Return ``[lat, lon, escaped name, min zoom, rank, others]`` for each country's label.

    ``others`` lists further ``[lat, lon]`` places inside the country, tried in turn when
    markers cover the first. Bigger countries rank first (they win a clash) and show from
    lower zooms. With ``bbox``
    (west, south, east, north), each label goes inside the part of its country in that box,
    so a big country cut by the view still shows its name.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> labels = country_labels(Catalog().load("countries", resolution="110m").features)
    >>> japan = next(label for label in labels if label[2] == "Japan")
    >>> 30 < japan[0] < 40 and 130 < japan[1] < 145 and japan[3] <= 5
    True
    """
    found: dict[str, tuple[list[tuple[float, float]], float]] = {}
    for feature in features:
        geometry = feature.get("geometry")
        if not geometry:
            continue
        name = label_name(feature)
        places = _label_points(geometry, bbox)
        if places is None:
            continue
        if name not in found or places[1] > found[name][1]:
            found[name] = places  # clipped pieces of one country: label the biggest
    ordered = sorted(found.items(), key=lambda item: -item[1][1])
    return [
        [
            round(points[0][1], 3),
            round(points[0][0], 3),
            escape_text(name),
            _fit_zoom(math.sqrt(area), name),
            rank,
            [[round(lat, 3), round(lon, 3)] for lon, lat in points[1:]],
        ]
        for rank, (name, (points, area)) in enumerate(ordered)
    ]


def marker_labels(
    features: Iterable[dict[str, Any]], field: str, *, min_zoom: float = 5, rank: int = 10_000
) -> list[list[Any]]:
    """Return ``[lat, lon, escaped text, min zoom, rank]`` labels beside a layer's points.

    Parameters
    ----------
    features : iterable of dict
        The layer's features in view; only points with a non-empty ``field`` get a label.
    field : str
        The property to show (the layer's ``style.label``).
    min_zoom : float
        Zoom from which marker labels show.
    rank : int
        Labels of markers give way to country names of a lower rank.

    Examples
    --------
    >>> marker_labels([{"properties": {"n": "<A>"},
    ...                 "geometry": {"type": "Point", "coordinates": [1, 2]}}], "n")
    [[2.0, 1.0, '&lt;A&gt;', 5, 10000]]
    """
    out = []
    for index, feature in enumerate(features):
        geometry = feature.get("geometry") or {}
        value = (feature.get("properties") or {}).get(field)
        if geometry.get("type") != "Point" or value in (None, ""):
            continue
        lon, lat = geometry["coordinates"][:2]
        out.append([round(float(lat), 5), round(float(lon), 5), escape_text(value), min_zoom,
                    rank + index])  # fmt: skip
    return out
