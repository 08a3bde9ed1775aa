"""Screenshots: the map as shown, as a PNG that carries its credits and sources (issue 19).

The Screenshot control is clicked in a real headless Chromium with the network blocked, in
the standalone HTML export and in the app; the command line drives the same page headless.
Browser tests skip with the reason when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_page, chromium_skip_reason, streamlit_server
from catalogs import PAYLOADS, payload_layer
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from regionmap.catalog import ROOT, Catalog
from regionmap.cli import cli
from regionmap.credits import CREDIT, source_entries
from regionmap.export import export_view
from regionmap.frame import format_bbox, map_frame, resolve_view
from regionmap.headless import CHROMIUM_ENV, INSTALL_HINT
from regionmap.screenshot import screenshot_footer
from regionmap.view import View, view_contents

CATALOG = Catalog()
DAY = dt.date(2026, 12, 2)
MAP_IFRAME = "iframe[title='app.regionmap_map']"


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _colours(image: Image.Image) -> int:
    """How many distinct colours the image has (a blank capture has one or two)."""
    return len(image.convert("RGB").getcolors(maxcolors=1 << 22) or [])


def _check_shot(data: bytes, map_size: tuple[int, int], scale: float = 2) -> str:
    """A PNG at least the map's size times ``scale``, not blank; return its footer text."""
    image = _png(data)
    assert image.format == "PNG"
    width, height = image.size
    assert width >= map_size[0] * scale and height >= map_size[1] * scale, (image.size, map_size)
    assert height > map_size[1] * scale  # the footer band under the map
    assert _colours(image) > 20
    # The footer band is not empty: dark text pixels below the map.
    band = image.convert("L").crop((0, int(map_size[1] * scale) + 4, width, height))
    assert band.getextrema()[0] < 100
    return image.text["Description"]


# --- the footer: the view contents' credits and numbers ---------------------------------------


def test_footer_holds_the_credits_and_the_source_line_of_the_view():
    contents = view_contents(CATALOG, resolve_view(region="japan"))
    footer = screenshot_footer(contents, DAY)
    n = len(contents.bibliography.citations)
    assert n > 3
    assert footer.credits.startswith(CREDIT)
    for line in contents.credits:
        assert line in footer.credits
    assert footer.sources.startswith(f"Sources: see the list of {n} sources ([1]–[{n}])")
    assert "exported 2026-12-02" in footer.sources
    assert f"view Japan ({format_bbox(contents.view.frame)})" in footer.sources
    assert footer.name == "regionmap-japan-2026-12-02.png"
    assert footer.text == f"{footer.credits}\n{footer.sources}"


def test_a_few_sources_are_listed_with_the_numbers_of_the_pdf(tmp_path):
    view = View((131.9, 33.8, 132.6, 34.5), ("basing",), title="Iwakuni")
    contents = view_contents(CATALOG, view)
    footer = screenshot_footer(contents, DAY)
    entries = source_entries(contents.bibliography)
    assert 1 <= len(entries) <= 3, entries
    assert footer.sources.startswith("Sources: " + "; ".join(entries))
    # The PDF of the same view lists the same numbered sources.
    out = tmp_path / "iwakuni.pdf"
    export_view(CATALOG, bbox=view.frame, layers=["basing"], fmt="pdf", out=out, export_date=DAY)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out).pages)
    for citation in contents.bibliography.citations:
        assert f"[{citation.number}]" in text
        assert " ".join(citation.source.title.split())[:30] in text


# --- the control in the standalone HTML ------------------------------------------------------


def _click_shot(page, frame) -> tuple[bytes, str, tuple[int, int]]:
    """Click the Screenshot control; return the PNG, its file name and the map's size."""
    size = frame.evaluate("() => { const s = rmap.maps[0].map.getSize(); return [s.x, s.y]; }")
    with page.expect_download(timeout=60_000) as download:
        frame.locator(".rm-shot-button").click()
    path = download.value.path()
    return Path(path).read_bytes(), download.value.suggested_filename, tuple(size)


@pytest.mark.browser
def test_control_in_the_standalone_html_downloads_the_map_with_its_footer(tmp_path):
    out = tmp_path / "japan.html"
    result = export_view(CATALOG, region="japan", fmt="html", out=out, export_date=DAY)
    contents = view_contents(CATALOG, resolve_view(region="japan"))
    with chromium_page(viewport=(1000, 700), timeout_ms=60_000) as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        page.wait_for_selector(".leaflet-container[data-rm-labels-placed]")
        # Open a popup: it is part of the map as shown.
        page.locator("[data-rm-layer='basing']").first.dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content")
        data, name, size = _click_shot(page, page.main_frame)
        offsite = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
        assert offsite == []
    assert name == "regionmap-japan-2026-12-02.png"
    text = _check_shot(data, size)
    footer = screenshot_footer(contents, DAY)
    assert text == footer.text
    assert CREDIT in text and "Declared basing and access agreements: CC0-1.0" in text
    assert f"Sources: see the list of {result.sources} sources" in text
    assert "exported 2026-12-02" in text and "view Japan" in text


# --- the control in the app --------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` over the shipped catalog on a free port."""
    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("app")
    env = {k: v for k, v in os.environ.items() if k != "REGIONMAP_CATALOG"}
    with streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=folder / "streamlit.log") as url:
        yield url


_BOUNDS = """() => { const b = map_div.getBounds(); return {
  bounds: {_southWest: b.getSouthWest(), _northEast: b.getNorthEast()},
  center: map_div.getCenter()}; }"""


@pytest.mark.browser
def test_control_in_the_app_follows_the_current_view(app_url):
    with chromium_page(viewport=(1300, 900), timeout_ms=60_000) as page:
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(f"{app_url}/?region=japan")
        frame = page.wait_for_selector(MAP_IFRAME, timeout=60_000).content_frame()
        frame.wait_for_selector(".rm-shot-button", timeout=60_000)
        frame.wait_for_function("() => window.rmShot && window.map_div")

        def reported() -> str:
            """The view the map shows now, as the app words its frame."""
            return format_bbox(map_frame(frame.evaluate(_BOUNDS), (0, 0, 1, 1)).bbox)

        def footer_for(view: str) -> None:
            frame.wait_for_function(
                "(v) => window.rmShot && rmShot.sources.indexOf(v) >= 0", arg=view
            )

        first = reported()
        footer_for(first)  # the map reported its frame and the data groups followed
        data, name, size = _click_shot(page, frame)
        text = _check_shot(data, size)
        assert CREDIT in text and "Sources: " in text and f"view {first}" in text
        assert "Declared basing and access agreements: CC0-1.0" in text
        assert name.startswith("regionmap-") and name.endswith(f"-{dt.date.today()}.png")
        # Pan: the app reruns the view fragment; the next screenshot cites the new view.
        frame.evaluate("() => map_div.panBy([300, 120], {animate: false})")
        panned = reported()
        assert panned != first
        footer_for(panned)
        data, _, size = _click_shot(page, frame)
        text = _check_shot(data, size)
        assert f"view {panned}" in text and f"view {first}" not in text
        assert not [u for u in failed if not u.startswith(app_url)]


# --- the command line --------------------------------------------------------------------------


@pytest.mark.browser
def test_cli_screenshot_saves_the_map_with_its_footer(tmp_path):
    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)
    out = tmp_path / "japan.png"
    args = ["export", "--format", "screenshot", "--region", "japan", "--out", str(out),
            "--width", "900", "--height", "600", "--date", "2026-12-02"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (screenshot)" in result.output
    image = _png(out.read_bytes())
    assert image.size[0] == 1800 and image.size[1] > 1200
    text = _check_shot(out.read_bytes(), (900, 600))
    contents = view_contents(CATALOG, resolve_view(region="japan"))
    assert text == screenshot_footer(contents, DAY).text
    # --scale sets the device pixel ratio.
    small = tmp_path / "small.png"
    args = ["export", "--format", "screenshot", "--region", "japan", "--out", str(small),
            "--width", "600", "--height", "400", "--scale", "1"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _png(small.read_bytes()).size[0] == 600


def test_cli_screenshot_without_chromium_says_how_to_install_it(tmp_path, monkeypatch):
    missing = tmp_path / "no-chromium"
    monkeypatch.setenv(CHROMIUM_ENV, str(missing))
    out = tmp_path / "japan.png"
    args = ["export", "--format", "screenshot", "--region", "japan", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert str(missing) in lines[0] and INSTALL_HINT in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_screenshot_over_the_pixel_budget_is_refused(tmp_path):
    out = tmp_path / "big.png"
    args = ["export", "--format", "screenshot", "--region", "japan", "--out", str(out),
            "--width", "4000", "--height", "4000", "--scale", "4"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "megapixels" in result.output and "--scale" in result.output
    assert not out.exists()


@pytest.mark.browser
def test_hostile_layer_text_reaches_the_footer_as_text(tmp_path):
    folder, marker = tmp_path / "catalog", tmp_path / "pwned-marker"
    payload_layer(folder, marker)
    out = tmp_path / "hostile.html"
    catalog = Catalog(folder, root=ROOT)
    export_view(catalog, bbox="122,24,146.5,46", layers=["hostile"], fmt="html", out=out)
    with chromium_page(viewport=(900, 600), timeout_ms=60_000) as page:
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_selector(".leaflet-container[data-rm-labels-placed]")
        data, _, size = _click_shot(page, page.main_frame)
    assert not dialogs and not errors, (dialogs, errors)
    text = _check_shot(data, size)
    for payload in ("script", "jinja-expr", "backtick", "close-script"):
        assert PAYLOADS[payload] in text, payload
    assert not marker.exists()
