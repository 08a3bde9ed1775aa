"""Geometry repair: winding, the antimeridian, and invalid polygons.

These are the fixes RFC 7946 asks a parser to make rather than reject (ring winding), the
ones a web map needs (a polygon or a line that crosses ±180° is cut there, otherwise it is
drawn the long way round the world), and the opt-in ``--fix`` repair of invalid polygons
with ``shapely.make_valid``. Each function works on position arrays or GeoJSON mappings
and reports nothing itself: the structure checker turns what they did into warnings.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import shapely

from regionmap.geojson.rules import DECIMALS


def ring_area2(ring: np.ndarray) -> float:
    """Twice the signed area of a ring (positive when counter-clockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def rewind(rings: list[np.ndarray]) -> bool:
    """Make the exterior ring counter-clockwise and holes clockwise; True if changed."""
    changed = False
    for index, ring in enumerate(rings):
        area = ring_area2(ring)
        if (index == 0 and area < 0) or (index > 0 and area > 0):
            rings[index] = ring[::-1]
            changed = True
    return changed


def crosses_antimeridian(positions: np.ndarray) -> bool:
    """True if an edge jumps across ±180 (edges along the ±180 seam itself don't count)."""
    x = positions[:, 0]
    jumps = np.abs(np.diff(x)) > 180
    on_seam = (np.abs(x[:-1]) == 180) | (np.abs(x[1:]) == 180)
    return bool((jumps & ~on_seam).any())


def polygon(rings: list[np.ndarray]) -> Any:
    """A shapely polygon from ring arrays (only x and y matter for validity)."""
    return shapely.Polygon(rings[0][:, :2], [ring[:, :2] for ring in rings[1:]])


def to_lists(value: Any) -> Any:
    """Arrays (and lists of them) back to JSON lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value and isinstance(value, list) and not isinstance(value[0], int | float):
        return [to_lists(v) for v in value]
    return value


def split_antimeridian(geometry: dict[str, Any]) -> dict[str, Any]:
    """Split a polygon or a line that crosses the antimeridian into parts on each side."""
    import antimeridian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # winding is fixed (and reported) already
        fixed = antimeridian.fix_geojson(geometry)
    return round_mapping(fixed)


def round_mapping(geometry: dict[str, Any]) -> dict[str, Any]:
    """Turn a shapely/antimeridian mapping (tuples) into rounded JSON lists."""

    def walk(value: Any) -> Any:
        if value and isinstance(value[0], int | float):
            return [round(value[0], DECIMALS), round(value[1], DECIMALS), *value[2:]]
        return [walk(v) for v in value]

    if geometry["type"] == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [round_mapping(g) for g in geometry["geometries"]],
        }
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def make_valid_polygonal(shp: Any) -> Any | None:
    """Repair an invalid polygon with make_valid; None when nothing with an area is left."""
    repaired = shapely.make_valid(shp)
    parts = [p for p in shapely.get_parts(repaired) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.orient_polygons(shapely.union_all(parts))
