"""The explorer's view as a deep link: region, layers, filters and selected feature.

:func:`state_from_query` reads URL query parameters (``st.query_params``) into a
:class:`ViewState`, dropping anything that is not a known region, layer, basemap or a
well-formed value; :func:`state_to_query` writes a state back, leaving out what equals the
default so that links stay short. Example::

    ?region=japan&layers=basing,countries&country=JPN,USA&years=1990-2020&feature=basing:kadena
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from regionmap.filters import Filters

__all__ = ["MAX_SEARCH", "ViewState", "state_from_query", "state_to_query"]

#: Longest search text kept from a link.
MAX_SEARCH = 200
_ISO3 = re.compile(r"^[A-Z]{3}$")
_KEY = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
_YEARS = re.compile(r"^(\d{1,4})-(\d{1,4})$")
_REF = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*:[^\x00-\x1f]{1,200}$")


@dataclass(frozen=True)
class ViewState:
    """What the explorer shows. ``layers=None`` means "the layers visible by default"."""

    region: str = "world"
    layers: tuple[str, ...] | None = None
    fit: bool = False
    filters: Filters = field(default_factory=Filters)
    feature: str | None = None
    basemap: str | None = None


def _first(value: str | list[str] | None) -> str:
    """The last value of a query parameter (Streamlit keeps the last one), as text."""
    if isinstance(value, list):
        return value[-1] if value else ""
    return value or ""


def _items(value: str) -> list[str]:
    """Comma-separated values, stripped, without empties or repeats."""
    return list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


def state_from_query(
    params: Mapping[str, str | list[str]],
    *,
    regions: Iterable[str],
    layers: Iterable[str],
    basemaps: Iterable[str] = (),
    default: ViewState | None = None,
) -> ViewState:
    """Read a :class:`ViewState` from URL query parameters, keeping only valid values.

    Parameters
    ----------
    params : mapping
        Query parameters, e.g. ``st.query_params.to_dict()``.
    regions, layers, basemaps : iterable of str
        The known region names, layer ids and online basemaps.
    default : ViewState, optional
        What missing or invalid parameters fall back to.

    Returns
    -------
    ViewState

    Examples
    --------
    >>> s = state_from_query({"region": "japan", "layers": "basing,nope", "years": "1990-2020"},
    ...                      regions=["world", "japan"], layers=["basing", "countries"])
    >>> s.region, s.layers, s.filters.years
    ('japan', ('basing',), (1990, 2020))
    """
    state = default or ViewState()
    region = _first(params.get("region"))
    if region in set(regions):
        state = replace(state, region=region)
    if "layers" in params:
        known = set(layers)
        state = replace(
            state, layers=tuple(i for i in _items(_first(params["layers"])) if i in known)
        )
    state = replace(state, fit=_first(params.get("fit")) in ("1", "true", "yes") or state.fit)
    basemap = _first(params.get("basemap"))
    if basemap in set(basemaps):
        state = replace(state, basemap=basemap)
    feature = _first(params.get("feature"))
    if _REF.match(feature):
        state = replace(state, feature=feature)
    search = _first(params.get("q")).strip()[:MAX_SEARCH]
    countries = tuple(c for c in _items(_first(params.get("country")).upper()) if _ISO3.match(c))
    agreements = tuple(a for a in _items(_first(params.get("agreement"))) if _KEY.match(a))
    years = state.filters.years
    match = _YEARS.match(_first(params.get("years")))
    if match:
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        years = (low, high)
    filters = Filters(
        search=search or state.filters.search,
        countries=countries or state.filters.countries,
        agreements=agreements or state.filters.agreements,
        years=years,
    )
    return replace(state, filters=filters)


def state_to_query(state: ViewState, default: ViewState | None = None) -> dict[str, str]:
    """Write a :class:`ViewState` as query parameters, leaving out values equal to the default.

    Examples
    --------
    >>> state_to_query(ViewState(region="japan", filters=Filters(countries=("JPN", "USA"))))
    {'region': 'japan', 'country': 'JPN,USA'}
    """
    default = default or ViewState()
    query: dict[str, str] = {}
    if state.region != default.region:
        query["region"] = state.region
    if state.layers is not None and state.layers != default.layers:
        query["layers"] = ",".join(state.layers)
    if state.fit:
        query["fit"] = "1"
    if state.basemap:
        query["basemap"] = state.basemap
    filters = state.filters
    if filters.search:
        query["q"] = filters.search
    if filters.countries:
        query["country"] = ",".join(filters.countries)
    if filters.agreements:
        query["agreement"] = ",".join(filters.agreements)
    if filters.years and filters.years != default.filters.years:
        query["years"] = f"{filters.years[0]}-{filters.years[1]}"
    if state.feature:
        query["feature"] = state.feature
    return query
