"""Layer styles a reader can tell apart: a colour-blind-safe palette, shapes, ΔE checks, swatches.

The shipped layers use colours from Okabe & Ito's colour-blind-safe palette ("Color Universal
Design", 2008) with one marker shape each. A layer that does not set its own ``style`` gets one
from :func:`auto_style`: a colour at least :data:`MIN_DELTA_E` (CIEDE2000) from every colour
already in use, chosen deterministically from the layer id, and a shape from the id too, so the
same catalog always gives the same look.

Marker shapes are drawn as inline SVG (:func:`marker_svg`): the same markup is the map's marker
icon, the legend swatch and the app's sidebar swatch (:func:`swatch_data_uri`). Colours are
checked hex strings (``#rrggbb``), so no layer text ever enters the SVG.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from regionmap.schema import Style

if TYPE_CHECKING:
    from regionmap.catalog import Catalog, Layer
    from regionmap.schema import LayerMeta

__all__ = [
    "MARKERS",
    "MIN_DELTA_E",
    "OKABE_ITO",
    "auto_style",
    "catalog_styles",
    "delta_e",
    "hex_to_lab",
    "layer_styles",
    "layer_swatch",
    "marker_svg",
    "swatch_data_uri",
]

#: Okabe & Ito's eight colours, minus black (kept for outlines) and yellow (too light on the
#: beige land for a small marker).
OKABE_ITO: tuple[str, ...] = (
    "#d55e00",  # vermillion
    "#0072b2",  # blue
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
)
#: Further candidates for user layers, tried after the palette (Paul Tol's "muted" scheme).
TOL_MUTED: tuple[str, ...] = (
    "#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255",
    "#aa4499",
)  # fmt: skip
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond")
#: Smallest CIEDE2000 difference between the colours of two layers on one map.
MIN_DELTA_E = 20.0
#: Colours of the default basemap (land and sea) that a marker colour must also stand out from.
BACKGROUND: tuple[str, ...] = ("#f2efe9", "#c9dcea")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def hex_to_lab(colour: str) -> tuple[float, float, float]:
    """Convert an sRGB ``#rrggbb`` colour to CIELAB (D65 white).

    Examples
    --------
    >>> [abs(round(v, 1)) for v in hex_to_lab("#ffffff")]
    [100.0, 0.0, 0.0]
    """
    if not _HEX.match(colour):
        raise ValueError(f"{colour!r} is not a #rrggbb colour")

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1).

    Follows the formulation in Sharma, Wu & Dalal, "The CIEDE2000 color-difference formula:
    implementation notes", Color Research & Application 30 (2005).

    Examples
    --------
    >>> round(ciede2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)), 4)
    2.0425
    """
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    sc = 1 + 0.045 * cp_mean
    sh = 1 + 0.015 * cp_mean * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt(
        (dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh)
    )


def delta_e(colour1: str, colour2: str) -> float:
    """CIEDE2000 difference between two ``#rrggbb`` colours.

    Examples
    --------
    >>> delta_e("#d55e00", "#d55e00")
    0.0
    >>> delta_e("#3366cc", "#2166ac") < 20  # the old user default vs the old ranges' blue
    True
    """
    return ciede2000(hex_to_lab(colour1), hex_to_lab(colour2))


def _candidates() -> list[str]:
    """Colours tried for a user layer: the palettes, then a ring of CIELAB hues."""
    ring = []
    for lightness in (45, 65):
        for step in range(24):
            hue = math.radians(step * 15)
            ring.append(_lab_to_hex(lightness, 55 * math.cos(hue), 55 * math.sin(hue)))
    return [*OKABE_ITO, *TOL_MUTED, *ring]


def _lab_to_hex(lightness: float, a: float, b: float) -> str:
    """CIELAB (D65) to the nearest sRGB ``#rrggbb`` (clipped to the gamut)."""
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def inv(t: float) -> float:
        return t**3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

    x, y, z = 0.95047 * inv(fx), inv(fy), 1.08883 * inv(fz)
    rgb = (
        3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
        -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
        0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
    )

    def gamma(c: float) -> int:
        c = min(max(c, 0.0), 1.0)
        c = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(c * 255)

    return "#" + "".join(f"{gamma(c):02x}" for c in rgb)


def _digest(layer_id: str) -> int:
    """A stable number from a layer id (Python's ``hash`` changes between processes)."""
    return int.from_bytes(hashlib.sha256(layer_id.encode("utf-8")).digest()[:8], "big")


def auto_style(
    layer_id: str,
    taken: Iterable[str],
    base: Style | None = None,
    shapes: Iterable[str] = (),
) -> Style:
    """Return a style for a layer without one: a colour clearly distinct from ``taken``.

    The first candidate colour (Okabe–Ito, then Paul Tol's muted scheme, then a ring of CIELAB
    hues), starting at a position derived from ``layer_id``, whose CIEDE2000 difference from
    every colour in ``taken`` and from the basemap's land and sea is at least
    :data:`MIN_DELTA_E`; the most distinct candidate when none is. The marker shape also comes
    from the id. Pure and deterministic: the same id and colours give the same style.

    Parameters
    ----------
    layer_id : str
        The layer's id.
    taken : iterable of str
        ``#rrggbb`` colours of the other layers.
    base : Style, optional
        Other style settings to keep (radius, weight, opacity).
    shapes : iterable of str
        Marker shapes of the other layers: the least used shape is chosen (ties broken by the
        id), so a new layer differs in shape too where it can.

    Returns
    -------
    Style
        ``color`` and ``fill_color`` set to the chosen colour, ``marker`` to a shape.

    Examples
    --------
    >>> style = auto_style("quakes", ["#d55e00", "#0072b2", "#009e73"])
    >>> min(delta_e(style.color, c) for c in ["#d55e00", "#0072b2", "#009e73"]) >= MIN_DELTA_E
    True
    >>> auto_style("quakes", ["#d55e00"]) == auto_style("quakes", ["#d55e00"])
    True
    """
    used = [c.lower() for c in taken]
    avoid = [hex_to_lab(c) for c in (*used, *BACKGROUND)]
    candidates = _candidates()
    digest = _digest(layer_id)
    start = digest % len(OKABE_ITO)  # palette colours first, from an id-chosen place
    order = [candidates[(start + i) % len(OKABE_ITO)] for i in range(len(OKABE_ITO))]
    order += candidates[len(OKABE_ITO) :]
    best, best_score = order[0], -1.0
    for colour in order:
        lab = hex_to_lab(colour)
        score = min((ciede2000(lab, other) for other in avoid), default=100.0)
        if score >= MIN_DELTA_E:
            best = colour
            break
        if score > best_score:
            best, best_score = colour, score
    used_shapes = list(shapes)
    offset = (digest >> 8) % len(MARKERS)
    by_id = [MARKERS[(offset + i) % len(MARKERS)] for i in range(len(MARKERS))]
    shape = min(by_id, key=lambda m: (used_shapes.count(m), by_id.index(m)))
    settings = (base or Style()).model_dump()
    settings.update(
        color=best,
        fill_color=best,
        fill_opacity=max(settings["fill_opacity"], 0.85),
        marker=shape,
    )
    return Style.model_validate(settings)


def _own_style(meta: LayerMeta) -> bool:
    """Whether a layer's metadata sets its own colour (rather than taking the default)."""
    return "style" in meta.model_fields_set and "color" in meta.style.model_fields_set


def _assign(metas: Iterable[tuple[str, LayerMeta]]) -> dict[str, Style]:
    """Styles by layer id: own colours kept, the others from :func:`auto_style` in id order.

    A layer that sets only a ``marker`` (``regionmap add --marker``) keeps that shape and gets
    an automatic colour.
    """
    pairs = sorted(metas, key=lambda pair: pair[0])
    styles = {layer_id: meta.style for layer_id, meta in pairs if _own_style(meta)}
    taken = [c for s in styles.values() for c in (s.fill_color or s.color, s.color)]
    shapes = [s.marker for s in styles.values() if s.fill_opacity > 0.5]  # not basemaps
    for layer_id, meta in pairs:
        if layer_id not in styles:
            style = auto_style(layer_id, taken, meta.style, shapes)
            if "style" in meta.model_fields_set and "marker" in meta.style.model_fields_set:
                style = style.model_copy(update={"marker": meta.style.marker})
            styles[layer_id] = style
            taken.append(style.color)
            shapes.append(style.marker)
    return styles


def layer_styles(layers: Iterable[Layer]) -> dict[str, Style]:
    """Return the style to draw each layer with, by layer id.

    Layers whose metadata sets a ``style`` keep it. The others get :func:`auto_style`, in
    order of id, each distinct from the styled layers and from those assigned before it.
    Prefer :func:`catalog_styles` where the catalog is at hand, so that a layer's colour does
    not change when another is toggled.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> styles = layer_styles(Catalog().load(i) for i in ("basing", "events"))
    >>> styles["basing"].marker, styles["events"].marker
    ('circle', 'diamond')
    """
    return _assign((layer.id, layer.meta) for layer in layers if layer.meta is not None)


def catalog_styles(catalog: Catalog) -> dict[str, Style]:
    """Return :func:`layer_styles` over every layer of a catalog (metadata only, no data read).

    Layers whose metadata cannot be read are left out.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> catalog_styles(Catalog())["test-ranges"].marker
    'square'
    """
    from regionmap.catalog import load_meta

    metas = []
    for entry in catalog.entries():
        meta, _problems = load_meta(entry)
        if meta is not None:
            metas.append((entry.id, meta))
    return _assign(metas)


def _polygon(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def marker_svg(style: Style, size: int = 14) -> str:
    """Return the SVG of a layer's marker: its shape, filled with its colour, dark outline.

    The markup is the same for the map marker, the legend swatch and the app's swatch. The
    colours are validated ``#rrggbb`` strings; nothing else from the layer goes in.

    Examples
    --------
    >>> "<rect" in marker_svg(Style(color="#0072b2", marker="square"), 10)
    True
    """
    fill = style.fill_color or style.color
    for colour in (fill, style.color):
        if not _HEX.match(colour):
            raise ValueError(f"{colour!r} is not a #rrggbb colour")
    s, p = float(size), 1.5  # p: room for the outline
    diamond = [(s / 2, p - 0.5), (s - p + 0.5, s / 2), (s / 2, s - p + 0.5), (p - 0.5, s / 2)]
    shapes = {
        "circle": f'<circle cx="{s / 2:g}" cy="{s / 2:g}" r="{s / 2 - p:g}"',
        "square": f'<rect x="{p + 0.5:g}" y="{p + 0.5:g}" width="{s - 2 * p - 1:g}" '
        f'height="{s - 2 * p - 1:g}"',
        "triangle": f'<polygon points="{_polygon([(s / 2, p), (s - p, s - p), (p, s - p)])}"',
        "diamond": f'<polygon points="{_polygon(diamond)}"',
    }
    shape = shapes.get(style.marker, shapes["circle"])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" aria-hidden="true" focusable="false">'
        f'{shape} class="rm-shape" fill="{fill}" stroke="#222" stroke-width="1.2"/></svg>'
    )


def area_svg(style: Style, size: int = 14) -> str:
    """Return a swatch for a polygon or line layer: a filled square in its fill and outline."""
    fill = style.fill_color or style.color
    for colour in (fill, style.color):
        if not _HEX.match(colour):
            raise ValueError(f"{colour!r} is not a #rrggbb colour")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" aria-hidden="true" focusable="false">'
        f'<rect class="rm-shape" x="1" y="1" width="{size - 2}" height="{size - 2}" '
        f'fill="{fill}" stroke="{style.color}" stroke-width="1.5"/></svg>'
    )


def swatch_data_uri(style: Style, size: int = 14, *, area: bool = False) -> str:
    """Return a layer's swatch as a ``data:image/svg+xml`` URI (e.g. for ``st.image``).

    Examples
    --------
    >>> swatch_data_uri(Style()).startswith("data:image/svg+xml;base64,")
    True
    """
    svg = area_svg(style, size) if area else marker_svg(style, size)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


_AREA_TYPES = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")


def layer_swatch(layer: Layer, style: Style | None = None, size: int = 14) -> str:
    """Return the swatch of a layer as a ``data:`` URI: its marker, or an area for shapes.

    A layer is drawn as an area when its metadata says its geometry is polygons or lines
    (or it is the basemap); otherwise as its marker shape.

    Examples
    --------
    >>> from regionmap.catalog import Catalog
    >>> layer_swatch(Catalog().load("events")).startswith("data:image/svg+xml;base64,")
    True
    """
    from regionmap.view import is_basemap

    meta = layer.meta
    if meta is None:
        raise ValueError(f"layer {layer.id!r} has no metadata to draw a swatch from")
    area = is_basemap(layer) or (meta.geometry_type or "") in _AREA_TYPES
    return swatch_data_uri(style or meta.style, size, area=area)
