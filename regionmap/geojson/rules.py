"""The numbers and names the GeoJSON checks share: precision, tolerances, caps, rule names."""

from __future__ import annotations

from dataclasses import dataclass

DECIMALS = 6
"""Decimal places kept on add: 6 places of a degree are about 0.1 m."""

RANGE_TOLERANCE = 0.01
"""Degrees beyond ±180/±90 that are clamped with a warning (0.01° is about 1.1 km).

Natural Earth's 10m geographic lines reach longitude 180.0033; anything further out is
treated as an error, not as rounding noise.
"""

PROJECTED_THRESHOLD = 1000.0
"""Coordinates larger than this are metres or feet of a projected CRS, not degrees."""

ENVELOPE_DEPTH = 8
"""Levels of nesting GeoJSON itself needs around properties or a MultiPolygon's positions."""

MAX_DEPTH_OPTION = 500
"""The highest ``--max-depth`` accepted: well below Python's recursion limit of 1000."""

INT64_RANGE = (-(2**63), 2**64 - 1)
"""Integers kept as numbers: what every JSON writer (orjson included) stores exactly."""

GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
# How deep the coordinates array of each geometry type nests (a position is depth 1).
COORDINATE_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
# RFC 7946 section 7.1: these members would change the meaning of an object.
FORBIDDEN_MEMBERS = {
    "FeatureCollection": ("coordinates", "geometries", "geometry", "properties"),
    "Feature": ("coordinates", "features", "geometries"),
    "Geometry": ("features", "geometry", "properties"),
}
STRUCTURAL_RULES = {
    "json-syntax",
    "encoding",
    "top-level-type",
    "unknown-type",
    "member-missing",
    "member-type",
    "changed-semantics",
    "duplicate-member",
    "position",
    "coordinates-shape",
    "too-few-positions",
    "ring-not-closed",
    "bbox",
    "feature-id",
}
"""Rules about GeoJSON's structure (the ones a pure linter such as geojsonhint checks)."""


@dataclass
class Limits:
    """Caps that keep one hostile or mistaken file from exhausting the machine.

    Each cap has a command-line option that raises it: ``--max-mb``, ``--max-features``,
    ``--max-vertices`` and ``--max-depth``.
    """

    max_bytes: int = 512 * 1024 * 1024
    max_features: int = 2_000_000
    max_vertices: int = 50_000_000
    max_depth: int = 32

    @property
    def max_document_depth(self) -> int:
        """The nesting cap of the whole document: the property cap plus GeoJSON's own."""
        return min(self.max_depth, MAX_DEPTH_OPTION) + ENVELOPE_DEPTH
