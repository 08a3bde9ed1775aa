"""Errors of views and exports, shared by the view core, the exporters and the faces."""

from __future__ import annotations

from regionmap.problems import CatalogError

__all__ = ["ExportError", "ExportUsageError"]


class ExportError(CatalogError):
    """A view or export could not be made: empty frame, broken layer, unwritable path, ..."""


class ExportUsageError(ExportError):
    """A view or export was asked for with invalid arguments: unknown region, layer, format."""
