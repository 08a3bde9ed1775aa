"""The app's countries as one static JSON file per box, fetched once by the browser (issue 15).

The countries (with their backdrop, country labels and inset) are about 0.7 MB, nine tenths
of what the app's map receives, and they change only with the app's box (a region, "fit"),
the countries' file and the online basemap; pans, toggles and filters leave them as they are.
So the app publishes them to its static folder (served at ``/app/static/``, as the tiles are)
under a name that is their content's hash, and the data groups it sends on every rerun only
name that file (:class:`UseBase`): the browser fetches it once, and again only for another
box. The data is JSON (no script), drawn by ``rmap.useBase`` in regionmap.js in a pane under
the data layers; every string in it was escaped here, as in the other map data.

The popups of the countries cite by the view's numbers, as every other popup does: each
names its sources by a key of this file (``base:…``), and the data groups of each view carry
those keys' lists numbered for that view (:func:`base_lists`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from regionmap.appcache import BASE_FOLDER, BasePart, prepared_base, publish_base
from regionmap.citations import Bibliography, number_sources
from regionmap.popups import sources_html
from regionmap.render import build_map
from regionmap.tilemap import spec_json
from regionmap.view import BBox, Shown

__all__ = [
    "BASE_FOLDER",
    "BasePart",
    "UseBase",
    "base_lists",
    "base_part",
    "countries_map",
    "prepared_base",
    "publish_base",
]

#: The prefix of the countries' source-list keys (data layers' keys are bare numbers).
KEY_PREFIX = "base:"
_LINES = ("LineString", "MultiLineString")


def base_part(
    basemaps: Shown,
    *,
    anchor: BBox,
    tiles: str | None = None,
    backdrops: dict[str, list[dict[str, Any]]] | None = None,
) -> BasePart:
    """The ticked basemaps fitted to the app's box ``anchor``, with coarse ``backdrops``.

    Drawn as :func:`regionmap.render.build_map` draws them (clipped, simplified, escaped
    popups, the basemap's style, fainter over an online ``tiles`` basemap), with the country
    labels and, for boxes narrower than the world, the inset.
    """
    bibliography = number_sources(basemaps)
    m = countries_map(basemaps, anchor, bibliography, tiles, backdrops)
    layers = []
    for group in (c for c in m._children.values() if isinstance(c, folium.FeatureGroup)):
        for shapes in (c for c in group._children.values() if isinstance(c, folium.GeoJson)):
            layers.append(_layer_doc(shapes))
    sources: dict[str, tuple[str, ...]] = {}
    for layer in layers:
        for feature in layer["geojson"]["features"]:
            props = feature["properties"]
            bare = props["sources"]
            props["sources"] = KEY_PREFIX + bare
            sources[props["sources"]] = _urls(bare, bibliography)
    setup = next(c for c in m._children.values() if getattr(c, "_name", "") == "RegionmapSetup")
    doc = {"layers": layers, "config": json.loads(setup.config_json)}
    data = spec_json(doc).encode("utf-8")
    return BasePart(data, hashlib.sha256(data).hexdigest()[:20], sources)


def countries_map(
    basemaps: Shown,
    anchor: BBox,
    bibliography: Bibliography,
    tiles: str | None = None,
    backdrops: dict[str, list[dict[str, Any]]] | None = None,
) -> folium.Map:
    """The basemaps of the app's box drawn as every map draws them, for their groups and setup.

    No legend and no Screenshot control: the data groups carry both, for the view shown.
    """
    return build_map(
        basemaps,
        bbox=anchor,
        bibliography=bibliography,
        basemap=tiles,
        backdrops=backdrops,
        legend=False,
        screenshot=False,
    )


def _layer_doc(shapes: folium.GeoJson) -> dict[str, Any]:
    """One folium GeoJson of the basemap as data: features, fill and line style, options."""
    style = shapes.style_function
    return {
        "geojson": shapes.data,
        "style": style({"geometry": {"type": "Polygon"}}),
        "line": style({"geometry": {"type": _LINES[0]}}),
        "radius": shapes.marker.options.get("radius", 4) if shapes.marker else 4,
        "attribution": shapes.options.get("attribution", ""),
    }


def _urls(key: str, bibliography: Bibliography) -> tuple[str, ...]:
    """The URLs of the sources a bare source-list key ("1,2") names in ``bibliography``."""
    by_number = {c.number: c.source.url for c in bibliography.citations}
    return tuple(by_number[int(n)] for n in key.split(",") if n and int(n) in by_number)


def base_lists(base: BasePart, bibliography: Bibliography) -> dict[str, str]:
    """The countries' popup source lists, numbered as in this view's ``bibliography``."""
    by_url = {c.source.url: c for c in bibliography.citations}
    return {
        key: sources_html([by_url[url] for url in urls if url in by_url])
        for key, urls in base.sources.items()
    }


class UseBase(MacroElement):
    """Show the base with this digest on the mounted map, fetched from ``url`` if new to it.

    ``url`` None: no basemap is ticked, so the mounted map drops its countries, labels and
    inset.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.useBase(map_div, {{ this.args_json }});
{% endmacro %}"""
    )

    def __init__(self, url: str | None, digest: str | None) -> None:
        super().__init__()
        self._name = "RegionmapUseBase"
        self.args_json = spec_json({"url": url, "digest": digest})
