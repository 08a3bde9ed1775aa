"""The explorer in a real browser: `streamlit run app.py` driven by Chromium with DNS blocked.

Skips with the reason when /usr/bin/chromium or Playwright is missing (see tests/browser.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_page, chromium_skip_reason, streamlit_server
from catalogs import point, source, write_layer

from regionmap.catalog import ROOT
from regionmap.frame import format_bbox, map_frame

pytestmark = pytest.mark.browser

MAP_IFRAME = "iframe[title='app.regionmap_map']"
JAPAN = (122.0, 24.0, 146.5, 46.0)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port, with a small user catalog of sites."""
    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("catalog")
    write_layer(
        folder,
        "sites",
        [point("kadena", "Kadena Air Base", 127.768, 26.356, country="JPN", sources=["s1"])],
        title="Test sites",
        sources=[source("s1", "Kadena source", "https://example.org/kadena")],
        style={"color": "#b2182b", "radius": 9},
    )
    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    with streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=folder / "streamlit.log") as url:
        yield url


def _map_frame(page):
    """Wait for the map inside the component iframe; return the iframe's Frame."""
    handle = page.wait_for_selector(MAP_IFRAME, timeout=60_000)
    frame = handle.content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=60_000)
    frame.wait_for_function("() => window.map_div && map_div.getSize().x > 0")
    return frame


_MARKERS = """() => {
  const out = [];
  map_div.eachLayer(l => {
    if ((l instanceof L.CircleMarker || l instanceof L.Marker) && l.getTooltip()) {
      const p = map_div.latLngToContainerPoint(l.getLatLng());
      out.push({x: p.x, y: p.y, tip: l.getTooltip().getContent()});
    }
  });
  return out;
}"""


def test_map_draws_countries_and_markers_and_popups_cite(app_url):
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(f"{app_url}/?region=japan")
        frame = _map_frame(page)
        frame.wait_for_function(
            "() => document.querySelectorAll('path.leaflet-interactive').length > 50"
        )
        assert frame.locator("path.leaflet-interactive").count() > 50  # countries and markers
        markers = frame.evaluate(_MARKERS)
        kadena = [m for m in markers if "Kadena Air Base" in m["tip"]]
        assert kadena, markers[:5]
        # A real click on the marker opens its popup, with a numbered citation link. (Other
        # layers' Okinawa clusters sit at the same place, so click the marker's own element.)
        frame.locator("[data-rm-layer='sites']").first.dispatch_event("click")
        link = frame.wait_for_selector(".leaflet-popup-content a[href^='http']")
        popup = frame.locator(".leaflet-popup-content").inner_text()
        assert "Kadena Air Base" in popup and "[" in popup and "Kadena source" in popup
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("href") == "https://example.org/kadena"
        # The click selects the feature: it lands in the URL and the details panel.
        page.wait_for_url("**feature=sites*kadena*", timeout=30_000)
        page.get_by_text("Kadena Air Base · Test sites").wait_for()
        assert not [u for u in failed if not u.startswith(app_url)]


def test_deep_link_restores_region(app_url):
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan&layers=countries")
        frame = _map_frame(page)
        frame.wait_for_timeout(500)
        west, south, east, north = frame.evaluate(
            "() => { const b = map_div.getBounds(); "
            "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
        # The view covers Japan's preset (fitBounds) without being a world view.
        assert west <= JAPAN[0] + 0.5 and east >= JAPAN[2] - 0.5
        assert south <= JAPAN[1] + 0.5 and north >= JAPAN[3] - 0.5
        assert east - west < 90
        sidebar = page.locator("[data-testid='stSidebar']")
        region = sidebar.locator("[data-testid='stSelectbox']").first
        assert "Japan" in region.inner_html()  # the selected option (others render on open)
        assert frame.evaluate(_MARKERS) == []  # only the countries layer was asked for


_BOUNDS = """() => { const b = map_div.getBounds(); return {
  bounds: {_southWest: b.getSouthWest(), _northEast: b.getNorthEast()},
  center: map_div.getCenter()}; }"""


def _reruns(page) -> list[str]:
    """Record the fragment id of every rerun the page asks the server for ("" = whole script)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    asked: list[str] = []

    def sent(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            msg = BackMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "rerun_script":
                asked.append(msg.rerun_script.fragment_id)

    page.on("websocket", lambda ws: ws.on("framesent", sent))
    return asked


def _frame_caption(page, frame) -> str:
    """The export panel's frame text for the map's current view, once the panel shows it."""
    expected = "Frame " + format_bbox(map_frame(frame.evaluate(_BOUNDS), (0, 0, 1, 1)).bbox)
    page.get_by_text(expected).wait_for(timeout=30_000)
    return expected


def test_panning_reruns_only_the_map_fragment_and_exports_the_view(app_url):
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        reruns = _reruns(page)
        page.goto(f"{app_url}/?region=japan")
        frame = _map_frame(page)
        page.get_by_text("Export this view").click()
        _frame_caption(page, frame)  # the map reported its view after loading
        page.wait_for_timeout(1500)
        frame.evaluate("() => { window.rmProbe = 'same map'; }")
        reruns.clear()
        frame.evaluate("() => map_div.panBy([300, 120], {animate: false})")
        panned = _frame_caption(page, frame)
        page.wait_for_timeout(1000)
        # Only the fragment (map and export panel) reran, and the map was not rebuilt.
        assert reruns and all(reruns), reruns
        assert frame.evaluate("() => window.rmProbe") == "same map"
        assert page.get_by_text(panned).count() == 1
        # The export is of the panned view, as the panel says.
        page.get_by_role("button", name="Prepare SVG").click()
        button = page.get_by_role("button", name="Download SVG")
        button.wait_for(timeout=60_000)
        with page.expect_download() as download:
            button.click()
        svg = Path(download.value.path()).read_text("utf-8")
        assert panned.removeprefix("Frame ") in svg
        assert download.value.suggested_filename.startswith("regionmap-view-")
        assert frame.evaluate("() => window.rmProbe") == "same map"


_LEGEND = """() => [...document.querySelectorAll('.rm-legend-entry')].map(e =>
  e.textContent.replace(/\\s+/g, ' ').trim() + ' #' + e.dataset.count)"""


def test_legend_on_the_app_map_follows_toggles(app_url):
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan")
        frame = _map_frame(page)
        frame.wait_for_function("() => document.querySelectorAll('.rm-legend-entry').length")
        entries = frame.evaluate(_LEGEND)
        assert any(e.startswith("Test sites") and e.endswith(" #1") for e in entries), entries
        assert any(e.startswith("Declared basing") for e in entries), entries
        frame.evaluate("() => { window.rmProbe = 'same map'; }")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Test sites").click()  # untick the user layer
        frame.wait_for_function(
            "() => ![...document.querySelectorAll('.rm-legend-entry')]"
            ".some(e => e.textContent.includes('Test sites'))"
        )
        after = frame.evaluate(_LEGEND)
        assert any(e.startswith("Declared basing") for e in after), after
        assert len(frame.locator(".rm-legend").all()) == 1  # swapped, never stacked
        assert frame.evaluate("() => window.rmProbe") == "same map"


# Marks the groups on the map (rmShownGroups: the component's groups, in order).
_MARK_GROUPS = """() => rmShownGroups().map(l => { l.rmProbe = 'kept'; return 1; }).length"""
_KEPT_GROUPS = """() => rmShownGroups().map(l => l.rmProbe === 'kept')"""


def test_a_toggle_keeps_the_groups_it_did_not_change(app_url):
    """Unticking the last data layer removes its group; the groups before it stay the same
    Leaflet objects (the map component runs only the changed groups' scripts again)."""
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan")
        frame = _map_frame(page)
        frame.wait_for_function(
            "() => [...document.querySelectorAll('.rm-legend-entry')]"
            ".some(e => e.textContent.includes('Test sites'))"
        )
        # The rest of the page follows the map's first report (app.map_first): then the
        # groups show the reported view, and only then are they marked.
        page.get_by_role("tab", name="Table").wait_for()
        page.wait_for_timeout(1500)
        marked = frame.evaluate(_MARK_GROUPS)
        assert marked >= 4  # the built-in data layers, "Test sites" and the view's own group
        page.locator("[data-testid='stSidebar']").get_by_text("Test sites").click()
        frame.wait_for_function(
            "() => ![...document.querySelectorAll('.rm-legend-entry')]"
            ".some(e => e.textContent.includes('Test sites'))"
        )
        # The layers before "Test sites" are kept; its group went, the view's group is new.
        assert frame.evaluate(_KEPT_GROUPS) == [True] * (marked - 2) + [False]


def test_region_change_moves_the_mounted_map(app_url):
    """Choosing a region moves the map in place: the same component, centred on the region."""
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        page.goto(app_url)
        frame = _map_frame(page)
        frame.wait_for_function(
            "() => document.querySelectorAll('path.leaflet-interactive').length > 50"
        )
        # A mark on the map's window and on its iframe element: both survive only if the
        # component is not mounted again.
        frame.evaluate("() => { window.rmProbe = 'mounted once'; }")
        page.eval_on_selector(MAP_IFRAME, "f => { f.dataset.rmProbe = 'same iframe'; }")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.locator("[data-testid='stSelectbox']").first.click()
        page.get_by_role("option", name="Japan", exact=True).click()
        frame.wait_for_function(
            f"""() => {{ const c = map_div.getCenter();
              return c.lng > {JAPAN[0]} && c.lng < {JAPAN[2]} &&
                     c.lat > {JAPAN[1]} && c.lat < {JAPAN[3]} && map_div.getZoom() >= 4; }}"""
        )
        west, south, east, north = frame.evaluate(
            "() => { const b = map_div.getBounds(); "
            "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
        assert west <= JAPAN[0] + 0.5 and east >= JAPAN[2] - 0.5  # the preset is in view
        assert south <= JAPAN[1] + 0.5 and north >= JAPAN[3] - 0.5
        assert east - west < 90
        assert frame.evaluate("() => window.rmProbe") == "mounted once"
        assert page.eval_on_selector(MAP_IFRAME, "f => f.dataset.rmProbe") == "same iframe"
        # The countries were swapped in at the region's detail, with the region's inset.
        frame.wait_for_function("() => document.querySelector('.leaflet-control-minimap')")
        assert frame.locator(".leaflet-control-minimap").count() == 1
        assert frame.locator("path.leaflet-interactive").count() > 50


def test_countries_come_once_per_box_and_a_pan_does_not_resend_them(app_url):
    """The countries and scripts are files of the app's server: fetched once, never resent."""
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        received: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(len(p))))
        page.goto(f"{app_url}/?region=japan")
        frame = _map_frame(page)
        frame.wait_for_function(
            "() => document.querySelectorAll('.leaflet-rmBase-pane path').length > 50"
        )
        bases = [u for u in fetched if "/app/static/base/" in u]
        assert len(bases) == 1
        size = len(page.request.get(bases[0]).body())
        assert any("/app/static/assets/leaflet-" in u for u in fetched)  # the scripts too
        # Countries sit under the data layers, and their popup cites by the view's numbers.
        frame.locator(".leaflet-rmBase-pane path.leaflet-interactive").nth(5).dispatch_event(
            "click"
        )
        popup = frame.wait_for_selector(".leaflet-popup-content").inner_text()
        page.get_by_role("tab", name="Sources").click()
        panel = page.get_by_role("tabpanel", name="Sources").inner_text()
        cites = [line.split(" — ")[0] for line in popup.splitlines() if line.startswith("[")]
        assert cites and all(c in panel for c in cites), (cites, panel[:300])
        # A pan reruns the view: the map hears of new data, but no countries and no scripts.
        frame.wait_for_timeout(1500)
        before, fetched_before = sum(received), len(fetched)
        frame.evaluate("() => map_div.panBy([150, 60], {animate: false})")
        page.wait_for_url("**", timeout=5_000)
        frame.wait_for_timeout(3000)
        assert 0 < sum(received) - before < size / 2
        assert not [u for u in fetched[fetched_before:] if "/app/static/" in u]
        assert frame.locator(".leaflet-rmBase-pane path").count() > 50  # still drawn
