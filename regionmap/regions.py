"""Region presets (``data/regions.yaml``): named map views with a bounding box."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from regionmap.catalog import ROOT

REGIONS_FILE = ROOT / "data" / "regions.yaml"


class Region(BaseModel):
    """A named view: ``bbox`` is [west, south, east, north] in degrees."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str
    bbox: tuple[float, float, float, float]

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, bbox: tuple[float, float, float, float]) -> tuple[float, ...]:
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(f"bbox {list(bbox)} must be [west, south, east, north] in degrees")
        return bbox


def load_regions(path: Path = REGIONS_FILE) -> dict[str, Region]:
    """Read the region presets, by name, in file order.

    Examples
    --------
    >>> load_regions()["japan"].title
    'Japan'
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    regions = [Region.model_validate(item) for item in raw["regions"]]
    return {region.name: region for region in regions}
