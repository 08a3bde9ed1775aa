"""Map furniture of a figure: the scale bar's footprint, a north arrow and an inset locator.

Labels keep clear of all three (:mod:`regionmap.labels_place` takes their boxes as
obstacles), and the north arrow and inset go into a corner of the map that holds no marker,
so they never hide data. Boxes are in points from the map's lower-left corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from regionmap.catalog import Layer
from regionmap.labels_place import Rect
from regionmap.projection import Projection, lonlat_extent

INSET_SHARE = 0.24
"""The inset's width as a share of the map's width."""
ARROW_W, ARROW_H = 12.0, 26.0
"""The north arrow's box in points."""
CORNER_PAD = 4.0
"""Distance from the frame edge to the inset and arrow, in points."""
LAND = "#e6e1d6"
FRAME_BOX = "#c0392b"


@dataclass(frozen=True)
class Corner:
    """A box in a corner of the map, in points: ``rect`` is (x0, y0, x1, y1)."""

    name: str
    rect: Rect


def scalebar_box(projection: Projection, width_in: float, height_in: float) -> Rect:
    """The box the scale bar takes on a map of this size, measured by drawing it alone.

    matplotlib-scalebar sizes its box from the font and the bar length at draw time, so the
    box is measured on an empty axes of the same size rather than estimated.
    """
    from regionmap.mapplot import _frame_axes, draw_scalebar

    fig = Figure(figsize=(width_in, height_in), dpi=72)
    ax = fig.add_axes((0, 0, 1, 1))
    _frame_axes(ax, projection)
    bar = draw_scalebar(ax, projection)
    FigureCanvasAgg(fig).draw()
    extent = bar._info.window_extent  # set by ScaleBar.draw; in pixels, here 1 px = 1 pt
    return float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1)


def corner_box(name: str, w: float, h: float, width: float, height: float) -> Rect:
    """A ``w`` x ``h`` box in a named corner (``upper left`` ...) of the map."""
    x0 = CORNER_PAD if "left" in name else width - CORNER_PAD - w
    y0 = CORNER_PAD if "lower" in name else height - CORNER_PAD - h
    return x0, y0, x0 + w, y0 + h


def free_corner(
    w: float,
    h: float,
    width: float,
    height: float,
    points: np.ndarray,
    taken: Sequence[Rect],
    order: Sequence[str],
) -> Corner | None:
    """The first corner in ``order`` where a box holds no point and meets no taken box."""
    for name in order:
        rect = corner_box(name, w, h, width, height)
        grown = (rect[0] - 3, rect[1] - 3, rect[2] + 3, rect[3] + 3)
        inside = (
            (points[:, 0] > grown[0])
            & (points[:, 0] < grown[2])
            & (points[:, 1] > grown[1])
            & (points[:, 1] < grown[3])
        )
        clash = any(
            rect[0] < t[2] and t[0] < rect[2] and rect[1] < t[3] and t[1] < rect[3] for t in taken
        )
        if not inside.any() and not clash:
            return Corner(name, rect)
    return None


def north_angle(projection: Projection, x: float, y: float) -> float:
    """The direction of north at map point (x, y), in radians from the +x axis."""
    lon, lat = projection.inverse(np.array([x]), np.array([y]))
    lat1 = min(float(lat[0]) + 0.25, 89.9)
    x1, y1 = projection.forward(np.array([float(lon[0])]), np.array([lat1]))
    return float(np.arctan2(float(y1[0]) - y, float(x1[0]) - x))


def draw_north_arrow(ax: Any, projection: Projection, rect: Rect, scale: float) -> None:
    """Draw a north arrow with an "N" in ``rect`` (points), pointing to true north there."""
    x0, y0 = projection.frame[0], projection.frame[1]
    cx, cy = (rect[0] + rect[2]) / 2, rect[1] + 8
    mx, my = x0 + cx / scale, y0 + cy / scale
    angle = north_angle(projection, mx, my)
    length = 11.0
    tip = (mx + length * np.cos(angle) / scale, my + length * np.sin(angle) / scale)
    ax.annotate(
        "",
        xy=tip,
        xytext=(mx, my),
        arrowprops={
            "arrowstyle": "-|>,head_width=0.25,head_length=0.5",
            "lw": 0.8,
            "color": "#222222",
            "shrinkA": 0,
            "shrinkB": 0,
        },
        zorder=9,
        annotation_clip=False,
    )
    ax.text(
        x0 + cx / scale,
        y0 + (rect[3] - 1) / scale,
        "N",
        ha="center",
        va="top",
        fontsize=7,
        fontweight="bold",
        color="#222222",
        zorder=9,
        parse_math=False,
        usetex=False,
    )


def inset_window(projection: Projection) -> tuple[float, float, float, float] | None:
    """The lon/lat window of the locator: about three times the view, at least 40° wide.

    None for views that already show half the world or more (a locator adds nothing).
    """
    west, south, east, north = lonlat_extent(projection)
    span_x, span_y = east - west, north - south
    if span_x >= 150 or span_y >= 100:
        return None
    cx, cy = (west + east) / 2, (south + north) / 2
    half_x = max(span_x * 1.5, 20.0)
    half_y = max(span_y * 1.5, half_x * 0.55)
    w, e = max(cx - half_x, -180.0), min(cx + half_x, 180.0)
    s, n = max(cy - half_y, -85.0), min(cy + half_y, 85.0)
    return w, s, e, n


def frame_outline(projection: Projection, steps: int = 24) -> np.ndarray:
    """The frame's edge as longitude/latitude points (the box as the view sees it)."""
    x0, y0, x1, y1 = projection.frame
    t = np.linspace(0, 1, steps)
    xs = np.concatenate(
        [x0 + (x1 - x0) * t, np.full(steps, x1), x1 - (x1 - x0) * t, np.full(steps, x0)]
    )
    ys = np.concatenate(
        [np.full(steps, y0), y0 + (y1 - y0) * t, np.full(steps, y1), y1 - (y1 - y0) * t]
    )
    lons, lats = projection.inverse(xs, ys)
    return np.column_stack([lons, lats])


def inset_size(window: tuple[float, float, float, float], width: float) -> tuple[float, float]:
    """The inset's width and height in points for a map ``width`` points wide."""
    w = width * INSET_SHARE
    return w, w * (window[3] - window[1]) / (window[2] - window[0])


def draw_inset(
    ax: Any,
    basemap: Layer,
    projection: Projection,
    window: tuple[float, float, float, float],
    rect: Rect,
    size: tuple[float, float],
) -> None:
    """Draw the locator in ``rect`` (points from the map's corner): land and the frame's box."""
    from regionmap.mapplot import polygon_path

    width_pt, height_pt = size
    inset = ax.inset_axes(
        (
            rect[0] / width_pt,
            rect[1] / height_pt,
            (rect[2] - rect[0]) / width_pt,
            (rect[3] - rect[1]) / height_pt,
        ),
        zorder=9,
    )
    geoms = np.asarray(basemap.frame.geometry.to_numpy(), dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    clipped = shapely.clip_by_rect(geoms, *window)
    path = polygon_path(clipped[~shapely.is_empty(clipped)])
    if path is not None:
        inset.add_patch(PathPatch(path, facecolor=LAND, edgecolor="#8c8c8c", linewidth=0.2))
    outline = frame_outline(projection)
    inset.plot(outline[:, 0], outline[:, 1], color=FRAME_BOX, lw=0.9)
    inset.set_xlim(window[0], window[2])
    inset.set_ylim(window[1], window[3])
    inset.set_aspect("auto")
    inset.set_facecolor("#c9dcea")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_gid("rm-inset")
    for spine in inset.spines.values():
        spine.set_linewidth(0.5)
        spine.set_color("#555555")
