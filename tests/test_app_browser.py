"""The explorer in a real browser: `streamlit run app.py` driven by Chromium with DNS blocked.

Skips with the reason when /usr/bin/chromium or Playwright is missing (see tests/browser.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_page, chromium_skip_reason
from catalogs import point, source, write_layer

from regionmap.catalog import ROOT

pytestmark = pytest.mark.browser

MAP_IFRAME = "iframe[title='streamlit_folium.st_folium']"
JAPAN = (122.0, 24.0, 146.5, 46.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


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
    port = _free_port()
    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
           "true", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    log = Path(folder) / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
    if (l instanceof L.CircleMarker && l.getTooltip()) {
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
        # A real click on the marker opens its popup, with a numbered citation link.
        frame.locator(".leaflet-container").click(
            position={"x": kadena[0]["x"], "y": kadena[0]["y"]}
        )
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
