"""Checks of single members: forbidden members, bbox, the old crs member, type names.

Each function takes ``add(rule, message, fix, severity="error")``, which records a problem
for the object being checked.
"""

from __future__ import annotations

from typing import Any

from regionmap.geojson import crs as crs_names
from regionmap.geojson.describe import json_preview
from regionmap.geojson.positions import Add, Transform
from regionmap.geojson.rules import FORBIDDEN_MEMBERS, GEOMETRY_TYPES


def forbidden(add: Add, obj: dict[str, Any], kind: str) -> None:
    """Report members that would change an object's meaning (RFC 7946 section 7.1)."""
    for member in FORBIDDEN_MEMBERS[kind]:
        if member in obj:
            add(
                "changed-semantics",
                f'is a {obj.get("type")} with a "{member}" member, which would change '
                "the meaning of a GeoJSON member (RFC 7946 section 7.1).",
                f'Remove "{member}" or move it into "properties".',
            )


def check_bbox(add: Add, obj: dict[str, Any]) -> None:
    """Report a "bbox" that is not 4 or 6 numbers."""
    if "bbox" not in obj:
        return
    bbox = obj["bbox"]
    if (
        not isinstance(bbox, list)
        or len(bbox) not in (4, 6)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox)
    ):
        add(
            "bbox",
            f'has a "bbox" that is not 4 or 6 numbers: {json_preview(bbox)}.',
            'Write "bbox": [west, south, east, north], or remove it (it is recomputed).',
        )


def check_crs(add: Add, doc: dict[str, Any]) -> Transform | None:
    """Check an old "crs" member; return a transformer to WGS 84 if one is needed."""
    if "crs" not in doc:
        return None
    crs = doc["crs"]
    name = None
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if crs is None:
        return None
    if not isinstance(name, str):
        add(
            "crs",
            f'has a "crs" member that names no CRS: {json_preview(crs)}.',
            'Remove "crs" (RFC 7946 GeoJSON is always WGS 84 longitude/latitude), or write '
            '{"type": "name", "properties": {"name": "EPSG:xxxx"}}.',
        )
        return None
    if crs_names.is_wgs84(name):
        add(
            "crs-obsolete",
            f'has an obsolete "crs" member ({json_preview(name)}); it means WGS 84, which '
            "RFC 7946 assumes, so it was dropped.",
            'Remove the "crs" member.',
            "warning",
        )
        return None
    transform = crs_names.transformer(name)
    if transform is None:
        add(
            "crs",
            f"declares the CRS {json_preview(name)}, which regionmap does not know.",
            "Reproject to WGS 84 (e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`) "
            'and remove the "crs" member.',
        )
        return None
    add(
        "crs-reprojected",
        f"declares the CRS {json_preview(name)}; its coordinates were reprojected to WGS 84.",
        "Check the result on the map.",
        "warning",
    )
    return transform


def unknown_type(add: Add, kind: Any, where: str) -> None:
    """Report an unknown type name, with the right spelling if it is only the case."""
    hint = next(
        (
            t
            for t in (*GEOMETRY_TYPES, "Feature", "FeatureCollection")
            if isinstance(kind, str) and t.lower() == kind.lower()
        ),
        None,
    )
    fix = (
        f'Write "{hint}" (type names are case-sensitive).'
        if hint
        else (
            "Use one of FeatureCollection, Feature, Point, MultiPoint, LineString, "
            "MultiLineString, Polygon, MultiPolygon, GeometryCollection."
        )
    )
    add("unknown-type", f"has an unknown type {json_preview(kind)} at {where}.", fix)
