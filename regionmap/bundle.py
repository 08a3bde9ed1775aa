"""The archive bundle: one zip with the HTML, PNG and PDF of a view, its citation files and a
manifest that lets a reader check the figure against its data years later.

``manifest.json`` records the view (frame, region, filters), each layer shown with the
sha256 of its metadata and data files, the Natural Earth version of the basemap, the
regionmap version, the export date and the sha256 of every other file in the zip. The zip
is deterministic: entries in a fixed order, with a fixed timestamp (the export date at
midnight) and fixed permissions, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from regionmap import __version__
from regionmap.citefiles import CITATION_FORMATS, SUFFIXES, citation_file

FIGURE_FORMATS = ("html", "png", "pdf")
NATURAL_EARTH = re.compile(r"Natural Earth (\d+\.\d+(?:\.\d+)?)")


def sha256(data: bytes) -> str:
    """The hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def _file_hash(path: Path | None) -> str | None:
    """The sha256 of a file, or None when there is none."""
    return sha256(path.read_bytes()) if path is not None and path.is_file() else None


def natural_earth_version(contents: Any) -> str | None:
    """The Natural Earth version the basemap names in its metadata (e.g. ``4.1.0``)."""
    for layer, _ in contents.shown:
        meta = layer.meta
        if meta is None:
            continue
        texts = [meta.description or "", *(s.title for s in meta.sources)]
        for text in texts:
            match = NATURAL_EARTH.search(text)
            if match:
                return match.group(1)
    return None


def layer_records(contents: Any) -> list[dict[str, Any]]:
    """Each layer shown: id, title, feature count, licence and its files' hashes."""
    records = []
    for layer, feats in contents.shown:
        meta = layer.meta
        records.append(
            {
                "id": layer.id,
                "title": meta.title if meta else layer.id,
                "features_shown": len(feats),
                "license": meta.license if meta else None,
                "metadata_file": layer.entry.meta_path.name,
                "metadata_sha256": _file_hash(layer.entry.meta_path),
                "data_file": layer.data_path.name if layer.data_path else None,
                "data_sha256": _file_hash(layer.data_path),
            }
        )
    return records


def manifest(
    contents: Any,
    export_date: dt.date,
    files: dict[str, bytes],
    alt_text: str,
) -> dict[str, Any]:
    """The manifest of a bundle holding ``files`` (name -> bytes)."""
    view, filters = contents.view, contents.filters
    return {
        "regionmap_version": __version__,
        "export_date": export_date.isoformat(),
        "view": {
            "title": view.title,
            "region": view.region,
            "bbox": list(view.bbox),
            "filters": {
                "search": filters.search,
                "countries": list(filters.countries),
                "agreements": list(filters.agreements),
                "years": list(filters.years) if filters.years else None,
            },
            "resolution": contents.resolution,
        },
        "natural_earth_version": natural_earth_version(contents),
        "layers": layer_records(contents),
        "sources": len(contents.bibliography.citations),
        "description": alt_text,
        "files": {
            name: {"sha256": sha256(data), "bytes": len(data)} for name, data in files.items()
        },
    }


def zip_bytes(entries: dict[str, bytes], export_date: dt.date) -> bytes:
    """A deterministic zip of ``entries``: fixed order, timestamp and permissions."""
    import io

    stamp = (max(export_date.year, 1980), export_date.month, export_date.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def bundle_bytes(
    contents: Any,
    export_date: dt.date,
    alt_text: str,
    render: Callable[[str], bytes],
    stem: str = "figure",
) -> bytes:
    """Build the bundle: ``render(fmt)`` gives the bytes of the view in html, png and pdf."""
    files: dict[str, bytes] = {}
    for fmt in FIGURE_FORMATS:
        files[f"{stem}.{fmt}"] = render(fmt)
    for fmt in CITATION_FORMATS:
        name = f"sources{SUFFIXES[fmt]}" if fmt != "csl-json" else "sources.csl.json"
        files[name] = citation_file(fmt, contents.bibliography).encode("utf-8")
    files["description.txt"] = (alt_text + "\n").encode("utf-8")
    meta = manifest(contents, export_date, files, alt_text)
    body = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return zip_bytes({**files, "manifest.json": body.encode("utf-8")}, export_date)
