"""The structure of a GeoJSON document: collection, features, properties and geometries.

:class:`Checker` walks a parsed document once, checks each object against RFC 7946 and
builds the normalised copy. Positions are handed to :mod:`regionmap.geojson.positions`,
polygon and line fixes to :mod:`regionmap.geojson.repair`, and the file-wide warnings to
:mod:`regionmap.geojson.summary`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from regionmap.geojson import crs as crs_names
from regionmap.geojson import repair
from regionmap.geojson.describe import feature_label, json_preview, json_type, shape_hint
from regionmap.geojson.positions import Positions
from regionmap.geojson.report import Reporter
from regionmap.geojson.rules import (
    COORDINATE_DEPTH,
    FORBIDDEN_MEMBERS,
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
        self.geometry_types: Counter[str] = Counter()
        self.feature: int | None = None
        self.feature_id: str | None = None
        self.positions = Positions(self.add, lambda: self.feature)
        self.tally = Tally()

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

    def _check_geometry(self, geometry: Any, *, top: bool = False) -> dict[str, Any] | None:
        if not isinstance(geometry, dict):
            self.add(
                "member-type",
                f"has a geometry that is a JSON {json_type(geometry)}, not an object.",
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
        if not isinstance(coords, list):
            self.add(
                "coordinates-shape",
                f'has {kind} "coordinates" as a JSON {json_type(coords)}; it must be an array.',
                f"Give {kind} coordinates as {shape_hint(kind)}.",
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
        clean = self._coords(coords, COORDINATE_DEPTH[kind], kind)
        if clean is None:
            return None
        return self._check_shape(kind, clean)

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
            return self.positions.one(value, kind)
        if not isinstance(value, list) or (value and not isinstance(value[0], list)):
            self.add(
                "coordinates-shape",
                f"has {kind} coordinates nested wrongly: found {json_preview(value)} where "
                f"{'an array of positions' if depth == 2 else 'arrays of positions'} belong.",
                f"Give {kind} coordinates as {shape_hint(kind)}.",
            )
            return None
        if depth == 2:
            return self.positions.many(value, kind)
        out = []
        for item in value:
            clean = self._coords(item, depth - 1, kind)
            if clean is None:
                return None
            out.append(clean)
        return out

    def _check_shape(self, kind: str, geometry: Any) -> dict[str, Any] | None:
        """Check counts and rings, fix winding and the antimeridian, check validity."""
        if kind in ("LineString", "MultiLineString"):
            return self._check_lines(kind, geometry)
        if kind not in ("Polygon", "MultiPolygon"):
            return {"type": kind, "coordinates": repair.to_lists(geometry)}
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
                        f"{json_preview(ring[0].tolist())} and ends at "
                        f"{json_preview(ring[-1].tolist())}.",
                        "Repeat the first position of the ring at its end.",
                    )
                    return None
        if not self.report_ok_so_far():
            return None
        if any([repair.rewind(rings) for rings in polygons]):  # a list: rewind every part
            self.tally.rewound.append(self.feature)
        if any(repair.crosses_antimeridian(rings[0]) for rings in polygons):
            self.tally.split_polygons.append(self.feature)
            geometry_dict = {"type": kind, "coordinates": repair.to_lists(geometry)}
            return self._check_validity(repair.split_antimeridian(geometry_dict))
        shp = shapely.MultiPolygon([repair.polygon(rings) for rings in polygons])
        if kind == "Polygon":
            shp = shp.geoms[0]
        if shapely.is_valid(shp):
            return {"type": kind, "coordinates": repair.to_lists(geometry)}
        return self._check_validity({"type": kind, "coordinates": repair.to_lists(geometry)}, shp)

    def _check_lines(self, kind: str, geometry: Any) -> dict[str, Any] | None:
        """Check that every line has two positions; split lines that cross ±180°."""
        lines = [geometry] if kind == "LineString" else geometry
        for line in lines:
            if len(line) < 2:
                self.add(
                    "too-few-positions",
                    f"has a {kind} with {len(line)} position(s); a line needs at least two.",
                    "Add positions or remove the line.",
                )
                return None
        clean = {"type": kind, "coordinates": repair.to_lists(geometry)}
        if self.report_ok_so_far() and any(repair.crosses_antimeridian(ln) for ln in lines):
            self.tally.split_lines.append(self.feature)
            return repair.split_antimeridian(clean)
        return clean

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
        fixed = repair.make_valid_polygonal(shp)
        if fixed is None:
            self.add(
                "polygon-invalid",
                f"has an invalid polygon ({reason}) that has no area once repaired.",
                "Remove the feature or redraw it.",
            )
            return None
        self.add(
            "polygon-repaired",
            f"had an invalid polygon ({reason}); repaired with make_valid: area "
            f"{shp.area:.6g} → {fixed.area:.6g} square degrees, "
            f"{shapely.get_num_coordinates(shp)} → {shapely.get_num_coordinates(fixed)} "
            "vertices.",
            "Check the repaired shape on the map.",
            "warning",
        )
        return repair.round_mapping(mapping(fixed))

    # -- members ----------------------------------------------------------------------

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
                f'has a "bbox" that is not 4 or 6 numbers: {json_preview(bbox)}.',
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
                f'has a "crs" member that names no CRS: {json_preview(crs)}.',
                'Remove "crs" (RFC 7946 GeoJSON is always WGS 84 longitude/latitude), or write '
                '{"type": "name", "properties": {"name": "EPSG:xxxx"}}.',
            )
            return
        if crs_names.is_wgs84(name):
            self.add(
                "crs-obsolete",
                f'has an obsolete "crs" member ({json_preview(name)}); it means WGS 84, which '
                "RFC 7946 assumes, so it was dropped.",
                'Remove the "crs" member.',
                "warning",
            )
            return
        transform = crs_names.transformer(name)
        if transform is None:
            self.add(
                "crs",
                f"declares the CRS {json_preview(name)}, which regionmap does not know.",
                "Reproject to WGS 84 (e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`) "
                'and remove the "crs" member.',
            )
            return
        self.positions.transform = transform
        self.add(
            "crs-reprojected",
            f"declares the CRS {json_preview(name)}; its coordinates were reprojected to WGS 84.",
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
        self.add("unknown-type", f"has an unknown type {json_preview(kind)} at {where}.", fix)


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
