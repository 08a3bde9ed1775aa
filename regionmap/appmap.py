"""The app's map in two parts: one base map per session, and the view's layers swapped onto it.

The base map holds no layer and does not depend on the region: it is the same page for every
view (only an online tile basemap changes it), so the app's map component
(:mod:`regionmap.mapcomponent`) keeps it mounted, and the browser its view, across pans,
toggles and region changes. The app moves it with the component's ``center``/``zoom``
(:func:`view_center`, :func:`view_zoom`). Every layer, the countries included (fitted to the
app's box, with their labels and the inset), is drawn from the view contents and handed to
the component as feature groups, which it swaps in place (only those that changed). So the
map draws, with the same numbers in its popups, exactly what the table, the sources panel
and the exports list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from regionmap.appbase import BasePart, UseBase, base_lists, countries_map
from regionmap.citations import Bibliography, number_sources
from regionmap.credits import default_export_date
from regionmap.filters import Filters
from regionmap.frame import APP_MAP_SIZE, view_center, view_zoom
from regionmap.legend import legend_entries, legend_html
from regionmap.mapcomponent import MAP_VAR
from regionmap.offline import OfflineMap
from regionmap.render import MapLegend, ScreenshotFooter, SourceLists, TileCitations, build_map
from regionmap.screenshot import screenshot_footer
from regionmap.styles import Style, layer_styles
from regionmap.tilemap import TileSource
from regionmap.view import WORLD, BBox, Shown, ViewContents

__all__ = ["APP_MAP_SIZE", "base_map", "data_groups", "view_center", "view_zoom"]


def base_map(
    tiles: str | None = None,
    *,
    tiled: Shown | None = None,
    sources: Mapping[str, TileSource] | None = None,
    styles: Mapping[str, Style] | None = None,
    filters: Filters | None = None,
) -> OfflineMap:
    """The app's mounted map: Leaflet, the plugins, the controls and the tiled layers; no region.

    The same for every region (but the online ``tiles``), so that the component keeps the
    page mounted when the region changes; :func:`data_groups` brings the other
    layers. Tiled layers (big layers drawn from their PMTiles archive, read from ``sources``'
    URLs) belong to the base map: the browser draws them on every pan and zoom with no rerun,
    and they change only with the filters. Their popups cite by the numbers the data groups
    carry (:class:`regionmap.render.TileCitations`), which follow the view as the sources
    panel does.
    """
    drawn = [(layer, []) for layer, _ in tiled or [] if sources and layer.id in sources]
    return build_map(
        drawn,
        bbox=WORLD,
        bibliography=Bibliography(),
        basemap=tiles,
        styles=styles,
        legend=False,  # the data groups carry the legend (tiled layers' entries included)
        labels=False,
        inset=False,
        tiles=dict(sources or {}),
        filters=filters,
    )


class MapBase(MacroElement):
    """Replace the country labels and the inset of the mounted map (``rmap.base``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
rmap.base({{ this.map.get_name() }}, {{ this.config_json }});
{% endmacro %}"""
    )

    def __init__(self, map_element: Any, config_json: str) -> None:
        super().__init__()
        self._name = "RegionmapBase"
        self.map = map_element  # anything with get_name(): read at render time
        self.config_json = config_json  # the JSON build_map wrote for rmap.setup (escaped)


class _MountedMap:
    """Stands for the mounted map: its JavaScript variable is ``map_div``."""

    def get_name(self) -> str:
        """The map's variable in the component's page."""
        return MAP_VAR


def data_groups(
    contents: ViewContents | None,
    styles: Mapping[str, Style] | None = None,
    export_date: dt.date | None = None,
    *,
    basemaps: Shown = (),
    anchor: BBox = WORLD,
    tiles: str | None = None,
    backdrops: dict[str, list[dict[str, Any]]] | None = None,
    tiled: frozenset[str] = frozenset(),
    base: tuple[BasePart, str] | None = None,
) -> list[folium.FeatureGroup]:
    """The view's layers as feature groups for the mounted map, with the selected feature open.

    ``basemaps`` (the ticked countries fitted to the app's box ``anchor``, with coarse
    ``backdrops`` around them) come first, underneath the data layers of ``contents``; their
    country labels and the inset (for boxes narrower than the world) replace the mounted
    map's (:class:`MapBase`). ``tiles`` is the online basemap under them, if any.

    The popups' shared source lists, the legend (one entry per data layer in view, with its
    count) and the Screenshot control's footer (credits and sources of this view, dated
    ``export_date``, default today) travel in a last group of their own ("View"), so the
    groups stand on their own when added to the mounted map, a screenshot always carries the
    footer of the view shown, and a pan that changes only them leaves the layers' groups
    unchanged (the component keeps those, :mod:`regionmap.mapcomponent`). ``styles`` are the
    colours and shapes of the whole catalog (:func:`regionmap.styles.layer_styles`), so a
    layer keeps its colour when another is toggled. A view without layers gets only that
    group, which clears the legend, the labels and the inset (and holds the footer). Layers
    in ``tiled`` are drawn by the base map from their tiles: they get no group here, only
    their legend entry and their popups' numbers.

    ``base`` (the countries published as a static file, :mod:`regionmap.appbase`, and its
    URL) replaces ``basemaps``: the groups then only name the file, which the browser fetches
    once per box, and carry its popups' source lists numbered for this view.
    """
    basemaps = list(basemaps)
    bibliography = contents.bibliography if contents is not None else number_sources(basemaps)
    groups: list[folium.FeatureGroup] = []
    lists: list[Any] = []
    base_config = "{}"
    if basemaps and base is None:
        inline = countries_map(basemaps, anchor, bibliography, tiles, backdrops)
        groups += _groups(inline)
        lists += _named(inline, "RegionmapSources")
        base_config = _named(inline, "RegionmapSetup")[0].config_json
    drawn: Shown = []
    vectors = [(la, f) for la, f in contents.data_layers if la.id not in tiled] if contents else []
    if contents is not None and vectors:
        m = build_map(
            vectors,
            bbox=contents.view.frame,
            bibliography=bibliography,
            selected=contents.view.selected,
            styles=styles,
            legend=False,
            labels=False,
            inset=False,
            basemap=tiles,
        )
        groups += _groups(m)
        lists += _named(m, "RegionmapSources")
    if contents is not None:
        drawn = [(layer, features) for layer, features in contents.data_layers if features]
    # The view's furniture goes in a group of its own, last: a pan that changes only the
    # legend's counts or the numbering leaves the layers' groups as they were, and the
    # component (regionmap.mapcomponent) keeps them.
    first = folium.FeatureGroup(name="View", show=True)
    groups.append(first)
    if base is not None:
        if not lists:
            lists.append(SourceLists())
        lists[0].lists.update(base_lists(base[0], bibliography))
    if lists:
        for other in lists[1:]:  # one numbering: the same key is the same list
            lists[0].lists.update(other.lists)
        first.add_child(lists[0], name="rm_sources", index=0)
    used = styles if styles is not None else layer_styles(la for la, _ in drawn)
    legend = legend_html(legend_entries(drawn, used)) or None
    first.add_child(MapLegend(_MountedMap(), legend), name="rm_legend")
    if base is not None:
        first.add_child(UseBase(base[1], base[0].digest), name="rm_base")
    else:  # the countries inline, or none: a countries file shown before is dropped
        first.add_child(UseBase(None, None), name="rm_use_base")
        first.add_child(MapBase(_MountedMap(), base_config), name="rm_base")
    if contents is not None:
        footer = screenshot_footer(contents, export_date or default_export_date())
        first.add_child(ScreenshotFooter(footer), name="rm_screenshot")
        for layer, _ in contents.data_layers:
            if layer.id in tiled:
                cites = TileCitations(layer, contents.bibliography)
                first.add_child(cites, name=f"rm_cites_{len(first._children)}")
    return groups


def _named(m: folium.Map, name: str) -> list[Any]:
    """The map's direct children with this element name (e.g. ``RegionmapSources``)."""
    return [c for c in m._children.values() if getattr(c, "_name", "") == name]


def _groups(m: folium.Map) -> list[folium.FeatureGroup]:
    """The map's feature groups, their point layers re-pointed at the mounted map."""
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    for group in groups:
        for element in group._children.values():
            if hasattr(element, "map") and getattr(element, "_name", "") == "RegionmapPoints":
                # the mounted map is "map_div" in the groups the component swaps in;
                # the point layers must be added to that map, not to this throwaway one.
                element.map = _MountedMap()
    return groups
