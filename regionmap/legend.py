"""The map legend: one entry per visible layer, with its swatch, title and count in the view.

The entries are plain data (:class:`LegendEntry`), so the view contents, the map and the
figures can share them; :func:`legend_html` turns them into the collapsible box drawn on the
map, every title escaped with :func:`regionmap.safe_html.escape_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from regionmap.columnar import geometry_kinds
from regionmap.safe_html import escape_text
from regionmap.schema import Style
from regionmap.styles import area_svg, marker_svg

if TYPE_CHECKING:
    from regionmap.catalog import Layer

__all__ = ["LegendEntry", "legend_entries", "legend_html"]

_POINTS = ("Point", "MultiPoint")


class LegendEntry(NamedTuple):
    """One legend line: a layer's title, the style it is drawn with and its count in view."""

    title: str
    style: Style
    count: int
    #: Draw the swatch as an area (polygon or line layer) instead of the marker shape.
    area: bool = False


def _is_area_layer(features: Sequence[dict[str, Any]]) -> bool:
    """Whether a layer shows no points at all (its swatch is then a filled square)."""
    kinds = geometry_kinds(features)
    if kinds is None:
        kinds = {(f.get("geometry") or {}).get("type") for f in features}
    return bool(kinds) and not kinds & set(_POINTS)


def legend_entries(
    shown: Iterable[tuple[Layer, Sequence[dict[str, Any]]]],
    styles: Mapping[str, Style],
    *,
    skip: Iterable[str] = (),
) -> list[LegendEntry]:
    """Return the legend entries of the layers drawn, in drawing order.

    Parameters
    ----------
    shown : iterable of (Layer, features)
        The layers drawn, each with its features in the view.
    styles : mapping of layer id to Style
        The styles they are drawn with (:func:`regionmap.styles.layer_styles`).
    skip : iterable of str
        Layer ids to leave out (the basemap).

    Returns
    -------
    list of LegendEntry

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("basing")
    >>> entry = legend_entries([(layer, layer.features[:3])], {"basing": layer.meta.style})[0]
    >>> entry.count, entry.style.marker
    (3, 'circle')
    """
    left_out = set(skip)
    entries = []
    for layer, features in shown:
        if layer.meta is None or not layer.ok or layer.id in left_out:
            continue
        style = styles.get(layer.id, layer.meta.style)
        entries.append(
            LegendEntry(layer.meta.title, style, len(features), _is_area_layer(features))
        )
    return entries


def legend_html(entries: Iterable[LegendEntry | tuple], *, title: str = "Legend") -> str:
    """Return the legend box: a ``<details>`` element, open, one line per entry.

    Accepts :class:`LegendEntry` values or plain ``(title, style, count)`` tuples. Titles
    are escaped; swatches come from :func:`regionmap.styles.marker_svg`.

    Examples
    --------
    >>> html = legend_html([("<b>Sites</b>", Style(marker="triangle"), 1200)])
    >>> "&lt;b&gt;Sites&lt;/b&gt;" in html and "1,200" in html and "<polygon" in html
    True
    """
    rows = []
    for entry in entries:
        item = entry if isinstance(entry, LegendEntry) else LegendEntry(*entry)
        swatch = area_svg(item.style) if item.area else marker_svg(item.style)
        label = escape_text(item.title)
        rows.append(
            f'<li class="rm-legend-entry" data-count="{int(item.count)}">{swatch}'
            f'<span class="rm-legend-title">{label}</span>'
            f'<span class="rm-count" title="features in this view">{int(item.count):,}</span></li>'
        )
    if not rows:
        return ""
    return (
        f"<details open><summary>{escape_text(title)}</summary><ul>{''.join(rows)}</ul>"
        '<div class="rm-legend-note">Counts: features in this view.</div></details>'
    )
