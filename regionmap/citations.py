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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionmap.catalog import Layer, feature_sources, own_sources
from regionmap.columnar import Columns, LazyFeatures, columns_behind
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
    """The numbers of shown features that cite sources of their own, by (layer id, key)."""
    defaults: dict[str, list[int]] = field(default_factory=dict)
    """The numbers of a layer's own sources, cited by its shown features that name none."""
    metas: dict[str, LayerMeta] = field(default_factory=dict, repr=False)

    def numbers(self, layer_id: str, feature: dict[str, Any] | str | int) -> list[int]:
        """The citation numbers of a feature: by key, by position (int) or by the feature.

        A feature that names no sources of its own cites its layer's. A feature dict is found
        by its id; one that was not numbered (not shown, say) gets the numbers of the URLs of
        the sources it cites.
        """
        if isinstance(feature, int | str):
            key = f"#{feature}" if isinstance(feature, int) else feature
            found = self.by_feature.get((layer_id, key))
            return list(found if found is not None else self.defaults.get(layer_id, []))
        fkey = feature_key(feature)
        found = self.by_feature.get((layer_id, fkey)) if fkey is not None else None
        if found is not None:
            return list(found)
        if not own_sources(feature) and layer_id in self.defaults:
            return list(self.defaults[layer_id])
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

        def number(keys: list[str], layer: Layer = layer, catalog: dict = catalog) -> list[int]:
            numbers: list[int] = []
            for key in keys:
                source = catalog.get(key)
                if source is None:
                    continue
                found = by_url.setdefault(source.url, len(by_url) + 1)
                sources.setdefault(found, source)
                owners = layers_of.setdefault(found, [])
                if layer.id not in owners:
                    owners.append(layer.id)
                if found not in numbers:
                    numbers.append(found)
            return numbers

        # Most features cite their layer's sources: numbered once, at the first such feature
        # (the order of first citation), so a million of them cost one loop of lookups.
        defaults = [s.key for s in layer.meta.sources]
        behind = columns_behind(features)
        if behind is not None:  # a big layer's features: only those naming sources are read
            _number_picked(bib, layer, features, behind, defaults, number)
            continue
        where: list[int] | None = None
        for position_in_layer, feature in enumerate(features):
            own = own_sources(feature)
            if own is None:
                if layer.id not in bib.defaults:
                    bib.defaults[layer.id] = number(defaults)
                continue
            if where is None:
                where = given if given is not None else _positions(layer, features)
            key = feature_key(feature, where[position_in_layer])
            bib.by_feature[(layer.id, key)] = number(own)  # type: ignore[index]
    bib.citations = [Citation(n, sources[n], tuple(layers_of[n])) for n in sorted(sources)]
    return bib


def _number_picked(
    bib: Bibliography,
    layer: Layer,
    features: Sequence[dict[str, Any]],
    behind: tuple[Columns, Sequence[int]],
    defaults: list[str],
    number: Callable[[list[str]], list[int]],
) -> None:
    """Number a lazy layer's picked features as the walk in :func:`number_sources` does.

    The column copy tells which features set ``sources``; only those are read. The layer's
    own sources are numbered at the first feature that names none, as in the walk.
    """
    columns, where = behind
    naming = np.isin(np.asarray(where, dtype=np.int64), columns.present("sources"))
    candidates = np.flatnonzero(naming).tolist()
    plain = np.flatnonzero(~naming)
    first_plain = int(plain[0]) if len(plain) else len(features)

    def defaults_once() -> None:
        if layer.id not in bib.defaults:
            bib.defaults[layer.id] = number(defaults)

    for position in candidates:
        if position > first_plain:
            defaults_once()
        feature = features[position]
        own = own_sources(feature)
        if own is None:
            defaults_once()
            continue
        bib.by_feature[(layer.id, feature_key(feature, where[position]))] = number(own)  # type: ignore[index]
    if first_plain < len(features):
        defaults_once()


def _positions(layer: Layer, features: list[dict[str, Any]]) -> list[int]:
    """Each feature's position in the layer (matched by its properties), else its own place."""
    if isinstance(layer.features, LazyFeatures):
        found = [layer.features.position_of(f) for f in features]
        return [i if p is None else p for i, p in enumerate(found)]
    position = {id(f.get("properties")): i for i, f in enumerate(layer.features)}
    return [position.get(id(f.get("properties")), i) for i, f in enumerate(features)]
