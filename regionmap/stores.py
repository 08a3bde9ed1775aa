"""One catalog interface, two stores: ``open_catalog(spec)`` picks the folder or PostGIS.

A spec is ``None`` (then ``$REGIONMAP_CATALOG``, then the built-in folder alone), a folder
path, or a ``postgresql://user:password@host:port/db[?schema=name]`` URL. Both stores have
the methods the commands and the app use:

``entries()``, ``ids()``, ``entry(id)``, ``own_ids()``
    What is in the catalog (``own_ids``: the layers of the store itself, not built-in).
``load(id, resolution=, fix=, bbox=)``, ``load_all()``
    :class:`regionmap.catalog.Layer` objects; ``bbox`` keeps the features whose bounds
    meet it (PostGIS answers it from its GiST index).
``load_entry(entry, ...)``, ``load_meta(entry)``
    The full check that ``layers`` and ``validate`` report, with the same messages.
``stamp(id)``
    A cache key that changes whenever the layer is written.
``add(source, new, force=, fix=, limits=, progress=)``
    Validate and write a layer atomically.
``location``, ``spec``
    Where the catalog is, for messages (never a password), and what reopens it.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from regionmap.catalog import (
    CATALOG_ENV,
    META_SUFFIX,
    ROOT,
    Catalog,
    Layer,
    LayerEntry,
    load_entry,
    load_meta,
)
from regionmap.geojson import Limits, ReadResult
from regionmap.problems import CatalogError, InvalidLayerError, Problem, has_errors
from regionmap.schema import LayerMeta, is_kebab_id

BBox = Sequence[float]


def is_url(spec: object) -> bool:
    """True when a catalog spec is a ``postgresql://`` URL rather than a folder."""
    text = str(spec) if spec is not None else ""
    return text.split(":", 1)[0].lower() in ("postgresql", "postgres") and "://" in text


class FolderCatalog(Catalog):
    """The folder store: :class:`regionmap.catalog.Catalog` with the store methods."""

    kind = "folder"

    @property
    def spec(self) -> str | None:
        """What reopens this catalog with ``open_catalog``."""
        return str(self.user_dir) if self.user_dir else None

    @property
    def location(self) -> str:
        """The folder ``add`` writes to."""
        return str(self.write_dir)

    def own_ids(self) -> list[str]:
        """The layers of the user folder (or of the built-in one when there is none)."""
        return list(dict.fromkeys(e.id for e in self.entries() if e.catalog == self.write_dir))

    def load(
        self,
        layer_id: str,
        *,
        resolution: str | None = None,
        fix: bool = False,
        bbox: BBox | None = None,
    ) -> Layer:
        """Load one layer; with ``bbox`` only the features whose bounds meet it."""
        return filter_bbox(super().load(layer_id, resolution=resolution, fix=fix), bbox)

    def load_entry(self, entry: LayerEntry, **kw: Any) -> Layer:
        """Load and check one entry (:func:`regionmap.catalog.load_entry`)."""
        return load_entry(entry, **kw)

    def load_meta(self, entry: LayerEntry) -> tuple[LayerMeta | None, list[Problem]]:
        """Read and check one metadata file (:func:`regionmap.catalog.load_meta`)."""
        return load_meta(entry)

    def stamp(self, layer_id: str) -> tuple:
        """The paths, mtimes and sizes of the layer's files: a cache key for the app.

        Changes whenever the metadata file or any data file it names is edited, replaced
        or moved (as :func:`regionmap.view.layer_stamp`, which can call this).
        """
        return folder_stamp(self, layer_id)

    def add(self, source: str | Path, new: Any, **kw: Any) -> Any:
        """Validate and add a layer (:func:`regionmap.store.add_layer`)."""
        from regionmap.store import add_layer

        return add_layer(self, source, new, **kw)


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), st.st_mtime_ns, st.st_size)


def folder_stamp(catalog: Catalog, layer_id: str) -> tuple:
    """(path, mtime, size) of a folder layer's metadata and data files, as a cache key."""
    entry = catalog.entry(layer_id)
    if entry is None:
        return ((layer_id, 0, 0),)
    stamps = [_stat(entry.meta_path)]
    meta, _ = load_meta(entry)
    if meta is not None:
        for relative in [meta.data, *meta.resolutions.values()]:
            stamps.append(_stat((entry.meta_path.parent / relative).resolve()))
    return tuple(stamps)


def open_catalog(spec: str | Path | None = None, root: Path = ROOT, **kw: Any) -> Any:
    """Open the catalog a spec names: a folder, or a PostGIS database by URL.

    Parameters
    ----------
    spec : str or Path, optional
        A folder, a ``postgresql://`` URL, or None for ``$REGIONMAP_CATALOG``.
    root : Path
        The built-in catalog folder.

    Returns
    -------
    FolderCatalog or regionmap.postgis.PostgisCatalog

    Raises
    ------
    regionmap.postgis.StoreError
        When the database cannot be used (one line, without the password).

    Examples
    --------
    >>> open_catalog("~/maps").kind  # doctest: +SKIP
    'folder'
    >>> open_catalog("postgresql://me:pw@db.example.org/maps?schema=team").kind  # doctest: +SKIP
    'postgis'
    """
    if spec is None or str(spec) == "":
        spec = os.environ.get(CATALOG_ENV) or None
    if is_url(spec):
        try:
            from regionmap.postgis import PostgisCatalog
        except ImportError:
            raise CatalogError(
                "a postgresql:// catalog needs psycopg; install it with "
                "pip install 'regionmap[postgis]'"
            ) from None

        return PostgisCatalog(str(spec), root=root, **kw)
    if spec and Path(spec).expanduser().exists() and not Path(spec).expanduser().is_dir():
        raise CatalogError(
            f"the catalog {str(spec)!r} is a file, not a folder; name a folder (with layers/ "
            "and data/) or a postgresql:// URL"
        )
    return FolderCatalog(spec or "", root=root)


def filter_bbox(layer: Layer, bbox: BBox | None) -> Layer:
    """The layer with only the features whose bounds meet ``bbox`` (as PostGIS's ``&&``)."""
    if bbox is None or layer.collection is None:
        return layer
    import numpy as np

    from regionmap.columnar import bounds_of, columns_of

    features = layer.features
    columns = columns_of(features)
    bounds = columns.bounds if columns is not None else bounds_of(features)
    west, south, east, north = bbox
    with np.errstate(invalid="ignore"):
        keep = (
            (bounds[:, 0] <= east)
            & (bounds[:, 2] >= west)
            & (bounds[:, 1] <= north)
            & (bounds[:, 3] >= south)
        )
    kept = [features[i] for i in np.flatnonzero(keep).tolist()]  # a big layer: only these read
    collection = {**layer.collection, "features": kept}
    return dataclasses.replace(layer, collection=collection)


def checked_new_layer(
    source: str | Path,
    new: Any,
    *,
    fix: bool = False,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    display_name: str | None = None,
    options: Any = None,
    mapping: Any = None,
) -> tuple[ReadResult, dict]:
    """Read and check a new layer as ``regionmap add`` does; return it and its metadata.

    The same checks and messages as :func:`regionmap.store.add_layer`, for stores that
    write elsewhere than a folder.

    Raises
    ------
    InvalidLayerError
        With every problem, when the file or the metadata has an error.
    """
    from regionmap.catalog import _pydantic_problem, check_citations
    from regionmap.formats import read_any
    from regionmap.mapping import apply_mapping
    from regionmap.store import build_meta

    if not is_kebab_id(new.id):
        raise InvalidLayerError(
            f"the id {new.id!r} is not kebab-case; use lower-case letters, digits and "
            'single hyphens, e.g. "my-bases" (at most 64 characters)',
            [],
        )
    name = display_name or str(source)
    result = read_any(
        source, options=options, fix=fix, limits=limits, progress=progress, display_name=name
    )
    problems = list(result.problems)
    meta_dict: dict | None = None
    if result.collection is not None:
        meta_dict = build_meta(new, result)
        if mapping is not None:
            problems += apply_mapping(meta_dict, result.collection, mapping, name)
        try:
            meta = LayerMeta.model_validate(meta_dict)
        except ValidationError as exc:
            problems += [_pydantic_problem("metadata", err) for err in exc.errors()]
        else:
            problems += check_citations(meta, result, name)
    if has_errors(problems) or result.collection is None or meta_dict is None:
        errors = sum(p.is_error for p in problems)
        raise InvalidLayerError(
            f"{name}: {errors} error(s); nothing was written to the catalog", problems
        )
    result.problems = problems
    return result, meta_dict


def add_summary(layer_id: str, result: Any) -> str:
    """The line ``regionmap add`` prints after a layer was written, for either store."""
    if hasattr(result, "summary"):
        return result.summary()
    where = result.meta_path.parent.parent
    archive = getattr(result, "archive_path", None)
    tiles = f", {archive.relative_to(where)} (vector tiles)" if archive else ""
    return (
        f"Added layer {layer_id!r}: {result.feature_count} features, "
        f"{len(result.warnings)} warning(s). Wrote {result.data_path.relative_to(where)}{tiles} "
        f"and {result.meta_path.relative_to(where)} in {where}."
    )


@dataclass
class LayerFiles:
    """A layer as files: the metadata text and each data file's bytes by catalog path."""

    layer_id: str
    meta_yaml: str
    files: dict[str, bytes]


def data_file(relative: str) -> str:
    """The catalog path (``data/x.geojson``) of a metadata ``data`` path (``../data/x``)."""
    return posixpath.normpath(posixpath.join("layers", relative))


def write_files(folder: Path, stored: LayerFiles) -> Path:
    """Write a layer's files into a folder catalog as they were (no lock, no rename)."""
    meta_path = folder / "layers" / f"{stored.layer_id}{META_SUFFIX}"
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_bytes(stored.meta_yaml.encode("utf-8"))
    for path, content in stored.files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return meta_path
