"""Feature filters shared by the app, the table and the exports: the same words, the same result.

A feature passes when it matches every filter that is set and applies to its layer
(:func:`filter_effects` says which do):

- ``search``: case-insensitive text in the feature's name, note, summary or place (or any
  string property for layers without those). Applies to every data layer.
- ``countries``: ISO 3166-1 alpha-3 codes; matches the feature's ``country``, ``host`` or
  ``user``. A layer whose features have none of those properties cannot be narrowed by
  country, so the filter **hides** it (it does not silently keep everything).
- ``agreements``: agreement keys; applies to layers that have agreements and **hides** the
  others (events and test ranges fall under no basing agreement).
- ``years``: an inclusive year range, i.e. the dates 1 January A to 31 December B. It keeps
  what was **present during** the window: a feature whose time extent (:func:`feature_extent`)
  overlaps it. A site since 1945 without ``until`` is in every window after 1945; an event of
  precision month spans its whole month. Features without a date are kept; layers without
  ``time`` fields are not filtered by it.
- ``bbox``: [west, south, east, north]; a feature is kept when its geometry intersects it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely

from regionmap.catalog import Layer
from regionmap.columnar import Columns, bounds_of, columns_of

COUNTRY_FIELDS = ("country", "host", "user")
TEXT_FIELDS = ("name", "note", "summary", "place")
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
PRECISIONS = ("day", "month", "year")

#: What a set filter does to one layer.
Effect = Literal["applies", "not applied", "hides layer"]
APPLIES: Effect = "applies"
NOT_APPLIED: Effect = "not applied"
HIDES: Effect = "hides layer"


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

    @property
    def window(self) -> tuple[dt.date, dt.date] | None:
        """The time window as dates: 1 January of the first year to 31 December of the last."""
        if not self.years:
            return None
        return year_window(*self.years)


def year_window(first: int, last: int) -> tuple[dt.date, dt.date]:
    """The dates from 1 January ``first`` to 31 December ``last`` (clamped to years 1–9999).

    Examples
    --------
    >>> year_window(2000, 2015)
    (datetime.date(2000, 1, 1), datetime.date(2015, 12, 31))
    """
    first, last = (min(max(y, 1), 9999) for y in (first, last))
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


@dataclass(frozen=True)
class Extent:
    """A feature's time extent: first and last day; ``end`` is None while it is still open."""

    start: dt.date
    end: dt.date | None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """True when the extent and the window [first, last] share at least one day."""
        return self.start <= last and (self.end is None or self.end >= first)

    @property
    def years(self) -> tuple[int, int | None]:
        """First and last year (None while open)."""
        return self.start.year, (self.end.year if self.end else None)


def date_span(value: Any, precision: Any = None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date means: ``2024`` is a year, ``2024-04`` a month.

    ``precision`` (day, month or year) widens a more precise date to its month or year; a
    date less precise than its precision says keeps its own form. Returns None for values
    that are not dates.

    Examples
    --------
    >>> date_span("2020-10")
    (datetime.date(2020, 10, 1), datetime.date(2020, 10, 31))
    >>> date_span("2017-02-03", "year")
    (datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
    >>> date_span("soon") is None
    True
    """
    match = _DATE.match(str(value)) if value not in (None, "") else None
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if precision == "year" or (month is not None and not 1 <= month <= 12) or year < 1:
        month = None
    if precision in ("year", "month") or month is None:
        day = None
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day is None:
            return dt.date(year, month, 1), dt.date(
                year, month, calendar.monthrange(year, month)[1]
            )
        first = dt.date(year, month, day)
    except ValueError:
        return None
    return first, first


def feature_extent(layer: Layer, props: dict[str, Any]) -> Extent | None:
    """The time extent of a feature according to its layer's ``time`` fields, or None.

    - The start is the first day of the ``start`` property's date (at its precision).
    - A layer with an ``end`` field: the last day of the end's date, or **open** (None, still
      present) when the feature has no end value.
    - A layer without an ``end`` field (events): the last day of the start's period, so an
      event of precision month lasts the month.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> basing = Catalog().load("basing")  # doctest: +SKIP
    >>> feature_extent(basing, {"since": "1945", "until": None})  # doctest: +SKIP
    Extent(start=datetime.date(1945, 1, 1), end=None)
    """
    if layer.meta is None or layer.meta.time is None:
        return None
    time = layer.meta.time
    precision = props.get(time.precision) if time.precision else None
    span = date_span(props.get(time.start), precision if precision in PRECISIONS else None)
    if span is None:
        return None
    if time.end is None:
        return Extent(span[0], span[1])
    end = date_span(props.get(time.end))
    return Extent(span[0], end[1] if end else None)


def feature_year_span(layer: Layer, props: dict[str, Any]) -> tuple[int, int] | None:
    """The years a feature covers (9999 for the end of an open extent), or None."""
    extent = feature_extent(layer, props)
    if extent is None:
        return None
    first, last = extent.years
    return first, last if last is not None else 9999


def _has_country_fields(layer: Layer) -> bool:
    """True when some feature of the layer says where it is or who hosts or uses it."""
    columns = columns_of(layer.features)
    if columns is not None and columns.keys is not None:
        return any(columns.has(k) for k in COUNTRY_FIELDS)
    return layer.derived(
        "filters.has_country_fields",
        lambda: any(
            any(k in (f.get("properties") or {}) for k in COUNTRY_FIELDS) for f in layer.features
        ),
    )


def filter_effects(layer: Layer, filters: Filters) -> dict[str, Effect]:
    """What each filter that is set does to a layer: applies, is not applied, or hides it.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> events = Catalog().load("events")  # doctest: +SKIP
    >>> filter_effects(events, Filters(agreements=("edca",), years=(2000, 2020)))  # doctest: +SKIP
    {'agreement': 'hides layer', 'years': 'applies'}
    """
    effects: dict[str, Effect] = {}
    if filters.search:
        effects["search"] = APPLIES
    if filters.countries:
        effects["country"] = APPLIES if _has_country_fields(layer) else HIDES
    if filters.agreements:
        has = layer.meta is not None and bool(layer.meta.agreements)
        effects["agreement"] = APPLIES if has else HIDES
    if filters.years:
        has = layer.meta is not None and layer.meta.time is not None
        effects["years"] = APPLIES if has else NOT_APPLIED
    return effects


def matches(layer: Layer, feature: dict[str, Any], filters: Filters) -> bool:
    """True when one feature of a layer passes the filters that apply to its layer."""
    props = feature.get("properties") or {}
    if filters.search:
        needle = filters.search.casefold()
        fields = [props.get(k) for k in TEXT_FIELDS if k in props] or list(props.values())
        if not any(isinstance(v, str) and needle in v.casefold() for v in fields):
            return False
    if filters.countries:
        wanted = set(filters.countries)
        if not any(props.get(k) in wanted for k in COUNTRY_FIELDS):
            return False
    if filters.agreements and props.get("agreement") not in filters.agreements:
        return False
    window = filters.window
    if window:
        extent = feature_extent(layer, props)
        if extent is not None and not extent.overlaps(*window):
            return False
    return True


def filter_features(
    layer: Layer,
    filters: Filters | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[dict[str, Any]]:
    """The features of a layer that pass the filters and lie in the bbox.

    A filter that hides the layer (:func:`filter_effects`) leaves no feature; one that is not
    applied to it is ignored.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("basing")  # doctest: +SKIP
    >>> len(filter_features(layer, Filters(countries=("JPN",))))  # doctest: +SKIP
    10
    """
    return [layer.features[i] for i in filter_indices(layer, filters, bbox)]


def filter_indices(
    layer: Layer,
    filters: Filters | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[int]:
    """The positions in ``layer.features`` of the features :func:`filter_features` keeps.

    The frame is tried first, on the layer's bounds index (:func:`feature_bounds`), so a view
    of a city in a layer of a million features reads only the features near the city.
    """
    filters = filters or Filters()
    effects = filter_effects(layer, filters)
    if HIDES in effects.values():
        return []
    applied = Filters(
        search=filters.search,
        countries=filters.countries,
        agreements=filters.agreements,
        years=filters.years if effects.get("years") == APPLIES else None,
    )
    features = layer.features
    if bbox is None:
        candidates: Iterable[int] = range(len(features))
    else:
        candidates = in_bbox(layer, bbox)
    if not (applied.search or applied.countries or applied.agreements or applied.years):
        columns = columns_of(features)
        if columns is not None:  # a big layer: which features have a geometry is a column
            rows = np.asarray(candidates, dtype=np.int64)
            return rows[columns.located[rows]].tolist()
        return [i for i in candidates if features[i].get("geometry")]
    columns = columns_of(features)
    mask = _column_mask(layer, columns, applied) if columns is not None else None
    if mask is not None:  # a big layer filtered on its columns: no feature is read
        rows = np.asarray(candidates, dtype=np.int64)
        return rows[mask[rows]].tolist()
    return [
        i
        for i in candidates
        if features[i].get("geometry") and matches(layer, features[i], applied)
    ]


def _column_mask(layer: Layer, columns: Columns, applied: Filters) -> np.ndarray | None:
    """Which features of a big layer pass the filters, from its column copy (as :func:`matches`).

    None when a filter cannot be answered from the columns (a search, or a property kept as
    JSON): then the features are read and matched one by one.
    """
    if applied.search:
        return None
    mask = columns.located.copy()
    if applied.countries:
        wanted = set(applied.countries)
        found = np.zeros_like(mask)
        for key in COUNTRY_FIELDS:
            hits = _value_in(columns, key, wanted)
            if hits is None:
                return None
            found |= hits
        mask &= found
    if applied.agreements:
        hits = _value_in(columns, "agreement", set(applied.agreements))
        if hits is None:
            return None
        mask &= hits
    window = applied.window
    if window and layer.meta is not None and layer.meta.time is not None:
        present = _present_during(layer, columns, window)
        if present is None:
            return None
        mask &= present
    return mask


def _value_in(columns: Columns, key: str, wanted: set[str]) -> np.ndarray | None:
    """Whether each feature's property ``key`` is one of ``wanted`` (None: not in columns)."""
    coded = columns.codes(key)
    if coded is None:
        return None
    codes, values = coded
    table = np.array([isinstance(v, str) and v in wanted for v in values], dtype=bool)
    return table[codes]


def _present_during(
    layer: Layer, columns: Columns, window: tuple[dt.date, dt.date]
) -> np.ndarray | None:
    """Whether each feature's time extent overlaps the window (or it has none)."""
    time = layer.meta.time  # type: ignore[union-attr]
    keys = list(dict.fromkeys(k for k in (time.start, time.precision, time.end) if k))
    coded = [columns.codes(k) for k in keys]
    if any(c is None for c in coded) or np.prod([len(c[1]) for c in coded], dtype=float) > 2**62:  # type: ignore[index]
        return None
    combined = np.zeros(len(columns.located), dtype=np.int64)
    for codes, values in coded:  # type: ignore[misc]
        combined = combined * len(values) + codes
    distinct, inverse = np.unique(combined, return_inverse=True)
    keep = np.empty(len(distinct), dtype=bool)
    for position, code in enumerate(distinct.tolist()):
        props: dict[str, Any] = {}
        for key, (_, values) in zip(reversed(keys), reversed(coded), strict=True):  # type: ignore[arg-type]
            code, index = divmod(code, len(values))
            props[key] = values[index]
        extent = feature_extent(layer, props)
        keep[position] = extent is None or extent.overlaps(*window)
    return keep[inverse.reshape(-1)]


def feature_bounds(layer: Layer) -> np.ndarray:
    """Each feature's bounds as an (n, 4) array of west, south, east, north (NaN: no geometry).

    Built once per loaded layer (:func:`regionmap.columnar.bounds_of`), or read from the
    layer's column copy.
    """
    columns = columns_of(layer.features)
    if columns is not None:
        return columns.bounds
    return layer.derived("filters.bounds", lambda: bounds_of(layer.features))


def in_bbox(layer: Layer, bbox: tuple[float, float, float, float]) -> list[int]:
    """Positions of the features whose geometry intersects the bbox, in file order."""

    west, south, east, north = bbox
    bounds = feature_bounds(layer)
    with np.errstate(invalid="ignore"):  # NaN rows (no geometry) compare False
        near = (bounds[:, 0] <= east) & (bounds[:, 2] >= west)
        near &= (bounds[:, 1] <= north) & (bounds[:, 3] >= south)
    rows = np.flatnonzero(near)
    if not len(rows):
        return []
    # A box that meets a shape's bounds may still miss the shape: test those exactly.
    box_like = (bounds[rows, 0] == bounds[rows, 2]) & (bounds[rows, 1] == bounds[rows, 3])
    exact = rows[~box_like]
    if len(exact):
        hits = shapely.intersects(layer.geometries[exact], shapely.box(*bbox))
        missed = set(exact[~hits].tolist())
        return [i for i in rows.tolist() if i not in missed]
    return rows.tolist()
