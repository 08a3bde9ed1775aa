"""The standalone HTML export: the app's offline folium map plus a note of what it shows.

The map comes from :func:`regionmap.render.build_map`, as in the app: the same popups,
citations and layer control, Leaflet and jQuery inlined. A panel in the corner holds the
title, the export date and filters, the credits and the numbered source list (the numbers of
the popups). Every layer string in it is escaped with :func:`regionmap.safe_html.escape_text`,
which also keeps it inert when branca renders the page as a template.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from branca.element import Element

from regionmap.clip import fit_to_view
from regionmap.credits import default_export_date
from regionmap.errors import ExportError
from regionmap.htmlpack import pack_page
from regionmap.layercache import load_layer
from regionmap.offline import remote_asset_urls
from regionmap.popups import citation_html
from regionmap.render import ScreenshotFooter, build_map, map_html
from regionmap.safe_html import escape_text
from regionmap.screenshot import screenshot_footer
from regionmap.tilemap import TileSource, embedded_source, is_tiled, thinned_note
from regionmap.view import WORLD, Shown, ViewContents, is_basemap

if TYPE_CHECKING:
    from regionmap.catalog import Catalog
    from regionmap.citations import Citation

PANEL_STYLE = (
    "position:absolute;left:54px;top:10px;z-index:1000;max-width:min(440px,70vw);"
    "max-height:70vh;overflow:auto;background:rgba(255,255,255,0.95);padding:6px 10px;"
    "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);"
    "font:12px/1.4 system-ui,sans-serif;color:#222"
)


def about_html(title: str, subtitle: str, credits: list[str], citations: list[Citation]) -> str:
    """The corner panel: title and export note always shown, credits and sources on opening.

    Examples
    --------
    >>> "&lt;b&gt;" in about_html("<b>", "Exported 2026-11-25", [], [])
    True
    """
    lines = "".join(f'<div style="margin-top:2px">{escape_text(c)}</div>' for c in credits)
    sources = "".join(citation_html(c) for c in citations) or "<div>No source cited.</div>"
    return (
        f'<details id="rm-about" style="{PANEL_STYLE}">'
        f"<summary><b>{escape_text(title)}</b><br>{escape_text(subtitle)}</summary>"
        f'<div style="color:#555;margin-top:4px">{lines}</div>'
        f'<div style="margin-top:6px"><b>Sources</b>{sources}</div>'
        "</details>"
    )


def html_layers(contents: ViewContents) -> Shown:
    """The layers for the map: data features in the frame, basemaps whole (the map fits them)."""
    return [
        (layer, layer.features if is_basemap(layer) else features)
        for layer, features in contents.visible
    ]


def backdrops(catalog: Catalog, contents: ViewContents) -> dict[str, list]:
    """Coarse 1:110m basemaps around a detailed view, so that panning shows land (as the app)."""
    found: dict[str, list] = {}
    for layer, _ in contents.visible:
        meta = layer.meta
        if (
            is_basemap(layer)
            and meta
            and contents.resolution != "110m"
            and "110m" in meta.resolutions
        ):
            coarse = load_layer(catalog, layer.id, "110m")
            found[layer.id] = fit_to_view(coarse.features, WORLD)
    return found


def embedded_tiles(contents: ViewContents, notes: list[str]) -> dict[str, TileSource]:
    """The archives of the view's tiled layers, to embed in the page (thinned if too big).

    A layer whose archive cannot be embedded at all is drawn as vectors; each thinned or left
    out archive adds a line to ``notes``.
    """
    found: dict[str, TileSource] = {}
    for layer, _ in contents.visible:
        if is_basemap(layer) or not is_tiled(layer):
            continue
        try:
            source = embedded_source(layer)
        except (ValueError, OSError) as exc:
            notes.append(f"{exc}; the layer is drawn as map vectors instead")
            continue
        note = thinned_note(layer, source)
        if note:
            notes.append(note)
        found[layer.id] = source
    return found


def write_html(
    catalog: Catalog,
    contents: ViewContents,
    *,
    title: str,
    subtitle: str,
    credits: list[str],
    alt_text: str = "",
    export_date: dt.date | None = None,
    notes: list[str] | None = None,
) -> str:
    """Build the standalone HTML page of a view.

    Parameters
    ----------
    catalog : Catalog
        For the coarse backdrop of detailed views.
    contents : ViewContents
        From :func:`regionmap.view.view_contents`.
    title, subtitle : str
        Shown in the panel (and the page title).
    credits : list of str
        Credit lines shown in the panel.
    alt_text : str
        The map container's ``aria-label`` (see :mod:`regionmap.alttext`).
    export_date : datetime.date, optional
        The date in the Screenshot control's footer; default today.
    notes : list of str, optional
        Receives the export's notes (e.g. a big layer's tiles thinned to fit the page); they
        are also shown in the panel.

    Returns
    -------
    str
        One self-contained page: no script, stylesheet or image is fetched from a network.
        Its scripts and stylesheets are packed into one gzip payload that the page inflates
        (:mod:`regionmap.htmlpack`); the title, credits and sources stay plain HTML.
    """
    from regionmap.alttext import html_with_label
    from regionmap.styles import catalog_styles

    notes = notes if notes is not None else []
    tiles = embedded_tiles(contents, notes)
    m = build_map(
        html_layers(contents),
        bbox=contents.view.bbox,
        bibliography=contents.bibliography,
        backdrops=backdrops(catalog, contents),
        selected=contents.view.selected,
        styles=catalog_styles(catalog),
        tiles=tiles,
        filters=contents.filters,
    )
    footer = screenshot_footer(contents, export_date or default_export_date())
    m.add_child(ScreenshotFooter(footer), name="rm_screenshot")
    root = m.get_root()
    root.header.add_child(Element(f"<title>{escape_text(title)}</title>"), name="rm_title")
    about = about_html(title, subtitle, [*credits, *notes], contents.bibliography.citations)
    root.html.add_child(Element(about), name="rm_about")
    page = map_html(m)
    if alt_text:
        page = html_with_label(page, m.get_name(), alt_text)
    remote = remote_asset_urls(page)
    if remote:
        raise ExportError(f"the HTML would load assets from the network: {', '.join(remote)}")
    return pack_page(page)  # scripts and styles in one gzip payload (regionmap.htmlpack)
