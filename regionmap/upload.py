"""Adding a layer from the browser: the upload cap, a preview, and the validation report.

Uploads run through the same core path as ``regionmap add``: :func:`regionmap.geojson.read_geojson`
for the preview, then :func:`regionmap.store.add_layer` to save, with the same messages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from regionmap.catalog import Layer, LayerEntry
from regionmap.controls import reveal_controls
from regionmap.formats import ReadOptions, read_any
from regionmap.geojson import Limits, ReadResult
from regionmap.problems import Problem
from regionmap.schema import LayerMeta, Style

__all__ = [
    "DEFAULT_MAX_UPLOAD_MB",
    "UPLOAD_ENV",
    "max_upload_mb",
    "preview_layer",
    "problem_rows",
    "read_upload",
    "safe_upload_name",
    "suggest_layer_id",
    "upload_limits",
    "upload_size_error",
]

#: The upload cap when ``REGIONMAP_MAX_UPLOAD_MB`` is not set.
DEFAULT_MAX_UPLOAD_MB = 50
#: Environment variable that sets the upload cap in megabytes.
UPLOAD_ENV = "REGIONMAP_MAX_UPLOAD_MB"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def max_upload_mb() -> int:
    """Return the upload cap in MB: ``$REGIONMAP_MAX_UPLOAD_MB`` if it is a positive integer.

    Examples
    --------
    >>> max_upload_mb() >= 1
    True
    """
    raw = os.environ.get(UPLOAD_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_UPLOAD_MB


def upload_size_error(size: int, cap_mb: int) -> str | None:
    """Return a message when an upload of ``size`` bytes is over the cap, else ``None``.

    Examples
    --------
    >>> upload_size_error(60 * 1024 * 1024, 50)  # doctest: +ELLIPSIS
    'The file is 60.0 MB; uploads are limited to 50 MB. ...'
    >>> upload_size_error(10, 50) is None
    True
    """
    if size <= cap_mb * 1024 * 1024:
        return None
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; uploads are limited to {cap_mb} MB. "
        f"Add it with the command line instead (regionmap add FILE ...), or raise the limit "
        f"with the environment variable {UPLOAD_ENV}."
    )


def safe_upload_name(name: str) -> str:
    """Return an upload's file name reduced to a safe base name (for a temporary copy).

    Examples
    --------
    >>> safe_upload_name("../../etc/passwd x.geojson")
    'passwd_x.geojson'
    """
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._")
    return base or "upload.geojson"


def suggest_layer_id(name: str) -> str:
    """Suggest a kebab-case layer id from an upload's file name.

    Examples
    --------
    >>> suggest_layer_id("NE_10m Populated Places.geojson")
    'ne-10m-populated-places'
    """
    stem = Path(safe_upload_name(name)).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:64].strip("-") or "my-layer"


def upload_limits(cap_mb: int) -> Limits:
    """The reader limits for an upload: the default caps, with the upload cap as size limit."""
    return Limits(max_bytes=cap_mb * 1024 * 1024)


def read_upload(
    path: Path, display_name: str, cap_mb: int, options: ReadOptions | None = None
) -> ReadResult:
    """Check an uploaded file the way ``regionmap add`` does (without writing anything).

    Parameters
    ----------
    path : Path
        The uploaded bytes saved to a temporary file.
    display_name : str
        The name the user knows the file by (used in messages).
    cap_mb : int
        The upload cap, also applied as the reader's size limit.
    options : ReadOptions, optional
        Sub-layer and coordinate columns, for formats other than GeoJSON.

    Returns
    -------
    ReadResult
        Every problem, and the normalised collection when there is no error.
    """
    # read_any never raises; a name with control characters is shown with them visible
    return read_any(
        path,
        options=options,
        limits=upload_limits(cap_mb),
        display_name=reveal_controls(display_name),
    )


def preview_layer(result: ReadResult, name: str) -> Layer:
    """Return an unsaved layer that shows a checked upload on the map (no sources yet).

    Examples
    --------
    >>> from regionmap.geojson import ReadResult
    >>> layer = preview_layer(ReadResult("x", collection={"type": "FeatureCollection",
    ...                                                    "features": []}), "x.geojson")
    >>> layer.meta.title, layer.ok
    ('Preview: x.geojson', True)
    """
    meta = LayerMeta.model_construct(
        id="upload-preview",
        title=f"Preview: {name}",
        license="",
        data=name,
        sources=[],
        style=Style(color="#d62728", fill_opacity=0.3),
        group="Preview",
    )
    entry = LayerEntry("upload-preview", Path(name), Path("."))
    return Layer(entry, meta, list(result.problems), result.collection)


def problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    """Return problems as table rows: severity, where, rule, message and fix.

    Examples
    --------
    >>> problem_rows([Problem("a.geojson", "json", "is empty.", "Add data.")])[0]["where"]
    'a.geojson'
    """
    return [
        {
            "severity": p.severity,
            "where": reveal_controls(p.where()),
            "rule": p.rule,
            "message": reveal_controls(p.message),
            "fix": reveal_controls(p.fix),
        }
        for p in problems
    ]
