"""Draw the map panel of a figure on a matplotlib Axes: basemap, graticule, layers, labels.

Layers are drawn with their ``style`` (colour, fill, opacity, marker); ``style.radius`` and
``style.weight`` are CSS pixels on the interactive map and become points here. Basemap
layers cover the whole frame; data layers show the features given (those in the view).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.colors
import numpy as np
import shapely
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry import shape

from regionmap.catalog import Layer
from regionmap.citations import Bibliography
from regionmap.labels_place import LabelLayout, LabelRequest, Rect, place_labels
from regionmap.projection import (
    Projection,
    clip_boxes,
    fmt_lat,
    fmt_lon,
    graticule_lines,
    lonlat_extent,
    project_geometries,
)
from regionmap.textfit import font_family, plain

Features = list[dict[str, Any]]

SEA = "#c9dcea"
"""The sea colour, as on the interactive map (``regionmap.render.SEA_COLOUR``)."""
GRATICULE = "#9fb0c0"
INK = "#222222"
MUTED = "#555555"
MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}
PX_TO_PT = 0.75
"""A CSS pixel in points."""
MARKER_SCALE = 0.8
"""Marker diameter in points per CSS pixel of ``style.radius``: a 6 px radius is 4.8 pt."""
LABEL_LIMIT = 40
"""Points are labelled by default when the frame holds at most this many."""
LABEL_PT = 5.5
SMALL_PT = 6.0


@dataclass
class MapLegend:
    """Legend handles and labels of the layers drawn, in display order."""

    handles: list[Any] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    """Points labelled by their numbers only: ``[19,20] Camp Walker``."""
    unplaced: list[str] = field(default_factory=list)
    """Points without any label (no room even for the numbers), with their coordinates."""


def basemap_geometries(layer: Layer, projection: Projection) -> np.ndarray:
    """A basemap layer's geometries over the whole frame, projected."""
    geoms = np.asarray(layer.frame.geometry.to_numpy(), dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    parts = [shapely.clip_by_rect(geoms, *box) for box in clip_boxes(lonlat_extent(projection))]
    clipped = np.concatenate(parts) if parts else geoms[:0]
    return project_geometries(clipped[~shapely.is_empty(clipped)], projection)


def feature_geometries(features: Features) -> np.ndarray:
    """The shapely geometries of GeoJSON features."""
    return np.array([shape(f["geometry"]) for f in features], dtype=object)


def is_point_layer(features: Features) -> bool:
    """True when every feature is a Point or MultiPoint."""
    return bool(features) and all(
        f["geometry"]["type"] in ("Point", "MultiPoint") for f in features
    )


def _parts(geoms: Iterable[Any]) -> np.ndarray:
    """Single-part geometries of (multi-part or collection) geometries."""
    return shapely.get_parts(shapely.get_parts(np.asarray(list(geoms), dtype=object)))


def polygon_path(geoms: Iterable[Any]) -> MplPath | None:
    """One compound path of every polygon ring (exteriors counter-clockwise, holes clockwise)."""
    parts = _parts(geoms)
    polys = shapely.orient_polygons(parts[shapely.get_type_id(parts) == 3])
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = shapely.get_coordinates(ring)
            if len(xy) < 4:
                continue
            code = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            code[0], code[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(code)
    return MplPath(np.concatenate(verts), np.concatenate(codes)) if verts else None


def line_segments(geoms: Iterable[Any]) -> list[np.ndarray]:
    """The coordinates of every LineString/LinearRing part (polygon outlines excluded)."""
    parts = _parts(geoms)
    return [shapely.get_coordinates(g) for g in parts[np.isin(shapely.get_type_id(parts), (1, 2))]]


def point_coords(features: Features, projection: Projection) -> np.ndarray:
    """Projected (x, y) of point features (a MultiPoint by its first point), shape (n, 2)."""
    xy = []
    for feature in features:
        geom = feature["geometry"]
        xy.append((geom["coordinates"] if geom["type"] == "Point" else geom["coordinates"][0])[:2])
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    return np.column_stack(projection.forward(arr[:, 0], arr[:, 1])) if len(arr) else arr


def style_colors(layer: Layer) -> tuple[str, tuple[float, float, float, float], float]:
    """A layer's edge colour, fill colour (with its opacity) and line width in points."""
    style = layer.meta.style  # type: ignore[union-attr]
    fill = matplotlib.colors.to_rgba(style.fill_color or style.color, style.fill_opacity)
    return style.color, fill, style.weight * PX_TO_PT


def draw_shapes(ax: Any, layer: Layer, geoms: np.ndarray, zorder: float) -> Any:
    """Draw polygons and lines in a layer's style; return a legend handle (None if nothing)."""
    edge, fill, width = style_colors(layer)
    handle = None
    path = polygon_path(geoms)
    if path is not None:
        ax.add_patch(
            PathPatch(path, facecolor=fill, edgecolor=edge, linewidth=width, zorder=zorder)
        )
        handle = Rectangle((0, 0), 1, 1, facecolor=fill, edgecolor=edge, linewidth=width)
    segments = line_segments(geoms)
    if segments:
        ax.add_collection(LineCollection(segments, colors=edge, linewidths=width, zorder=zorder))
        handle = handle or Line2D([], [], color=edge, linewidth=max(width, 1.0))
    return handle


def marker_size(layer: Layer) -> float:
    """A point layer's marker diameter in points."""
    return layer.meta.style.radius * MARKER_SCALE  # type: ignore[union-attr]


def draw_points(ax: Any, layer: Layer, xy: np.ndarray, zorder: float) -> Any:
    """Draw a point layer with its marker and colours; return its legend handle."""
    edge, fill, width = style_colors(layer)
    marker = MARKERS[layer.meta.style.marker]  # type: ignore[union-attr]
    size = marker_size(layer) * (0.8 if marker == "D" else 1.0)
    edge_width = min(width, 1.0) * 0.8
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=size**2,
        marker=marker,
        facecolors=[fill],
        edgecolors=[edge],
        linewidths=edge_width,
        zorder=zorder,
    )
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor=fill,
        markeredgecolor=edge,
        markeredgewidth=edge_width,
    )


def number_ranges(numbers: Sequence[int]) -> str:
    """Citation numbers with runs of three or more shortened.

    Examples
    --------
    >>> number_ranges([3, 4]), number_ranges([1, 2, 3, 7, 9, 10, 11, 12])
    ('3,4', '1–3,7,9–12')
    """
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{run[0]}–{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)) for run in runs]
    return ",".join(parts)


def label_text(layer: Layer, feature: dict[str, Any], bib: Bibliography) -> str:
    """A point's label: its name and citation numbers, e.g. ``Kadena Air Base [3,4]``."""
    props = feature.get("properties") or {}
    name = plain(props.get("name") or props.get("id") or feature.get("id") or "")
    numbers = bib.numbers(layer.id, feature)
    return f"{name} [{number_ranges(numbers)}]" if numbers else name


def label_key(layer: Layer, feature: dict[str, Any], bib: Bibliography) -> tuple[str, str]:
    """A point's short label (its citation numbers) and its key entry, e.g. ``[3,4] Kadena``."""
    props = feature.get("properties") or {}
    name = plain(props.get("name") or props.get("id") or feature.get("id") or "")
    numbers = bib.numbers(layer.id, feature)
    short = f"[{number_ranges(numbers)}]" if numbers else "*"
    return short, f"{short} {name}".strip()


def draw_labels(ax: Any, layout: LabelLayout, projection: Projection) -> None:
    """Draw placed labels: white box, text and leader line, from points to map units."""
    x0, y0 = projection.frame[0], projection.frame[1]
    scale = _scale(ax, projection)

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + x / scale, y0 + y / scale

    for placed in layout.placed:
        bx0, by0 = at(placed.box[0], placed.box[1])
        bx1, by1 = at(placed.box[2], placed.box[3])
        ax.add_patch(
            Rectangle(
                (bx0, by0), bx1 - bx0, by1 - by0, facecolor="white", alpha=0.78, lw=0, zorder=7
            )
        )
        ax.text(
            *at(*placed.anchor),
            placed.text,
            ha="left",
            va="center",
            fontsize=LABEL_PT,
            color=INK,
            zorder=8,
            parse_math=False,
            usetex=False,
            gid="rm-label",
        )
        if placed.leader:
            sx, sy = at(placed.leader[0], placed.leader[1])
            ex, ey = at(placed.leader[2], placed.leader[3])
            ax.plot(
                [sx, ex],
                [sy, ey],
                color=MUTED,
                lw=0.35,
                zorder=6.5,
                solid_capstyle="butt",
                gid="rm-leader",
            )


def _scale(ax: Any, projection: Projection) -> float:
    """Points per map unit of an axes drawn at the frame's aspect ratio."""
    width_in = ax.get_position().width * ax.get_figure().get_figwidth()
    return width_in * 72 / (projection.frame[2] - projection.frame[0])


def draw_graticule(ax: Any, projection: Projection) -> None:
    """Draw meridians and parallels, labelled where they meet the bottom and left edges."""
    x0, y0, x1, y1 = projection.frame
    bottom = shapely.LineString([(x0, y0), (x1, y0)])
    left = shapely.LineString([(x0, y0), (x0, y1)])
    segments, ticks = [], []
    for kind, value, lons, lats in graticule_lines(lonlat_extent(projection)):
        xs, ys = projection.forward(lons, lats)
        ok = np.isfinite(xs) & np.isfinite(ys)
        line = np.column_stack([xs[ok], ys[ok]])
        if len(line) < 2:
            continue
        segments.append(line)
        edge = bottom if kind == "lon" else left
        hits = shapely.get_coordinates(shapely.LineString(line).intersection(edge))
        text = fmt_lon(value) if kind == "lon" else fmt_lat(value)
        ticks += [(kind, float(x), float(y), text) for x, y in hits[:1]]
    ax.add_collection(LineCollection(segments, colors=GRATICULE, linewidths=0.35, zorder=2))
    for kind, x, y, text in ticks:
        ax.annotate(
            text,
            (x, y),
            xytext=(0, -3) if kind == "lon" else (-3, 0),
            textcoords="offset points",
            ha="center" if kind == "lon" else "right",
            va="top" if kind == "lon" else "center",
            fontsize=SMALL_PT - 0.5,
            color=MUTED,
            annotation_clip=False,
            parse_math=False,
        )


def nice_length(metres: float) -> tuple[float, str]:
    """A round scale-bar length no longer than ``metres``: 1, 2 or 5 times a power of ten.

    Examples
    --------
    >>> nice_length(1_234_000), nice_length(740)
    ((1000, 'km'), (500, 'm'))
    """
    exponent = math.floor(math.log10(max(metres, 1.0)))
    base = 10**exponent
    value = max(step * base for step in (1, 2, 5) if step * base <= max(metres, 1.0))
    return (value // 1000, "km") if value >= 1000 else (value, "m")


def draw_scalebar(ax: Any, projection: Projection) -> Any:
    """Add a scale bar in km (or m), true at the view's centre or along its middle latitude."""
    from matplotlib_scalebar.scalebar import ScaleBar

    x0, _, x1, _ = projection.frame
    value, units = nice_length((x1 - x0) * projection.scale_dx * 0.22)
    return ax.add_artist(
        ScaleBar(
            projection.scale_dx,
            units="m",
            fixed_value=value,
            fixed_units=units,
            location="lower right",
            box_alpha=0.75,
            border_pad=0.6,
            font_properties={"size": SMALL_PT, "family": list(font_family())},
            rotation="horizontal-only",
            color=INK,
        )
    )


def _frame_axes(ax: Any, projection: Projection) -> None:
    """Set the axes to the frame: equal aspect, sea colour, no ticks, a thin border."""
    x0, y0, x1, y1 = projection.frame
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color(MUTED)


def draw_map(
    ax: Any,
    shown: list[tuple[Layer, Features]],
    bib: Bibliography,
    projection: Projection,
    *,
    basemaps: set[str],
    labels: bool | None,
    width_pt: float,
    obstacles: Sequence[Rect] = (),
) -> MapLegend:
    """Draw the map of a view on ``ax``; return the legend of the layers drawn.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        An axes with the frame's aspect ratio.
    shown : list of (Layer, features)
        Layers in display order, each with its features in the view.
    bib : Bibliography
        Citation numbers for the labels.
    projection : Projection
        The map projection and frame.
    basemaps : set of str
        Ids of the layers drawn over the whole frame, under everything else.
    labels : bool or None
        Label points; ``None`` labels them when there are at most :data:`LABEL_LIMIT`.
    width_pt : float
        The width of the axes in points (for label placement).
    obstacles : sequence of Rect
        Boxes on the map (in points from its lower-left corner) that labels keep clear of:
        the scale bar, north arrow and inset.

    Returns
    -------
    MapLegend
        Legend handles and labels, and the key of points labelled by number only.
    """
    _frame_axes(ax, projection)
    handles: dict[str, Any] = {}
    points = [(ly, feats) for ly, feats in shown if is_point_layer(feats) and ly.id not in basemaps]
    for index, (layer, feats) in enumerate(reversed(shown)):
        if layer.id in basemaps:
            handles[layer.id] = draw_shapes(ax, layer, basemap_geometries(layer, projection), 1)
        elif feats and not is_point_layer(feats):
            geoms = project_geometries(feature_geometries(feats), projection)
            handles[layer.id] = draw_shapes(ax, layer, geoms, 3 + index / 100)
    draw_graticule(ax, projection)
    requests: list[LabelRequest] = []
    keys: list[str] = []
    scale = width_pt / (projection.frame[2] - projection.frame[0])
    for index, (layer, feats) in enumerate(reversed(points)):
        xy = point_coords(feats, projection)
        handles[layer.id] = draw_points(ax, layer, xy, 5 + index / 100)
        radius = marker_size(layer) / 2
        for feature, (x, y) in zip(feats, xy, strict=True):
            short, key = label_key(layer, feature, bib)
            x_pt, y_pt = (x - projection.frame[0]) * scale, (y - projection.frame[1]) * scale
            text = label_text(layer, feature, bib)
            requests.append(LabelRequest(text, short, x_pt, y_pt, radius))
            keys.append(key)
    if labels is None:
        labels = len(requests) <= LABEL_LIMIT
    draw_scalebar(ax, projection)
    legend = MapLegend()
    if labels and requests:
        layout = place_labels(
            requests,
            width_pt,
            (projection.frame[3] - projection.frame[1]) * scale,
            size=LABEL_PT,
            obstacles=obstacles,
        )
        draw_labels(ax, layout, projection)
        legend.key = [keys[i] for i in layout.keyed]
        legend.unplaced = [
            f"{keys[i]} ({fmt_lon(lon)}, {fmt_lat(lat)})"
            for i in layout.unplaced
            for lon, lat in [_lonlat(requests[i], projection, scale)]
        ]
    for layer, feats in shown:
        if handles.get(layer.id) is not None and layer.meta is not None:
            legend.handles.append(handles[layer.id])
            count = "" if layer.id in basemaps else f" ({len(feats)})"
            legend.labels.append(plain(layer.meta.title) + count)
    return legend


def _lonlat(req: LabelRequest, projection: Projection, scale: float) -> tuple[float, float]:
    """The longitude and latitude of a label request's point."""
    x = projection.frame[0] + req.x / scale
    y = projection.frame[1] + req.y / scale
    lon, lat = projection.inverse(np.array([x]), np.array([y]))
    return float(lon[0]), float(lat[0])
