"""Turn layers into an offline folium map: the map of the app and of the HTML export.

Every layer becomes one ``folium.FeatureGroup`` (named after the layer) holding a
``folium.GeoJson`` of its polygons and lines, fitted to the view
(:func:`regionmap.clip.fit_to_view`), and its points as shaped SVG markers in the layer's colour
(:mod:`regionmap.styles`), clustered with Leaflet.markercluster where they overlap. The map
also gets a legend (:mod:`regionmap.legend`), country-name labels (:mod:`regionmap.labels`) and
an inset locator map (leaflet-minimap), all drawn by ``regionmap/static/regionmap.js``.

The GeoJSON handed to folium or to the script is a dict built here whose only properties are
the popup and tooltip HTML, both made of escaped text (:mod:`regionmap.popups`), and the key
of the popup's source list; raw layer strings never reach folium, Jinja or the page. A small,
fixed ``onEachFeature`` function binds them with Leaflet's ``bindPopup``/``bindTooltip``.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import folium
import orjson
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from regionmap.basemaps import tile_layer
from regionmap.catalog import Layer
from regionmap.citations import Bibliography
from regionmap.clip import cut_out, fit_to_view, view_window
from regionmap.cluster import Cell, aggregate
from regionmap.filters import Filters
from regionmap.labels import country_labels, marker_labels
from regionmap.legend import LegendEntry, legend_entries, legend_html
from regionmap.offline import OfflineMap, tile_js
from regionmap.popups import (
    POPUP_CSS,
    citation_numbers,
    feature_name,
    feature_refs,
    popup_body_html,
    sources_html,
    tooltip_html,
)
from regionmap.safe_html import escape_text
from regionmap.schema import Style
from regionmap.screenshot import Footer
from regionmap.styles import layer_styles, marker_svg
from regionmap.tilemap import TileSource, spec_json, tile_citations, tile_spec
from regionmap.view import WORLD, is_basemap

__all__ = ["SEA_COLOUR", "TileCitations", "build_map", "map_html", "number_elements"]

BBox = tuple[float, float, float, float]
Shown = list[tuple[Layer, list[dict[str, Any]]]]

#: The plain sea colour behind the countries (the default, offline basemap).
SEA_COLOUR = "#c9dcea"
#: Deepest zoom (no tiles limit it; the 1:10m countries hold detail to about here).
MAX_ZOOM = 14
#: Views wider than this (degrees of longitude) get no inset: they show the world already.
INSET_MAX_WIDTH = 150
#: Above this many points the map draws on a canvas instead of SVG elements.
CANVAS_POINTS = 2000
_LINES = ("LineString", "MultiLineString")
#: Fill opacity of basemap layers when an online tile basemap is underneath.
_OVER_TILES_OPACITY = 0.1
_POINTS = ("Point", "MultiPoint")
#: Size of a point marker in CSS pixels (the layer's ``radius`` is its half-width).
_MIN_MARKER, _MAX_MARKER = 10, 24

# Static JavaScript (no layer data): bind each feature's pre-escaped popup and tooltip. The
# popup's source list is shared by every feature citing the same sources (rmSources, written
# once per map by SourceLists), which keeps the payload small.
_BIND = JsCode(
    """function (feature, layer) {
  var p = feature.properties || {};
  if (p.popup) {
    layer.bindPopup(function () {
      var listed = (window.rmSources || {})[p.sources] || "";
      return '<div class="rm-popup">' + p.popup + listed + "</div>";
    }, {maxWidth: 360});
  }
  if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: true}); }
}"""
)


def _script_json(value: Any) -> str:
    """JSON for a ``<script>`` block that branca renders again as a Jinja template.

    Every string inside was escaped by :func:`~regionmap.safe_html.escape_text` (or is
    SVG built from checked colours), so braces only occur as JSON structure, where a
    ``{`` is always followed by ``"`` or ``}``: no Jinja tag can open. The check below
    keeps it that way if a caller ever passes raw text.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    for tag in ("{{", "{%", "{#"):
        if tag in text:
            raise ValueError(f"map data would open a template tag {tag!r}; escape its text")
    return text


class _PointLayer(MacroElement):
    """One layer's points as shaped markers (clustered), added to the layer's feature group."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.points({{ this.map.get_name() }}, {{ this._parent.get_name() }}, {{ this.spec_json }});
{% endmacro %}"""
    )

    def __init__(self, map_element: folium.Map, spec: dict[str, Any]) -> None:
        super().__init__()
        self._name = "RegionmapPoints"
        self.map = map_element  # its name is read at render time (map_html renumbers ids)
        self.spec_json = _script_json(spec)


class _TileLayer(MacroElement):
    """One big layer drawn from its PMTiles archive (protomaps-leaflet), in its feature group."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.tiles({{ this.map.get_name() }}, {{ this._parent.get_name() }}, {{ this.spec_json }});
{% endmacro %}"""
    )

    def __init__(self, map_element: folium.Map, spec: dict[str, Any]) -> None:
        super().__init__()
        self._name = "RegionmapTiles"
        self.map = map_element
        self.spec_json = spec_json(spec)


class TileCitations(MacroElement):
    """A tiled layer's citation numbers in this view, for its popups (``window.rmTileCites``).

    In the app the tiled layer lives on the base map, which stays put while the frame moves;
    the numbering follows the view, so it travels in the data groups swapped in on each rerun.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(window.rmTileCites = window.rmTileCites || {})[{{ this.id_json }}] = {{ this.cites_json }};
{% endmacro %}"""
    )

    def __init__(self, layer: Layer, bibliography: Bibliography) -> None:
        super().__init__()
        self._name = "RegionmapTileCites"
        numbers, cites = tile_citations(layer, bibliography)
        self.id_json = spec_json(layer.id)
        self.cites_json = spec_json({"numbers": numbers, "cites": cites})


class _Setup(MacroElement):
    """Legend, labels, inset and keyboard behaviour, once every layer has been added."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.setup({{ this._parent.get_name() }}, {{ this.config_json }});
{% endmacro %}"""
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "RegionmapSetup"
        self.config_json = _script_json(config)


class MapLegend(MacroElement):
    """Replace the legend of a mounted map (the app's data groups carry their legend)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.legend({{ this.map.get_name() }}, {{ this.html_json }});
{% endmacro %}"""
    )

    def __init__(self, map_element: Any, html: str | None) -> None:
        super().__init__()
        self._name = "RegionmapLegend"
        self.map = map_element  # anything with get_name(): read at render time
        self.html_json = _script_json(html)


class SourceLists(MacroElement):
    """The popups' source lists (escaped HTML by key), written once per map."""

    _template = Template(
        """{% macro script(this, kwargs) %}
window.rmSources = {{ this.lists_json }};
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "RegionmapSources"
        self.lists: dict[str, str] = {}

    @property
    def lists_json(self) -> str:
        """The lists as a JavaScript object literal for a ``<script>`` block.

        ``tojson`` would write every ``<`` of the (already escaped) HTML as ``\\u003c``,
        six bytes for one; here only ``</`` is escaped, which is all a script block needs.
        Layer text inside is escaped already, braces included, so nothing here can open a
        Jinja tag on branca's second rendering pass.
        """
        text = json.dumps(self.lists, ensure_ascii=False, separators=(",", ":"))
        return text.replace("</", "<\\/").replace("<!--", "<\\!--")

    def key(self, numbers: list[int], bibliography: Bibliography) -> str:
        """Register the source list of these citation numbers; return its key."""
        key = ",".join(map(str, numbers))
        if key not in self.lists:
            cited = {c.number: c for c in bibliography.citations}
            self.lists[key] = sources_html([cited[n] for n in numbers if n in cited])
        return key


class ScreenshotFooter(MacroElement):
    """The footer the map's Screenshot control burns in (``window.rmShot``), for one view.

    Added to the standalone map, and in the app to the view's first data group, so the
    control (mounted once with the base map) reads the footer of the view shown now.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
window.rmShot = {{ this.footer_json }};
{% endmacro %}"""
    )

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self._name = "RegionmapScreenshot"
        # Escaped text (braces included), decoded to plain text by regionmap.js's textOf.
        self.footer_json = _script_json(
            {
                "title": escape_text(footer.title),
                "credits": escape_text(footer.credits),
                "sources": escape_text(footer.sources),
                "name": escape_text(footer.name),
            }
        )


class OpenSelected(MacroElement):
    """Highlight the feature with this reference in the parent group and open its popup."""

    _template = Template(
        """{% macro script(this, kwargs) %}
setTimeout(function () {
  var needle = {{ this.needle_json }};
  var open = function (l, cluster) {
    if (l.setStyle) { l.setStyle({color: "#000000", weight: 4}); }
    if (l.bringToFront) { l.bringToFront(); }
    if (cluster && cluster.zoomToShowLayer) {
      cluster.zoomToShowLayer(l, function () { l.openPopup(); });
    } else { l.openPopup(); }
  };
  var walk = function (group, cluster) {
    group.eachLayer(function (l) {
      if (l.eachLayer && !l.feature) { walk(l, l.zoomToShowLayer ? l : cluster); return; }
      var p = (l.feature || {}).properties || {};
      if (p.tooltip && p.tooltip.indexOf(needle) >= 0) { open(l, cluster); }
    });
  };
  walk({{ this._parent.get_name() }}, null);
}, 0);
{% endmacro %}"""
    )

    def __init__(self, ref: str) -> None:
        super().__init__()
        self._name = "RegionmapSelected"
        # The tooltip holds the escaped reference between these marks (popups.tooltip_html);
        # escape_text also encodes braces, so nothing here can open a Jinja tag.
        self.needle_json = json.dumps(f"\u27e6{escape_text(ref)}\u27e7").replace("</", "<\\/")


def _style(layer: Layer, over_tiles: bool, style: Style | None = None) -> dict[str, Any]:
    """Leaflet path options from the layer's ``style`` (or the one it is drawn with)."""
    assert layer.meta is not None
    style = style or layer.meta.style
    opacity = style.fill_opacity
    if over_tiles and is_basemap(layer):
        opacity = min(opacity, _OVER_TILES_OPACITY)
    return {
        "color": style.color,
        "weight": style.weight,
        "fill": True,
        "fillColor": style.fill_color or style.color,
        "fillOpacity": opacity,
    }


def _styler(layer: Layer, over_tiles: bool, style: Style | None = None) -> Any:
    """A folium style function: the layer's style, without fill for lines."""
    filled = _style(layer, over_tiles, style)
    line = {**filled, "fill": False}

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        kind = (feature.get("geometry") or {}).get("type", "")
        return line if kind in _LINES else filled

    return style


def _payload(
    layer: Layer,
    features: list[dict[str, Any]],
    bibliography: Bibliography,
    lists: SourceLists,
) -> dict[str, Any]:
    """The FeatureCollection handed to folium: geometry plus escaped popup and tooltip."""
    out = []
    refs = feature_refs(layer, features)
    for index, (feature, ref) in enumerate(zip(features, refs, strict=True)):
        numbers = citation_numbers(bibliography, layer, feature)
        out.append(
            {
                "type": "Feature",
                "id": str(index),
                "properties": {
                    "popup": popup_body_html(layer, feature),
                    "sources": lists.key(numbers, bibliography),
                    "tooltip": tooltip_html(feature_name(feature), ref),
                },
                "geometry": feature["geometry"],
            }
        )
    return {"type": "FeatureCollection", "features": out}


def _geojson(
    layer: Layer,
    features: list[dict[str, Any]],
    bibliography: Bibliography,
    lists: SourceLists,
    *,
    over_tiles: bool,
    style: Style | None = None,
) -> folium.GeoJson:
    """One folium GeoJson for a layer's polygons and lines."""
    assert layer.meta is not None
    attribution = layer.meta.attribution or f"{layer.meta.title} ({layer.meta.license})"
    return folium.GeoJson(
        _payload(layer, features, bibliography, lists),
        style_function=_styler(layer, over_tiles, style),
        marker=folium.CircleMarker(radius=layer.meta.style.radius),
        on_each_feature=_BIND,
        control=False,
        attribution=escape_text(attribution),
    )


def _cells_geojson(layer: Layer, cells: list[Cell], style: Style | None = None) -> folium.GeoJson:
    """Aggregated points of a dense layer: one marker per grid cell, sized by count."""
    assert layer.meta is not None
    title = escape_text(layer.meta.title)
    features = []
    for index, cell in enumerate(cells):
        names = ", ".join(escape_text(name) for name in cell.names)
        more = " …" if cell.count > len(cell.names) else ""
        popup = (
            f"<b>{cell.count:,} features</b> of {title} here"
            + (f": {names}{more}" if names else "")
            + ".<br>Choose a smaller region or narrow the filters to see each one with its "
            "sources."
        )
        features.append(
            {
                "type": "Feature",
                "id": f"cell-{index}",
                "properties": {
                    "popup": popup,
                    "tooltip": f"{cell.count:,} features",
                    "radius": min(4 + 2 * math.log10(cell.count), 14),
                },
                "geometry": {"type": "Point", "coordinates": [cell.lon, cell.lat]},
            }
        )
    base = _style(layer, over_tiles=False, style=style)
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {**base, "radius": f["properties"]["radius"]},
        marker=folium.CircleMarker(radius=layer.meta.style.radius),
        on_each_feature=_BIND,
        control=False,
    )


def _count_points(shown: Shown) -> int:
    """How many point features the map will draw."""
    return sum(
        1
        for _, features in shown
        for f in features
        if (f.get("geometry") or {}).get("type") in _POINTS
    )


def _is_point(feature: dict[str, Any]) -> bool:
    return (feature.get("geometry") or {}).get("type") in _POINTS


def _reading_order(feature: dict[str, Any]) -> tuple[float, float]:
    """North to south, then west to east: the order markers are reached with Tab."""
    coords = feature["geometry"]["coordinates"]
    first = coords[0] if feature["geometry"]["type"] == "MultiPoint" and coords else coords
    try:
        return -round(float(first[1]), 1), float(first[0])
    except (TypeError, ValueError, IndexError):
        return 0.0, 0.0


def _point_spec(
    layer: Layer,
    points: list[dict[str, Any]],
    style: Style,
    bibliography: Bibliography,
    lists: SourceLists,
    *,
    cluster: bool,
) -> dict[str, Any]:
    """What ``rmap.points`` needs to draw a layer's points: data, icon, colour, clustering."""
    ordered = sorted(points, key=_reading_order)
    size = int(min(max(2 * style.radius + 2, _MIN_MARKER), _MAX_MARKER))
    return {
        "id": layer.id,
        "shape": style.marker,
        "icon": marker_svg(style, size),
        "size": size,
        "color": style.fill_color or style.color,
        "cluster": cluster,
        "data": _payload(layer, ordered, bibliography, lists),
    }


#: The inset's land outlines, by a digest of the backdrop's geometries (read-only values).
_insets: dict[str, dict[str, Any]] = {}
_insets_lock = threading.Lock()


def _inset_world(shown: Shown, backdrops: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A light outline of the land for the inset map (the coarsest basemap features given)."""
    import shapely
    from shapely.geometry import mapping, shape

    features: list[dict[str, Any]] = []
    for layer, layer_features in shown:
        if is_basemap(layer):
            features = backdrops.get(layer.id) or list(layer_features)
            break
    # The same world for every box: kept by the geometries' digest (a few ms to take).
    key = hashlib.sha256(orjson.dumps([f.get("geometry") for f in features])).hexdigest()
    found = _insets.get(key)
    if found is not None:
        return found
    out = []
    for feature in features:
        geometry = feature.get("geometry")
        if not geometry:
            continue
        try:
            geom = shapely.set_precision(shape(geometry).simplify(0.3), 0.1)
        except (ValueError, TypeError, shapely.errors.GEOSException):
            continue
        if not geom.is_empty:
            out.append({"type": "Feature", "properties": {}, "geometry": mapping(geom)})
    world = {"type": "FeatureCollection", "features": out}
    with _insets_lock:  # the app's sessions draw in threads of one process
        if len(_insets) >= 4:  # a handful of basemaps at most
            _insets.pop(next(iter(_insets)))
        _insets[key] = world
    return world


def _labels(shown: Shown, styles: Mapping[str, Style], bbox: BBox) -> dict[str, list[list[Any]]]:
    """Country-name labels from the basemap, and marker labels of layers with ``style.label``."""
    out: dict[str, list[list[Any]]] = {"countries": [], "markers": []}
    for number, (layer, features) in enumerate(shown):
        if layer.meta is None or not layer.ok:
            continue
        if is_basemap(layer):
            out["countries"] += country_labels(features, bbox)
            continue
        field = styles[layer.id].label if layer.id in styles else layer.meta.style.label
        if field:
            out["markers"] += marker_labels(features, field, rank=10_000 * (number + 1))
    return out


def build_map(
    shown: Shown,
    *,
    bbox: BBox,
    bibliography: Bibliography,
    basemap: str | None = None,
    backdrops: dict[str, list[dict[str, Any]]] | None = None,
    selected: str | None = None,
    styles: Mapping[str, Style] | None = None,
    legend: Sequence[LegendEntry | tuple[str, Style, int]] | bool | None = None,
    labels: bool = True,
    cluster: bool = True,
    inset: bool = True,
    screenshot: bool = True,
    tiles: Mapping[str, TileSource] | None = None,
    filters: Filters | None = None,
) -> OfflineMap:
    """Render layers into an offline folium map framed on ``bbox``.

    Parameters
    ----------
    shown : list of (Layer, features)
        The layers to draw, each with the features it shows (broken layers are skipped).
        Basemap layers are drawn first, underneath the others.
    bbox : (west, south, east, north)
        The view; the map opens fitted to it and lines and polygons are clipped to it plus a
        margin, simplified and rounded to what it can show.
    bibliography : Bibliography
        The numbering of the sources (:func:`regionmap.citations.number_sources` over
        ``shown``); popups cite by these numbers.
    basemap : str, optional
        An online tile basemap from :func:`regionmap.basemaps.basemap_names`. Off by default:
        the map then loads nothing from the network.
    backdrops : dict, optional
        Coarse features by layer id (e.g. the 1:110m countries) drawn around the view's
        clipping window, so that panning away from a detailed view still shows land.
    selected : str, optional
        A feature reference ``layer:id``: that feature is highlighted with its popup open.
    styles : mapping of layer id to Style, optional
        The style each layer is drawn with; pass :func:`regionmap.styles.layer_styles` over
        the whole catalog so colours stay put when layers are toggled. By default computed
        from ``shown``: a layer's own ``style``, or a distinct automatic one.
    legend : list of LegendEntry or (title, style, count), or bool, optional
        The legend's entries (e.g. the view contents' legend entries). ``None`` or ``True``:
        one entry per drawn non-basemap layer, counted from ``shown``. ``False`` or ``[]``:
        no legend.
    labels : bool, default True
        Country names from the basemap (shown by zoom, never over a marker) and marker
        labels of layers whose style names a ``label`` property.
    cluster : bool, default True
        Cluster overlapping markers (Leaflet.markercluster); a click opens a cluster.
    inset : bool, default True
        A small locator map in the corner showing where the view lies (not for views wider
        than :data:`INSET_MAX_WIDTH` degrees, which show the world already).
    screenshot : bool, default True
        A Screenshot control (html-to-image): one click downloads the map as shown as a PNG
        at 2x with a footer of credits and sources, those of the :class:`ScreenshotFooter`
        added to the map (or to a data group swapped in later).
    tiles : mapping of layer id to TileSource, optional
        Big layers drawn from their PMTiles archive (:mod:`regionmap.tilemap`) instead of
        as Leaflet vectors: their features in ``shown`` only count for the legend.
    filters : Filters, optional
        The view's filters: a tiled layer applies its time window in the browser, through
        its tile properties.

    Returns
    -------
    OfflineMap
        The map (no layer control: the app's sidebar is the one layer switch). Render it
        with :func:`map_html` or :func:`regionmap.mapcomponent.mount_args`.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> from regionmap.citations import number_sources
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> shown = [(layer, layer.features)]
    >>> m = build_map(shown, bbox=(-180, -60, 180, 84), bibliography=number_sources(shown))
    >>> from regionmap.offline import remote_asset_urls
    >>> remote_asset_urls(map_html(m))
    []
    """
    backdrops = backdrops or {}
    tiles = tiles or {}
    drawn = [(layer, f) for layer, f in shown if layer.meta is not None and layer.ok]
    styles = dict(styles) if styles is not None else layer_styles(layer for layer, _ in drawn)
    west, south, east, north = bbox
    # Start near the final view: Leaflet's SVG renderer misses paths at the edge of a view
    # reached by fitBounds from a far-away start (seen in Chromium with the world start).
    m = OfflineMap(
        location=((south + north) / 2, (west + east) / 2),
        tiles=None,
        zoom_start=max(1, int(math.log2(720 / max(east - west, 0.5)))),
        min_zoom=1,
        maxZoom=MAX_ZOOM,  # markercluster needs one; folium only gives it to tile layers
        zoom_snap=0.25,
        control_scale=True,
        prefer_canvas=_count_points([s for s in shown if s[0].id not in tiles]) > CANVAS_POINTS,
        jquery=False,  # popups are bound with Leaflet's bindPopup, not folium.Popup
        plugins=True,
    )
    # "html .leaflet-container" outranks Leaflet's own ".leaflet-container" background.
    css = (
        f"html .leaflet-container{{background:{SEA_COLOUR}}}"
        f"html .leaflet-control-attribution{{font-size:11px}}{POPUP_CSS}"
    )
    m.get_root().header.add_child(folium.Element(f"<style>{css}</style>"), name="regionmap_css")
    lists = SourceLists()
    m.add_child(lists)
    if basemap:
        tile_layer(basemap).add_to(m)
    window = view_window(bbox)
    ordered = [s for s in drawn if is_basemap(s[0])] + [s for s in drawn if not is_basemap(s[0])]
    for layer, features in ordered:
        assert layer.meta is not None
        style = styles.get(layer.id, layer.meta.style)
        group = folium.FeatureGroup(name=escape_text(layer.meta.title), show=True)
        if layer.id in tiles:
            spec = tile_spec(layer, style, bibliography, tiles[layer.id], filters)
            if spec is not None:
                group.add_child(_TileLayer(m, spec))
            group.add_to(m)
            continue
        backdrop = backdrops.get(layer.id)
        kept, cells = aggregate(features, view_window(bbox))  # bin first: fit only the rest
        points = [f for f in kept if _is_point(f)]
        fitted = fit_to_view([f for f in kept if not _is_point(f)], bbox)
        parts = [fitted]
        if backdrop:
            parts.insert(0, cut_out(fit_to_view(backdrop, WORLD, margin=0), window))
        for part in parts:
            if part:  # an empty GeoJson has nothing to draw (and folium's styler needs one)
                _geojson(
                    layer, part, bibliography, lists, over_tiles=bool(basemap), style=style
                ).add_to(group)
        if cells:
            _cells_geojson(layer, cells, style).add_to(group)
        if points:
            spec = _point_spec(layer, points, style, bibliography, lists, cluster=cluster)
            group.add_child(_PointLayer(m, spec))
        if selected and selected.startswith(f"{layer.id}:"):
            group.add_child(OpenSelected(selected))
        group.add_to(m)
    if legend is None or legend is True:
        entries: Sequence[Any] = legend_entries(
            drawn, styles, skip=[layer.id for layer, _ in drawn if is_basemap(layer)]
        )
    else:
        entries = legend or []
    config: dict[str, Any] = {"legend": legend_html(entries) or None}
    if labels:
        config["labels"] = _labels([s for s in drawn if s[0].id not in tiles], styles, bbox)
    if inset and east - west <= INSET_MAX_WIDTH:  # a world view is its own locator
        config["inset"] = _inset_world(drawn, backdrops)
    if screenshot:
        config["screenshot"] = True
    m.add_child(_Setup(config))
    if tiles:
        m.default_js += tile_js()
    m.fit_bounds([[south, west], [north, east]])
    return m


def map_html(m: folium.Map) -> str:
    """Return the map as one self-contained HTML page (for the standalone export).

    folium gives every element a random id, which ends up in the page's variable and element
    names; they are numbered in tree order first, so the same map gives the same page.

    Examples
    --------
    >>> map_html(OfflineMap()).startswith("<!DOCTYPE html>")
    True
    >>> map_html(OfflineMap(location=(0, 0))) == map_html(OfflineMap(location=(0, 0)))
    True
    """
    root = m.get_root()
    number_elements(root, lambda n: f"{n:032x}")
    return root.render()


def number_elements(root: Element, name: Callable[[int], str]) -> None:
    """Give ``root`` and every element below it the id ``name(n)`` by its place in the tree.

    folium's ids are random; numbered, the same map renders the same text. The walk takes
    parents before children, and also the elements of an element's own ``header``, ``html``
    and ``script`` parts (a ``folium.Popup`` keeps its content there). A parent names its
    children by their names when they were added (a ``Popup`` writes those keys into its
    script), so the keys follow the new names too.
    """
    elements = _tree(root)
    before = {id(e): e.get_name() for e in elements}
    for number, element in enumerate(elements):
        element._id = name(number)
    for element in elements:
        children = element._children
        if any(before.get(id(child)) == key for key, child in children.items()):
            renamed = [
                (child.get_name() if before.get(id(child)) == key else key, child)
                for key, child in children.items()
            ]
            children.clear()
            children.update(renamed)


def _tree(root: Element) -> list[Element]:
    """Every element below ``root`` (itself included), parents before children, once each."""
    found: dict[int, Element] = {}
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) not in found:
            found[id(element)] = element
            parts = [getattr(element, part, None) for part in ("script", "html", "header")]
            stack.extend(p for p in parts if isinstance(p, Element))
            stack.extend(reversed(list(element._children.values())))
    return list(found.values())
