"""The ``regionmap export`` command line that writes the file of a view (shown by the app)."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Sequence

from regionmap.credits import plain_title
from regionmap.filters import Filters
from regionmap.output import DEFAULT_DPI

__all__ = ["export_command"]


def export_command(
    *,
    bbox: Sequence[float],
    layers: Sequence[str],
    filters: Filters | None = None,
    title: str | None = None,
    dpi: int = DEFAULT_DPI,
    export_date: dt.date | None = None,
    selected: str | None = None,
    out: str = "view.pdf",
) -> str:
    """The ``regionmap export`` command line that writes the same file (shell-quoted).

    The arguments are those of :func:`regionmap.export.export_view` for a bounding-box view;
    the format follows the suffix of ``out``.

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
    if selected:
        args.append(f"--feature={selected}")
    return shlex.join([*args, "--out", out])


def _number(value: float) -> str:
    """A coordinate as short text that reads back to the same float (``30.0`` → ``30``)."""
    text = repr(float(value))
    return text.removesuffix(".0")
