"""Exports held in memory for the app's download buttons: the bytes the CLI would write."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regionmap.catalog import Catalog
from regionmap.credits import default_export_date
from regionmap.export import ExportResult, export_contents, export_view
from regionmap.output import FILE_SUFFIXES, MEDIA_TYPES
from regionmap.view import ViewContents

__all__ = ["ExportedFile", "export_bytes", "export_file_name", "export_key"]


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
    contents: ViewContents | None = None,
    **options: Any,
) -> ExportedFile:
    """Export into a temporary folder and return the file's bytes.

    Parameters
    ----------
    catalog : Catalog
        Where the layers come from.
    fmt : {"png", "svg", "pdf", "html"}
        The file format.
    export_date : datetime.date, optional
        The date printed on the export and put in the file name; default today (or
        ``$SOURCE_DATE_EPOCH``).
    contents : ViewContents, optional
        The view contents to write (the app passes the ones it shows, so the download holds
        exactly its features and numbers); without them the view is given by ``options``.
    **options
        The other keyword arguments of :func:`regionmap.export.export_view` (``bbox`` or
        ``region``, ``layers``, ``filters``, ``title``, ``dpi``, ``width_in``, ``labels``);
        with ``contents`` only ``title``, ``dpi``, ``width_in`` and ``labels``.

    Returns
    -------
    ExportedFile
        The bytes, a download name, the media type, and the :class:`ExportResult` (whose
        ``path`` is the download name; the temporary file is gone).
    """
    fmt = fmt.lower().lstrip(".")
    export_date = export_date or default_export_date()
    name = export_file_name(fmt, export_date)
    with tempfile.TemporaryDirectory(prefix="regionmap-export-") as tmp:
        out = Path(tmp) / name
        if contents is not None:
            result = export_contents(
                catalog, contents, fmt=fmt, out=out, export_date=export_date, **options
            )
        else:
            result = export_view(catalog, fmt=fmt, out=out, export_date=export_date, **options)
        data = out.read_bytes()
    return ExportedFile(data, name, MEDIA_TYPES[result.fmt], replace(result, path=Path(name)))


def export_key(fmt: str, export_date: dt.date, options: dict[str, Any], *extra: Any) -> tuple:
    """What decides the bytes of an export, to tell whether a prepared file still fits.

    ``options`` are :func:`regionmap.export.export_view`'s keyword arguments (``dpi`` counts
    for PNG only); ``extra`` adds anything else that matters, such as the layers' stamps.

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
