"""The ``regionmap`` command line: list, validate and add layers; list regions; export views.

Exit codes: 0 ok, 1 invalid input (a problem in a file or a refused write), 2 usage error.
Errors are one clear message each, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from regionmap import __version__
from regionmap.catalog import CATALOG_ENV
from regionmap.controls import reveal_controls
from regionmap.export import (
    DEFAULT_DPI,
    DEFAULT_WIDTH_IN,
    DPI_RANGE,
    FORMATS,
    WIDTH_RANGE,
    ExportUsageError,
    export_view,
)
from regionmap.filters import Filters
from regionmap.formats import ReadOptions
from regionmap.geojson import MAX_DEPTH_OPTION, Limits
from regionmap.mapping import MARKERS, LayerMapping
from regionmap.output import DEFAULT_SCALE, DEFAULT_SCREEN, SCALE_RANGE, SCREEN_PX_RANGE
from regionmap.paper import ORIENTATIONS, PAPERS
from regionmap.problems import CatalogError, InvalidLayerError, Problem
from regionmap.regions import load_regions
from regionmap.schema import is_kebab_id
from regionmap.stores import add_summary, open_catalog
from regionmap.tiles import TILE_FEATURE_THRESHOLD, archive_for, tile_status

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
PROGRESS_BYTES = 20 * 1024 * 1024
"""Files at least this large (about a second of work) get a progress bar."""


def catalog_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared ``--catalog DIR|URL`` option (a folder, or a postgresql:// URL)."""
    return click.option(
        "--catalog",
        "catalog_dir",
        metavar="DIR|URL",
        envvar=CATALOG_ENV,
        help="A second catalog: a folder (with layers/ and data/) or a PostGIS database "
        f"postgresql://user:password@host:port/db[?schema=name]. Env: {CATALOG_ENV}.",
    )(fn)


def limit_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared caps on input size."""
    defaults = Limits()
    for name, default, text in (
        ("--max-mb", defaults.max_bytes // 1_000_000, "Largest file accepted, in MB."),
        ("--max-features", defaults.max_features, "Most features accepted."),
        ("--max-vertices", defaults.max_vertices, "Most vertices accepted."),
    ):
        fn = click.option(
            name, type=click.IntRange(min=1), default=default, show_default=True, help=text
        )(fn)
    return click.option(
        "--max-depth",
        type=click.IntRange(1, MAX_DEPTH_OPTION),
        default=defaults.max_depth,
        show_default=True,
        help="Deepest nesting of feature properties accepted.",
    )(fn)


def _limits(max_mb: int, max_features: int, max_vertices: int, max_depth: int = 32) -> Limits:
    return Limits(
        max_bytes=max_mb * 1_000_000,
        max_features=max_features,
        max_vertices=max_vertices,
        max_depth=max_depth,
    )


def _echo(text: str, **style: Any) -> None:
    """Print one line with its control characters and bidi overrides made visible.

    Catalog text (titles, ids, file names, messages quoting values) may hold terminal
    escape sequences; none of them reaches the terminal as such (issue 13).
    """
    click.secho(reveal_controls(text), **style)


def _echo_problems(problems: list[Problem], per_rule: int = 10) -> None:
    """Print problems to stderr, errors first, at most ``per_rule`` of each rule."""
    shown: Counter[tuple[str, str]] = Counter()
    for problem in sorted(problems, key=lambda p: not p.is_error):
        key = (problem.severity, problem.rule)
        shown[key] += 1
        if shown[key] <= per_rule:
            colour = "red" if problem.is_error else "yellow"
            _echo(str(problem), fg=colour, err=True)
    for (severity, rule), count in shown.items():
        if count > per_rule:
            _echo(
                f"... and {count - per_rule} more {severity}(s) of rule [{rule}] like these.",
                fg="red" if severity == "error" else "yellow",
                err=True,
            )


class _Group(click.Group):
    """The command group: no exception leaves a command as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:
            exc.message = reveal_controls(exc.message)
            raise
        except OSError as exc:  # e.g. an export into a full or read-only folder
            where = f" ({exc.filename})" if exc.filename else ""
            code = errno.errorcode.get(exc.errno or 0, "")
            raise click.ClickException(
                reveal_controls(f"{exc.strerror or exc}{f' ({code})' if code else ''}{where}")
                + "; check the folder and try again"
            ) from None
        except MemoryError:
            raise click.ClickException(
                "not enough memory to finish; nothing was written. Try smaller inputs "
                "(e.g. a lower --max-mb or --dpi)."
            ) from None
        except CatalogError as exc:  # e.g. a catalog database that cannot be reached
            raise click.ClickException(reveal_controls(str(exc))) from None
        except Exception as exc:  # the command boundary: one line, never a traceback
            detail = reveal_controls(str(exc).split("\n")[0][:160])
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {detail}. This is a bug in regionmap; "
                "please report it with the command you ran."
            ) from None


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="regionmap")
def cli() -> None:
    """regionmap: a source-cited regional map explorer.

    Layers live in a catalog: layers/<id>.yaml (metadata and sources) pointing at
    data/<id>.geojson. Run `streamlit run app.py` to explore them in the browser.
    """


@cli.command(name="layers")
@catalog_option
def layers_command(catalog_dir: str | None) -> None:
    """List the layers: id, title, features, licence and status.

    \b
    Example:
        regionmap layers
        regionmap layers --catalog ~/my-maps
    """
    catalog = open_catalog(catalog_dir)
    entries = catalog.entries()
    if not entries:
        _echo("No layers in the catalog.")
        return
    rows = []
    for entry in entries:
        layer = catalog.load_entry(entry)
        errors = sum(p.is_error for p in layer.problems)
        status = "ok" if layer.ok else f"{errors} problem{'s' * (errors != 1)}"
        tiles = tile_status(layer.data_path)
        status += f", {tiles}" if tiles else ""
        title = _cell(layer.meta.title) if layer.meta else "?"
        licence = layer.meta.license if layer.meta else "?"
        rows.append((_cell(entry.id), title, str(len(layer.features)), licence, status))
    header = ("ID", "TITLE", "FEATURES", "LICENSE", "STATUS")
    widths = [max(len(r[i]) for r in (*rows, header)) for i in range(5)]
    for row in (header, *rows):
        _echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def _cell(text: str, width: int = 48) -> str:
    """A table cell: control characters visible, long text cut."""
    text = reveal_controls(text)
    return text if len(text) <= width else text[: width - 1] + "…"


@cli.command(name="validate")
@click.argument("layer_ids", nargs=-1, metavar="[ID]...")
@catalog_option
@click.option("--fix", is_flag=True, help="Report what --fix would repair as warnings.")
def validate_command(layer_ids: tuple[str, ...], catalog_dir: str | None, fix: bool) -> None:
    """Check layers (all by default) and print every problem.

    Exits 0 when every layer is valid (warnings allowed) and 1 when any has an error.

    \b
    Example:
        regionmap validate
        regionmap validate basing test-ranges
    """
    catalog = open_catalog(catalog_dir)
    for layer_id in layer_ids:
        if not is_kebab_id(layer_id):
            raise click.UsageError(
                f"{layer_id[:80]!r} is not a layer id; validate takes ids such as "
                "test-ranges (kebab-case, never a path): see `regionmap layers`"
            )
    ids = list(layer_ids) or catalog.ids()
    failed = 0
    for layer_id in ids:
        entry = catalog.entry(layer_id)
        if entry is None:
            known = catalog.ids()
            raise click.UsageError(
                f"there is no layer {layer_id!r}; choose from: {', '.join(known[:30])}"
                + (", ..." if len(known) > 30 else "")
            )
        meta, _ = catalog.load_meta(entry)
        resolutions = [None, *(meta.resolutions if meta else {})]
        problems: list[Problem] = []
        count = 0
        data_path = None
        for resolution in resolutions:
            layer = catalog.load_entry(entry, resolution=resolution, fix=fix)
            problems += [p for p in layer.problems if p not in problems]
            count = count or len(layer.features)
            data_path = data_path or layer.data_path
        problems += _tile_problems(entry, data_path)
        errors = sum(p.is_error for p in problems)
        warnings = len(problems) - errors
        _echo_problems(problems)
        if errors:
            failed += 1
            _echo(f"{layer_id}: {errors} error(s), {warnings} warning(s)", fg="red")
        else:
            _echo(f"{layer_id}: ok ({count} features, {warnings} warning(s))")
    if failed:
        raise SystemExit(1)


def _tile_problems(entry: Any, data_path: Path | None) -> list[Problem]:
    """A warning when the layer's vector tiles were cut from an older GeoJSON."""
    if tile_status(data_path) != "tiles stale" or data_path is None:
        return []
    return [
        Problem(
            entry.display(archive_for(data_path)),
            "tiles-stale",
            "the vector tiles were cut from an earlier version of the layer's GeoJSON, so the "
            "map may draw old features.",
            f"Run `regionmap tiles {entry.id}` to cut them again.",
            severity="warning",
        )
    ]


def read_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options for files other than GeoJSON: sub-layer, coordinate columns, CRS."""
    options = [
        click.option("--layer", "sub_layer", help="Sub-layer to read (GPX, GeoPackage, KML)."),
        click.option("--lat", help="Spreadsheet column with latitudes (default: found by name)."),
        click.option("--lon", help="Spreadsheet column with longitudes (default: by name)."),
        click.option("--wkt", help="Spreadsheet column with WKT geometries."),
        click.option("--crs", help="CRS of a file that has none, e.g. EPSG:32633."),
    ]
    for option in reversed(options):
        fn = option(fn)

    def wrapper(**kwargs: Any) -> Any:
        kwargs["read"] = ReadOptions(
            layer=kwargs.pop("sub_layer"),
            lat=kwargs.pop("lat"),
            lon=kwargs.pop("lon"),
            wkt=kwargs.pop("wkt"),
            crs=kwargs.pop("crs"),
        )
        return fn(**kwargs)

    return functools.update_wrapper(wrapper, fn)


def mapping_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options that map a new layer in one step: popup, time fields, style, per-row sources."""
    options = [
        click.option("--popup", help="Properties for the popup, comma-separated."),
        click.option("--date", "date_field", help="Property holding each feature's date."),
        click.option("--start", "start_field", help="Property holding the start of a range."),
        click.option("--end", "end_field", help="Property holding the end of a range."),
        click.option("--color", help='Marker and line colour, e.g. "#0072b2".'),
        click.option("--marker", type=click.Choice(MARKERS), help="Point marker shape."),
        click.option("--source-column", help="Property holding a source link for each row."),
    ]
    for option in reversed(options):
        fn = option(fn)

    def wrapper(**kwargs: Any) -> Any:
        popup = kwargs.pop("popup")
        kwargs["mapping"] = LayerMapping(
            popup=tuple(p.strip() for p in popup.split(",") if p.strip()) if popup else (),
            date=kwargs.pop("date_field"),
            start=kwargs.pop("start_field"),
            end=kwargs.pop("end_field"),
            color=kwargs.pop("color"),
            marker=kwargs.pop("marker"),
            source_column=kwargs.pop("source_column"),
        )
        return fn(**kwargs)

    return functools.update_wrapper(wrapper, fn)


@cli.command(name="add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "layer_id", required=True, help="Layer id, kebab-case, e.g. my-bases.")
@click.option("--title", required=True, help="Layer title shown in the app and exports.")
@click.option(
    "--license",
    "license_id",
    required=True,
    help='SPDX licence id, e.g. "CC0-1.0", "PDDL-1.0", or "other".',
)
@click.option("--license-url", help='Link to the licence terms (needed with "other").')
@click.option("--source-title", required=True, help="Title of the source the data comes from.")
@click.option("--source-url", required=True, help="http(s) link to the source.")
@click.option("--source-publisher", help="Publisher of the source (default: the link's host).")
@click.option("--description", default="", help="A sentence on what the layer shows.")
@read_options
@mapping_options
@catalog_option
@click.option("--force", is_flag=True, help="Replace an existing layer with the same id.")
@click.option(
    "--fix", is_flag=True, help="Repair invalid polygons with make_valid (each repair is reported)."
)
@click.option(
    "--tiles/--no-tiles",
    default=None,
    help=f"Also cut vector tiles (PMTiles) for the browser. Default: when the layer has more "
    f"than {TILE_FEATURE_THRESHOLD:,} features.",
)
@limit_options
def add_command(
    file: Path,
    layer_id: str,
    title: str,
    license_id: str,
    license_url: str | None,
    source_title: str,
    source_url: str,
    source_publisher: str | None,
    description: str,
    read: ReadOptions,
    mapping: LayerMapping,
    catalog_dir: str | None,
    force: bool,
    fix: bool,
    tiles: bool | None,
    max_mb: int,
    max_features: int,
    max_vertices: int,
    max_depth: int,
) -> None:
    """Validate a layer file and add it to the catalog as a new layer.

    Reads GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, GPX, TopoJSON, FlatGeobuf,
    zipped FileGDB and CSV/TSV/XLSX with coordinate columns. Writes data/<ID>.geojson and
    layers/<ID>.yaml atomically; on any error nothing is written. Coordinates are normalised
    to WGS 84 longitude/latitude with 6 decimals and RFC 7946 winding; properties are kept
    as they are. A layer of more than the tile threshold's features is also cut into
    data/<ID>.pmtiles, which the map draws from (see --tiles).

    \b
    Example:
        regionmap add bases.geojson --id my-bases --title "My bases" \\
            --license CC0-1.0 --source-title "Base list" \\
            --source-url https://example.org/bases
        regionmap add airports.csv --id airports --title Airports \\
            --license CC0-1.0 --source-title FAA --source-url https://www.faa.gov/ \\
            --popup name,city --color "#0072b2" --marker square
    """
    from regionmap.store import NewLayer

    catalog = open_catalog(catalog_dir)
    new = NewLayer(
        id=layer_id,
        title=title,
        license=license_id,
        license_url=license_url,
        source_title=source_title,
        source_url=source_url,
        source_publisher=source_publisher,
        description=description,
    )
    limits = _limits(max_mb, max_features, max_vertices, max_depth)
    size = os.path.getsize(file)
    add = functools.partial(
        catalog.add, file, new, force=force, fix=fix, limits=limits, options=read, mapping=mapping
    )
    try:
        if size >= PROGRESS_BYTES:
            # Reading the JSON comes first (about a third of the time), then the features;
            # cutting tiles, when due, gets a bar of its own.
            with (
                click.progressbar(length=100, label=f"Checking {file.name}") as bar,
                _TileBar(file.name) as tile_bar,
            ):
                result = add(
                    progress=lambda done, total: bar.update(done * 100 // total - bar.pos),
                    tiles=tiles,
                    tile_progress=tile_bar.update,
                )
        else:
            result = add(tiles=tiles)
    except InvalidLayerError as exc:
        _echo_problems(exc.problems)
        raise click.ClickException(str(exc)) from None
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    _echo_problems(result.warnings)
    _echo(add_summary(layer_id, result))


class _TileBar:
    """A progress bar for cutting tiles, shown only once tippecanoe reports progress."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar: Any = None

    def __enter__(self) -> _TileBar:
        return self

    def update(self, fraction: float) -> None:
        """Move the bar to ``fraction`` (0.0 to 1.0), opening it on the first report."""
        if self.bar is None:
            self.bar = click.progressbar(length=100, label=f"Cutting tiles of {self.name}")
            self.bar.__enter__()
        self.bar.update(int(fraction * 100) - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.command(name="tiles")
@click.argument("layer_id", metavar="ID")
@catalog_option
@click.option("--remove", is_flag=True, help="Remove the layer's tiles instead of cutting them.")
def tiles_command(layer_id: str, catalog_dir: str | None, remove: bool) -> None:
    """Cut (or re-cut) a layer's vector tiles from its GeoJSON, or remove them.

    The tiles are data/<ID>.pmtiles beside the layer's GeoJSON, keyed by the GeoJSON's
    SHA-256: `regionmap layers` says "tiles stale" after the GeoJSON was edited, and this
    command cuts them again.

    \b
    Example:
        regionmap tiles places
        regionmap tiles places --remove
    """
    from regionmap.store import cut_layer_tiles, remove_layer_tiles

    catalog = open_catalog(catalog_dir)
    if not is_kebab_id(layer_id) or catalog.entry(layer_id) is None:
        raise click.UsageError(
            f"there is no layer {reveal_controls(layer_id[:80])!r}; see `regionmap layers`"
        )
    try:
        if remove:
            done = remove_layer_tiles(catalog, layer_id)
            _echo(f"Removed the tiles of {layer_id!r}." if done else f"{layer_id!r} has no tiles.")
            return
        with _TileBar(layer_id) as bar:
            archive = cut_layer_tiles(catalog, layer_id, progress=bar.update)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    _echo(f"Cut the tiles of {layer_id!r}: {archive.name}, {archive.stat().st_size:,} bytes.")


@cli.command(name="regions")
def regions_command() -> None:
    """List the region presets: name, title and bounding box.

    \b
    Example:
        regionmap regions
    """
    for region in load_regions().values():
        west, south, east, north = region.bbox
        _echo(f"{region.name:30} {region.title:36} [{west}, {south}, {east}, {north}]")


ISO3 = re.compile(r"^[A-Z]{3}$")
YEARS = re.compile(r"^(\d{1,4})(?:-(\d{1,4}))?$")
SUFFIXES = {
    ".png": "png",
    ".svg": "svg",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".bib": "bib",
    ".ris": "ris",
    ".zip": "bundle",
}


def _split(values: tuple[str, ...]) -> list[str]:
    """Values of a repeatable option that may also be comma-separated, without repeats."""
    items = (item.strip() for value in values for item in value.split(","))
    return list(dict.fromkeys(item for item in items if item))


def _countries(values: tuple[str, ...]) -> tuple[str, ...]:
    """Upper-cased ISO 3166-1 alpha-3 codes; anything else is a usage error."""
    codes = [code.upper() for code in _split(values)]
    bad = [code for code in codes if not ISO3.match(code)]
    if bad:
        raise click.BadParameter(
            f"{', '.join(map(repr, bad))} is not an ISO 3166-1 alpha-3 code such as JPN",
            param_hint="'--country'",
        )
    return tuple(codes)


def _years(value: str | None) -> tuple[int, int] | None:
    """``FROM-TO`` (or one year) as an inclusive range."""
    if not value:
        return None
    match = YEARS.match(value.strip())
    low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (1, 0)
    if low > high:
        raise click.BadParameter(
            f"{value!r} is not a year range; write FROM-TO with FROM <= TO, e.g. 1990-2020",
            param_hint="'--years'",
        )
    return low, high


def _export_format(fmt: str | None, out: Path) -> str:
    """The format given, or the one the output file's suffix names."""
    if fmt:
        return fmt.lower()
    if out.suffix.lower() in SUFFIXES:
        return SUFFIXES[out.suffix.lower()]
    raise click.UsageError(
        f"cannot tell the format from {out.name!r}; give --format "
        f"{'|'.join(FORMATS)} or an --out name ending in .png, .svg, .pdf, .html, .bib, .ris "
        "or .zip"
    )


@cli.command(name="export")
@click.option("--region", metavar="NAME", help="A region preset (see `regionmap regions`).")
@click.option("--bbox", metavar="W,S,E,N", help="The view: west,south,east,north in degrees.")
@click.option(
    "--layers", "layer_ids", metavar="ID,ID", help="Layers to show (default: the default-visible)."
)
@click.option(
    "--search", default="", metavar="TEXT", help="Only features whose name or note has TEXT."
)
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="ISO3",
    help="Only features in, hosted by or used by this country (repeat or comma-separate); "
    "layers without country fields are hidden.",
)
@click.option(
    "--agreement",
    "agreements",
    multiple=True,
    metavar="KEY",
    help="Only basing sites under this agreement; layers without agreements are hidden.",
)
@click.option(
    "--years",
    metavar="FROM-TO",
    help="Only features present during these years (an open site counts as still present).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    help="File format (default: from the --out suffix).",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (replaced atomically).",
)
@click.option("--title", help="Figure title (default: the region's name).")
@click.option(
    "--dpi",
    type=click.IntRange(*DPI_RANGE),
    default=DEFAULT_DPI,
    show_default=True,
    help="PNG resolution.",
)
@click.option(
    "--width-in",
    type=click.FloatRange(*WIDTH_RANGE),
    default=DEFAULT_WIDTH_IN,
    show_default=True,
    help="Figure width in inches; the height follows the view and the source list.",
)
@click.option(
    "--labels/--no-labels",
    default=None,
    help="Label points with name and source numbers (default: when at most 40 points).",
)
@click.option(
    "--feature",
    "selected",
    metavar="LAYER:ID",
    help="The selected feature: the HTML map opens with its popup open.",
)
@click.option(
    "--paper",
    type=click.Choice(list(PAPERS), case_sensitive=False),
    help="Print on this paper (exact page size, print margins); default: free --width-in.",
)
@click.option(
    "--orientation",
    type=click.Choice(ORIENTATIONS, case_sensitive=False),
    default="portrait",
    show_default=True,
    help="Paper orientation (with --paper).",
)
@click.option("--north-arrow", is_flag=True, help="Draw a north arrow in a free map corner.")
@click.option(
    "--inset/--no-inset", default=True, show_default=True, help="Draw an inset locator map."
)
@click.option(
    "--width",
    "screen_width",
    type=click.IntRange(*SCREEN_PX_RANGE),
    default=DEFAULT_SCREEN[0],
    show_default=True,
    help="Screenshot: the browser window's width in pixels.",
)
@click.option(
    "--height",
    "screen_height",
    type=click.IntRange(*SCREEN_PX_RANGE),
    default=DEFAULT_SCREEN[1],
    show_default=True,
    help="Screenshot: the browser window's height in pixels (the footer band adds to it).",
)
@click.option(
    "--scale",
    type=click.FloatRange(*SCALE_RANGE),
    default=DEFAULT_SCALE,
    show_default=True,
    help="Screenshot: device pixel ratio (2 for print).",
)
@click.option(
    "--date",
    "export_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Export date printed on the figure (default: today or $SOURCE_DATE_EPOCH).",
)
@catalog_option
def export_command(
    region: str | None,
    bbox: str | None,
    layer_ids: str | None,
    search: str,
    countries: tuple[str, ...],
    agreements: tuple[str, ...],
    years: str | None,
    fmt: str | None,
    out: Path,
    title: str | None,
    dpi: int,
    width_in: float,
    labels: bool | None,
    selected: str | None,
    paper: str | None,
    orientation: str,
    north_arrow: bool,
    inset: bool,
    screen_width: int,
    screen_height: int,
    scale: float,
    export_date: dt.datetime | None,
    catalog_dir: str | None,
) -> None:
    """Export a view as a figure, an HTML map, a screenshot, citation files or a bundle.

    Formats: PNG, SVG and PDF figures, a standalone HTML map, the numbered sources as
    BibTeX, CSL-JSON or RIS, and a zip bundle of them all with a manifest. `--format
    screenshot` saves the HTML map as a headless Chromium shows it (PNG at --scale, credits
    and sources in a footer band); it needs Chromium (apt-get install chromium, or
    $REGIONMAP_CHROMIUM) and never downloads one. The figure has
    a title, legend, scale bar, inset locator, credits and the numbered sources of the
    features in the frame (the numbers of the app's sources panel). The same inputs give
    byte-identical SVG, PDF and bundle files.

    \b
    Example:
        regionmap export --region japan --format pdf --out japan.pdf
        regionmap export --region japan --paper a4 --north-arrow --out j.pdf
        regionmap export --region japan --format csl-json --out japan.json
        regionmap export --region japan --format screenshot --out japan.png
        regionmap export --bbox 124,33,131,43.5 --layers basing,countries \\
            --country KOR --years 1950-2020 --out korea.png --dpi 200
    """
    if (region is None) == (bbox is None):
        raise click.UsageError("give either --region NAME or --bbox W,S,E,N (exactly one)")
    filters = Filters(
        search=search.strip(),
        countries=_countries(countries),
        agreements=tuple(_split(agreements)),
        years=_years(years),
    )
    try:
        result = export_view(
            open_catalog(catalog_dir),
            region=region,
            bbox=bbox,
            layers=_split((layer_ids,)) if layer_ids else None,
            filters=filters,
            fmt=_export_format(fmt, out),
            out=out,
            title=title,
            dpi=dpi,
            width_in=width_in,
            labels=labels,
            export_date=export_date.date() if export_date else None,
            selected=selected,
            paper=paper,
            orientation=orientation,
            north_arrow=north_arrow,
            inset=inset,
            screen=(screen_width, screen_height),
            scale=scale,
        )
    except ExportUsageError as exc:
        raise click.UsageError(str(exc)) from None
    except (CatalogError, NotImplementedError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in result.warnings:
        _echo(f"warning: {warning}", fg="yellow", err=True)
    pages = f", {result.pages} pages" if result.pages > 1 else ""
    _echo(
        f"Wrote {result.path} ({result.fmt}{pages}): {result.features} feature(s), "
        f"{result.sources} source(s)."
    )


@cli.group(name="catalog")
def catalog_group() -> None:
    """Set up a catalog store, or copy layers between stores (folder and PostGIS).

    \b
    Example:
        regionmap catalog init postgresql://me:secret@db.example.org/maps
        regionmap catalog copy ~/my-maps postgresql://me:secret@db.example.org/maps
    """


@catalog_group.command(name="init")
@click.argument("spec", metavar="DIR|URL")
def catalog_init_command(spec: str) -> None:
    """Create a catalog: the tables of a PostGIS database, or a folder's layers/ and data/.

    Running it again is safe; a PostGIS catalog is brought to the latest schema version.

    \b
    Example:
        regionmap catalog init postgresql://me:secret@localhost:5432/maps?schema=team
        regionmap catalog init ~/my-maps
    """
    from regionmap.stores import is_url

    if not is_url(spec):
        folder = Path(spec).expanduser()
        for sub in ("layers", "data"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        click.echo(f"Catalog folder {folder} is ready (layers/ and data/).")
        return
    catalog = open_catalog(spec)
    from regionmap.pg_schema import LATEST

    count = len(catalog.own_ids())
    click.echo(f"Catalog {catalog.location} is ready (schema version {LATEST}, {count} layer(s)).")


@catalog_group.command(name="copy")
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
@click.option("--id", "layer_ids", multiple=True, help="Copy only this layer (repeatable).")
@click.option("--force", is_flag=True, help="Replace layers the destination already has.")
def catalog_copy_command(source: str, target: str, layer_ids: tuple[str, ...], force: bool) -> None:
    """Copy the layers of one catalog into another (folders and postgresql:// URLs).

    Copies each layer's metadata and GeoJSON byte for byte, so a copy to PostGIS and back
    gives the same files. Every layer is checked first; broken ones are left out.

    \b
    Example:
        regionmap catalog copy ~/my-maps postgresql://me:secret@localhost/maps
        regionmap catalog copy postgresql://me:secret@localhost/maps ~/backup --id my-bases
    """
    from regionmap.catalog_copy import copy_catalog

    src, dst = open_catalog(source), open_catalog(target)
    report = copy_catalog(
        src,
        dst,
        ids=list(layer_ids) or None,
        force=force,
        progress=lambda layer_id: click.echo(f"Copied {layer_id}"),
    )
    _echo_problems(report.problems)
    for layer_id, why in report.skipped:
        click.secho(f"Left out {layer_id}: {why}.", fg="yellow", err=True)
    click.echo(
        f"Copied {len(report.copied)} layer(s) from {src.location} to {dst.location}"
        + (f"; left out {len(report.skipped)}." if report.skipped else ".")
    )
    if report.skipped:
        raise SystemExit(1)
