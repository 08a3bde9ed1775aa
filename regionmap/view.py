"""What the explorer shows for a view: which resolution, which features, which filter choices.

Shared by the app, the HTML export and the tests, so that the map, the table and the sources
panel always agree. Layers in the ``Basemap`` group (the Natural Earth countries) are context,
not data: filters do not apply to them and the table leaves them out, but their sources are
cited like any other.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from regionmap.catalog import Catalog, Layer, load_meta
from regionmap.filters import COUNTRY_FIELDS, Filters, feature_year_span, filter_features

__all__ = [
    "BASEMAP_GROUP",
    "MAP_RETURNED",
    "WORLD",
    "FilterChoices",
    "MapFrame",
    "country_label",
    "features_bbox",
    "filter_choices",
    "is_basemap",
    "layer_stamp",
    "map_frame",
    "order_layers",
    "resolution_for_bbox",
    "select_features",
]

BBox = tuple[float, float, float, float]

#: The group of context layers (drawn first, never filtered, not in the table).
BASEMAP_GROUP = "Basemap"
#: The whole map, [west, south, east, north].
WORLD: BBox = (-180.0, -85.0, 180.0, 85.0)
#: Views wider than this many degrees of longitude use the 1:110m countries.
WIDE_VIEW = 90.0
#: Views narrower than this use the 1:10m countries; between the two, 1:50m.
CLOSE_VIEW = 12.0
_ISO3 = re.compile(r"^[A-Z]{3}$")
#: What the app asks ``st_folium`` to return: the clicked feature, and the view for exports.
#: ``center`` is never in ``st_folium``'s default value, so its presence tells that the
#: browser has reported the map's view (:func:`map_frame`).
MAP_RETURNED = ("last_object_clicked_tooltip", "bounds", "center")
#: Decimals kept of a reported view (about 10 m), so that float noise does not change it.
FRAME_DECIMALS = 4


def resolution_for_bbox(bbox: BBox) -> str:
    """Return the Natural Earth scale for a view: ``"110m"``, ``"50m"`` or ``"10m"``.

    Parameters
    ----------
    bbox : (west, south, east, north)
        The view in degrees.

    Returns
    -------
    str
        ``"110m"`` when the view spans more than 90° of longitude, ``"10m"`` when it spans
        less than 12°, else ``"50m"``.

    Examples
    --------
    >>> resolution_for_bbox((-180, -60, 180, 84)), resolution_for_bbox((122, 24, 146.5, 46))
    ('110m', '50m')
    >>> resolution_for_bbox((124, 33, 131, 43.5))
    '10m'
    """
    span = bbox[2] - bbox[0]
    if span > WIDE_VIEW:
        return "110m"
    if span < CLOSE_VIEW:
        return "10m"
    return "50m"


def country_label(code: str) -> str:
    """Return ``"JPN — Japan"`` for an ISO 3166-1 alpha-3 code (the code alone if unknown).

    Examples
    --------
    >>> country_label("JPN")
    'JPN — Japan'
    """
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return f"{code} — {country.name}" if country is not None else code


def is_basemap(layer: Layer) -> bool:
    """True for context layers (group ``Basemap``), such as the countries."""
    return layer.meta is not None and layer.meta.group.casefold() == BASEMAP_GROUP.casefold()


def order_layers(layers: list[Layer]) -> list[Layer]:
    """Return data layers first, then basemap layers (the order sources are numbered in)."""
    return [la for la in layers if not is_basemap(la)] + [la for la in layers if is_basemap(la)]


def select_features(
    layer: Layer, filters: Filters | None = None, bbox: BBox | None = None
) -> list[dict[str, Any]]:
    """Return the features of a layer that the view shows.

    Basemap layers show every feature (they are clipped when drawn); other layers show the
    features that pass :func:`regionmap.filters.filter_features` and lie in ``bbox``.

    Examples
    --------
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> len(select_features(layer, Filters(search="no such place"))) == len(layer.features)
    True
    """
    if is_basemap(layer):
        return layer.features
    return filter_features(layer, filters, bbox)


def features_bbox(shown: list[tuple[Layer, list[dict[str, Any]]]], pad: float = 0.1) -> BBox | None:
    """Return the bounds of the shown data features (basemaps left out), padded, or ``None``.

    Parameters
    ----------
    shown : list of (Layer, features)
        Layers with the features they show.
    pad : float
        Fraction of the size added on each side; a single point gets at least 1°.

    Examples
    --------
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> features_bbox([(layer, layer.features)]) is None
    True
    """
    geoms = [
        shapely.geometry.shape(f["geometry"])
        for layer, features in shown
        if not is_basemap(layer)
        for f in features
        if f.get("geometry")
    ]
    if not geoms:
        return None
    west, south, east, north = shapely.total_bounds(geoms).tolist()
    dx = max((east - west) * pad, 1.0)
    dy = max((north - south) * pad, 1.0)
    return (
        max(west - dx, -180.0),
        max(south - dy, -85.0),
        min(east + dx, 180.0),
        min(north + dy, 85.0),
    )


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter widgets offer, taken from the loaded data layers."""

    countries: tuple[str, ...] = ()
    agreements: dict[str, str] = field(default_factory=dict)
    years: tuple[int, int] | None = None


def filter_choices(layers: list[Layer]) -> FilterChoices:
    """Return the ISO3 codes, agreements and year range present in the data layers.

    Countries come from the ``country``, ``host`` and ``user`` properties; years from the
    layers with ``time`` fields (an open-ended range counts up to the current year).

    Examples
    --------
    >>> filter_choices([Catalog().load("countries", resolution="110m")]).countries
    ()
    """
    codes: set[str] = set()
    agreements: dict[str, str] = {}
    years: list[int] = []
    this_year = dt.date.today().year
    for layer in layers:
        if not layer.ok or is_basemap(layer) or layer.meta is None:
            continue
        agreements.update({a.key: a.name for a in layer.meta.agreements})
        for feature in layer.features:
            props = feature.get("properties") or {}
            codes.update(
                str(props[k]) for k in COUNTRY_FIELDS if _ISO3.match(str(props.get(k, "")))
            )
            span = feature_year_span(layer, props)
            if span is not None:
                years.extend(min(y, this_year) for y in span)
    return FilterChoices(
        countries=tuple(sorted(codes)),
        agreements=dict(sorted(agreements.items(), key=lambda kv: kv[1])),
        years=(min(years), max(years)) if years else None,
    )


def _stat(path: Path) -> tuple[str, int, int]:
    """(path, mtime in ns, size) of a file, or zeros when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), st.st_mtime_ns, st.st_size)


def layer_stamp(catalog: Catalog, layer_id: str) -> tuple[tuple[str, int, int], ...]:
    """Return the paths, modification times and sizes of a layer's files, as a cache key.

    Changes whenever the metadata file or any data file it names is edited, replaced or
    moved, so caches keyed on it show edits on the next rerun.

    Examples
    --------
    >>> stamp = layer_stamp(Catalog(), "countries")
    >>> stamp[0][0].endswith("countries.yaml")
    True
    """
    entry = catalog.entry(layer_id)
    if entry is None:
        return ((layer_id, 0, 0),)
    stamps = [_stat(entry.meta_path)]
    meta, _ = load_meta(entry)
    if meta is not None:
        for relative in [meta.data, *meta.resolutions.values()]:
            stamps.append(_stat((entry.meta_path.parent / relative).resolve()))
    return tuple(stamps)


_APP_VIEW = "so the export frames the view the app set (region or fit)"
_UNREPORTED = f"The map has not reported its view yet, {_APP_VIEW}."
_UNUSABLE = f"The map reported no usable view, {_APP_VIEW}."
_ANTIMERIDIAN = (
    f"The view crosses the antimeridian (180°), which one export cannot show, {_APP_VIEW}. "
    "Pan the map to one side of 180° to export what you see."
)


@dataclass(frozen=True)
class MapFrame:
    """The frame to export: the map's current view, or the app's view with the reason why."""

    bbox: BBox
    """[west, south, east, north] in degrees, within ±180/±90, west < east, south < north."""
    note: str = ""
    """Empty when ``bbox`` is the map's view; else why the app's view is used instead."""


def map_frame(returned: Mapping[str, Any] | None, fallback: BBox) -> MapFrame:
    """Return the view the map shows, from what ``st_folium`` returned, clamped for exports.

    Parameters
    ----------
    returned : mapping or None
        ``st_folium``'s value with ``bounds`` and ``center`` among its ``returned_objects``
        (:data:`MAP_RETURNED`): ``bounds`` is Leaflet's ``{"_southWest": {"lat", "lng"},
        "_northEast": {...}}``. Until the browser reports, ``st_folium`` returns a default
        without ``center`` whose ``bounds`` are the extent of the map's data, not the view.
    fallback : (west, south, east, north)
        The view the app set (region preset or fitted), used when the map's view is unknown
        or cannot be exported.

    Returns
    -------
    MapFrame
        Latitudes clamped to ±90; a view that spans 360° of longitude or more (a zoomed-out
        world, repeated side by side) becomes -180 to 180; a view panned onto a copy of the
        world is shifted back by whole turns; coordinates are rounded to 4 decimals. A view
        that still crosses the antimeridian (180°) cannot be one export, so it gives the
        fallback with a note, as do a missing or malformed report.

    Examples
    --------
    >>> japan = (122.0, 24.0, 146.5, 46.0)
    >>> def leaflet(w, s, e, n):
    ...     corners = {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}
    ...     return {"bounds": corners, "center": {"lat": 0, "lng": 0}}
    >>> map_frame(leaflet(125.123456, 30, 140, 40), japan)
    MapFrame(bbox=(125.1235, 30.0, 140.0, 40.0), note='')
    >>> map_frame(leaflet(-400, -87, 300, 87), japan).bbox
    (-180.0, -87.0, 180.0, 87.0)
    >>> map_frame(leaflet(485, 30, 500, 40), japan).bbox
    (125.0, 30.0, 140.0, 40.0)
    >>> map_frame(leaflet(170, -50, 190, -30), japan).note[:32]
    'The view crosses the antimeridia'
    """
    if not returned or "center" not in returned:
        return MapFrame(fallback, _UNREPORTED)
    try:
        corners = returned["bounds"]
        sw, ne = corners["_southWest"], corners["_northEast"]
        west, south, east, north = (float(v) for v in (sw["lng"], sw["lat"], ne["lng"], ne["lat"]))
    except (KeyError, TypeError, ValueError):
        return MapFrame(fallback, _UNUSABLE)
    south, north = max(south, -90.0), min(north, 90.0)
    finite = all(map(math.isfinite, (west, south, east, north)))
    if not (finite and west < east and south < north):
        return MapFrame(fallback, _UNUSABLE)
    if east - west >= 360:
        west, east = -180.0, 180.0
    else:
        turns = math.floor((west + 180) / 360)
        west, east = west - 360 * turns, east - 360 * turns
    west, south, east, north = (round(v, FRAME_DECIMALS) for v in (west, south, east, north))
    if east > 180:
        return MapFrame(fallback, _ANTIMERIDIAN)
    return MapFrame((west, south, east, north))
