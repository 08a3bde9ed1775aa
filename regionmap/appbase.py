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

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import orjson
from branca.element import MacroElement
from jinja2 import Template

from regionmap.appstatic import publish_bytes, static_url
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

#: Where base files go inside the app's static folder (and in its URL).
BASE_FOLDER = "base"
#: Where the index of prepared bases goes (:func:`prepared_base`).
INDEX_FOLDER = "base-index"
#: The prefix of the countries' source-list keys (data layers' keys are bare numbers).
KEY_PREFIX = "base:"
_LINES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class BasePart:
    """The countries of one box, as the JSON document the browser draws."""

    data: bytes
    """The document: the shapes by layer with their style, and the labels and inset."""
    digest: str
    """Its SHA-256 (hex, first 20 characters): its file name and its identity in the page."""
    sources: Mapping[str, tuple[str, ...]]
    """For each source-list key in the popups, the URLs of the sources it lists."""


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


def prepared_base(static_dir: Path, key: tuple, build: Callable[[], BasePart]) -> BasePart:
    """A box's base as prepared by an earlier run (any process), else built and kept.

    ``key`` names what the base is made of (the box, the online basemap, the basemaps'
    file stamps); with a digest of regionmap's own code it names an index entry in the
    static folder, ``base-index/<hash>.json``, holding the base file's digest and its source
    lists, so that a cold start or a first visit of a region reads the file instead of
    fitting, styling and escaping the countries again. An entry whose file is gone or does
    not match is built again; a folder that cannot be written keeps nothing.
    """
    name = hashlib.sha256(repr((key, _code_digest())).encode()).hexdigest()[:24] + ".json"
    index = static_dir / INDEX_FOLDER / name
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
        entry = orjson.loads(index.read_bytes())
        data = (static_dir / BASE_FOLDER / f"{entry['digest']}.json").read_bytes()
        if hashlib.sha256(data).hexdigest()[:20] == entry["digest"]:
            sources = {str(k): tuple(v) for k, v in entry["sources"].items()}
            return BasePart(data, entry["digest"], sources)
    part = build()
    with contextlib.suppress(OSError):
        publish_bytes(static_dir, BASE_FOLDER, f"{part.digest}.json", part.data)
        entry_bytes = orjson.dumps({"digest": part.digest, "sources": dict(part.sources)})
        publish_bytes(static_dir, INDEX_FOLDER, name, entry_bytes)
    return part


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of regionmap's code: a new version prepares its bases again."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.glob("static/*")]):
        if path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def publish_base(base: BasePart, static_dir: Path, base_url: str = "/") -> str:
    """Write the base to the app's static folder (once, atomically); return its URL."""
    name = f"{base.digest}.json"
    publish_bytes(static_dir, BASE_FOLDER, name, base.data)
    return static_url(BASE_FOLDER, name, base_url)


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
