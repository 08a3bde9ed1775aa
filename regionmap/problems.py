"""Problems found in a layer: what is wrong, where, which rule, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class CatalogError(Exception):
    """Base class of the errors the core raises for bad user input."""


class LayerExistsError(CatalogError):
    """A layer with this id is already in the catalog."""


class InvalidLayerError(CatalogError):
    """A layer file or its metadata has errors; ``problems`` lists every one."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a layer, written so that a user can fix it.

    Parameters
    ----------
    file : str
        The file the problem is in, as the user named it.
    rule : str
        A short, stable rule name such as ``"coordinate-range"``.
    message : str
        What is wrong, with the offending value.
    fix : str
        How to fix it.
    severity : {"error", "warning"}
        Errors make the layer unusable; warnings are fixed or tolerated.
    feature : int, optional
        Zero-based index of the feature in the file.
    feature_id : str, optional
        The feature's ``id`` (or ``properties.id``), if it has one.
    line, column : int, optional
        Position in the file, for syntax errors.
    row : int, optional
        The spreadsheet row (the header is row 1), for features read from a table.
    """

    file: str
    rule: str
    message: str
    fix: str = ""
    severity: Severity = "error"
    feature: int | None = None
    feature_id: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None

    @property
    def is_error(self) -> bool:
        """True when the problem makes the layer unusable."""
        return self.severity == "error"

    def where(self) -> str:
        """Where the problem is: file, position and feature."""
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        if self.row is not None:
            place += f": row {self.row}"
        if self.feature is not None:
            place += f": feature {self.feature}"
            if self.feature_id is not None:
                place += f" (id {self.feature_id!r})"
        return place

    def __str__(self) -> str:
        text = f"{self.where()}: {self.severity} [{self.rule}]: {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


def has_errors(problems: list[Problem]) -> bool:
    """Return True if any problem is an error."""
    return any(p.is_error for p in problems)
