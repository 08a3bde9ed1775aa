"""The values the filter widgets offer, taken from the data layers (never the basemaps)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from regionmap.catalog import Layer
from regionmap.columnar import columns_of
from regionmap.filters import COUNTRY_FIELDS, feature_extent
from regionmap.view import is_basemap

__all__ = ["FilterChoices", "country_label", "filter_choices"]

_ISO3 = re.compile(r"^[A-Z]{3}$")


def country_label(code: str) -> str:
    """Return ``"JPN — Japan"`` for an ISO 3166-1 alpha-3 code (the code alone if unknown).

    Examples
    --------
    >>> country_label("JPN")
    'JPN — Japan'
    """
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return f"{code} — {country.name}" if country is not None else code


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter widgets offer."""

    countries: tuple[str, ...] = ()
    agreements: dict[str, str] = field(default_factory=dict)
    years: tuple[int, int] | None = None


def filter_choices(layers: list[Layer], today: dt.date | None = None) -> FilterChoices:
    """Return the ISO3 codes, agreements and year range present in the data layers.

    Countries come from the ``country``, ``host`` and ``user`` properties; years from the
    time extents (an open extent counts up to the current year). The app passes every data
    layer of the catalog, not only the ticked ones, so the time slider's bounds do not move
    when a layer is toggled.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> filter_choices([Catalog().load("countries", resolution="110m")]).countries
    ()
    """
    codes: set[str] = set()
    agreements: dict[str, str] = {}
    years: list[int] = []
    this_year = (today or dt.date.today()).year
    for layer in layers:
        if not layer.ok or is_basemap(layer) or layer.meta is None:
            continue
        agreements.update({a.key: a.name for a in layer.meta.agreements})
        found, spans = layer.derived("choices.values", lambda layer=layer: _layer_values(layer))
        codes.update(found)
        for first, last in spans:  # an open extent (last None) runs to this year
            years += [min(first, this_year), min(last or this_year, this_year)]
    return FilterChoices(
        countries=tuple(sorted(codes)),
        agreements=dict(sorted(agreements.items(), key=lambda kv: kv[1])),
        years=(min(years), max(years)) if years else None,
    )


def _layer_values(layer: Layer) -> tuple[frozenset[str], tuple[tuple[int, int | None], ...]]:
    """One layer's country codes and distinct (first, last) year spans (walked once per load)."""
    values: set[str] = set()
    spans: set[tuple[int, int | None]] = set()
    time = layer.meta.time if layer.meta is not None else None
    fields = (time.start, time.precision, time.end) if time is not None else ()
    fast = _column_values(layer, fields)
    if fast is not None:
        return fast
    seen: set[tuple[Any, ...]] = set()  # date values repeat: each distinct one is read once
    for feature in layer.features:
        props = feature.get("properties") or {}
        for k in COUNTRY_FIELDS:
            value = props.get(k)
            if isinstance(value, str):
                values.add(value)
        if fields:
            dates = tuple(props.get(f) if f else None for f in fields)
            if not all(isinstance(d, str | int | float | None) for d in dates):
                dates = (object(),)  # an odd value: read it, and never match another
            if dates not in seen:
                seen.add(dates)
                extent = feature_extent(layer, props)
                if extent is not None:
                    spans.add(extent.years)
    codes = frozenset(v for v in values if _ISO3.match(v))
    return codes, tuple(sorted(spans, key=lambda s: (s[0], s[1] or 0)))


def _column_values(
    layer: Layer, fields: tuple[str | None, ...]
) -> tuple[frozenset[str], tuple[tuple[int, int | None], ...]] | None:
    """:func:`_layer_values` from the layer's column copy (None: it has none, or not these)."""
    columns = columns_of(layer.features)
    if columns is None:
        return None
    values: set[str] = set()
    for key in COUNTRY_FIELDS:
        found = columns.distinct([key])
        if found is None:
            return None
        values.update(v for (v,) in found if isinstance(v, str))
    spans: set[tuple[int, int | None]] = set()
    named = [f for f in fields if f]
    if named:
        combos = columns.distinct(named)
        if combos is None:
            return None
        for combo in combos:
            extent = feature_extent(layer, dict(zip(named, combo, strict=True)))
            if extent is not None:
                spans.add(extent.years)
    codes = frozenset(v for v in values if _ISO3.match(v))
    return codes, tuple(sorted(spans, key=lambda s: (s[0], s[1] or 0)))
