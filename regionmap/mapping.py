"""Map a new layer in one step: popup fields, time fields, style and per-row sources.

``regionmap add`` and the app's upload form take these with the file, so a spreadsheet of
sites becomes a styled, filterable, cited layer without editing its metadata by hand. Each
choice is checked against the features' properties and reported like any other problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from regionmap.problems import Problem
from regionmap.schema import check_http_url

__all__ = ["MARKERS", "LayerMapping", "apply_mapping", "property_names", "suggest_mapping"]

MARKERS = ("circle", "square", "triangle", "diamond")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATE = re.compile(r"^-?\d{4}(?:-\d{2}(?:-\d{2})?)?(?:[T ][0-9:.+\-Z]*)?$")
_DATE_NAMES = ("date", "day", "time", "timestamp", "datetime", "when")
_START_NAMES = ("start", "start_date", "since", "begin", "from", "established")
_END_NAMES = ("end", "end_date", "until", "to")
_SOURCE_NAMES = ("source_url", "source", "url", "link", "href")
_NAME_NAMES = ("name", "title", "label", "place")


@dataclass(frozen=True)
class LayerMapping:
    """How to show a new layer: what its popup lists, which fields hold dates, its style."""

    popup: tuple[str, ...] = ()
    date: str | None = None
    start: str | None = None
    end: str | None = None
    color: str | None = None
    marker: str | None = None
    source_column: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when nothing is asked for."""
        return (
            not (self.popup or self.date or self.start or self.end or self.color or self.marker)
            and not self.source_column
        )


def property_names(collection: dict[str, Any]) -> list[str]:
    """Every property name of a collection's features, in first-seen order."""
    names: dict[str, None] = {}
    for feature in collection.get("features", []):
        names.update(dict.fromkeys(feature.get("properties") or {}))
    return list(names)


def suggest_mapping(collection: dict[str, Any]) -> dict[str, Any]:
    """Proposals for the upload form, from the property names (all may be changed).

    Examples
    --------
    >>> fc = {"features": [{"properties": {"name": "A", "date": "2024-01-02", "url": "x"}}]}
    >>> suggest_mapping(fc)["date"], suggest_mapping(fc)["source_column"]
    ('date', 'url')
    """
    names = property_names(collection)
    lowered = {n.casefold(): n for n in names}

    def first(candidates: tuple[str, ...]) -> str | None:
        return next((lowered[c] for c in candidates if c in lowered), None)

    return {
        "popup": [n for n in names if n != "sources"][:6],
        "name": first(_NAME_NAMES),
        "date": first(_DATE_NAMES),
        "start": first(_START_NAMES),
        "end": first(_END_NAMES),
        "source_column": first(_SOURCE_NAMES),
    }


def apply_mapping(
    meta: dict[str, Any], collection: dict[str, Any], mapping: LayerMapping, name: str
) -> list[Problem]:
    """Write a mapping into a new layer's metadata (and per-row sources into its features).

    Parameters
    ----------
    meta : dict
        The metadata mapping being built (changed in place).
    collection : dict
        The normalised FeatureCollection (``sources`` properties set in place when a
        source column is given).
    mapping : LayerMapping
        What the user chose.
    name : str
        The file as the user named it, for messages.

    Returns
    -------
    list of Problem
        Fields that do not exist, colours or markers that are not valid, values that are not
        dates or links; nothing is changed where there is an error.
    """
    problems: list[Problem] = []
    names = property_names(collection)
    chosen = [*mapping.popup, mapping.date, mapping.start, mapping.end, mapping.source_column]
    for field_name in filter(None, chosen):
        if field_name not in names:
            problems.append(
                Problem(
                    name,
                    "mapping-field",
                    f"has no property {field_name!r}.",
                    "Choose one of: " + ", ".join(map(repr, names[:30])),
                )
            )
    if mapping.date and (mapping.start or mapping.end):
        problems.append(
            Problem(
                name,
                "mapping-time",
                "was given both a date field and a start/end pair.",
                "Give either --date FIELD or --start FIELD [--end FIELD].",
            )
        )
    if mapping.end and not mapping.start:
        problems.append(
            Problem(
                name,
                "mapping-time",
                "was given an end field without a start field.",
                "Add --start FIELD.",
            )
        )
    if mapping.color and not _COLOR.match(mapping.color):
        problems.append(
            Problem(
                name,
                "mapping-color",
                f"colour {mapping.color!r} is not #rrggbb.",
                'Give a hex colour such as "#0072b2".',
            )
        )
    if mapping.marker and mapping.marker not in MARKERS:
        problems.append(
            Problem(
                name,
                "mapping-marker",
                f"marker {mapping.marker!r} is unknown.",
                f"Choose one of: {', '.join(MARKERS)}.",
            )
        )
    if problems:
        return problems
    if mapping.popup:
        meta["popup"] = [{"field": f, "label": f} for f in mapping.popup]
    start = mapping.date or mapping.start
    if start:
        meta["time"] = {"start": start, **({"end": mapping.end} if mapping.end else {})}
        problems += _date_warnings(collection, [start, mapping.end], name)
    if mapping.color or mapping.marker:
        style = dict(meta.get("style") or {})
        if mapping.color:
            colour = mapping.color.lower()
            style |= {"color": colour, "fill_color": colour}
        if mapping.marker:
            style["marker"] = mapping.marker
        meta["style"] = style
    if mapping.source_column:
        problems += _row_sources(meta, collection, mapping.source_column, name)
    return problems


def _date_warnings(
    collection: dict[str, Any], fields: list[str | None], name: str
) -> list[Problem]:
    """One warning per time field whose values are not ISO dates (those features show always)."""
    problems = []
    for field_name in filter(None, fields):
        bad = [
            i
            for i, f in enumerate(collection["features"])
            if (v := (f.get("properties") or {}).get(field_name)) is not None
            and not _DATE.match(str(v))
        ]
        if bad:
            example = collection["features"][bad[0]]["properties"][field_name]
            problems.append(
                Problem(
                    name,
                    "mapping-date",
                    f"property {field_name!r} is not an ISO date in {len(bad)} feature(s) "
                    f"(e.g. feature {bad[0]}: {str(example)[:40]!r}); the time filter keeps "
                    "them always.",
                    "Write dates as YYYY, YYYY-MM or YYYY-MM-DD.",
                    "warning",
                )
            )
    return problems


def _row_sources(
    meta: dict[str, Any], collection: dict[str, Any], column: str, name: str
) -> list[Problem]:
    """Turn a column of links into numbered bibliography entries cited by each feature."""
    problems: list[Problem] = []
    if column != "sources" and any(
        "sources" in (f.get("properties") or {}) for f in collection["features"]
    ):
        return [
            Problem(
                name,
                "mapping-source",
                "already has a 'sources' property, which a source column would replace.",
                "Rename that property in the file, or leave out the source column.",
            )
        ]
    keys: dict[str, str] = {}
    accessed = meta["sources"][0]["accessed"]
    for index, feature in enumerate(collection["features"]):
        props = feature.get("properties")
        if props is None:
            continue
        value = props.get(column)
        if value in (None, ""):
            continue  # the layer's own source applies
        try:
            url = check_http_url(str(value))
        except ValueError:
            problems.append(
                Problem(
                    name,
                    "mapping-source",
                    f"property {column!r} holds {str(value)[:60]!r}, which is not an http(s) link.",
                    "Give a full link starting with https://, or leave the cell empty.",
                    feature=index,
                )
            )
            continue
        if url not in keys:
            keys[url] = f"row-source-{len(keys) + 1}"
            parts = urlsplit(url)
            host = parts.hostname or "link"
            meta["sources"].append(
                {
                    "key": keys[url],
                    "title": f"{host}{parts.path}"[:200] if parts.path not in ("", "/") else host,
                    "publisher": host,
                    "url": url,
                    "accessed": accessed,
                }
            )
        props["sources"] = [keys[url]]
    return problems
