"""The pixel budget of a PNG figure: refuse sizes that would exhaust memory, and say what to lower.

matplotlib renders a PNG into a full RGBA buffer and copies it while saving; a world view at
1200 dpi used 3.9 GB, and 20 or 40 inches at that resolution ended in MemoryError or
``std::bad_alloc``. The figure's height follows the view and its source list, so the budget
assumes the worst common case, a square figure, and is checked before anything is drawn.
"""

from __future__ import annotations

import math
import os

__all__ = ["DEFAULT_MAX_MEGAPIXELS", "MEGAPIXELS_ENV", "max_megapixels", "pixel_budget_error"]

DEFAULT_MAX_MEGAPIXELS = 30.0
"""About 1.5 GB of peak memory for matplotlib's buffers; 7 in at 780 dpi."""
MEGAPIXELS_ENV = "REGIONMAP_MAX_MEGAPIXELS"


def max_megapixels() -> float:
    """The budget in megapixels: ``$REGIONMAP_MAX_MEGAPIXELS`` if it is a positive number."""
    try:
        value = float(os.environ.get(MEGAPIXELS_ENV, ""))
    except ValueError:
        return DEFAULT_MAX_MEGAPIXELS
    return value if math.isfinite(value) and value > 0 else DEFAULT_MAX_MEGAPIXELS


def pixel_budget_error(fmt: str, dpi: int, width_in: float) -> str | None:
    """Return why a PNG of this width and resolution is over the budget, or None.

    Vector formats (SVG, PDF, HTML) have no pixels and always pass.

    Examples
    --------
    >>> pixel_budget_error("png", 300, 7.0) is None
    True
    >>> print(pixel_budget_error("png", 1200, 7.0))  # doctest: +ELLIPSIS
    a 7 in wide PNG at 1200 dpi is up to 71 megapixels, above the budget of 30; lower --dpi ...
    """
    if fmt.lower().lstrip(".") != "png":
        return None
    budget = max_megapixels()
    side = width_in * dpi
    megapixels = side * side / 1e6
    if megapixels <= budget:
        return None
    max_side = math.sqrt(budget * 1e6)
    dpi_ok = math.floor(max_side / width_in)
    width_ok = math.floor(max_side / dpi * 10) / 10
    return (
        f"a {width_in:g} in wide PNG at {dpi} dpi is up to {megapixels:.0f} megapixels, above "
        f"the budget of {budget:g}; lower --dpi to {dpi_ok} or less, or --width-in to "
        f"{width_ok:g} or less (or raise {MEGAPIXELS_ENV})"
    )
