"""The structure of a GeoJSON document: the top level, the collection, features, properties.

:class:`Checker` walks a parsed document once, checks each object against RFC 7946 and
builds the normalised copy. Single members (bbox, crs, forbidden members, type names) are
checked by :mod:`regionmap.geojson.members`, geometries by :mod:`regionmap.geojson.geometry`,
and the file-wide warnings come from :mod:`regionmap.geojson.summary`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from regionmap.geojson import members
from regionmap.geojson.describe import feature_label, json_preview, json_type
from regionmap.geojson.geometry import Geometries
from regionmap.geojson.positions import Positions
from regionmap.geojson.report import Reporter
from regionmap.geojson.rules import (
    GEOMETRY_TYPES,
    Limits,
)
from regionmap.geojson.summary import Tally, summarise
from regionmap.problems import Severity


class Checker:
    """Walks a parsed document, checking each object and building the normalised copy."""

    def __init__(
        self,
        report: Reporter,
        *,
        fix: bool,
        limits: Limits,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.report = report
        self.fix = fix
        self.limits = limits
        self.progress = progress
        self.feature: int | None = None
        self.feature_id: str | None = None
        self.positions = Positions(self.add, lambda: self.feature)
        self.tally = Tally()
        self.geometries = Geometries(
            self.add,
            self.positions,
            self.tally,
            fix=fix,
            current=lambda: self.feature,
            ok_so_far=lambda: self.feature not in self.report.error_features,
        )

    @property
    def geometry_types(self) -> Counter[str]:
        """How many top-level geometries of each type were seen."""
        return self.geometries.types

    @property
    def vertices(self) -> int:
        """Vertices checked so far."""
        return self.positions.vertices

    def add(self, rule: str, message: str, fix: str = "", severity: Severity = "error") -> None:
        """Record a problem of the current feature."""
        self.report.add(rule, message, fix, severity, self.feature, self.feature_id)

    # -- document level ---------------------------------------------------------------

    def check_document(self, doc: Any) -> dict[str, Any] | None:
        """Check a whole document; return the normalised FeatureCollection."""
        if not isinstance(doc, dict):
            self.add(
                "top-level-type",
                f"holds a JSON {json_type(doc)} at the top level, not a GeoJSON object.",
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
        self.positions.transform = members.check_crs(self.add, doc)
        members.check_bbox(self.add, doc)
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
            members.unknown_type(self.add, kind, "the top level")
            return None
        if features is None:
            return None
        out = self._check_features(features)
        self.feature = self.feature_id = None
        summarise(
            self.report,
            self.tally,
            self.positions.clamped_count,
            self.positions.clamped_worst,
            self.positions.clamped_first,
        )
        return {"type": "FeatureCollection", "features": out}

    def _check_collection(self, doc: dict[str, Any]) -> list[Any] | None:
        members.forbidden(self.add, doc, "FeatureCollection")
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
                f'has "features" as a JSON {json_type(features)}; it must be an array.',
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
            self.feature_id = feature_label(feature)
            clean = self._check_feature(feature)
            features[index] = None  # free the raw feature: one copy of the data at a time
            if clean is not None:
                fid = clean.get("id")
                if fid is not None:
                    if fid in ids:
                        self.add(
                            "duplicate-id",
                            f"has the id {json_preview(fid)}, already used by feature {ids[fid]}.",
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
        return out

    def _check_feature(self, feature: Any) -> dict[str, Any] | None:
        if not isinstance(feature, dict):
            self.add(
                "member-type",
                f"is a JSON {json_type(feature)}, not a Feature object.",
                'Each entry of "features" must be {"type": "Feature", "geometry": ..., '
                '"properties": ...}.',
            )
            return None
        kind = feature.get("type")
        if kind != "Feature":
            if isinstance(kind, str) and kind.lower() == "feature":
                self.add(
                    "unknown-type",
                    f'has "type": {json_preview(kind)}; GeoJSON type names are case-sensitive.',
                    'Write "Feature".',
                )
            elif kind is None:
                self.add("member-missing", 'has no "type" member.', 'Add "type": "Feature".')
            else:
                members.unknown_type(self.add, kind, "a feature")
            return None
        members.forbidden(self.add, feature, "Feature")
        members.check_bbox(self.add, feature)
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
                f'has "properties" as a JSON {json_type(props)}; it must be an object or null.',
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
                    f'has an "id" that is a JSON {json_type(fid)}; it must be a string '
                    "or a number.",
                    'Use "id": "some-name" or a number, or remove it.',
                )
                ok = False
            else:
                clean["id"] = fid
        geometry = feature.get("geometry")
        if geometry is None:
            if "geometry" in feature:
                self.tally.note_null(self.feature)
            clean_geometry = None
        else:
            clean_geometry = self.geometries.check(geometry, top=True)
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
                    f"has properties nested more than {self.limits.max_depth} levels deep "
                    "(the cap set by --max-depth).",
                    "Flatten the properties, or raise --max-depth.",
                )
            else:
                self.add(
                    "property-value",
                    f"has a property {json_preview(bad)} that is NaN or Infinity.",
                    "Use null for missing numbers.",
                )

    # -- geometry ---------------------------------------------------------------------

    # -- members ----------------------------------------------------------------------


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
