"""Property values as a reader wants them: dates for epoch times and ISO timestamps, short links.

User layers carry values such as ``1517966773840`` (milliseconds since 1970 in a field named
``time``), ``2018-02-06T23:26:13.840Z`` or a 90-character URL. :func:`readable_value` gives the
text to show ("2018-02-06 23:26 UTC", "earthquake.usgs.gov/…"), and :func:`value_html` the popup
cell: the readable text, with the raw value one hover away (``title``) and links only for
http(s) URLs. Everything from the layer is escaped with :func:`regionmap.safe_html.escape_text`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from regionmap.safe_html import escape_text, safe_url

__all__ = ["readable_value", "value_html"]

#: Field names that say a number is a point in time (``time``, ``updated``, ``created_at``...).
_TIME_FIELD = re.compile(r"(time|date|updated|created|modified|timestamp|_at$|^at$)", re.I)
#: Milliseconds since 1970 for 1973-03 .. 2286-11; seconds for 1979-07 .. 2128-06.
_MS_RANGE = (1e11, 1e13)
_S_RANGE = (3e8, 5e9)
_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
#: URLs longer than this are shown as host plus an ellipsis.
LONG_URL = 40


def _epoch(field: str, value: Any) -> datetime | None:
    """The time a number stands for, when its field name says it is one."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not _TIME_FIELD.search(field)
    ):
        return None
    if _MS_RANGE[0] <= value < _MS_RANGE[1]:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if _S_RANGE[0] <= value < _S_RANGE[1]:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _iso(value: Any) -> str | None:
    """An ISO 8601 timestamp as ``YYYY-MM-DD HH:MM`` (in UTC when it has an offset)."""
    if not isinstance(value, str):
        return None
    match = _ISO.match(value.strip())
    if not match:
        return None
    day, clock, zone = match.groups()
    if not zone:
        return f"{day} {clock}"
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _short_url(url: str) -> str:
    """``host/…`` for a long URL, the URL itself (without the scheme) for a short one."""
    parts = urlsplit(url)
    rest = url.split("://", 1)[-1]
    if len(url) <= LONG_URL:
        return rest
    return f"{parts.hostname or rest[:LONG_URL]}/…"


def readable_value(field: str, value: Any) -> str:
    """Return a property value as readable plain text (not escaped).

    Examples
    --------
    >>> readable_value("time", 1517966773840)
    '2018-02-07 01:26 UTC'
    >>> readable_value("updated", "2018-02-07T01:29:56.303+02:00")
    '2018-02-06 23:29 UTC'
    >>> readable_value("url", "https://earthquake.usgs.gov/earthquakes/eventpage/ci37868143")
    'earthquake.usgs.gov/…'
    >>> readable_value("id", 1517966773840)  # not a time field: left alone
    '1517966773840'
    """
    stamp = _epoch(field, value)
    if stamp is not None:
        return stamp.strftime("%Y-%m-%d %H:%M UTC")
    iso = _iso(value)
    if iso is not None:
        return iso
    url = safe_url(value) if isinstance(value, str) else None
    if url is not None:
        return _short_url(url)
    return str(value)


def value_html(field: str, value: Any, text: str | None = None) -> str:
    """Return a popup cell: readable text, the raw value as its ``title``, links for http(s).

    Parameters
    ----------
    field : str
        The property name (it decides whether a number is a time).
    value : Any
        The raw property value.
    text : str, optional
        The text to show when the value needs no rewriting (e.g. an agreement's name in place
        of its key); defaults to ``str(value)``.

    Examples
    --------
    >>> value_html("time", 1517966773840)
    '<time datetime="2018-02-07T01:26:13Z" title="1517966773840">2018-02-07 01:26 UTC</time>'
    >>> value_html("url", "javascript:alert(1)")
    'javascript:alert(1)'
    >>> value_html("note", "<b>")
    '&lt;b&gt;'
    """
    stamp = _epoch(field, value)
    if stamp is not None:
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f'<time datetime="{iso}" title="{escape_text(value)}">'
            f"{stamp.strftime('%Y-%m-%d %H:%M UTC')}</time>"
        )
    readable = _iso(value)
    if readable is not None:
        return f'<span title="{escape_text(value)}">{escape_text(readable)}</span>'
    url = safe_url(value) if isinstance(value, str) else None
    if url is not None:
        return (
            f'<a href="{escape_text(url)}" title="{escape_text(url)}" target="_blank" '
            f'rel="noopener noreferrer">{escape_text(_short_url(url))}</a>'
        )
    return escape_text(value if text is None else text)
