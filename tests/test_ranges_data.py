"""The test-ranges layer: coverage, end dates and the points issue 14 called out."""

from __future__ import annotations

import json
import math
from functools import cache

import shapely
from shapely.geometry import Point, shape

from regionmap.catalog import ROOT, Catalog


@cache
def ranges() -> dict[str, dict]:
    layer = Catalog(root=ROOT).load("test-ranges")
    assert layer.ok, [str(p) for p in layer.problems]
    return {
        f["properties"]["id"]: {**f["properties"], "xy": f["geometry"]["coordinates"]}
        for f in layer.features
    }


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def test_at_least_forty_ranges_and_launch_sites():
    assert len(ranges()) >= 40


def test_closed_sites_carry_an_end_date():
    closed = {fid: f["until"] for fid, f in ranges().items() if f.get("until")}
    assert closed.get("hammaguir") == "1967-07-01"


def test_reagan_test_site_lies_on_kwajalein_island():
    data = json.loads((ROOT / "data" / "countries-10m.geojson").read_text(encoding="utf-8"))
    marshalls = shapely.union_all(
        [shape(f["geometry"]) for f in data["features"] if f["properties"]["iso_a3"] == "MHL"]
    )
    point = Point(ranges()["reagan-test-site"]["xy"])
    # The nearest land is Kwajalein Island, the atoll's southernmost island (about 8.72 N).
    assert marshalls.distance(point) * 111.32 <= 3
    assert 8.70 <= point.y <= 8.75


def test_pacific_missile_range_facility_is_at_barking_sands():
    # 22°01′22″N 159°47′06″W, the facility's own reference point, not Kauai's centre.
    assert km(tuple(ranges()["pacific-missile-range-facility"]["xy"]), (-159.785, 22.023)) <= 2
