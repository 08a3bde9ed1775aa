"""Positions: the numpy fast path for clean data, and the explaining path for the rest.

A list of positions is first tried as one float array (:meth:`Positions.fast`): clean data,
which is nearly all data, is checked, reprojected, clamped and rounded without a Python loop.
Anything the fast path does not like (ragged lists, text, booleans, NaN, a real range error)
goes to :meth:`Positions.explain`, which walks the positions one by one and says exactly what
is wrong with which one. The two never mix: the fast path reports nothing but the
clamping tally, and the explaining path is the only one that writes messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from regionmap.geojson.describe import json_preview, shape_hint
from regionmap.geojson.rules import DECIMALS, PROJECTED_THRESHOLD, RANGE_TOLERANCE

Add = Callable[..., None]
Transform = Callable[[Any, Any], tuple[Any, Any]]


class Positions:
    """Checks and normalises positions, keeping the tallies the summary reports.

    Parameters
    ----------
    add : callable
        ``add(rule, message, fix, severity="error")``: records a problem for the current
        feature.
    current : callable
        Returns the index of the feature being checked (for the clamping summary).
    """

    def __init__(self, add: Add, current: Callable[[], int | None]) -> None:
        self.add = add
        self.current = current
        self.transform: Transform | None = None
        self.may_have_bools = True
        self.vertices = 0
        self.clamped_count = 0
        self.clamped_worst = 0.0
        self.clamped_first: int | None = None

    def many(self, value: list[Any], kind: str) -> np.ndarray | None:
        """A list of positions as an array: vectorised when clean, explained otherwise."""
        fast = self.fast(value)
        return fast if fast is not None else self.explain(value, kind)

    # -- the fast path ------------------------------------------------------------------

    def fast(self, value: list[Any]) -> np.ndarray | None:
        """The vectorised path for clean data; None sends the list down the explaining path."""
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError, OverflowError):  # ragged or odd: explain it
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
        if not np.isfinite(excess).all() or excess.max() > RANGE_TOLERANCE:
            return None  # the explaining path reports it, with the original position
        over = excess > 0
        if over.any():
            worst = float(np.max(np.abs(arr[over, :2]).max(axis=1)))
            self._note_clamped(int(over.sum()), worst)
            np.clip(arr[:, 0], -180.0, 180.0, out=arr[:, 0])
            np.clip(arr[:, 1], -90.0, 90.0, out=arr[:, 1])
        arr[:, :2] = np.round(arr[:, :2], DECIMALS)
        self.vertices += len(arr)
        return arr

    # -- the explaining path ------------------------------------------------------------

    def explain(self, value: list[Any], kind: str) -> np.ndarray | None:
        """Check positions one by one, reporting the first that is wrong."""
        out = []
        for item in value:
            position = self.one(item, kind)
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

    def one(self, value: Any, kind: str) -> list[float] | None:
        """Check one position; return it transformed, clamped and rounded."""
        if not isinstance(value, list):
            self.add(
                "coordinates-shape",
                f"has {kind} coordinates nested wrongly: found {json_preview(value)} where a "
                "position [longitude, latitude] belongs.",
                f"Give {kind} coordinates as {shape_hint(kind)}.",
            )
            return None
        if len(value) < 2:
            self.add(
                "position",
                f"has a position with {len(value)} number(s): {json_preview(value)}.",
                "A position is [longitude, latitude] (optionally with an elevation).",
            )
            return None
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            self.add(
                "position",
                f"has a position with a value that is not a number: {json_preview(value)}.",
                "Write coordinates as JSON numbers without quotes: [139.767, 35.681].",
            )
            return None
        if not all(math.isfinite(v) for v in value):
            self.add(
                "coordinate-not-finite",
                f"has a position with NaN or Infinity: {json_preview(value)}.",
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
            if not (math.isfinite(x) and math.isfinite(y)):
                self.add(
                    "coordinate-range",
                    f"has a position {json_preview(value)} that the declared CRS cannot "
                    "turn into longitude/latitude.",
                    "Check the CRS the file declares, or reproject it to WGS 84 yourself.",
                )
                return None
        x, y = self._in_range(x, y, value)
        return [round(x, DECIMALS), round(y, DECIMALS), *value[2:]]

    def _in_range(self, x: float, y: float, original: list[Any]) -> tuple[float, float]:
        """Clamp tiny excursions with a tally; report real ones (the feature then fails)."""
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
                f"{json_preview(original)}, not longitude/latitude degrees.",
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
                f"has {axis} {value} outside ±{limit} (position {json_preview(original)}).",
                f"Correct the position; {axis}s run from -{limit} to {limit}.",
            )
        return x, y

    def _note_clamped(self, count: int, worst: float) -> None:
        """Remember positions clamped to the valid range, for one summary warning."""
        if not self.clamped_count:
            self.clamped_first = self.current()
        self.clamped_count += count
        self.clamped_worst = max(self.clamped_worst, worst)
