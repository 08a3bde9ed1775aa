"""Loaded layers, kept in memory while their files are unchanged (one cache per process).

The app, the CLI and the exporters load layers through :func:`load_layer`, so a view costs
one parse per layer file and edit, and :func:`layer_stamp` gives the key that tells an edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regionmap.catalog import Catalog, Layer, load_meta

__all__ = ["CACHE_SIZE", "layer_stamp", "load_layer"]

#: How many loaded layer files are kept (every resolution of a layer counts once).
CACHE_SIZE = 32
_CACHE: dict[tuple[str, str | None], tuple[tuple[int, ...], Layer]] = {}


def _stamp(*paths: Path | None) -> tuple[int, ...]:
    """Modification times and sizes of files, to notice when a cached layer changed."""
    stamp: list[int] = []
    for path in paths:
        try:
            info = path.stat() if path else None
        except OSError:
            info = None
        stamp += [info.st_mtime_ns, info.st_size] if info else [0, 0]
    return tuple(stamp)


def load_layer(catalog: Catalog, layer_id: str, resolution: str | None = None) -> Layer:
    """Load a layer, reusing the copy loaded earlier in this process while its files are unchanged.

    Parameters
    ----------
    catalog : Catalog
        The catalog to load from.
    layer_id : str
        The layer id.
    resolution : {"110m", "50m", "10m"}, optional
        For layers with ``resolutions``; other layers ignore it (and are cached once).

    Examples
    --------
    >>> load_layer(Catalog(), "events") is load_layer(Catalog(), "events")
    True
    """
    entry = catalog.entry(layer_id)
    if entry is None:
        return catalog.load(layer_id)
    path = str(entry.meta_path)
    for key in ((path, resolution), (path, None)):
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == _version(catalog, layer_id, entry, cached[1]):
            return cached[1]
    layer = catalog.load(layer_id, resolution=resolution)
    if layer.ok and layer.meta is not None:
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        key = (path, resolution if layer.meta.resolutions else None)
        _CACHE[key] = (_version(catalog, layer_id, entry, layer), layer)
    return layer


def _version(catalog: Catalog, layer_id: str, entry: Any, layer: Layer) -> tuple:
    """What tells a cached layer is still current: file stamps, or a database's generation."""
    if not isinstance(catalog, Catalog) and hasattr(catalog, "stamp"):
        return tuple(catalog.stamp(layer_id))  # e.g. the PostGIS store: no files to stat
    return _stamp(entry.meta_path, layer.data_path)


def _stat(path: Path) -> tuple[str, int, int]:
    """(path, mtime in ns, size) of a file, or zeros when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), st.st_mtime_ns, st.st_size)


def layer_stamp(catalog: Catalog, layer_id: str) -> tuple[tuple[str, int, int], ...]:
    """Return the paths, modification times and sizes of a layer's files, as a cache key.

    Changes whenever the metadata file or any data file it names is edited, replaced or
    moved, so caches keyed on it show edits on the next rerun.

    Examples
    --------
    >>> stamp = layer_stamp(Catalog(), "countries")
    >>> stamp[0][0].endswith("countries.yaml")
    True
    """
    entry = catalog.entry(layer_id)
    if entry is None:
        return ((layer_id, 0, 0),)
    stamps = [_stat(entry.meta_path)]
    meta, _ = load_meta(entry)
    if meta is not None:
        for relative in [meta.data, *meta.resolutions.values()]:
            stamps.append(_stat((entry.meta_path.parent / relative).resolve()))
    return tuple(stamps)
