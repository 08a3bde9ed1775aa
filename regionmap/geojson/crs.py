"""The old ``crs`` member: names that mean WGS 84, and transformers for the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "crs84",
    "ogc:crs84",
    "epsg:4326",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
}


def is_wgs84(name: str) -> bool:
    """True for the names old files use for WGS 84 longitude/latitude."""
    return name.strip().lower() in WGS84_NAMES


def transformer(name: str) -> Callable[[Any, Any], tuple[Any, Any]] | None:
    """A lon/lat transformer from the named CRS, or None if pyproj does not know it."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    if len(name) > 2000:  # a CRS name, not a document; pyproj need not parse it
        return None
    try:
        source = CRS.from_user_input(name)
        return Transformer.from_crs(source, "EPSG:4326", always_xy=True).transform
    except (CRSError, ValueError, TypeError):
        return None
