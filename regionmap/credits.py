"""The words around a view: credit lines, titles, subtitles and the plain-text source list."""

from __future__ import annotations

import datetime as dt
import os
import re

from regionmap.catalog import Layer
from regionmap.citations import Bibliography

__all__ = [
    "CREDIT",
    "accessed_note",
    "credit_lines",
    "default_export_date",
    "plain_title",
    "source_entries",
]

CREDIT = "Boundaries: Natural Earth (public domain), de facto; depiction implies no endorsement."
"""The credit line every view and export carries."""


def credit_lines(layers: list[Layer], projection: str | None = None) -> list[str]:
    """The credit line, each layer's licence and attribution, and the projection.

    Examples
    --------
    >>> credit_lines([])[0].startswith("Boundaries: Natural Earth")
    True
    """
    lines = [CREDIT]
    for layer in layers:
        meta = layer.meta
        if meta is None:
            continue
        licence = "licence other" if meta.license.lower() == "other" else meta.license
        if meta.license_url:
            licence += f" ({meta.license_url})"
        text = f"{meta.title}: {licence}"
        if meta.attribution and not _repeats_credit(meta.attribution):
            text += f". {meta.attribution.rstrip('.')}"
        lines.append(text + ".")
    if projection:
        lines.append(projection)
    return lines


def _repeats_credit(attribution: str) -> bool:
    """True when a layer's attribution only repeats the Natural Earth credit line."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z]+", text.lower())) - {"public", "domain"}

    return words(attribution) <= words(CREDIT)


def accessed_note(bib: Bibliography) -> str:
    """``"all accessed 2026-11-25"`` when every source was accessed on one day, else ``""``."""
    dates = {citation.source.accessed for citation in bib.citations}
    return f"all accessed {dates.pop()}" if len(dates) == 1 else ""


def source_entries(bib: Bibliography) -> list[str]:
    """The numbered source list as plain text; one shared access date is said once instead.

    Examples
    --------
    >>> from regionmap.schema import Source
    >>> from regionmap.citations import Citation
    >>> s = Source(key="k", title="T", publisher="P", url="https://a.example/", accessed="2026")
    >>> source_entries(Bibliography([Citation(1, s, ("x",))]))
    ['[1] T. P. https://a.example/']
    """
    entries = [citation.text() for citation in bib.citations]
    if not accessed_note(bib):
        return entries
    return [entry.rsplit(" (accessed ", 1)[0] for entry in entries]


def default_export_date() -> dt.date:
    """Today, or the date of ``$SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def plain_title(title: str | None) -> str:
    """A user title on one line (empty when none was given)."""
    return " ".join((title or "").split())
