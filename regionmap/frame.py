"""The frame of a view: a region preset or a bounding box, and the map's reported view.

**The frame is the frame.** Before the browser reports, a view's frame is the box the app
set (a region preset, "fit to visible layers" or "fit to results"); once the map reports its
view (:func:`map_frame`), that reported view is the frame. Whatever the frame is, the table,
the sources panel, the downloads and the exports list exactly what lies in it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from regionmap.errors import ExportUsageError
from regionmap.regions import load_regions
from regionmap.view import View

__all__ = [
    "APP_MAP_SIZE",
    "FRAME_DECIMALS",
    "MAP_RETURNED",
    "MapFrame",
    "format_bbox",
    "map_frame",
    "parse_bbox",
    "resolve_view",
    "view_center",
    "view_zoom",
]

BBox = tuple[float, float, float, float]
#: What the app's map component reports (regionmap.mapcomponent, in the shape of
#: streamlit-folium's value): the clicked feature, and the view for exports. ``center`` is
#: there only once the browser has reported the map's view (:func:`map_frame`).
MAP_RETURNED = ("last_object_clicked_tooltip", "bounds", "center")
#: Decimals kept of a reported view (about 10 m), so that float noise does not change it.
FRAME_DECIMALS = 4


def format_bbox(bbox: BBox) -> str:
    """A bounding box as text.

    Examples
    --------
    >>> format_bbox((122, 24, 146.5, 46))
    '122°E–146.5°E, 24°N–46°N'
    """
    west, south, east, north = bbox
    lons = f"{_deg(west, 'E', 'W')}–{_deg(east, 'E', 'W')}"
    return f"{lons}, {_deg(south, 'N', 'S')}–{_deg(north, 'N', 'S')}"


def _deg(value: float, pos: str, neg: str) -> str:
    """One coordinate with its hemisphere, e.g. ``146.5°E``."""
    text = f"{abs(value):.3f}".rstrip("0").rstrip(".")
    return f"{text}°" if value == 0 else f"{text}°{pos if value > 0 else neg}"


def parse_bbox(value: str | Sequence[float]) -> BBox:
    """Parse and check ``W,S,E,N`` (text or four numbers) in degrees.

    Examples
    --------
    >>> parse_bbox("122,24,146.5,46")
    (122.0, 24.0, 146.5, 46.0)
    """
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        west, south, east, north = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ExportUsageError(
            f"bbox {value!r} is not four numbers; give west,south,east,north in degrees, "
            "e.g. 122,24,146.5,46"
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ExportUsageError(f"bbox {value!r} has a value that is not a finite number")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise ExportUsageError(
            f"bbox {value!r} is out of range: longitudes run from -180 to 180, latitudes from "
            "-90 to 90, and south must be less than north"
        )
    if west >= east:
        raise ExportUsageError(
            f"bbox {value!r} has west >= east; views across the antimeridian are not "
            "supported, so export each side (e.g. 170,-50,180,-30 and -180,-50,-170,-30)"
        )
    return west, south, east, north


def resolve_view(
    region: str | None = None, bbox: str | Sequence[float] | None = None, **fields: Any
) -> View:
    """The view framed by a region preset or a bounding box (exactly one of them).

    ``fields`` are the other :class:`~regionmap.view.View` fields (``layers``, ``filters``,
    ``selected``, ``basemap``).

    Examples
    --------
    >>> resolve_view(region="japan").frame
    (122.0, 24.0, 146.5, 46.0)
    """
    if (region is None) == (bbox is None):
        raise ExportUsageError("give either a region or a bbox (exactly one of them)")
    if region is not None:
        regions = load_regions()
        if region not in regions:
            raise ExportUsageError(
                f"there is no region {region!r}; choose one of: {', '.join(regions)}"
            )
        west, south, east, north = (float(v) for v in regions[region].bbox)
        return View(
            (west, south, east, north), title=regions[region].title, region=region, **fields
        )
    box = parse_bbox(bbox)  # type: ignore[arg-type]
    return View(box, title=format_bbox(box), **fields)


_APP_VIEW = "so the frame is the view the app set (region or fit)"
_UNREPORTED = f"The map has not reported its view yet, {_APP_VIEW}."
_UNUSABLE = f"The map reported no usable view, {_APP_VIEW}."
_ANTIMERIDIAN = (
    f"The view crosses the antimeridian (180°), which one frame cannot hold, {_APP_VIEW}. "
    "Pan the map to one side of 180° to list and export what you see."
)


@dataclass(frozen=True)
class MapFrame:
    """The frame of the app's view: the map's current view, or the app's with the reason why."""

    bbox: BBox
    """[west, south, east, north] in degrees, within ±180/±90, west < east, south < north."""
    note: str = ""
    """Empty when ``bbox`` is the map's view; else why the app's view is used instead."""


def map_frame(returned: Mapping[str, Any] | None, fallback: BBox) -> MapFrame:
    """Return the view the map shows, from what the map reported, clamped to one frame.

    Parameters
    ----------
    returned : mapping or None
        The map component's value, with ``bounds`` and ``center`` (:data:`MAP_RETURNED`):
        ``bounds`` is Leaflet's ``{"_southWest": {"lat", "lng"}, "_northEast": {...}}``.
        Until the browser reports, it is None (or, as streamlit-folium returned, a default
        without ``center``): the view is then unknown.
    fallback : (west, south, east, north)
        The view the app set (region preset or fitted), used when the map's view is unknown
        or cannot be one frame.

    Returns
    -------
    MapFrame
        Latitudes clamped to ±90; a view that spans 360° of longitude or more becomes -180
        to 180; a view panned onto a copy of the world is shifted back by whole turns;
        coordinates are rounded to 4 decimals. A view that still crosses the antimeridian
        gives the fallback with a note, as do a missing or malformed report.

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


#: The app map's size in pixels, as ``view_zoom`` assumes it (560 px high; the width of the
#: main column of a wide page beside the sidebar on a laptop screen).
APP_MAP_SIZE = (900, 560)


def view_center(bbox: BBox) -> tuple[float, float]:
    """The (lat, lon) centre of a box, for the map component's ``center``.

    Examples
    --------
    >>> view_center((122, 24, 146.5, 46))
    (35.0, 134.25)
    """
    west, south, east, north = bbox
    return ((south + north) / 2, (west + east) / 2)


def _mercator_y(lat: float) -> float:
    """Web Mercator y of a latitude, as a fraction of the world's height (0 at the equator)."""
    lat = max(-85.0511, min(85.0511, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)


def view_zoom(bbox: BBox, size: tuple[int, int] = APP_MAP_SIZE, snap: float = 0.25) -> float:
    """The largest Leaflet zoom (a multiple of ``snap``, at least 1) showing all of ``bbox``.

    Leaflet's ``getBoundsZoom`` for a map of ``size`` pixels: at zoom z the world is
    256·2^z pixels wide.

    Examples
    --------
    >>> view_zoom((122, 24, 146.5, 46))
    4.75
    >>> view_zoom((-180, -60, 180, 84))
    1.5
    """
    west, south, east, north = bbox
    width = max(east - west, 1e-6) / 360
    height = max(_mercator_y(north) - _mercator_y(south), 1e-6)
    zoom = math.log2(min(size[0] / width, size[1] / height) / 256)
    return max(1.0, math.floor(zoom / snap) * snap)
