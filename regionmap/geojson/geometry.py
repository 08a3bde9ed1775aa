"""Geometries: type, coordinates nesting, rings and lines, winding, the antimeridian, validity.

:class:`Geometries` checks one geometry of the current feature and returns its normalised
copy. Positions go to :mod:`regionmap.geojson.positions`; the fixes themselves live in
:mod:`regionmap.geojson.repair`, and what was fixed is only tallied here (the summary
reports it once per file).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from regionmap.geojson import members, repair
from regionmap.geojson.describe import json_preview, json_type, shape_hint
from regionmap.geojson.positions import Add, Positions
from regionmap.geojson.rules import COORDINATE_DEPTH, GEOMETRY_TYPES
from regionmap.geojson.summary import Tally


class Geometries:
    """Checks the geometries of a document, one feature at a time.

    Parameters
    ----------
    add : callable
        Records a problem for the current feature.
    positions : Positions
        The position checker (fast and explaining paths).
    tally : Tally
        Where fixes are counted for the summary.
    fix : bool
        Repair invalid polygons instead of rejecting them.
    current : callable
        The index of the current feature.
    ok_so_far : callable
        True while the current feature has no error (geometry fixes need sound input).
    """

    def __init__(
        self,
        add: Add,
        positions: Positions,
        tally: Tally,
        *,
        fix: bool,
        current: Callable[[], int | None],
        ok_so_far: Callable[[], bool],
    ) -> None:
        self.add = add
        self.positions = positions
        self.tally = tally
        self.fix = fix
        self.current = current
        self.ok_so_far = ok_so_far
        self.types: Counter[str] = Counter()

    def check(self, geometry: Any, *, top: bool = False) -> dict[str, Any] | None:
        if not isinstance(geometry, dict):
            self.add(
                "member-type",
                f"has a geometry that is a JSON {json_type(geometry)}, not an object.",
                'Use {"type": "Point", "coordinates": [lon, lat]} or null.',
            )
            return None
        kind = geometry.get("type")
        if kind not in GEOMETRY_TYPES:
            if kind is None:
                self.add("member-missing", 'has a geometry without "type".', 'Add "type".')
            else:
                members.unknown_type(self.add, kind, "a geometry")
            return None
        members.forbidden(self.add, geometry, "Geometry")
        members.check_bbox(self.add, geometry)
        if top:
            self.types[kind] += 1
        if kind == "GeometryCollection":
            return self._check_geometry_collection(geometry, top=top)
        if "coordinates" not in geometry:
            self.add(
                "member-missing",
                f'has a {kind} without "coordinates".',
                'Add "coordinates", or make the geometry null.',
            )
            return None
        coords = geometry["coordinates"]
        if not isinstance(coords, list):
            self.add(
                "coordinates-shape",
                f'has {kind} "coordinates" as a JSON {json_type(coords)}; it must be an array.',
                f"Give {kind} coordinates as {shape_hint(kind)}.",
            )
            return None
        if not coords:
            self.add(
                "empty-geometry",
                f"has an empty {kind}; it is kept but draws nothing.",
                "Remove the feature or give it coordinates.",
                "warning",
            )
            return {"type": kind, "coordinates": []}
        clean = self._coords(coords, COORDINATE_DEPTH[kind], kind)
        if clean is None:
            return None
        return self._check_shape(kind, clean)

    def _check_geometry_collection(
        self, geometry: dict[str, Any], *, top: bool
    ) -> dict[str, Any] | None:
        members = geometry.get("geometries")
        if not isinstance(members, list):
            self.add(
                "member-missing" if members is None else "member-type",
                'has a GeometryCollection without a "geometries" array.',
                'Add "geometries": [ ... ].',
            )
            return None
        if not top:
            self.add(
                "nested-collection",
                "has a GeometryCollection inside another; RFC 7946 advises against it.",
                "Flatten the nested collection.",
                "warning",
            )
        if len(members) == 1:
            self.add(
                "single-member-collection",
                "has a GeometryCollection with a single geometry.",
                "Use that geometry directly.",
                "warning",
            )
        clean = [self.check(member) for member in members]
        if any(member is None for member in clean):
            return None
        return {"type": "GeometryCollection", "geometries": clean}

    def _coords(self, value: Any, depth: int, kind: str) -> Any:
        """Check nesting and positions; return the transformed, clamped copy.

        A list of positions comes back as a float array of shape (n, 2 or 3); deeper
        nesting as lists of such arrays; a single position as a list.
        """
        if depth == 1:
            return self.positions.one(value, kind)
        if not isinstance(value, list) or (value and not isinstance(value[0], list)):
            self.add(
                "coordinates-shape",
                f"has {kind} coordinates nested wrongly: found {json_preview(value)} where "
                f"{'an array of positions' if depth == 2 else 'arrays of positions'} belong.",
                f"Give {kind} coordinates as {shape_hint(kind)}.",
            )
            return None
        if depth == 2:
            return self.positions.many(value, kind)
        out = []
        for item in value:
            clean = self._coords(item, depth - 1, kind)
            if clean is None:
                return None
            out.append(clean)
        return out

    def _check_shape(self, kind: str, geometry: Any) -> dict[str, Any] | None:
        """Check counts and rings, fix winding and the antimeridian, check validity."""
        if kind in ("LineString", "MultiLineString"):
            return self._check_lines(kind, geometry)
        if kind not in ("Polygon", "MultiPolygon"):
            return {"type": kind, "coordinates": repair.to_lists(geometry)}
        polygons = [geometry] if kind == "Polygon" else geometry
        for rings in polygons:
            if not rings:
                self.add(
                    "too-few-positions",
                    f"has a {kind} part without rings.",
                    "Remove the empty part.",
                )
                return None
            for ring in rings:
                if len(ring) < 4:
                    self.add(
                        "too-few-positions",
                        f"has a ring with {len(ring)} positions; a linear ring needs at least 4 "
                        "(the first repeated at the end).",
                        "Add positions, or remove the degenerate ring.",
                    )
                    return None
                if not np.array_equal(ring[0], ring[-1]):
                    self.add(
                        "ring-not-closed",
                        f"has a ring that is not closed: it starts at "
                        f"{json_preview(ring[0].tolist())} and ends at "
                        f"{json_preview(ring[-1].tolist())}.",
                        "Repeat the first position of the ring at its end.",
                    )
                    return None
        if not self.ok_so_far():
            return None
        if any([repair.rewind(rings) for rings in polygons]):  # a list: rewind every part
            self.tally.rewound.append(self.current())
        if any(repair.crosses_antimeridian(rings[0]) for rings in polygons):
            self.tally.split_polygons.append(self.current())
            geometry_dict = {"type": kind, "coordinates": repair.to_lists(geometry)}
            return self._check_validity(repair.split_antimeridian(geometry_dict))
        shp = shapely.MultiPolygon([repair.polygon(rings) for rings in polygons])
        if kind == "Polygon":
            shp = shp.geoms[0]
        if shapely.is_valid(shp):
            return {"type": kind, "coordinates": repair.to_lists(geometry)}
        return self._check_validity({"type": kind, "coordinates": repair.to_lists(geometry)}, shp)

    def _check_lines(self, kind: str, geometry: Any) -> dict[str, Any] | None:
        """Check that every line has two positions; split lines that cross ±180°."""
        lines = [geometry] if kind == "LineString" else geometry
        for line in lines:
            if len(line) < 2:
                self.add(
                    "too-few-positions",
                    f"has a {kind} with {len(line)} position(s); a line needs at least two.",
                    "Add positions or remove the line.",
                )
                return None
        clean = {"type": kind, "coordinates": repair.to_lists(geometry)}
        if self.ok_so_far() and any(repair.crosses_antimeridian(ln) for ln in lines):
            self.tally.split_lines.append(self.current())
            return repair.split_antimeridian(clean)
        return clean

    def _check_validity(self, geometry: dict[str, Any], shp: Any = None) -> dict[str, Any] | None:
        shp = shape(geometry) if shp is None else shp
        if shapely.is_valid(shp):
            return geometry
        reason = shapely.is_valid_reason(shp)
        if not self.fix:
            self.add(
                "polygon-invalid",
                f"has an invalid polygon: {reason}.",
                "Run with --fix to repair it with shapely.make_valid (each repair is "
                "reported), or repair it in QGIS (Vector > Geometry Tools > Fix Geometries).",
            )
            return None
        fixed = repair.make_valid_polygonal(shp)
        if fixed is None:
            self.add(
                "polygon-invalid",
                f"has an invalid polygon ({reason}) that has no area once repaired.",
                "Remove the feature or redraw it.",
            )
            return None
        self.add(
            "polygon-repaired",
            f"had an invalid polygon ({reason}); repaired with make_valid: area "
            f"{shp.area:.6g} → {fixed.area:.6g} square degrees, "
            f"{shapely.get_num_coordinates(shp)} → {shapely.get_num_coordinates(fixed)} "
            "vertices.",
            "Check the repaired shape on the map.",
            "warning",
        )
        return repair.round_mapping(mapping(fixed))
