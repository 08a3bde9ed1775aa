"""Add a layer to the catalog: validate, normalise, then write it in one catalog transaction.

Nothing is written unless the whole layer is valid. The writing itself (a locked folder,
staged files renamed into place, the metadata last, undone on any failure, every OS error one
line) is :mod:`regionmap.catalog_write`'s; a big layer's tiles are cut inside the same
transaction, from the staged GeoJSON, so a failed cut writes nothing either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import orjson
import yaml
from pydantic import ValidationError

from regionmap.catalog import META_SUFFIX, Catalog, _pydantic_problem, check_citations
from regionmap.catalog_write import Cutter, catalog_transaction
from regionmap.columnar import COLUMNS_SUFFIX
from regionmap.formats import ReadOptions, read_any
from regionmap.geojson import Limits, ReadResult
from regionmap.mapping import LayerMapping, apply_mapping
from regionmap.prepared import check_record, write_record
from regionmap.problems import (
    CatalogError,
    InvalidLayerError,
    LayerExistsError,
    Problem,
    has_errors,
)
from regionmap.schema import LayerMeta, is_kebab_id
from regionmap.tiles import (
    archive_for,
    build_pmtiles,
    remove_archive,
    staged_archive,
    wants_tiles,
)


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
    #: The PMTiles archive cut beside the GeoJSON, or None when the layer has no tiles.
    archive_path: Path | None = None


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


#: How each face names the fields of a new layer, and how it says an id is taken.
FACES: dict[str, dict[str, str]] = {
    "cli": {
        "id": "--id",
        "title": "--title",
        "description": "--description",
        "license": "--license",
        "license_url": "--license-url",
        "sources.0.title": "--source-title",
        "sources.0.url": "--source-url",
        "sources.0.publisher": "--source-publisher",
        "exists": "use --force to replace it, or choose another --id",
    },
    "app": {
        "id": "Layer id",
        "title": "Title",
        "description": "Description",
        "license": "Licence",
        "license_url": "Licence URL",
        "sources.0.title": "Source title",
        "sources.0.url": "Source URL",
        "sources.0.publisher": "Source publisher",
        "exists": "choose another layer id",
    },
}
Face = Literal["cli", "app"]


def add_layer(
    catalog: Catalog,
    source: str | Path,
    new: NewLayer,
    *,
    force: bool = False,
    fix: bool = False,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    display_name: str | None = None,
    face: Face = "cli",
    options: ReadOptions | None = None,
    mapping: LayerMapping | None = None,
    tiles: bool | None = None,
    tile_progress: Callable[[float], None] | None = None,
) -> AddResult:
    """Validate a layer file and add it to the catalog as a new layer.

    The file is GeoJSON or any format :mod:`regionmap.formats` reads.

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
    display_name : str, optional
        How to name the file in messages (an upload's own name, not its temporary path).
    face : {"cli", "app"}
        Who asks: messages name that face's options (``--license``) or form fields.
    options : ReadOptions, optional
        Sub-layer, coordinate columns and CRS, for formats other than GeoJSON.
    mapping : LayerMapping, optional
        Popup fields, time fields, colour and marker, and a per-row source column.
    tiles : bool, optional
        Also cut the layer into a PMTiles archive beside its GeoJSON (True), never (False), or
        when it has more than :data:`regionmap.tiles.TILE_FEATURE_THRESHOLD` features (None).
    tile_progress : callable, optional
        Called with the fraction of the cutting done (0.0 to 1.0).

    Raises
    ------
    InvalidLayerError
        With every problem, when the file or the metadata has an error.
    LayerExistsError
        When the id is taken and ``force`` is not set.
    regionmap.catalog_write.WriteError
        When the operating system refuses a write; the catalog is left as it was.

    Examples
    --------
    >>> add_layer(Catalog("~/maps"), "bases.geojson", NewLayer(  # doctest: +SKIP
    ...     "my-bases", "My bases", "CC0-1.0", "Source", "https://example.org/"))
    """
    name = display_name or str(source)
    try:
        return _add_layer(
            catalog,
            source,
            new,
            name,
            force,
            fix,
            limits,
            progress,
            face,
            options,
            mapping,
            _TilePlan(tiles, tile_progress),
        )
    except CatalogError:
        raise
    except MemoryError:
        raise CatalogError(
            f"{name}: not enough memory to add this file; nothing was written. Split it into "
            "smaller layers, or lower --max-mb so that such files are refused early."
        ) from None
    except Exception as exc:  # isolation: never a traceback in the CLI or the app
        raise CatalogError(
            f"{name}: could not be added ({type(exc).__name__}: {str(exc)[:120]}); nothing "
            "was written. This is a bug in regionmap: please report it."
        ) from None


def _add_layer(
    catalog: Catalog,
    source: str | Path,
    new: NewLayer,
    name: str,
    force: bool,
    fix: bool,
    limits: Limits | None,
    progress: Callable[[int, int], None] | None,
    face: Face,
    options: ReadOptions | None = None,
    mapping: LayerMapping | None = None,
    tile_plan: _TilePlan | None = None,
) -> AddResult:
    """The work of :func:`add_layer`."""
    labels = FACES[face]
    if not is_kebab_id(new.id):
        raise InvalidLayerError(
            f"the id {_shown(new.id)} is not kebab-case; use lower-case letters, digits and "
            'single hyphens, e.g. "my-bases" (at most 64 characters)',
            [],
        )
    unstorable = _unstorable_text(new, labels)
    if unstorable:
        raise InvalidLayerError(
            f"{name}: 1 error(s); nothing was written to the catalog",
            [
                Problem(
                    name,
                    "text-surrogate",
                    f"{unstorable}: the text holds a lone surrogate (an invalid character).",
                    "Type the text again, or paste it from a UTF-8 source.",
                )
            ],
        )
    folder = catalog.write_dir
    meta_path = folder / "layers" / f"{new.id}{META_SUFFIX}"
    data_path = folder / "data" / f"{new.id}.geojson"
    for path in (meta_path, data_path):  # belt and braces on top of the id pattern
        if not path.resolve().is_relative_to(folder):
            raise InvalidLayerError(f"{path} would be outside the catalog {folder}", [])
    if not force:
        _refuse_existing(catalog, new.id, meta_path, labels["exists"])
    result = read_any(
        source, options=options, fix=fix, limits=limits, display_name=name, progress=progress
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
            problems += [_field_problem(name, err, labels) for err in exc.errors()]
        else:
            problems += check_citations(meta, result, name)
    if has_errors(problems) or result.collection is None or meta_dict is None:
        errors = sum(p.is_error for p in problems)
        raise InvalidLayerError(
            f"{name}: {errors} error(s); nothing was written to the catalog", problems
        )
    try:
        # orjson writes a 50 MB layer in well under a second; json.dumps takes about seven.
        # Bytes, newline included: no decoded or concatenated copies of a 160 MB text.
        # In a list that the staging empties: once on disk, the bytes are not held any more.
        data = [orjson.dumps(result.collection, option=orjson.OPT_APPEND_NEWLINE)]
        meta_text = yaml.safe_dump(meta_dict, sort_keys=False, allow_unicode=True)
    except (TypeError, ValueError, yaml.YAMLError) as exc:  # orjson.JSONEncodeError is one
        raise InvalidLayerError(
            f"{name}: 1 error(s); nothing was written to the catalog",
            [Problem(name, "write-json", f"cannot be written as JSON: {exc}.", "Report this.")],
        ) from None
    feature_count = result.feature_count
    result.collection = None  # the features are in data: free them before tiles are cut
    plan = tile_plan or _TilePlan()
    cut = plan.cutter(new.id, name) if wants_tiles(feature_count, plan.choice) else None
    with catalog_transaction(folder) as writer:
        if not force:
            _refuse_existing(catalog, new.id, meta_path, labels["exists"])
        writer.write_pair(data_path, data, meta_path, meta_text, cut=cut)
    return AddResult(
        meta_path,
        data_path,
        feature_count,
        problems,
        archive_for(data_path) if cut else None,
    )


@dataclass(frozen=True)
class _TilePlan:
    """Whether an add cuts tiles (None: by size), and where the cutting reports progress."""

    choice: bool | None = None
    progress: Callable[[float], None] | None = None

    def cutter(self, layer_id: str, name: str) -> Cutter:
        """Cut the staged GeoJSON into the archive's place, naming the user's file in errors."""
        return lambda staged, target: _cut_and_record(staged, target, layer_id, self.progress, name)


@contextlib.contextmanager
def _cut_and_record(
    staged: Path,
    target: Path,
    layer_id: str,
    progress: Callable[[float], None] | None,
    name: str,
) -> Iterator[Callable[[], None]]:
    """Cut the tiles and, while tippecanoe works, check the staged GeoJSON for its record.

    The record (:mod:`regionmap.prepared`) is written beside the layer with the archive, so
    the first load of a big layer after its add reads it instead of checking every feature
    again. It is an optimisation: a check that fails or finds anything writes none.
    """
    found: dict[str, Any] = {}
    columns = staged.with_name(f"{staged.name}{COLUMNS_SUFFIX}")  # hidden, beside the staged file
    worker = threading.Thread(
        target=lambda: found.update(record=check_record(staged, columns)),
        name="check-record",
        daemon=True,
    )
    worker.start()
    try:
        with staged_archive(staged, target, layer_id, progress, name=name) as commit_tiles:

            def commit() -> None:
                commit_tiles()
                worker.join()
                if found.get("record"):
                    record, written = found["record"]
                    with contextlib.suppress(OSError):
                        write_record(target.with_suffix(".geojson"), record, written)

            yield commit
    finally:
        worker.join()
        with contextlib.suppress(OSError):  # not moved into place: the add failed
            os.unlink(columns)


def _shown(text: str) -> str:
    """A short repr of user text for a message."""
    return repr(text[:80].encode("utf-8", "backslashreplace").decode("utf-8"))


def _unstorable_text(new: NewLayer, labels: dict[str, str]) -> str | None:
    """The label of the first field whose text cannot be stored as UTF-8, or None."""
    fields = {
        "title": new.title,
        "description": new.description,
        "license": new.license,
        "license_url": new.license_url,
        "sources.0.title": new.source_title,
        "sources.0.url": new.source_url,
        "sources.0.publisher": new.source_publisher,
    }
    for key, value in fields.items():
        if value is None:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return labels.get(key, key)
    return None


def _field_problem(name: str, err: Any, labels: dict[str, str]) -> Problem:
    """A metadata error of a new layer, naming the face's option or form field."""
    problem = _pydantic_problem(name, err)
    loc = ".".join(str(part) for part in err["loc"])
    label = labels.get(loc)
    if label is None:
        return problem
    message = problem.message.replace(f"'{loc}'", label, 1)
    return Problem(name, problem.rule, message, problem.fix, problem.severity)


def _refuse_existing(catalog: Catalog, layer_id: str, meta_path: Path, hint: str) -> None:
    """Raise LayerExistsError if the id is taken in the target folder or the catalog."""
    if meta_path.exists() or catalog.entry(layer_id) is not None:
        raise LayerExistsError(f"a layer with id {layer_id!r} already exists ({meta_path}); {hint}")


def _own_data_path(catalog: Catalog, layer_id: str, *, valid: bool = True) -> Path:
    """The GeoJSON of a (valid) layer that this folder catalog holds itself, or one clear error."""
    folder = getattr(catalog, "write_dir", None)
    entry = catalog.entry(layer_id)
    if entry is None:
        raise CatalogError(f"there is no layer {layer_id!r}; see `regionmap layers`")
    if folder is None or entry.catalog != folder:
        raise CatalogError(
            f"{layer_id}: its tiles can only be cut in the folder catalog that holds it; "
            "name that catalog with --catalog"
        )
    layer = catalog.load_entry(entry)
    if layer.data_path is None or (valid and not layer.ok):
        raise CatalogError(
            f"{layer_id}: the layer has errors, so no tiles were cut; see "
            f"`regionmap validate {layer_id}`, fix them, then cut again"
        )
    return layer.data_path


def cut_layer_tiles(
    catalog: Catalog, layer_id: str, progress: Callable[[float], None] | None = None
) -> Path:
    """Cut (or re-cut) a layer's PMTiles archive from its GeoJSON, under the catalog lock.

    Examples
    --------
    >>> cut_layer_tiles(open_catalog("~/maps"), "places")  # doctest: +SKIP
    PosixPath('/home/me/maps/data/places.pmtiles')
    """
    data_path = _own_data_path(catalog, layer_id)
    with catalog_transaction(catalog.write_dir):
        return build_pmtiles(data_path, layer_id, progress=progress)


def remove_layer_tiles(catalog: Catalog, layer_id: str) -> bool:
    """Remove a layer's archive (the layer itself stays); True if it had one."""
    data_path = _own_data_path(catalog, layer_id, valid=False)
    with catalog_transaction(catalog.write_dir):
        return remove_archive(data_path)
