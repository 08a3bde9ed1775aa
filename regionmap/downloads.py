"""The table's downloads in the formats users take elsewhere: GeoJSON, CSV, KML, GeoPackage.

Every download holds the same features as the table and carries their sources: GeoJSON as
:func:`regionmap.table.shown_geojson` writes it (numbered ``sources`` member, and
``regionmap_sources`` on each feature), CSV with coordinate columns and a ``sources`` column
spelling out each cited source, KML and GeoPackage through GDAL with the same columns. Each
re-imports with ``regionmap add`` to the same features and properties.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["DOWNLOADS", "download_bytes"]

#: Download formats: (file suffix, media type, GDAL driver or None when written here).
DOWNLOADS: dict[str, tuple[str, str, str | None]] = {
    "geojson": (".geojson", "application/geo+json", None),
    "csv": (".csv", "text/csv", None),
    "kml": (".kml", "application/vnd.google-earth.kml+xml", "KML"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3", "GPKG"),
}
#: Spreadsheet programs run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def download_bytes(collection: bytes | dict[str, Any], fmt: str) -> bytes:
    """Write the table's features (a :func:`~regionmap.table.shown_geojson` collection) as ``fmt``.

    Parameters
    ----------
    collection : bytes or dict
        The FeatureCollection with a numbered ``sources`` member.
    fmt : {"geojson", "csv", "kml", "gpkg"}
        The download format.

    Returns
    -------
    bytes
        The file's content.

    Examples
    --------
    >>> fc = {"type": "FeatureCollection", "sources": [], "features": [{"type": "Feature",
    ...       "properties": {"name": "A"}, "geometry": {"type": "Point",
    ...       "coordinates": [139.7, 35.7]}}]}
    >>> download_bytes(fc, "csv").decode().splitlines()[0]
    'name,longitude,latitude,sources'
    """
    doc = json.loads(collection) if isinstance(collection, bytes) else collection
    if fmt == "geojson":
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        return _csv(doc)
    if fmt not in DOWNLOADS:
        raise ValueError(f"unknown download format {fmt!r}; choose one of {', '.join(DOWNLOADS)}")
    return _through_gdal(doc, fmt)


def _source_texts(doc: dict[str, Any]) -> dict[int, str]:
    """Each numbered source as one line of text: ``[n] Title. Publisher. URL``."""
    return {
        s["number"]: f"[{s['number']}] {s.get('title', '')}. {s.get('publisher', '')}. {s['url']}"
        for s in doc.get("sources", [])
    }


def _flat(doc: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]], bool]:
    """Columns and rows of the features (lists joined as text), and whether all are points."""
    texts = _source_texts(doc)
    columns: dict[str, None] = {}
    rows = []
    points = True
    for feature in doc.get("features", []):
        props = dict(feature.get("properties") or {})
        numbers = props.pop("regionmap_sources", None) or []
        props.pop("sources", None)  # keys into the layer's bibliography, spelt out below
        row = {k: _scalar(v) for k, v in props.items()}
        row["sources"] = "; ".join(texts.get(n, f"[{n}]") for n in numbers)
        columns.update(dict.fromkeys(k for k in row if k != "sources"))
        geometry = feature.get("geometry")
        points &= geometry is None or geometry.get("type") == "Point"
        rows.append({"row": row, "geometry": geometry})
    return list(columns), rows, points


def _scalar(value: Any) -> Any:
    """A property value as one cell: lists and objects as JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv(doc: dict[str, Any]) -> bytes:
    """CSV with longitude/latitude columns (points) or a WKT column, and a sources column."""
    import shapely
    from shapely.geometry import shape

    columns, rows, points = _flat(doc)
    geo_columns = ["longitude", "latitude"] if points else ["wkt"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*columns, *geo_columns, "sources"])
    for item in rows:
        row, geometry = item["row"], item["geometry"]
        if points:
            x, y = geometry["coordinates"][:2] if geometry else ("", "")
            place = [x, y]
        else:
            place = [shapely.to_wkt(shape(geometry), rounding_precision=6) if geometry else ""]
        cells = [row.get(c) for c in columns] + place + [row["sources"]]
        writer.writerow(["" if v is None else _cell(v) for v in cells])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    """Neutralise a spreadsheet formula in a text cell by prefixing an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _through_gdal(doc: dict[str, Any], fmt: str) -> bytes:
    """Write the features with GDAL (KML, GeoPackage) and return the file's bytes."""
    import geopandas
    import pyogrio
    from shapely.geometry import shape

    columns, rows, _ = _flat(doc)
    records = [{c: item["row"].get(c) for c in [*columns, "sources"]} for item in rows]
    geoms = [shape(item["geometry"]) if item["geometry"] else None for item in rows]
    frame = geopandas.GeoDataFrame(records, geometry=geoms, crs=4326)
    suffix, _, driver = DOWNLOADS[fmt]
    with tempfile.TemporaryDirectory(prefix="regionmap-download-") as folder:
        path = Path(folder) / f"features{suffix}"
        # KML keeps a placemark's name in <name>; the name column is that name.
        options = {"NameField": "name"} if fmt == "kml" and "name" in columns else None
        pyogrio.write_dataframe(
            frame, path, driver=driver, layer="features", dataset_options=options
        )
        return path.read_bytes()
