"""One view, one value: :func:`view_contents` turns a :class:`View` into :class:`ViewContents`.

A **view** is what the user asked to see: the frame (a bounding box), the layers, the
filters (with the time window), the selected feature and the basemap. Its **contents** are
computed once, here, and read by every face: the app's map, table, sources panel, selected
panel, CSV/GeoJSON downloads and export panel, the CLI export and the figure and HTML
exporters. None of them filters, frames or numbers sources on its own, so the numbers
[1]…[n] are the same in a popup, in the sources panel and in a PDF of the same view.

Layers in the ``Basemap`` group (the Natural Earth countries) are context, not data: filters
do not apply to them and the table leaves them out; their features reaching into the view
window are drawn and their sources are cited like any other (numbered first, so that their
numbers do not move when the frame or the filters change).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from regionmap.catalog import Catalog, Layer
from regionmap.citations import Bibliography, feature_key, number_sources
from regionmap.clip import view_window
from regionmap.columnar import columns_behind, pick
from regionmap.credits import credit_lines
from regionmap.errors import ExportError, ExportUsageError
from regionmap.filters import HIDES, Effect, Filters, filter_effects, filter_indices
from regionmap.layercache import layer_stamp, load_layer
from regionmap.schema import Style

__all__ = [
    "BASEMAP_GROUP",
    "WORLD",
    "LayerContents",
    "LegendEntry",
    "View",
    "ViewContents",
    "features_bbox",
    "is_basemap",
    "layer_stamp",
    "order_layers",
    "resolution_for_bbox",
    "select_features",
    "view_contents",
]

BBox = tuple[float, float, float, float]
Shown = list[tuple[Layer, list[dict[str, Any]]]]

#: The group of context layers (drawn first, never filtered, not in the table).
BASEMAP_GROUP = "Basemap"
#: The whole map, [west, south, east, north].
WORLD: BBox = (-180.0, -85.0, 180.0, 85.0)
#: Views wider than this many degrees of longitude use the 1:110m countries.
WIDE_VIEW = 90.0
#: Views narrower than this use the 1:10m countries; between the two, 1:50m.
CLOSE_VIEW = 12.0
_REF = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*):(.+)$")


def resolution_for_bbox(bbox: BBox) -> str:
    """Return the Natural Earth scale for a view: ``"110m"``, ``"50m"`` or ``"10m"``.

    ``"110m"`` when the view spans more than 90° of longitude, ``"10m"`` when it spans less
    than 12°, else ``"50m"``.

    Examples
    --------
    >>> resolution_for_bbox((-180, -60, 180, 84)), resolution_for_bbox((122, 24, 146.5, 46))
    ('110m', '50m')
    >>> resolution_for_bbox((124, 33, 131, 43.5))
    '10m'
    """
    span = bbox[2] - bbox[0]
    if span > WIDE_VIEW:
        return "110m"
    if span < CLOSE_VIEW:
        return "10m"
    return "50m"


def is_basemap(layer: Layer) -> bool:
    """True for context layers (group ``Basemap``), such as the countries."""
    return layer.meta is not None and layer.meta.group.casefold() == BASEMAP_GROUP.casefold()


def order_layers(layers: list[Layer]) -> list[Layer]:
    """Return data layers first, then basemap layers (the display order of the contents)."""
    return [la for la in layers if not is_basemap(la)] + [la for la in layers if is_basemap(la)]


def select_features(
    layer: Layer, filters: Filters | None = None, bbox: BBox | None = None
) -> list[dict[str, Any]]:
    """Return the features of a layer that a view shows (basemaps: every feature).

    Examples
    --------
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> len(select_features(layer, Filters(search="no such place"))) == len(layer.features)
    True
    """
    if is_basemap(layer):
        return layer.features
    return [layer.features[i] for i in filter_indices(layer, filters, bbox)]


def features_bbox(shown: Shown, pad: float = 0.1) -> BBox | None:
    """Return the bounds of the shown data features (basemaps left out), padded, or ``None``.

    ``pad`` is the fraction of the size added on each side; a single point gets at least 1°.

    Examples
    --------
    >>> layer = Catalog().load("countries", resolution="110m")
    >>> features_bbox([(layer, layer.features)]) is None
    True
    """
    boxes: list[np.ndarray] = []
    for layer, features in shown:
        if is_basemap(layer):
            continue
        behind = columns_behind(features)
        if behind is not None:  # a big layer: its features' bounds are a column
            boxes.append(behind[0].bounds[np.asarray(behind[1], dtype=np.int64)])
            continue
        geoms = [shapely.geometry.shape(f["geometry"]) for f in features if f.get("geometry")]
        if geoms:
            boxes.append(shapely.total_bounds(geoms)[None, :])
    found = np.concatenate(boxes) if boxes else np.empty((0, 4))
    found = found[~np.isnan(found).any(axis=1)]
    if not len(found):
        return None
    west, south = found[:, 0].min(), found[:, 1].min()
    east, north = found[:, 2].max(), found[:, 3].max()
    west, south, east, north = (float(v) for v in (west, south, east, north))
    dx = max((east - west) * pad, 1.0)
    dy = max((north - south) * pad, 1.0)
    return (
        max(west - dx, -180.0),
        max(south - dy, -85.0),
        min(east + dx, 180.0),
        min(north + dy, 85.0),
    )


@dataclass(frozen=True)
class View:
    """What the user asked to see. Hashable, so it keys caches.

    Attributes
    ----------
    frame : (west, south, east, north)
        The frame in degrees: what is listed, numbered and exported is what lies in it.
    layers : tuple of str or None
        Layer ids; ``None`` means every layer with ``default_visible``.
    filters : Filters
        Search, countries, agreements and the time window (``filters.years``).
    selected : str or None
        The selected feature's reference ``layer:id``.
    basemap : str or None
        An online tile basemap, or ``None`` for the offline countries only.
    title : str
        The frame's name (a region's title, or the bbox as text) for exports.
    region : str or None
        The region preset the frame came from, if any.
    """

    frame: BBox
    layers: tuple[str, ...] | None = None
    filters: Filters = field(default_factory=Filters)
    selected: str | None = None
    basemap: str | None = None
    title: str = ""
    region: str | None = None

    @property
    def bbox(self) -> BBox:
        """The frame (the older name)."""
        return self.frame


@dataclass(frozen=True)
class LayerContents:
    """One layer of a view: the features it shows and what each filter does to it."""

    layer: Layer
    features: Sequence[dict[str, Any]]
    """The features shown, in file order (basemaps: those reaching into the view window)."""
    indices: tuple[int, ...]
    """Each shown feature's position in ``layer.features``."""
    effects: dict[str, Effect]
    """For each filter set: "applies", "not applied" or "hides layer" (empty for basemaps)."""

    @property
    def id(self) -> str:
        """The layer id."""
        return self.layer.id

    @property
    def basemap(self) -> bool:
        """True for a context layer."""
        return is_basemap(self.layer)

    @property
    def hidden(self) -> bool:
        """True when a filter the layer cannot answer hides it."""
        return HIDES in self.effects.values()

    def refs(self) -> list[str]:
        """The shown features' references ``layer:key`` (as in deep links and the table)."""
        return [
            f"{self.layer.id}:{feature_key(f, i)}"
            for f, i in zip(self.features, self.indices, strict=True)
        ]


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a layer, how it is drawn and how many of its features are in view."""

    layer_id: str
    title: str
    style: Style
    count: int
    basemap: bool


@dataclass
class ViewContents:
    """What a view shows, computed once by :func:`view_contents`; every face reads it."""

    view: View
    layers: list[LayerContents]
    """The layers in display order: data layers (catalog order), then basemaps."""
    bibliography: Bibliography
    """The sources of the shown features, numbered [1]…[n]."""
    legend: list[LegendEntry]
    """The visible layers (data layers with features in the frame, and basemaps)."""
    credits: list[str]
    """The Natural Earth credit line and each visible layer's licence and attribution."""
    resolution: str
    """The countries' scale for the frame."""
    warnings: list[str] = field(default_factory=list)

    @property
    def filters(self) -> Filters:
        """The view's filters."""
        return self.view.filters

    @property
    def shown(self) -> Shown:
        """(layer, features) for every layer of the view, in display order."""
        return [(lc.layer, lc.features) for lc in self.layers]

    @property
    def data_layers(self) -> Shown:
        """The shown layers that are not basemaps."""
        return [(lc.layer, lc.features) for lc in self.layers if not lc.basemap]

    @property
    def visible(self) -> Shown:
        """The layers that appear: basemaps, and data layers with features in the frame."""
        return [(lc.layer, lc.features) for lc in self.layers if lc.features or lc.basemap]

    @property
    def feature_count(self) -> int:
        """How many data features are in the frame."""
        return sum(len(features) for _, features in self.data_layers)

    def refs(self) -> list[str]:
        """The references of the shown data features, in display order."""
        return [ref for lc in self.layers if not lc.basemap for ref in lc.refs()]

    def find(self, ref: str | None) -> tuple[Layer, dict[str, Any]] | None:
        """The shown data feature a reference names, or ``None`` (also when out of the frame)."""
        match = _REF.match(ref or "")
        if not match:
            return None
        for lc in self.layers:
            if lc.id == match.group(1) and not lc.basemap:
                for feature, index in _named(lc, match.group(2)):
                    if feature_key(feature, index) == match.group(2):
                        return lc.layer, feature
        return None

    @property
    def selected(self) -> tuple[Layer, dict[str, Any]] | None:
        """The selected feature when it is shown in the frame."""
        return self.find(self.view.selected)


def _named(lc: LayerContents, key: str) -> Iterable[tuple[dict[str, Any], int]]:
    """The shown features that may have the key ``key``, with their positions in the layer.

    A big layer's column copy narrows them to the features whose ``id`` reads ``key``; else
    every shown feature.
    """
    behind = columns_behind(lc.features)
    named = behind[0].named("id", key) if behind is not None else None
    if named is None:
        return zip(lc.features, lc.indices, strict=True)
    shown = np.asarray(lc.indices, dtype=np.int64)
    at = np.searchsorted(shown, named)
    found = [int(p) for p, i in zip(at, named, strict=True) if p < len(shown) and shown[p] == i]
    return [(lc.features[p], lc.indices[p]) for p in found]


def _check_layer_ids(catalog: Catalog, layer_ids: Sequence[str]) -> list[str]:
    """The named layer ids without repeats; unknown ids raise with the valid choices."""
    known = catalog.ids()
    unknown = [i for i in layer_ids if i not in known]
    if unknown:
        raise ExportUsageError(
            f"unknown layer(s) {', '.join(map(repr, unknown))}; choose from: "
            f"{', '.join(known) or '(none)'}"
        )
    return list(dict.fromkeys(layer_ids))


def _problem_summary(layer: Layer, most: int = 3) -> str:
    """The first few errors of a broken layer, on one line."""
    errors = [str(p) for p in layer.problems if p.is_error]
    more = f" (and {len(errors) - most} more)" if len(errors) > most else ""
    return "; ".join(errors[:most]) + more


def _load(catalog: Catalog, view: View, resolution: str) -> tuple[list[Layer], list[str]]:
    """The view's layers, loaded; named broken layers raise, broken defaults warn."""
    named = view.layers is not None
    if named and not view.layers:
        raise ExportUsageError(
            f"no layers chosen; choose from: {', '.join(catalog.ids()) or '(none)'}"
        )
    ids = _check_layer_ids(catalog, view.layers) if view.layers else catalog.ids()
    loaded: list[Layer] = []
    warnings: list[str] = []
    for layer_id in dict.fromkeys(ids):
        layer = load_layer(catalog, layer_id, resolution)
        if layer.ok and (named or layer.meta.default_visible):  # type: ignore[union-attr]
            loaded.append(layer)
        elif named:
            raise ExportError(f"layer {layer_id!r} cannot be shown: {_problem_summary(layer)}")
        elif not layer.ok:
            warnings.append(f"layer {layer_id!r} is broken and was left out (regionmap validate)")
    return loaded, warnings


def _basemap_indices(layer: Layer, window: BBox) -> list[int]:
    """Positions of a basemap's features that reach into a window."""
    if not layer.features:
        return []
    hits = shapely.intersects(layer.geometries, shapely.box(*window))
    return [i for i, hit in enumerate(hits.tolist()) if hit and layer.features[i].get("geometry")]


def view_contents(catalog: Catalog, view: View) -> ViewContents:
    """Compute what a view shows: the one function every face calls.

    Parameters
    ----------
    catalog : Catalog
        Where the layers come from.
    view : View
        The frame, layers, filters, time window, selection and basemap.

    Returns
    -------
    ViewContents
        Per layer (display order: data layers, then basemaps) the features shown and the
        effect of each filter: data features that pass the filters that apply and intersect
        the frame (none when a filter hides the layer); basemap features reaching into the
        frame plus half its size on each side. Then the bibliography, numbered over the
        basemaps first and the data layers after them in display order, features in file
        order; the legend entries (layers with features in view); the credit lines.

    Raises
    ------
    ExportUsageError
        An unknown layer id, or an empty layer list.
    ExportError
        A named layer is broken.

    Examples
    --------
    >>> contents = view_contents(Catalog(), View((122, 24, 146.5, 46), ("basing", "countries")))
    >>> [lc.id for lc in contents.layers], contents.resolution
    (['basing', 'countries'], '50m')
    >>> contents.bibliography.citations[0].number
    1
    """
    resolution = resolution_for_bbox(view.frame)
    loaded, warnings = _load(catalog, view, resolution)
    window = view_window(view.frame)
    layers: list[LayerContents] = []
    for layer in order_layers(loaded):
        if is_basemap(layer):
            indices, effects = _basemap_indices(layer, window), {}
        else:
            indices = filter_indices(layer, view.filters, view.frame)
            effects = filter_effects(layer, view.filters)
        features = pick(layer.features, indices)
        layers.append(LayerContents(layer, features, tuple(indices), effects))
    numbered = [lc for lc in layers if lc.basemap] + [lc for lc in layers if not lc.basemap]
    bibliography = number_sources(
        [(lc.layer, lc.features) for lc in numbered], [list(lc.indices) for lc in numbered]
    )
    visible = [lc for lc in layers if lc.features or lc.basemap]
    legend = [
        LegendEntry(lc.id, lc.layer.meta.title, lc.layer.meta.style, len(lc.features), lc.basemap)
        for lc in visible
        if lc.layer.meta is not None
    ]
    credits = credit_lines([lc.layer for lc in visible])
    return ViewContents(view, layers, bibliography, legend, credits, resolution, warnings)
