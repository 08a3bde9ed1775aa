"""Report exports: :func:`export_view`, the one function the CLI and the app call.

An export writes a view's contents (:func:`regionmap.view.view_contents`): the features,
numbered sources, legend and credits the app shows for the same view. It only reads them;
it never filters, frames or numbers on its own. Files are written atomically
(:mod:`regionmap.output`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regionmap.alttext import describe
from regionmap.catalog import Catalog
from regionmap.citefiles import CITATION_FORMATS, citation_file
from regionmap.credits import (
    CREDIT,
    accessed_note,
    credit_lines,
    default_export_date,
    plain_title,
    source_entries,
)
from regionmap.errors import ExportError, ExportUsageError
from regionmap.filters import Filters
from regionmap.frame import format_bbox, parse_bbox, resolve_view
from regionmap.output import (
    DEFAULT_DPI,
    DEFAULT_SCALE,
    DEFAULT_SCREEN,
    DEFAULT_WIDTH_IN,
    DPI_RANGE,
    FORMATS,
    MEDIA_TYPES,
    WIDTH_RANGE,
    atomic_output,
    check_options,
    check_output,
    check_screen,
)
from regionmap.view import View, ViewContents, is_basemap, view_contents

__all__ = [
    "CREDIT",
    "DEFAULT_DPI",
    "DEFAULT_WIDTH_IN",
    "DPI_RANGE",
    "FORMATS",
    "MEDIA_TYPES",
    "WIDTH_RANGE",
    "ExportError",
    "ExportResult",
    "ExportUsageError",
    "check_not_empty",
    "collect_view",
    "default_title",
    "export_contents",
    "export_view",
    "format_bbox",
    "parse_bbox",
    "resolve_view",
    "subtitle",
]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    fmt: str
    pages: int
    features: int
    sources: int
    warnings: tuple[str, ...] = ()
    alt_text: str = ""
    """A plain-language description of the figure, as written into the file (for copying)."""


def collect_view(
    catalog: Catalog,
    view: View,
    layer_ids: Sequence[str] | None = None,
    filters: Filters | None = None,
) -> ViewContents:
    """The contents of ``view`` with these layers and filters (see :func:`view_contents`).

    Examples
    --------
    >>> contents = collect_view(Catalog(), resolve_view(region="japan"), ["countries"])
    >>> [layer.id for layer, _ in contents.shown], contents.resolution
    (['countries'], '50m')
    """
    layers = tuple(layer_ids) if layer_ids is not None else view.layers
    return view_contents(catalog, replace(view, layers=layers, filters=filters or view.filters))


def default_title(contents: ViewContents) -> str:
    """The title a figure gets when none is given: the region's name (or the frame)."""
    return contents.view.title or format_bbox(contents.view.frame)


def layer_titles(contents: ViewContents) -> list[str]:
    """The titles of the data layers the view shows (the basemaps when there are none)."""
    layers = [ly for ly, _ in contents.visible if not is_basemap(ly)] or [
        ly for ly, _ in contents.visible
    ]
    return [layer.meta.title for layer in layers if layer.meta is not None]


def subtitle(contents: ViewContents, export_date: dt.date) -> str:
    """The line under the title: the layers shown, export date, filters and the frame."""
    layers = ", ".join(layer_titles(contents))
    return (
        f"{layers + ' · ' if layers else ''}Exported {export_date.isoformat()} · "
        f"filters: {contents.filters.describe()} · view {format_bbox(contents.view.frame)}"
    )


def check_not_empty(contents: ViewContents) -> None:
    """Refuse a frame that shows nothing of the chosen layers."""
    layers = contents.data_layers or contents.shown
    if not layers:
        raise ExportError("no layer to show: every chosen layer is broken (regionmap validate)")
    if any(features for _, features in layers):
        return
    names = ", ".join(layer.id for layer, _ in layers)
    raise ExportError(
        f"nothing to export: no feature of {names} lies in the view "
        f"{format_bbox(contents.view.frame)} with filters: {contents.filters.describe()}. "
        "Widen the view, relax the filters or choose other layers."
    )


def export_view(
    catalog: Catalog,
    *,
    bbox: str | Sequence[float] | None = None,
    region: str | None = None,
    layers: Sequence[str] | None = None,
    filters: Filters | None = None,
    fmt: str,
    out: str | Path,
    title: str | None = None,
    dpi: int = DEFAULT_DPI,
    width_in: float = DEFAULT_WIDTH_IN,
    labels: bool | None = None,
    export_date: dt.date | None = None,
    selected: str | None = None,
    paper: str | None = None,
    orientation: str = "portrait",
    north_arrow: bool = False,
    inset: bool = True,
    screen: tuple[int, int] = DEFAULT_SCREEN,
    scale: float = DEFAULT_SCALE,
) -> ExportResult:
    """Export a view as a figure (PNG, SVG, PDF), HTML map, screenshot, citations or bundle.

    Parameters
    ----------
    catalog : Catalog
        Where the layers come from.
    bbox : str or sequence of float, optional
        The frame as ``W,S,E,N`` in degrees; give this or ``region``.
    region : str, optional
        A region preset name (``regionmap regions``).
    layers : sequence of str, optional
        Layer ids; default every layer with ``default_visible``.
    filters : Filters, optional
        The filters in force, as in the app.
    fmt : {"png", "svg", "pdf", "html", "bib", "csl-json", "ris", "bundle", "screenshot"}
        The file format: a figure, the standalone HTML map, the numbered bibliography as a
        citation file (:mod:`regionmap.citefiles`), a zip of HTML, PNG, PDF, citation
        files and a manifest (:mod:`regionmap.bundle`), or a screenshot PNG of the HTML map
        taken by a headless Chromium (:mod:`regionmap.headless`), with the credits and the
        source line in a footer band and in its text chunks.
    out : str or Path
        The file to write (replaced atomically).
    title : str, optional
        The title; default the region's name (the layers go in the subtitle).
    dpi : int, default 300
        PNG resolution (the other formats ignore it).
    width_in : float, default 7.0
        Figure width in inches; the height follows the view and the source list.
    labels : bool, optional
        Label points with their name and source numbers; default on when the frame holds at
        most 40 points.
    export_date : datetime.date, optional
        The date printed on the export; default today (or ``$SOURCE_DATE_EPOCH``).
    selected : str, optional
        A feature reference ``layer:id``; the HTML map opens with its popup open.
    paper : {"a4", "letter", "a5"}, optional
        Print on this paper size with print margins and type sizes; default none: the free
        ``width_in``, growing downwards.
    orientation : {"portrait", "landscape"}, default "portrait"
        The paper's orientation (only with ``paper``).
    north_arrow : bool, default False
        Draw a north arrow in a free corner of the map.
    inset : bool, default True
        Draw an inset locator map (the frame's box on a wider map) in a free corner.
    screen : (int, int), default (1200, 800)
        The screenshot's browser window in CSS pixels (width, height).
    scale : float, default 2.0
        The screenshot's device pixel ratio: the PNG is ``screen * scale`` pixels plus the
        footer band.

    Returns
    -------
    ExportResult

    Raises
    ------
    ExportUsageError
        Unknown region, layer or format, or a bad bbox, dpi or width.
    ExportError
        Nothing of the chosen data layers in the frame, a broken layer, an unwritable path,
        or (screenshot) no Chromium to drive.

    Examples
    --------
    >>> export_view(Catalog(), region="japan", fmt="pdf", out="japan.pdf")  # doctest: +SKIP
    ExportResult(path=PosixPath('japan.pdf'), fmt='pdf', pages=2, features=19, sources=33)
    """
    fmt = check_options(fmt, dpi, width_in)
    view = resolve_view(
        region, bbox, layers=tuple(layers) if layers is not None else None,
        filters=filters or Filters(), selected=selected,
    )  # fmt: skip
    path = check_output(out)
    contents = view_contents(catalog, view)
    options = {
        "bbox": bbox, "region": region, "layers": layers, "filters": filters,
        "selected": selected,
    }  # fmt: skip
    return export_contents(
        catalog, contents, fmt=fmt, out=path, title=title, dpi=dpi, width_in=width_in,
        labels=labels, export_date=export_date, paper=paper, orientation=orientation,
        north_arrow=north_arrow, inset=inset, view_options=options, screen=screen, scale=scale,
    )  # fmt: skip


def export_contents(
    catalog: Catalog,
    contents: ViewContents,
    *,
    fmt: str,
    out: str | Path,
    title: str | None = None,
    dpi: int = DEFAULT_DPI,
    width_in: float = DEFAULT_WIDTH_IN,
    labels: bool | None = None,
    export_date: dt.date | None = None,
    paper: str | None = None,
    orientation: str = "portrait",
    north_arrow: bool = False,
    inset: bool = True,
    view_options: dict | None = None,
    screen: tuple[int, int] = DEFAULT_SCREEN,
    scale: float = DEFAULT_SCALE,
) -> ExportResult:
    """Write view contents computed already (the app's) as a figure, HTML map or file.

    The options are those of :func:`export_view`; ``view_options`` (its ``bbox``,
    ``region``, ``layers``, ``filters``, ``selected``) let a bundle export its parts.
    """
    fmt = check_options(fmt, dpi, width_in)
    if fmt == "screenshot":
        check_screen(*screen, scale)
    layout = figure_layout(width_in, paper, orientation, north_arrow, inset)
    path = check_output(out)
    check_not_empty(contents)
    export_date = export_date or default_export_date()
    title = plain_title(title) or default_title(contents)
    alt_text = describe(contents, export_date, format_bbox(contents.view.frame))
    if fmt in CITATION_FORMATS:
        with atomic_output(path) as tmp:
            tmp.write_text(citation_file(fmt, contents.bibliography), encoding="utf-8")
        pages, warnings = 0, list(contents.warnings)
    elif fmt == "bundle":
        pages, warnings = _write_bundle(
            catalog, contents, path, export_date, alt_text,
            {
                **(view_options or {"bbox": contents.view.frame,
                                    "layers": [la.id for la, _ in contents.shown],
                                    "filters": contents.filters}),
                "title": title, "dpi": dpi, "width_in": width_in, "labels": labels,
                "paper": paper, "orientation": orientation, "north_arrow": north_arrow,
                "inset": inset,
            },
        )  # fmt: skip
    elif fmt in ("html", "screenshot"):
        from regionmap.htmlexport import write_html

        notes: list[str] = []
        html = write_html(
            catalog,
            contents,
            title=title,
            subtitle=subtitle(contents, export_date),
            credits=contents.credits,
            alt_text=alt_text,
            export_date=export_date,
            notes=notes,
        )
        if fmt == "screenshot":
            from regionmap.headless import screenshot_png

            png = screenshot_png(html, width=screen[0], height=screen[1], scale=scale)
            with atomic_output(path) as tmp:
                tmp.write_bytes(png)
        else:
            with atomic_output(path) as tmp:
                tmp.write_text(html, encoding="utf-8")
        pages, warnings = 1, [*contents.warnings, *notes]
    else:
        pages, warnings = _write_figure(
            contents, path, fmt, title, export_date, dpi, layout, labels, alt_text
        )
    return ExportResult(
        path,
        fmt,
        pages,
        contents.feature_count,
        len(contents.bibliography.citations),
        tuple(warnings),
        alt_text,
    )


def _write_bundle(
    catalog: Catalog,
    contents: ViewContents,
    path: Path,
    export_date: dt.date,
    alt_text: str,
    options: dict,
) -> tuple[int, list[str]]:
    """Write the archive bundle: HTML, PNG, PDF, citation files and a manifest in one zip."""
    from regionmap.appexport import export_bytes
    from regionmap.bundle import bundle_bytes

    warnings = list(contents.warnings)

    def render(sub: str) -> bytes:
        exported = export_bytes(catalog, fmt=sub, export_date=export_date, **options)
        warnings.extend(w for w in exported.result.warnings if w not in warnings)
        return exported.data

    data = bundle_bytes(contents, export_date, alt_text, render)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return 1, warnings


def figure_layout(
    width_in: float, paper: str | None, orientation: str, north_arrow: bool, inset: bool
) -> Any:
    """The :class:`regionmap.figure.Layout` of the options, checked."""
    from regionmap.figure import Layout
    from regionmap.paper import PaperError, paper_size

    try:
        page = paper_size(paper, orientation) if paper else None
    except PaperError as exc:
        raise ExportUsageError(str(exc)) from None
    return Layout(width_in=width_in, paper=page, north_arrow=north_arrow, inset=inset)


def _write_figure(
    contents: ViewContents,
    path: Path,
    fmt: str,
    title: str,
    export_date: dt.date,
    dpi: int,
    layout: Any,
    labels: bool | None,
    alt_text: str = "",
) -> tuple[int, list[str]]:
    """Draw and write a PNG, SVG or PDF figure; return its page count and warnings."""
    from regionmap import figure
    from regionmap.projection import choose_projection
    from regionmap.textfit import missing_glyphs

    projection = choose_projection(contents.view.frame)
    text = figure.FigureText(
        title=title,
        subtitle=subtitle(contents, export_date),
        credits=credit_lines([layer for layer, _ in contents.visible], projection.credit),
        sources=source_entries(contents.bibliography),
        sources_note=accessed_note(contents.bibliography),
    )
    visible = contents.visible
    rendered = figure.render_pages(
        visible,
        contents.bibliography,
        projection,
        text,
        basemaps=[layer.id for layer, _ in visible if is_basemap(layer)],
        labels=labels,
        layout=layout,
        paginate=fmt == "pdf",
    )
    pages = rendered.pages
    with atomic_output(path) as tmp:
        figure.save_pages(pages, fmt, tmp, dpi=dpi, title=title, description=alt_text)
    warnings = [*contents.warnings, *rendered.notes]
    names = [
        str((f.get("properties") or {}).get("name", ""))
        for _, fs in contents.data_layers
        for f in fs
    ]
    missing = missing_glyphs([title, text.subtitle, *text.credits, *text.sources, *names])
    if missing:
        warnings.append(
            f"{len(missing)} character(s) have no glyph in the installed fonts and show as "
            f"boxes (e.g. {' '.join(missing[:5])}); the bundled Noto Sans JP/KR fonts cover "
            "Japanese and Korean only, so install a font that has these (e.g. a Noto font "
            "for the script) to draw them"
        )
    return len(pages), warnings
