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

from regionmap.catalog import Catalog
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
    DEFAULT_WIDTH_IN,
    DPI_RANGE,
    FORMATS,
    MEDIA_TYPES,
    WIDTH_RANGE,
    atomic_output,
    check_options,
    check_output,
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
    """The title a figure gets when none is given: the view and the data layers it shows."""
    layers = [ly for ly, _ in contents.visible if not is_basemap(ly)] or [
        ly for ly, _ in contents.visible
    ]
    titles = [layer.meta.title for layer in layers if layer.meta is not None]
    name = contents.view.title or format_bbox(contents.view.frame)
    return f"{name}: {', '.join(titles)}" if titles else name


def subtitle(contents: ViewContents, export_date: dt.date) -> str:
    """The line under the title: export date, filters in force and the frame."""
    return (
        f"Exported {export_date.isoformat()} · filters: {contents.filters.describe()} · "
        f"view {format_bbox(contents.view.frame)}"
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
) -> ExportResult:
    """Export a view as a report figure (PNG, SVG, PDF) or a standalone HTML map.

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
    fmt : {"png", "svg", "pdf", "html"}
        The file format.
    out : str or Path
        The file to write (replaced atomically).
    title : str, optional
        The title; default the region and the titles of the data layers shown.
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

    Returns
    -------
    ExportResult

    Raises
    ------
    ExportUsageError
        Unknown region, layer or format, or a bad bbox, dpi or width.
    ExportError
        Nothing of the chosen data layers in the frame, a broken layer, or an unwritable path.

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
    return export_contents(
        catalog, contents, fmt=fmt, out=path, title=title, dpi=dpi, width_in=width_in,
        labels=labels, export_date=export_date,
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
) -> ExportResult:
    """Write view contents computed already (the app's) as a figure or HTML map.

    The options are those of :func:`export_view`.
    """
    fmt = check_options(fmt, dpi, width_in)
    path = check_output(out)
    check_not_empty(contents)
    export_date = export_date or default_export_date()
    title = plain_title(title) or default_title(contents)
    if fmt == "html":
        from regionmap.htmlexport import write_html

        html = write_html(
            catalog,
            contents,
            title=title,
            subtitle=subtitle(contents, export_date),
            credits=contents.credits,
        )
        with atomic_output(path) as tmp:
            tmp.write_text(html, encoding="utf-8")
        pages, warnings = 1, list(contents.warnings)
    else:
        pages, warnings = _write_figure(
            contents, path, fmt, title, export_date, dpi, width_in, labels
        )
    return ExportResult(
        path,
        fmt,
        pages,
        contents.feature_count,
        len(contents.bibliography.citations),
        tuple(warnings),
    )


def _write_figure(
    contents: ViewContents,
    path: Path,
    fmt: str,
    title: str,
    export_date: dt.date,
    dpi: int,
    width_in: float,
    labels: bool | None,
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
    pages = figure.render_pages(
        visible,
        contents.bibliography,
        projection,
        text,
        basemaps=[layer.id for layer, _ in visible if is_basemap(layer)],
        labels=labels,
        width_in=width_in,
        paginate=fmt == "pdf",
    )
    with atomic_output(path) as tmp:
        figure.save_pages(pages, fmt, tmp, dpi=dpi, title=title)
    warnings = list(contents.warnings)
    names = [
        str((f.get("properties") or {}).get("name", ""))
        for _, fs in contents.data_layers
        for f in fs
    ]
    missing = missing_glyphs([title, *text.credits, *text.sources, *names])
    if missing:
        warnings.append(
            f"{len(missing)} character(s) have no glyph in the installed fonts and show as "
            f"boxes (e.g. {' '.join(missing[:5])}); install a CJK font such as Debian's "
            "fonts-noto-cjk to draw them"
        )
    return len(pages), warnings
