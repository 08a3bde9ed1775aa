"""Map projections for figures: which projection suits a view, and the geometry around it.

Views spanning at least 180° of longitude or 120° of latitude are drawn in plain
longitude/latitude (plate carrée); views around a pole in a polar Lambert azimuthal
equal-area projection; every other view in Lambert azimuthal equal-area centred on the view,
where the scale is true at the centre and distortion stays small across a region.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

Bbox = tuple[float, float, float, float]
LONLAT = "EPSG:4326"
STEPS = (0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60)
"""Graticule spacings in degrees."""


@dataclass(frozen=True)
class Projection:
    """The map projection of a view and the extent of its frame in projected units."""

    crs: str
    name: str
    frame: Bbox
    scale_dx: float
    """Metres per projected unit at the view's centre (for the scale bar)."""
    scale_note: str

    @property
    def credit(self) -> str:
        """The projection as a sentence for the credits."""
        return f"Projection: {self.name}; {self.scale_note}."

    @property
    def lonlat(self) -> bool:
        """True for plain longitude/latitude (no projection)."""
        return self.crs == LONLAT

    def forward(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project longitudes and latitudes to map coordinates."""
        if self.lonlat:
            return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        xs, ys = _transformer(self.crs, False).transform(lons, lats)
        return np.asarray(xs), np.asarray(ys)

    def inverse(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates back to longitudes and latitudes."""
        if self.lonlat:
            return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        lons, lats = _transformer(self.crs, True).transform(xs, ys)
        return np.asarray(lons), np.asarray(lats)


@cache
def _transformer(crs: str, inverse: bool) -> Transformer:
    """A cached pyproj transformer between lon/lat and ``crs``."""
    pair = (crs, LONLAT) if inverse else (LONLAT, crs)
    return Transformer.from_crs(*pair, always_xy=True)


def choose_projection(bbox: Bbox) -> Projection:
    """The projection of a view: lon/lat for the world, else equal-area centred on the view.

    Parameters
    ----------
    bbox : tuple of float
        The view as [west, south, east, north] in degrees.

    Examples
    --------
    >>> choose_projection((122, 24, 146.5, 46)).crs
    '+proj=laea +lat_0=35 +lon_0=134.25 +ellps=WGS84 +units=m +no_defs'
    >>> choose_projection((-180, -60, 180, 84)).name
    'plate carrée (WGS 84 longitude/latitude)'
    """
    west, south, east, north = bbox
    lon0, lat0 = (west + east) / 2, (south + north) / 2
    if east - west >= 300 and (south >= 30 or north <= -30):
        pole = 90 if south >= 30 else -90
        crs = _laea(pole, lon0)
        where = "North" if pole > 0 else "South"
        name = f"Lambert azimuthal equal-area centred on the {where} Pole, {fmt_lon(lon0)} up"
    elif east - west >= 180 or north - south >= 120:
        dx = metres_per_degree_lon(lat0)
        note = f"scale bar true along {fmt_lat(lat0)} only"
        return Projection(LONLAT, "plate carrée (WGS 84 longitude/latitude)", bbox, dx, note)
    else:
        crs = _laea(lat0, lon0)
        name = f"Lambert azimuthal equal-area centred on {fmt_lat(lat0)}, {fmt_lon(lon0)}"
    return Projection(crs, name, _projected_bounds(crs, bbox), 1.0, "scale bar true at the centre")


def _laea(lat0: float, lon0: float) -> str:
    """A Lambert azimuthal equal-area PROJ string centred on (lat0, lon0)."""
    return f"+proj=laea +lat_0={lat0:g} +lon_0={lon0:g} +ellps=WGS84 +units=m +no_defs"


def metres_per_degree_lon(lat: float) -> float:
    """The length of one degree of longitude at a latitude on the WGS 84 ellipsoid.

    Examples
    --------
    >>> round(metres_per_degree_lon(0)), round(metres_per_degree_lon(60))
    (111319, 55800)
    """
    a, e2 = 6378137.0, 0.00669437999014
    phi = math.radians(lat)
    return math.pi / 180 * a * math.cos(phi) / math.sqrt(1 - e2 * math.sin(phi) ** 2)


def fmt_lat(lat: float) -> str:
    """A latitude as text, e.g. ``35°N``."""
    return f"{abs(lat):g}°{'N' if lat > 0 else 'S' if lat < 0 else ''}"


def fmt_lon(lon: float) -> str:
    """A longitude as text, normalised to ±180°, e.g. ``134.25°E``."""
    lon = (lon + 180) % 360 - 180 if abs(lon) != 180 else 180
    return f"{abs(lon):g}°{'E' if 0 < lon < 180 else 'W' if lon < 0 else ''}"


def _densify_box(bbox: Bbox, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Points along the outline of a box, ``n`` per side."""
    west, south, east, north = bbox
    t = np.linspace(0, 1, n, endpoint=False)
    xs = [west + (east - west) * t, np.full(n, east), east - (east - west) * t, np.full(n, west)]
    ys = [
        np.full(n, south),
        south + (north - south) * t,
        np.full(n, north),
        north - (north - south) * t,
    ]
    return np.concatenate(xs), np.concatenate(ys)


def _projected_bounds(crs: str, bbox: Bbox) -> Bbox:
    """The extent of a lon/lat box once projected."""
    xs, ys = _transformer(crs, False).transform(*_densify_box(bbox))
    ok = np.isfinite(xs) & np.isfinite(ys)
    return float(xs[ok].min()), float(ys[ok].min()), float(xs[ok].max()), float(ys[ok].max())


def lonlat_extent(projection: Projection) -> Bbox:
    """The lon/lat box that covers the whole frame (longitudes unwrapped around the centre)."""
    if projection.lonlat:
        return projection.frame
    x0, y0, x1, y1 = projection.frame
    lons, lats = projection.inverse(*_densify_box(projection.frame))
    ok = np.isfinite(lons) & np.isfinite(lats)
    lons, lats = lons[ok], lats[ok]
    centre = float(projection.inverse(np.array([(x0 + x1) / 2]), np.array([(y0 + y1) / 2]))[0][0])
    lons = centre + (lons - centre + 180) % 360 - 180
    south, north = float(lats.min()) - 1, float(lats.max()) + 1
    for pole in (90.0, -90.0):
        x, y = projection.forward(np.array([0.0]), np.array([pole]))
        if x0 <= x[0] <= x1 and y0 <= y[0] <= y1:
            south, north = min(south, pole), max(north, pole)
    west, east = float(lons.min()) - 2, float(lons.max()) + 2
    if east - west >= 360 or max(north, -south) >= 90:
        west, east = -180.0, 180.0
    return west, max(south, -90.0), east, min(north, 90.0)


def clip_boxes(extent: Bbox) -> list[Bbox]:
    """Split an unwrapped lon/lat box into boxes within ±180°.

    Examples
    --------
    >>> clip_boxes((170, 0, 190, 10))
    [(170, 0, 180.0, 10), (-180.0, 0, -170, 10)]
    """
    west, south, east, north = extent
    boxes = [(max(west, -180.0), south, min(east, 180.0), north)]
    if west < -180:
        boxes.append((west + 360, south, 180.0, north))
    if east > 180:
        boxes.append((-180.0, south, east - 360, north))
    return [b for b in boxes if b[0] < b[2]]


def project_geometries(geoms: np.ndarray, projection: Projection) -> np.ndarray:
    """Project shapely geometries from lon/lat, simplify to print detail and clip to the frame.

    The simplification tolerance is 1/5000 of the frame's width: below a hairline on any
    figure of 40 inches or less.
    """
    if not projection.lonlat:

        def forward(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(projection.forward(xy[:, 0], xy[:, 1]))

        geoms = shapely.transform(geoms, forward)
    x0, y0, x1, y1 = projection.frame
    size = max(x1 - x0, y1 - y0)
    geoms = shapely.clip_by_rect(
        geoms, x0 - size / 50, y0 - size / 50, x1 + size / 50, y1 + size / 50
    )
    geoms = shapely.simplify(geoms, (x1 - x0) / 5000, preserve_topology=True)
    return geoms[~shapely.is_empty(geoms)]


def graticule_step(span: float) -> float:
    """A graticule step that gives at most about seven lines across ``span`` degrees."""
    return next((s for s in STEPS if span / s <= 7), STEPS[-1])


def graticule_lines(extent: Bbox) -> Iterator[tuple[str, float, np.ndarray, np.ndarray]]:
    """Meridians and parallels over a lon/lat extent: (``"lon"``/``"lat"``, value, lons, lats)."""
    west, south, east, north = extent
    lon_step, lat_step = graticule_step(east - west), graticule_step(north - south)
    lat_lo, lat_hi = max(south, -89.9), min(north, 89.9)
    for lon in np.arange(math.ceil(west / lon_step) * lon_step, east + 1e-9, lon_step):
        lats = np.linspace(lat_lo, lat_hi, 90)
        yield "lon", float(lon), np.full_like(lats, lon), lats
    for lat in np.arange(math.ceil(south / lat_step) * lat_step, north + 1e-9, lat_step):
        if abs(lat) < 90:
            lons = np.linspace(west, east, 180)
            yield "lat", float(lat), lons, np.full_like(lons, lat)
