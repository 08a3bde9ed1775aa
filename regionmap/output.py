"""Export output: the formats, their options, and atomic writes that leave nothing half-done.

Files are written to a temporary file in the target folder, then renamed onto the target; a
failed export leaves no file behind and keeps the old one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from regionmap.budget import MEGAPIXELS_ENV, max_megapixels, pixel_budget_error
from regionmap.citefiles import MEDIA_TYPES as CITATION_MEDIA_TYPES
from regionmap.errors import ExportError, ExportUsageError

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_WIDTH_IN",
    "DPI_RANGE",
    "FORMATS",
    "MEDIA_TYPES",
    "PANEL_FORMATS",
    "SCALE_RANGE",
    "SCREEN_PX_RANGE",
    "WIDTH_RANGE",
    "atomic_output",
    "check_options",
    "check_output",
]

FORMATS = ("png", "svg", "pdf", "html", "bib", "csl-json", "ris", "bundle", "screenshot")
PANEL_FORMATS = tuple(f for f in FORMATS if f != "screenshot")
"""The formats of the app's export panel (the screenshot is the map's own control there)."""
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    **CITATION_MEDIA_TYPES,
    "bundle": "application/zip",
    "screenshot": "image/png",
}
"""The media type of each format, for downloads."""
FILE_SUFFIXES = {"csl-json": "csl.json", "bundle": "zip", "screenshot": "png"}
"""File name suffixes of the formats whose name is not their suffix."""
DEFAULT_DPI = 300
DEFAULT_WIDTH_IN = 7.0
DPI_RANGE = (50, 1200)
WIDTH_RANGE = (2.0, 40.0)
SCREEN_PX_RANGE = (200, 4000)
"""The screenshot's window width and height in CSS pixels."""
SCALE_RANGE = (1.0, 4.0)
"""The screenshot's device pixel ratio."""
DEFAULT_SCREEN = (1200, 800)
DEFAULT_SCALE = 2.0


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
    if budget_error := pixel_budget_error(fmt, dpi, width_in):
        raise ExportUsageError(budget_error)
    return fmt


def check_screen(width: int, height: int, scale: float) -> None:
    """Check a screenshot's window size and scale against their ranges and the pixel budget.

    Examples
    --------
    >>> check_screen(1200, 800, 2.0)
    >>> check_screen(4000, 4000, 4.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regionmap.errors.ExportUsageError: a 4000×4000 px screenshot at scale 4 is 256 megapixels...
    """
    low, high = SCREEN_PX_RANGE
    for name, value in (("width", width), ("height", height)):
        if not low <= value <= high:
            raise ExportUsageError(f"{name} {value} px is out of range; use {low}–{high} px")
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise ExportUsageError(
            f"scale {scale:g} is out of range; use {SCALE_RANGE[0]:g}–{SCALE_RANGE[1]:g}"
        )
    megapixels = width * height * scale * scale / 1e6
    if megapixels > max_megapixels():
        raise ExportUsageError(
            f"a {width}×{height} px screenshot at scale {scale:g} is {megapixels:.0f} "
            f"megapixels, above the budget of {max_megapixels():g}; lower --scale, --width or "
            f"--height (or raise ${MEGAPIXELS_ENV})"
        )


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
