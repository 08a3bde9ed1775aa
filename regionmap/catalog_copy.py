"""Copy layers between catalog stores (folder → PostGIS, PostGIS → folder, either → either).

A layer travels as its files: the metadata text and each data file's bytes, under the
paths a folder catalog gives them (``layers/<id>.yaml``, ``data/<file>.geojson``). A
PostGIS catalog keeps those bytes beside its feature rows, so a round trip gives back the
same bytes. Each layer is checked in full (as ``validate`` does) before it is written; a
broken layer is not copied, and an id the destination already has is only replaced with
``force``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regionmap.catalog import META_SUFFIX, LayerEntry, load_entry
from regionmap.problems import CatalogError, LayerExistsError, Problem, has_errors
from regionmap.stores import LayerFiles, data_file, write_files


@dataclass
class CopyReport:
    """What a copy did: the layers copied, and those left out with why."""

    copied: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def layer_files(catalog: Any, layer_id: str) -> LayerFiles:
    """A layer of either store as its files, byte for byte."""
    if getattr(catalog, "kind", "") == "postgis":
        stored = catalog.read_files(layer_id)
        if stored is None:
            raise CatalogError(f"there is no layer {layer_id!r} in {catalog.location}")
        return stored
    entry = catalog.entry(layer_id)
    meta_bytes = entry.meta_path.read_bytes()
    raw = yaml.safe_load(meta_bytes) or {}
    relatives = [raw.get("data"), *(raw.get("resolutions") or {}).values()]
    files = {}
    for relative in dict.fromkeys(r for r in relatives if isinstance(r, str)):
        path = data_file(relative)
        files[path] = (entry.catalog / path).read_bytes()
    return LayerFiles(layer_id, meta_bytes.decode("utf-8"), files)


def check_files(stored: LayerFiles) -> tuple[dict[str, dict], list[Problem]]:
    """Check a layer's files as a folder catalog would; return each file's features.

    Returns the normalised FeatureCollection of each data file (by catalog path) and the
    problems of loading the layer's ``data`` file (what every later load reports).
    """
    with tempfile.TemporaryDirectory(prefix="regionmap-copy-") as tmp:
        folder = Path(tmp).resolve()
        meta_path = write_files(folder, stored)
        entry = LayerEntry(stored.layer_id, meta_path, folder)
        layer = load_entry(entry)
        if not layer.ok:
            return {}, layer.problems
        assert layer.meta is not None
        collections = {data_file(layer.meta.data): layer.collection}
        for resolution, relative in layer.meta.resolutions.items():
            path = data_file(relative)
            if path in collections:
                continue
            other = load_entry(entry, resolution=resolution)
            if not other.ok:
                return {}, other.problems
            collections[path] = other.collection
        return collections, layer.problems


def copy_catalog(
    source: Any,
    target: Any,
    *,
    ids: list[str] | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CopyReport:
    """Copy the layers of one catalog store into another.

    Parameters
    ----------
    source, target
        Catalogs from :func:`regionmap.stores.open_catalog`.
    ids : list of str, optional
        The layers to copy (default: every layer of the source store itself, built-in
        layers left out unless the source is the built-in folder).
    force : bool
        Replace layers the target already has.

    Examples
    --------
    >>> from regionmap.stores import open_catalog
    >>> copy_catalog(open_catalog("~/maps"),  # doctest: +SKIP
    ...              open_catalog("postgresql://me:pw@db/maps")).copied
    ['my-bases']
    """
    report = CopyReport()
    own = source.own_ids()
    for layer_id in ids or own:
        if layer_id not in own and source.entry(layer_id) is None:
            report.skipped.append((layer_id, "no such layer in the source"))
            continue
        stored = layer_files(source, layer_id)
        to_folder = getattr(target, "kind", "") != "postgis"
        if to_folder and getattr(source, "kind", "") == "postgis":
            # Checked in full when it was written to the database; the bytes are those.
            collections, problems = {"": {}}, []
        else:
            collections, problems = check_files(stored)
        if has_errors(problems) or not collections:
            report.skipped.append((layer_id, "it has errors (see `regionmap validate`)"))
            report.problems += problems
            continue
        try:
            if not to_folder:
                target.write_layer(stored, collections, problems, force=force)
            else:
                write_folder_layer(target.write_dir, stored, force=force)
        except LayerExistsError:
            report.skipped.append((layer_id, "the target has it already (use --force)"))
            continue
        report.copied.append(layer_id)
        if progress:
            progress(layer_id)
    return report


def write_folder_layer(folder: Path, stored: LayerFiles, *, force: bool = False) -> None:
    """Write a layer's files into a catalog folder atomically, metadata last."""
    meta_path = folder / "layers" / f"{stored.layer_id}{META_SUFFIX}"
    for path in [meta_path, *(folder / p for p in stored.files)]:
        if not path.resolve().is_relative_to(folder.resolve()):
            raise CatalogError(f"{path} would be outside the catalog {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        if meta_path.exists() and not force:
            raise LayerExistsError(f"a layer with id {stored.layer_id!r} already exists")
        for path, content in stored.files.items():
            _replace(folder / path, content)
        _replace(meta_path, stored.meta_yaml.encode("utf-8"))


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """The lock ``regionmap add`` takes on a catalog folder."""
    with open(folder / "layers" / ".regionmap.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _replace(target: Path, content: bytes) -> None:
    """Write bytes to a temporary file beside ``target``, flush, and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
