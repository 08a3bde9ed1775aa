"""The table twin of the map: the shown data features as rows, and their CSV and GeoJSON downloads.

The table is the accessible way into the map (keyboard, screen reader), so it holds what the
popups hold: name, layer, country, date, the labelled fields and the source numbers of the
same bibliography. Basemap layers (the countries) are context and are left out.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from regionmap.catalog import Layer
from regionmap.citations import Bibliography
from regionmap.popups import citation_numbers, display_fields, feature_name, feature_refs
from regionmap.view import is_basemap

__all__ = [
    "COLUMNS",
    "TABLE_PAGE_ROWS",
    "TablePage",
    "feature_rows",
    "rows_csv",
    "shown_geojson",
    "table_page",
]

Shown = list[tuple[Layer, list[dict[str, Any]]]]

#: Table columns, in order.
COLUMNS = ("name", "layer", "country", "date", "details", "sources", "ref")
#: Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Rows on one page of the app's table: a big (tiled) layer is paged through, never sent whole.
TABLE_PAGE_ROWS = 500


def _date(layer: Layer, props: dict[str, Any]) -> str:
    """The feature's date (or date range) from the layer's time fields."""
    if layer.meta is None or layer.meta.time is None:
        return ""
    start = props.get(layer.meta.time.start)
    end = props.get(layer.meta.time.end) if layer.meta.time.end else None
    if start in (None, ""):
        return ""
    return f"{start}–{end}" if end not in (None, "") else str(start)


def feature_rows(
    shown: Shown, bibliography: Bibliography, start: int = 0, stop: int | None = None
) -> list[dict[str, str]]:
    """Return one row per shown data feature, in map order (rows ``start:stop`` only).

    Parameters
    ----------
    shown : list of (Layer, features)
        The layers with the features they show.
    bibliography : Bibliography
        The numbering of the sources (the same as in the popups and the sources panel).
    start, stop : int, optional
        Only the rows of this slice of the whole table are built (a page of a big layer).

    Returns
    -------
    list of dict
        Plain-text rows keyed by :data:`COLUMNS`: ``details`` joins the labelled fields
        (``label: value; ...``), ``sources`` the citation numbers (``"1, 4"``) and ``ref`` is
        the feature's ``layer:id`` reference used in deep links.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> feature_rows([(layer, layer.features)], Bibliography())  # basemaps are left out
    []
    """
    rows: list[dict[str, str]] = []
    offset = 0  # rows of the whole table before this layer's
    for layer, all_features in shown:
        if is_basemap(layer) or layer.meta is None:
            continue
        first = max(0, start - offset)
        last = (
            len(all_features) if stop is None else max(first, min(len(all_features), stop - offset))
        )
        offset += len(all_features)
        if first >= last:
            continue
        features = all_features[first:last]
        refs = feature_refs(layer, features, first)
        for feature, ref in zip(features, refs, strict=True):
            props = feature.get("properties") or {}
            fields = display_fields(layer, feature)
            numbers = citation_numbers(bibliography, layer, feature)
            rows.append(
                {
                    "name": feature_name(feature),
                    "layer": layer.meta.title,
                    "country": str(props.get("country") or props.get("host") or ""),
                    "date": _date(layer, props),
                    "details": "; ".join(f"{label}: {value}" for label, value in fields),
                    "sources": ", ".join(map(str, numbers)),
                    "ref": ref,
                }
            )
    return rows


@dataclass(frozen=True)
class TablePage:
    """One page of the table: its rows, which page it is (from 0) of how many, of how many rows."""

    rows: list[dict[str, str]]
    page: int
    pages: int
    total: int


def table_page(
    shown: Shown, bibliography: Bibliography, page: int, size: int = TABLE_PAGE_ROWS
) -> TablePage:
    """Return page ``page`` (from 0, clamped to the pages there are) of the table's rows.

    Only the page's rows are built, so a layer of a million features gives a page of
    ``size`` rows to the browser, and the count of all rows for the page control.

    Examples
    --------
    >>> table_page([], Bibliography(), page=3)
    TablePage(rows=[], page=0, pages=1, total=0)
    """
    total = sum(len(features) for layer, features in shown if not is_basemap(layer) and layer.meta)
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = feature_rows(shown, bibliography, page * size, (page + 1) * size)
    return TablePage(rows=rows, page=page, pages=pages, total=total)


def _cell(value: str) -> str:
    """Neutralise a spreadsheet formula by prefixing an apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def rows_csv(rows: list[dict[str, str]]) -> bytes:
    """Return rows as UTF-8 CSV (with a header), safe to open in a spreadsheet.

    Cells starting with ``=``, ``+``, ``-`` or ``@`` get a leading apostrophe so that a
    spreadsheet shows them as text instead of running them as formulas.

    Examples
    --------
    >>> rows_csv([{"name": "=1+1", "layer": "L"}]).decode()
    "name,layer\\r\\n'=1+1,L\\r\\n"
    """
    out = io.StringIO()
    fields = list(rows[0]) if rows else list(COLUMNS)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(str(v)) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def shown_geojson(shown: Shown, bibliography: Bibliography) -> bytes:
    """Return the shown data features as one GeoJSON FeatureCollection with their citations.

    Each feature keeps its properties and gains ``regionmap_layer`` (the layer id) and
    ``regionmap_sources`` (its citation numbers); the collection carries the numbered
    ``sources`` as a foreign member, so the file stands on its own.

    Examples
    --------
    >>> json.loads(shown_geojson([], Bibliography()))["features"]
    []
    """
    features = []
    for layer, layer_features in shown:
        if is_basemap(layer):
            continue
        for feature in layer_features:
            props = dict(feature.get("properties") or {})
            props["regionmap_layer"] = layer.id
            props["regionmap_sources"] = citation_numbers(bibliography, layer, feature)
            features.append(
                {"type": "Feature", "properties": props, "geometry": feature.get("geometry")}
            )
    sources = [
        {"number": c.number, **c.source.model_dump(exclude_none=True, exclude={"key"})}
        for c in bibliography.citations
    ]
    collection = {"type": "FeatureCollection", "sources": sources, "features": features}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")
