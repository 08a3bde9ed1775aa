"""Add a layer to the catalog: validate, normalise, then write atomically.

Nothing is written unless the whole layer is valid. The data file and the metadata file are
each written to a temporary file in the target folder, flushed to disk, and renamed into
place; the metadata file, which is what makes a layer visible, is renamed last. A lock file
serialises concurrent adds, so two ``regionmap add`` runs of the same id end with one layer
and one clear error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import yaml
from pydantic import ValidationError

from regionmap.catalog import META_SUFFIX, Catalog, _pydantic_problem, check_citations
from regionmap.geojson import Limits, ReadResult, read_geojson
from regionmap.problems import InvalidLayerError, LayerExistsError, Problem, has_errors
from regionmap.schema import LayerMeta, is_kebab_id


@dataclass(frozen=True)
class NewLayer:
    """What ``regionmap add`` is told about a new layer."""

    id: str
    title: str
    license: str
    source_title: str
    source_url: str
    source_publisher: str | None = None
    description: str = ""
    license_url: str | None = None
    #: ``style`` settings for the metadata, e.g. ``{"color": "#cc79a7", "marker": "triangle"}``
    #: (checked with the rest of the metadata); without one the map picks a distinct style.
    style: dict | None = None


@dataclass
class AddResult:
    """What was written, and the warnings that came with it."""

    meta_path: Path
    data_path: Path
    feature_count: int
    warnings: list[Problem]


def build_meta(new: NewLayer, result: ReadResult, today: dt.date | None = None) -> dict:
    """The metadata mapping written to ``layers/<id>.yaml``."""
    publisher = new.source_publisher or urlsplit(new.source_url).hostname or "unknown"
    types = sorted(result.geometry_types)
    meta: dict = {
        "id": new.id,
        "title": new.title,
        "description": new.description,
        "license": new.license,
    }
    if new.license_url:
        meta["license_url"] = new.license_url
    meta |= {
        "data": f"../data/{new.id}.geojson",
        "sources": [
            {
                "key": "source",
                "title": new.source_title,
                "publisher": publisher,
                "url": new.source_url,
                "accessed": (today or dt.date.today()).isoformat(),
            }
        ],
        "group": "My layers",
        "default_visible": True,
        **({"style": dict(new.style)} if new.style else {}),
        "geometry_type": types[0] if len(types) == 1 else "Mixed",
        "feature_count": result.feature_count,
    }
    return meta


def add_layer(
    catalog: Catalog,
    source: str | Path,
    new: NewLayer,
    *,
    force: bool = False,
    fix: bool = False,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AddResult:
    """Validate a GeoJSON file and add it to the catalog as a new layer.

    Parameters
    ----------
    catalog : Catalog
        Where to write (``catalog.write_dir``).
    source : str or Path
        The GeoJSON file.
    new : NewLayer
        Id, title, licence and source of the layer.
    force : bool
        Replace an existing layer with the same id.
    fix : bool
        Repair invalid polygons (reported as warnings) instead of rejecting them.

    Raises
    ------
    InvalidLayerError
        With every problem, when the file or the metadata has an error.
    LayerExistsError
        When the id is taken and ``force`` is not set.

    Examples
    --------
    >>> add_layer(Catalog("~/maps"), "bases.geojson", NewLayer(  # doctest: +SKIP
    ...     "my-bases", "My bases", "CC0-1.0", "Source", "https://example.org/"))
    """
    if not is_kebab_id(new.id):
        raise InvalidLayerError(
            f"the id {new.id!r} is not kebab-case; use lower-case letters, digits and "
            'single hyphens, e.g. "my-bases" (at most 64 characters)',
            [],
        )
    folder = catalog.write_dir
    meta_path = folder / "layers" / f"{new.id}{META_SUFFIX}"
    data_path = folder / "data" / f"{new.id}.geojson"
    for path in (meta_path, data_path):  # belt and braces on top of the id pattern
        if not path.resolve().is_relative_to(folder):
            raise InvalidLayerError(f"{path} would be outside the catalog {folder}", [])
    if not force:
        _refuse_existing(catalog, new.id, meta_path)
    result = read_geojson(source, fix=fix, limits=limits, progress=progress)
    problems = list(result.problems)
    meta_dict: dict | None = None
    if result.collection is not None:
        meta_dict = build_meta(new, result)
        try:
            meta = LayerMeta.model_validate(meta_dict)
        except ValidationError as exc:
            problems += [_pydantic_problem("metadata", err) for err in exc.errors()]
        else:
            problems += check_citations(meta, result, str(source))
    if has_errors(problems) or result.collection is None or meta_dict is None:
        errors = sum(p.is_error for p in problems)
        raise InvalidLayerError(
            f"{source}: {errors} error(s); nothing was written to the catalog", problems
        )
    for sub in ("layers", "data"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    with _catalog_lock(folder):
        if not force:
            _refuse_existing(catalog, new.id, meta_path)
        # orjson writes a 50 MB layer in well under a second; json.dumps takes about seven.
        data_text = orjson.dumps(result.collection).decode("utf-8")
        meta_text = yaml.safe_dump(meta_dict, sort_keys=False, allow_unicode=True)
        with (
            _staged(data_path, data_text + "\n") as commit_data,
            _staged(meta_path, meta_text) as commit_meta,
        ):
            commit_data()
            commit_meta()
    return AddResult(meta_path, data_path, result.feature_count, problems)


def _refuse_existing(catalog: Catalog, layer_id: str, meta_path: Path) -> None:
    """Raise LayerExistsError if the id is taken in the target folder or the catalog."""
    if meta_path.exists() or catalog.entry(layer_id) is not None:
        raise LayerExistsError(
            f"a layer with id {layer_id!r} already exists ({meta_path}); use --force to "
            "replace it, or choose another --id"
        )


@contextlib.contextmanager
def _catalog_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the catalog folder while writing."""
    lock_path = folder / "layers" / ".regionmap.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _staged(target: Path, text: str) -> Iterator[Callable[[], None]]:
    """Write text to a hidden temporary file beside target; yield a function that renames it.

    The temporary file is removed if the rename never happens, so a failure leaves no
    trace; a killed process may leave a hidden ``.<name>.*.tmp`` file, which the catalog
    ignores.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    committed = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

        def commit() -> None:
            nonlocal committed
            os.replace(tmp, target)
            committed = True

        yield commit
    finally:
        if not committed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
