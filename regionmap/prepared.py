"""A check record beside a layer's GeoJSON, so that a cold load need not check it again.

Checking a million features in Python takes far longer than parsing them (see
``benchmarks/bench_tiles.py``). A catalog's GeoJSON is already normalised when ``regionmap add``
writes it, so once a load has checked the file and found that checking it changes nothing,
the outcome is recorded in ``<stem>.checked.json`` beside it: the SHA-256 of the file's bytes,
a digest of the checking code, the limits it was checked with, and the problems (warnings)
found. The next load whose file, code and limits match parses the bytes once with orjson and
reuses the problems; anything else (an edited file, a new regionmap, other limits, ``--fix``,
an unreadable or odd record) falls back to the full check, which writes a fresh record.

The GeoJSON stays the source of truth; the record is a cache of a check of exactly its bytes,
written atomically and only into the layer's own folder (a read-only catalog simply gets no
record). Every rule still applies: a record is only trusted for the same bytes and the same
rules, and only written when the checked output is byte for byte the file itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import mmap
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from regionmap.columnar import LazyFeatures, build_columns, columns_for, read_columns
from regionmap.geojson import Limits, ReadResult, read_geojson
from regionmap.problems import Problem

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "FRAME_SUFFIX",
    "RECORD_MIN_BYTES",
    "RECORD_MIN_FEATURES",
    "RECORD_SUFFIX",
    "check_record",
    "frame_for",
    "prepared_frame",
    "read_prepared",
    "read_prepared_digest",
    "record_for",
    "rules_digest",
    "write_record",
]

RECORD_SUFFIX = ".checked.json"
FRAME_SUFFIX = ".frame.parquet"
_DIGEST_KEY = b"regionmap:geojson-sha256"
#: Layers with at least this many features get a record and a column copy.
RECORD_MIN_FEATURES = 20_000
#: Files of at least this size get a record too (a few hundred detailed shapes, such as the
#: 1:50m and 1:10m countries, take a quarter of a second and more to check).
RECORD_MIN_BYTES = 1_000_000
_FORMAT = 1


def record_for(data_path: Path) -> Path:
    """The record's place: beside the GeoJSON, same stem, ``.checked.json``."""
    return data_path.with_suffix(RECORD_SUFFIX)


@functools.lru_cache(maxsize=1)
def rules_digest() -> str:
    """A digest of the code that checks and normalises GeoJSON (a new regionmap re-checks)."""
    import regionmap.geojson as package

    digest = hashlib.sha256(f"format {_FORMAT}".encode())
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_prepared(
    path: Path, *, fix: bool = False, limits: Limits | None = None, display_name: str | None = None
) -> ReadResult:
    """Read a catalog GeoJSON: from its check record when current, else checked in full.

    Same result and messages as :func:`regionmap.geojson.read_geojson` (which it falls back
    to); never raises.

    Examples
    --------
    >>> read_prepared(Path("data/events.geojson")).ok  # doctest: +SKIP
    True
    """
    return read_prepared_digest(path, fix=fix, limits=limits, display_name=display_name)[0]


def read_prepared_digest(
    path: Path, *, fix: bool = False, limits: Limits | None = None, display_name: str | None = None
) -> tuple[ReadResult, str | None]:
    """:func:`read_prepared`, and the SHA-256 of the bytes the collection is exactly (or None).

    The digest is only given when the collection is the file's content as it is stored (read
    from a current record, or checked and recorded now); it keys :func:`prepared_frame`.
    """
    limits = limits or Limits()
    name = display_name or str(path)
    if fix:  # repairs are reported as warnings each time: always the full check
        return read_geojson(path, fix=fix, limits=limits, display_name=name), None
    with contextlib.suppress(Exception):  # any doubt about the record: check in full
        fast = _from_record(path, limits, name)
        if fast is not None:
            return fast
    before = _identity(path)
    result = read_geojson(path, limits=limits, display_name=name)
    digest = None
    if result.ok and before is not None and _due(result, before):
        with contextlib.suppress(Exception):  # the record is an optimisation, never a failure
            digest = _write_record(path, result, limits, before)
    return result, digest


def _due(result: ReadResult, before: tuple[int, int, int, int]) -> bool:
    """Whether a checked file is big enough to be worth a record (by features or by bytes)."""
    return result.feature_count >= RECORD_MIN_FEATURES or before[2] >= RECORD_MIN_BYTES


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """What tells the file was not replaced or edited while it was checked."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _from_record(path: Path, limits: Limits, name: str) -> tuple[ReadResult, str] | None:
    """The result from a current record, or None when there is none or it does not fit."""
    try:
        record = orjson.loads(record_for(path).read_bytes())
    except OSError:
        return None
    if (
        not isinstance(record, dict)
        or record.get("format") != _FORMAT
        or record.get("rules") != rules_digest()
        or record.get("limits") != dataclasses.asdict(limits)
    ):
        return None
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != record.get("size"):
            return None
        raw = handle.read(info.st_size + 1)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != record.get("sha256"):
        return None
    collection = _from_columns(path, raw, digest)
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list | LazyFeatures) or len(features) != record.get(
        "feature_count"
    ):
        return None
    problems = [Problem(**{**p, "file": name}) for p in record.get("problems", [])]
    if any(p.is_error for p in problems):
        return None
    result = ReadResult(
        name,
        problems=problems,
        collection=collection,
        geometry_types=Counter(record.get("geometry_types", {})),
        vertex_count=int(record.get("vertex_count", 0)),
    )
    return result, digest


def _from_columns(path: Path, raw: bytes, digest: str) -> Any:
    """The collection of ``raw``: its features from the column copy when current, else parsed.

    A parse of a big layer writes the column copy (best effort) so that the next cold load
    reads it.
    """
    found = read_columns(columns_for(path), raw, digest)
    if found is not None:
        features, members = found
        return {**members, "features": features}
    collection = orjson.loads(raw)
    features = collection.get("features") if isinstance(collection, dict) else None
    if isinstance(features, list) and len(features) >= RECORD_MIN_FEATURES:
        with contextlib.suppress(Exception):  # the copy is an optimisation, never a failure
            build_columns(raw, collection, digest, columns_for(path))
    return collection


def _write_record(
    path: Path, result: ReadResult, limits: Limits, before: tuple[int, int, int, int]
) -> str | None:
    """Record a check that changed nothing, atomically, if the file stayed the same.

    Returns the digest of the file's bytes when they are the checked collection exactly.
    The column copy (:mod:`regionmap.columnar`) is written with it.
    """
    prepared = _record(path, result, limits, before)
    if prepared is None:
        return None
    write_record(path, prepared[0])
    return str(prepared[0]["sha256"])


def _record(
    path: Path,
    result: ReadResult,
    limits: Limits,
    before: tuple[int, int, int, int],
    *,
    columns: Path | None = None,
) -> tuple[dict[str, Any], Path | None] | None:
    """The record of a check that changed nothing, and where its column copy went; or None.

    None when the file is not the checked collection's stored form (a hand-edited file), or
    changed meanwhile. The column copy is written to ``columns`` (default: beside the file);
    building it compares every byte of the file with the collection's serialisation, and
    without a copy the two are compared whole. With ``columns`` given, the features are
    dropped as they are written (the caller keeps only the record).
    """
    assert result.collection is not None
    target = columns or columns_for(path)
    written = False
    with path.open("rb") as handle, _mapped(handle) as raw:
        digest = _sha256(raw)
        if result.feature_count >= RECORD_MIN_FEATURES:  # few features: no column copy
            with contextlib.suppress(Exception):
                written = build_columns(
                    raw,
                    result.collection,
                    digest,
                    target,
                    consume=columns is not None,
                    done=lambda upto: _release(raw, upto),
                )
        if not written and bytes(raw).rstrip(b"\n") != orjson.dumps(result.collection):
            return None  # not the stored form (a hand-edited file): the full check stays the way
        size = len(raw)
    if _identity(path) != before:
        return None
    record = {
        "format": _FORMAT,
        "sha256": digest,
        "size": size,
        "rules": rules_digest(),
        "limits": dataclasses.asdict(limits),
        "feature_count": result.feature_count,
        "geometry_types": dict(result.geometry_types),
        "vertex_count": result.vertex_count,
        "problems": [dataclasses.asdict(p) for p in result.problems],
    }
    return record, target if written else None


@contextlib.contextmanager
def _mapped(handle: Any) -> Iterator[Any]:
    """A file's bytes, memory-mapped (an empty file: empty bytes)."""
    if os.fstat(handle.fileno()).st_size == 0:
        yield b""
        return
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        yield mapped


def _release(raw: Any, upto: int) -> None:
    """Let the system drop the mapped pages before ``upto`` (read again if touched again)."""
    if isinstance(raw, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        aligned = upto - upto % mmap.PAGESIZE
        if aligned > 0:
            with contextlib.suppress(OSError, ValueError):
                raw.madvise(mmap.MADV_DONTNEED, 0, aligned)


def _sha256(raw: Any, chunk: int = 1 << 24) -> str:
    """The SHA-256 of mapped bytes, read a chunk at a time (each chunk's pages dropped after)."""
    digest = hashlib.sha256()
    for start in range(0, len(raw), chunk):
        digest.update(raw[start : start + chunk])
        _release(raw, start + chunk)
    return digest.hexdigest()


def check_record(path: Path, columns: Path) -> tuple[dict[str, Any], Path | None] | None:
    """Check a GeoJSON file in full as a catalog load does; return its record, if one is due.

    The record is returned, not written, and the column copy is written to ``columns`` (a
    hidden file the caller renames): ``regionmap add`` checks the file it staged while the
    layer's tiles are cut, and records it beside the layer once the layer is in place
    (:func:`write_record`), so the first load after an add reads the record and the columns
    instead of parsing a million features again. Never raises (None: no record).
    """
    with contextlib.suppress(Exception):
        limits = Limits()
        before = _identity(path)
        result = read_geojson(path, limits=limits, display_name=str(path))
        if result.ok and before is not None and _due(result, before):
            return _record(path, result, limits, before, columns=columns)
    return None


def write_record(data_path: Path, record: dict[str, Any], columns: Path | None = None) -> None:
    """Write a check record beside ``data_path``, atomically; move its column copy there first.

    The columns go first: a record without them is still read (its features parsed), while
    columns are only ever read through a current record.
    """
    if columns is not None:
        with contextlib.suppress(OSError):  # an optimisation, never a failure
            os.replace(columns, columns_for(data_path))
    _write_atomic(record_for(data_path), lambda handle: handle.write(orjson.dumps(record)))


def _write_atomic(target: Path, write: Callable[[Any], Any]) -> None:
    """Write through a hidden temporary file beside ``target``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def frame_for(data_path: Path) -> Path:
    """The GeoParquet copy of a big layer's features: beside the GeoJSON, ``.frame.parquet``."""
    return data_path.with_suffix(FRAME_SUFFIX)


def prepared_frame(
    data_path: Path, digest: str, features: list[dict[str, Any]]
) -> geopandas.GeoDataFrame:
    """The features as a GeoDataFrame, from the GeoParquet copy keyed by ``digest`` if current.

    Building a frame from a million feature dicts takes seconds; reading the same frame
    from GeoParquet a fraction of that. When there is no current copy, the frame is built
    from the features and the copy written (best effort) for the next cold start. The copy
    carries the digest of the GeoJSON bytes it was built from, and is used only for that.
    """
    import geopandas
    import pyarrow.parquet as pq

    target = frame_for(data_path)
    with contextlib.suppress(Exception):  # any doubt about the copy: build from the features
        schema = pq.read_schema(target)
        if (schema.metadata or {}).get(_DIGEST_KEY) == digest.encode():
            frame = geopandas.GeoDataFrame.from_arrow(pq.read_table(target))
            if len(frame) == len(features) and frame.crs == "EPSG:4326":
                return frame
    frame = geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326")
    with contextlib.suppress(Exception):
        _write_frame(target, frame, digest)
    return frame


def _write_frame(target: Path, frame: geopandas.GeoDataFrame, digest: str) -> None:
    """Write the frame as GeoParquet with the digest in its schema metadata, atomically."""
    import pyarrow.parquet as pq

    table = pa.table(frame.to_arrow(index=False))
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _DIGEST_KEY: digest})
    _write_atomic(target, lambda handle: pq.write_table(table, handle))
