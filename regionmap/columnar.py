"""A big layer's features as columns beside its GeoJSON, so a cold load need not parse them.

Parsing 150 MB of GeoJSON into a million feature dicts takes seconds (orjson's own speed),
and most of what a view asks of a big layer needs no dict at all: where each feature is, how
many pass a filter, which years and countries occur, which features name sources of their
own. So once a big layer's GeoJSON is known to be its normalised form (see
:mod:`regionmap.prepared`), a column copy is written beside it, ``<stem>.columns.arrow``
(Arrow IPC, memory-mapped on read):

- ``start``/``stop``: each feature's byte range in the GeoJSON file itself, so one feature
  is one :func:`orjson.loads` of its own bytes, exactly the dict a full parse gives;
- ``west``/``south``/``east``/``north``: each feature's bounds (NaN: no geometry);
- one column per property key (up to :data:`MAX_KEYS`): typed where every value has one
  scalar type, else the values as JSON text (field metadata ``json``); absent is null.

The copy carries the SHA-256 of the GeoJSON bytes it describes and is used only with those
bytes. :class:`LazyFeatures` is the sequence a loaded layer then holds: it builds a feature's
dict on first access and keeps it, so ``features[i] is features[i]``. Modules that can
answer from the columns (:func:`columns_of`) do; everything else reads features as before.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import orjson
import pyarrow as pa
import shapely

__all__ = [
    "COLUMNS_SUFFIX",
    "MAX_KEYS",
    "Columns",
    "LazyFeatures",
    "Picked",
    "bounds_of",
    "build_columns",
    "columns_behind",
    "columns_for",
    "columns_of",
    "geometry_kinds",
    "pick",
    "read_columns",
]

COLUMNS_SUFFIX = ".columns.arrow"
#: Property keys kept as columns; a layer with more distinct keys keeps none (then every
#: summary reads the features).
MAX_KEYS = 64
_DIGEST_KEY = b"regionmap:geojson-sha256"
_FORMAT_KEY = b"regionmap:columns"
_FORMAT = b"3"
_KEYS_KEY = b"regionmap:keys"
_MEMBERS_KEY = b"regionmap:members"
_BOUNDS = ("west", "south", "east", "north")
_PREFIX = "p:"
_SCALARS = (str, int, float, bool)
_BATCH = 1 << 16
_JSON = {b"json": b"1"}


def columns_for(data_path: Path) -> Path:
    """The column copy's place: beside the GeoJSON, same stem, ``.columns.arrow``."""
    return data_path.with_suffix(COLUMNS_SUFFIX)


def bounds_of(features: Sequence[dict[str, Any]]) -> np.ndarray:
    """Each feature's bounds as an (n, 4) array of west, south, east, north (NaN: none).

    Points straight from their coordinates (a million in well under a second), other
    geometries by shapely.
    """
    bounds = np.full((len(features), 4), np.nan)
    rows: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    others: list[int] = []
    shapes: list[str] = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry")
        if not geometry:
            continue
        if geometry.get("type") == "Point":
            position = geometry.get("coordinates") or ()
            if len(position) >= 2:
                rows.append(i)
                xs.append(position[0])
                ys.append(position[1])
                continue
        others.append(i)
        shapes.append(orjson.dumps(geometry).decode())
    if rows:
        x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        bounds[rows] = np.column_stack([x, y, x, y])
    if others:
        bounds[others] = shapely.bounds(shapely.from_geojson(shapes))
    return bounds


def build_columns(
    raw: bytes | mmap.mmap,
    collection: dict[str, Any],
    digest: str,
    target: Path,
    *,
    consume: bool = False,
    done: Callable[[int], None] | None = None,
) -> bool:
    """Write the column copy of a collection whose GeoJSON file is exactly ``raw`` to ``target``.

    False, writing nothing, when ``raw`` is not ``orjson.dumps(collection)`` (a trailing newline
    allowed): the bytes before, between and after the features and every feature's own bytes
    are compared with their serialisation, so a copy describes exactly the bytes it is keyed
    by. One pass, a batch of features at a time, each batch written as it is done (memory
    stays that of one batch); with ``consume`` each batch's features are also dropped from the
    collection (for a caller that needs only the copy), and ``done`` is told how far the bytes
    have been compared (a caller that mapped them may let those pages go). Written
    atomically: a hidden temporary file beside ``target``, then a rename.
    """
    features = collection.get("features")
    if not isinstance(features, list):
        return False
    names = list(collection)
    at = names.index("features")
    before = {k: collection[k] for k in names[:at]}
    after = {k: collection[k] for k in names[at + 1 :]}
    head = orjson.dumps(before)[:-1] + (b"," if before else b"") + b'"features":['
    tail = b"]" + (b"," + orjson.dumps(after)[1:] if after else b"}")
    with memoryview(raw) as view:
        return _build(view, features, (head, tail), (before, after), digest, target, consume, done)


def _build(
    view: memoryview,
    features: list[dict[str, Any]],
    ends: tuple[bytes, bytes],
    members: tuple[dict[str, Any], dict[str, Any]],
    digest: str,
    target: Path,
    consume: bool,
    done: Callable[[int], None] | None,
) -> bool:
    """:func:`build_columns` on the bytes' view."""
    (head, tail), (before, after) = ends, members
    if view[: len(head)] != head:
        return False
    keys = _property_keys(features)
    types = {key: _column_type(features, key) for key in keys or ()}
    schema = _schema(types, digest, keys, {**before, **after})
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle, pa.ipc.new_file(handle, schema) as writer:
            position = len(head)
            for first in range(0, max(len(features), 1), _BATCH):  # empty: one empty batch
                batch = features[first : first + _BATCH]
                starts = np.empty(len(batch), dtype=np.int64)
                lengths = np.empty(len(batch), dtype=np.int64)
                for i, feature in enumerate(batch):  # one serialisation alive at a time
                    encoded = orjson.dumps(feature)
                    if view[position : position + len(encoded)] != encoded:
                        raise _NotStored
                    starts[i], lengths[i] = position, len(encoded)
                    position += len(encoded) + 1
                if not batch:
                    position += 1  # no feature, so no separator was counted past the "["
                writer.write_batch(_batch(schema, batch, starts, starts + lengths, types))
                if consume:
                    features[first : first + len(batch)] = [None] * len(batch)
                if done is not None:
                    done(position)
            end = position - 1  # where the features array closes
            if bytes(view[end:]).rstrip(b"\n") != tail:
                raise _NotStored
        os.replace(tmp, target)
    except (_NotStored, pa.ArrowException, OverflowError, ValueError, TypeError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False  # not the stored form, or a value Arrow cannot hold: the file is parsed
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


class _NotStored(Exception):
    """The bytes are not the collection's stored form."""


def _schema(
    types: dict[str, tuple[pa.DataType, bool]],
    digest: str,
    keys: list[str] | None,
    members: dict[str, Any],
) -> pa.Schema:
    """The copy's columns, and what it is of (its digest, keys and the collection's members)."""
    fields = [pa.field(name, pa.int64()) for name in ("start", "stop")]
    fields += [pa.field(name, pa.float64()) for name in _BOUNDS]
    fields += [pa.field("geometry", pa.bool_()), pa.field("kind", pa.string())]
    fields += [
        pa.field(_PREFIX + key, kind, metadata=_JSON if is_json else None)
        for key, (kind, is_json) in types.items()
    ]
    return pa.schema(
        fields,
        metadata={
            _FORMAT_KEY: _FORMAT,
            _DIGEST_KEY: digest.encode(),
            _KEYS_KEY: orjson.dumps(keys),
            _MEMBERS_KEY: orjson.dumps(members),
        },
    )


def _property_keys(features: list[dict[str, Any]]) -> list[str] | None:
    """Every property key of the features, sorted; None when there are more than MAX_KEYS."""
    found: set[str] = set()
    for first in range(0, len(features), _BATCH):
        found.update(*((f.get("properties") or {}) for f in features[first : first + _BATCH]))
        if len(found) > MAX_KEYS:
            return None
    return sorted(found)


def _column_type(features: list[dict[str, Any]], key: str) -> tuple[pa.DataType, bool]:
    """A property's column type, and whether it is kept as JSON text (values of mixed types)."""
    kinds = {type((f.get("properties") or {}).get(key)) for f in features} - {type(None)}
    if not kinds:
        return pa.null(), False
    if len(kinds) == 1:
        scalar = {str: pa.string(), bool: pa.bool_(), int: pa.int64(), float: pa.float64()}
        kind = scalar.get(next(iter(kinds)))
        if kind is not None:
            return kind, False
    return pa.string(), True


def _batch(
    schema: pa.Schema,
    batch: list[dict[str, Any]],
    starts: np.ndarray,
    stops: np.ndarray,
    types: dict[str, tuple[pa.DataType, bool]],
) -> pa.RecordBatch:
    """One batch of features as columns."""
    geometries = [f.get("geometry") for f in batch]
    arrays = [pa.array(starts, pa.int64()), pa.array(stops, pa.int64())]
    arrays += [pa.array(column, pa.float64()) for column in bounds_of(batch).T]
    arrays.append(pa.array([bool(g) for g in geometries], pa.bool_()))
    arrays.append(pa.array([g.get("type") if isinstance(g, dict) else None for g in geometries]))
    props = [f.get("properties") or {} for f in batch]
    for key, (kind, is_json) in types.items():
        values = list(map(dict.get, props, itertools.repeat(key)))
        if is_json:
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        arrays.append(pa.array(values, kind))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class Columns:
    """A layer's column copy, read: bounds, byte ranges and the property columns."""

    table: pa.Table
    bounds: np.ndarray
    located: np.ndarray
    """Whether each feature has a geometry (a non-empty ``geometry`` member)."""
    keys: tuple[str, ...] | None
    """Every property key that occurs, sorted (None: too many to keep)."""
    _coded: dict[str, tuple[np.ndarray, list[Any]]] = field(default_factory=dict, repr=False)

    def has(self, key: str) -> bool:
        """True when some feature has the property ``key`` (False also when keys are not kept)."""
        return self.keys is not None and key in self.keys

    def distinct(self, keys: Sequence[str]) -> list[tuple[Any, ...]] | None:
        """The distinct combinations of some properties' values (None: absent), or None.

        None when the properties are not kept, or one of them is kept as JSON (its values
        are not plain scalars).
        """
        if self.keys is None or any(self._is_json(k) for k in keys if k in self.keys):
            return None
        present = [k for k in dict.fromkeys(keys) if k in self.keys]
        if not present:
            return [tuple(None for _ in keys)] if self.table.num_rows else []
        grouped = self.table.select([_PREFIX + k for k in present]).group_by(
            [_PREFIX + k for k in present], use_threads=False
        )
        rows = grouped.aggregate([]).to_pylist()
        return [tuple(row[_PREFIX + k] if k in self.keys else None for k in keys) for row in rows]

    def unique(self, key: str) -> list[Any] | None:
        """The distinct values of one property (None: absent), decoded; None when not kept."""
        if self.keys is None:
            return None
        if key not in self.keys:
            return [None] if self.table.num_rows else []
        values = self.table.column(_PREFIX + key).unique().to_pylist()
        if self._is_json(key):
            return [None if v is None else orjson.loads(v) for v in values]
        return values

    def codes(self, key: str) -> tuple[np.ndarray, list[Any]] | None:
        """Each feature's value of a property as a code into a list of the distinct values.

        Absent and null share the last code (value None). None when the property is not
        kept, or kept as JSON.
        """
        if self.keys is None:
            return None
        rows = self.table.num_rows
        if key not in self.keys:
            return np.zeros(rows, dtype=np.int64), [None]
        if self._is_json(key):
            return None
        return self.coded(_PREFIX + key)

    def coded(self, column: str) -> tuple[np.ndarray, list[Any]]:
        """A column as codes into its distinct values (null: the last, None); kept once made."""
        found = self._coded.get(column)
        if found is None:
            encoded = self.table.column(column).combine_chunks()
            if not pa.types.is_dictionary(encoded.type):
                encoded = encoded.dictionary_encode()
            values = encoded.dictionary.to_pylist()
            codes = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
            found = self._coded[column] = (codes.astype(np.int64, copy=False), [*values, None])
        return found

    def named(self, key: str, text: str) -> np.ndarray | None:
        """Positions of the features that may be named ``text`` by their property ``key``.

        Those whose value reads ``text`` (as ``str()``), and those without the property (a
        key may then come from elsewhere, such as the GeoJSON ``id``). None when the property
        is kept as JSON, or not at all.
        """
        coded = self.codes(key)
        if coded is None:
            return None
        codes, values = coded
        hits = [i for i, value in enumerate(values[:-1]) if str(value) == text]
        return np.flatnonzero(np.isin(codes, [*hits, len(values) - 1]))

    def present(self, key: str) -> np.ndarray | None:
        """Positions of the features whose property ``key`` is set (not None), or None."""
        if self.keys is None:
            return None
        if key not in self.keys:
            return np.empty(0, dtype=np.int64)
        column = self.table.column(_PREFIX + key)
        valid = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        return np.flatnonzero(valid)

    def _is_json(self, key: str) -> bool:
        field = self.table.schema.field(_PREFIX + key)
        return bool(field.metadata and field.metadata.get(b"json"))


def read_columns(path: Path, raw: bytes, digest: str) -> tuple[LazyFeatures, dict[str, Any]] | None:
    """The features of ``raw`` from a current column copy at ``path``, and the other members.

    None when there is no copy, or it is not of these bytes (its digest, its byte ranges).
    """
    with contextlib.suppress(OSError, pa.ArrowException, ValueError, KeyError):
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        metadata = table.schema.metadata or {}
        if metadata.get(_FORMAT_KEY) != _FORMAT or metadata.get(_DIGEST_KEY) != digest.encode():
            return None
        starts = table.column("start").to_numpy()
        stops = table.column("stop").to_numpy()
        if len(starts) and (starts.min() < 0 or stops.max() > len(raw)):
            return None
        bounds = np.column_stack([table.column(n).to_numpy() for n in _BOUNDS])
        keys = orjson.loads(metadata[_KEYS_KEY])
        members = orjson.loads(metadata[_MEMBERS_KEY])
        located = np.asarray(table.column("geometry").to_numpy(zero_copy_only=False), dtype=bool)
        columns = Columns(table, bounds, located, tuple(keys) if keys is not None else None)
        return LazyFeatures(raw, starts, stops, columns), members
    return None


class _Features(Sequence[dict[str, Any]]):
    """A read-only sequence of features, equal to any other holding equal features in order."""

    def _item(self, position: int) -> dict[str, Any]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("feature index out of range")
        return self._item(position)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for position in range(len(self)):
            yield self._item(position)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list | _Features):
            return False
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class LazyFeatures(_Features):
    """A layer's features, each parsed from its own bytes on first access and then kept."""

    def __init__(self, raw: bytes, starts: np.ndarray, stops: np.ndarray, columns: Columns):
        self._raw = memoryview(raw)
        self._starts = starts
        self._stops = stops
        self._built: dict[int, dict[str, Any]] = {}
        self._positions: dict[int, int] = {}
        self.columns = columns

    def __len__(self) -> int:
        return len(self._starts)

    @property
    def read_count(self) -> int:
        """How many features have been read so far."""
        return len(self._built)

    def _item(self, position: int) -> dict[str, Any]:
        feature = self._built.get(position)
        if feature is None:
            start, stop = int(self._starts[position]), int(self._stops[position])
            feature = self._built[position] = orjson.loads(self._raw[start:stop])
        return feature

    def position_of(self, feature: dict[str, Any]) -> int | None:
        """The position of a feature read from here (or a copy sharing its properties)."""
        if len(self._positions) != len(self._built):
            self._positions = {id(f.get("properties")): i for i, f in self._built.items()}
        return self._positions.get(id(feature.get("properties")))

    def __repr__(self) -> str:
        return f"<{len(self)} features, {len(self._built)} read>"


class Picked(_Features):
    """Some of a lazy layer's features, by position: read only when asked for."""

    def __init__(self, features: LazyFeatures, indices: Sequence[int]):
        self.source = features
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def _item(self, position: int) -> dict[str, Any]:
        return self.source[self.indices[position]]

    def __repr__(self) -> str:
        return f"<{len(self)} of {self.source!r}>"


def geometry_kinds(features: Sequence[dict[str, Any]]) -> set[str | None] | None:
    """The geometry types of lazily read features, from their column copy (None: not lazy)."""
    if isinstance(features, LazyFeatures):
        columns, rows = features.columns, None
    elif isinstance(features, Picked):
        columns, rows = features.source.columns, np.asarray(features.indices, dtype=np.int64)
    else:
        return None
    codes, names = columns.coded("kind")
    if rows is not None:
        codes = codes[rows]
    return {names[c] for c in np.unique(codes).tolist()}


def columns_of(features: Sequence[dict[str, Any]]) -> Columns | None:
    """The column copy behind a layer's features, when they were loaded from one."""
    return features.columns if isinstance(features, LazyFeatures) else None


def pick(features: Sequence[dict[str, Any]], indices: Sequence[int]) -> Sequence[dict[str, Any]]:
    """The features at ``indices``: a list, or a lazy :class:`Picked` of a lazy layer."""
    if isinstance(features, LazyFeatures):
        return Picked(features, indices)
    return [features[i] for i in indices]


def columns_behind(
    features: Sequence[dict[str, Any]],
) -> tuple[Columns, Sequence[int]] | None:
    """The column copy behind picked features, and their positions in the layer."""
    if isinstance(features, Picked):
        return features.source.columns, features.indices
    return None
