"""A tiled layer in the app: its archive served with HTTP range requests, drawn and clickable.

`streamlit run app.py` serves the app's ``static/`` folder (``server.enableStaticServing``);
the archive is published there by :func:`regionmap.tileserve.publish`. Real headless Chromium,
network blocked; the fixture layer is small so the test stays quick.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

import pytest
from browser import chromium_page, chromium_skip_reason, streamlit_server
from catalogs import PAYLOADS, tiled_crowd
from test_app_browser import _map_frame, _reruns
from test_tiles_browser import PIXEL_AT, POINT_AT

from regionmap.catalog import ROOT, Catalog
from regionmap.tiles import archive_for
from regionmap.tileserve import publish

pytestmark = pytest.mark.browser

PIXEL = PIXEL_AT.replace("MAP", "map_div")
POINT = POINT_AT.replace("MAP", "map_div")


@pytest.fixture(scope="module")
def tiled_app(tmp_path_factory) -> Iterator[tuple[str, Catalog]]:
    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tiled_crowd(tmp_path_factory.mktemp("tiledapp"))
    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    with streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=folder / "streamlit.log") as url:
        yield url, Catalog(folder, root=ROOT)


def _get(url: str, byte_range: str) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"Range": f"bytes={byte_range}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read(), response.headers.get("Content-Range", "")


def test_the_archive_is_served_with_range_requests(tiled_app):
    url, catalog = tiled_app
    layer = catalog.load("crowd")
    source = publish(layer, ROOT / "static")
    assert source is not None and source.url is not None
    archive = archive_for(layer.data_path).read_bytes()
    status, head, span = _get(url + source.url, "0-126")
    assert (status, head, span) == (206, archive[:127], f"bytes 0-126/{len(archive)}")
    status, middle, _ = _get(url + source.url, "1000-1999")
    assert status == 206 and middle == archive[1000:2000]


def test_zoomed_to_a_city_points_draw_from_tiles_and_open_cited_popups(tiled_app):
    url, _ = tiled_app
    with chromium_page(viewport=(1300, 900), timeout_ms=90_000) as page:
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        reruns = _reruns(page)
        page.goto(f"{url}/?region=japan")
        frame = _map_frame(page)
        frame.wait_for_function("() => window.rmap && rmap.tiled && rmap.tiled.length > 0")
        page.wait_for_timeout(2000)  # the rerun for the map's first reported view
        frame.evaluate("() => { window.rmProbe = 'same map'; rmap.tiled[0].probe = 1; }")
        before = frame.evaluate("() => rmap.tiled[0].loaded")
        reruns.clear()
        frame.evaluate("() => map_div.setView([34.7, 135.5], 13, {animate: false})")
        # Drawn by the browser from the tiles: the same layer paints the city's tiles.
        frame.wait_for_function(
            f"() => rmap.tiled[0].loaded > {before} && !rmap.tiled[0].layer._loading"
        )
        reruns_at_draw = list(reruns)
        drawn = frame.evaluate(PIXEL, [34.7, 135.5])
        page.mouse.click(*_page_point(page, frame, [34.7, 135.5]))
        popup = frame.wait_for_selector(".leaflet-popup-content .rm-popup")
        text = popup.inner_text()
        injected = frame.evaluate(
            "() => document.querySelectorAll('.leaflet-popup img, .leaflet-popup svg').length"
        )
        page.get_by_role("tab", name="Sources").click()
        page.wait_for_timeout(500)
        sources = page.inner_text("body")
        same = frame.evaluate("() => [window.rmProbe, rmap.tiled.length, rmap.tiled[0].probe]")
    assert not errors, errors
    assert not [u for u in requests if not u.startswith((url, "data:", "blob:"))]
    assert any("/app/static/tiles/crowd-" in u for u in requests)  # read with ranges
    # The map reports its new view (the table and panels follow it: fragment reruns only), but
    # the drawing needs none: the tile layer made before the zoom painted the city's tiles.
    assert all(reruns_at_draw), reruns_at_draw
    assert same == ["same map", 1, 1]  # neither the map nor the tile layer was rebuilt
    assert drawn is not None and drawn[3] > 0 and abs(drawn[0] - 0xD5) < 40, drawn
    assert PAYLOADS["img"] in text and PAYLOADS["script"] in text and injected == 0
    number = text.split("] Second source")[0].rsplit("[", 1)[-1]
    assert number.isdigit() and f"[{number}] Second source" in sources  # one numbering


def _page_point(page, frame, latlon) -> tuple[float, float]:
    """Page coordinates of a map point (the map is inside the component iframe)."""
    x, y = frame.evaluate(POINT, latlon)
    box = page.wait_for_selector("iframe[title='app.regionmap_map']").bounding_box()
    return box["x"] + x, box["y"] + y
