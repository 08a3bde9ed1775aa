"""The layer catalog: find ``layers/<id>.yaml`` files and load them into ``Layer`` objects.

A catalog is a folder with ``layers/`` (one metadata file per layer) and ``data/`` (the
GeoJSON the metadata points at). The built-in catalog is the repository itself; a second
folder can be named with ``--catalog DIR`` or the ``REGIONMAP_CATALOG`` environment variable,
so that users keep their own layers outside the repository.

Loading one layer reads only that layer's files. A broken layer never raises: it comes back
with its list of problems, and every other layer still loads.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from regionmap.geojson import Limits, ReadResult, read_geojson
from regionmap.problems import CatalogError, Problem, has_errors
from regionmap.schema import LayerMeta

if TYPE_CHECKING:
    import geopandas

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: the built-in catalog (``layers/``, ``data/``)."""

CATALOG_ENV = "REGIONMAP_CATALOG"
URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")
"""A spec that is a URL (``postgresql://...``), not a folder path."""
META_SUFFIX = ".yaml"

FIELD_HINTS = {
    "id": 'a kebab-case id such as "test-ranges" (the same as the file name)',
    "title": 'a short title such as "Test ranges"',
    "license": 'an SPDX id such as "CC0-1.0", "PDDL-1.0" or "CC-BY-4.0"',
    "data": 'the GeoJSON path relative to this file, e.g. "../data/<id>.geojson"',
    "sources": "a list of sources, each with key, title, publisher, url and accessed",
    "url": "an absolute http(s) link",
    "accessed": "the ISO date you checked the source, e.g. 2026-11-25",
    "published": "an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)",
}


@dataclass(frozen=True)
class LayerEntry:
    """A metadata file found in a catalog folder (nothing loaded yet)."""

    id: str
    meta_path: Path
    catalog: Path

    def display(self, path: Path) -> str:
        """A path for messages: relative to its catalog folder where possible."""
        try:
            return str(path.relative_to(self.catalog))
        except ValueError:
            return str(path)


@dataclass
class Layer:
    """A loaded layer: its metadata, its normalised features and any problems."""

    entry: LayerEntry
    meta: LayerMeta | None
    problems: list[Problem] = field(default_factory=list)
    collection: dict[str, Any] | None = None
    data_path: Path | None = None

    @property
    def id(self) -> str:
        """The layer id."""
        return self.entry.id

    @property
    def ok(self) -> bool:
        """True when the layer loaded without errors (warnings allowed)."""
        return (
            self.meta is not None and self.collection is not None and not has_errors(self.problems)
        )

    @property
    def features(self) -> list[dict[str, Any]]:
        """The layer's GeoJSON features (empty for a broken layer)."""
        return self.collection["features"] if self.collection else []

    @cached_property
    def frame(self) -> geopandas.GeoDataFrame:
        """The features as a GeoDataFrame in EPSG:4326 (properties as columns)."""
        import geopandas

        return geopandas.GeoDataFrame.from_features(self.features, crs="EPSG:4326")


class Catalog:
    """The layer catalog: the built-in folder plus an optional user folder.

    Parameters
    ----------
    user_dir : str or Path, optional
        A second catalog folder (``--catalog``); defaults to ``$REGIONMAP_CATALOG``.
    root : Path, optional
        The built-in catalog folder (the repository root).

    Examples
    --------
    >>> catalog = Catalog()
    >>> "basing" in catalog.ids()  # doctest: +SKIP
    True
    """

    def __init__(self, user_dir: str | Path | None = None, root: Path = ROOT) -> None:
        if user_dir is None and os.environ.get(CATALOG_ENV):
            user_dir = os.environ[CATALOG_ENV]
        if user_dir and URL_LIKE.match(str(user_dir)):
            # Never turn a database URL into a folder named "postgresql:" (issue 16).
            raise CatalogError(
                f"{str(user_dir).split(':', 1)[0]}: catalogs are not folders; open them with "
                "regionmap.stores.open_catalog (the commands and the app do)"
            )
        self.root = root.resolve()
        self.user_dir = Path(user_dir).expanduser().resolve() if user_dir else None

    @property
    def folders(self) -> list[Path]:
        """The catalog folders, built-in first."""
        return [self.root] + ([self.user_dir] if self.user_dir else [])

    @property
    def write_dir(self) -> Path:
        """Where ``add`` writes: the user folder if there is one, else the built-in one."""
        return self.user_dir or self.root

    def entries(self) -> list[LayerEntry]:
        """Every metadata file in the catalog folders, sorted by id."""
        found: list[LayerEntry] = []
        for folder in self.folders:
            layers = folder / "layers"
            if not layers.is_dir():
                continue
            for path in sorted(layers.glob(f"*{META_SUFFIX}")):
                if not path.name.startswith("."):
                    found.append(LayerEntry(path.stem, path, folder))
        return found

    def ids(self) -> list[str]:
        """The ids of every layer in the catalog."""
        return [entry.id for entry in self.entries()]

    def entry(self, layer_id: str) -> LayerEntry | None:
        """The entry of one layer, or None. A user layer shadows a built-in one."""
        match = None
        for folder in self.folders:
            path = folder / "layers" / f"{layer_id}{META_SUFFIX}"
            if path.is_file():
                match = LayerEntry(layer_id, path, folder)
        return match

    def load(self, layer_id: str, *, resolution: str | None = None, fix: bool = False) -> Layer:
        """Load one layer; problems are returned on the layer, never raised.

        Parameters
        ----------
        layer_id : str
            The layer id.
        resolution : {"110m", "50m", "10m"}, optional
            For layers with ``resolutions``: which file to load instead of ``data``.
        fix : bool
            Repair invalid polygons instead of reporting them as errors.
        """
        entry = self.entry(layer_id)
        if entry is None:
            missing = LayerEntry(layer_id, Path(f"layers/{layer_id}{META_SUFFIX}"), self.root)
            problem = Problem(
                str(missing.meta_path),
                "unknown-layer",
                f"there is no layer {layer_id!r}.",
                f"Choose one of: {', '.join(self.ids()) or '(none)'}.",
            )
            return Layer(missing, None, [problem])
        return load_entry(entry, resolution=resolution, fix=fix)

    def load_all(self) -> list[Layer]:
        """Load every layer (each on its own: one broken layer doesn't stop the others)."""
        return [load_entry(entry) for entry in self.entries()]


def load_meta(entry: LayerEntry) -> tuple[LayerMeta | None, list[Problem]]:
    """Read and check one metadata file; return the model or the problems."""
    name = entry.display(entry.meta_path)
    try:
        raw = yaml.safe_load(entry.meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, "file", f"cannot be read: {exc}.", "Save it as UTF-8 YAML.")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [
            Problem(
                name,
                "yaml-syntax",
                f"is not valid YAML: {getattr(exc, 'problem', None) or exc}.",
                "Fix the YAML syntax at that position.",
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ]
    if not isinstance(raw, dict):
        return None, [
            Problem(name, "metadata", "does not hold a mapping of fields.", "See layers/*.yaml.")
        ]
    problems: list[Problem] = []
    if raw.get("id") is not None and raw.get("id") != entry.id:
        problems.append(
            Problem(
                name,
                "metadata-id",
                f"has id {raw.get('id')!r} but the file is named {entry.meta_path.name!r}.",
                f"Set id: {entry.id} or rename the file.",
            )
        )
    try:
        meta = LayerMeta.model_validate(raw)
    except ValidationError as exc:
        return None, problems + [_pydantic_problem(name, err) for err in exc.errors()]
    return (None if problems else meta), problems


def _pydantic_problem(name: str, err: Any) -> Problem:
    """Turn one pydantic error into a Problem that names the field and how to fix it."""
    loc = ".".join(str(part) for part in err["loc"])
    last = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), loc)
    hint = FIELD_HINTS.get(last, "see layers/schema.json for the expected form")
    if err["type"] == "missing":
        return Problem(name, "metadata", f"'{loc}' is missing.", f"Add {hint}.")
    if err["type"] == "extra_forbidden":
        return Problem(
            name,
            "metadata",
            f"'{loc}' is not a known field.",
            "Remove it or check its spelling (see layers/schema.json).",
        )
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) and loc else ""
    return Problem(
        name,
        "metadata",
        f"'{loc}': {message}{shown}." if loc else f"{message}.",
        f"Give {hint}.",
    )


def resolve_data_path(entry: LayerEntry, relative: str) -> tuple[Path | None, Problem | None]:
    """Resolve a metadata ``data`` path; it must stay inside the layer's catalog folder."""
    path = (entry.meta_path.parent / relative).resolve()
    name = entry.display(entry.meta_path)
    if not path.is_relative_to(entry.catalog):
        return None, Problem(
            name,
            "data-path",
            f"'data' points outside the catalog folder: {relative!r}.",
            "Keep layer data in the catalog's data/ folder.",
        )
    if not path.is_file():
        return None, Problem(
            name,
            "data-path",
            f"'data' names {relative!r}, which does not exist.",
            "Check the path; it is relative to the metadata file.",
        )
    return path, None


def load_entry(
    entry: LayerEntry,
    *,
    resolution: str | None = None,
    fix: bool = False,
    limits: Limits | None = None,
) -> Layer:
    """Load one catalog entry: metadata, then data, then the checks between the two."""
    meta, problems = load_meta(entry)
    layer = Layer(entry, meta, problems)
    if meta is None:
        return layer
    relative = meta.resolutions.get(resolution, meta.data) if resolution else meta.data
    path, problem = resolve_data_path(entry, relative)
    if problem is not None:
        layer.problems.append(problem)
        return layer
    assert path is not None
    result = read_geojson(path, fix=fix, limits=limits, display_name=entry.display(path))
    layer.problems.extend(result.problems)
    layer.data_path = path
    if result.collection is not None:
        layer.problems.extend(check_citations(meta, result, entry.display(path)))
        if not has_errors(layer.problems):
            layer.collection = result.collection
    return layer


def check_citations(meta: LayerMeta, result: ReadResult, name: str) -> list[Problem]:
    """Check that features cite known sources and agreements of the layer."""
    assert result.collection is not None
    keys = meta.source_map()
    agreements = meta.agreement_map()
    problems: list[Problem] = []
    foreign: list[int] = []
    for index, feature in enumerate(result.collection["features"]):
        props = feature["properties"]
        fid = feature.get("id", props.get("id"))
        fid = str(fid) if fid is not None else None
        cited = props.get("sources")
        if cited is not None:
            if not isinstance(cited, list) or not all(isinstance(k, str) for k in cited):
                foreign.append(index)
                continue
            for key in cited:
                if key not in keys:
                    problems.append(
                        Problem(
                            name,
                            "citation",
                            f"cites the unknown source key {key!r}.",
                            f"Add {key!r} to the layer's sources or cite one of: "
                            f"{', '.join(sorted(keys))}.",
                            feature=index,
                            feature_id=fid,
                        )
                    )
        agreement = props.get("agreement")
        if agreement is not None and meta.agreements and agreement not in agreements:
            problems.append(
                Problem(
                    name,
                    "citation",
                    f"names the unknown agreement {agreement!r}.",
                    f"Use one of: {', '.join(sorted(agreements))}.",
                    feature=index,
                    feature_id=fid,
                )
            )
    if foreign:
        problems.append(
            Problem(
                name,
                "citation",
                f"has a 'sources' property that is not a list of source keys in "
                f"{len(foreign)} feature(s) (first: feature {foreign[0]}); it is shown as an "
                "ordinary property and the layer's own sources apply to those features.",
                'To cite per feature, write "sources": ["key", ...] with keys from the '
                "layer metadata.",
                "warning",
            )
        )
    return problems


def feature_sources(meta: LayerMeta, feature: dict[str, Any]) -> list[str]:
    """The source keys a feature cites; the layer's own sources when it cites none."""
    cited = (feature.get("properties") or {}).get("sources")
    if isinstance(cited, list) and cited:
        return [key for key in cited if isinstance(key, str)]
    return [source.key for source in meta.sources]
