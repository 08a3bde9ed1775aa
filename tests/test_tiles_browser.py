"""A big layer drawn from its PMTiles archive in real headless Chromium, network blocked (issue 17).

The fixture layer is small (a few thousand points) so the test stays quick; its archive is cut
with :func:`regionmap.tiles.build_pmtiles` as the add command does for big layers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium_page
from catalogs import PAYLOADS, tiled_crowd

from regionmap.catalog import ROOT, Catalog
from regionmap.export import export_view
from regionmap.filters import Filters
from regionmap.htmlpack import unpack_page

pytestmark = pytest.mark.browser

#: Around Osaka: a city-sized frame.
CITY = "135.3,34.55,135.7,34.8"

#: The folium map object (map_html names it map_000...).
MAP = "window[Object.keys(window).find(k => k.startsWith('map_'))]"
#: The pixel colour under a map point, read from the tile canvas there (RGBA), or null; MAP
#: stands for the map's variable.
PIXEL_AT = """([lat, lon]) => {
  const m = MAP;
  const p = m.latLngToContainerPoint([lat, lon]);
  const box = m.getContainer().getBoundingClientRect();
  const x = box.left + p.x, y = box.top + p.y;
  const c = Array.from(document.querySelectorAll('canvas.leaflet-tile')).find(e => {
    const r = e.getBoundingClientRect();
    return r.left <= x && x < r.right && r.top <= y && y < r.bottom;
  });
  if (!c) { return null; }
  const r = c.getBoundingClientRect();
  const k = c.width / r.width;
  const rgba = c.getContext('2d').getImageData((x - r.left) * k, (y - r.top) * k, 1, 1).data;
  return Array.from(rgba);
}"""
PIXEL = PIXEL_AT.replace("MAP", MAP)
#: Page coordinates of a map point.
POINT_AT = """([lat, lon]) => {
  const m = MAP;
  const p = m.latLngToContainerPoint([lat, lon]);
  const box = m.getContainer().getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""
CLICK_AT = POINT_AT.replace("MAP", MAP)


def _zoom_to_osaka(page, page_file: Path) -> None:
    """Open a standalone page, zoom it to Osaka (z13) and wait until its tiles are drawn."""
    page.goto(page_file.as_uri())
    page.wait_for_function("() => window.rmap && rmap.tiled && rmap.tiled[0].loaded > 0")
    page.evaluate(f"([lat, lon]) => {MAP}.setView([lat, lon], 13)", [34.7, 135.5])
    page.wait_for_timeout(300)
    page.wait_for_function("() => rmap.tiled[0].layer._loading === false")


@pytest.fixture(scope="module")
def tiled_catalog(tmp_path_factory) -> Path:
    return tiled_crowd(tmp_path_factory.mktemp("tiled"))


def test_standalone_html_draws_tiles_offline_with_cited_escaped_popup(tiled_catalog, tmp_path):
    out = tmp_path / "city.html"
    result = export_view(
        Catalog(tiled_catalog, root=ROOT),
        bbox=CITY,
        layers=["crowd"],
        filters=Filters(years=(1990, 2020)),
        fmt="html",
        out=out,
    )
    html = unpack_page(out.read_text(encoding="utf-8"))  # the page's scripts as text
    assert "rmap.tiles(" in html  # drawn from the embedded archive, not as vectors
    assert not any("tiles" in w and "zoom" in w for w in result.warnings)  # embedded whole
    with chromium_page() as page:
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        _zoom_to_osaka(page, out)
        drawn = page.evaluate(PIXEL, [34.7, 135.5])
        old = page.evaluate(PIXEL, [34.6, 135.4])
        x, y = page.evaluate(CLICK_AT, [34.7, 135.5])
        page.mouse.click(x, y)
        popup = page.wait_for_selector(".leaflet-popup-content .rm-popup")
        text = popup.inner_text()
        injected = page.evaluate(
            "() => document.querySelectorAll('.leaflet-popup img, .leaflet-popup svg,"
            " .leaflet-popup script').length"
        )
        page.mouse.click(*page.evaluate(CLICK_AT, [34.6, 135.4]))
        page.wait_for_timeout(300)
        shown = page.query_selector(".leaflet-popup-content")  # a map click may close it
        still = shown.inner_text() if shown else ""
    assert not errors, errors
    assert not [u for u in requests if u.startswith(("http:", "https:"))], requests
    # The point is drawn in the layer's colour (#d55e00); the one outside the window is not.
    assert drawn is not None and drawn[3] > 0 and abs(drawn[0] - 0xD5) < 40, drawn
    assert old is None or old[3] == 0 or abs(old[0] - 0xD5) > 40, old
    assert PAYLOADS["img"] in text and PAYLOADS["script"] in text
    assert PAYLOADS["jinja-expr"] in text and PAYLOADS["close-script"] in text
    assert PAYLOADS["svg"] in text and "Field <b>" in text and "Layer crowd" in text
    assert "[2] Second source" in text and "[1]" not in text  # its own source, as numbered
    assert injected == 0
    assert "Too old" not in still  # the time window hides it from clicks too


def test_the_search_filter_applies_to_the_tiles(tiled_catalog, tmp_path):
    import json

    out = tmp_path / "search.html"
    export_view(
        Catalog(tiled_catalog, root=ROOT),
        bbox=CITY,
        layers=["crowd"],
        filters=Filters(search="ONERROR"),  # in the hostile point's name only
        fmt="html",
        out=out,
    )
    crowd = json.loads((tiled_catalog / "data" / "crowd.geojson").read_text("utf-8"))
    lon, lat = next(
        f["geometry"]["coordinates"]
        for f in crowd["features"]
        if 135.43 < f["geometry"]["coordinates"][0] < 135.57
        and 34.66 < f["geometry"]["coordinates"][1] < 34.74
    )  # on screen at zoom 13 around the hostile point
    with chromium_page() as page:
        _zoom_to_osaka(page, out)
        kept = page.evaluate(PIXEL, [34.7, 135.5])
        other = page.evaluate(PIXEL, [lat, lon])
    assert kept is not None and kept[3] > 0 and abs(kept[0] - 0xD5) < 40, kept
    assert other is not None and (other[3] == 0 or abs(other[0] - 0xD5) > 40), other


def test_the_tiles_fold_case_as_the_table_does(tiled_catalog, tmp_path):
    """A search matches the same names on the map's tiles as in the table (str.casefold)."""
    out = tmp_path / "fold.html"
    export_view(Catalog(tiled_catalog, root=ROOT), bbox=CITY, layers=["crowd"], fmt="html", out=out)
    samples = ["Hauptstraße", "ΟΔΟΣ", "Σίσυφος", "ﬁre range", "İzmir", "Kadena AIR BASE"]
    with chromium_page() as page:
        page.goto(out.as_uri())
        page.wait_for_function("() => window.rmap && rmap.fold")
        folded = page.evaluate("(xs) => xs.map(rmap.fold)", samples)
    assert folded == [s.casefold() for s in samples]
