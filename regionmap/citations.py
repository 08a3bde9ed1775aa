"""Numbered bibliographies: the same numbers in the popup, the sources panel and the exports.

Sources are numbered in order of first citation, walking the layers in the order given and
their features in file order. A source is identified by its URL, so one page cited by two
layers gets one number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regionmap.catalog import Layer, feature_sources
from regionmap.schema import Source


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


@dataclass
class Bibliography:
    """Numbered sources, and which numbers each feature cites."""

    citations: list[Citation] = field(default_factory=list)
    by_feature: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def numbers(self, layer_id: str, feature: dict[str, Any] | int) -> list[int]:
        """The citation numbers of a feature (by index or by the feature object)."""
        index = feature if isinstance(feature, int) else id(feature)
        return self.by_feature.get((layer_id, index), [])


def number_sources(shown: list[tuple[Layer, list[dict[str, Any]]]]) -> Bibliography:
    """Number the sources cited by the features shown, in order of first citation.

    Parameters
    ----------
    shown : list of (Layer, features)
        The layers in display order, each with the features that are shown.

    Returns
    -------
    Bibliography
        ``citations`` in number order; ``numbers(layer_id, feature)`` gives a feature's
        numbers (look up by the feature object itself).
    """
    bib = Bibliography()
    by_url: dict[str, int] = {}
    layers_of: dict[int, list[str]] = {}
    sources: dict[int, Source] = {}
    for layer, features in shown:
        if layer.meta is None:
            continue
        catalog = layer.meta.source_map()
        for feature in features:
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
            bib.by_feature[(layer.id, id(feature))] = numbers
    bib.citations = [Citation(n, sources[n], tuple(layers_of[n])) for n in sorted(sources)]
    return bib
