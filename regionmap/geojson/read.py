"""Reading one GeoJSON file: the size cap, then decode, structure and summary, never a raise."""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regionmap.geojson.decode import NOTHING, decode, parse, scan
from regionmap.geojson.report import Reporter
from regionmap.geojson.rules import Limits
from regionmap.geojson.structure import Checker
from regionmap.problems import Problem


@dataclass
class ReadResult:
    """What reading a GeoJSON file gives: the problems and, if usable, the data."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    collection: dict[str, Any] | None = None
    geometry_types: Counter[str] = field(default_factory=Counter)
    vertex_count: int = 0

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(p.is_error for p in self.problems)

    @property
    def feature_count(self) -> int:
        """Number of features in the normalised collection."""
        return len(self.collection["features"]) if self.collection else 0


def read_geojson(
    path: str | Path,
    *,
    fix: bool = False,
    limits: Limits | None = None,
    display_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReadResult:
    """Read a GeoJSON file, check it against RFC 7946 and return it normalised.

    Never raises: whatever the file holds, the result carries problems or a collection.

    Parameters
    ----------
    path : str or Path
        The file to read.
    fix : bool
        Repair invalid (e.g. self-intersecting) polygons with ``shapely.make_valid``
        instead of rejecting them; every repair is reported as a warning.
    limits : Limits, optional
        Caps on size, features, vertices and nesting depth.
    display_name : str, optional
        How to name the file in messages (defaults to ``path``).
    progress : callable, optional
        Called now and then with (features checked, features in the file).

    Returns
    -------
    ReadResult
        Every problem found, and the normalised FeatureCollection when there is no error.

    Examples
    --------
    >>> result = read_geojson("tests/corpus/valid-point.geojson")  # doctest: +SKIP
    >>> result.ok, result.feature_count  # doctest: +SKIP
    (True, 1)
    """
    limits = limits or Limits()
    name = display_name or str(path)
    report = Reporter(name)
    result = ReadResult(name)
    try:
        _read(Path(path), report, result, fix=fix, limits=limits, progress=progress)
    except MemoryError:
        result.collection = None
        report.add(
            "limit-memory",
            "needs more memory to check than this machine has left.",
            "Split the file into smaller layers, or lower --max-mb so that it is refused early.",
        )
    except Exception as exc:  # isolation: an unforeseen input is a problem, not a traceback
        result.collection = None
        report.add(
            "read-failed",
            f"could not be checked: {type(exc).__name__} ({str(exc)[:120]}).",
            "This is a bug in regionmap's reader; please report it with the file.",
        )
    result.problems = report.finish()
    if not result.ok:
        result.collection = None
    return result


def _read(
    path: Path,
    report: Reporter,
    result: ReadResult,
    *,
    fix: bool,
    limits: Limits,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Read, decode, parse and check; fills ``result`` in place."""
    try:
        with open(path, "rb", opener=_nonblocking) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                report.add(
                    "file", "is not a regular file.", "Name a GeoJSON file, not a device or pipe."
                )
                return
            if info.st_size > limits.max_bytes:
                report.add(
                    "limit-size",
                    f"is {info.st_size / 1e6:.1f} MB, above the cap of "
                    f"{limits.max_bytes / 1e6:.0f} MB.",
                    "Split the file, or raise the cap with --max-mb (REGIONMAP_MAX_MB).",
                )
                return
            raw = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        report.add(
            "file",
            f"cannot be read: {exc.strerror or exc}.",
            "Check the path and permissions.",
        )
        return
    text = decode(raw, report)
    scanned = scan(raw, limits) if text is not None else None
    # Booleans can only come from JSON true/false; without them the fast path skips a scan.
    may_have_bools = text is not None and (b"true" in raw or b"false" in raw)
    del raw  # the text is parsed; holding the bytes too would add their size to the peak
    doc = parse(text, report, limits, scanned) if text is not None else NOTHING
    del text  # the parsed document is all we need; free the text of a large file
    if doc is NOTHING:
        return
    checker = Checker(report, fix=fix, limits=limits, progress=progress)
    checker.positions.may_have_bools = may_have_bools
    result.collection = checker.check_document(doc)
    result.geometry_types = checker.geometry_types
    result.vertex_count = checker.vertices


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking, so that a named pipe in the catalog cannot hang a read."""
    return os.open(path, flags | os.O_NONBLOCK)
