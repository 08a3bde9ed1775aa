"""Read, check and normalise a GeoJSON file, reporting every problem at once.

The rules follow RFC 7946. Where the RFC says a parser should not reject (ring winding,
extra position elements) the file is fixed and a warning is given. Natural Earth's own files
carry positions a hair beyond the valid range (longitude 180.00000000000014, latitude
90.000206, the date line at 180.0033); such positions within ``RANGE_TOLERANCE`` degrees are
clamped with a warning, while real excursions (longitude 200) are errors.

The result of a clean read is a normalised FeatureCollection: WGS 84 longitude/latitude,
exterior rings counter-clockwise, holes clockwise, polygons split at the antimeridian,
coordinates rounded to ``DECIMALS`` places, properties kept exactly as they were.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from regionmap.problems import Problem, Severity

DECIMALS = 6
"""Decimal places kept on add: 6 places of a degree are about 0.1 m."""

RANGE_TOLERANCE = 0.01
"""Degrees beyond ±180/±90 that are clamped with a warning (0.01° is about 1.1 km).

Natural Earth's 10m geographic lines reach longitude 180.0033; anything further out is
treated as an error, not as rounding noise.
"""

PROJECTED_THRESHOLD = 1000.0
"""Coordinates larger than this are metres or feet of a projected CRS, not degrees."""

GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
# How deep the coordinates array of each geometry type nests (a position is depth 1).
COORDINATE_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
# RFC 7946 section 7.1: these members would change the meaning of an object.
FORBIDDEN_MEMBERS = {
    "FeatureCollection": ("coordinates", "geometries", "geometry", "properties"),
    "Feature": ("coordinates", "features", "geometries"),
    "Geometry": ("features", "geometry", "properties"),
}
WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "crs84",
    "ogc:crs84",
    "epsg:4326",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
}
STRUCTURAL_RULES = {
    "json-syntax",
    "encoding",
    "top-level-type",
    "unknown-type",
    "member-missing",
    "member-type",
    "changed-semantics",
    "duplicate-member",
    "position",
    "coordinates-shape",
    "too-few-positions",
    "ring-not-closed",
    "bbox",
    "feature-id",
}
"""Rules about GeoJSON's structure (the ones a pure linter such as geojsonhint checks)."""


@dataclass
class Limits:
    """Caps that keep one hostile or mistaken file from exhausting the machine."""

    max_bytes: int = 512 * 1024 * 1024
    max_features: int = 2_000_000
    max_vertices: int = 50_000_000
    max_depth: int = 32


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


class _Reporter:
    """Collects problems for one file, folding repeats of one rule in one feature."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._seen: Counter[tuple[int | None, str]] = Counter()
        self.error_features: set[int | None] = set()

    def add(
        self,
        rule: str,
        message: str,
        fix: str = "",
        severity: Severity = "error",
        feature: int | None = None,
        feature_id: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        if severity == "error":
            self.error_features.add(feature)
        key = (feature, rule)
        self._seen[key] += 1
        if self._seen[key] > 3:  # three examples per rule and feature are enough to act on
            return
        self.problems.append(
            Problem(self.path, rule, message, fix, severity, feature, feature_id, line, column)
        )


def read_geojson(
    path: str | Path,
    *,
    fix: bool = False,
    limits: Limits | None = None,
    display_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReadResult:
    """Read a GeoJSON file, check it against RFC 7946 and return it normalised.

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
    report = _Reporter(name)
    result = ReadResult(name)
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        report.add("file", f"cannot be read: {exc.strerror}.", "Check the path and permissions.")
        result.problems = report.problems
        return result
    if size > limits.max_bytes:
        report.add(
            "limit-size",
            f"is {size / 1e6:.1f} MB, above the cap of {limits.max_bytes / 1e6:.0f} MB.",
            "Split the file, or raise the cap with --max-mb (REGIONMAP_MAX_MB).",
        )
        result.problems = report.problems
        return result
    text = _decode(Path(path).read_bytes(), report)
    doc = _parse(text, report, limits) if text is not None else _NOTHING
    # Booleans can only come from JSON true/false; without them the fast path skips a scan.
    may_have_bools = text is not None and ("true" in text or "false" in text)
    del text  # the parsed document is all we need; free the text of a large file
    if doc is not _NOTHING:
        checker = _Checker(report, fix=fix, limits=limits, progress=progress)
        checker.may_have_bools = may_have_bools
        result.collection = checker.check_document(doc)
        result.geometry_types = checker.geometry_types
        result.vertex_count = checker.vertices
    result.problems = report.problems
    if not result.ok:
        result.collection = None
    return result


_NOTHING = object()


def _decode(raw: bytes, report: _Reporter) -> str | None:
    """Decode UTF-8 (with or without BOM); name any other encoding and how to convert."""
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "UTF-32 LE"),
        (b"\x00\x00\xfe\xff", "UTF-32 BE"),
        (b"\xff\xfe", "UTF-16 LE"),
        (b"\xfe\xff", "UTF-16 BE"),
    ):
        if raw.startswith(bom):
            report.add(
                "encoding",
                f"is encoded as {encoding}; GeoJSON must be UTF-8 (RFC 7946 section 11).",
                "Re-save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 in.geojson > out.geojson`.",
            )
            return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        report.add(
            "encoding",
            f"is not valid UTF-8: byte 0x{raw[exc.start]:02X} cannot be decoded "
            "(the file may be Latin-1 or Windows-1252).",
            "Re-save it as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.geojson > out.geojson`.",
            line=line,
            column=column,
        )
        return None


def _parse(text: str, report: _Reporter, limits: Limits) -> Any:
    """Parse JSON, reporting syntax errors with line and column, and duplicate members."""
    duplicates: list[str] = []
    constants: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in pairs if k in seen or seen.add(k))
        return obj

    def constant(name: str) -> float:
        constants.append(name)
        return float(name.replace("Infinity", "inf"))

    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=constant)
    except json.JSONDecodeError as exc:
        report.add(
            "json-syntax",
            f"is not valid JSON: {exc.msg}.",
            "Fix the JSON syntax at that position (a JSON linter or `python -m json.tool` "
            "shows it).",
            line=exc.lineno,
            column=exc.colno,
        )
        return _NOTHING
    except RecursionError:
        report.add(
            "limit-depth",
            f"nests arrays or objects too deeply to read (cap: {limits.max_depth} levels).",
            "GeoJSON never needs deep nesting; check how the file was produced.",
        )
        return _NOTHING
    if duplicates:
        names = ", ".join(sorted(set(duplicates))[:5])
        report.add(
            "duplicate-member",
            f"has objects with the same member twice ({names}); which one counts is ambiguous.",
            "Keep one of each member name in every object.",
        )
    if constants:
        report.add(
            "json-syntax",
            f"uses {', '.join(sorted(set(constants)))}, which is not valid JSON.",
            "Replace NaN/Infinity with real numbers, or null in properties.",
        )
    return doc


class _Checker:
    """Walks a parsed document, checking each object and building the normalised copy."""

    def __init__(
        self,
        report: _Reporter,
        *,
        fix: bool,
        limits: Limits,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.report = report
        self.fix = fix
        self.limits = limits
        self.progress = progress
        self.geometry_types: Counter[str] = Counter()
        self.vertices = 0
        self.transform: Callable[[float, float], tuple[float, float]] | None = None
        self.feature: int | None = None
        self.feature_id: str | None = None
        self.clamped_count = 0
        self.clamped_worst = 0.0
        self.clamped_first: int | None = None
        self.may_have_bools = True
        self.rewound: list[int | None] = []
        self.split: list[int | None] = []

    def add(self, rule: str, message: str, fix: str = "", severity: Severity = "error") -> None:
        self.report.add(rule, message, fix, severity, self.feature, self.feature_id)

    # -- document level ---------------------------------------------------------------

    def check_document(self, doc: Any) -> dict[str, Any] | None:
        if not isinstance(doc, dict):
            self.add(
                "top-level-type",
                f"holds a JSON {_json_type(doc)} at the top level, not a GeoJSON object.",
                'Wrap the data in {"type": "FeatureCollection", "features": [...]}.',
            )
            return None
        kind = doc.get("type")
        if not isinstance(kind, str):
            self.add(
                "member-missing" if "type" not in doc else "member-type",
                'has no string "type" member at the top level.',
                'Add "type": "FeatureCollection" (or "Feature").',
            )
            return None
        self._check_crs(doc)
        self._check_bbox(doc)
        if kind == "FeatureCollection":
            features = self._check_collection(doc)
        elif kind == "Feature":
            features = [doc]
        elif kind in GEOMETRY_TYPES:
            self.add(
                "bare-geometry",
                f"is a bare {kind} geometry, not a Feature; it was wrapped in a Feature "
                "with empty properties.",
                "Wrap geometries in Features so that they can carry a name and sources.",
                "warning",
            )
            features = [{"type": "Feature", "properties": {}, "geometry": doc}]
        else:
            self._unknown_type(kind, "the top level")
            return None
        if features is None:
            return None
        out = self._check_features(features)
        self._summarise()
        return {"type": "FeatureCollection", "features": out}

    def _check_collection(self, doc: dict[str, Any]) -> list[Any] | None:
        self._forbidden(doc, "FeatureCollection")
        features = doc.get("features")
        if "features" not in doc:
            self.add(
                "member-missing",
                'is a FeatureCollection without a "features" member.',
                'Add "features": [ ... ] with the features.',
            )
            return None
        if not isinstance(features, list):
            self.add(
                "member-type",
                f'has "features" as a JSON {_json_type(features)}; it must be an array.',
                'Make "features" an array of Feature objects.',
            )
            return None
        if not features:
            self.add(
                "empty-collection",
                "has no features, so there is nothing to show.",
                "Add at least one Feature, or check that the export that made it worked.",
            )
        if len(features) > self.limits.max_features:
            self.add(
                "limit-features",
                f"has {len(features):,} features, above the cap of {self.limits.max_features:,}.",
                "Split the layer, or raise the cap with --max-features.",
            )
            return None
        return features

    def _check_features(self, features: list[Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        ids: dict[Any, int] = {}
        for index, feature in enumerate(features):
            self.feature = index
            self.feature_id = _feature_label(feature)
            clean = self._check_feature(feature)
            features[index] = None  # free the raw feature: one copy of the data at a time
            if clean is not None:
                fid = clean.get("id")
                if fid is not None:
                    if fid in ids:
                        self.add(
                            "duplicate-id",
                            f"has the id {fid!r}, already used by feature {ids[fid]}.",
                            "Give every feature a unique id, or remove the ids.",
                        )
                    else:
                        ids[fid] = index
                out.append(clean)
            if self.vertices > self.limits.max_vertices:
                self.add(
                    "limit-vertices",
                    f"brings the vertex count above the cap of {self.limits.max_vertices:,}.",
                    "Simplify the layer (e.g. mapshaper -simplify), or raise --max-vertices.",
                )
                break
            if self.progress is not None and index % 1000 == 999:
                self.progress(index + 1, len(features))
        if self.progress is not None:
            self.progress(len(features), len(features))
        self.feature = self.feature_id = None
        return out

    def _check_feature(self, feature: Any) -> dict[str, Any] | None:
        if not isinstance(feature, dict):
            self.add(
                "member-type",
                f"is a JSON {_json_type(feature)}, not a Feature object.",
                'Each entry of "features" must be {"type": "Feature", "geometry": ..., '
                '"properties": ...}.',
            )
            return None
        kind = feature.get("type")
        if kind != "Feature":
            if isinstance(kind, str) and kind.lower() == "feature":
                self.add(
                    "unknown-type",
                    f'has "type": {kind!r}; GeoJSON type names are case-sensitive.',
                    'Write "Feature".',
                )
            elif kind is None:
                self.add("member-missing", 'has no "type" member.', 'Add "type": "Feature".')
            else:
                self._unknown_type(kind, "a feature")
            return None
        self._forbidden(feature, "Feature")
        self._check_bbox(feature)
        ok = True
        if "geometry" not in feature:
            self.add(
                "member-missing",
                'has no "geometry" member.',
                'Add "geometry": {...}, or "geometry": null for a feature without a place.',
            )
            ok = False
        if "properties" not in feature:
            self.add(
                "member-missing",
                'has no "properties" member.',
                'Add "properties": {} (or null).',
            )
            ok = False
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            self.add(
                "member-type",
                f'has "properties" as a JSON {_json_type(props)}; it must be an object or null.',
                'Make "properties" an object such as {"name": "..."}.',
            )
            ok = False
        elif props is not None:
            self._check_properties(props)
        clean: dict[str, Any] = {"type": "Feature"}
        if "id" in feature:
            fid = feature["id"]
            if isinstance(fid, bool) or not isinstance(fid, str | int | float):
                self.add(
                    "feature-id",
                    f'has an "id" that is a JSON {_json_type(fid)}; it must be a string '
                    "or a number.",
                    'Use "id": "some-name" or a number, or remove it.',
                )
                ok = False
            else:
                clean["id"] = fid
        geometry = feature.get("geometry")
        if geometry is None:
            if "geometry" in feature:
                self.add(
                    "null-geometry",
                    "has a null geometry; it is kept but cannot be drawn on the map.",
                    "Add a geometry if the feature has a place.",
                    "warning",
                )
            clean_geometry = None
        else:
            clean_geometry = self._check_geometry(geometry, top=True)
            ok = ok and clean_geometry is not None
        if not ok:
            return None
        clean["properties"] = props if props is not None else {}
        clean["geometry"] = clean_geometry
        return clean

    def _check_properties(self, props: dict[str, Any]) -> None:
        for bad in _non_finite(props, 0, self.limits.max_depth):
            if bad == "depth":
                self.add(
                    "limit-depth",
                    f"has properties nested more than {self.limits.max_depth} levels deep.",
                    "Flatten the properties.",
                )
            else:
                self.add(
                    "property-value",
                    f"has a property {bad!r} that is NaN or Infinity.",
                    "Use null for missing numbers.",
                )

    # -- geometry ---------------------------------------------------------------------

    def _check_geometry(self, geometry: Any, *, top: bool = False) -> dict[str, Any] | None:
        if not isinstance(geometry, dict):
            self.add(
                "member-type",
                f"has a geometry that is a JSON {_json_type(geometry)}, not an object.",
                'Use {"type": "Point", "coordinates": [lon, lat]} or null.',
            )
            return None
        kind = geometry.get("type")
        if kind not in GEOMETRY_TYPES:
            if kind is None:
                self.add("member-missing", 'has a geometry without "type".', 'Add "type".')
            else:
                self._unknown_type(kind, "a geometry")
            return None
        self._forbidden(geometry, "Geometry")
        self._check_bbox(geometry)
        if top:
            self.geometry_types[kind] += 1
        if kind == "GeometryCollection":
            return self._check_geometry_collection(geometry, top=top)
        if "coordinates" not in geometry:
            self.add(
                "member-missing",
                f'has a {kind} without "coordinates".',
                'Add "coordinates", or make the geometry null.',
            )
            return None
        coords = geometry["coordinates"]
        depth = COORDINATE_DEPTH[kind]
        if not isinstance(coords, list):
            self.add(
                "coordinates-shape",
                f'has {kind} "coordinates" as a JSON {_json_type(coords)}; it must be an array.',
                f"Give {kind} coordinates as {_shape_hint(kind)}.",
            )
            return None
        if not coords:
            self.add(
                "empty-geometry",
                f"has an empty {kind}; it is kept but draws nothing.",
                "Remove the feature or give it coordinates.",
                "warning",
            )
            return {"type": kind, "coordinates": []}
        clean = self._coords(coords, depth, kind)
        if clean is None:
            return None
        clean = self._check_shape(kind, clean)
        if clean is None:
            return None
        return clean

    def _check_geometry_collection(
        self, geometry: dict[str, Any], *, top: bool
    ) -> dict[str, Any] | None:
        members = geometry.get("geometries")
        if not isinstance(members, list):
            self.add(
                "member-missing" if members is None else "member-type",
                'has a GeometryCollection without a "geometries" array.',
                'Add "geometries": [ ... ].',
            )
            return None
        if not top:
            self.add(
                "nested-collection",
                "has a GeometryCollection inside another; RFC 7946 advises against it.",
                "Flatten the nested collection.",
                "warning",
            )
        if len(members) == 1:
            self.add(
                "single-member-collection",
                "has a GeometryCollection with a single geometry.",
                "Use that geometry directly.",
                "warning",
            )
        clean = [self._check_geometry(member) for member in members]
        if any(member is None for member in clean):
            return None
        return {"type": "GeometryCollection", "geometries": clean}

    def _coords(self, value: Any, depth: int, kind: str) -> Any:
        """Check nesting and positions; return the transformed, clamped copy.

        A list of positions comes back as a float array of shape (n, 2 or 3); deeper
        nesting as lists of such arrays; a single position as a list.
        """
        if depth == 1:
            return self._position(value, kind)
        if not isinstance(value, list) or (value and not isinstance(value[0], list)):
            self.add(
                "coordinates-shape",
                f"has {kind} coordinates nested wrongly: found {_json_preview(value)} where "
                f"{'an array of positions' if depth == 2 else 'arrays of positions'} belong.",
                f"Give {kind} coordinates as {_shape_hint(kind)}.",
            )
            return None
        if depth == 2:
            return self._positions(value, kind)
        out = []
        for item in value:
            clean = self._coords(item, depth - 1, kind)
            if clean is None:
                return None
            out.append(clean)
        return out

    def _positions(self, value: list[Any], kind: str) -> np.ndarray | None:
        """A list of positions as an array: vectorised when clean, one by one otherwise."""
        fast = self._fast_positions(value)
        if fast is not None:
            return fast
        out = []
        for item in value:
            position = self._position(item, kind)
            if position is None:
                return None
            out.append(position)
        if len({len(p) for p in out}) > 1:
            self.add(
                "position",
                f"has a {kind} whose positions mix {sorted({len(p) for p in out})} values.",
                "Give every position of a geometry the same number of values.",
            )
            return None
        return np.asarray(out, dtype=float)

    def _fast_positions(self, value: list[Any]) -> np.ndarray | None:
        """The vectorised path for clean data; None sends the list down the slow path."""
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):  # ragged or odd: the slow path says what is wrong
            return None
        if arr.ndim != 2 or arr.shape[1] not in (2, 3) or arr.dtype.kind not in "if":
            return None
        if self.may_have_bools and any(type(v) is bool for pos in value for v in pos):
            return None
        arr = arr.astype(float)
        if not np.isfinite(arr).all():
            return None
        if self.transform is not None:
            arr[:, 0], arr[:, 1] = self.transform(arr[:, 0], arr[:, 1])
        excess = np.maximum(np.abs(arr[:, 0]) - 180.0, np.abs(arr[:, 1]) - 90.0)
        if excess.max() > RANGE_TOLERANCE:  # the slow path reports it, with the original
            return None
        over = excess > 0
        if over.any():
            worst = float(np.max(np.abs(arr[over, :2]).max(axis=1)))
            self._note_clamped(int(over.sum()), worst)
            np.clip(arr[:, 0], -180.0, 180.0, out=arr[:, 0])
            np.clip(arr[:, 1], -90.0, 90.0, out=arr[:, 1])
        arr[:, :2] = np.round(arr[:, :2], DECIMALS)
        self.vertices += len(arr)
        return arr

    def _note_clamped(self, count: int, worst: float) -> None:
        """Remember positions clamped to the valid range, for one summary warning."""
        if not self.clamped_count:
            self.clamped_first = self.feature
        self.clamped_count += count
        self.clamped_worst = max(self.clamped_worst, worst)

    def _position(self, value: Any, kind: str) -> list[float] | None:
        if not isinstance(value, list):
            self.add(
                "coordinates-shape",
                f"has {kind} coordinates nested wrongly: found {_json_preview(value)} where a "
                "position [longitude, latitude] belongs.",
                f"Give {kind} coordinates as {_shape_hint(kind)}.",
            )
            return None
        if len(value) < 2:
            self.add(
                "position",
                f"has a position with {len(value)} number(s): {_json_preview(value)}.",
                "A position is [longitude, latitude] (optionally with an elevation).",
            )
            return None
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            self.add(
                "position",
                f"has a position with a value that is not a number: {_json_preview(value)}.",
                "Write coordinates as JSON numbers without quotes: [139.767, 35.681].",
            )
            return None
        if not all(math.isfinite(v) for v in value):
            self.add(
                "coordinate-not-finite",
                f"has a position with NaN or Infinity: {_json_preview(value)}.",
                "Remove the position or give real coordinates.",
            )
            return None
        if len(value) > 3:
            self.add(
                "position-extra",
                f"has positions with {len(value)} values; only longitude, latitude and an "
                "elevation are used.",
                "Drop the extra values.",
                "warning",
            )
        self.vertices += 1
        x, y = value[0], value[1]
        if self.transform is not None:
            x, y = self.transform(x, y)
        x, y = self._in_range(x, y, value)
        return [round(x, DECIMALS), round(y, DECIMALS), *value[2:]]

    def _in_range(self, x: float, y: float, original: list[Any]) -> tuple[float, float]:
        excess = max(abs(x) - 180.0, abs(y) - 90.0)
        if excess <= 0:
            return x, y
        if excess <= RANGE_TOLERANCE:
            self._note_clamped(1, max(abs(x), abs(y)))
            return max(-180.0, min(180.0, x)), max(-90.0, min(90.0, y))
        if abs(x) > PROJECTED_THRESHOLD or abs(y) > PROJECTED_THRESHOLD:
            self.add(
                "coordinates-projected",
                f"has coordinates that look projected (metres or feet), e.g. "
                f"{_json_preview(original)}, not longitude/latitude degrees.",
                "Reproject to WGS 84 (e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.shp`), or "
                'name the CRS in a "crs" member so that regionmap can reproject it.',
            )
        elif abs(y) > 90 and abs(x) <= 90:
            self.add(
                "coordinates-swapped",
                f"has latitude {y} outside ±90 while the longitude {x} would be a valid "
                "latitude: the positions look like [latitude, longitude].",
                "GeoJSON positions are [longitude, latitude]; swap the two values.",
            )
        else:
            axis = "longitude" if abs(x) > 180 else "latitude"
            value = x if axis == "longitude" else y
            limit = 180 if axis == "longitude" else 90
            self.add(
                "coordinate-range",
                f"has {axis} {value} outside ±{limit} (position {_json_preview(original)}).",
                f"Correct the position; {axis}s run from -{limit} to {limit}.",
            )
        return x, y

    def _check_shape(self, kind: str, geometry: list[Any]) -> dict[str, Any] | None:
        """Check counts and rings, fix winding and the antimeridian, check validity."""
        if kind in ("LineString", "MultiLineString"):
            lines = [geometry] if kind == "LineString" else geometry
            for line in lines:
                if len(line) < 2:
                    self.add(
                        "too-few-positions",
                        f"has a {kind} with {len(line)} position(s); a line needs at least two.",
                        "Add positions or remove the line.",
                    )
                    return None
            return {"type": kind, "coordinates": _to_lists(geometry)}
        if kind not in ("Polygon", "MultiPolygon"):
            return {"type": kind, "coordinates": _to_lists(geometry)}
        polygons = [geometry] if kind == "Polygon" else geometry
        for rings in polygons:
            if not rings:
                self.add(
                    "too-few-positions",
                    f"has a {kind} part without rings.",
                    "Remove the empty part.",
                )
                return None
            for ring in rings:
                if len(ring) < 4:
                    self.add(
                        "too-few-positions",
                        f"has a ring with {len(ring)} positions; a linear ring needs at least 4 "
                        "(the first repeated at the end).",
                        "Add positions, or remove the degenerate ring.",
                    )
                    return None
                if not np.array_equal(ring[0], ring[-1]):
                    self.add(
                        "ring-not-closed",
                        f"has a ring that is not closed: it starts at "
                        f"{_json_preview(ring[0].tolist())} and ends at "
                        f"{_json_preview(ring[-1].tolist())}.",
                        "Repeat the first position of the ring at its end.",
                    )
                    return None
        if not self.report_ok_so_far():
            return None
        if any([_rewind(rings) for rings in polygons]):  # a list: rewind every part
            self.rewound.append(self.feature)
        if any(_crosses_antimeridian(rings[0]) for rings in polygons):
            self.split.append(self.feature)
            geometry_dict = {"type": kind, "coordinates": _to_lists(geometry)}
            return self._check_validity(_split_antimeridian(geometry_dict))
        shp = shapely.MultiPolygon([_polygon(rings) for rings in polygons])
        if kind == "Polygon":
            shp = shp.geoms[0]
        if shapely.is_valid(shp):
            return {"type": kind, "coordinates": _to_lists(geometry)}
        return self._check_validity({"type": kind, "coordinates": _to_lists(geometry)}, shp)

    def report_ok_so_far(self) -> bool:
        """True if this feature has no error yet (geometry checks need a sound structure)."""
        return self.feature not in self.report.error_features

    def _check_validity(self, geometry: dict[str, Any], shp: Any = None) -> dict[str, Any] | None:
        shp = shape(geometry) if shp is None else shp
        if shapely.is_valid(shp):
            return geometry
        reason = shapely.is_valid_reason(shp)
        if not self.fix:
            self.add(
                "polygon-invalid",
                f"has an invalid polygon: {reason}.",
                "Run with --fix to repair it with shapely.make_valid (each repair is "
                "reported), or repair it in QGIS (Vector > Geometry Tools > Fix Geometries).",
            )
            return None
        repaired = shapely.make_valid(shp)
        polygonal = shapely.get_parts(repaired)
        polygonal = [p for p in polygonal if p.geom_type in ("Polygon", "MultiPolygon")]
        if not polygonal:
            self.add(
                "polygon-invalid",
                f"has an invalid polygon ({reason}) that has no area once repaired.",
                "Remove the feature or redraw it.",
            )
            return None
        fixed = shapely.orient_polygons(shapely.union_all(polygonal))
        self.add(
            "polygon-repaired",
            f"had an invalid polygon ({reason}); repaired with make_valid: area "
            f"{shp.area:.6g} → {fixed.area:.6g} square degrees, "
            f"{shapely.get_num_coordinates(shp)} → {shapely.get_num_coordinates(fixed)} "
            "vertices.",
            "Check the repaired shape on the map.",
            "warning",
        )
        return _round_mapping(mapping(fixed))

    # -- helpers ----------------------------------------------------------------------

    def _forbidden(self, obj: dict[str, Any], kind: str) -> None:
        for member in FORBIDDEN_MEMBERS[kind]:
            if member in obj:
                self.add(
                    "changed-semantics",
                    f'is a {obj.get("type")} with a "{member}" member, which would change '
                    "the meaning of a GeoJSON member (RFC 7946 section 7.1).",
                    f'Remove "{member}" or move it into "properties".',
                )

    def _check_bbox(self, obj: dict[str, Any]) -> None:
        if "bbox" not in obj:
            return
        bbox = obj["bbox"]
        if (
            not isinstance(bbox, list)
            or len(bbox) not in (4, 6)
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox)
        ):
            self.add(
                "bbox",
                f'has a "bbox" that is not 4 or 6 numbers: {_json_preview(bbox)}.',
                'Write "bbox": [west, south, east, north], or remove it (it is recomputed).',
            )

    def _check_crs(self, doc: dict[str, Any]) -> None:
        if "crs" not in doc:
            return
        crs = doc["crs"]
        name = None
        if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
            name = crs["properties"].get("name")
        if crs is None:
            return
        if not isinstance(name, str):
            self.add(
                "crs",
                f'has a "crs" member that names no CRS: {_json_preview(crs)}.',
                'Remove "crs" (RFC 7946 GeoJSON is always WGS 84 longitude/latitude), or write '
                '{"type": "name", "properties": {"name": "EPSG:xxxx"}}.',
            )
            return
        if name.strip().lower() in WGS84_NAMES:
            self.add(
                "crs-obsolete",
                f'has an obsolete "crs" member ({name}); it means WGS 84, which RFC 7946 '
                "assumes, so it was dropped.",
                'Remove the "crs" member.',
                "warning",
            )
            return
        transform = _transformer(name)
        if transform is None:
            self.add(
                "crs",
                f"declares the CRS {name!r}, which regionmap does not know.",
                "Reproject to WGS 84 (e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`) "
                'and remove the "crs" member.',
            )
            return
        self.transform = transform
        self.add(
            "crs-reprojected",
            f"declares the CRS {name}; its coordinates were reprojected to WGS 84.",
            "Check the result on the map.",
            "warning",
        )

    def _unknown_type(self, kind: Any, where: str) -> None:
        hint = next(
            (
                t
                for t in (*GEOMETRY_TYPES, "Feature", "FeatureCollection")
                if isinstance(kind, str) and t.lower() == kind.lower()
            ),
            None,
        )
        fix = (
            f'Write "{hint}" (type names are case-sensitive).'
            if hint
            else (
                "Use one of FeatureCollection, Feature, Point, MultiPoint, LineString, "
                "MultiLineString, Polygon, MultiPolygon, GeometryCollection."
            )
        )
        self.add("unknown-type", f"has an unknown type {_json_preview(kind)} at {where}.", fix)

    def _summarise(self) -> None:
        self.feature = self.feature_id = None
        if self.clamped_count:
            worst = self.clamped_worst
            self.add(
                "coordinate-clamped",
                f"has {self.clamped_count} position(s) slightly beyond ±180/±90 (furthest "
                f"{worst!r}, first in feature {self.clamped_first}); clamped to the limit. "
                f"Up to {RANGE_TOLERANCE}° is treated as rounding noise.",
                "Nothing to do; re-export the data with the limits respected to avoid this.",
                "warning",
            )
        if self.rewound:
            self.add(
                "winding",
                f"has polygons in {len(set(self.rewound))} feature(s) (first: feature "
                f"{self.rewound[0]}) whose rings run against the RFC 7946 right-hand rule; "
                "they were rewound (exterior counter-clockwise, holes clockwise).",
                "Nothing to do; RFC 7946 asks parsers not to reject such files.",
                "warning",
            )
        if self.split:
            self.add(
                "antimeridian",
                f"has polygons in {len(self.split)} feature(s) (first: feature "
                f"{self.split[0]}) that cross the antimeridian; they were split at ±180°.",
                "Nothing to do; check the result on the map.",
                "warning",
            )


def _transformer(name: str) -> Callable[[float, float], tuple[float, float]] | None:
    """A lon/lat transformer from the named CRS, or None if pyproj does not know it."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(name)
    except CRSError:
        return None
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    return transformer.transform


def _ring_area2(ring: np.ndarray) -> float:
    """Twice the signed area of a ring (positive when counter-clockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _rewind(rings: list[np.ndarray]) -> bool:
    """Make the exterior ring counter-clockwise and holes clockwise; True if changed."""
    changed = False
    for index, ring in enumerate(rings):
        area = _ring_area2(ring)
        if (index == 0 and area < 0) or (index > 0 and area > 0):
            rings[index] = ring[::-1]
            changed = True
    return changed


def _crosses_antimeridian(ring: np.ndarray) -> bool:
    """True if an edge jumps across ±180 (edges along the ±180 seam itself don't count)."""
    x = ring[:, 0]
    jumps = np.abs(np.diff(x)) > 180
    on_seam = (np.abs(x[:-1]) == 180) | (np.abs(x[1:]) == 180)
    return bool((jumps & ~on_seam).any())


def _polygon(rings: list[np.ndarray]) -> Any:
    """A shapely polygon from ring arrays (only x and y matter for validity)."""
    return shapely.Polygon(rings[0][:, :2], [ring[:, :2] for ring in rings[1:]])


def _to_lists(value: Any) -> Any:
    """Arrays (and lists of them) back to JSON lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value and isinstance(value, list) and not isinstance(value[0], int | float):
        return [_to_lists(v) for v in value]
    return value


def _split_antimeridian(geometry: dict[str, Any]) -> dict[str, Any]:
    """Split a polygon that crosses the antimeridian into parts on each side."""
    import warnings

    import antimeridian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # winding is fixed (and reported) already
        fixed = antimeridian.fix_geojson(geometry)
    return _round_mapping(fixed)


def _round_mapping(geometry: dict[str, Any]) -> dict[str, Any]:
    """Turn a shapely/antimeridian mapping (tuples) into rounded JSON lists."""

    def walk(value: Any) -> Any:
        if value and isinstance(value[0], int | float):
            return [round(value[0], DECIMALS), round(value[1], DECIMALS), *value[2:]]
        return [walk(v) for v in value]

    if geometry["type"] == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [_round_mapping(g) for g in geometry["geometries"]],
        }
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _non_finite(value: Any, depth: int, max_depth: int, key: str = "") -> Iterator[str]:
    """Yield the keys of NaN/Infinity values, or "depth" when nesting is too deep."""
    if depth > max_depth:
        yield "depth"
        return
    if isinstance(value, float) and not math.isfinite(value):
        yield key
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, depth + 1, max_depth, key if key else str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _non_finite(v, depth + 1, max_depth, key)


def _feature_label(feature: Any) -> str | None:
    """The feature's id, or its ``properties.id``, as text for messages."""
    if not isinstance(feature, dict):
        return None
    fid = feature.get("id")
    if fid is None and isinstance(feature.get("properties"), dict):
        fid = feature["properties"].get("id")
    if isinstance(fid, str | int | float) and not isinstance(fid, bool):
        return str(fid)[:80]
    return None


def _json_type(value: Any) -> str:
    """The JSON name of a Python value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _json_preview(value: Any, limit: int = 60) -> str:
    """A short JSON rendering of a value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shape_hint(kind: str) -> str:
    """How a geometry type's coordinates look."""
    return {
        "Point": "[lon, lat]",
        "MultiPoint": "[[lon, lat], ...]",
        "LineString": "[[lon, lat], [lon, lat], ...]",
        "MultiLineString": "[[[lon, lat], ...], ...]",
        "Polygon": "[[[lon, lat], ..., first position again]] (rings)",
        "MultiPolygon": "[[[[lon, lat], ...]], ...] (polygons of rings)",
    }[kind]
