"""The app's map in two parts: a base map fixed by the app's view, and the view's data on it.

The base map (the countries around the region or fitted box, fitted to that box) does not
change when the user pans, so the browser keeps its view. The data layers are drawn from the
view contents of the frame the map reports, and handed to ``st_folium`` as feature groups
(``feature_group_to_add``), which streamlit-folium swaps in place without rebuilding the map.
So the map draws, with the same numbers in its popups, exactly what the table, the sources
panel and the exports list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import folium

from regionmap.citations import number_sources
from regionmap.credits import default_export_date
from regionmap.filters import Filters
from regionmap.legend import legend_entries, legend_html
from regionmap.offline import OfflineMap
from regionmap.render import MapLegend, ScreenshotFooter, TileCitations, build_map
from regionmap.screenshot import screenshot_footer
from regionmap.styles import Style, layer_styles
from regionmap.tilemap import TileSource
from regionmap.view import BBox, Shown, ViewContents

__all__ = ["base_map", "data_groups"]


def base_map(
    basemaps: Shown,
    *,
    anchor: BBox,
    tiles: str | None = None,
    backdrops: dict[str, list[dict[str, Any]]] | None = None,
    tiled: Shown | None = None,
    sources: Mapping[str, TileSource] | None = None,
    styles: Mapping[str, Style] | None = None,
    filters: Filters | None = None,
) -> OfflineMap:
    """The map fitted to the app's view, with the basemap layers and the tiled layers.

    The basemaps' sources are numbered on their own; :func:`regionmap.view.view_contents`
    numbers basemaps first, so these are the numbers of the sources panel too. Tiled layers
    (big layers drawn from their PMTiles archive, read from ``sources``' URLs) belong to the
    base map: the browser draws them on every pan and zoom with no rerun, and they change
    only with the filters. Their popups cite by the numbers the data groups carry
    (:class:`regionmap.render.TileCitations`), which follow the view as the sources panel does.
    """
    tiled = [(layer, []) for layer, _ in tiled or [] if sources and layer.id in sources]
    return build_map(
        [*basemaps, *tiled],
        bbox=anchor,
        bibliography=number_sources(basemaps),
        basemap=tiles,
        backdrops=backdrops,
        styles=styles,
        legend=False,  # the data groups carry the legend (tiled layers' entries included)
        tiles=dict(sources or {}),
        filters=filters,
    )


class _MountedMap:
    """Stands for the map ``st_folium`` mounts: its JavaScript variable is ``map_div``."""

    def get_name(self) -> str:
        """The map's variable in streamlit-folium's frontend."""
        return "map_div"


def data_groups(
    contents: ViewContents | None,
    styles: Mapping[str, Style] | None = None,
    export_date: dt.date | None = None,
    tiled: frozenset[str] = frozenset(),
) -> list[folium.FeatureGroup]:
    """The data layers of the contents as feature groups, with the selected feature open.

    The popups' shared source lists, the legend (one entry per data layer in view, with its
    count) and the Screenshot control's footer (credits and sources of this view, dated
    ``export_date``, default today) travel in the first group, so the groups stand on their
    own when streamlit-folium adds them to the base map, and a screenshot always carries the
    footer of the view shown. ``styles`` are the colours and shapes of the whole catalog
    (:func:`regionmap.styles.layer_styles`), so a layer keeps its colour when another is
    toggled. A view without data layers gets one empty group that clears the legend (and
    holds the footer). Layers in ``tiled`` are drawn by the base map from their tiles: they
    get no group here, only their legend entry.
    """
    if contents is None or not contents.data_layers:
        group = folium.FeatureGroup(name="Credits", show=True)
        group.add_child(MapLegend(_MountedMap(), None), name="rm_legend")
        if contents is not None:
            footer = screenshot_footer(contents, export_date or default_export_date())
            group.add_child(ScreenshotFooter(footer), name="rm_screenshot")
        return [group]
    footer_element = ScreenshotFooter(
        screenshot_footer(contents, export_date or default_export_date())
    )
    m = build_map(
        [(layer, features) for layer, features in contents.data_layers if layer.id not in tiled]
        or [(layer, []) for layer, _ in contents.data_layers[:1]],
        bbox=contents.view.frame,
        bibliography=contents.bibliography,
        selected=contents.view.selected,
        styles=styles,
        legend=False,
        labels=False,
        inset=False,
    )
    children = list(m._children.values())
    groups = [c for c in children if isinstance(c, folium.FeatureGroup)]
    for group in groups:
        for element in group._children.values():
            if hasattr(element, "map") and getattr(element, "_name", "") == "RegionmapPoints":
                # streamlit-folium names the mounted map "map_div" in the groups it swaps in;
                # the point layers must be added to that map, not to this throwaway one.
                element.map = _MountedMap()
    lists = [c for c in children if getattr(c, "_name", "") == "RegionmapSources"]
    if groups and lists:
        groups[0].add_child(lists[0], name="rm_sources", index=0)
    if groups:
        drawn = [(layer, features) for layer, features in contents.data_layers if features]
        used = styles if styles is not None else layer_styles(la for la, _ in drawn)
        legend = legend_html(legend_entries(drawn, used)) or None
        groups[0].add_child(MapLegend(_MountedMap(), legend), name="rm_legend")
        groups[0].add_child(footer_element, name="rm_screenshot")
        for layer, _ in contents.data_layers:
            if layer.id in tiled:
                cites = TileCitations(layer, contents.bibliography)
                groups[0].add_child(cites, name=f"rm_cites_{len(groups[0]._children)}")
    return groups
