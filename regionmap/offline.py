"""Folium maps that load nothing from the network.

Stock :class:`folium.Map` pulls Leaflet, jQuery, Bootstrap, Leaflet.awesome-markers and
Font Awesome from CDNs; with no network the page stays blank. :class:`OfflineMap` replaces
those links with ``data:`` URIs built from the files vendored under ``regionmap/assets/``
(Leaflet 1.9.4 and jQuery 3.7.1, see ``assets/VERSIONS.txt`` and
``scripts/vendor_assets.py``), so a map renders offline both as a saved HTML file and inside
a Streamlit component page such as the app's (:mod:`regionmap.mapcomponent`, which turns every
``default_js``/``default_css`` entry into a ``<script src>``/``<link href>``).

What is inlined, in load order:

* ``leaflet`` -- Leaflet's JavaScript.
* ``jquery`` -- jQuery, which :class:`folium.Popup` needs (it emits ``$(...)``).
* ``regionmap_leaflet_icons`` -- a few lines that point ``L.Icon.Default`` at ``data:`` URIs of
  Leaflet's marker images (Leaflet otherwise derives an image path from the CSS, which a
  ``data:`` stylesheet cannot provide).
* ``leaflet_css`` -- Leaflet's CSS with its ``url(images/...)`` references rewritten to
  ``data:`` URIs.

Bootstrap, awesome-markers and Font Awesome are left out on purpose: elements that need them
(``folium.Icon``, ``RegularPolygonMarker``, ``TopoJson``, branca colormaps, most plugins) add
their own CDN links and must not be used with this map. :func:`remote_asset_urls` finds such
links in rendered HTML.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources
from typing import Any

import folium

__all__ = [
    "ASSET_VERSIONS",
    "OfflineMap",
    "offline_js_css",
    "plugin_js_css",
    "remote_asset_urls",
    "tile_js",
]

#: Versions of the vendored browser libraries (kept in step with ``scripts/vendor_assets.py``).
ASSET_VERSIONS: dict[str, str] = {"leaflet": "1.9.4", "jquery": "3.7.1"}
#: Versions of the vendored Leaflet plugins (see :func:`plugin_js_css`).
PLUGIN_VERSIONS: dict[str, str] = {
    "leaflet.markercluster": "1.5.3",
    "leaflet-minimap": "3.6.1",
    "html-to-image": "1.11.13",
}
#: Versions of the vendored vector-tile readers (see :func:`tile_js`).
TILE_VERSIONS: dict[str, str] = {"protomaps-leaflet": "5.1.0", "pmtiles": "4.4.1"}

_SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")
_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<path>[^'")]+)(?P=q)\s*\)""")
_MIME = {
    ".png": "image/png",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


def _asset_bytes(relpath: str) -> bytes:
    """Read one vendored asset, e.g. ``"leaflet/leaflet.js"``, from the installed package.

    Parameters
    ----------
    relpath : str
        Path relative to ``regionmap/assets/``, with ``/`` separators.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    FileNotFoundError
        If the asset is missing (run ``python scripts/vendor_assets.py``).
    """
    node = resources.files("regionmap").joinpath("assets")
    for part in relpath.split("/"):
        node = node.joinpath(part)
    try:
        return node.read_bytes()
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"regionmap asset {relpath!r} is missing; run `python scripts/vendor_assets.py`"
        ) from exc


def _data_uri(data: bytes, mime: str) -> str:
    """Encode bytes as a base64 ``data:`` URI.

    Parameters
    ----------
    data : bytes
        The payload.
    mime : str
        Its media type, e.g. ``"image/png"``.

    Returns
    -------
    str
        ``data:<mime>;base64,<payload>``.
    """
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@lru_cache(maxsize=32)
def _asset_data_uri(relpath: str) -> str:
    """Return a vendored file as a ``data:`` URI (cached)."""
    suffix = relpath[relpath.rfind(".") :]
    return _data_uri(_asset_bytes(relpath), _MIME[suffix])


def _script_uri(relpath: str) -> str:
    """Return a vendored script as a ``data:`` URI without its ``sourceMappingURL`` comment.

    The comment names a map file next to the script; from a ``data:`` URI it cannot resolve,
    and a browser with developer tools open would try to fetch it.
    """
    return _data_uri(_SOURCE_MAP.sub(b"\n", _asset_bytes(relpath)), "text/javascript")


def _inline_css_urls(css: str, base: str) -> str:
    """Replace relative ``url(...)`` references in a stylesheet with ``data:`` URIs.

    Parameters
    ----------
    css : str
        Stylesheet text.
    base : str
        Folder of the stylesheet relative to ``regionmap/assets/`` (e.g. ``"leaflet"``).

    Returns
    -------
    str
        The stylesheet with every relative reference inlined. ``data:`` URIs and fragment
        references (Leaflet's IE-only ``behavior: url(#default#VML)``) are left alone.

    Raises
    ------
    ValueError
        If the stylesheet references an absolute or scheme URL (it would be fetched) or a file
        that is not vendored.
    """

    def replace(match: re.Match[str]) -> str:
        path = match.group("path").strip()
        if path.startswith(("data:", "#")):
            return match.group(0)
        if "//" in path or ":" in path or path.startswith("/") or ".." in path.split("/"):
            raise ValueError(f"stylesheet {base!r} references a non-vendored URL {path!r}")
        return f'url("{_asset_data_uri(f"{base}/{path}")}")'

    return _CSS_URL.sub(replace, css)


# Runs once, right after Leaflet: every L.Icon.Default (folium.Marker without an icon) uses the
# inlined images. imagePath must be a string, or Leaflet prefixes the URLs with the path it
# guesses from the CSS ("null" when the CSS image is itself a data: URI).
_ICON_SCRIPT = """\
(function (L) {
  "use strict";
  if (!L || !L.Icon || !L.Icon.Default) { return; }
  L.Icon.Default.imagePath = "";
  L.Icon.Default.mergeOptions({
    iconUrl: "%(icon)s",
    iconRetinaUrl: "%(icon2x)s",
    shadowUrl: "%(shadow)s"
  });
})(window.L);
"""


@lru_cache(maxsize=1)
def _offline_js_css() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Build (once) the inlined script and stylesheet entries."""
    icons = _ICON_SCRIPT % {
        "icon": _asset_data_uri("leaflet/images/marker-icon.png"),
        "icon2x": _asset_data_uri("leaflet/images/marker-icon-2x.png"),
        "shadow": _asset_data_uri("leaflet/images/marker-shadow.png"),
    }
    css = _inline_css_urls(_asset_bytes("leaflet/leaflet.css").decode("utf-8"), "leaflet")
    js = (
        ("leaflet", _script_uri("leaflet/leaflet.js")),
        ("jquery", _script_uri("jquery/jquery.min.js")),
        ("regionmap_leaflet_icons", _data_uri(icons.encode("utf-8"), "text/javascript")),
    )
    return js, (("leaflet_css", _data_uri(css.encode("utf-8"), "text/css")),)


def offline_js_css() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return folium-style ``default_js`` and ``default_css`` lists made of ``data:`` URIs.

    The URIs are built once per process from the vendored assets and cached; every call
    returns fresh lists, so callers may modify them.

    Returns
    -------
    js : list of (str, str)
        ``(name, data URI)`` pairs, in load order: ``leaflet``, ``jquery``,
        ``regionmap_leaflet_icons``.
    css : list of (str, str)
        ``[("leaflet_css", data URI)]``.

    Examples
    --------
    >>> js, css = offline_js_css()
    >>> [name for name, _ in js]
    ['leaflet', 'jquery', 'regionmap_leaflet_icons']
    >>> all(uri.startswith("data:") for _, uri in js + css)
    True
    """
    js, css = _offline_js_css()
    return list(js), list(css)


def _own_bytes(name: str) -> bytes:
    """Read one of regionmap's own browser files (``regionmap/static/``)."""
    return resources.files("regionmap").joinpath("static").joinpath(name).read_bytes()


@lru_cache(maxsize=1)
def _plugin_js_css() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Build (once) the inlined plugin scripts and stylesheets."""
    js = (
        ("leaflet_markercluster", _script_uri("markercluster/leaflet.markercluster.js")),
        ("leaflet_minimap", _script_uri("minimap/Control.MiniMap.min.js")),
        ("html_to_image", _script_uri("html-to-image/html-to-image.js")),
        ("regionmap_map_js", _data_uri(_own_bytes("regionmap.js"), "text/javascript")),
    )
    sheets = (
        ("markercluster_css", "markercluster", "markercluster/MarkerCluster.css"),
        ("minimap_css", "minimap", "minimap/Control.MiniMap.min.css"),
    )
    css = [
        (name, _data_uri(_inline_css_urls(_asset_bytes(rel).decode(), base).encode(), "text/css"))
        for name, base, rel in sheets
    ]
    css.append(("regionmap_map_css", _data_uri(_own_bytes("regionmap.css"), "text/css")))
    return js, tuple(css)


def plugin_js_css() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the plugins regionmap's maps use, as ``default_js``/``default_css`` entries.

    Leaflet.markercluster 1.5.3, leaflet-minimap 3.6.1 and html-to-image 1.11.13 (the
    Screenshot control; vendored from npm by ``scripts/vendor_assets.py``), then regionmap's
    own script and stylesheet (``regionmap/static/``: marker icons, legend, labels, inset,
    keyboard, screenshot), all as ``data:`` URIs. They load after :func:`offline_js_css`'s
    Leaflet.

    Examples
    --------
    >>> js, css = plugin_js_css()
    >>> [name for name, _ in js]
    ['leaflet_markercluster', 'leaflet_minimap', 'html_to_image', 'regionmap_map_js']
    >>> all(uri.startswith("data:") for _, uri in js + css)
    True
    """
    js, css = _plugin_js_css()
    return list(js), list(css)


@lru_cache(maxsize=1)
def _tile_js() -> tuple[tuple[str, str], ...]:
    return (
        ("pmtiles", _script_uri("pmtiles/pmtiles.js")),
        ("protomaps_leaflet", _script_uri("protomaps-leaflet/protomaps-leaflet.js")),
        ("regionmap_tiles_js", _data_uri(_own_bytes("regionmap-tiles.js"), "text/javascript")),
    )


def tile_js() -> list[tuple[str, str]]:
    """Return the vector-tile readers as ``default_js`` entries, for pages with a tiled layer.

    pmtiles 4.4.1 (global ``pmtiles``: the archive reader, with ``FileSource`` for an archive
    held in a Blob) and protomaps-leaflet 5.1.0 (global ``protomapsL``: a Leaflet grid layer
    that paints vector tiles on canvases), vendored from npm by ``scripts/vendor_assets.py``,
    then regionmap's ``static/regionmap-tiles.js`` (``rmap.tiles``). They load after Leaflet;
    pages without a tiled layer do not carry them (about 150 kB).

    Examples
    --------
    >>> [name for name, _ in tile_js()]
    ['pmtiles', 'protomaps_leaflet', 'regionmap_tiles_js']
    """
    return list(_tile_js())


class OfflineMap(folium.Map):
    """A :class:`folium.Map` whose Leaflet, jQuery and CSS are inlined as ``data:`` URIs.

    Renders without network access, saved as HTML (``m.save(path)``) or shown with the
    app's map component (:func:`regionmap.mapcomponent.mount_args`). Only Leaflet and jQuery
    are loaded: no Bootstrap, awesome-markers or Font Awesome. Default markers
    (``folium.Marker`` without ``icon``) use inlined images. Elements that bring their own CDN
    links (``folium.Icon``, ``RegularPolygonMarker``, ``TopoJson``, branca colormaps, most
    plugins) defeat the purpose; check rendered HTML with :func:`remote_asset_urls`.

    Parameters
    ----------
    location : sequence of float, optional
        Map centre as ``(latitude, longitude)``; the world view when omitted.
    tiles : str, folium.TileLayer or None, default None
        Basemap. ``None`` (the default) adds no tile layer: the caller adds its own basemap
        (e.g. the Natural Earth countries layer, or an opt-in online tile layer with its
        attribution).
    jquery : bool, default True
        Inline jQuery, which :class:`folium.Popup` needs. Maps that bind their popups with
        Leaflet's own ``bindPopup`` (as :func:`regionmap.render.build_map` does) can leave
        it out.
    plugins : bool, default False
        Also inline the plugins of :func:`plugin_js_css` (marker clustering, the inset map
        and regionmap's own marker, legend and label code).
    **kwargs : Any
        Passed on to :class:`folium.Map` (``zoom_start``, ``width``, ``height``,
        ``control_scale``, ``prefer_canvas``, Leaflet map options, ...).

    Examples
    --------
    >>> m = OfflineMap(location=(35.0, 135.0), zoom_start=4)
    >>> _ = folium.Marker((35.0, 135.0), popup="Kyoto").add_to(m)
    >>> remote_asset_urls(m.get_root().render())
    []
    """

    # Filled per instance in __init__ (folium's add_js_link/add_css_link mutate the list in
    # place); the class-level lists stay empty so that no CDN URL is ever inherited.
    default_js: list[tuple[str, str]] = []  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(
        self,
        location: Sequence[float] | None = None,
        tiles: str | folium.TileLayer | None = None,
        *,
        jquery: bool = True,
        plugins: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(location=location, tiles=tiles, **kwargs)
        self.default_js, self.default_css = offline_js_css()
        if not jquery:  # 116 kB saved where no folium.Popup (the only jQuery user) is drawn
            self.default_js = [(n, uri) for n, uri in self.default_js if n != "jquery"]
        if plugins:
            js, css = plugin_js_css()
            self.default_js += js
            self.default_css += css


# Element -> attribute holding a URL the browser fetches on its own.
_ASSET_ATTRS: dict[str, str] = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "frame": "src",
    "source": "src",
    "embed": "src",
    "object": "data",
}


class _AssetLinkParser(HTMLParser):
    """Collect the URLs a page would fetch as scripts, stylesheets, frames or images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _ASSET_ATTRS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value.strip())

    handle_startendtag = handle_starttag


def remote_asset_urls(html: str) -> list[str]:
    """List the network URLs that a page loads as assets.

    Looks at ``<script src>``, ``<link href>``, ``<img src>``, ``<iframe src>`` and similar
    attributes (not at text, comments, attributions or ordinary ``<a href>`` links) and returns
    those that are not inlined: any URL with a scheme other than ``data:`` and ``blob:``
    (``http:``, ``https:``, ``ftp:``, ``file:``, ...) and protocol-relative ``//host/...`` URLs.
    Relative paths are not reported.

    Parameters
    ----------
    html : str
        A rendered page, e.g. ``m.get_root().render()``.

    Returns
    -------
    list of str
        The offending URLs in document order (empty for an offline page).

    Examples
    --------
    >>> remote_asset_urls('<script src="https://cdn.test/x.js"></script><a href="https://a.test">')
    ['https://cdn.test/x.js']
    """
    parser = _AssetLinkParser()
    parser.feed(html)
    parser.close()
    remote = []
    for url in parser.urls:
        lowered = url.lower()
        if lowered.startswith(("data:", "blob:")):
            continue
        if lowered.startswith("//") or re.match(r"[a-z][a-z0-9+.-]*:", lowered):
            remote.append(url)
    return remote
