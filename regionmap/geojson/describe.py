"""Short descriptions of JSON values for messages: type names, previews, feature labels."""

from __future__ import annotations

import json
from typing import Any


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_preview(value: Any, limit: int = 60) -> str:
    """A short JSON rendering of a value for messages (never the whole of a large value)."""
    if isinstance(value, list | dict) and len(value) > limit:
        # a preview of the first items only: never serialise a whole large value
        value = value[:limit] if isinstance(value, list) else dict(list(value.items())[:limit])
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"<{json_type(value)}>"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    return text if len(text) <= limit else text[: limit - 1] + "…"


def feature_label(feature: Any) -> str | None:
    """The feature's id, or its ``properties.id``, as text for messages."""
    if not isinstance(feature, dict):
        return None
    fid = feature.get("id")
    if fid is None and isinstance(feature.get("properties"), dict):
        fid = feature["properties"].get("id")
    if isinstance(fid, str | int | float) and not isinstance(fid, bool):
        return str(fid)[:80] if not isinstance(fid, int) or abs(fid) < 10**80 else None
    return None


def shape_hint(kind: str) -> str:
    """How a geometry type's coordinates look."""
    return {
        "Point": "[lon, lat]",
        "MultiPoint": "[[lon, lat], ...]",
        "LineString": "[[lon, lat], [lon, lat], ...]",
        "MultiLineString": "[[[lon, lat], ...], ...]",
        "Polygon": "[[[lon, lat], ..., first position again]] (rings)",
        "MultiPolygon": "[[[[lon, lat], ...]], ...] (polygons of rings)",
    }[kind]
