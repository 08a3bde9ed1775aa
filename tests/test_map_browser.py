"""The standalone HTML map in real Chromium (network blocked): legend, colours, labels,
clusters, inset, small screens and keyboard (issue 11).

The page is the HTML export of the Japan view with the shipped layers plus two user layers
added with ``regionmap add`` from ``../shared/realworld/`` (the USGS earthquakes and Natural
Earth's populated places).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REALWORLD

from regionmap.cli import cli
from regionmap.styles import ciede2000

pytestmark = pytest.mark.browser

USER_LAYERS = {
    "quakes": ("earthquakes.json", "Earthquakes (USGS)", "https://github.com/vega/vega-datasets"),
    "places": (
        "ne_10m_populated_places_simple.json",
        "Populated places",
        "https://github.com/martynafford/natural-earth-geojson",
    ),
}
POINT_LAYERS = ("basing", "test-ranges", "events", *USER_LAYERS)
OKINAWA = (26.3, 127.8)


@pytest.fixture(scope="module")
def japan_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exported Japan view with the shipped layers and the two user layers."""
    missing = [f for f, _, _ in USER_LAYERS.values() if not (REALWORLD / f).is_file()]
    if missing:
        pytest.skip(f"{REALWORLD} lacks {', '.join(missing)} (the shared real-world inputs)")
    folder = tmp_path_factory.mktemp("map") / "catalog"
    runner = CliRunner()
    for layer_id, (name, title, url) in USER_LAYERS.items():
        result = runner.invoke(cli, ["add", str(REALWORLD / name), "--id", layer_id, "--title",
                                     title, "--license", "CC0-1.0", "--source-title", title,
                                     "--source-url", url, "--catalog", str(folder)])  # fmt: skip
        assert result.exit_code == 0, result.output
    out = folder.parent / "japan.html"
    layers = ",".join(("countries", *POINT_LAYERS))
    result = runner.invoke(cli, ["export", "--region", "japan", "--layers", layers, "--format",
                                 "html", "-o", str(out), "--catalog", str(folder)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _open(page, path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".rm-legend-entry", state="attached")
    page.wait_for_function("() => window.rmap && rmap.maps.length === 1")
    page.wait_for_selector(".folium-map[data-rm-labels-placed]", state="attached")
    page.wait_for_timeout(300)  # any later placement (after cluster animations) is done
    assert not errors, errors


def _lab(rgb: str) -> tuple[float, float, float]:
    """CIELAB of a computed ``rgb(r, g, b)`` colour (via the project's own sRGB conversion)."""
    from regionmap.styles import hex_to_lab

    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return hex_to_lab(f"#{r:02x}{g:02x}{b:02x}")


def test_legend_lists_every_point_layer_in_distinct_colours(japan_html):
    from browser import chromium_page

    with chromium_page() as page:
        _open(page, japan_html)
        entries = page.evaluate(
            """() => [...document.querySelectorAll('.rm-legend-entry')].map(li => ({
                 title: li.querySelector('.rm-legend-title').textContent,
                 count: +li.dataset.count,
                 fill: getComputedStyle(li.querySelector('.rm-shape')).fill}))"""
        )
        markers = page.evaluate(
            """() => {
              const out = {};
              document.querySelectorAll('.leaflet-marker-icon[data-rm-layer]').forEach(el => {
                out[el.dataset.rmLayer] = getComputedStyle(el.querySelector('.rm-shape')).fill;
              });
              document.querySelectorAll('.rm-cluster').forEach(el => {});
              return out;
            }"""
        )
    titles = [e["title"] for e in entries]
    for title in ("Declared basing", "Test ranges", "Dated public events", "Earthquakes",
                  "Populated places"):  # fmt: skip
        assert any(t.startswith(title) for t in titles), (title, titles)
    assert len(entries) == len(POINT_LAYERS)
    assert all(e["count"] > 0 for e in entries), entries
    for a, b in itertools.combinations(entries, 2):
        assert ciede2000(_lab(a["fill"]), _lab(b["fill"])) >= 20, (a, b)
    # The markers on the map wear the legend's colours.
    legend_fills = {e["fill"] for e in entries}
    assert set(markers.values()) <= legend_fills, (markers, legend_fills)


def test_country_names_on_the_map_never_over_a_marker(japan_html):
    from browser import chromium_page

    with chromium_page() as page:
        _open(page, japan_html)
        found = page.evaluate(
            """() => {
              const shown = [...document.querySelectorAll('.rm-country-label .rm-label-text')]
                .filter(el => el.offsetParent !== null && getComputedStyle(el).display !== 'none');
              const rect = el => el.getBoundingClientRect();
              const icons = [...document.querySelectorAll(
                '.leaflet-marker-icon:not(.rm-label)')].map(rect);
              const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
                                    b.top < a.bottom;
              return {names: shown.map(el => el.textContent),
                      clashes: shown.filter(el => icons.some(i => hit(rect(el), i))).length};
            }"""
        )
    assert "Japan" in found["names"], found
    assert len(found["names"]) >= 2, found
    assert found["clashes"] == 0, found


def test_clusters_at_okinawa_separate_on_click(japan_html):
    from browser import chromium_page

    with chromium_page() as page:
        _open(page, japan_html)
        cluster = page.evaluate(
            """([lat, lon]) => {
              const s = rmap.maps[0], m = s.map;
              const here = m.latLngToContainerPoint([lat, lon]);
              let best = null;
              document.querySelectorAll('.rm-cluster-icon').forEach(el => {
                const r = el.getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();
                const d = Math.hypot(r.left + r.width / 2 - c.left - here.x,
                                     r.top + r.height / 2 - c.top - here.y);
                if (d < 40 && (!best || d < best.d)) {
                  best = {d: d, x: r.left + r.width / 2, y: r.top + r.height / 2,
                          count: +el.textContent};
                }
              });
              return best;
            }""",
            list(OKINAWA),
        )
        assert cluster is not None and cluster["count"] >= 2, cluster
        page.mouse.click(cluster["x"], cluster["y"])
        page.wait_for_timeout(1200)  # zoom or spiderfy animation
        near = page.evaluate(
            """([lat, lon]) => {
              const m = rmap.maps[0].map;
              const box = m.getContainer().getBoundingClientRect();
              const icons = [...document.querySelectorAll('.leaflet-marker-icon[data-rm-layer]')]
                .map(el => el.getBoundingClientRect())
                .filter(r => r.right > box.left && r.left < box.right && r.bottom > box.top &&
                             r.top < box.bottom);
              // Pairwise, the separated markers do not sit on top of each other.
              let overlapping = 0;
              for (let i = 0; i < icons.length; i++) for (let j = i + 1; j < icons.length; j++) {
                const a = icons[i], b = icons[j];
                if (Math.hypot(a.left - b.left, a.top - b.top) < 4) overlapping++;
              }
              return {markers: icons.length, overlapping: overlapping, zoom: m.getZoom()};
            }""",
            list(OKINAWA),
        )
    assert near["markers"] >= cluster["count"], (cluster, near)
    assert near["overlapping"] == 0, near


def test_inset_shows_the_view_box(japan_html):
    from browser import chromium_page

    with chromium_page() as page:
        _open(page, japan_html)
        inset = page.evaluate(
            """() => {
              const s = rmap.maps[0];
              const el = document.querySelector('.leaflet-control-minimap');
              const rect = s.inset._aimingRect.getBounds(), view = s.map.getBounds();
              const frame = el.querySelector('path.leaflet-interactive, path');
              return {visible: el.getBoundingClientRect().width > 50,
                      rect: [rect.getWest(), rect.getSouth(), rect.getEast(), rect.getNorth()],
                      view: [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()],
                      drawn: el.querySelectorAll('svg path').length};
            }"""
        )
    assert inset["visible"] and inset["drawn"] > 10, inset
    assert inset["rect"] == pytest.approx(inset["view"], abs=0.05), inset


def test_popup_fits_a_400px_wide_map(japan_html):
    from browser import chromium_page

    with chromium_page(viewport=(400, 700)) as page:
        _open(page, japan_html)
        page.evaluate(
            """() => {
              const s = rmap.maps[0];
              const marker = s.layers['places'].getLayers()[0];
              s.layers['places'].zoomToShowLayer(marker, () => marker.openPopup());
            }"""
        )
        page.wait_for_selector(".leaflet-popup-content .rm-popup")
        page.wait_for_timeout(600)
        sizes = page.evaluate(
            """() => {
              const map = document.querySelector('.leaflet-container').getBoundingClientRect();
              const pop = document.querySelector('.leaflet-popup').getBoundingClientRect();
              const body = document.querySelector('.rm-popup');
              const scale = document.querySelector('.leaflet-control-scale')
                .getBoundingClientRect();
              const attr = document.querySelector('.leaflet-control-attribution')
                .getBoundingClientRect();
              const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
                                    b.top < a.bottom;
              return {map: [map.left, map.right], popup: [pop.left, pop.right, pop.width],
                      scrolls: getComputedStyle(body).overflowY,
                      scaleCovered: hit(scale, attr)};
            }"""
        )
    assert sizes["popup"][2] <= sizes["map"][1] - sizes["map"][0] - 20, sizes
    assert sizes["popup"][0] >= sizes["map"][0] and sizes["popup"][1] <= sizes["map"][1], sizes
    assert sizes["scrolls"] == "auto"
    assert not sizes["scaleCovered"], sizes


def test_tab_reaches_a_marker_quickly_and_enter_opens_its_popup(japan_html):
    from browser import chromium_page

    with chromium_page() as page:
        _open(page, japan_html)
        presses = 0  # from the top of the page, as a keyboard user arrives
        kind = ""
        while presses < 9 and kind != "marker":
            presses += 1
            page.keyboard.press("Tab")
            kind = page.evaluate(
                """() => {
                  const el = document.activeElement;
                  if (el.matches('.rm-marker')) return 'marker';
                  if (el.closest('.leaflet-overlay-pane')) return 'shape';
                  return el.tagName;
                }"""
            )
            assert kind != "shape", "a country shape took the focus"
        assert kind == "marker", f"no marker after {presses} presses of Tab"
        ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert ring not in ("none", ""), ring
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        opened = page.evaluate(
            "() => document.querySelector('.leaflet-popup .rm-popup .rm-name')?.textContent"
        )
    assert opened, "Enter on a marker did not open its popup"
    assert presses < 10
