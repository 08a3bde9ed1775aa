"""Opt-in online tile basemaps from ``xyzservices``, each with its attribution.

The default basemap is the Natural Earth countries layer, which works offline. Tiles come from
third-party servers: choosing one makes the browser fetch from them, so it is never the
default.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import xyzservices.providers as xyz

if TYPE_CHECKING:
    import folium

__all__ = ["ONLINE_BASEMAPS", "basemap_names", "tile_layer"]

#: Providers offered in the app (free, no API key); names as in ``xyzservices``.
ONLINE_BASEMAPS: tuple[str, ...] = (
    "OpenStreetMap.Mapnik",
    "OpenTopoMap",
    "Esri.WorldImagery",
    "Esri.OceanBasemap",
)


def basemap_names() -> list[str]:
    """Return the online basemaps available here (those ``xyzservices`` knows, no token).

    Examples
    --------
    >>> "OpenStreetMap.Mapnik" in basemap_names()
    True
    """
    return list(_basemap_names())


@functools.cache
def _basemap_names() -> tuple[str, ...]:
    """The names, looked up once per process (xyzservices' query takes about 15 ms)."""
    names = []
    for name in ONLINE_BASEMAPS:
        try:
            provider = xyz.query_name(name)
        except ValueError:
            continue
        if not provider.requires_token():
            names.append(name)
    return tuple(names)


def tile_layer(name: str) -> folium.TileLayer:
    """Return a folium tile layer for an ``xyzservices`` provider, with its attribution.

    Parameters
    ----------
    name : str
        One of :func:`basemap_names`.

    Returns
    -------
    folium.TileLayer
        A base layer named after the provider (shown in the layer control).

    Raises
    ------
    ValueError
        For a name that is not offered.

    Examples
    --------
    >>> tile_layer("OpenStreetMap.Mapnik").tile_name
    'OpenStreetMap.Mapnik'
    """
    import folium  # here: the app's sidebar lists the names without loading folium

    if name not in basemap_names():
        raise ValueError(f"unknown basemap {name!r}; choose one of: {', '.join(basemap_names())}")
    provider = xyz.query_name(name)
    return folium.TileLayer(
        tiles=provider.build_url(),
        attr=provider.html_attribution,
        name=name,
        max_zoom=provider.get("max_zoom", 18),
        overlay=False,
        control=True,
    )
