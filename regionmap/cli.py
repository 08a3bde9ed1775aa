"""The ``regionmap`` command line: list, validate and add layers; list regions; export views.

Exit codes: 0 ok, 1 invalid input (a problem in a file or a refused write), 2 usage error.
Errors are one clear message each, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from regionmap import __version__
from regionmap.catalog import CATALOG_ENV, Catalog, load_entry, load_meta
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
from regionmap.geojson import Limits
from regionmap.problems import CatalogError, InvalidLayerError, Problem
from regionmap.regions import load_regions

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
PROGRESS_BYTES = 20 * 1024 * 1024
"""Files at least this large (about a second of work) get a progress bar."""


def catalog_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared ``--catalog DIR`` option."""
    return click.option(
        "--catalog",
        "catalog_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=CATALOG_ENV,
        help=f"A second catalog folder (with layers/ and data/). Env: {CATALOG_ENV}.",
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
    return fn


def _limits(max_mb: int, max_features: int, max_vertices: int) -> Limits:
    return Limits(
        max_bytes=max_mb * 1_000_000, max_features=max_features, max_vertices=max_vertices
    )


def _echo_problems(problems: list[Problem], per_rule: int = 10) -> None:
    """Print problems to stderr, errors first, at most ``per_rule`` of each rule."""
    shown: Counter[tuple[str, str]] = Counter()
    for problem in sorted(problems, key=lambda p: not p.is_error):
        key = (problem.severity, problem.rule)
        shown[key] += 1
        if shown[key] <= per_rule:
            colour = "red" if problem.is_error else "yellow"
            click.secho(str(problem), fg=colour, err=True)
    for (severity, rule), count in shown.items():
        if count > per_rule:
            click.secho(
                f"... and {count - per_rule} more {severity}(s) of rule [{rule}] like these.",
                fg="red" if severity == "error" else "yellow",
                err=True,
            )


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="regionmap")
def cli() -> None:
    """regionmap: a source-cited regional map explorer.

    Layers live in a catalog: layers/<id>.yaml (metadata and sources) pointing at
    data/<id>.geojson. Run `streamlit run app.py` to explore them in the browser.
    """


@cli.command(name="layers")
@catalog_option
def layers_command(catalog_dir: Path | None) -> None:
    """List the layers: id, title, features, licence and status.

    \b
    Example:
        regionmap layers
        regionmap layers --catalog ~/my-maps
    """
    catalog = Catalog(catalog_dir)
    entries = catalog.entries()
    if not entries:
        click.echo("No layers in the catalog.")
        return
    rows = []
    for entry in entries:
        layer = load_entry(entry)
        errors = sum(p.is_error for p in layer.problems)
        status = "ok" if layer.ok else f"{errors} problem{'s' * (errors != 1)}"
        title = layer.meta.title if layer.meta else "?"
        licence = layer.meta.license if layer.meta else "?"
        rows.append((entry.id, title, str(len(layer.features)), licence, status))
    header = ("ID", "TITLE", "FEATURES", "LICENSE", "STATUS")
    widths = [max(len(r[i]) for r in (*rows, header)) for i in range(5)]
    for row in (header, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


@cli.command(name="validate")
@click.argument("layer_ids", nargs=-1, metavar="[ID]...")
@catalog_option
@click.option("--fix", is_flag=True, help="Report what --fix would repair as warnings.")
def validate_command(layer_ids: tuple[str, ...], catalog_dir: Path | None, fix: bool) -> None:
    """Check layers (all by default) and print every problem.

    Exits 0 when every layer is valid (warnings allowed) and 1 when any has an error.

    \b
    Example:
        regionmap validate
        regionmap validate basing test-ranges
    """
    catalog = Catalog(catalog_dir)
    ids = list(layer_ids) or catalog.ids()
    failed = 0
    for layer_id in ids:
        entry = catalog.entry(layer_id)
        if entry is None:
            raise click.UsageError(
                f"there is no layer {layer_id!r}; choose from: {', '.join(catalog.ids())}"
            )
        meta, _ = load_meta(entry)
        resolutions = [None, *(meta.resolutions if meta else {})]
        problems: list[Problem] = []
        count = 0
        for resolution in resolutions:
            layer = load_entry(entry, resolution=resolution, fix=fix)
            problems += [p for p in layer.problems if p not in problems]
            count = count or len(layer.features)
        errors = sum(p.is_error for p in problems)
        warnings = len(problems) - errors
        _echo_problems(problems)
        if errors:
            failed += 1
            click.secho(f"{layer_id}: {errors} error(s), {warnings} warning(s)", fg="red")
        else:
            click.echo(f"{layer_id}: ok ({count} features, {warnings} warning(s))")
    if failed:
        raise SystemExit(1)


def _check_colour(value: str | None) -> str | None:
    """The ``--color`` value, checked: ``#rrggbb``."""
    if value is None or re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.lower() if value else None
    raise click.BadParameter(f"{value!r} is not a colour; give it as #rrggbb, e.g. #cc79a7")


def _style_option(colour: str | None, marker: str | None) -> dict | None:
    """The ``style`` metadata from ``--color``/``--marker`` (``None`` when neither is given)."""
    if colour is None and marker is None:
        return None
    style: dict = {}
    if colour:
        style |= {"color": colour, "fill_color": colour, "fill_opacity": 0.9}
    if marker:
        style["marker"] = marker
    return style


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
@click.option(
    "--color",
    "colour",
    metavar="#RRGGBB",
    callback=lambda ctx, param, value: _check_colour(value),
    help="Marker and outline colour (default: one clearly distinct from the other layers).",
)
@click.option(
    "--marker",
    type=click.Choice(["circle", "square", "triangle", "diamond"]),
    help="Marker shape for points (default: chosen with the colour).",
)
@catalog_option
@click.option("--force", is_flag=True, help="Replace an existing layer with the same id.")
@click.option(
    "--fix", is_flag=True, help="Repair invalid polygons with make_valid (each repair is reported)."
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
    colour: str | None,
    marker: str | None,
    catalog_dir: Path | None,
    force: bool,
    fix: bool,
    max_mb: int,
    max_features: int,
    max_vertices: int,
) -> None:
    """Validate a GeoJSON file and add it to the catalog as a new layer.

    Writes data/<ID>.geojson and layers/<ID>.yaml atomically; on any error nothing is
    written. Coordinates are normalised to WGS 84 longitude/latitude with 6 decimals and
    RFC 7946 winding; properties are kept as they are.

    \b
    Example:
        regionmap add bases.geojson --id my-bases --title "My bases" \\
            --license CC0-1.0 --source-title "Base list" \\
            --source-url https://example.org/bases
    """
    from regionmap.store import NewLayer, add_layer

    catalog = Catalog(catalog_dir)
    new = NewLayer(
        id=layer_id,
        title=title,
        license=license_id,
        license_url=license_url,
        source_title=source_title,
        source_url=source_url,
        source_publisher=source_publisher,
        description=description,
        style=_style_option(colour, marker),
    )
    limits = _limits(max_mb, max_features, max_vertices)
    size = os.path.getsize(file)
    try:
        if size >= PROGRESS_BYTES:
            # Reading the JSON comes first (about a third of the time), then the features.
            with click.progressbar(length=100, label=f"Checking {file.name}") as bar:
                result = add_layer(
                    catalog,
                    file,
                    new,
                    force=force,
                    fix=fix,
                    limits=limits,
                    progress=lambda done, total: bar.update(done * 100 // total - bar.pos),
                )
        else:
            result = add_layer(catalog, file, new, force=force, fix=fix, limits=limits)
    except InvalidLayerError as exc:
        _echo_problems(exc.problems)
        raise click.ClickException(str(exc)) from None
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    _echo_problems(result.warnings)
    where = result.meta_path.parent.parent
    click.echo(
        f"Added layer {layer_id!r}: {result.feature_count} features, "
        f"{len(result.warnings)} warning(s). Wrote {result.data_path.relative_to(where)} "
        f"and {result.meta_path.relative_to(where)} in {where}."
    )


@cli.command(name="regions")
def regions_command() -> None:
    """List the region presets: name, title and bounding box.

    \b
    Example:
        regionmap regions
    """
    for region in load_regions().values():
        west, south, east, north = region.bbox
        click.echo(f"{region.name:30} {region.title:36} [{west}, {south}, {east}, {north}]")


ISO3 = re.compile(r"^[A-Z]{3}$")
YEARS = re.compile(r"^(\d{1,4})(?:-(\d{1,4}))?$")
SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".html": "html", ".htm": "html"}


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
        f"{'|'.join(FORMATS)} or an --out name ending in .png, .svg, .pdf or .html"
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
    help="Only features in, hosted by or used by this country (repeat or comma-separate).",
)
@click.option(
    "--agreement",
    "agreements",
    multiple=True,
    metavar="KEY",
    help="Only basing sites under this agreement (repeat or comma-separate).",
)
@click.option("--years", metavar="FROM-TO", help="Only features dated within these years.")
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
@click.option("--title", help="Figure title (default: the region and the layers shown).")
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
    export_date: dt.datetime | None,
    catalog_dir: Path | None,
) -> None:
    """Export a view as a report figure (PNG, SVG, PDF) or a standalone HTML map.

    The figure has a title, legend, scale bar, credits and the numbered sources of the
    features in the frame (the numbers of the app's sources panel). The same inputs give
    byte-identical SVG and PDF files.

    \b
    Example:
        regionmap export --region japan --format pdf --out japan.pdf
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
            Catalog(catalog_dir),
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
        )
    except ExportUsageError as exc:
        raise click.UsageError(str(exc)) from None
    except (CatalogError, NotImplementedError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    pages = f", {result.pages} pages" if result.pages > 1 else ""
    click.echo(
        f"Wrote {result.path} ({result.fmt}{pages}): {result.features} feature(s), "
        f"{result.sources} source(s)."
    )
