"""Numbered bibliographies: the same numbers in the popup, the sources panel and the exports.

Sources are numbered in order of first citation, walking the layers in the order given and
their features in file order. A source is identified by its URL, so one page cited by two
layers gets one number. The same layers and features always give the same numbers.

A feature is known by a stable key, never by the identity of a Python object: its ``id``
property (or GeoJSON ``id``), else ``#<position in the layer's file>``
(:func:`feature_key`). A feature the bibliography has not numbered itself (a clipped copy, a
feature without an id) is looked up by the URLs of the sources it cites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regionmap.catalog import Layer, feature_sources
from regionmap.schema import LayerMeta, Source


@dataclass(frozen=True)
class Citation:
    """One numbered entry of a bibliography."""

    number: int
    source: Source
    layers: tuple[str, ...]

    def text(self) -> str:
        """The entry as plain text: title. Publisher, date. URL (accessed date)."""
        date = f", {self.source.published}" if self.source.published else ""
        return (
            f"[{self.number}] {self.source.title}. {self.source.publisher}{date}. "
            f"{self.source.url} (accessed {self.source.accessed})"
        )


def feature_key(feature: dict[str, Any], index: int | None = None) -> str | None:
    """A feature's stable key: its ``id`` (property or GeoJSON member), else ``#index``.

    Examples
    --------
    >>> feature_key({"properties": {"id": "kadena"}}), feature_key({"properties": {}}, 4)
    ('kadena', '#4')
    """
    props = feature.get("properties") or {}
    fid = props.get("id", feature.get("id"))
    if fid not in (None, ""):
        return str(fid)
    return f"#{index}" if index is not None else None


@dataclass
class Bibliography:
    """Numbered sources, and which numbers each feature cites (by layer id and feature key)."""

    citations: list[Citation] = field(default_factory=list)
    by_feature: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    metas: dict[str, LayerMeta] = field(default_factory=dict, repr=False)

    def numbers(self, layer_id: str, feature: dict[str, Any] | str | int) -> list[int]:
        """The citation numbers of a feature: by key, by position (int) or by the feature.

        A feature dict is found by its id; one without an id (or not numbered itself) gets
        the numbers of the URLs of the sources it cites.
        """
        if isinstance(feature, int):
            key: str | None = f"#{feature}"
        elif isinstance(feature, str):
            key = feature
        else:
            key = feature_key(feature)
        found = self.by_feature.get((layer_id, key)) if key is not None else None
        if found is not None or isinstance(feature, str | int):
            return list(found or [])
        return self._by_url(layer_id, feature)

    def _by_url(self, layer_id: str, feature: dict[str, Any]) -> list[int]:
        """The numbers of the sources a feature cites, found by their URLs."""
        meta = self.metas.get(layer_id)
        if meta is None:
            return []
        by_url = {c.source.url: c.number for c in self.citations}
        sources = meta.source_map()
        found: list[int] = []
        for key in feature_sources(meta, feature):
            number = by_url.get(sources[key].url) if key in sources else None
            if number is not None and number not in found:
                found.append(number)
        return found


def number_sources(
    shown: list[tuple[Layer, list[dict[str, Any]]]],
    indices: list[list[int] | None] | None = None,
) -> Bibliography:
    """Number the sources cited by the features shown, in order of first citation.

    Parameters
    ----------
    shown : list of (Layer, features)
        The layers in display order, each with the features that are shown.
    indices : list of (list of int or None), optional
        Each shown feature's position in its layer's ``features`` (for the ``#index`` key of
        features without an id); by default found from the layer itself.

    Returns
    -------
    Bibliography
        ``citations`` in number order; ``numbers(layer_id, feature)`` gives a feature's
        numbers.
    """
    bib = Bibliography()
    by_url: dict[str, int] = {}
    layers_of: dict[int, list[str]] = {}
    sources: dict[int, Source] = {}
    for position, (layer, features) in enumerate(shown):
        if layer.meta is None:
            continue
        bib.metas[layer.id] = layer.meta
        catalog = layer.meta.source_map()
        given = indices[position] if indices is not None else None
        where = given if given is not None else _positions(layer, features)
        for feature, index in zip(features, where, strict=True):
            numbers = []
            for key in feature_sources(layer.meta, feature):
                source = catalog.get(key)
                if source is None:
                    continue
                number = by_url.setdefault(source.url, len(by_url) + 1)
                sources.setdefault(number, source)
                owners = layers_of.setdefault(number, [])
                if layer.id not in owners:
                    owners.append(layer.id)
                if number not in numbers:
                    numbers.append(number)
            bib.by_feature[(layer.id, feature_key(feature, index))] = numbers  # type: ignore[index]
    bib.citations = [Citation(n, sources[n], tuple(layers_of[n])) for n in sorted(sources)]
    return bib


def _positions(layer: Layer, features: list[dict[str, Any]]) -> list[int]:
    """Each feature's position in the layer (matched by its properties), else its own place."""
    position = {id(f.get("properties")): i for i, f in enumerate(layer.features)}
    return [position.get(id(f.get("properties")), i) for i, f in enumerate(features)]
