"""regionmap.styles and regionmap.legend: distinct colours, shapes, swatches and legend HTML."""

from __future__ import annotations

import itertools

import pytest

from regionmap.catalog import Catalog
from regionmap.legend import legend_html
from regionmap.schema import Style
from regionmap.styles import (
    BACKGROUND,
    MARKERS,
    MIN_DELTA_E,
    auto_style,
    ciede2000,
    delta_e,
    layer_styles,
    marker_svg,
    swatch_data_uri,
)

SHIPPED = ("basing", "test-ranges", "events")


# Pairs and expected differences from the test data of Sharma, Wu & Dalal (2005).
@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
        ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ],
)
def test_ciede2000_matches_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_shipped_layers_are_distinct_in_colour_and_shape():
    catalog = Catalog()
    styles = [catalog.load(layer_id).meta.style for layer_id in SHIPPED]
    assert len({s.marker for s in styles}) == len(styles)
    for a, b in itertools.combinations(styles, 2):
        assert delta_e(a.fill_color, b.fill_color) >= MIN_DELTA_E
    for style in styles:
        assert all(delta_e(style.fill_color, bg) >= MIN_DELTA_E for bg in BACKGROUND)


def test_auto_style_is_distinct_from_every_colour_in_use_and_stable():
    taken = ["#d55e00", "#0072b2", "#009e73"]
    chosen: list[str] = []
    for layer_id in ("quakes", "places", "time-zones", "admin1", "lines", "pubs"):
        style = auto_style(layer_id, taken + chosen)
        assert style == auto_style(layer_id, taken + chosen)  # same inputs, same style
        assert style.marker in MARKERS
        assert min(delta_e(style.color, c) for c in taken + chosen + list(BACKGROUND)) >= 20
        chosen.append(style.color)


def test_auto_style_keeps_other_settings():
    style = auto_style("x", [], Style(radius=9, weight=3))
    assert (style.radius, style.weight) == (9, 3)


def test_layer_styles_keep_own_styles_and_give_unstyled_layers_distinct_ones(tmp_path):
    from catalogs import point, source, write_layer

    for layer_id in ("user-a", "user-b"):
        write_layer(tmp_path / "cat", layer_id, [point("p", "P", 130.0, 33.0)],
                    sources=[source("s", "S", "https://a.example/")])  # fmt: skip
    catalog = Catalog(tmp_path / "cat")
    layers = [catalog.load(i) for i in (*SHIPPED, "user-a", "user-b")]
    styles = layer_styles(layers)
    for layer in layers[:3]:
        assert styles[layer.id] == layer.meta.style
    colours = [styles[i].fill_color or styles[i].color for i in styles]
    for a, b in itertools.combinations(colours, 2):
        assert delta_e(a, b) >= MIN_DELTA_E, (a, b)
    assert layer_styles(reversed(layers)) == styles  # order of the catalog does not matter


@pytest.mark.parametrize("shape", MARKERS)
def test_marker_svg_draws_every_shape(shape):
    svg = marker_svg(Style(color="#0072b2", marker=shape), 14)
    tag = {"circle": "<circle", "square": "<rect", "triangle": "<polygon", "diamond": "<polygon"}
    assert tag[shape] in svg and 'fill="#0072b2"' in svg
    assert swatch_data_uri(Style(marker=shape)).startswith("data:image/svg+xml;base64,")


def test_marker_svg_rejects_anything_but_hex_colours():
    style = Style.model_construct(color='red" onload="alert(1)', marker="circle")
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        marker_svg(style)


def test_legend_escapes_titles_and_counts_features():
    html = legend_html([("<img src=x onerror=alert(1)>{{7*7}}", Style(marker="diamond"), 12345)])
    assert "<img" not in html and "&lt;img" in html and "&#123;&#123;" in html
    assert "12,345" in html and html.startswith("<details open>")
    assert legend_html([]) == ""


def test_add_with_color_and_marker_writes_the_style(tmp_path):
    from catalogs import point, source, write_layer
    from click.testing import CliRunner

    from regionmap.cli import cli

    src = tmp_path / "src"
    write_layer(src, "pts", [point("p", "P", 130.0, 33.0)], sources=[source("s", "S")])
    data = src / "data" / "pts.geojson"
    cat = str(tmp_path / "cat")
    base = ["add", str(data), "--title", "Points", "--license", "CC0-1.0", "--source-title",
            "S", "--source-url", "https://a.example/", "--catalog", cat]  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(cli, [*base, "--id", "red-pts", "--color", "#CC79A7",
                                 "--marker", "triangle"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*base, "--id", "shaped", "--marker", "square"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(cli, [*base, "--id", "bad", "--color", "red"])
    assert bad.exit_code != 0 and "is not #rrggbb" in bad.output
    catalog = Catalog(tmp_path / "cat")
    styles = layer_styles(catalog.load(i) for i in ("red-pts", "shaped", "basing"))
    assert (styles["red-pts"].color, styles["red-pts"].marker) == ("#cc79a7", "triangle")
    assert styles["shaped"].marker == "square"  # its own shape, an automatic colour
    assert delta_e(styles["shaped"].color, styles["red-pts"].color) >= MIN_DELTA_E
