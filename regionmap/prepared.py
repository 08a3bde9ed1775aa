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
import os
import stat
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from regionmap.geojson import Limits, ReadResult, read_geojson
from regionmap.problems import Problem

__all__ = ["RECORD_MIN_FEATURES", "RECORD_SUFFIX", "read_prepared", "record_for", "rules_digest"]

RECORD_SUFFIX = ".checked.json"
#: Layers with at least this many features get a record (checking fewer takes under half a
#: second, and the built-in catalog's files stay alone in their folder).
RECORD_MIN_FEATURES = 20_000
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
    limits = limits or Limits()
    name = display_name or str(path)
    if fix:  # repairs are reported as warnings each time: always the full check
        return read_geojson(path, fix=fix, limits=limits, display_name=name)
    with contextlib.suppress(Exception):  # any doubt about the record: check in full
        fast = _from_record(path, limits, name)
        if fast is not None:
            return fast
    before = _identity(path)
    result = read_geojson(path, limits=limits, display_name=name)
    if result.ok and before is not None and result.feature_count >= RECORD_MIN_FEATURES:
        with contextlib.suppress(Exception):  # the record is an optimisation, never a failure
            _write_record(path, result, limits, before)
    return result


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """What tells the file was not replaced or edited while it was checked."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _from_record(path: Path, limits: Limits, name: str) -> ReadResult | None:
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
    if hashlib.sha256(raw).hexdigest() != record.get("sha256"):
        return None
    collection = orjson.loads(raw)
    del raw
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or len(features) != record.get("feature_count"):
        return None
    problems = [Problem(**{**p, "file": name}) for p in record.get("problems", [])]
    if any(p.is_error for p in problems):
        return None
    return ReadResult(
        name,
        problems=problems,
        collection=collection,
        geometry_types=Counter(record.get("geometry_types", {})),
        vertex_count=int(record.get("vertex_count", 0)),
    )


def _write_record(
    path: Path, result: ReadResult, limits: Limits, before: tuple[int, int, int, int]
) -> None:
    """Record a check that changed nothing, atomically, if the file stayed the same."""
    assert result.collection is not None
    raw = path.read_bytes()
    normalised = orjson.dumps(result.collection)
    if raw.rstrip(b"\n") != normalised or _identity(path) != before:
        return  # not the stored form (e.g. a hand-edited file): the full check stays the way
    record: dict[str, Any] = {
        "format": _FORMAT,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
        "rules": rules_digest(),
        "limits": dataclasses.asdict(limits),
        "feature_count": result.feature_count,
        "geometry_types": dict(result.geometry_types),
        "vertex_count": result.vertex_count,
        "problems": [dataclasses.asdict(p) for p in result.problems],
    }
    target = record_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(record))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
