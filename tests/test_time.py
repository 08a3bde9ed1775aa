"""Time means "present during": extents of sites and events against a window of years."""

from __future__ import annotations

import datetime as dt

import pytest
from catalogs import point, write_layer
from click.testing import CliRunner

from regionmap.catalog import Catalog
from regionmap.cli import cli
from regionmap.filters import Extent, Filters, date_span, feature_extent
from regionmap.frame import resolve_view
from regionmap.view import view_contents

WORLD = (-180.0, -85.0, 180.0, 85.0)


@pytest.fixture
def timeline(tmp_path):
    """Sites with open and closed extents, and events of day, month and year precision."""
    folder = tmp_path / "cat"
    write_layer(
        folder,
        "sites",
        [
            point("open", "Open since 1945", 127.7, 26.3, since="1945", until=None),
            point("closed", "Closed 1992", 120.3, 14.8, since="1947-03", until="1992-11-24"),
            point("later", "Since 2016", 125.0, 10.0, since="2016-04"),
        ],
        time={"start": "since", "end": "until"},
    )
    write_layer(
        folder,
        "happenings",
        [
            point("dec", "December 2015", 10, 10, date="2015-12", date_precision="month"),
            point("eve", "New Year's Eve 2015", 11, 10, date="2015-12-31", date_precision="day"),
            point("yr", "Some day of 2016", 12, 10, date="2016-06-01", date_precision="year"),
            point("undated", "No date", 13, 10),
        ],
        time={"start": "date", "precision": "date_precision"},
    )
    return Catalog(folder, root=tmp_path / "none")


def _names(catalog: Catalog, layer_id: str, years: tuple[int, int]) -> set[str]:
    view = resolve_view(bbox=WORLD, layers=(layer_id,), filters=Filters(years=years))
    return {f["properties"]["name"] for f in view_contents(catalog, view).layers[0].features}


def test_open_extent_is_present_in_every_later_window(timeline):
    assert "Open since 1945" in _names(timeline, "sites", (2000, 2015))
    assert "Open since 1945" in _names(timeline, "sites", (1945, 1945))
    assert "Open since 1945" not in _names(timeline, "sites", (1900, 1944))
    layer = timeline.load("sites")
    extent = feature_extent(layer, layer.features[0]["properties"])
    assert extent == Extent(dt.date(1945, 1, 1), None)


def test_closed_extent_before_the_window_is_excluded(timeline):
    assert "Closed 1992" not in _names(timeline, "sites", (2000, 2015))
    assert "Closed 1992" in _names(timeline, "sites", (1992, 2000))  # overlaps by a year
    assert "Closed 1992" in _names(timeline, "sites", (1950, 1960))  # present throughout
    assert "Since 2016" not in _names(timeline, "sites", (2000, 2015))


def test_month_precision_event_spans_its_month_at_the_window_edge(timeline):
    assert date_span("2015-12", "month") == (dt.date(2015, 12, 1), dt.date(2015, 12, 31))
    in_2015 = _names(timeline, "happenings", (2015, 2015))
    in_2016 = _names(timeline, "happenings", (2016, 2020))
    assert {"December 2015", "New Year's Eve 2015"} <= in_2015
    assert "December 2015" not in in_2016 and "New Year's Eve 2015" not in in_2016
    # Year precision widens a full date to its year; undated features are kept.
    assert "Some day of 2016" in in_2016 and "Some day of 2016" not in in_2015
    assert "No date" in in_2015 and "No date" in in_2016


def test_cli_export_japan_2000_2015_includes_kadena(tmp_path):
    out = tmp_path / "japan.html"
    result = CliRunner().invoke(
        cli, ["export", "--region", "japan", "--years", "2000-2015", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Kadena Air Base" in out.read_text("utf-8")
    view = resolve_view(region="japan", filters=Filters(years=(2000, 2015)))
    names = {
        f["properties"]["name"] for _, fs in view_contents(Catalog(), view).data_layers for f in fs
    }
    assert "Kadena Air Base" in names and len(names) > 10
