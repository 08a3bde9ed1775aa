"""The words a map screenshot carries: its footer band, PNG metadata and file name.

A screenshot is the map as the reader framed it (the map's Screenshot control, or
``regionmap export --format screenshot``). It can never travel without its credits and
sources: both are burned into a footer band under the map and written into the PNG's text
chunks. They come from the view contents, as every face's do, so a screenshot and a PDF of
the same view cite the same numbers [1]…[n].
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from regionmap.credits import source_entries
from regionmap.frame import format_bbox
from regionmap.view import ViewContents

__all__ = ["LISTED_SOURCES", "Footer", "screenshot_footer", "screenshot_name"]

LISTED_SOURCES = 3
"""Up to this many sources are written out in the footer; more are referred to the list."""


@dataclass(frozen=True)
class Footer:
    """The footer of one screenshot, as plain text."""

    title: str
    credits: str
    """The credit lines on one line: Natural Earth and every visible layer's licence."""
    sources: str
    """The source line: the numbered sources (or where their list is), export date, view."""
    name: str
    """The download's file name."""

    @property
    def text(self) -> str:
        """The footer as written into the PNG (``Description``): credits, then sources."""
        return f"{self.credits}\n{self.sources}"


def _view_words(contents: ViewContents) -> str:
    """``Japan (122,24,146.5,46)``, or the frame alone when it has no other name."""
    frame = format_bbox(contents.view.frame)
    title = contents.view.title
    return f"{title} ({frame})" if title and title != frame else frame


def screenshot_footer(contents: ViewContents, export_date: dt.date) -> Footer:
    """The footer of a screenshot of a view.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> from regionmap.frame import resolve_view
    >>> from regionmap.view import view_contents
    >>> contents = view_contents(Catalog(), resolve_view(region="japan"))
    >>> footer = screenshot_footer(contents, dt.date(2026, 12, 2))
    >>> footer.credits.startswith("Boundaries: Natural Earth")
    True
    >>> footer.sources  # doctest: +ELLIPSIS
    'Sources: see the list of ... sources ([1]–[...]) · exported 2026-12-02 · view Japan (...)'
    >>> footer.name
    'regionmap-japan-2026-12-02.png'
    """
    citations = contents.bibliography.citations
    count = len(citations)
    if not count:
        listed = "Sources: none cited"
    elif count <= LISTED_SOURCES:
        listed = "Sources: " + "; ".join(source_entries(contents.bibliography))
    else:
        listed = f"Sources: see the list of {count} sources ([1]–[{count}])"
    sources = f"{listed} · exported {export_date.isoformat()} · view {_view_words(contents)}"
    return Footer(
        title=contents.view.title or format_bbox(contents.view.frame),
        credits=" ".join(contents.credits),
        sources=sources,
        name=screenshot_name(contents, export_date),
    )


def screenshot_name(contents: ViewContents, export_date: dt.date) -> str:
    """The file name: ``regionmap-<region or frame>-<date>.png``.

    Examples
    --------
    >>> from regionmap.view import View, ViewContents
    >>> from regionmap.citations import Bibliography
    >>> c = ViewContents(View((122, 24, 146.5, 46)), [], Bibliography([]), [], [], "50m")
    >>> screenshot_name(c, dt.date(2026, 12, 2))
    'regionmap-122_24_146.5_46-2026-12-02.png'
    """
    frame = "_".join(f"{round(value, 3):g}" for value in contents.view.frame)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", contents.view.region or frame).strip("-") or "view"
    return f"regionmap-{slug}-{export_date.isoformat()}.png"
