"""Alt text for exports: a plain-language description of a figure, and where files keep it.

The description names the region and frame, each layer with its feature count, the date
window of the filters, the data's date (the latest day a cited source was accessed), the
export date and the credits. It goes into the SVG ``<desc>``, the PDF's Subject, the PNG's
``Description`` text chunk and the HTML map's ``aria-label``, and the export result returns
it so the app can show it for copying.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from regionmap.citations import Bibliography
from regionmap.safe_html import escape_text


def data_date(bib: Bibliography) -> str:
    """The latest access date of the cited sources (``""`` when nothing is cited)."""
    dates = sorted(str(c.source.accessed) for c in bib.citations if c.source.accessed)
    return dates[-1] if dates else ""


def describe(contents: Any, export_date: dt.date, frame_text: str) -> str:
    """A plain-language description of the figure of a view.

    Parameters
    ----------
    contents : ViewContents
        What the view shows (``view``, ``filters``, ``shown``, ``bibliography``).
    export_date : datetime.date
        The date printed on the export.
    frame_text : str
        The frame as text, e.g. ``122°E–146.5°E, 24°N–46°N``.

    Returns
    -------
    str
        One paragraph, at least twelve words.
    """
    from regionmap.view import is_basemap

    view, filters = contents.view, contents.filters
    data = [
        f"{layer.meta.title} ({_count(len(feats))})"
        for layer, feats in contents.shown
        if layer.meta is not None and not is_basemap(layer) and feats
    ]
    bases = [layer.meta.title for layer, _ in contents.shown if layer.meta and is_basemap(layer)]
    place = view.title if view.region else "the frame"
    parts = [f"Map of {place} ({frame_text})"]
    parts.append(f"showing {_join(data)}" if data else "showing no data layer")
    if bases:
        parts.append(f"over {_join(bases)}")
    sentence = " ".join(parts) + "."
    window = (
        f"Only features dated {filters.years[0]} to {filters.years[1]} are shown."
        if filters.years
        else "Features of every date are shown."
    )
    if filters.search or filters.countries or filters.agreements:
        window += f" Filters in force: {filters.describe()}."
    sources = len(contents.bibliography.citations)
    when = data_date(contents.bibliography)
    dated = (
        f"Data as of {when}, the latest access date of its {sources} numbered sources."
        if when
        else ("No source is cited.")
    )
    credits = (
        "Boundaries from Natural Earth (public domain), de facto; point and area layers "
        "compiled by regionmap from the cited public sources."
    )
    return " ".join([sentence, window, dated, f"Exported {export_date.isoformat()}.", credits])


def _count(n: int) -> str:
    """``1 feature`` / ``3 features``."""
    return f"{n} feature" if n == 1 else f"{n} features"


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def svg_with_desc(svg: bytes, desc: str) -> bytes:
    """An SVG document with ``<desc>`` as the root element's first child.

    matplotlib writes the ``<title>``; the description goes beside it.
    """
    text = svg.decode("utf-8")
    match = re.search(r"<svg\b[^>]*>", text)
    if match is None:
        raise ValueError("not an SVG document: no <svg> element")
    inner = f"\n <desc>{html.escape(desc, quote=False)}</desc>"
    return (text[: match.end()] + inner + text[match.end() :]).encode("utf-8")


def html_with_label(page: str, map_id: str, label: str) -> str:
    """An HTML page whose map container (``id="map_id"``) carries ``role`` and ``aria-label``."""
    # escape_text also turns braces, backticks and "$" into entities, as for all layer text.
    attrs = f'role="img" aria-label="{escape_text(label)}" '
    marker = f'id="{map_id}"'
    if marker not in page:
        raise ValueError(f"the page has no element {marker}")
    return page.replace(marker, f"{attrs}{marker}", 1)
