"""Read, check and normalise a GeoJSON file, reporting every problem at once.

The rules follow RFC 7946. Where the RFC says a parser should not reject (ring winding,
extra position elements) the file is fixed and a warning is given. Natural Earth's own files
carry positions a hair beyond the valid range (longitude 180.00000000000014, latitude
90.000206, the date line at 180.0033); such positions within ``RANGE_TOLERANCE`` degrees are
clamped with a warning, while real excursions (longitude 200) are errors.

The result of a clean read is a normalised FeatureCollection: WGS 84 longitude/latitude,
exterior rings counter-clockwise, holes clockwise, polygons and lines split at the
antimeridian, coordinates rounded to ``DECIMALS`` places, properties kept exactly as they
were.

One concern per module:

- :mod:`~regionmap.geojson.decode`: bytes to a document (file type, encoding, depth, JSON)
- :mod:`~regionmap.geojson.structure`: the top level, collection, features, properties
- :mod:`~regionmap.geojson.members`: bbox, crs, forbidden members, type names
- :mod:`~regionmap.geojson.geometry`: geometries, rings and lines
- :mod:`~regionmap.geojson.positions`: the numpy fast path and the explaining path
- :mod:`~regionmap.geojson.repair`: winding, the antimeridian, invalid polygons
- :mod:`~regionmap.geojson.summary`: one warning per kind of silent fix
- :mod:`~regionmap.geojson.report`: collecting problems, with a bound per rule
- :mod:`~regionmap.geojson.read`: :func:`read_geojson`, which never raises
"""

from regionmap.geojson.crs import WGS84_NAMES
from regionmap.geojson.decode import nesting_depth
from regionmap.geojson.read import ReadResult, read_geojson
from regionmap.geojson.rules import (
    COORDINATE_DEPTH,
    DECIMALS,
    FORBIDDEN_MEMBERS,
    GEOMETRY_TYPES,
    MAX_DEPTH_OPTION,
    PROJECTED_THRESHOLD,
    RANGE_TOLERANCE,
    STRUCTURAL_RULES,
    Limits,
)

__all__ = [
    "COORDINATE_DEPTH",
    "DECIMALS",
    "FORBIDDEN_MEMBERS",
    "GEOMETRY_TYPES",
    "MAX_DEPTH_OPTION",
    "PROJECTED_THRESHOLD",
    "RANGE_TOLERANCE",
    "STRUCTURAL_RULES",
    "WGS84_NAMES",
    "Limits",
    "ReadResult",
    "nesting_depth",
    "read_geojson",
]
