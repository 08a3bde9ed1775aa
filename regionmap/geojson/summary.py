"""One warning per kind of silent fix, for the whole file, instead of one per feature.

A Natural Earth file clamps hundreds of positions and rewinds thousands of rings; a file with
a million features without a place would otherwise give a million warnings. The checker only
counts these, and :func:`summarise` turns the tallies into one warning each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regionmap.geojson.report import Reporter
from regionmap.geojson.rules import RANGE_TOLERANCE


@dataclass
class Tally:
    """Features that were fixed or tolerated silently, by kind (first index kept)."""

    rewound: list[int | None] = field(default_factory=list)
    split_polygons: list[int | None] = field(default_factory=list)
    split_lines: list[int | None] = field(default_factory=list)
    null_geometry: int = 0
    null_first: int | None = None

    def note_null(self, feature: int | None) -> None:
        """Count a feature with a null geometry."""
        if not self.null_geometry:
            self.null_first = feature
        self.null_geometry += 1


def summarise(
    report: Reporter,
    tally: Tally,
    clamped_count: int,
    clamped_worst: float,
    clamped_first: int | None,
) -> None:
    """Add one warning per kind of fix to the report (file-level: no feature named)."""
    if clamped_count:
        report.add(
            "coordinate-clamped",
            f"has {clamped_count} position(s) slightly beyond ±180/±90 (furthest "
            f"{clamped_worst!r}, first in feature {clamped_first}); clamped to the limit. "
            f"Up to {RANGE_TOLERANCE}° is treated as rounding noise.",
            "Nothing to do; re-export the data with the limits respected to avoid this.",
            "warning",
        )
    if tally.rewound:
        report.add(
            "winding",
            f"has polygons in {len(set(tally.rewound))} feature(s) (first: feature "
            f"{tally.rewound[0]}) whose rings run against the RFC 7946 right-hand rule; "
            "they were rewound (exterior counter-clockwise, holes clockwise).",
            "Nothing to do; RFC 7946 asks parsers not to reject such files.",
            "warning",
        )
    if tally.split_polygons:
        report.add(
            "antimeridian",
            f"has polygons in {len(tally.split_polygons)} feature(s) (first: feature "
            f"{tally.split_polygons[0]}) that cross the antimeridian; they were split at ±180°.",
            "Nothing to do; check the result on the map.",
            "warning",
        )
    if tally.split_lines:
        report.add(
            "antimeridian",
            f"has lines in {len(tally.split_lines)} feature(s) (first: feature "
            f"{tally.split_lines[0]}) that cross the antimeridian; they were split at ±180° "
            "so that they are not drawn the long way round the world.",
            "Nothing to do; check the result on the map.",
            "warning",
        )
    if tally.null_geometry:
        report.add(
            "null-geometry",
            f"has {tally.null_geometry:,} feature(s) with a null geometry (first: feature "
            f"{tally.null_first}); they are kept but cannot be drawn on the map.",
            "Add a geometry to the features that have a place.",
            "warning",
        )
