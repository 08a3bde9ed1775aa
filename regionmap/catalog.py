"""The layer catalog: find ``layers/<id>.yaml`` files and load them into ``Layer`` objects.

A catalog is a folder with ``layers/`` (one metadata file per layer) and ``data/`` (the
GeoJSON the metadata points at). The built-in catalog is the repository itself; a second
folder can be named with ``--catalog DIR`` or the ``REGIONMAP_CATALOG`` environment variable,
so that users keep their own layers outside the repository.

Loading one layer reads only that layer's files. A broken layer never raises: it comes back
with its list of problems, and every other layer still loads.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import shapely
import yaml
from pydantic import ValidationError

from regionmap.columnar import columns_of
from regionmap.geojson import Limits, ReadResult
from regionmap.prepared import prepared_frame, read_prepared_digest
from regionmap.problems import CatalogError, Problem, has_errors
from regionmap.safe_yaml import UnsafeYaml, load_metadata_yaml
from regionmap.schema import LayerMeta, is_kebab_id

if TYPE_CHECKING:
    import geopandas
    import numpy as np

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
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
    #: The collection as loaded from the stored GeoJSON and that file's SHA-256, when it is
    #: that file exactly (big layers; see :mod:`regionmap.prepared`): keys the frame's copy.
    stored: tuple[dict[str, Any], str] | None = field(default=None, repr=False, compare=False)
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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
    def features(self) -> Sequence[dict[str, Any]]:
        """The layer's GeoJSON features (empty for a broken layer).

        A list, or for a big layer loaded from its column copy a
        :class:`~regionmap.columnar.LazyFeatures` that reads each feature when asked for.
        """
        return self.collection["features"] if self.collection else []

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """A value computed from the loaded features once, then kept with the layer.

        A loaded layer does not change (:mod:`regionmap.layercache` loads it again when its
        file does), so indexes and summaries other modules build from its features (the
        filters' bounds, the filter widgets' choices) are built on first use only. ``key``
        names the value; its module's name keeps keys apart.
        """
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    @cached_property
    def geometries(self) -> np.ndarray:
        """The features' geometries as a shapely array (``None`` where a feature has none).

        Cheaper than :attr:`frame` when only shapes are needed (the app's first view needs
        no geopandas).
        """
        return shapely.from_geojson(
            [json.dumps(f["geometry"]) if f.get("geometry") else None for f in self.features]
        )

    @cached_property
    def frame(self) -> geopandas.GeoDataFrame:
        """The features as a GeoDataFrame in EPSG:4326 (properties as columns)."""
        import geopandas

        if self.stored is not None and self.stored[0] is self.collection and self.data_path:
            return prepared_frame(self.data_path, self.stored[1], self.features)

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
            try:
                paths = sorted(layers.glob(f"*{META_SUFFIX}")) if layers.is_dir() else []
            except OSError:  # an unreadable folder lists nothing; it is not a crash
                continue
            for path in paths:
                if not path.name.startswith("."):
                    found.append(LayerEntry(path.stem, path, folder))
        return found

    def ids(self) -> list[str]:
        """The ids of every layer in the catalog."""
        return [entry.id for entry in self.entries()]

    def entry(self, layer_id: str) -> LayerEntry | None:
        """The entry of one layer, or None. A user layer shadows a built-in one.

        A kebab-case id names its file directly; anything else (a path, a name with
        ``..``) is only matched against the files the catalog lists, so an id never reaches
        a path outside the catalog.
        """
        if not is_kebab_id(layer_id):
            listed = [entry for entry in self.entries() if entry.id == layer_id]
            return listed[-1] if listed else None
        match = None
        for folder in self.folders:
            path = folder / "layers" / f"{layer_id}{META_SUFFIX}"
            if path.is_file() or path.is_symlink():
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
        try:
            entry = self.entry(layer_id)
        except OSError as exc:
            entry = None
            reason = f" ({exc.strerror or exc})"
        else:
            reason = ""
        if entry is None:
            shown = layer_id if is_kebab_id(layer_id) else "<not an id>"
            missing = LayerEntry(shown, Path(f"layers/{shown}{META_SUFFIX}"), self.root)
            problem = Problem(
                str(missing.meta_path),
                "unknown-layer",
                f"there is no layer {_preview(layer_id)}{reason}.",
                f"Choose one of: {', '.join(self.ids()[:50]) or '(none)'}.",
            )
            return Layer(missing, None, [problem])
        return load_entry(entry, resolution=resolution, fix=fix)

    def load_all(self) -> list[Layer]:
        """Load every layer (each on its own: one broken layer doesn't stop the others)."""
        return [load_entry(entry) for entry in self.entries()]


@dataclass(frozen=True)
class MetaLimits:
    """Caps on one metadata file, each set by an environment variable.

    ``REGIONMAP_MAX_METADATA_MB`` caps the file size (default 2 MB) and
    ``REGIONMAP_MAX_ENTRIES`` the length of each list: sources, agreements, popup fields
    (default 5,000). Both are checked before anything is built from the file.
    """

    max_bytes: int
    max_entries: int

    @classmethod
    def from_env(cls) -> MetaLimits:
        """The caps from the environment (defaults where unset or not a positive number)."""
        return cls(
            max_bytes=int(_env_number(MAX_METADATA_MB_ENV, 2) * 1_000_000),
            max_entries=int(_env_number(MAX_ENTRIES_ENV, 5000)),
        )


MAX_METADATA_MB_ENV = "REGIONMAP_MAX_METADATA_MB"
MAX_ENTRIES_ENV = "REGIONMAP_MAX_ENTRIES"
_META_CACHE: OrderedDict[tuple, tuple[LayerMeta | None, list[Problem]]] = OrderedDict()
_META_CACHE_SIZE = 256


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment, or the default."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def load_meta(entry: LayerEntry) -> tuple[LayerMeta | None, list[Problem]]:
    """Read and check one metadata file; return the model or the problems. Never raises.

    The result is kept while the file is unchanged (same inode, size and times), so an
    app rerun does not parse every layer's YAML again.
    """
    name = entry.display(entry.meta_path)
    limits = MetaLimits.from_env()
    try:
        info = os.stat(entry.meta_path)
        key = (
            str(entry.meta_path),
            str(entry.catalog),
            entry.id,
            info.st_ino,
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            limits,
        )
    except OSError:
        key = None
    if key is not None and key in _META_CACHE:
        _META_CACHE.move_to_end(key)
        meta, problems = _META_CACHE[key]
        return meta, list(problems)
    try:
        meta, problems = _load_meta(entry, name, limits)
    except Exception as exc:  # isolation: one odd file is a problem, never a crash
        meta, problems = None, [_load_failed(name, exc)]
    if key is not None:
        _META_CACHE[key] = (meta, list(problems))
        if len(_META_CACHE) > _META_CACHE_SIZE:
            _META_CACHE.popitem(last=False)
    return meta, problems


def _load_meta(
    entry: LayerEntry, name: str, limits: MetaLimits
) -> tuple[LayerMeta | None, list[Problem]]:
    """The work of :func:`load_meta`: confinement, caps, YAML, then the model."""
    if not entry.meta_path.resolve().is_relative_to(entry.catalog):
        return None, [
            Problem(
                name,
                "metadata-path",
                "is a link to a file outside the catalog folder; metadata is only read "
                "inside the catalog.",
                "Copy the file into the catalog's layers/ folder instead of linking to it.",
            )
        ]
    raw_bytes, problem = _read_capped(entry.meta_path, name, limits.max_bytes)
    if problem is not None:
        return None, [problem]
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        binary = b"\x00" in raw_bytes[:8192]
        message = (
            "this is a binary file, not YAML text."
            if binary
            else f"is not valid UTF-8 (byte 0x{raw_bytes[exc.start]:02X} at offset {exc.start})."
        )
        return None, [Problem(name, "file", message, "Save the metadata as UTF-8 YAML text.")]
    try:
        raw = load_metadata_yaml(text)
    except UnsafeYaml as exc:
        return None, [
            Problem(name, "yaml-unsafe", exc.message, exc.fix, line=exc.line, column=exc.column)
        ]
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(name, exc)]
    if not isinstance(raw, dict):
        return None, [
            Problem(
                name,
                "metadata",
                "does not hold a mapping of fields.",
                "Write one field per line (id: ..., title: ...), as in the shipped "
                "layers/*.yaml files.",
            )
        ]
    problems = _raw_problems(entry, name, raw, limits)
    if any(p.rule in ("limit-entries", "text-surrogate") for p in problems):
        return None, problems
    try:
        meta = LayerMeta.model_validate(raw)
    except ValidationError as exc:
        return None, problems + [_pydantic_problem(name, err) for err in exc.errors()[:50]]
    return (None if problems else meta), problems


def _read_capped(path: Path, name: str, cap: int) -> tuple[bytes, Problem | None]:
    """Read a regular file of at most ``cap`` bytes (a pipe or a device is refused)."""
    try:
        with open(path, "rb", opener=lambda p, f: os.open(p, f | os.O_NONBLOCK)) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return b"", Problem(
                    name, "file", "is not a regular file.", "Replace it with a YAML file."
                )
            if info.st_size > cap:
                return b"", Problem(
                    name,
                    "limit-metadata",
                    f"is {info.st_size / 1e6:.1f} MB, above the cap of {cap / 1e6:g} MB for "
                    "a metadata file.",
                    f"Keep long texts out of the metadata, or raise the cap with "
                    f"{MAX_METADATA_MB_ENV}.",
                )
            return handle.read(cap + 1), None
    except OSError as exc:
        return b"", Problem(
            name,
            "file",
            f"cannot be read: {exc.strerror or exc}.",
            "Check that the file exists and that you may read it.",
        )


def _yaml_problem(name: str, exc: yaml.YAMLError) -> Problem:
    """A YAML error as a problem with its position; code-running tags get their own words."""
    mark = getattr(exc, "problem_mark", None)
    detail = str(getattr(exc, "problem", None) or exc).split("\n")[0]
    if "constructor for the tag" in detail:
        found = re.search(r"tag '([^']*)'", detail)
        tag = (found.group(1) if found else "?").replace("tag:yaml.org,2002:", "!!")
        return Problem(
            name,
            "yaml-unsafe",
            f"uses the YAML tag {tag[:60]}, which is not plain data; metadata may hold only "
            "text, numbers, dates, lists and mappings.",
            "Remove the tag and write the value as plain text.",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )
    return Problem(
        name,
        "yaml-syntax",
        f"is not valid YAML: {detail[:200]}.",
        "Fix the YAML syntax at that position.",
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


def _raw_problems(
    entry: LayerEntry, name: str, raw: dict[str, Any], limits: MetaLimits
) -> list[Problem]:
    """Checks on the raw mapping before the model: list lengths, text, the id."""
    problems: list[Problem] = []
    for key in ("sources", "agreements", "popup"):
        value = raw.get(key)
        if isinstance(value, list) and len(value) > limits.max_entries:
            problems.append(
                Problem(
                    name,
                    "limit-entries",
                    f"has {len(value):,} entries in '{key}', above the cap of "
                    f"{limits.max_entries:,}.",
                    f"Split the layer, or raise the cap with {MAX_ENTRIES_ENV}.",
                )
            )
    bad_text = _surrogate_text(raw)
    if bad_text:
        problems.append(
            Problem(
                name,
                "text-surrogate",
                f"has text with a lone surrogate (at {bad_text}); it stands for no character.",
                "Replace it with the character it was meant to be, or remove it.",
            )
        )
    if not is_kebab_id(entry.id):
        problems.append(
            Problem(
                name,
                "metadata-id",
                f"has a file name that is not a kebab-case layer id ({_preview(entry.id)}).",
                'Rename it to the layer id, e.g. "my-bases.yaml".',
            )
        )
    elif raw.get("id") is not None and raw.get("id") != entry.id:
        problems.append(
            Problem(
                name,
                "metadata-id",
                f"has id {_preview(raw.get('id'))} but the file is named {entry.meta_path.name!r}.",
                f"Set id: {entry.id} or rename the file.",
            )
        )
    return problems


def _surrogate_text(value: Any) -> str | None:
    """Where the first text with a lone surrogate is (``sources[2].title``), or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return where or "the top level"
        elif isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in item.items())
            stack.extend((k, where or "a key") for k in item if isinstance(k, str))
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None


def _preview(value: Any, limit: int = 60) -> str:
    """A short, quoted rendering of a scalar for messages; never the whole of a structure."""
    if isinstance(value, dict | list):
        return f"<a {'mapping' if isinstance(value, dict) else 'list'} of {len(value)} items>"
    text = repr(value) if isinstance(value, str) else repr(str(value)[:limit])
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def _load_failed(name: str, exc: BaseException) -> Problem:
    """An unforeseen failure while loading, as a problem that names the file."""
    if isinstance(exc, MemoryError):
        return Problem(
            name,
            "limit-memory",
            "needs more memory to load than this machine has left.",
            "Make the layer smaller, or check the file for runaway content.",
        )
    if isinstance(exc, RecursionError):
        return Problem(
            name,
            "limit-depth",
            "nests its content too deeply to load.",
            "Check the file for runaway nesting.",
        )
    detail = str(exc).split("\n")[0][:120].encode("utf-8", "backslashreplace").decode("utf-8")
    return Problem(
        name,
        "load-failed",
        f"could not be loaded: {type(exc).__name__} ({detail}).",
        "Check the file; if it looks right, this is a bug in regionmap: please report it.",
    )


def _pydantic_problem(name: str, err: Any) -> Problem:
    """Turn one pydantic error into a Problem that names the field and how to fix it."""
    loc = ".".join(str(part) for part in err["loc"])
    last = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), loc)
    hint = FIELD_HINTS.get(last)
    if err["type"] == "missing":
        return Problem(
            name,
            "metadata",
            f"'{loc}' is missing.",
            f"Add {hint}." if hint else "Add it (see layers/schema.json for its form).",
        )
    if err["type"] == "extra_forbidden":
        return Problem(
            name,
            "metadata",
            f"'{loc[:80]}' is not a known field.",
            "Remove it or check its spelling (see layers/schema.json).",
        )
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = f" (got {_preview(value)})" if isinstance(value, str | int | float) and loc else ""
    return Problem(
        name,
        "metadata",
        f"'{loc}': {message}{shown}." if loc else f"{message}.",
        f"Give {hint}." if hint else "Check the field against layers/schema.json.",
    )


def resolve_data_path(entry: LayerEntry, relative: str) -> tuple[Path | None, Problem | None]:
    """Resolve a metadata ``data`` path; it must stay inside the layer's catalog folder."""
    name = entry.display(entry.meta_path)
    shown = _preview(relative)
    try:
        path = (entry.meta_path.parent / relative).resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loops, NUL bytes
        path = None
    if path is None or not path.is_relative_to(entry.catalog):
        return None, Problem(
            name,
            "data-path",
            f"'data' points outside the catalog folder: {shown}.",
            "Keep layer data in the catalog's data/ folder.",
        )
    if not path.is_file():
        return None, Problem(
            name,
            "data-path",
            f"'data' names {shown}, which does not exist"
            + (" as a regular file." if path.exists() else "."),
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
    """Load one catalog entry: metadata, then data, then the checks between the two.

    Never raises: whatever goes wrong, for whatever reason, comes back as a broken layer
    whose problem names the file and the rule.
    """
    current = entry.display(entry.meta_path)
    layer = Layer(entry, None, [])
    try:
        meta, problems = load_meta(entry)
        layer.meta, layer.problems = meta, problems
        if meta is None:
            return layer
        relative = meta.resolutions.get(resolution, meta.data) if resolution else meta.data
        path, problem = resolve_data_path(entry, relative)
        if problem is not None:
            layer.problems.append(problem)
            return layer
        assert path is not None
        current = entry.display(path)
        result, digest = read_prepared_digest(path, fix=fix, limits=limits, display_name=current)
        layer.problems.extend(result.problems)
        layer.data_path = path
        if result.collection is not None:
            layer.problems.extend(check_citations(meta, result, current))
            if not has_errors(layer.problems):
                layer.collection = result.collection
                if digest is not None:
                    layer.stored = (result.collection, digest)
    except Exception as exc:  # isolation: one layer's failure never reaches the others
        layer.collection = None
        layer.problems.append(_load_failed(current, exc))
    return layer


def check_citations(meta: LayerMeta, result: ReadResult, name: str) -> list[Problem]:
    """Check that features cite known sources and agreements of the layer."""
    assert result.collection is not None
    keys = meta.source_map()
    agreements = meta.agreement_map()
    if _cites_known(meta, result.collection["features"]):
        return []
    problems: list[Problem] = []
    foreign: list[int] = []

    def feature_id(feature: dict[str, Any]) -> str | None:
        fid = feature.get("id", feature["properties"].get("id"))
        return str(fid) if fid is not None else None

    for index, feature in enumerate(result.collection["features"]):
        props = feature["properties"]
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
                            f"{', '.join(sorted(keys)[:20])}{', ...' * (len(keys) > 20)}.",
                            feature=index,
                            feature_id=feature_id(feature),
                        )
                    )
        agreement = props.get("agreement")
        if agreement is not None and meta.agreements and agreement not in agreements:
            problems.append(
                Problem(
                    name,
                    "citation",
                    f"names the unknown agreement {agreement!r}.",
                    f"Use one of: {', '.join(sorted(agreements)[:20])}"
                    f"{', ...' * (len(agreements) > 20)}.",
                    feature=index,
                    feature_id=feature_id(feature),
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


def _cites_known(meta: LayerMeta, features: Sequence[dict[str, Any]]) -> bool:
    """True when a layer's column copy shows every feature cites known sources and agreements.

    False when it cannot tell (no copy) or something is amiss: then the features are walked
    to name each problem.
    """
    columns = columns_of(features)
    if columns is None:
        return False
    cited = columns.unique("sources")
    named = columns.unique("agreement")
    if cited is None or named is None:
        return False
    keys = meta.source_map()
    for value in cited:
        if value is not None and not (
            isinstance(value, list) and all(isinstance(k, str) and k in keys for k in value)
        ):
            return False
    agreements = meta.agreement_map()
    return not meta.agreements or all(
        value is None or (isinstance(value, str) and value in agreements) for value in named
    )


def own_sources(feature: dict[str, Any]) -> list[str] | None:
    """The source keys a feature names itself (``properties.sources``), or None if it names none."""
    cited = (feature.get("properties") or {}).get("sources")
    if isinstance(cited, list) and cited:
        return [key for key in cited if isinstance(key, str)]
    return None


def feature_sources(meta: LayerMeta, feature: dict[str, Any]) -> list[str]:
    """The source keys a feature cites; the layer's own sources when it cites none."""
    own = own_sources(feature)
    return own if own is not None else [source.key for source in meta.sources]
