"""Report exports: :func:`export_view`, the one function the CLI and the app call.

A view is a bounding box (or a region preset), a set of layers and the filters in force.
:func:`collect_view` gathers what it shows the way the app does (:mod:`regionmap.view`): the
countries at the resolution for the view's width, data layers first and basemaps last, the
data features that pass the filters inside the box, the basemap features around it, and the
sources numbered over them in that order. The app's sources panel numbers the same list, so a
reader sees the same numbers in the app, on the figure and in the HTML.

Files are written atomically: to a temporary file in the target folder, then renamed onto the
target. A failed export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import shlex
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import shapely

from regionmap.alttext import describe
from regionmap.catalog import Catalog, Layer
from regionmap.citations import Bibliography, number_sources
from regionmap.citefiles import CITATION_FORMATS, citation_file
from regionmap.citefiles import MEDIA_TYPES as CITATION_MEDIA_TYPES
from regionmap.clip import view_window
from regionmap.filters import Filters, filter_features
from regionmap.problems import CatalogError
from regionmap.regions import load_regions
from regionmap.view import is_basemap, order_layers, resolution_for_bbox

FORMATS = ("png", "svg", "pdf", "html", "bib", "csl-json", "ris", "bundle")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    **CITATION_MEDIA_TYPES,
    "bundle": "application/zip",
}
"""The media type of each format, for downloads."""
FILE_SUFFIXES = {"csl-json": "csl.json", "bundle": "zip"}
"""File name suffixes of the formats whose name is not their suffix."""
DEFAULT_DPI = 300
DEFAULT_WIDTH_IN = 7.0
DPI_RANGE = (50, 1200)
WIDTH_RANGE = (2.0, 40.0)
CREDIT = "Boundaries: Natural Earth (public domain), de facto; depiction implies no endorsement."
"""The credit line every export carries."""

Bbox = tuple[float, float, float, float]
Shown = list[tuple[Layer, list[dict[str, Any]]]]


class ExportError(CatalogError):
    """An export could not be made: empty frame, broken layer, unwritable path, ..."""


class ExportUsageError(ExportError):
    """An export was asked for with invalid arguments: unknown region, layer or format, ..."""


@dataclass(frozen=True)
class View:
    """The frame of an export: ``bbox`` is [west, south, east, north] in degrees."""

    bbox: Bbox
    title: str
    region: str | None = None


@dataclass
class ViewContents:
    """What a view shows: layers in display order with their features, and their sources."""

    view: View
    filters: Filters
    shown: Shown
    bibliography: Bibliography
    resolution: str
    warnings: list[str] = field(default_factory=list)

    @property
    def data_layers(self) -> Shown:
        """The shown layers that are not basemaps."""
        return [(layer, feats) for layer, feats in self.shown if not is_basemap(layer)]

    @property
    def visible(self) -> Shown:
        """The layers that appear: basemaps, and data layers with features in the frame."""
        return [(layer, feats) for layer, feats in self.shown if feats or is_basemap(layer)]

    @property
    def feature_count(self) -> int:
        """How many data features are in the frame."""
        return sum(len(features) for _, features in self.data_layers)


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


def format_bbox(bbox: Bbox) -> str:
    """A bounding box as text.

    Examples
    --------
    >>> format_bbox((122, 24, 146.5, 46))
    '122°E–146.5°E, 24°N–46°N'
    """
    west, south, east, north = bbox
    lons = f"{_deg(west, 'E', 'W')}–{_deg(east, 'E', 'W')}"
    return f"{lons}, {_deg(south, 'N', 'S')}–{_deg(north, 'N', 'S')}"


def _deg(value: float, pos: str, neg: str) -> str:
    """One coordinate with its hemisphere, e.g. ``146.5°E``."""
    text = f"{abs(value):.3f}".rstrip("0").rstrip(".")
    return f"{text}°" if value == 0 else f"{text}°{pos if value > 0 else neg}"


def parse_bbox(value: str | Sequence[float]) -> Bbox:
    """Parse and check ``W,S,E,N`` (text or four numbers) in degrees.

    Examples
    --------
    >>> parse_bbox("122,24,146.5,46")
    (122.0, 24.0, 146.5, 46.0)
    """
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        west, south, east, north = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ExportUsageError(
            f"bbox {value!r} is not four numbers; give west,south,east,north in degrees, "
            "e.g. 122,24,146.5,46"
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ExportUsageError(f"bbox {value!r} has a value that is not a finite number")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise ExportUsageError(
            f"bbox {value!r} is out of range: longitudes run from -180 to 180, latitudes from "
            "-90 to 90, and south must be less than north"
        )
    if west >= east:
        raise ExportUsageError(
            f"bbox {value!r} has west >= east; views across the antimeridian are not "
            "supported, so export each side (e.g. 170,-50,180,-30 and -180,-50,-170,-30)"
        )
    return west, south, east, north


def resolve_view(region: str | None = None, bbox: str | Sequence[float] | None = None) -> View:
    """The view named by a region preset or given as a bounding box (exactly one of them).

    Examples
    --------
    >>> resolve_view(region="japan").bbox
    (122.0, 24.0, 146.5, 46.0)
    """
    if (region is None) == (bbox is None):
        raise ExportUsageError("give either a region or a bbox (exactly one of them)")
    if region is not None:
        regions = load_regions()
        if region not in regions:
            raise ExportUsageError(
                f"there is no region {region!r}; choose one of: {', '.join(regions)}"
            )
        west, south, east, north = (float(v) for v in regions[region].bbox)
        return View((west, south, east, north), regions[region].title, region)
    box = parse_bbox(bbox)  # type: ignore[arg-type]
    return View(box, format_bbox(box))


_CACHE: dict[tuple[str, str | None], tuple[tuple[int, ...], Layer]] = {}
_CACHE_SIZE = 16


def _stamp(*paths: Path | None) -> tuple[int, ...]:
    """Modification times and sizes of files, to notice when a cached layer changed."""
    stamp: list[int] = []
    for path in paths:
        try:
            info = path.stat() if path else None
        except OSError:
            info = None
        stamp += [info.st_mtime_ns, info.st_size] if info else [0, 0]
    return tuple(stamp)


def load_layer(catalog: Catalog, layer_id: str, resolution: str | None = None) -> Layer:
    """Load a layer, reusing the copy loaded earlier in this process while its files are unchanged.

    Parameters
    ----------
    catalog : Catalog
        The catalog to load from.
    layer_id : str
        The layer id.
    resolution : {"110m", "50m", "10m"}, optional
        For layers with ``resolutions``; other layers ignore it (and are cached once).
    """
    entry = catalog.entry(layer_id)
    if entry is None:
        return catalog.load(layer_id)
    path = str(entry.meta_path)
    for key in ((path, resolution), (path, None)):
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == _stamp(entry.meta_path, cached[1].data_path):
            return cached[1]
    layer = catalog.load(layer_id, resolution=resolution)
    if layer.ok and layer.meta is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        key = (path, resolution if layer.meta.resolutions else None)
        _CACHE[key] = (_stamp(entry.meta_path, layer.data_path), layer)
    return layer


def _check_layer_ids(catalog: Catalog, layer_ids: Sequence[str]) -> list[str]:
    """The named layer ids without repeats; unknown ids raise with the valid choices."""
    known = catalog.ids()
    unknown = [i for i in layer_ids if i not in known]
    if unknown:
        raise ExportUsageError(
            f"unknown layer(s) {', '.join(map(repr, unknown))}; choose from: "
            f"{', '.join(known) or '(none)'}"
        )
    return list(dict.fromkeys(layer_ids))


def _problem_summary(layer: Layer, most: int = 3) -> str:
    """The first few errors of a broken layer, on one line."""
    errors = [str(p) for p in layer.problems if p.is_error]
    more = f" (and {len(errors) - most} more)" if len(errors) > most else ""
    return "; ".join(errors[:most]) + more


def collect_view(
    catalog: Catalog,
    view: View,
    layer_ids: Sequence[str] | None = None,
    filters: Filters | None = None,
) -> ViewContents:
    """Load the layers of a view and number the sources of what it shows.

    Parameters
    ----------
    catalog : Catalog
        Where the layers come from.
    view : View
        The frame (see :func:`resolve_view`).
    layer_ids : sequence of str, optional
        The layers to show; default (``None``) every layer with ``default_visible``. An empty
        sequence raises :class:`ExportUsageError`; a named layer that is broken raises
        :class:`ExportError`; broken default layers are left out with a warning.
    filters : Filters, optional
        Applied to the data layers, never to basemaps.

    Returns
    -------
    ViewContents
        The layers in display order (:func:`regionmap.view.order_layers`): each data layer
        with its features that pass the filters and lie in the box, each basemap with its
        features around the box (the app's view window); and the
        :class:`~regionmap.citations.Bibliography` numbered over them, as in the app.

    Examples
    --------
    >>> contents = collect_view(Catalog(), resolve_view(region="japan"), ["countries"])
    >>> [layer.id for layer, _ in contents.shown], contents.resolution
    (['countries'], '50m')
    """
    filters = filters or Filters()
    named = layer_ids is not None
    if named and not layer_ids:
        raise ExportUsageError(
            f"no layers chosen; choose from: {', '.join(catalog.ids()) or '(none)'}"
        )
    ids = _check_layer_ids(catalog, layer_ids) if layer_ids else catalog.ids()
    resolution = resolution_for_bbox(view.bbox)
    loaded: list[Layer] = []
    warnings: list[str] = []
    for layer_id in ids:
        layer = load_layer(catalog, layer_id, resolution)
        if layer.ok and (named or layer.meta.default_visible):  # type: ignore[union-attr]
            loaded.append(layer)
        elif named:
            raise ExportError(f"layer {layer_id!r} cannot be shown: {_problem_summary(layer)}")
        elif not layer.ok:
            warnings.append(f"layer {layer_id!r} is broken and was left out (regionmap validate)")
    window = view_window(view.bbox)
    shown = [
        (layer, basemap_features(layer, window))
        if is_basemap(layer)
        else (layer, filter_features(layer, filters, view.bbox))
        for layer in order_layers(loaded)
    ]
    return ViewContents(view, filters, shown, number_sources(shown), resolution, warnings)


def basemap_features(layer: Layer, window: Bbox) -> list[dict[str, Any]]:
    """A basemap's features that reach into a window (what the app's map draws of it).

    The same as ``filter_features(layer, None, window)``, using the layer's cached
    GeoDataFrame instead of building every polygon again.
    """
    hits = shapely.intersects(layer.frame.geometry.to_numpy(), shapely.box(*window))
    return [
        feature
        for feature, hit in zip(layer.features, hits, strict=True)
        if hit and feature.get("geometry")
    ]


def default_title(contents: ViewContents) -> str:
    """The title a figure gets when none is given: the region's name (or the frame)."""
    return contents.view.title


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
        f"filters: {contents.filters.describe()} · view {format_bbox(contents.view.bbox)}"
    )


def credit_lines(contents: ViewContents, projection: str | None = None) -> list[str]:
    """The credit line, each visible layer's licence and attribution, and the projection."""
    lines = [CREDIT]
    for layer, _ in contents.visible:
        meta = layer.meta
        if meta is None:
            continue
        licence = "licence other" if meta.license.lower() == "other" else meta.license
        if meta.license_url:
            licence += f" ({meta.license_url})"
        text = f"{meta.title}: {licence}"
        if meta.attribution and not _repeats_credit(meta.attribution):
            text += f". {meta.attribution.rstrip('.')}"
        lines.append(text + ".")
    if projection:
        lines.append(projection)
    return lines


def _repeats_credit(attribution: str) -> bool:
    """True when a layer's attribution only repeats the Natural Earth credit line."""

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z]+", text.lower())) - {"public", "domain"}

    return words(attribution) <= words(CREDIT)


def accessed_note(bib: Bibliography) -> str:
    """``"all accessed 2026-11-25"`` when every source was accessed on one day, else ``""``."""
    dates = {citation.source.accessed for citation in bib.citations}
    return f"all accessed {dates.pop()}" if len(dates) == 1 else ""


def source_entries(bib: Bibliography) -> list[str]:
    """The numbered source list as plain text; one shared access date is said once instead.

    Examples
    --------
    >>> from regionmap.schema import Source
    >>> from regionmap.citations import Citation
    >>> s = Source(key="k", title="T", publisher="P", url="https://a.example/", accessed="2026")
    >>> source_entries(Bibliography([Citation(1, s, ("x",))]))
    ['[1] T. P. https://a.example/']
    """
    entries = [citation.text() for citation in bib.citations]
    if not accessed_note(bib):
        return entries
    return [entry.rsplit(" (accessed ", 1)[0] for entry in entries]


def default_export_date() -> dt.date:
    """Today, or the date of ``$SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def check_output(out: str | Path) -> Path:
    """Check that ``out`` can be written (its folder exists and is writable); return it."""
    path = Path(out).expanduser()
    folder = path.parent
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder; give a file name")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: the folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {path}: the file exists and is read-only")
    return path


@contextlib.contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; move it onto ``out`` when the block succeeds.

    The temporary file is removed on any error, so a failed export leaves nothing behind.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    done = False
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)
        os.replace(tmp, out)
        done = True
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def check_options(fmt: str, dpi: int, width_in: float) -> str:
    """Check the format, resolution and width; return the format in lower case."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportUsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise ExportUsageError(f"dpi {dpi} is out of range; use {DPI_RANGE[0]}–{DPI_RANGE[1]}")
    if not WIDTH_RANGE[0] <= width_in <= WIDTH_RANGE[1]:
        raise ExportUsageError(
            f"width {width_in} in is out of range; use {WIDTH_RANGE[0]:g}–{WIDTH_RANGE[1]:g} in"
        )
    return fmt


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
        f"{format_bbox(contents.view.bbox)} with filters: {contents.filters.describe()}. "
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
    paper: str | None = None,
    orientation: str = "portrait",
    north_arrow: bool = False,
    inset: bool = True,
) -> ExportResult:
    """Export a view as a figure (PNG, SVG, PDF), HTML map, citation file or archive bundle.

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
    fmt : {"png", "svg", "pdf", "html", "bib", "csl-json", "ris", "bundle"}
        The file format: a figure, the standalone HTML map, the numbered bibliography as a
        citation file (:mod:`regionmap.citefiles`), or a zip of HTML, PNG, PDF, citation
        files and a manifest (:mod:`regionmap.bundle`).
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
    paper : {"a4", "letter", "a5"}, optional
        Print on this paper size (PDF pages, PNG and SVG have its exact size) with print
        margins and type sizes; default none: the free ``width_in``, growing downwards.
    orientation : {"portrait", "landscape"}, default "portrait"
        The paper's orientation (only with ``paper``).
    north_arrow : bool, default False
        Draw a north arrow in a free corner of the map.
    inset : bool, default True
        Draw an inset locator map (the frame's box on a wider map) in a free corner.

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
    layout = figure_layout(width_in, paper, orientation, north_arrow, inset)
    view = resolve_view(region, bbox)
    path = check_output(out)
    contents = collect_view(catalog, view, layers, filters)
    check_not_empty(contents)
    export_date = export_date or default_export_date()
    title = plain_title(title) or default_title(contents)
    alt_text = describe(contents, export_date, format_bbox(contents.view.bbox))
    if fmt in CITATION_FORMATS:
        with atomic_output(path) as tmp:
            tmp.write_text(citation_file(fmt, contents.bibliography), encoding="utf-8")
        pages, warnings = 0, list(contents.warnings)
    elif fmt == "bundle":
        from regionmap.bundle import bundle_bytes

        options = {
            "bbox": bbox,
            "region": region,
            "layers": layers,
            "filters": filters,
            "title": title,
            "dpi": dpi,
            "width_in": width_in,
            "labels": labels,
            "paper": paper,
            "orientation": orientation,
            "north_arrow": north_arrow,
            "inset": inset,
        }
        warnings = list(contents.warnings)

        def render(sub: str) -> bytes:
            exported = export_bytes(catalog, fmt=sub, export_date=export_date, **options)
            warnings.extend(w for w in exported.result.warnings if w not in warnings)
            return exported.data

        data = bundle_bytes(contents, export_date, alt_text, render)
        with atomic_output(path) as tmp:
            tmp.write_bytes(data)
        pages = 1
    elif fmt == "html":
        from regionmap.htmlexport import write_html

        html = write_html(
            catalog,
            contents,
            title=title,
            subtitle=subtitle(contents, export_date),
            credits=credit_lines(contents),
            alt_text=alt_text,
        )
        with atomic_output(path) as tmp:
            tmp.write_text(html, encoding="utf-8")
        pages, warnings = 1, list(contents.warnings)
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


def plain_title(title: str | None) -> str:
    """A user title on one line (empty when none was given)."""
    return " ".join((title or "").split())


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

    projection = choose_projection(contents.view.bbox)
    text = figure.FigureText(
        title=title,
        subtitle=subtitle(contents, export_date),
        credits=credit_lines(contents, projection.credit),
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


@dataclass(frozen=True)
class ExportedFile:
    """An export held in memory, for a download button."""

    data: bytes
    file_name: str
    media_type: str
    result: ExportResult


def export_file_name(fmt: str, export_date: dt.date) -> str:
    """The download name of an export of the app's view.

    Examples
    --------
    >>> export_file_name("svg", dt.date(2026, 11, 25))
    'regionmap-view-2026-11-25.svg'
    """
    suffix = FILE_SUFFIXES.get(fmt.lower(), fmt.lower())
    return f"regionmap-view-{export_date.isoformat()}.{suffix}"


def export_bytes(
    catalog: Catalog,
    *,
    fmt: str,
    export_date: dt.date | None = None,
    **options: Any,
) -> ExportedFile:
    """Run :func:`export_view` into a temporary folder and return the file's bytes.

    The app's download buttons use this, so a download is byte for byte the file the CLI
    writes for the same view.

    Parameters
    ----------
    catalog : Catalog
        Where the layers come from.
    fmt : {"png", "svg", "pdf", "html", "bib", "csl-json", "ris", "bundle"}
        The file format.
    export_date : datetime.date, optional
        The date printed on the export and put in the file name; default today (or
        ``$SOURCE_DATE_EPOCH``).
    **options
        The other keyword arguments of :func:`export_view` (``bbox`` or ``region``,
        ``layers``, ``filters``, ``title``, ``dpi``, ``width_in``, ``labels``, ``paper``,
        ``orientation``, ``north_arrow``, ``inset``).

    Returns
    -------
    ExportedFile
        The bytes, a download name, the media type, and the :class:`ExportResult` (whose
        ``path`` is the download name; the temporary file is gone).

    Raises
    ------
    ExportUsageError, ExportError
        As :func:`export_view`.
    """
    fmt = fmt.lower().lstrip(".")
    export_date = export_date or default_export_date()
    name = export_file_name(fmt, export_date)
    with tempfile.TemporaryDirectory(prefix="regionmap-export-") as tmp:
        out = Path(tmp) / name
        result = export_view(catalog, fmt=fmt, out=out, export_date=export_date, **options)
        data = out.read_bytes()
    return ExportedFile(data, name, MEDIA_TYPES[result.fmt], replace(result, path=Path(name)))


def export_key(fmt: str, export_date: dt.date, options: dict[str, Any], *extra: Any) -> tuple:
    """What decides the bytes of an export, to tell whether a prepared file still fits.

    ``options`` are :func:`export_view`'s keyword arguments (``dpi`` counts for PNG only);
    ``extra`` adds anything else that matters, such as the layers' file stamps.

    Examples
    --------
    >>> day = dt.date(2026, 1, 2)
    >>> export_key("svg", day, {"dpi": 100}) == export_key("svg", day, {"dpi": 300})
    True
    >>> export_key("png", day, {"dpi": 100}) == export_key("png", day, {"dpi": 300})
    False
    """
    kept = {k: v for k, v in options.items() if fmt == "png" or k != "dpi"}
    return (fmt, export_date, *sorted(kept.items()), *extra)


def export_command(
    *,
    bbox: Sequence[float],
    layers: Sequence[str],
    filters: Filters | None = None,
    title: str | None = None,
    dpi: int = DEFAULT_DPI,
    export_date: dt.date | None = None,
    out: str = "view.pdf",
) -> str:
    """The ``regionmap export`` command line that writes the same file (shell-quoted).

    The arguments are those of :func:`export_view` for a bounding-box view; the format
    follows the suffix of ``out``.

    Examples
    --------
    >>> export_command(bbox=(125.5, 30, 140, 40), layers=["basing"], title="My bases")
    "regionmap export --bbox 125.5,30,140,40 --layers basing '--title=My bases' --out view.pdf"
    """
    filters = filters or Filters()
    args = ["regionmap", "export", "--bbox", ",".join(map(_number, bbox))]
    args += ["--layers", ",".join(layers)]
    if filters.search:
        args.append(f"--search={filters.search}")  # "=": text may start with "-"
    if filters.countries:
        args += ["--country", ",".join(filters.countries)]
    if filters.agreements:
        args += ["--agreement", ",".join(filters.agreements)]
    if filters.years:
        args += ["--years", f"{filters.years[0]}-{filters.years[1]}"]
    if plain_title(title):
        args.append(f"--title={plain_title(title)}")
    if dpi != DEFAULT_DPI:
        args += ["--dpi", str(dpi)]
    if export_date:
        args += ["--date", export_date.isoformat()]
    return shlex.join([*args, "--out", out])


def _number(value: float) -> str:
    """A coordinate as short text that reads back to the same float (``30.0`` → ``30``)."""
    text = repr(float(value))
    return text.removesuffix(".0")
