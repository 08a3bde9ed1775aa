"""Read the files users hold (Shapefile, GeoPackage, KML/KMZ, GPX, TopoJSON, FlatGeobuf,
FileGDB, CSV/TSV/XLSX with coordinates) into GeoJSON, then check them like any GeoJSON.

Every format but GeoJSON is read through GDAL (pyogrio), turned into a GeoJSON
FeatureCollection in WGS 84, written to a temporary file and passed to
:func:`regionmap.geojson.read_geojson`, so the same rules and the same kind of messages apply
to every format. Messages name the file, the sub-layer (``file.gpx [layer tracks]``) and, for
spreadsheets, the row.

What is decided here, and documented in the README:

- **Which sub-layers.** A file with several layers (GPX, GeoPackage, KML folders) gives one
  layer: ``--layer NAME`` picks one, otherwise every non-empty sub-layer is read and each
  feature gets a ``source_layer`` property. GPX ``route_points`` and ``track_points`` repeat
  the vertices of the routes and tracks, so they are read only when named.
- **Spreadsheets.** Coordinates come from columns named lat/latitude/y and
  lon/lng/long/longitude/x (any case, any order), or ``--lat``/``--lon``; or from a WKT column
  (wkt/geometry/geom, or ``--wkt``). Values are read as text; a column becomes numbers only
  when every value in it is a plain number without leading zeros, so codes such as ``00M``
  or ZIP codes stay text.
- **CRS.** Taken from the source (.prj, GeoPackage srs) and reprojected to WGS 84. A file
  without a CRS whose coordinates cannot be longitude/latitude is refused with the fix.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from regionmap.geojson import Limits, ReadResult, read_geojson
from regionmap.problems import Problem

__all__ = [
    "SPREADSHEETS",
    "UPLOAD_SUFFIXES",
    "FormatError",
    "ReadOptions",
    "read_any",
    "sniff",
]

#: File suffixes an upload may have (the content decides the format).
UPLOAD_SUFFIXES = (
    "geojson", "json", "topojson", "zip", "gpkg", "kml", "kmz", "gpx", "fgb",
    "csv", "tsv", "txt", "xlsx", "ods",
)  # fmt: skip
#: Formats read as tables of rows with coordinate columns.
SPREADSHEETS = ("csv", "tsv", "xlsx", "ods")
#: GPX sub-layers that repeat the vertices of routes and tracks.
GPX_POINT_LAYERS = ("route_points", "track_points")
#: The KML standard fields GDAL adds to every placemark, with their "not set" values.
KML_DEFAULTS: dict[str, Any] = {
    "id": None,
    "Name": None,
    "description": None,
    "timestamp": None,
    "begin": None,
    "end": None,
    "altitudeMode": None,
    "tessellate": -1,
    "extrude": 0,
    "visibility": -1,
    "drawOrder": None,
    "icon": None,
}
LAT_NAMES = ("lat", "latitude", "y")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
_PLAIN_INT = re.compile(r"^-?(?:0|[1-9]\d{0,14})$")
_PLAIN_FLOAT = re.compile(r"^-?(?:0|[1-9]\d*)\.\d+(?:[eE][-+]?\d+)?$")

# What a file's first bytes say it is, for files that are no format we read.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.xls/.doc)"),
)
_EXTENSIONS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".topojson": "topojson",
    ".shp": "shapefile",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".kmz": "kmz",
    ".gpx": "gpx",
    ".fgb": "flatgeobuf",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".ods": "ods",
}
FORMAT_NAMES = {
    "geojson": "GeoJSON",
    "topojson": "TopoJSON",
    "shapefile": "ESRI Shapefile",
    "zip-shapefile": "zipped ESRI Shapefile",
    "zip-filegdb": "zipped Esri File Geodatabase",
    "gpkg": "GeoPackage",
    "kml": "KML",
    "kmz": "KMZ",
    "gpx": "GPX",
    "flatgeobuf": "FlatGeobuf",
    "csv": "CSV",
    "tsv": "TSV",
    "xlsx": "Excel workbook",
    "ods": "OpenDocument spreadsheet",
}


class FormatError(ValueError):
    """The file is no format regionmap reads, or cannot be read as the one it claims.

    Raised as ``FormatError("what is wrong; what to do")``: ``str()`` is the first part and
    ``fix`` the second, as a sentence.
    """

    def __init__(self, text: str) -> None:
        message, _, fix = text.partition("; ")
        super().__init__(message)
        self.fix = (
            fix[:1].upper() + fix[1:] + "."
            if fix
            else "Export the data again as GeoJSON, "
            "GeoPackage or CSV with coordinate columns, and add that file."
        )


@dataclass(frozen=True)
class ReadOptions:
    """How to read a non-GeoJSON file: which sub-layer, which coordinate columns, which CRS."""

    layer: str | None = None
    lat: str | None = None
    lon: str | None = None
    wkt: str | None = None
    crs: str | None = None


@dataclass
class _Table:
    """Features converted from one source, with what was noted on the way."""

    features: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    """For spreadsheets, the 1-based row (header = 1) each feature came from."""


def sniff(path: str | Path) -> str:
    """Return the format of a file (``"geojson"``, ``"csv"``, ``"zip-shapefile"``, …).

    The content decides where it can (ZIP members, XML root, JSON ``type``, SQLite or
    FlatGeobuf headers); the suffix decides the rest.

    Raises
    ------
    FormatError
        With what the file looks like ("this is a PNG image"), when it is no format read here.

    Examples
    --------
    >>> sniff("tests/corpus/valid-point.geojson")  # doctest: +SKIP
    'geojson'
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    suffix = path.suffix.lower()
    if not head.strip():
        raise FormatError("the file is empty; export the layer again and add the new file")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise FormatError(
                f"this is {what}, not a map layer; add a GeoJSON, Shapefile, "
                "GeoPackage, KML, GPX or CSV file instead"
            )
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path, suffix)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"fgb\x03"):
        return "flatgeobuf"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        lowered = text[:4096].lower()
        if b"<kml" in lowered:
            return "kml"
        if b"<gpx" in lowered:
            return "gpx"
        if b"<html" in lowered or b"<!doctype html" in lowered:
            raise FormatError(
                "this is a web page (HTML), not a map layer; save the data file "
                "the page links to instead"
            )
        raise FormatError(
            "this is an XML file but neither KML nor GPX; export the layer as KML, GPX or GeoJSON"
        )
    if text.startswith((b"{", b"[")):
        return "topojson" if re.search(rb'"type"\s*:\s*"Topology"', head) else "geojson"
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise FormatError(
        f"the file type {suffix or '(no suffix)'} is not one regionmap reads; use GeoJSON, "
        "zipped Shapefile, GeoPackage, KML/KMZ, GPX, TopoJSON, FlatGeobuf or CSV with "
        "coordinate columns"
    )


def _sniff_zip(path: Path, suffix: str) -> str:
    """Which format a ZIP archive holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n.lower() for n in archive.namelist()]
    except zipfile.BadZipFile:
        raise FormatError("this ZIP archive is damaged; download or zip it again") from None
    if suffix == ".kmz" or any(n.endswith(".kml") for n in names):
        return "kmz"
    if any(n.endswith(".shp") for n in names):
        missing = [ext for ext in (".dbf", ".shx") if not any(n.endswith(ext) for n in names)]
        if missing:
            raise FormatError(
                f"this zipped Shapefile lacks its {' and '.join(missing)} file; "
                "zip the .shp together with its .shx, .dbf and .prj files"
            )
        return "zip-shapefile"
    if any(".gdb/" in n for n in names):
        return "zip-filegdb"
    if (suffix == ".xlsx" or "[content_types].xml" in names) and any(
        n.startswith("xl/") for n in names
    ):
        return "xlsx"
    if "mimetype" in names and suffix == ".ods":
        return "ods"
    shown = ", ".join(sorted(names)[:5]) or "nothing"
    raise FormatError(
        f"this ZIP archive holds no map layer ({shown}); zip a Shapefile "
        "(.shp with .shx, .dbf, .prj) or a File Geodatabase (.gdb folder)"
    )


def read_any(
    path: str | Path,
    *,
    options: ReadOptions | None = None,
    fix: bool = False,
    limits: Limits | None = None,
    display_name: str | None = None,
    progress: Any = None,
) -> ReadResult:
    """Read a layer in any supported format and check it as GeoJSON.

    Parameters
    ----------
    path : str or Path
        The file.
    options : ReadOptions, optional
        Sub-layer, coordinate columns and CRS for formats that need them.
    fix, limits, progress
        As for :func:`regionmap.geojson.read_geojson`.
    display_name : str, optional
        How to name the file in messages (defaults to ``path``).

    Returns
    -------
    ReadResult
        As :func:`~regionmap.geojson.read_geojson` returns it; problems name the sub-layer
        and, for spreadsheets, the row.

    Examples
    --------
    >>> read_any("airports.csv").feature_count  # doctest: +SKIP
    3376
    """
    options = options or ReadOptions()
    limits = limits or Limits()
    name = display_name or str(path)
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        return _failed(name, "file", f"cannot be read: {exc.strerror}.", "Check the path.")
    if size > limits.max_bytes:
        return _failed(
            name,
            "limit-size",
            f"is {size / 1e6:.1f} MB, above the cap of {limits.max_bytes / 1e6:.0f} MB.",
            "Split the file, or raise the cap with --max-mb (REGIONMAP_MAX_MB).",
        )
    try:
        kind = sniff(path)
    except FormatError as exc:
        if Path(path).suffix.lower() not in (".geojson", ".json"):
            return _failed(name, "format", f"{exc}.", exc.fix)
        kind = "geojson"  # the GeoJSON reader says what is wrong with its own files
    if Path(path).suffix.lower() in (".geojson", ".json") and kind != "topojson":
        kind = "geojson"  # named GeoJSON: the GeoJSON reader says what it really is
    if kind == "geojson":
        return read_geojson(path, fix=fix, limits=limits, display_name=name, progress=progress)
    try:
        table = _read_table(Path(path), kind, options, name)
    except FormatError as exc:
        return _failed(name, "format", f"{exc}.", exc.fix)
    if any(p.is_error for p in table.problems):
        result = ReadResult(name)
        result.problems = table.problems
        return result
    with _as_geojson_file(table.features) as tmp:
        result = read_geojson(tmp, fix=fix, limits=limits, display_name=name, progress=progress)
    result.problems = table.problems + [_at_row(p, table.rows) for p in result.problems]
    return result


def _failed(name: str, rule: str, message: str, fix: str) -> ReadResult:
    """A result holding one error."""
    result = ReadResult(name)
    result.problems = [Problem(name, rule, message, fix)]
    return result


def _at_row(problem: Problem, rows: Sequence[int | None]) -> Problem:
    """Say "row N" instead of "feature i" for features that came from a spreadsheet row."""
    if problem.feature is None or problem.feature >= len(rows) or rows[problem.feature] is None:
        return problem
    return replace(problem, feature=None, feature_id=None, row=rows[problem.feature])


@contextlib.contextmanager
def _as_geojson_file(features: list[dict[str, Any]]) -> Iterator[Path]:
    """Write features as a FeatureCollection to a temporary file, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="regionmap-read-") as folder:
        tmp = Path(folder) / "converted.geojson"
        doc = {"type": "FeatureCollection", "features": features}
        tmp.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False), encoding="utf-8")
        yield tmp


def _read_table(path: Path, kind: str, options: ReadOptions, name: str) -> _Table:
    """Read the chosen sub-layers of a GDAL source into GeoJSON features."""
    import pyogrio

    source = str(path)
    try:
        listed = [(str(n), t) for n, t in pyogrio.list_layers(source).tolist()]
    except Exception as exc:  # GDAL names the reason; one line, no traceback
        raise FormatError(
            f"GDAL cannot open this {FORMAT_NAMES.get(kind, kind)} file ({_first_line(exc)})"
        ) from None
    table = _Table()
    if kind == "kml":
        table.problems += _kml_coordinate_problems(path, name)
        if table.problems:
            return table
    chosen = _choose_layers(listed, kind, options, name)
    for layer_name in chosen:
        where = f"{name} [layer {layer_name.strip()}]" if len(listed) > 1 else name
        part = (
            _read_rows(source, layer_name, options, where)
            if kind in SPREADSHEETS
            else _read_features(source, layer_name, kind, options, where)
        )
        if not part.features and not part.problems:
            if len(chosen) > 1:
                table.problems.append(
                    Problem(where, "empty-layer", "is empty and was skipped.", "", "warning")
                )
            continue
        if len(chosen) > 1:
            for feature in part.features:
                feature["properties"]["source_layer"] = layer_name.strip()
        table.features += part.features
        table.rows += part.rows or [None] * len(part.features)
        table.problems += part.problems
    if not table.features and not table.problems:
        table.problems.append(
            Problem(name, "empty", "holds no features.", "Check that the right file was chosen.")
        )
    return table


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message, without paths GDAL may prepend."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _choose_layers(
    listed: list[tuple[str, Any]], kind: str, options: ReadOptions, name: str
) -> list[str]:
    """The sub-layers to read: the one asked for, or all (GPX point repeats left out)."""
    names = [n for n, _ in listed]
    if options.layer is not None:
        wanted = options.layer.strip()
        for layer_name in names:
            if layer_name.strip() == wanted:
                return [layer_name]
        raise FormatError(
            f"has no layer {options.layer!r}; choose one of: "
            + ", ".join(repr(n.strip()) for n in names)
        )
    if kind == "gpx":
        return [n for n in names if n not in GPX_POINT_LAYERS]
    return names


def _read_features(
    source: str, layer_name: str, kind: str, options: ReadOptions, where: str
) -> _Table:
    """Read one vector sub-layer, reprojected to WGS 84, as GeoJSON features."""
    import numpy as np
    import pyogrio.raw
    import shapely
    from pyproj import CRS

    try:
        meta, _, wkb, columns = pyogrio.raw.read(source, layer=layer_name)
    except Exception as exc:
        raise FormatError(
            f"GDAL cannot read layer {layer_name.strip()!r} ({_first_line(exc)})"
        ) from None
    table = _Table()
    if len(wkb) == 0:
        return table
    geoms, dropped = _geometries(wkb)
    crs = options.crs or meta.get("crs")
    if crs is None:
        west, south, east, north = shapely.total_bounds(geoms).tolist()
        if not (west >= -180.5 and east <= 180.5 and south >= -90.5 and north <= 90.5):
            table.problems.append(
                Problem(
                    where,
                    "crs-missing",
                    f"has no coordinate reference system and its coordinates (x {west:.0f} to "
                    f"{east:.0f}, y {south:.0f} to {north:.0f}) are not longitude/latitude.",
                    "Add the .prj file to the ZIP, or name the CRS with --crs (e.g. "
                    "--crs EPSG:32633).",
                )
            )
            return table
    elif not CRS.from_user_input(crs).equals(CRS.from_epsg(4326)):
        geoms = _to_wgs84(geoms, crs)
    if dropped:
        table.problems.append(
            Problem(
                where,
                "line-single-position",
                f"has {dropped} line(s) or line part(s) of a single position: a line of one "
                "position was read as a point, a part of one position was left out.",
                "Nothing to do; GeoJSON lines need at least two positions.",
                "warning",
            )
        )
    names = [str(n).strip() for n in meta["fields"]]
    values = [_column_values(np, c) for c in columns]
    if kind in ("kml", "kmz"):  # ExtendedData is text: numbers only where a column is all numbers
        values = [
            _typed_column(v) if all(x is None or isinstance(x, str) for x in v) else v
            for v in values
        ]
    for index, geom in enumerate(geoms):
        geometry = None if geom is None else json.loads(shapely.to_geojson(geom))
        props = {n: v[index] for n, v in zip(names, values, strict=True)}
        if kind in ("kml", "kmz"):
            props = _kml_properties(props)
        table.features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return table


def _kml_properties(props: dict[str, Any]) -> dict[str, Any]:
    """KML's own fields as people know them: ``name``, ``description``, and no empty defaults.

    GDAL gives every placemark the KML standard fields (``Name``, ``timestamp``,
    ``tessellate`` = -1, ...); keep the ones that carry a value, with ``Name`` as ``name``.
    """
    out = {}
    for key, value in props.items():
        if key in KML_DEFAULTS and value == KML_DEFAULTS[key]:
            continue
        out["name" if key == "Name" and "name" not in props else key] = value
    return out


def _geometries(wkb: Any) -> tuple[list[Any], int]:
    """Shapely geometries from WKB; line parts of one position (GPS tracks) are dropped."""
    import shapely

    geoms = shapely.from_wkb(wkb, on_invalid="ignore").tolist()
    dropped = 0
    for i, (geom, raw) in enumerate(zip(geoms, wkb, strict=True)):
        if geom is None and raw is not None:
            geoms[i], count = _lines_without_single_points(raw)
            dropped += count
    return geoms, dropped


def _lines_without_single_points(raw: bytes) -> tuple[Any, int]:
    """Read a (Multi)LineString WKB that GEOS refuses because a part has one position.

    A line of one position becomes a point; a part of one position in a multi-line is left
    out. Returns the geometry and how many parts were changed.
    """
    import struct

    import shapely

    def header(offset: int) -> tuple[str, int, int]:
        order = "<" if raw[offset] == 1 else ">"
        flag = struct.unpack_from(f"{order}I", raw, offset + 1)[0]
        kind = (flag & 0x0FFFFFFF) % 1000
        width = 3 if flag & 0x80000000 or (flag & 0x0FFFFFFF) // 1000 in (1, 3) else 2
        return order, kind, width

    def line(offset: int) -> tuple[list[tuple[float, ...]], int]:
        order, _, width = header(offset)
        count = struct.unpack_from(f"{order}I", raw, offset + 5)[0]
        values = struct.unpack_from(f"{order}{count * width}d", raw, offset + 9)
        points = [tuple(values[i : i + width]) for i in range(0, len(values), width)]
        return points, offset + 9 + 8 * width * count

    order, kind, _ = header(0)
    if kind == 2:
        points, _ = line(0)
        if len(points) == 1:
            return shapely.Point(points[0]), 1
        return shapely.LineString(points), 0
    if kind == 5:
        count = struct.unpack_from(f"{order}I", raw, 5)[0]
        offset, parts, dropped = 9, [], 0
        for _ in range(count):
            points, offset = line(offset)
            if len(points) > 1:
                parts.append(points)
            else:
                dropped += 1
        return (shapely.MultiLineString(parts) if parts else None), dropped
    raise FormatError("holds a geometry GEOS cannot read; repair it in QGIS and export again")


def _to_wgs84(geoms: list[Any], crs: Any) -> list[Any]:
    """Reproject shapely geometries to WGS 84 longitude/latitude."""
    import geopandas

    series = geopandas.GeoSeries(geoms, crs=crs).to_crs(4326)
    return [None if g is None else g for g in series.tolist()]


def _column_values(np: Any, column: Any) -> list[Any]:
    """A GDAL field's values as JSON values (dates as ISO text, NaN as null)."""
    if np.issubdtype(column.dtype, np.datetime64):
        return [None if np.isnat(v) else str(v).replace(".000", "") for v in column]
    return [_plain(v) for v in column.tolist()]


def _read_rows(source: str, layer_name: str, options: ReadOptions, where: str) -> _Table:
    """Read a spreadsheet's rows as text and make a point (or WKT geometry) of each row."""
    import pyogrio

    open_options = {"HEADERS": "FORCE"} if source.lower().endswith((".xlsx", ".ods")) else {}
    try:
        frame = pyogrio.read_dataframe(
            source, layer=layer_name, read_geometry=False, **open_options
        )
    except Exception as exc:
        raise FormatError(f"GDAL cannot read the table ({_first_line(exc)})") from None
    columns = [str(c) for c in frame.columns]
    lat, lon, wkt = _coordinate_columns(columns, options, where)
    table = _Table()
    values = {c: [_text(v) for v in frame[c].tolist()] for c in columns}
    kept = [c for c in columns if c not in {lat, lon, wkt}]
    typed = {c: _typed_column(values[c]) for c in kept}
    for index in range(len(frame)):
        row = index + 2  # the header is row 1
        geometry, problem = _row_geometry(values, index, lat, lon, wkt)
        if problem:
            table.problems.append(Problem(where, "row-coordinates", *problem, row=row))
            continue
        props = {c: typed[c][index] for c in kept}
        table.features.append({"type": "Feature", "properties": props, "geometry": geometry})
        table.rows.append(row)
    return table


def _coordinate_columns(
    columns: list[str], options: ReadOptions, where: str
) -> tuple[str | None, str | None, str | None]:
    """The latitude, longitude and WKT columns: named by the user, else found by name."""
    by_name = {c.strip().casefold(): c for c in columns}
    for given in (options.lat, options.lon, options.wkt):
        if given is not None and given.strip().casefold() not in by_name:
            raise FormatError(
                f"has no column {given!r}; its columns are: {', '.join(map(repr, columns))}"
            )

    def pick(given: str | None, names: Sequence[str]) -> str | None:
        if given is not None:
            return by_name[given.strip().casefold()]
        return next((by_name[n] for n in names if n in by_name), None)

    if options.wkt is not None:
        return None, None, pick(options.wkt, WKT_NAMES)
    lat, lon = pick(options.lat, LAT_NAMES), pick(options.lon, LON_NAMES)
    if lat and lon:
        return lat, lon, None
    wkt = pick(None, WKT_NAMES)
    if wkt:
        return None, None, wkt
    raise FormatError(
        "has no coordinate columns: none is named lat/latitude/y and lon/lng/long/longitude/x, "
        "and none holds WKT; name them with --lat COL --lon COL (or --wkt COL). Its columns "
        f"are: {', '.join(map(repr, columns))}"
    )


def _row_geometry(
    values: dict[str, list[str | None]],
    index: int,
    lat: str | None,
    lon: str | None,
    wkt: str | None,
) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """The geometry of one row, or (message, fix) saying what is wrong with it."""
    if wkt is not None:
        return _wkt_geometry(values[wkt][index], wkt)
    assert lat is not None and lon is not None  # _coordinate_columns returns both or WKT
    raw_lat, raw_lon = values[lat][index], values[lon][index]
    if raw_lat is None and raw_lon is None:
        return None, None  # a row without a place: kept, and validation warns once
    numbers = []
    for column, raw in ((lat, raw_lat), (lon, raw_lon)):
        try:
            number = float(str(raw).strip().replace(",", ".") if raw is not None else "")
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, (
                f"column {column!r} holds {raw!r}, which is not a number.",
                "Give decimal degrees such as 35.68 (not degrees-minutes-seconds), or leave "
                "both coordinate cells empty for a row without a place.",
            )
        numbers.append(number)
    return {"type": "Point", "coordinates": [numbers[1], numbers[0]]}, None


def _wkt_geometry(
    raw: str | None, column: str
) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """A geometry from WKT text, or (message, fix)."""
    import shapely

    if raw is None or not raw.strip():
        return None, None
    try:
        geom = shapely.from_wkt(raw.strip())
    except shapely.errors.GEOSException:
        preview = raw.strip()[:40]
        return None, (
            f"column {column!r} holds {preview!r}, which is not WKT.",
            "Write the geometry as WKT, e.g. POINT (139.69 35.68) with longitude first.",
        )
    return json.loads(shapely.to_geojson(geom)), None


def _kml_coordinate_problems(path: Path, name: str) -> list[Problem]:
    """Placemarks whose <coordinates> are not numbers (GDAL reads them as 0 or drops them)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    problems: list[Problem] = []
    try:
        root = ElementTree.parse(path).getroot()  # defusedxml: no entity expansion
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        return [
            Problem(
                name,
                "kml-xml",
                f"is not well-formed KML ({_first_line(exc)}).",
                "Export the KML again from the program that made it.",
            )
        ]
    for number, placemark in enumerate(root.iterfind(".//{*}Placemark")):
        label = placemark.findtext("{*}name")
        for coords in placemark.iterfind(".//{*}coordinates"):
            bad = [
                t
                for t in (coords.text or "").split()
                if not all(_is_number(v) for v in t.split(","))
            ]
            if bad:  # empty <coordinates> make an empty geometry, which validation notes
                shown = " ".join(bad[:3])
                problems.append(
                    Problem(
                        name,
                        "kml-coordinates",
                        f"this KML has a placemark without valid coordinates: placemark "
                        f"{number + 1}{f' ({label.strip()!r})' if label else ''} has "
                        f"<coordinates> {shown!r}.",
                        "Each position is longitude,latitude[,altitude] in decimal degrees; "
                        "fix or remove that placemark.",
                        feature=number,
                    )
                )
                break
    return problems


def _is_number(text: str) -> bool:
    """True when text is a finite decimal number."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _text(value: Any) -> str | None:
    """A cell as text (``None`` for empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def _typed_column(values: list[str | None]) -> list[Any]:
    """Numbers when every value of the column is a plain number, else the text unchanged."""
    present = [v for v in values if v is not None]
    if present and all(_PLAIN_INT.match(v) for v in present):
        return [int(v) if v is not None else None for v in values]
    if present and all(_PLAIN_INT.match(v) or _PLAIN_FLOAT.match(v) for v in present):
        return [float(v) if v is not None else None for v in values]
    return values


def _plain(value: Any) -> Any:
    """A property value as JSON: NaN → null, numpy scalars → Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
