"""Feature filters shared by the app, the table and the exports: the same words, the same result.

A feature passes when it matches every filter that is set:

- ``search``: case-insensitive text in the feature's name or note (or any string property
  for layers without those).
- ``countries``: ISO 3166-1 alpha-3 codes; matches the feature's ``country``, ``host`` or
  ``user``. Layers whose features have none of those properties are not filtered by it.
- ``agreements``: agreement keys; applies to layers that have agreements.
- ``years``: an inclusive year range; applies to layers with ``time`` fields. A feature is
  kept when its date (or date range) overlaps the range. Features without a date are kept.
- ``bbox``: [west, south, east, north]; a feature is kept when its geometry intersects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from regionmap.catalog import Layer

COUNTRY_FIELDS = ("country", "host", "user")
TEXT_FIELDS = ("name", "note", "summary", "place")
YEAR = re.compile(r"^(-?\d{4})")


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to. Empty values mean "no filter"."""

    search: str = ""
    countries: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    def describe(self) -> str:
        """The filters in force, as plain text for subtitles and notes."""
        parts = []
        if self.search:
            parts.append(f'search "{self.search}"')
        if self.countries:
            parts.append("country " + ", ".join(self.countries))
        if self.agreements:
            parts.append("agreement " + ", ".join(self.agreements))
        if self.years:
            parts.append(f"years {self.years[0]}–{self.years[1]}")
        return "; ".join(parts) or "no filters"


def feature_year_span(layer: Layer, props: dict[str, Any]) -> tuple[int, int] | None:
    """The years a feature covers according to the layer's time fields, or None."""
    if layer.meta is None or layer.meta.time is None:
        return None
    start = _year(props.get(layer.meta.time.start))
    if start is None:
        return None
    end = _year(props.get(layer.meta.time.end)) if layer.meta.time.end else None
    return start, end if end is not None else (start if layer.meta.time.end is None else 9999)


def _year(value: Any) -> int | None:
    match = YEAR.match(str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def matches(layer: Layer, feature: dict[str, Any], filters: Filters) -> bool:
    """True when one feature of a layer passes the filters."""
    props = feature.get("properties") or {}
    if filters.search:
        needle = filters.search.casefold()
        fields = [props.get(k) for k in TEXT_FIELDS if k in props] or list(props.values())
        if not any(isinstance(v, str) and needle in v.casefold() for v in fields):
            return False
    if filters.countries and any(k in props for k in COUNTRY_FIELDS):
        wanted = set(filters.countries)
        if not any(props.get(k) in wanted for k in COUNTRY_FIELDS):
            return False
    if (
        filters.agreements
        and layer.meta is not None
        and layer.meta.agreements
        and props.get("agreement") not in filters.agreements
    ):
        return False
    if filters.years:
        span = feature_year_span(layer, props)
        if span is not None and (span[1] < filters.years[0] or span[0] > filters.years[1]):
            return False
    return True


def filter_features(
    layer: Layer,
    filters: Filters | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[dict[str, Any]]:
    """The features of a layer that pass the filters and lie in the bbox.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("basing")  # doctest: +SKIP
    >>> len(filter_features(layer, Filters(countries=("JPN",))))  # doctest: +SKIP
    10
    """
    filters = filters or Filters()
    kept = [f for f in layer.features if f.get("geometry") and matches(layer, f, filters)]
    if bbox is None:
        return kept
    return [f for f, hit in zip(kept, _in_bbox(kept, bbox), strict=True) if hit]


def _in_bbox(features: list[dict[str, Any]], bbox: tuple[float, float, float, float]) -> list[bool]:
    """Whether each feature's geometry intersects the bbox (points by numpy, others by shapely)."""
    import numpy as np
    import shapely
    from shapely.geometry import box, shape

    west, south, east, north = bbox
    hits = [False] * len(features)
    points = [i for i, f in enumerate(features) if f["geometry"]["type"] == "Point"]
    if points:
        xy = np.array([features[i]["geometry"]["coordinates"][:2] for i in points], dtype=float)
        inside = (xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south)
        inside &= xy[:, 1] <= north
        for i, hit in zip(points, inside.tolist(), strict=True):
            hits[i] = hit
    others = [i for i, f in enumerate(features) if f["geometry"]["type"] != "Point"]
    if others:
        geoms = [shape(features[i]["geometry"]) for i in others]
        for i, hit in zip(others, shapely.intersects(geoms, box(*bbox)).tolist(), strict=True):
            hits[i] = hit
    return hits
