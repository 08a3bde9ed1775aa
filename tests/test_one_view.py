"""One view, everywhere: for random views, every face holds the same features and numbers.

A view (frame, layers, filters, time window, selection) becomes contents once
(:func:`regionmap.view.view_contents`); the map's data groups, the table rows, the CSV and
GeoJSON downloads and the SVG and HTML exports are built from them. Hypothesis draws views
over the shipped catalog and checks that each face lists exactly the contents' features,
each with the contents' citation numbers, and that the numbering is [1]…[n], deterministic,
and lists nothing that no shown feature cites.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regionmap.appmap import data_groups
from regionmap.catalog import Catalog
from regionmap.export import export_contents
from regionmap.filters import HIDES, Filters
from regionmap.htmlpack import unpack_page
from regionmap.mapcomponent import group_scripts
from regionmap.popups import citation_numbers
from regionmap.table import feature_rows, rows_csv, shown_geojson
from regionmap.view import View, ViewContents, view_contents

CATALOG = Catalog()
LAYERS = ("basing", "test-ranges", "events", "countries")
#: A drawn feature's popup citation numbers and its hidden ``⟦layer:id⟧`` reference, in
#: folium's GeoJSON (spaced, ``\\u`` escapes) or the point layers' compact JSON.
_FEATURE = re.compile(
    r'"sources": ?"([0-9,]*)", ?"tooltip": ?"(?:[^"\\]|\\.)*?(?:\\u27e6|⟦)(.*?)(?:\\u27e7|⟧)'
)
AGREEMENTS = ["us-phl-edca-2014", "us-jpn-sofa-1960", "nope"]
#: Frames with data in them (region presets), which views may pan by a few degrees.
PRESETS = [(122, 24, 146.5, 46), (124, 33, 131, 43.5), (105, 0, 128, 23), (-25, 34, 45, 72)]
_CITE = re.compile(r'<div class="rm-cite">\[(\d+)\] (.*?) — ')


@st.composite
def views(draw: st.DrawFn, presets_only: bool = False) -> View:
    """A random view of the shipped catalog: anywhere, or a region preset panned a little."""
    if presets_only or draw(st.booleans()):
        west, south, east, north = draw(st.sampled_from(PRESETS))
        dx, dy = draw(st.floats(-5, 5)), draw(st.floats(-5, 5))
        west, east, south, north = west + dx, east + dx, south + dy, north + dy
    else:
        west = draw(st.floats(-180, 170, allow_nan=False))
        south = draw(st.floats(-80, 70, allow_nan=False))
        east = min(west + draw(st.floats(2, 200, allow_nan=False)), 180)
        north = min(south + draw(st.floats(2, 120, allow_nan=False)), 85)
    frame = (round(west, 2), round(south, 2), round(east, 2), round(north, 2))
    layers = draw(st.lists(st.sampled_from(LAYERS), min_size=1, max_size=4, unique=True))
    years = draw(
        st.none()
        | st.tuples(st.integers(1890, 2030), st.integers(0, 80)).map(lambda t: (t[0], t[0] + t[1]))
    )
    filters = Filters(
        search=draw(st.sampled_from(["", "air", "base", "test", "sign"])),
        countries=tuple(draw(st.lists(st.sampled_from(["JPN", "USA", "PHL", "KOR", "CHN"]),
                                      max_size=2, unique=True))),
        agreements=tuple(draw(st.lists(st.sampled_from(AGREEMENTS), max_size=1))),
        years=years,
    )  # fmt: skip
    selected = draw(st.sampled_from([None, "basing:jp-kadena", "events:nope"]))
    return View(frame, tuple(layers), filters, selected=selected)


def _expected(contents: ViewContents) -> dict[str, list[int]]:
    """Each shown data feature's reference and citation numbers, from the contents."""
    bib = contents.bibliography
    return {
        ref: citation_numbers(bib, lc.layer, feature)
        for lc in contents.layers
        if not lc.basemap
        for ref, feature in zip(lc.refs(), lc.features, strict=True)
    }


def _map_features(contents: ViewContents) -> dict[str, list[int]]:
    """What the app's map draws of the data layers: reference -> popup citation numbers."""
    script = "".join(g["js"] for g in group_scripts(data_groups(contents)))
    return {
        json.loads(f'"{ref}"'): [int(n) for n in numbers.split(",") if n]
        for numbers, ref in _FEATURE.findall(script)
    }


def _check_numbering(contents: ViewContents, expected: dict[str, list[int]]) -> None:
    """[1]…[n], each cited by a shown feature (basemaps included), and no number unknown."""
    numbers = [c.number for c in contents.bibliography.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = {n for ns in expected.values() for n in ns}
    for lc in contents.layers:
        if lc.basemap:
            cited |= {n for f in lc.features for n in citation_numbers(
                contents.bibliography, lc.layer, f)}  # fmt: skip
    assert cited == set(numbers)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=views())
def test_map_table_downloads_and_numbers_agree(view):
    contents = view_contents(CATALOG, view)
    again = view_contents(CATALOG, view)
    assert [(c.number, c.source.url) for c in contents.bibliography.citations] == [
        (c.number, c.source.url) for c in again.bibliography.citations
    ]
    expected = _expected(contents)
    _check_numbering(contents, expected)
    # Filters that a layer cannot answer hide it, and nothing lies outside the frame.
    for lc in contents.layers:
        if lc.hidden:
            assert lc.features == [] and HIDES in lc.effects.values()
        if view.filters.agreements and not lc.basemap and not lc.layer.meta.agreements:
            assert lc.features == []
    assert _map_features(contents) == expected
    rows = feature_rows(contents.data_layers, contents.bibliography)
    assert {r["ref"]: [int(n) for n in r["sources"].split(", ") if n] for r in rows} == expected
    parsed = list(csv.DictReader(io.StringIO(rows_csv(rows).decode("utf-8"))))
    assert [r["ref"] for r in parsed] == [r["ref"] for r in rows]
    collection = json.loads(shown_geojson(contents.data_layers, contents.bibliography))
    assert [s["number"] for s in collection["sources"]] == [
        c.number for c in contents.bibliography.citations
    ]
    downloaded = {
        f"{f['properties']['regionmap_layer']}:{f['properties']['id']}": f["properties"][
            "regionmap_sources"
        ]
        for f in collection["features"]
    }
    assert downloaded == expected
    if contents.selected is not None:
        assert view.selected in expected


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(view=views(presets_only=True))
def test_svg_and_html_exports_hold_the_contents(view, tmp_path_factory):
    contents = view_contents(CATALOG, view)
    assume(contents.feature_count > 0)  # an empty frame is refused (tested in test_export.py)
    out = tmp_path_factory.mktemp("exports")
    citations = [(c.number, c.source.title) for c in contents.bibliography.citations]
    export_contents(CATALOG, contents, fmt="html", out=out / "v.html")
    page = unpack_page((out / "v.html").read_text("utf-8"))  # with the map's scripts as text
    panel = page[page.index('id="rm-about"') :]
    assert [int(n) for n, _ in _CITE.findall(panel)] == [n for n, _ in citations]
    listed = html.unescape(panel)
    assert all(f"[{n}] {title} — " in listed for n, title in citations)
    drawn = {json.loads(f'"{ref}"') for _, ref in _FEATURE.findall(page)}
    assert set(_expected(contents)) <= drawn
    assert {r for r in drawn if not r.startswith("countries:")} == set(_expected(contents))
    export_contents(CATALOG, contents, fmt="svg", out=out / "v.svg", labels=False)
    svg = (out / "v.svg").read_text("utf-8")
    text = " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for number, title in citations:
        assert f"[{number}] {title.split()[0]}" in text, (number, title)
    assert f"[{len(citations) + 1}] " not in text


def test_agreement_filter_hides_layers_without_agreements():
    view = View(
        (-180, -85, 180, 85),
        ("basing", "events", "test-ranges"),
        Filters(agreements=("us-phl-edca-2014",)),
    )
    contents = view_contents(CATALOG, view)
    counts = {lc.id: len(lc.features) for lc in contents.layers}
    assert counts == {"basing": 9, "events": 0, "test-ranges": 0}  # the 9 EDCA sites
    assert {lc.id: lc.effects["agreement"] for lc in contents.layers} == {
        "basing": "applies", "events": "hides layer", "test-ranges": "hides layer"
    }  # fmt: skip
    assert all(
        f["properties"]["agreement"] == "us-phl-edca-2014" for f in contents.layers[0].features
    )


@pytest.mark.parametrize("ref", ["basing:jp-kadena"])
def test_selected_feature_is_opened_on_the_map(ref):
    contents = view_contents(CATALOG, View((122, 24, 146.5, 46), selected=ref))
    assert contents.selected is not None
    script = "".join(g["js"] for g in group_scripts(data_groups(contents)))
    assert "openPopup" in script and "jp-kadena" in script


def test_selection_travels_to_the_html_export_and_its_command(tmp_path):
    from regionmap.exportcmd import export_command

    command = export_command(bbox=(122, 24, 146.5, 46), layers=["basing"], selected="basing:x")
    assert command.endswith("--feature=basing:x --out view.pdf")
    from click.testing import CliRunner

    from regionmap.cli import cli

    out = tmp_path / "kadena.html"
    args = ["export", "--region", "japan", "--layers", "basing", "--feature=basing:jp-kadena"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = unpack_page(out.read_text("utf-8"))
    assert "openPopup" in page and "jp-kadena" in page
