"""What a feature says about itself: name, key fields, citations, and its popup and tooltip HTML.

The same words appear in the map popup, the table and the selected-feature panel. Popup and
tooltip HTML is built here from :func:`regionmap.safe_html.escape_text` only; nothing from a
layer reaches the page unescaped.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from regionmap.catalog import Layer, feature_sources
from regionmap.citations import Bibliography, Citation
from regionmap.columnar import LazyFeatures
from regionmap.readable import value_html
from regionmap.safe_html import escape_text, safe_link

__all__ = [
    "MAX_AUTO_FIELDS",
    "POPUP_CSS",
    "citation_html",
    "citation_numbers",
    "display_cells",
    "display_fields",
    "feature_name",
    "feature_ref",
    "feature_refs",
    "find_feature",
    "parse_ref",
    "popup_body_html",
    "popup_html",
    "sources_html",
    "tooltip_html",
]

#: The look of popups (class names used by :func:`popup_html`); goes in the page header.
POPUP_CSS = (
    ".rm-popup{max-height:260px;overflow-y:auto;min-width:200px;font-size:12px;line-height:1.35}"
    ".rm-name{font-weight:600;font-size:14px}.rm-layer{color:#666;font-size:11px}"
    ".rm-note{margin:6px 0;font-size:12px}.rm-fields{font-size:12px;margin:4px 0}"
    ".rm-fields th{text-align:left;padding-right:6px;vertical-align:top}"
    ".rm-sources,.rm-none{font-size:11px;margin-top:4px}.rm-none{color:#a00}"
)
#: Properties shown for layers without a ``popup`` configuration.
MAX_AUTO_FIELDS = 12
#: Shown elsewhere in the popup (or internal), never as an automatic field.
_NOT_FIELDS = {"name", "note", "sources", "style"}
_NAME_KEYS = ("name", "title", "NAME", "name_en", "place", "id")
#: Marks the feature reference inside the (hidden part of the) tooltip; the app's map
#: component reports the tooltip's text content when a feature is clicked.
_REF_OPEN, _REF_CLOSE = "\u27e6", "\u27e7"
_REF = re.compile(rf"{_REF_OPEN}([^{_REF_CLOSE}]+){_REF_CLOSE}\s*$")


def feature_name(feature: dict[str, Any]) -> str:
    """Return a feature's display name: ``name``, else ``title``, ``place`` or ``id``.

    Examples
    --------
    >>> feature_name({"properties": {"name": "Kadena Air Base"}})
    'Kadena Air Base'
    >>> feature_name({"properties": {}})
    '(unnamed)'
    """
    props = feature.get("properties") or {}
    for key in _NAME_KEYS:
        value = props.get(key)
        if value not in (None, ""):
            return str(value)
    return str(feature["id"]) if feature.get("id") is not None else "(unnamed)"


def feature_ref(layer_id: str, feature: dict[str, Any], index: int) -> str:
    """Return a stable reference ``<layer>:<feature id>`` (``#<index>`` without an id).

    Examples
    --------
    >>> feature_ref("basing", {"properties": {"id": "kadena"}}, 3)
    'basing:kadena'
    >>> feature_ref("quakes", {"properties": {}}, 3)
    'quakes:#3'
    """
    props = feature.get("properties") or {}
    fid = props.get("id", feature.get("id"))
    return f"{layer_id}:{fid if fid not in (None, '') else f'#{index}'}"


def feature_refs(layer: Layer, features: list[dict[str, Any]], start: int = 0) -> list[str]:
    """Return the references of features shown from a layer (see :func:`feature_ref`).

    ``start`` is the position of ``features[0]`` among the shown features (a page of them).

    Features without an id are numbered by their position in the layer (not in the shown
    subset), so a reference means the same feature whatever the filters; clipped copies from
    :func:`regionmap.clip.fit_to_view` share their properties with the layer's feature and are
    found through them.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> feature_refs(layer, layer.features[:2])
    ['countries:FJI', 'countries:TZA']
    """
    position_of = _positions(layer)
    refs = []
    for i, feature in enumerate(features):
        found = position_of(feature)
        refs.append(feature_ref(layer.id, feature, start + i if found is None else found))
    return refs


def _positions(layer: Layer) -> Callable[[dict[str, Any]], int | None]:
    """Where a feature (or a clipped copy sharing its properties) sits in its layer."""
    if isinstance(layer.features, LazyFeatures):  # a big layer: only features read are asked
        return layer.features.position_of
    position = layer.derived(
        "popups.positions",
        lambda: {id(f.get("properties")): i for i, f in enumerate(layer.features)},
    )
    return lambda f: position.get(id(f.get("properties")))


def find_feature(layers: list[Layer], ref: str | None) -> tuple[Layer, dict[str, Any]] | None:
    """Return the layer and feature a reference names, or ``None``.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> find_feature([layer], "countries:JPN")[1]["properties"]["name"]
    'Japan'
    """
    if not ref or ":" not in ref:
        return None
    layer_id = ref.split(":", 1)[0]
    for layer in layers:
        if layer.id != layer_id:
            continue
        for index, feature in enumerate(layer.features):
            if feature_ref(layer_id, feature, index) == ref:
                return layer, feature
    return None


def parse_ref(text: str | None) -> str | None:
    """Return the feature reference in a clicked tooltip's text, or ``None``.

    Examples
    --------
    >>> parse_ref("Kadena Air Base \u27e6basing:kadena\u27e7")
    'basing:kadena'
    """
    match = _REF.search(text or "")
    return match.group(1) if match else None


def _format_value(layer: Layer, field: str, value: Any) -> str:
    """A property value as plain text (agreement keys become agreement names)."""
    if field == "agreement" and layer.meta is not None:
        agreement = layer.meta.agreement_map().get(str(value))
        if agreement is not None:
            return agreement.name
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def display_fields(layer: Layer, feature: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the labelled fields a feature shows, as plain text.

    The layer's ``popup`` configuration decides which properties, in which order, with which
    labels; without one, up to :data:`MAX_AUTO_FIELDS` properties are shown under their own
    names. Empty values are left out.

    Parameters
    ----------
    layer : Layer
        The feature's layer (for its ``popup`` configuration and agreements).
    feature : dict
        A GeoJSON feature.

    Returns
    -------
    list of (label, value)
        Unescaped text: escape it for the place it goes.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> display_fields(layer, layer.features[0])[0]
    ('ISO 3166-1 alpha-3', 'FJI')
    """
    props = feature.get("properties") or {}
    if layer.meta is not None and layer.meta.popup:
        pairs = [(f.label, f.field) for f in layer.meta.popup]
    else:
        pairs = [(k, k) for k in props if k not in _NOT_FIELDS][:MAX_AUTO_FIELDS]
    return [
        (label, _format_value(layer, field, props[field]))
        for label, field in pairs
        if props.get(field) not in (None, "", [])
    ]


def display_cells(layer: Layer, feature: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the popup's labelled fields as ``(escaped label, cell HTML)``.

    The same fields as :func:`display_fields`, with values made readable by
    :func:`regionmap.readable.value_html`: epoch-millisecond times and ISO timestamps as
    dates, long URLs as short links, the raw value in the cell's ``title``.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> display_cells(layer, layer.features[0])[0]
    ('ISO 3166-1 alpha-3', 'FJI')
    """
    props = feature.get("properties") or {}
    if layer.meta is not None and layer.meta.popup:
        pairs = [(f.label, f.field) for f in layer.meta.popup]
    else:
        pairs = [(k, k) for k in props if k not in _NOT_FIELDS][:MAX_AUTO_FIELDS]
    return [
        (
            escape_text(label),
            value_html(field, props[field], _format_value(layer, field, props[field])),
        )
        for label, field in pairs
        if props.get(field) not in (None, "", [])
    ]


def citation_numbers(
    bibliography: Bibliography, layer: Layer, feature: dict[str, Any]
) -> list[int]:
    """Return the bibliography numbers a feature cites.

    Looks the feature up in ``bibliography``; a feature that was not numbered itself (e.g. a
    clipped copy) gets the numbers of its sources' URLs, so the numbering is the same
    everywhere.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> from regionmap.citations import number_sources
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> bib = number_sources([(layer, layer.features)])
    >>> citation_numbers(bib, layer, dict(layer.features[0]))
    [1, 2, 3]
    """
    numbers = bibliography.numbers(layer.id, feature)
    if numbers or layer.meta is None:
        return numbers
    by_url = {c.source.url: c.number for c in bibliography.citations}
    sources = layer.meta.source_map()
    found: list[int] = []
    for key in feature_sources(layer.meta, feature):
        number = by_url.get(sources[key].url) if key in sources else None
        if number is not None and number not in found:
            found.append(number)
    return found


def citation_html(citation: Citation) -> str:
    """Return one citation as HTML: [n] title — publisher, date, link.

    Examples
    --------
    >>> from regionmap.schema import Source
    >>> source = Source(key="s", title="T", publisher="P", url="https://a.example/x",
    ...                 accessed="2026-11-25")
    >>> print(citation_html(Citation(1, source, ("l",))))  # doctest: +NORMALIZE_WHITESPACE
    <div class="rm-cite">[1] T — P, accessed 2026-11-25, <a href="https://a.example/x"
    target="_blank" rel="noopener noreferrer">a.example</a></div>
    """
    source = citation.source
    date = source.published or f"accessed {source.accessed}"
    return _citation_html(citation.number, source.title, source.publisher, date, source.url)


@functools.lru_cache(maxsize=4096)
def _citation_html(number: int, title: str, publisher: str, date: str, url: str) -> str:
    """:func:`citation_html` of these values (kept: every rerun lists the same sources)."""
    host = urlsplit(url).hostname or "link"
    return (
        f'<div class="rm-cite">[{number}] {escape_text(title)} — '
        f"{escape_text(publisher)}, {escape_text(date)}, "
        f"{safe_link(url, host)}</div>"
    )


def sources_html(citations: list[Citation]) -> str:
    """Return the popup's source list, or a visible "No source cited." line."""
    if not citations:
        return '<div class="rm-none">No source cited.</div>'
    return (
        '<div class="rm-sources"><b>Sources</b>' + "".join(map(citation_html, citations)) + "</div>"
    )


def bibliography_html(citations: list[Citation]) -> str:
    """The numbered sources of a view as one HTML block, for the app's Sources panel.

    One line per citation: ``[n] title — publisher, published. URL (accessed date)``, with
    every text escaped and the URL a link only when it is http(s). HTML, not Markdown: the
    browser shows a block of a hundred sources at once, where Streamlit's Markdown renderer
    took about 0.15 s of the page's time on every rerun.

    Examples
    --------
    >>> from regionmap.schema import Source
    >>> source = Source(key="s", title="<T>", publisher="P", url="https://a.example/x",
    ...                 accessed="2026-11-25", published="2020-01-02")
    >>> print(bibliography_html([Citation(1, source, ("l",))]))  # doctest: +NORMALIZE_WHITESPACE
    <div class="rm-bibliography"><p>[1] &lt;T&gt; — P, 2020-01-02. <a href="https://a.example/x"
    target="_blank" rel="noopener noreferrer">https://a.example/x</a>
    (accessed 2026-11-25)</p></div>
    """
    lines = (
        _bibliography_line(c.number, s.title, s.publisher, s.published, s.url, s.accessed)
        for c in citations
        for s in (c.source,)
    )
    return '<div class="rm-bibliography">' + "".join(lines) + "</div>"


@functools.lru_cache(maxsize=4096)
def _bibliography_line(
    number: int, title: str, publisher: str, published: str | None, url: str, accessed: str
) -> str:
    """One line of :func:`bibliography_html` (kept: every rerun lists the same sources)."""
    date = f", {escape_text(published)}" if published else ""
    return (
        f"<p>[{number}] {escape_text(title)} — {escape_text(publisher)}{date}. "
        f"{safe_link(url, url)} (accessed {escape_text(accessed)})</p>"
    )


def popup_body_html(layer: Layer, feature: dict[str, Any]) -> str:
    """Return the popup without its sources: name, layer title, note and labelled fields."""
    props = feature.get("properties") or {}
    title = layer.meta.title if layer.meta is not None else layer.id
    parts = [
        f'<div class="rm-name">{escape_text(feature_name(feature))}</div>',
        f'<div class="rm-layer">{escape_text(title)}</div>',
    ]
    if props.get("note"):
        parts.append(f'<p class="rm-note">{escape_text(props["note"])}</p>')
    rows = "".join(
        f"<tr><th>{label}</th><td>{cell}</td></tr>" for label, cell in display_cells(layer, feature)
    )
    if rows:
        parts.append(f'<table class="rm-fields">{rows}</table>')
    return "".join(parts)


def popup_html(layer: Layer, feature: dict[str, Any], bibliography: Bibliography) -> str:
    """Return the popup of a feature: name, layer, note, labelled fields and numbered citations.

    Every value is escaped with :func:`~regionmap.safe_html.escape_text`; links appear only for
    http(s) URLs and open in a new tab with ``rel="noopener noreferrer"``. Style it with
    :data:`POPUP_CSS`.

    Parameters
    ----------
    layer : Layer
        The feature's layer.
    feature : dict
        A GeoJSON feature.
    bibliography : Bibliography
        The numbering of the sources shown (:func:`regionmap.citations.number_sources`).

    Returns
    -------
    str
        HTML, safe to hand to Leaflet's ``bindPopup`` or folium.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> from regionmap.citations import number_sources
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> html = popup_html(layer, layer.features[0], number_sources([(layer, layer.features)]))
    >>> "[1] Natural Earth Vector" in html
    True
    """
    cited = {c.number: c for c in bibliography.citations}
    numbers = citation_numbers(bibliography, layer, feature)
    citations = [cited[n] for n in numbers if n in cited]
    return f'<div class="rm-popup">{popup_body_html(layer, feature)}{sources_html(citations)}</div>'


def tooltip_html(name: str, ref: str) -> str:
    """Return a tooltip: the escaped name, plus the feature reference in a hidden span.

    The hidden reference lets the app tell which feature was clicked (its map component
    reports the tooltip's text); :func:`parse_ref` reads it back.

    Examples
    --------
    >>> tooltip_html("<b>", "basing:x")
    '&lt;b&gt;<span hidden> \u27e6basing:x\u27e7</span>'
    """
    return f"{escape_text(name)}<span hidden> {_REF_OPEN}{escape_text(ref)}{_REF_CLOSE}</span>"
