"""Point labels that never overlap: candidate positions, short leader lines, a key for the rest.

All geometry is in points, with the origin at the lower-left corner of the map. Each label
tries positions around its marker, nearest first (right, left, the diagonals, above, below),
then the same directions a little further out with a leader line back to the marker. A
position is taken only when the label's box stays inside the frame and clear of every
marker, every obstacle (scale bar, north arrow, inset), every label already placed and every
leader line, and its own leader crosses no other leader, label or marker. Labels that find
no position try again with only their source numbers (``[19,20]``), and the name goes into
the key under the map; a label with no position even then is left off the map and listed
in the key with its coordinates.

Why not adjustText: it nudges labels iteratively to *reduce* overlaps and gives no
guarantee that none is left, nor that leader lines do not cross; a report figure needs
the guarantee, which a search over fixed candidate positions with exact checks gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from regionmap.textfit import text_width

Rect = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in points."""
Segment = tuple[float, float, float, float]

GAP = 1.5
"""Clearance between a label and anything else, in points."""
PAD = 0.8
"""Padding inside a label's white box, in points."""
LEADER_STEPS = (0.0, 5.0, 10.0, 16.0, 24.0)
"""How far beyond the marker a label may sit, in points; beyond 0 it gets a leader line."""
DIRECTIONS = (0, 180, 30, 150, -30, -150, 60, 120, -60, -120, 90, -90)
"""Candidate directions in degrees (0 = right), in order of preference."""
SHORT_STEPS = (0.0, 4.0, 8.0, 13.0, 19.0, 26.0, 34.0, 44.0)
"""Distances for number-only labels: they may go a little further out than full ones."""
SHORT_DIRECTIONS = tuple(range(0, 360, 15))
"""Every 15°, for number-only labels."""


@dataclass(frozen=True)
class LabelRequest:
    """A point to label: full text, short text (its numbers), position and marker radius."""

    text: str
    short: str
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class Placement:
    """Where a label went: its text, box, text anchor (left, centre-y) and leader line."""

    index: int
    text: str
    box: Rect
    leader: Segment | None
    short: bool

    @property
    def anchor(self) -> tuple[float, float]:
        """The left end of the text's baseline centre line, in points."""
        return self.box[0] + PAD, (self.box[1] + self.box[3]) / 2


@dataclass
class LabelLayout:
    """The placed labels and the requests whose names go into the key (by index)."""

    placed: list[Placement]
    keyed: list[int]
    unplaced: list[int]


def label_size(text: str, size: float) -> tuple[float, float]:
    """The width and height of a label's box in points."""
    return text_width(text, size) + 2 * PAD, size * 1.2 + 2 * PAD


def _box_at(req: LabelRequest, w: float, h: float, angle: float, dist: float) -> Rect:
    """The label box on the side ``angle`` of a marker, ``dist`` points beyond its edge."""
    reach = req.radius + GAP + dist
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    px, py = req.x + reach * c, req.y + reach * s
    x0 = px if c > 0.3 else px - w if c < -0.3 else px - w / 2
    y0 = py if s > 0.3 else py - h if s < -0.3 else py - h / 2
    return x0, y0, x0 + w, y0 + h


def _leader(req: LabelRequest, box: Rect) -> Segment:
    """A leader from the marker's edge to the nearest point of the label box."""
    nx = min(max(req.x, box[0]), box[2])
    ny = min(max(req.y, box[1]), box[3])
    length = math.hypot(nx - req.x, ny - req.y) or 1.0
    sx = req.x + (nx - req.x) * req.radius / length
    sy = req.y + (ny - req.y) * req.radius / length
    return sx, sy, nx, ny


def _hits(rects: np.ndarray, box: Rect, gap: float) -> bool:
    """True when ``box`` grown by ``gap`` overlaps any of ``rects`` (n x 4)."""
    if not len(rects):
        return False
    return bool(
        np.any(
            (rects[:, 0] < box[2] + gap)
            & (rects[:, 2] > box[0] - gap)
            & (rects[:, 1] < box[3] + gap)
            & (rects[:, 3] > box[1] - gap)
        )
    )


def _cross(a: Segment, b: Segment) -> bool:
    """True when two segments intersect (touching counts)."""

    def orient(px: float, py: float, qx: float, qy: float, rx: float, ry: float) -> float:
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    d1 = orient(b[0], b[1], b[2], b[3], a[0], a[1])
    d2 = orient(b[0], b[1], b[2], b[3], a[2], a[3])
    d3 = orient(a[0], a[1], a[2], a[3], b[0], b[1])
    d4 = orient(a[0], a[1], a[2], a[3], b[2], b[3])
    return d1 * d2 <= 0 and d3 * d4 <= 0


def segment_hits_rect(seg: Segment, rect: Rect) -> bool:
    """True when a segment passes through a rectangle (either end inside counts)."""
    x0, y0, x1, y1 = rect
    for x, y in ((seg[0], seg[1]), (seg[2], seg[3])):
        if x0 < x < x1 and y0 < y < y1:
            return True
    edges = ((x0, y0, x1, y0), (x1, y0, x1, y1), (x1, y1, x0, y1), (x0, y1, x0, y0))
    return any(_cross(seg, edge) for edge in edges)


class _Board:
    """What is already on the map: marker boxes, obstacles, label boxes and leader lines."""

    def __init__(self, requests: Sequence[LabelRequest], obstacles: Sequence[Rect]) -> None:
        self.markers = np.array(
            [(r.x - r.radius, r.y - r.radius, r.x + r.radius, r.y + r.radius) for r in requests],
            dtype=float,
        ).reshape(-1, 4)
        self.fixed = np.array(list(obstacles), dtype=float).reshape(-1, 4)
        self.cluster = _clusters(self.markers)
        self.boxes: list[Rect] = []
        self.leaders: list[Segment] = []

    def fits(self, index: int, box: Rect, leader: Segment | None, frame: Rect) -> bool:
        """True when a label box (and its leader) may be placed."""
        if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]:
            return False
        if _hits(self.markers, box, GAP) or _hits(self.fixed, box, GAP):
            return False
        if _hits(np.array(self.boxes, dtype=float).reshape(-1, 4), box, GAP):
            return False
        if any(segment_hits_rect(seg, _grow(box, GAP)) for seg in self.leaders):
            return False
        if leader is None:
            return True
        # A leader may pass over the markers of its own cluster: it cannot avoid them.
        others = [m for i, m in enumerate(self.markers) if self.cluster[i] != self.cluster[index]]
        blockers = [*self.boxes, *map(tuple, self.fixed), *map(tuple, others)]
        if any(segment_hits_rect(leader, _grow(rect, 0.5)) for rect in blockers):
            return False
        return not any(_cross(leader, seg) for seg in self.leaders)

    def add(self, box: Rect, leader: Segment | None) -> None:
        """Record a placed label."""
        self.boxes.append(box)
        if leader is not None:
            self.leaders.append(leader)


def _touching(rects: np.ndarray, rect: np.ndarray) -> np.ndarray:
    """Which of ``rects`` overlap ``rect`` or come within :data:`GAP` of it."""
    return (
        (rects[:, 0] < rect[2] + GAP)
        & (rects[:, 2] > rect[0] - GAP)
        & (rects[:, 1] < rect[3] + GAP)
        & (rects[:, 3] > rect[1] - GAP)
    )


def _clusters(rects: np.ndarray) -> list[int]:
    """A cluster id per marker: markers that touch, directly or through others, share one."""
    parent = list(range(len(rects)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, rect in enumerate(rects):
        for j in np.flatnonzero(_touching(rects, rect)):
            parent[root(int(j))] = root(i)
    return [root(i) for i in range(len(rects))]


def _grow(rect: Rect | np.ndarray, by: float) -> Rect:
    """A rectangle grown by ``by`` on every side."""
    return rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by


def _try(
    board: _Board,
    index: int,
    req: LabelRequest,
    text: str,
    size: float,
    frame: Rect,
    wide: bool = False,
) -> Placement | None:
    """The first candidate position that fits, or None (``wide``: the number-only search)."""
    w, h = label_size(text, size)
    for dist in SHORT_STEPS if wide else LEADER_STEPS:
        for angle in SHORT_DIRECTIONS if wide else DIRECTIONS:
            box = _box_at(req, w, h, angle, dist)
            leader = _leader(req, box) if dist else None
            if board.fits(index, box, leader, frame):
                board.add(box, leader)
                return Placement(index, text, box, leader, text != req.text)
    return None


def _crowding(requests: Sequence[LabelRequest], reach: float = 40.0) -> list[int]:
    """Request indices, most crowded first (more neighbours within ``reach`` points)."""
    xy = np.array([(r.x, r.y) for r in requests], dtype=float).reshape(-1, 2)
    near = [int(np.sum(np.hypot(*(xy - p).T) < reach)) for p in xy]
    return sorted(range(len(requests)), key=lambda i: (-near[i], -requests[i].y, requests[i].x))


def place_labels(
    requests: Sequence[LabelRequest],
    width: float,
    height: float,
    *,
    size: float,
    obstacles: Sequence[Rect] = (),
    margin: float = 1.5,
) -> LabelLayout:
    """Place point labels on a map of ``width`` x ``height`` points without any overlap.

    Parameters
    ----------
    requests : sequence of LabelRequest
        The points, their label texts and marker radii.
    width, height : float
        The map's size in points.
    size : float
        The label font size in points.
    obstacles : sequence of Rect
        Boxes labels must keep clear of (scale bar, north arrow, inset).
    margin : float
        The distance labels keep from the frame edge, in points.

    Returns
    -------
    LabelLayout
        Placements in request order; ``keyed`` lists the requests shown by their numbers
        only, ``unplaced`` those not shown at all (both go into the key).

    Examples
    --------
    >>> reqs = [LabelRequest("Tokyo [1]", "[1]", 50, 50, 2), LabelRequest("Yokohama [2]",
    ...     "[2]", 52, 48, 2)]
    >>> layout = place_labels(reqs, 200, 100, size=6)
    >>> [p.text for p in layout.placed], layout.keyed
    (['Tokyo [1]', 'Yokohama [2]'], [])
    """
    frame = (margin, margin, width - margin, height - margin)
    forced: set[int] = set()
    for _ in range(REPAIRS):
        layout = _place_once(requests, frame, size, obstacles, forced)
        if not layout.unplaced:
            break
        # Make room: the nearest point still labelled in full gets only its numbers instead.
        lost = requests[layout.unplaced[0]]
        full = [p.index for p in layout.placed if not p.short and p.index not in forced]
        if not full:
            break
        forced.add(
            min(full, key=lambda i: math.hypot(requests[i].x - lost.x, requests[i].y - lost.y))
        )
    return layout


REPAIRS = 25
"""How many labels :func:`place_labels` may shorten to make room for ones left without."""


def _place_once(
    requests: Sequence[LabelRequest],
    frame: Rect,
    size: float,
    obstacles: Sequence[Rect],
    forced: set[int],
) -> LabelLayout:
    """One greedy pass: full labels (except ``forced``), then number-only for the rest."""
    board = _Board(requests, obstacles)
    placed: dict[int, Placement] = {}
    order = _crowding(requests) if requests else []
    for index in order:
        if index in forced:
            continue
        found = _try(board, index, requests[index], requests[index].text, size, frame)
        if found:
            placed[index] = found
    keyed, unplaced = [], []
    for index in order:
        if index in placed:
            continue
        found = _try(board, index, requests[index], requests[index].short, size, frame, True)
        if found:
            placed[index] = found
            keyed.append(index)
        else:
            unplaced.append(index)
    return LabelLayout([placed[i] for i in sorted(placed)], sorted(keyed), sorted(unplaced))


def overlaps(layout: LabelLayout, requests: Sequence[LabelRequest]) -> list[str]:
    """Every overlap left in a layout, as text (empty when the layout is clean).

    The final check: label boxes against each other and against markers, and leader lines
    against each other.
    """
    found = []
    boxes = [p.box for p in layout.placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if _hits(np.array([b]), a, 0):
                found.append(f"labels {a} and {b} overlap")
        for r in requests:
            marker = (r.x - r.radius, r.y - r.radius, r.x + r.radius, r.y + r.radius)
            if _hits(np.array([marker]), a, 0):
                found.append(f"label {a} covers the marker at ({r.x:.1f}, {r.y:.1f})")
    leaders = [p.leader for p in layout.placed if p.leader]
    for i, a in enumerate(leaders):
        found += [f"leaders {a} and {b} cross" for b in leaders[i + 1 :] if _cross(a, b)]
    return found
