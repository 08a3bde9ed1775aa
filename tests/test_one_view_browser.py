"""One view, everywhere, in a real browser: the app's sources panel and the export it offers
hold the same numbered list, at a region, after a pan and after a filter change; and toggling
a layer never moves the time window.

Runs `streamlit run app.py` on the shipped catalog, driven by Chromium with DNS blocked
(tests/browser.py); skips with the reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import html
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_page, chromium_skip_reason, streamlit_server

from regionmap.catalog import ROOT
from regionmap.frame import format_bbox, map_frame

pytestmark = pytest.mark.browser

MAP_IFRAME = "iframe[title='app.regionmap_map']"
_BOUNDS = """() => { const b = map_div.getBounds(); return {
  bounds: {_southWest: b.getSouthWest(), _northEast: b.getNorthEast()},
  center: map_div.getCenter()}; }"""
_ENTRY = re.compile(r"^\[(\d+)\] (.+?) — ", re.M)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` with the shipped catalog only."""
    if reason := chromium_skip_reason():
        pytest.skip(reason)
    logs = tmp_path_factory.mktemp("one-view")
    env = {k: v for k, v in os.environ.items() if k != "REGIONMAP_CATALOG"}
    with streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=logs / "streamlit.log") as url:
        yield url


def _map(page):
    """The map's iframe, once Leaflet has drawn."""
    frame = page.wait_for_selector(MAP_IFRAME, timeout=90_000).content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=90_000)
    frame.wait_for_function("() => window.map_div && map_div.getSize().x > 0")
    return frame


def _settled(page, frame) -> None:
    """Wait until the export panel names the frame the map shows (the view followed it)."""
    bbox = map_frame(frame.evaluate(_BOUNDS), (0, 0, 1, 1)).bbox
    page.get_by_text("Frame " + format_bbox(bbox)).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the rest of the fragment (tabs) is written after the panel


def _sources_panel(page) -> list[tuple[int, str]]:
    """The Sources tab's numbered list: (number, title)."""
    page.get_by_role("tab", name="Sources").click()
    panel = page.locator("[data-testid='stTabPanel']:visible").first
    text = panel.inner_text()
    return [(int(n), title.strip()) for n, title in _ENTRY.findall(text)]


def _exported(page, tmp_path: Path, name: str) -> list[tuple[int, str]]:
    """Run the command the export panel shows (as HTML) and read its numbered list."""
    command = page.locator("[data-testid='stCode'] code").first.inner_text()
    args = shlex.split(command)
    assert args[:2] == ["regionmap", "export"], command
    out = tmp_path / f"{name}.html"
    args[args.index("--out") + 1] = str(out)
    env = {k: v for k, v in os.environ.items() if k != "REGIONMAP_CATALOG"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "regionmap", *args[1:]], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    page_html = out.read_text("utf-8")
    cites = re.findall(r'<div class="rm-cite">\[(\d+)\] (.*?) — ', page_html)
    panel = page_html[page_html.index('id="rm-about"') :]
    listed = re.findall(r'<div class="rm-cite">\[(\d+)\] (.*?) — ', panel)
    assert listed and len(listed) <= len(cites)
    return [(int(n), html.unescape(title).strip()) for n, title in listed]


def test_sources_panel_and_export_number_alike(app_url, tmp_path):
    with chromium_page(viewport=(1300, 1000), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan")
        frame = _map(page)
        page.get_by_text("Export this view").click()
        _settled(page, frame)
        at_japan = _sources_panel(page)
        assert at_japan and [n for n, _ in at_japan] == list(range(1, len(at_japan) + 1))
        assert _exported(page, tmp_path, "japan") == at_japan

        frame.evaluate("() => map_div.panBy([-350, 150], {animate: false})")
        _settled(page, frame)
        panned = _sources_panel(page)
        assert panned != at_japan  # the panel followed the pan
        assert _exported(page, tmp_path, "panned") == panned

        search = page.get_by_label("Search names and notes (every layer)")
        search.fill("Air")
        search.press("Enter")
        page.get_by_text('search "Air"').first.wait_for(timeout=60_000)
        _settled(page, frame)
        filtered = _sources_panel(page)
        assert filtered and len(filtered) < len(panned)
        assert _exported(page, tmp_path, "filtered") == filtered


def _years_in_url(page) -> str | None:
    match = re.search(r"[?&]years=([^&]+)", page.url)
    return match.group(1) if match else None


def _slider(page) -> list[str]:
    """The time slider's two thumbs (start, end) as their values."""
    thumbs = page.locator("[data-testid='stSidebar'] input[type='range']")
    return [thumbs.nth(i).get_attribute("aria-valuetext") for i in range(thumbs.count())]


def test_toggling_a_layer_never_moves_the_time_window(app_url):
    with chromium_page(viewport=(1300, 1000), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan")
        _map(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        events = sidebar.get_by_text("Dated public events")
        before = _slider(page)
        assert len(before) == 2 and _years_in_url(page) is None
        for _ in range(2):  # off, then on again
            events.click()
            page.wait_for_timeout(2500)
            assert _slider(page) == before
            assert _years_in_url(page) is None, page.url
        # A window the user chose stays as it is through the same toggles.
        page.goto(f"{app_url}/?region=japan&years=2000-2015")
        _map(page)
        chosen = _slider(page)
        assert chosen == ["2000", "2015"]
        events = page.locator("[data-testid='stSidebar']").get_by_text("Dated public events")
        for _ in range(2):
            events.click()
            page.wait_for_timeout(2500)
            assert _slider(page) == chosen and _years_in_url(page) == "2000-2015", page.url


def test_deep_linked_feature_is_highlighted_with_its_popup_open(app_url):
    with chromium_page(viewport=(1300, 1000), timeout_ms=60_000) as page:
        page.goto(f"{app_url}/?region=japan&feature=basing:jp-kadena")
        frame = _map(page)
        # A locator, not an element handle: the map's first report redraws the groups (the
        # popup opens again in the new one), so the first popup element may be replaced.
        popup = frame.locator(".leaflet-popup-content", has_text="Kadena Air Base")
        popup.first.wait_for(timeout=60_000)
        page.get_by_text("Kadena Air Base · Declared basing and access agreements").wait_for()
