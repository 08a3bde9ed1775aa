"""Static report figures (PNG, SVG, PDF) of a view: page layout and deterministic saving.

A figure is one column: title and subtitle, the map (drawn by :mod:`regionmap.mapplot`),
the legend, the credits and the numbered source list. In a PDF a long source list continues
on further pages; PNG and SVG are one page that grows to hold the whole list.

Everything from a layer is drawn as plain text: no TeX, no mathtext (``parse_math=False``),
control characters replaced. Output is deterministic: SVG ids come from a fixed hash salt and
file metadata carries no dates, so the same inputs give the same bytes.

Figures are built on :class:`matplotlib.figure.Figure` without pyplot, so exports never touch
pyplot's global state; a lock serialises them, because rcParams and fonts are process-wide.
"""

from __future__ import annotations

import contextlib
import io
import math
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.colors
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerPatch
from matplotlib.patches import Rectangle
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from regionmap import __version__
from regionmap.alttext import svg_with_desc
from regionmap.catalog import Layer
from regionmap.citations import Bibliography
from regionmap.mapplot import INK, MUTED, MapLegend, draw_map
from regionmap.paper import PRINT_MARGIN, Paper
from regionmap.projection import Projection
from regionmap.textfit import font_family, font_runs, plain, text_width, wrap

Features = list[dict[str, Any]]
RC = {
    "svg.hashsalt": "regionmap",
    "svg.fonttype": "none",
    "pdf.fonttype": 3,
    "pdf.compression": 6,
    "text.usetex": False,
    "axes.unicode_minus": False,
    "path.simplify": True,
    "text.hinting": "no_hinting",
}
"""rcParams of every export, whatever the user's matplotlibrc says.

SVG keeps text as text (``svg.fonttype: none``) so it can be searched and edited. PDF uses
Type 3 fonts: text extracts the same as with Type 42, and saving is about twice as fast.
PNG text is not hinted: at print resolution hinting shows no difference and costs a quarter
of the drawing time.
"""
PAGE_TEXT = "rm-page-text"
"""The gid of the page's plain lines of text (title, credits, sources), drawn by Pillow in PNGs."""
PNG_COMPRESSION = 3
"""zlib level for PNG: about as small as the default 6, and a third faster."""
_LOCK = threading.RLock()
ASCENT = 0.93
"""DejaVu Sans's ascent as a share of the font size: a line's baseline sits this far down."""


def _rc() -> dict[str, Any]:
    """The export rcParams with the font family (DejaVu Sans and installed fallbacks)."""
    return {**RC, "font.family": list(font_family())}


@contextlib.contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """Silence matplotlib's one warning per missing glyph; exports report them once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        yield


@dataclass(frozen=True)
class FigureText:
    """The words on a figure, all plain text; wrapped to the figure width when drawn."""

    title: str
    subtitle: str
    credits: list[str]
    sources: list[str]
    sources_note: str = ""
    """Said once after the "Sources" heading, e.g. ``all accessed 2026-11-25``."""


@dataclass(frozen=True)
class Box:
    """The page column: width and margins in inches, type sizes in points."""

    width: float
    left: float = 0.55
    right: float = 0.3
    title_pt: float = 13.0
    subtitle_pt: float = 7.5
    legend_pt: float = 7.5
    small_pt: float = 6.5
    heading_pt: float = 7.5
    leading: float = 1.32

    @classmethod
    def for_paper(cls, paper: Paper) -> Box:
        """The column of a printed page: 15 mm margins, type no smaller than 7 pt."""
        return cls(
            paper.width,
            left=PRINT_MARGIN,
            right=PRINT_MARGIN,
            title_pt=14.0,
            subtitle_pt=8.5,
            legend_pt=8.0,
            small_pt=7.0,
            heading_pt=8.5,
        )

    @property
    def text_pt(self) -> float:
        """The width of the text column in points."""
        return (self.width - self.left - self.right) * 72

    def line(self, size: float) -> float:
        """The height of one line of ``size`` points, in inches."""
        return size * self.leading / 72


@dataclass(frozen=True)
class Entry:
    """One source entry wrapped into lines, with the hanging indent of its ``[n]``."""

    lines: list[str]
    indent_pt: float


ENTRY_GAP = 0.015
"""Space between source entries, in inches."""


def wrap_sources(sources: Sequence[str], box: Box) -> list[Entry]:
    """Wrap source entries with a hanging indent after their ``[n]`` number."""
    entries = []
    for source in sources:
        indent = text_width(source.split(" ", 1)[0] + " ", box.small_pt)
        entries.append(Entry(wrap(source, box.small_pt, box.text_pt, indent=indent), indent))
    return entries


def entries_height(entries: Sequence[Entry], box: Box) -> float:
    """The height of source entries in inches."""
    return sum(len(e.lines) * box.line(box.small_pt) + ENTRY_GAP for e in entries)


def split_pages(entries: list[Entry], first: float, later: float, box: Box) -> list[list[Entry]]:
    """Split source entries into pages: ``first`` inches free on page one, ``later`` after.

    An entry is never split; one taller than a page gets a page of its own.
    """
    pages: list[list[Entry]] = [[]]
    room = first
    for entry in entries:
        need = entries_height([entry], box)
        if need > room and (pages[-1] or len(pages) == 1):
            pages.append([])
            room = later
        pages[-1].append(entry)
        room -= need
    return pages


class Writer:
    """Writes lines of text down a page, from the top, in inches."""

    def __init__(self, fig: Figure, top: float, box: Box) -> None:
        self.fig, self.y, self.box = fig, top, box

    def text(self, x: float, text: str, size: float, **kw: Any) -> None:
        """Draw one line of plain text with its top at the current position.

        The line is placed by its baseline, one ascent below the top: aligning the top of
        each line's own glyphs would set a line with accented capitals (Ű) lower than the
        others and let it touch the next one.
        """
        self.fig.text(
            x,
            self.y - size * ASCENT / 72,
            text,
            transform=self.fig.dpi_scale_trans,
            fontsize=size,
            ha="left",
            va="baseline",
            parse_math=False,
            usetex=False,
            gid=PAGE_TEXT,
            **{"color": INK, **kw},
        )

    def lines(self, lines: Sequence[str], size: float, **kw: Any) -> None:
        """Draw lines of text at the left margin and move down."""
        for text in lines:
            self.text(self.box.left, text, size, **kw)
            self.y -= self.box.line(size)

    def entries(self, entries: Sequence[Entry]) -> None:
        """Draw wrapped source entries with their hanging indent."""
        size = self.box.small_pt
        for entry in entries:
            for index, text in enumerate(entry.lines):
                self.text(self.box.left + (entry.indent_pt / 72 if index else 0), text, size)
                self.y -= self.box.line(size)
            self.y -= ENTRY_GAP


def legend_layout(labels: list[str], box: Box) -> tuple[list[str], int, float]:
    """Legend labels wrapped to their column, the number of columns, and the height in inches."""
    handle_pt = 2.8 * box.legend_pt
    widest = max((text_width(label, box.legend_pt) for label in labels), default=0) + handle_pt
    ncol = max(1, min(len(labels), int(box.text_pt // max(widest, 1.0)), 3))
    limit = box.text_pt / ncol - handle_pt
    wrapped = ["\n".join(wrap(label, box.legend_pt, limit)) for label in labels]
    rows = [wrapped[i : i + ncol] for i in range(0, len(wrapped), ncol)]
    lines = sum(max(label.count("\n") + 1 for label in row) for row in rows)
    return wrapped, ncol, lines * box.legend_pt * 1.75 / 72


def add_legend(fig: Figure, legend: MapLegend, box: Box, top: float) -> None:
    """Draw the legend under the map, its top-left corner at ``top`` inches."""
    labels, ncol, _ = legend_layout(legend.labels, box)
    drawn = fig.legend(
        legend.handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(box.left - 0.05, top),
        bbox_transform=fig.dpi_scale_trans,
        ncol=ncol,
        frameon=False,
        fontsize=box.legend_pt,
        borderaxespad=0,
        borderpad=0,
        handlelength=1.6,
        handleheight=1.0,
        columnspacing=1.4,
        handler_map={Rectangle: HandlerPatch()},
    )
    for text in drawn.get_texts():
        text.set_parse_math(False)
        text.set_usetex(False)


@dataclass(frozen=True)
class Layout:
    """How a figure is laid out: free width or a paper page, and the map's furniture."""

    width_in: float = 7.0
    paper: Paper | None = None
    north_arrow: bool = False
    inset: bool = True

    def box(self) -> Box:
        """The page column."""
        return Box.for_paper(self.paper) if self.paper else Box(self.width_in)


@dataclass
class Rendered:
    """The pages of a figure, and what it says about its labels and furniture."""

    pages: list[Figure]
    key: list[str]
    unplaced: list[str]
    notes: list[str]


def render_pages(
    shown: list[tuple[Layer, Features]],
    bib: Bibliography,
    projection: Projection,
    text: FigureText,
    *,
    basemaps: Sequence[str] = (),
    labels: bool | None = None,
    layout: Layout | None = None,
    paginate: bool = False,
) -> Rendered:
    """Draw the figure of a view; return its pages.

    Parameters
    ----------
    shown : list of (Layer, features)
        The layers in display order with their features in the view.
    bib : Bibliography
        The citation numbers of those features (for the point labels).
    projection : Projection
        From :func:`regionmap.projection.choose_projection`.
    text : FigureText
        Title, subtitle, credits and the numbered source entries.
    basemaps : sequence of str
        Ids of the basemap layers in ``shown`` (drawn over the whole frame).
    labels : bool, optional
        Label points with their name and source numbers; default when there are at most 40.
    layout : Layout, optional
        Free width (default 7 in) or a paper size, north arrow and inset locator.
    paginate : bool
        Continue a long source list on further pages (for PDF) instead of one tall page.

    Returns
    -------
    Rendered
        The pages (one, or more when ``paginate`` and the source list is long), the key of
        points labelled by number only, and notes (e.g. no free corner for the inset).

    Examples
    --------
    >>> from regionmap.export import collect_view, resolve_view
    >>> from regionmap.catalog import Catalog
    >>> from regionmap.projection import choose_projection
    >>> view = resolve_view(region="japan")
    >>> contents = collect_view(Catalog(), view, ["countries"])
    >>> rendered = render_pages(contents.shown, contents.bibliography,
    ...     choose_projection(view.bbox), FigureText("Japan", "", [], []),
    ...     basemaps=["countries"])
    >>> len(rendered.pages)
    1
    """
    layout = layout or Layout()
    with _LOCK, _quiet_glyphs(), matplotlib.rc_context(_rc()):
        return _render(shown, bib, projection, text, set(basemaps), labels, layout, paginate)


def _map_size(projection: Projection, box: Box, max_h: float | None = None) -> tuple[float, float]:
    """The map's width and height in inches: the column width, at most 1.25 widths tall."""
    x0, y0, x1, y1 = projection.frame
    ratio = (y1 - y0) / (x1 - x0)
    width = box.width - box.left - box.right
    height = min(width * ratio, 1.25 * box.width, max_h or math.inf)
    return height / ratio, height


def _furniture(
    shown: list[tuple[Layer, Features]],
    projection: Projection,
    basemaps: set[str],
    size_in: tuple[float, float],
    layout: Layout,
) -> tuple[list[tuple[float, float, float, float]], list[Any], list[str]]:
    """Plan the scale bar, north arrow and inset: boxes labels avoid, draw steps and notes."""
    from regionmap import furniture
    from regionmap.mapplot import is_point_layer, point_coords

    w_pt, h_pt = size_in[0] * 72, size_in[1] * 72
    scale = w_pt / (projection.frame[2] - projection.frame[0])
    pts = [
        point_coords(feats, projection)
        for layer, feats in shown
        if layer.id not in basemaps and is_point_layer(feats)
    ]
    xy = np.concatenate(pts) if pts else np.zeros((0, 2))
    xy_pt = np.column_stack(
        [(xy[:, 0] - projection.frame[0]) * scale, (xy[:, 1] - projection.frame[1]) * scale]
    )
    taken = [furniture.scalebar_box(projection, *size_in)]
    steps: list[Any] = []
    notes: list[str] = []
    base = next((ly for ly, _ in shown if ly.id in basemaps and ly.meta is not None), None)
    window = furniture.inset_window(projection) if layout.inset and base else None
    if window is not None:
        size = furniture.inset_size(window, w_pt)
        order = ("upper left", "lower left", "upper right")
        corner = furniture.free_corner(*size, w_pt, h_pt, xy_pt, taken, order)
        if corner is None:
            notes.append("no corner of the map is free of markers, so the inset map is left out")
        else:
            taken.append(corner.rect)
            steps.append(
                lambda ax, c=corner: furniture.draw_inset(
                    ax, base, projection, window, c.rect, (w_pt, h_pt)
                )
            )
    if layout.north_arrow:
        order = ("upper right", "upper left", "lower left")
        corner = furniture.free_corner(
            furniture.ARROW_W, furniture.ARROW_H, w_pt, h_pt, xy_pt, taken, order
        )
        if corner is None:
            notes.append("no corner of the map is free of markers, so the north arrow is left out")
        else:
            taken.append(corner.rect)
            steps.append(
                lambda ax, c=corner: furniture.draw_north_arrow(ax, projection, c.rect, scale)
            )
    return taken, steps, notes


def _render(
    shown: list[tuple[Layer, Features]],
    bib: Bibliography,
    projection: Projection,
    text: FigureText,
    basemaps: set[str],
    labels: bool | None,
    layout: Layout,
    paginate: bool,
) -> Rendered:
    """Lay out and draw the pages (see :func:`render_pages`)."""
    box = layout.box()
    paper = layout.paper
    title = wrap(text.title, box.title_pt, box.text_pt, bold=True)
    sub = wrap(text.subtitle, box.subtitle_pt, box.text_pt) if text.subtitle else []
    credits = [line for credit in text.credits for line in wrap(credit, box.small_pt, box.text_pt)]
    entries = wrap_sources(text.sources, box)
    top_pad = PRINT_MARGIN if paper else 0.22
    bottom_pad = PRINT_MARGIN if paper else 0.2
    probe = [plain(layer.meta.title) + " (000)" for layer, _ in shown if layer.meta]
    legend_h = legend_layout(probe, box)[2]
    head = (
        top_pad + len(title) * box.line(box.title_pt) + 0.03 + len(sub) * box.line(box.subtitle_pt)
    )
    below = 0.22 + legend_h + 0.1 + len(credits) * box.line(box.small_pt)
    sources_head = 0.12 + box.line(box.heading_pt) + 0.03 if entries else 0
    room = None
    if paper:
        # Keep room for the start of the source list (or at least the heading) on page one.
        least = min(entries_height(entries, box), 1.2) if entries else 0
        room = paper.height - head - 0.12 - below - sources_head - least - bottom_pad
    map_w, map_h = _map_size(projection, box, max(room, 1.0) if room is not None else None)
    fig = Figure(figsize=(box.width, paper.height if paper else 10.0))
    map_x = box.left + (box.width - box.left - box.right - map_w) / 2
    ax = fig.add_axes((map_x / box.width, 0.0, map_w / box.width, map_h / fig.get_figheight()))
    obstacles, steps, notes = _furniture(shown, projection, basemaps, (map_w, map_h), layout)
    legend = draw_map(
        ax,
        shown,
        bib,
        projection,
        basemaps=basemaps,
        labels=labels,
        width_pt=map_w * 72,
        obstacles=obstacles,
    )
    for step in steps:
        step(ax)
    key = _key_lines(legend, box)
    key_h = len(key) * box.line(box.small_pt) + (0.08 if key else 0)
    fixed = head + 0.12 + map_h + below + key_h + sources_head + bottom_pad
    chunks = [entries]
    if paginate or paper:
        page_h = paper.height if paper else max(box.width * math.sqrt(2), fixed + 0.6)
        later = page_h - 2 * top_pad - 2 * box.line(box.heading_pt) - 0.08
        chunks = split_pages(entries, page_h - fixed, later, box)
    height = paper.height if paper else fixed + entries_height(chunks[0], box)
    fig.set_size_inches(box.width, height)
    w = Writer(fig, height - top_pad, box)
    w.lines(title, box.title_pt, fontweight="bold")
    w.y -= 0.03
    w.lines(sub, box.subtitle_pt, color=MUTED)
    w.y -= 0.12
    ax.set_position((map_x / box.width, (w.y - map_h) / height, map_w / box.width, map_h / height))
    w.y -= map_h + 0.22
    add_legend(fig, legend, box, w.y)
    w.y -= legend_h + 0.1
    if key:
        w.lines(key, box.small_pt)
        w.y -= 0.08
    w.lines(credits, box.small_pt, color=MUTED)
    if entries:
        w.y -= 0.12
        later_pages = len(chunks) > 1
        more = ""
        if later_pages:
            more = (
                " (continued on the next page)"
                if paginate
                else (
                    f" ({len(chunks[0])} of {len(entries)}; the full list is in the PDF and the "
                    "citation files)"
                )
            )
        note = f" ({text.sources_note})" if text.sources_note else ""
        heading = f"Sources{note}{more}" if chunks[0] else f"Sources{note}: see the next page"
        w.lines([heading], box.heading_pt, fontweight="bold")
        w.y -= 0.03
        w.entries(chunks[0])
    pages = [fig]
    if paginate:
        for number, chunk in enumerate(chunks[1:], start=2):
            pages.append(_continuation_page(chunk, text.title, number, box, paper))
    return Rendered(pages, legend.key, legend.unplaced, notes)


def _key_lines(legend: MapLegend, box: Box) -> list[str]:
    """The key under the map: points numbered only, then points without a label."""
    lines = []
    if legend.key:
        text = "Numbered on the map: " + "; ".join(legend.key)
        lines += wrap(text, box.small_pt, box.text_pt)
    if legend.unplaced:
        text = "Not labelled (no room on the map): " + "; ".join(legend.unplaced)
        lines += wrap(text, box.small_pt, box.text_pt)
    return lines


def _continuation_page(
    entries: list[Entry], title: str, number: int, box: Box, paper: Paper | None
) -> Figure:
    """A page that continues the source list (the paper's size, when there is one)."""
    head = wrap(f"{title}: sources (continued, page {number})", box.heading_pt, box.text_pt)
    pad = PRINT_MARGIN if paper else 0.3
    height = pad + len(head) * box.line(box.heading_pt) + 0.08 + entries_height(entries, box) + pad
    height = paper.height if paper else height
    fig = Figure(figsize=(box.width, height))
    w = Writer(fig, height - pad, box)
    w.lines(head, box.heading_pt, fontweight="bold")
    w.y -= 0.08
    w.entries(entries)
    return fig


def save_pages(
    pages: Sequence[Figure],
    fmt: str,
    path: str | Path,
    *,
    dpi: int,
    title: str,
    description: str = "",
) -> None:
    """Write figure pages as PNG or SVG (the first page) or PDF (every page), deterministically.

    Parameters
    ----------
    pages : sequence of Figure
        From :func:`render_pages`.
    fmt : {"png", "svg", "pdf"}
        The file format.
    path : str or Path
        Where to write.
    dpi : int
        PNG resolution in dots per inch.
    title : str
        Stored in the file's metadata (SVG, PDF).
    description : str
        The alt text: the SVG's ``<desc>``, the PDF's Subject, the PNG's ``Description``.
    """
    creator = f"regionmap {__version__}"
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unknown figure format {fmt!r}; use png, svg or pdf")
    with _LOCK, _quiet_glyphs(), matplotlib.rc_context(_rc()):
        if fmt == "png":
            _save_png(pages[0], path, dpi, creator, description)
        elif fmt == "svg":
            meta = {"Date": None, "Title": plain(title), "Creator": creator}
            buffer = io.BytesIO()
            pages[0].savefig(buffer, format="svg", metadata=meta)
            svg = svg_with_desc(buffer.getvalue(), description)
            Path(path).write_bytes(svg)
        else:
            _save_pdf(pages, path, title, creator, description)


def _save_png(fig: Figure, path: str | Path, dpi: int, creator: str, description: str) -> None:
    """Write a PNG: matplotlib draws the map, Pillow the page's lines of text.

    matplotlib 3.11 rasterises text one glyph at a time in Python (about 0.13 ms a glyph at
    300 dpi), so a long source list took most of a PNG's time; Pillow draws the same fonts
    with FreeType in C. The map's own text (labels, legend, scale bar) stays matplotlib's.
    """
    lines = [text for text in fig.texts if text.get_gid() == PAGE_TEXT and text.get_visible()]
    for text in lines:
        text.set_visible(False)
    try:
        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    finally:
        for text in lines:
            text.set_visible(True)
    draw = ImageDraw.Draw(image)
    for text in lines:
        _draw_line(draw, text, image.height, dpi)
    info = PngInfo()
    info.add_text("Software", creator)
    if description:
        info.add_text("Description", description)  # iTXt when not Latin-1
    image.save(path, format="png", dpi=(dpi, dpi), pnginfo=info, compress_level=PNG_COMPRESSION)


def _draw_line(draw: ImageDraw.ImageDraw, text: Any, height: int, dpi: int) -> None:
    """Draw one baseline-anchored line of a page with Pillow, font run by font run."""
    x_in, y_in = text.get_position()
    x, y = x_in * dpi, height - y_in * dpi
    size = text.get_fontsize() * dpi / 72
    bold = text.get_fontweight() in ("bold", 700)
    colour = matplotlib.colors.to_hex(text.get_color())
    for path, run in font_runs(text.get_text(), bold):
        font = _pil_font(path, size)
        draw.text((x, y), run, font=font, fill=colour, anchor="ls")
        x += font.getlength(run)


@cache
def _pil_font(path: str, size: float) -> ImageFont.FreeTypeFont:
    """A Pillow font (cached by file and size in pixels)."""
    return ImageFont.truetype(path, size)


def _save_pdf(
    pages: Sequence[Figure], path: str | Path, title: str, creator: str, description: str
) -> None:
    """Write every page into one PDF with fixed metadata (no dates)."""
    from matplotlib.backends.backend_pdf import PdfPages

    metadata = {
        "Title": plain(title),
        "Subject": description,
        "Creator": creator,
        "Producer": creator,
        "CreationDate": None,
        "ModDate": None,
    }
    with PdfPages(path, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page)
