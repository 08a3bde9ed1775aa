"""The shipped curated layers: citations, codes, dates, precision and places."""

from __future__ import annotations

import json
import re
from functools import cache

import pycountry
import pytest
import shapely
from shapely.geometry import Point, shape

from regionmap.catalog import ROOT, Catalog
from regionmap.schema import ISO_DATE_PATTERN

CURATED = ("basing", "test-ranges", "events")
DATE_FIELDS = ("since", "established", "date")
# Points allowed to lie more than 10 km from their declared country's Natural Earth 1:10m
# polygon, and why. Each must lie inside the named Natural Earth feature instead.
EXCEPTIONS = {
    # UK Sovereign Base Areas: British sovereignty, no ISO code; NE draws them separately.
    "cy-akrotiri": "ne-akrotiri",
    "cy-dhekelia": "ne-dhekelia",
    # Baikonur: Kazakh territory leased to Russia; NE draws the lease area separately.
    "kz-baikonur": "ne-baikonur",
    "baikonur-cosmodrome": "ne-baikonur",
    # Launches in the White Sea: the point is at sea, off the Russian coast.
    "2020-10-zircon-launch-white-sea": None,
    "2021-07-zircon-launch-white-sea": None,
    "2021-11-zircon-launch-white-sea-announced-18": None,
    "2021-11-zircon-launch-white-sea-announced-29": None,
    "2022-05-zircon-launch-barents-to-white-sea": None,
    "2020-11-zircon-launch-white-sea": None,
    "2021-10-zircon-first-submarine-launch": None,
    "2021-12-zircon-launch-chizha-target": None,
}
KM_PER_DEGREE = 111.32  # degree distance times this over-estimates km: a safe bound


@cache
def layer(layer_id: str):
    loaded = Catalog(root=ROOT).load(layer_id)
    assert loaded.ok, [str(p) for p in loaded.problems]
    return loaded


@cache
def countries_10m() -> dict[str, object]:
    data = json.loads((ROOT / "data" / "countries-10m.geojson").read_text(encoding="utf-8"))
    parts: dict[str, list] = {}
    for feature in data["features"]:
        props = feature["properties"]
        parts.setdefault(props["iso_a3"] or props["id"], []).append(shape(feature["geometry"]))
    return {key: shapely.union_all(geoms) for key, geoms in parts.items()}


def features(layer_id: str):
    return [(f["properties"], f["geometry"]) for f in layer(layer_id).features]


@pytest.mark.parametrize("layer_id", CURATED)
def test_every_feature_cites_a_known_source(layer_id):
    keys = {s.key for s in layer(layer_id).meta.sources}
    for props, _ in features(layer_id):
        assert props["sources"], f"{props['id']} cites nothing"
        assert set(props["sources"]) <= keys, props["id"]


@pytest.mark.parametrize("layer_id", CURATED)
def test_every_source_is_cited_and_linked(layer_id):
    meta = layer(layer_id).meta
    cited = {k for props, _ in features(layer_id) for k in props["sources"]}
    cited |= {k for a in meta.agreements for k in a.sources}
    for source in meta.sources:
        assert source.key in cited, f"{source.key} is never cited"
        assert re.match(r"^https?://[^/\s]+", source.url)
        assert source.accessed == "2026-11-25" or re.match(ISO_DATE_PATTERN, source.accessed)


@pytest.mark.parametrize("layer_id", CURATED)
def test_ids_unique_codes_real_dates_iso(layer_id):
    ids = [props["id"] for props, _ in features(layer_id)]
    assert len(ids) == len(set(ids))
    for props, _ in features(layer_id):
        for field in ("country", "host", "user"):
            if props.get(field) is not None:
                assert pycountry.countries.get(alpha_3=props[field]), (props["id"], field)
        for field in DATE_FIELDS:
            if props.get(field) is not None:
                assert re.match(ISO_DATE_PATTERN, str(props[field])), (props["id"], field)
    for agreement in layer(layer_id).meta.agreements:
        assert all(pycountry.countries.get(alpha_3=p) for p in agreement.parties)


@pytest.mark.parametrize("layer_id", CURATED)
def test_coordinates_have_at_most_three_decimals(layer_id):
    text = (ROOT / "data" / f"{layer_id}.geojson").read_text(encoding="utf-8")
    for props, geometry in features(layer_id):
        assert geometry["type"] == "Point"
        for value in geometry["coordinates"]:
            assert round(value, 3) == value, (props["id"], value)
    assert not re.search(r"\d\.\d{4,}", text.split('"features"')[1].replace("e-", ""))


@pytest.mark.parametrize("layer_id", CURATED)
def test_points_lie_in_their_declared_country(layer_id):
    countries = countries_10m()
    for props, geometry in features(layer_id):
        point = Point(geometry["coordinates"])
        distance = countries[props["country"]].distance(point) * KM_PER_DEGREE
        if props["id"] in EXCEPTIONS:
            inside = EXCEPTIONS[props["id"]]
            if inside is not None:
                assert countries[inside].distance(point) == 0, props["id"]
            continue
        assert distance <= 10, f"{props['id']} is {distance:.0f} km from {props['country']}"


def test_basing_coverage():
    meta = layer("basing").meta
    props = [p for p, _ in features("basing")]
    assert len(props) >= 40
    assert len(meta.agreements) >= 10
    continents = {
        pycountry.countries.get(alpha_3=p["host"]).alpha_2 for p in props
    }  # hosts on at least three continents: Asia, Europe, Africa, the Americas, Oceania
    assert {"JP", "DJ", "CU", "AU"} <= continents
    for agreement in meta.agreements:
        assert agreement.signed and agreement.sources
    used = {p["agreement"] for p in props if p["agreement"]}
    assert used <= {a.key for a in meta.agreements}


def test_test_ranges_and_events_counts():
    assert len(features("test-ranges")) >= 20
    assert len(features("events")) >= 8
    names = " ".join(p["name"] for p, _ in features("test-ranges"))
    for required in ("White Sands", "Pacific Missile Range", "Woomera", "Esrange", "Jiuquan"):
        assert required in names


def test_countries_layer_says_de_facto():
    meta = layer("countries").meta
    note = "Boundaries: Natural Earth, de facto; depiction implies no endorsement."
    assert note in meta.description.replace("\n", " ").replace("  ", " ")
    assert meta.attribution == note
