"""Paper sizes and print layouts for figures: A4, Letter and A5, portrait or landscape.

A figure on paper has the page's exact size (A4 is 595 x 842 pt), print margins of 15 mm
and type no smaller than 7 pt. Without a paper size a figure keeps its free width and grows
downwards to hold everything, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionmap.problems import CatalogError

MM = 1 / 25.4
"""One millimetre in inches."""
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a5": (148.0, 210.0)}
"""Portrait paper sizes in millimetres."""
ORIENTATIONS = ("portrait", "landscape")
PRINT_MARGIN = 15 * MM
"""The margin on every side of a page, in inches."""


class PaperError(CatalogError):
    """An unknown paper size or orientation."""


@dataclass(frozen=True)
class Paper:
    """A page: its name, orientation and size in inches."""

    name: str
    orientation: str
    width: float
    height: float

    @property
    def points(self) -> tuple[float, float]:
        """The page size in PostScript points."""
        return self.width * 72, self.height * 72


def paper_size(name: str, orientation: str = "portrait") -> Paper:
    """The page of a named paper size.

    Examples
    --------
    >>> [round(v) for v in paper_size("a4").points]
    [595, 842]
    >>> [round(v) for v in paper_size("letter", "landscape").points]
    [792, 612]
    """
    key, turn = name.lower().strip(), orientation.lower().strip()
    if key not in PAPERS:
        raise PaperError(f"unknown paper {name!r}; choose one of: {', '.join(PAPERS)}")
    if turn not in ORIENTATIONS:
        raise PaperError(
            f"unknown orientation {orientation!r}; choose one of: {', '.join(ORIENTATIONS)}"
        )
    short, long = (v * MM for v in PAPERS[key])
    width, height = (long, short) if turn == "landscape" else (short, long)
    return Paper(key, turn, width, height)
