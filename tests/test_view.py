"""The explorer's core helpers: deep-link state, table twin, view selection and uploads."""

from __future__ import annotations

import csv
import io
import json

import pytest
from catalogs import point, source, write_layer

from regionmap.catalog import Catalog
from regionmap.choices import filter_choices
from regionmap.citations import number_sources
from regionmap.filters import Filters
from regionmap.frame import MAP_RETURNED, map_frame
from regionmap.state import ViewState, state_from_query, state_to_query
from regionmap.table import feature_rows, rows_csv, shown_geojson
from regionmap.upload import (
    preview_layer,
    read_upload,
    safe_upload_name,
    suggest_layer_id,
    upload_size_error,
)
from regionmap.view import (
    features_bbox,
    layer_stamp,
    order_layers,
    select_features,
)

KNOWN = {"regions": ["world", "japan"], "layers": ["sites", "countries"], "basemaps": ["OSM"]}


@pytest.fixture
def sites(tmp_path):
    write_layer(
        tmp_path / "cat",
        "sites",
        [
            point("a", "=HYPERLINK(1)", 127.7, 26.3, country="JPN", since="1960", sources=["s1"]),
            point("b", "Beta", 7.6, 49.4, country="DEU", since="1953-06"),
            {
                "type": "Feature",
                "properties": {"name": "No id"},
                "geometry": {"type": "Point", "coordinates": [10, 10]},
            },
        ],
        sources=[source("s1", "One", "https://a.example/1"), source("s2", "Two")],
        popup=[{"field": "since", "label": "Since"}],
        time={"start": "since"},
    )
    catalog = Catalog(tmp_path / "cat", root=tmp_path / "none")
    return catalog, catalog.load("sites")


def test_state_round_trip():
    state = ViewState(
        region="japan",
        layers=("sites",),
        fit=True,
        filters=Filters(
            search="kadena", countries=("JPN",), agreements=("sofa",), years=(1950, 2000)
        ),
        feature="sites:a",
        basemap="OSM",
    )
    query = state_to_query(state)
    assert query == {
        "region": "japan", "layers": "sites", "fit": "1", "basemap": "OSM", "q": "kadena",
        "country": "JPN", "agreement": "sofa", "years": "1950-2000", "feature": "sites:a",
    }  # fmt: skip
    assert state_from_query(query, **KNOWN) == state


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "mars"}, ViewState()),
        ({"layers": "nope,sites,sites"}, ViewState(layers=("sites",))),
        ({"layers": ""}, ViewState(layers=())),
        ({"country": "jpn,<x>,USA1"}, ViewState(filters=Filters(countries=("JPN",)))),
        ({"years": "2020-1990"}, ViewState(filters=Filters(years=(1990, 2020)))),
        ({"years": "soon"}, ViewState()),
        ({"feature": "javascript:alert(1)"}, ViewState(feature="javascript:alert(1)")),
        ({"feature": "Bad Layer:x"}, ViewState()),
        ({"basemap": "https://evil.example/{z}"}, ViewState()),
        ({"q": "x" * 500}, ViewState(filters=Filters(search="x" * 200))),
    ],
)
def test_state_from_query_keeps_only_valid_values(params, expected):
    assert state_from_query(params, **KNOWN) == expected


def test_select_features_filters_data_not_basemaps(sites):
    _, layer = sites
    # A feature without any country property is not in, hosted by or used by DEU.
    assert len(select_features(layer, Filters(countries=("DEU",)))) == 1
    assert len(select_features(layer, bbox=(120, 20, 130, 30))) == 1
    countries = Catalog().load("countries", resolution="110m")
    assert select_features(countries, Filters(search="zzz")) == countries.features
    assert order_layers([countries, layer])[0] is layer


def test_filter_choices_and_bbox(sites):
    _, layer = sites
    choices = filter_choices([layer])
    assert choices.countries == ("DEU", "JPN")
    assert choices.years == (1953, 1960)
    west, south, east, north = features_bbox([(layer, layer.features)])
    assert west < 7.6 and east > 127.7 and south < 10 and north > 49.4


def test_layer_stamp_changes_with_the_data(sites, tmp_path):
    catalog, _ = sites
    before = layer_stamp(catalog, "sites")
    data = tmp_path / "cat" / "data" / "sites.geojson"
    data.write_text(data.read_text() + " ")
    assert layer_stamp(catalog, "sites") != before


def test_table_rows_csv_and_geojson(sites):
    _, layer = sites
    shown = [(layer, layer.features)]
    bib = number_sources(shown)
    rows = feature_rows(shown, bib)
    assert [r["ref"] for r in rows] == ["sites:a", "sites:b", "sites:#2"]
    assert rows[0]["details"] == "Since: 1960" and rows[0]["sources"] == "1"
    assert rows[1]["sources"] == "1, 2"  # the layer's sources, same numbers as popups
    assert rows[0]["date"] == "1960"
    parsed = list(csv.DictReader(io.StringIO(rows_csv(rows).decode())))
    assert parsed[0]["name"] == "'=HYPERLINK(1)"  # no formula injection
    collection = json.loads(shown_geojson(shown, bib))
    assert collection["sources"][0]["number"] == 1
    assert collection["features"][0]["properties"]["regionmap_sources"] == [1]
    # A filtered subset keeps the references of the full layer.
    subset = [(layer, layer.features[2:])]
    assert feature_rows(subset, number_sources(subset))[0]["ref"] == "sites:#2"


def test_upload_helpers(tmp_path):
    assert upload_size_error(51 * 1024 * 1024, 50).startswith("The file is 51.0 MB")
    assert upload_size_error(50 * 1024 * 1024, 50) is None
    assert safe_upload_name("..\\..\\x y.geojson") == "x_y.geojson"
    assert suggest_layer_id("My Bases (2024).geojson") == "my-bases-2024"
    path = tmp_path / "up.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": None}))
    result = read_upload(path, "mine.geojson", 50)
    assert all(p.file == "mine.geojson" for p in result.problems)
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [point("a", "A", 1, 2)]}))
    layer = preview_layer(read_upload(good, "good.geojson", 50), "good.geojson")
    assert layer.ok and layer.meta.title == "Preview: good.geojson"


APP_VIEW = (122.0, 24.0, 146.5, 46.0)


def _leaflet(west, south, east, north) -> dict:
    """What st_folium returns once the browser reported the map's view."""
    return {
        "last_object_clicked_tooltip": None,
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        "center": {"lat": (south + north) / 2, "lng": (west + east) / 2},
    }


@pytest.mark.parametrize(
    ("reported", "bbox"),
    [
        ((125.123456, 30.0, 140.0, 40.00004), (125.1235, 30.0, 140.0, 40.0)),
        ((-1000.0, -95.0, 1000.0, 95.0), (-180.0, -90.0, 180.0, 90.0)),  # zoomed out
        ((-190.0, -85.0, 170.0, 85.0), (-180.0, -85.0, 180.0, 85.0)),  # exactly one turn
        ((485.0, 30.0, 500.0, 40.0), (125.0, 30.0, 140.0, 40.0)),  # a copy of the world east
        ((-235.0, 30.0, -220.0, 40.0), (125.0, 30.0, 140.0, 40.0)),  # and west
        ((-180.0, -10.0, -170.0, 10.0), (-180.0, -10.0, -170.0, 10.0)),
        ((170.0, -10.0, 180.0, 10.0), (170.0, -10.0, 180.0, 10.0)),
    ],
)
def test_map_frame_clamps_the_reported_view(reported, bbox):
    frame = map_frame(_leaflet(*reported), APP_VIEW)
    assert frame.bbox == bbox and frame.note == ""
    west, south, east, north = frame.bbox
    assert -180 <= west < east <= 180 and -90 <= south < north <= 90


@pytest.mark.parametrize(
    ("returned", "note"),
    [
        (None, "has not reported its view"),
        ({"last_object_clicked_tooltip": None, "bounds": {}}, "has not reported its view"),
        (_leaflet(170.0, -50.0, 190.0, -30.0), "crosses the antimeridian"),
        (_leaflet(-185.0, -50.0, -175.0, -30.0), "crosses the antimeridian"),
        (_leaflet(10.0, 5.0, 10.0, 6.0), "no usable view"),
        (_leaflet(10.0, 95.0, 20.0, 99.0), "no usable view"),
        (_leaflet(float("nan"), 0.0, 1.0, 1.0), "no usable view"),
        ({"center": {}, "bounds": {"_southWest": None}}, "no usable view"),
        ({"center": {}, "bounds": {"_southWest": {"lat": "x", "lng": 1}, "_northEast": {}}},
         "no usable view"),
    ],
)  # fmt: skip
def test_map_frame_falls_back_to_the_app_view_with_a_note(returned, note):
    frame = map_frame(returned, APP_VIEW)
    assert frame.bbox == APP_VIEW and note in frame.note
    assert "the view the app set" in frame.note


def test_map_returns_what_map_frame_needs():
    assert {"bounds", "center", "last_object_clicked_tooltip"} == set(MAP_RETURNED)
